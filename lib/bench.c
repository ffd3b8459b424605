/* bench.c — bandwidth probe, peak RSS, core count. */
#include "bench.h"
#include "clock.h"
#include "err.h"
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double sum_scalar(const float *x, size_t n)
{
	float a[8] = {0};
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			a[k] += x[i + k];
	double r = 0;
	for (int k = 0; k < 8; k++)
		r += a[k];
	for (; i < n; i++)
		r += x[i];
	return r;
}

int art_bench_bandwidth(size_t bytes, int n_threads, int reps, double *gbps, double *checksum)
{
	size_t n = bytes / sizeof(float);
	float *x = NULL;
	if (posix_memalign((void **)&x, 64, n * sizeof(float)))
		return ART_ENOMEM;
	int avx2 = __builtin_cpu_supports("avx2");
	#pragma omp parallel for num_threads(n_threads) schedule(static)
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(i & 1023) * 1e-3f;
	double best = 0, sum = 0;
	for (int r = 0; r < reps; r++) {
		int64_t t0 = art_clock_mono_us();
		double s = 0;
		#pragma omp parallel num_threads(n_threads) reduction(+ : s)
		{
			int ith = omp_get_thread_num(), nth = omp_get_num_threads();
			size_t per = (n / (size_t)nth + 15) & ~(size_t)15;
			size_t lo = per * (size_t)ith, hi = lo + per < n ? lo + per : n;
			if (lo < hi)
				s += avx2 ? art_bench_sum_avx2(x + lo, hi - lo) : sum_scalar(x + lo, hi - lo);
		}
		int64_t t1 = art_clock_mono_us();
		double g = (double)(n * sizeof(float)) / ((double)(t1 - t0) * 1e3);
		if (g > best)
			best = g;
		sum = s;
	}
	free(x);
	*gbps = best;
	if (checksum)
		*checksum = sum;
	return ART_OK;
}

uint64_t art_bench_peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t kb = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6)) {
			kb = strtoull(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb * 1024;
}

int art_bench_physical_cores(void)
{
	/* distinct (physical id, core id) pairs among the CPUs we may run on */
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	int phys = -1, seen[1024][2], nseen = 0;
	if (f) {
		while (fgets(line, sizeof line, f)) {
			int v;
			if (sscanf(line, "physical id : %d", &v) == 1)
				phys = v;
			else if (sscanf(line, "core id : %d", &v) == 1) {
				int dup = 0;
				for (int i = 0; i < nseen; i++)
					dup |= seen[i][0] == phys && seen[i][1] == v;
				if (!dup && nseen < 1024) {
					seen[nseen][0] = phys;
					seen[nseen][1] = v;
					nseen++;
				}
			}
		}
		fclose(f);
	}
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int n = nseen > 0 ? nseen : (int)online;
	if (online > 0 && n > online)
		n = (int)online;
	return n > 0 ? n : 1;
}

/* bench_gemm.c — art_gemm against the vec_dot loop (art_gemm_ref) on one weight matrix,
 * rows split over OpenMP threads in explicit (ith, nth) ranges. */
#include "bench.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "gemm.h"
#include "quant.h"

struct art_bench_gemm {
	uint32_t type;
	int64_t K, rows;
	int nmax;
	size_t row_size, x_stride;
	char *W, *X;
	float *Y;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* n pseudo-random floats in about [-1, 1] from a seed (deterministic, thread-safe). */
static void fill(float *f, int64_t n, uint64_t seed)
{
	for (int64_t i = 0; i < n; i++)
		f[i] = (float)((int64_t)(mix(seed * 0x9e3779b97f4a7c15ull + (uint64_t)i) >> 40) - (1 << 23)) / (float)(1 << 23);
}

int art_bench_gemm_new(art_bench_gemm **out, uint32_t type, int64_t K, int64_t rows, int nmax)
{
	const art_qtraits *t = art_quant_traits(type);
	*out = NULL;
	if (!t || !t->vec_dot || !t->from_float || K % t->blck || rows < 1 || nmax < 1) return ART_EINVAL;
	const art_qtraits *a = art_quant_traits(t->vec_dot_type);
	if (!a || !a->from_float) return ART_EINVAL;
	art_bench_gemm *b = calloc(1, sizeof *b);
	if (!b) return ART_ENOMEM;
	b->type = type, b->K = K, b->rows = rows, b->nmax = nmax;
	b->row_size = art_quant_row_size(type, K);
	b->x_stride = art_gemm_act_size(type, K);
	if (posix_memalign((void **)&b->W, 64, b->row_size * (size_t)rows) ||
	    posix_memalign((void **)&b->X, 64, b->x_stride * (size_t)nmax) ||
	    posix_memalign((void **)&b->Y, 64, sizeof(float) * (size_t)rows * (size_t)nmax)) {
		art_bench_gemm_free(b);
		return ART_ENOMEM;
	}
	int ok = 1;
	#pragma omp parallel
	{
		float *f = malloc(sizeof(float) * (size_t)K);
		if (!f) {
			#pragma omp atomic write
			ok = 0;
		}
		#pragma omp for schedule(static)
		for (int64_t r = 0; r < rows + nmax; r++) {
			if (!f) continue;
			fill(f, K, (uint64_t)r + 1);
			if (r < rows) t->from_float(f, b->W + (size_t)r * b->row_size, K);
			else a->from_float(f, b->X + (size_t)(r - rows) * b->x_stride, K);
		}
		free(f);
	}
	if (!ok) {
		art_bench_gemm_free(b);
		return ART_ENOMEM;
	}
	*out = b;
	return ART_OK;
}

void art_bench_gemm_free(art_bench_gemm *b)
{
	if (!b) return;
	free(b->W);
	free(b->X);
	free(b->Y);
	free(b);
}

/* One product of the first n columns; thread ith of nth takes rows [lo, hi), cut at
 * multiples of 16 so that no two threads share a tile. */
static void run_once(const art_bench_gemm *b, int n, int nth, int use_gemm)
{
	#pragma omp parallel num_threads(nth)
	{
		const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
		const int64_t lo = (b->rows * ith / nt) & ~(int64_t)15;
		const int64_t hi = ith == nt - 1 ? b->rows : (b->rows * (ith + 1) / nt) & ~(int64_t)15;
		if (use_gemm)
			art_gemm(b->type, b->K, b->W, b->row_size, lo, hi, b->X, b->x_stride, n, b->Y, (size_t)b->rows);
		else
			art_gemm_ref(b->type, b->K, b->W, b->row_size, lo, hi, b->X, b->x_stride, n, b->Y,
				     (size_t)b->rows);
	}
}

int art_bench_gemm_run(art_bench_gemm *b, int n, int n_threads, int reps, int use_gemm, double *gmacs)
{
	if (n < 1 || n > b->nmax || n_threads < 1 || reps < 1) return ART_EINVAL;
	run_once(b, n, n_threads, use_gemm); /* warm-up: pages, caches, thread pool */
	double best = 0;
	for (int i = 0; i < reps; i++) {
		const int64_t t0 = art_clock_mono_us();
		int64_t t1;
		int k = 0;
		do { /* repeat short products to at least 20 ms per sample */
			run_once(b, n, n_threads, use_gemm);
			k++;
			t1 = art_clock_mono_us();
		} while (t1 - t0 < 20000);
		const double g = (double)b->K * (double)b->rows * n * k / ((double)(t1 - t0) * 1e3);
		if (g > best) best = g;
	}
	*gmacs = best;
	return ART_OK;
}

/* bench_avx2.c — the bandwidth probe's AVX2 sum (four independent accumulators so the
 * loop is bound by memory, not by add latency). */
#include "bench.h"
#include <immintrin.h>

double art_bench_sum_avx2(const float *x, size_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
		a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
		a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
		a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
	}
	__m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
	float v[8];
	_mm256_storeu_ps(v, s);
	double r = 0;
	for (int k = 0; k < 8; k++)
		r += v[k];
	for (; i < n; i++)
		r += x[i];
	return r;
}

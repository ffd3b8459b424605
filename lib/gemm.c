/* gemm.c — the reference matrix-matrix product, the tile driver and the dispatch to the
 * SIMD kernels (gemm_avx2.c, gemm_avx512.c). */
#include "gemm.h"

#include "err.h"
#include "gemm_simd.h"
#include "quant.h"
#include "simd.h"

/* Rows per tile: a tile of weight rows stays in L2 while every column passes over it. */
#define TILE_ROWS 16

void art_gemm_ref(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
		  const void *X, size_t x_stride, int n, float *Y, size_t ldy)
{
	const art_qtraits *t = art_quant_traits(type);
	ART_ASSERT(t && t->vec_dot && r0 <= r1 && n >= 0 && ldy >= (size_t)r1);
	for (int64_t rt = r0; rt < r1; rt += TILE_ROWS) {
		const int64_t re = rt + TILE_ROWS < r1 ? rt + TILE_ROWS : r1;
		for (int j = 0; j < n; j++) {
			const char *x = (const char *)X + (size_t)j * x_stride;
			float *y = Y + (size_t)j * ldy;
			for (int64_t r = rt; r < re; r++) t->vec_dot(K, &y[r], (const char *)W + (size_t)r * row_size, x);
		}
	}
}

static art_gemm_kernel_fn kernel_for(enum art_simd path, uint32_t type)
{
	switch (path) {
	case ART_SIMD_AVX2: return art_gemm_kernel_avx2(type);
	case ART_SIMD_AVX512: return art_gemm_kernel_avx512(type);
	default: return NULL;
	}
}

int art_gemm_accelerated(uint32_t type)
{
	return kernel_for(art_simd_path(), type) != NULL;
}

int art_gemm_tile_rows(uint32_t type)
{
	const enum art_simd path = art_simd_path();
	if (!kernel_for(path, type)) return 1;
	return path == ART_SIMD_AVX512 ? ART_GEMM_RT_AVX512 : ART_GEMM_RT_AVX2;
}

void art_gemm(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X,
	      size_t x_stride, int n, float *Y, size_t ldy)
{
	/* n = 1 (decode) stays on vec_dot: a tile would only repeat the one column */
	const art_gemm_kernel_fn k = n >= 2 ? kernel_for(art_simd_path(), type) : NULL;
	if (!k) {
		art_gemm_ref(type, K, W, row_size, r0, r1, X, x_stride, n, Y, ldy);
		return;
	}
	ART_ASSERT(r0 <= r1 && ldy >= (size_t)r1);
	k(K, W, row_size, r0, r1, X, x_stride, n, Y, ldy);
}

size_t art_gemm_act_size(uint32_t type, int64_t K)
{
	const art_qtraits *t = art_quant_traits(type);
	ART_ASSERT(t);
	return art_quant_row_size(t->vec_dot_type, K);
}

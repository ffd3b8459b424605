/* gemm.c — the reference matrix-matrix product and the dispatch to SIMD kernels. */
#include "gemm.h"

#include "err.h"
#include "quant.h"

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

void art_gemm(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X,
	      size_t x_stride, int n, float *Y, size_t ldy)
{
	art_gemm_ref(type, K, W, row_size, r0, r1, X, x_stride, n, Y, ldy);
}

size_t art_gemm_act_size(uint32_t type, int64_t K)
{
	const art_qtraits *t = art_quant_traits(type);
	ART_ASSERT(t);
	return art_quant_row_size(t->vec_dot_type, K);
}

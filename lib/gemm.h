/* gemm.h — matrix-matrix products of a weight (quantized or float rows) with several
 * activation columns: the prefill and batched-decode work of the forward pass.
 *
 * Ownership: nothing here allocates; every argument is caller memory.
 *
 * Contract (the one every kernel behind art_gemm keeps, and test_gemm checks):
 *
 *   for r in [r0, r1), j in [0, n):
 *     Y[j * ldy + r] = the value art_quant_traits(type)->vec_dot(K, ., row r of W, column j of X)
 *                      writes, bit for bit
 *
 * so a token's result never depends on how many other tokens share the call, on the row
 * range a thread was given, or on the tiling; batched and unbatched generation then
 * agree exactly.  Kernels may reorder *which* (r, j) pairs they compute when (tiles of
 * rows x columns so that a weight block loaded once serves several columns), never the
 * summation order inside one dot.
 *
 *   W  rows of row_size bytes; row r starts at (const char *)W + r * row_size; K elements
 *   X  n activation rows already converted to the weight type's vec_dot_type (see
 *      art_gemm_act_size), column j at (const char *)X + j * x_stride
 *   Y  (n, ldy) floats, ldy >= r1
 */
#ifndef ART_GEMM_H
#define ART_GEMM_H
#include <stddef.h>
#include <stdint.h>

/* Y = W[r0:r1] · X over n columns with the kernels of the SIMD path in use. */
void art_gemm(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
	      const void *X, size_t x_stride, int n, float *Y, size_t ldy);

/* The reference twin: the same result as a plain loop of the active path's vec_dot,
 * tiled only for cache reuse.  What art_gemm falls back to for types without a kernel. */
void art_gemm_ref(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
		  const void *X, size_t x_stride, int n, float *Y, size_t ldy);

/* 1 if art_gemm has a tiled kernel for type on the SIMD path in use (used for n >= 2;
 * n = 1 and types without one run the vec_dot loop of art_gemm_ref). */
int art_gemm_accelerated(uint32_t type);

/* Rows per tile of that kernel (1 without one).  Row ranges [r0, r1) that start (and,
 * but for the last, end) at multiples of it never split a tile; other ranges are still
 * exact, their partial tiles just redo rows. */
int art_gemm_tile_rows(uint32_t type);

/* Bytes one activation column of K elements takes once converted for a weight of type. */
size_t art_gemm_act_size(uint32_t type, int64_t K);
#endif

/* gemm_simd.h — the per-path kernel tables behind art_gemm, and the tile driver they share.
 *
 * Private to gemm.c, gemm_avx2.c and gemm_avx512.c (and test_gemm.c, which calls each
 * path's table directly).  Ownership: nothing allocates; every argument is caller memory.
 */
#ifndef ART_GEMM_SIMD_H
#define ART_GEMM_SIMD_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* art_gemm's signature without the type: Y[j*ldy + r] for r in [r0, r1), j in [0, n). */
typedef void (*art_gemm_kernel_fn)(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
				   const void *X, size_t x_stride, int n, float *Y, size_t ldy);

/* One tile: rt weight rows wr[0..rt) times ct activation columns xc[0..ct), nb blocks each;
 * out[c*rt + r] = vec_dot(row wr[r], column xc[c]).  Pointers may repeat (tails). */
typedef void (*art_gemm_tile_fn)(int64_t nb, const char *const *wr, const char *const *xc, float *out);

/* Bytes of activation columns per block: the block stays in L2 while every row tile
 * passes over it (64 Q8_K columns of K = 5632 are ~400 KB). */
#define ART_GEMM_COL_BLOCK_BYTES (512 * 1024)

/* Cover [r0, r1) x [0, n) with rt x ct tiles (rt, ct <= 8): rows outermost within blocks
 * of columns, so a tile of weight rows stays in L1 while the block's columns pass.
 * prefetch = 1 also asks for the next tile of rows into L2, a share with each column tile
 * (measured per kernel: it helps those whose rows are long or slow to unpack, and costs
 * the light Q4_K tile more than it saves).  Inline, so each kernel's copy has its tile
 * shape and tile function as constants. */
static inline __attribute__((always_inline)) void art_gemm_tiles(int rt, int ct, art_gemm_tile_fn tile, int64_t nb,
								  const void *W, size_t row_size, int64_t r0,
								  int64_t r1, const void *X, size_t x_stride, int n,
								  float *Y, size_t ldy, int prefetch)
{
	ART_ASSERT(rt >= 1 && rt <= 8 && ct >= 1 && ct <= 8);
	int cb = (int)(ART_GEMM_COL_BLOCK_BYTES / x_stride) / ct * ct;
	if (cb < ct) cb = ct;
	for (int jb = 0; jb < n; jb += cb) {
		const int je = jb + cb < n ? jb + cb : n;
		for (int64_t r = r0; r < r1; r += rt) {
			const int nr = r1 - r < rt ? (int)(r1 - r) : rt;
			const char *wr[8];
			for (int k = 0; k < rt; k++)
				wr[k] = (const char *)W + (size_t)(r + (k < nr ? k : nr - 1)) * row_size;
			/* the next row tile, into L2 while this one works: a share per column tile */
			const char *next = prefetch && r + rt < r1 ? (const char *)W + (size_t)(r + rt) * row_size : NULL;
			const size_t lines = next ? ((size_t)(r1 - r - rt < rt ? r1 - r - rt : rt) * row_size + 63) / 64 : 0;
			const size_t per = (lines + (size_t)(je - jb + ct - 1) / ct - 1) / ((size_t)(je - jb + ct - 1) / ct);
			size_t pl = 0;
			for (int j = jb; j < je; j += ct) {
				const int nc = je - j < ct ? je - j : ct;
				for (size_t e = pl + per < lines ? pl + per : lines; pl < e; pl++)
					__builtin_prefetch(next + pl * 64, 0, 1);
				const char *xc[8];
				float out[64];
				for (int c = 0; c < ct; c++)
					xc[c] = (const char *)X + (size_t)(j + (c < nc ? c : nc - 1)) * x_stride;
				tile(nb, wr, xc, out);
				for (int c = 0; c < nc; c++)
					for (int k = 0; k < nr; k++) Y[(size_t)(j + c) * ldy + (size_t)(r + k)] = out[c * rt + k];
			}
		}
	}
}

/* Rows per tile of each path's kernels (art_gemm_tile_rows reports them). */
#define ART_GEMM_RT_AVX2 2
#define ART_GEMM_RT_AVX512 4

/* The path's kernel for a weight type, NULL where it has none (art_gemm then uses
 * art_gemm_ref).  Call only when art_simd_supported() says the path runs here. */
art_gemm_kernel_fn art_gemm_kernel_avx2(uint32_t type);
art_gemm_kernel_fn art_gemm_kernel_avx512(uint32_t type);
#endif

/* gemm_simd.h — the per-path kernel tables behind art_gemm, and the tile driver they share.
 *
 * Private to gemm.c, gemm_avx2.c and gemm_avx512.c (and test_gemm.c, which calls each
 * path's table directly).  Ownership: nothing allocates; every argument is caller memory.
 */
#ifndef ART_GEMM_SIMD_H
#define ART_GEMM_SIMD_H
#include <stddef.h>
#include <stdint.h>

/* art_gemm's signature without the type: Y[j*ldy + r] for r in [r0, r1), j in [0, n). */
typedef void (*art_gemm_kernel_fn)(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
				   const void *X, size_t x_stride, int n, float *Y, size_t ldy);

/* One tile: rt weight rows wr[0..rt) times ct activation columns xc[0..ct), nb blocks each;
 * out[c*rt + r] = vec_dot(row wr[r], column xc[c]).  Pointers may repeat (tails). */
typedef void (*art_gemm_tile_fn)(int64_t nb, const char *const *wr, const char *const *xc, float *out);

/* Cover [r0, r1) x [0, n) with rt x ct tiles (rt, ct <= 8): rows outermost within blocks
 * of columns, so a tile of weight rows stays in L1 while the block's columns pass.
 * prefetch = 1 also asks for the next tile of rows into L2, a share with each column tile
 * (measured per kernel: it helps those whose rows are long or slow to unpack, and costs
 * the light Q4_K tile more than it saves). */
void art_gemm_tiles(int rt, int ct, art_gemm_tile_fn tile, int64_t nb, const void *W, size_t row_size,
		    int64_t r0, int64_t r1, const void *X, size_t x_stride, int n, float *Y, size_t ldy,
		    int prefetch);

/* Rows per tile of each path's kernels (art_gemm_tile_rows reports them). */
#define ART_GEMM_RT_AVX2 2
#define ART_GEMM_RT_AVX512 4

/* The path's kernel for a weight type, NULL where it has none (art_gemm then uses
 * art_gemm_ref).  Call only when art_simd_supported() says the path runs here. */
art_gemm_kernel_fn art_gemm_kernel_avx2(uint32_t type);
art_gemm_kernel_fn art_gemm_kernel_avx512(uint32_t type);
#endif

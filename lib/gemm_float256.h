/* gemm_float256.h — the float-type tiles whose vec_dot is a 256-bit kernel of quant_simd.h
 * (F32 on both paths, F16 on AVX2, BF16 on both), shared by gemm_avx2.c and gemm_avx512.c.
 *
 * Private to those two files: each includes it once after quant_simd.h and compiles it
 * under its own -m flags.  Contracts are gemm_simd.h's (art_gemm_tile_fn, nb = K).
 *
 * Those vec_dots keep four independent 8-lane chains a_k: chain k takes elements
 * [s·S + k·W, s·S + k·W + W) of each full step s (W = 8, S = 32 for F32/F16; W = 16,
 * S = 64 for BF16, whose chain 0 also takes the 16-element steps after the last full
 * one).  A tile runs the chains one after another (k outermost), so only rt·ct
 * accumulators live at once, then combines each pair's four exactly as the vec_dot does
 * (reduce4_ps8 and a double tail for F32/F16; hsum_ps8 of (a0 + a1) + (a2 + a3) and a
 * float tail for BF16).  Same fma sequence per lane, so bit-identical results.
 */
#ifndef ART_GEMM_FLOAT256_H
#define ART_GEMM_FLOAT256_H
#include "quant_simd.h"

enum { F256_F32, F256_F16, F256_BF16, F256_BF16DP /* vdpbf16ps: AVX512-BF16 only */ };

static inline __m256 f256_load(const char *p, int64_t i, const int kind)
{
	return kind == F256_F32 ? _mm256_loadu_ps((const float *)p + i) : ld_f16((const art_f16 *)p + i);
}

static inline float f256_elem(const char *p, int64_t i, const int kind)
{
	switch (kind) {
	case F256_F32: return ((const float *)p)[i];
	case F256_F16: return f16s(((const art_f16 *)p)[i]);
	default: return art_bf16_to_f32(((const art_bf16 *)p)[i]);
	}
}

static inline __attribute__((always_inline)) void float256_tile(int64_t K, const char *const *wr,
								 const char *const *xc, float *out, const int rt,
								 const int ct, const int kind)
{
	const int bf = kind >= F256_BF16, W = bf ? 16 : 8, S = 4 * W;
	const int64_t full = K / S * S, steps16 = bf ? full + (K - full) / 16 * 16 : full;
	const __m256i hi16 = _mm256_set1_epi32((int)0xffff0000u);
	__m256 A[4][4][4]; /* [k][r][c], rt, ct <= 4 */
	for (int k = 0; k < 4; k++) {
		__m256 a[4][4];
		_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++)
			_Pragma("GCC unroll 16") for (int c = 0; c < ct; c++) a[r][c] = _mm256_setzero_ps();
		const int64_t end = k == 0 ? steps16 : full;
		for (int64_t i = (int64_t)k * W; i < end; i += i < full ? S : 16) {
			if (!bf) {
				__m256 xv[4];
				_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++) xv[r] = f256_load(wr[r], i, kind);
				_Pragma("GCC unroll 16") for (int c = 0; c < ct; c++) {
					const __m256 yv = f256_load(xc[c], i, kind);
					_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++)
						a[r][c] = _mm256_fmadd_ps(xv[r], yv, a[r][c]);
				}
			} else if (kind == F256_BF16) { /* bf16_dp8: odd element (high half) first */
				__m256 xh[4], xl[4];
				_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++) {
					const __m256i v = load32((const art_bf16 *)wr[r] + i);
					xh[r] = _mm256_castsi256_ps(_mm256_and_si256(v, hi16));
					xl[r] = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
				}
				_Pragma("GCC unroll 16") for (int c = 0; c < ct; c++) {
					const __m256i v = load32((const art_bf16 *)xc[c] + i);
					const __m256 yh = _mm256_castsi256_ps(_mm256_and_si256(v, hi16));
					const __m256 yl = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
					_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++)
						a[r][c] = _mm256_fmadd_ps(xl[r], yl, _mm256_fmadd_ps(xh[r], yh, a[r][c]));
				}
			} else {
#if defined(__AVX512BF16__) && defined(__AVX512VL__)
				__m256i xv[4];
				_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++) xv[r] = load32((const art_bf16 *)wr[r] + i);
				_Pragma("GCC unroll 16") for (int c = 0; c < ct; c++) {
					const __m256i yv = load32((const art_bf16 *)xc[c] + i);
					_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++)
						a[r][c] = _mm256_dpbf16_ps(a[r][c], (__m256bh)xv[r], (__m256bh)yv);
				}
#endif
			}
		}
		_Pragma("GCC unroll 16") for (int r = 0; r < rt; r++)
			_Pragma("GCC unroll 16") for (int c = 0; c < ct; c++) A[k][r][c] = a[r][c];
	}
	for (int c = 0; c < ct; c++)
		for (int r = 0; r < rt; r++) {
			if (bf) {
				float sum = hsum_ps8(_mm256_add_ps(_mm256_add_ps(A[0][r][c], A[1][r][c]),
								   _mm256_add_ps(A[2][r][c], A[3][r][c])));
				for (int64_t i = steps16; i < K; i++) sum += f256_elem(wr[r], i, kind) * f256_elem(xc[c], i, kind);
				out[c * rt + r] = sum;
			} else {
				double sum = reduce4_ps8(A[0][r][c], A[1][r][c], A[2][r][c], A[3][r][c]);
				for (int64_t i = full; i < K; i++)
					sum += (double)(f256_elem(wr[r], i, kind) * f256_elem(xc[c], i, kind));
				out[c * rt + r] = (float)sum;
			}
		}
}
#endif

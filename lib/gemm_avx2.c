/* gemm_avx2.c — matrix-matrix kernels of the AVX2 + FMA + F16C path.
 *
 * A kernel computes a tile of 2 weight rows x 4 activation columns (16 ymm registers
 * bound the tile): each weight block is loaded and unpacked once for the 4 columns, each
 * activation block serves both rows.  Per pair the float steps are those of the path's
 * vec_dot (quant_simd.h) in the same order, on the same exact integer lane sums, so every
 * Y value is bit-identical to vec_dot's.
 *
 * Q6_K uses the unsigned bias trick: maddubs(y ^ 0x80, q) = Σ (y + 128)·q with signed
 * q = u - 32 (pairs stay within int16), minus the row's 128·Σ sc·q: exact lanes with the
 * activation side computed once per column and the correction once per row.
 *
 * Tails repeat the last valid row/column pointer and drop the duplicates (art_gemm_tiles).
 * Contracts are gemm.h's; reached only through art_gemm after the cpuid check.
 */
#include <stddef.h>

#include "gemm_simd.h"
#include "gemm_float256.h"
#include "quant_simd.h"

#define RT ART_GEMM_RT_AVX2 /* rows per tile */
#define CT 4 /* columns per tile */
#define UNROLL _Pragma("GCC unroll 16") /* the tile loops must become straight code */

/* ---- Q4_K, Q5_K x Q8_K: k_dot_q4_K / k_dot_q5_K per pair -------------------------------------
 * Both blocks start with d, dmin, scales (the Q4_K struct is read for those). */
static_assert(offsetof(art_block_q5_K, scales) == offsetof(art_block_q4_K, scales), "q4_K/q5_K header");

static inline __attribute__((always_inline)) void k45_tile(int64_t nb, const char *const wr[RT],
							    const char *const xc[CT], float out[CT * RT], const int five)
{
	const size_t bsize = five ? sizeof(art_block_q5_K) : sizeof(art_block_q4_K);
	const __m256i lo4 = _mm256_set1_epi8(0x0f), one8 = _mm256_set1_epi8(1);
	__m256 acc[RT][CT];
	float summs[RT][CT];
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int c = 0; c < CT; c++) acc[r][c] = _mm256_setzero_ps(), summs[r][c] = 0;
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q4_K *w[RT];
		const art_block_q8_K *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = (const art_block_q4_K *)(wr[r] + (size_t)i * bsize);
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_K *)xc[c] + i;
		uint8_t sc[RT][8], mn[RT][8];
		UNROLL
		for (int r = 0; r < RT; r++) k4_scales(w[r]->scales, sc[r], mn[r]);
		__m256i sumi[RT][CT];
		UNROLL
		for (int r = 0; r < RT; r++)
			UNROLL
			for (int c = 0; c < CT; c++) sumi[r][c] = _mm256_setzero_si256();
		UNROLL
		for (int j = 0; j < 4; j++) {
			__m256i lo[RT], hi[RT], s0[RT], s1[RT];
			UNROLL
			for (int r = 0; r < RT; r++) {
				const __m256i q = load32((five ? ((const art_block_q5_K *)w[r])->qs : w[r]->qs) + 32 * j);
				lo[r] = _mm256_and_si256(q, lo4);
				hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), lo4);
				if (five) {
					const __m256i qh = load32(((const art_block_q5_K *)w[r])->qh);
					lo[r] = _mm256_or_si256(lo[r], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one8), 4));
					hi[r] = _mm256_or_si256(hi[r], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one8), 4));
				}
				s0[r] = _mm256_set1_epi16(sc[r][2 * j]);
				s1[r] = _mm256_set1_epi16(sc[r][2 * j + 1]);
			}
			UNROLL
			for (int c = 0; c < CT; c++) {
				const __m256i y0 = load32(x[c]->qs + 64 * j), y1 = load32(x[c]->qs + 64 * j + 32);
				UNROLL
				for (int r = 0; r < RT; r++) {
					const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo[r], y0), s0[r]);
					const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi[r], y1), s1[r]);
					sumi[r][c] = _mm256_add_epi32(sumi[r][c], _mm256_add_epi32(p0, p1));
				}
			}
		}
		UNROLL
		for (int r = 0; r < RT; r++) {
			const float d = f16s(w[r]->d), dmin = f16s(w[r]->dmin);
			UNROLL
			for (int c = 0; c < CT; c++) {
				const float dy = x[c]->d;
				summs[r][c] = fmaf(-dy * dmin, (float)hsum_epi32_8(k4_minsum(mn[r], x[c]->bsums)), summs[r][c]);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dy * d), _mm256_cvtepi32_ps(sumi[r][c]), acc[r][c]);
			}
		}
	}
	UNROLL
	for (int c = 0; c < CT; c++)
		UNROLL
		for (int r = 0; r < RT; r++) out[c * RT + r] = hsum_ps8(acc[r][c]) + summs[r][c];
}

static void q4K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k45_tile(nb, wr, xc, out, 0);
}

static void q5K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k45_tile(nb, wr, xc, out, 1);
}

/* ---- Q6_K, Q3_K x Q8_K: k_dot_q6_K / k_dot_q3_K per pair ------------------------------------
 * Signed q (Q6_K: u - 32; Q3_K: 2 low bits + 4·hmask bit - 4) per quarter of 32. */

static inline __attribute__((always_inline)) void k36_tile(int64_t nb, const char *const wr[RT],
							    const char *const xc[CT], float out[CT * RT], const int q3)
{
	const size_t bsize = q3 ? sizeof(art_block_q3_K) : sizeof(art_block_q6_K);
	const __m256i lo4 = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
	const __m256i one8 = _mm256_set1_epi8(1), m4 = _mm256_set1_epi8(4);
	const __m256i b80 = _mm256_set1_epi8((char)0x80);
	__m256 acc[RT][CT];
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int c = 0; c < CT; c++) acc[r][c] = _mm256_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q6_K *w[RT];
		const art_block_q3_K *w3[RT];
		const art_block_q8_K *x[CT];
		__m128i sc8[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			w[r] = (const art_block_q6_K *)(wr[r] + (size_t)i * bsize);
			w3[r] = (const art_block_q3_K *)(wr[r] + (size_t)i * bsize);
			sc8[r] = q3 ? q3_scales8(w3[r]->scales) : _mm_loadu_si128((const __m128i *)w[r]->scales);
		}
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_K *)xc[c] + i;
		__m256i sumi[RT][CT], corr[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			corr[r] = _mm256_setzero_si256();
			UNROLL
			for (int c = 0; c < CT; c++) sumi[r][c] = _mm256_setzero_si256();
		}
		UNROLL
		for (int h = 0; h < 2; h++) {
			UNROLL
			for (int k = 0; k < 4; k++) {
				__m256i q[RT], sp[RT];
				UNROLL
				for (int r = 0; r < RT; r++) {
					if (q3) {
						const __m256i l2 = _mm256_and_si256(_mm256_srli_epi16(load32(w3[r]->qs + 32 * h), 2 * k), three);
						const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(load32(w3[r]->hmask), 4 * h + k), one8);
						q[r] = _mm256_sub_epi8(_mm256_or_si256(l2, _mm256_slli_epi16(hb, 2)), m4);
					} else {
						const __m256i ql = load32(w[r]->ql + 64 * h + 32 * (k & 1));
						const __m256i lo = k < 2 ? _mm256_and_si256(ql, lo4)
									 : _mm256_and_si256(_mm256_srli_epi16(ql, 4), lo4);
						const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(load32(w[r]->qh + 32 * h), 2 * k), three);
						q[r] = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hb, 4)), m32);
					}
					sp[r] = scale_pair(sc8[r], 4 * h + k);
					corr[r] = _mm256_add_epi32(corr[r], _mm256_madd_epi16(_mm256_maddubs_epi16(b80, q[r]), sp[r]));
				}
				UNROLL
				for (int c = 0; c < CT; c++) {
					const __m256i yu = _mm256_xor_si256(load32(x[c]->qs + 128 * h + 32 * k), b80);
					UNROLL
					for (int r = 0; r < RT; r++)
						sumi[r][c] = _mm256_add_epi32(
							sumi[r][c], _mm256_madd_epi16(_mm256_maddubs_epi16(yu, q[r]), sp[r]));
				}
			}
		}
		UNROLL
		for (int r = 0; r < RT; r++) {
			const float d = f16s(q3 ? w3[r]->d : w[r]->d);
			UNROLL
			for (int c = 0; c < CT; c++)
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(x[c]->d * d),
							    _mm256_cvtepi32_ps(_mm256_sub_epi32(sumi[r][c], corr[r])), acc[r][c]);
		}
	}
	UNROLL
	for (int c = 0; c < CT; c++)
		UNROLL
		for (int r = 0; r < RT; r++) out[c * RT + r] = hsum_ps8(acc[r][c]);
}

static void q6K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k36_tile(nb, wr, xc, out, 0);
}

static void q3K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k36_tile(nb, wr, xc, out, 1);
}

/* ---- Q2_K x Q8_K: k_dot_q2_K per pair ------------------------------------------------------- */

static void q2K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	const __m256i three = _mm256_set1_epi8(3);
	const __m128i lo4 = _mm_set1_epi8(0x0f);
	__m256 acc[RT][CT];
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int c = 0; c < CT; c++) acc[r][c] = _mm256_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q2_K *w[RT];
		const art_block_q8_K *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = (const art_block_q2_K *)wr[r] + i;
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_K *)xc[c] + i;
		__m128i sc8[RT];
		__m256i mn16[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m128i raw = _mm_loadu_si128((const __m128i *)w[r]->scales);
			sc8[r] = _mm_and_si128(raw, lo4);
			mn16[r] = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), lo4));
		}
		__m256i sumi[RT][CT];
		UNROLL
		for (int r = 0; r < RT; r++)
			UNROLL
			for (int c = 0; c < CT; c++) sumi[r][c] = _mm256_setzero_si256();
		UNROLL
		for (int h = 0; h < 2; h++)
			UNROLL
			for (int k = 0; k < 4; k++) {
				__m256i u[RT], sp[RT];
				UNROLL
				for (int r = 0; r < RT; r++) {
					u[r] = _mm256_and_si256(_mm256_srli_epi16(load32(w[r]->qs + 32 * h), 2 * k), three);
					sp[r] = scale_pair(sc8[r], 4 * h + k);
				}
				UNROLL
				for (int c = 0; c < CT; c++) {
					const __m256i yv = load32(x[c]->qs + 128 * h + 32 * k);
					UNROLL
					for (int r = 0; r < RT; r++)
						sumi[r][c] = _mm256_add_epi32(sumi[r][c],
									      _mm256_madd_epi16(_mm256_maddubs_epi16(u[r], yv), sp[r]));
				}
			}
		UNROLL
		for (int r = 0; r < RT; r++) {
			const float d = f16s(w[r]->d), dmin = f16s(w[r]->dmin);
			UNROLL
			for (int c = 0; c < CT; c++) {
				const __m256i msum = _mm256_madd_epi16(load32(x[c]->bsums), mn16[r]);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(-x[c]->d * dmin), _mm256_cvtepi32_ps(msum), acc[r][c]);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(x[c]->d * d), _mm256_cvtepi32_ps(sumi[r][c]), acc[r][c]);
			}
		}
	}
	UNROLL
	for (int c = 0; c < CT; c++)
		UNROLL
		for (int r = 0; r < RT; r++) out[c * RT + r] = hsum_ps8(acc[r][c]);
}

/* ---- 32-blocks with an 8-lane float accumulator: Q8_0, Q5_0 (x Q8_0), Q4_1, Q5_1 (x Q8_1) ----
 * Per pair and block: lanes = dot_ss(q, y) (signed quants: |q| once per row, y's sign per
 * pair) or dot_us(q, y) (unsigned), acc = fma(dx·dy, (float)lanes, acc), and for Q4_1/Q5_1
 * summ = fmaf(m, s, summ), added after the lanes' sum: k_dot_q8_0 / _q5_0 / _q4_1 / _q5_1. */

/* One block's 32 quants of weight type t, in element order. */
static inline __m256i legacy_quants(const char *blk, uint32_t t)
{
	switch (t) {
	case ART_QTYPE_Q8_0: return load32(((const art_block_q8_0 *)blk)->qs);
	case ART_QTYPE_Q5_0: return q5_0_signed((const art_block_q5_0 *)blk);
	case ART_QTYPE_Q4_0: return _mm256_sub_epi8(nibbles32(((const art_block_q4_0 *)blk)->qs), _mm256_set1_epi8(8));
	case ART_QTYPE_Q4_1: return nibbles32(((const art_block_q4_1 *)blk)->qs);
	default: { /* Q5_1 */
		const art_block_q5_1 *b = (const art_block_q5_1 *)blk;
		return _mm256_or_si256(nibbles32(b->qs), _mm256_and_si256(bits32(b->qh), _mm256_set1_epi8(0x10)));
	}
	}
}

static inline __attribute__((always_inline)) void lane8_tile(int64_t nb, const char *const wr[RT],
							      const char *const xc[CT], float out[CT * RT],
							      const uint32_t t)
{
	const int with_min = t == ART_QTYPE_Q4_1 || t == ART_QTYPE_Q5_1, is_signed = !with_min;
	const size_t bsize = art_quant_row_size(t, 32), ysize = with_min ? sizeof(art_block_q8_1) : sizeof(art_block_q8_0);
	const size_t yq = with_min ? offsetof(art_block_q8_1, qs) : offsetof(art_block_q8_0, qs);
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 acc[RT][CT];
	float summ[RT][CT];
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int c = 0; c < CT; c++) acc[r][c] = _mm256_setzero_ps(), summ[r][c] = 0;
	for (int64_t i = 0; i < nb; i++) {
		const char *w[RT], *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = wr[r] + (size_t)i * bsize;
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = xc[c] + (size_t)i * ysize;
		__m256i q[RT], aq[RT];
		float d[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			q[r] = legacy_quants(w[r], t);
			aq[r] = is_signed ? _mm256_sign_epi8(q[r], q[r]) : q[r];
			d[r] = f16s(*(const art_f16 *)w[r]); /* every weight block starts with d */
		}
		UNROLL
		for (int c = 0; c < CT; c++) {
			const __m256i yv = load32(x[c] + yq);
			const float dy = f16s(*(const art_f16 *)x[c]);
			UNROLL
			for (int r = 0; r < RT; r++) {
				const __m256i p = _mm256_madd_epi16(
					_mm256_maddubs_epi16(aq[r], is_signed ? _mm256_sign_epi8(yv, q[r]) : yv), ones);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(d[r] * dy), _mm256_cvtepi32_ps(p), acc[r][c]);
				if (with_min) /* weights: d, m; Q8_1: d, s */
					summ[r][c] = fmaf(f16s(((const art_f16 *)w[r])[1]), f16s(((const art_f16 *)x[c])[1]),
							  summ[r][c]);
			}
		}
	}
	UNROLL
	for (int c = 0; c < CT; c++)
		UNROLL
		for (int r = 0; r < RT; r++) out[c * RT + r] = with_min ? hsum_ps8(acc[r][c]) + summ[r][c] : hsum_ps8(acc[r][c]);
}

#define LANE8(name, T)                                                                                   \
	static void name(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT]) \
	{                                                                                                 \
		lane8_tile(nb, wr, xc, out, T);                                                            \
	}
LANE8(q8_0_tile, ART_QTYPE_Q8_0)
LANE8(q5_0_tile, ART_QTYPE_Q5_0)
LANE8(q4_1_tile, ART_QTYPE_Q4_1)
LANE8(q5_1_tile, ART_QTYPE_Q5_1)
#undef LANE8

/* ---- Q4_0 x Q8_0: one float per pair, acc = fmaf(block sum, dx·dy, acc) (k_dot_q4_0) -------
 * The 8 pairs' block sums land in one register (lane c·2 + r, a transpose-add of their
 * 8-lane dot_ss partials), so the per-block float step is one 8-lane fma. */

static void q4_0_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q4_0 *w[RT];
		const art_block_q8_0 *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = (const art_block_q4_0 *)wr[r] + i;
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_0 *)xc[c] + i;
		__m256i q[RT], aq[RT], D[CT * RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			q[r] = legacy_quants((const char *)w[r], ART_QTYPE_Q4_0);
			aq[r] = _mm256_sign_epi8(q[r], q[r]);
		}
		UNROLL
		for (int c = 0; c < CT; c++) {
			const __m256i yv = load32(x[c]->qs);
			UNROLL
			for (int r = 0; r < RT; r++)
				D[c * RT + r] = _mm256_madd_epi16(_mm256_maddubs_epi16(aq[r], _mm256_sign_epi8(yv, q[r])), ones);
		}
		/* per 128-bit lane: [a, b, a, b] partials, then [a, b, c, d] sums of its 4 lanes;
		 * the two lanes added: lane k = D[k]'s total */
#define T1(a, b) _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b))
#define T2(a, b) _mm256_add_epi32(_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b))
		const __m256i u0 = T2(T1(D[0], D[1]), T1(D[2], D[3]));
		const __m256i u1 = T2(T1(D[4], D[5]), T1(D[6], D[7]));
#undef T1
#undef T2
		const __m256i sum = _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
						     _mm256_permute2x128_si256(u0, u1, 0x31));
		const __m256 dw = _mm256_setr_ps(f16s(w[0]->d), f16s(w[1]->d), f16s(w[0]->d), f16s(w[1]->d),
						 f16s(w[0]->d), f16s(w[1]->d), f16s(w[0]->d), f16s(w[1]->d));
		const __m256 dy = _mm256_setr_ps(f16s(x[0]->d), f16s(x[0]->d), f16s(x[1]->d), f16s(x[1]->d),
						 f16s(x[2]->d), f16s(x[2]->d), f16s(x[3]->d), f16s(x[3]->d));
		acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, dy), acc);
	}
	_mm256_storeu_ps(out, acc);
}

/* ---- F32, F16, BF16: k_dot_f32 / k_dot_f16 / k_dot_bf16 per pair (gemm_float256.h) ----------- */

static void f32_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_F32);
}

static void f16_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_F16);
}

static void bf16_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_BF16);
}

/* ---- driver ---------------------------------------------------------------------------------- */

#define GEMM(name, tile, blck)                                                                           \
	static void name(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X, \
			 size_t x_stride, int n, float *Y, size_t ldy)                                     \
	{                                                                                                 \
		art_gemm_tiles(RT, CT, tile, K / (blck), W, row_size, r0, r1, X, x_stride, n, Y, ldy, 0);     \
	}
GEMM(gemm_q4_K, q4K_tile, ART_QK_K)
GEMM(gemm_q2_K, q2K_tile, ART_QK_K)
GEMM(gemm_q3_K, q3K_tile, ART_QK_K)
GEMM(gemm_q5_K, q5K_tile, ART_QK_K)
GEMM(gemm_q6_K, q6K_tile, ART_QK_K)
GEMM(gemm_q8_0, q8_0_tile, ART_QK8_0)
GEMM(gemm_q4_0, q4_0_tile, ART_QK4_0)
GEMM(gemm_q4_1, q4_1_tile, ART_QK4_1)
GEMM(gemm_q5_0, q5_0_tile, ART_QK5_0)
GEMM(gemm_q5_1, q5_1_tile, ART_QK5_1)
GEMM(gemm_f32, f32_tile, 1)
GEMM(gemm_f16, f16_tile, 1)
GEMM(gemm_bf16, bf16_tile, 1)
#undef GEMM

art_gemm_kernel_fn art_gemm_kernel_avx2(uint32_t type)
{
	switch (type) {
	case ART_QTYPE_Q4_K: return gemm_q4_K;
	case ART_QTYPE_Q2_K: return gemm_q2_K;
	case ART_QTYPE_Q3_K: return gemm_q3_K;
	case ART_QTYPE_Q5_K: return gemm_q5_K;
	case ART_QTYPE_Q6_K: return gemm_q6_K;
	case ART_QTYPE_Q8_0: return gemm_q8_0;
	case ART_QTYPE_Q4_0: return gemm_q4_0;
	case ART_QTYPE_Q4_1: return gemm_q4_1;
	case ART_QTYPE_Q5_0: return gemm_q5_0;
	case ART_QTYPE_Q5_1: return gemm_q5_1;
	case ART_QTYPE_F32: return gemm_f32;
	case ART_QTYPE_F16: return gemm_f16;
	case ART_QTYPE_BF16: return gemm_bf16;
	default: return NULL;
	}
}

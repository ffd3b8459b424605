/* gemm_avx512.c — matrix-matrix kernels of the AVX-512 path (F/BW/DQ/VL + VNNI).
 *
 * A kernel computes a tile of 4 weight rows x 4 activation columns: each weight block is
 * loaded and unpacked once for the 4 columns, each activation block once for the 4 rows,
 * and the 16 (row, column) integer dots run side by side.  Per pair, the float steps are
 * those of the path's vec_dot (quant_avx512.c / quant_simd.h) in the same order, on the
 * same exact integer lane sums, so every Y value is bit-identical to vec_dot's.
 *
 * Signed x signed byte dots use the unsigned bias trick: (y + 128)·q = y·q + 128·q, where
 * the activation side y ^ 0x80 is computed once per column and the correction 128·Σq
 * (weights only) once per row; both parts are exact, so the lanes are.
 *
 * Tails (fewer than 4 rows or columns) repeat the last valid row/column pointer and drop
 * the duplicate results.  Contracts are gemm.h's; reached only through art_gemm after the
 * cpuid check (art_simd_path() == ART_SIMD_AVX512).
 */
#include <stddef.h>

#include "gemm_simd.h"
#include "gemm_float256.h"
#include "quant_simd.h"
#include "simd.h"

#define RT ART_GEMM_RT_AVX512 /* rows per tile */
#define UNROLL _Pragma("GCC unroll 16") /* the tile loops must become straight code */
#define CT 4 /* columns per tile */
#define CT8 8 /* columns of the wide Q4_K/Q5_K tiles */

static inline __m512i z_pair(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

/* 16 int32 lanes of two 32-element halves -> the 8 lanes of vec_dot's layout (exact). */
static inline __m256i z_fold(__m512i v)
{
	return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

/* Four f16 values -> 4 floats (exact). */
static inline __m128 f16x4(art_f16 a, art_f16 b, art_f16 c, art_f16 d)
{
	return _mm_cvtph_ps(_mm_setr_epi16((short)a, (short)b, (short)c, (short)d, 0, 0, 0, 0));
}

/* Lane c*4 + r of the result = a[r] * b[c] (one float multiply each, as vec_dot's). */
static inline __m512 outer4(__m128 a_rows, __m128 b_cols)
{
	const __m512 a = _mm512_broadcast_f32x4(a_rows);
	const __m512 b = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
					       _mm512_castps128_ps512(b_cols));
	return _mm512_mul_ps(b, a);
}

/* ---- Q4_K, Q5_K x Q8_K ---------------------------------------------------------------------
 * Per super-block, chunk j (64 quants: sub-blocks 2j, 2j+1): weight bytes [lo nibbles |
 * hi nibbles] in one register, maddubs with the 64 activation bytes, dpwssd with the two
 * sub-block scales: z_dot_q4_K's 16 lanes.  Mins: Σ_j mn[j]·(bsum[2j] + bsum[2j+1]) for
 * the 16 pairs at once (madd + a 4x4 transpose-add).  Q5_K (five = 1): the same with each
 * quant's fifth bit from qh (bit 2j / 2j+1 of byte e % 32 for the halves of chunk j), as
 * z_dot_q5_K.  Both blocks start with d, dmin, scales (the Q4_K struct is read for those). */
static_assert(offsetof(art_block_q5_K, scales) == offsetof(art_block_q4_K, scales), "q4_K/q5_K header");

static inline __attribute__((always_inline)) void k45_tile(int64_t nb, const char *const wr[RT],
							    const char *const *xc, float *out, const int five, const int ct)
{
	const size_t bsize = five ? sizeof(art_block_q5_K) : sizeof(art_block_q4_K);
	const __m512i lo4 = _mm512_set1_epi8(0x0f);
	const __m512i shv = z_pair(_mm256_setzero_si256(), _mm256_set1_epi16(4));
	const __m512i ones16 = _mm512_set1_epi16(1), one8 = _mm512_set1_epi8(1);
	__m512 acc[RT][CT8 / 2]; /* columns 2p, 2p + 1 of row r: vec_dot's 8 float lanes each */
	__m512 summs[CT8 / 4];   /* column quad k: lane (c % 4) * 4 + r */
	UNROLL
	for (int k = 0; k < CT8 / 4; k++) summs[k] = _mm512_setzero_ps();
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int p = 0; p < CT8 / 2; p++)
			if (p < ct / 2) acc[r][p] = _mm512_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q4_K *w[RT];
		const art_block_q8_K *x[CT8];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = (const art_block_q4_K *)(wr[r] + (size_t)i * bsize);
		UNROLL
		for (int c = 0; c < CT8; c++)
			if (c < ct) x[c] = (const art_block_q8_K *)xc[c] + i;

		/* row side: the 6-bit scales and mins of all four rows at once (k4_scales per
		 * 128-bit lane: bytes 0-7 sc, 8-15 mn), widened to int16: rows 0, 1 in w01
		 * (row 1 from word 16), rows 2, 3 in w23 */
		const __m512i raw = _mm512_inserti32x4(
			_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)w[0]->scales)),
							      _mm_loadu_si128((const __m128i *)w[1]->scales), 1),
					   _mm_loadu_si128((const __m128i *)w[2]->scales), 2),
			_mm_loadu_si128((const __m128i *)w[3]->scales), 3);
		const __m512i xa = _mm512_shuffle_epi8(raw, _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7)));
		const __m512i xc8 = _mm512_shuffle_epi8(raw, _mm512_broadcast_i32x4(_mm_setr_epi8(-1, -1, -1, -1, 8, 9, 10, 11, -1, -1, -1, -1, 8, 9, 10, 11)));
		const __m512i hi6 = _mm512_or_si512(
			_mm512_and_si512(_mm512_srli_epi16(xa, 2), _mm512_set1_epi8(0x30)),
			_mm512_and_si512(_mm512_srlv_epi16(xc8, _mm512_broadcast_i32x4(_mm_setr_epi16(0, 0, 0, 0, 0, 0, 4, 4))), lo4));
		const __m512i scmn = _mm512_mask_blend_epi8(0xf0f0f0f0f0f0f0f0ull, _mm512_and_si512(xa, _mm512_set1_epi8(0x3f)), hi6);
		const __m512i w01 = _mm512_cvtepu8_epi16(_mm512_castsi512_si256(scmn));
		const __m512i w23 = _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(scmn, 1));
		__m512i scz[RT], mnz[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			const short o = (short)(16 * (r & 1));
			scz[r] = r < 2 ? w01 : w23;
			mnz[r] = _mm512_permutexvar_epi16(_mm512_broadcast_i32x4(_mm_setr_epi16(o + 8, o + 9, o + 10, o + 11, o + 12, o + 13, o + 14, o + 15)), scz[r]);
		}
		/* column side, per quad of columns: bsum pair sums as int16, column c in 128-bit
		 * lane c % 4 */
		const __m128 dminv = f16x4(w[0]->dmin, w[1]->dmin, w[2]->dmin, w[3]->dmin);
		UNROLL
		for (int k = 0; k < CT8 / 4; k++) {
			if (k >= ct / 4) continue;
			const art_block_q8_K *const *xk = x + 4 * k;
			const __m512i b01 = _mm512_madd_epi16(z_pair(load32(xk[0]->bsums), load32(xk[1]->bsums)), ones16);
			const __m512i b23 = _mm512_madd_epi16(z_pair(load32(xk[2]->bsums), load32(xk[3]->bsums)), ones16);
			/* packs: lane0 [c0 j0-3, c2 j0-3], lane1 [c0 j4-7, c2 j4-7], lane2 [c1 ..], lane3 [c1 .., c3 ..] */
			const __m512i bp = _mm512_packs_epi32(b01, b23);
			static const int16_t unpack_idx[32] = {0,  1,  2,  3,  8,  9,  10, 11, 16, 17, 18,
							       19, 24, 25, 26, 27, 4,  5,  6,  7,  12, 13,
							       14, 15, 20, 21, 22, 23, 28, 29, 30, 31};
			const __m512i bz = _mm512_permutexvar_epi16(_mm512_loadu_si512(unpack_idx), bp);
			__m512i mr[RT];
			UNROLL
			for (int r = 0; r < RT; r++) mr[r] = _mm512_madd_epi16(bz, mnz[r]); /* lane c: 4 partials of row r */
			const __m512i s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(mr[0], mr[1]), _mm512_unpackhi_epi32(mr[0], mr[1]));
			const __m512i s23 = _mm512_add_epi32(_mm512_unpacklo_epi32(mr[2], mr[3]), _mm512_unpackhi_epi32(mr[2], mr[3]));
			const __m512i msum = _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
			const __m128 dyv = _mm_setr_ps(xk[0]->d, xk[1]->d, xk[2]->d, xk[3]->d);
			/* summs = fmaf(-dy·dmin, (float)summ, summs) */
			summs[k] = _mm512_fmadd_ps(outer4(dminv, _mm_xor_ps(dyv, _mm_set1_ps(-0.0f))), _mm512_cvtepi32_ps(msum), summs[k]);
		}

		__m512 dyz[CT8 / 2];
		UNROLL
		for (int p = 0; p < CT8 / 2; p++)
			if (p < ct / 2)
				dyz[p] = _mm512_insertf32x8(_mm512_set1_ps(x[2 * p]->d), _mm256_set1_ps(x[2 * p + 1]->d), 1);
		/* two rows at a time, so their 8 lane sums stay in registers */
		UNROLL
		for (int r0 = 0; r0 < RT; r0 += 2) {
			__m512i sumi[2][CT8];
			UNROLL
			for (int r = 0; r < 2; r++)
				UNROLL
				for (int c = 0; c < CT8; c++)
					if (c < ct) sumi[r][c] = _mm512_setzero_si512();
			UNROLL
			for (int j = 0; j < 4; j++) {
				__m512i q[2], s[2];
				UNROLL
				for (int r = 0; r < 2; r++) {
					const art_block_q4_K *wb = w[r0 + r];
					const uint8_t *qs = five ? ((const art_block_q5_K *)wb)->qs : wb->qs;
					const __m512i b = _mm512_broadcast_i64x4(load32(qs + 32 * j));
					q[r] = _mm512_and_si512(_mm512_srlv_epi16(b, shv), lo4);
					if (five) {
						const __m512i h = _mm512_broadcast_i64x4(load32(((const art_block_q5_K *)wb)->qh));
						const __m512i sh = z_pair(_mm256_set1_epi16((short)(2 * j)), _mm256_set1_epi16((short)(2 * j + 1)));
						q[r] = _mm512_or_si512(q[r], _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(h, sh), one8), 4));
					}
					const short o = (short)(16 * ((r0 + r) & 1)); /* row r0 + r's words in scz */
					s[r] = _mm512_permutexvar_epi16(z_pair(_mm256_set1_epi16((short)(o + 2 * j)), _mm256_set1_epi16((short)(o + 2 * j + 1))),
									scz[r0 + r]);
				}
				UNROLL
				for (int c = 0; c < CT8; c++) {
					if (c >= ct) continue;
					const __m512i yv = _mm512_loadu_si512(x[c]->qs + 64 * j);
					UNROLL
					for (int r = 0; r < 2; r++)
						sumi[r][c] = _mm512_dpwssd_epi32(sumi[r][c], _mm512_maddubs_epi16(q[r], yv), s[r]);
				}
			}
			/* per pair: acc = fma(dy·d, (float)fold(sumi), acc), two pairs per register:
			 * the 128-bit-lane shuffles put both pairs' halves side by side, so one add
			 * folds both */
			UNROLL
			for (int r = 0; r < 2; r++) {
				const __m512 dx = _mm512_set1_ps(f16s(w[r0 + r]->d));
				UNROLL
				for (int p = 0; p < CT8 / 2; p++) {
					if (p >= ct / 2) continue;
					const __m512i a = sumi[r][2 * p], b = sumi[r][2 * p + 1];
					const __m512i f = _mm512_add_epi32(_mm512_shuffle_i64x2(a, b, 0x44), _mm512_shuffle_i64x2(a, b, 0xee));
					acc[r0 + r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dyz[p], dx), _mm512_cvtepi32_ps(f), acc[r0 + r][p]);
				}
			}
		}
	}
	float sm[CT8 * RT]; /* column c, row r at c * RT + r */
	UNROLL
	for (int k = 0; k < CT8 / 4; k++)
		if (k < ct / 4) _mm512_storeu_ps(sm + 16 * k, summs[k]);
	UNROLL
	for (int p = 0; p < CT8 / 2; p++)
		UNROLL
		for (int r = 0; r < RT; r++) {
			if (p >= ct / 2) continue;
			out[2 * p * RT + r] = hsum_ps8(_mm512_castps512_ps256(acc[r][p])) + sm[2 * p * RT + r];
			out[(2 * p + 1) * RT + r] = hsum_ps8(_mm512_extractf32x8_ps(acc[r][p], 1)) + sm[(2 * p + 1) * RT + r];
		}
}

static void q4K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k45_tile(nb, wr, xc, out, 0, CT);
}

static void q5K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	k45_tile(nb, wr, xc, out, 1, CT);
}

/* 8 columns: each weight block unpacked once for twice the columns (batched decode of 8
 * or more sequences, prompts) */
static void q4K_tile8(int64_t nb, const char *const wr[RT], const char *const xc[CT8], float out[CT8 * RT])
{
	k45_tile(nb, wr, xc, out, 0, CT8);
}

static void q5K_tile8(int64_t nb, const char *const wr[RT], const char *const xc[CT8], float out[CT8 * RT])
{
	k45_tile(nb, wr, xc, out, 1, CT8);
}

/* ---- Q6_K, Q3_K x Q8_K ---------------------------------------------------------------------
 * Quarter-pair g (64 quants, sub-blocks 4g..4g+3) as signed q (Q6_K: u - 32, Q3_K: low
 * bits + 4·hmask bit - 4); maddubs(y ^ 0x80, q) dpwssd the 16 signed scales, minus the
 * row's 128·Σ sc·q: z_dot_q6_K's / k_dot_q3_K's exact lanes; then their float steps. */

static inline __attribute__((always_inline)) void k36_tile(int64_t nb, const char *const wr[RT],
							    const char *const xc[CT], float out[CT * RT], const int q3)
{
	const size_t bsize = q3 ? sizeof(art_block_q3_K) : sizeof(art_block_q6_K);
	const __m512i lo4 = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3), one8 = _mm512_set1_epi8(1);
	const __m512i b80 = _mm512_set1_epi8((char)0x80);
	const __m512i sh01 = z_pair(_mm256_setzero_si256(), _mm256_set1_epi16(2));
	const __m512i sh23 = z_pair(_mm256_set1_epi16(4), _mm256_set1_epi16(6));
	__m256 acc[RT][CT];
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int c = 0; c < CT; c++) acc[r][c] = _mm256_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q6_K *w6[RT];
		const art_block_q3_K *w3[RT];
		const art_block_q8_K *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			w6[r] = (const art_block_q6_K *)(wr[r] + (size_t)i * bsize);
			w3[r] = (const art_block_q3_K *)(wr[r] + (size_t)i * bsize);
			/* the rows come from memory once per pass: ask for block i + 16 now (a
			 * hint; past a row's end it is harmless) */
			for (size_t o = 0; o < bsize; o += 64) __builtin_prefetch(wr[r] + (size_t)(i + 16) * bsize + o, 0, 3);
		}
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_K *)xc[c] + i;
		__m512i scz[RT], corr[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m128i s8 = q3 ? q3_scales8(w3[r]->scales) : _mm_loadu_si128((const __m128i *)w6[r]->scales);
			scz[r] = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(s8));
			corr[r] = _mm512_setzero_si512();
		}
		const __m128 dyv = _mm_setr_ps(x[0]->d, x[1]->d, x[2]->d, x[3]->d);
		const __m128 dv = q3 ? f16x4(w3[0]->d, w3[1]->d, w3[2]->d, w3[3]->d)
				     : f16x4(w6[0]->d, w6[1]->d, w6[2]->d, w6[3]->d);
		float ds[CT * RT];
		_mm512_storeu_ps(ds, outer4(dv, dyv));

		__m512i sumi[RT][CT];
		UNROLL
		for (int r = 0; r < RT; r++)
			UNROLL
			for (int c = 0; c < CT; c++) sumi[r][c] = _mm512_setzero_si512();
		UNROLL
		for (int g = 0; g < 4; g++) {
			const int c2 = g >> 1;
			/* int16 e (0..31) of the scale vector: sub-block 4g + e/8 */
			const __m512i idx = _mm512_add_epi16(_mm512_set1_epi16((short)(4 * g)),
							      _mm512_cvtepu8_epi16(_mm256_setr_epi64x(0, 0x0101010101010101ll,
												      0x0202020202020202ll,
												      0x0303030303030303ll)));
			__m512i q[RT], s[RT];
			UNROLL
			for (int r = 0; r < RT; r++) {
				if (q3) {
					/* quarters k0 = 2(g&1), k0+1 of chunk c2: 2 bits at 2k of qs byte 32·c2 + e%32,
					 * high bit 4·c2 + k of hmask byte e%32 */
					const int k0 = 2 * (g & 1);
					const __m512i qs = _mm512_broadcast_i64x4(load32(w3[r]->qs + 32 * c2));
					const __m512i hm = _mm512_broadcast_i64x4(load32(w3[r]->hmask));
					const __m512i l2 = _mm512_and_si512(
						_mm512_srlv_epi16(qs, z_pair(_mm256_set1_epi16((short)(2 * k0)),
									     _mm256_set1_epi16((short)(2 * k0 + 2)))),
						three);
					const __m512i hb = _mm512_and_si512(
						_mm512_srlv_epi16(hm, z_pair(_mm256_set1_epi16((short)(4 * c2 + k0)),
									     _mm256_set1_epi16((short)(4 * c2 + k0 + 1)))),
						one8);
					q[r] = _mm512_sub_epi8(_mm512_or_si512(l2, _mm512_slli_epi16(hb, 2)), _mm512_set1_epi8(4));
				} else {
					const __m512i ql = _mm512_loadu_si512(w6[r]->ql + 64 * c2);
					const __m512i qh = _mm512_broadcast_i64x4(load32(w6[r]->qh + 32 * c2));
					__m512i u;
					if (g & 1)
						u = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), lo4),
								    _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, sh23), three), 4));
					else
						u = _mm512_or_si512(_mm512_and_si512(ql, lo4),
								    _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, sh01), three), 4));
					q[r] = _mm512_sub_epi8(u, _mm512_set1_epi8(32));
				}
				s[r] = _mm512_permutexvar_epi16(idx, scz[r]);
				corr[r] = _mm512_dpwssd_epi32(corr[r], _mm512_maddubs_epi16(b80, q[r]), s[r]);
			}
			UNROLL
			for (int c = 0; c < CT; c++) {
				const __m512i yu = _mm512_xor_si512(_mm512_loadu_si512(x[c]->qs + 64 * g), b80);
				UNROLL
				for (int r = 0; r < RT; r++)
					sumi[r][c] = _mm512_dpwssd_epi32(sumi[r][c], _mm512_maddubs_epi16(yu, q[r]), s[r]);
			}
		}
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m256i cf = z_fold(corr[r]);
			UNROLL
			for (int c = 0; c < CT; c++)
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(ds[c * RT + r]),
							    _mm256_cvtepi32_ps(_mm256_sub_epi32(z_fold(sumi[r][c]), cf)),
							    acc[r][c]);
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

/* ---- Q2_K x Q8_K ---------------------------------------------------------------------------
 * Quarter-pair g (64 quants, sub-blocks 4g..4g+3): unsigned 2-bit q, maddubs with y,
 * dpwssd the 4-bit scales: k_dot_q2_K's lanes after the fold; its mins term is the
 * 8-lane madd of bsums with the 4-bit mins, and its two fmas per block in its order. */

static void q2K_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	const __m512i three = _mm512_set1_epi8(3);
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
		__m512i scz[RT];
		__m256i mn16[RT];
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m128i raw = _mm_loadu_si128((const __m128i *)w[r]->scales);
			scz[r] = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(raw, lo4)));
			mn16[r] = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), lo4));
		}
		const __m128 dyv = _mm_setr_ps(x[0]->d, x[1]->d, x[2]->d, x[3]->d);
		float ds[CT * RT], dm[CT * RT];
		_mm512_storeu_ps(ds, outer4(f16x4(w[0]->d, w[1]->d, w[2]->d, w[3]->d), dyv));
		_mm512_storeu_ps(dm, outer4(f16x4(w[0]->dmin, w[1]->dmin, w[2]->dmin, w[3]->dmin),
					    _mm_xor_ps(dyv, _mm_set1_ps(-0.0f))));
		__m512i sumi[RT][CT];
		UNROLL
		for (int r = 0; r < RT; r++)
			UNROLL
			for (int c = 0; c < CT; c++) sumi[r][c] = _mm512_setzero_si512();
		UNROLL
		for (int g = 0; g < 4; g++) {
			const int c2 = g >> 1, k0 = 2 * (g & 1);
			const __m512i idx = _mm512_add_epi16(_mm512_set1_epi16((short)(4 * g)),
							      _mm512_cvtepu8_epi16(_mm256_setr_epi64x(0, 0x0101010101010101ll,
												      0x0202020202020202ll,
												      0x0303030303030303ll)));
			__m512i q[RT], s[RT];
			UNROLL
			for (int r = 0; r < RT; r++) {
				const __m512i qs = _mm512_broadcast_i64x4(load32(w[r]->qs + 32 * c2));
				q[r] = _mm512_and_si512(_mm512_srlv_epi16(qs, z_pair(_mm256_set1_epi16((short)(2 * k0)),
										     _mm256_set1_epi16((short)(2 * k0 + 2)))),
							three);
				s[r] = _mm512_permutexvar_epi16(idx, scz[r]);
			}
			UNROLL
			for (int c = 0; c < CT; c++) {
				const __m512i yv = _mm512_loadu_si512(x[c]->qs + 64 * g);
				UNROLL
				for (int r = 0; r < RT; r++)
					sumi[r][c] = _mm512_dpwssd_epi32(sumi[r][c], _mm512_maddubs_epi16(q[r], yv), s[r]);
			}
		}
		UNROLL
		for (int c = 0; c < CT; c++) {
			const __m256i bs = load32(x[c]->bsums);
			UNROLL
			for (int r = 0; r < RT; r++) {
				const __m256i msum = _mm256_madd_epi16(bs, mn16[r]);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dm[c * RT + r]), _mm256_cvtepi32_ps(msum), acc[r][c]);
				acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(ds[c * RT + r]), _mm256_cvtepi32_ps(z_fold(sumi[r][c])),
							    acc[r][c]);
			}
		}
	}
	UNROLL
	for (int c = 0; c < CT; c++)
		UNROLL
		for (int r = 0; r < RT; r++) out[c * RT + r] = hsum_ps8(acc[r][c]);
}

/* ---- 32-blocks with an 8-lane float accumulator: Q8_0, Q5_0 (x Q8_0), Q4_1, Q5_1 (x Q8_1) ----
 * Columns in pairs: one 512-bit register holds pair (r, 2p) in its low half and (r, 2p + 1)
 * in its high half, each half exactly the vec_dot's 8 lanes: per block
 * acc = fma(dx·dy, (float)lanes, acc) (k_dot_q8_0 / _q5_0 / _q4_1 / _q5_1), and for
 * Q4_1/Q5_1 summ = fmaf(m, s, summ) per block, added after the lanes' sum.
 * Signed quants (Q8_0, Q5_0): dpbusd(-128·Σq, y ^ 0x80, q) = Σ y·q exactly;
 * unsigned ones (Q4_1, Q5_1): dpbusd(0, q, y). */

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
	const __m512i b80 = _mm512_set1_epi8((char)0x80);
	__m512 acc[RT][CT / 2], summ = _mm512_setzero_ps();
	UNROLL
	for (int r = 0; r < RT; r++)
		UNROLL
		for (int p = 0; p < CT / 2; p++) acc[r][p] = _mm512_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const char *w[RT], *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = wr[r] + (size_t)i * bsize;
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = xc[c] + (size_t)i * ysize;
		/* Q8_0 and Q8_1 both start with d; Q8_1's qs follow d and s */
		const size_t yq = with_min ? offsetof(art_block_q8_1, qs) : offsetof(art_block_q8_0, qs);
		__m512i yz[CT / 2];
		__m512 dyz[CT / 2];
		UNROLL
		for (int p = 0; p < CT / 2; p++) {
			yz[p] = z_pair(load32(x[2 * p] + yq), load32(x[2 * p + 1] + yq));
			if (is_signed) yz[p] = _mm512_xor_si512(yz[p], b80);
			dyz[p] = _mm512_insertf32x8(_mm512_set1_ps(f16s(*(const art_f16 *)x[2 * p])),
						    _mm256_set1_ps(f16s(*(const art_f16 *)x[2 * p + 1])), 1);
		}
		if (with_min) { /* both weight types start with d, m; Q8_1 with d, s */
			const art_f16 *m[RT], *sy[CT];
			UNROLL
			for (int r = 0; r < RT; r++) m[r] = (const art_f16 *)w[r] + 1;
			UNROLL
			for (int c = 0; c < CT; c++) sy[c] = (const art_f16 *)x[c] + 1;
			summ = _mm512_fmadd_ps(_mm512_broadcast_f32x4(f16x4(*m[0], *m[1], *m[2], *m[3])),
					       _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
								     _mm512_castps128_ps512(f16x4(*sy[0], *sy[1], *sy[2], *sy[3]))),
					       summ);
		}
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m512i q = _mm512_broadcast_i64x4(legacy_quants(w[r], t));
			const __m512i init = is_signed ? _mm512_sub_epi32(_mm512_setzero_si512(),
									  _mm512_dpbusd_epi32(_mm512_setzero_si512(), b80, q))
						       : _mm512_setzero_si512();
			const __m512 dx = _mm512_set1_ps(f16s(*(const art_f16 *)w[r]));
			UNROLL
			for (int p = 0; p < CT / 2; p++) {
				const __m512i d = is_signed ? _mm512_dpbusd_epi32(init, yz[p], q) : _mm512_dpbusd_epi32(init, q, yz[p]);
				acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, dyz[p]), _mm512_cvtepi32_ps(d), acc[r][p]);
			}
		}
	}
	float sm[CT * RT];
	_mm512_storeu_ps(sm, summ);
	UNROLL
	for (int p = 0; p < CT / 2; p++)
		UNROLL
		for (int r = 0; r < RT; r++) {
			const float lo = hsum_ps8(_mm512_castps512_ps256(acc[r][p]));
			const float hi = hsum_ps8(_mm512_extractf32x8_ps(acc[r][p], 1));
			out[2 * p * RT + r] = with_min ? lo + sm[2 * p * RT + r] : lo;
			out[(2 * p + 1) * RT + r] = with_min ? hi + sm[(2 * p + 1) * RT + r] : hi;
		}
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
 * The 16 pairs' block sums land in one register (lane c·4 + r, a transpose-add of their
 * 8-lane partials), so the per-block float step is one 16-lane fma. */

static void q4_0_tile(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	const __m512i b80 = _mm512_set1_epi8((char)0x80);
	__m512 acc = _mm512_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const art_block_q4_0 *w[RT];
		const art_block_q8_0 *x[CT];
		UNROLL
		for (int r = 0; r < RT; r++) w[r] = (const art_block_q4_0 *)wr[r] + i;
		UNROLL
		for (int c = 0; c < CT; c++) x[c] = (const art_block_q8_0 *)xc[c] + i;
		__m512i yz[CT / 2];
		UNROLL
		for (int p = 0; p < CT / 2; p++)
			yz[p] = _mm512_xor_si512(z_pair(load32(x[2 * p]->qs), load32(x[2 * p + 1]->qs)), b80);
		__m512i D[CT / 2][RT]; /* D[p][r]: pair (r, 2p) low half, (r, 2p+1) high half */
		UNROLL
		for (int r = 0; r < RT; r++) {
			const __m512i q = _mm512_broadcast_i64x4(legacy_quants((const char *)w[r], ART_QTYPE_Q4_0));
			const __m512i init = _mm512_sub_epi32(_mm512_setzero_si512(),
							      _mm512_dpbusd_epi32(_mm512_setzero_si512(), b80, q));
			UNROLL
			for (int p = 0; p < CT / 2; p++) D[p][r] = _mm512_dpbusd_epi32(init, yz[p], q);
		}
		/* per 128-bit lane L: [a, b, a, b] partials, then [a, b, c, d] sums of L's 4 lanes */
#define T1(a, b) _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b))
#define T2(a, b) _mm512_add_epi32(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b))
		const __m512i u0 = T2(T1(D[0][0], D[0][1]), T1(D[0][2], D[0][3]));
		const __m512i u1 = T2(T1(D[1][0], D[1][1]), T1(D[1][2], D[1][3]));
#undef T1
#undef T2
		/* lane L of u: partial over element lanes 4L'..4L'+3 of each D; halves join L 0+1, 2+3:
		 * result lane 4c + r with c = 2p + half */
		const __m512i sum = _mm512_add_epi32(_mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(2, 0, 2, 0)),
						     _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(3, 1, 3, 1)));
		const __m512 ds = outer4(f16x4(w[0]->d, w[1]->d, w[2]->d, w[3]->d),
					 f16x4(x[0]->d, x[1]->d, x[2]->d, x[3]->d));
		acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), ds, acc);
	}
	_mm512_storeu_ps(out, acc);
}

/* ---- F16 x F16 ------------------------------------------------------------------------------
 * z_dot_f16 keeps four independent 16-lane chains a_k (elements 64s + 16k .. +16 of each
 * step s), reduced as (a0 + a2) + (a1 + a3), tail in double.  Two tile shapes keep that
 * order exactly:
 *   f16_tile   4 rows x 4 columns, one chain per pass over K (16 accumulators); for short
 *              rows, whose 4-row tile stays in L1 across its passes and columns;
 *   f16_tile2  4 rows x 3 columns, chains (0, 1) then (2, 3) (24 accumulators), so each
 *              pass reads whole 64-byte lines once: for long rows, which come from L2. */

static inline __m512 z_f16(const art_f16 *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

#define CT_F16L 3 /* columns of f16_tile2 */

/* out[c * RT + r] from the four chains A[k][r][c] and the tail, as z_dot_f16 ends. */
static inline __attribute__((always_inline)) void f16_finish(int64_t K, int64_t full, const art_f16 *const w[RT],
							      const art_f16 *const x[], int ct,
							      const __m512 A[4][RT][CT], float *out)
{
	for (int c = 0; c < ct; c++)
		for (int r = 0; r < RT; r++) {
			double sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(A[0][r][c], A[2][r][c]),
								       _mm512_add_ps(A[1][r][c], A[3][r][c])));
			for (int64_t i = full; i < K; i++) sum += (double)(f16s(w[r][i]) * f16s(x[c][i]));
			out[c * RT + r] = (float)sum;
		}
}

/* The tile of ct <= CT columns running cpp chains per pass over K (1: all four passes
 * read a quarter of each 128-byte step; 2: two passes read whole lines). */
static inline __attribute__((always_inline)) void f16_tiles(int64_t K, const char *const wr[RT], const char *const *xc,
							     float *out, const int ct, const int cpp)
{
	const art_f16 *w[RT], *x[CT];
	UNROLL
	for (int r = 0; r < RT; r++) w[r] = (const art_f16 *)wr[r];
	UNROLL
	for (int c = 0; c < CT; c++)
		if (c < ct) x[c] = (const art_f16 *)xc[c];
	const int64_t full = K / 64 * 64;
	__m512 A[4][RT][CT];
	for (int k0 = 0; k0 < 4; k0 += cpp) {
		__m512 a[2][RT][CT];
		UNROLL
		for (int q = 0; q < 2; q++)
			UNROLL
			for (int r = 0; r < RT; r++)
				UNROLL
				for (int c = 0; c < CT; c++)
					if (q < cpp && c < ct) a[q][r][c] = _mm512_setzero_ps();
		for (int64_t i = 16 * k0; i < full; i += 64) {
			UNROLL
			for (int q = 0; q < 2; q++) {
				if (q >= cpp) continue;
				__m512 xv[RT];
				UNROLL
				for (int r = 0; r < RT; r++) xv[r] = z_f16(w[r] + i + 16 * q);
				UNROLL
				for (int c = 0; c < CT; c++) {
					if (c >= ct) continue;
					const __m512 yv = z_f16(x[c] + i + 16 * q);
					UNROLL
					for (int r = 0; r < RT; r++) a[q][r][c] = _mm512_fmadd_ps(xv[r], yv, a[q][r][c]);
				}
			}
		}
		UNROLL
		for (int q = 0; q < 2; q++)
			UNROLL
			for (int r = 0; r < RT; r++)
				UNROLL
				for (int c = 0; c < CT; c++)
					if (q < cpp && c < ct) A[k0 + q][r][c] = a[q][r][c];
	}
	f16_finish(K, full, w, x, ct, A, out);
}

static void f16_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	f16_tiles(K, wr, xc, out, CT, 1);
}

static void f16_tile2(int64_t K, const char *const wr[RT], const char *const xc[CT_F16L], float out[CT_F16L * RT])
{
	f16_tiles(K, wr, xc, out, CT_F16L, 2);
}

/* Rows longer than this (bytes) take f16_tile2: four of them no longer fit L1 beside the
 * columns streaming past. */
#define F16_SHORT_ROW 6144

static void gemm_f16(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X,
		     size_t x_stride, int n, float *Y, size_t ldy)
{
	if (row_size <= F16_SHORT_ROW)
		art_gemm_tiles(RT, CT, (art_gemm_tile_fn)f16_tile, K, W, row_size, r0, r1, X, x_stride, n, Y, ldy, 1);
	else
		art_gemm_tiles(RT, CT_F16L, (art_gemm_tile_fn)f16_tile2, K, W, row_size, r0, r1, X, x_stride, n, Y, ldy, 1);
}

/* ---- F32, BF16: the 256-bit k_dot_f32 / z_dot_bf16_dp (or k_dot_bf16 where the CPU lacks
 * AVX512-BF16) per pair (gemm_float256.h) ------------------------------------------------------ */

static void f32_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_F32);
}

static void bf16_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_BF16);
}

static void bf16dp_tile(int64_t K, const char *const wr[RT], const char *const xc[CT], float out[CT * RT])
{
	float256_tile(K, wr, xc, out, RT, CT, F256_BF16DP);
}

/* ---- driver ---------------------------------------------------------------------------------- */

typedef void (*tile_fn)(int64_t nb, const char *const wr[RT], const char *const xc[CT], float out[CT * RT]);

static void run_tiles(tile_fn tile, int64_t nb, const void *W, size_t row_size, int64_t r0, int64_t r1,
		      const void *X, size_t x_stride, int n, float *Y, size_t ldy, int pf)
{
	art_gemm_tiles(RT, CT, (art_gemm_tile_fn)tile, nb, W, row_size, r0, r1, X, x_stride, n, Y, ldy, pf);
}

#define GEMM(name, tile, blck, pf)                                                                           \
	static void name(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X, \
			 size_t x_stride, int n, float *Y, size_t ldy)                                     \
	{                                                                                                 \
		run_tiles(tile, K / (blck), W, row_size, r0, r1, X, x_stride, n, Y, ldy, pf);                  \
	}
GEMM(gemm_q2_K, q2K_tile, ART_QK_K, 0)
GEMM(gemm_q3_K, q3K_tile, ART_QK_K, 1)
GEMM(gemm_q6_K, q6K_tile, ART_QK_K, 1)
GEMM(gemm_q8_0, q8_0_tile, ART_QK8_0, 0)
GEMM(gemm_q4_0, q4_0_tile, ART_QK4_0, 0)
GEMM(gemm_q4_1, q4_1_tile, ART_QK4_1, 0)
GEMM(gemm_q5_0, q5_0_tile, ART_QK5_0, 0)
GEMM(gemm_q5_1, q5_1_tile, ART_QK5_1, 0)
GEMM(gemm_f32, f32_tile, 1, 1)
GEMM(gemm_bf16, bf16_tile, 1, 1)
GEMM(gemm_bf16dp, bf16dp_tile, 1, 1)
#undef GEMM

/* Q4_K, Q5_K: the 8-column tile once a call has 8 columns or more */
static inline __attribute__((always_inline)) void gemm_k45(int64_t K, const void *W, size_t row_size, int64_t r0,
							    int64_t r1, const void *X, size_t x_stride, int n, float *Y,
							    size_t ldy, const int five)
{
	if (n >= CT8)
		art_gemm_tiles(RT, CT8, (art_gemm_tile_fn)(five ? q5K_tile8 : q4K_tile8), K / ART_QK_K, W, row_size, r0, r1,
			       X, x_stride, n, Y, ldy, 0);
	else
		art_gemm_tiles(RT, CT, (art_gemm_tile_fn)(five ? q5K_tile : q4K_tile), K / ART_QK_K, W, row_size, r0, r1, X,
			       x_stride, n, Y, ldy, 0);
}

static void gemm_q4_K(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X,
		      size_t x_stride, int n, float *Y, size_t ldy)
{
	gemm_k45(K, W, row_size, r0, r1, X, x_stride, n, Y, ldy, 0);
}

static void gemm_q5_K(int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1, const void *X,
		      size_t x_stride, int n, float *Y, size_t ldy)
{
	gemm_k45(K, W, row_size, r0, r1, X, x_stride, n, Y, ldy, 1);
}

art_gemm_kernel_fn art_gemm_kernel_avx512(uint32_t type)
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
	case ART_QTYPE_F16: return gemm_f16;
	case ART_QTYPE_F32: return gemm_f32;
	case ART_QTYPE_BF16: /* the dot the avx512 table holds: vdpbf16ps where cpuid has it */
		return art_simd_traits_for(ART_SIMD_AVX512, ART_QTYPE_BF16)->vec_dot == art_vec_dot_bf16_avx512bf16
			       ? gemm_bf16dp
			       : gemm_bf16;
	default: return NULL;
	}
}

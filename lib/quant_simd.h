/* quant_simd.h — the 256-bit kernel bodies, shared by quant_avx2.c and quant_avx512.c.
 *
 * Private to those two files: each includes it once and compiles it under its own -m
 * flags.  Under AVX2 the unsigned×signed byte dots are maddubs + madd; when the includer
 * is compiled with AVX-512 VNNI + VL they become one dpbusd (exact, no int16 stage).
 * Every function is static; the includer exports the ones it does not replace.
 *
 * Contracts (the scalar twins in quant_legacy.c / quant_k.c / quant.c define the result):
 *  - n is a multiple of the weight type's block size; x, y are rows of n elements.
 *  - Activation quants (Q8_0/Q8_1/Q8_K qs) lie in [-127, 127], as every quantizer here
 *    writes them; Q8_K bsums are the sums of its qs in 16s (art_quantize_q8_K writes them).
 *  - Integer parts (per-block or per-super-block sums) are exact, and the quantized dots
 *    take the scalar twins' float steps in the same order (ggml's x86 lane layout), so
 *    they are bit-identical to them; float-type dots differ by accumulation order.
 *  - No allocation, no alignment requirement (unaligned loads throughout).
 */
#ifndef ART_QUANT_SIMD_H
#define ART_QUANT_SIMD_H
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "quant.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static inline float hsum_ps8(__m256 v)
{
	__m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	a = _mm_add_ps(a, _mm_movehl_ps(a, a));
	a = _mm_add_ss(a, _mm_movehdup_ps(a));
	return _mm_cvtss_f32(a);
}

static inline int hsum_epi32_8(__m256i v)
{
	__m128i a = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	a = _mm_add_epi32(a, _mm_unpackhi_epi64(a, a));
	a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x55));
	return _mm_cvtsi128_si32(a);
}

static inline float f16s(art_f16 h) { return _cvtsh_ss(h); } /* exact, like art_f16_to_f32 */

static inline __m256i load32(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* 8 int32 lanes; lane i = Σ_{k<4} u[4i+k]·s[4i+k] with u unsigned, s signed bytes.
 * AVX2 path: each adjacent pair u·s + u·s must fit int16 (true for u ≤ 128, |s| ≤ 127). */
static inline __m256i dot_us(__m256i u, __m256i s)
{
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
	return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
	return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/* The same for signed × signed bytes: |x| moves the sign onto y (y must not be -128). */
static inline __m256i dot_ss(__m256i x, __m256i y)
{
	return dot_us(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

/* 16 packed bytes → 32 nibbles: bytes 0..15 the low nibbles, 16..31 the high ones
 * (the element order of Q4_0/Q4_1/Q5_0/Q5_1). */
static inline __m256i nibbles32(const uint8_t *qs)
{
	const __m128i b = _mm_loadu_si128((const __m128i *)qs);
	const __m256i v = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
	return _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
}

/* The 32 bits of qh as 32 bytes: byte i is 0xff if bit i is set, else 0. */
static inline __m256i bits32(const uint8_t qh[4])
{
	uint32_t v;
	memcpy(&v, qh, 4);
#if defined(__AVX512BW__) && defined(__AVX512VL__)
	return _mm256_movm_epi8((__mmask32)v);
#else
	const __m256i spread = _mm256_set_epi64x(0x0303030303030303ll, 0x0202020202020202ll,
						 0x0101010101010101ll, 0);
	const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
	const __m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32((int)v), spread);
	return _mm256_cmpeq_epi8(_mm256_and_si256(b, bit), bit);
#endif
}

/* int16 vector [s[2p] ×8, s[2p+1] ×8] from 16 int8 scales: the scales of the two
 * 16-element sub-blocks covered by one 32-byte register. */
static inline __m256i scale_pair(__m128i s8, int p)
{
	const __m128i idx = _mm_set_epi64x((long long)(0x0101010101010101ull * (uint64_t)(2 * p + 1)),
					   (long long)(0x0101010101010101ull * (uint64_t)(2 * p)));
	return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(s8, idx));
}

/* 32 int32 (four vectors, element order) → 32 saturated int8 in element order. */
static inline __m256i pack32_i8(__m256i a, __m256i b, __m256i c, __m256i d)
{
	const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
	const __m256i v = _mm256_packs_epi16(ab, cd);
	return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

/* max over 8 lanes (no NaN in v: callers keep NaN out of their max accumulators) */
static inline float hmax_ps8(__m256 v)
{
	__m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	a = _mm_max_ps(a, _mm_movehl_ps(a, a));
	a = _mm_max_ss(a, _mm_movehdup_ps(a));
	return _mm_cvtss_f32(a);
}

/* ---- float element types ------------------------------------------------------------------ */

/* F32/F16: four accumulators of 8 lanes over steps of 32, reduced as ggml's x86 float
 * dots reduce ((a0+a2) + (a1+a3), halves, then two horizontal adds), the tail past the
 * last full step summed in double: llama.cpp's float order for these types. */
static inline float reduce4_ps8(__m256 a0, __m256 a1, __m256 a2, __m256 a3)
{
	const __m256 v = _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3));
	const __m128 t0 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	const __m128 t1 = _mm_hadd_ps(t0, t0);
	return _mm_cvtss_f32(_mm_hadd_ps(t1, t1));
}

static inline void k_dot_f32(int64_t n, float *s, const void *vx, const void *vy)
{
	const float *x = vx, *y = vy;
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
		a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
		a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), a2);
		a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), a3);
	}
	double sum = reduce4_ps8(a0, a1, a2, a3);
	for (; i < n; i++) sum += (double)(x[i] * y[i]);
	*s = (float)sum;
}

static inline __m256 ld_f16(const art_f16 *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline __m256 ld_bf16(const art_bf16 *p)
{
	const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
	return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

static inline void k_dot_f16(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_f16 *x = vx, *y = vy;
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_fmadd_ps(ld_f16(x + i), ld_f16(y + i), a0);
		a1 = _mm256_fmadd_ps(ld_f16(x + i + 8), ld_f16(y + i + 8), a1);
		a2 = _mm256_fmadd_ps(ld_f16(x + i + 16), ld_f16(y + i + 16), a2);
		a3 = _mm256_fmadd_ps(ld_f16(x + i + 24), ld_f16(y + i + 24), a3);
	}
	double sum = reduce4_ps8(a0, a1, a2, a3);
	for (; i < n; i++) sum += (double)(f16s(x[i]) * f16s(y[i]));
	*s = (float)sum;
}

/* One vdpbf16ps step on 8 lanes without AVX512-BF16: lane l adds x·y of element 2l+1,
 * then of element 2l (a 32-bit word holds elements 2l, 2l+1 as its low, high half).
 * Products of two bf16 are exact in float, so each fma rounds once. */
static inline __m256 bf16_dp8(__m256 acc, const art_bf16 *x, const art_bf16 *y)
{
	const __m256i hi = _mm256_set1_epi32((int)0xffff0000u), a = load32(x), b = load32(y);
	acc = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(a, hi)),
			      _mm256_castsi256_ps(_mm256_and_si256(b, hi)), acc);
	return _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(a, 16)),
			       _mm256_castsi256_ps(_mm256_slli_epi32(b, 16)), acc);
}

/* BF16: four accumulators of 8 lanes, 16 elements each per step of 64 — the layout of the
 * 256-bit vdpbf16ps kernel (quant_avx512.c), which this reproduces bit for bit (except
 * that the instruction treats subnormal inputs as zero). */
static inline void k_dot_bf16(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_bf16 *x = vx, *y = vy;
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 64 <= n; i += 64) {
		a0 = bf16_dp8(a0, x + i, y + i);
		a1 = bf16_dp8(a1, x + i + 16, y + i + 16);
		a2 = bf16_dp8(a2, x + i + 32, y + i + 32);
		a3 = bf16_dp8(a3, x + i + 48, y + i + 48);
	}
	for (; i + 16 <= n; i += 16) a0 = bf16_dp8(a0, x + i, y + i);
	float sum = hsum_ps8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; i < n; i++) sum += art_bf16_to_f32(x[i]) * art_bf16_to_f32(y[i]);
	*s = sum;
}

/* Conversions: bit-exact with the scalar ones (round to nearest even; NaN stays NaN). */
static inline void k_f16_to_float(const void *vx, float *y, int64_t n)
{
	const art_f16 *x = vx;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, ld_f16(x + i));
	for (; i < n; i++) y[i] = f16s(x[i]);
}

static inline void k_f16_from_float(const float *x, void *vy, int64_t n)
{
	art_f16 *y = vy;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(y + i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++) y[i] = art_f32_to_f16(x[i]);
}

static inline void k_bf16_to_float(const void *vx, float *y, int64_t n)
{
	const art_bf16 *x = vx;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, ld_bf16(x + i));
	for (; i < n; i++) y[i] = art_bf16_to_f32(x[i]);
}

/* 8 floats → 8 bf16 in the low 16 bits of each int32 lane (art_f32_to_bf16's rule). */
static inline __m256i bf16_round8(__m256 f)
{
	const __m256i u = _mm256_castps_si256(f);
	const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
	const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd)), 16);
	const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
					       _mm256_set1_epi32(0x7f800000));
	const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
	return _mm256_blendv_epi8(r, q, nan);
}

static inline void k_bf16_from_float(const float *x, void *vy, int64_t n)
{
	art_bf16 *y = vy;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		const __m256i a = bf16_round8(_mm256_loadu_ps(x + i)), b = bf16_round8(_mm256_loadu_ps(x + i + 8));
		const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
		_mm256_storeu_si256((__m256i *)(y + i), p);
	}
	for (; i < n; i++) y[i] = art_f32_to_bf16(x[i]);
}

/* ---- legacy 32-blocks: one block per register, float accumulation per block ---------------
 * One 8-lane accumulator, blocks in order, lane i holding bytes 4i..4i+3 of each block:
 * the association ggml's AVX2 dots use, so logits follow llama.cpp's on that path. */

static inline void k_dot_q8_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q8_0 *x = vx, *y = vy;
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < n / ART_QK8_0; i++) {
		const __m256i p = dot_ss(load32(x[i].qs), load32(y[i].qs));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(f16s(x[i].d) * f16s(y[i].d)), _mm256_cvtepi32_ps(p), acc);
	}
	*s = hsum_ps8(acc);
}

/* Q4_0 keeps one float: acc = fma(block sum, dx·dy, acc), block after block (the order of
 * llama.cpp's repacked x86 Q4_0 kernel, which the scalar twin follows). */
static inline void k_dot_q4_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_0 *x = vx;
	const art_block_q8_0 *y = vy;
	const __m256i eight = _mm256_set1_epi8(8);
	float acc = 0;
	for (int64_t i = 0; i < n / ART_QK4_0; i++) {
		const __m256i p = dot_ss(_mm256_sub_epi8(nibbles32(x[i].qs), eight), load32(y[i].qs));
		acc = fmaf((float)hsum_epi32_8(p), f16s(x[i].d) * f16s(y[i].d), acc);
	}
	*s = acc;
}

/* q = nibble | (bit ? 0 : 0xf0): the signed value nibble + 16*bit - 16 of Q5_0. */
static inline __m256i q5_0_signed(const art_block_q5_0 *b)
{
	const __m256i hi = _mm256_andnot_si256(bits32(b->qh), _mm256_set1_epi8((char)0xf0));
	return _mm256_or_si256(nibbles32(b->qs), hi);
}

static inline void k_dot_q5_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_0 *x = vx;
	const art_block_q8_0 *y = vy;
	const int64_t nb = n / ART_QK5_0;
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < nb; i++) {
		const __m256i p = dot_ss(q5_0_signed(&x[i]), load32(y[i].qs));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(f16s(x[i].d) * f16s(y[i].d)), _mm256_cvtepi32_ps(p), acc);
	}
	*s = hsum_ps8(acc);
}

static inline void k_dot_q4_1(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_1 *x = vx;
	const art_block_q8_1 *y = vy;
	const int64_t nb = n / ART_QK4_1;
	__m256 acc = _mm256_setzero_ps();
	float summ = 0;
	for (int64_t i = 0; i < nb; i++) {
		const __m256i p = dot_us(nibbles32(x[i].qs), load32(y[i].qs));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(f16s(x[i].d) * f16s(y[i].d)), _mm256_cvtepi32_ps(p), acc);
		summ = fmaf(f16s(x[i].m), f16s(y[i].s), summ);
	}
	*s = hsum_ps8(acc) + summ;
}

static inline void k_dot_q5_1(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_1 *x = vx;
	const art_block_q8_1 *y = vy;
	const int64_t nb = n / ART_QK5_1;
	const __m256i b16 = _mm256_set1_epi8(0x10);
	__m256 acc = _mm256_setzero_ps();
	float summ = 0;
	for (int64_t i = 0; i < nb; i++) {
		const __m256i q = _mm256_or_si256(nibbles32(x[i].qs), _mm256_and_si256(bits32(x[i].qh), b16));
		const __m256i p = dot_us(q, load32(y[i].qs));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(f16s(x[i].d) * f16s(y[i].d)), _mm256_cvtepi32_ps(p), acc);
		summ = fmaf(f16s(x[i].m), f16s(y[i].s), summ);
	}
	*s = hsum_ps8(acc) + summ;
}

/* ---- activation quantizers (bit-exact with art_quantize_q8_0/_q8_1/_q8_K) ------------------ */

/* One 32-block: rounds x*id half-to-even (nearbyintf's rule) into 32 int8; *isum the sum. */
static inline __m256i q8_block(const float *x, float id, __m256i *isum)
{
	const __m256 vid = _mm256_set1_ps(id);
	__m256i q[4];
	for (int k = 0; k < 4; k++) {
		const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid);
		q[k] = _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
	}
	if (isum) *isum = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
	return pack32_i8(q[0], q[1], q[2], q[3]);
}

/* max |x| over 32 floats; NaN lanes are skipped (max_ps keeps its second operand). */
static inline float amax32(const float *x)
{
	__m256 m = _mm256_setzero_ps();
	for (int k = 0; k < 4; k++) m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(x + 8 * k)), m);
	return hmax_ps8(m);
}

static inline void k_quantize_q8_0(const float *x, void *vy, int64_t n)
{
	art_block_q8_0 *y = vy;
	for (int64_t i = 0; i < n / ART_QK8_0; i++, x += 32) {
		const float amax = amax32(x);
		const float d = amax / 127, id = amax ? 127.f / amax : 0.0f;
		y[i].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
		_mm256_storeu_si256((__m256i *)y[i].qs, q8_block(x, id, NULL));
	}
}

static inline void k_quantize_q8_1(const float *x, void *vy, int64_t n)
{
	art_block_q8_1 *y = vy;
	for (int64_t i = 0; i < n / ART_QK8_1; i++, x += 32) {
		const float amax = amax32(x);
		const float d = amax / 127, id = amax ? 127.f / amax : 0.0f;
		__m256i isum;
		y[i].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
		_mm256_storeu_si256((__m256i *)y[i].qs, q8_block(x, id, &isum));
		y[i].s = _cvtss_sh((float)hsum_epi32_8(isum) * d, _MM_FROUND_TO_NEAREST_INT);
	}
}

static inline void k_quantize_q8_K(const float *x, void *vy, int64_t n)
{
	art_block_q8_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		__m256 m = _mm256_setzero_ps();
		for (int k = 0; k < ART_QK_K; k += 8) m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(x + k)), m);
		const float amax = hmax_ps8(m);
		if (!amax) {
			y[i].d = 0;
			memset(y[i].qs, 0, sizeof y[i].qs);
			memset(y[i].bsums, 0, sizeof y[i].bsums);
			continue;
		}
		/* the first element of largest magnitude, sign kept (the scalar's tie rule) */
		const __m256 va = _mm256_set1_ps(amax);
		float max = amax;
		for (int k = 0; k < ART_QK_K; k += 8) {
			const int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + k)), va, _CMP_EQ_OQ));
			if (hit) {
				max = x[k + __builtin_ctz((unsigned)hit)];
				break;
			}
		}
		const float iscale = -127.f / max;
		for (int k = 0; k < ART_QK_K; k += 64) {
			const __m256i q0 = q8_block(x + k, iscale, NULL), q1 = q8_block(x + k + 32, iscale, NULL);
			_mm256_storeu_si256((__m256i *)(y[i].qs + k), q0);
			_mm256_storeu_si256((__m256i *)(y[i].qs + k + 32), q1);
			/* sums of 16: byte pairs → int16, → int32 per 4, then two hadds within lanes */
			const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
			const __m256i s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q0), ones16);
			const __m256i s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q1), ones16);
			__m256i h = _mm256_hadd_epi32(s0, s1);
			h = _mm256_hadd_epi32(h, h);
			/* lane 0: [q0 0..15, q1 0..15, ..], lane 1: [q0 16..31, q1 16..31, ..] */
			int16_t *bs = y[i].bsums + k / 16;
			bs[0] = (int16_t)_mm256_extract_epi32(h, 0);
			bs[1] = (int16_t)_mm256_extract_epi32(h, 4);
			bs[2] = (int16_t)_mm256_extract_epi32(h, 1);
			bs[3] = (int16_t)_mm256_extract_epi32(h, 5);
		}
		y[i].d = 1 / iscale;
	}
}

/* ---- K-quants: integer sums per super-block, one float fma per block ------------------------
 * The 8 int32 lanes hold what the scalar twins' lane_sums hold (lane l: elements with
 * (e % 32) / 4 == l, times their scales), and the float steps are the twins', so these
 * dots are bit-identical to the scalar ones. */

/* Q4_K/Q5_K: 8 six-bit scales and 8 six-bit mins from the 12-byte packing. */
static inline void k4_scales(const uint8_t q[12], uint8_t sc[8], uint8_t mn[8])
{
	uint32_t a, b, c;
	memcpy(&a, q, 4);
	memcpy(&b, q + 4, 4);
	memcpy(&c, q + 8, 4);
	const uint32_t s0 = a & 0x3f3f3f3fu, m0 = b & 0x3f3f3f3fu;
	const uint32_t s1 = (c & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4;
	const uint32_t m1 = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 6) & 0x03030303u) << 4;
	memcpy(sc, &s0, 4);
	memcpy(sc + 4, &s1, 4);
	memcpy(mn, &m0, 4);
	memcpy(mn + 4, &m1, 4);
}

/* Σ_j mn[j]·(bsums[2j] + bsums[2j+1]) as 8 int32 lanes (lane j). */
static inline __m256i k4_minsum(const uint8_t mn[8], const int16_t bsums[16])
{
	uint64_t m8;
	memcpy(&m8, mn, 8);
	const __m128i m = _mm_cvtsi64_si128((long long)m8);
	const __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m, m));
	return _mm256_madd_epi16(load32(bsums), m16);
}

static inline void k_dot_q4_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i lo4 = _mm256_set1_epi8(0x0f);
	__m256 acc = _mm256_setzero_ps();
	float summs = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		uint8_t sc[8], mn[8];
		k4_scales(x[i].scales, sc, mn);
		__m256i sumi = _mm256_setzero_si256();
		for (int j = 0; j < 4; j++) {
			const __m256i q = load32(x[i].qs + 32 * j);
			const __m256i lo = _mm256_and_si256(q, lo4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), lo4);
			const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(y[i].qs + 64 * j)),
							     _mm256_set1_epi16(sc[2 * j]));
			const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(y[i].qs + 64 * j + 32)),
							     _mm256_set1_epi16(sc[2 * j + 1]));
			sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
		}
		const float dy = y[i].d;
		summs = fmaf(-dy * f16s(x[i].dmin), (float)hsum_epi32_8(k4_minsum(mn, y[i].bsums)), summs);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * f16s(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
	}
	*s = hsum_ps8(acc) + summs;
}

static inline void k_dot_q5_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i lo4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
	__m256 acc = _mm256_setzero_ps();
	float summs = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		uint8_t sc[8], mn[8];
		k4_scales(x[i].scales, sc, mn);
		__m256i sumi = _mm256_setzero_si256();
		__m256i qh = load32(x[i].qh); /* bit 2j: sub-block 2j, bit 2j+1: 2j+1; shifted down per j */
		for (int j = 0; j < 4; j++) {
			const __m256i q = load32(x[i].qs + 32 * j);
			const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(qh, one), 4);
			const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4);
			qh = _mm256_srli_epi16(qh, 2);
			const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, lo4), h0);
			const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), lo4), h1);
			const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(y[i].qs + 64 * j)),
							     _mm256_set1_epi16(sc[2 * j]));
			const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(y[i].qs + 64 * j + 32)),
							     _mm256_set1_epi16(sc[2 * j + 1]));
			sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(p0, p1));
		}
		const float dy = y[i].d;
		summs = fmaf(-dy * f16s(x[i].dmin), (float)hsum_epi32_8(k4_minsum(mn, y[i].bsums)), summs);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * f16s(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
	}
	*s = hsum_ps8(acc) + summs;
}

/* Q6_K: u = q + 32 in 0..63; per int16 pair (u·y) − (32·y), then × scale: the lanes
 * hold exactly the scalar twin's lane sums. */
static inline void k_dot_q6_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q6_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i lo4 = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const __m128i sc8 = _mm_loadu_si128((const __m128i *)x[i].scales);
		__m256i sumi = _mm256_setzero_si256();
		for (int c = 0; c < 2; c++) {
			const __m256i ql0 = load32(x[i].ql + 64 * c), ql1 = load32(x[i].ql + 64 * c + 32);
			const __m256i qh = load32(x[i].qh + 32 * c);
			const __m256i lo[4] = {
				_mm256_and_si256(ql0, lo4), _mm256_and_si256(ql1, lo4),
				_mm256_and_si256(_mm256_srli_epi16(ql0, 4), lo4),
				_mm256_and_si256(_mm256_srli_epi16(ql1, 4), lo4),
			};
			const __m256i hb[4] = {
				_mm256_and_si256(qh, three), _mm256_and_si256(_mm256_srli_epi16(qh, 2), three),
				_mm256_and_si256(_mm256_srli_epi16(qh, 4), three),
				_mm256_and_si256(_mm256_srli_epi16(qh, 6), three),
			};
			for (int k = 0; k < 4; k++) {
				const __m256i q = _mm256_or_si256(lo[k], _mm256_slli_epi16(hb[k], 4));
				const __m256i yk = load32(y[i].qs + 128 * c + 32 * k);
				const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, yk), _mm256_maddubs_epi16(m32, yk));
				sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale_pair(sc8, 4 * c + k)));
			}
		}
		acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * f16s(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
	}
	*s = hsum_ps8(acc);
}

/* Q3_K's 16 signed 6-bit scales (already minus 32) as int8. */
static inline __m128i q3_scales8(const uint8_t q[12])
{
	uint32_t a, b, c, w[4];
	memcpy(&a, q, 4);
	memcpy(&b, q + 4, 4);
	memcpy(&c, q + 8, 4);
	w[0] = (a & 0x0f0f0f0fu) | (c & 0x03030303u) << 4;
	w[1] = (b & 0x0f0f0f0fu) | ((c >> 2) & 0x03030303u) << 4;
	w[2] = ((a >> 4) & 0x0f0f0f0fu) | ((c >> 4) & 0x03030303u) << 4;
	w[3] = ((b >> 4) & 0x0f0f0f0fu) | ((c >> 6) & 0x03030303u) << 4;
	return _mm_sub_epi8(_mm_loadu_si128((const __m128i *)w), _mm_set1_epi8(32));
}

/* Q3_K: u = 2 low bits + 4·hmask bit = q + 4 in 0..7; per int16 pair (u·y) − (4·y). */
static inline void k_dot_q3_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q3_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), m4 = _mm256_set1_epi8(4);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const __m128i sc8 = q3_scales8(x[i].scales);
		__m256i hm = load32(x[i].hmask); /* bit 4c+k: chunk c, quarter k; shifted down as used */
		__m256i sumi = _mm256_setzero_si256();
		for (int c = 0; c < 2; c++) {
			const __m256i q = load32(x[i].qs + 32 * c);
			for (int k = 0; k < 4; k++) {
				const __m256i l2 = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), three);
				const __m256i h = _mm256_slli_epi16(_mm256_and_si256(hm, one), 2);
				hm = _mm256_srli_epi16(hm, 1);
				const __m256i yk = load32(y[i].qs + 128 * c + 32 * k);
				const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(_mm256_or_si256(l2, h), yk),
								   _mm256_maddubs_epi16(m4, yk));
				sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale_pair(sc8, 4 * c + k)));
			}
		}
		acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * f16s(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
	}
	*s = hsum_ps8(acc);
}

/* Q2_K: q in 0..3, 4-bit scale (low) and min (high) per 16 → d·Σ sc·q·y − dmin·Σ m·bsum. */
static inline void k_dot_q2_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q2_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i three = _mm256_set1_epi8(3);
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const __m128i raw = _mm_loadu_si128((const __m128i *)x[i].scales);
		const __m128i sc8 = _mm_and_si128(raw, _mm_set1_epi8(0x0f));
		const __m128i mn8 = _mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0f));
		__m256i sumi = _mm256_setzero_si256();
		for (int c = 0; c < 2; c++) {
			const __m256i q = load32(x[i].qs + 32 * c);
			for (int k = 0; k < 4; k++) {
				const __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * k), three);
				const __m256i p = _mm256_maddubs_epi16(u, load32(y[i].qs + 128 * c + 32 * k));
				sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, scale_pair(sc8, 4 * c + k)));
			}
		}
		const __m256i msum = _mm256_madd_epi16(load32(y[i].bsums), _mm256_cvtepu8_epi16(mn8));
		acc = _mm256_fmadd_ps(_mm256_set1_ps(-y[i].d * f16s(x[i].dmin)), _mm256_cvtepi32_ps(msum), acc);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * f16s(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
	}
	*s = hsum_ps8(acc);
}
#endif

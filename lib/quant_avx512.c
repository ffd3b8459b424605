/* quant_avx512.c — the AVX-512 path (F/BW/DQ/VL + VNNI).
 *
 * Legacy 32-block dots: the 256-bit kernels of quant_simd.h, whose byte dots compile to
 * one VNNI dpbusd here (one block per register and the same lane grouping and block
 * order as the AVX2 path, so both paths give bit-identical results for these types).
 * F16/BF16 dots and conversions, and the Q4_K/Q5_K/Q6_K dots, are 512-bit kernels below:
 * 64 quants (two 32-sub-blocks or four 16-sub-blocks) per register; the K dots fold
 * their 16 integer lanes to the scalar twins' 8 before the float steps, so every
 * quantized dot here is bit-identical to its scalar twin.
 * Contracts are quant_simd.h's.  Reached only through art_simd after the cpuid check.
 */
#include "quant_simd.h"
#include "simd.h"

static inline float hsum_ps16(__m512 v) { return _mm512_reduce_add_ps(v); }

/* ---- float element types: 16 lanes, four accumulators (32-byte loads of the row) ---------- */

static inline __m512 z_f16(const art_f16 *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline __m512 z_bf16(const art_bf16 *p)
{
	const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
	return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}

/* F16: four accumulators of 16 lanes over steps of 64, reduced (a0+a2) + (a1+a3) and then
 * across lanes, the tail in double (ggml's AVX-512 float-dot order). */
static void z_dot_f16(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_f16 *x = vx, *y = vy;
	__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
	for (; i + 64 <= n; i += 64) {
		a0 = _mm512_fmadd_ps(z_f16(x + i), z_f16(y + i), a0);
		a1 = _mm512_fmadd_ps(z_f16(x + i + 16), z_f16(y + i + 16), a1);
		a2 = _mm512_fmadd_ps(z_f16(x + i + 32), z_f16(y + i + 32), a2);
		a3 = _mm512_fmadd_ps(z_f16(x + i + 48), z_f16(y + i + 48), a3);
	}
	double sum = hsum_ps16(_mm512_add_ps(_mm512_add_ps(a0, a2), _mm512_add_ps(a1, a3)));
	for (; i < n; i++) sum += (double)(f16s(x[i]) * f16s(y[i]));
	*s = (float)sum;
}

static void z_f16_to_float(const void *vx, float *y, int64_t n)
{
	const art_f16 *x = vx;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, z_f16(x + i));
	for (; i < n; i++) y[i] = f16s(x[i]);
}

static void z_f16_from_float(const float *x, void *vy, int64_t n)
{
	art_f16 *y = vy;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256((__m256i *)(y + i),
				    _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++) y[i] = art_f32_to_f16(x[i]);
}

static void z_bf16_to_float(const void *vx, float *y, int64_t n)
{
	const art_bf16 *x = vx;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, z_bf16(x + i));
	for (; i < n; i++) y[i] = art_bf16_to_f32(x[i]);
}

/* art_f32_to_bf16's rule on 16 lanes (integer rounding: exact for subnormals too, which
 * the AVX512-BF16 conversion would flush). */
static void z_bf16_from_float(const float *x, void *vy, int64_t n)
{
	art_bf16 *y = vy;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		const __m512i u = _mm512_castps_si512(_mm512_loadu_ps(x + i));
		const __m512i hi = _mm512_srli_epi32(u, 16);
		const __m512i odd = _mm512_and_si512(hi, _mm512_set1_epi32(1));
		const __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), odd)), 16);
		const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
							      _mm512_set1_epi32(0x7f800000));
		const __m512i v = _mm512_mask_or_epi32(r, nan, hi, _mm512_set1_epi32(64));
		_mm256_storeu_si256((__m256i *)(y + i), _mm512_cvtepi32_epi16(v));
	}
	for (; i < n; i++) y[i] = art_f32_to_bf16(x[i]);
}

/* BF16 dot with AVX512-BF16 (when cpuid has it; art_simd checks avx512bf16 separately):
 * 256-bit vdpbf16ps (32-byte loads: 64-byte loads split cache lines on 32-aligned GGUF
 * data and lose more than they gain) forms each lane's two bf16 products exactly and adds them to the lane in
 * float; it treats subnormal inputs as zero (they are below 2^-126, far inside the dot
 * tolerance).  Same result contract as art_vec_dot_bf16: float rounding only. */
static void z_dot_bf16_dp(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_bf16 *x = vx, *y = vy;
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	int64_t i = 0;
#define DP(a, k) a = _mm256_dpbf16_ps(a, (__m256bh)load32(x + i + (k)), (__m256bh)load32(y + i + (k)))
	for (; i + 64 <= n; i += 64) {
		DP(a0, 0);
		DP(a1, 16);
		DP(a2, 32);
		DP(a3, 48);
	}
	for (; i + 16 <= n; i += 16) DP(a0, 0);
#undef DP
	float sum = hsum_ps8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; i < n; i++) sum += art_bf16_to_f32(x[i]) * art_bf16_to_f32(y[i]);
	*s = sum;
}

void art_vec_dot_bf16_avx512bf16(int64_t n, float *s, const void *x, const void *y) { z_dot_bf16_dp(n, s, x, y); }

/* ---- K-quants: 64 quants per register ------------------------------------------------------ */

static inline __m512i z_pair(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

/* 16 int32 lanes of two 32-element halves → the 8 lanes of the scalar twins' layout
 * (lane l: elements with (e % 32) / 4 == l); exact integer adds. */
static inline __m256i z_fold(__m512i v)
{
	return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

/* Q4_K/Q5_K chunk j (64 quants = sub-blocks 2j, 2j+1): Σ sc·q·y as 16 int32 lanes. */
static inline __m512i z_k4_chunk(__m256i lo, __m256i hi, const int8_t *y64, uint8_t s0, uint8_t s1)
{
	const __m512i sc = z_pair(_mm256_set1_epi16(s0), _mm256_set1_epi16(s1));
	return _mm512_madd_epi16(_mm512_maddubs_epi16(z_pair(lo, hi), _mm512_loadu_si512(y64)), sc);
}

static void z_dot_q4_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i lo4 = _mm256_set1_epi8(0x0f);
	__m256 acc = _mm256_setzero_ps();
	float summs = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		uint8_t sc[8], mn[8];
		k4_scales(x[i].scales, sc, mn);
		__m512i sumi = _mm512_setzero_si512();
		for (int j = 0; j < 4; j++) {
			const __m256i q = load32(x[i].qs + 32 * j);
			const __m256i lo = _mm256_and_si256(q, lo4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), lo4);
			sumi = _mm512_add_epi32(sumi, z_k4_chunk(lo, hi, y[i].qs + 64 * j, sc[2 * j], sc[2 * j + 1]));
		}
		const float dy = y[i].d;
		summs = fmaf(-dy * f16s(x[i].dmin), (float)hsum_epi32_8(k4_minsum(mn, y[i].bsums)), summs);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * f16s(x[i].d)), _mm256_cvtepi32_ps(z_fold(sumi)), acc);
	}
	*s = hsum_ps8(acc) + summs;
}

static void z_dot_q5_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m256i lo4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
	__m256 acc = _mm256_setzero_ps();
	float summs = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		uint8_t sc[8], mn[8];
		k4_scales(x[i].scales, sc, mn);
		__m512i sumi = _mm512_setzero_si512();
		__m256i qh = load32(x[i].qh); /* bits 2j, 2j+1 for chunk j; shifted down per j */
		for (int j = 0; j < 4; j++) {
			const __m256i q = load32(x[i].qs + 32 * j);
			const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(qh, one), 4);
			const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4);
			qh = _mm256_srli_epi16(qh, 2);
			const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, lo4), h0);
			const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), lo4), h1);
			sumi = _mm512_add_epi32(sumi, z_k4_chunk(lo, hi, y[i].qs + 64 * j, sc[2 * j], sc[2 * j + 1]));
		}
		const float dy = y[i].d;
		summs = fmaf(-dy * f16s(x[i].dmin), (float)hsum_epi32_8(k4_minsum(mn, y[i].bsums)), summs);
		acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * f16s(x[i].d)), _mm256_cvtepi32_ps(z_fold(sumi)), acc);
	}
	*s = hsum_ps8(acc) + summs;
}

/* int16 ×32: the scales of sub-blocks 4g..4g+3, each repeated 8 times. */
static inline __m512i z_scale_quad(__m128i s8, int g)
{
	return _mm512_cvtepi8_epi16(_mm256_set_m128i(
		_mm_shuffle_epi8(s8, _mm_set_epi64x((long long)(0x0101010101010101ull * (uint64_t)(4 * g + 3)),
						    (long long)(0x0101010101010101ull * (uint64_t)(4 * g + 2)))),
		_mm_shuffle_epi8(s8, _mm_set_epi64x((long long)(0x0101010101010101ull * (uint64_t)(4 * g + 1)),
						    (long long)(0x0101010101010101ull * (uint64_t)(4 * g))))));
}

/* Q6_K: per chunk c of 128, ql's 64 bytes hold quarters 0,1 (low nibbles) and 2,3 (high);
 * qh's 32 bytes hold 2 bits per quarter.  u = q + 32 in 0..63; per int16 pair (u·y) − (32·y),
 * then × scale, folded to the scalar twin's 8 lanes. */
static void z_dot_q6_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q6_K *x = vx;
	const art_block_q8_K *y = vy;
	const __m512i lo4 = _mm512_set1_epi8(0x0f), three = _mm512_set1_epi8(3), m32 = _mm512_set1_epi8(32);
	const __m512i sh01 = z_pair(_mm256_setzero_si256(), _mm256_set1_epi16(2));
	const __m512i sh23 = z_pair(_mm256_set1_epi16(4), _mm256_set1_epi16(6));
	__m256 acc = _mm256_setzero_ps();
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const __m128i sc8 = _mm_loadu_si128((const __m128i *)x[i].scales);
		__m512i sumi = _mm512_setzero_si512();
		for (int c = 0; c < 2; c++) {
			const __m512i ql = _mm512_loadu_si512(x[i].ql + 64 * c);
			const __m256i qh = load32(x[i].qh + 32 * c);
			const __m512i qhz = z_pair(qh, qh);
			const __m512i h01 = _mm512_and_si512(_mm512_srlv_epi16(qhz, sh01), three);
			const __m512i h23 = _mm512_and_si512(_mm512_srlv_epi16(qhz, sh23), three);
			const __m512i u01 = _mm512_or_si512(_mm512_and_si512(ql, lo4), _mm512_slli_epi16(h01, 4));
			const __m512i u23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), lo4),
							    _mm512_slli_epi16(h23, 4));
			const __m512i y01 = _mm512_loadu_si512(y[i].qs + 128 * c);
			const __m512i y23 = _mm512_loadu_si512(y[i].qs + 128 * c + 64);
			const __m512i p01 = _mm512_sub_epi16(_mm512_maddubs_epi16(u01, y01), _mm512_maddubs_epi16(m32, y01));
			const __m512i p23 = _mm512_sub_epi16(_mm512_maddubs_epi16(u23, y23), _mm512_maddubs_epi16(m32, y23));
			sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(p01, z_scale_quad(sc8, 2 * c)));
			sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(p23, z_scale_quad(sc8, 2 * c + 1)));
		}
		acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * f16s(x[i].d)), _mm256_cvtepi32_ps(z_fold(sumi)), acc);
	}
	*s = hsum_ps8(acc);
}

/* ---- exports --------------------------------------------------------------------------------- */

#define EXPORT_DOT(name, k)                                                                  \
	void name##_avx512(int64_t n, float *s, const void *x, const void *y) { k(n, s, x, y); }
#define EXPORT_FROM(name, k)                                                                 \
	void name##_avx512(const float *x, void *y, int64_t n) { k(x, y, n); }
#define EXPORT_TO(name, k)                                                                   \
	void name##_avx512(const void *x, float *y, int64_t n) { k(x, y, n); }

EXPORT_DOT(art_vec_dot_f32, k_dot_f32) /* 256-bit: see z_dot_bf16_dp on 64-byte loads */
EXPORT_DOT(art_vec_dot_f16, z_dot_f16)
EXPORT_DOT(art_vec_dot_bf16, k_dot_bf16) /* without AVX512-BF16 */
EXPORT_DOT(art_vec_dot_q4_0_q8_0, k_dot_q4_0)
EXPORT_DOT(art_vec_dot_q4_1_q8_1, k_dot_q4_1)
EXPORT_DOT(art_vec_dot_q5_0_q8_0, k_dot_q5_0)
EXPORT_DOT(art_vec_dot_q5_1_q8_1, k_dot_q5_1)
EXPORT_DOT(art_vec_dot_q8_0_q8_0, k_dot_q8_0)
EXPORT_DOT(art_vec_dot_q2_K_q8_K, k_dot_q2_K)
EXPORT_DOT(art_vec_dot_q3_K_q8_K, k_dot_q3_K)
EXPORT_DOT(art_vec_dot_q4_K_q8_K, z_dot_q4_K)
EXPORT_DOT(art_vec_dot_q5_K_q8_K, z_dot_q5_K)
EXPORT_DOT(art_vec_dot_q6_K_q8_K, z_dot_q6_K)
EXPORT_FROM(art_quantize_q8_0, k_quantize_q8_0)
EXPORT_FROM(art_quantize_q8_1, k_quantize_q8_1)
EXPORT_FROM(art_quantize_q8_K, k_quantize_q8_K)
EXPORT_FROM(art_f16_from_float, z_f16_from_float)
EXPORT_FROM(art_bf16_from_float, z_bf16_from_float)
EXPORT_TO(art_f16_to_float, z_f16_to_float)
EXPORT_TO(art_bf16_to_float, z_bf16_to_float)

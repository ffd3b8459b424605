/* attn_avx2.c — the AVX2 twins of attn.c's reference dots (contract in attn.h).
 *
 * kq: four positions per __m256d lane group and four groups in flight (16 positions),
 *     each lane summing its own position's products over d in order; k rows are loaded
 *     8 dims at a time, converted with F16C and transposed so one vector holds the same
 *     dim of four positions.
 * vp: the sums run over t in order for 16 dims at a time (four __m256d accumulators),
 *     so each dim's sum sees the reference's sequence of additions.
 * A product of two F16 values is exact in double, so fma(a, b, s) rounds once, exactly
 * like the reference's s + (a * b).  The zero rows past n_kv add +0.0 to sums that start
 * at +0.0 and so can never be -0.0: they change nothing and are skipped. */
#include <immintrin.h>

#include "attn.h"

static inline __m256 ld8(const art_f16 *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline double f16d(art_f16 h) { return (double)_cvtsh_ss(h); }

/* Positions t..t+3 over all dims: 4 sums in one vector, dims 8 at a time. */
static inline __m256d kq4(const art_f16 *k, size_t stride, const double *qd, int hd)
{
	__m256d acc = _mm256_setzero_pd();
	int d = 0;
	for (; d + 8 <= hd; d += 8) {
		const __m256 r0 = ld8(k + d), r1 = ld8(k + stride + d), r2 = ld8(k + 2 * stride + d),
			     r3 = ld8(k + 3 * stride + d);
		/* 4x8 transpose into columns c[j] = (r0[j], r1[j], r2[j], r3[j]) */
		const __m256 a = _mm256_unpacklo_ps(r0, r1), b = _mm256_unpackhi_ps(r0, r1);
		const __m256 c = _mm256_unpacklo_ps(r2, r3), e = _mm256_unpackhi_ps(r2, r3);
		const __m256 c0 = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(a), _mm256_castps_pd(c)));
		const __m256 c1 = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(a), _mm256_castps_pd(c)));
		const __m256 c2 = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(b), _mm256_castps_pd(e)));
		const __m256 c3 = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(b), _mm256_castps_pd(e)));
		/* c0 low half = dim d+0, high half = dim d+4; c1: d+1, d+5; c2: d+2, d+6; c3: d+3, d+7 */
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c0)), _mm256_set1_pd(qd[d + 0]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c1)), _mm256_set1_pd(qd[d + 1]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c2)), _mm256_set1_pd(qd[d + 2]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c3)), _mm256_set1_pd(qd[d + 3]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(c0, 1)), _mm256_set1_pd(qd[d + 4]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(c1, 1)), _mm256_set1_pd(qd[d + 5]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(c2, 1)), _mm256_set1_pd(qd[d + 6]), acc);
		acc = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(c3, 1)), _mm256_set1_pd(qd[d + 7]), acc);
	}
	for (; d < hd; d++) {
		const __m256d kv = _mm256_set_pd(f16d(k[3 * stride + d]), f16d(k[2 * stride + d]), f16d(k[stride + d]),
						 f16d(k[d]));
		acc = _mm256_fmadd_pd(kv, _mm256_set1_pd(qd[d]), acc);
	}
	return acc;
}

void art_attn_kq_f16_avx2(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int hd, float *att)
{
	double qd[512];
	if (hd > 512) {
		art_attn_kq_f16_ref(k, stride, n_kv, q, hd, att);
		return;
	}
	for (int d = 0; d < hd; d++) qd[d] = f16d(q[d]);
	int t = 0;
	/* four groups at once: independent FMA chains hide the latency (the compiler
	 * interleaves the inlined bodies) */
	for (; t + 16 <= n_kv; t += 16) {
		const __m256d a0 = kq4(k + (size_t)t * stride, stride, qd, hd);
		const __m256d a1 = kq4(k + (size_t)(t + 4) * stride, stride, qd, hd);
		const __m256d a2 = kq4(k + (size_t)(t + 8) * stride, stride, qd, hd);
		const __m256d a3 = kq4(k + (size_t)(t + 12) * stride, stride, qd, hd);
		_mm_storeu_ps(att + t, _mm256_cvtpd_ps(a0));
		_mm_storeu_ps(att + t + 4, _mm256_cvtpd_ps(a1));
		_mm_storeu_ps(att + t + 8, _mm256_cvtpd_ps(a2));
		_mm_storeu_ps(att + t + 12, _mm256_cvtpd_ps(a3));
	}
	for (; t + 4 <= n_kv; t += 4) _mm_storeu_ps(att + t, _mm256_cvtpd_ps(kq4(k + (size_t)t * stride, stride, qd, hd)));
	if (t < n_kv) art_attn_kq_f16_ref(k + (size_t)t * stride, stride, n_kv - t, q, hd, att + t);
}

void art_attn_vp_f16_avx2(const art_f16 *v, size_t stride, int n_kv, int n_pad, const art_f16 *p, int hd, float *out)
{
	int d = 0;
	for (; d + 16 <= hd; d += 16) {
		__m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
		for (int t = 0; t < n_kv; t++) {
			const __m256d pt = _mm256_set1_pd(f16d(p[t]));
			const __m256 lo = ld8(v + (size_t)t * stride + d), hi = ld8(v + (size_t)t * stride + d + 8);
			s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(lo)), pt, s0);
			s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(lo, 1)), pt, s1);
			s2 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(hi)), pt, s2);
			s3 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(hi, 1)), pt, s3);
		}
		_mm_storeu_ps(out + d, _mm256_cvtpd_ps(s0));
		_mm_storeu_ps(out + d + 4, _mm256_cvtpd_ps(s1));
		_mm_storeu_ps(out + d + 8, _mm256_cvtpd_ps(s2));
		_mm_storeu_ps(out + d + 12, _mm256_cvtpd_ps(s3));
	}
	if (d < hd) art_attn_vp_f16_ref(v + d, stride, n_kv, n_pad, p, hd - d, out + d);
}

/* attn_avx2.c — the AVX2 twins of attn.c's reference dots (contract in attn.h).
 *
 * kq: four positions per __m256d, one accumulator per (position group, head); k rows
 *     are loaded 8 dims at a time, converted with F16C and transposed so one vector
 *     holds the same dim of four positions, and that vector serves every head of the
 *     group.  Each lane sums its own (position, head) products over d in order.
 * vp: the sums run over t in order, four dims per __m256d, one accumulator per (dims,
 *     head); each v row's dims are converted once for every head.
 * Up to eight accumulators are in flight (more position groups or dims when the group
 * has fewer heads), enough independent FMA chains to hide their latency in the 16 ymm
 * registers.  A product of two F16 values is exact in double, so fma(a, b, s) rounds
 * once, exactly like the reference's s + (a * b).  The zero rows past n_kv add +0.0 to
 * sums that start at +0.0 and so can never be -0.0: they change nothing and are
 * skipped. */
#include <immintrin.h>

#include "attn.h"

#define KQ_GMAX 8  /* heads per kq pass */
#define VP_GMAX 4  /* heads per vp pass */
#define HD_MAX 256 /* larger heads take the reference */
#define UNROLL _Pragma("GCC unroll 8")

static inline __m256 ld8(const art_f16 *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline double f16d(art_f16 h) { return (double)_cvtsh_ss(h); }

/* np groups of 4 positions (at k, k + 4 stride, ...) for G heads (qd: G rows of hd):
 * acc[p * G + h] lane j = position 4p + j, head h.  np * G <= 8.  nv < 4 (with np = 1):
 * only positions 0..nv-1 exist; the other lanes repeat the last of them. */
static inline __attribute__((always_inline)) void kq_block(const art_f16 *k, size_t stride, const double *qd, int hd,
							    const int np, const int G, const int nv, __m256d acc[8])
{
	const size_t s1 = nv > 1 ? stride : 0, s2 = (size_t)(nv > 2 ? 2 : nv - 1) * stride,
		     s3 = (size_t)(nv > 3 ? 3 : nv - 1) * stride;
	UNROLL
	for (int a = 0; a < 8; a++)
		if (a < np * G) acc[a] = _mm256_setzero_pd();
	int d = 0;
	for (; d + 8 <= hd; d += 8) {
		UNROLL
		for (int p = 0; p < 4; p++) {
			if (p >= np) continue;
			const art_f16 *kp = k + (size_t)(4 * p) * stride + d;
			const __m256 r0 = ld8(kp), r1 = ld8(kp + s1), r2 = ld8(kp + s2), r3 = ld8(kp + s3);
			/* 4x8 transpose into columns c[j] = (r0[j], r1[j], r2[j], r3[j]) */
			const __m256 a = _mm256_unpacklo_ps(r0, r1), b = _mm256_unpackhi_ps(r0, r1);
			const __m256 c = _mm256_unpacklo_ps(r2, r3), e = _mm256_unpackhi_ps(r2, r3);
			const __m256 cc[4] = {
				_mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(a), _mm256_castps_pd(c))),
				_mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(a), _mm256_castps_pd(c))),
				_mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(b), _mm256_castps_pd(e))),
				_mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(b), _mm256_castps_pd(e)))};
			/* cc[i] low half = dim d+i, high half = dim d+4+i */
			UNROLL
			for (int j = 0; j < 8; j++) {
				const __m256d col = _mm256_cvtps_pd(j < 4 ? _mm256_castps256_ps128(cc[j]) : _mm256_extractf128_ps(cc[j - 4], 1));
				UNROLL
				for (int h = 0; h < KQ_GMAX; h++)
					if (h < G) acc[p * G + h] = _mm256_fmadd_pd(col, _mm256_set1_pd(qd[h * hd + d + j]), acc[p * G + h]);
			}
		}
	}
	for (; d < hd; d++)
		UNROLL
		for (int p = 0; p < 4; p++) {
			if (p >= np) continue;
			const art_f16 *kp = k + (size_t)(4 * p) * stride + d;
			const __m256d kv = _mm256_set_pd(f16d(kp[s3]), f16d(kp[s2]), f16d(kp[s1]), f16d(kp[0]));
			UNROLL
			for (int h = 0; h < KQ_GMAX; h++)
				if (h < G) acc[p * G + h] = _mm256_fmadd_pd(kv, _mm256_set1_pd(qd[h * hd + d]), acc[p * G + h]);
		}
}

/* All positions for G heads: blocks of np groups while they last, then single groups,
 * then one group for the last 0..3 positions. */
static inline __attribute__((always_inline)) void kq_run(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q,
							  const double *qd, int hd, float *att, size_t att_stride,
							  const int G)
{
	const int np = G == 1 ? 4 : G <= 4 ? 2 : 1; /* np * G <= 8 */
	int t = 0;
	for (; t + 4 * np <= n_kv; t += 4 * np) {
		__m256d acc[8];
		kq_block(k + (size_t)t * stride, stride, qd, hd, np, G, 4, acc);
		UNROLL
		for (int p = 0; p < 4; p++)
			UNROLL
			for (int h = 0; h < KQ_GMAX; h++)
				if (p < np && h < G) _mm_storeu_ps(att + (size_t)h * att_stride + t + 4 * p, _mm256_cvtpd_ps(acc[p * G + h]));
	}
	for (; t + 4 <= n_kv; t += 4) {
		__m256d acc[8];
		kq_block(k + (size_t)t * stride, stride, qd, hd, 1, G, 4, acc);
		UNROLL
		for (int h = 0; h < KQ_GMAX; h++)
			if (h < G) _mm_storeu_ps(att + (size_t)h * att_stride + t, _mm256_cvtpd_ps(acc[h]));
	}
	if (t < n_kv) { /* the last 1..3 positions: lanes past them repeat the last row */
		const int nv = n_kv - t;
		__m256d acc[8];
		kq_block(k + (size_t)t * stride, stride, qd, hd, 1, G, nv, acc);
		UNROLL
		for (int h = 0; h < KQ_GMAX; h++) {
			if (h >= G) continue;
			float v4[4];
			_mm_storeu_ps(v4, _mm256_cvtpd_ps(acc[h]));
			for (int j = 0; j < nv; j++) att[(size_t)h * att_stride + t + j] = v4[j];
		}
	}
}

void art_attn_kq_f16_avx2(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int g, int hd, float *att,
			  size_t att_stride)
{
	if (hd > HD_MAX) {
		art_attn_kq_f16_ref(k, stride, n_kv, q, g, hd, att, att_stride);
		return;
	}
	double qd[KQ_GMAX * HD_MAX];
	for (int h0 = 0; h0 < g; h0 += KQ_GMAX) {
		const int gc = g - h0 < KQ_GMAX ? g - h0 : KQ_GMAX;
		const art_f16 *qh = q + (size_t)h0 * hd;
		float *ah = att + (size_t)h0 * att_stride;
		for (int i = 0; i < gc * hd; i++) qd[i] = f16d(qh[i]);
		switch (gc) {
		case 1: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 1); break;
		case 2: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 2); break;
		case 3: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 3); break;
		case 4: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 4); break;
		case 5: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 5); break;
		case 6: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 6); break;
		case 7: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 7); break;
		default: kq_run(k, stride, n_kv, qh, qd, hd, ah, att_stride, 8); break;
		}
	}
}

/* G heads over dims in passes of D = 32 / G (8 for G > 2): acc[h * D/4 + i] holds dims
 * d + 4i .. + 3 of head h; then the reference for the last hd % D dims. */
static inline __attribute__((always_inline)) void vp_run(const art_f16 *v, size_t stride, int n_kv, int n_pad,
							  const double *p, size_t p_stride, int hd, float *out,
							  const int G)
{
	const int D = G == 1 ? 32 : G == 2 ? 16 : 8, A = D / 4;
	int d = 0;
	for (; d + D <= hd; d += D) {
		__m256d acc[8];
		UNROLL
		for (int a = 0; a < 8; a++)
			if (a < G * A) acc[a] = _mm256_setzero_pd();
		for (int t = 0; t < n_kv; t++) {
			const art_f16 *row = v + (size_t)t * stride + d;
			UNROLL
			for (int i = 0; i < 4; i++) {
				if (i >= D / 8) continue;
				const __m256 x = ld8(row + 8 * i);
				const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(x)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
				UNROLL
				for (int h = 0; h < VP_GMAX; h++) {
					if (h >= G) continue;
					const __m256d pt = _mm256_set1_pd(p[(size_t)h * p_stride + t]);
					acc[h * A + 2 * i] = _mm256_fmadd_pd(lo, pt, acc[h * A + 2 * i]);
					acc[h * A + 2 * i + 1] = _mm256_fmadd_pd(hi, pt, acc[h * A + 2 * i + 1]);
				}
			}
		}
		UNROLL
		for (int h = 0; h < VP_GMAX; h++)
			UNROLL
			for (int i = 0; i < 8; i++)
				if (h < G && i < A) _mm_storeu_ps(out + (size_t)h * hd + d + 4 * i, _mm256_cvtpd_ps(acc[h * A + i]));
	}
	if (d < hd)
		for (int h = 0; h < G; h++)
			art_attn_vp_f16_ref(v + d, stride, n_kv, n_pad, p + (size_t)h * p_stride, 0, 1, hd - d, out + (size_t)h * hd + d);
}

void art_attn_vp_f16_avx2(const art_f16 *v, size_t stride, int n_kv, int n_pad, const double *p, size_t p_stride,
			  int g, int hd, float *out)
{
	for (int h0 = 0; h0 < g; h0 += VP_GMAX) {
		const int gc = g - h0 < VP_GMAX ? g - h0 : VP_GMAX;
		const double *ph = p + (size_t)h0 * p_stride;
		float *oh = out + (size_t)h0 * hd;
		switch (gc) {
		case 1: vp_run(v, stride, n_kv, n_pad, ph, p_stride, hd, oh, 1); break;
		case 2: vp_run(v, stride, n_kv, n_pad, ph, p_stride, hd, oh, 2); break;
		case 3: vp_run(v, stride, n_kv, n_pad, ph, p_stride, hd, oh, 3); break;
		default: vp_run(v, stride, n_kv, n_pad, ph, p_stride, hd, oh, 4); break;
		}
	}
}

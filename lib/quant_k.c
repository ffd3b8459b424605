/* quant_k.c — 256-element super-block types: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
 *
 * Dequantization reproduces ggml's arithmetic exactly.  Q8_K is the activation type of
 * the K dots and follows ggml's reference quantizer bit for bit (the dots' numerics
 * depend on it).  The weight quantizers are our own straightforward ones: per sub-block
 * min/max or absmax, then the sub-block scales quantized against the super-block scale.
 * Dots: per-element integer products summed per sub-block, scaled once per block.
 */
#include <math.h>
#include <string.h>

#include "quant.h"

#define F16(x) art_f16_to_f32(x)

/* ggml's round-to-nearest-even through the float mantissa (valid for |f| < 2^22). */
static int nearest_int(float f)
{
	float v = f + 12582912.f;
	int32_t i;
	memcpy(&i, &v, 4);
	return (i & 0x007fffff) - 0x00400000;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Scale j (0..7) and min of the 12-byte 6-bit packing used by Q4_K and Q5_K. */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m)
{
	if (j < 4) {
		*d = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*d = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
		*m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
	}
}

static void pack_scale_min_k4(const uint8_t ls[8], const uint8_t lm[8], uint8_t q[12])
{
	memset(q, 0, 12);
	for (int j = 0; j < 8; j++) {
		if (j < 4) {
			q[j] = ls[j];
			q[j + 4] = lm[j];
		} else {
			q[j + 4] = (uint8_t)((ls[j] & 0xf) | (lm[j] & 0xf) << 4);
			q[j - 4] |= (uint8_t)((ls[j] >> 4) << 6);
			q[j] |= (uint8_t)((lm[j] >> 4) << 6);
		}
	}
}

/* The 16 signed 6-bit scales of Q3_K (already minus 32). */
static void q3_scales(const uint8_t s[12], int sc[16])
{
	for (int j = 0; j < 16; j++) {
		int lo = j < 8 ? (s[j] & 0xf) : (s[j - 8] >> 4);
		int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
		sc[j] = (lo | hi << 4) - 32;
	}
}

/* ---- unpackers: block → 256 small integers (element order) ---------------------------- */

/* 2-bit fields of Q2_K/Q3_K qs: element e of chunk n uses byte 32n + e%32, shift 2*(e%128/32) */
static void unpack_2bit(const uint8_t *qs, int8_t q[256])
{
	for (int e = 0; e < 256; e++) q[e] = (int8_t)((qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3);
}

static void unpack_q3(const art_block_q3_K *b, int8_t q[256])
{
	unpack_2bit(b->qs, q);
	for (int e = 0; e < 256; e++) q[e] = (int8_t)(q[e] - ((b->hmask[e % 32] >> (e / 32)) & 1 ? 0 : 4));
}

static void unpack_q4(const uint8_t *qs, int8_t q[256])
{
	for (int e = 0; e < 256; e++) {
		uint8_t byte = qs[32 * (e / 64) + e % 32];
		q[e] = (int8_t)(e % 64 < 32 ? byte & 0xf : byte >> 4);
	}
}

static void unpack_q5(const art_block_q5_K *b, int8_t q[256])
{
	unpack_q4(b->qs, q);
	for (int e = 0; e < 256; e++) {
		int bit = 2 * (e / 64) + (e % 64 >= 32);
		q[e] = (int8_t)(q[e] | ((b->qh[e % 32] >> bit) & 1) << 4);
	}
}

/* element e of chunk n (128 each): l = e%32, k = e%128/32; ql byte 64n + l + 32*(k&1),
 * nibble k>>1; qh byte 32n + l, bits 2k. Result is q - 32. */
static void unpack_q6(const art_block_q6_K *b, int8_t q[256])
{
	for (int e = 0; e < 256; e++) {
		int n = e / 128, l = e % 32, k = e % 128 / 32;
		uint8_t lo = b->ql[64 * n + l + 32 * (k & 1)];
		lo = (k >> 1) ? lo >> 4 : lo & 0xf;
		int hi = (b->qh[32 * n + l] >> (2 * k)) & 3;
		q[e] = (int8_t)((lo | hi << 4) - 32);
	}
}

/* ---- dequantization (ggml's operation order, so results are bit-identical) ------------ */

void art_dequant_q2_K(const void *vx, float *y, int64_t n)
{
	const art_block_q2_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const float d = F16(x[i].d), mn = F16(x[i].dmin);
		const uint8_t *q = x[i].qs;
		int is = 0;
		for (int c = 0; c < ART_QK_K; c += 128) {
			for (int shift = 0; shift < 8; shift += 2) {
				for (int half = 0; half < 2; half++) {
					uint8_t sc = x[i].scales[is++];
					float dl = d * (sc & 0xf), ml = mn * (sc >> 4);
					for (int l = 0; l < 16; l++)
						*y++ = dl * (int8_t)((q[l + 16 * half] >> shift) & 3) - ml;
				}
			}
			q += 32;
		}
	}
}

void art_dequant_q3_K(const void *vx, float *y, int64_t n)
{
	const art_block_q3_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const float d = F16(x[i].d);
		int sc[16];
		q3_scales(x[i].scales, sc);
		const uint8_t *q = x[i].qs, *hm = x[i].hmask;
		uint8_t m = 1;
		int is = 0;
		for (int c = 0; c < ART_QK_K; c += 128) {
			for (int shift = 0; shift < 8; shift += 2) {
				for (int half = 0; half < 2; half++) {
					float dl = d * sc[is++];
					for (int l = 16 * half; l < 16 * half + 16; l++)
						*y++ = dl * ((int8_t)((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
				}
				m <<= 1;
			}
			q += 32;
		}
	}
}

void art_dequant_q4_K(const void *vx, float *y, int64_t n)
{
	const art_block_q4_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const float d = F16(x[i].d), mn = F16(x[i].dmin);
		const uint8_t *q = x[i].qs;
		for (int j = 0, is = 0; j < ART_QK_K; j += 64, is += 2, q += 32) {
			uint8_t sc, m;
			scale_min_k4(is, x[i].scales, &sc, &m);
			const float d1 = d * sc, m1 = mn * m;
			scale_min_k4(is + 1, x[i].scales, &sc, &m);
			const float d2 = d * sc, m2 = mn * m;
			for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xf) - m1;
			for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
		}
	}
}

void art_dequant_q5_K(const void *vx, float *y, int64_t n)
{
	const art_block_q5_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const float d = F16(x[i].d), mn = F16(x[i].dmin);
		const uint8_t *ql = x[i].qs, *qh = x[i].qh;
		uint8_t u1 = 1, u2 = 2;
		for (int j = 0, is = 0; j < ART_QK_K; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
			uint8_t sc, m;
			scale_min_k4(is, x[i].scales, &sc, &m);
			const float d1 = d * sc, m1 = mn * m;
			scale_min_k4(is + 1, x[i].scales, &sc, &m);
			const float d2 = d * sc, m2 = mn * m;
			for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xf) + (qh[l] & u1 ? 16 : 0)) - m1;
			for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
		}
	}
}

void art_dequant_q6_K(const void *vx, float *y, int64_t n)
{
	const art_block_q6_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		const float d = F16(x[i].d);
		int8_t q[256];
		unpack_q6(&x[i], q);
		for (int e = 0; e < 256; e++) y[e] = d * x[i].scales[e / 16] * q[e];
		y += 256;
	}
}

void art_dequant_q8_K(const void *vx, float *y, int64_t n)
{
	const art_block_q8_K *x = vx;
	for (int64_t i = 0; i < n / ART_QK_K; i++)
		for (int e = 0; e < 256; e++) *y++ = x[i].d * x[i].qs[e];
}

/* ---- quantizers ------------------------------------------------------------------------ */

void art_quantize_q8_K(const float *x, void *vy, int64_t n)
{
	art_block_q8_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		float amax = 0, max = 0;
		for (int j = 0; j < ART_QK_K; j++)
			if (fabsf(x[j]) > amax) amax = fabsf(x[j]), max = x[j];
		if (!amax) {
			y[i].d = 0;
			memset(y[i].qs, 0, sizeof y[i].qs);
			memset(y[i].bsums, 0, sizeof y[i].bsums);
			continue;
		}
		const float iscale = -127.f / max;
		for (int j = 0; j < ART_QK_K; j++) {
			int v = nearest_int(iscale * x[j]);
			y[i].qs[j] = (int8_t)(v > 127 ? 127 : v);
		}
		for (int j = 0; j < ART_QK_K / 16; j++) {
			int s = 0;
			for (int l = 0; l < 16; l++) s += y[i].qs[16 * j + l];
			y[i].bsums[j] = (int16_t)s;
		}
		y[i].d = 1 / iscale;
	}
}

/* Pack 256 values 0..3 into Q2_K/Q3_K's 2-bit layout. */
static void pack_2bit(const uint8_t L[256], uint8_t qs[64])
{
	memset(qs, 0, 64);
	for (int e = 0; e < 256; e++) qs[32 * (e / 128) + e % 32] |= (uint8_t)(L[e] << (2 * (e % 128 / 32)));
}

/* Asymmetric super-block quantizer shared by Q2_K (nsub 16, nq 3, scale bits 4) and
 * Q4_K/Q5_K (nsub 8, nq 15/31, scale bits 6): y = d*ls*q - dmin*lm.  Writes L[256]
 * (quant values), ls/lm (sub-block scales), and the super-block d/dmin. */
static void quantize_asym(const float *x, int sub, int nq, int smax, uint8_t L[256],
			  uint8_t *ls, uint8_t *lm, float *d, float *dmin)
{
	const int nsub = ART_QK_K / sub;
	float s[16], m[16], maxs = 0, maxm = 0;
	for (int j = 0; j < nsub; j++) {
		float mn = x[j * sub], mx = x[j * sub];
		for (int l = 1; l < sub; l++) {
			float v = x[j * sub + l];
			if (v < mn) mn = v;
			if (v > mx) mx = v;
		}
		if (mn > 0) mn = 0;
		s[j] = (mx - mn) / nq;
		m[j] = -mn;
		if (s[j] > maxs) maxs = s[j];
		if (m[j] > maxm) maxm = m[j];
	}
	*d = art_f16_to_f32(art_f32_to_f16(maxs / smax));
	*dmin = art_f16_to_f32(art_f32_to_f16(maxm / smax));
	for (int j = 0; j < nsub; j++) {
		ls[j] = (uint8_t)(*d ? clampi(nearest_int(s[j] / *d), 0, smax) : 0);
		lm[j] = (uint8_t)(*dmin ? clampi(nearest_int(m[j] / *dmin), 0, smax) : 0);
		float ds = *d * ls[j], dm = *dmin * lm[j];
		for (int l = 0; l < sub; l++) {
			int e = j * sub + l;
			L[e] = (uint8_t)(ds ? clampi(nearest_int((x[e] + dm) / ds), 0, nq) : 0);
		}
	}
}

void art_quantize_q2_K(const float *x, void *vy, int64_t n)
{
	art_block_q2_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		uint8_t L[256], ls[16], lm[16];
		float d, dmin;
		quantize_asym(x, 16, 3, 15, L, ls, lm, &d, &dmin);
		y[i].d = art_f32_to_f16(d);
		y[i].dmin = art_f32_to_f16(dmin);
		for (int j = 0; j < 16; j++) y[i].scales[j] = (uint8_t)(ls[j] | lm[j] << 4);
		pack_2bit(L, y[i].qs);
	}
}

void art_quantize_q4_K(const float *x, void *vy, int64_t n)
{
	art_block_q4_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		uint8_t L[256], ls[16], lm[16];
		float d, dmin;
		quantize_asym(x, 32, 15, 63, L, ls, lm, &d, &dmin);
		y[i].d = art_f32_to_f16(d);
		y[i].dmin = art_f32_to_f16(dmin);
		pack_scale_min_k4(ls, lm, y[i].scales);
		memset(y[i].qs, 0, sizeof y[i].qs);
		for (int e = 0; e < 256; e++)
			y[i].qs[32 * (e / 64) + e % 32] |= (uint8_t)(e % 64 < 32 ? L[e] : L[e] << 4);
	}
}

void art_quantize_q5_K(const float *x, void *vy, int64_t n)
{
	art_block_q5_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		uint8_t L[256], ls[16], lm[16];
		float d, dmin;
		quantize_asym(x, 32, 31, 63, L, ls, lm, &d, &dmin);
		y[i].d = art_f32_to_f16(d);
		y[i].dmin = art_f32_to_f16(dmin);
		pack_scale_min_k4(ls, lm, y[i].scales);
		memset(y[i].qs, 0, sizeof y[i].qs);
		memset(y[i].qh, 0, sizeof y[i].qh);
		for (int e = 0; e < 256; e++) {
			uint8_t lo = L[e] & 0xf;
			y[i].qs[32 * (e / 64) + e % 32] |= (uint8_t)(e % 64 < 32 ? lo : lo << 4);
			y[i].qh[e % 32] |= (uint8_t)((L[e] >> 4) << (2 * (e / 64) + (e % 64 >= 32)));
		}
	}
}

/* Symmetric super-block quantizer shared by Q3_K (q in -4..3, scales -32..31) and Q6_K
 * (q in -32..31, scales -128..127): y = d*sc*q.  Sub-blocks of 16. */
static void quantize_sym(const float *x, int qlo, int qhi, int slo, int shi, int8_t Q[256],
			 int sc[16], float *d)
{
	float s[16], smax = 0, sabs = 0;
	for (int j = 0; j < 16; j++) {
		float amax = 0, max = 0;
		for (int l = 0; l < 16; l++) {
			float v = x[16 * j + l];
			if (fabsf(v) > amax) amax = fabsf(v), max = v;
		}
		s[j] = max / qlo; /* the largest magnitude maps to qlo (negative end) */
		if (fabsf(s[j]) > sabs) sabs = fabsf(s[j]), smax = s[j];
	}
	*d = art_f16_to_f32(art_f32_to_f16(smax / slo));
	for (int j = 0; j < 16; j++) {
		sc[j] = *d ? clampi(nearest_int(s[j] / *d), slo, shi) : 0;
		float ds = *d * sc[j];
		for (int l = 0; l < 16; l++)
			Q[16 * j + l] = (int8_t)(ds ? clampi(nearest_int(x[16 * j + l] / ds), qlo, qhi) : 0);
	}
}

void art_quantize_q3_K(const float *x, void *vy, int64_t n)
{
	art_block_q3_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		int8_t Q[256];
		int sc[16];
		float d;
		quantize_sym(x, -4, 3, -32, 31, Q, sc, &d);
		y[i].d = art_f32_to_f16(d);
		memset(y[i].scales, 0, 12);
		for (int j = 0; j < 16; j++) {
			int l = sc[j] + 32;
			if (j < 8) y[i].scales[j] = (uint8_t)(l & 0xf);
			else y[i].scales[j - 8] |= (uint8_t)((l & 0xf) << 4);
			y[i].scales[8 + j % 4] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
		}
		uint8_t L[256];
		memset(y[i].hmask, 0, sizeof y[i].hmask);
		for (int e = 0; e < 256; e++) {
			int u = Q[e] + 4; /* 0..7 */
			L[e] = (uint8_t)(u & 3);
			if (u > 3) y[i].hmask[e % 32] |= (uint8_t)(1 << (e / 32));
		}
		pack_2bit(L, y[i].qs);
	}
}

void art_quantize_q6_K(const float *x, void *vy, int64_t n)
{
	art_block_q6_K *y = vy;
	for (int64_t i = 0; i < n / ART_QK_K; i++, x += ART_QK_K) {
		int8_t Q[256];
		int sc[16];
		float d;
		quantize_sym(x, -32, 31, -128, 127, Q, sc, &d);
		y[i].d = art_f32_to_f16(d);
		for (int j = 0; j < 16; j++) y[i].scales[j] = (int8_t)sc[j];
		memset(y[i].ql, 0, sizeof y[i].ql);
		memset(y[i].qh, 0, sizeof y[i].qh);
		for (int e = 0; e < 256; e++) {
			int u = Q[e] + 32, nn = e / 128, l = e % 32, k = e % 128 / 32;
			uint8_t lo = (uint8_t)(u & 0xf);
			y[i].ql[64 * nn + l + 32 * (k & 1)] |= (uint8_t)((k >> 1) ? lo << 4 : lo);
			y[i].qh[32 * nn + l] |= (uint8_t)((u >> 4) << (2 * k));
		}
	}
}

/* ---- dots against Q8_K --------------------------------------------------------------------- */

/* Σ over a sub-block of len elements starting at e0 of q8 * q. */
static int isum(const int8_t *a, const int8_t *b, int e0, int len)
{
	int s = 0;
	for (int e = e0; e < e0 + len; e++) s += a[e] * b[e];
	return s;
}

void art_vec_dot_q2_K_q8_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q2_K *x = vx;
	const art_block_q8_K *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		int8_t q[256];
		unpack_2bit(x[i].qs, q);
		int si = 0, sm = 0;
		for (int j = 0; j < 16; j++) {
			si += (x[i].scales[j] & 0xf) * isum(q, y[i].qs, 16 * j, 16);
			sm += (x[i].scales[j] >> 4) * y[i].bsums[j];
		}
		sum += y[i].d * F16(x[i].d) * (float)si - y[i].d * F16(x[i].dmin) * (float)sm;
	}
	*s = sum;
}

void art_vec_dot_q3_K_q8_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q3_K *x = vx;
	const art_block_q8_K *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		int8_t q[256];
		int sc[16], si = 0;
		unpack_q3(&x[i], q);
		q3_scales(x[i].scales, sc);
		for (int j = 0; j < 16; j++) si += sc[j] * isum(q, y[i].qs, 16 * j, 16);
		sum += F16(x[i].d) * y[i].d * (float)si;
	}
	*s = sum;
}

static float dot_k4(const uint8_t *scales, const int8_t q[256], art_f16 d, art_f16 dmin,
		    const art_block_q8_K *y)
{
	int si = 0, sm = 0;
	for (int j = 0; j < 8; j++) {
		uint8_t sc, m;
		scale_min_k4(j, scales, &sc, &m);
		si += sc * isum(q, y->qs, 32 * j, 32);
		sm += m * (y->bsums[2 * j] + y->bsums[2 * j + 1]);
	}
	return F16(d) * y->d * (float)si - F16(dmin) * y->d * (float)sm;
}

void art_vec_dot_q4_K_q8_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_K *x = vx;
	const art_block_q8_K *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		int8_t q[256];
		unpack_q4(x[i].qs, q);
		sum += dot_k4(x[i].scales, q, x[i].d, x[i].dmin, &y[i]);
	}
	*s = sum;
}

void art_vec_dot_q5_K_q8_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_K *x = vx;
	const art_block_q8_K *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		int8_t q[256];
		unpack_q5(&x[i], q);
		sum += dot_k4(x[i].scales, q, x[i].d, x[i].dmin, &y[i]);
	}
	*s = sum;
}

void art_vec_dot_q6_K_q8_K(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q6_K *x = vx;
	const art_block_q8_K *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / ART_QK_K; i++) {
		int8_t q[256];
		int si = 0;
		unpack_q6(&x[i], q);
		for (int j = 0; j < 16; j++) si += x[i].scales[j] * isum(q, y[i].qs, 16 * j, 16);
		sum += F16(x[i].d) * y[i].d * (float)si;
	}
	*s = sum;
}

/* quant_legacy.c — 32-element block types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1.
 * Dequantization reproduces ggml's arithmetic exactly.  Quantizers round to nearest;
 * Q8_0/Q8_1 (the activation types) use ggml's x86 SIMD numerics (scale 127/amax, round
 * half to even), which llama.cpp's CPU matmuls apply to activations, so our logits
 * match its.  Dots are integer sums per block scaled in float. */
#include <math.h>
#include <string.h>

#include "quant.h"

#define F16(x) art_f16_to_f32(x)

void art_dequant_q4_0(const void *vx, float *y, int64_t n)
{
	const art_block_q4_0 *x = vx;
	for (int64_t i = 0; i < n / ART_QK4_0; i++) {
		const float d = F16(x[i].d);
		for (int j = 0; j < ART_QK4_0 / 2; j++) {
			y[i * 32 + j] = ((x[i].qs[j] & 0x0f) - 8) * d;
			y[i * 32 + j + 16] = ((x[i].qs[j] >> 4) - 8) * d;
		}
	}
}

void art_dequant_q4_1(const void *vx, float *y, int64_t n)
{
	const art_block_q4_1 *x = vx;
	for (int64_t i = 0; i < n / ART_QK4_1; i++) {
		const float d = F16(x[i].d), m = F16(x[i].m);
		for (int j = 0; j < ART_QK4_1 / 2; j++) {
			y[i * 32 + j] = (x[i].qs[j] & 0x0f) * d + m;
			y[i * 32 + j + 16] = (x[i].qs[j] >> 4) * d + m;
		}
	}
}

static uint32_t load_qh(const uint8_t qh[4])
{
	uint32_t v;
	memcpy(&v, qh, 4);
	return v;
}

void art_dequant_q5_0(const void *vx, float *y, int64_t n)
{
	const art_block_q5_0 *x = vx;
	for (int64_t i = 0; i < n / ART_QK5_0; i++) {
		const float d = F16(x[i].d);
		const uint32_t qh = load_qh(x[i].qh);
		for (int j = 0; j < ART_QK5_0 / 2; j++) {
			const uint8_t h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			y[i * 32 + j] = (((x[i].qs[j] & 0x0f) | h0) - 16) * d;
			y[i * 32 + j + 16] = (((x[i].qs[j] >> 4) | h1) - 16) * d;
		}
	}
}

void art_dequant_q5_1(const void *vx, float *y, int64_t n)
{
	const art_block_q5_1 *x = vx;
	for (int64_t i = 0; i < n / ART_QK5_1; i++) {
		const float d = F16(x[i].d), m = F16(x[i].m);
		const uint32_t qh = load_qh(x[i].qh);
		for (int j = 0; j < ART_QK5_1 / 2; j++) {
			const uint8_t h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			y[i * 32 + j] = ((x[i].qs[j] & 0x0f) | h0) * d + m;
			y[i * 32 + j + 16] = ((x[i].qs[j] >> 4) | h1) * d + m;
		}
	}
}

void art_dequant_q8_0(const void *vx, float *y, int64_t n)
{
	const art_block_q8_0 *x = vx;
	for (int64_t i = 0; i < n / ART_QK8_0; i++) {
		const float d = F16(x[i].d);
		for (int j = 0; j < ART_QK8_0; j++) y[i * 32 + j] = x[i].qs[j] * d;
	}
}

void art_dequant_q8_1(const void *vx, float *y, int64_t n)
{
	const art_block_q8_1 *x = vx;
	for (int64_t i = 0; i < n / ART_QK8_1; i++) {
		const float d = F16(x[i].d);
		for (int j = 0; j < ART_QK8_1; j++) y[i * 32 + j] = x[i].qs[j] * d;
	}
}

/* ---- quantizers ---------------------------------------------------------------------- */

/* Value of largest magnitude in x[0..n) (sign kept) and that magnitude. */
static float absmax(const float *x, int n, float *amax)
{
	float a = 0, m = 0;
	for (int j = 0; j < n; j++)
		if (fabsf(x[j]) > a) a = fabsf(x[j]), m = x[j];
	*amax = a;
	return m;
}

static void minmax(const float *x, int n, float *mn, float *mx)
{
	float a = x[0], b = x[0];
	for (int j = 1; j < n; j++) {
		if (x[j] < a) a = x[j];
		if (x[j] > b) b = x[j];
	}
	*mn = a;
	*mx = b;
}

void art_quantize_q4_0(const float *x, void *vy, int64_t n)
{
	art_block_q4_0 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float amax, max = absmax(x, 32, &amax);
		const float d = max / -8, id = d ? 1.0f / d : 0.0f;
		y[i].d = art_f32_to_f16(d);
		for (int j = 0; j < 16; j++) {
			int a = (int)(x[j] * id + 8.5f), b = (int)(x[j + 16] * id + 8.5f);
			a = a > 15 ? 15 : a < 0 ? 0 : a;
			b = b > 15 ? 15 : b < 0 ? 0 : b;
			y[i].qs[j] = (uint8_t)(a | b << 4);
		}
	}
}

void art_quantize_q4_1(const float *x, void *vy, int64_t n)
{
	art_block_q4_1 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float mn, mx;
		minmax(x, 32, &mn, &mx);
		const float d = (mx - mn) / 15, id = d ? 1.0f / d : 0.0f;
		y[i].d = art_f32_to_f16(d);
		y[i].m = art_f32_to_f16(mn);
		for (int j = 0; j < 16; j++) {
			int a = (int)((x[j] - mn) * id + 0.5f), b = (int)((x[j + 16] - mn) * id + 0.5f);
			a = a > 15 ? 15 : a < 0 ? 0 : a;
			b = b > 15 ? 15 : b < 0 ? 0 : b;
			y[i].qs[j] = (uint8_t)(a | b << 4);
		}
	}
}

void art_quantize_q5_0(const float *x, void *vy, int64_t n)
{
	art_block_q5_0 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float amax, max = absmax(x, 32, &amax);
		const float d = max / -16, id = d ? 1.0f / d : 0.0f;
		y[i].d = art_f32_to_f16(d);
		uint32_t qh = 0;
		for (int j = 0; j < 16; j++) {
			int a = (int)(x[j] * id + 16.5f), b = (int)(x[j + 16] * id + 16.5f);
			a = a > 31 ? 31 : a < 0 ? 0 : a;
			b = b > 31 ? 31 : b < 0 ? 0 : b;
			y[i].qs[j] = (uint8_t)((a & 15) | (b & 15) << 4);
			qh |= (uint32_t)(a >> 4) << j | (uint32_t)(b >> 4) << (j + 16);
		}
		memcpy(y[i].qh, &qh, 4);
	}
}

void art_quantize_q5_1(const float *x, void *vy, int64_t n)
{
	art_block_q5_1 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float mn, mx;
		minmax(x, 32, &mn, &mx);
		const float d = (mx - mn) / 31, id = d ? 1.0f / d : 0.0f;
		y[i].d = art_f32_to_f16(d);
		y[i].m = art_f32_to_f16(mn);
		uint32_t qh = 0;
		for (int j = 0; j < 16; j++) {
			int a = (int)((x[j] - mn) * id + 0.5f), b = (int)((x[j + 16] - mn) * id + 0.5f);
			a = a > 31 ? 31 : a < 0 ? 0 : a;
			b = b > 31 ? 31 : b < 0 ? 0 : b;
			y[i].qs[j] = (uint8_t)((a & 15) | (b & 15) << 4);
			qh |= (uint32_t)(a >> 4) << j | (uint32_t)(b >> 4) << (j + 16);
		}
		memcpy(y[i].qh, &qh, 4);
	}
}

void art_quantize_q8_0(const float *x, void *vy, int64_t n)
{
	art_block_q8_0 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float amax;
		absmax(x, 32, &amax);
		const float d = amax / 127, id = amax ? 127.f / amax : 0.0f;
		y[i].d = art_f32_to_f16(d);
		for (int j = 0; j < 32; j++) y[i].qs[j] = (int8_t)nearbyintf(x[j] * id);
	}
}

void art_quantize_q8_1(const float *x, void *vy, int64_t n)
{
	art_block_q8_1 *y = vy;
	for (int64_t i = 0; i < n / 32; i++, x += 32) {
		float amax;
		absmax(x, 32, &amax);
		const float d = amax / 127, id = amax ? 127.f / amax : 0.0f;
		int sum = 0;
		y[i].d = art_f32_to_f16(d);
		for (int j = 0; j < 32; j++) {
			y[i].qs[j] = (int8_t)nearbyintf(x[j] * id);
			sum += y[i].qs[j];
		}
		y[i].s = art_f32_to_f16((float)sum * d);
	}
}

/* ---- dots ------------------------------------------------------------------------------ */

void art_vec_dot_q4_0_q8_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_0 *x = vx;
	const art_block_q8_0 *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / 32; i++) {
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += ((x[i].qs[j] & 15) - 8) * y[i].qs[j] + ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
		sum += (float)si * (F16(x[i].d) * F16(y[i].d));
	}
	*s = sum;
}

void art_vec_dot_q4_1_q8_1(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q4_1 *x = vx;
	const art_block_q8_1 *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / 32; i++) {
		int si = 0;
		for (int j = 0; j < 16; j++)
			si += (x[i].qs[j] & 15) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
		sum += (F16(x[i].d) * F16(y[i].d)) * (float)si + F16(x[i].m) * F16(y[i].s);
	}
	*s = sum;
}

void art_vec_dot_q5_0_q8_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_0 *x = vx;
	const art_block_q8_0 *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / 32; i++) {
		const uint32_t qh = load_qh(x[i].qh);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			si += (((x[i].qs[j] & 15) | h0) - 16) * y[i].qs[j] +
			      (((x[i].qs[j] >> 4) | h1) - 16) * y[i].qs[j + 16];
		}
		sum += (float)si * (F16(x[i].d) * F16(y[i].d));
	}
	*s = sum;
}

void art_vec_dot_q5_1_q8_1(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q5_1 *x = vx;
	const art_block_q8_1 *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / 32; i++) {
		const uint32_t qh = load_qh(x[i].qh);
		int si = 0;
		for (int j = 0; j < 16; j++) {
			const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
			si += ((x[i].qs[j] & 15) | h0) * y[i].qs[j] +
			      ((x[i].qs[j] >> 4) | h1) * y[i].qs[j + 16];
		}
		sum += (F16(x[i].d) * F16(y[i].d)) * (float)si + F16(x[i].m) * F16(y[i].s);
	}
	*s = sum;
}

void art_vec_dot_q8_0_q8_0(int64_t n, float *s, const void *vx, const void *vy)
{
	const art_block_q8_0 *x = vx;
	const art_block_q8_0 *y = vy;
	float sum = 0;
	for (int64_t i = 0; i < n / 32; i++) {
		int si = 0;
		for (int j = 0; j < 32; j++) si += x[i].qs[j] * y[i].qs[j];
		sum += (float)si * (F16(x[i].d) * F16(y[i].d));
	}
	*s = sum;
}

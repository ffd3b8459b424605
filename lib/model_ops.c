/* model_ops.c — the forward pass's scalar kernels, with ggml's operation order where it
 * matters for matching llama.cpp's numbers (sums of squares and softmax sums in double,
 * RoPE angles by repeated multiplication). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model_impl.h"
#include "simd.h"

void art_op_rmsnorm(float *y, const float *x, const float *w, int n, float eps)
{
	double sum = 0;
	for (int i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
	const float mean = (float)(sum / n);
	const float scale = 1.0f / sqrtf(mean + eps);
	for (int i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
}

void art_op_get_row(const art_weight *w, int64_t r, float *y)
{
	ART_ASSERT(r >= 0 && r < w->ne1);
	art_quant_traits(w->type)->to_float((const char *)w->data + (size_t)r * w->row_size, y, w->ne0);
}

void art_op_rope_cache(float *cs, float *sn, int n_rot, int p, float base, float freq_scale,
		       const float *freq_factors)
{
	const float theta_scale = powf(base, -2.0f / (float)n_rot);
	float theta = (float)p;
	for (int i = 0; i < n_rot / 2; i++) {
		const float ff = freq_factors ? freq_factors[i] : 1.0f;
		const float t = freq_scale * (theta / ff);
		cs[i] = cosf(t);
		sn[i] = sinf(t);
		theta *= theta_scale;
	}
}

void art_op_rope(float *x, int n_heads, int head_dim, int n_rot, int neox, const float *cs, const float *sn)
{
	for (int h = 0; h < n_heads; h++) {
		float *v = x + (size_t)h * head_dim;
		for (int i = 0; i < n_rot / 2; i++) {
			const int a = neox ? i : 2 * i, b = neox ? i + n_rot / 2 : 2 * i + 1;
			const float x0 = v[a], x1 = v[b];
			v[a] = x0 * cs[i] - x1 * sn[i];
			v[b] = x0 * sn[i] + x1 * cs[i];
		}
	}
}

/* exp(x) as ggml's vectorised CPU code computes it (a polynomial after range reduction
 * by powers of two, from Arm's optimized routines; max error about 1.5 ulp).  llama.cpp
 * uses it for softmax and SiLU, so matching its logits needs the same function, not
 * libm's expf.  Written out for one lane following ggml's AVX2 formulation (the
 * reference outputs in ../shared were computed by an AVX2 build). */
static float v_expf_avx2(float x)
{
	const float r = 0x1.8p23f;
	const float z = fmaf(x, 0x1.715476p+0f, r);
	const float n = z - r;
	const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
	uint32_t zi, one = 0x3f800000u;
	memcpy(&zi, &z, 4);
	const uint32_t e = zi << 23;
	const uint32_t ki = e + one;
	float k;
	memcpy(&k, &ki, 4);
	const float u = b * b;
	const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
			     u, 0x1.ffffecp-1f * b);
	if (!(fabsf(n) > 126)) return fmaf(j, k, k);
	const uint32_t g = n <= 0 ? 0x82000000u : 0;
	const uint32_t s1i = g + 0x7f000000u, s2i = e - g;
	float s1, s2;
	memcpy(&s1, &s1i, 4);
	memcpy(&s2, &s2i, 4);
	if (fabsf(n) > 192) return s1 * s1;
	return fmaf(s2, j, s2) * s1;
}

float art_op_vexpf(float x) { return v_expf_avx2(x); }

/* ggml's AVX2 horizontal sum of 8 lanes: (l + l+4), then (0 + 2) + (1 + 3). */
static float hsum8(const float *v)
{
	float a[4];
	for (int l = 0; l < 4; l++) a[l] = v[l + 4] + v[l];
	return (a[0] + a[2]) + (a[1] + a[3]);
}

void art_op_softmax(float *x, int n, float scale)
{
	const int vec = art_simd_path() != ART_SIMD_SCALAR;
	float max = -INFINITY;
	if (vec)
		max = art_op_scale_max_avx2(x, n, scale);
	else
		for (int i = 0; i < n; i++) {
			x[i] *= scale;
			if (x[i] > max) max = x[i];
		}
	/* groups of 8 lanes, summed in ggml's reduction order, groups added in double;
	 * llama.cpp pads the row with masked (zero-weight) entries, so every valid entry
	 * takes the vector path */
	double sum = 0;
	if (vec) {
		sum = art_op_softmax_exp_avx2(x, n, max);
	} else {
		for (int i = 0; i < n; i += 8) {
			float v[8] = {0};
			for (int l = 0; l < 8 && i + l < n; l++) v[l] = x[i + l] = art_op_vexpf(x[i + l] - max);
			sum += (double)hsum8(v);
		}
	}
	const float inv = (float)(1.0 / sum);
	if (vec)
		art_op_scale_avx2(x, n, inv);
	else
		for (int i = 0; i < n; i++) x[i] *= inv;
}

void art_op_swiglu(float *y, const float *g, const float *u, int n)
{
	if (art_simd_path() != ART_SIMD_SCALAR) {
		art_op_swiglu_avx2(y, g, u, n);
		return;
	}
	const int nv = n & ~7; /* ggml's vector path; the tail uses libm expf */
	for (int i = 0; i < n; i++) {
		const float e = i < nv ? art_op_vexpf(-g[i]) : expf(-g[i]);
		y[i] = g[i] / (1.0f + e) * u[i];
	}
}

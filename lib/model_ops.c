/* model_ops.c — the forward pass's scalar kernels, with ggml's operation order where it
 * matters for matching llama.cpp's numbers (sums of squares and softmax sums in double,
 * RoPE angles by repeated multiplication). */
#include <math.h>
#include <string.h>

#include "err.h"
#include "model_impl.h"

void art_op_rmsnorm(float *y, const float *x, const float *w, int n, float eps)
{
	double sum = 0;
	for (int i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
	const float mean = (float)(sum / n);
	const float scale = 1.0f / sqrtf(mean + eps);
	for (int i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
}

void art_op_quantize_act(const art_weight *w, const float *x, void *xq)
{
	const art_qtraits *t = art_quant_traits(w->type);
	art_quant_traits(t->vec_dot_type)->from_float(x, xq, w->ne0);
}

void art_op_matvec(const art_weight *w, const void *xq, float *y, int ith, int nth)
{
	const art_vec_dot_fn dot = art_quant_traits(w->type)->vec_dot;
	const int64_t r0 = art_split_lo(w->ne1, ith, nth), r1 = art_split_lo(w->ne1, ith + 1, nth);
	const char *row = (const char *)w->data + (size_t)r0 * w->row_size;
	for (int64_t r = r0; r < r1; r++, row += w->row_size) dot(w->ne0, &y[r], row, xq);
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

void art_op_softmax(float *x, int n, float scale)
{
	float max = -INFINITY;
	for (int i = 0; i < n; i++) {
		x[i] *= scale;
		if (x[i] > max) max = x[i];
	}
	double sum = 0;
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += (double)x[i];
	}
	const float inv = (float)(1.0 / sum);
	for (int i = 0; i < n; i++) x[i] *= inv;
}

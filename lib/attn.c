/* attn.c — reference attention dots over an F16 cache, and the choice of kernel path. */
#include "attn.h"

#include "simd.h"

void art_attn_kq_f16_ref(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int g, int hd, float *att,
			 size_t att_stride)
{
	for (int h = 0; h < g; h++)
		for (int t = 0; t < n_kv; t++) {
			const art_f16 *kt = k + (size_t)t * stride, *qh = q + (size_t)h * hd;
			double s = 0;
			for (int d = 0; d < hd; d++) s += (double)(art_f16_to_f32(kt[d]) * art_f16_to_f32(qh[d]));
			att[(size_t)h * att_stride + t] = (float)s;
		}
}

void art_attn_vp_f16_ref(const art_f16 *v, size_t stride, int n_kv, int n_pad, const double *p, size_t p_stride,
			 int g, int hd, float *out)
{
	for (int h = 0; h < g; h++)
		for (int d = 0; d < hd; d++) {
			const double *ph = p + (size_t)h * p_stride;
			double s = 0;
			for (int t = 0; t < n_pad; t++)
				s += t < n_kv ? ph[t] * (double)art_f16_to_f32(v[(size_t)t * stride + d]) : 0.0;
			out[(size_t)h * hd + d] = (float)s;
		}
}

art_attn_kq_fn art_attn_kq_f16(void)
{
	return art_simd_path() == ART_SIMD_SCALAR ? art_attn_kq_f16_ref : art_attn_kq_f16_avx2;
}

art_attn_vp_fn art_attn_vp_f16(void)
{
	return art_simd_path() == ART_SIMD_SCALAR ? art_attn_vp_f16_ref : art_attn_vp_f16_avx2;
}

/* attn.c — reference attention dots over an F16 cache, and the choice of kernel path. */
#include "attn.h"

#include "simd.h"

void art_attn_kq_f16_ref(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int hd, float *att)
{
	for (int t = 0; t < n_kv; t++) {
		const art_f16 *kt = k + (size_t)t * stride;
		double s = 0;
		for (int d = 0; d < hd; d++) s += (double)(art_f16_to_f32(kt[d]) * art_f16_to_f32(q[d]));
		att[t] = (float)s;
	}
}

void art_attn_vp_f16_ref(const art_f16 *v, size_t stride, int n_kv, int n_pad, const art_f16 *p, int hd, float *out)
{
	for (int d = 0; d < hd; d++) {
		double s = 0;
		for (int t = 0; t < n_pad; t++)
			s += t < n_kv ? (double)(art_f16_to_f32(p[t]) * art_f16_to_f32(v[(size_t)t * stride + d])) : 0.0;
		out[d] = (float)s;
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

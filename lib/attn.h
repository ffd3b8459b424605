/* attn.h — the attention dots over an F16 KV cache, as llama.cpp's non-flash CPU path
 * computes them, with a scalar reference and an AVX2 twin that is bit-identical to it.
 *
 * Ownership: nothing allocates; all arrays are the caller's.
 *
 * A call serves the g query heads that share one KV head (grouped-query attention; g = 1
 * for plain multi-head), so each cache row is loaded and converted once for all of them.
 * For each head h < g the result is the single-head dot:
 *
 *   kq  att[h * att_stride + t] = sum over d = 0..hd-1 of k[t][d] * q[h * hd + d]
 *                                                             t in [0, n_kv)
 *   vp  out[h * hd + d] = sum over t = 0..n_pad-1 of p[h * p_stride + t] * v[t][d]
 *                                                             d in [0, hd)
 *       where rows t >= n_kv count as zero (llama.cpp pads the cache view to a multiple
 *       of 32 cells with zero weights); row t of k or v starts at t * stride elements.
 *       p holds F16 values widened to double (exact).
 *
 * Numerics (both kernels): every product is of two F16 values, so it is exact in F32 and
 * in double; products are summed in double in a fixed order (d ascending for kq, t
 * ascending for vp) and the sum is rounded to F32 once.  The AVX2 kernels run several
 * such sums side by side (positions x heads for K·q, dimensions x heads for V·p), each
 * in the reference's order, so their results equal it bit for bit; test_attn checks
 * that. */
#ifndef ART_ATTN_H
#define ART_ATTN_H
#include <stddef.h>

#include "quant.h"

typedef void (*art_attn_kq_fn)(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int g, int hd,
			       float *att, size_t att_stride);
typedef void (*art_attn_vp_fn)(const art_f16 *v, size_t stride, int n_kv, int n_pad, const double *p,
			       size_t p_stride, int g, int hd, float *out);

void art_attn_kq_f16_ref(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int g, int hd, float *att,
			 size_t att_stride);
void art_attn_vp_f16_ref(const art_f16 *v, size_t stride, int n_kv, int n_pad, const double *p, size_t p_stride,
			 int g, int hd, float *out);
/* Only when the CPU has AVX2 + FMA + F16C (art_simd_supported(ART_SIMD_AVX2)). */
void art_attn_kq_f16_avx2(const art_f16 *k, size_t stride, int n_kv, const art_f16 *q, int g, int hd, float *att,
			  size_t att_stride);
void art_attn_vp_f16_avx2(const art_f16 *v, size_t stride, int n_kv, int n_pad, const double *p, size_t p_stride,
			  int g, int hd, float *out);

/* The kernels of the SIMD path in use (scalar path: the references). */
art_attn_kq_fn art_attn_kq_f16(void);
art_attn_vp_fn art_attn_vp_f16(void);
#endif

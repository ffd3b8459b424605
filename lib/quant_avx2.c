/* quant_avx2.c — the AVX2 + FMA + F16C path: the 256-bit kernels of quant_simd.h with
 * maddubs + madd byte dots.  Reached only through art_simd (after the cpuid check). */
#include "quant_simd.h"
#include "simd.h"

#define EXPORT_DOT(name, k)                                                                  \
	void name##_avx2(int64_t n, float *s, const void *x, const void *y) { k(n, s, x, y); }
#define EXPORT_FROM(name, k)                                                                 \
	void name##_avx2(const float *x, void *y, int64_t n) { k(x, y, n); }
#define EXPORT_TO(name, k)                                                                   \
	void name##_avx2(const void *x, float *y, int64_t n) { k(x, y, n); }

EXPORT_DOT(art_vec_dot_f32, k_dot_f32)
EXPORT_DOT(art_vec_dot_f16, k_dot_f16)
EXPORT_DOT(art_vec_dot_bf16, k_dot_bf16)
EXPORT_DOT(art_vec_dot_q4_0_q8_0, k_dot_q4_0)
EXPORT_DOT(art_vec_dot_q4_1_q8_1, k_dot_q4_1)
EXPORT_DOT(art_vec_dot_q5_0_q8_0, k_dot_q5_0)
EXPORT_DOT(art_vec_dot_q5_1_q8_1, k_dot_q5_1)
EXPORT_DOT(art_vec_dot_q8_0_q8_0, k_dot_q8_0)
EXPORT_DOT(art_vec_dot_q2_K_q8_K, k_dot_q2_K)
EXPORT_DOT(art_vec_dot_q3_K_q8_K, k_dot_q3_K)
EXPORT_DOT(art_vec_dot_q4_K_q8_K, k_dot_q4_K)
EXPORT_DOT(art_vec_dot_q5_K_q8_K, k_dot_q5_K)
EXPORT_DOT(art_vec_dot_q6_K_q8_K, k_dot_q6_K)
EXPORT_FROM(art_quantize_q8_0, k_quantize_q8_0)
EXPORT_FROM(art_quantize_q8_1, k_quantize_q8_1)
EXPORT_FROM(art_quantize_q8_K, k_quantize_q8_K)
EXPORT_FROM(art_f16_from_float, k_f16_from_float)
EXPORT_FROM(art_bf16_from_float, k_bf16_from_float)
EXPORT_TO(art_f16_to_float, k_f16_to_float)
EXPORT_TO(art_bf16_to_float, k_bf16_to_float)

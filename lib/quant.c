/* quant.c — the type-traits table, half/bfloat conversions, float element types. */
#include "quant.h"

#include <ctype.h>
#include <string.h>

float art_f16_to_f32(art_f16 h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, u;
	float f;
	if (exp == 0) {
		f = (float)mant * 5.9604644775390625e-8f; /* mant * 2^-24, exact */
		memcpy(&u, &f, 4);
		u |= sign;
	} else if (exp == 31) {
		u = sign | 0x7f800000u | mant << 13;
	} else {
		u = sign | (exp + 112) << 23 | mant << 13;
	}
	memcpy(&f, &u, 4);
	return f;
}

art_f16 art_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000, ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u) return (art_f16)(sign | 0x7e00 | ((ax >> 13) & 0x3ff)); /* NaN */
	if (ax >= 0x477ff000u) return (art_f16)(sign | 0x7c00); /* rounds to infinity */
	if (ax < 0x38800000u) { /* half subnormal: let the FPU round in units of 2^-24 */
		float a;
		memcpy(&a, &ax, 4);
		a += 0.5f;
		uint32_t r;
		memcpy(&r, &a, 4);
		return (art_f16)(sign | (r - 0x3f000000u));
	}
	uint32_t odd = (ax >> 13) & 1;
	ax += 0xc8000fffu + odd; /* rebias exponent by -112 and round to nearest even */
	return (art_f16)(sign | ax >> 13);
}

float art_bf16_to_f32(art_bf16 h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, 4);
	return f;
}

art_bf16 art_f32_to_bf16(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffffu) > 0x7f800000u) return (art_bf16)((u >> 16) | 64); /* quiet NaN */
	return (art_bf16)((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
}

/* ---- float element types ----------------------------------------------------------- */

static void f32_to_float(const void *x, float *y, int64_t n) { memcpy(y, x, (size_t)n * 4); }
static void f32_from_float(const float *x, void *y, int64_t n) { memcpy(y, x, (size_t)n * 4); }
static void f16_to_float(const void *x, float *y, int64_t n)
{
	const art_f16 *h = x;
	for (int64_t i = 0; i < n; i++) y[i] = art_f16_to_f32(h[i]);
}
static void f16_from_float(const float *x, void *y, int64_t n)
{
	art_f16 *h = y;
	for (int64_t i = 0; i < n; i++) h[i] = art_f32_to_f16(x[i]);
}
static void bf16_to_float(const void *x, float *y, int64_t n)
{
	const art_bf16 *h = x;
	for (int64_t i = 0; i < n; i++) y[i] = art_bf16_to_f32(h[i]);
}
static void bf16_from_float(const float *x, void *y, int64_t n)
{
	art_bf16 *h = y;
	for (int64_t i = 0; i < n; i++) h[i] = art_f32_to_bf16(x[i]);
}

/* Float dots accumulate in double (the scalar reference; SIMD twins use f32 lanes). */
static void vec_dot_f32(int64_t n, float *s, const void *x, const void *y)
{
	const float *a = x, *b = y;
	double acc = 0;
	for (int64_t i = 0; i < n; i++) acc += (double)(a[i] * b[i]);
	*s = (float)acc;
}
static void vec_dot_f16(int64_t n, float *s, const void *x, const void *y)
{
	const art_f16 *a = x, *b = y;
	double acc = 0;
	for (int64_t i = 0; i < n; i++) acc += (double)(art_f16_to_f32(a[i]) * art_f16_to_f32(b[i]));
	*s = (float)acc;
}
static void vec_dot_bf16(int64_t n, float *s, const void *x, const void *y)
{
	const art_bf16 *a = x, *b = y;
	double acc = 0;
	for (int64_t i = 0; i < n; i++)
		acc += (double)(art_bf16_to_f32(a[i]) * art_bf16_to_f32(b[i]));
	*s = (float)acc;
}

/* ---- the table ----------------------------------------------------------------------- */

#define Q(T) art_dequant_##T, art_quantize_##T
static const art_qtraits traits_ref[ART_QTYPE_COUNT] = {
	[ART_QTYPE_F32] = {"f32", 1, 4, 0, f32_to_float, f32_from_float, ART_QTYPE_F32, vec_dot_f32},
	[ART_QTYPE_F16] = {"f16", 1, 2, 0, f16_to_float, f16_from_float, ART_QTYPE_F16, vec_dot_f16},
	[ART_QTYPE_BF16] = {"bf16", 1, 2, 0, bf16_to_float, bf16_from_float, ART_QTYPE_BF16,
			    vec_dot_bf16},
	[ART_QTYPE_Q4_0] = {"q4_0", ART_QK4_0, sizeof(art_block_q4_0), 1, Q(q4_0), ART_QTYPE_Q8_0,
			    art_vec_dot_q4_0_q8_0},
	[ART_QTYPE_Q4_1] = {"q4_1", ART_QK4_1, sizeof(art_block_q4_1), 1, Q(q4_1), ART_QTYPE_Q8_1,
			    art_vec_dot_q4_1_q8_1},
	[ART_QTYPE_Q5_0] = {"q5_0", ART_QK5_0, sizeof(art_block_q5_0), 1, Q(q5_0), ART_QTYPE_Q8_0,
			    art_vec_dot_q5_0_q8_0},
	[ART_QTYPE_Q5_1] = {"q5_1", ART_QK5_1, sizeof(art_block_q5_1), 1, Q(q5_1), ART_QTYPE_Q8_1,
			    art_vec_dot_q5_1_q8_1},
	[ART_QTYPE_Q8_0] = {"q8_0", ART_QK8_0, sizeof(art_block_q8_0), 1, Q(q8_0), ART_QTYPE_Q8_0,
			    art_vec_dot_q8_0_q8_0},
	[ART_QTYPE_Q8_1] = {"q8_1", ART_QK8_1, sizeof(art_block_q8_1), 1, Q(q8_1), ART_QTYPE_Q8_1,
			    NULL},
	[ART_QTYPE_Q2_K] = {"q2_K", ART_QK_K, sizeof(art_block_q2_K), 1, Q(q2_K), ART_QTYPE_Q8_K,
			    art_vec_dot_q2_K_q8_K},
	[ART_QTYPE_Q3_K] = {"q3_K", ART_QK_K, sizeof(art_block_q3_K), 1, Q(q3_K), ART_QTYPE_Q8_K,
			    art_vec_dot_q3_K_q8_K},
	[ART_QTYPE_Q4_K] = {"q4_K", ART_QK_K, sizeof(art_block_q4_K), 1, Q(q4_K), ART_QTYPE_Q8_K,
			    art_vec_dot_q4_K_q8_K},
	[ART_QTYPE_Q5_K] = {"q5_K", ART_QK_K, sizeof(art_block_q5_K), 1, Q(q5_K), ART_QTYPE_Q8_K,
			    art_vec_dot_q5_K_q8_K},
	[ART_QTYPE_Q6_K] = {"q6_K", ART_QK_K, sizeof(art_block_q6_K), 1, Q(q6_K), ART_QTYPE_Q8_K,
			    art_vec_dot_q6_K_q8_K},
	[ART_QTYPE_Q8_K] = {"q8_K", ART_QK_K, sizeof(art_block_q8_K), 1, Q(q8_K), ART_QTYPE_Q8_K,
			    NULL},
};
#undef Q

const art_qtraits *art_quant_traits_ref(uint32_t type)
{
	if (type >= ART_QTYPE_COUNT || !traits_ref[type].name) return NULL;
	return &traits_ref[type];
}

const art_qtraits *art_quant_traits(uint32_t type) { return art_quant_traits_ref(type); }

size_t art_quant_row_size(uint32_t type, int64_t n)
{
	const art_qtraits *t = art_quant_traits(type);
	if (!t || n < 0 || n % t->blck) return 0;
	return (size_t)(n / t->blck) * t->type_size;
}

int art_quant_type_from_name(const char *name)
{
	for (int i = 0; i < ART_QTYPE_COUNT; i++) {
		if (!traits_ref[i].name) continue;
		const char *a = traits_ref[i].name, *b = name;
		while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) a++, b++;
		if (!*a && !*b) return i;
	}
	return -1;
}

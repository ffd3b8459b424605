/* simd.c — cpuid detection, ART_SIMD, and the per-path traits tables.
 *
 * Plain file (no -m flags): it only reads cpuid and stores function pointers; the
 * kernels themselves live in quant_avx2.c / quant_avx512.c and are only ever called
 * through a table whose path art_simd_supported() approved.
 */
#include "simd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "err.h"

static art_qtraits tables[ART_SIMD_COUNT][ART_QTYPE_COUNT];
static int supported[ART_SIMD_COUNT];
static int has_avx512bf16;
static int current = ART_SIMD_SCALAR;
static int init_status = ART_OK;
static char init_msg[160];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *const names[ART_SIMD_COUNT] = {"scalar", "avx2", "avx512"};

const char *art_simd_name(enum art_simd path)
{
	return (unsigned)path < ART_SIMD_COUNT ? names[path] : "?";
}

int art_simd_from_name(const char *name)
{
	for (int i = 0; name && i < ART_SIMD_COUNT; i++)
		if (!strcasecmp(name, names[i])) return i;
	return -1;
}

static void detect(void)
{
	supported[ART_SIMD_SCALAR] = 1;
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	supported[ART_SIMD_AVX2] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
				   __builtin_cpu_supports("f16c");
	supported[ART_SIMD_AVX512] = supported[ART_SIMD_AVX2] && __builtin_cpu_supports("avx512f") &&
				     __builtin_cpu_supports("avx512bw") &&
				     __builtin_cpu_supports("avx512dq") &&
				     __builtin_cpu_supports("avx512vl") &&
				     __builtin_cpu_supports("avx512vnni");
	has_avx512bf16 = supported[ART_SIMD_AVX512] && __builtin_cpu_supports("avx512bf16");
#endif
}

/* Swap the path's kernels into a copy of the scalar table. */
#define SET(T, field, fn) tab[ART_QTYPE_##T].field = fn
#define FILL(SUF)                                                                              \
	do {                                                                                   \
		SET(F32, vec_dot, art_vec_dot_f32_##SUF);                                      \
		SET(F16, vec_dot, art_vec_dot_f16_##SUF);                                      \
		SET(BF16, vec_dot, art_vec_dot_bf16_##SUF);                                    \
		SET(F16, to_float, art_f16_to_float_##SUF);                                    \
		SET(F16, from_float, art_f16_from_float_##SUF);                                \
		SET(BF16, to_float, art_bf16_to_float_##SUF);                                  \
		SET(BF16, from_float, art_bf16_from_float_##SUF);                              \
		SET(Q4_0, vec_dot, art_vec_dot_q4_0_q8_0_##SUF);                               \
		SET(Q4_1, vec_dot, art_vec_dot_q4_1_q8_1_##SUF);                               \
		SET(Q5_0, vec_dot, art_vec_dot_q5_0_q8_0_##SUF);                               \
		SET(Q5_1, vec_dot, art_vec_dot_q5_1_q8_1_##SUF);                               \
		SET(Q8_0, vec_dot, art_vec_dot_q8_0_q8_0_##SUF);                               \
		SET(Q2_K, vec_dot, art_vec_dot_q2_K_q8_K_##SUF);                               \
		SET(Q3_K, vec_dot, art_vec_dot_q3_K_q8_K_##SUF);                               \
		SET(Q4_K, vec_dot, art_vec_dot_q4_K_q8_K_##SUF);                               \
		SET(Q5_K, vec_dot, art_vec_dot_q5_K_q8_K_##SUF);                               \
		SET(Q6_K, vec_dot, art_vec_dot_q6_K_q8_K_##SUF);                               \
		SET(Q8_0, from_float, art_quantize_q8_0_##SUF);                                \
		SET(Q8_1, from_float, art_quantize_q8_1_##SUF);                                \
		SET(Q8_K, from_float, art_quantize_q8_K_##SUF);                                \
	} while (0)

static void build_tables(void)
{
	for (int p = 0; p < ART_SIMD_COUNT; p++)
		for (uint32_t t = 0; t < ART_QTYPE_COUNT; t++) {
			const art_qtraits *r = art_quant_traits_ref(t);
			if (r) tables[p][t] = *r;
		}
	art_qtraits *tab = tables[ART_SIMD_AVX2];
	FILL(avx2);
	tab = tables[ART_SIMD_AVX512];
	FILL(avx512);
	if (has_avx512bf16) SET(BF16, vec_dot, art_vec_dot_bf16_avx512bf16);
}
#undef FILL
#undef SET

static int best(void)
{
	for (int p = ART_SIMD_COUNT - 1; p > 0; p--)
		if (supported[p]) return p;
	return ART_SIMD_SCALAR;
}

static void init_once(void)
{
	detect();
	build_tables();
	current = best();
	const char *env = getenv("ART_SIMD");
	if (!env || !*env) return;
	int want = art_simd_from_name(env);
	if (want < 0) {
		init_status = ART_EINVAL;
		snprintf(init_msg, sizeof init_msg,
			 "ART_SIMD=%.40s: unknown path (scalar, avx2, avx512); using %s", env,
			 names[current]);
	} else if (!supported[want]) {
		init_status = ART_EUNSUPP;
		snprintf(init_msg, sizeof init_msg,
			 "ART_SIMD=%s: not supported by this CPU; using %s", names[want],
			 names[current]);
	} else {
		current = want;
	}
}

int art_simd_init(char *err, size_t errsz)
{
	pthread_once(&once, init_once);
	if (init_status != ART_OK && err && errsz) snprintf(err, errsz, "%s", init_msg);
	return init_status;
}

enum art_simd art_simd_path(void)
{
	pthread_once(&once, init_once);
	return (enum art_simd)__atomic_load_n(&current, __ATOMIC_ACQUIRE);
}

int art_simd_supported(enum art_simd path)
{
	pthread_once(&once, init_once);
	return (unsigned)path < ART_SIMD_COUNT && supported[path];
}

int art_simd_set(enum art_simd path)
{
	if (!art_simd_supported(path)) return ART_EUNSUPP;
	__atomic_store_n(&current, (int)path, __ATOMIC_RELEASE);
	return ART_OK;
}

const art_qtraits *art_simd_traits_for(enum art_simd path, uint32_t type)
{
	pthread_once(&once, init_once);
	if ((unsigned)path >= ART_SIMD_COUNT || type >= ART_QTYPE_COUNT || !tables[path][type].name)
		return NULL;
	return &tables[path][type];
}

const art_qtraits *art_simd_traits(uint32_t type)
{
	return art_simd_traits_for(art_simd_path(), type);
}

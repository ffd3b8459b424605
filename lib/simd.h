/* simd.h — CPU feature detection and the choice of kernel path (scalar, AVX2, AVX-512).
 *
 * The path is picked once, on first use, from cpuid (the best the CPU supports) unless
 * the environment variable ART_SIMD=scalar|avx2|avx512 forces one.  A forced path the CPU
 * lacks, or an unknown value, is an error: art_simd_init() returns it (with one line of
 * words in err) and the best supported path is used instead.  art_simd_path() always
 * reports the path really in use.  Nothing here prints or allocates.
 *
 *   scalar  the reference kernels (art_quant_traits_ref)
 *   avx2    AVX2 + FMA + F16C (256-bit maddubs/madd integer dots)
 *   avx512  AVX-512 F/BW/DQ/VL + VNNI (dpbusd for the 32-block dots, 512-bit F16/BF16
 *           and Q4_K/Q5_K/Q6_K kernels; the BF16 dot uses vdpbf16ps where the CPU also
 *           has AVX512-BF16)
 *
 * art_quant_traits() (quant.c) returns art_simd_traits(): the scalar table with the
 * function pointers of the selected path swapped in.  Layouts never change.
 */
#ifndef ART_SIMD_H
#define ART_SIMD_H
#include <stddef.h>
#include <stdint.h>

#include "quant.h"

enum art_simd {
	ART_SIMD_SCALAR = 0,
	ART_SIMD_AVX2 = 1,
	ART_SIMD_AVX512 = 2,
	ART_SIMD_COUNT = 3,
};

/* Detect the CPU and read ART_SIMD (once; later calls return the first call's status).
 * ART_OK; ART_EUNSUPP (forced path not supported here) or ART_EINVAL (unknown value),
 * with a line in err (may be NULL), and the best supported path selected. */
int art_simd_init(char *err, size_t errsz);
/* The path in use (runs art_simd_init on first use). */
enum art_simd art_simd_path(void);
/* "scalar", "avx2", "avx512"; "?" for an out-of-range value. */
const char *art_simd_name(enum art_simd path);
/* Path from its name (case-insensitive); -1 if unknown. */
int art_simd_from_name(const char *name);
/* 1 if this CPU (and this build) can run path, else 0.  Scalar is always supported. */
int art_simd_supported(enum art_simd path);
/* Select path (tests, benchmarks).  ART_OK, or ART_EUNSUPP and the path is unchanged.
 * Not for use while other threads run kernels through art_quant_traits(). */
int art_simd_set(enum art_simd path);
/* The traits of a type for the path in use (NULL if the type is unknown). */
const art_qtraits *art_simd_traits(uint32_t type);
/* The traits of a type for a given path (supported or not: tests only call supported). */
const art_qtraits *art_simd_traits_for(enum art_simd path, uint32_t type);

/* ---- kernels of the SIMD paths (same contracts as the scalar ones in quant.h) ----------
 * Call only when art_simd_supported() says so.  Integer dots assume activation quants
 * in [-127, 127] — what every Q8 quantizer here produces — so no int16 pair sum can
 * saturate.  The *_avx512 kernels need everything art_simd_supported(AVX512) checks. */
#define ART_SIMD_KERNELS(SUF)                                                                \
	void art_vec_dot_f32_##SUF(int64_t n, float *s, const void *x, const void *y);        \
	void art_vec_dot_f16_##SUF(int64_t n, float *s, const void *x, const void *y);        \
	void art_vec_dot_bf16_##SUF(int64_t n, float *s, const void *x, const void *y);       \
	void art_vec_dot_q4_0_q8_0_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q4_1_q8_1_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q5_0_q8_0_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q5_1_q8_1_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q8_0_q8_0_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q2_K_q8_K_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q3_K_q8_K_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q4_K_q8_K_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q5_K_q8_K_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_vec_dot_q6_K_q8_K_##SUF(int64_t n, float *s, const void *x, const void *y);  \
	void art_quantize_q8_0_##SUF(const float *x, void *y, int64_t n);                     \
	void art_quantize_q8_1_##SUF(const float *x, void *y, int64_t n);                     \
	void art_quantize_q8_K_##SUF(const float *x, void *y, int64_t n);                     \
	void art_f16_to_float_##SUF(const void *x, float *y, int64_t n);                      \
	void art_f16_from_float_##SUF(const float *x, void *y, int64_t n);                    \
	void art_bf16_to_float_##SUF(const void *x, float *y, int64_t n);                     \
	void art_bf16_from_float_##SUF(const float *x, void *y, int64_t n);
ART_SIMD_KERNELS(avx2)
ART_SIMD_KERNELS(avx512)
#undef ART_SIMD_KERNELS
/* AVX512-BF16 dot: the avx512 path uses it where cpuid also reports avx512bf16. */
void art_vec_dot_bf16_avx512bf16(int64_t n, float *s, const void *x, const void *y);
#endif

/* quant.h — tensor element types: block layouts, the type-traits table, conversions.
 *
 * Ownership: nothing here allocates.  Every function writes into caller-provided memory;
 * traits are static tables valid for the life of the program.
 *
 * Layouts are the ggml ones (GGUF files store them verbatim): a row of n elements of a
 * block type is n/blck consecutive blocks.  Numbering of enum art_qtype is the ggml type
 * id.  Kernels come as a traits table indexed by type; art_quant_traits() returns the
 * table in use.  Today every entry is the scalar reference; a SIMD table (issue 5) keeps
 * the same layouts and swaps function pointers, and art_quant_traits_ref() stays the
 * scalar twin the tests compare against.
 */
#ifndef ART_QUANT_H
#define ART_QUANT_H
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

enum art_qtype {
	ART_QTYPE_F32 = 0,
	ART_QTYPE_F16 = 1,
	ART_QTYPE_Q4_0 = 2,
	ART_QTYPE_Q4_1 = 3,
	ART_QTYPE_Q5_0 = 6,
	ART_QTYPE_Q5_1 = 7,
	ART_QTYPE_Q8_0 = 8,
	ART_QTYPE_Q8_1 = 9,
	ART_QTYPE_Q2_K = 10,
	ART_QTYPE_Q3_K = 11,
	ART_QTYPE_Q4_K = 12,
	ART_QTYPE_Q5_K = 13,
	ART_QTYPE_Q6_K = 14,
	ART_QTYPE_Q8_K = 15,
	ART_QTYPE_BF16 = 30,
	ART_QTYPE_COUNT = 31, /* table size; ids without an entry are unsupported */
};

typedef uint16_t art_f16;  /* IEEE binary16 bits */
typedef uint16_t art_bf16; /* bfloat16 bits */

#define ART_QK4_0 32
#define ART_QK4_1 32
#define ART_QK5_0 32
#define ART_QK5_1 32
#define ART_QK8_0 32
#define ART_QK8_1 32
#define ART_QK_K 256
#define ART_K_SCALE_SIZE 12

typedef struct { art_f16 d; uint8_t qs[ART_QK4_0 / 2]; } art_block_q4_0;
static_assert(sizeof(art_block_q4_0) == 18, "q4_0 block");
typedef struct { art_f16 d, m; uint8_t qs[ART_QK4_1 / 2]; } art_block_q4_1;
static_assert(sizeof(art_block_q4_1) == 20, "q4_1 block");
typedef struct { art_f16 d; uint8_t qh[4]; uint8_t qs[ART_QK5_0 / 2]; } art_block_q5_0;
static_assert(sizeof(art_block_q5_0) == 22, "q5_0 block");
typedef struct { art_f16 d, m; uint8_t qh[4]; uint8_t qs[ART_QK5_1 / 2]; } art_block_q5_1;
static_assert(sizeof(art_block_q5_1) == 24, "q5_1 block");
typedef struct { art_f16 d; int8_t qs[ART_QK8_0]; } art_block_q8_0;
static_assert(sizeof(art_block_q8_0) == 34, "q8_0 block");
/* s = d * sum(qs), precomputed for the q4_1/q5_1 dot products */
typedef struct { art_f16 d, s; int8_t qs[ART_QK8_1]; } art_block_q8_1;
static_assert(sizeof(art_block_q8_1) == 36, "q8_1 block");

/* 16 sub-blocks of 16: 4-bit scale (low) and 4-bit min (high) per sub-block; 2-bit quants */
typedef struct {
	uint8_t scales[ART_QK_K / 16];
	uint8_t qs[ART_QK_K / 4];
	art_f16 d, dmin;
} art_block_q2_K;
static_assert(sizeof(art_block_q2_K) == 84, "q2_K block");
/* 16 sub-blocks of 16: 6-bit scales packed in 12 bytes; 2 low bits + 1 high bit (hmask) */
typedef struct {
	uint8_t hmask[ART_QK_K / 8];
	uint8_t qs[ART_QK_K / 4];
	uint8_t scales[12];
	art_f16 d;
} art_block_q3_K;
static_assert(sizeof(art_block_q3_K) == 110, "q3_K block");
/* 8 sub-blocks of 32: 6-bit scales and mins packed in 12 bytes; 4-bit quants */
typedef struct {
	art_f16 d, dmin;
	uint8_t scales[ART_K_SCALE_SIZE];
	uint8_t qs[ART_QK_K / 2];
} art_block_q4_K;
static_assert(sizeof(art_block_q4_K) == 144, "q4_K block");
/* as q4_K plus one high bit per quant in qh */
typedef struct {
	art_f16 d, dmin;
	uint8_t scales[ART_K_SCALE_SIZE];
	uint8_t qh[ART_QK_K / 8];
	uint8_t qs[ART_QK_K / 2];
} art_block_q5_K;
static_assert(sizeof(art_block_q5_K) == 176, "q5_K block");
/* 16 sub-blocks of 16 with int8 scales; 4 low bits in ql, 2 high bits in qh; q - 32 */
typedef struct {
	uint8_t ql[ART_QK_K / 2];
	uint8_t qh[ART_QK_K / 4];
	int8_t scales[ART_QK_K / 16];
	art_f16 d;
} art_block_q6_K;
static_assert(sizeof(art_block_q6_K) == 210, "q6_K block");
/* activation type for K-quant dots: float scale, int8 quants, sums per 16 */
typedef struct {
	float d;
	int8_t qs[ART_QK_K];
	int16_t bsums[ART_QK_K / 16];
} art_block_q8_K;
static_assert(sizeof(art_block_q8_K) == 292, "q8_K block");

/* n elements (a multiple of blck) of x → floats y. */
typedef void (*art_to_float_fn)(const void *x, float *y, int64_t n);
/* n floats x (a multiple of blck) → n elements of y (reference quantizer). */
typedef void (*art_from_float_fn)(const float *x, void *y, int64_t n);
/* *s = dot(x, y) over n elements; x of this type, y of the traits' vec_dot_type. */
typedef void (*art_vec_dot_fn)(int64_t n, float *s, const void *x, const void *y);

typedef struct {
	const char *name;           /* "q4_K", as ggml spells it */
	int64_t blck;               /* elements per block */
	size_t type_size;           /* bytes per block */
	int is_quantized;
	art_to_float_fn to_float;   /* NULL: not decodable */
	art_from_float_fn from_float;
	enum art_qtype vec_dot_type; /* activations are converted to this type for vec_dot */
	art_vec_dot_fn vec_dot;     /* NULL: type cannot be a matmul weight */
} art_qtraits;

/* Traits of a ggml type id, or NULL if the id is not one we know. */
const art_qtraits *art_quant_traits(uint32_t type);
/* The scalar reference table (same as art_quant_traits until SIMD twins exist). */
const art_qtraits *art_quant_traits_ref(uint32_t type);
/* Bytes of a row of n elements of type (n must be a multiple of the block size). */
size_t art_quant_row_size(uint32_t type, int64_t n);
/* Type id from its ggml name ("q4_K", "Q4_K", "f32"); -1 if unknown. */
int art_quant_type_from_name(const char *name);

/* Scalar conversions (round to nearest even; NaN preserved). */
float art_f16_to_f32(art_f16 h);
art_f16 art_f32_to_f16(float f);
float art_bf16_to_f32(art_bf16 h);
art_bf16 art_f32_to_bf16(float f);

/* ---- per-type kernels (scalar references), also reachable through the traits ---- */
void art_dequant_q4_0(const void *x, float *y, int64_t n);
void art_dequant_q4_1(const void *x, float *y, int64_t n);
void art_dequant_q5_0(const void *x, float *y, int64_t n);
void art_dequant_q5_1(const void *x, float *y, int64_t n);
void art_dequant_q8_0(const void *x, float *y, int64_t n);
void art_dequant_q8_1(const void *x, float *y, int64_t n);
void art_dequant_q2_K(const void *x, float *y, int64_t n);
void art_dequant_q3_K(const void *x, float *y, int64_t n);
void art_dequant_q4_K(const void *x, float *y, int64_t n);
void art_dequant_q5_K(const void *x, float *y, int64_t n);
void art_dequant_q6_K(const void *x, float *y, int64_t n);
void art_dequant_q8_K(const void *x, float *y, int64_t n);

void art_quantize_q4_0(const float *x, void *y, int64_t n);
void art_quantize_q4_1(const float *x, void *y, int64_t n);
void art_quantize_q5_0(const float *x, void *y, int64_t n);
void art_quantize_q5_1(const float *x, void *y, int64_t n);
void art_quantize_q8_0(const float *x, void *y, int64_t n);
void art_quantize_q8_1(const float *x, void *y, int64_t n);
void art_quantize_q2_K(const float *x, void *y, int64_t n);
void art_quantize_q3_K(const float *x, void *y, int64_t n);
void art_quantize_q4_K(const float *x, void *y, int64_t n);
void art_quantize_q5_K(const float *x, void *y, int64_t n);
void art_quantize_q6_K(const float *x, void *y, int64_t n);
void art_quantize_q8_K(const float *x, void *y, int64_t n);

void art_vec_dot_q4_0_q8_0(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q4_1_q8_1(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q5_0_q8_0(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q5_1_q8_1(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q8_0_q8_0(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q2_K_q8_K(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q3_K_q8_K(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q4_K_q8_K(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q5_K_q8_K(int64_t n, float *s, const void *x, const void *y);
void art_vec_dot_q6_K_q8_K(int64_t n, float *s, const void *x, const void *y);
#endif

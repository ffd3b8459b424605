/* mkmodel.h — write random-weight GGUF models of named shapes (for benchmarks and tests).
 *
 * Weights are uniform random with std 0.02 (norm weights 1, biases 0) from a seeded
 * generator, so the same (shape, type, seed) always gives the same file.  The tokenizer
 * (every "tokenizer.*" key) is copied from a given GGUF so the file loads anywhere; the
 * vocabulary size is then the tokenizer's.  Quantized with our own quantizers.
 *
 * Ownership: shapes are static; nothing is retained after art_mkmodel_write returns.
 */
#ifndef ART_MKMODEL_H
#define ART_MKMODEL_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *name;    /* "tinyllama-1.1b" */
	const char *arch;    /* "llama" or "qwen2" */
	int dim, ffn, n_layer, n_head, n_head_kv, n_vocab, n_ctx;
	float rope_theta, norm_eps;
	int tied;            /* output shares token_embd */
	int qkv_bias;        /* qwen2 */
} art_mkmodel_shape;

/* Shape by name, or NULL.  art_mkmodel_shapes lists them (NULL-name terminated). */
const art_mkmodel_shape *art_mkmodel_shape_find(const char *name);
extern const art_mkmodel_shape art_mkmodel_shapes[];

/* Progress: called after each tensor with (tensors done, total, bytes written). */
typedef void (*art_mkmodel_progress)(void *ctx, int done, int total, uint64_t bytes);

/* Writes PATH.  type is a ggml type name ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1",
 * "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k") or a llama.cpp mix name
 * ("q4_k_m", "q5_k_m", "q3_k_m": the _m mixes use Q6_K for output and for attn_v /
 * ffn_down in the layers llama.cpp favours).  Rows whose length is not a multiple of a
 * K-quant's 256 fall back to a 32-block type.  tokenizer may be NULL (no tokenizer keys:
 * n_vocab from the shape).  ART_OK or a status with err set. */
int art_mkmodel_write(const char *path, const art_mkmodel_shape *shape, const char *type,
		      const char *tokenizer, uint64_t seed, art_mkmodel_progress progress,
		      void *pctx, char *err, size_t errsz);
#endif

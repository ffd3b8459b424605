/* model.h — decoder-only transformer models from GGUF files (llama family, qwen2).
 *
 * Ownership: art_model_open returns a model that owns its GGUF mapping (weights stay
 * in the read-only mmap; only small norm/bias vectors are copied to F32).  A context
 * (art_model_ctx_new) borrows the model, which must outlive it, and owns all state the
 * forward pass needs (KV cache, activations, logits), allocated once: evaluation
 * never allocates.  One context serves one sequence; use several for several.
 *
 * Numerics follow llama.cpp's CPU path: activations are F32; a matmul converts its
 * input to the weight type's vec_dot_type (Q8_0, Q8_1, Q8_K, F16, ...) and uses the
 * traits' dot; the KV cache is F16 by default (like llama.cpp) or F32.
 */
#ifndef ART_MODEL_H
#define ART_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

enum art_arch {
	ART_ARCH_LLAMA = 0,
	ART_ARCH_QWEN2,
};

enum art_kv_type {
	ART_KV_F16 = 0, /* llama.cpp's default */
	ART_KV_F32,
};

typedef struct {
	enum art_arch arch;
	char arch_name[32];
	int n_vocab, n_embd, n_layer, n_ff;
	int n_head, n_head_kv, head_dim; /* head_dim = n_embd / n_head unless key_length says */
	int n_rot;                        /* rotated dims per head (rope.dimension_count) */
	int n_ctx_train;
	int rope_neox;                    /* 1: rotate (i, i + n_rot/2) pairs; 0: (2i, 2i+1) */
	float rope_base, rope_freq_scale; /* theta_i = p * freq_scale * base^(-2i/n_rot) */
	float rms_eps;
	int tied_output;                  /* output projection is token_embd */
	int has_qkv_bias;
	int32_t bos, eos, eot;            /* -1 when absent */
	uint32_t weight_type;             /* type of the attention q weight (for display) */
} art_model_hparams;

typedef struct art_model art_model;
typedef struct art_model_ctx art_model_ctx;

/* Opens and validates a model: architecture known, every tensor present with the shape
 * the hyperparameters imply and a supported type.  Errors name the file and what is
 * missing or wrong. */
int art_model_open(art_model **out, const char *path, char *err, size_t errsz);
void art_model_close(art_model *m); /* NULL is fine */
const art_model_hparams *art_model_hparams_get(const art_model *m);
const art_gguf *art_model_gguf(const art_model *m); /* the model's file, for tokenizers */

/* n_ctx: positions the KV cache holds (0: min(n_ctx_train, 4096)); n_threads >= 1. */
int art_model_ctx_new(art_model_ctx **out, const art_model *m, int n_ctx, int n_threads,
		      enum art_kv_type kv_type, char *err, size_t errsz);
void art_model_ctx_free(art_model_ctx *c); /* NULL is fine */
int art_model_ctx_n_ctx(const art_model_ctx *c);
int art_model_ctx_n_past(const art_model_ctx *c);
void art_model_ctx_set_threads(art_model_ctx *c, int n_threads);
/* Forgets positions >= n_past (0 clears the sequence). */
void art_model_ctx_truncate(art_model_ctx *c, int n_past);

/* Feeds n tokens at positions n_past .. n_past+n-1; *logits (may be NULL) receives the
 * context's buffer of n_vocab logits after the last one, valid until the next eval.
 * ART_ERANGE if the cache would overflow or a token id is out of range (nothing fed). */
int art_model_eval(art_model_ctx *c, const int32_t *tokens, int n, const float **logits);
#endif

/* model.h — decoder-only transformer models from GGUF files (llama family, qwen2).
 *
 * Ownership: art_model_open returns a model that owns its GGUF mapping (weights stay
 * in the read-only mmap; only small norm/bias vectors are copied to F32).  A context
 * (art_model_ctx_new) borrows the model, which must outlive it, and owns all state the
 * forward pass needs (KV cache, activations, logits), allocated once: evaluation
 * never allocates.  A context holds n_seq independent sequences (slots) in one KV cache
 * and evaluates batches that mix tokens of several of them in one weight pass
 * (art_model_decode); logits pointers stay valid until the next decode.
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

typedef struct {
	int n_ctx;                /* positions per sequence (0: min(n_ctx_train, 4096)) */
	int n_seq;                /* sequences (slots) the cache holds; 0: 1 */
	int n_batch;              /* most tokens one art_model_decode takes; 0: 256 */
	int n_threads;            /* OpenMP threads of the forward pass; 0: 1 */
	enum art_kv_type kv_type;
} art_model_ctx_params;

/* Memory: KV cache 2 * n_layer * n_seq * n_ctx * kv_dim * (2 or 4) bytes, activations
 * about n_batch * (4 * n_embd + 2 * n_ff) floats, logits n_seq * n_vocab floats. */
int art_model_ctx_open(art_model_ctx **out, const art_model *m, const art_model_ctx_params *p, char *err,
		       size_t errsz);
/* art_model_ctx_open with one sequence and the default batch. */
int art_model_ctx_new(art_model_ctx **out, const art_model *m, int n_ctx, int n_threads,
		      enum art_kv_type kv_type, char *err, size_t errsz);
void art_model_ctx_free(art_model_ctx *c); /* NULL is fine */
int art_model_ctx_n_ctx(const art_model_ctx *c);
int art_model_ctx_n_seq(const art_model_ctx *c);
int art_model_ctx_n_batch(const art_model_ctx *c);
size_t art_model_ctx_bytes(const art_model_ctx *c); /* heap the context holds */
/* Threads for later decodes (n >= 1; not while a decode runs; may allocate scratch). */
void art_model_ctx_set_threads(art_model_ctx *c, int n_threads);

/* Positions held by sequence seq. */
int art_model_seq_n_past(const art_model_ctx *c, int seq);
/* Forgets positions >= n_past of seq (0 clears it). */
void art_model_seq_truncate(art_model_ctx *c, int seq, int n_past);
/* dst's first n positions become src's (the KV state of a shared prefix); dst keeps n.
 * ART_ERANGE if n > src's positions or a slot is out of range. */
int art_model_seq_copy(art_model_ctx *c, int dst, int src, int n);

/* One step of work: n tokens, each appended to its sequence.  A token's position is its
 * sequence's n_past plus the number of earlier tokens of that sequence in the batch.
 * Every token attends to its own sequence's positions up to and including its own. */
typedef struct {
	int n;
	const int32_t *tokens; /* (n) */
	const int32_t *seq;    /* (n) slots in [0, n_seq); NULL: all slot 0 */
	const int8_t *logits;  /* (n) nonzero: keep this token's logits; NULL: the last token's */
} art_model_batch;

/* Evaluates the batch: results are bit-identical to feeding each sequence's tokens alone,
 * one at a time, with any thread count.  ART_ERANGE (nothing fed) if n is outside
 * [1, n_batch], a slot or token id is out of range, a sequence would pass n_ctx, or more
 * than n_seq tokens ask for logits. */
int art_model_decode(art_model_ctx *c, const art_model_batch *b);
/* Logits (n_vocab) of batch entry i of the last decode; NULL if it did not ask for them. */
const float *art_model_logits(const art_model_ctx *c, int i);

/* ---- single-sequence convenience (slot 0) ---- */
int art_model_ctx_n_past(const art_model_ctx *c);
void art_model_ctx_truncate(art_model_ctx *c, int n_past);
/* Feeds n tokens (any n; split into batches of n_batch) at positions n_past..n_past+n-1 of
 * slot 0; *logits (may be NULL) receives the logits after the last one.  ART_ERANGE if
 * the cache would overflow or a token id is out of range (nothing fed). */
int art_model_eval(art_model_ctx *c, const int32_t *tokens, int n, const float **logits);
#endif

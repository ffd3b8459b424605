/* model_impl.h — internal layout of art_model / art_model_ctx and the forward-pass ops,
 * shared by model.c (loading), model_eval.c (forward pass) and model_ops.c (kernels).
 * Ownership as in model.h. */
#ifndef ART_MODEL_IMPL_H
#define ART_MODEL_IMPL_H
#include "model.h"
#include "attn.h"
#include "quant.h"

/* A 2-D weight in the mapping: ne1 rows of ne0 elements, row-major. */
typedef struct {
	const void *data;
	uint32_t type;
	int64_t ne0, ne1;
	size_t row_size; /* bytes */
} art_weight;

typedef struct {
	float *attn_norm, *ffn_norm;   /* (n_embd) owned F32 copies */
	float *bq, *bk, *bv;           /* qwen2 biases (n_embd), (kv_dim), (kv_dim); else NULL */
	art_weight wq, wk, wv, wo;     /* (n_embd→n_embd), (n_embd→kv_dim) x2, (n_embd→n_embd) */
	art_weight w_gate, w_up, w_down; /* (n_embd→n_ff) x2, (n_ff→n_embd) */
} art_layer;

struct art_model {
	art_gguf *g;
	art_model_hparams hp;
	art_weight tok_embd;  /* (n_vocab rows of n_embd) */
	art_weight output;    /* (n_vocab rows of n_embd); = tok_embd when tied */
	float *output_norm;   /* (n_embd) owned */
	float *rope_freqs;    /* (n_rot/2) owned, or NULL: per-dimension frequency divisors */
	art_layer *layers;    /* (n_layer) */
};

/* Per-thread attention scratch for the g = n_head / n_head_kv query heads that share a
 * KV head (attended together). */
typedef struct {
	float *att;   /* (g, n_ctx_pad) scores */
	art_f16 *qh;  /* (g, head_dim) queries in F16 */
	double *pd;   /* (g, n_ctx_pad) probabilities rounded to F16, widened to double */
	art_f16 *ph;  /* (n_ctx_pad) one head's probabilities in F16 */
} art_att_scratch;

/* ints between two matmul counters: one cache line each */
#define ART_MM_STRIDE 16

struct art_model_ctx {
	const art_model *m;
	int n_ctx, n_seq, n_batch, n_threads;
	int n_ctx_pad;             /* n_ctx rounded up to 32 */
	enum art_kv_type kv_type;
	void *k_cache, *v_cache;   /* (n_layer, n_seq, n_ctx, kv_dim) of F16 or F32 */
	int *n_past;               /* (n_seq) */
	/* activations, one row per batch token */
	float *x, *xb;             /* (n_batch, d_max) residual stream, normed input / scratch */
	float *xb2;                /* (n_batch, d_max): attention output (q_dim wide), then the rows asking for logits */
	float *q, *k, *v;          /* (n_batch, q_dim), (n_batch, kv_dim) x2 */
	float *hb, *hb2;           /* (n_batch, n_ff) */
	void *xq;                  /* (n_batch, xq_stride) bytes: activations converted for vec_dot, rows
	                            * packed at the stride of the matmul in progress (<= xq_stride) */
	size_t xq_stride;          /* bytes per row of xq (largest converted row + slack) */
	float *rope_cs, *rope_sn;  /* (n_batch, n_rot/2) cos/sin at each token's position */
	int32_t *pos, *seq;        /* (n_batch) of the batch being evaluated */
	int *out_row;              /* (n_batch) logits row of each entry, -1: none */
	int n_out;
	float *logits;             /* (n_seq, n_vocab) */
	art_att_scratch *scr;      /* (n_scr) */
	art_attn_kq_fn kq;         /* F16-cache attention dots of the SIMD path in use */
	art_attn_vp_fn vp;
	int n_scr;
	int *mm_next;              /* (n_mm, n_scr, ART_MM_STRIDE): per matmul of a pass and thread, chunks taken of its run */
	int n_mm;                  /* matmuls per pass (7 per layer + output) */
	size_t bytes;              /* heap held */
};

/* ---- ops (model_ops.c); rows split by (ith, nth) where they take it ---- */

/* y = x / sqrt(mean(x^2) + eps) * w, over n elements (ggml: sum in double). */
void art_op_rmsnorm(float *y, const float *x, const float *w, int n, float eps);
/* Row r of w (dequantized) into y (ne0 floats). */
void art_op_get_row(const art_weight *w, int64_t r, float *y);
/* cos/sin tables for position p: theta_i = p * freq_scale * base^(-2i/n_rot) / ff[i]. */
void art_op_rope_cache(float *cs, float *sn, int n_rot, int p, float base, float freq_scale,
		       const float *freq_factors);
/* Rotates the first n_rot dims of each of n_heads heads of head_dim in x. */
void art_op_rope(float *x, int n_heads, int head_dim, int n_rot, int neox, const float *cs,
		 const float *sn);
/* y = silu(g) * u over n elements (y may alias g). */
void art_op_swiglu(float *y, const float *g, const float *u, int n);
float art_op_vexpf(float x);
/* In-place softmax of x[0..n) after scaling by scale. */
void art_op_softmax(float *x, int n, float scale);
/* AVX2 twins (model_ops_avx2.c), bit-identical; only where art_simd says AVX2 runs.
 * softmax_exp: x[i] = exp(x[i] - max) and the double sum of 8-lane groups. */
void art_op_swiglu_avx2(float *y, const float *g, const float *u, int n);
double art_op_softmax_exp_avx2(float *x, int n, float max);
float art_op_scale_max_avx2(float *x, int n, float scale);
void art_op_scale_avx2(float *x, int n, float s);

static inline int art_split_lo(int64_t n, int ith, int nth) { return (int)(n * ith / nth); }
#endif

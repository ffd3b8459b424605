/* model_eval.c — the batched forward pass.
 *
 * One OpenMP team runs the whole pass: every op splits its work by explicit (ith, nth)
 * shares (chunks of weight rows for the matmuls, tokens for the row-wise ops, (token,
 * head group) items dealt round-robin for attention) and the team meets at a barrier between
 * ops.  Each output element is computed by exactly one thread with the same function
 * whatever the split, and the matmuls go through art_gemm, whose per-pair result equals
 * vec_dot's; so results do not depend on the thread count or on which other tokens share
 * the batch.
 *
 * Per token the numerics are those of llama.cpp's CPU path (see model.h), including the
 * single-token attention: a prompt is evaluated as a batch, but each of its tokens sees
 * the cache exactly as if it had been fed alone. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "err.h"
#include "attn.h"
#include "gemm.h"
#include "model_impl.h"

typedef struct {
	art_model_ctx *c;
	int n;   /* tokens in the batch */
	int ith, nth;
	int op;  /* matmuls this thread has entered in this pass: the index of its row counter */
} team;

/* Row chunks per thread of a matmul: enough to even out the threads' speeds at the end,
 * few enough that a chunk stays long (rows of whole tiles) next to one atomic add. */
#define MM_CHUNKS_PER_THREAD 16

static inline int lo(const team *t, int64_t n) { return art_split_lo(n, t->ith, t->nth); }
static inline int hi(const team *t, int64_t n) { return art_split_lo(n, t->ith + 1, t->nth); }

/* Bytes between the converted rows in xq for a weight of type wt, K wide: packed (64-byte
 * aligned), so a block of prompt columns takes as little cache as it can; never more than
 * the context's xq_stride. */
static size_t act_stride(uint32_t wt, int64_t K) { return (art_gemm_act_size(wt, K) + 63) / 64 * 64; }

/* Converts rows [0, n) of x (row stride xs floats, K wide) for a weight of type wt into
 * c->xq; this thread's share of the rows. */
static void quantize_rows(const team *t, uint32_t wt, int64_t K, const float *x, size_t xs)
{
	const art_qtraits *vt = art_quant_traits(art_quant_traits(wt)->vec_dot_type);
	const size_t qs = act_stride(wt, K);
	for (int i = lo(t, t->n); i < hi(t, t->n); i++)
		vt->from_float(x + (size_t)i * xs, (char *)t->c->xq + (size_t)i * qs, K);
}

/* y (n_rows, ldy) = w · x for the rows of x: whole team.  quantize = 0 reuses c->xq as
 * the previous matmul left it (same input, same vec_dot_type); quantizing starts with a
 * barrier, so xq is never overwritten while another thread still reads it.  sync = 1 ends
 * at a barrier (y complete); 0 when the next op only reads xq, like the k after the q
 * projection. */
static void matmul(team *t, const art_weight *w, const float *x, size_t xs, int n, float *y, size_t ldy,
		   int quantize, int sync)
{
	art_model_ctx *c = t->c;
	if (quantize) {
		team q = *t;
		q.n = n;
#pragma omp barrier
		quantize_rows(&q, w->type, w->ne0, x, xs);
#pragma omp barrier
	}
	/* rows in chunks of whole kernel tiles (no tile is split between threads).  Each thread
	 * owns a run of consecutive chunks and takes them in order from its counter, so its
	 * weights stream as one sequence; a thread done with its run takes the next chunks of
	 * the others' runs from their counters, so one the memory system serves faster does
	 * more rows instead of the team waiting at the barrier. */
	const int64_t tr = art_gemm_tile_rows(w->type), tiles = (w->ne1 + tr - 1) / tr;
	int *ctr = c->mm_next + (size_t)ART_MM_STRIDE * (size_t)c->n_scr * (size_t)(t->op++ % c->n_mm);
	int64_t nchunk = (int64_t)t->nth * MM_CHUNKS_PER_THREAD;
	if (nchunk > tiles) nchunk = tiles;
	for (int k = 0; k < t->nth; k++) {
		const int v = (t->ith + k) % t->nth;
		const int64_t c0 = art_split_lo(nchunk, v, t->nth), c1 = art_split_lo(nchunk, v + 1, t->nth);
		for (;;) {
			const int64_t ch = c0 + __atomic_fetch_add(ctr + (size_t)ART_MM_STRIDE * (size_t)v, 1, __ATOMIC_RELAXED);
			if (ch >= c1) break;
			const int64_t r0 = art_split_lo(tiles, (int)ch, (int)nchunk) * tr;
			int64_t r1 = art_split_lo(tiles, (int)ch + 1, (int)nchunk) * tr;
			if (r1 > w->ne1) r1 = w->ne1;
			art_gemm(w->type, w->ne0, w->data, w->row_size, r0, r1, c->xq, act_stride(w->type, w->ne0), n, y, ldy);
		}
	}
	if (sync) {
#pragma omp barrier
	}
}

static int same_act(const art_weight *a, const art_weight *b)
{
	return art_quant_traits(a->type)->vec_dot_type == art_quant_traits(b->type)->vec_dot_type && a->ne0 == b->ne0;
}

static size_t kv_ofs(const art_model_ctx *c, int il, int seq, int pos)
{
	const size_t kv_dim = (size_t)c->m->hp.n_head_kv * c->m->hp.head_dim;
	return (((size_t)il * c->n_seq + (size_t)seq) * c->n_ctx + (size_t)pos) * kv_dim;
}

/* Attention of token i's query heads [h0, h0 + g), which share KV head h0 / (n_head /
 * n_head_kv), over its sequence's positions 0..pos (layer il) into xb2.  With an F16 cache
 * this is llama.cpp's non-flash path: the query is rounded to F16 for K·q, softmax in F32, the
 * probabilities rounded to F16 for V·p.  llama.cpp pads the cache view to a multiple of
 * 32 cells with zero weights; V·p runs over that padding too.  The g heads go through the
 * kernels together (each cache row read once), each with its own single-head result. */
static void attend(art_model_ctx *c, art_att_scratch *s, int il, int i, int h0, int g)
{
	const art_model_hparams *hp = &c->m->hp;
	const int hd = hp->head_dim, kv_dim = hp->n_head_kv * hd, q_dim = hp->n_head * hd;
	const int kvh = h0 / (hp->n_head / hp->n_head_kv);
	const int n_kv = c->pos[i] + 1, n_pad = (n_kv + 31) / 32 * 32;
	const size_t base = kv_ofs(c, il, c->seq[i], 0) + (size_t)kvh * hd, np = (size_t)c->n_ctx_pad;
	const float scale = 1.0f / sqrtf((float)hd);
	const float *q = c->q + (size_t)i * q_dim + (size_t)h0 * hd; /* (g, hd) */
	float *out = c->xb2 + (size_t)i * q_dim + (size_t)h0 * hd;  /* (g, hd) */
	if (c->kv_type == ART_KV_F16) {
		/* F16 conversions through the path's row converters (round to nearest even, as
		 * art_f32_to_f16) */
		const art_qtraits *h16 = art_quant_traits(ART_QTYPE_F16);
		h16->from_float(q, s->qh, (int64_t)g * hd);
		c->kq((const art_f16 *)c->k_cache + base, (size_t)kv_dim, n_kv, s->qh, g, hd, s->att, np);
		for (int h = 0; h < g; h++) {
			float *att = s->att + (size_t)h * np;
			double *pd = s->pd + (size_t)h * np;
			art_op_softmax(att, n_kv, scale);
			h16->from_float(att, s->ph, n_kv);
			h16->to_float(s->ph, att, n_kv);
			for (int p = 0; p < n_kv; p++) pd[p] = att[p];
			for (int p = n_kv; p < n_pad; p++) pd[p] = 0.0;
		}
		c->vp((const art_f16 *)c->v_cache + base, (size_t)kv_dim, n_kv, n_pad, s->pd, np, g, hd, out);
		return;
	}
	const float *kc = (const float *)c->k_cache + base, *vc = (const float *)c->v_cache + base;
	for (int h = 0; h < g; h++) {
		const float *qh = q + (size_t)h * hd;
		float *att = s->att, *oh = out + (size_t)h * hd;
		for (int p = 0; p < n_kv; p++) {
			const float *k = kc + (size_t)p * kv_dim;
			double sum = 0;
			for (int d = 0; d < hd; d++) sum += (double)(qh[d] * k[d]);
			att[p] = (float)sum;
		}
		art_op_softmax(att, n_kv, scale);
		for (int d = 0; d < hd; d++) {
			double sum = 0;
			for (int p = 0; p < n_kv; p++) sum += (double)(att[p] * vc[(size_t)p * kv_dim + d]);
			oh[d] = (float)sum;
		}
	}
}

static void add_bias(float *y, const float *b, int n)
{
	if (b)
		for (int i = 0; i < n; i++) y[i] += b[i];
}

/* Biases, RoPE and the cache store for this thread's tokens (layer il). */
static void qkv_post(const team *t, const art_layer *l, int il)
{
	art_model_ctx *c = t->c;
	const art_model_hparams *hp = &c->m->hp;
	const int q_dim = hp->n_head * hp->head_dim, kv_dim = hp->n_head_kv * hp->head_dim, nr = hp->n_rot / 2 + 1;
	for (int i = lo(t, t->n); i < hi(t, t->n); i++) {
		float *q = c->q + (size_t)i * q_dim, *k = c->k + (size_t)i * kv_dim, *v = c->v + (size_t)i * kv_dim;
		add_bias(q, l->bq, q_dim);
		add_bias(k, l->bk, kv_dim);
		add_bias(v, l->bv, kv_dim);
		const float *cs = c->rope_cs + (size_t)i * nr, *sn = c->rope_sn + (size_t)i * nr;
		art_op_rope(q, hp->n_head, hp->head_dim, hp->n_rot, hp->rope_neox, cs, sn);
		art_op_rope(k, hp->n_head_kv, hp->head_dim, hp->n_rot, hp->rope_neox, cs, sn);
		const size_t ofs = kv_ofs(c, il, c->seq[i], c->pos[i]);
		if (c->kv_type == ART_KV_F16) {
			art_f16 *kc = (art_f16 *)c->k_cache + ofs, *vc = (art_f16 *)c->v_cache + ofs;
			for (int d = 0; d < kv_dim; d++) kc[d] = art_f32_to_f16(k[d]), vc[d] = art_f32_to_f16(v[d]);
		} else {
			memcpy((float *)c->k_cache + ofs, k, (size_t)kv_dim * 4);
			memcpy((float *)c->v_cache + ofs, v, (size_t)kv_dim * 4);
		}
	}
}

/* x += y row-wise, then xb = rmsnorm(x) * w, for this thread's tokens (w NULL: no norm). */
static void residual_norm(const team *t, const float *y, const float *w)
{
	art_model_ctx *c = t->c;
	const art_model_hparams *hp = &c->m->hp;
	const int d = hp->n_embd;
	for (int i = lo(t, t->n); i < hi(t, t->n); i++) {
		float *x = c->x + (size_t)i * d;
		if (y)
			for (int e = 0; e < d; e++) x[e] += y[(size_t)i * d + e];
		if (w) art_op_rmsnorm(c->xb + (size_t)i * d, x, w, d, hp->rms_eps);
	}
}

static void forward(team *t)
{
	art_model_ctx *c = t->c;
	const art_model *m = c->m;
	const art_model_hparams *hp = &m->hp;
	const int n = t->n, d = hp->n_embd, q_dim = hp->n_head * hp->head_dim, kv_dim = hp->n_head_kv * hp->head_dim;
	const int nr = hp->n_rot / 2 + 1, n_ff = hp->n_ff;

	for (int i = lo(t, n); i < hi(t, n); i++) {
		art_op_rope_cache(c->rope_cs + (size_t)i * nr, c->rope_sn + (size_t)i * nr, hp->n_rot, c->pos[i],
				  hp->rope_base, hp->rope_freq_scale, m->rope_freqs);
	}
	residual_norm(t, NULL, m->layers[0].attn_norm);
	/* from here on every matmul that quantizes starts at a barrier, which is what orders
	 * each row-wise op before the next matmul reads its rows */
	for (int il = 0; il < hp->n_layer; il++) {
		const art_layer *l = &m->layers[il];
		/* attention block; xb holds rmsnorm(x) * attn_norm */
		matmul(t, &l->wq, c->xb, d, n, c->q, q_dim, 1, 0);
		matmul(t, &l->wk, c->xb, d, n, c->k, kv_dim, !same_act(&l->wq, &l->wk), 0);
		matmul(t, &l->wv, c->xb, d, n, c->v, kv_dim, !same_act(&l->wk, &l->wv), 1);
		qkv_post(t, l, il);
#pragma omp barrier
		/* (token, head group) items dealt round-robin: a token's cost grows with its
		 * position, so contiguous ranges would give the last thread a prompt's most
		 * expensive tokens.  A group is the heads of one KV head, halved while there
		 * are fewer than two items per thread (a few tokens on many threads). */
		const int gkv = hp->n_head / hp->n_head_kv;
		int gs = gkv;
		while (gs > 1 && n * hp->n_head_kv * ((gkv + gs - 1) / gs) < 2 * t->nth) gs = (gs + 1) / 2;
		const int per_kv = (gkv + gs - 1) / gs, per_tok = hp->n_head_kv * per_kv;
		for (int p = t->ith; p < n * per_tok; p += t->nth) {
			const int r = p % per_tok, in_kv = r % per_kv * gs; /* first head within its KV group */
			attend(c, &c->scr[t->ith], il, p / per_tok, r / per_kv * gkv + in_kv, gs < gkv - in_kv ? gs : gkv - in_kv);
		}
		matmul(t, &l->wo, c->xb2, q_dim, n, c->xb, d, 1, 1);
		residual_norm(t, c->xb, l->ffn_norm);
		/* feed-forward block; xb holds rmsnorm(x) * ffn_norm */
		matmul(t, &l->w_gate, c->xb, d, n, c->hb, n_ff, 1, 0);
		matmul(t, &l->w_up, c->xb, d, n, c->hb2, n_ff, !same_act(&l->w_gate, &l->w_up), 1);
		for (int i = lo(t, n); i < hi(t, n); i++)
			art_op_swiglu(c->hb + (size_t)i * n_ff, c->hb + (size_t)i * n_ff, c->hb2 + (size_t)i * n_ff, n_ff);
		matmul(t, &l->w_down, c->hb, n_ff, n, c->xb, d, 1, 1);
		residual_norm(t, c->xb, il + 1 < hp->n_layer ? m->layers[il + 1].attn_norm : NULL);
	}
	if (c->n_out == 0) return;
	/* logits for the entries that asked: their normed rows packed into xb2 */
	for (int i = lo(t, n); i < hi(t, n); i++)
		if (c->out_row[i] >= 0)
			art_op_rmsnorm(c->xb2 + (size_t)c->out_row[i] * d, c->x + (size_t)i * d, m->output_norm, d, hp->rms_eps);
	matmul(t, &m->output, c->xb2, d, c->n_out, c->logits, (size_t)hp->n_vocab, 1, 1);
}

int art_model_decode(art_model_ctx *c, const art_model_batch *b)
{
	const art_model_hparams *hp = &c->m->hp;
	const int n = b->n;
	if (n < 1 || n > c->n_batch) return ART_ERANGE;
	/* validate everything before touching state: positions per sequence, logits rows */
	int n_out = 0;
	for (int i = 0; i < n; i++) {
		const int s = b->seq ? b->seq[i] : 0;
		if (s < 0 || s >= c->n_seq || b->tokens[i] < 0 || b->tokens[i] >= hp->n_vocab) return ART_ERANGE;
		if (b->logits ? b->logits[i] != 0 : i == n - 1) n_out++;
	}
	if (n_out > c->n_seq) return ART_ERANGE;
	for (int i = 0; i < n; i++) c->pos[i] = -1;
	for (int i = 0; i < n; i++) {
		if (c->pos[i] >= 0) continue;
		const int s = b->seq ? b->seq[i] : 0;
		int p = c->n_past[s];
		for (int j = i; j < n; j++)
			if ((b->seq ? b->seq[j] : 0) == s) {
				if (p >= c->n_ctx) return ART_ERANGE;
				c->pos[j] = p++;
			}
	}
	n_out = 0;
	for (int i = 0; i < n; i++) {
		const int s = b->seq ? b->seq[i] : 0;
		c->seq[i] = s;
		c->out_row[i] = (b->logits ? b->logits[i] != 0 : i == n - 1) ? n_out++ : -1;
		/* the token's embedding row */
		art_op_get_row(&c->m->tok_embd, b->tokens[i], c->x + (size_t)i * hp->n_embd);
	}
	c->n_out = n_out;
	for (int i = 0; i < n; i++) c->n_past[c->seq[i]]++;
	c->kq = art_attn_kq_f16();
	c->vp = art_attn_vp_f16();
	int nt = c->n_threads;
	if (nt > c->n_scr) nt = c->n_scr;
	memset(c->mm_next, 0, (size_t)c->n_mm * (size_t)c->n_scr * ART_MM_STRIDE * sizeof *c->mm_next);
#pragma omp parallel num_threads(nt)
	{
		team t = {c, n, omp_get_thread_num(), omp_get_num_threads(), 0};
		forward(&t);
	}
	return ART_OK;
}

const float *art_model_logits(const art_model_ctx *c, int i)
{
	if (i < 0 || i >= c->n_batch || c->out_row[i] < 0) return NULL;
	return c->logits + (size_t)c->out_row[i] * c->m->hp.n_vocab;
}

int art_model_eval(art_model_ctx *c, const int32_t *tokens, int n, const float **logits)
{
	if (n <= 0 || n > c->n_ctx - c->n_past[0]) return ART_ERANGE;
	for (int i = 0; i < n; i++)
		if (tokens[i] < 0 || tokens[i] >= c->m->hp.n_vocab) return ART_ERANGE;
	for (int i = 0; i < n; i += c->n_batch) {
		const int k = n - i < c->n_batch ? n - i : c->n_batch;
		art_model_batch b = {.n = k, .tokens = tokens + i};
		const int rc = art_model_decode(c, &b);
		if (rc) return rc;
	}
	if (logits) *logits = c->logits; /* the last decode's only logits row: its last token */
	return ART_OK;
}

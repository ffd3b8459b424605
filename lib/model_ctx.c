/* model_ctx.c — evaluation contexts: the multi-sequence KV cache, the batch-sized
 * activation buffers and per-thread scratch (all allocated here, never in the forward
 * pass), and the sequence operations (truncate, copy a prefix). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gemm.h"
#include "model_impl.h"

#define DEFAULT_N_BATCH 256

/* calloc that counts what the context holds; NULL stays NULL for the caller's check. */
static void *ccalloc(art_model_ctx *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p) c->bytes += n * size;
	return p;
}

static size_t kv_elem_size(const art_model_ctx *c) { return c->kv_type == ART_KV_F16 ? 2 : 4; }

static void scratch_free(art_model_ctx *c)
{
	for (int i = 0; c->scr && i < c->n_scr; i++) {
		free(c->scr[i].att);
		free(c->scr[i].qh);
		free(c->scr[i].pd);
		free(c->scr[i].ph);
	}
	free(c->scr);
	c->scr = NULL;
	c->n_scr = 0;
}

static int scratch_alloc(art_model_ctx *c, int n)
{
	const art_model_hparams *hp = &c->m->hp;
	art_att_scratch *s = calloc((size_t)n, sizeof *s);
	if (!s) return ART_ENOMEM;
	scratch_free(c);
	c->scr = s;
	c->n_scr = n;
	const size_t g = (size_t)(hp->n_head / hp->n_head_kv);
	for (int i = 0; i < n; i++) {
		s[i].att = ccalloc(c, g * (size_t)c->n_ctx_pad, sizeof(float));
		s[i].qh = ccalloc(c, g * (size_t)hp->head_dim, sizeof(art_f16));
		s[i].pd = ccalloc(c, g * (size_t)c->n_ctx_pad, sizeof(double));
		s[i].ph = ccalloc(c, (size_t)c->n_ctx_pad, sizeof(art_f16));
		if (!s[i].att || !s[i].qh || !s[i].pd || !s[i].ph) return ART_ENOMEM;
	}
	return ART_OK;
}

/* Bytes of the largest activation row any weight of m converts to. */
static size_t max_act_row(const art_model *m)
{
	const art_model_hparams *hp = &m->hp;
	size_t best = art_gemm_act_size(m->output.type, m->output.ne0);
	for (int il = 0; il < hp->n_layer; il++) {
		const art_layer *l = &m->layers[il];
		const art_weight *ws[] = {&l->wq, &l->wk, &l->wv, &l->wo, &l->w_gate, &l->w_up, &l->w_down};
		for (size_t i = 0; i < sizeof ws / sizeof *ws; i++) {
			size_t b = art_gemm_act_size(ws[i]->type, ws[i]->ne0);
			if (b > best) best = b;
		}
	}
	return (best + 63) / 64 * 64; /* keep rows 64-byte aligned */
}

int art_model_ctx_open(art_model_ctx **out, const art_model *m, const art_model_ctx_params *p, char *err,
		       size_t errsz)
{
	*out = NULL;
	const art_model_hparams *hp = &m->hp;
	int n_ctx = p->n_ctx, n_seq = p->n_seq ? p->n_seq : 1, n_batch = p->n_batch ? p->n_batch : DEFAULT_N_BATCH;
	if (n_ctx <= 0) n_ctx = hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096;
	if (n_ctx > (1 << 20)) return art_errf(err, errsz, ART_ERANGE, "context size %d too large", n_ctx);
	if (n_seq < 1 || n_seq > 1024) return art_errf(err, errsz, ART_ERANGE, "%d sequences: want 1..1024", n_seq);
	if (n_batch < 1 || n_batch > 65536) return art_errf(err, errsz, ART_ERANGE, "batch of %d tokens: want 1..65536", n_batch);
	art_model_ctx *c = calloc(1, sizeof *c);
	if (!c) return art_errf(err, errsz, ART_ENOMEM, "out of memory");
	c->m = m;
	c->n_ctx = n_ctx;
	c->n_seq = n_seq;
	c->n_batch = n_batch;
	c->n_threads = p->n_threads > 0 ? p->n_threads : 1;
	c->kv_type = p->kv_type;
	c->n_ctx_pad = (n_ctx + 31) / 32 * 32;
	const size_t kv_dim = (size_t)hp->n_head_kv * hp->head_dim, q_dim = (size_t)hp->n_head * hp->head_dim;
	size_t d_max = (size_t)hp->n_embd;
	if (q_dim > d_max) d_max = q_dim;
	const size_t nb = (size_t)n_batch, kv_elems = (size_t)hp->n_layer * (size_t)n_seq * (size_t)n_ctx * kv_dim;
	c->k_cache = ccalloc(c, kv_elems, kv_elem_size(c));
	c->v_cache = ccalloc(c, kv_elems, kv_elem_size(c));
	c->n_past = ccalloc(c, (size_t)n_seq, sizeof(int));
	c->x = ccalloc(c, nb * d_max, sizeof(float));
	c->xb = ccalloc(c, nb * d_max, sizeof(float));
	c->xb2 = ccalloc(c, nb * d_max, sizeof(float)); /* attention out (q_dim), then normed rows for logits (n_embd) */
	c->q = ccalloc(c, nb * q_dim, sizeof(float));
	c->k = ccalloc(c, nb * kv_dim, sizeof(float));
	c->v = ccalloc(c, nb * kv_dim, sizeof(float));
	c->hb = ccalloc(c, nb * (size_t)hp->n_ff, sizeof(float));
	c->hb2 = ccalloc(c, nb * (size_t)hp->n_ff, sizeof(float));
	c->xq_stride = max_act_row(m);
	c->xq = ccalloc(c, nb, c->xq_stride);
	c->rope_cs = ccalloc(c, nb * (size_t)(hp->n_rot / 2 + 1), sizeof(float));
	c->rope_sn = ccalloc(c, nb * (size_t)(hp->n_rot / 2 + 1), sizeof(float));
	c->pos = ccalloc(c, nb, sizeof(int32_t));
	c->seq = ccalloc(c, nb, sizeof(int32_t));
	c->out_row = ccalloc(c, nb, sizeof(int));
	c->logits = ccalloc(c, (size_t)n_seq * (size_t)hp->n_vocab, sizeof(float));
	c->n_mm = 7 * hp->n_layer + 1;
	if (!c->k_cache || !c->v_cache || !c->n_past || !c->x || !c->xb || !c->xb2 || !c->q || !c->k || !c->v ||
	    !c->hb || !c->hb2 || !c->xq || !c->rope_cs || !c->rope_sn || !c->pos || !c->seq || !c->out_row ||
	    !c->logits || scratch_alloc(c, c->n_threads) != ART_OK ||
	    !(c->mm_next = ccalloc(c, (size_t)c->n_mm * (size_t)c->n_scr * ART_MM_STRIDE, sizeof(int)))) {
		art_model_ctx_free(c);
		return art_errf(err, errsz, ART_ENOMEM, "out of memory for a context of %d x %d positions", n_seq, n_ctx);
	}
	for (int i = 0; i < n_batch; i++) c->out_row[i] = -1;
	*out = c;
	return ART_OK;
}

int art_model_ctx_new(art_model_ctx **out, const art_model *m, int n_ctx, int n_threads, enum art_kv_type kv_type,
		      char *err, size_t errsz)
{
	art_model_ctx_params p = {.n_ctx = n_ctx, .n_seq = 1, .n_threads = n_threads, .kv_type = kv_type};
	return art_model_ctx_open(out, m, &p, err, errsz);
}

void art_model_ctx_free(art_model_ctx *c)
{
	if (!c) return;
	free(c->k_cache);
	free(c->v_cache);
	free(c->n_past);
	free(c->x);
	free(c->xb);
	free(c->xb2);
	free(c->q);
	free(c->k);
	free(c->v);
	free(c->hb);
	free(c->hb2);
	free(c->xq);
	free(c->rope_cs);
	free(c->rope_sn);
	free(c->pos);
	free(c->seq);
	free(c->out_row);
	free(c->logits);
	free(c->mm_next);
	scratch_free(c);
	free(c);
}

int art_model_ctx_n_ctx(const art_model_ctx *c) { return c->n_ctx; }
int art_model_ctx_n_seq(const art_model_ctx *c) { return c->n_seq; }
int art_model_ctx_n_batch(const art_model_ctx *c) { return c->n_batch; }
size_t art_model_ctx_bytes(const art_model_ctx *c) { return c->bytes; }

void art_model_ctx_set_threads(art_model_ctx *c, int n_threads)
{
	if (n_threads < 1) n_threads = 1;
	if (n_threads > c->n_scr && scratch_alloc(c, n_threads) != ART_OK) {
		/* keep a usable context: fall back to the threads we do have scratch for */
		n_threads = scratch_alloc(c, c->n_threads) == ART_OK ? c->n_threads : 0;
		ART_ASSERT(n_threads > 0);
	}
	c->n_threads = n_threads;
}

int art_model_seq_n_past(const art_model_ctx *c, int seq)
{
	ART_ASSERT(seq >= 0 && seq < c->n_seq);
	return c->n_past[seq];
}

void art_model_seq_truncate(art_model_ctx *c, int seq, int n_past)
{
	ART_ASSERT(seq >= 0 && seq < c->n_seq);
	if (n_past >= 0 && n_past < c->n_past[seq]) c->n_past[seq] = n_past;
}

int art_model_seq_copy(art_model_ctx *c, int dst, int src, int n)
{
	if (dst < 0 || dst >= c->n_seq || src < 0 || src >= c->n_seq || n < 0 || n > c->n_past[src])
		return ART_ERANGE;
	if (dst == src) {
		c->n_past[dst] = n;
		return ART_OK;
	}
	const art_model_hparams *hp = &c->m->hp;
	const size_t kv_dim = (size_t)hp->n_head_kv * hp->head_dim, es = kv_elem_size(c);
	const size_t seq_bytes = (size_t)c->n_ctx * kv_dim * es, n_bytes = (size_t)n * kv_dim * es;
	for (int il = 0; il < hp->n_layer; il++) {
		const size_t lofs = (size_t)il * c->n_seq * seq_bytes;
		memcpy((char *)c->k_cache + lofs + (size_t)dst * seq_bytes, (char *)c->k_cache + lofs + (size_t)src * seq_bytes,
		       n_bytes);
		memcpy((char *)c->v_cache + lofs + (size_t)dst * seq_bytes, (char *)c->v_cache + lofs + (size_t)src * seq_bytes,
		       n_bytes);
	}
	c->n_past[dst] = n;
	return ART_OK;
}

int art_model_ctx_n_past(const art_model_ctx *c) { return c->n_past[0]; }
void art_model_ctx_truncate(art_model_ctx *c, int n_past) { art_model_seq_truncate(c, 0, n_past); }

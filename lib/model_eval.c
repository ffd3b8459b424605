/* model_eval.c — the forward pass, one token at a time (batched prefill is issue 5).
 * Work inside each op is split over OpenMP threads by explicit (ith, nth) row ranges;
 * every output element is computed by exactly one thread in a fixed order, so results
 * do not depend on the thread count. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "err.h"
#include "model_impl.h"

/* y = w · x, with x converted to the weight's activation type first. */
static void matvec(art_model_ctx *c, const art_weight *w, const float *x, float *y)
{
	art_op_quantize_act(w, x, c->xq);
	const int nt = w->ne1 >= 64 ? c->n_threads : 1;
#pragma omp parallel num_threads(nt)
	art_op_matvec(w, c->xq, y, omp_get_thread_num(), omp_get_num_threads());
}

static void add_bias(float *y, const float *b, int n)
{
	if (b)
		for (int i = 0; i < n; i++) y[i] += b[i];
}

/* Attention of the current query (all heads) over cache positions 0..n_kv-1 of layer il. */
static void attention(art_model_ctx *c, int il, int n_kv, int ith, int nth)
{
	const art_model_hparams *hp = &c->m->hp;
	const int hd = hp->head_dim, kv_dim = hp->n_head_kv * hd, group = hp->n_head / hp->n_head_kv;
	const size_t lofs = (size_t)il * c->n_ctx * kv_dim;
	const float scale = 1.0f / sqrtf((float)hd);
	const int f16 = c->kv_type == ART_KV_F16;
	const int h0 = art_split_lo(hp->n_head, ith, nth), h1 = art_split_lo(hp->n_head, ith + 1, nth);
	for (int h = h0; h < h1; h++) {
		const int kvh = h / group;
		float *q = c->q + (size_t)h * hd, *att = c->att + (size_t)h * c->n_ctx;
		float *out = c->xb2 + (size_t)h * hd;
		if (f16) {
			/* llama.cpp: the query is rounded to F16 to meet the F16 keys */
			art_f16 qh[512];
			ART_ASSERT(hd <= 512);
			for (int d = 0; d < hd; d++) qh[d] = art_f32_to_f16(q[d]);
			const art_f16 *kc = (const art_f16 *)c->k_cache + lofs + (size_t)kvh * hd;
			for (int t = 0; t < n_kv; t++) {
				const art_f16 *k = kc + (size_t)t * kv_dim;
				double s = 0;
				for (int d = 0; d < hd; d++) s += (double)(art_f16_to_f32(qh[d]) * art_f16_to_f32(k[d]));
				att[t] = (float)s;
			}
		} else {
			const float *kc = (const float *)c->k_cache + lofs + (size_t)kvh * hd;
			for (int t = 0; t < n_kv; t++) {
				const float *k = kc + (size_t)t * kv_dim;
				double s = 0;
				for (int d = 0; d < hd; d++) s += (double)(q[d] * k[d]);
				att[t] = (float)s;
			}
		}
		art_op_softmax(att, n_kv, scale);
		if (f16) {
			/* and the probabilities are rounded to F16 to meet the F16 values */
			for (int t = 0; t < n_kv; t++) att[t] = art_f16_to_f32(art_f32_to_f16(att[t]));
			const art_f16 *vc = (const art_f16 *)c->v_cache + lofs + (size_t)kvh * hd;
			for (int d = 0; d < hd; d++) {
				double s = 0;
				for (int t = 0; t < n_kv; t++)
					s += (double)(att[t] * art_f16_to_f32(vc[(size_t)t * kv_dim + d]));
				out[d] = (float)s;
			}
		} else {
			const float *vc = (const float *)c->v_cache + lofs + (size_t)kvh * hd;
			for (int d = 0; d < hd; d++) {
				double s = 0;
				for (int t = 0; t < n_kv; t++) s += (double)(att[t] * vc[(size_t)t * kv_dim + d]);
				out[d] = (float)s;
			}
		}
	}
}

static void store_kv(art_model_ctx *c, int il, int pos)
{
	const art_model_hparams *hp = &c->m->hp;
	const int kv_dim = hp->n_head_kv * hp->head_dim;
	const size_t ofs = ((size_t)il * c->n_ctx + (size_t)pos) * kv_dim;
	if (c->kv_type == ART_KV_F16) {
		art_f16 *k = (art_f16 *)c->k_cache + ofs, *v = (art_f16 *)c->v_cache + ofs;
		for (int i = 0; i < kv_dim; i++) k[i] = art_f32_to_f16(c->k[i]), v[i] = art_f32_to_f16(c->v[i]);
	} else {
		memcpy((float *)c->k_cache + ofs, c->k, (size_t)kv_dim * 4);
		memcpy((float *)c->v_cache + ofs, c->v, (size_t)kv_dim * 4);
	}
}

static void forward_token(art_model_ctx *c, int32_t tok, int pos, int want_logits)
{
	const art_model *m = c->m;
	const art_model_hparams *hp = &m->hp;
	const int n_embd = hp->n_embd, q_dim = hp->n_head * hp->head_dim, kv_dim = hp->n_head_kv * hp->head_dim;
	art_op_get_row(&m->tok_embd, tok, c->x);
	art_op_rope_cache(c->rope_cos, c->rope_sin, hp->n_rot, pos, hp->rope_base, hp->rope_freq_scale,
			  m->rope_freqs);
	for (int il = 0; il < hp->n_layer; il++) {
		const art_layer *l = &m->layers[il];
		art_op_rmsnorm(c->xb, c->x, l->attn_norm, n_embd, hp->rms_eps);
		matvec(c, &l->wq, c->xb, c->q);
		matvec(c, &l->wk, c->xb, c->k);
		matvec(c, &l->wv, c->xb, c->v);
		add_bias(c->q, l->bq, q_dim);
		add_bias(c->k, l->bk, kv_dim);
		add_bias(c->v, l->bv, kv_dim);
		art_op_rope(c->q, hp->n_head, hp->head_dim, hp->n_rot, hp->rope_neox, c->rope_cos, c->rope_sin);
		art_op_rope(c->k, hp->n_head_kv, hp->head_dim, hp->n_rot, hp->rope_neox, c->rope_cos, c->rope_sin);
		store_kv(c, il, pos);
		const int nt = hp->n_head >= 2 && pos >= 32 ? c->n_threads : 1;
#pragma omp parallel num_threads(nt)
		attention(c, il, pos + 1, omp_get_thread_num(), omp_get_num_threads());
		matvec(c, &l->wo, c->xb2, c->xb);
		for (int i = 0; i < n_embd; i++) c->x[i] += c->xb[i];

		art_op_rmsnorm(c->xb, c->x, l->ffn_norm, n_embd, hp->rms_eps);
		matvec(c, &l->w_gate, c->xb, c->hb);
		matvec(c, &l->w_up, c->xb, c->hb2);
		for (int i = 0; i < hp->n_ff; i++) {
			const float g = c->hb[i];
			c->hb[i] = g / (1.0f + expf(-g)) * c->hb2[i];
		}
		matvec(c, &l->w_down, c->hb, c->xb);
		for (int i = 0; i < n_embd; i++) c->x[i] += c->xb[i];
	}
	if (!want_logits) return;
	art_op_rmsnorm(c->xb, c->x, m->output_norm, n_embd, hp->rms_eps);
	matvec(c, &m->output, c->xb, c->logits);
}

int art_model_eval(art_model_ctx *c, const int32_t *tokens, int n, const float **logits)
{
	if (n <= 0 || n > c->n_ctx - c->n_past) return ART_ERANGE;
	for (int i = 0; i < n; i++)
		if (tokens[i] < 0 || tokens[i] >= c->m->hp.n_vocab) return ART_ERANGE;
	for (int i = 0; i < n; i++) forward_token(c, tokens[i], c->n_past + i, i == n - 1);
	c->n_past += n;
	if (logits) *logits = c->logits;
	return ART_OK;
}

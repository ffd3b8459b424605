/* model.c — model loading: architecture table, hyperparameters from GGUF metadata,
 * tensor lookup with shape and type checks (contexts: model_ctx.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model_impl.h"

typedef struct {
	const char *name;
	enum art_arch arch;
	int rope_neox;
	int has_qkv_bias;
} arch_info;

static const arch_info archs[] = {
	{"llama", ART_ARCH_LLAMA, 0, 0},
	{"qwen2", ART_ARCH_QWEN2, 1, 1},
};

typedef struct {
	const art_gguf *g;
	const char *path, *arch;
	char *err;
	size_t errsz;
} loader;

/* "<arch>.<suffix>" as an integer; required unless def >= 0. */
static int hp_int(loader *L, const char *suffix, int64_t def, int64_t lo, int64_t hi, int *out)
{
	char key[128];
	snprintf(key, sizeof key, "%s.%s", L->arch, suffix);
	int64_t v;
	int rc = art_gguf_get_i64(L->g, key, &v);
	if (rc == ART_ENOENT && def >= 0) v = def;
	else if (rc == ART_ENOENT)
		return art_errf(L->err, L->errsz, ART_EFORMAT, "%s: missing metadata key %s", L->path, key);
	else if (rc)
		return art_errf(L->err, L->errsz, ART_EFORMAT, "%s: metadata key %s is not an integer", L->path, key);
	if (v < lo || v > hi)
		return art_errf(L->err, L->errsz, ART_EFORMAT, "%s: %s = %lld out of range %lld..%lld", L->path, key,
			    (long long)v, (long long)lo, (long long)hi);
	*out = (int)v;
	return ART_OK;
}

static int hp_float(loader *L, const char *suffix, float def, float *out)
{
	char key[128];
	snprintf(key, sizeof key, "%s.%s", L->arch, suffix);
	int rc = art_gguf_get_f32(L->g, key, out);
	if (rc == ART_ENOENT) {
		*out = def;
		return ART_OK;
	}
	if (rc) return art_errf(L->err, L->errsz, ART_EFORMAT, "%s: metadata key %s is not a float", L->path, key);
	return ART_OK;
}

/* Finds tensor name (printf-style) with shape (ne0, ne1); ne1 = 1 for vectors. */
static int get_tensor(loader *L, const art_gguf_tensor **out, int optional, int64_t ne0, int64_t ne1,
		      const char *fmt, ...)
{
	char name[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	*out = NULL;
	const art_gguf_tensor *t = art_gguf_tensor_at(L->g, art_gguf_find_tensor(L->g, name));
	if (!t) {
		if (optional) return ART_OK;
		return art_errf(L->err, L->errsz, ART_EFORMAT, "%s: missing tensor %s (architecture %s)", L->path,
			    name, L->arch);
	}
	const art_qtraits *q = art_quant_traits(t->type);
	if (!q || !t->data)
		return art_errf(L->err, L->errsz, ART_EUNSUPP, "%s: tensor %s has unsupported type %u", L->path,
			    name, t->type);
	if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1)
		return art_errf(L->err, L->errsz, ART_EFORMAT,
			    "%s: tensor %s has shape (%lld, %lld, %lld, %lld), expected (%lld, %lld)", L->path,
			    name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
			    (long long)t->ne[3], (long long)ne0, (long long)ne1);
	*out = t;
	return ART_OK;
}

static int get_weight(loader *L, art_weight *w, int optional, int64_t ne0, int64_t ne1, const char *fmt,
		      const char *arg)
{
	const art_gguf_tensor *t;
	int rc = arg ? get_tensor(L, &t, optional, ne0, ne1, fmt, arg) : get_tensor(L, &t, optional, ne0, ne1, "%s", fmt);
	if (rc || !t) return rc;
	const art_qtraits *q = art_quant_traits(t->type);
	if (!q->vec_dot || !q->to_float)
		return art_errf(L->err, L->errsz, ART_EUNSUPP, "%s: tensor %.*s: type %s cannot be a weight",
			    L->path, (int)t->name.n, t->name.s, q->name);
	w->data = t->data;
	w->type = t->type;
	w->ne0 = ne0;
	w->ne1 = ne1;
	w->row_size = art_quant_row_size(t->type, ne0);
	return ART_OK;
}

/* A vector tensor copied to owned F32 (norm weights, biases). */
static int get_vec(loader *L, float **out, int optional, int64_t n, const char *fmt, int layer)
{
	const art_gguf_tensor *t;
	int rc = get_tensor(L, &t, optional, n, 1, fmt, layer);
	if (rc || !t) return rc;
	*out = malloc((size_t)n * sizeof **out);
	if (!*out) return art_errf(L->err, L->errsz, ART_ENOMEM, "out of memory");
	art_quant_traits(t->type)->to_float(t->data, *out, n);
	return ART_OK;
}

static int32_t tok_id(const art_gguf *g, const char *key)
{
	uint32_t v;
	if (art_gguf_get_u32(g, key, &v) != ART_OK || v > INT32_MAX) return -1;
	return (int32_t)v;
}

int art_model_open(art_model **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	art_model *m = calloc(1, sizeof *m);
	if (!m) return art_errf(err, errsz, ART_ENOMEM, "out of memory");
	int rc = art_gguf_open(&m->g, path, err, errsz);
	if (rc) {
		free(m);
		return rc;
	}
	art_model_hparams *hp = &m->hp;
	art_gguf_str an;
	if (art_gguf_get_str(m->g, "general.architecture", &an) != ART_OK) {
		art_model_close(m);
		return art_errf(err, errsz, ART_EFORMAT, "%s: missing metadata key general.architecture", path);
	}
	art_gguf_str_copy(an, hp->arch_name, sizeof hp->arch_name);
	const arch_info *ai = NULL;
	for (size_t i = 0; i < sizeof archs / sizeof *archs; i++)
		if (art_gguf_str_eq(an, archs[i].name)) ai = &archs[i];
	if (!ai) {
		art_errf(err, errsz, ART_EUNSUPP, "%s: unsupported architecture '%.*s' (supported: llama, qwen2)", path,
		     (int)(an.n > 64 ? 64 : an.n), an.s);
		art_model_close(m); /* an points into the mapping: close after formatting */
		return ART_EUNSUPP;
	}
	hp->arch = ai->arch;
	hp->rope_neox = ai->rope_neox;
	hp->has_qkv_bias = ai->has_qkv_bias;
	loader L = {m->g, path, ai->name, err, errsz};

	if ((rc = hp_int(&L, "embedding_length", -1, 1, 1 << 16, &hp->n_embd)) ||
	    (rc = hp_int(&L, "block_count", -1, 1, 1024, &hp->n_layer)) ||
	    (rc = hp_int(&L, "feed_forward_length", -1, 1, 1 << 18, &hp->n_ff)) ||
	    (rc = hp_int(&L, "attention.head_count", -1, 1, 1024, &hp->n_head)) ||
	    (rc = hp_int(&L, "attention.head_count_kv", hp->n_head, 1, hp->n_head, &hp->n_head_kv)) ||
	    (rc = hp_int(&L, "context_length", 2048, 1, 1 << 24, &hp->n_ctx_train)))
		goto fail;
	if (hp->n_head % hp->n_head_kv) {
		rc = art_errf(err, errsz, ART_EFORMAT, "%s: head_count %d not a multiple of head_count_kv %d", path,
			  hp->n_head, hp->n_head_kv);
		goto fail;
	}
	if ((rc = hp_int(&L, "attention.key_length", hp->n_embd / hp->n_head, 2, 4096, &hp->head_dim)) ||
	    (rc = hp_int(&L, "rope.dimension_count", hp->head_dim, 2, hp->head_dim, &hp->n_rot)))
		goto fail;
	int vlen;
	if ((rc = hp_int(&L, "attention.value_length", hp->head_dim, 2, 4096, &vlen))) goto fail;
	if (vlen != hp->head_dim || hp->n_rot % 2 || hp->head_dim % 2) {
		rc = art_errf(err, errsz, ART_EUNSUPP, "%s: unsupported head layout (key %d, value %d, rope %d)", path,
			  hp->head_dim, vlen, hp->n_rot);
		goto fail;
	}
	if ((rc = hp_float(&L, "attention.layer_norm_rms_epsilon", 1e-5f, &hp->rms_eps)) ||
	    (rc = hp_float(&L, "rope.freq_base", 10000.0f, &hp->rope_base)))
		goto fail;
	float factor = 0;
	art_gguf_str st;
	char key[128];
	snprintf(key, sizeof key, "%s.rope.scaling.type", ai->name);
	int has_type = art_gguf_get_str(m->g, key, &st) == ART_OK;
	if ((rc = hp_float(&L, "rope.scaling.factor", 0.0f, &factor))) goto fail;
	if (!factor && (rc = hp_float(&L, "rope.scale_linear", 0.0f, &factor))) goto fail;
	hp->rope_freq_scale = 1.0f;
	if (has_type && !art_gguf_str_eq(st, "none") && !art_gguf_str_eq(st, "linear")) {
		rc = art_errf(err, errsz, ART_EUNSUPP, "%s: rope scaling type '%.*s' not supported (none, linear)", path,
			  (int)(st.n > 32 ? 32 : st.n), st.s);
		goto fail;
	}
	if (!(has_type && art_gguf_str_eq(st, "none")) && factor > 0 && factor != 1.0f)
		hp->rope_freq_scale = 1.0f / factor;
	if (!(hp->rms_eps > 0) || !(hp->rope_base > 0)) {
		rc = art_errf(err, errsz, ART_EFORMAT, "%s: rms epsilon and rope base must be positive", path);
		goto fail;
	}

	const int n_embd = hp->n_embd, q_dim = hp->n_head * hp->head_dim, kv_dim = hp->n_head_kv * hp->head_dim;
	const art_gguf_tensor *te;
	te = art_gguf_tensor_at(m->g, art_gguf_find_tensor(m->g, "token_embd.weight"));
	if (!te) {
		rc = art_errf(err, errsz, ART_EFORMAT, "%s: missing tensor token_embd.weight (architecture %s)", path, ai->name);
		goto fail;
	}
	if (te->ne[1] < 1 || te->ne[1] > (1 << 22)) {
		rc = art_errf(err, errsz, ART_EFORMAT, "%s: token_embd.weight vocabulary %lld out of range", path,
			  (long long)te->ne[1]);
		goto fail;
	}
	hp->n_vocab = (int)te->ne[1];
	if ((rc = get_weight(&L, &m->tok_embd, 0, n_embd, hp->n_vocab, "token_embd.weight", NULL)) ||
	    (rc = get_vec(&L, &m->output_norm, 0, n_embd, "output_norm.weight", 0)) ||
	    (rc = get_weight(&L, &m->output, 1, n_embd, hp->n_vocab, "output.weight", NULL)))
		goto fail;
	if (!m->output.data) {
		m->output = m->tok_embd;
		hp->tied_output = 1;
	}
	if ((rc = get_vec(&L, &m->rope_freqs, 1, hp->n_rot / 2, "rope_freqs.weight", 0))) goto fail;

	m->layers = calloc((size_t)hp->n_layer, sizeof *m->layers);
	if (!m->layers) {
		rc = art_errf(err, errsz, ART_ENOMEM, "out of memory");
		goto fail;
	}
	for (int il = 0; il < hp->n_layer; il++) {
		art_layer *l = &m->layers[il];
		char b[16];
		snprintf(b, sizeof b, "%d", il);
		if ((rc = get_vec(&L, &l->attn_norm, 0, n_embd, "blk.%d.attn_norm.weight", il)) ||
		    (rc = get_vec(&L, &l->ffn_norm, 0, n_embd, "blk.%d.ffn_norm.weight", il)) ||
		    (rc = get_weight(&L, &l->wq, 0, n_embd, q_dim, "blk.%s.attn_q.weight", b)) ||
		    (rc = get_weight(&L, &l->wk, 0, n_embd, kv_dim, "blk.%s.attn_k.weight", b)) ||
		    (rc = get_weight(&L, &l->wv, 0, n_embd, kv_dim, "blk.%s.attn_v.weight", b)) ||
		    (rc = get_weight(&L, &l->wo, 0, q_dim, n_embd, "blk.%s.attn_output.weight", b)) ||
		    (rc = get_weight(&L, &l->w_gate, 0, n_embd, hp->n_ff, "blk.%s.ffn_gate.weight", b)) ||
		    (rc = get_weight(&L, &l->w_up, 0, n_embd, hp->n_ff, "blk.%s.ffn_up.weight", b)) ||
		    (rc = get_weight(&L, &l->w_down, 0, hp->n_ff, n_embd, "blk.%s.ffn_down.weight", b)))
			goto fail;
		/* qwen2 requires q/k/v biases; llama files may carry them too (optional) */
		int opt = !hp->has_qkv_bias;
		if ((rc = get_vec(&L, &l->bq, opt, q_dim, "blk.%d.attn_q.bias", il)) ||
		    (rc = get_vec(&L, &l->bk, opt, kv_dim, "blk.%d.attn_k.bias", il)) ||
		    (rc = get_vec(&L, &l->bv, opt, kv_dim, "blk.%d.attn_v.bias", il)))
			goto fail;
	}
	hp->weight_type = m->layers[0].wq.type;
	hp->bos = tok_id(m->g, "tokenizer.ggml.bos_token_id");
	hp->eos = tok_id(m->g, "tokenizer.ggml.eos_token_id");
	hp->eot = tok_id(m->g, "tokenizer.ggml.eot_token_id");
	*out = m;
	return ART_OK;
fail:
	art_model_close(m);
	return rc;
}

void art_model_close(art_model *m)
{
	if (!m) return;
	if (m->layers)
		for (int il = 0; il < m->hp.n_layer; il++) {
			art_layer *l = &m->layers[il];
			free(l->attn_norm);
			free(l->ffn_norm);
			free(l->bq);
			free(l->bk);
			free(l->bv);
		}
	free(m->layers);
	free(m->output_norm);
	free(m->rope_freqs);
	art_gguf_close(m->g);
	free(m);
}

const art_model_hparams *art_model_hparams_get(const art_model *m) { return &m->hp; }
const art_gguf *art_model_gguf(const art_model *m) { return m->g; }

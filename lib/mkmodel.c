/* mkmodel.c — random-weight GGUF model maker. */
#include "mkmodel.h"
#include "err.h"
#include "gguf.h"
#include "gguf_write.h"
#include "quant.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const art_mkmodel_shape art_mkmodel_shapes[] = {
	/* name            arch     dim   ffn  lay hd kv  vocab   ctx   theta     eps  tied bias */
	{"tinyllama-1.1b", "llama", 2048, 5632, 22, 32, 4, 32000, 2048, 10000.f, 1e-5f, 0, 0},
	{"llama-3.2-1b", "llama", 2048, 8192, 16, 32, 8, 128256, 4096, 500000.f, 1e-5f, 1, 0},
	{"qwen2.5-0.5b", "qwen2", 896, 4864, 24, 14, 2, 151936, 4096, 1000000.f, 1e-6f, 1, 1},
	{"smollm-135m", "llama", 576, 1536, 30, 9, 3, 49152, 2048, 10000.f, 1e-5f, 1, 0},
	{"synth-tiny", "llama", 256, 768, 2, 8, 4, 512, 256, 10000.f, 1e-5f, 0, 0},
	{"synth-qwen2-tiny", "qwen2", 256, 768, 2, 8, 2, 512, 256, 1000000.f, 1e-6f, 1, 1},
	{NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

const art_mkmodel_shape *art_mkmodel_shape_find(const char *name)
{
	for (const art_mkmodel_shape *s = art_mkmodel_shapes; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* splitmix64: a seedable stream per (seed, tensor, row) so rows fill in parallel */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

enum fill { FILL_RANDOM, FILL_ONES, FILL_ZEROS };

typedef struct {
	char name[64];
	int64_t ne[2];
	uint32_t n_dims, type;
	enum fill fill;
} spec;

/* llama.cpp's "use more bits" layer choice for the _M mixes */
static int more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

static uint32_t fallback(uint32_t type, int64_t ne0)
{
	const art_qtraits *tr = art_quant_traits(type);
	if (ne0 % tr->blck == 0)
		return type;
	switch (type) {
	case ART_QTYPE_Q2_K: case ART_QTYPE_Q3_K: type = ART_QTYPE_Q4_0; break;
	case ART_QTYPE_Q4_K: type = ART_QTYPE_Q5_0; break;
	case ART_QTYPE_Q5_K: type = ART_QTYPE_Q5_1; break;
	case ART_QTYPE_Q6_K: type = ART_QTYPE_Q8_0; break;
	default: break;
	}
	return ne0 % art_quant_traits(type)->blck == 0 ? type : ART_QTYPE_F16;
}

/* base type and the _m upgrade type for a type name; -1 if unknown */
static int parse_type(const char *name, uint32_t *base, uint32_t *hi, uint32_t *file_type)
{
	static const struct {
		const char *name;
		uint32_t base, hi, ftype; /* ftype: llama.cpp's general.file_type */
	} mixes[] = {
		{"q4_k_m", ART_QTYPE_Q4_K, ART_QTYPE_Q6_K, 15},
		{"q5_k_m", ART_QTYPE_Q5_K, ART_QTYPE_Q6_K, 17},
		{"q3_k_m", ART_QTYPE_Q3_K, ART_QTYPE_Q4_K, 12},
	};
	for (size_t i = 0; i < sizeof mixes / sizeof *mixes; i++)
		if (!strcasecmp(name, mixes[i].name)) {
			*base = mixes[i].base, *hi = mixes[i].hi, *file_type = mixes[i].ftype;
			return 0;
		}
	int t = art_quant_type_from_name(name);
	if (t < 0 || t == ART_QTYPE_Q8_K || t == ART_QTYPE_Q8_1 || !art_quant_traits((uint32_t)t) ||
	    (!art_quant_traits((uint32_t)t)->from_float && t != ART_QTYPE_F32))
		return -1;
	static const uint32_t ftypes[ART_QTYPE_COUNT] = {
		[ART_QTYPE_F32] = 0, [ART_QTYPE_F16] = 1, [ART_QTYPE_Q4_0] = 2, [ART_QTYPE_Q4_1] = 3,
		[ART_QTYPE_Q8_0] = 7, [ART_QTYPE_Q5_0] = 8, [ART_QTYPE_Q5_1] = 9, [ART_QTYPE_Q2_K] = 10,
		[ART_QTYPE_Q3_K] = 11, [ART_QTYPE_Q4_K] = 14, [ART_QTYPE_Q5_K] = 16, [ART_QTYPE_Q6_K] = 18,
		[ART_QTYPE_BF16] = 32,
	};
	*base = *hi = (uint32_t)t;
	*file_type = ftypes[t];
	return 0;
}

static int build_specs(const art_mkmodel_shape *s, int n_vocab, uint32_t base, uint32_t hi,
		       spec **out, int *n)
{
	int cap = 3 + s->n_layer * 12;
	spec *v = calloc((size_t)cap, sizeof *v);
	if (!v)
		return ART_ENOMEM;
	int k = 0, kv_dim = s->dim / s->n_head * s->n_head_kv;
#define ADD(nm, e0, e1, nd, ty, fl)                                                         \
	do {                                                                                 \
		spec *x = &v[k++];                                                           \
		snprintf(x->name, sizeof x->name, "%s", nm);                                  \
		x->ne[0] = (e0), x->ne[1] = (e1), x->n_dims = (nd);                          \
		x->type = (nd) == 1 ? ART_QTYPE_F32 : fallback((ty), (e0)), x->fill = (fl);  \
	} while (0)
	char nm[64];
	ADD("token_embd.weight", s->dim, n_vocab, 2, base, FILL_RANDOM);
	ADD("output_norm.weight", s->dim, 1, 1, 0, FILL_ONES);
	if (!s->tied)
		ADD("output.weight", s->dim, n_vocab, 2, hi == base ? base : ART_QTYPE_Q6_K, FILL_RANDOM);
	for (int i = 0; i < s->n_layer; i++) {
		uint32_t vt = more_bits(i, s->n_layer) ? hi : base;
#define L(suffix, e0, e1, nd, ty, fl)                                                       \
	snprintf(nm, sizeof nm, "blk.%d.%s", i, suffix);                                     \
	ADD(nm, e0, e1, nd, ty, fl)
		L("attn_norm.weight", s->dim, 1, 1, 0, FILL_ONES);
		L("attn_q.weight", s->dim, s->dim, 2, base, FILL_RANDOM);
		L("attn_k.weight", s->dim, kv_dim, 2, base, FILL_RANDOM);
		L("attn_v.weight", s->dim, kv_dim, 2, vt, FILL_RANDOM);
		if (s->qkv_bias) {
			L("attn_q.bias", s->dim, 1, 1, 0, FILL_ZEROS);
			L("attn_k.bias", kv_dim, 1, 1, 0, FILL_ZEROS);
			L("attn_v.bias", kv_dim, 1, 1, 0, FILL_ZEROS);
		}
		L("attn_output.weight", s->dim, s->dim, 2, base, FILL_RANDOM);
		L("ffn_norm.weight", s->dim, 1, 1, 0, FILL_ONES);
		L("ffn_gate.weight", s->dim, s->ffn, 2, base, FILL_RANDOM);
		L("ffn_up.weight", s->dim, s->ffn, 2, base, FILL_RANDOM);
		L("ffn_down.weight", s->ffn, s->dim, 2, vt, FILL_RANDOM);
#undef L
	}
#undef ADD
	*out = v;
	*n = k;
	return ART_OK;
}

/* rows [r0, r1) of tensor ti as floats, then converted to its type into dst */
static void fill_rows(const spec *t, int ti, uint64_t seed, int64_t r0, int64_t r1, float *tmp, uint8_t *dst)
{
	const art_qtraits *tr = art_quant_traits(t->type);
	size_t rs = art_quant_row_size(t->type, t->ne[0]);
	const float a = 0.02f * 1.7320508f; /* uniform [-a, a] has std 0.02 */
	#pragma omp parallel for schedule(static)
	for (int64_t r = r0; r < r1; r++) {
		float *row = tmp + (r - r0) * t->ne[0];
		uint64_t st = mix(seed ^ mix((uint64_t)ti << 32 ^ (uint64_t)r));
		for (int64_t j = 0; j < t->ne[0]; j++) {
			if (t->fill == FILL_ONES) {
				row[j] = 1.f;
			} else if (t->fill == FILL_ZEROS) {
				row[j] = 0.f;
			} else {
				st = mix(st);
				row[j] = ((float)(st >> 40) / 16777216.f * 2.f - 1.f) * a;
			}
		}
		uint8_t *d = dst + (size_t)(r - r0) * rs;
		if (t->type == ART_QTYPE_F32)
			memcpy(d, row, (size_t)t->ne[0] * 4);
		else
			tr->from_float(row, d, t->ne[0]);
	}
}

int art_mkmodel_write(const char *path, const art_mkmodel_shape *s, const char *type,
		      const char *tokenizer, uint64_t seed, art_mkmodel_progress progress,
		      void *pctx, char *err, size_t errsz)
{
	uint32_t base, hi, ftype;
	if (parse_type(type, &base, &hi, &ftype)) {
		snprintf(err, errsz, "unknown or unsupported type '%s'", type);
		return ART_EINVAL;
	}
	art_gguf *tok = NULL;
	int n_vocab = s->n_vocab, rc;
	if (tokenizer) {
		if ((rc = art_gguf_open(&tok, tokenizer, err, errsz)))
			return rc;
		enum art_gguf_vtype e;
		uint64_t n;
		if (art_gguf_get_arr(tok, "tokenizer.ggml.tokens", &e, &n) != ART_OK || e != ART_GGUF_VTYPE_STRING) {
			snprintf(err, errsz, "%s: no tokenizer.ggml.tokens string array", tokenizer);
			art_gguf_close(tok);
			return ART_EFORMAT;
		}
		n_vocab = (int)n;
	}
	art_gguf_writer *w = NULL;
	spec *sp = NULL;
	int nsp = 0;
	float *tmp = NULL;
	uint8_t *buf = NULL;
	char key[128];
	if ((rc = art_gguf_writer_new(&w)) || (rc = build_specs(s, n_vocab, base, hi, &sp, &nsp)))
		goto oom;
#define K(suffix) (snprintf(key, sizeof key, "%s.%s", s->arch, suffix), key)
	rc = art_gguf_writer_kv_str(w, "general.architecture", s->arch);
	if (!rc) rc = art_gguf_writer_kv_str(w, "general.name", s->name);
	if (!rc) rc = art_gguf_writer_kv_u32(w, "general.file_type", ftype);
	if (!rc) rc = art_gguf_writer_kv_u32(w, "general.alignment", 32);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("context_length"), (uint32_t)s->n_ctx);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("embedding_length"), (uint32_t)s->dim);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("block_count"), (uint32_t)s->n_layer);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("feed_forward_length"), (uint32_t)s->ffn);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("attention.head_count"), (uint32_t)s->n_head);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("attention.head_count_kv"), (uint32_t)s->n_head_kv);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("rope.dimension_count"), (uint32_t)(s->dim / s->n_head));
	if (!rc) rc = art_gguf_writer_kv_f32(w, K("rope.freq_base"), s->rope_theta);
	if (!rc) rc = art_gguf_writer_kv_f32(w, K("attention.layer_norm_rms_epsilon"), s->norm_eps);
	if (!rc) rc = art_gguf_writer_kv_u32(w, K("vocab_size"), (uint32_t)n_vocab);
#undef K
	for (int64_t i = 0; !rc && tok && i < art_gguf_n_kv(tok); i++) {
		art_gguf_str kn = art_gguf_key_name(tok, i);
		if (kn.n > 10 && !memcmp(kn.s, "tokenizer.", 10)) {
			art_gguf_str_copy(kn, key, sizeof key);
			rc = art_gguf_writer_kv_copy(w, tok, key);
			if (rc == ART_EUNSUPP)
				rc = ART_OK; /* nested arrays: none in llama.cpp tokenizers */
		}
	}
	if (rc)
		goto oom;
	for (int i = 0; i < nsp; i++) {
		if ((rc = art_gguf_writer_tensor(w, sp[i].name, sp[i].n_dims, sp[i].ne, sp[i].type))) {
			snprintf(err, errsz, "tensor %s: bad shape for its type", sp[i].name);
			goto out;
		}
	}
	if ((rc = art_gguf_writer_open(w, path, err, errsz)))
		goto out;
	/* convert in chunks of rows so memory stays ~64 MB whatever the model size */
	uint64_t written = 0;
	for (int i = 0; i < nsp; i++) {
		const spec *t = &sp[i];
		size_t rs = art_quant_row_size(t->type, t->ne[0]);
		int64_t rows = t->ne[1], chunk = (int64_t)((16u << 20) / ((size_t)t->ne[0] * 4)) + 1;
		if (chunk > rows)
			chunk = rows;
		float *nt = realloc(tmp, (size_t)chunk * (size_t)t->ne[0] * 4);
		uint8_t *nb = nt ? realloc(buf, (size_t)chunk * rs) : NULL;
		if (!nt || !nb) {
			tmp = nt ? nt : tmp;
			rc = ART_ENOMEM;
			goto oom;
		}
		tmp = nt, buf = nb;
		for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
			int64_t r1 = r0 + chunk < rows ? r0 + chunk : rows;
			fill_rows(t, i, seed, r0, r1, tmp, buf);
			if ((rc = art_gguf_writer_data(w, buf, (size_t)(r1 - r0) * rs, err, errsz)))
				goto out;
			written += (uint64_t)(r1 - r0) * rs;
		}
		if (progress)
			progress(pctx, i + 1, nsp, written);
	}
	rc = art_gguf_writer_close(w, err, errsz);
	goto out;
oom:
	if (rc)
		snprintf(err, errsz, "%s: %s", path, art_strerror(rc));
out:
	free(tmp);
	free(buf);
	free(sp);
	art_gguf_writer_free(w);
	art_gguf_close(tok);
	return rc;
}

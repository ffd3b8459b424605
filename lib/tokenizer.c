/* tokenizer.c — vocabulary load from GGUF, special-token partition, decode, accessors. */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gguf.h"
#include "tok_internal.h"

#define ERRF(...) (err && errsz ? (void)snprintf(err, errsz, __VA_ARGS__) : (void)0)

/* ---- hashing and the string map ---------------------------------------------------- */

/* FNV-1a over A, then (if SEP) one ' ', then B. */
uint64_t tok_hash(const char *a, size_t an, const char *b, size_t bn, int sep)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < an; i++)
		h = (h ^ (uint8_t)a[i]) * 1099511628211ull;
	if (sep)
		h = (h ^ (uint8_t)' ') * 1099511628211ull;
	for (size_t i = 0; i < bn; i++)
		h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
	return h;
}

static int map_key_eq(const struct tok_map *m, const struct tok_map_ent *e, const char *a,
		      size_t an, const char *b, size_t bn, int sep)
{
	size_t kn = an + (sep ? 1 : 0) + bn;
	if (e->len != kn)
		return 0;
	const char *k = m->arena + e->off;
	if (memcmp(k, a, an) != 0)
		return 0;
	if (sep && k[an] != ' ')
		return 0;
	return bn == 0 || memcmp(k + an + (sep ? 1 : 0), b, bn) == 0;
}

int32_t tok_map_get(const struct tok_map *m, const char *a, size_t an, const char *b, size_t bn,
		    int sep)
{
	if (!m->ent)
		return -1;
	uint64_t h = tok_hash(a, an, b, bn, sep);
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		const struct tok_map_ent *e = &m->ent[i];
		if (e->val < 0)
			return -1;
		if (e->hash == h && map_key_eq(m, e, a, an, b, bn, sep))
			return e->val;
	}
}

/* Builds a map over N keys arena[off[i] .. +len[i]) -> i.  A repeated key maps to its
 * first index when FIRST_WINS, else to its last. */
static int map_build(struct tok_map *m, const char *arena, const uint32_t *off,
		     const uint32_t *len, size_t n, int first_wins)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	m->ent = malloc(cap * sizeof *m->ent);
	if (!m->ent)
		return ART_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		m->ent[i].val = -1;
	m->mask = cap - 1;
	m->arena = arena;
	for (size_t id = 0; id < n; id++) {
		const char *k = arena + off[id];
		uint64_t h = tok_hash(k, len[id], NULL, 0, 0);
		size_t i = h & m->mask;
		for (;; i = (i + 1) & m->mask) {
			struct tok_map_ent *e = &m->ent[i];
			if (e->val < 0) {
				*e = (struct tok_map_ent){h, off[id], len[id], (int32_t)id};
				break;
			}
			if (e->hash == h && map_key_eq(m, e, k, len[id], NULL, 0, 0)) {
				if (!first_wins)
					e->val = (int32_t)id;
				break;
			}
		}
	}
	return ART_OK;
}

void tok_out_push(struct tok_out *o, int32_t id)
{
	if (o->oom)
		return;
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 64;
		int32_t *nv = realloc(o->v, nc * sizeof *nv);
		if (!nv) {
			o->oom = 1;
			return;
		}
		o->v = nv;
		o->cap = nc;
	}
	o->v[o->n++] = id;
}

/* ---- load --------------------------------------------------------------------------- */

void art_tokenizer_free(art_tokenizer *t)
{
	if (!t)
		return;
	free(t->text);
	free(t->off);
	free(t->len);
	free(t->score);
	free(t->type);
	free(t->vocab.ent);
	free(t->mtext);
	free(t->merges.ent);
	free(t->special);
	free(t->eog);
	tok_pre_free(t->re);
	free(t);
}

/* Reads an optional token id: -1 when absent, negative-as-unsigned (0xFFFFFFFF) or out of
 * the vocabulary; DEF when the key is absent. */
static int32_t meta_id(const art_gguf *g, const char *key, int32_t def, int32_t n_vocab)
{
	int64_t v;
	int rc = art_gguf_get_i64(g, key, &v);
	if (rc == ART_ENOENT)
		v = def;
	else if (rc != ART_OK)
		return -1;
	return v >= 0 && v < n_vocab ? (int32_t)v : -1;
}

static int meta_bool(const art_gguf *g, const char *key, int def)
{
	int b;
	return art_gguf_get_bool(g, key, &b) == ART_OK ? !!b : def;
}

/* Copies a numeric per-token array of element type WANT into DST (N elements of SZ
 * bytes).  Absent: ART_ENOENT.  Wrong type or length: ART_EFORMAT. */
static int meta_arr(const art_gguf *g, const char *key, enum art_gguf_vtype want, size_t sz,
		    void *dst, uint64_t n, char *err, size_t errsz)
{
	enum art_gguf_vtype et;
	uint64_t an;
	const void *data;
	int rc = art_gguf_get_arr(g, key, &et, &an);
	if (rc == ART_ENOENT)
		return ART_ENOENT;
	if (rc != ART_OK || et != want || an != n ||
	    art_gguf_arr_data(g, key, &data) != ART_OK) {
		ERRF("%s: expected an array of %llu %s", key, (unsigned long long)n,
		     art_gguf_vtype_name(want));
		return ART_EFORMAT;
	}
	memcpy(dst, data, (size_t)n * sz);
	return ART_OK;
}

static int cmp_special(const void *a, const void *b, void *arg)
{
	const art_tokenizer *t = arg;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	if (t->len[x] != t->len[y])
		return t->len[x] > t->len[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int load_merges(art_tokenizer *t, const art_gguf *g, char *err, size_t errsz)
{
	const char *key = "tokenizer.ggml.merges";
	enum art_gguf_vtype et;
	uint64_t n;
	int rc = art_gguf_get_arr(g, key, &et, &n);
	if (rc == ART_ENOENT)
		return ART_OK; /* no merges: every word falls back to single characters */
	if (rc != ART_OK || et != ART_GGUF_VTYPE_STRING || n > INT32_MAX) {
		ERRF("%s: expected an array of strings", key);
		return ART_EFORMAT;
	}
	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++) {
		art_gguf_str s;
		if (art_gguf_arr_str(g, key, i, &s) != ART_OK) {
			ERRF("%s[%llu]: unreadable", key, (unsigned long long)i);
			return ART_EFORMAT;
		}
		total += s.n + 1;
	}
	if (total > UINT32_MAX) {
		ERRF("%s: %llu bytes of merges is too large", key, (unsigned long long)total);
		return ART_EFORMAT;
	}
	uint32_t *off = malloc((n ? n : 1) * sizeof *off), *len = malloc((n ? n : 1) * sizeof *len);
	t->mtext = malloc(total ? total : 1);
	if (!off || !len || !t->mtext) {
		free(off);
		free(len);
		return ART_ENOMEM;
	}
	uint32_t pos = 0;
	for (uint64_t i = 0; i < n; i++) {
		art_gguf_str s;
		art_gguf_arr_str(g, key, i, &s);
		memcpy(t->mtext + pos, s.s, s.n);
		t->mtext[pos + s.n] = 0;
		off[i] = pos;
		len[i] = (uint32_t)s.n;
		pos += (uint32_t)s.n + 1;
	}
	/* the first (lowest) rank of a repeated merge wins */
	rc = map_build(&t->merges, t->mtext, off, len, (size_t)n, 1);
	free(off);
	free(len);
	return rc;
}

/* Looks up the vocabulary for known end-of-turn markers when the metadata names none. */
static const char *const eog_texts[] = {
	"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
	"<EOT>", "<|EOT|>", "<|end_of_text|>", "<｜end▁of▁sentence｜>",
};

static int setup_specials(art_tokenizer *t)
{
	size_t ns = 0, ne = 0;
	for (int32_t i = 0; i < t->n_vocab; i++) {
		uint8_t ty = t->type[i];
		if ((ty == ART_TOK_TYPE_CONTROL || ty == ART_TOK_TYPE_USER_DEFINED ||
		     ty == ART_TOK_TYPE_UNKNOWN) && t->len[i] > 0)
			ns++;
	}
	t->special = malloc((ns ? ns : 1) * sizeof *t->special);
	size_t ecap = 3 + sizeof eog_texts / sizeof *eog_texts;
	t->eog = malloc(ecap * sizeof *t->eog);
	if (!t->special || !t->eog)
		return ART_ENOMEM;
	for (int32_t i = 0; i < t->n_vocab; i++) {
		uint8_t ty = t->type[i];
		if ((ty == ART_TOK_TYPE_CONTROL || ty == ART_TOK_TYPE_USER_DEFINED ||
		     ty == ART_TOK_TYPE_UNKNOWN) && t->len[i] > 0)
			t->special[t->n_special++] = i;
	}
	qsort_r(t->special, t->n_special, sizeof *t->special, cmp_special, t);

	if (t->eot < 0) {
		for (size_t k = 0; k < sizeof eog_texts / sizeof *eog_texts && t->eot < 0; k++) {
			if (!strcmp(eog_texts[k], "<|endoftext|>") || !strcmp(eog_texts[k], "<|eom_id|>"))
				continue;
			int32_t id = tok_lookup(t, eog_texts[k], strlen(eog_texts[k]));
			if (id >= 0 && t->type[id] != ART_TOK_TYPE_NORMAL)
				t->eot = id;
		}
	}
	int32_t cand[3] = {t->eos, t->eot, t->eom};
	for (int k = 0; k < 3; k++)
		if (cand[k] >= 0)
			t->eog[ne++] = cand[k];
	for (size_t k = 0; k < sizeof eog_texts / sizeof *eog_texts; k++) {
		int32_t id = tok_lookup(t, eog_texts[k], strlen(eog_texts[k]));
		if (id >= 0 && (t->type[id] == ART_TOK_TYPE_CONTROL ||
				t->type[id] == ART_TOK_TYPE_USER_DEFINED))
			t->eog[ne++] = id;
	}
	t->n_eog = ne;
	return ART_OK;
}

int art_tokenizer_load(art_tokenizer **out, const art_gguf *g, char *err, size_t errsz)
{
	*out = NULL;
	if (err && errsz)
		err[0] = 0;
	art_gguf_str ms;
	if (art_gguf_get_str(g, "tokenizer.ggml.model", &ms) != ART_OK) {
		ERRF("tokenizer.ggml.model: missing or not a string");
		return ART_ENOENT;
	}
	enum art_tok_model model;
	if (art_gguf_str_eq(ms, "llama"))
		model = ART_TOK_MODEL_SPM;
	else if (art_gguf_str_eq(ms, "gpt2"))
		model = ART_TOK_MODEL_BPE;
	else {
		char name[64];
		ERRF("tokenizer.ggml.model: unsupported tokenizer \"%s\"",
		     art_gguf_str_copy(ms, name, sizeof name));
		return ART_EUNSUPP;
	}

	const char *tkey = "tokenizer.ggml.tokens";
	enum art_gguf_vtype et;
	uint64_t n;
	if (art_gguf_get_arr(g, tkey, &et, &n) != ART_OK || et != ART_GGUF_VTYPE_STRING) {
		ERRF("%s: missing or not an array of strings", tkey);
		return ART_EFORMAT;
	}
	if (n == 0 || n > INT32_MAX) {
		ERRF("%s: %llu tokens is out of range", tkey, (unsigned long long)n);
		return ART_EFORMAT;
	}

	art_tokenizer *t = calloc(1, sizeof *t);
	if (!t)
		return ART_ENOMEM;
	int rc = ART_ENOMEM;
	t->model = model;
	t->n_vocab = (int32_t)n;
	t->off = malloc(n * sizeof *t->off);
	t->len = malloc(n * sizeof *t->len);
	t->score = calloc(n, sizeof *t->score);
	t->type = malloc(n);
	if (!t->off || !t->len || !t->score || !t->type)
		goto fail;

	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++) {
		art_gguf_str s;
		if (art_gguf_arr_str(g, tkey, i, &s) != ART_OK) {
			ERRF("%s[%llu]: unreadable", tkey, (unsigned long long)i);
			rc = ART_EFORMAT;
			goto fail;
		}
		total += s.n + 1;
	}
	if (total > UINT32_MAX) {
		ERRF("%s: %llu bytes of token text is too large", tkey, (unsigned long long)total);
		rc = ART_EFORMAT;
		goto fail;
	}
	t->text = malloc(total);
	if (!t->text)
		goto fail;
	uint32_t pos = 0;
	for (uint64_t i = 0; i < n; i++) {
		art_gguf_str s;
		art_gguf_arr_str(g, tkey, i, &s);
		memcpy(t->text + pos, s.s, s.n);
		t->text[pos + s.n] = 0;
		t->off[i] = pos;
		t->len[i] = (uint32_t)s.n;
		pos += (uint32_t)s.n + 1;
	}

	rc = meta_arr(g, "tokenizer.ggml.scores", ART_GGUF_VTYPE_FLOAT32, 4, t->score, n, err,
		      errsz);
	if (rc != ART_OK && rc != ART_ENOENT)
		goto fail;
	int32_t *types = malloc(n * sizeof *types);
	if (!types) {
		rc = ART_ENOMEM;
		goto fail;
	}
	rc = meta_arr(g, "tokenizer.ggml.token_type", ART_GGUF_VTYPE_INT32, 4, types, n, err,
		      errsz);
	for (uint64_t i = 0; i < n; i++)
		t->type[i] = rc == ART_OK && types[i] >= 0 && types[i] <= ART_TOK_TYPE_BYTE
				     ? (uint8_t)types[i]
				     : ART_TOK_TYPE_NORMAL;
	free(types);
	if (rc != ART_OK && rc != ART_ENOENT)
		goto fail;

	rc = map_build(&t->vocab, t->text, t->off, t->len, n, 0);
	if (rc != ART_OK)
		goto fail;

	int spm = model == ART_TOK_MODEL_SPM, wpm = model == ART_TOK_MODEL_WPM;
	t->bos = meta_id(g, "tokenizer.ggml.bos_token_id", spm ? 1 : wpm ? 101 : -1, t->n_vocab);
	t->eos = meta_id(g, "tokenizer.ggml.eos_token_id", spm ? 2 : wpm ? 102 : -1, t->n_vocab);
	t->unk = meta_id(g, "tokenizer.ggml.unknown_token_id", spm ? 0 : wpm ? 100 : -1,
			 t->n_vocab);
	t->pad = meta_id(g, "tokenizer.ggml.padding_token_id", -1, t->n_vocab);
	t->sep = meta_id(g, "tokenizer.ggml.seperator_token_id", -1, t->n_vocab);
	t->eot = meta_id(g, "tokenizer.ggml.eot_token_id", -1, t->n_vocab);
	t->eom = meta_id(g, "tokenizer.ggml.eom_token_id", -1, t->n_vocab);
	if (wpm) {
		/* BERT: [CLS] opens and [SEP] closes a sequence */
		int32_t cls = meta_id(g, "tokenizer.ggml.cls_token_id", -1, t->n_vocab);
		if (cls >= 0)
			t->bos = cls;
		if (t->sep >= 0)
			t->eos = t->sep;
	}
	t->add_bos = meta_bool(g, "tokenizer.ggml.add_bos_token", spm || wpm);
	t->add_eos = meta_bool(g, "tokenizer.ggml.add_eos_token", wpm);
	t->add_space_prefix = meta_bool(g, "tokenizer.ggml.add_space_prefix", spm);

	for (int b = 0; b < 256; b++) {
		char buf[8];
		size_t bl;
		if (spm) {
			snprintf(buf, sizeof buf, "<0x%02X>", b);
			bl = 6;
		} else {
			bl = tok_utf8_put(tok_bpe_byte_cp((uint8_t)b), buf);
		}
		t->byte_id[b] = tok_lookup(t, buf, bl);
	}

	if (model == ART_TOK_MODEL_BPE) {
		art_gguf_str ps = {0};
		if (art_gguf_get_str(g, "tokenizer.ggml.pre", &ps) == ART_OK)
			art_gguf_str_copy(ps, t->pre_name, sizeof t->pre_name);
		else
			strcpy(t->pre_name, "default");
		if (ps.n >= sizeof t->pre_name || tok_pre_from_name(t->pre_name, &t->pre) != 0) {
			ERRF("tokenizer.ggml.pre: unsupported pre-tokenizer \"%s\"", t->pre_name);
			rc = ART_EUNSUPP;
			goto fail;
		}
		t->ignore_merges = t->pre == TOK_PRE_LLAMA3;
		rc = tok_pre_compile(t->pre, &t->re, err, errsz);
		if (rc != ART_OK)
			goto fail;
		rc = load_merges(t, g, err, errsz);
		if (rc != ART_OK)
			goto fail;
	}
	rc = setup_specials(t);
	if (rc != ART_OK)
		goto fail;
	*out = t;
	return ART_OK;
fail:
	if (rc == ART_ENOMEM)
		ERRF("out of memory loading the tokenizer");
	art_tokenizer_free(t);
	return rc;
}

/* ---- encode ------------------------------------------------------------------------- */

/* A piece of the input: plain text [off, off+len) or one special token. */
struct frag {
	size_t off, len;
	int32_t id; /* -1: text */
};

struct frags {
	struct frag *v;
	size_t n, cap;
};

static int frags_insert(struct frags *f, size_t at, struct frag x)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct frag *nv = realloc(f->v, nc * sizeof *nv);
		if (!nv)
			return ART_ENOMEM;
		f->v = nv;
		f->cap = nc;
	}
	memmove(f->v + at + 1, f->v + at, (f->n - at) * sizeof *f->v);
	f->v[at] = x;
	f->n++;
	return ART_OK;
}

/* Splits text fragments at every occurrence of each special token, longest tokens
 * first, so a longer token wins over a shorter one inside it. */
static int partition(const art_tokenizer *t, const char *text, size_t len, int parse_special,
		     struct frags *f)
{
	int rc = frags_insert(f, 0, (struct frag){0, len, -1});
	if (rc != ART_OK)
		return rc;
	for (size_t k = 0; k < t->n_special; k++) {
		int32_t id = t->special[k];
		if (!parse_special && t->type[id] != ART_TOK_TYPE_USER_DEFINED)
			continue;
		const char *s = t->text + t->off[id];
		size_t sl = t->len[id];
		for (size_t i = 0; i < f->n; i++) {
			struct frag fr = f->v[i];
			if (fr.id >= 0 || fr.len < sl)
				continue;
			const char *p = memmem(text + fr.off, fr.len, s, sl);
			if (!p)
				continue;
			size_t at = (size_t)(p - text);
			/* [left text][token][right text]; the right part is scanned next */
			f->v[i].len = at - fr.off;
			size_t j = i + 1;
			if (f->v[i].len == 0) {
				f->v[i] = (struct frag){at, sl, id};
				j = i + 1;
			} else {
				rc = frags_insert(f, j, (struct frag){at, sl, id});
				if (rc != ART_OK)
					return rc;
				j++;
			}
			size_t rest = fr.off + fr.len - (at + sl);
			if (rest) {
				rc = frags_insert(f, j, (struct frag){at + sl, rest, -1});
				if (rc != ART_OK)
					return rc;
			}
			i = j - 1; /* continue at the right part */
		}
	}
	return ART_OK;
}

int art_tokenizer_encode(const art_tokenizer *t, const char *text, size_t len, int add_bos,
			 int parse_special, int32_t *ids, size_t cap, size_t *n_out)
{
	ART_ASSERT(t && n_out && (text || len == 0) && (ids || cap == 0));
	struct tok_out o = {0};
	struct frags f = {0};
	*n_out = 0;
	if (add_bos && t->bos >= 0)
		tok_out_push(&o, t->bos);
	int rc = len ? partition(t, text, len, parse_special, &f) : ART_OK;
	int prev_special = 1; /* SPM: the first text run gets the space prefix */
	for (size_t i = 0; rc == ART_OK && i < f.n && !o.oom; i++) {
		const struct frag *fr = &f.v[i];
		if (fr->id >= 0) {
			tok_out_push(&o, fr->id);
			prev_special = 1;
			continue;
		}
		switch (t->model) {
		case ART_TOK_MODEL_SPM:
			tok_spm_encode(t, text + fr->off, fr->len,
				       t->add_space_prefix && prev_special, &o);
			break;
		case ART_TOK_MODEL_BPE:
			tok_bpe_encode(t, text + fr->off, fr->len, &o);
			break;
		case ART_TOK_MODEL_WPM:
			break;
		}
		prev_special = 0;
	}
	free(f.v);
	if (rc == ART_OK && o.oom)
		rc = ART_ENOMEM;
	if (rc != ART_OK) {
		free(o.v);
		return rc;
	}
	*n_out = o.n;
	size_t m = o.n < cap ? o.n : cap;
	if (m)
		memcpy(ids, o.v, m * sizeof *ids);
	free(o.v);
	return o.n > cap ? ART_ERANGE : ART_OK;
}

/* ---- decode ------------------------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Output of decode: bytes past CAP are counted, not stored; SKIP bytes are dropped. */
struct sink {
	char *buf;
	size_t cap, pos, skip;
};

static inline void put(struct sink *k, char c)
{
	if (k->skip) {
		k->skip--;
		return;
	}
	if (k->pos < k->cap)
		k->buf[k->pos] = c;
	k->pos++;
}

static void put_n(struct sink *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(k, s[i]);
}

/* Appends the piece of ID. */
static void piece_put(const art_tokenizer *t, int32_t id, int flags, struct sink *k)
{
	const char *s = t->text + t->off[id];
	size_t n = t->len[id];
	uint8_t ty = t->type[id];
	if (ty == ART_TOK_TYPE_CONTROL) {
		if (flags & ART_TOK_DECODE_SPECIAL)
			put_n(k, s, n);
		return;
	}
	if (ty == ART_TOK_TYPE_USER_DEFINED) {
		put_n(k, s, n);
		return;
	}
	if (t->model == ART_TOK_MODEL_SPM) {
		if (ty == ART_TOK_TYPE_BYTE && n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' &&
		    hexval(s[3]) >= 0 && hexval(s[4]) >= 0 && s[5] == '>') {
			put(k, (char)(hexval(s[3]) * 16 + hexval(s[4])));
			return;
		}
		if (ty == ART_TOK_TYPE_UNKNOWN) { /* U+2585, as llama.cpp renders <unk> */
			put_n(k, "\xe2\x96\x85", 3);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (i + 2 < n && s[i] == '\xe2' && s[i + 1] == '\x96' && s[i + 2] == '\x81') {
				put(k, ' ');
				i += 2;
			} else {
				put(k, s[i]);
			}
		}
		return;
	}
	if (t->model == ART_TOK_MODEL_WPM) {
		/* "##x" continues a word; anything else starts one after a space */
		if (n >= 2 && s[0] == '#' && s[1] == '#')
			put_n(k, s + 2, n - 2);
		else {
			put(k, ' ');
			put_n(k, s, n);
		}
		return;
	}
	/* BPE: each code point stands for one byte; others pass through as UTF-8 */
	for (size_t i = 0; i < n;) {
		size_t l = tok_utf8_len((unsigned char)s[i]);
		uint32_t cp = 0;
		if (l > n - i)
			l = 1;
		if (l == 1)
			cp = (unsigned char)s[i];
		else if (l == 2)
			cp = ((uint32_t)(s[i] & 0x1f) << 6) | (s[i + 1] & 0x3f);
		int b = l <= 2 ? tok_bpe_cp_byte(cp) : -1;
		if (b >= 0)
			put(k, (char)b);
		else
			put_n(k, s + i, l);
		i += l;
	}
}

/* First byte of ID's piece, -1 if the piece is empty. */
static int piece_first(const art_tokenizer *t, int32_t id, int flags)
{
	char c;
	struct sink k = {&c, 1, 0, 0};
	piece_put(t, id, flags, &k);
	return k.pos ? (unsigned char)c : -1;
}

int art_tokenizer_piece(const art_tokenizer *t, int32_t id, int flags, char *buf, size_t cap,
			size_t *len_out)
{
	ART_ASSERT(t && len_out && (buf || cap == 0));
	*len_out = 0;
	if (id < 0 || id >= t->n_vocab)
		return ART_EINVAL;
	struct sink k = {buf, cap, 0, 0};
	piece_put(t, id, flags, &k);
	*len_out = k.pos;
	return k.pos > cap ? ART_ERANGE : ART_OK;
}

int art_tokenizer_decode(const art_tokenizer *t, const int32_t *ids, size_t n, int flags,
			 char *buf, size_t cap, size_t *len_out)
{
	ART_ASSERT(t && len_out && (ids || n == 0) && (buf || cap == 0));
	*len_out = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= t->n_vocab)
			return ART_EINVAL;
	/* drop one leading space: WordPiece's word separator, or the SPM space prefix */
	int strip = t->model == ART_TOK_MODEL_WPM ||
		    (t->add_space_prefix && (flags & ART_TOK_DECODE_STRIP_SPACE));
	struct sink k = {buf, cap, 0, 0};
	for (size_t i = 0; i < n; i++) {
		if (strip) {
			int c = piece_first(t, ids[i], flags);
			if (c >= 0) {
				strip = 0;
				k.skip = c == ' ';
			}
		}
		piece_put(t, ids[i], flags, &k);
	}
	*len_out = k.pos;
	if (k.pos < cap)
		buf[k.pos] = 0;
	return k.pos >= cap ? ART_ERANGE : ART_OK;
}

/* ---- accessors ---------------------------------------------------------------------- */

enum art_tok_model art_tokenizer_model(const art_tokenizer *t) { return t->model; }
const char *art_tokenizer_pre(const art_tokenizer *t) { return t->pre_name; }
int32_t art_tokenizer_n_vocab(const art_tokenizer *t) { return t->n_vocab; }
int32_t art_tokenizer_bos(const art_tokenizer *t) { return t->bos; }
int32_t art_tokenizer_eos(const art_tokenizer *t) { return t->eos; }
int32_t art_tokenizer_eot(const art_tokenizer *t) { return t->eot; }
int32_t art_tokenizer_unk(const art_tokenizer *t) { return t->unk; }
int32_t art_tokenizer_pad(const art_tokenizer *t) { return t->pad; }
int art_tokenizer_add_bos(const art_tokenizer *t) { return t->add_bos; }
int art_tokenizer_add_eos(const art_tokenizer *t) { return t->add_eos; }

int art_tokenizer_is_eog(const art_tokenizer *t, int32_t id)
{
	if (id < 0)
		return 0;
	for (size_t i = 0; i < t->n_eog; i++)
		if (t->eog[i] == id)
			return 1;
	return 0;
}

const char *art_tokenizer_text(const art_tokenizer *t, int32_t id)
{
	return id >= 0 && id < t->n_vocab ? t->text + t->off[id] : NULL;
}

enum art_tok_type art_tokenizer_type(const art_tokenizer *t, int32_t id)
{
	return id >= 0 && id < t->n_vocab ? (enum art_tok_type)t->type[id] : ART_TOK_TYPE_UNDEFINED;
}

int32_t art_tokenizer_find(const art_tokenizer *t, const char *s, size_t len)
{
	return tok_lookup(t, s, len);
}

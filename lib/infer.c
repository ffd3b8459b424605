/* infer.c — loading a local model and the generation loop. */
#include "infer.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "gguf.h"
#include "utf8.h"

struct art_infer {
	art_infer_opts o;
	art_model *m;
	art_tokenizer *tok;
	art_model_ctx *ctx;
	art_sampler *smp;
	enum art_chat_tmpl tmpl;
	char name[128];
	double load_ms;
	char *piece;      /* scratch for one token's bytes */
	size_t piece_cap;
};

void art_infer_opts_default(art_infer_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n_threads = 1;
	o->kv_type = ART_KV_F16;
	art_sample_params_default(&o->sample);
	o->max_tokens = 256;
}

const char *art_finish_name(enum art_finish f)
{
	switch (f) {
	case ART_FINISH_STOP: return "stop";
	case ART_FINISH_LENGTH: return "length";
	case ART_FINISH_DEADLINE: return "deadline";
	}
	return "stop";
}

int art_infer_open(art_infer **out, const art_infer_opts *o, char *err, size_t errsz)
{
	*out = NULL;
	if (!o->model_path || !*o->model_path) return art_errf(err, errsz, ART_EINVAL, "no model given (-m or ART_MODEL)");
	const int64_t t0 = art_clock_mono_us();
	art_infer *inf = calloc(1, sizeof *inf);
	if (!inf) return art_errf(err, errsz, ART_ENOMEM, "out of memory");
	inf->o = *o;
	int rc = art_model_open(&inf->m, o->model_path, err, errsz);
	if (rc) goto fail;
	const art_gguf *g = art_model_gguf(inf->m);
	char terr[256];
	rc = art_tokenizer_load(&inf->tok, g, terr, sizeof terr);
	if (rc) {
		art_errf(err, errsz, rc, "%s: tokenizer: %s", o->model_path, terr);
		goto fail;
	}
	const art_model_hparams *hp = art_model_hparams_get(inf->m);
	if (art_tokenizer_n_vocab(inf->tok) > hp->n_vocab) {
		rc = art_errf(err, errsz, ART_EFORMAT, "%s: tokenizer has %d tokens, the model only %d", o->model_path,
			  (int)art_tokenizer_n_vocab(inf->tok), hp->n_vocab);
		goto fail;
	}
	/* chat template: forced by name, else recognised from the file, else plain */
	if (o->chat_template && *o->chat_template) {
		if (art_chat_from_name(o->chat_template, &inf->tmpl) != ART_OK) {
			rc = art_errf(err, errsz, ART_EINVAL, "unknown chat template '%s'", o->chat_template);
			goto fail;
		}
	} else {
		art_gguf_str ct;
		inf->tmpl = ART_CHAT_TMPL_PLAIN;
		if (art_gguf_get_str(g, "tokenizer.chat_template", &ct) == ART_OK && ct.n > 0) {
			char *j = malloc(ct.n + 1);
			if (!j) {
				rc = art_errf(err, errsz, ART_ENOMEM, "out of memory");
				goto fail;
			}
			art_gguf_str_copy(ct, j, ct.n + 1);
			inf->tmpl = art_chat_detect(j);
			free(j);
		}
	}
	art_gguf_str nm;
	if (art_gguf_get_str(g, "general.name", &nm) == ART_OK && nm.n > 0) {
		art_gguf_str_copy(nm, inf->name, sizeof inf->name);
	} else {
		const char *b = strrchr(o->model_path, '/');
		snprintf(inf->name, sizeof inf->name, "%s", b ? b + 1 : o->model_path);
	}
	rc = art_model_ctx_open(&inf->ctx, inf->m,
				&(art_model_ctx_params){.n_ctx = o->n_ctx, .n_seq = o->n_seq, .n_batch = o->n_batch,
							.n_threads = o->n_threads, .kv_type = o->kv_type},
				err, errsz);
	if (rc) goto fail;
	rc = art_sampler_new(&inf->smp, hp->n_vocab, &o->sample);
	if (rc) {
		art_errf(err, errsz, rc, "out of memory");
		goto fail;
	}
	inf->piece_cap = 256;
	inf->piece = malloc(inf->piece_cap);
	if (!inf->piece) {
		rc = art_errf(err, errsz, ART_ENOMEM, "out of memory");
		goto fail;
	}
	inf->load_ms = (double)(art_clock_mono_us() - t0) / 1000.0;
	*out = inf;
	return ART_OK;
fail:
	art_infer_close(inf);
	return rc;
}

int art_infer_n_ctx(const art_infer *inf) { return art_model_ctx_n_ctx(inf->ctx); }
art_model_ctx *art_infer_ctx(art_infer *inf) { return inf->ctx; }
int art_infer_n_vocab(const art_infer *inf) { return art_model_hparams_get(inf->m)->n_vocab; }

void art_infer_close(art_infer *inf)
{
	if (!inf) return;
	art_sampler_free(inf->smp);
	art_model_ctx_free(inf->ctx);
	art_tokenizer_free(inf->tok);
	art_model_close(inf->m);
	free(inf->piece);
	free(inf);
}

double art_infer_load_ms(const art_infer *inf) { return inf->load_ms; }
const art_infer_opts *art_infer_opts_of(const art_infer *inf) { return &inf->o; }
const art_tokenizer *art_infer_tokenizer(const art_infer *inf) { return inf->tok; }
const char *art_infer_model_name(const art_infer *inf) { return inf->name; }

int art_infer_render(art_infer *inf, const art_chat_msg *msgs, size_t n, int32_t **ids, size_t *n_ids, char *err,
		     size_t errsz)
{
	*ids = NULL;
	*n_ids = 0;
	char *text = NULL;
	int rc = art_chat_render(inf->tmpl, msgs, n, inf->tmpl != ART_CHAT_TMPL_PLAIN, &text);
	if (rc == ART_EUNSUPP)
		return art_errf(err, errsz, rc, "the model's chat template is not one art knows; force one with --chat-template");
	if (rc) return art_errf(err, errsz, rc, "cannot render the messages (%s)", art_strerror(rc));
	const int special = inf->tmpl != ART_CHAT_TMPL_PLAIN;
	const size_t len = strlen(text);
	size_t cap = len + 8, nout = 0;
	int32_t *v = malloc(cap * sizeof *v);
	if (!v) {
		free(text);
		return art_errf(err, errsz, ART_ENOMEM, "out of memory");
	}
	rc = art_tokenizer_encode(inf->tok, text, len, 1, special, v, cap, &nout);
	if (rc == ART_ERANGE) {
		int32_t *w = realloc(v, (nout + 1) * sizeof *v);
		if (!w) rc = ART_ENOMEM;
		else {
			v = w;
			rc = art_tokenizer_encode(inf->tok, text, len, 1, special, v, nout + 1, &nout);
		}
	}
	free(text);
	if (rc) {
		free(v);
		return art_errf(err, errsz, rc, "cannot tokenize the prompt (%s)", art_strerror(rc));
	}
	*ids = v;
	*n_ids = nout;
	return ART_OK;
}

/* ---- generation ---------------------------------------------------------------------- */

static int sb_add(art_gen_sbuf *s, const char *p, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		size_t c = s->cap ? s->cap : 256;
		while (c < s->n + n + 1) c *= 2;
		char *nb = realloc(s->b, c);
		if (!nb) return ART_ENOMEM;
		s->b = nb;
		s->cap = c;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->b[s->n] = 0;
	return ART_OK;
}

/* Bytes at the end of s[0..n) that could begin a stop sequence (held back while streaming). */
static size_t stop_overlap(const char *s, size_t n, const char *const *stop, size_t n_stop)
{
	size_t best = 0;
	for (size_t i = 0; i < n_stop; i++) {
		size_t sl = strlen(stop[i]);
		for (size_t k = sl > n ? n : sl - 1; k > best; k--)
			if (memcmp(s + n - k, stop[i], k) == 0) {
				best = k;
				break;
			}
	}
	return best;
}

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character boundary. */
static size_t utf8_complete(const char *s, size_t n)
{
	size_t i = n, back = 0;
	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) i--, back++;
	if (i == 0) return n;
	unsigned char c = (unsigned char)s[i - 1];
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return (back + 1 >= need) ? n : i - 1;
}

/* Replaces invalid UTF-8 with U+FFFD so the text can go into JSON. */
static int utf8_sanitize(art_gen_sbuf *s)
{
	size_t bad;
	if (art_utf8_valid(s->b ? s->b : "", s->n, &bad)) return ART_OK;
	art_gen_sbuf o = {0};
	size_t i = 0;
	while (i < s->n) {
		uint32_t cp;
		int l = art_utf8_decode(s->b + i, s->n - i, &cp);
		if (l > 0) {
			if (sb_add(&o, s->b + i, (size_t)l)) return ART_ENOMEM;
			i += (size_t)l;
		} else {
			if (sb_add(&o, "\xef\xbf\xbd", 3)) return ART_ENOMEM;
			i++;
		}
	}
	free(s->b);
	*s = o;
	return ART_OK;
}

static void stream_event(art_infer *inf, const art_gen_req *req, const char *type, const char *text, size_t n)
{
	if (!inf->o.stream) return;
	cJSON *e = cJSON_CreateObject();
	if (!e) return;
	cJSON_AddStringToObject(e, "id", req->id ? req->id : "");
	cJSON_AddStringToObject(e, "event", type);
	if (text) {
		char *t = malloc(n + 1);
		if (t) {
			memcpy(t, text, n);
			t[n] = 0;
			cJSON_AddStringToObject(e, "text", t);
			free(t);
		}
	}
	char *line = cJSON_PrintUnformatted(e);
	if (line) {
		fprintf(inf->o.stream, "%s\n", line);
		fflush(inf->o.stream);
		free(line);
	}
	cJSON_Delete(e);
}

int art_gen_seq_begin(art_gen_seq *s, art_infer *inf, art_sampler *smp, const art_gen_req *req, char *err,
		      size_t errsz)
{
	memset(s, 0, sizeof *s);
	s->inf = inf;
	s->smp = smp;
	s->req = req;
	s->t0 = art_clock_mono_us();
	const int n_ctx = art_model_ctx_n_ctx(inf->ctx);
	if (req->n_prompt == 0) return art_errf(err, errsz, ART_EINVAL, "empty prompt");
	if (req->n_prompt >= (size_t)n_ctx)
		return art_errf(err, errsz, ART_ERANGE, "prompt of %zu tokens does not fit the context of %d", req->n_prompt,
			    n_ctx);
	if (req->deadline_us && art_clock_now_us() >= req->deadline_us)
		return art_errf(err, errsz, ART_ETIMEOUT, "deadline passed before generation started");
	s->res.n_input = (int)req->n_prompt;
	s->res.finish = ART_FINISH_LENGTH;
	art_sampler_reset(smp, &req->sample);
	for (size_t i = 0; i < req->n_prompt; i++) art_sampler_accept(smp, req->prompt[i]);
	return ART_OK;
}

void art_gen_seq_prompt_done(art_gen_seq *s) { s->t_prompt = art_clock_mono_us(); }

/* Appends tok's text; ART_OK or ART_ENOMEM. */
static int add_piece(art_gen_seq *s, int32_t tok)
{
	art_infer *inf = s->inf;
	size_t pl = 0;
	int rc = art_tokenizer_piece(inf->tok, tok, 0, inf->piece, inf->piece_cap, &pl);
	if (rc == ART_ERANGE) {
		char *np = realloc(inf->piece, pl + 1);
		if (!np) return ART_ENOMEM;
		inf->piece = np;
		inf->piece_cap = pl + 1;
		rc = art_tokenizer_piece(inf->tok, tok, 0, inf->piece, inf->piece_cap, &pl);
	}
	if (rc == ART_OK) return sb_add(&s->text, inf->piece, pl);
	return rc == ART_EINVAL ? ART_OK : rc; /* id beyond the tokenizer's vocabulary: no text */
}

int art_gen_seq_next(art_gen_seq *s, const float *logits, int n_past, int32_t *next)
{
	const art_gen_req *req = s->req;
	art_infer *inf = s->inf;
	if (s->res.n_output >= req->max_tokens) return 0;
	if (req->deadline_us && art_clock_now_us() >= req->deadline_us) {
		s->res.finish = ART_FINISH_DEADLINE;
		return 0;
	}
	int32_t tok = art_sampler_sample(s->smp, logits);
	if (!s->t_first) s->t_first = art_clock_mono_us();
	if (art_tokenizer_is_eog(inf->tok, tok)) { /* not counted, not shown */
		s->res.finish = ART_FINISH_STOP;
		return 0;
	}
	s->res.n_output++;
	art_sampler_accept(s->smp, tok);
	int rc = add_piece(s, tok);
	if (rc) return rc;
	/* stop sequences: cut at the first match */
	for (size_t i = 0; i < req->n_stop; i++) {
		if (!req->stop[i] || !*req->stop[i]) continue;
		const char *hit = memmem(s->text.b, s->text.n, req->stop[i], strlen(req->stop[i]));
		if (hit) {
			s->text.n = (size_t)(hit - s->text.b);
			s->text.b[s->text.n] = 0;
			s->res.finish = ART_FINISH_STOP;
			return 0;
		}
	}
	if (inf->o.stream) {
		size_t safe = s->text.n - stop_overlap(s->text.b, s->text.n, req->stop, req->n_stop);
		safe = utf8_complete(s->text.b, safe);
		if (safe > s->streamed) {
			stream_event(inf, req, "delta", s->text.b + s->streamed, safe - s->streamed);
			s->streamed = safe;
		}
	}
	if (n_past >= art_model_ctx_n_ctx(inf->ctx)) return 0; /* context full: length */
	*next = tok;
	return 1;
}

int art_gen_seq_end(art_gen_seq *s, int rc, art_gen_result *res, char *err, size_t errsz)
{
	art_infer *inf = s->inf;
	memset(res, 0, sizeof *res);
	if (rc == ART_OK) rc = utf8_sanitize(&s->text);
	if (rc) {
		free(s->text.b);
		s->text.b = NULL;
		return art_errf(err, errsz, rc, "generation failed (%s)", art_strerror(rc));
	}
	if (inf->o.stream && s->text.n > s->streamed)
		stream_event(inf, s->req, "delta", s->text.b + s->streamed, s->text.n - s->streamed);
	stream_event(inf, s->req, "done", NULL, 0);
	const int64_t t1 = art_clock_mono_us();
	*res = s->res;
	res->text = s->text.b ? s->text.b : calloc(1, 1);
	s->text.b = NULL;
	if (!res->text) return art_errf(err, errsz, ART_ENOMEM, "out of memory");
	res->len = s->text.n;
	const int64_t t_prompt = s->t_prompt ? s->t_prompt : t1;
	res->prompt_ms = (double)(t_prompt - s->t0) / 1000.0;
	res->total_ms = (double)(t1 - s->t0) / 1000.0;
	res->ttft_ms = s->t_first ? (double)(s->t_first - s->t0) / 1000.0 : res->total_ms;
	const double gen_s = (double)(t1 - t_prompt) / 1e6;
	res->tokens_per_s = gen_s > 0 ? res->n_output / gen_s : 0;
	return ART_OK;
}

int art_infer_generate(art_infer *inf, const art_gen_req *req, art_gen_result *res, char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	art_gen_seq s;
	int rc = art_gen_seq_begin(&s, inf, inf->smp, req, err, errsz);
	if (rc) return rc;
	art_model_ctx_truncate(inf->ctx, 0);
	const float *logits;
	rc = art_model_eval(inf->ctx, req->prompt, (int)req->n_prompt, &logits);
	if (rc) return art_errf(err, errsz, rc, "prompt evaluation failed (%s): token id out of range?", art_strerror(rc));
	art_gen_seq_prompt_done(&s);
	int32_t tok;
	while ((rc = art_gen_seq_next(&s, logits, art_model_ctx_n_past(inf->ctx), &tok)) == 1)
		if ((rc = art_model_eval(inf->ctx, &tok, 1, &logits)) != ART_OK) break;
	return art_gen_seq_end(&s, rc, res, err, errsz);
}

/* infer_batch.c — continuous batching of local envelopes (see infer_batch.h). */
#include "infer_batch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "env.h"
#include "err.h"

#define STAGE "art-infer"

typedef struct bseq bseq;

typedef struct {
	int32_t *toks; /* the tokens the slot's KV holds (n_ctx) */
	size_t n;
	bseq *seq;     /* the sequence working in it, or NULL */
	uint64_t used;
	art_sampler *smp;
} bslot;

typedef struct {
	char *key; /* realpath of the file, or the path as given */
	art_infer *inf;
	art_model_ctx *ctx;
	bslot *slots;
	int n_slots, n_active, n_batch;
	uint64_t used;
	int32_t *btok, *bseq_ids; /* batch scratch (n_batch) */
	int8_t *blog;
	bseq **bown;
} bmodel;

struct bseq {
	cJSON *env;
	void *tag;
	uint64_t line;
	bseq *next; /* waiting or finished list */
	bmodel *m;
	int slot;
	int prepared;   /* job holds the rendered request */
	int generating; /* 0: prompt being fed */
	size_t fed;     /* prompt tokens in the slot (reused ones included) */
	int cached;
	int32_t next_tok;
	art_infer_job job;
	art_gen_seq g;
};

struct art_infer_batch {
	art_infer_batch_opts o;
	bmodel **models;
	int n_models;
	bseq *wait_head, *wait_tail, *done_head, *done_tail;
	bseq **act; /* sequences in slots, in admission order */
	int n_act, cap_act;
	size_t pending;
	uint64_t clock;
	art_infer_batch_stats st;
};

void art_infer_batch_opts_default(art_infer_batch_opts *o)
{
	memset(o, 0, sizeof *o);
	art_infer_opts_default(&o->infer);
	o->batch = 4;
	o->prefix_cache = 2;
	o->max_models = 2;
}

size_t art_infer_batch_lcp(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	size_t n = na < nb ? na : nb, i = 0;
	while (i < n && a[i] == b[i]) i++;
	return i;
}

int art_infer_batch_pick(const art_infer_slot_view *s, int n, const int32_t *prompt, size_t n_prompt, int prefix,
			 int *src, size_t *reuse)
{
	int best = -1, dest = -1;
	size_t blen = 0;
	if (prefix && n_prompt > 1)
		for (int i = 0; i < n; i++) {
			size_t l = art_infer_batch_lcp(s[i].toks, s[i].n, prompt, n_prompt - 1);
			if (l > blen || (l && l == blen && s[best].busy && !s[i].busy)) {
				best = i;
				blen = l;
			}
		}
	if (best >= 0 && !s[best].busy)
		dest = best;
	else
		for (int i = 0; i < n; i++)
			if (!s[i].busy && (dest < 0 || s[i].used < s[dest].used)) dest = i;
	ART_ASSERT(dest >= 0);
	*src = best;
	*reuse = blen;
	return dest;
}

/* ---- the model pool ---- */

static void model_close(bmodel *m)
{
	if (!m) return;
	for (int i = 0; i < m->n_slots; i++) {
		free(m->slots[i].toks);
		art_sampler_free(m->slots[i].smp);
	}
	free(m->slots);
	free(m->btok);
	free(m->bseq_ids);
	free(m->blog);
	free(m->bown);
	art_infer_close(m->inf);
	free(m->key);
	free(m);
}

static char *model_key(const char *path)
{
	char *rp = realpath(path, NULL);
	return rp ? rp : strdup(path);
}

static int model_open(art_infer_batch *b, const char *path, char *key, bmodel **out, char *err, size_t errsz)
{
	*out = NULL;
	bmodel *m = calloc(1, sizeof *m);
	if (!m) {
		free(key);
		return ART_ENOMEM;
	}
	m->key = key;
	art_infer_opts io = b->o.infer;
	io.model_path = path;
	io.n_seq = b->o.batch + b->o.prefix_cache;
	io.n_batch = 256 + b->o.batch;
	int rc = art_infer_open(&m->inf, &io, err, errsz);
	if (rc) goto fail;
	m->ctx = art_infer_ctx(m->inf);
	m->n_slots = io.n_seq;
	m->n_batch = art_model_ctx_n_batch(m->ctx);
	const size_t n_ctx = (size_t)art_infer_n_ctx(m->inf);
	rc = ART_ENOMEM;
	snprintf(err, errsz, "out of memory");
	m->slots = calloc((size_t)m->n_slots, sizeof *m->slots);
	m->btok = malloc((size_t)m->n_batch * sizeof *m->btok);
	m->bseq_ids = malloc((size_t)m->n_batch * sizeof *m->bseq_ids);
	m->blog = malloc((size_t)m->n_batch);
	m->bown = malloc((size_t)m->n_batch * sizeof *m->bown);
	if (!m->slots || !m->btok || !m->bseq_ids || !m->blog || !m->bown) goto fail;
	for (int i = 0; i < m->n_slots; i++) {
		m->slots[i].toks = malloc(n_ctx * sizeof *m->slots[i].toks);
		if (!m->slots[i].toks || art_sampler_new(&m->slots[i].smp, art_infer_n_vocab(m->inf), &io.sample))
			goto fail;
	}
	b->st.models_opened++;
	*out = m;
	return ART_OK;
fail:
	model_close(m);
	return rc;
}

/* The pool's model for path: ART_OK (*out NULL when the pool is full of busy models:
 * wait), or an open error with words in err. */
static int model_get(art_infer_batch *b, const char *path, bmodel **out, char *err, size_t errsz)
{
	*out = NULL;
	char *key = model_key(path);
	if (!key) return ART_ENOMEM;
	for (int i = 0; i < b->n_models; i++)
		if (strcmp(b->models[i]->key, key) == 0) {
			free(key);
			*out = b->models[i];
			return ART_OK;
		}
	if (b->n_models >= b->o.max_models) {
		int lru = -1;
		for (int i = 0; i < b->n_models; i++)
			if (!b->models[i]->n_active && (lru < 0 || b->models[i]->used < b->models[lru]->used)) lru = i;
		if (lru < 0) {
			free(key);
			return ART_OK;
		}
		model_close(b->models[lru]);
		b->models[lru] = b->models[--b->n_models];
	}
	int rc = model_open(b, path, key, out, err, errsz);
	if (rc == ART_OK) b->models[b->n_models++] = *out;
	return rc;
}

int art_infer_batch_new(art_infer_batch **out, const art_infer_batch_opts *o, char *err, size_t errsz)
{
	ART_ASSERT(o->batch >= 1 && o->prefix_cache >= 0 && o->max_models >= 1);
	*out = NULL;
	art_infer_batch *b = calloc(1, sizeof *b);
	if (!b) return ART_ENOMEM;
	b->o = *o;
	b->cap_act = o->batch * o->max_models;
	b->models = calloc((size_t)o->max_models, sizeof *b->models);
	b->act = calloc((size_t)b->cap_act, sizeof *b->act);
	if (!b->models || !b->act) {
		art_infer_batch_free(b);
		snprintf(err, errsz, "out of memory");
		return ART_ENOMEM;
	}
	if (o->infer.model_path) {
		bmodel *m;
		int rc = model_get(b, o->infer.model_path, &m, err, errsz);
		if (rc) {
			art_infer_batch_free(b);
			return rc;
		}
	}
	*out = b;
	return ART_OK;
}

static void seq_free_list(bseq *s)
{
	while (s) {
		bseq *n = s->next;
		art_infer_job_free(&s->job);
		free(s);
		s = n;
	}
}

void art_infer_batch_free(art_infer_batch *b)
{
	if (!b) return;
	seq_free_list(b->wait_head);
	seq_free_list(b->done_head);
	for (int i = 0; i < b->n_act; i++) { /* its envelope may be gone: touch only our own */
		free(b->act[i]->g.text.b);
		art_infer_job_free(&b->act[i]->job);
		free(b->act[i]);
	}
	for (int i = 0; i < b->n_models; i++) model_close(b->models[i]);
	free(b->models);
	free(b->act);
	free(b);
}

int art_infer_batch_submit(art_infer_batch *b, cJSON *env, uint64_t line, void *tag)
{
	bseq *s = calloc(1, sizeof *s);
	if (!s) return ART_ENOMEM;
	s->env = env;
	s->tag = tag;
	s->line = line;
	s->slot = -1;
	if (b->wait_tail) b->wait_tail->next = s;
	else b->wait_head = s;
	b->wait_tail = s;
	b->pending++;
	return ART_OK;
}

static void push_done(art_infer_batch *b, bseq *s)
{
	s->next = NULL;
	if (b->done_tail) b->done_tail->next = s;
	else b->done_head = s;
	b->done_tail = s;
	b->st.envelopes++;
}

/* Ends a sequence in a slot: writes its output (or error) and frees the slot. */
static void seq_finish(art_infer_batch *b, bseq *s, int rc)
{
	bmodel *m = s->m;
	char err[512];
	art_gen_result res;
	rc = art_gen_seq_end(&s->g, rc, &res, err, sizeof err);
	if (rc == ART_OK) {
		b->st.prompt_tokens += (uint64_t)res.n_input;
		b->st.output_tokens += (uint64_t)res.n_output;
		b->st.cached_tokens += (uint64_t)s->cached;
	}
	int frc = art_infer_job_finish(m->inf, s->env, &s->job, rc, &res, err, s->cached);
	if (frc != ART_OK && art_env_status_get(s->env) != ART_ENV_ERROR)
		art_env_set_error(s->env, ART_ERR_STAGE, STAGE, NULL, "input line %llu: %s", (unsigned long long)s->line,
				  art_strerror(frc));
	m->slots[s->slot].seq = NULL;
	m->slots[s->slot].used = ++b->clock;
	m->n_active--;
	for (int i = 0; i < b->n_act; i++)
		if (b->act[i] == s) {
			memmove(b->act + i, b->act + i + 1, (size_t)(b->n_act - i - 1) * sizeof *b->act);
			b->n_act--;
			break;
		}
	push_done(b, s);
}

/* Puts s (prepared) into a slot of m, reusing the longest cached prefix. */
static int seq_place(art_infer_batch *b, bmodel *m, bseq *s)
{
	art_infer_slot_view v[m->n_slots];
	for (int i = 0; i < m->n_slots; i++)
		v[i] = (art_infer_slot_view){m->slots[i].toks, m->slots[i].n, m->slots[i].seq != NULL, m->slots[i].used};
	const art_gen_req *req = &s->job.req;
	int src;
	size_t reuse;
	int dest = art_infer_batch_pick(v, m->n_slots, req->prompt, req->n_prompt, b->o.prefix_cache > 0, &src, &reuse);
	bslot *d = &m->slots[dest];
	if (src >= 0 && src != dest) {
		int rc = art_model_seq_copy(m->ctx, dest, src, (int)reuse);
		ART_ASSERT(rc == ART_OK); /* reuse <= the source's positions by construction */
		memcpy(d->toks, m->slots[src].toks, reuse * sizeof *d->toks);
	} else {
		art_model_seq_truncate(m->ctx, dest, (int)reuse);
	}
	d->n = reuse;
	d->seq = s;
	d->used = ++b->clock;
	s->m = m;
	s->slot = dest;
	s->fed = reuse;
	s->cached = (int)reuse;
	s->generating = 0;
	m->n_active++;
	m->used = b->clock;
	b->act[b->n_act++] = s;
	return ART_OK;
}

static void fail_waiting(art_infer_batch *b, bseq *s, const char *code, const char *fmt, const char *what)
{
	art_env_set_error(s->env, code, STAGE, NULL, fmt, (unsigned long long)s->line, what);
	push_done(b, s);
}

/* 1 when a sequence of m still feeding its prompt shares at least 8 more tokens of req's
 * prompt than any slot holds now: admitting req once that prompt is in reuses them. */
static int worth_waiting(const art_infer_batch *b, const bmodel *m, const art_gen_req *req)
{
	if (!b->o.prefix_cache || req->n_prompt < 2) return 0;
	size_t have = 0, soon = 0;
	for (int i = 0; i < m->n_slots; i++) {
		size_t l = art_infer_batch_lcp(m->slots[i].toks, m->slots[i].n, req->prompt, req->n_prompt - 1);
		if (l > have) have = l;
		const bseq *o = m->slots[i].seq;
		if (o && !o->generating) {
			l = art_infer_batch_lcp(o->job.req.prompt, o->job.req.n_prompt, req->prompt, req->n_prompt - 1);
			if (l > soon) soon = l;
		}
	}
	return soon >= have + 8;
}

static void pop_waiting(art_infer_batch *b)
{
	bseq *s = b->wait_head;
	b->wait_head = s->next;
	if (!b->wait_head) b->wait_tail = NULL;
	s->next = NULL;
}

/* Admits waiting envelopes, oldest first, while their model has room (and the head is
 * not better off waiting for a prefix being fed). */
static int admit(art_infer_batch *b)
{
	while (b->wait_head) {
		bseq *s = b->wait_head;
		const char *path = art_infer_env_model_path(s->env);
		if (!path) path = b->o.infer.model_path;
		char err[512];
		bmodel *m = NULL;
		int rc = ART_ENOENT;
		if (path) rc = model_get(b, path, &m, err, sizeof err);
		if (rc == ART_ENOMEM) return rc;
		if (path && rc == ART_OK && (!m || m->n_active >= b->o.batch)) return ART_OK; /* wait */
		if (!path) {
			pop_waiting(b);
			fail_waiting(b, s, "no_local_model",
				     "input line %llu is routed to the local model, but none is loaded%s",
				     " (use -m MODEL or set ART_MODEL)");
			continue;
		}
		if (rc) {
			pop_waiting(b);
			fail_waiting(b, s, "model_load", "input line %llu: cannot load the model: %s", err);
			continue;
		}
		if (!s->prepared) {
			if (art_infer_job_prepare(m->inf, s->env, &s->job) != ART_OK) { /* error set on env */
				pop_waiting(b);
				push_done(b, s);
				continue;
			}
			s->prepared = 1;
		}
		if (worth_waiting(b, m, &s->job.req)) return ART_OK;
		pop_waiting(b);
		/* the sampler is the destination slot's: begin after placing */
		rc = seq_place(b, m, s);
		if (rc == ART_OK)
			rc = art_gen_seq_begin(&s->g, m->inf, m->slots[s->slot].smp, &s->job.req, err, sizeof err);
		if (rc) {
			art_infer_job_finish(m->inf, s->env, &s->job, rc, NULL, err, 0);
			m->slots[s->slot].seq = NULL;
			m->n_active--;
			b->n_act--; /* it was appended last */
			push_done(b, s);
		}
	}
	return ART_OK;
}

/* One decode for model m: generating sequences' next tokens, then prompt chunks. */
static void model_step(art_infer_batch *b, bmodel *m)
{
	/* a prompt fed over several steps stops when its deadline passes, as a generation
	 * that runs out of time does (finish_reason deadline, no text) */
	const int64_t now = art_clock_now_us();
	for (int i = 0; i < b->n_act; i++) {
		bseq *s = b->act[i];
		if (s->m != m || s->generating || !s->job.req.deadline_us || now < s->job.req.deadline_us) continue;
		s->g.res.finish = ART_FINISH_DEADLINE;
		seq_finish(b, s, ART_OK); /* takes s out of b->act */
		i--;
	}
	int n = 0;
	for (int i = 0; i < b->n_act; i++) {
		bseq *s = b->act[i];
		if (s->m != m || !s->generating) continue;
		m->btok[n] = s->next_tok;
		m->bseq_ids[n] = s->slot;
		m->blog[n] = 1;
		m->bown[n++] = s;
	}
	for (int i = 0; i < b->n_act && n < m->n_batch; i++) {
		bseq *s = b->act[i];
		if (s->m != m || s->generating) continue;
		size_t k = s->job.req.n_prompt - s->fed;
		if (k > (size_t)(m->n_batch - n)) k = (size_t)(m->n_batch - n);
		for (size_t j = 0; j < k; j++) {
			m->btok[n] = s->job.req.prompt[s->fed + j];
			m->bseq_ids[n] = s->slot;
			m->blog[n] = s->fed + j + 1 == s->job.req.n_prompt;
			m->bown[n++] = s;
		}
		s->fed += k;
	}
	if (!n) return;
	const int64_t t0 = art_clock_mono_us();
	int rc = art_model_decode(m->ctx, &(art_model_batch){.n = n, .tokens = m->btok, .seq = m->bseq_ids,
							      .logits = m->blog});
	b->st.decode_s += (double)(art_clock_mono_us() - t0) / 1e6;
	b->st.decodes++;
	if (rc) { /* nothing was fed: every sequence in the batch fails */
		for (int i = 0; i < n; i++)
			if (m->slots[m->bown[i]->slot].seq == m->bown[i]) seq_finish(b, m->bown[i], rc);
		return;
	}
	for (int i = 0; i < n; i++) {
		bslot *sl = &m->slots[m->bseq_ids[i]];
		sl->toks[sl->n++] = m->btok[i];
	}
	for (int i = 0; i < n; i++) {
		if (!m->blog[i]) continue;
		bseq *s = m->bown[i];
		if (!s->generating) {
			art_gen_seq_prompt_done(&s->g);
			s->generating = 1;
		}
		int r = art_gen_seq_next(&s->g, art_model_logits(m->ctx, i), art_model_seq_n_past(m->ctx, s->slot),
					 &s->next_tok);
		if (r != 1) seq_finish(b, s, r < 0 ? r : ART_OK);
	}
}

int art_infer_batch_step(art_infer_batch *b)
{
	int rc = admit(b);
	if (rc) return rc;
	for (int i = 0; i < b->n_models; i++)
		if (b->models[i]->n_active) model_step(b, b->models[i]);
	return ART_OK;
}

int art_infer_batch_busy(const art_infer_batch *b) { return b->wait_head || b->n_act; }

int art_infer_batch_next(art_infer_batch *b, cJSON **env, void **tag)
{
	bseq *s = b->done_head;
	if (!s) return 0;
	b->done_head = s->next;
	if (!b->done_head) b->done_tail = NULL;
	*env = s->env;
	*tag = s->tag;
	free(s);
	b->pending--;
	return 1;
}

size_t art_infer_batch_pending(const art_infer_batch *b) { return b->pending; }

void art_infer_batch_stats_get(const art_infer_batch *b, art_infer_batch_stats *st) { *st = b->st; }

static int p_submit(void *b, cJSON *env, uint64_t line, void *tag) { return art_infer_batch_submit(b, env, line, tag); }
static int p_step(void *b) { return art_infer_batch_step(b); }
static int p_busy(const void *b) { return art_infer_batch_busy(b); }
static int p_next(void *b, cJSON **env, void **tag) { return art_infer_batch_next(b, env, tag); }

art_provider_local art_infer_batch_participant(art_infer_batch *b)
{
	return (art_provider_local){.ctx = b, .cap = b->o.batch, .submit = p_submit, .step = p_step, .busy = p_busy,
				    .next = p_next};
}

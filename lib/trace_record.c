/* trace_record.c — the record loop (see trace_record.h). */
#include "trace_record.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "schemas.h"
#include "err.h"
#include "trace_buf.h"
#include "trace_eval.h"
#include "utf8.h"
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE "art-trace"
#define MAX_CHECKS 4

typedef struct {
	art_trace_store *s;
	const art_trace_record_opts *o;
	art_trace_record_stats *st;
	art_trace_buf body;
	uint64_t pending;      /* envelopes in the open transaction */
	int64_t first_us;      /* monotonic time of the first of them */
	int in_tx;
} recorder;

static void store_fail(recorder *r, const char *what)
{
	if (r->st->store_rc)
		return;
	r->st->store_rc = ART_EIO;
	snprintf(r->st->store_err, sizeof r->st->store_err, "%s: %s", what, art_trace_store_errmsg(r->s));
	if (r->in_tx)
		art_trace_store_rollback(r->s);
	r->in_tx = 0;
	r->st->stored -= r->pending < r->st->stored ? r->pending : r->st->stored;
	r->pending = 0;
}

static void commit(recorder *r)
{
	if (!r->in_tx)
		return;
	if (art_trace_store_commit(r->s) != ART_OK) {
		store_fail(r, "commit");
		return;
	}
	r->in_tx = 0;
	r->pending = 0;
}

/* ---- per-envelope arenas for cJSON ----
 * While recording, cJSON allocates through these hooks.  Every block carries a 16-byte
 * header saying where it came from: the arena of the envelope being parsed (freeing is a
 * no-op; the arena goes with the envelope and is released in one go after it is stored)
 * or the heap (plain malloc/free, e.g. items added by the capture filter). */
#define TAG_HEAP 0x68656170u
#define TAG_ARENA 0x6172656eu
#define ARENA_BLOCK (32u << 10)

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	_Alignas(16) char data[];
} arena_block;

typedef struct {
	arena_block *head;
} arena;

static __thread arena *cur_arena;

static void *hook_malloc(size_t n)
{
	size_t need = (n + 16 + 15) & ~(size_t)15;
	char *p;
	if (cur_arena) {
		arena_block *b = cur_arena->head;
		if (!b || b->used + need > b->cap) {
			size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
			arena_block *nb = malloc(sizeof *nb + cap);
			if (!nb)
				return NULL;
			nb->next = b;
			nb->used = 0;
			nb->cap = cap;
			cur_arena->head = b = nb;
		}
		p = b->data + b->used;
		b->used += need;
		*(uint32_t *)p = TAG_ARENA;
		return p + 16;
	}
	p = malloc(n + 16);
	if (!p)
		return NULL;
	*(uint32_t *)p = TAG_HEAP;
	return p + 16;
}

static void hook_free(void *q)
{
	if (!q)
		return;
	char *p = (char *)q - 16;
	if (*(uint32_t *)p == TAG_HEAP) {
		*(uint32_t *)p = 0;
		free(p);
	}
}

/* Spent arenas are kept (first block only, emptied) for the next envelopes. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static arena *pool[512];
static size_t npool;

static arena *arena_new(void)
{
	arena *a = NULL;
	pthread_mutex_lock(&pool_mu);
	if (npool)
		a = pool[--npool];
	pthread_mutex_unlock(&pool_mu);
	return a ? a : calloc(1, sizeof(arena));
}

static void arena_release(arena *a)
{
	for (arena_block *b = a->head, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	free(a);
}

static void arena_free(arena *a)
{
	if (!a)
		return;
	arena_block *keep = a->head;
	while (keep && keep->next) { /* keep the oldest (first allocated) block */
		arena_block *nx = keep->next;
		free(keep);
		keep = nx;
	}
	a->head = keep;
	if (keep)
		keep->used = 0;
	pthread_mutex_lock(&pool_mu);
	if (npool < sizeof pool / sizeof *pool) {
		pool[npool++] = a;
		a = NULL;
	}
	pthread_mutex_unlock(&pool_mu);
	if (a)
		arena_release(a);
}

static void arena_pool_drain(void)
{
	pthread_mutex_lock(&pool_mu);
	while (npool)
		arena_release(pool[--npool]);
	pthread_mutex_unlock(&pool_mu);
}

/* One envelope on its way from the reading to the storing thread. */
typedef struct {
	cJSON *env;
	arena *a;
	int red;                        /* redactions made by the capture filter; < 0: failed */
	size_t nev;                     /* check results */
	art_trace_eval evs[MAX_CHECKS]; /* explanation: set from expl when stored */
	char expl[MAX_CHECKS][160];
	char *req_id;                   /* malloc'd copy of the id when nev > 0 */
} item;

/* Storing thread, first thing: run the checks on the full envelope (heap allocations),
 * then apply the capture mode, allocating in the envelope's arena (which the reading
 * thread no longer touches). */
static void prepare(const art_trace_record_opts *o, item *it)
{
	cJSON *env = it->env;
	it->nev = 0;
	it->req_id = NULL;
	for (size_t i = 0; i < o->nchecks && i < MAX_CHECKS; i++)
		if (art_trace_check_run(o->checks[i], env, &it->evs[it->nev], it->expl[it->nev],
					sizeof it->expl[it->nev]) == ART_OK)
			it->nev++;
	if (it->nev) {
		const cJSON *idj = cJSON_GetObjectItemCaseSensitive(env, "id");
		it->req_id = strdup(cJSON_IsString(idj) ? idj->valuestring : "");
		if (!it->req_id)
			it->red = ART_ENOMEM;
	}
	cur_arena = it->a;
	if (it->red >= 0)
		it->red = art_trace_capture_apply(env, o->capture, o->rules);
	cur_arena = NULL;
}

/* Storing thread: print and insert, commit by count and time. */
static void store(recorder *r, item *it)
{
	const art_trace_record_opts *o = r->o;
	cJSON *env = it->env;
	if (r->st->store_rc)
		return;
	art_trace_buf_reset(&r->body);
	art_trace_buf_json(&r->body, env);
	if (it->red < 0 || r->body.oom) {
		r->st->store_rc = ART_ENOMEM;
		snprintf(r->st->store_err, sizeof r->st->store_err, "out of memory");
		return;
	}
	r->st->redactions += (uint64_t)it->red;
	if (!r->in_tx) {
		if (art_trace_store_begin(r->s) != ART_OK) {
			store_fail(r, "begin");
			return;
		}
		r->in_tx = 1;
		r->first_us = art_clock_mono_us();
	}
	int64_t now = art_clock_now_us();
	if (art_trace_store_put_envelope(r->s, env, r->body.p, r->body.len, o->stage, o->capture, now)) {
		store_fail(r, "storing an envelope");
		return;
	}
	for (size_t i = 0; i < it->nev; i++) {
		art_trace_eval *e = &it->evs[i];
		e->req_id = it->req_id;
		e->explanation = it->expl[i];
		e->time_us = now;
		if (art_trace_store_put_eval(r->s, e) != ART_OK) {
			store_fail(r, "storing an evaluation");
			return;
		}
		r->st->evals++;
	}
	r->st->stored++;
	r->pending++;
	if (r->pending >= o->batch || art_clock_mono_us() - r->first_us >= o->flush_us)
		commit(r);
}

/* ---- the storing thread ----
 * The reading thread parses and writes each line, then hands envelopes over in batches
 * (of up to BATCH, or fewer whenever its input buffer runs dry, so nothing waits on more
 * input) through a bounded queue; the storing thread filters, prints and inserts them,
 * committing by count and by time (also when no envelope comes). */
#define QCAP 256
#define BATCH 64

typedef struct {
	recorder *r;
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	item q[QCAP];
	size_t head, n;
	int eof;
} queue;

static void *store_main(void *arg)
{
	queue *qu = arg;
	recorder *r = qu->r;
	item local[BATCH];
	pthread_mutex_lock(&qu->mu);
	for (;;) {
		while (!qu->n && !qu->eof) {
			if (r->in_tx) {
				int64_t left = r->o->flush_us - (art_clock_mono_us() - r->first_us);
				if (left <= 0) {
					pthread_mutex_unlock(&qu->mu);
					commit(r);
					pthread_mutex_lock(&qu->mu);
					continue;
				}
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				int64_t ns = ts.tv_nsec + (left % 1000000) * 1000;
				ts.tv_sec += left / 1000000 + ns / 1000000000;
				ts.tv_nsec = ns % 1000000000;
				pthread_cond_timedwait(&qu->nonempty, &qu->mu, &ts);
			} else {
				pthread_cond_wait(&qu->nonempty, &qu->mu);
			}
		}
		if (!qu->n && qu->eof)
			break;
		size_t k = 0;
		while (qu->n && k < BATCH) {
			local[k++] = qu->q[qu->head];
			qu->head = (qu->head + 1) % QCAP;
			qu->n--;
		}
		pthread_cond_signal(&qu->nonfull);
		pthread_mutex_unlock(&qu->mu);
		for (size_t i = 0; i < k; i++) {
			prepare(r->o, &local[i]);
			store(r, &local[i]);
			cJSON_Delete(local[i].env);
			arena_free(local[i].a);
			free(local[i].req_id);
		}
		pthread_mutex_lock(&qu->mu);
	}
	pthread_mutex_unlock(&qu->mu);
	commit(r);
	return NULL;
}

static void hand_over(queue *qu, item *batch, size_t *nb)
{
	size_t i = 0;
	if (!*nb)
		return;
	pthread_mutex_lock(&qu->mu);
	while (i < *nb) {
		while (qu->n == QCAP)
			pthread_cond_wait(&qu->nonfull, &qu->mu);
		while (i < *nb && qu->n < QCAP) {
			qu->q[(qu->head + qu->n) % QCAP] = batch[i++];
			qu->n++;
		}
		pthread_cond_signal(&qu->nonempty);
	}
	pthread_mutex_unlock(&qu->mu);
	*nb = 0;
}

int art_trace_record_run(art_trace_store *s, const art_trace_record_opts *o, FILE *in,
			 FILE *out, art_trace_record_stats *st)
{
	recorder r = {.s = s, .o = o, .st = st};
	art_env_writer *w = NULL;
	struct stat sb;
	/* flush per line where someone may be waiting on the other end */
	int line_flush = isatty(fileno(out)) ||
			 (fstat(fileno(out), &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)));
	char *buf = NULL;
	size_t cap = 0;
	int rc = ART_OK;
	memset(st, 0, sizeof *st);
	if (art_env_writer_new(&w, out) != ART_OK)
		return ART_ENOMEM;
	queue *qu = calloc(1, sizeof *qu);
	pthread_condattr_t ca;
	pthread_t th;
	if (!qu) {
		art_env_writer_free(w);
		return ART_ENOMEM;
	}
	qu->r = &r;
	pthread_mutex_init(&qu->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&qu->nonempty, &ca);
	pthread_cond_init(&qu->nonfull, NULL);
	pthread_condattr_destroy(&ca);
	/* ART_STRICT=1: check each envelope against the full contract, as every stage's
	 * filter loop does.  The schema code frees some cJSON output with free(), so the
	 * arena hooks stay off then. */
	const char *se = getenv("ART_STRICT");
	int strict = se && *se && strcmp(se, "0") != 0;
	cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};
	if (!strict)
		cJSON_InitHooks(&hooks);
	if (pthread_create(&th, NULL, store_main, qu) != 0) {
		cJSON_InitHooks(NULL);
		free(qu);
		art_env_writer_free(w);
		return ART_ENOMEM;
	}
	item batch[BATCH];
	size_t nb = 0;
	for (;;) {
		/* about to block on input: let the storing thread have what we hold */
		if (nb && in->_IO_read_ptr >= in->_IO_read_end)
			hand_over(qu, batch, &nb);
		errno = 0;
		ssize_t n = getline(&buf, &cap, in);
		if (n < 0) {
			if (ferror(in))
				rc = ART_EIO;
			break;
		}
		st->in++;
		size_t len = (size_t)n;
		if (len && buf[len - 1] == '\n')
			len--;
		if (len && buf[len - 1] == '\r')
			len--;
		int bad;
		arena *a = arena_new();
		cur_arena = a;
		cJSON *env = a ? art_env_parse_line(STAGE, buf, len, st->in, &bad) : NULL;
		cur_arena = NULL;
		if (!env) {
			arena_free(a);
			rc = ART_ENOMEM;
			break;
		}
		int wrc;
		char why[512];
		cJSON *details = NULL;
		if (!bad && strict && art_schemas_check_envelope(env, why, sizeof why, &details) != ART_OK) {
			bad = 1;
			art_env_set_error(env, ART_ERR_BAD_ENVELOPE, STAGE, details,
					  "input line %llu breaks the envelope contract: %s",
					  (unsigned long long)st->in, why);
		}
		if (bad) {
			st->bad++;
			wrc = art_env_write(w, env);
		} else {
			buf[len] = '\n';
			wrc = fwrite(buf, 1, len + 1, out) == len + 1 ? ART_OK : ART_EIO;
			if (wrc == ART_OK && line_flush && fflush(out) != 0)
				wrc = ART_EIO;
		}
		if (art_env_status_get(env) == ART_ENV_ERROR)
			st->errors++;
		if (wrc != ART_OK) {
			cJSON_Delete(env);
			arena_free(a);
			if (errno == EPIPE) {
				st->epipe = 1;
				art_cli_set_epipe();
			} else {
				rc = wrc;
			}
			break;
		}
		st->out++;
		batch[nb].env = env;
		batch[nb].a = a;
		batch[nb].red = 0;
		batch[nb++].nev = 0;
		if (nb == BATCH)
			hand_over(qu, batch, &nb);
	}
	hand_over(qu, batch, &nb);
	pthread_mutex_lock(&qu->mu);
	qu->eof = 1;
	pthread_cond_signal(&qu->nonempty);
	pthread_mutex_unlock(&qu->mu);
	pthread_join(th, NULL);
	cJSON_InitHooks(NULL);
	arena_pool_drain();
	if (rc == ART_OK && !st->epipe && fflush(out) != 0) {
		if (errno == EPIPE) {
			st->epipe = 1;
			art_cli_set_epipe();
		} else {
			rc = ART_EIO;
		}
	}
	pthread_mutex_destroy(&qu->mu);
	pthread_cond_destroy(&qu->nonempty);
	pthread_cond_destroy(&qu->nonfull);
	free(qu);
	free(buf);
	art_trace_buf_free(&r.body);
	art_env_writer_free(w);
	return rc;
}

/* policy_run.c — batched, OpenMP-parallel envelope filter loop (see policy_run.h). */
#include "policy_run.h"
#include "json_arena.h"
#include "json_write.h"
#include "cli.h"
#include "err.h"
#include "schemas.h"
#include "utf8.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 1024 /* lines per batch: barriers are rare, envelopes are freed as soon as printed */
#define READ_CHUNK (1 << 20)

typedef struct {
	const char *s; /* line bytes (not NUL-terminated), without the newline */
	size_t len;
	uint64_t line;
	cJSON *env;
	int deferred;
	char *out;     /* printed line (with '\n'), owned by the slot */
	size_t outlen, outcap;
	int is_error;
	int failed;    /* ENOMEM while printing */
	int bad;       /* the line was not an envelope */
} slot;

static void print_slot(slot *sl)
{
	if (!sl->env) {
		sl->failed = 1;
		return;
	}
	sl->is_error = art_env_status_get(sl->env) == ART_ENV_ERROR;
	art_json_buf j = {sl->out, 0, sl->outcap, 0};
	art_json_write(&j, sl->env);
	art_json_put(&j, "\n", 1);
	sl->out = j.b;
	sl->outcap = j.cap;
	sl->outlen = j.n;
	sl->failed = j.oom;
}

/* Strict mode: the envelope against schemas/envelope.schema.json (art_env_filter_run's). */
static int strict_bad(slot *sl, const char *stage, const char *what)
{
	char why[512];
	cJSON *details = NULL;
	if (art_schemas_check_envelope(sl->env, why, sizeof why, &details) == ART_OK)
		return 0;
	if (!strcmp(what, "input"))
		art_env_set_error(sl->env, ART_ERR_BAD_ENVELOPE, stage, details,
				  "input line %llu breaks the envelope contract: %s", (unsigned long long)sl->line, why);
	else
		art_env_set_error(sl->env, ART_ERR_BAD_ENVELOPE, stage, details,
				  "stage wrote an envelope that breaks the contract: %s", why);
	return 1;
}

/* Strict checks run with no arena in use: the envelope schema is compiled on first use
 * and kept. */
static int strict_bad_heap(slot *sl, const char *stage, const char *what)
{
	art_json_arena *a = art_json_arena_use(NULL);
	int bad = strict_bad(sl, stage, what);
	art_json_arena_use(a);
	return bad;
}

/* Parses, checks and prints one line with the thread's arena a in use.  An envelope
 * deferred to serial keeps its arena memory until the next batch; any other is printed
 * and its memory given back at once. */
static void process(const art_policy_runner *r, int strict, int thread, slot *sl, art_json_arena *a)
{
	art_json_arena_mark m = art_json_arena_get_mark(a);
	art_json_arena *prev = art_json_arena_use(a);
	unsigned long heap0 = art_json_arena_heap_count();
	sl->deferred = 0;
	sl->env = art_env_parse_line(r->stage, sl->s, sl->len, sl->line, &sl->bad);
	if (sl->env && !sl->bad && strict && strict_bad_heap(sl, r->stage, "input")) {
		sl->bad = 1;
	} else if (sl->env && !sl->bad && r->fn && (r->all_status || art_env_status_get(sl->env) == ART_ENV_OK)) {
		int s = r->fn(r->ctx, thread, sl->env, sl->line);
		if (s == 1 && r->serial) {
			sl->deferred = 1;
			art_json_arena_use(prev);
			return;
		}
		if (s < 0 && art_env_status_get(sl->env) != ART_ENV_ERROR)
			art_env_set_error(sl->env, ART_ERR_STAGE, r->stage, NULL, "%s failed: %s", r->stage, art_strerror(s));
		if (strict)
			strict_bad_heap(sl, r->stage, "output");
	}
	print_slot(sl);
	/* a tree wholly in the arena goes with it; one with heap parts is deleted first */
	if (art_json_arena_heap_count() != heap0)
		cJSON_Delete(sl->env);
	sl->env = NULL;
	art_json_arena_release(a, m);
	art_json_arena_use(prev);
}

/* ---- worker pool: threads sleep on a condition variable between batches (no spinning,
 * so a busy machine is not made busier); the calling thread works as thread 0 ---- */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen;        /* batch number; workers start when it changes */
	int quit, busy, n, strict;
	atomic_int next;     /* next slot to take */
	const art_policy_runner *r;
	slot *slots;
	art_json_arena **arenas;     /* one per thread */
	art_json_arena_mark *empty;  /* each arena's mark when it was new */
} pool;

typedef struct {
	pool *p;
	int id;
} worker_arg;

static void pool_work(pool *p, int id)
{
	/* the last batch is written and its envelopes deleted: the arena starts empty */
	art_json_arena_release(p->arenas[id], p->empty[id]);
	for (;;) {
		int i = atomic_fetch_add(&p->next, 8);
		if (i >= p->n)
			return;
		for (int k = i; k < i + 8 && k < p->n; k++)
			process(p->r, p->strict, id, &p->slots[k], p->arenas[id]);
	}
}

static void *worker(void *va)
{
	worker_arg *a = va;
	pool *p = a->p;
	unsigned seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		pool_work(p, a->id);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Processes slots[0..n) on every thread of the pool; returns when all are done. */
static void pool_run(pool *p, int nworkers, int n)
{
	pthread_mutex_lock(&p->mu);
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = nworkers;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	pool_work(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

int art_policy_run(const art_policy_runner *r, int in_fd, FILE *out, art_env_stats *st)
{
	memset(st, 0, sizeof *st);
	/* ART_STRICT=1 in the environment turns strict mode on, as in art_env_filter_run */
	const char *se = getenv("ART_STRICT");
	int strict = r->strict || (se && *se && strcmp(se, "0") != 0);
	struct stat sb;
	int line_flush = !(fstat(fileno(out), &sb) == 0 && S_ISREG(sb.st_mode));
	size_t cap = READ_CHUNK * 2, len = 0, pos = 0;
	char *buf = malloc(cap);
	slot *slots = calloc(BATCH, sizeof *slots);
	int rc = ART_OK, eof = 0, nthreads = r->threads > 1 ? r->threads : 1;
	uint64_t lineno = 0;
	art_json_arena **arenas = calloc((size_t)nthreads, sizeof *arenas);
	art_json_arena_mark *empty = calloc((size_t)nthreads, sizeof *empty);
	for (int t = 0; arenas && empty && t < nthreads && rc == ART_OK; t++)
		if ((rc = art_json_arena_new(&arenas[t])) == ART_OK)
			empty[t] = art_json_arena_get_mark(arenas[t]);
	if (!buf || !slots || !arenas || !empty || rc != ART_OK) {
		for (int t = 0; arenas && t < nthreads; t++)
			art_json_arena_free(arenas[t]);
		free(arenas);
		free(empty);
		free(buf);
		free(slots);
		return ART_ENOMEM;
	}
	/* envelopes live in the threads' arenas (json_arena.h) until the run ends */
	art_json_arena_hooks(1);
	/* r->threads - 1 workers; this thread reads, processes its share, and writes */
	pool pl = {.r = r, .slots = slots, .strict = strict, .arenas = arenas, .empty = empty};
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.go, NULL);
	pthread_cond_init(&pl.done, NULL);
	int nw = 0;
	pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
	worker_arg *args = calloc((size_t)nthreads, sizeof *args);
	for (int t = 1; tids && args && t < nthreads; t++) {
		args[nw] = (worker_arg){&pl, t};
		if (pthread_create(&tids[nw], NULL, worker, &args[nw]) != 0)
			break;
		nw++;
	}
	int n = 0, stop = 0, done = 0;
	for (;;) {
		{
			n = 0;
			while (rc == ART_OK && !stop && n < BATCH) {
				char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
				if (nl) {
					slots[n].s = buf + pos;
					slots[n].len = (size_t)(nl - (buf + pos));
					slots[n].line = ++lineno;
					n++;
					pos = (size_t)(nl - buf) + 1;
					continue;
				}
				if (eof) {
					if (pos < len) { /* a last line without newline */
						slots[n].s = buf + pos;
						slots[n].len = len - pos;
						slots[n].line = ++lineno;
						n++;
						pos = len;
					}
					break;
				}
				if (n > 0)
					break;
				/* no complete line: make room and read (this may block) */
				if (pos > 0) {
					memmove(buf, buf + pos, len - pos);
					len -= pos;
					pos = 0;
				}
				if (cap - len < READ_CHUNK) {
					char *nb = realloc(buf, cap * 2);
					if (!nb) {
						rc = ART_ENOMEM;
						break;
					}
					buf = nb;
					cap *= 2;
				}
				ssize_t got = read(in_fd, buf + len, cap - len);
				if (got < 0) {
					if (errno != EINTR)
						rc = ART_EIO;
					continue;
				}
				if (got == 0)
					eof = 1;
				len += (size_t)got;
			}
			if (n == 0)
				stop = 1;
		}
		if (stop)
			break;
		pool_run(&pl, nw, n);
		{
			for (int i = 0; i < n; i++) {
				slot *sl = &slots[i];
				if (sl->deferred) {
					int s = r->serial(r->ctx, sl->env, sl->line);
					if (s < 0 && art_env_status_get(sl->env) != ART_ENV_ERROR)
						art_env_set_error(sl->env, ART_ERR_STAGE, r->stage, NULL, "%s failed: %s",
								  r->stage, art_strerror(s));
					if (strict)
						strict_bad(sl, r->stage, "output");
					print_slot(sl);
					cJSON_Delete(sl->env);
					sl->env = NULL;
				}
			}
			for (int i = 0; i < n; i++) {
				slot *sl = &slots[i];
				st->in++;
				st->bad += (uint64_t)sl->bad;
				if (sl->failed) {
					rc = ART_ENOMEM;
				} else if (rc == ART_OK && !st->epipe) {
					if (fwrite(sl->out, 1, sl->outlen, out) != sl->outlen) {
						if (errno == EPIPE) {
							st->epipe = 1;
							art_cli_set_epipe();
						} else {
							rc = ART_EIO;
						}
					} else {
						st->out++;
						st->errors += (uint64_t)sl->is_error;
					}
				}
				sl->failed = 0;
			}
			if (rc == ART_OK && !st->epipe && line_flush && fflush(out) != 0) {
				if (errno == EPIPE) {
					st->epipe = 1;
					art_cli_set_epipe();
				} else {
					rc = ART_EIO;
				}
			}
			if (rc != ART_OK || st->epipe || (eof && pos >= len))
				done = 1;
		}
		if (done)
			break;
	}
	if (rc == ART_OK && !st->epipe && fflush(out) != 0) {
		if (errno == EPIPE) {
			st->epipe = 1;
			art_cli_set_epipe();
		} else {
			rc = ART_EIO;
		}
	}
	pthread_mutex_lock(&pl.mu);
	pl.quit = 1;
	pthread_cond_broadcast(&pl.go);
	pthread_mutex_unlock(&pl.mu);
	for (int t = 0; t < nw; t++)
		pthread_join(tids[t], NULL);
	art_json_arena_hooks(0);
	for (int t = 0; t < nthreads; t++)
		art_json_arena_free(arenas[t]);
	free(arenas);
	free(empty);
	free(tids);
	free(args);
	pthread_mutex_destroy(&pl.mu);
	pthread_cond_destroy(&pl.go);
	pthread_cond_destroy(&pl.done);
	for (int i = 0; i < BATCH; i++)
		free(slots[i].out);
	free(slots);
	free(buf);
	return rc;
}

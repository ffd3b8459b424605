/* policy_run.c — batched, multi-threaded envelope filter loop (see policy_run.h). */
#include "policy_run.h"
#include "json_arena.h"
#include "json_write.h"
#include "cli.h"
#include "err.h"
#include "schemas.h"
#include "utf8.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
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
 * deferred to serial keeps its arena memory until a is used for a batch again (two
 * batches on); any other is printed and its memory given back at once. */
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
	int quit, busy, n, strict, nworkers;
	atomic_int next;     /* next slot to take */
	const art_policy_runner *r;
	slot *slots;         /* the batch being processed */
	art_json_arena **arenas;     /* the batch's arenas, one per thread */
	art_json_arena_mark *empty;  /* their marks when they were new */
} pool;

typedef struct {
	pool *p;
	int id;
} worker_arg;

static void pool_work(pool *p, int id)
{
	/* the batch before last is written and its envelopes deleted: the arena starts empty */
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

/* Sets the workers on slots[0..n) (arenas: the batch's, one per thread). */
static void pool_start(pool *p, slot *slots, art_json_arena **arenas, art_json_arena_mark *empty, int n)
{
	pthread_mutex_lock(&p->mu);
	p->slots = slots;
	p->arenas = arenas;
	p->empty = empty;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nworkers;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
}

/* Works on the started batch as thread 0; returns when all of it is done. */
static void pool_finish(pool *p)
{
	pool_work(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* ---- input: lines of a growing buffer ---- */
typedef struct {
	int fd;
	char *buf;
	size_t cap, len, pos;
	int eof, rc;
	uint64_t lineno;
} reader;

/* 1 when a read(2) on fd would not block now. */
static int readable(int fd)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	return poll(&pf, 1, 0) != 0;
}

/* Points slots at up to BATCH complete lines (the last line may lack its newline).
 * Reads only when no complete line is buffered; with may_block 0 only if a read would
 * not block.  Returns the number of lines (0: none now, or end of input / rd->rc). */
static int fill(reader *rd, slot *slots, int may_block)
{
	int n = 0;
	while (rd->rc == ART_OK && n < BATCH) {
		char *nl = rd->pos < rd->len ? memchr(rd->buf + rd->pos, '\n', rd->len - rd->pos) : NULL;
		if (nl) {
			slots[n].s = rd->buf + rd->pos;
			slots[n].len = (size_t)(nl - (rd->buf + rd->pos));
			slots[n].line = ++rd->lineno;
			n++;
			rd->pos = (size_t)(nl - rd->buf) + 1;
			continue;
		}
		if (rd->eof) {
			if (rd->pos < rd->len) { /* a last line without newline */
				slots[n].s = rd->buf + rd->pos;
				slots[n].len = rd->len - rd->pos;
				slots[n].line = ++rd->lineno;
				n++;
				rd->pos = rd->len;
			}
			break;
		}
		if (n > 0 || (!may_block && !readable(rd->fd)))
			break;
		/* no complete line: make room and read (this may block) */
		if (rd->pos > 0) {
			memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
			rd->len -= rd->pos;
			rd->pos = 0;
		}
		if (rd->cap - rd->len < READ_CHUNK) {
			char *nb = realloc(rd->buf, rd->cap * 2);
			if (!nb) {
				rd->rc = ART_ENOMEM;
				break;
			}
			rd->buf = nb;
			rd->cap *= 2;
		}
		ssize_t got = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
		if (got < 0) {
			if (errno != EINTR)
				rd->rc = ART_EIO;
			continue;
		}
		if (got == 0)
			rd->eof = 1;
		rd->len += (size_t)got;
	}
	return n;
}

/* Reads into the free end of the buffer, if a read would not block, without moving what
 * is there (the batch being processed points into it). */
static void read_ahead(reader *rd)
{
	if (rd->eof || rd->rc != ART_OK || rd->cap - rd->len < READ_CHUNK / 4 || !readable(rd->fd))
		return;
	ssize_t got = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
	if (got < 0) {
		if (errno != EINTR)
			rd->rc = ART_EIO;
		return;
	}
	if (got == 0)
		rd->eof = 1;
	rd->len += (size_t)got;
}

/* ---- output: a processed batch, in input order ---- */

static void closed_or_failed(art_env_stats *st, int *rc)
{
	if (errno == EPIPE) {
		st->epipe = 1;
		art_cli_set_epipe();
	} else {
		*rc = ART_EIO;
	}
}

/* Writes iov[0..n) completely.  ART_OK, or -1 with errno set. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return ART_OK;
}

/* Runs serial on the batch's deferred envelopes, then writes every line (one writev:
 * the batch reaches a pipe at once) and counts them. */
static void finish_batch(const art_policy_runner *r, int strict, slot *slots, int n, int out_fd,
			 struct iovec *iov, art_env_stats *st, int *rc)
{
	for (int i = 0; i < n; i++) {
		slot *sl = &slots[i];
		if (!sl->deferred)
			continue;
		int s = r->serial(r->ctx, sl->env, sl->line);
		if (s < 0 && art_env_status_get(sl->env) != ART_ENV_ERROR)
			art_env_set_error(sl->env, ART_ERR_STAGE, r->stage, NULL, "%s failed: %s", r->stage,
					  art_strerror(s));
		if (strict)
			strict_bad(sl, r->stage, "output");
		print_slot(sl);
		cJSON_Delete(sl->env);
		sl->env = NULL;
		sl->deferred = 0;
	}
	/* lines up to the first that could not be printed */
	int niov = 0, failed = 0;
	uint64_t errors = 0;
	for (int i = 0; i < n; i++) {
		slot *sl = &slots[i];
		st->in++;
		st->bad += (uint64_t)sl->bad;
		failed |= sl->failed;
		sl->failed = 0;
		if (!failed) {
			iov[niov++] = (struct iovec){sl->out, sl->outlen};
			errors += (uint64_t)sl->is_error;
		}
	}
	if (*rc == ART_OK && !st->epipe && niov) {
		if (write_all(out_fd, iov, niov) != ART_OK) {
			closed_or_failed(st, rc);
			return;
		}
		st->out += (uint64_t)niov;
		st->errors += errors;
	}
	if (failed && *rc == ART_OK)
		*rc = ART_ENOMEM;
}

int art_policy_run(const art_policy_runner *r, int in_fd, FILE *out, art_env_stats *st)
{
	memset(st, 0, sizeof *st);
	/* ART_STRICT=1 in the environment turns strict mode on, as in art_env_filter_run */
	const char *se = getenv("ART_STRICT");
	int strict = r->strict || (se && *se && strcmp(se, "0") != 0);
	int rc = ART_OK, nthreads = r->threads > 1 ? r->threads : 1;
	/* lines go out with writev(2) on out's descriptor: nothing may wait in its buffer */
	if (fflush(out) != 0) {
		closed_or_failed(st, &rc);
		return rc;
	}
	int out_fd = fileno(out);
	reader rd = {.fd = in_fd, .cap = READ_CHUNK * 2};
	rd.buf = malloc(rd.cap);
	/* two batches: one is processed while the other is written */
	slot *slots[2] = {calloc(BATCH, sizeof(slot)), calloc(BATCH, sizeof(slot))};
	struct iovec *iov = malloc(BATCH * sizeof *iov);
	art_json_arena **arenas[2] = {calloc((size_t)nthreads, sizeof(art_json_arena *)),
				      calloc((size_t)nthreads, sizeof(art_json_arena *))};
	art_json_arena_mark *empty[2] = {calloc((size_t)nthreads, sizeof(art_json_arena_mark)),
					 calloc((size_t)nthreads, sizeof(art_json_arena_mark))};
	int ok = rd.buf && slots[0] && slots[1] && iov;
	for (int b = 0; b < 2; b++)
		for (int t = 0; ok && arenas[b] && empty[b] && t < nthreads; t++)
			if ((ok = art_json_arena_new(&arenas[b][t]) == ART_OK))
				empty[b][t] = art_json_arena_get_mark(arenas[b][t]);
	ok = ok && arenas[0] && arenas[1] && empty[0] && empty[1];
	pool pl = {.r = r, .strict = strict};
	pthread_t *tids = NULL;
	worker_arg *args = NULL;
	if (!ok) {
		rc = ART_ENOMEM;
		goto out;
	}
	/* envelopes live in the threads' arenas (json_arena.h) until the run ends */
	art_json_arena_hooks(1);
	/* r->threads - 1 workers; this thread reads, processes its share, and writes */
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.go, NULL);
	pthread_cond_init(&pl.done, NULL);
	tids = calloc((size_t)nthreads, sizeof *tids);
	args = calloc((size_t)nthreads, sizeof *args);
	for (int t = 1; tids && args && t < nthreads; t++) {
		args[pl.nworkers] = (worker_arg){&pl, t};
		if (pthread_create(&tids[pl.nworkers], NULL, worker, &args[pl.nworkers]) != 0)
			break;
		pl.nworkers++;
	}
	/* batch b is processed; then the next one is started (from lines already there, so a
	 * request/response pipe is never kept waiting), input is read ahead and b written
	 * while it runs, and this thread joins it */
	int b = 0, n = fill(&rd, slots[0], 1);
	if (n > 0) {
		pool_start(&pl, slots[0], arenas[0], empty[0], n);
		read_ahead(&rd);
		pool_finish(&pl);
	}
	while (n > 0) {
		int nb = fill(&rd, slots[!b], 0);
		if (nb > 0) {
			pool_start(&pl, slots[!b], arenas[!b], empty[!b], nb);
			read_ahead(&rd);
		}
		finish_batch(r, strict, slots[b], n, out_fd, iov, st, &rc);
		if (nb == 0 && rc == ART_OK && !st->epipe && (nb = fill(&rd, slots[!b], 1)) > 0)
			pool_start(&pl, slots[!b], arenas[!b], empty[!b], nb);
		if (nb > 0)
			pool_finish(&pl);
		if (rc != ART_OK || st->epipe)
			break;
		b = !b;
		n = nb;
	}
	if (rc == ART_OK && rd.rc != ART_OK)
		rc = rd.rc;
	pthread_mutex_lock(&pl.mu);
	pl.quit = 1;
	pthread_cond_broadcast(&pl.go);
	pthread_mutex_unlock(&pl.mu);
	for (int t = 0; t < pl.nworkers; t++)
		pthread_join(tids[t], NULL);
	/* deferred envelopes of a batch that was not written */
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < BATCH; i++)
			if (slots[k][i].env) {
				cJSON_Delete(slots[k][i].env);
				slots[k][i].env = NULL;
			}
	art_json_arena_hooks(0);
	pthread_mutex_destroy(&pl.mu);
	pthread_cond_destroy(&pl.go);
	pthread_cond_destroy(&pl.done);
out:
	free(tids);
	free(args);
	for (int k = 0; k < 2; k++) {
		for (int t = 0; arenas[k] && t < nthreads; t++)
			art_json_arena_free(arenas[k][t]);
		free(arenas[k]);
		free(empty[k]);
		for (int i = 0; slots[k] && i < BATCH; i++)
			free(slots[k][i].out);
		free(slots[k]);
	}
	free(iov);
	free(rd.buf);
	return rc;
}

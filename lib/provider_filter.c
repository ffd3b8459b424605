/* provider_filter.c — the ordered, in-flight filter loop for remote providers (see
 * art_provider_filter_run in provider.h). */
#include "cli.h"
#include "env.h"
#include "err.h"
#include "provider.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	cJSON *env;
	int bad;
	uint64_t line;
} item;

/* The reader thread's queue: envelopes from input, at most cap waiting. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	item *q;
	size_t head, len, cap;
	int eof, ioerr, stop;
	int in_read; /* the reader is inside art_env_read (may block there for ever) */
	art_env_reader *r;
	art_provider *p;
} rqueue;

static void *reader_main(void *arg)
{
	rqueue *rq = arg;
	pthread_mutex_lock(&rq->mu);
	for (;;) {
		cJSON *env;
		int bad = 0;
		if (rq->stop) {
			pthread_mutex_unlock(&rq->mu);
			return NULL;
		}
		rq->in_read = 1;
		pthread_mutex_unlock(&rq->mu);
		int rc = art_env_read(rq->r, &env, &bad);
		pthread_mutex_lock(&rq->mu);
		rq->in_read = 0;
		if (rc <= 0) {
			rq->eof = 1;
			rq->ioerr = rc < 0;
			pthread_mutex_unlock(&rq->mu);
			art_provider_wakeup(rq->p);
			return NULL;
		}
		while (rq->len == rq->cap && !rq->stop)
			pthread_cond_wait(&rq->cv, &rq->mu);
		if (rq->stop) {
			pthread_mutex_unlock(&rq->mu);
			cJSON_Delete(env);
			return NULL;
		}
		rq->q[(rq->head + rq->len) % rq->cap] = (item){env, bad, art_env_reader_line(rq->r)};
		rq->len++;
		art_provider_wakeup(rq->p);
	}
}

typedef struct {
	cJSON *env; /* NULL once written (unordered) */
	int done;
	int remote, local; /* in work there */
	int checked;       /* strict mode: a stage worked on it, check what it wrote */
} slot;

/* Runs the local part on one envelope, as art_env_filter_run does. */
static void run_other(const art_env_filter *f, cJSON *env, uint64_t line)
{
	if (!f || !f->fn || (!f->all_status && art_env_status_get(env) != ART_ENV_OK))
		return;
	int s = f->fn(f->ctx, env, line);
	if (s != ART_OK && art_env_status_get(env) != ART_ENV_ERROR)
		art_env_set_error(env, ART_ERR_STAGE, f->stage, NULL, "%s failed: %s", f->stage, art_strerror(s));
}

int art_provider_filter_run(art_provider *p, const art_env_filter *other, FILE *in, FILE *out,
			    art_env_stats *st)
{
	return art_provider_filter_run_opts(p, &(art_provider_filter_opts){.other = other}, in, out, st);
}

/* Which way the envelope at the head of the queue goes: 0 done at once, 1 remote, 2 local. */
static int route_of(const item *it, const art_provider_filter_opts *fo)
{
	if (it->bad) return 0;
	if (art_provider_handles(it->env)) return 1;
	if (fo->local && art_env_status_get(it->env) == ART_ENV_OK) return 2;
	return 0;
}

/* Writes e (checked first in strict mode unless it was bad input); 0, or 1 to stop
 * (closed output or write error in *rc). */
static int write_one(art_env_writer *w, cJSON *e, const char *strict_stage, art_env_stats *st, int *rc)
{
	if (strict_stage) art_env_strict_out(e, strict_stage);
	if (art_env_status_get(e) == ART_ENV_ERROR)
		st->errors++;
	int wrc = art_env_write(w, e);
	cJSON_Delete(e);
	if (wrc != ART_OK) {
		if (errno == EPIPE) {
			st->epipe = 1;
			art_cli_set_epipe();
		} else
			*rc = wrc;
		return 1;
	}
	st->out++;
	return 0;
}

int art_provider_filter_run_opts(art_provider *p, const art_provider_filter_opts *fo, FILE *in, FILE *out,
				 art_env_stats *st)
{
	memset(st, 0, sizeof *st);
	const art_env_filter *other = fo->other;
	const art_provider_local *local = fo->local;
	const size_t parallel = (size_t)art_provider_parallel(p);
	const size_t lcap = local ? (size_t)local->cap : 0;
	size_t window = parallel + 4 * lcap;
	const char *stage = other && other->stage ? other->stage : "art-remote";
	const char *stage_strict = art_env_strict(other) ? stage : NULL; /* NULL: not strict */
	/* the queue is on the heap: a reader left blocked on input at an early exit keeps it */
	rqueue *rqp = calloc(1, sizeof *rqp);
	slot *slots = calloc(window, sizeof *slots);
	art_env_writer *w = NULL;
	if (!rqp || !slots) {
		free(rqp);
		free(slots);
		return ART_ENOMEM;
	}
	rqueue rq0 = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .cap = window, .p = p};
	*rqp = rq0;
#define rq (*rqp)
	rq.q = calloc(window, sizeof *rq.q);
	if (!rq.q || art_env_reader_new(&rq.r, in, stage) != ART_OK || art_env_writer_new(&w, out) != ART_OK) {
		free(slots);
		free(rq.q);
		art_env_reader_free(rq.r);
		free(rqp);
		return ART_ENOMEM;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, reader_main, rqp)) {
		free(slots);
		free(rq.q);
		art_env_reader_free(rq.r);
		art_env_writer_free(w);
		free(rqp);
		return ART_EIO;
	}
	size_t head = 0, used = 0; /* ring of slots in input order */
	size_t n_remote = 0, n_local = 0;
	int rc = ART_OK, eof = 0;
	while (rc == ART_OK) {
		/* collect finished work first: it frees room for input */
		cJSON *env;
		void *tag;
		while (art_provider_next(p, &env, &tag)) {
			((slot *)tag)->done = 1;
			((slot *)tag)->remote = 0;
			n_remote--;
		}
		while (local && local->next(local->ctx, &env, &tag)) {
			((slot *)tag)->done = 1;
			((slot *)tag)->local = 0;
			n_local--;
		}
		/* take input while there is room for it */
		pthread_mutex_lock(&rq.mu);
		while (rq.len && used < window) {
			item it = rq.q[rq.head];
			const int way = route_of(&it, fo);
			if ((way == 1 && n_remote >= parallel) || (way == 2 && n_local >= lcap))
				break;
			rq.head = (rq.head + 1) % rq.cap;
			rq.len--;
			pthread_cond_broadcast(&rq.cv);
			pthread_mutex_unlock(&rq.mu);
			size_t s = (head + used++) % window;
			slots[s] = (slot){it.env, 1, 0, 0, 0};
			st->in++;
			if (it.bad)
				st->bad++;
			else if (stage_strict && art_env_strict_in(it.env, stage, it.line) != 0)
				st->bad++;
			else if ((slots[s].checked = stage_strict != NULL, way == 1)) {
				slots[s].done = 0;
				slots[s].remote = 1;
				n_remote++;
				if (art_provider_submit(p, it.env, &slots[s]) != ART_OK) {
					art_env_set_error(it.env, ART_ERR_STAGE, stage, NULL, "out of memory");
					slots[s].done = 1;
					slots[s].remote = 0;
					n_remote--;
				}
			} else if (way == 2) {
				slots[s].done = 0;
				slots[s].local = 1;
				n_local++;
				if (local->submit(local->ctx, it.env, it.line, &slots[s]) != ART_OK) {
					art_env_set_error(it.env, ART_ERR_STAGE, stage, NULL, "out of memory");
					slots[s].done = 1;
					slots[s].local = 0;
					n_local--;
				}
			} else
				run_other(other, it.env, it.line);
			pthread_mutex_lock(&rq.mu);
		}
		eof = rq.eof && !rq.len;
		if (eof && rq.ioerr)
			rc = ART_EIO;
		pthread_mutex_unlock(&rq.mu);

		/* write finished envelopes: in input order, or as they finish */
		if (fo->unordered)
			for (size_t i = 0; i < used; i++) {
				slot *sl = &slots[(head + i) % window];
				if (sl->done && sl->env) {
					cJSON *e = sl->env;
					sl->env = NULL;
					if (write_one(w, e, sl->checked ? stage_strict : NULL, st, &rc))
						goto out;
				}
			}
		while (used && slots[head].done) {
			cJSON *e = slots[head].env;
			const int checked = slots[head].checked;
			slots[head].env = NULL;
			head = (head + 1) % window;
			used--;
			if (e && write_one(w, e, checked ? stage_strict : NULL, st, &rc))
				goto out;
		}
		if (eof && !used)
			break;
		const int work = local && local->busy(local->ctx);
		if (art_provider_poll(p, work ? 0 : 200) != ART_OK)
			rc = ART_EIO;
		else if (work && (rc = local->step(local->ctx)) != ART_OK)
			break;
	}
out:
	if (rc == ART_OK && !st->epipe && art_env_writer_flush(w) != ART_OK) {
		if (errno == EPIPE) {
			st->epipe = 1;
			art_cli_set_epipe();
		} else
			rc = ART_EIO;
	}
	pthread_mutex_lock(&rq.mu);
	rq.stop = 1;
	pthread_cond_broadcast(&rq.cv);
	int reader_done = rq.eof || !rq.in_read; /* not blocked in a read: it sees stop */
	pthread_mutex_unlock(&rq.mu);
	/* envelopes still in flight (the output closed): abandon them before freeing */
	art_provider_cancel(p);
	for (size_t i = 0; i < used; i++)
		cJSON_Delete(slots[(head + i) % window].env);
	if (reader_done) {
		pthread_join(th, NULL);
		for (size_t i = 0; i < rq.len; i++)
			cJSON_Delete(rq.q[(rq.head + i) % rq.cap].env);
		art_env_reader_free(rq.r);
		free(rq.q);
		free(rqp);
	} else {
		/* the reader may be blocked reading input that will never end; it keeps the
		 * queue (a deliberate leak at an early exit: the process is about to end) */
		pthread_detach(th);
	}
#undef rq
	free(slots);
	art_env_writer_free(w);
	return rc;
}

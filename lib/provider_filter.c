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
	cJSON *env;
	int done;
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
	memset(st, 0, sizeof *st);
	size_t window = (size_t)art_provider_parallel(p);
	const char *stage = other && other->stage ? other->stage : "art-remote";
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
	int rc = ART_OK, eof = 0;
	while (rc == ART_OK) {
		/* take input while there is room */
		pthread_mutex_lock(&rq.mu);
		while (rq.len && used < window) {
			item it = rq.q[rq.head];
			rq.head = (rq.head + 1) % rq.cap;
			rq.len--;
			pthread_cond_broadcast(&rq.cv);
			pthread_mutex_unlock(&rq.mu);
			size_t s = (head + used++) % window;
			slots[s] = (slot){it.env, 1};
			st->in++;
			if (it.bad)
				st->bad++;
			else if (art_provider_handles(it.env)) {
				slots[s].done = 0;
				if (art_provider_submit(p, it.env, &slots[s]) != ART_OK) {
					art_env_set_error(it.env, ART_ERR_STAGE, stage, NULL, "out of memory");
					slots[s].done = 1;
				}
			} else
				run_other(other, it.env, it.line);
			pthread_mutex_lock(&rq.mu);
		}
		eof = rq.eof && !rq.len;
		if (eof && rq.ioerr)
			rc = ART_EIO;
		pthread_mutex_unlock(&rq.mu);

		cJSON *env;
		void *tag;
		while (art_provider_next(p, &env, &tag))
			((slot *)tag)->done = 1;
		/* write finished envelopes in input order */
		while (used && slots[head].done) {
			cJSON *e = slots[head].env;
			if (art_env_status_get(e) == ART_ENV_ERROR)
				st->errors++;
			int wrc = art_env_write(w, e);
			cJSON_Delete(e);
			slots[head].env = NULL;
			head = (head + 1) % window;
			used--;
			if (wrc != ART_OK) {
				if (errno == EPIPE) {
					st->epipe = 1;
					art_cli_set_epipe();
				} else
					rc = wrc;
				goto out;
			}
			st->out++;
		}
		if (eof && !used)
			break;
		if (art_provider_poll(p, 200) != ART_OK)
			rc = ART_EIO;
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

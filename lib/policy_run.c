/* policy_run.c — batched, OpenMP-parallel envelope filter loop (see policy_run.h). */
#include "policy_run.h"
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

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* art_env_read's parse of one line, on a buffer. */
static cJSON *parse_line(const char *stage, const char *s, size_t len, uint64_t line, int *bad)
{
	if (len && s[len - 1] == '\r')
		len--;
	*bad = 1;
	size_t lead = 0;
	while (lead < len && is_space(s[lead]))
		lead++;
	if (lead == len)
		return art_env_bad_input(stage, ART_ERR_BAD_JSON, "empty line", line, s, len);
	size_t at;
	if (!art_utf8_valid(s, len, &at)) {
		char msg[96];
		snprintf(msg, sizeof msg, "invalid UTF-8 at byte %zu", at);
		return art_env_bad_input(stage, ART_ERR_BAD_UTF8, msg, line, s, len);
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	if (j) {
		while (end < s + len && is_space(*end))
			end++;
		if (end != s + len) {
			cJSON_Delete(j);
			j = NULL;
		}
	}
	if (!j) {
		char msg[96];
		size_t off = end && end >= s && end <= s + len ? (size_t)(end - s) : 0;
		snprintf(msg, sizeof msg, "not JSON (error near byte %zu)", off);
		return art_env_bad_input(stage, ART_ERR_BAD_JSON, msg, line, s, len);
	}
	char why[200];
	if (art_env_check(j, why, sizeof why) != ART_OK) {
		cJSON_Delete(j);
		return art_env_bad_input(stage, ART_ERR_BAD_ENVELOPE, why, line, s, len);
	}
	*bad = 0;
	return j;
}

/* ---- compact JSON writer: cJSON_PrintUnformatted's output (integral numbers below 2^53
 * are written as plain digits), without a printf per number ---- */

typedef struct {
	char *b;
	size_t n, cap;
	int oom;
} jbuf;

static int jb_room(jbuf *j, size_t k)
{
	if (j->n + k + 1 <= j->cap)
		return 1;
	size_t nc = j->cap ? j->cap : 4096;
	while (nc < j->n + k + 1)
		nc *= 2;
	char *nb = realloc(j->b, nc);
	if (!nb) {
		j->oom = 1;
		return 0;
	}
	j->b = nb;
	j->cap = nc;
	return 1;
}

static void jb_put(jbuf *j, const char *s, size_t k)
{
	if (jb_room(j, k)) {
		memcpy(j->b + j->n, s, k);
		j->n += k;
	}
}

static void jb_string(jbuf *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		s = "";
	if (!jb_room(j, 2))
		return;
	j->b[j->n++] = '"';
	const unsigned char *p = (const unsigned char *)s;
	for (;;) {
		const unsigned char *run = p;
		while (*p >= 32 && *p != '"' && *p != '\\')
			p++;
		jb_put(j, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char e[7] = {'\\', 0, 0, 0, 0, 0, 0};
		size_t k = 2;
		switch (*p) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[*p >> 4], e[5] = hex[*p & 15];
			k = 6;
		}
		jb_put(j, e, k);
		p++;
	}
	jb_put(j, "\"", 1);
}

static void jb_number(jbuf *j, double d)
{
	char t[32];
	if (d != d || d - d != 0) { /* NaN or infinity: cJSON writes null */
		jb_put(j, "null", 4);
		return;
	}
	if (d == (double)(long long)d && d < 9007199254740992.0 && d > -9007199254740992.0) {
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		char *e = t + sizeof t, *q = e;
		do
			*--q = (char)('0' + u % 10);
		while (u /= 10);
		if (v < 0)
			*--q = '-';
		jb_put(j, q, (size_t)(e - q));
		return;
	}
	/* as cJSON: 15 significant digits if that reads back exactly, else 17 */
	int k = snprintf(t, sizeof t, "%1.15g", d);
	if (strtod(t, NULL) != d)
		k = snprintf(t, sizeof t, "%1.17g", d);
	jb_put(j, t, (size_t)k);
}

static void jb_value(jbuf *j, const cJSON *v)
{
	switch (v->type & 0xFF) {
	case cJSON_NULL: jb_put(j, "null", 4); break;
	case cJSON_False: jb_put(j, "false", 5); break;
	case cJSON_True: jb_put(j, "true", 4); break;
	case cJSON_Number: jb_number(j, v->valuedouble); break;
	case cJSON_String: jb_string(j, v->valuestring); break;
	case cJSON_Raw:
		if (v->valuestring)
			jb_put(j, v->valuestring, strlen(v->valuestring));
		else
			jb_put(j, "null", 4);
		break;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (v->type & 0xFF) == cJSON_Object;
		jb_put(j, obj ? "{" : "[", 1);
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				jb_put(j, ",", 1);
			if (obj) {
				jb_string(j, c->string);
				jb_put(j, ":", 1);
			}
			jb_value(j, c);
		}
		jb_put(j, obj ? "}" : "]", 1);
		break;
	}
	default: jb_put(j, "null", 4); /* cJSON_Invalid */
	}
}

static void print_slot(slot *sl)
{
	if (!sl->env) {
		sl->failed = 1;
		return;
	}
	sl->is_error = art_env_status_get(sl->env) == ART_ENV_ERROR;
	jbuf j = {sl->out, 0, sl->outcap, 0};
	jb_value(&j, sl->env);
	jb_put(&j, "\n", 1);
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

static void process(const art_policy_runner *r, int strict, int thread, slot *sl)
{
	sl->deferred = 0;
	sl->env = parse_line(r->stage, sl->s, sl->len, sl->line, &sl->bad);
	if (sl->env && !sl->bad && strict && strict_bad(sl, r->stage, "input")) {
		sl->bad = 1;
	} else if (sl->env && !sl->bad && r->fn && (r->all_status || art_env_status_get(sl->env) == ART_ENV_OK)) {
		int s = r->fn(r->ctx, thread, sl->env, sl->line);
		if (s == 1 && r->serial) {
			sl->deferred = 1;
			return;
		}
		if (s < 0 && art_env_status_get(sl->env) != ART_ENV_ERROR)
			art_env_set_error(sl->env, ART_ERR_STAGE, r->stage, NULL, "%s failed: %s", r->stage, art_strerror(s));
		if (strict)
			strict_bad(sl, r->stage, "output");
	}
	print_slot(sl);
	/* free on the thread that parsed it, at once: malloc's per-thread caches stay warm */
	cJSON_Delete(sl->env);
	sl->env = NULL;
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
} pool;

typedef struct {
	pool *p;
	int id;
} worker_arg;

static void pool_work(pool *p, int id)
{
	for (;;) {
		int i = atomic_fetch_add(&p->next, 8);
		if (i >= p->n)
			return;
		for (int k = i; k < i + 8 && k < p->n; k++)
			process(p->r, p->strict, id, &p->slots[k]);
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
	int rc = ART_OK, eof = 0;
	uint64_t lineno = 0;
	if (!buf || !slots) {
		free(buf);
		free(slots);
		return ART_ENOMEM;
	}
	/* r->threads - 1 workers; this thread reads, processes its share, and writes */
	pool pl = {.r = r, .slots = slots, .strict = strict};
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.go, NULL);
	pthread_cond_init(&pl.done, NULL);
	int nw = 0, nthreads = r->threads > 1 ? r->threads : 1;
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

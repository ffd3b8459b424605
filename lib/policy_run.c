/* policy_run.c — batched, OpenMP-parallel envelope filter loop (see policy_run.h). */
#include "policy_run.h"
#include "cli.h"
#include "err.h"
#include "schemas.h"
#include "utf8.h"
#include <errno.h>
#include <omp.h>
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

static void print_slot(slot *sl)
{
	if (!sl->env) {
		sl->failed = 1;
		return;
	}
	sl->is_error = art_env_status_get(sl->env) == ART_ENV_ERROR;
	if (!sl->out) {
		sl->outcap = 4096;
		if (!(sl->out = malloc(sl->outcap))) {
			sl->failed = 1;
			return;
		}
	}
	/* cJSON_PrintPreallocated wants 5 spare bytes; one more for the newline */
	while (!cJSON_PrintPreallocated(sl->env, sl->out, (int)sl->outcap - 6, 0)) {
		if (sl->outcap > (1u << 30)) {
			sl->failed = 1;
			return;
		}
		char *nb = realloc(sl->out, sl->outcap * 2);
		if (!nb) {
			sl->failed = 1;
			return;
		}
		sl->out = nb;
		sl->outcap *= 2;
	}
	sl->outlen = strlen(sl->out);
	sl->out[sl->outlen++] = '\n';
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

static void process(const art_policy_runner *r, int strict, slot *sl)
{
	sl->deferred = 0;
	sl->env = parse_line(r->stage, sl->s, sl->len, sl->line, &sl->bad);
	if (sl->env && !sl->bad && strict && strict_bad(sl, r->stage, "input")) {
		sl->bad = 1;
	} else if (sl->env && !sl->bad && r->fn && (r->all_status || art_env_status_get(sl->env) == ART_ENV_OK)) {
		int s = r->fn(r->ctx, omp_get_thread_num(), sl->env, sl->line);
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
	/* One parallel region for the whole run (a region per batch costs an allocation
	 * and a heap consolidation each time): one thread reads, all process, one writes. */
	/* two flags: one is set only by the reading single, the other only by the writing
	 * single, so no thread can change a flag another has still to read */
	int n = 0, stop = 0, done = 0;
#pragma omp parallel num_threads(r->threads)
	for (;;) {
#pragma omp single
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
#pragma omp for schedule(dynamic, 16)
		for (int i = 0; i < n; i++)
			process(r, strict, &slots[i]);
#pragma omp single
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
	for (int i = 0; i < BATCH; i++)
		free(slots[i].out);
	free(slots);
	free(buf);
	return rc;
}

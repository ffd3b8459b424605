/* env.c — envelope lines in and out, error envelopes, the shared filter loop. */
#include "env.h"
#include "cli.h"
#include "clock.h"
#include "err.h"
#include "json_get.h"
#include "json_parse.h"
#include "json_write.h"
#include "rand.h"
#include "schemas.h"
#include "sha256.h"
#include "utf8.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const status_names[] = {
	[ART_ENV_OK] = "ok",
	[ART_ENV_ERROR] = "error",
	[ART_ENV_BLOCKED] = "blocked",
	[ART_ENV_AWAITING_APPROVAL] = "awaiting_approval",
	[ART_ENV_DONE] = "done",
	[ART_ENV_STATUS_UNKNOWN] = "unknown",
};

const char *art_env_status_name(enum art_env_status s)
{
	ART_ASSERT(s >= ART_ENV_OK && s <= ART_ENV_STATUS_UNKNOWN);
	return status_names[s];
}

enum art_env_status art_env_status_parse(const char *s)
{
	for (int i = ART_ENV_OK; i < ART_ENV_STATUS_UNKNOWN; i++)
		if (s && !strcmp(s, status_names[i]))
			return (enum art_env_status)i;
	return ART_ENV_STATUS_UNKNOWN;
}

enum art_env_status art_env_status_get(const cJSON *env)
{
	const cJSON *s = art_json_get(env, "status");
	if (!s)
		return ART_ENV_OK;
	return cJSON_IsString(s) ? art_env_status_parse(s->valuestring) : ART_ENV_STATUS_UNKNOWN;
}

/* Sets obj[key] = item, replacing in place (keeps the key's position) or appending. */
static void set_item(cJSON *obj, const char *key, cJSON *item)
{
	if (art_json_get(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

void art_env_status_set(cJSON *env, enum art_env_status s)
{
	set_item(env, "status", cJSON_CreateString(art_env_status_name(s)));
}

cJSON *art_env_new(const char *id)
{
	char rid[40], trace[33], span[17], now[40];
	cJSON *env = cJSON_CreateObject();
	if (!env)
		return NULL;
	if (!id) {
		char hex[17];
		if (art_rand_hex(8, hex) != ART_OK) {
			cJSON_Delete(env);
			return NULL;
		}
		snprintf(rid, sizeof rid, "req-%s", hex);
		id = rid;
	}
	if (art_rand_hex(16, trace) != ART_OK || art_rand_hex(8, span) != ART_OK) {
		cJSON_Delete(env);
		return NULL;
	}
	art_clock_fmt(art_clock_now_us(), now, sizeof now);
	cJSON_AddNumberToObject(env, "art", ART_ENV_VERSION);
	cJSON_AddStringToObject(env, "id", id);
	cJSON *tr = cJSON_AddObjectToObject(env, "trace");
	cJSON_AddStringToObject(tr, "trace_id", trace);
	cJSON_AddStringToObject(tr, "span_id", span);
	cJSON_AddStringToObject(env, "created", now);
	cJSON_AddStringToObject(env, "status", "ok");
	return env;
}

/* Top-level fields whose JSON type the contract fixes (checked when present). */
static const struct {
	const char *key;
	int type; /* cJSON type bits */
} field_types[] = {
	{"id", cJSON_String},          {"trace", cJSON_Object},     {"actor", cJSON_Object},
	{"tenant", cJSON_String},      {"task", cJSON_String},      {"risk", cJSON_String},
	{"deadline", cJSON_String},    {"authority", cJSON_Object}, {"session", cJSON_String},
	{"messages", cJSON_Array},     {"params", cJSON_Object},    {"context", cJSON_Array},
	{"route", cJSON_Object},       {"output", cJSON_Object},    {"tool_results", cJSON_Array},
	{"memory_writes", cJSON_Array}, {"policy", cJSON_Object},   {"approval", cJSON_Object},
	{"status", cJSON_String},      {"error", cJSON_Object},     {"events", cJSON_Array},
	{"tools", cJSON_Array},        {"created", cJSON_String},   {"turn", cJSON_Number},
};

int art_env_check(const cJSON *env, char *err, size_t errsz)
{
	if (!cJSON_IsObject(env)) {
		snprintf(err, errsz, "an envelope is a JSON object, got %s",
			 cJSON_IsArray(env) ? "an array" : cJSON_IsString(env) ? "a string"
			 : cJSON_IsNumber(env) ? "a number" : cJSON_IsNull(env) ? "null" : "a boolean");
		return ART_EINVAL;
	}
	const cJSON *v = art_json_get(env, "art");
	if (!v) {
		snprintf(err, errsz, "missing \"art\" (envelope format version)");
		return ART_EINVAL;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != ART_ENV_VERSION) {
		snprintf(err, errsz, "unsupported envelope version (\"art\" must be %d)", ART_ENV_VERSION);
		return ART_EINVAL;
	}
	const cJSON *id = art_json_get(env, "id");
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		snprintf(err, errsz, "missing or empty \"id\"");
		return ART_EINVAL;
	}
	for (size_t i = 0; i < sizeof field_types / sizeof *field_types; i++) {
		const cJSON *f = art_json_get(env, field_types[i].key);
		if (f && !(f->type & field_types[i].type)) {
			snprintf(err, errsz, "field \"%s\" has the wrong type", field_types[i].key);
			return ART_EINVAL;
		}
	}
	const cJSON *st = art_json_get(env, "status");
	if (st && art_env_status_parse(st->valuestring) == ART_ENV_STATUS_UNKNOWN) {
		snprintf(err, errsz, "unknown status \"%.40s\"", st->valuestring);
		return ART_EINVAL;
	}
	const cJSON *m, *msgs = art_json_get(env, "messages");
	cJSON_ArrayForEach(m, msgs)
	{
		const cJSON *role = art_json_get(m, "role");
		if (!cJSON_IsObject(m) || !cJSON_IsString(role)) {
			snprintf(err, errsz, "each message needs a string \"role\"");
			return ART_EINVAL;
		}
	}
	return ART_OK;
}

void art_env_set_error(cJSON *env, const char *code, const char *stage, cJSON *details,
		       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "stage", stage);
	cJSON_AddStringToObject(e, "message", msg);
	if (details)
		cJSON_AddItemToObject(e, "details", details);
	set_item(env, "error", e);
	art_env_status_set(env, ART_ENV_ERROR);
}

cJSON *art_env_bad_input(const char *stage, const char *code, const char *message,
			 uint64_t line, const char *raw, size_t rawlen)
{
	char hex[65], id[64], now[40];
	art_sha256_hex(raw, rawlen, hex);
	snprintf(id, sizeof id, "bad-%llu-%.12s", (unsigned long long)line, hex);
	art_clock_fmt(art_clock_now_us(), now, sizeof now);
	cJSON *env = cJSON_CreateObject();
	if (!env)
		return NULL;
	cJSON_AddNumberToObject(env, "art", ART_ENV_VERSION);
	cJSON_AddStringToObject(env, "id", id);
	cJSON_AddStringToObject(env, "created", now);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "stage", stage);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddNumberToObject(e, "line", (double)line);
	cJSON_AddStringToObject(e, "input_sha256", hex);
	cJSON_AddNumberToObject(e, "input_bytes", (double)rawlen);
	cJSON_AddStringToObject(env, "status", "error");
	cJSON_AddItemToObject(env, "error", e);
	return env;
}

int art_env_event_add(cJSON *env, const char *stage, const char *name, int64_t start_us,
		      int64_t end_us, cJSON *attrs)
{
	cJSON *evs = art_json_get(env, "events");
	if (!cJSON_IsArray(evs)) {
		evs = cJSON_CreateArray();
		if (!evs) {
			cJSON_Delete(attrs);
			return ART_ENOMEM;
		}
		set_item(env, "events", evs);
	}
	cJSON *ev = cJSON_CreateObject();
	if (!ev) {
		cJSON_Delete(attrs);
		return ART_ENOMEM;
	}
	cJSON_AddStringToObject(ev, "stage", stage);
	cJSON_AddStringToObject(ev, "name", name);
	cJSON_AddNumberToObject(ev, "start_us", (double)start_us); /* exact below 2^53 */
	cJSON_AddNumberToObject(ev, "end_us", (double)end_us);
	if (attrs)
		cJSON_AddItemToObject(ev, "attrs", attrs);
	cJSON_AddItemToArray(evs, ev);
	return ART_OK;
}

int art_env_deadline(const cJSON *env, int64_t *us)
{
	const cJSON *d = art_json_get(env, "deadline");
	if (!d)
		return ART_ENOENT;
	if (!cJSON_IsString(d))
		return ART_EINVAL;
	return art_clock_parse(d->valuestring, us);
}

/* ---- reader ---- */
struct art_env_reader {
	FILE *in;
	const char *stage;
	char *buf;
	size_t cap;
	uint64_t line;
};

int art_env_reader_new(art_env_reader **out, FILE *in, const char *stage)
{
	art_env_reader *r = calloc(1, sizeof *r);
	if (!r)
		return ART_ENOMEM;
	r->in = in;
	r->stage = stage;
	*out = r;
	return ART_OK;
}

void art_env_reader_free(art_env_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

uint64_t art_env_reader_line(const art_env_reader *r) { return r->line; }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

cJSON *art_env_parse_line(const char *stage, const char *s, size_t len, uint64_t line, int *bad)
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
	/* cJSON's parse (json_parse.h), which sets end to the error position on failure (no
	 * use of its global error pointer, so this is safe from several threads) */
	const char *end = NULL;
	cJSON *j = art_json_parse(s, len, &end);
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

int art_env_read(art_env_reader *r, cJSON **env, int *bad)
{
	errno = 0;
	ssize_t n = getline(&r->buf, &r->cap, r->in);
	if (n < 0)
		return ferror(r->in) ? ART_EIO : 0;
	r->line++;
	size_t len = (size_t)n;
	if (len && r->buf[len - 1] == '\n')
		len--;
	*env = art_env_parse_line(r->stage, r->buf, len, r->line, bad);
	return *env ? 1 : ART_ENOMEM;
}

/* ---- writer ---- */
struct art_env_writer {
	FILE *f;
	int line_flush;
	art_json_buf buf;
};

int art_env_writer_new(art_env_writer **out, FILE *f)
{
	art_env_writer *w = calloc(1, sizeof *w);
	struct stat st;
	if (!w)
		return ART_ENOMEM;
	w->f = f;
	w->line_flush = !(fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode));
	*out = w;
	return ART_OK;
}

void art_env_writer_free(art_env_writer *w)
{
	if (!w)
		return;
	art_json_buf_free(&w->buf);
	free(w);
}

int art_env_write(art_env_writer *w, const cJSON *env)
{
	w->buf.n = 0;
	art_json_write(&w->buf, env);
	art_json_put(&w->buf, "\n", 1);
	if (w->buf.oom) {
		w->buf.oom = 0;
		return ART_ENOMEM;
	}
	if (fwrite(w->buf.b, 1, w->buf.n, w->f) != w->buf.n)
		return ART_EIO;
	if (w->line_flush && fflush(w->f) != 0)
		return ART_EIO;
	return ART_OK;
}

int art_env_writer_flush(art_env_writer *w) { return fflush(w->f) == 0 ? ART_OK : ART_EIO; }

/* ---- filter loop ---- */
int art_env_strict(const art_env_filter *f)
{
	/* ART_STRICT=1 in the environment turns strict mode on for every stage (the tests) */
	const char *se = getenv("ART_STRICT");
	return (f && f->strict) || (se && *se && strcmp(se, "0") != 0);
}

int art_env_strict_in(cJSON *env, const char *stage, uint64_t line)
{
	char why[512];
	cJSON *details;
	if (art_schemas_check_envelope(env, why, sizeof why, &details) == ART_OK) return 0;
	art_env_set_error(env, ART_ERR_BAD_ENVELOPE, stage, details, "input line %llu breaks the envelope contract: %s",
			  (unsigned long long)line, why);
	return -1;
}

void art_env_strict_out(cJSON *env, const char *stage)
{
	char why[512];
	cJSON *details;
	if (art_schemas_check_envelope(env, why, sizeof why, &details) != ART_OK)
		art_env_set_error(env, ART_ERR_BAD_ENVELOPE, stage, details,
				  "stage wrote an envelope that breaks the contract: %s", why);
}

int art_env_filter_run(const art_env_filter *f, FILE *in, FILE *out, art_env_stats *st)
{
	art_env_reader *r = NULL;
	art_env_writer *w = NULL;
	int rc = ART_OK;
	memset(st, 0, sizeof *st);
	const int strict = art_env_strict(f);
	if (art_env_reader_new(&r, in, f->stage) || art_env_writer_new(&w, out)) {
		art_env_reader_free(r);
		return ART_ENOMEM;
	}
	for (;;) {
		cJSON *env = NULL;
		int bad = 0;
		int got = art_env_read(r, &env, &bad);
		if (got == 0)
			break;
		if (got < 0) {
			rc = got;
			break;
		}
		st->in++;
		uint64_t line = art_env_reader_line(r);
		if (bad) {
			st->bad++;
		} else if (strict && art_env_strict_in(env, f->stage, line) != 0) {
			st->bad++;
		} else if (f->fn && (f->all_status || art_env_status_get(env) == ART_ENV_OK)) {
			int s = f->fn(f->ctx, env, line);
			if (s != ART_OK && art_env_status_get(env) != ART_ENV_ERROR)
				art_env_set_error(env, ART_ERR_STAGE, f->stage, NULL, "%s failed: %s",
						  f->stage, art_strerror(s));
			if (strict) art_env_strict_out(env, f->stage);
		}
		if (art_env_status_get(env) == ART_ENV_ERROR)
			st->errors++;
		int wrc = art_env_write(w, env);
		cJSON_Delete(env);
		if (wrc != ART_OK) {
			if (errno == EPIPE) {
				st->epipe = 1;
				art_cli_set_epipe();
			} else {
				rc = wrc;
			}
			break;
		}
		st->out++;
	}
	if (rc == ART_OK && !st->epipe && art_env_writer_flush(w) != ART_OK) {
		if (errno == EPIPE) {
			st->epipe = 1;
			art_cli_set_epipe();
		} else {
			rc = ART_EIO;
		}
	}
	art_env_reader_free(r);
	art_env_writer_free(w);
	return rc;
}

int art_env_exit_code(int run_status, const art_env_stats *st)
{
	if (run_status != ART_OK)
		return ART_EXIT_IO;
	return st->errors ? ART_EXIT_FAIL : ART_EXIT_OK;
}

/* art-trace — record envelopes and their OpenTelemetry GenAI spans; show, stats, export
 * (OTLP/HTTP JSON), replay, eval, gc.  Thin main: the logic is in lib/trace_*.c. */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "policy_redact.h"
#include "trace_buf.h"
#include "trace_eval.h"
#include "trace_otlp.h"
#include "trace_record.h"
#include "trace_show.h"
#include "trace_spans.h"
#include "trace_stats.h"
#include "trace_store.h"
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *db_path(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *e = getenv("ART_TRACE_DB");
	if (e && *e)
		return e;
	art_die(ART_EXIT_USAGE, "no database: give --db FILE or set ART_TRACE_DB");
}

static art_trace_store *open_db(const char *path, enum art_trace_open_mode mode)
{
	art_trace_store *s;
	char err[512];
	int rc = art_trace_store_open(&s, path, mode, err, sizeof err);
	if (rc != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	return s;
}

/* ---- record ---- */
static struct {
	const char *db, *stage, *capture, *policy;
	long long batch;
	const char *flush;
	art_strlist checks;
} rec = {.stage = "end", .capture = "none", .batch = 1000, .flush = "200ms"};

static const art_opt record_opts[] = {
	{"db", 'd', ART_OPT_STR, &rec.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"stage", 's', ART_OPT_STR, &rec.stage, 0, 0, "NAME", "store envelopes as they are at stage NAME (default end)"},
	{"capture", 'c', ART_OPT_STR, &rec.capture, 0, 0, "MODE", "content capture: none (default), redacted, full"},
	{"batch", 0, ART_OPT_INT, &rec.batch, 1, 1e7, "N", "commit at least every N envelopes (default 1000)"},
	{"flush", 0, ART_OPT_STR, &rec.flush, 0, 0, "TIME", "commit at least every TIME, e.g. 200ms (default)"},
	{"eval", 'e', ART_OPT_LIST, &rec.checks, 0, 0, "CHECK", "run a built-in check on each envelope (repeatable)"},
	{"policy", 'p', ART_OPT_STR, &rec.policy, 0, 0, "FILE", "also redact with art-policy's rules (policy file or rule pack)"},
	{0},
};
static const art_cmd record_cmd = {
	"art-trace record", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Pass envelopes through unchanged and store each, with its spans, in the trace database.",
	record_opts, "Checks: non-empty, contains-citation, schema-valid.\n",
};

static int cmd_record(int argc, char **argv)
{
	int n = art_cli_parse(&record_cmd, argc, argv);
	if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_trace_record_opts o = {.stage = rec.stage, .batch = (uint64_t)rec.batch};
	if (!*rec.stage)
		art_die(ART_EXIT_USAGE, "--stage: empty name");
	if (art_trace_capture_parse(rec.capture, &o.capture) != ART_OK)
		art_die(ART_EXIT_USAGE, "--capture: '%s' is not one of none, redacted, full", rec.capture);
	if (art_clock_parse_duration(rec.flush, &o.flush_us) != ART_OK || o.flush_us < 1000)
		art_die(ART_EXIT_USAGE, "--flush: '%s' is not a duration of at least 1ms", rec.flush);
	for (size_t i = 0; i < rec.checks.n; i++)
		if (art_trace_check_known(rec.checks.v[i]) != ART_OK)
			art_die(ART_EXIT_USAGE, "--eval: unknown check '%s' (non-empty, contains-citation, schema-valid)", rec.checks.v[i]);
	o.checks = rec.checks.v;
	o.nchecks = rec.checks.n;
	art_policy_redactor *rules = NULL;
	if (rec.policy) {
		char err[512];
		if (art_policy_redactor_open(&rules, rec.policy, NULL, 0, err, sizeof err) != ART_OK)
			art_die(ART_EXIT_CONFIG, "--policy: %s", err);
		o.rules = rules;
	}
	art_trace_store *s = open_db(db_path(rec.db), ART_TRACE_OPEN_CREATE);
	art_trace_record_stats st;
	/* large stdio buffers (output to a pipe is still flushed per line by the loop) and
	 * no heap trimming churn between the reading and the storing thread */
	static char inbuf[1 << 20], outbuf[1 << 20];
	setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	int rc = art_trace_record_run(s, &o, stdin, stdout, &st);
	art_trace_store_close(s);
	art_policy_redactor_close(rules);
	art_strlist_free(&rec.checks);
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	if (st.store_rc != ART_OK)
		art_die(ART_EXIT_IO, "storing stopped after %llu envelopes: %s", (unsigned long long)st.stored, st.store_err);
	art_exit(st.errors ? ART_EXIT_FAIL : ART_EXIT_OK);
}

/* Writes a rendered buffer to stdout. */
static void put_out(const art_trace_buf *b)
{
	if (b->len)
		fwrite(b->p, 1, b->len, stdout);
}

/* A time bound: RFC 3339, or a duration meaning that long ago ("1h"). */
static int64_t when(const char *opt, const char *v)
{
	int64_t us;
	if (!v)
		return 0;
	if (art_clock_parse(v, &us) == ART_OK)
		return us;
	if (art_clock_parse_duration(v, &us) == ART_OK)
		return art_clock_now_us() - us;
	art_die(ART_EXIT_USAGE, "--%s: '%s' is neither an RFC 3339 time nor a duration (30s, 5m, 2h, 1d)", opt, v);
}

/* ---- show ---- */
static struct {
	const char *db;
	long long width;
} sh = {.width = 0};
static const art_opt show_opts[] = {
	{"db", 'd', ART_OPT_STR, &sh.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"width", 'w', ART_OPT_INT, &sh.width, 10, 400, "N", "timeline width in columns (default: fit the terminal)"},
	{0},
};
static const art_cmd show_cmd = {
	"art-trace show", "[OPTION]... ID",
	"Print the timeline of request ID (or trace ID): stages, durations, route and fallbacks,\n"
	"tool calls, policy decisions, tokens, cost, status, evaluations.",
	show_opts, NULL,
};

static int cmd_show(int argc, char **argv)
{
	int n = art_cli_parse(&show_cmd, argc, argv);
	if (n != 1)
		art_die(ART_EXIT_USAGE, "show takes one request or trace ID");
	int width = (int)sh.width;
	if (!width) {
		struct winsize ws;
		width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 100 ? ws.ws_col - 66 : 40;
	}
	art_trace_store *s = open_db(db_path(sh.db), ART_TRACE_OPEN_EXISTING);
	art_trace_buf b = {0};
	int rc = art_trace_show_render(s, argv[0], width, &b);
	if (rc == ART_ENOENT)
		art_die(ART_EXIT_FAIL, "%s: no such request or trace recorded", argv[0]);
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "show %s: %s", argv[0], rc == ART_ENOMEM ? "out of memory" : art_trace_store_errmsg(s));
	put_out(&b);
	art_trace_buf_free(&b);
	art_trace_store_close(s);
	art_exit(ART_EXIT_OK);
}

/* ---- stats ---- */
static struct {
	const char *db, *since, *until;
	int json;
} stt;
static const art_opt stats_opts[] = {
	{"db", 'd', ART_OPT_STR, &stt.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"since", 0, ART_OPT_STR, &stt.since, 0, 0, "WHEN", "spans starting at or after WHEN (RFC 3339, or a duration ago: 1h)"},
	{"until", 0, ART_OPT_STR, &stt.until, 0, 0, "WHEN", "spans starting before WHEN"},
	{"json", 'j', ART_OPT_FLAG, &stt.json, 0, 0, NULL, "one JSON object with OTel-named histograms"},
	{0},
};
static const art_cmd stats_cmd = {
	"art-trace stats", "[OPTION]...",
	"Per model and per stage: count, error rate, p50/p95/p99 latency, time to first token,\n"
	"tokens, cost; evaluation summaries.",
	stats_opts, NULL,
};

static int cmd_stats(int argc, char **argv)
{
	if (art_cli_parse(&stats_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_trace_stats_opts o = {.since_us = when("since", stt.since), .until_us = when("until", stt.until), .json = stt.json};
	art_trace_store *s = open_db(db_path(stt.db), ART_TRACE_OPEN_EXISTING);
	art_trace_buf b = {0};
	int rc = art_trace_stats_report(s, &o, &b);
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "stats: %s", rc == ART_ENOMEM ? "out of memory" : art_trace_store_errmsg(s));
	put_out(&b);
	art_trace_buf_free(&b);
	art_trace_store_close(s);
	art_exit(ART_EXIT_OK);
}

/* ---- export ---- */
static struct {
	const char *db, *url, *service, *backoff, *timeout;
	art_strlist headers;
	long long batch, retries;
	int from_start;
} ex = {.service = "art", .backoff = "500ms", .timeout = "10s", .batch = 512, .retries = 5};
static const art_opt export_opts[] = {
	{"db", 'd', ART_OPT_STR, &ex.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"otlp", 0, ART_OPT_STR, &ex.url, 0, 0, "URL", "OTLP/HTTP collector (…/v1/traces is added if missing)"},
	{"header", 'H', ART_OPT_LIST, &ex.headers, 0, 0, "NAME:VALUE", "HTTP header for each request (repeatable)"},
	{"service", 0, ART_OPT_STR, &ex.service, 0, 0, "NAME", "resource service.name (default art)"},
	{"batch", 0, ART_OPT_INT, &ex.batch, 1, 100000, "N", "spans per request (default 512)"},
	{"retries", 0, ART_OPT_INT, &ex.retries, 0, 100, "N", "retries per batch (default 5)"},
	{"backoff", 0, ART_OPT_STR, &ex.backoff, 0, 0, "TIME", "first retry delay, doubled each time (default 500ms)"},
	{"timeout", 0, ART_OPT_STR, &ex.timeout, 0, 0, "TIME", "per request (default 10s)"},
	{"from-start", 0, ART_OPT_FLAG, &ex.from_start, 0, 0, NULL, "send every span again, ignoring the cursor"},
	{0},
};
static const art_cmd export_cmd = {
	"art-trace export", "--otlp URL [OPTION]...",
	"Send spans recorded since the last export to an OpenTelemetry collector as OTLP/HTTP JSON.",
	export_opts, "Prints one JSON summary line: spans, requests, retries, rejected, cursor.\n",
};

static int cmd_export(int argc, char **argv)
{
	if (art_cli_parse(&export_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!ex.url)
		art_die(ART_EXIT_USAGE, "export needs --otlp URL");
	art_trace_otlp_opts o = {.url = ex.url, .headers = ex.headers.v, .nheaders = ex.headers.n,
				 .service = ex.service, .batch = (size_t)ex.batch, .retries = (int)ex.retries,
				 .from_start = ex.from_start};
	if (art_clock_parse_duration(ex.backoff, &o.backoff_us) != ART_OK)
		art_die(ART_EXIT_USAGE, "--backoff: '%s' is not a duration", ex.backoff);
	if (art_clock_parse_duration(ex.timeout, &o.timeout_us) != ART_OK || o.timeout_us < 1000)
		art_die(ART_EXIT_USAGE, "--timeout: '%s' is not a duration of at least 1ms", ex.timeout);
	for (size_t i = 0; i < ex.headers.n; i++)
		if (!strchr(ex.headers.v[i], ':'))
			art_die(ART_EXIT_USAGE, "--header: expected NAME:VALUE");
	art_trace_store *s = open_db(db_path(ex.db), ART_TRACE_OPEN_EXISTING);
	art_trace_otlp_stats st;
	char err[512] = "";
	int rc = art_trace_otlp_export(s, &o, &st, err, sizeof err);
	printf("{\"spans\":%lld,\"requests\":%lld,\"retries\":%lld,\"rejected\":%lld,\"cursor\":%lld,\"ok\":%s}\n",
	       (long long)st.spans, (long long)st.requests, (long long)st.retries, (long long)st.rejected,
	       (long long)st.cursor, rc == ART_OK ? "true" : "false");
	art_trace_store_close(s);
	art_strlist_free(&ex.headers);
	if (rc == ART_EINVAL)
		art_die(ART_EXIT_USAGE, "%s", err);
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "export stopped (resumable): %s", err);
	art_exit(ART_EXIT_OK);
}

/* ---- replay ---- */
static struct {
	const char *db, *stage, *id, *since, *until, *status;
} rp = {.stage = "end"};
static const art_opt replay_opts[] = {
	{"db", 'd', ART_OPT_STR, &rp.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"stage", 's', ART_OPT_STR, &rp.stage, 0, 0, "NAME", "emit envelopes as recorded at stage NAME (default end)"},
	{"id", 0, ART_OPT_STR, &rp.id, 0, 0, "ID", "only request ID"},
	{"since", 0, ART_OPT_STR, &rp.since, 0, 0, "WHEN", "recorded at or after WHEN (RFC 3339 or a duration ago)"},
	{"until", 0, ART_OPT_STR, &rp.until, 0, 0, "WHEN", "recorded before WHEN"},
	{"status", 0, ART_OPT_STR, &rp.status, 0, 0, "STATUS", "only requests that ended in STATUS at some stage, e.g. error"},
	{0},
};
static const art_cmd replay_cmd = {
	"art-trace replay", "[OPTION]... > OUT.jsonl",
	"Write stored envelopes as they were at a stage, one per line, so a pipeline can resume\n"
	"from there.  Envelopes recorded with --capture none lack their contents.",
	replay_opts, NULL,
};

struct replay_ctx {
	art_env_writer *w;
	uint64_t stripped;
};

static int emit_line(void *ctx, const char *body, size_t len, const char *capture)
{
	struct replay_ctx *c = ctx;
	if (capture && strcmp(capture, "full"))
		c->stripped++;
	if (fwrite(body, 1, len, stdout) != len || fputc('\n', stdout) == EOF)
		return ART_EIO;
	(void)c->w;
	return ART_OK;
}

static int cmd_replay(int argc, char **argv)
{
	if (art_cli_parse(&replay_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (rp.status && art_env_status_parse(rp.status) == ART_ENV_STATUS_UNKNOWN)
		art_die(ART_EXIT_USAGE, "--status: '%s' is not an envelope status", rp.status);
	art_trace_replay_opts o = {.stage = rp.stage, .id = rp.id, .since_us = when("since", rp.since),
				   .until_us = when("until", rp.until), .status = rp.status};
	art_trace_store *s = open_db(db_path(rp.db), ART_TRACE_OPEN_EXISTING);
	struct replay_ctx c = {0};
	uint64_t n;
	int rc = art_trace_replay(s, &o, emit_line, &c, &n);
	if (rc == ART_EIO && ferror(stdout)) {
		if (errno == EPIPE)
			art_exit(ART_EXIT_OK);
		art_die(ART_EXIT_IO, "error writing output: %s", strerror(errno));
	}
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "replay: %s", art_trace_store_errmsg(s));
	if (c.stripped)
		art_warn("%llu replayed envelopes were recorded without full content capture", (unsigned long long)c.stripped);
	art_trace_store_close(s);
	art_exit(ART_EXIT_OK);
}

/* ---- eval ---- */
static struct {
	const char *db, *scores, *stage, *id;
	art_strlist checks;
} ev = {.stage = "end"};
static const art_opt eval_opts[] = {
	{"db", 'd', ART_OPT_STR, &ev.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"scores", 'f', ART_OPT_STR, &ev.scores, 0, 0, "FILE", "JSON lines {id, name, value, label, explanation} ('-': stdin)"},
	{"check", 'c', ART_OPT_LIST, &ev.checks, 0, 0, "CHECK", "built-in check: non-empty, contains-citation, schema-valid (repeatable)"},
	{"stage", 's', ART_OPT_STR, &ev.stage, 0, 0, "NAME", "checks read envelopes recorded at stage NAME (default end)"},
	{"id", 0, ART_OPT_STR, &ev.id, 0, 0, "ID", "checks: only request ID"},
	{0},
};
static const art_cmd eval_cmd = {
	"art-trace eval", "[OPTION]...",
	"Attach evaluation scores to recorded requests, stored as gen_ai.evaluation.result events.\n"
	"Prints one JSON line per stored result.",
	eval_opts, "Checks need output text: record with --capture redacted or full, or use\n"
		    "art-trace record --eval CHECK, which checks before contents are stripped.\n",
};

static void print_eval(const art_trace_eval *e)
{
	art_trace_buf b = {0};
	art_trace_buf_puts(&b, "{\"id\":");
	art_trace_buf_json_str(&b, e->req_id);
	art_trace_buf_puts(&b, ",\"name\":");
	art_trace_buf_json_str(&b, e->name);
	if (e->has_value)
		art_trace_buf_printf(&b, ",\"value\":%.17g", e->value);
	if (e->label) {
		art_trace_buf_puts(&b, ",\"label\":");
		art_trace_buf_json_str(&b, e->label);
	}
	art_trace_buf_puts(&b, ",\"source\":");
	art_trace_buf_json_str(&b, e->source);
	art_trace_buf_puts(&b, "}\n");
	put_out(&b);
	art_trace_buf_free(&b);
}

static int cmd_eval(int argc, char **argv)
{
	if (art_cli_parse(&eval_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!ev.scores && !ev.checks.n)
		art_die(ART_EXIT_USAGE, "eval needs --scores FILE or --check CHECK");
	for (size_t i = 0; i < ev.checks.n; i++)
		if (art_trace_check_known(ev.checks.v[i]) != ART_OK)
			art_die(ART_EXIT_USAGE, "--check: unknown check '%s' (non-empty, contains-citation, schema-valid)", ev.checks.v[i]);
	art_trace_store *s = open_db(db_path(ev.db), ART_TRACE_OPEN_EXISTING);
	int64_t now = art_clock_now_us();
	uint64_t bad = 0, stored = 0, missing = 0;
	if (art_trace_store_begin(s) != ART_OK)
		art_die(ART_EXIT_IO, "eval: %s", art_trace_store_errmsg(s));
	if (ev.scores) {
		FILE *f = strcmp(ev.scores, "-") ? fopen(ev.scores, "r") : stdin;
		if (!f)
			art_die(ART_EXIT_CONFIG, "%s: %s", ev.scores, strerror(errno));
		char *line = NULL;
		size_t cap = 0;
		uint64_t ln = 0;
		while (getline(&line, &cap, f) >= 0) {
			ln++;
			size_t k = strspn(line, " \t\r\n");
			if (!line[k])
				continue;
			cJSON *j = cJSON_Parse(line);
			art_trace_eval e;
			char why[160];
			if (!j || art_trace_eval_parse(j, &e, why, sizeof why) != ART_OK) {
				art_warn("%s:%llu: %s", ev.scores, (unsigned long long)ln, j ? why : "not JSON");
				bad++;
				cJSON_Delete(j);
				continue;
			}
			e.time_us = now;
			int rc = art_trace_store_put_eval(s, &e);
			if (rc == ART_ENOENT) {
				art_warn("%s:%llu: request '%s' is not recorded", ev.scores, (unsigned long long)ln, e.req_id);
				missing++;
			} else if (rc != ART_OK) {
				art_die(ART_EXIT_IO, "eval: %s", art_trace_store_errmsg(s));
			} else {
				print_eval(&e);
				stored++;
			}
			cJSON_Delete(j);
		}
		free(line);
		if (f != stdin)
			fclose(f);
	}
	if (ev.checks.n) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(art_trace_store_db(s),
				       "SELECT body FROM envelopes WHERE stage = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY rid",
				       -1, &q, NULL) != SQLITE_OK)
			art_die(ART_EXIT_IO, "eval: %s", art_trace_store_errmsg(s));
		sqlite3_bind_text(q, 1, ev.stage, -1, SQLITE_STATIC);
		if (ev.id)
			sqlite3_bind_text(q, 2, ev.id, -1, SQLITE_STATIC);
		uint64_t notext = 0;
		while (sqlite3_step(q) == SQLITE_ROW) {
			cJSON *env = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
			for (size_t i = 0; env && i < ev.checks.n; i++) {
				art_trace_eval e;
				char expl[160];
				int rc = art_trace_check_run(ev.checks.v[i], env, &e, expl, sizeof expl);
				if (rc == ART_ENOENT) {
					notext++;
					continue;
				}
				e.time_us = now;
				if (art_trace_store_put_eval(s, &e) != ART_OK)
					art_die(ART_EXIT_IO, "eval: %s", art_trace_store_errmsg(s));
				print_eval(&e);
				stored++;
			}
			cJSON_Delete(env);
		}
		sqlite3_finalize(q);
		if (notext)
			art_warn("%llu checks skipped: no output text stored (recorded with --capture none?)",
				 (unsigned long long)notext);
	}
	if (art_trace_store_commit(s) != ART_OK)
		art_die(ART_EXIT_IO, "eval: %s", art_trace_store_errmsg(s));
	art_trace_store_close(s);
	art_strlist_free(&ev.checks);
	if (bad)
		art_die(ART_EXIT_FAIL, "%llu score lines were not valid", (unsigned long long)bad);
	if (missing)
		art_die(ART_EXIT_FAIL, "%llu scores name requests that are not recorded", (unsigned long long)missing);
	art_exit(ART_EXIT_OK);
}

/* ---- gc ---- */
static struct {
	const char *db, *max_age;
	long long keep;
} gc;
static const art_opt gc_opts[] = {
	{"db", 'd', ART_OPT_STR, &gc.db, 0, 0, "FILE", "trace database (default $ART_TRACE_DB)"},
	{"max-age", 0, ART_OPT_STR, &gc.max_age, 0, 0, "TIME", "delete what was recorded more than TIME ago (30d)"},
	{"keep", 0, ART_OPT_INT, &gc.keep, 1, 9e18, "N", "keep only the newest N requests"},
	{0},
};
static const art_cmd gc_cmd = {
	"art-trace gc", "[--max-age TIME] [--keep N] [OPTION]...",
	"Delete old traces: envelopes, spans and evaluations, by age and by count.\n"
	"Prints one JSON line with the numbers deleted.",
	gc_opts, NULL,
};

static int cmd_gc(int argc, char **argv)
{
	if (art_cli_parse(&gc_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	int64_t age = 0;
	if (!gc.max_age && !gc.keep)
		art_die(ART_EXIT_USAGE, "gc needs --max-age TIME or --keep N");
	if (gc.max_age && art_clock_parse_duration(gc.max_age, &age) != ART_OK)
		art_die(ART_EXIT_USAGE, "--max-age: '%s' is not a duration", gc.max_age);
	art_trace_store *s = open_db(db_path(gc.db), ART_TRACE_OPEN_EXISTING);
	int64_t e, sp, evn;
	if (art_trace_store_gc(s, gc.max_age ? art_clock_now_us() - age : 0, gc.keep, &e, &sp, &evn) != ART_OK)
		art_die(ART_EXIT_IO, "gc: %s", art_trace_store_errmsg(s));
	printf("{\"envelopes\":%lld,\"spans\":%lld,\"evals\":%lld}\n", (long long)e, (long long)sp, (long long)evn);
	art_trace_store_close(s);
	art_exit(ART_EXIT_OK);
}

static const char usage[] =
	"Usage: art-trace COMMAND [OPTION]...\n"
		   "Record envelopes and their OpenTelemetry GenAI spans; inspect, export, replay.\n\n"
		   "Commands:\n"
		   "  record    pass envelopes through and store them with their spans\n"
		   "  show ID   a request's timeline (waterfall)\n"
		   "  stats     latency, errors, tokens, cost per model and per stage\n"
		   "  export    send spans to an OTLP/HTTP collector (JSON)\n"
		   "  replay    re-emit stored envelopes as they were at a stage\n"
		   "  eval      attach evaluation scores to requests\n"
		   "  gc        delete old traces (by age, by count)\n\n"
		   "'art-trace COMMAND --help' for a command's options; man art-trace for more.\n";

static const art_subcmd cmds[] = {
	{"record", cmd_record},
	{"show", cmd_show},
	{"stats", cmd_stats},
	{"export", cmd_export},
	{"replay", cmd_replay},
	{"eval", cmd_eval},
	{"gc", cmd_gc},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init("art-trace");
	art_cli_dispatch(usage, cmds, argc, argv);
}

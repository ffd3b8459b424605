/* art-trace — record envelopes and their OpenTelemetry GenAI spans; show, stats, export
 * (OTLP/HTTP JSON), replay, eval, gc.  Thin main: the logic is in lib/trace_*.c. */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "trace_eval.h"
#include "trace_record.h"
#include "trace_spans.h"
#include "trace_store.h"
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

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
	const char *db, *stage, *capture;
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
	{0},
};
static const art_cmd record_cmd = {
	"art-trace record", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Pass envelopes through unchanged and store each, with its spans, in the trace database.",
	record_opts, "Checks: non-empty, contains-citation.\n",
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
			art_die(ART_EXIT_USAGE, "--eval: unknown check '%s' (non-empty, contains-citation)", rec.checks.v[i]);
	o.checks = rec.checks.v;
	o.nchecks = rec.checks.n;
	art_trace_store *s = open_db(db_path(rec.db), ART_TRACE_OPEN_RW);
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
	art_strlist_free(&rec.checks);
	if (rc != ART_OK)
		art_die(ART_EXIT_IO, "I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	if (st.store_rc != ART_OK)
		art_die(ART_EXIT_IO, "storing stopped after %llu envelopes: %s", (unsigned long long)st.stored, st.store_err);
	art_exit(st.errors ? ART_EXIT_FAIL : ART_EXIT_OK);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: art-trace COMMAND [OPTION]...\n"
		   "Record envelopes and their OpenTelemetry GenAI spans; inspect, export, replay.\n\n"
		   "Commands:\n"
		   "  record    pass envelopes through and store them with their spans\n"
		   "  show ID   a request's timeline (waterfall)\n"
		   "  stats     latency, errors, tokens, cost per model and per stage\n"
		   "  export    send spans to an OTLP/HTTP collector (JSON)\n"
		   "  replay    re-emit stored envelopes as they were at a stage\n"
		   "  eval      attach evaluation scores to requests\n"
		   "  gc        delete old traces (by age, by count)\n\n"
		   "'art-trace COMMAND --help' for a command's options; man art-trace for more.\n");
}

int main(int argc, char **argv)
{
	art_cli_init("art-trace");
	if (argc < 2) {
		usage(stderr);
		return ART_EXIT_USAGE;
	}
	const char *c = argv[1];
	if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
		usage(stdout);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(c, "--version")) {
		printf("art-trace %s\n", ART_VERSION);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(c, "record"))
		return cmd_record(argc - 1, argv + 1);
	art_die(ART_EXIT_USAGE, "unknown command '%s'; try 'art-trace --help'", c);
}

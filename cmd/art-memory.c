/* art-memory — context recall and policy-gated memory writes on sqlite FTS5.
 * Subcommands: recall, write (filters), ingest, gc, export, import.  Logic in
 * lib/memory*.c; this file parses options and reports. */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "memory.h"
#include "memory_stage.h"
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static const char *db_path;

#define DB_OPT {"db", 0, ART_OPT_STR, &db_path, 0, 0, "FILE", "the memory database (default $ART_MEMORY_DB)"}

static art_memory *open_db(int flags)
{
	const char *p = db_path ? db_path : getenv("ART_MEMORY_DB");
	if (!p || !*p)
		art_die(ART_EXIT_CONFIG, "no database: give --db FILE or set ART_MEMORY_DB");
	art_memory *m;
	char err[512];
	int rc = art_memory_open(&m, p, flags, err, sizeof err);
	if (rc == ART_ENOMEM)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	if (rc)
		art_die(ART_EXIT_CONFIG, "%s", err);
	return m;
}

/* Bulk loads: sqlite's and FTS5's buffers come and go per transaction; without this
 * glibc hands the heap top back to the kernel each time (a third of ingest's time). */
static void bulk_malloc(void)
{
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
}

static int64_t parse_ttl(const char *s)
{
	int64_t d = 0;
	if (s && (art_clock_parse_duration(s, &d) != ART_OK || d <= 0))
		art_die(ART_EXIT_USAGE, "--ttl: '%s' is not a positive duration (30s, 5m, 2h, 7d)", s);
	return d;
}

static _Noreturn void run_filter(const char *stage, art_env_fn fn, void *cfg, art_memory *m)
{
	art_env_filter f = {.stage = stage, .fn = fn, .ctx = cfg};
	art_env_stats st;
	int rc = art_env_filter_run(&f, stdin, stdout, &st);
	if (rc != ART_OK)
		art_warn("I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	art_memory_close(m);
	art_exit(art_env_exit_code(rc, &st));
}

/* ---- recall ---- */
static struct {
	long long top_k, budget, turns, max_terms, max_df, max_rows;
	art_strlist ns;
} rc_o = {5, 1024, 4, 16, ART_MEMORY_MAX_DF, ART_MEMORY_MAX_ROWS, {0}};

static const art_opt recall_opts[] = {
	DB_OPT,
	{"top-k", 'k', ART_OPT_INT, &rc_o.top_k, 0, 1000, "N", "search hits to add at most (default 5)"},
	{"budget", 'b', ART_OPT_INT, &rc_o.budget, 0, 10000000, "TOKENS", "estimated tokens of context to add at most (default 1024)"},
	{"turns", 't', ART_OPT_INT, &rc_o.turns, 0, 1000, "N", "recent turns of the session to add at most (default 4)"},
	{"namespace", 'N', ART_OPT_LIST, &rc_o.ns, 0, 0, "NS", "search only this namespace (repeatable)"},
	{"max-terms", 0, ART_OPT_INT, &rc_o.max_terms, 1, 256, "N", "words of the query used at most (default 16)"},
	{"max-df", 0, ART_OPT_INT, &rc_o.max_df, 1, 1e9, "N", "a word in more items is a stop word (default 500)"},
	{"max-rows", 0, ART_OPT_INT, &rc_o.max_rows, 1, 1e9, "N", "items ranked per query at most (default 1000)"},
	{0},
};
static const art_cmd recall_cmd = {
	"art-memory recall", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Append context to each envelope: the recent turns of its session, then the tenant's\n"
	"items that best match its memory_query or latest user message (BM25), within\n"
	"--top-k and --budget.  An envelope without a tenant becomes error no_tenant.",
	recall_opts,
	"Tokens are estimated as (ASCII bytes + 4 x other characters) / 4, rounded up.\n",
};

static int cmd_recall(int argc, char **argv)
{
	if (art_cli_parse(&recall_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_memory *m = open_db(ART_MEMORY_OPEN_READONLY);
	art_memory_recall_cfg cfg = {
		.db = m, .top_k = (size_t)rc_o.top_k, .budget = (size_t)rc_o.budget,
		.turns = (size_t)rc_o.turns, .max_terms = (size_t)rc_o.max_terms,
		.max_df = (size_t)rc_o.max_df, .max_rows = (size_t)rc_o.max_rows,
		.namespaces = rc_o.ns.v, .n_ns = rc_o.ns.n,
	};
	run_filter("art-memory", art_memory_recall_fn, &cfg, m);
}

/* ---- write ---- */
static struct {
	int turns;
	const char *ttl, *ns;
	long long max_text;
} wr_o = {0, NULL, ART_MEMORY_NS_DEFAULT, 65536};

static const art_opt write_opts[] = {
	DB_OPT,
	{"turns", 0, ART_OPT_FLAG, &wr_o.turns, 0, 0, NULL, "also store each envelope's turn (latest user message and output.text) for its session"},
	{"ttl", 0, ART_OPT_STR, &wr_o.ttl, 0, 0, "DURATION", "lifetime of written items unless an entry sets ttl/expires (default: none)"},
	{"namespace", 'N', ART_OPT_STR, &wr_o.ns, 0, 0, "NS", "namespace of entries that name none (default \"default\")"},
	{"max-text", 0, ART_OPT_INT, &wr_o.max_text, 1, 1 << 30, "BYTES", "refuse longer texts (default 65536)"},
	{0},
};
static const art_cmd write_cmd = {
	"art-memory write", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Apply each envelope's memory_writes: entries with \"approved\": true (set by\n"
	"art-policy) are stored, de-duplicated per tenant and namespace; all others are\n"
	"refused.  Each entry gets status written, duplicate or refused (and id or reason).",
	write_opts, NULL,
};

static int cmd_write(int argc, char **argv)
{
	if (art_cli_parse(&write_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!*wr_o.ns || strlen(wr_o.ns) > ART_MEMORY_NS_MAX)
		art_die(ART_EXIT_USAGE, "--namespace: must be 1 to %d bytes", ART_MEMORY_NS_MAX);
	art_memory_write_cfg cfg = {
		.turns = wr_o.turns, .ttl_us = parse_ttl(wr_o.ttl),
		.max_text = (size_t)wr_o.max_text, .ns = wr_o.ns,
	};
	cfg.db = open_db(ART_MEMORY_OPEN_CREATE);
	run_filter("art-memory", art_memory_write_fn, &cfg, cfg.db);
}

/* ---- ingest ---- */
static struct {
	const char *tenant, *ns, *kind, *format, *ttl, *actor;
	long long chunk, overlap;
	int quiet;
} in_o = {NULL, ART_MEMORY_NS_DEFAULT, "document", "auto", NULL, NULL, 256, 32, 0};

static const art_opt ingest_opts[] = {
	DB_OPT,
	{"tenant", 0, ART_OPT_STR, &in_o.tenant, 0, 0, "NAME", "tenant that owns the items (required)"},
	{"namespace", 'N', ART_OPT_STR, &in_o.ns, 0, 0, "NS", "namespace (default \"default\")"},
	{"kind", 0, ART_OPT_STR, &in_o.kind, 0, 0, "KIND", "document (default) or fact"},
	{"format", 0, ART_OPT_STR, &in_o.format, 0, 0, "FMT", "text, jsonl or auto (by file name; default)"},
	{"chunk-tokens", 0, ART_OPT_INT, &in_o.chunk, 8, 1e6, "N", "estimated tokens per chunk at most (default 256)"},
	{"overlap", 0, ART_OPT_INT, &in_o.overlap, 0, 5e5, "N", "tokens a chunk repeats from the previous one (default 32)"},
	{"ttl", 0, ART_OPT_STR, &in_o.ttl, 0, 0, "DURATION", "lifetime of the items (default: none)"},
	{"actor", 0, ART_OPT_STR, &in_o.actor, 0, 0, "ID", "provenance: who loaded them"},
	{"quiet", 'q', ART_OPT_FLAG, &in_o.quiet, 0, 0, NULL, "no progress on stderr"},
	{0},
};
static const art_cmd ingest_cmd = {
	"art-memory ingest", "--tenant NAME [OPTION]... FILE...",
	"Load text or markdown files (or JSON lines with \"text\") into the tenant's namespace,\n"
	"chunked by paragraphs with overlap.  FILE - reads standard input.  Progress and a\n"
	"summary go to stderr; exit 1 if some file or line could not be loaded.",
	ingest_opts, NULL,
};

static void ingest_progress(void *ctx, const char *file, const art_memory_ingest_stats *st)
{
	(void)ctx;
	if (!in_o.quiet)
		fprintf(stderr, "%s: ingest: %s: %.1f MB, %llu chunks (%llu new, %llu duplicate)\n",
			art_prog(), file, (double)st->bytes / 1e6, (unsigned long long)st->chunks,
			(unsigned long long)st->written, (unsigned long long)st->duplicates);
}

static void ingest_bad_line(void *ctx, const char *file, uint64_t line, const char *why)
{
	(void)ctx;
	art_warn("%s: line %llu: %s; skipped", file, (unsigned long long)line, why);
}

static int cmd_ingest(int argc, char **argv)
{
	int n = art_cli_parse(&ingest_cmd, argc, argv);
	if (!in_o.tenant || !*in_o.tenant)
		art_die(ART_EXIT_USAGE, "ingest needs --tenant NAME");
	if (!n)
		art_die(ART_EXIT_USAGE, "no FILE given (use - for standard input)");
	if (!*in_o.ns || strlen(in_o.ns) > ART_MEMORY_NS_MAX)
		art_die(ART_EXIT_USAGE, "--namespace: must be 1 to %d bytes", ART_MEMORY_NS_MAX);
	enum art_memory_kind kind;
	if (art_memory_kind_parse(in_o.kind, &kind) || kind == ART_MEMORY_TURN)
		art_die(ART_EXIT_USAGE, "--kind: '%s' is not document or fact", in_o.kind);
	enum art_memory_format fmt = !strcmp(in_o.format, "auto")    ? ART_MEMORY_FORMAT_AUTO
				     : !strcmp(in_o.format, "text")  ? ART_MEMORY_FORMAT_TEXT
				     : !strcmp(in_o.format, "jsonl") ? ART_MEMORY_FORMAT_JSONL
								     : (enum art_memory_format)-1;
	if ((int)fmt < 0)
		art_die(ART_EXIT_USAGE, "--format: '%s' is not text, jsonl or auto", in_o.format);
	if (in_o.overlap > in_o.chunk / 2)
		art_die(ART_EXIT_USAGE, "--overlap must be at most half of --chunk-tokens");
	art_memory_ingest_cfg cfg = {
		.tenant = in_o.tenant, .ns = in_o.ns, .actor = in_o.actor, .kind = kind,
		.format = fmt, .chunk_tokens = (size_t)in_o.chunk,
		.overlap_tokens = (size_t)in_o.overlap, .ttl_us = parse_ttl(in_o.ttl),
		.progress = ingest_progress, .bad_line = ingest_bad_line,
	};
	bulk_malloc();
	cfg.db = open_db(ART_MEMORY_OPEN_CREATE);
	art_memory_ingest_stats st = {0};
	int failed = 0;
	int64_t t0 = art_clock_mono_us();
	for (int i = 0; i < n; i++) {
		char err[512] = "";
		int rc = art_memory_ingest_file(&cfg, argv[i], &st, err, sizeof err);
		if (rc == ART_ENOMEM)
			art_die(ART_EXIT_INTERNAL, "out of memory");
		if (rc) {
			art_warn("%s", err[0] ? err : art_strerror(rc));
			failed = 1;
		}
	}
	if (st.written >= 1000) { /* a bulk load: worth a merge */
		char err[512];
		if (!in_o.quiet)
			fprintf(stderr, "%s: ingest: merging the search index\n", art_prog());
		if (art_memory_optimize(cfg.db, err, sizeof err)) {
			art_warn("optimize: %s", err);
			failed = 1;
		}
	}
	double secs = (double)(art_clock_mono_us() - t0) / 1e6;
	if (!in_o.quiet)
		fprintf(stderr, "%s: ingest: %llu files, %.1f MB, %llu chunks (%llu new, %llu duplicate, %llu bad lines) in %.2f s\n",
			art_prog(), (unsigned long long)st.files, (double)st.bytes / 1e6,
			(unsigned long long)st.chunks, (unsigned long long)st.written,
			(unsigned long long)st.duplicates, (unsigned long long)st.bad_lines, secs);
	art_memory_close(cfg.db);
	art_exit(failed || st.bad_lines ? ART_EXIT_FAIL : ART_EXIT_OK);
}

/* ---- gc ---- */
static struct {
	const char *tenant;
	long long keep;
} gc_o = {NULL, -1};

static const art_opt gc_opts[] = {
	DB_OPT,
	{"tenant", 0, ART_OPT_STR, &gc_o.tenant, 0, 0, "NAME", "only this tenant (default: all)"},
	{"keep-turns", 0, ART_OPT_INT, &gc_o.keep, 0, 1e9, "N", "keep only the newest N turns of each session"},
	{0},
};
static const art_cmd gc_cmd = {
	"art-memory gc", "[OPTION]...",
	"Remove expired items and, with --keep-turns, old turns of each session.  Writes one\n"
	"JSON line {\"expired\": N, \"trimmed\": N} on stdout.",
	gc_opts, NULL,
};

static int cmd_gc(int argc, char **argv)
{
	if (art_cli_parse(&gc_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (gc_o.tenant && !*gc_o.tenant)
		art_die(ART_EXIT_USAGE, "--tenant: empty");
	art_memory *m = open_db(0);
	art_memory_gc_stats st;
	char err[512];
	int rc = art_memory_gc(m, gc_o.tenant, art_clock_now_us(), gc_o.keep, &st, err, sizeof err);
	art_memory_close(m);
	if (rc)
		art_die(ART_EXIT_IO, "gc: %s", err);
	printf("{\"expired\":%llu,\"trimmed\":%llu}\n", (unsigned long long)st.expired,
	       (unsigned long long)st.trimmed);
	art_exit(ART_EXIT_OK);
}

/* ---- export ---- */
static struct {
	const char *tenant;
} ex_o;

static const art_opt export_opts[] = {
	DB_OPT,
	{"tenant", 0, ART_OPT_STR, &ex_o.tenant, 0, 0, "NAME", "the tenant whose items to write (required)"},
	{0},
};
static const art_cmd export_cmd = {
	"art-memory export", "--tenant NAME [OPTION]... > ITEMS.jsonl",
	"Write every item of the tenant as one JSON line, oldest first.",
	export_opts, NULL,
};

static int export_one(void *ctx, const art_memory_hit *h)
{
	(void)ctx;
	cJSON *o = art_memory_item_json(h);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!s)
		return ART_ENOMEM;
	int bad = fputs(s, stdout) < 0 || putchar('\n') == EOF;
	free(s);
	return bad ? ART_EIO : ART_OK;
}

static int cmd_export(int argc, char **argv)
{
	if (art_cli_parse(&export_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!ex_o.tenant || !*ex_o.tenant)
		art_die(ART_EXIT_USAGE, "export needs --tenant NAME");
	art_memory *m = open_db(ART_MEMORY_OPEN_READONLY);
	char err[512] = "";
	int rc = art_memory_each(m, ex_o.tenant, export_one, NULL, err, sizeof err);
	art_memory_close(m);
	if (rc == ART_EIO && !err[0]) {
		if (errno == EPIPE)
			art_exit(ART_EXIT_OK);
		art_die(ART_EXIT_IO, "error writing output: %s", strerror(errno));
	}
	if (rc)
		art_die(rc == ART_ENOMEM ? ART_EXIT_INTERNAL : ART_EXIT_IO, "export: %s",
			err[0] ? err : art_strerror(rc));
	art_exit(ART_EXIT_OK);
}

/* ---- import ---- */
static struct {
	const char *tenant;
} im_o;

static const art_opt import_opts[] = {
	DB_OPT,
	{"tenant", 0, ART_OPT_STR, &im_o.tenant, 0, 0, "NAME", "lines must belong to this tenant; fills in lines without one"},
	{0},
};
static const art_cmd import_cmd = {
	"art-memory import", "[OPTION]... < ITEMS.jsonl",
	"Load items written by export, de-duplicated as by write.  A bad line is reported\n"
	"with its number and skipped.  Writes one JSON line of counts on stdout.",
	import_opts, NULL,
};

static int cmd_import(int argc, char **argv)
{
	if (art_cli_parse(&import_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (im_o.tenant && !*im_o.tenant)
		art_die(ART_EXIT_USAGE, "--tenant: empty");
	bulk_malloc();
	art_memory *m = open_db(ART_MEMORY_OPEN_CREATE);
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t len;
	unsigned long long lineno = 0;
	art_memory_import_stats st = {0};
	if (art_memory_begin(m, err, sizeof err))
		art_die(ART_EXIT_IO, "import: %s", err);
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		int dup;
		err[0] = 0;
		int rc = art_memory_import_line(m, im_o.tenant, line, (size_t)len, &dup, err, sizeof err);
		if (rc == ART_EINVAL) {
			art_warn("input line %llu: %s; skipped", lineno, err);
			st.rejected++;
		} else if (rc) {
			art_memory_rollback(m);
			art_die(rc == ART_ENOMEM ? ART_EXIT_INTERNAL : ART_EXIT_IO,
				"input line %llu: %s", lineno, err[0] ? err : art_strerror(rc));
		} else if (dup) {
			st.duplicates++;
		} else {
			st.imported++;
		}
	}
	free(line);
	if (ferror(stdin)) {
		art_memory_rollback(m);
		art_die(ART_EXIT_IO, "error reading standard input: %s", strerror(errno));
	}
	if (art_memory_commit(m, err, sizeof err))
		art_die(ART_EXIT_IO, "import: %s", err);
	art_memory_close(m);
	printf("{\"imported\":%llu,\"duplicate\":%llu,\"rejected\":%llu}\n",
	       (unsigned long long)st.imported, (unsigned long long)st.duplicates,
	       (unsigned long long)st.rejected);
	art_exit(st.rejected ? ART_EXIT_FAIL : ART_EXIT_OK);
}

/* ---- dispatch ---- */
static const char usage[] =
	"Usage: art-memory COMMAND [OPTION]...\n"
	"Context recall and policy-gated memory writes, per tenant, on sqlite FTS5.\n\n"
	"Commands:\n"
	"  recall    filter: append context (session turns, BM25 hits) to envelopes\n"
	"  write     filter: store approved memory_writes (and with --turns the turn)\n"
	"  ingest    load text/markdown/JSONL files into a tenant's namespace\n"
	"  gc        remove expired items and old session turns\n"
	"  export    write a tenant's items as JSON lines\n"
	"  import    load items from JSON lines\n\n"
	"The database is --db FILE or $ART_MEMORY_DB.\n"
	"'art-memory COMMAND --help' for a command's options; man art-memory for more.\n";

static const art_subcmd cmds[] = {
	{"recall", cmd_recall}, {"write", cmd_write},   {"ingest", cmd_ingest},
	{"gc", cmd_gc},         {"export", cmd_export}, {"import", cmd_import},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	art_cli_dispatch(usage, cmds, argc, argv);
}

/* cli.h — what every art program shares: option table parsing, messages, exit codes.
 *
 * This is the programs' tier: art_die() exits (the only lib function that does), so
 * mains stay thin.  Library modules never call anything here.
 *
 * Ownership: option tables and art_cmd are static data owned by the program.
 * ART_OPT_STR results point into argv.  ART_OPT_LIST fills an art_strlist whose
 * array (not the strings, which point into argv) is malloc'd; free with art_strlist_free.
 */
#ifndef ART_CLI_H
#define ART_CLI_H
#include <stddef.h>
#include <stdio.h>

/* Exit codes, shared by every program and listed in every man page. */
enum art_exit {
	ART_EXIT_OK = 0,       /* every envelope ended ok (or as policy decided: blocked, parked) */
	ART_EXIT_FAIL = 1,     /* some envelopes ended with status "error" */
	ART_EXIT_USAGE = 2,    /* bad command line */
	ART_EXIT_CONFIG = 3,   /* bad or missing config, schema, model or database */
	ART_EXIT_IO = 4,       /* cannot read input or write output (not EPIPE) */
	ART_EXIT_INTERNAL = 5, /* a bug: an always-on assertion failed or similar */
};

enum art_opt_kind {
	ART_OPT_FLAG,  /* int *: set to 1 */
	ART_OPT_COUNT, /* int *: incremented each time (-v -v) */
	ART_OPT_STR,   /* const char **: the argument */
	ART_OPT_INT,   /* long long *: integer in [min, max] */
	ART_OPT_DBL,   /* double *: finite number in [min, max] */
	ART_OPT_LIST,  /* art_strlist *: each occurrence appended */
};

typedef struct {
	const char **v;
	size_t n;
} art_strlist;

typedef struct {
	const char *lname;      /* long name without "--", or NULL */
	int sname;              /* short option letter, or 0 */
	enum art_opt_kind kind;
	void *dst;
	double min, max;        /* ART_OPT_INT / ART_OPT_DBL range, inclusive */
	const char *arg;        /* argument name shown in --help ("N", "FILE") */
	const char *help;       /* one line */
} art_opt;

typedef struct {
	const char *name;       /* "art-infer", "art new" */
	const char *synopsis;   /* "[OPTION]... < IN.jsonl > OUT.jsonl" */
	const char *summary;    /* one line: what it does */
	const art_opt *opts;    /* terminated by an all-zero entry; --help/--version are implicit */
	const char *epilog;     /* extra --help text (may be NULL) */
	const char *exits;      /* replaces the shared exit-status paragraph of --help (NULL:
				 * the shared one); for programs whose codes mean other things */
} art_cmd;

/* Sets the program name for messages (basename of argv0), ignores SIGPIPE so a closed
 * pipe shows up as EPIPE, and makes stdout fully buffered when it is a regular file. */
void art_cli_init(const char *argv0);
const char *art_prog(void);

/* Parses options in argv[1..argc) by the table.  Positionals are kept in order and
 * moved to argv[0..n); returns n.  "--" ends options.  --help prints usage on stdout and
 * exits 0; --version likewise; any error prints "prog: message" plus a hint and exits 2. */
int art_cli_parse(const art_cmd *cmd, int argc, char **argv);
void art_cli_usage(const art_cmd *cmd, FILE *f);
void art_strlist_free(art_strlist *l);

/* Programs with subcommands ("art-gguf info ..."): one entry per command. */
typedef struct {
	const char *name;
	int (*run)(int argc, char **argv); /* gets argv[0] = the command name */
} art_subcmd;
/* Runs the subcommand named by argv[1] with (argc - 1, argv + 1) and exits with what it
 * returns.  --help/-h print usage on stdout (exit 0), --version the version; no or an
 * unknown command prints usage or a message on stderr and exits 2. */
_Noreturn void art_cli_dispatch(const char *usage, const art_subcmd *cmds, int argc, char **argv);

/* Strict number parsing (no atoi): the whole string must be a number in range.
 * Return 0 on success, -1 otherwise. */
int art_parse_ll(const char *s, long long min, long long max, long long *out);
int art_parse_dbl(const char *s, double min, double max, double *out);

/* "prog: message\n" on stderr. */
void art_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* art_warn, then art_exit(code). */
_Noreturn void art_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flushes and closes stdout and exits.  A write error other than EPIPE turns code into
 * ART_EXIT_IO with a message; EPIPE (the reader went away) is a normal end of a pipeline. */
_Noreturn void art_exit(int code);
/* 1 once a write to stdout failed with EPIPE (callers stop reading input). */
int art_cli_epipe(void);
void art_cli_set_epipe(void);
#endif

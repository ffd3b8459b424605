/* env.h — the envelope: one JSON object per line, the contract between art stages.
 *
 * The field reference is schemas/envelope.schema.json (the single source of truth) and
 * man/art-envelope.7.  This module reads and writes envelope lines, builds error
 * envelopes for bad input, and runs the per-line filter loop every stage shares.
 *
 * Ownership: cJSON trees returned by art_env_new / art_env_bad_input / art_env_read
 * belong to the caller (cJSON_Delete).  art_env_write never takes ownership.
 * art_env_event_add and art_env_set_error take ownership of the attrs/details they are
 * given.  Readers and writers are freed with their _free; they never close the FILE.
 */
#ifndef ART_ENV_H
#define ART_ENV_H
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#define ART_ENV_VERSION 1

enum art_env_status {
	ART_ENV_OK = 0,
	ART_ENV_ERROR,
	ART_ENV_BLOCKED,
	ART_ENV_AWAITING_APPROVAL,
	ART_ENV_DONE,
	ART_ENV_STATUS_UNKNOWN, /* a status string this version does not know */
};

/* Stable error codes written by this module. */
#define ART_ERR_BAD_JSON "bad_json"         /* line is not one JSON value (incl. empty line) */
#define ART_ERR_BAD_UTF8 "bad_utf8"         /* line is not valid UTF-8 */
#define ART_ERR_BAD_ENVELOPE "bad_envelope" /* JSON, but not an envelope */
#define ART_ERR_STAGE "stage_failed"        /* the stage failed without saying why */
#define ART_ERR_DEADLINE "deadline_exceeded"

const char *art_env_status_name(enum art_env_status s);
enum art_env_status art_env_status_parse(const char *s);
/* Status of an envelope; a missing status reads as ok. */
enum art_env_status art_env_status_get(const cJSON *env);
void art_env_status_set(cJSON *env, enum art_env_status s);

/* A fresh envelope: art, id (given, or a random "req-<16 hex>"), trace ids, created,
 * status ok.  NULL on allocation failure. */
cJSON *art_env_new(const char *id);
/* Structural check of the contract (object, art version, id, types of known top-level
 * fields).  ART_OK, or ART_EINVAL with a reason in err. */
int art_env_check(const cJSON *env, char *err, size_t errsz);
/* Sets status "error" and error {code, stage, message[, details]}.  Replaces any earlier
 * error.  details may be NULL; it is owned by env afterwards. */
void art_env_set_error(cJSON *env, const char *code, const char *stage, cJSON *details,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The error envelope for an input line that is not an envelope: id "bad-<line>-<hash12>",
 * status error, error {code, stage, message, line, input_sha256, input_bytes}.  The raw
 * line itself is never copied (it may hold secrets). */
cJSON *art_env_bad_input(const char *stage, const char *code, const char *message,
			 uint64_t line, const char *raw, size_t rawlen);
/* Appends {stage, name, start_us, end_us[, attrs]} to env.events (created if absent). */
int art_env_event_add(cJSON *env, const char *stage, const char *name, int64_t start_us,
		      int64_t end_us, cJSON *attrs);
/* Absolute deadline in µs since the epoch: ART_OK, ART_ENOENT (none) or ART_EINVAL. */
int art_env_deadline(const cJSON *env, int64_t *us);

/* ---- reading: one line at a time, no length limit ---- */
typedef struct art_env_reader art_env_reader;
int art_env_reader_new(art_env_reader **out, FILE *in, const char *stage);
void art_env_reader_free(art_env_reader *r);
/* Next envelope.  Returns 1 with *env set (the parsed envelope, or an error envelope for a
 * bad line, in which case *bad = 1), 0 at end of input, ART_EIO on a read error. */
int art_env_read(art_env_reader *r, cJSON **env, int *bad);
/* The parse art_env_read does, on one line already in memory (without its "\n"):
 * the envelope, or an error envelope for bad input with *bad = 1.  NULL only on
 * allocation failure.  Thread-safe: for stages that parse lines in parallel. */
cJSON *art_env_parse_line(const char *stage, const char *s, size_t len, uint64_t line, int *bad);
/* 1-based number of the line last returned. */
uint64_t art_env_reader_line(const art_env_reader *r);

/* ---- writing: one compact line per envelope ---- */
typedef struct art_env_writer art_env_writer;
/* Flushes after every line when out is a pipe or terminal; in blocks for regular files. */
int art_env_writer_new(art_env_writer **out, FILE *f);
void art_env_writer_free(art_env_writer *w);
/* ART_OK, ART_ENOMEM, or ART_EIO (errno says why; EPIPE when the reader went away). */
int art_env_write(art_env_writer *w, const cJSON *env);
int art_env_writer_flush(art_env_writer *w);

/* ---- the filter loop every stage runs ---- */
/* Called once per envelope (status ok, unless all_status).  Edits env in place.  Returns
 * ART_OK, or a negative status; on failure without an error set on env, the loop marks
 * it error "stage_failed".  line is the 1-based input line number. */
typedef int (*art_env_fn)(void *ctx, cJSON *env, uint64_t line);

typedef struct {
	const char *stage;  /* "art-policy": used in error envelopes and messages */
	art_env_fn fn;
	void *ctx;
	int all_status;     /* 1: call fn on envelopes whose status is not ok too */
	int strict;         /* 1: check envelopes against schemas/envelope.schema.json on input
			     * (failures become bad_envelope errors) and on output; also on
			     * when the environment has ART_STRICT=1 */
} art_env_filter;

typedef struct {
	uint64_t in;        /* lines read */
	uint64_t bad;       /* lines that were not envelopes */
	uint64_t errors;    /* envelopes written with status error */
	uint64_t out;       /* lines written */
	int epipe;          /* output closed by the reader */
} art_env_stats;

/* Strict mode for a filter: f->strict, or ART_STRICT set (not "0") in the environment. */
int art_env_strict(const art_env_filter *f);
/* Strict checks shared by every filter loop.  Input: 0 if env keeps the contract, else
 * env becomes a bad_envelope error naming the line (and the stage must not run on it).
 * Output: a stage's result that breaks the contract becomes a bad_envelope error. */
int art_env_strict_in(cJSON *env, const char *stage, uint64_t line);
void art_env_strict_out(cJSON *env, const char *stage);

/* Runs the loop until end of input or a closed output.  Returns ART_OK, or ART_EIO for a
 * read or write error other than EPIPE (stats->epipe tells a closed pipe). */
int art_env_filter_run(const art_env_filter *f, FILE *in, FILE *out, art_env_stats *st);
/* Exit code for a finished run: ART_EXIT_OK, ART_EXIT_FAIL if any envelope ended in error,
 * ART_EXIT_IO on an I/O error. */
int art_env_exit_code(int run_status, const art_env_stats *st);
#endif

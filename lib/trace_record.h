/* trace_record.h — the art-trace record filter: pass every input line through (valid
 * envelopes byte for byte, bad lines as error envelopes) and store each envelope, as it
 * was at the named stage, with its spans, in the trace database.
 *
 * Output is written and flushed (on pipes) before the envelope is stored, so the recorder
 * never holds lines back.  Storage is batched: one transaction is committed after
 * `batch` envelopes, when `flush_us` has passed since the first uncommitted envelope
 * (also while the input is idle), and at end of input.
 *
 * With ART_STRICT=1 in the environment, envelopes are also checked against the full
 * envelope schema (lib/schemas.h); one that breaks it is written and stored as an error
 * envelope (bad_envelope), as every stage's filter loop does.
 *
 * Ownership: the caller owns the store and the FILEs (never closed here).
 */
#ifndef ART_TRACE_RECORD_H
#define ART_TRACE_RECORD_H
#include "trace_spans.h"
#include "trace_store.h"
#include <stdint.h>
#include <stdio.h>

typedef struct {
	const char *stage;                /* stage name the envelopes are stored under */
	enum art_trace_capture capture;   /* applied before anything is stored */
	struct art_policy_redactor *rules; /* art-policy redaction rules, or NULL; used by the
					    * storing thread only */
	uint64_t batch;                   /* envelopes per transaction, >= 1 */
	int64_t flush_us;                 /* longest time an envelope stays uncommitted, µs */
	const char *const *checks;        /* built-in checks run on the full envelope */
	size_t nchecks;
} art_trace_record_opts;

typedef struct {
	uint64_t in;          /* lines read */
	uint64_t bad;         /* lines that were not envelopes */
	uint64_t errors;      /* envelopes with status error (bad lines included) */
	uint64_t out;         /* lines written */
	uint64_t stored;      /* envelopes committed to the database */
	uint64_t spans;       /* spans written */
	uint64_t redactions;  /* secret/PII matches replaced before storage */
	uint64_t evals;       /* check results stored */
	int epipe;            /* output closed by the reader */
	int store_rc;         /* ART_OK, or the first storage failure (storing stops, output goes on) */
	char store_err[256];  /* words for store_rc */
} art_trace_record_stats;

/* Runs until end of input or a closed output.  Returns ART_OK, or ART_EIO for a read or
 * write error other than EPIPE.  A storage failure does not stop the pass-through: it is
 * reported in st->store_rc. */
int art_trace_record_run(art_trace_store *s, const art_trace_record_opts *o, FILE *in,
			 FILE *out, art_trace_record_stats *st);
#endif

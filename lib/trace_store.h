/* trace_store.h — art-trace's sqlite database: envelopes as they were at a stage, their
 * spans, evaluation results, and the OTLP export cursor.
 *
 * One file (WAL mode, synchronous=NORMAL).  Tables:
 *   envelopes(rid, id, stage, turn, trace_id, status, error_code, tenant, actor, task,
 *             model, created_us, recorded_us, capture, body, spans_done)
 *             UNIQUE(id, stage, turn)
 *   spans(trace_id, span_id, parent_id, req_id, name, op, stage, kind, code, status_msg,
 *         error_type, model, provider, start_us, end_us, input_tokens, output_tokens,
 *         cached_tokens, cost, ttft_ms, attrs, seq, recorded_us)  PRIMARY KEY(trace_id, span_id)
 *   evals(req_id, name, source, trace_id, value, label, explanation, time_us)
 *             PRIMARY KEY(req_id, name, source)
 *   meta(key, value)      -- "otlp_cursor": highest span seq exported
 * Spans are derived from the stored envelopes (trace_spans.h) by _materialize, which
 * show, stats and export run first: recording only parses, filters and inserts each
 * envelope, so it keeps up with the pipe; derivation is deterministic, so spans are the
 * same whenever it runs.  Times are µs since the epoch.  Span seq grows on every insert or change of a span, so
 * export resumes from the cursor and re-sends a span only when it changed.
 *
 * Writes happen inside explicit transactions (_begin/_commit) so the recorder can batch.
 * Ownership: the store owns its sqlite handle and statements; strings passed in are
 * copied by sqlite before the call returns.
 */
#ifndef ART_TRACE_STORE_H
#define ART_TRACE_STORE_H
#include "trace_spans.h"
#include <cJSON.h>
#include <sqlite3.h>
#include <stdint.h>

typedef struct art_trace_store art_trace_store;

enum art_trace_open_mode {
	ART_TRACE_OPEN_CREATE = 0,   /* create if missing */
	ART_TRACE_OPEN_EXISTING,  /* read-write, but the file must exist */
};

/* Opens (and creates/migrates in RW mode) the database at path.  ART_OK, ART_ENOENT (RO
 * and missing) or ART_EIO with a reason in err. */
int art_trace_store_open(art_trace_store **out, const char *path, enum art_trace_open_mode mode,
			 char *err, size_t errsz);
void art_trace_store_close(art_trace_store *s);
sqlite3 *art_trace_store_db(art_trace_store *s);
/* Last sqlite error message (for messages; never NULL). */
const char *art_trace_store_errmsg(art_trace_store *s);

int art_trace_store_begin(art_trace_store *s);
int art_trace_store_commit(art_trace_store *s);
int art_trace_store_rollback(art_trace_store *s);

/* Stores env (already capture-filtered) as recorded at stage; body is its JSON text.
 * Re-recording the same (id, stage, turn) replaces the row.  ART_OK or ART_EIO. */
int art_trace_store_put_envelope(art_trace_store *s, const cJSON *env, const char *body,
				 size_t bodylen, const char *stage, enum art_trace_capture capture,
				 int64_t recorded_us);
/* Inserts or updates a span of request req_id.  ART_OK or ART_EIO. */
int art_trace_store_put_span(art_trace_store *s, const char *req_id, const art_trace_span *sp,
			     int64_t recorded_us);

typedef struct {
	const char *req_id;
	const char *name;        /* gen_ai.evaluation.name */
	const char *source;      /* "file", "check", or a file name; part of the key */
	int has_value;
	double value;            /* gen_ai.evaluation.score.value */
	const char *label;       /* gen_ai.evaluation.score.label; may be NULL */
	const char *explanation; /* gen_ai.evaluation.explanation; may be NULL */
	int64_t time_us;
} art_trace_eval;

/* Stores an evaluation result, exported as a gen_ai.evaluation.result event on the
 * request's root span (whose seq is bumped so export re-sends it with the event).
 * ART_OK, ART_ENOENT (no such request recorded) or ART_EIO. */
int art_trace_store_put_eval(art_trace_store *s, const art_trace_eval *ev);

/* Derives and stores the spans of envelopes recorded (or re-recorded) since the last
 * run: all of them, or only request req_id's when it is not NULL.  Runs its own
 * transaction.  *nspans (may be NULL) gets the number of spans written.  ART_OK, ART_EIO
 * or ART_ENOMEM. */
int art_trace_store_materialize(art_trace_store *s, const char *req_id, int64_t *nspans);

/* meta table: integer values. */
int art_trace_store_meta_get(art_trace_store *s, const char *key, int64_t *val); /* ART_ENOENT if unset */
int art_trace_store_meta_set(art_trace_store *s, const char *key, int64_t val);

/* Retention: deletes envelopes recorded before cutoff_us (0: no age limit), then all but
 * the newest keep_requests requests (0: no count limit), and the spans and evals of
 * requests with no envelope left.  Counts deleted rows into the out params. */
int art_trace_store_gc(art_trace_store *s, int64_t cutoff_us, int64_t keep_requests,
		       int64_t *envelopes, int64_t *spans, int64_t *evals);
#endif

/* tool_db.h — art-tool's sqlite store: idempotency ledger, audit log, rate-limit windows.
 *
 * One file (WAL, busy timeout 5 s) shared safely by several art-tool processes; ":memory:"
 * or NULL gives a private in-memory store.  Tables:
 *   calls(key PRIMARY KEY, tenant, tool, call_id, args_sha256, state 'running'|'done',
 *         result JSON, started_us, finished_us)
 *   audit(seq, ts_us, env_id, call_id, actor, tenant, tool, args_sha256, decision,
 *         reason, duration_ms, outcome)
 *   hits(bucket, ts_us)  -- one row per admitted call, per rate-limit bucket
 *
 * Ownership: the handle owns its sqlite connection; *stored results are new cJSON
 * trees for the caller.  Strings passed in are borrowed.
 */
#ifndef ART_TOOL_DB_H
#define ART_TOOL_DB_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct art_tool_db art_tool_db;

enum art_tool_claim {
	ART_TOOL_CLAIM_NEW = 0,   /* the key is now ours ('running'): go and run it */
	ART_TOOL_CLAIM_DONE = 1,  /* ran before: *stored is its recorded tool result */
	ART_TOOL_CLAIM_BUSY = 2,  /* another run holds it, or one died mid-way: never rerun */
};

typedef struct {
	const char *env_id, *call_id, *actor, *tenant, *tool, *args_sha256;
	const char *decision;     /* allow, deny, require_approval, replay, execute */
	const char *reason;       /* the refusal code or a short note; may be NULL */
	double duration_ms;       /* execution time, 0 for decisions */
	const char *outcome;      /* ok, error, refused, awaiting_approval, ... */
} art_tool_audit;

int art_tool_db_open(art_tool_db **out, const char *path, char *err, size_t errsz);
void art_tool_db_close(art_tool_db *db);

/* Claims an idempotency key (atomically, across processes).  Returns an
 * art_tool_claim, or a negative status on a database error. */
int art_tool_db_claim(art_tool_db *db, const char *key, const char *tenant, const char *tool,
		      const char *call_id, const char *args_sha256, int64_t now_us, cJSON **stored);
/* Gives back a claim whose call never started (refused after the claim). */
int art_tool_db_release(art_tool_db *db, const char *key);
/* Records the finished tool result for a claimed key. */
int art_tool_db_finish(art_tool_db *db, const char *key, const cJSON *result, int64_t now_us);

/* Sliding-window rate limit: if fewer than max hits fall in (now - window, now], records
 * one and returns ART_OK; otherwise ART_EDENIED.  Several buckets are checked and
 * recorded together (all or none); n <= 4. */
int art_tool_db_rate(art_tool_db *db, const char *const *buckets, const long long *max,
		     const long long *window_ms, size_t n, int64_t now_us);

int art_tool_db_audit(art_tool_db *db, const art_tool_audit *row, int64_t now_us);
/* Calls fn with each audit row, oldest first, as {seq, ts, env_id, call_id, actor,
 * tenant, tool, args_sha256, decision, reason, duration_ms, outcome} (null members
 * left out; the object is freed after fn returns).  fn returning non-zero stops the
 * walk and is returned. */
int art_tool_db_audit_each(art_tool_db *db, int (*fn)(void *ctx, const cJSON *row), void *ctx);
/* Rows in the audit table (for tests and reports); negative on error. */
long long art_tool_db_audit_count(art_tool_db *db, const char *decision);
#endif

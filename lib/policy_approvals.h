/* policy_approvals.h — the human-approval queue of art-policy, in sqlite (WAL).
 *
 * Parked envelopes are stored whole (their full state, as written with status
 * awaiting_approval).  A reviewer approves or denies by id, recording who, when and a
 * note.  release claims every decided (or expired) row that was not released yet and
 * hands each envelope to a callback exactly once: the claim and the callbacks run inside
 * one BEGIN IMMEDIATE transaction, committed only when every callback succeeded, so two
 * releases running at once never emit the same envelope and a failed write loses none.
 * Released approved envelopes get status ok (approval.state approved, the resume stage
 * kept) so the pipeline continues; denied ones status blocked (approval_denied); pending
 * ones past their expiry are released as expired, status blocked (approval_expired).
 *
 * Ownership: the handle owns the sqlite connection (_open/_close).  Rows returned as cJSON
 * (*out) belong to the caller.  The envelope passed to a release callback is owned by
 * the store and freed after the callback returns.
 */
#ifndef ART_POLICY_APPROVALS_H
#define ART_POLICY_APPROVALS_H
#include <cJSON.h>
#include <stdint.h>

typedef struct art_policy_approvals art_policy_approvals;

/* Opens (creating if needed) the database at path.  ART_OK, or ART_EIO with err. */
int art_policy_approvals_open(art_policy_approvals **out, const char *path, char *err, size_t errsz);
void art_policy_approvals_close(art_policy_approvals *a);

/* Parks env (whose approval {state pending, stage, resume, reason} art_policy_check, or
 * another stage such as art-tool, set): gives it approval.id ("apr-" + 16 hex, unless it
 * already has one, which is kept: the same id is queued once) and approval.expires
 * (now + ttl_us), status awaiting_approval, and stores it.  ART_OK, ART_EINVAL (no
 * approval object), ART_EIO. */
int art_policy_approvals_park(art_policy_approvals *a, cJSON *env, int64_t now_us, int64_t ttl_us);

/* The queue as an array of {id, envelope_id, tenant, task, stage, resume, reason, state,
 * created, expires, by?, at?, note?, released}: not yet released rows, or every row with
 * all.  Pending rows past their expiry read as state "expired". */
int art_policy_approvals_list(art_policy_approvals *a, int all, int64_t now_us, cJSON **out);

/* Records a decision on a pending row.  ART_OK with *row (as list shows it);
 * ART_ENOENT no such id; ART_EEXIST already decided or released; ART_ETIMEOUT expired
 * (the row is marked expired).  by must be non-empty; note may be NULL. */
int art_policy_approvals_decide(art_policy_approvals *a, const char *id, int approve, const char *by,
				const char *note, int64_t now_us, cJSON **row);

/* Called once per released envelope, in park order; non-zero aborts the release. */
typedef int (*art_policy_release_fn)(void *ctx, const cJSON *env);
/* Releases decided and expired rows (see top).  *n: envelopes handed out.  ART_OK,
 * ART_EIO (database), or the callback's non-zero status (nothing is marked released). */
int art_policy_approvals_release(art_policy_approvals *a, int64_t now_us, art_policy_release_fn fn,
				 void *ctx, size_t *n);
#endif

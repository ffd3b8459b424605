/* policy_approvals.c — the approval queue in sqlite: park, list, decide, release. */
#include "policy_approvals.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "policy.h"
#include "rand.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct art_policy_approvals {
	sqlite3 *db;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS approvals ("
	" id TEXT PRIMARY KEY,"
	" envelope_id TEXT NOT NULL,"
	" tenant TEXT, task TEXT, stage TEXT, resume TEXT, reason TEXT,"
	" state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','approved','denied','expired')),"
	" created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL,"
	" decided_by TEXT, decided_us INTEGER, note TEXT,"
	" released INTEGER NOT NULL DEFAULT 0, released_us INTEGER,"
	" envelope TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS approvals_unreleased ON approvals(released, created_us);";

int art_policy_approvals_open(art_policy_approvals **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	art_policy_approvals *a = calloc(1, sizeof *a);
	if (!a)
		return ART_ENOMEM;
	int rc = sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(a->db, 30000);
		char *msg = NULL;
		rc = sqlite3_exec(a->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(a->db, schema_sql, NULL, NULL, &msg);
		sqlite3_free(msg);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "approval database %s: %s", path, a->db ? sqlite3_errmsg(a->db) : "cannot open");
		sqlite3_close(a->db);
		free(a);
		return ART_EIO;
	}
	*out = a;
	return ART_OK;
}

void art_policy_approvals_close(art_policy_approvals *a)
{
	if (!a)
		return;
	sqlite3_close(a->db);
	free(a);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	cJSON *s = cJSON_CreateString(v);
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, s);
	else
		cJSON_AddItemToObject(o, k, s);
}

int art_policy_approvals_park(art_policy_approvals *a, cJSON *env, int64_t now_us, int64_t ttl_us)
{
	cJSON *ap = cJSON_GetObjectItemCaseSensitive(env, "approval");
	if (!cJSON_IsObject(ap))
		return ART_EINVAL;
	char hex[17], id[64], exp[40];
	const char *given = jstr(ap, "id");
	if (given && *given && strlen(given) < sizeof id) {
		/* parked by another stage (art-tool) with its own id: keep it, so the same
		 * envelope arriving twice is queued once */
		snprintf(id, sizeof id, "%s", given);
	} else {
		if (art_rand_hex(8, hex) != ART_OK)
			return ART_EIO;
		snprintf(id, sizeof id, "apr-%s", hex);
	}
	art_clock_fmt(now_us + ttl_us, exp, sizeof exp);
	set_str(ap, "id", id);
	set_str(ap, "state", "pending");
	set_str(ap, "expires", exp);
	art_env_status_set(env, ART_ENV_AWAITING_APPROVAL);
	char *js = cJSON_PrintUnformatted(env);
	if (!js)
		return ART_ENOMEM;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(a->db,
				    "INSERT OR IGNORE INTO approvals (id, envelope_id, tenant, task, stage, resume, reason,"
				    " created_us, expires_us, envelope) VALUES (?,?,?,?,?,?,?,?,?,?)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, jstr(env, "id"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, jstr(env, "tenant"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, jstr(env, "task"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, jstr(ap, "stage"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, jstr(ap, "resume"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, jstr(ap, "reason"), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, now_us);
		sqlite3_bind_int64(st, 9, now_us + ttl_us);
		sqlite3_bind_text(st, 10, js, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	cJSON_free(js);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

#define ROW_COLS "id, envelope_id, tenant, task, stage, resume, reason, state, created_us, expires_us," \
		 " decided_by, decided_us, note, released"

static cJSON *row_json(sqlite3_stmt *st, int64_t now_us)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const names[] = {"id", "envelope_id", "tenant", "task", "stage", "resume", "reason"};
	char t[40];
	for (int i = 0; i < 7; i++)
		if (sqlite3_column_type(st, i) != SQLITE_NULL)
			cJSON_AddStringToObject(o, names[i], (const char *)sqlite3_column_text(st, i));
	const char *state = (const char *)sqlite3_column_text(st, 7);
	int64_t exp = sqlite3_column_int64(st, 9);
	if (!strcmp(state, "pending") && exp <= now_us)
		state = "expired";
	cJSON_AddStringToObject(o, "state", state);
	art_clock_fmt(sqlite3_column_int64(st, 8), t, sizeof t);
	cJSON_AddStringToObject(o, "created", t);
	art_clock_fmt(exp, t, sizeof t);
	cJSON_AddStringToObject(o, "expires", t);
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		cJSON_AddStringToObject(o, "by", (const char *)sqlite3_column_text(st, 10));
	if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
		art_clock_fmt(sqlite3_column_int64(st, 11), t, sizeof t);
		cJSON_AddStringToObject(o, "at", t);
	}
	if (sqlite3_column_type(st, 12) != SQLITE_NULL)
		cJSON_AddStringToObject(o, "note", (const char *)sqlite3_column_text(st, 12));
	cJSON_AddBoolToObject(o, "released", sqlite3_column_int(st, 13));
	return o;
}

int art_policy_approvals_list(art_policy_approvals *a, int all, int64_t now_us, cJSON **out)
{
	sqlite3_stmt *st = NULL;
	const char *sql = all ? "SELECT " ROW_COLS " FROM approvals ORDER BY created_us, id"
			      : "SELECT " ROW_COLS " FROM approvals WHERE released = 0 ORDER BY created_us, id";
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ART_EIO;
	cJSON *arr = cJSON_CreateArray();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, row_json(st, now_us));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return ART_EIO;
	}
	*out = arr;
	return ART_OK;
}

static int get_row(art_policy_approvals *a, const char *id, int64_t now_us, cJSON **row)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(a->db, "SELECT " ROW_COLS " FROM approvals WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*row = row_json(st, now_us);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ART_OK : rc == SQLITE_DONE ? ART_ENOENT : ART_EIO;
}

int art_policy_approvals_decide(art_policy_approvals *a, const char *id, int approve, const char *by,
				const char *note, int64_t now_us, cJSON **row)
{
	*row = NULL;
	if (!by || !*by)
		return ART_EINVAL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(a->db,
				    "UPDATE approvals SET state = ?, decided_by = ?, decided_us = ?, note = ?"
				    " WHERE id = ? AND state = 'pending' AND released = 0 AND expires_us > ?",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(st, 1, approve ? "approved" : "denied", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_us);
	if (note)
		sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now_us);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ART_EIO;
	if (sqlite3_changes(a->db) == 1)
		return get_row(a, id, now_us, row);
	/* why not: unknown, decided, or expired */
	cJSON *r = NULL;
	if ((rc = get_row(a, id, now_us, &r)) != ART_OK)
		return rc;
	const char *state = jstr(r, "state");
	*row = r;
	if (state && !strcmp(state, "expired")) {
		sqlite3_stmt *ex = NULL;
		if (sqlite3_prepare_v2(a->db, "UPDATE approvals SET state = 'expired' WHERE id = ? AND state = 'pending'",
				       -1, &ex, NULL) == SQLITE_OK) {
			sqlite3_bind_text(ex, 1, id, -1, SQLITE_STATIC);
			sqlite3_step(ex);
		}
		sqlite3_finalize(ex);
		return ART_ETIMEOUT;
	}
	return ART_EEXIST;
}

/* The envelope a released row continues as. */
static cJSON *released_envelope(const char *js, const char *state, const char *by, int64_t at_us,
				const char *note)
{
	cJSON *env = cJSON_Parse(js);
	if (!env)
		return NULL;
	cJSON *ap = cJSON_GetObjectItemCaseSensitive(env, "approval");
	if (!cJSON_IsObject(ap)) {
		ap = cJSON_CreateObject();
		cJSON_AddItemToObject(env, "approval", ap);
	}
	set_str(ap, "state", state);
	char t[40], why[400];
	if (by) {
		set_str(ap, "by", by);
		art_clock_fmt(at_us, t, sizeof t);
		set_str(ap, "at", t);
	}
	if (note)
		set_str(ap, "note", note);
	const char *stage = jstr(ap, "stage");
	if (!strcmp(state, "approved")) {
		cJSON_DeleteItemFromObjectCaseSensitive(env, "error");
		art_env_status_set(env, ART_ENV_OK);
		snprintf(why, sizeof why, "approved by %.100s%s%.200s", by, note ? ": " : "", note ? note : "");
		art_policy_decision_add(env, stage, "approval", "allow", NULL, NULL, why);
	} else if (!strcmp(state, "denied")) {
		snprintf(why, sizeof why, "denied by %.100s%s%.200s", by, note ? ": " : "", note ? note : "");
		art_policy_decision_add(env, stage, "approval", "deny", NULL, NULL, why);
		art_policy_block(env, ART_POLICY_E_DENIED, "%s", why);
	} else {
		art_policy_decision_add(env, stage, "approval", "deny", NULL, NULL, "approval expired undecided");
		art_policy_block(env, ART_POLICY_E_EXPIRED, "the approval request expired before anyone decided");
	}
	return env;
}

int art_policy_approvals_release(art_policy_approvals *a, int64_t now_us, art_policy_release_fn fn,
				 void *ctx, size_t *n)
{
	*n = 0;
	char *msg = NULL;
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return ART_EIO;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		a->db,
		"UPDATE approvals SET released = 1, released_us = ?1,"
		" state = CASE WHEN state = 'pending' THEN 'expired' ELSE state END"
		" WHERE released = 0 AND (state <> 'pending' OR expires_us <= ?1)"
		" RETURNING created_us, id, state, decided_by, decided_us, note, envelope",
		-1, &st, NULL);
	int status = rc == SQLITE_OK ? ART_OK : ART_EIO;
	/* RETURNING gives rows in no set order: collect, then emit in park order */
	struct row {
		int64_t created, at;
		char *id, *state, *by, *note, *env;
	} *rows = NULL;
	size_t nr = 0, cap = 0;
	if (status == ART_OK) {
		sqlite3_bind_int64(st, 1, now_us);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (nr == cap) {
				cap = cap ? cap * 2 : 16;
				struct row *nrw = realloc(rows, cap * sizeof *rows);
				if (!nrw) {
					status = ART_ENOMEM;
					break;
				}
				rows = nrw;
			}
			struct row *r = &rows[nr++];
			r->created = sqlite3_column_int64(st, 0);
			r->id = strdup((const char *)sqlite3_column_text(st, 1));
			r->state = strdup((const char *)sqlite3_column_text(st, 2));
			r->by = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : strdup((const char *)sqlite3_column_text(st, 3));
			r->at = sqlite3_column_int64(st, 4);
			r->note = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : strdup((const char *)sqlite3_column_text(st, 5));
			r->env = strdup((const char *)sqlite3_column_text(st, 6));
		}
		if (status == ART_OK && rc != SQLITE_DONE)
			status = ART_EIO;
	}
	sqlite3_finalize(st);
	/* insertion sort by (created, id): queues are short */
	for (size_t i = 1; i < nr; i++)
		for (size_t j = i; j > 0 && (rows[j - 1].created > rows[j].created ||
					     (rows[j - 1].created == rows[j].created && strcmp(rows[j - 1].id, rows[j].id) > 0));
		     j--) {
			struct row t = rows[j];
			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	for (size_t i = 0; i < nr && status == ART_OK; i++) {
		if (!rows[i].id || !rows[i].state || !rows[i].env) {
			status = ART_ENOMEM;
			break;
		}
		cJSON *env = released_envelope(rows[i].env, rows[i].state, rows[i].by, rows[i].at, rows[i].note);
		if (!env) {
			status = ART_EFORMAT;
			break;
		}
		int frc = fn(ctx, env);
		cJSON_Delete(env);
		if (frc != 0)
			status = frc < 0 ? frc : ART_EIO;
		else
			(*n)++;
	}
	for (size_t i = 0; i < nr; i++) {
		free(rows[i].id);
		free(rows[i].state);
		free(rows[i].by);
		free(rows[i].note);
		free(rows[i].env);
	}
	free(rows);
	if (sqlite3_exec(a->db, status == ART_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		if (status == ART_OK) {
			status = ART_EIO;
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
	if (status != ART_OK)
		*n = 0;
	return status;
}

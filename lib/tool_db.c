/* tool_db.c — idempotency ledger, audit and rate limits in sqlite (see tool_db.h). */
#include "tool_db.h"
#include "clock.h"
#include "err.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct art_tool_db {
	sqlite3 *db;
	sqlite3_stmt *sel_call, *ins_call, *upd_call, *ins_audit, *count_hits, *ins_hit, *gc_hits;
	int64_t last_gc_us;
};

static const char *const SCHEMA =
	"CREATE TABLE IF NOT EXISTS calls(key TEXT PRIMARY KEY, tenant TEXT, tool TEXT NOT NULL,"
	" call_id TEXT NOT NULL, args_sha256 TEXT NOT NULL, state TEXT NOT NULL, result TEXT,"
	" started_us INTEGER NOT NULL, finished_us INTEGER);"
	"CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, ts_us INTEGER NOT NULL,"
	" env_id TEXT, call_id TEXT, actor TEXT, tenant TEXT, tool TEXT, args_sha256 TEXT,"
	" decision TEXT NOT NULL, reason TEXT, duration_ms REAL, outcome TEXT);"
	"CREATE TABLE IF NOT EXISTS hits(bucket TEXT NOT NULL, ts_us INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS hits_bucket ON hits(bucket, ts_us);";

static int prep(art_tool_db *d, sqlite3_stmt **st, const char *sql, char *err, size_t errsz)
{
	if (sqlite3_prepare_v2(d->db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "sqlite: %s", sqlite3_errmsg(d->db));
		return ART_EIO;
	}
	return ART_OK;
}

int art_tool_db_open(art_tool_db **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	art_tool_db *d = calloc(1, sizeof *d);
	if (!d)
		return ART_ENOMEM;
	int mem = !path || !*path || !strcmp(path, ":memory:");
	if (sqlite3_open_v2(mem ? ":memory:" : path, &d->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "cannot open");
		art_tool_db_close(d);
		return ART_EIO;
	}
	sqlite3_busy_timeout(d->db, 5000);
	char *e = NULL;
	const char *pragmas = mem ? "PRAGMA journal_mode=MEMORY;"
				  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
	/* two processes creating the file at once: the journal-mode switch and the schema can
	 * report SQLITE_BUSY/LOCKED without waiting on the busy handler; retry for ~5 s */
	int src = SQLITE_OK;
	for (int tries = 0; tries < 100; tries++) {
		sqlite3_free(e);
		e = NULL;
		src = sqlite3_exec(d->db, pragmas, NULL, NULL, &e);
		if (src == SQLITE_OK)
			src = sqlite3_exec(d->db, SCHEMA, NULL, NULL, &e);
		if (src != SQLITE_BUSY && src != SQLITE_LOCKED)
			break;
		usleep(50000);
	}
	if (src != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", mem ? ":memory:" : path, e ? e : sqlite3_errmsg(d->db));
		sqlite3_free(e);
		art_tool_db_close(d);
		return ART_EIO;
	}
	int rc = ART_OK;
	if (!rc)
		rc = prep(d, &d->sel_call, "SELECT state, result FROM calls WHERE key=?1", err, errsz);
	if (!rc)
		rc = prep(d, &d->ins_call,
			  "INSERT INTO calls(key,tenant,tool,call_id,args_sha256,state,started_us)"
			  " VALUES(?1,?2,?3,?4,?5,'running',?6)", err, errsz);
	if (!rc)
		rc = prep(d, &d->upd_call,
			  "UPDATE calls SET state='done', result=?2, finished_us=?3 WHERE key=?1", err, errsz);
	if (!rc)
		rc = prep(d, &d->ins_audit,
			  "INSERT INTO audit(ts_us,env_id,call_id,actor,tenant,tool,args_sha256,decision,"
			  "reason,duration_ms,outcome) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", err, errsz);
	if (!rc)
		rc = prep(d, &d->count_hits, "SELECT count(*) FROM hits WHERE bucket=?1 AND ts_us>?2", err, errsz);
	if (!rc)
		rc = prep(d, &d->ins_hit, "INSERT INTO hits(bucket,ts_us) VALUES(?1,?2)", err, errsz);
	if (!rc)
		rc = prep(d, &d->gc_hits, "DELETE FROM hits WHERE ts_us<?1", err, errsz);
	if (rc) {
		art_tool_db_close(d);
		return rc;
	}
	*out = d;
	return ART_OK;
}

void art_tool_db_close(art_tool_db *d)
{
	if (!d)
		return;
	sqlite3_finalize(d->sel_call);
	sqlite3_finalize(d->ins_call);
	sqlite3_finalize(d->upd_call);
	sqlite3_finalize(d->ins_audit);
	sqlite3_finalize(d->count_hits);
	sqlite3_finalize(d->ins_hit);
	sqlite3_finalize(d->gc_hits);
	sqlite3_close(d->db);
	free(d);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static int exec(art_tool_db *d, const char *sql)
{
	return sqlite3_exec(d->db, sql, NULL, NULL, NULL) == SQLITE_OK ? ART_OK : ART_EIO;
}

int art_tool_db_claim(art_tool_db *d, const char *key, const char *tenant, const char *tool,
		      const char *call_id, const char *args_sha256, int64_t now_us, cJSON **stored)
{
	*stored = NULL;
	if (exec(d, "BEGIN IMMEDIATE"))
		return ART_EIO;
	sqlite3_stmt *s = d->sel_call;
	sqlite3_reset(s);
	bind_text(s, 1, key);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 0);
		const char *res = (const char *)sqlite3_column_text(s, 1);
		int done = state && !strcmp(state, "done");
		if (done && res)
			*stored = cJSON_Parse(res);
		sqlite3_reset(s);
		exec(d, "COMMIT");
		return done && *stored ? ART_TOOL_CLAIM_DONE : ART_TOOL_CLAIM_BUSY;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		exec(d, "ROLLBACK");
		return ART_EIO;
	}
	s = d->ins_call;
	sqlite3_reset(s);
	bind_text(s, 1, key);
	bind_text(s, 2, tenant);
	bind_text(s, 3, tool);
	bind_text(s, 4, call_id);
	bind_text(s, 5, args_sha256);
	sqlite3_bind_int64(s, 6, now_us);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		exec(d, "ROLLBACK");
		return ART_EIO;
	}
	return exec(d, "COMMIT") ? ART_EIO : ART_TOOL_CLAIM_NEW;
}

int art_tool_db_release(art_tool_db *d, const char *key)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(d->db, "DELETE FROM calls WHERE key=?1 AND state='running'", -1, &s,
			       NULL) != SQLITE_OK)
		return ART_EIO;
	bind_text(s, 1, key);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

int art_tool_db_finish(art_tool_db *d, const char *key, const cJSON *result, int64_t now_us)
{
	char *txt = cJSON_PrintUnformatted(result);
	if (!txt)
		return ART_ENOMEM;
	sqlite3_stmt *s = d->upd_call;
	sqlite3_reset(s);
	bind_text(s, 1, key);
	sqlite3_bind_text(s, 2, txt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now_us);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	free(txt);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

int art_tool_db_rate(art_tool_db *d, const char *const *buckets, const long long *max,
		     const long long *window_ms, size_t n, int64_t now_us)
{
	if (n == 0)
		return ART_OK;
	if (exec(d, "BEGIN IMMEDIATE"))
		return ART_EIO;
	long long longest = 0;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = d->count_hits;
		sqlite3_reset(s);
		bind_text(s, 1, buckets[i]);
		sqlite3_bind_int64(s, 2, now_us - window_ms[i] * 1000);
		long long c = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
		sqlite3_reset(s);
		if (c < 0) {
			exec(d, "ROLLBACK");
			return ART_EIO;
		}
		if (c >= max[i]) {
			exec(d, "ROLLBACK");
			return ART_EDENIED;
		}
		if (window_ms[i] > longest)
			longest = window_ms[i];
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = d->ins_hit;
		sqlite3_reset(s);
		bind_text(s, 1, buckets[i]);
		sqlite3_bind_int64(s, 2, now_us);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			exec(d, "ROLLBACK");
			return ART_EIO;
		}
	}
	/* now and then, forget hits older than any window can see (up to a day kept) */
	if (now_us - d->last_gc_us > 60 * 1000000LL) {
		sqlite3_stmt *s = d->gc_hits;
		long long keep = longest > 86400000LL ? longest : 86400000LL;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, now_us - keep * 1000);
		sqlite3_step(s);
		sqlite3_reset(s);
		d->last_gc_us = now_us;
	}
	return exec(d, "COMMIT") ? ART_EIO : ART_OK;
}

int art_tool_db_audit(art_tool_db *d, const art_tool_audit *a, int64_t now_us)
{
	sqlite3_stmt *s = d->ins_audit;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, now_us);
	bind_text(s, 2, a->env_id);
	bind_text(s, 3, a->call_id);
	bind_text(s, 4, a->actor);
	bind_text(s, 5, a->tenant);
	bind_text(s, 6, a->tool);
	bind_text(s, 7, a->args_sha256);
	bind_text(s, 8, a->decision);
	bind_text(s, 9, a->reason);
	sqlite3_bind_double(s, 10, a->duration_ms);
	bind_text(s, 11, a->outcome);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

int art_tool_db_audit_each(art_tool_db *d, int (*fn)(void *ctx, const cJSON *row), void *ctx)
{
	static const char *const cols[] = {"seq", "ts_us", "env_id", "call_id", "actor", "tenant", "tool",
					   "args_sha256", "decision", "reason", "duration_ms", "outcome"};
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT seq, ts_us, env_id, call_id, actor, tenant, tool, args_sha256, decision,"
			       " reason, duration_ms, outcome FROM audit ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
		return ART_EIO;
	int rc = ART_OK, st;
	while (rc == ART_OK && (st = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *row = cJSON_CreateObject();
		if (!row) {
			rc = ART_ENOMEM;
			break;
		}
		for (int i = 0; i < 12; i++) {
			int ty = sqlite3_column_type(s, i);
			if (ty == SQLITE_NULL)
				continue;
			if (i == 1) {
				char t[40];
				art_clock_fmt(sqlite3_column_int64(s, i), t, sizeof t);
				cJSON_AddStringToObject(row, "ts", t);
			} else if (ty == SQLITE_INTEGER || ty == SQLITE_FLOAT) {
				cJSON_AddNumberToObject(row, cols[i], sqlite3_column_double(s, i));
			} else {
				cJSON_AddStringToObject(row, cols[i], (const char *)sqlite3_column_text(s, i));
			}
		}
		rc = fn(ctx, row);
		cJSON_Delete(row);
	}
	if (rc == ART_OK && st != SQLITE_DONE)
		rc = ART_EIO;
	sqlite3_finalize(s);
	return rc;
}

long long art_tool_db_audit_count(art_tool_db *d, const char *decision)
{
	sqlite3_stmt *s;
	const char *sql = decision ? "SELECT count(*) FROM audit WHERE decision=?1" : "SELECT count(*) FROM audit";
	if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (decision)
		bind_text(s, 1, decision);
	long long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	return n;
}

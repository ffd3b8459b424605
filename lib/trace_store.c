/* trace_store.c — schema, batched writes, evals, cursor, retention (see trace_store.h). */
#include "trace_store.h"
#include "err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct art_trace_store {
	sqlite3 *db;
	sqlite3_stmt *put_env, *put_span, *put_eval, *bump_root, *has_req;
	int64_t seq; /* last span seq handed out */
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER);"
	"CREATE TABLE IF NOT EXISTS envelopes("
	" rid INTEGER PRIMARY KEY, id TEXT NOT NULL, stage TEXT NOT NULL, turn INTEGER NOT NULL,"
	" trace_id TEXT NOT NULL, status TEXT NOT NULL, error_code TEXT, tenant TEXT, actor TEXT,"
	" task TEXT, model TEXT, created_us INTEGER, recorded_us INTEGER NOT NULL,"
	" capture TEXT NOT NULL, body TEXT NOT NULL, spans_done INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(id, stage, turn));"
	"CREATE INDEX IF NOT EXISTS envelopes_pending ON envelopes(rid) WHERE spans_done = 0;"
	"CREATE INDEX IF NOT EXISTS envelopes_recorded ON envelopes(recorded_us);"
	"CREATE TABLE IF NOT EXISTS spans("
	" trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_id TEXT, req_id TEXT NOT NULL,"
	" name TEXT NOT NULL, op TEXT NOT NULL, stage TEXT, kind INTEGER NOT NULL,"
	" code INTEGER NOT NULL, status_msg TEXT, error_type TEXT, model TEXT, provider TEXT,"
	" start_us INTEGER NOT NULL, end_us INTEGER NOT NULL, input_tokens INTEGER,"
	" output_tokens INTEGER, cached_tokens INTEGER, cost REAL, ttft_ms REAL,"
	" attrs TEXT NOT NULL, seq INTEGER NOT NULL, recorded_us INTEGER NOT NULL,"
	" PRIMARY KEY(trace_id, span_id));"
	"CREATE INDEX IF NOT EXISTS spans_seq ON spans(seq);"
	"CREATE INDEX IF NOT EXISTS spans_req ON spans(req_id);"
	"CREATE INDEX IF NOT EXISTS spans_start ON spans(start_us);"
	"CREATE TABLE IF NOT EXISTS evals("
	" req_id TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL, trace_id TEXT NOT NULL,"
	" value REAL, label TEXT, explanation TEXT, time_us INTEGER NOT NULL,"
	" PRIMARY KEY(req_id, name, source));"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', 1);";

static int prep(art_trace_store *s, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK ? ART_OK : ART_EIO;
}

int art_trace_store_open(art_trace_store **out, const char *path, enum art_trace_open_mode mode,
			 char *err, size_t errsz)
{
	*out = NULL;
	if (mode == ART_TRACE_OPEN_EXISTING && access(path, F_OK) != 0) {
		snprintf(err, errsz, "%s: no such trace database", path);
		return ART_ENOENT;
	}
	art_trace_store *s = calloc(1, sizeof *s);
	if (!s)
		return ART_ENOMEM;
	int flags = SQLITE_OPEN_READWRITE | (mode == ART_TRACE_OPEN_CREATE ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		art_trace_store_close(s);
		return ART_EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	char *msg = NULL;
	const char *pragmas = "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
				      " PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=8192;";
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		art_trace_store_close(s);
		return ART_EIO;
	}
	int rc = prep(s, &s->put_env,
		      "INSERT INTO envelopes(id, stage, turn, trace_id, status, error_code, tenant, actor,"
		      " task, model, created_us, recorded_us, capture, body)"
		      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
		      " ON CONFLICT(id, stage, turn) DO UPDATE SET trace_id=excluded.trace_id,"
		      " status=excluded.status, error_code=excluded.error_code, tenant=excluded.tenant,"
		      " actor=excluded.actor, task=excluded.task, model=excluded.model,"
		      " created_us=excluded.created_us, recorded_us=excluded.recorded_us,"
		      " capture=excluded.capture, body=excluded.body, spans_done=0");
	if (!rc)
		rc = prep(s, &s->put_span,
			  "INSERT INTO spans(trace_id, span_id, parent_id, req_id, name, op, stage, kind, code,"
			  " status_msg, error_type, model, provider, start_us, end_us, input_tokens,"
			  " output_tokens, cached_tokens, cost, ttft_ms, attrs, seq, recorded_us)"
			  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)"
			  " ON CONFLICT(trace_id, span_id) DO UPDATE SET parent_id=excluded.parent_id,"
			  " req_id=excluded.req_id, name=excluded.name, op=excluded.op, stage=excluded.stage,"
			  " kind=excluded.kind, code=excluded.code, status_msg=excluded.status_msg,"
			  " error_type=excluded.error_type, model=excluded.model, provider=excluded.provider,"
			  " start_us=excluded.start_us, end_us=excluded.end_us,"
			  " input_tokens=excluded.input_tokens, output_tokens=excluded.output_tokens,"
			  " cached_tokens=excluded.cached_tokens, cost=excluded.cost, ttft_ms=excluded.ttft_ms,"
			  " attrs=excluded.attrs, seq=excluded.seq, recorded_us=excluded.recorded_us"
			  " WHERE spans.name IS NOT excluded.name OR spans.code IS NOT excluded.code"
			  " OR spans.start_us IS NOT excluded.start_us OR spans.end_us IS NOT excluded.end_us"
			  " OR spans.attrs IS NOT excluded.attrs OR spans.parent_id IS NOT excluded.parent_id"
			  " OR spans.status_msg IS NOT excluded.status_msg");
	if (!rc)
		rc = prep(s, &s->has_req,
			  "SELECT trace_id FROM envelopes WHERE id = ?1 ORDER BY recorded_us DESC LIMIT 1");
	if (!rc)
		rc = prep(s, &s->put_eval,
			  "INSERT INTO evals(req_id, name, source, trace_id, value, label, explanation, time_us)"
			  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(req_id, name, source) DO UPDATE SET"
			  " trace_id=excluded.trace_id, value=excluded.value,"
			  " label=excluded.label, explanation=excluded.explanation, time_us=excluded.time_us");
	if (!rc)
		rc = prep(s, &s->bump_root, "UPDATE spans SET seq = ?2 WHERE req_id = ?1 AND op = 'request'");
	if (rc) {
		snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(s->db));
		art_trace_store_close(s);
		return ART_EIO;
	}
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(seq), 0) FROM spans", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			s->seq = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	*out = s;
	return ART_OK;
}

void art_trace_store_close(art_trace_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->put_env);
	sqlite3_finalize(s->put_span);
	sqlite3_finalize(s->put_eval);
	sqlite3_finalize(s->bump_root);
	sqlite3_finalize(s->has_req);
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *art_trace_store_db(art_trace_store *s) { return s->db; }
const char *art_trace_store_errmsg(art_trace_store *s) { return s && s->db ? sqlite3_errmsg(s->db) : "no database"; }

static int exec(art_trace_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? ART_OK : ART_EIO;
}
int art_trace_store_begin(art_trace_store *s)
{
	if (exec(s, "BEGIN IMMEDIATE") != ART_OK)
		return ART_EIO;
	/* with the write lock held, pick up spans other writers added since */
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(seq), 0) FROM spans", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > s->seq)
			s->seq = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	return ART_OK;
}
int art_trace_store_commit(art_trace_store *s)
{
	return exec(s, "COMMIT");
}
int art_trace_store_rollback(art_trace_store *s) { return exec(s, "ROLLBACK"); }

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static const char *sget(const cJSON *o, const char *k)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

int art_trace_store_put_envelope(art_trace_store *s, const cJSON *env, const char *body,
				 size_t bodylen, const char *stage, enum art_trace_capture capture,
				 int64_t recorded_us)
{
	sqlite3_stmt *st = s->put_env;
	char trace_id[33];
	art_trace_trace_id(env, trace_id);
	const cJSON *turn = cJSON_GetObjectItemCaseSensitive(env, "turn");
	const char *status = sget(env, "status");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(env, "output");
	const char *model = sget(out, "model");
	if (!model)
		model = sget(cJSON_GetObjectItemCaseSensitive(env, "route"), "model");
	bind_text(st, 1, sget(env, "id"));
	bind_text(st, 2, stage);
	sqlite3_bind_int64(st, 3, cJSON_IsNumber(turn) ? (int64_t)turn->valuedouble : 0);
	bind_text(st, 4, trace_id);
	bind_text(st, 5, status ? status : "ok");
	bind_text(st, 6, sget(cJSON_GetObjectItemCaseSensitive(env, "error"), "code"));
	bind_text(st, 7, sget(env, "tenant"));
	bind_text(st, 8, sget(cJSON_GetObjectItemCaseSensitive(env, "actor"), "id"));
	bind_text(st, 9, sget(env, "task"));
	bind_text(st, 10, model);
	sqlite3_bind_int64(st, 11, art_trace_env_time_us(env));
	sqlite3_bind_int64(st, 12, recorded_us);
	bind_text(st, 13, art_trace_capture_name(capture));
	sqlite3_bind_text(st, 14, body, (int)bodylen, SQLITE_STATIC);
	return step_done(st);
}

int art_trace_store_put_span(art_trace_store *s, const char *req_id, const art_trace_span *sp,
			     int64_t recorded_us)
{
	sqlite3_stmt *st = s->put_span;
	bind_text(st, 1, sp->trace_id);
	bind_text(st, 2, sp->span_id);
	bind_text(st, 3, sp->parent_id[0] ? sp->parent_id : NULL);
	bind_text(st, 4, req_id);
	bind_text(st, 5, sp->name);
	bind_text(st, 6, art_trace_op_name(sp->op));
	bind_text(st, 7, sp->stage);
	sqlite3_bind_int(st, 8, sp->kind);
	sqlite3_bind_int(st, 9, sp->code);
	bind_text(st, 10, sp->status_msg);
	bind_text(st, 11, sp->error_type);
	bind_text(st, 12, sp->model);
	bind_text(st, 13, sp->provider);
	sqlite3_bind_int64(st, 14, sp->start_us);
	sqlite3_bind_int64(st, 15, sp->end_us);
	if (sp->input_tokens >= 0)
		sqlite3_bind_int64(st, 16, sp->input_tokens);
	if (sp->output_tokens >= 0)
		sqlite3_bind_int64(st, 17, sp->output_tokens);
	if (sp->cached_tokens >= 0)
		sqlite3_bind_int64(st, 18, sp->cached_tokens);
	if (sp->cost >= 0)
		sqlite3_bind_double(st, 19, sp->cost);
	if (sp->ttft_ms >= 0)
		sqlite3_bind_double(st, 20, sp->ttft_ms);
	bind_text(st, 21, sp->attrs);
	sqlite3_bind_int64(st, 22, ++s->seq);
	sqlite3_bind_int64(st, 23, recorded_us);
	return step_done(st);
}

int art_trace_store_put_eval(art_trace_store *s, const art_trace_eval *ev)
{
	sqlite3_stmt *q = s->has_req;
	bind_text(q, 1, ev->req_id);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		return rc == SQLITE_DONE ? ART_ENOENT : ART_EIO;
	}
	char trace_id[33];
	snprintf(trace_id, sizeof trace_id, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	sqlite3_stmt *st = s->put_eval;
	bind_text(st, 1, ev->req_id);
	bind_text(st, 2, ev->name);
	bind_text(st, 3, ev->source ? ev->source : "file");
	bind_text(st, 4, trace_id);
	if (ev->has_value)
		sqlite3_bind_double(st, 5, ev->value);
	bind_text(st, 6, ev->label);
	bind_text(st, 7, ev->explanation);
	sqlite3_bind_int64(st, 8, ev->time_us);
	if (step_done(st))
		return ART_EIO;
	st = s->bump_root;
	bind_text(st, 1, ev->req_id);
	sqlite3_bind_int64(st, 2, ++s->seq);
	return step_done(st);
}

int art_trace_store_materialize(art_trace_store *s, const char *req_id, int64_t *nspans)
{
	sqlite3_stmt *q, *done;
	art_trace_spans spans = {0};
	int64_t count = 0;
	int rc = ART_OK;
	if (nspans)
		*nspans = 0;
	if (art_trace_store_begin(s))
		return ART_EIO;
	const char *sql = req_id ? "SELECT rid, id, body, recorded_us FROM envelopes WHERE id = ?1 AND spans_done = 0"
				 : "SELECT rid, id, body, recorded_us FROM envelopes WHERE spans_done = 0 ORDER BY rid";
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
		art_trace_store_rollback(s);
		return ART_EIO;
	}
	if (sqlite3_prepare_v2(s->db, "UPDATE envelopes SET spans_done = 1 WHERE rid = ?1", -1, &done, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		art_trace_store_rollback(s);
		return ART_EIO;
	}
	if (req_id)
		sqlite3_bind_text(q, 1, req_id, -1, SQLITE_STATIC);
	int st;
	while ((st = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 1);
		cJSON *env = cJSON_ParseWithLength((const char *)sqlite3_column_text(q, 2), (size_t)sqlite3_column_bytes(q, 2));
		if (env) {
			art_trace_spans_clear(&spans);
			if (art_trace_spans_derive(env, &spans) != ART_OK) {
				cJSON_Delete(env);
				rc = ART_ENOMEM;
				break;
			}
			cJSON_Delete(env);
			for (size_t i = 0; i < spans.n && !rc; i++)
				rc = art_trace_store_put_span(s, id, &spans.v[i], sqlite3_column_int64(q, 3));
			count += (int64_t)spans.n;
		}
		sqlite3_bind_int64(done, 1, sqlite3_column_int64(q, 0));
		if (!rc)
			rc = step_done(done);
		if (rc)
			break;
	}
	if (!rc && st != SQLITE_ROW && st != SQLITE_DONE)
		rc = ART_EIO;
	sqlite3_finalize(q);
	sqlite3_finalize(done);
	art_trace_spans_free(&spans);
	if (rc) {
		art_trace_store_rollback(s);
		return rc;
	}
	if (nspans)
		*nspans = count;
	return art_trace_store_commit(s);
}

int art_trace_store_meta_get(art_trace_store *s, const char *key, int64_t *val)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*val = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? ART_OK : rc == SQLITE_DONE ? ART_ENOENT : ART_EIO;
}

int art_trace_store_meta_set(art_trace_store *s, const char *key, int64_t val)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES(?1, ?2)"
				      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			       -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, val);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

static int run_count(art_trace_store *s, const char *sql, int64_t a, int64_t *changed)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	if (sqlite3_bind_parameter_count(q) >= 1)
		sqlite3_bind_int64(q, 1, a);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return ART_EIO;
	*changed += sqlite3_changes(s->db);
	return ART_OK;
}

int art_trace_store_gc(art_trace_store *s, int64_t cutoff_us, int64_t keep_requests,
		       int64_t *envelopes, int64_t *spans, int64_t *evals)
{
	*envelopes = *spans = *evals = 0;
	if (art_trace_store_begin(s))
		return ART_EIO;
	int rc = ART_OK;
	if (cutoff_us > 0)
		rc = run_count(s, "DELETE FROM envelopes WHERE recorded_us < ?1", cutoff_us, envelopes);
	if (!rc && keep_requests > 0)
		rc = run_count(s,
			       "DELETE FROM envelopes WHERE id NOT IN (SELECT id FROM envelopes"
			       " GROUP BY id ORDER BY MAX(recorded_us) DESC, MAX(rid) DESC LIMIT ?1)",
			       keep_requests, envelopes);
	if (!rc)
		rc = run_count(s, "DELETE FROM spans WHERE req_id NOT IN (SELECT id FROM envelopes)", 0, spans);
	if (!rc)
		rc = run_count(s, "DELETE FROM evals WHERE req_id NOT IN (SELECT id FROM envelopes)", 0, evals);
	if (rc) {
		art_trace_store_rollback(s);
		return rc;
	}
	if (art_trace_store_commit(s))
		return ART_EIO;
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return ART_OK;
}

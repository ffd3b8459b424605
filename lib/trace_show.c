/* trace_show.c — waterfall rendering and replay (see trace_show.h). */
#include "trace_show.h"
#include "err.h"
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *sget(const cJSON *o, const char *k)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}
static const cJSON *oget(const cJSON *o, const char *k) { return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL; }
static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : NULL;
}
static const char *or(const char *a, const char *b) { return a ? a : b; }

static void header(art_trace_buf *b, const cJSON *env, const char *stage, const char *capture)
{
	const cJSON *err = oget(env, "error"), *route = oget(env, "route"), *out = oget(env, "output");
	const cJSON *c;
	const char *status = or(sget(env, "status"), "ok");
	art_trace_buf_printf(b, "status   %s", status);
	if (err)
		art_trace_buf_printf(b, "  %s (%s): %s", or(sget(err, "code"), "?"), or(sget(err, "stage"), "?"),
				     or(sget(err, "message"), ""));
	art_trace_buf_puts(b, "\n");
	art_trace_buf_printf(b, "who      tenant %s  actor %s  task %s\n", or(sget(env, "tenant"), "-"),
			     or(sget(oget(env, "actor"), "id"), "-"), or(sget(env, "task"), "-"));
	if (route) {
		art_trace_buf_printf(b, "route    %s/%s", or(sget(route, "provider"), "?"), or(sget(route, "model"), "?"));
		if (sget(route, "reason"))
			art_trace_buf_printf(b, "  (%s)", sget(route, "reason"));
		art_trace_buf_puts(b, "\n");
		if (cJSON_GetArraySize(oget(route, "fallbacks")) > 0) {
			art_trace_buf_puts(b, "         fallbacks:");
			cJSON_ArrayForEach(c, oget(route, "fallbacks"))
				art_trace_buf_printf(b, " %s/%s", or(sget(c, "provider"), "?"), or(sget(c, "model"), "?"));
			art_trace_buf_puts(b, "\n");
		}
		if (cJSON_GetArraySize(oget(route, "rejected")) > 0) {
			art_trace_buf_puts(b, "         rejected:");
			cJSON_ArrayForEach(c, oget(route, "rejected"))
				art_trace_buf_printf(b, " %s (%s)", or(sget(c, "model"), "?"), or(sget(c, "reason"), "?"));
			art_trace_buf_puts(b, "\n");
		}
	}
	if (out) {
		const cJSON *u = oget(out, "usage"), *cost = oget(out, "cost"), *t = oget(out, "timing"), *v;
		art_trace_buf_printf(b, "answer   %s/%s  finish %s\n", or(sget(out, "provider"), "?"),
				     or(sget(out, "model"), "?"), or(sget(out, "finish_reason"), "-"));
		art_trace_buf_puts(b, "tokens  ");
		if ((v = oget(u, "input_tokens")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, " in %.0f", v->valuedouble);
		if ((v = oget(u, "output_tokens")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, "  out %.0f", v->valuedouble);
		if ((v = oget(u, "cached_tokens")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, "  cached %.0f", v->valuedouble);
		if ((v = oget(cost, "amount")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, "   cost %.6g %s", v->valuedouble, or(sget(cost, "currency"), "USD"));
		if ((v = oget(t, "ttft_ms")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, "   ttft %.1f ms", v->valuedouble);
		if ((v = oget(t, "total_ms")) && cJSON_IsNumber(v))
			art_trace_buf_printf(b, "   total %.1f ms", v->valuedouble);
		art_trace_buf_puts(b, "\n");
	}
	art_trace_buf_printf(b, "recorded at stage %s (capture %s)\n", stage, capture);
}

static void lists(art_trace_buf *b, const cJSON *env)
{
	const cJSON *c, *out = oget(env, "output");
	const cJSON *calls = oget(out, "tool_calls"), *results = oget(env, "tool_results");
	if (cJSON_GetArraySize(calls) > 0 || cJSON_GetArraySize(results) > 0) {
		art_trace_buf_puts(b, "\ntool calls\n");
		cJSON_ArrayForEach(c, calls)
		{
			const char *id = sget(c, "id");
			const cJSON *r, *res = NULL;
			cJSON_ArrayForEach(r, results) if (id && sget(r, "call_id") && !strcmp(id, sget(r, "call_id"))) res = r;
			art_trace_buf_printf(b, "  %s %s", or(id, "?"), or(sget(c, "name"), "?"));
			if (res) {
				const cJSON *d = oget(res, "duration_ms");
				art_trace_buf_printf(b, " -> %s", or(sget(res, "status"), "?"));
				if (cJSON_IsNumber(d))
					art_trace_buf_printf(b, " (%.1f ms)", d->valuedouble);
				if (oget(res, "error"))
					art_trace_buf_printf(b, " %s", or(sget(oget(res, "error"), "code"), ""));
			} else {
				art_trace_buf_puts(b, " -> (no result)");
			}
			art_trace_buf_puts(b, "\n");
		}
		if (!cJSON_GetArraySize(calls))
			cJSON_ArrayForEach(c, results)
				art_trace_buf_printf(b, "  %s %s -> %s\n", or(sget(c, "call_id"), "?"), or(sget(c, "name"), "?"),
						     or(sget(c, "status"), "?"));
	}
	const cJSON *dec = oget(oget(env, "policy"), "decisions");
	if (cJSON_GetArraySize(dec) > 0) {
		art_trace_buf_puts(b, "\npolicy decisions\n");
		cJSON_ArrayForEach(c, dec)
		{
			art_trace_buf_printf(b, "  %-12s %-24s %-16s", or(sget(c, "stage"), "-"), or(sget(c, "rule"), "?"),
					     or(sget(c, "action"), "?"));
			if (sget(c, "field"))
				art_trace_buf_printf(b, " %s", sget(c, "field"));
			if (sget(c, "reason"))
				art_trace_buf_printf(b, " (%s)", sget(c, "reason"));
			art_trace_buf_puts(b, "\n");
		}
	}
}

int art_trace_show_render(art_trace_store *s, const char *id, int width, art_trace_buf *out)
{
	sqlite3 *db = art_trace_store_db(s);
	sqlite3_stmt *q;
	char req[512];
	if (width < 10)
		width = 10;
	if (sqlite3_prepare_v2(db, "SELECT id FROM envelopes WHERE id = ?1 OR trace_id = ?1 ORDER BY recorded_us DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(req, sizeof req, "%s", col(q, 0));
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? ART_ENOENT : ART_EIO;
	if (art_trace_store_materialize(s, req, NULL) != ART_OK)
		return ART_EIO;

	/* the latest recording of the request */
	if (sqlite3_prepare_v2(db, "SELECT body, stage, capture, trace_id FROM envelopes WHERE id = ?1"
				   " ORDER BY recorded_us DESC, rid DESC LIMIT 1", -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, req, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return ART_EIO;
	}
	cJSON *env = cJSON_Parse(col(q, 0));
	art_trace_buf_printf(out, "request  %s  trace %s\n", req, col(q, 3));
	if (env)
		header(out, env, col(q, 1), col(q, 2));
	sqlite3_finalize(q);

	/* stages recorded */
	if (sqlite3_prepare_v2(db, "SELECT stage, status FROM envelopes WHERE id = ?1 ORDER BY recorded_us, rid", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, req, -1, SQLITE_STATIC);
		art_trace_buf_puts(out, "stages  ");
		while (sqlite3_step(q) == SQLITE_ROW)
			art_trace_buf_printf(out, " %s:%s", col(q, 0), col(q, 1));
		art_trace_buf_puts(out, "\n");
		sqlite3_finalize(q);
	}

	/* waterfall */
	if (sqlite3_prepare_v2(db, "SELECT name, op, start_us, end_us, code, error_type, parent_id, attrs"
				   " FROM spans WHERE req_id = ?1 ORDER BY (op = 'request') DESC, start_us, end_us", -1, &q, NULL) != SQLITE_OK) {
		cJSON_Delete(env);
		return ART_EIO;
	}
	sqlite3_bind_text(q, 1, req, -1, SQLITE_STATIC);
	int64_t t0 = 0, t1 = 0;
	int first = 1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t a = sqlite3_column_int64(q, 2), e = sqlite3_column_int64(q, 3);
		if (first || a < t0)
			t0 = a;
		if (first || e > t1)
			t1 = e;
		first = 0;
	}
	sqlite3_reset(q);
	double span_total = t1 > t0 ? (double)(t1 - t0) : 1.0;
	art_trace_buf_printf(out, "\n%-40s %10s %10s  %s\n", "SPAN", "START_MS", "DUR_MS", "TIMELINE");
	char *bar = malloc((size_t)width + 1);
	if (!bar) {
		sqlite3_finalize(q);
		cJSON_Delete(env);
		return ART_ENOMEM;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = col(q, 0), *op = col(q, 1);
		int64_t a = sqlite3_column_int64(q, 2), e = sqlite3_column_int64(q, 3);
		int isroot = op && !strcmp(op, "request");
		int from = (int)floor((double)(a - t0) / span_total * width);
		int to = (int)ceil((double)(e - t0) / span_total * width);
		if (from >= width)
			from = width - 1;
		if (to <= from)
			to = from + 1;
		if (to > width)
			to = width;
		for (int i = 0; i < width; i++)
			bar[i] = i >= from && i < to ? (sqlite3_column_int(q, 4) == 2 ? 'x' : '=') : ' ';
		bar[width] = 0;
		char label[256];
		snprintf(label, sizeof label, "%s%s", isroot ? "" : "  ", or(name, "?"));
		art_trace_buf_printf(out, "%-40.40s %10.1f %10.1f  |%s|", label, (double)(a - t0) / 1000.0,
				     (double)(e - a) / 1000.0, bar);
		const char *attrs = col(q, 7);
		if (attrs && strstr(attrs, "\"art.fallback\""))
			art_trace_buf_puts(out, " fallback");
		if (sqlite3_column_int(q, 4) == 2)
			art_trace_buf_printf(out, " ERROR %s", or(col(q, 5), "error"));
		art_trace_buf_puts(out, "\n");
	}
	free(bar);
	sqlite3_finalize(q);
	if (env)
		lists(out, env);
	cJSON_Delete(env);

	/* evaluations */
	if (sqlite3_prepare_v2(db, "SELECT name, value, label, explanation, source FROM evals WHERE req_id = ?1 ORDER BY name",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, req, -1, SQLITE_STATIC);
		first = 1;
		while (sqlite3_step(q) == SQLITE_ROW) {
			if (first)
				art_trace_buf_puts(out, "\nevaluations\n");
			first = 0;
			art_trace_buf_printf(out, "  %-24s", col(q, 0));
			if (sqlite3_column_type(q, 1) != SQLITE_NULL)
				art_trace_buf_printf(out, " %g", sqlite3_column_double(q, 1));
			if (col(q, 2))
				art_trace_buf_printf(out, " %s", col(q, 2));
			if (col(q, 3))
				art_trace_buf_printf(out, "  %s", col(q, 3));
			art_trace_buf_printf(out, "  [%s]\n", col(q, 4));
		}
		sqlite3_finalize(q);
	}
	return out->oom ? ART_ENOMEM : ART_OK;
}

int art_trace_replay(art_trace_store *s, const art_trace_replay_opts *o, art_trace_emit_fn emit,
		     void *ctx, uint64_t *n)
{
	sqlite3_stmt *q;
	*n = 0;
	const char *sql =
		"SELECT body, capture FROM envelopes e WHERE stage = ?1"
		" AND (?2 IS NULL OR id = ?2) AND recorded_us >= ?3 AND recorded_us < ?4"
		" AND (?5 IS NULL OR EXISTS (SELECT 1 FROM envelopes x WHERE x.id = e.id AND x.status = ?5))"
		" ORDER BY rid";
	if (sqlite3_prepare_v2(art_trace_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, o->stage, -1, SQLITE_STATIC);
	if (o->id)
		sqlite3_bind_text(q, 2, o->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, o->since_us > 0 ? o->since_us : INT64_MIN);
	sqlite3_bind_int64(q, 4, o->until_us > 0 ? o->until_us : INT64_MAX);
	if (o->status)
		sqlite3_bind_text(q, 5, o->status, -1, SQLITE_STATIC);
	int rc, erc = ART_OK;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		erc = emit(ctx, col(q, 0), (size_t)sqlite3_column_bytes(q, 0), col(q, 1));
		if (erc)
			break;
		(*n)++;
	}
	sqlite3_finalize(q);
	if (erc)
		return erc;
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

/* trace_stats.c — metrics over stored spans (see trace_stats.h). */
#include "trace_stats.h"
#include "err.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	double *v;
	size_t n, cap;
} vec;

static int vec_push(vec *a, double x)
{
	if (a->n == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 64;
		double *p = realloc(a->v, c * sizeof *p);
		if (!p)
			return ART_ENOMEM;
		a->v = p;
		a->cap = c;
	}
	a->v[a->n++] = x;
	return ART_OK;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted a; NAN when empty. */
static double pct(const vec *a, double p)
{
	if (!a->n)
		return NAN;
	size_t k = (size_t)ceil(p / 100.0 * (double)a->n);
	if (k < 1)
		k = 1;
	return a->v[k - 1];
}

static const double dur_bounds[] = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
static const double tok_bounds[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
static const double ttft_bounds[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
#define NB(a) (sizeof a / sizeof *a)

typedef struct {
	char *key;          /* model or stage */
	char *provider;     /* models: provider */
	int64_t count, errors;
	vec lat_ms, ttft_ms, in_tok, out_tok;
	int64_t input_tokens, output_tokens, cached_tokens;
	double cost;
	int has_cost;
} group;

typedef struct {
	group *g;
	size_t n, cap;
} groups;

static group *group_get(groups *gs, const char *key, const char *provider)
{
	for (size_t i = 0; i < gs->n; i++)
		if (!strcmp(gs->g[i].key, key))
			return &gs->g[i];
	if (gs->n == gs->cap) {
		size_t c = gs->cap ? gs->cap * 2 : 16;
		group *p = realloc(gs->g, c * sizeof *p);
		if (!p)
			return NULL;
		gs->g = p;
		gs->cap = c;
	}
	group *g = &gs->g[gs->n++];
	memset(g, 0, sizeof *g);
	g->key = strdup(key);
	g->provider = provider ? strdup(provider) : NULL;
	return g->key ? g : NULL;
}

static void groups_free(groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		group *g = &gs->g[i];
		free(g->key);
		free(g->provider);
		free(g->lat_ms.v);
		free(g->ttft_ms.v);
		free(g->in_tok.v);
		free(g->out_tok.v);
	}
	free(gs->g);
}

static void sort_group(group *g)
{
	if (g->lat_ms.n)
		qsort(g->lat_ms.v, g->lat_ms.n, sizeof(double), cmp_dbl);
	if (g->ttft_ms.n)
		qsort(g->ttft_ms.v, g->ttft_ms.n, sizeof(double), cmp_dbl);
}

/* JSON number or null. */
static void jnum(art_trace_buf *b, const char *key, double v)
{
	if (isnan(v))
		art_trace_buf_printf(b, "\"%s\":null", key);
	else
		art_trace_buf_printf(b, "\"%s\":%.6g", key, v);
}

static void json_group(art_trace_buf *b, const group *g, const char *keyname)
{
	art_trace_buf_printf(b, "{\"%s\":", keyname);
	art_trace_buf_json_str(b, g->key);
	if (g->provider) {
		art_trace_buf_puts(b, ",\"provider\":");
		art_trace_buf_json_str(b, g->provider);
	}
	art_trace_buf_printf(b, ",\"count\":%lld,\"errors\":%lld,", (long long)g->count, (long long)g->errors);
	jnum(b, "error_rate", g->count ? (double)g->errors / (double)g->count : NAN);
	art_trace_buf_put(b, ",", 1);
	jnum(b, "p50_ms", pct(&g->lat_ms, 50));
	art_trace_buf_put(b, ",", 1);
	jnum(b, "p95_ms", pct(&g->lat_ms, 95));
	art_trace_buf_put(b, ",", 1);
	jnum(b, "p99_ms", pct(&g->lat_ms, 99));
	art_trace_buf_put(b, ",", 1);
	jnum(b, "ttft_p50_ms", pct(&g->ttft_ms, 50));
	art_trace_buf_put(b, ",", 1);
	jnum(b, "ttft_p95_ms", pct(&g->ttft_ms, 95));
	art_trace_buf_printf(b, ",\"input_tokens\":%lld,\"output_tokens\":%lld,\"cached_tokens\":%lld,",
			     (long long)g->input_tokens, (long long)g->output_tokens, (long long)g->cached_tokens);
	jnum(b, "cost", g->has_cost ? g->cost : NAN);
	art_trace_buf_puts(b, "}");
}

/* One histogram data point: {"attributes":..., "count", "sum", "bucketCounts", "explicitBounds"} */
static void hist_point(art_trace_buf *b, const vec *vals, double scale, const double *bounds, size_t nb,
		       const char *model, const char *provider, const char *token_type)
{
	int64_t *counts = calloc(nb + 1, sizeof *counts);
	double sum = 0;
	if (!counts) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < vals->n; i++) {
		double x = vals->v[i] * scale;
		size_t k = 0;
		while (k < nb && x > bounds[k])
			k++;
		counts[k]++;
		sum += x;
	}
	art_trace_buf_puts(b, "{\"attributes\":{\"gen_ai.operation.name\":\"chat\",\"gen_ai.request.model\":");
	art_trace_buf_json_str(b, model);
	if (provider) {
		art_trace_buf_puts(b, ",\"gen_ai.provider.name\":");
		art_trace_buf_json_str(b, provider);
	}
	if (token_type)
		art_trace_buf_printf(b, ",\"gen_ai.token.type\":\"%s\"", token_type);
	art_trace_buf_printf(b, "},\"count\":%zu,\"sum\":%.9g,\"bucketCounts\":[", vals->n, sum);
	for (size_t k = 0; k <= nb; k++)
		art_trace_buf_printf(b, k ? ",%lld" : "%lld", (long long)counts[k]);
	art_trace_buf_puts(b, "],\"explicitBounds\":[");
	for (size_t k = 0; k < nb; k++)
		art_trace_buf_printf(b, k ? ",%g" : "%g", bounds[k]);
	art_trace_buf_puts(b, "]}");
	free(counts);
}

static void fmt_ms(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else if (v >= 10000)
		snprintf(out, n, "%.1fs", v / 1000);
	else
		snprintf(out, n, "%.1f", v);
}

static void table_group(art_trace_buf *b, const group *g)
{
	char p50[24], p95[24], p99[24], tt[24], cost[32];
	fmt_ms(p50, sizeof p50, pct(&g->lat_ms, 50));
	fmt_ms(p95, sizeof p95, pct(&g->lat_ms, 95));
	fmt_ms(p99, sizeof p99, pct(&g->lat_ms, 99));
	fmt_ms(tt, sizeof tt, pct(&g->ttft_ms, 50));
	if (g->has_cost)
		snprintf(cost, sizeof cost, "%.4f", g->cost);
	else
		snprintf(cost, sizeof cost, "-");
	art_trace_buf_printf(b, "%-28.28s %7lld %6.1f%% %9s %9s %9s %9s %10lld %10lld %10s\n", g->key,
			     (long long)g->count, g->count ? 100.0 * (double)g->errors / (double)g->count : 0.0,
			     p50, p95, p99, tt, (long long)g->input_tokens, (long long)g->output_tokens, cost);
}

static const char table_head[] = "%-28s %7s %7s %9s %9s %9s %9s %10s %10s %10s\n";

int art_trace_stats_report(art_trace_store *s, const art_trace_stats_opts *o, art_trace_buf *out)
{
	if (art_trace_store_materialize(s, NULL, NULL) != ART_OK)
		return ART_EIO;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(art_trace_store_db(s),
			       "SELECT op, stage, model, provider, code, start_us, end_us, input_tokens,"
			       " output_tokens, cached_tokens, cost, ttft_ms FROM spans"
			       " WHERE start_us >= ?1 AND start_us < ?2",
			       -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_int64(q, 1, o->since_us > 0 ? o->since_us : INT64_MIN);
	sqlite3_bind_int64(q, 2, o->until_us > 0 ? o->until_us : INT64_MAX);
	groups models = {0}, stages = {0}, reqs = {0};
	int rc, err = ART_OK;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *op = (const char *)sqlite3_column_text(q, 0);
		const char *stage = (const char *)sqlite3_column_text(q, 1);
		const char *model = (const char *)sqlite3_column_text(q, 2);
		const char *prov = (const char *)sqlite3_column_text(q, 3);
		int isreq = op && !strcmp(op, "request"), ischat = op && !strcmp(op, "chat");
		group *gl[2] = {NULL, NULL};
		if (isreq)
			gl[0] = group_get(&reqs, "all requests", NULL);
		else
			gl[0] = group_get(&stages, stage ? stage : "unknown", NULL);
		if (ischat)
			gl[1] = group_get(&models, model ? model : "unknown", prov);
		for (int k = 0; k < 2; k++) {
			group *g = gl[k];
			if (!g) {
				if (k == 0 || ischat)
					err = ART_ENOMEM;
				continue;
			}
			g->count++;
			g->errors += sqlite3_column_int(q, 4) == 2;
			if (vec_push(&g->lat_ms, (double)(sqlite3_column_int64(q, 6) - sqlite3_column_int64(q, 5)) / 1000.0))
				err = ART_ENOMEM;
			if (sqlite3_column_type(q, 11) != SQLITE_NULL && vec_push(&g->ttft_ms, sqlite3_column_double(q, 11)))
				err = ART_ENOMEM;
			if (sqlite3_column_type(q, 7) != SQLITE_NULL) {
				g->input_tokens += sqlite3_column_int64(q, 7);
				if (vec_push(&g->in_tok, (double)sqlite3_column_int64(q, 7)))
					err = ART_ENOMEM;
			}
			if (sqlite3_column_type(q, 8) != SQLITE_NULL) {
				g->output_tokens += sqlite3_column_int64(q, 8);
				if (vec_push(&g->out_tok, (double)sqlite3_column_int64(q, 8)))
					err = ART_ENOMEM;
			}
			g->cached_tokens += sqlite3_column_int64(q, 9);
			if (sqlite3_column_type(q, 10) != SQLITE_NULL) {
				g->cost += sqlite3_column_double(q, 10);
				g->has_cost = 1;
			}
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		err = ART_EIO;
	/* tokens and cost of a request: the sum over its chat spans */
	if (reqs.n) {
		group *r = &reqs.g[0];
		r->input_tokens = r->output_tokens = r->cached_tokens = 0;
		r->cost = 0;
		r->has_cost = 0;
		for (size_t i = 0; i < models.n; i++) {
			r->input_tokens += models.g[i].input_tokens;
			r->output_tokens += models.g[i].output_tokens;
			r->cached_tokens += models.g[i].cached_tokens;
			r->cost += models.g[i].cost;
			r->has_cost |= models.g[i].has_cost;
		}
	}
	for (size_t i = 0; i < models.n; i++)
		sort_group(&models.g[i]);
	for (size_t i = 0; i < stages.n; i++)
		sort_group(&stages.g[i]);
	for (size_t i = 0; i < reqs.n; i++)
		sort_group(&reqs.g[i]);

	/* evaluations in the window (by the time they were attached) */
	sqlite3_stmt *e;
	if (sqlite3_prepare_v2(art_trace_store_db(s),
			       "SELECT name, COUNT(*), AVG(value), SUM(label = 'pass'), SUM(label = 'fail')"
			       " FROM evals WHERE time_us >= ?1 AND time_us < ?2 GROUP BY name ORDER BY name",
			       -1, &e, NULL) != SQLITE_OK)
		err = ART_EIO;
	else {
		sqlite3_bind_int64(e, 1, o->since_us > 0 ? o->since_us : INT64_MIN);
		sqlite3_bind_int64(e, 2, o->until_us > 0 ? o->until_us : INT64_MAX);
	}

	if (!err && o->json) {
		art_trace_buf_puts(out, "{\"window\":{");
		if (o->since_us > 0)
			art_trace_buf_printf(out, "\"since_us\":%lld", (long long)o->since_us);
		if (o->until_us > 0)
			art_trace_buf_printf(out, "%s\"until_us\":%lld", o->since_us > 0 ? "," : "", (long long)o->until_us);
		art_trace_buf_puts(out, "},\"requests\":");
		if (reqs.n)
			json_group(out, &reqs.g[0], "name");
		else
			art_trace_buf_puts(out, "null");
		art_trace_buf_puts(out, ",\"models\":[");
		for (size_t i = 0; i < models.n; i++) {
			if (i)
				art_trace_buf_put(out, ",", 1);
			json_group(out, &models.g[i], "model");
		}
		art_trace_buf_puts(out, "],\"stages\":[");
		for (size_t i = 0; i < stages.n; i++) {
			if (i)
				art_trace_buf_put(out, ",", 1);
			json_group(out, &stages.g[i], "stage");
		}
		art_trace_buf_puts(out, "],\"evaluations\":[");
		int first = 1;
		while (sqlite3_step(e) == SQLITE_ROW) {
			art_trace_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
			first = 0;
			art_trace_buf_json_str(out, (const char *)sqlite3_column_text(e, 0));
			art_trace_buf_printf(out, ",\"count\":%lld,", (long long)sqlite3_column_int64(e, 1));
			jnum(out, "mean", sqlite3_column_type(e, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(e, 2));
			art_trace_buf_printf(out, ",\"pass\":%lld,\"fail\":%lld}", (long long)sqlite3_column_int64(e, 3),
					     (long long)sqlite3_column_int64(e, 4));
		}
		art_trace_buf_puts(out, "],\"metrics\":[");
		/* OTel metric data model, histogram per model */
		art_trace_buf_puts(out, "{\"name\":\"gen_ai.client.operation.duration\",\"unit\":\"s\",\"histogram\":{\"dataPoints\":[");
		for (size_t i = 0; i < models.n; i++) {
			if (i)
				art_trace_buf_put(out, ",", 1);
			hist_point(out, &models.g[i].lat_ms, 0.001, dur_bounds, NB(dur_bounds), models.g[i].key, models.g[i].provider, NULL);
		}
		art_trace_buf_puts(out, "]}},{\"name\":\"gen_ai.client.token.usage\",\"unit\":\"{token}\",\"histogram\":{\"dataPoints\":[");
		int any = 0;
		for (size_t i = 0; i < models.n; i++) {
			if (models.g[i].in_tok.n) {
				art_trace_buf_puts(out, any ? "," : "");
				hist_point(out, &models.g[i].in_tok, 1, tok_bounds, NB(tok_bounds), models.g[i].key, models.g[i].provider, "input");
				any = 1;
			}
			if (models.g[i].out_tok.n) {
				art_trace_buf_puts(out, any ? "," : "");
				hist_point(out, &models.g[i].out_tok, 1, tok_bounds, NB(tok_bounds), models.g[i].key, models.g[i].provider, "output");
				any = 1;
			}
		}
		art_trace_buf_puts(out, "]}},{\"name\":\"gen_ai.server.time_to_first_token\",\"unit\":\"s\",\"histogram\":{\"dataPoints\":[");
		any = 0;
		for (size_t i = 0; i < models.n; i++) {
			if (!models.g[i].ttft_ms.n)
				continue;
			art_trace_buf_puts(out, any ? "," : "");
			hist_point(out, &models.g[i].ttft_ms, 0.001, ttft_bounds, NB(ttft_bounds), models.g[i].key, models.g[i].provider, NULL);
			any = 1;
		}
		art_trace_buf_puts(out, "]}}]}\n");
	} else if (!err) {
		art_trace_buf_printf(out, table_head, "REQUESTS", "COUNT", "ERRORS", "P50_MS", "P95_MS", "P99_MS", "TTFT_MS", "IN_TOK", "OUT_TOK", "COST");
		if (reqs.n)
			table_group(out, &reqs.g[0]);
		art_trace_buf_printf(out, "\n");
		art_trace_buf_printf(out, table_head, "MODEL", "COUNT", "ERRORS", "P50_MS", "P95_MS", "P99_MS", "TTFT_MS", "IN_TOK", "OUT_TOK", "COST");
		for (size_t i = 0; i < models.n; i++)
			table_group(out, &models.g[i]);
		art_trace_buf_printf(out, "\n");
		art_trace_buf_printf(out, table_head, "STAGE", "COUNT", "ERRORS", "P50_MS", "P95_MS", "P99_MS", "TTFT_MS", "IN_TOK", "OUT_TOK", "COST");
		for (size_t i = 0; i < stages.n; i++)
			table_group(out, &stages.g[i]);
		int first = 1;
		while (sqlite3_step(e) == SQLITE_ROW) {
			if (first)
				art_trace_buf_printf(out, "\n%-28s %7s %9s %7s %7s\n", "EVALUATION", "COUNT", "MEAN", "PASS", "FAIL");
			first = 0;
			char mean[24];
			if (sqlite3_column_type(e, 2) == SQLITE_NULL)
				snprintf(mean, sizeof mean, "-");
			else
				snprintf(mean, sizeof mean, "%.3f", sqlite3_column_double(e, 2));
			art_trace_buf_printf(out, "%-28.28s %7lld %9s %7lld %7lld\n", (const char *)sqlite3_column_text(e, 0),
					     (long long)sqlite3_column_int64(e, 1), mean, (long long)sqlite3_column_int64(e, 3),
					     (long long)sqlite3_column_int64(e, 4));
		}
	}
	sqlite3_finalize(e);
	groups_free(&models);
	groups_free(&stages);
	groups_free(&reqs);
	if (!err && out->oom)
		err = ART_ENOMEM;
	return err;
}

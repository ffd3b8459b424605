/* health.c — breaker, latency and spend state in sqlite (see health.h). */
#include "health.h"
#include "err.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct art_health {
	sqlite3 *db;
};

#define EWMA_ALPHA 0.2 /* weight of the newest latency sample */

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS failures(model TEXT NOT NULL, at_us INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS failures_model ON failures(model, at_us);"
	"CREATE TABLE IF NOT EXISTS breaker(model TEXT PRIMARY KEY, opened_us INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS latency(model TEXT PRIMARY KEY, ewma_ms REAL NOT NULL,"
	" n INTEGER NOT NULL, updated_us INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS spend(tenant TEXT NOT NULL, period TEXT NOT NULL,"
	" currency TEXT NOT NULL, amount REAL NOT NULL, PRIMARY KEY(tenant, period));";

void art_health_breaker_defaults(art_health_breaker_cfg *c)
{
	c->failures = 5;
	c->window_us = 60 * 1000000LL;
	c->cooldown_us = 30 * 1000000LL;
}

int art_health_open(const char *path, art_health **out, char *err, size_t errsz)
{
	*out = NULL;
	art_health *h = calloc(1, sizeof *h);
	if (!h)
		return ART_ENOMEM;
	if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(h->db, 10000);
	/* journal_mode needs a lock; the busy handler covers a concurrent creator */
	if (sqlite3_exec(h->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(h->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	*out = h;
	return ART_OK;
fail:
	snprintf(err, errsz, "state %s: %s", path, h->db ? sqlite3_errmsg(h->db) : "cannot open");
	sqlite3_close(h->db);
	free(h);
	return ART_EIO;
}

void art_health_close(art_health *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	free(h);
}

/* Runs one statement with bound text/int64/double arguments given by a type string
 * ('t' text, 'i' int64, 'd' double).  Calls row() per result row when given. */
static int run(art_health *h, const char *sql, const char *types, const void *const *args,
	       void (*row)(sqlite3_stmt *, void *), void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ART_EIO;
	for (int i = 0; types && types[i]; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, (const char *)args[i], -1, SQLITE_STATIC);
		else if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, *(const int64_t *)args[i]);
		else
			sqlite3_bind_double(st, i + 1, *(const double *)args[i]);
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row)
			row(st, ctx);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

static void row_i64(sqlite3_stmt *st, void *ctx) { *(int64_t *)ctx = sqlite3_column_int64(st, 0); }
static void row_dbl(sqlite3_stmt *st, void *ctx) { *(double *)ctx = sqlite3_column_double(st, 0); }

int art_health_record(art_health *h, const char *model, int ok, double latency_ms,
		      int64_t now_us, const art_health_breaker_cfg *cfg)
{
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return ART_EIO;
	int rc = ART_OK;
	if (ok) {
		const void *a[] = {model};
		rc = run(h, "DELETE FROM failures WHERE model=?", "t", a, NULL, NULL);
		if (rc == ART_OK)
			rc = run(h, "DELETE FROM breaker WHERE model=?", "t", a, NULL, NULL);
	} else {
		int64_t since = now_us - cfg->window_us, n = 0, opened = -1;
		const void *a[] = {model, &now_us}, *b[] = {model, &since}, *c[] = {model};
		rc = run(h, "INSERT INTO failures(model, at_us) VALUES(?, ?)", "ti", a, NULL, NULL);
		if (rc == ART_OK)
			rc = run(h, "DELETE FROM failures WHERE model=?1 AND at_us<?2", "ti", b, NULL, NULL);
		if (rc == ART_OK)
			rc = run(h, "SELECT count(*) FROM failures WHERE model=?", "t", c, row_i64, &n);
		if (rc == ART_OK)
			rc = run(h, "SELECT opened_us FROM breaker WHERE model=?", "t", c, row_i64, &opened);
		/* open on reaching the threshold while closed; a failed half-open probe (opened
		 * and the cooldown over) reopens it from now */
		int half_open = opened >= 0 && now_us >= opened + cfg->cooldown_us;
		if (rc == ART_OK && ((opened < 0 && n >= cfg->failures) || half_open))
			rc = run(h, "INSERT OR REPLACE INTO breaker(model, opened_us) VALUES(?, ?)", "ti", a,
				 NULL, NULL);
	}
	if (rc == ART_OK && latency_ms >= 0) {
		double alpha = EWMA_ALPHA;
		const void *a[] = {model, &latency_ms, &alpha, &now_us};
		rc = run(h,
			 "INSERT INTO latency(model, ewma_ms, n, updated_us) VALUES(?1, ?2, 1, ?4)"
			 " ON CONFLICT(model) DO UPDATE SET ewma_ms = ewma_ms + ?3 * (?2 - ewma_ms),"
			 " n = n + 1, updated_us = ?4",
			 "tddi", a, NULL, NULL);
	}
	if (rc == ART_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = ART_EIO;
	if (rc != ART_OK)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int art_health_breaker_state(art_health *h, const char *model, int64_t now_us,
			     const art_health_breaker_cfg *cfg, enum art_health_breaker *st,
			     int64_t *open_until_us)
{
	int64_t opened = -1;
	const void *a[] = {model};
	*st = ART_HEALTH_CLOSED;
	if (open_until_us)
		*open_until_us = 0;
	if (run(h, "SELECT opened_us FROM breaker WHERE model=?", "t", a, row_i64, &opened) != ART_OK)
		return ART_EIO;
	if (opened < 0)
		return ART_OK;
	if (open_until_us)
		*open_until_us = opened + cfg->cooldown_us;
	*st = now_us < opened + cfg->cooldown_us ? ART_HEALTH_OPEN : ART_HEALTH_HALF_OPEN;
	return ART_OK;
}

int art_health_latency(art_health *h, const char *model, double *ms)
{
	const void *a[] = {model};
	*ms = -1;
	return run(h, "SELECT ewma_ms FROM latency WHERE model=?", "t", a, row_dbl, ms);
}

int art_health_period_key(const char *period, int64_t now_us, char *buf, size_t bufsz)
{
	time_t t = (time_t)(now_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	if (!strcmp(period, "day"))
		snprintf(buf, bufsz, "day:%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else if (!strcmp(period, "month"))
		snprintf(buf, bufsz, "month:%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	else if (!strcmp(period, "total"))
		snprintf(buf, bufsz, "total");
	else
		return ART_EINVAL;
	return ART_OK;
}

int art_health_spend_add(art_health *h, const char *tenant, const char *period_key,
			 const char *currency, double amount)
{
	if (!(amount >= 0))
		return ART_EINVAL;
	const void *a[] = {tenant, period_key, currency, &amount};
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return ART_EIO;
	int rc = run(h,
		     "INSERT INTO spend(tenant, period, currency, amount) VALUES(?1, ?2, ?3, ?4)"
		     " ON CONFLICT(tenant, period) DO UPDATE SET amount = amount + ?4",
		     "tttd", a, NULL, NULL);
	if (rc == ART_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = ART_EIO;
	if (rc != ART_OK)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int art_health_spend_record(art_health *h, const char *tenant, const char *currency,
			    double amount, int64_t now_us)
{
	if (!(amount >= 0))
		return ART_EINVAL;
	if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return ART_EIO;
	int rc = ART_OK;
	const char *periods[] = {"day", "month", "total"};
	for (int i = 0; i < 3 && rc == ART_OK; i++) {
		char key[32];
		art_health_period_key(periods[i], now_us, key, sizeof key);
		const void *a[] = {tenant, key, currency, &amount};
		rc = run(h,
			 "INSERT INTO spend(tenant, period, currency, amount) VALUES(?1, ?2, ?3, ?4)"
			 " ON CONFLICT(tenant, period) DO UPDATE SET amount = amount + ?4",
			 "tttd", a, NULL, NULL);
	}
	if (rc == ART_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = ART_EIO;
	if (rc != ART_OK)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int art_health_spend_get(art_health *h, const char *tenant, const char *period_key,
			 double *amount)
{
	const void *a[] = {tenant, period_key};
	*amount = 0;
	return run(h, "SELECT amount FROM spend WHERE tenant=? AND period=?", "tt", a, row_dbl, amount);
}

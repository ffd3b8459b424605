/* trace_otlp.c — OTLP/HTTP JSON payloads and the export loop (see trace_otlp.h). */
#include "trace_otlp.h"
#include "err.h"
#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CURSOR_KEY "otlp_cursor"

static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : NULL;
}

static void nanos(art_trace_buf *b, const char *key, int64_t us)
{
	art_trace_buf_printf(b, ",\"%s\":\"%lld000\"", key, (long long)us);
}

static int eval_events(art_trace_store *s, const char *req_id, art_trace_buf *b)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(art_trace_store_db(s),
			       "SELECT name, value, label, explanation, time_us FROM evals WHERE req_id = ?1"
			       " ORDER BY time_us, name",
			       -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_text(q, 1, req_id, -1, SQLITE_STATIC);
	int first = 1, rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		art_trace_buf_puts(b, first ? ",\"events\":[" : ",");
		first = 0;
		art_trace_buf_puts(b, "{\"name\":\"gen_ai.evaluation.result\"");
		nanos(b, "timeUnixNano", sqlite3_column_int64(q, 4));
		art_trace_buf_puts(b, ",\"attributes\":");
		art_trace_attrs_begin(b);
		art_trace_attr_str(b, "gen_ai.evaluation.name", col(q, 0));
		if (sqlite3_column_type(q, 1) != SQLITE_NULL)
			art_trace_attr_dbl(b, "gen_ai.evaluation.score.value", sqlite3_column_double(q, 1));
		art_trace_attr_str(b, "gen_ai.evaluation.score.label", col(q, 2));
		art_trace_attr_str(b, "gen_ai.evaluation.explanation", col(q, 3));
		art_trace_attrs_end(b);
		art_trace_buf_puts(b, "}");
	}
	if (!first)
		art_trace_buf_puts(b, "]");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

int art_trace_otlp_build(art_trace_store *s, int64_t after, size_t max, const char *service,
			 art_trace_buf *out, int64_t *last, size_t *n)
{
	sqlite3_stmt *q;
	*n = 0;
	*last = after;
	if (sqlite3_prepare_v2(art_trace_store_db(s),
			       "SELECT trace_id, span_id, parent_id, name, kind, code, status_msg, start_us,"
			       " end_us, attrs, seq, op, req_id FROM spans WHERE seq > ?1 ORDER BY seq LIMIT ?2",
			       -1, &q, NULL) != SQLITE_OK)
		return ART_EIO;
	sqlite3_bind_int64(q, 1, after);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
	art_trace_buf_puts(out, "{\"resourceSpans\":[{\"resource\":{\"attributes\":");
	art_trace_attrs_begin(out);
	art_trace_attr_str(out, "service.name", service ? service : "art");
	art_trace_attr_str(out, "telemetry.sdk.name", "art-trace");
	art_trace_attr_str(out, "telemetry.sdk.language", "c");
	art_trace_attr_str(out, "telemetry.sdk.version", ART_VERSION);
	art_trace_attrs_end(out);
	art_trace_buf_puts(out, "},\"scopeSpans\":[{\"scope\":{\"name\":\"art-trace\",\"version\":\"" ART_VERSION "\"},\"spans\":[");
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n)
			art_trace_buf_put(out, ",", 1);
		art_trace_buf_puts(out, "{\"traceId\":");
		art_trace_buf_json_str(out, col(q, 0));
		art_trace_buf_puts(out, ",\"spanId\":");
		art_trace_buf_json_str(out, col(q, 1));
		if (col(q, 2)) {
			art_trace_buf_puts(out, ",\"parentSpanId\":");
			art_trace_buf_json_str(out, col(q, 2));
		}
		art_trace_buf_puts(out, ",\"name\":");
		art_trace_buf_json_str(out, col(q, 3));
		art_trace_buf_printf(out, ",\"kind\":%d", sqlite3_column_int(q, 4));
		nanos(out, "startTimeUnixNano", sqlite3_column_int64(q, 7));
		nanos(out, "endTimeUnixNano", sqlite3_column_int64(q, 8));
		art_trace_buf_puts(out, ",\"attributes\":");
		art_trace_buf_puts(out, col(q, 9) ? col(q, 9) : "[]");
		const char *op = col(q, 11);
		if (op && !strcmp(op, "request") && eval_events(s, col(q, 12), out) != ART_OK) {
			sqlite3_finalize(q);
			return ART_EIO;
		}
		art_trace_buf_printf(out, ",\"status\":{\"code\":%d", sqlite3_column_int(q, 5));
		if (col(q, 6)) {
			art_trace_buf_puts(out, ",\"message\":");
			art_trace_buf_json_str(out, col(q, 6));
		}
		art_trace_buf_puts(out, "}}");
		*last = sqlite3_column_int64(q, 10);
		(*n)++;
	}
	sqlite3_finalize(q);
	art_trace_buf_puts(out, "]}]}]}");
	if (rc != SQLITE_DONE)
		return ART_EIO;
	return out->oom ? ART_ENOMEM : ART_OK;
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
	art_trace_buf *b = ud;
	if (b->len < (1 << 20))
		art_trace_buf_put(b, p, sz * n);
	return sz * n;
}

/* Seconds from a Retry-After header (delta-seconds form only). */
static size_t header_cb(char *p, size_t sz, size_t n, void *ud)
{
	int64_t *retry_after_us = ud;
	size_t len = sz * n;
	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		long v = strtol(p + 12, NULL, 10);
		if (v > 0 && v < 3600)
			*retry_after_us = (int64_t)v * 1000000;
	}
	return len;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static int retryable(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }

int art_trace_otlp_export(art_trace_store *s, const art_trace_otlp_opts *o,
			  art_trace_otlp_stats *st, char *err, size_t errsz)
{
	memset(st, 0, sizeof *st);
	if (!o->url || (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))) {
		snprintf(err, errsz, "OTLP URL must start with http:// or https://");
		return ART_EINVAL;
	}
	char url[2048], shown[2048];
	size_t ul = strlen(o->url);
	while (ul && o->url[ul - 1] == '/')
		ul--;
	if (ul >= 10 && !strncmp(o->url + ul - 10, "/v1/traces", 10))
		snprintf(url, sizeof url, "%.*s", (int)ul, o->url);
	else
		snprintf(url, sizeof url, "%.*s/v1/traces", (int)ul, o->url);

	/* messages name the URL without any user:password@ part */
	snprintf(shown, sizeof shown, "%s", url);
	char *scheme_end = strstr(shown, "://");
	if (scheme_end) {
		char *host = scheme_end + 3, *slash = strchr(host, '/'), *at = strchr(host, '@');
		if (at && (!slash || at < slash))
			memmove(host, at + 1, strlen(at + 1) + 1);
	}
	if (art_trace_store_materialize(s, NULL, NULL) != ART_OK) {
		snprintf(err, errsz, "deriving spans: %s", art_trace_store_errmsg(s));
		return ART_EIO;
	}
	int64_t cursor = 0;
	if (!o->from_start && art_trace_store_meta_get(s, CURSOR_KEY, &cursor) == ART_EIO) {
		snprintf(err, errsz, "reading the export cursor: %s", art_trace_store_errmsg(s));
		return ART_EIO;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errsz, "cannot start libcurl");
		return ART_ENOMEM;
	}
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	for (size_t i = 0; i < o->nheaders; i++)
		hdrs = curl_slist_append(hdrs, o->headers[i]);
	art_trace_buf payload = {0}, resp = {0};
	int64_t retry_after = 0;
	int rc = ART_OK;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &retry_after);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_us / 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "art-trace/" ART_VERSION);
	for (;;) {
		int64_t last;
		size_t n;
		art_trace_buf_reset(&payload);
		rc = art_trace_otlp_build(s, cursor, o->batch, o->service, &payload, &last, &n);
		if (rc != ART_OK) {
			snprintf(err, errsz, "building a batch: %s", art_trace_store_errmsg(s));
			break;
		}
		if (!n)
			break;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.p);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload.len);
		int64_t delay = o->backoff_us;
		int ok = 0;
		for (int attempt = 0;; attempt++) {
			art_trace_buf_reset(&resp);
			retry_after = 0;
			CURLcode cc = curl_easy_perform(c);
			long status = 0;
			if (cc == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			st->http_status = status;
			if (cc == CURLE_OK && status >= 200 && status < 300) {
				ok = 1;
				break;
			}
			int again = cc != CURLE_OK || retryable(status);
			if (!again || attempt >= o->retries) {
				if (cc != CURLE_OK)
					snprintf(err, errsz, "%s: %s (after %d attempts)", shown, curl_easy_strerror(cc), attempt + 1);
				else
					snprintf(err, errsz, "%s: HTTP %ld (after %d attempts)", shown, status, attempt + 1);
				break;
			}
			st->retries++;
			sleep_us(retry_after > delay ? retry_after : delay);
			delay = delay * 2 > 30000000 ? 30000000 : delay * 2;
		}
		if (!ok) {
			rc = ART_EIO;
			break;
		}
		if (resp.len) {
			cJSON *j = cJSON_ParseWithLength(resp.p, resp.len);
			const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "partialSuccess");
			const cJSON *rj = cJSON_GetObjectItemCaseSensitive(ps, "rejectedSpans");
			if (cJSON_IsString(rj))
				st->rejected += strtoll(rj->valuestring, NULL, 10);
			else if (cJSON_IsNumber(rj))
				st->rejected += (int64_t)rj->valuedouble;
			cJSON_Delete(j);
		}
		st->requests++;
		st->spans += (int64_t)n;
		cursor = last;
		if (art_trace_store_meta_set(s, CURSOR_KEY, cursor) != ART_OK) {
			snprintf(err, errsz, "saving the export cursor: %s", art_trace_store_errmsg(s));
			rc = ART_EIO;
			break;
		}
	}
	st->cursor = cursor;
	art_trace_buf_free(&payload);
	art_trace_buf_free(&resp);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

/* test_trace.c — redaction, OTLP attribute encoding, span derivation, store, OTLP payload. */
#include "clock.h"
#include "err.h"
#include "redact.h"
#include "t.h"
#include "trace_buf.h"
#include "trace_otlp.h"
#include "trace_spans.h"
#include "trace_store.h"
#include <cJSON.h>
#include <unistd.h>

static void redact_case(const char *in, const char *want, const char *what)
{
	char *out = NULL;
	int n = art_redact_text(in, strlen(in), ART_REDACT_ALL, &out, NULL, NULL);
	T_EQ_STR(n > 0 ? out : in, want, "redact: %s", what);
	free(out);
}

static void test_redact(void)
{
	redact_case("mail bob.smith+x@mail.example.co.uk now", "mail [REDACTED:email] now", "email");
	redact_case("a@b is not an address", "a@b is not an address", "no dot in domain");
	redact_case("key sk-proj-abcdefghijklmnopqrstuvwx!", "key [REDACTED:api_key]!", "sk- key");
	redact_case("sk-short", "sk-short", "sk- too short");
	redact_case("task-abcdefghijklmnopqrstuvwxyz", "task-abcdefghijklmnopqrstuvwxyz", "sk- inside a word");
	redact_case("id AKIAIOSFODNN7EXAMPLE.", "id [REDACTED:aws_key].", "AWS key id");
	redact_case("AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX", "AWS: too long");
	redact_case("t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_abc-123 end", "t [REDACTED:jwt] end", "JWT");
	redact_case("card 4111-1111-1111-1111 ok", "card [REDACTED:card] ok", "card with dashes (Luhn ok)");
	redact_case("card 4111 1111 1111 1112 ok", "card 4111 1111 1111 1112 ok", "Luhn fails: kept");
	redact_case("order 12345678901234567890123", "order 12345678901234567890123", "long number kept");
	redact_case("ts 1795082400000000", "ts 1795082400000000", "timestamp (16 digits, Luhn fails) kept");
	redact_case("two: a@x.io and c@y.io", "two: [REDACTED:email] and [REDACTED:email]", "two matches");

	cJSON *j = cJSON_Parse("{\"a\":[\"x sk-abcdefghijklmnopqrstuvwxyz\",{\"b\":\"e@x.org\"}],\"e@x.org\":1}");
	unsigned found = 0;
	int n = art_redact_json(j, ART_REDACT_ALL, &found);
	T_EQ_INT(n, 2, "redact_json: two strings redacted");
	T_OK(found == (ART_REDACT_API_KEY | ART_REDACT_EMAIL), "redact_json: kinds reported");
	char *s = cJSON_PrintUnformatted(j);
	T_EQ_STR(s, "{\"a\":[\"x [REDACTED:api_key]\",{\"b\":\"[REDACTED:email]\"}],\"e@x.org\":1}", "redact_json: keys untouched");
	free(s);
	cJSON_Delete(j);
}

static void test_buf(void)
{
	art_trace_buf b = {0};
	art_trace_attrs_begin(&b);
	art_trace_attr_str(&b, "s", "a\"b\n");
	art_trace_attr_int(&b, "i", -42);
	art_trace_attr_dbl(&b, "d", 0.1);
	art_trace_attr_bool(&b, "t", 1);
	cJSON *arr = cJSON_Parse("[\"x\",3,\"y\"]");
	art_trace_attr_strs(&b, "a", arr);
	art_trace_attr_json(&b, "n", cJSON_GetArrayItem(arr, 1));
	cJSON_Delete(arr);
	art_trace_attrs_end(&b);
	T_EQ_STR(b.p,
		 "[{\"key\":\"s\",\"value\":{\"stringValue\":\"a\\\"b\\n\"}},"
		 "{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
		 "{\"key\":\"d\",\"value\":{\"doubleValue\":0.1}},"
		 "{\"key\":\"t\",\"value\":{\"boolValue\":true}},"
		 "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},{\"stringValue\":\"y\"}]}}},"
		 "{\"key\":\"n\",\"value\":{\"intValue\":\"3\"}}]",
		 "attrs: OTLP typed values");
	art_trace_buf_reset(&b);
	cJSON *j = cJSON_Parse("{\"t\":1795082400000150,\"f\":0.25,\"n\":null,\"s\":\"\\u0001\","
			       "\"d\":[0.2,-95.5,0.00021,1e-07,123456.125,3.141592653589793,-0.5,1e300]}");
	art_trace_buf_json(&b, j);
	T_EQ_STR(b.p, "{\"t\":1795082400000150,\"f\":0.25,\"n\":null,\"s\":\"\\u0001\","
		      "\"d\":[0.2,-95.5,0.00021,1e-07,123456.125,3.141592653589793,-0.5,1e+300]}",
		 "json: integers stay integers, doubles shortest");
	cJSON *back = cJSON_Parse(b.p);
	T_OK(back && cJSON_Compare(back, j, 1), "json: reads back equal");
	cJSON_Delete(back);
	cJSON_Delete(j);
	art_trace_buf_free(&b);
}

static const char *env_text =
	"{\"art\":1,\"id\":\"r1\",\"created\":\"2026-11-19T10:00:00Z\","
	"\"trace\":{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"},"
	"\"tenant\":\"acme\",\"actor\":{\"id\":\"alice\"},\"task\":\"qa\","
	"\"messages\":[{\"role\":\"user\",\"content\":\"hi sk-abcdefghijklmnopqrstuvwxyz\"}],"
	"\"route\":{\"provider\":\"ollama\",\"model\":\"m1\",\"fallbacks\":[{\"model\":\"m2\"}]},"
	"\"output\":{\"text\":\"ok\",\"model\":\"m2\",\"provider\":\"openai\",\"finish_reason\":\"stop\","
	"\"usage\":{\"input_tokens\":10,\"output_tokens\":5}},"
	"\"events\":[{\"stage\":\"art-infer\",\"name\":\"chat\",\"start_us\":1795082400000100,\"end_us\":1795082400000200,"
	"\"attrs\":{\"model\":\"m1\",\"error\":\"timeout\"}},"
	"{\"stage\":\"art-infer\",\"name\":\"chat\",\"start_us\":1795082400000300,\"end_us\":1795082400000900,"
	"\"attrs\":{\"model\":\"m2\"}},"
	"{\"stage\":\"art-tool\",\"name\":\"execute_tool\",\"span_id\":\"aaaaaaaaaaaaaaaa\",\"start_us\":1795082400001000,"
	"\"end_us\":1795082400001500,\"attrs\":{\"tool\":\"calc\",\"call_id\":\"c1\"}}]}";

static void test_spans(void)
{
	cJSON *env = cJSON_Parse(env_text);
	art_trace_spans a = {0}, b = {0};
	T_EQ_INT(art_trace_spans_derive(env, &a), ART_OK, "derive");
	T_EQ_INT(a.n, 4, "root + 2 chat + 1 tool");
	T_EQ_STR(a.v[0].name, "art.request qa", "root name");
	T_EQ_STR(a.v[0].span_id, "00f067aa0ba902b7", "root span id is trace.span_id");
	T_EQ_INT(a.v[0].start_us, 1795082400000000LL, "root starts at created");
	T_EQ_INT(a.v[0].end_us, 1795082400001500LL, "root ends at the last event");
	T_EQ_STR(a.v[1].name, "chat m1", "first attempt");
	T_EQ_INT(a.v[1].code, ART_TRACE_CODE_ERROR, "failed attempt is an error span");
	T_EQ_STR(a.v[1].error_type, "timeout", "error.type from the event");
	T_EQ_STR(a.v[1].parent_id, "00f067aa0ba902b7", "parent is the root");
	T_EQ_STR(a.v[2].name, "chat m2", "fallback");
	T_EQ_INT(a.v[2].input_tokens, 10, "usage on the span that produced output");
	T_EQ_INT(a.v[1].input_tokens, -1, "no usage on the failed attempt");
	T_OK(strstr(a.v[2].attrs, "\"gen_ai.response.finish_reasons\"") != NULL, "finish reasons");
	T_OK(strstr(a.v[2].attrs, "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}}") != NULL,
	     "provider from the event/output");
	T_EQ_STR(a.v[3].name, "execute_tool calc", "tool span name");
	T_EQ_STR(a.v[3].span_id, "aaaaaaaaaaaaaaaa", "event span_id kept");
	T_OK(strlen(a.v[1].span_id) == 16 && strcmp(a.v[1].span_id, a.v[2].span_id), "derived ids differ");
	T_EQ_INT(art_trace_spans_derive(env, &b), ART_OK, "derive again");
	T_EQ_STR(a.v[1].span_id, b.v[1].span_id, "derived span ids are deterministic");
	art_trace_spans_free(&a);
	art_trace_spans_free(&b);

	T_EQ_INT(art_trace_capture_apply(env, ART_TRACE_CAPTURE_NONE, NULL), 0, "capture none: no secret left outside contents");
	char *s = cJSON_PrintUnformatted(env);
	T_OK(!strstr(s, "sk-abc") && !strstr(s, "\"ok\""), "capture none strips message and output text");
	free(s);
	cJSON_Delete(env);
	env = cJSON_Parse(env_text);
	T_EQ_INT(art_trace_capture_apply(env, ART_TRACE_CAPTURE_REDACTED, NULL), 1, "capture redacted: one secret");
	s = cJSON_PrintUnformatted(env);
	T_OK(strstr(s, "hi [REDACTED:api_key]") != NULL, "redacted content kept");
	free(s);
	cJSON_Delete(env);
}

/* Events as art-remote (provider.c) and art-tool (tool_run.c) write them. */
static void test_stage_events(void)
{
	cJSON *env = cJSON_Parse(
		"{\"art\":1,\"id\":\"r2\",\"output\":{\"text\":\"x\",\"model\":\"b\",\"usage\":{\"input_tokens\":3}},"
		"\"events\":[{\"stage\":\"art-remote\",\"name\":\"skip_candidate\",\"start_us\":1,\"end_us\":1,\"attrs\":{\"model\":\"l\"}},"
		"{\"stage\":\"art-remote\",\"name\":\"attempt\",\"start_us\":2,\"end_us\":5,"
		"\"attrs\":{\"provider\":\"openai\",\"model\":\"a\",\"outcome\":\"error\",\"error\":\"upstream_5xx\"}},"
		"{\"stage\":\"art-remote\",\"name\":\"attempt\",\"start_us\":6,\"end_us\":9,"
		"\"attrs\":{\"provider\":\"ollama\",\"model\":\"b\",\"outcome\":\"ok\",\"ttft_ms\":1.5}},"
		"{\"stage\":\"art-tool\",\"name\":\"execute_tool\",\"start_us\":10,\"end_us\":12,"
		"\"attrs\":{\"gen_ai.tool.name\":\"fs.read\",\"gen_ai.tool.call.id\":\"c9\",\"outcome\":\"error\",\"error.type\":\"timeout\"}}]}");
	art_trace_spans a = {0};
	T_EQ_INT(art_trace_spans_derive(env, &a), ART_OK, "derive stage events");
	T_EQ_INT(a.n, 5, "root + skip + 2 attempts + tool");
	T_EQ_STR(a.v[1].name, "art-remote skip_candidate", "a skipped candidate is not a chat span");
	T_EQ_STR(a.v[2].name, "chat a", "attempt is a chat span");
	T_EQ_STR(a.v[2].error_type, "upstream_5xx", "failed attempt error.type");
	T_EQ_STR(a.v[3].name, "chat b", "second attempt");
	T_EQ_INT(a.v[3].input_tokens, 3, "the ok attempt carries the usage");
	T_EQ_STR(a.v[4].name, "execute_tool fs.read", "tool name from gen_ai.tool.name");
	T_EQ_STR(a.v[4].error_type, "timeout", "tool error.type");
	T_OK(strstr(a.v[4].attrs, "{\"key\":\"gen_ai.tool.call.id\",\"value\":{\"stringValue\":\"c9\"}}") != NULL, "tool call id");
	art_trace_spans_free(&a);
	cJSON_Delete(env);
}

static void test_store(void)
{
	char path[] = "/tmp/test_trace_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	art_trace_store *s;
	char err[256];
	T_EQ_INT(art_trace_store_open(&s, path, ART_TRACE_OPEN_EXISTING, err, sizeof err), ART_ENOENT, "missing db");
	T_EQ_INT(art_trace_store_open(&s, path, ART_TRACE_OPEN_CREATE, err, sizeof err), ART_OK, "create db");
	cJSON *env = cJSON_Parse(env_text);
	char *body = cJSON_PrintUnformatted(env);
	for (int i = 0; i < 2; i++) {
		art_trace_store_begin(s);
		T_EQ_INT(art_trace_store_put_envelope(s, env, body, strlen(body), "end", ART_TRACE_CAPTURE_FULL, 1000 + i),
			 ART_OK, "put envelope (%d)", i);
		art_trace_store_commit(s);
		int64_t n;
		T_EQ_INT(art_trace_store_materialize(s, NULL, &n), ART_OK, "materialize (%d)", i);
		T_EQ_INT(n, 4, "4 spans derived (%d)", i);
	}
	sqlite3_stmt *q;
	sqlite3_prepare_v2(art_trace_store_db(s), "SELECT (SELECT COUNT(*) FROM envelopes), (SELECT COUNT(*) FROM spans)", -1, &q, NULL);
	sqlite3_step(q);
	T_EQ_INT(sqlite3_column_int(q, 0), 1, "re-recorded envelope replaced");
	T_EQ_INT(sqlite3_column_int(q, 1), 4, "spans not duplicated");
	sqlite3_finalize(q);

	art_trace_eval ev = {.req_id = "r1", .name = "relevance", .source = "file", .has_value = 1, .value = 0.75, .label = "relevant", .time_us = 5};
	art_trace_store_begin(s);
	T_EQ_INT(art_trace_store_put_eval(s, &ev), ART_OK, "eval stored");
	ev.req_id = "nope";
	T_EQ_INT(art_trace_store_put_eval(s, &ev), ART_ENOENT, "eval of an unknown request");
	art_trace_store_commit(s);

	art_trace_buf b = {0};
	int64_t last;
	size_t n;
	T_EQ_INT(art_trace_otlp_build(s, 0, 100, "svc", &b, &last, &n), ART_OK, "otlp build");
	T_EQ_INT(n, 4, "4 spans in the payload");
	cJSON *p = cJSON_Parse(b.p);
	T_OK(p != NULL, "payload is JSON");
	const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "resourceSpans"), 0);
	const cJSON *ss = cJSON_GetArrayItem(cJSON_GetObjectItem(rs, "scopeSpans"), 0);
	const cJSON *spans = cJSON_GetObjectItem(ss, "spans"), *sp, *root = NULL;
	T_EQ_INT(cJSON_GetArraySize(spans), 4, "resourceSpans/scopeSpans/spans");
	cJSON_ArrayForEach(sp, spans) if (!cJSON_GetObjectItem(sp, "parentSpanId")) root = (cJSON *)sp;
	T_OK(root != NULL, "one span without parent (the root)");
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(root, "startTimeUnixNano")), "1795082400000000000", "nanos as a string");
	const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "events"), 0);
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(e0, "name")), "gen_ai.evaluation.result", "eval as a span event");
	cJSON_Delete(p);
	art_trace_buf_reset(&b);
	T_EQ_INT(art_trace_otlp_build(s, last, 100, "svc", &b, &last, &n), ART_OK, "otlp build after the last");
	T_EQ_INT(n, 0, "nothing after the last seq");
	art_trace_buf_free(&b);

	int64_t de, ds, dv;
	T_EQ_INT(art_trace_store_gc(s, 2000, 0, &de, &ds, &dv), ART_OK, "gc by age");
	T_EQ_INT(de, 1, "envelope deleted");
	T_EQ_INT(ds, 4, "its spans deleted");
	T_EQ_INT(dv, 1, "its evals deleted");
	art_trace_store_close(s);
	free(body);
	cJSON_Delete(env);
	char w[300];
	unlink(path);
	snprintf(w, sizeof w, "%s-wal", path);
	unlink(w);
	snprintf(w, sizeof w, "%s-shm", path);
	unlink(w);
}

int main(void)
{
	test_redact();
	test_buf();
	test_spans();
	test_stage_events();
	test_store();
	return T_DONE();
}

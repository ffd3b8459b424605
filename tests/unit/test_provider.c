/* test_provider.c — wire formats: response parsing (SSE, JSON, NDJSON; malformed and
 * truncated input, fed whole and byte by byte), request bodies, cost. */
#include "err.h"
#include "provider.h"
#include "t.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct {
	const char *name;
	enum art_provider_wire wire;
	const char *body;
	int want_rc;             /* ART_OK, ART_EFORMAT, ART_ENOENT */
	const char *want;        /* expected output JSON subset (compared field by field), or NULL */
} parse_case;

static const parse_case parse_cases[] = {
	{"sse text + usage chunk", ART_PROV_WIRE_SSE,
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
	 ": keep-alive comment\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\r\n\r\n"
	 "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\n"
	 "data: [DONE]\n\n",
	 ART_OK, "{\"text\":\"Hello\",\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":7,\"output_tokens\":2,\"cached_tokens\":3}}"},
	{"sse tool call split over deltas", ART_PROV_WIRE_SSE,
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":\"\"}}]}}]}\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}}]}\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
	 "data: [DONE]\n",
	 ART_OK, "{\"text\":\"\",\"finish_reason\":\"tool_calls\",\"tool_calls\":[{\"id\":\"call_1\",\"name\":\"get\",\"arguments\":{\"a\":1}}]}"},
	{"sse data that is not JSON", ART_PROV_WIRE_SSE,
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: {not json\n\ndata: [DONE]\n\n", ART_EFORMAT, NULL},
	{"sse line that is not SSE", ART_PROV_WIRE_SSE, "{malformed json: <<<chaos>>>\n", ART_EFORMAT, NULL},
	{"sse error object mid-stream", ART_PROV_WIRE_SSE,
	 "data: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: [DONE]\n\n", ART_EFORMAT, NULL},
	{"sse ends before [DONE]", ART_PROV_WIRE_SSE,
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"}}]}\n\n", ART_ENOENT,
	 "{\"text\":\"partial\"}"},
	{"sse data after [DONE]", ART_PROV_WIRE_SSE, "data: [DONE]\n\ndata: {\"choices\":[]}\n\n", ART_EFORMAT, NULL},
	{"json completion with cached tokens", ART_PROV_WIRE_JSON,
	 "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":\"length\"}],"
	 "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":8}}}",
	 ART_OK, "{\"text\":\"Hi\",\"finish_reason\":\"length\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1,\"cached_tokens\":8}}"},
	{"json tool call with string arguments", ART_PROV_WIRE_JSON,
	 "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"c9\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":[1,2]}\"}}]},\"finish_reason\":\"tool_calls\"}]}",
	 ART_OK, "{\"finish_reason\":\"tool_calls\",\"tool_calls\":[{\"id\":\"c9\",\"name\":\"f\",\"arguments\":{\"x\":[1,2]}}]}"},
	{"json tool call with broken arguments", ART_PROV_WIRE_JSON,
	 "{\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]},\"finish_reason\":\"tool_calls\"}]}",
	 ART_EFORMAT, NULL},
	{"json malformed", ART_PROV_WIRE_JSON, "{malformed json: <<<chaos>>>", ART_EFORMAT, NULL},
	{"json empty body", ART_PROV_WIRE_JSON, "", ART_EFORMAT, NULL},
	{"json without choices", ART_PROV_WIRE_JSON, "{\"object\":\"chat.completion\"}", ART_EFORMAT, NULL},
	{"ndjson text", ART_PROV_WIRE_NDJSON,
	 "{\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n"
	 "{\"message\":{\"role\":\"assistant\",\"content\":\"lo\"},\"done\":false}\n"
	 "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":12,\"eval_count\":2}\n",
	 ART_OK, "{\"text\":\"Hello\",\"finish_reason\":\"length\",\"usage\":{\"input_tokens\":12,\"output_tokens\":2,\"cached_tokens\":0}}"},
	{"ndjson tool call with object arguments, no final newline", ART_PROV_WIRE_NDJSON,
	 "{\"message\":{\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"w\",\"arguments\":{\"city\":\"SF\"}}}]},\"done\":false}\n"
	 "{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}",
	 ART_OK, "{\"finish_reason\":\"tool_calls\",\"tool_calls\":[{\"id\":\"call_0\",\"name\":\"w\",\"arguments\":{\"city\":\"SF\"}}]}"},
	{"ndjson malformed line", ART_PROV_WIRE_NDJSON, "{\"message\":{\"content\":\"a\"},\"done\":false}\n{oops\n", ART_EFORMAT, NULL},
	{"ndjson ends before done", ART_PROV_WIRE_NDJSON, "{\"message\":{\"content\":\"a\"},\"done\":false}\n", ART_ENOENT,
	 "{\"text\":\"a\"}"},
	{"ndjson error object", ART_PROV_WIRE_NDJSON, "{\"error\":\"model not found\"}\n", ART_EFORMAT, NULL},
};

/* every field of want appears in got with an equal value */
static int subset(const cJSON *want, const cJSON *got)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, want)
	{
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, w->string);
		if (!g || !cJSON_Compare(w, g, 1))
			return 0;
	}
	return 1;
}

static void run_parse(const parse_case *c, int bytewise)
{
	art_provider_parser *ps;
	T_EQ_INT(art_provider_parser_new(&ps, c->wire), ART_OK, "%s: parser_new", c->name);
	size_t n = strlen(c->body);
	if (bytewise)
		for (size_t i = 0; i < n; i++)
			art_provider_parser_feed(ps, c->body + i, 1, (int64_t)i + 1);
	else
		art_provider_parser_feed(ps, c->body, n, 1);
	cJSON *out = cJSON_CreateObject();
	int64_t ttft;
	char err[200] = "";
	int rc = art_provider_parser_finish(ps, out, &ttft, err, sizeof err);
	T_EQ_INT(rc, c->want_rc, "%s%s: status (%s)", c->name, bytewise ? " (byte by byte)" : "", err);
	if (c->want) {
		cJSON *want = cJSON_Parse(c->want);
		char *got = cJSON_PrintUnformatted(out);
		if (!T_OK(want && subset(want, out), "%s%s: output", c->name, bytewise ? " (byte by byte)" : ""))
			T_DIAG("got %s", got);
		free(got);
		cJSON_Delete(want);
	}
	if (c->want_rc != ART_OK)
		T_OK(err[0] != 0, "%s: a reason is given", c->name);
	cJSON_Delete(out);
	art_provider_parser_free(ps);
}

typedef struct {
	const char *name;
	enum art_route_provider kind;
	const char *env;
	const char *want; /* subset of the body */
} body_case;

static const body_case body_cases[] = {
	{"openai stream, params, json schema", ART_ROUTE_OPENAI,
	 "{\"art\":1,\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],"
	 "\"params\":{\"max_tokens\":5,\"temperature\":0.5,\"top_k\":3,\"stop\":[\"x\"]},"
	 "\"response_schema\":{\"type\":\"object\"}}",
	 "{\"model\":\"up\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":5,\"temperature\":0.5,"
	 "\"stop\":[\"x\"],\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],"
	 "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"response\",\"schema\":{\"type\":\"object\"},\"strict\":true}}}"},
	{"openai tools and a tool-call turn", ART_ROUTE_OPENAI,
	 "{\"art\":1,\"id\":\"a\",\"tools\":[{\"name\":\"w\",\"description\":\"d\",\"inputSchema\":{\"type\":\"object\"}}],"
	 "\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"name\":\"w\",\"arguments\":{\"k\":1}}]},"
	 "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r\"}]}",
	 "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"}}}],"
	 "\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"k\\\":1}\"}}]},"
	 "{\"role\":\"tool\",\"content\":\"r\",\"tool_call_id\":\"c1\"}]}"},
	{"ollama options, format, object arguments, context", ART_ROUTE_OLLAMA,
	 "{\"art\":1,\"id\":\"a\",\"context\":[{\"id\":\"d1\",\"text\":\"fact\"}],"
	 "\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"name\":\"w\",\"arguments\":{\"k\":1}}]}],"
	 "\"params\":{\"max_tokens\":7,\"top_k\":3,\"seed\":9},\"response_schema\":{\"type\":\"object\"}}",
	 "{\"model\":\"up\",\"stream\":true,\"options\":{\"num_predict\":7,\"top_k\":3,\"seed\":9},\"format\":{\"type\":\"object\"},"
	 "\"messages\":[{\"role\":\"system\",\"content\":\"Context:\\n[d1] fact\\n\"},"
	 "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"w\",\"arguments\":{\"k\":1}}}]}]}"},
};

/* art_provider_run (the batch API art-infer calls) against aimock on 127.0.0.1, when
 * the npm test peers are installed (tests/npm-setup); skipped otherwise. */
static void test_batch(void)
{
	const char *mock = "tests/node_modules/.bin/llmock";
	if (access(mock, X_OK) != 0) {
		T_SKIP("aimock not installed (tests/npm-setup)");
		return;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	char port[16];
	snprintf(port, sizeof port, "%d", ntohs(a.sin_port));
	char *argv[] = {(char *)mock, "-h", "127.0.0.1", "-p", port, "-f", "tests/fixtures/aimock/remote.json",
			"--log-level", "silent", NULL};
	pid_t pid;
	if (posix_spawn(&pid, mock, NULL, NULL, argv, environ) != 0) {
		T_OK(0, "spawn aimock");
		return;
	}
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%s/health", port);
	int up = 0;
	for (int i = 0; i < 200 && !up; i++) {
		CURL *c = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		up = curl_easy_perform(c) == CURLE_OK;
		curl_easy_cleanup(c);
		if (!up)
			usleep(50000);
	}
	T_OK(up, "aimock is up on port %s", port);
	const char *q[] = {"hello", "weather", "hello", "rate-limit-always"};
	const char *route[] = {
		"{\"provider\":\"openai\",\"model\":\"m1\",\"endpoint\":\"http://127.0.0.1:%s/v1\"}",
		"{\"provider\":\"ollama\",\"model\":\"m2\",\"endpoint\":\"http://127.0.0.1:%s\"}",
		"{\"provider\":\"local\",\"model\":\"m3\",\"endpoint\":\"x.gguf\"}",
		"{\"provider\":\"openai\",\"model\":\"m4\",\"endpoint\":\"http://127.0.0.1:%s/v1\"}",
	};
	cJSON *envs[4];
	for (int i = 0; i < 4; i++) {
		char js[512], rj[256];
		snprintf(rj, sizeof rj, route[i], port);
		snprintf(js, sizeof js, "{\"art\":1,\"id\":\"b%d\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],\"route\":%s}", i, q[i], rj);
		envs[i] = cJSON_Parse(js);
	}
	art_provider_opts o;
	art_provider_opts_defaults(&o);
	o.stage = "test";
	o.parallel = 2;
	o.retries = 0;
	art_provider *p;
	char err[200];
	T_EQ_INT(art_provider_new(&p, &o, err, sizeof err), ART_OK, "provider_new");
	T_OK(art_provider_handles(envs[0]) && !art_provider_handles(envs[2]), "handles remote routes only");
	T_EQ_INT(art_provider_run(p, envs, 4), ART_OK, "run 4 envelopes, 2 at a time");
	T_EQ_INT(art_provider_pending(p), 0, "nothing pending afterwards");
	art_provider_free(p);
	const cJSON *o0 = cJSON_GetObjectItemCaseSensitive(envs[0], "output");
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o0, "text")), "Hello from the mock.", "openai answer");
	const cJSON *o1 = cJSON_GetObjectItemCaseSensitive(envs[1], "output");
	const cJSON *tc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o1, "tool_calls"), 0);
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tc, "name")), "get_weather", "ollama tool call");
	T_OK(!cJSON_GetObjectItemCaseSensitive(envs[2], "output") && !cJSON_GetObjectItemCaseSensitive(envs[2], "events"),
	     "local route left unchanged");
	const cJSON *e3 = cJSON_GetObjectItemCaseSensitive(envs[3], "error");
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e3, "code")), "rate_limited", "429 without retries: rate_limited");
	for (int i = 0; i < 4; i++)
		cJSON_Delete(envs[i]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
		run_parse(&parse_cases[i], 0);
		run_parse(&parse_cases[i], 1);
	}
	for (size_t i = 0; i < sizeof body_cases / sizeof *body_cases; i++) {
		const body_case *c = &body_cases[i];
		cJSON *env = cJSON_Parse(c->env), *want = cJSON_Parse(c->want);
		cJSON *b = art_provider_request_body(c->kind, env, "up", 1);
		char *got = cJSON_PrintUnformatted(b);
		if (!T_OK(env && want && b && subset(want, b), "body: %s", c->name))
			T_DIAG("got %s", got);
		free(got);
		cJSON_Delete(b);
		cJSON_Delete(env);
		cJSON_Delete(want);
	}
	/* cost: uncached input, cached input and output at their own prices */
	art_route_model m = {.price_in = 2.0, .price_out = 8.0, .price_cached = 0.5, .currency = "USD"};
	struct {
		const char *usage;
		int rc;
		double want;
	} costs[] = {
		{"{\"input_tokens\":1000,\"output_tokens\":100,\"cached_tokens\":800}", ART_OK, (200 * 2.0 + 800 * 0.5 + 100 * 8.0) / 1e6},
		{"{\"input_tokens\":1000000,\"output_tokens\":0}", ART_OK, 2.0},
		{"{\"input_tokens\":10,\"output_tokens\":0,\"cached_tokens\":50}", ART_OK, 10 * 0.5 / 1e6},
		{"{\"output_tokens\":1}", ART_EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof costs / sizeof *costs; i++) {
		cJSON *u = cJSON_Parse(costs[i].usage);
		double a = -1;
		int rc = art_provider_cost(&m, u, &a);
		T_EQ_INT(rc, costs[i].rc, "cost %zu: status", i);
		if (rc == ART_OK)
			T_OK(a > costs[i].want - 1e-12 && a < costs[i].want + 1e-12, "cost %zu: %g == %g", i, a, costs[i].want);
		cJSON_Delete(u);
	}
	test_batch();
	return T_DONE();
}

/* test_tool.c — registry, canonical JSON, keys, pointers, process runner, sqlite store,
 * and the runner's decisions on an in-memory registry. */
#include "clock.h"
#include "err.h"
#include "t.h"
#include "tool.h"
#include "tool_db.h"
#include "tool_proc.h"
#include <signal.h>
#include <unistd.h>

static void test_canonical(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"{\"b\":1,\"a\":{\"d\":[1,{\"y\":2,\"x\":1}],\"c\":null}}", "{\"a\":{\"c\":null,\"d\":[1,{\"x\":1,\"y\":2}]},\"b\":1}"},
		{"{ \"z\" : \"\\u00e9\", \"A\": true }", "{\"A\":true,\"z\":\"\xc3\xa9\"}"},
		{"[3, 2, 1]", "[3,2,1]"},
		{"{}", "{}"},
		{"\"s\"", "\"s\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *j = cJSON_Parse(cases[i].in);
		char *c = art_tool_canonical(j);
		T_EQ_STR(c, cases[i].want, "canonical %zu", i);
		free(c);
		cJSON_Delete(j);
	}
}

static void test_keys(void)
{
	char a[65], b[65], c[65], d[65];
	art_tool_idem_key("acme", "mark", "{}", "c1", a);
	art_tool_idem_key("acme", "mark", "{}", "c1", b);
	T_EQ_STR(a, b, "idempotency key is deterministic");
	T_EQ_INT(strlen(a), 64, "key is 64 hex digits");
	art_tool_idem_key("acme", "mark", "{}", "c2", c);
	T_OK(strcmp(a, c) != 0, "another call id, another key");
	art_tool_idem_key("ab", "c", "{}", "c1", c);
	art_tool_idem_key("a", "bc", "{}", "c1", d);
	T_OK(strcmp(c, d) != 0, "fields are length-prefixed (ab|c differs from a|bc)");
	art_tool_idem_key(NULL, "mark", "{}", "c1", c);
	art_tool_idem_key("", "mark", "{}", "c1", d);
	T_EQ_STR(c, d, "no tenant hashes like the empty tenant");
}

static void test_pointer(void)
{
	cJSON *j = cJSON_Parse("{\"a\":{\"d\":[1,{\"x\":7}]},\"a/b\":2,\"m~n\":3,\"\":4}");
	static const struct {
		const char *p;
		double want; /* -1: absent */
	} cases[] = {{"/a/d/1/x", 7}, {"/a~1b", 2}, {"/m~0n", 3}, {"/", 4}, {"/a/d/0", 1},
		     {"/nope", -1}, {"/a/d/01", -1}, {"/a/d/5", -1}, {"a", -1}, {"/a~2", -1}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const cJSON *v = art_tool_pointer(j, cases[i].p);
		if (cases[i].want < 0)
			T_OK(v == NULL, "pointer %s is absent", cases[i].p);
		else
			T_OK(cJSON_IsNumber(v) && v->valuedouble == cases[i].want, "pointer %s", cases[i].p);
	}
	T_OK(art_tool_pointer(j, "") == j, "empty pointer is the document");
	cJSON_Delete(j);
}

#define TOOL(extra) "{\"name\":\"t\",\"kind\":\"exec\",\"exec\":{\"argv\":[\"/bin/cat\"]},\"input_schema\":{\"type\":\"object\"}" extra "}"

static void test_registry_errors(void)
{
	static const struct {
		const char *doc, *frag;
	} cases[] = {
		{"[]", "JSON object"},
		{"{}", "tools (an array)"},
		{"{\"tools\":[" TOOL("") "]}", "scopes (an array"},
		{"{\"tools\":[" TOOL(",\"scopes\":[1]") "]}", "non-empty strings"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"risk\":\"extreme\"") "]}", "risk must be"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"timeout_ms\":0") "]}", "timeout_ms must be"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"approval\":{}") "]}", "above_risk or amount"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"approval\":{\"amount\":{\"pointer\":\"x\",\"above\":1}}") "]}", "approval.amount"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"rate_limit\":{\"per_actor\":{\"window_s\":5}}") "]}", "max is required"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"idempotent\":\"yes\"") "]}", "idempotent must be"},
		{"{\"tools\":[" TOOL(",\"scopes\":[]") "," TOOL(",\"scopes\":[]") "]}", "defined twice"},
		{"{\"tools\":[{\"name\":\"h\",\"kind\":\"http\",\"scopes\":[],\"input_schema\":{},\"http\":{\"url\":\"http://x\",\"method\":\"TRACE\"}}]}", "http.method"},
		{"{\"servers\":{\"s\":{\"transport\":\"pigeon\"}},\"tools\":[]}", "transport must be"},
		{"{\"tools\":[" TOOL(",\"scopes\":[],\"output_schema\":{\"type\":\"nope\"}") "]}", "output_schema"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *doc = cJSON_Parse(cases[i].doc);
		art_tool_registry *reg = NULL;
		char err[512] = "";
		int rc = art_tool_registry_from_json(&reg, doc, "/", err, sizeof err);
		T_OK(rc != ART_OK && reg == NULL && strstr(err, cases[i].frag), "bad registry %zu: %s", i, err);
		cJSON_Delete(doc);
	}
}

static const char *REG =
	"{\"tools\":["
	"{\"name\":\"cat\",\"kind\":\"exec\",\"exec\":{\"argv\":[\"/bin/cat\"]},"
	" \"input_schema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}},"
	" \"scopes\":[\"s:cat\"],\"tenants\":[\"acme\"],\"idempotent\":false},"
	"{\"name\":\"open\",\"kind\":\"exec\",\"exec\":{\"argv\":[\"/bin/cat\"]},\"input_schema\":{},\"scopes\":[],"
	" \"approval\":\"always\"}"
	"]}";

static void test_registry_and_access(void)
{
	cJSON *doc = cJSON_Parse(REG);
	art_tool_registry *reg;
	char err[512];
	T_EQ_INT(art_tool_registry_from_json(&reg, doc, "/", err, sizeof err), ART_OK, "registry loads");
	cJSON_Delete(doc);
	const art_tool *t = art_tool_find(reg, "cat");
	T_OK(t && t->kind == ART_TOOL_EXEC && !t->idempotent && t->risk == ART_TOOL_RISK_MEDIUM &&
		     t->timeout_ms == 10000 && !strcmp(t->argv[0], "/bin/cat"),
	     "defaults: medium risk, 10 s, not idempotent");
	T_OK(art_tool_find(reg, "nope") == NULL, "unknown tool not found");
	static const struct {
		const char *env;
		const char *want; /* names listed, comma-joined */
	} cases[] = {
		{"{\"tenant\":\"acme\",\"actor\":{\"id\":\"a\",\"scopes\":[\"s:cat\"]}}", "cat,open"},
		{"{\"tenant\":\"globex\",\"actor\":{\"id\":\"a\",\"scopes\":[\"s:cat\"]}}", "open"},
		{"{\"tenant\":\"acme\",\"actor\":{\"id\":\"a\",\"scopes\":[]}}", "open"},
		{"{\"actor\":{\"id\":\"a\",\"scopes\":[\"s:cat\"]}}", "open"},
		{"{\"tenant\":\"acme\",\"actor\":{\"id\":\"a\",\"scopes\":[\"s:cat\"]},\"authority\":{\"granted\":[]}}", "open"},
		{"{\"tenant\":\"acme\",\"actor\":{\"id\":\"a\",\"scopes\":[\"s:cat\"]},\"authority\":{\"granted\":[\"s:cat\"]}}", "cat,open"},
		{"{\"tenant\":\"acme\",\"authority\":{\"granted\":[\"s:cat\"]}}", "open"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *env = cJSON_Parse(cases[i].env);
		cJSON *l = art_tool_list_for(reg, env), *d;
		char names[128] = "";
		cJSON_ArrayForEach(d, l)
		{
			if (names[0])
				strcat(names, ",");
			strcat(names, cJSON_GetObjectItem(d, "name")->valuestring);
		}
		T_EQ_STR(names, cases[i].want, "list for envelope %zu", i);
		cJSON_Delete(l);
		cJSON_Delete(env);
	}
	art_tool_registry_free(reg);
}

static void test_proc(void)
{
	char *envp[] = {"ONLY=1", NULL};
	art_tool_proc_result r;
	char err[256];
	const char *cat[] = {"/bin/cat", NULL};
	art_tool_proc_opts o = {.argv = cat, .envp = envp, .input = "{\"a\":1}\n", .input_len = 8,
				.timeout_ms = 5000, .max_output = 1000};
	T_EQ_INT(art_tool_proc_run(&o, &r, err, sizeof err), ART_OK, "cat runs");
	T_OK(r.exited && r.exit_code == 0 && r.out_len == 8 && !strcmp(r.out, "{\"a\":1}\n"), "cat echoes its input");
	art_tool_proc_result_free(&r);

	const char *env[] = {"/usr/bin/env", NULL};
	o.argv = env;
	o.input_len = 0;
	art_tool_proc_run(&o, &r, err, sizeof err);
	T_EQ_STR(r.out, "ONLY=1\n", "the child sees exactly the environment given");
	art_tool_proc_result_free(&r);

	const char *sleep[] = {"/bin/sleep", "10", NULL};
	o.argv = sleep;
	o.timeout_ms = 150;
	int64_t t0 = art_clock_mono_us();
	art_tool_proc_run(&o, &r, err, sizeof err);
	int64_t ms = (art_clock_mono_us() - t0) / 1000;
	T_OK(r.timed_out && !r.exited && r.signaled && r.signo == SIGKILL, "sleep is killed at the timeout");
	T_OK(ms >= 150 && ms < 2000, "and promptly (%lld ms)", (long long)ms);
	art_tool_proc_result_free(&r);

	const char *yes[] = {"/usr/bin/yes", NULL};
	o.argv = yes;
	o.timeout_ms = 5000;
	o.max_output = 4096;
	art_tool_proc_run(&o, &r, err, sizeof err);
	T_OK(r.too_large && r.out_len <= 4096, "yes is stopped at the output cap (%zu bytes)", r.out_len);
	art_tool_proc_result_free(&r);

	const char *ls[] = {"/bin/ls", "/no/such/dir", NULL};
	o.argv = ls;
	art_tool_proc_run(&o, &r, err, sizeof err);
	T_OK(r.exited && r.exit_code != 0 && strstr(r.err_tail, "no/such/dir"), "exit status and stderr tail kept");
	art_tool_proc_result_free(&r);

	const char *none[] = {"/no/such/program", NULL};
	o.argv = none;
	T_EQ_INT(art_tool_proc_run(&o, &r, err, sizeof err), ART_EIO, "a missing program is a spawn error");

	char path[256];
	T_EQ_INT(art_tool_proc_resolve("cat", "/tmp", "/nonexistent:/bin", path, sizeof path), ART_OK, "cat found in PATH");
	T_EQ_STR(path, "/bin/cat", "resolved path");
	T_EQ_INT(art_tool_proc_resolve("cat", "/tmp", NULL, path, sizeof path), ART_ENOENT, "no PATH: bare names are not found");
	T_EQ_INT(art_tool_proc_resolve("cat", "/tmp", "", path, sizeof path), ART_ENOENT, "empty PATH is not '.'");
	T_EQ_INT(art_tool_proc_resolve("bin/cat", "/", NULL, path, sizeof path), ART_OK, "relative to the base dir");
	T_EQ_STR(path, "//bin/cat", "base dir joined");
}

static void test_db(void)
{
	art_tool_db *db;
	char err[256];
	T_EQ_INT(art_tool_db_open(&db, NULL, err, sizeof err), ART_OK, "in-memory store opens");
	cJSON *stored = NULL;
	T_EQ_INT(art_tool_db_claim(db, "k1", "acme", "t", "c1", "h", 1, &stored), ART_TOOL_CLAIM_NEW, "first claim is new");
	T_EQ_INT(art_tool_db_claim(db, "k1", "acme", "t", "c1", "h", 2, &stored), ART_TOOL_CLAIM_BUSY, "a running claim is busy");
	cJSON *res = cJSON_Parse("{\"status\":\"ok\",\"content\":{\"x\":1}}");
	T_EQ_INT(art_tool_db_finish(db, "k1", res, 3), ART_OK, "finish records the result");
	T_EQ_INT(art_tool_db_claim(db, "k1", "acme", "t", "c1", "h", 4, &stored), ART_TOOL_CLAIM_DONE, "then it is done");
	char *s = cJSON_PrintUnformatted(stored);
	T_EQ_STR(s, "{\"status\":\"ok\",\"content\":{\"x\":1}}", "with the stored result");
	free(s);
	cJSON_Delete(stored);
	cJSON_Delete(res);
	T_EQ_INT(art_tool_db_claim(db, "k2", "acme", "t", "c2", "h", 5, &stored), ART_TOOL_CLAIM_NEW, "k2 new");
	T_EQ_INT(art_tool_db_release(db, "k2"), ART_OK, "release");
	T_EQ_INT(art_tool_db_claim(db, "k2", "acme", "t", "c2", "h", 6, &stored), ART_TOOL_CLAIM_NEW, "released key is new again");

	const char *b[] = {"actor:a", "tenant:t"};
	long long max[] = {2, 3}, win[] = {1000, 1000};
	int64_t now = 10 * 1000000LL;
	T_EQ_INT(art_tool_db_rate(db, b, max, win, 2, now), ART_OK, "hit 1");
	T_EQ_INT(art_tool_db_rate(db, b, max, win, 2, now + 1), ART_OK, "hit 2");
	T_EQ_INT(art_tool_db_rate(db, b, max, win, 2, now + 2), ART_EDENIED, "hit 3 over the actor limit");
	T_EQ_INT(art_tool_db_rate(db, b + 1, max + 1, win + 1, 1, now + 3), ART_OK, "a refused hit was not counted for the tenant");
	T_EQ_INT(art_tool_db_rate(db, b + 1, max + 1, win + 1, 1, now + 4), ART_EDENIED, "tenant limit 3 reached");
	T_EQ_INT(art_tool_db_rate(db, b, max, win, 2, now + 1000001), ART_OK, "the window slides");

	art_tool_audit a = {.env_id = "e", .call_id = "c", .actor = "a", .tenant = "t", .tool = "x",
			    .args_sha256 = "h", .decision = "deny", .reason = "missing_scope", .outcome = "refused"};
	art_tool_db_audit(db, &a, 1);
	a.decision = "execute";
	art_tool_db_audit(db, &a, 2);
	T_EQ_INT(art_tool_db_audit_count(db, NULL), 2, "two audit rows");
	T_EQ_INT(art_tool_db_audit_count(db, "deny"), 1, "one of them a denial");
	art_tool_db_close(db);
}

static cJSON *run_env(art_tool_runner *r, const char *env_json)
{
	cJSON *env = cJSON_Parse(env_json);
	T_EQ_INT(art_tool_runner_process(r, env, 1), ART_OK, "process returns ok");
	return env;
}

static const char *status_of(const cJSON *env, int i)
{
	const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(env, "tool_results"), i);
	const cJSON *err = cJSON_GetObjectItem(res, "error");
	static char buf[128];
	snprintf(buf, sizeof buf, "%s/%s", cJSON_GetObjectItem(res, "status") ? cJSON_GetObjectItem(res, "status")->valuestring : "?",
		 err ? cJSON_GetObjectItem(err, "code")->valuestring : "-");
	return buf;
}

static void test_runner(void)
{
	cJSON *doc = cJSON_Parse(REG);
	art_tool_registry *reg;
	char err[512];
	art_tool_registry_from_json(&reg, doc, "/", err, sizeof err);
	cJSON_Delete(doc);
	art_tool_runner *r;
	art_tool_runner_opts o = {0};
	T_EQ_INT(art_tool_runner_new(&r, reg, &o, err, sizeof err), ART_OK, "runner with an in-memory store");
	const char *base = "{\"art\":1,\"id\":\"e1\",\"tenant\":\"acme\",\"actor\":{\"id\":\"al\",\"scopes\":[\"s:cat\"]},"
			   "\"output\":{\"tool_calls\":[{\"id\":\"c1\",\"name\":\"cat\",\"arguments\":{\"n\":5}},"
			   "{\"id\":\"c2\",\"name\":\"cat\",\"arguments\":\"{\\\"n\\\":\\\"x\\\"}\"},{\"id\":\"c3\",\"name\":\"zz\"}]}}";
	cJSON *env = run_env(r, base);
	T_EQ_STR(status_of(env, 0), "ok/-", "cat runs");
	T_EQ_STR(status_of(env, 1), "refused/invalid_arguments", "string arguments are parsed and checked");
	T_EQ_STR(status_of(env, 2), "refused/unknown_tool", "unknown tool refused");
	const cJSON *content = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(env, "tool_results"), 0), "content");
	T_OK(cJSON_GetObjectItem(content, "n") && cJSON_GetObjectItem(content, "n")->valueint == 5, "the tool got the arguments on stdin");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(env, "messages")), 4, "assistant turn + 3 tool messages");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(env, "events")), 3, "one execute_tool event per call");
	/* processing the same envelope again replaces, never duplicates */
	T_EQ_INT(art_tool_runner_process(r, env, 1), ART_OK, "second pass");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(env, "tool_results")), 3, "still 3 results");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(env, "messages")), 4, "still 4 messages");
	T_EQ_INT(art_tool_runner_audit_count(r, "replay"), 1, "the second pass replayed the stored result");
	T_EQ_INT(art_tool_runner_audit_count(r, "execute"), 1, "cat executed once");
	cJSON_Delete(env);

	env = run_env(r, "{\"art\":1,\"id\":\"e2\",\"output\":{\"tool_calls\":[{\"id\":\"c1\",\"name\":\"open\"}]}}");
	T_EQ_STR(status_of(env, 0), "awaiting_approval/-", "approval always: parked");
	T_OK(!strcmp(cJSON_GetObjectItem(env, "status")->valuestring, "awaiting_approval"), "envelope parked");
	T_OK(cJSON_GetObjectItem(env, "messages") == NULL, "no tool messages while parked");
	cJSON_Delete(env);
	env = run_env(r, "{\"art\":1,\"id\":\"e3\",\"output\":{\"text\":\"hi\"}}");
	T_OK(cJSON_GetObjectItem(env, "tool_results") == NULL, "no calls: untouched");
	cJSON_Delete(env);
	art_tool_runner_free(r);
	art_tool_registry_free(reg);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_canonical();
	test_keys();
	test_pointer();
	test_registry_errors();
	test_registry_and_access();
	test_proc();
	test_db();
	test_runner();
	return T_DONE();
}

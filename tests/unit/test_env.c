/* test_env.c — envelope reader/writer/check, error envelopes, the filter loop. */
#include "cli.h"
#include "env.h"
#include "err.h"
#include "t.h"

/* Reads all of `input` through art_env_read; returns the envelopes (caller frees). */
static int read_all(const char *input, size_t len, cJSON **out, int *bad, int max)
{
	FILE *f = fmemopen((void *)input, len, "r");
	art_env_reader *r;
	int n = 0;
	T_OK(f && art_env_reader_new(&r, f, "test") == ART_OK, "reader opens");
	cJSON *env;
	int b;
	while (n < max && art_env_read(r, &env, &b) == 1) {
		out[n] = env;
		bad[n] = b;
		n++;
	}
	art_env_reader_free(r);
	fclose(f);
	return n;
}

static const char *code_of(const cJSON *env)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(env, "error");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
	return cJSON_IsString(c) ? c->valuestring : NULL;
}

static double line_of(const cJSON *env)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(env, "error");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "line");
	return cJSON_IsNumber(l) ? l->valuedouble : -1;
}

static void test_reader(void)
{
	/* one case per line: what the reader must make of it */
	static const struct {
		const char *line;
		const char *code; /* NULL: a good envelope */
	} cases[] = {
		{"{\"art\":1,\"id\":\"a\"}", NULL},
		{"", "bad_json"},
		{"   ", "bad_json"},
		{"not json", "bad_json"},
		{"[1,2]", "bad_envelope"},
		{"\"str\"", "bad_envelope"},
		{"{\"art\":1}", "bad_envelope"},
		{"{\"id\":\"x\"}", "bad_envelope"},
		{"{\"art\":2,\"id\":\"x\"}", "bad_envelope"},
		{"{\"art\":1,\"id\":\"x\",\"messages\":{}}", "bad_envelope"},
		{"{\"art\":1,\"id\":\"x\",\"status\":\"weird\"}", "bad_envelope"},
		{"{\"art\":1,\"id\":\"x\"} trailing", "bad_json"},
		{"{\"art\":1,\"id\":\"\xff\"}", "bad_utf8"},
		{"{\"art\":1,\"id\":\"b\",\"x\":{\"unknown\":[1,2,{}]}}\r", NULL},
		{"{\"art\":1,\"id\":\"c\"", "bad_json"},
	};
	size_t n = sizeof cases / sizeof *cases;
	char input[4096] = "";
	for (size_t i = 0; i < n; i++) {
		strcat(input, cases[i].line);
		if (i + 1 < n)
			strcat(input, "\n"); /* the last line has no newline */
	}
	cJSON *env[32];
	int bad[32];
	int got = read_all(input, strlen(input), env, bad, 32);
	T_EQ_INT(got, n, "one envelope per input line, truncated last line included");
	for (int i = 0; i < got && (size_t)i < n; i++) {
		if (cases[i].code) {
			T_OK(bad[i], "line %d flagged bad", i + 1);
			T_EQ_STR(code_of(env[i]), cases[i].code, "line %d error code", i + 1);
			T_EQ_INT((long long)line_of(env[i]), i + 1, "line %d error names its line", i + 1);
			char why[200];
			T_OK(art_env_check(env[i], why, sizeof why) == ART_OK, "error envelope %d is itself a valid envelope", i + 1);
		} else {
			T_OK(!bad[i] && code_of(env[i]) == NULL, "line %d accepted", i + 1);
		}
		cJSON_Delete(env[i]);
	}
}

static void test_huge_line(void)
{
	size_t big = 10u << 20;
	char *s = malloc(big + 64);
	strcpy(s, "{\"art\":1,\"id\":\"big\",\"blob\":\"");
	size_t k = strlen(s);
	memset(s + k, 'x', big);
	strcpy(s + k + big, "\"}\n");
	cJSON *env[2];
	int bad[2];
	int got = read_all(s, strlen(s), env, bad, 2);
	T_OK(got == 1 && !bad[0], "a 10 MB line is one good envelope");
	if (got == 1)
		cJSON_Delete(env[0]);
	free(s);
}

static int stage_fn(void *ctx, cJSON *env, uint64_t line)
{
	int *calls = ctx;
	(*calls)++;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(env, "id");
	if (!strcmp(id->valuestring, "fail"))
		return ART_EINVAL; /* fails without setting an error: the loop must */
	cJSON_AddNumberToObject(env, "seen_line", (double)line);
	return ART_OK;
}

static void test_filter(void)
{
	const char *in = "{\"art\":1,\"id\":\"a\"}\n"
			 "junk\n"
			 "{\"art\":1,\"id\":\"b\",\"status\":\"blocked\"}\n"
			 "{\"art\":1,\"id\":\"fail\"}\n";
	FILE *fi = fmemopen((void *)in, strlen(in), "r");
	char *outbuf = NULL;
	size_t outlen = 0;
	FILE *fo = open_memstream(&outbuf, &outlen);
	int calls = 0;
	art_env_filter f = {.stage = "art-test", .fn = stage_fn, .ctx = &calls};
	art_env_stats st;
	int rc = art_env_filter_run(&f, fi, fo, &st);
	fclose(fi);
	fclose(fo);
	T_EQ_INT(rc, ART_OK, "filter loop ends ok");
	T_EQ_INT(st.in, 4, "4 lines in");
	T_EQ_INT(st.out, 4, "4 lines out");
	T_EQ_INT(st.bad, 1, "1 bad line");
	T_EQ_INT(st.errors, 2, "2 envelopes in error (bad line + failed stage)");
	T_EQ_INT(calls, 2, "stage called for ok envelopes only");
	T_EQ_INT(art_env_exit_code(rc, &st), ART_EXIT_FAIL, "exit code 1 when some envelopes failed");
	T_OK(strstr(outbuf, "\"seen_line\":1") != NULL, "stage saw line numbers");
	T_OK(strstr(outbuf, "\"status\":\"blocked\"") != NULL, "blocked envelope passed through untouched");
	T_OK(strstr(outbuf, "\"code\":\"stage_failed\"") != NULL, "unexplained stage failure becomes stage_failed");
	int lines = 0;
	for (char *p = outbuf; *p; p++)
		lines += *p == '\n';
	T_EQ_INT(lines, 4, "output is exactly 4 lines");
	free(outbuf);
}

static void test_helpers(void)
{
	cJSON *env = art_env_new(NULL);
	char why[200];
	T_OK(env && art_env_check(env, why, sizeof why) == ART_OK, "art_env_new makes a valid envelope");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(env, "id");
	T_OK(cJSON_IsString(id) && !strncmp(id->valuestring, "req-", 4) && strlen(id->valuestring) == 20, "random id req-<16 hex>");
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(env, "trace");
	const cJSON *tid = cJSON_GetObjectItemCaseSensitive(tr, "trace_id");
	T_OK(cJSON_IsString(tid) && strlen(tid->valuestring) == 32, "W3C trace id");
	T_EQ_INT(art_env_status_get(env), ART_ENV_OK, "new envelope is ok");
	art_env_event_add(env, "art-test", "step", 10, 20, NULL);
	art_env_event_add(env, "art-test", "step2", 20, 30, cJSON_CreateObject());
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(env, "events")), 2, "events append");
	art_env_set_error(env, "deadline_exceeded", "art-test", NULL, "late by %d ms", 5);
	T_EQ_INT(art_env_status_get(env), ART_ENV_ERROR, "set_error sets status error");
	T_EQ_STR(code_of(env), "deadline_exceeded", "error code set");
	art_env_set_error(env, "other", "art-test", NULL, "again");
	T_EQ_STR(code_of(env), "other", "a second error replaces the first");
	int64_t us;
	T_EQ_INT(art_env_deadline(env, &us), ART_ENOENT, "no deadline");
	cJSON_AddStringToObject(env, "deadline", "2030-01-01T00:00:00Z");
	T_EQ_INT(art_env_deadline(env, &us), ART_OK, "deadline parses");
	T_EQ_INT(art_env_status_parse("awaiting_approval"), ART_ENV_AWAITING_APPROVAL, "status names round trip");
	cJSON_Delete(env);
}

static void test_numbers(void)
{
	long long v;
	double d;
	T_OK(art_parse_ll("42", 0, 100, &v) == 0 && v == 42, "parse_ll ok");
	T_OK(art_parse_ll("101", 0, 100, &v) == -1, "parse_ll range");
	T_OK(art_parse_ll("4x", 0, 100, &v) == -1, "parse_ll junk");
	T_OK(art_parse_ll("", 0, 100, &v) == -1, "parse_ll empty");
	T_OK(art_parse_ll("99999999999999999999", 0, 1e18, &v) == -1, "parse_ll overflow");
	T_OK(art_parse_dbl("0.5", 0, 1, &d) == 0 && d == 0.5, "parse_dbl ok");
	T_OK(art_parse_dbl("nan", 0, 1, &d) == -1, "parse_dbl nan");
	T_OK(art_parse_dbl("1.5", 0, 1, &d) == -1, "parse_dbl range");
}

int main(void)
{
	test_reader();
	test_huge_line();
	test_filter();
	test_helpers();
	test_numbers();
	return T_DONE();
}

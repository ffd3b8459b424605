/* test_route.c — routes config checks, routing decisions (table-driven), and the sqlite
 * health state: breaker transitions, latency average, spend per period. */
#include "clock.h"
#include "err.h"
#include "health.h"
#include "route.h"
#include "t.h"
#include <sys/wait.h>
#include <unistd.h>

static const char *config_json =
	"{\"version\":1,\"strategy\":\"priority\","
	"\"breaker\":{\"failures\":2,\"window\":\"60s\",\"cooldown\":\"1s\"},"
	"\"risk_boundaries\":{\"critical\":[\"local\"]},"
	"\"models\":["
	"{\"name\":\"tiny-local\",\"provider\":\"local\",\"path\":\"x.gguf\",\"capabilities\":{\"tools\":false,\"json\":false,\"context\":512,\"max_output\":256},"
	" \"boundary\":\"local\",\"latency_ms\":300,\"priority\":1,\"weight\":1,\"tags\":[\"cheap\"]},"
	"{\"name\":\"eu-big\",\"provider\":\"openai\",\"endpoint\":\"http://127.0.0.1:9/v1\",\"api_key_env\":\"EU_KEY\","
	" \"capabilities\":{\"tools\":true,\"json\":true,\"context\":128000,\"max_output\":4096},"
	" \"boundary\":\"eu\",\"price\":{\"input\":1,\"output\":2},\"latency_ms\":800,\"priority\":10,\"weight\":3},"
	"{\"name\":\"us-fast\",\"provider\":\"openai\",\"endpoint\":\"http://127.0.0.1:9/v1\","
	" \"capabilities\":{\"tools\":true,\"json\":false,\"context\":32000,\"max_output\":2048},"
	" \"boundary\":\"us\",\"price\":{\"input\":0.1,\"output\":0.4},\"latency_ms\":200,\"priority\":5,\"weight\":1},"
	"{\"name\":\"ws-ollama\",\"provider\":\"ollama\",\"endpoint\":\"http://127.0.0.1:9\","
	" \"capabilities\":{\"tools\":true,\"json\":true,\"context\":8192,\"max_output\":1024},"
	" \"boundary\":\"local\",\"latency_ms\":500,\"priority\":3,\"weight\":1}],"
	"\"rules\":["
	"{\"name\":\"secret\",\"risk\":[\"high\",\"critical\"],\"models\":[\"tiny-local\",\"ws-ollama\"]},"
	"{\"name\":\"batch\",\"task\":\"batch.*\",\"models\":[\"tag:cheap\"]},"
	"{\"name\":\"support\",\"task\":\"support.*\",\"models\":[\"*\"]}],"
	"\"tenants\":{\"acme\":{\"budget\":{\"amount\":1,\"currency\":\"USD\",\"period\":\"day\"},\"boundaries\":[\"eu\",\"local\"]},"
	"\"*\":{\"budget\":{\"amount\":5}},\"nobudget\":{\"boundaries\":[\"eu\",\"us\",\"local\"]}}}";

enum { NOSTATE = 0, STATE = 1 };

typedef struct {
	const char *name;
	const char *env;       /* the envelope (deadline "+N" = N ms from now is filled in) */
	enum art_route_strategy strategy;
	int state;             /* STATE: with the health handle */
	const char *want;      /* accepted models, best first, space separated ("" = no route) */
	const char *rej_model; /* a rejected model whose reason must contain rej_reason */
	const char *rej_reason;
} case_t;

#define ENV(extra) "{\"art\":1,\"id\":\"e1\",\"task\":\"support.answer\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" extra "}"

static const case_t cases[] = {
	{"priority, all fit", ENV(",\"tenant\":\"globex\""), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "eu-big us-fast ws-ollama tiny-local", NULL, NULL},
	{"tenant boundary", ENV(",\"tenant\":\"acme\""), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "eu-big ws-ollama tiny-local", "us-fast", "boundary us not allowed for tenant acme"},
	{"tools needed", ENV(",\"tenant\":\"globex\",\"tools\":[{\"name\":\"w\"}]"), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "eu-big us-fast ws-ollama", "tiny-local", "no tool calling"},
	{"json output needed", ENV(",\"tenant\":\"globex\",\"response_schema\":{\"type\":\"object\"}"), ART_ROUTE_STRATEGY_DEFAULT,
	 STATE, "eu-big ws-ollama", "us-fast", "no structured JSON output"},
	{"high risk rule", ENV(",\"tenant\":\"globex\",\"risk\":\"high\""), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "ws-ollama tiny-local", "eu-big", "not allowed by rule secret"},
	{"critical risk boundary", ENV(",\"tenant\":\"nobudget\",\"risk\":\"critical\""), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "ws-ollama tiny-local", "eu-big", "not allowed by rule secret"},
	{"tag rule", "{\"art\":1,\"id\":\"e\",\"task\":\"batch.nightly\",\"tenant\":\"globex\",\"messages\":[]}",
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "tiny-local", "ws-ollama", "not allowed by rule batch"},
	{"no state: priced models fail closed", ENV(",\"tenant\":\"globex\""), ART_ROUTE_STRATEGY_DEFAULT, NOSTATE,
	 "ws-ollama tiny-local", "eu-big", "budget state unknown"},
	{"tenant without budget: priced models fail closed", ENV(",\"tenant\":\"nobudget\""), ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "ws-ollama tiny-local", "us-fast", "no budget for tenant nobudget"},
	{"no rule matches", "{\"art\":1,\"id\":\"e\",\"task\":\"other\",\"messages\":[]}", ART_ROUTE_STRATEGY_DEFAULT, STATE,
	 "", "eu-big", "no rule matches task=other"},
	{"cost strategy", ENV(",\"tenant\":\"globex\""), ART_ROUTE_COST, STATE,
	 "ws-ollama tiny-local us-fast eu-big", NULL, NULL},
	{"latency strategy", ENV(",\"tenant\":\"globex\""), ART_ROUTE_LATENCY, STATE,
	 "us-fast tiny-local ws-ollama eu-big", NULL, NULL},
	{"max_tokens over max_output", ENV(",\"tenant\":\"globex\",\"params\":{\"max_tokens\":3000}"),
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "eu-big", "us-fast", "max_tokens 3000 > max_output 2048"},
	{"context window", ENV(",\"tenant\":\"globex\",\"context\":[{\"id\":\"d\",\"text\":\"%LONG%\"}]"),
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "eu-big us-fast ws-ollama", "tiny-local", "context 512 <"},
	{"deadline unreachable at expected latency", ENV(",\"tenant\":\"globex\",\"deadline\":\"+400\""),
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "us-fast tiny-local", "eu-big", "expected latency 800 ms"},
	{"deadline already over", ENV(",\"tenant\":\"globex\",\"deadline\":\"+-5\""),
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "", "tiny-local", "deadline in"},
	{"max_tokens 4000 leaves only eu-big", ENV(",\"tenant\":\"acme\",\"params\":{\"max_tokens\":4000}"),
	 ART_ROUTE_STRATEGY_DEFAULT, STATE, "eu-big", NULL, NULL},
};

static char *fill(const char *tmpl, int64_t now)
{
	static char buf[8192];
	char long_text[3001];
	memset(long_text, 'a', 3000);
	long_text[3000] = 0;
	const char *p = strstr(tmpl, "%LONG%"), *d = strstr(tmpl, "\"+");
	if (p)
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - tmpl), tmpl, long_text, p + 6);
	else if (d) {
		char ts[40];
		art_clock_fmt(now + atoll(d + 2) * 1000, ts, sizeof ts);
		const char *q = strchr(d + 1, '"');
		snprintf(buf, sizeof buf, "%.*s\"%s%s", (int)(d - tmpl), tmpl, ts, q);
	} else
		snprintf(buf, sizeof buf, "%s", tmpl);
	return buf;
}

static void order_str(const art_route_decision *d, char *buf, size_t sz)
{
	buf[0] = 0;
	for (size_t k = 0; k < d->naccepted; k++) {
		size_t l = strlen(buf);
		snprintf(buf + l, sz - l, "%s%s", k ? " " : "", d->cands[d->order[k]].model->name);
	}
}

static const char *reason_of(const art_route_decision *d, const char *model)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->cands[i].model->name, model))
			return d->cands[i].accepted ? "(accepted)" : d->cands[i].reason;
	return "(no such model)";
}

static void test_config_errors(void)
{
	struct {
		const char *json, *want;
	} bad[] = {
		{"[]", "must be a JSON object"},
		{"{\"models\":[]}", "models: a non-empty array"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"gemini\"}]}", "provider: must be local, openai or ollama"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"openai\",\"endpoint\":\"http://x\",\"api_key\":\"sk-1\"}]}", "keys never go in the config"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"openai\",\"endpoint\":\"ftp://x\"}]}", "must be an http:// or https:// URL"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m.gguf\",\"boundary\":\"local\"}]}", "capabilities"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"openai\",\"endpoint\":\"http://x\",\"api_key_env\":\"$KEY\","
		 "\"capabilities\":{\"context\":10,\"max_output\":5},\"boundary\":\"us\"}]}", "api_key_env: must be an environment variable NAME"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5},"
		 "\"boundary\":\"local\"}],\"rules\":[{\"models\":[\"b\"]}]}", "no model named 'b'"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5},"
		 "\"boundary\":\"local\"}],\"tenants\":{\"t\":{\"budget\":{\"amount\":1,\"period\":\"week\"}}}}", "period: must be day, month or total"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5},"
		 "\"boundary\":\"local\"}],\"breaker\":{\"cooldown\":\"soon\"}}", "breaker.window/cooldown"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5},"
		 "\"boundary\":\"local\"}],\"colour\":1}", "unknown top-level field 'colour'"},
		/* caught by the schema (lib/schema.h) rather than the field checks */
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5,\"vision\":true},"
		 "\"boundary\":\"local\"}]}", "/models/0/capabilities/vision: property \"vision\" is not allowed"},
		{"{\"models\":[{\"name\":\"a\",\"provider\":\"local\",\"path\":\"m\",\"capabilities\":{\"context\":10,\"max_output\":5},"
		 "\"boundary\":\"local\"}],\"risk_boundaries\":{\"extreme\":[\"local\"]}}", "/risk_boundaries"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		art_route_config *c = NULL;
		char err[400] = "";
		int rc = art_route_config_from_json(cJSON_Parse(bad[i].json), &c, err, sizeof err);
		T_EQ_INT(rc, ART_EFORMAT, "bad config %zu refused", i);
		if (!T_OK(strstr(err, bad[i].want) != NULL, "bad config %zu says '%s'", i, bad[i].want))
			T_DIAG("got: %s", err);
		art_route_config_close(c);
	}
}

static void test_schema_text(void)
{
	FILE *f = fopen("schemas/routes.schema.json", "rb");
	if (!f) {
		T_SKIP("schemas/routes.schema.json not found (run from the repository root)");
		return;
	}
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	T_OK(!strcmp(buf, art_route_schema_text()), "built-in routes schema == schemas/routes.schema.json");
}

/* Several processes writing one state file at once: no write is lost. */
static void test_processes(const char *path)
{
	enum { PROCS = 4, EACH = 50 };
	int64_t now = 1795485325LL * 1000000;
	art_health_breaker_cfg bc = {.failures = 1000000, .window_us = 3600000000LL, .cooldown_us = 1000000};
	pid_t kids[PROCS];
	char side[300];
	unlink(path); /* the processes create the file together */
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	for (int k = 0; k < PROCS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			art_health *h;
			char err[200];
			int bad = art_health_open(path, &h, err, sizeof err) != ART_OK;
			for (int i = 0; i < EACH && !bad; i++) {
				bad |= art_health_spend_record(h, "multi", "USD", 0.125, now) != ART_OK;
				bad |= art_health_record(h, "mp", 0, 10, now, &bc) != ART_OK;
			}
			art_health_close(h);
			_exit(bad);
		}
	}
	int ok = 1;
	for (int k = 0; k < PROCS; k++) {
		int st = 1;
		waitpid(kids[k], &st, 0);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	T_OK(ok, "%d processes x %d writes each succeeded", PROCS, EACH);
	art_health *h;
	char err[200];
	art_health_open(path, &h, err, sizeof err);
	double s = 0;
	art_health_spend_get(h, "multi", "total", &s);
	T_OK(s == PROCS * EACH * 0.125, "no spend lost: %g == %g", s, PROCS * EACH * 0.125);
	art_health_close(h);
}

static void test_health(const char *path)
{
	art_health *a, *b;
	char err[200];
	T_EQ_INT(art_health_open(path, &a, err, sizeof err), ART_OK, "health open");
	T_EQ_INT(art_health_open(path, &b, err, sizeof err), ART_OK, "second handle on the same file");
	art_health_breaker_cfg bc = {.failures = 3, .window_us = 10000000, .cooldown_us = 1000000};
	int64_t t = 1000000000000000LL; /* fixed times: the test does not sleep */
	struct {
		int64_t at_ms;   /* from t */
		int op;          /* 0 fail, 1 ok, 2 check */
		art_health *h;
		enum art_health_breaker want;
		const char *what;
	} steps[] = {
		{0, 0, NULL, 0, "fail 1"},
		{100, 0, NULL, 0, "fail 2"},
		{200, 2, NULL, ART_HEALTH_CLOSED, "2 failures < 3: closed"},
		{300, 0, NULL, 0, "fail 3 (other handle)"},
		{301, 2, NULL, ART_HEALTH_OPEN, "3 failures: open (seen by the first handle)"},
		{1299, 2, NULL, ART_HEALTH_OPEN, "still open just before the cooldown"},
		{1301, 2, NULL, ART_HEALTH_HALF_OPEN, "half-open after the cooldown"},
		{1400, 0, NULL, 0, "failed probe"},
		{1500, 2, NULL, ART_HEALTH_OPEN, "reopened by the failed probe"},
		{2401, 2, NULL, ART_HEALTH_HALF_OPEN, "half-open again"},
		{2500, 1, NULL, 0, "successful probe"},
		{2600, 2, NULL, ART_HEALTH_CLOSED, "closed after success"},
		{2700, 0, NULL, 0, "one failure after closing"},
		{2800, 2, NULL, ART_HEALTH_CLOSED, "old failures were cleared: closed"},
		{20000, 0, NULL, 0, "failure 1 later"},
		{40000, 0, NULL, 0, "failure 2 (1 out of the window)"},
		{50000, 0, NULL, 0, "failure 3 (2 in the window)"},
		{50001, 2, NULL, ART_HEALTH_CLOSED, "failures outside the window do not count"},
	};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		art_health *h = i == 3 ? b : a;
		int64_t now = t + steps[i].at_ms * 1000;
		if (steps[i].op == 2) {
			enum art_health_breaker st;
			T_EQ_INT(art_health_breaker_state(h, "m", now, &bc, &st, NULL), ART_OK, "state read");
			T_EQ_INT(st, steps[i].want, "breaker: %s", steps[i].what);
		} else {
			T_EQ_INT(art_health_record(h, "m", steps[i].op, steps[i].op ? 100 : -1, now, &bc), ART_OK,
				 "record: %s", steps[i].what);
		}
	}
	double ms;
	art_health_latency(a, "lat", &ms);
	T_OK(ms < 0, "no latency observed yet");
	art_health_record(a, "lat", 1, 100, t, &bc);
	art_health_record(b, "lat", 1, 200, t, &bc);
	art_health_latency(a, "lat", &ms);
	T_OK(ms > 119.99 && ms < 120.01, "latency EWMA 100 then 200 -> 120 (got %g)", ms);

	char key[32];
	T_EQ_INT(art_health_period_key("day", 1795485325LL * 1000000, key, sizeof key), ART_OK, "day key");
	T_EQ_STR(key, "day:2026-11-24", "day key text");
	art_health_period_key("month", 1795485325LL * 1000000, key, sizeof key);
	T_EQ_STR(key, "month:2026-11", "month key text");
	T_EQ_INT(art_health_period_key("week", 0, key, sizeof key), ART_EINVAL, "unknown period");
	int64_t now = 1795485325LL * 1000000;
	art_health_spend_record(a, "acme", "USD", 0.25, now);
	art_health_spend_record(b, "acme", "USD", 0.5, now);
	T_EQ_INT(art_health_spend_record(a, "acme", "USD", -1, now), ART_EINVAL, "negative spend refused");
	double s;
	art_health_spend_get(a, "acme", "day:2026-11-24", &s);
	T_OK(s == 0.75, "day spend adds up across handles (%g)", s);
	art_health_spend_get(a, "acme", "month:2026-11", &s);
	T_OK(s == 0.75, "month spend (%g)", s);
	art_health_spend_get(a, "acme", "day:2026-11-25", &s);
	T_OK(s == 0, "next day starts at zero (%g)", s);
	art_health_close(a);
	art_health_close(b);
}

int main(void)
{
	char path[256];
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/art-test-route-%d.db", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	unlink(path);

	art_route_config *cfg;
	char err[400];
	T_EQ_INT(art_route_config_from_json(cJSON_Parse(config_json), &cfg, err, sizeof err), ART_OK, "config parses (%s)", err);
	if (!cfg)
		return T_DONE();
	art_health *h;
	T_EQ_INT(art_health_open(path, &h, err, sizeof err), ART_OK, "state opens");

	int64_t now = art_clock_now_us();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const case_t *c = &cases[i];
		cJSON *env = cJSON_Parse(fill(c->env, now));
		art_route_decision d;
		int rc = art_route_decide(cfg, c->state ? h : NULL, env, now, c->strategy, 0, &d);
		T_EQ_INT(rc, ART_OK, "%s: decide", c->name);
		char got[400];
		order_str(&d, got, sizeof got);
		T_EQ_STR(got, c->want, "%s: candidates in order", c->name);
		if (c->rej_model) {
			const char *r = reason_of(&d, c->rej_model);
			if (!T_OK(strstr(r, c->rej_reason) != NULL, "%s: %s rejected for '%s'", c->name, c->rej_model, c->rej_reason))
				T_DIAG("reason: %s", r);
		}
		rc = art_route_apply(&d, env, "test");
		const cJSON *route = cJSON_GetObjectItemCaseSensitive(env, "route");
		const cJSON *error = cJSON_GetObjectItemCaseSensitive(env, "error");
		if (c->want[0]) {
			T_EQ_INT(rc, ART_OK, "%s: route written", c->name);
			T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(route, "fallbacks")) + 1, (int)d.naccepted,
				 "%s: fallbacks are the other candidates", c->name);
			T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(route, "rejected")), (int)(d.n - d.naccepted),
				 "%s: one rejected entry per rejected model", c->name);
		} else {
			T_EQ_INT(rc, ART_ENOENT, "%s: no route", c->name);
			T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "code")),
				 d.deadline_passed ? "deadline_exceeded" : "no_route", "%s: error code", c->name);
			T_EQ_INT(d.deadline_passed, strstr(c->name, "deadline") != NULL, "%s: deadline_passed", c->name);
			T_OK(route == NULL, "%s: no route field", c->name);
		}
		art_route_decision_free(&d);
		cJSON_Delete(env);
	}

	/* budget exhaustion: spend the "*" budget of 5 for tenant globex */
	art_health_spend_record(h, "globex", "USD", 5.0, now);
	cJSON *env = cJSON_Parse(ENV(",\"tenant\":\"globex\""));
	art_route_decision d;
	art_route_decide(cfg, h, env, now, ART_ROUTE_STRATEGY_DEFAULT, 0, &d);
	char got[400];
	order_str(&d, got, sizeof got);
	T_EQ_STR(got, "ws-ollama tiny-local", "budget exhausted: only free models left");
	T_OK(strstr(reason_of(&d, "eu-big"), "budget exhausted: spent 5 of 5 USD") != NULL, "budget exhausted reason (%s)",
	     reason_of(&d, "eu-big"));
	art_route_decision_free(&d);

	/* breaker: 2 failures of eu-big open it for 1 s; after that it is back (half-open) */
	art_health_record(h, "eu-big", 0, -1, now, art_route_config_breaker(cfg));
	art_health_record(h, "eu-big", 0, -1, now, art_route_config_breaker(cfg));
	cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(env, "tenant"), "acme");
	art_route_decide(cfg, h, env, now + 500000, ART_ROUTE_STRATEGY_DEFAULT, 0, &d);
	order_str(&d, got, sizeof got);
	T_EQ_STR(got, "ws-ollama tiny-local", "breaker open: eu-big skipped");
	T_OK(strstr(reason_of(&d, "eu-big"), "circuit breaker open") != NULL, "breaker reason (%s)", reason_of(&d, "eu-big"));
	art_route_decision_free(&d);
	art_route_decide(cfg, h, env, now + 1100000, ART_ROUTE_STRATEGY_DEFAULT, 0, &d);
	order_str(&d, got, sizeof got);
	T_EQ_STR(got, "eu-big ws-ollama tiny-local", "after the cooldown eu-big is picked again (half-open)");
	T_EQ_STR(d.cands[1].breaker, "half_open", "eu-big breaker half_open");
	art_route_decision_free(&d);
	cJSON_Delete(env);

	/* weighted: deterministic per (seed, id); eu-big (weight 3 of 6) wins about half */
	int wins = 0, same = 1;
	for (int i = 0; i < 400; i++) {
		char js[200];
		snprintf(js, sizeof js, "{\"art\":1,\"id\":\"w%d\",\"task\":\"support.x\",\"tenant\":\"nobudget\",\"messages\":[]}", i);
		env = cJSON_Parse(js);
		art_route_decision d1, d2;
		art_route_decide(cfg, NULL, env, now, ART_ROUTE_WEIGHTED, 7, &d1);
		art_route_decide(cfg, NULL, env, now, ART_ROUTE_WEIGHTED, 7, &d2);
		char o1[200], o2[200];
		order_str(&d1, o1, sizeof o1);
		order_str(&d2, o2, sizeof o2);
		same &= !strcmp(o1, o2);
		art_route_decision_free(&d1);
		art_route_decision_free(&d2);
		cJSON_Delete(env);
	}
	T_OK(same, "weighted order is deterministic for a seed and id");
	cJSON *wl = cJSON_Parse(config_json);
	/* free models only (no state): tiny-local w1, ws-ollama w1; give ws-ollama weight 3 */
	cJSON *models = cJSON_GetObjectItemCaseSensitive(wl, "models");
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(models, 3), "weight", cJSON_CreateNumber(3));
	art_route_config *cfg2;
	art_route_config_from_json(wl, &cfg2, err, sizeof err);
	for (int i = 0; i < 400; i++) {
		char js[200];
		snprintf(js, sizeof js, "{\"art\":1,\"id\":\"w%d\",\"task\":\"support.x\",\"tenant\":\"x\",\"messages\":[]}", i);
		env = cJSON_Parse(js);
		art_route_decide(cfg2, NULL, env, now, ART_ROUTE_WEIGHTED, 7, &d);
		wins += d.naccepted && !strcmp(d.cands[d.order[0]].model->name, "ws-ollama");
		art_route_decision_free(&d);
		cJSON_Delete(env);
	}
	T_OK(wins > 260 && wins < 340, "weight 3 vs 1 wins ~75%% of draws (%d/400)", wins);
	art_route_config_close(cfg2);

	test_config_errors();
	test_schema_text();
	art_health_close(h);
	art_route_config_close(cfg);
	unlink(path);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);

	snprintf(path, sizeof path, "%s/art-test-health-%d.db", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	unlink(path);
	test_health(path);
	test_processes(path);
	unlink(path);
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	return T_DONE();
}

/* art-route — choose a model for each envelope from a routes config (lib/route.h). */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "health.h"
#include "route.h"
#include <stdlib.h>
#include <string.h>

#define STAGE "art-route"

static struct {
	const char *routes, *state, *strategy;
	long long seed;
	int explain;
} o = {.seed = 0};

static const art_opt opts[] = {
	{"routes", 'r', ART_OPT_STR, &o.routes, 0, 0, "FILE", "routes config (required; see routes.schema.json)"},
	{"state", 's', ART_OPT_STR, &o.state, 0, 0, "FILE", "sqlite health/budget state (breakers, latency, spend)"},
	{"strategy", 0, ART_OPT_STR, &o.strategy, 0, 0, "NAME", "priority, cost, latency or weighted (overrides the config)"},
	{"seed", 0, ART_OPT_INT, &o.seed, 0, 9007199254740991.0, "N", "seed for the weighted strategy (default 0)"},
	{"explain", 'e', ART_OPT_FLAG, &o.explain, 0, 0, NULL, "print each decision table on stderr"},
	{0},
};
static const art_cmd cmd = {
	STAGE, "--routes FILE [OPTION]... < IN.jsonl > OUT.jsonl",
	"Choose a model for each envelope: filter the configured models by hard constraints,\n"
	"rank the rest, and write route {provider, model, endpoint, reason, fallbacks, rejected}.\n"
	"No candidate gives the error no_route naming why each model was rejected.",
	opts, NULL,
};

typedef struct {
	art_route_config *cfg;
	art_health *health;
	enum art_route_strategy strategy;
} ctx_t;

static int route_one(void *vctx, cJSON *env, uint64_t line)
{
	ctx_t *c = vctx;
	art_route_decision d;
	int64_t t0 = art_clock_now_us();
	int rc = art_route_decide(c->cfg, c->health, env, t0, c->strategy, (uint64_t)o.seed, &d);
	if (rc == ART_EIO) {
		/* fail closed: unreadable state means no route */
		art_env_set_error(env, ART_ERR_NO_ROUTE, STAGE, NULL, "no route: health/budget state unreadable");
		return ART_OK;
	}
	if (rc != ART_OK)
		return rc;
	if (o.explain) {
		char *t = art_route_explain(&d, env);
		if (t) {
			fputs(t, stderr);
			free(t);
		}
	}
	rc = art_route_apply(&d, env, STAGE);
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "strategy", art_route_strategy_name(d.strategy));
	cJSON_AddNumberToObject(attrs, "candidates", (double)d.naccepted);
	cJSON_AddNumberToObject(attrs, "rejected", (double)(d.n - d.naccepted));
	if (d.naccepted)
		cJSON_AddStringToObject(attrs, "model", d.cands[d.order[0]].model->name);
	art_route_decision_free(&d);
	art_env_event_add(env, STAGE, "route", t0, art_clock_now_us(), attrs);
	return rc == ART_ENOENT ? ART_OK : rc;
}

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	if (art_cli_parse(&cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!o.routes)
		art_die(ART_EXIT_USAGE, "--routes FILE is required");
	ctx_t c = {.strategy = ART_ROUTE_STRATEGY_DEFAULT};
	if (o.strategy && art_route_strategy_parse(o.strategy, &c.strategy) != ART_OK)
		art_die(ART_EXIT_USAGE, "--strategy: '%s' is not priority, cost, latency or weighted", o.strategy);
	char err[512];
	if (art_route_config_open(o.routes, &c.cfg, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	if (o.state && art_health_open(o.state, &c.health, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	art_env_filter f = {.stage = STAGE, .fn = route_one, .ctx = &c};
	art_env_stats st;
	int rc = art_env_filter_run(&f, stdin, stdout, &st);
	art_health_close(c.health);
	art_route_config_close(c.cfg);
	art_exit(art_env_exit_code(rc, &st));
}

/* art-remote — remote-provider filter: sends envelopes routed to openai/ollama to the
 * provider (lib/provider.h), many in flight at once, output in input order. */
#include "cli.h"
#include "env.h"
#include "err.h"
#include "health.h"
#include "provider.h"
#include "route.h"
#include <stdlib.h>
#include <string.h>

#define STAGE "art-remote"

static struct {
	const char *routes, *state;
	long long parallel, retries, backoff, backoff_max, timeout, max_fallbacks;
	int no_stream;
} o = {.parallel = 8, .retries = 2, .backoff = 100, .backoff_max = 5000, .timeout = 60000, .max_fallbacks = -1};

static const art_opt opts[] = {
	{"parallel", 'p', ART_OPT_INT, &o.parallel, 1, 4096, "N", "envelopes in flight at once (default 8)"},
	{"routes", 'r', ART_OPT_STR, &o.routes, 0, 0, "FILE", "routes config: endpoints, upstream model ids, key env names, prices, breaker"},
	{"state", 's', ART_OPT_STR, &o.state, 0, 0, "FILE", "sqlite health/budget state to update (breaker, latency, spend)"},
	{"retries", 0, ART_OPT_INT, &o.retries, 0, 100, "N", "retries per candidate on 429/5xx/network errors (default 2)"},
	{"backoff", 0, ART_OPT_INT, &o.backoff, 0, 600000, "MS", "first retry backoff, doubled per retry, with jitter (default 100)"},
	{"backoff-max", 0, ART_OPT_INT, &o.backoff_max, 0, 3600000, "MS", "backoff cap; Retry-After may exceed it (default 5000)"},
	{"timeout", 't', ART_OPT_INT, &o.timeout, 1, 86400000, "MS", "per-attempt timeout when the deadline allows more (default 60000)"},
	{"max-fallbacks", 0, ART_OPT_INT, &o.max_fallbacks, -1, 1000, "N", "fallbacks to try after the choice (-1: all, default)"},
	{"no-stream", 0, ART_OPT_FLAG, &o.no_stream, 0, 0, NULL, "ask for one JSON response instead of a stream"},
	{0},
};
static const art_cmd cmd = {
	STAGE, "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Send each envelope whose route.provider is openai or ollama to that provider and write\n"
	"output; retry and fall back along route.fallbacks, recording every attempt in events.\n"
	"Envelopes routed to local, or not ok, pass through unchanged; one line out per line in.",
	opts, NULL,
};

/* Envelopes the providers do not take: an ok one without a route is no_route; the rest
 * (routed to local) pass through unchanged. */
static int not_remote(void *ctx, cJSON *env, uint64_t line)
{
	if (!cJSON_GetObjectItemCaseSensitive(env, "route"))
		art_env_set_error(env, ART_ERR_NO_ROUTE, STAGE, NULL, "no route: run art-route before %s", STAGE);
	return ART_OK;
}

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	if (art_cli_parse(&cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	char err[512];
	art_route_config *cfg = NULL;
	art_health *health = NULL;
	if (o.routes && art_route_config_open(o.routes, &cfg, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	if (o.state && art_health_open(o.state, &health, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	art_provider_opts po;
	art_provider_opts_defaults(&po);
	po.stage = STAGE;
	po.parallel = (int)o.parallel;
	po.retries = (int)o.retries;
	po.backoff_base_ms = o.backoff;
	po.backoff_max_ms = o.backoff_max;
	po.timeout_ms = o.timeout;
	po.max_fallbacks = (int)o.max_fallbacks;
	po.stream = !o.no_stream;
	po.routes = cfg;
	po.health = health;
	art_provider *p;
	if (art_provider_new(&p, &po, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "%s", err);
	art_env_filter other = {.stage = STAGE, .fn = not_remote};
	art_env_stats st;
	int rc = art_provider_filter_run(p, &other, stdin, stdout, &st);
	art_provider_free(p);
	art_health_close(health);
	art_route_config_close(cfg);
	art_exit(art_env_exit_code(rc, &st));
}

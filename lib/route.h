/* route.h — the routes config (schemas/routes.schema.json) and the routing decision.
 *
 * art_route_decide filters the configured models by hard constraints (rule for the
 * task/tenant/risk, capabilities, context window, data boundary, budget, circuit
 * breaker, deadline), ranks the rest by a strategy and art_route_apply writes the
 * envelope's route (choice, ordered fallbacks, a reason per rejected model) or the
 * error no_route naming why each was rejected.  Money fails closed: a priced model is
 * rejected when the tenant has no budget or the budget state cannot be read.
 *
 * Ownership: art_route_config_open returns a config owned by the caller
 * (art_route_config_close); every string in it points into the config and lives as long
 * as it.  A decision is filled by art_route_decide and released with
 * art_route_decision_free; it points into the config, which must outlive it.
 * art_route_explain returns malloc'd text (caller frees).
 * Units: prices per million tokens; latency in ms; times in µs since the epoch.
 */
#ifndef ART_ROUTE_H
#define ART_ROUTE_H
#include "health.h"
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define ART_ERR_NO_ROUTE "no_route"

enum art_route_provider {
	ART_ROUTE_LOCAL = 0,
	ART_ROUTE_OPENAI,
	ART_ROUTE_OLLAMA,
};

enum art_route_strategy {
	ART_ROUTE_PRIORITY = 0, /* highest priority first */
	ART_ROUTE_COST,         /* cheapest estimated cost first */
	ART_ROUTE_LATENCY,      /* lowest expected (or observed) latency first */
	ART_ROUTE_WEIGHTED,     /* weighted shuffle, deterministic for (seed, envelope id) */
	ART_ROUTE_STRATEGY_DEFAULT, /* "use the config's/rule's strategy" */
};

typedef struct {
	const char *name;        /* config name: what route.model carries */
	enum art_route_provider provider;
	const char *endpoint;    /* base URL (openai: .../v1, ollama: host root) or GGUF path */
	const char *upstream;    /* model id sent to the provider (default: name) */
	const char *api_key_env; /* NAME of the env var holding the key, or NULL */
	int tools, json;         /* capabilities */
	int64_t context;         /* context window, tokens */
	int64_t max_output;      /* most output tokens */
	const char *boundary;    /* data boundary: "local", "eu", "us", ... */
	double price_in, price_out, price_cached; /* per million tokens */
	const char *currency;
	double latency_ms;       /* expected latency of one call */
	double priority, weight;
	const cJSON *tags;       /* array of strings, or NULL */
} art_route_model;

typedef struct art_route_config art_route_config;

/* The text of schemas/routes.schema.json, built in. */
const char *art_route_schema_text(void);

/* Reads and checks a routes config: field checks with specific messages, then the
 * built-in routes schema (lib/schema.h).  ART_OK; ART_EIO (cannot read) or ART_EFORMAT (not
 * a valid config) with one line naming the file and the field in err. */
int art_route_config_open(const char *path, art_route_config **out, char *err, size_t errsz);
/* The same from a parsed tree; takes ownership of root on success and failure. */
int art_route_config_from_json(cJSON *root, art_route_config **out, char *err, size_t errsz);
void art_route_config_close(art_route_config *c);
size_t art_route_config_nmodels(const art_route_config *c);
const art_route_model *art_route_config_model(const art_route_config *c, size_t i);
/* Model by config name, or NULL. */
const art_route_model *art_route_config_find(const art_route_config *c, const char *name);
/* Breaker thresholds from the config ("breaker"), or the defaults. */
const art_health_breaker_cfg *art_route_config_breaker(const art_route_config *c);
/* Budget period name for tenant ("day" default), or NULL when the tenant has no budget. */
const char *art_route_config_budget_period(const art_route_config *c, const char *tenant);

const char *art_route_provider_name(enum art_route_provider p);
/* ART_OK or ART_EINVAL. */
int art_route_provider_parse(const char *s, enum art_route_provider *p);
const char *art_route_strategy_name(enum art_route_strategy s);
int art_route_strategy_parse(const char *s, enum art_route_strategy *st);

typedef struct {
	const art_route_model *model;
	char reason[200];        /* why rejected; empty when accepted */
	int accepted;
	double est_cost;         /* estimated cost of this request, currency of the model */
	double latency_ms;       /* effective latency: observed EWMA, else expected */
	const char *breaker;     /* "closed", "open", "half_open", or "unknown" (no state) */
	double key;              /* ranking key (lower ranks first) */
} art_route_cand;

typedef struct {
	art_route_cand *cands;   /* one per model, config order */
	size_t n;
	size_t *order;           /* indexes of accepted candidates, best first */
	size_t naccepted;
	enum art_route_strategy strategy;
	int64_t est_input_tokens, max_output_tokens;
	const char *rule;        /* name of the rule that matched, or NULL */
	int deadline_passed;     /* the envelope's deadline is already over */
} art_route_decision;

/* Decides for env at now_us.  health may be NULL (no state: breakers unknown, priced
 * models rejected for unknown budget).  strategy ART_ROUTE_STRATEGY_DEFAULT uses the
 * rule's or config's.  ART_OK (even when nothing is accepted), ART_ENOMEM, or ART_EIO
 * when the state cannot be read (the caller must not route then). */
int art_route_decide(const art_route_config *c, art_health *health, const cJSON *env,
		     int64_t now_us, enum art_route_strategy strategy, uint64_t seed,
		     art_route_decision *d);
void art_route_decision_free(art_route_decision *d);
/* Writes env.route from the decision, or sets error no_route (details.rejected lists
 * every model and why; deadline_exceeded instead when the deadline is already over).  ART_OK, ART_ENOENT (no route: error set), or ART_ENOMEM. */
int art_route_apply(const art_route_decision *d, cJSON *env, const char *stage);
/* Human-readable decision table (one line per model), malloc'd; NULL on ENOMEM. */
char *art_route_explain(const art_route_decision *d, const cJSON *env);
/* Estimated input tokens of env's request (messages, context, tools, schema): bytes/4
 * plus 4 per message.  Used for the context-window and cost checks. */
int64_t art_route_estimate_tokens(const cJSON *env);
#endif

/* route.c — routes config parsing and the routing decision (see route.h). */
#include "route.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "file.h"
#include "schema.h"
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *name;
	const cJSON *task, *tenant, *risk; /* string or array of glob patterns; NULL = any */
	const cJSON *models;               /* names, "tag:T", or "*" */
	const cJSON *boundaries;           /* allowed boundaries or NULL */
	enum art_route_strategy strategy;  /* or ART_ROUTE_STRATEGY_DEFAULT */
} route_rule;

struct art_route_config {
	cJSON *root;
	art_route_model *models;
	size_t nmodels;
	route_rule *rules;
	size_t nrules;
	const cJSON *tenants;        /* object: name or "*" -> {budget, boundaries} */
	const cJSON *risk_boundaries; /* object: risk -> [boundary] */
	enum art_route_strategy strategy;
	art_health_breaker_cfg breaker;
};

static const char *const provider_names[] = {"local", "openai", "ollama"};
static const char *const strategy_names[] = {"priority", "cost", "latency", "weighted", "default"};

const char *art_route_provider_name(enum art_route_provider p)
{
	ART_ASSERT(p >= ART_ROUTE_LOCAL && p <= ART_ROUTE_OLLAMA);
	return provider_names[p];
}

int art_route_provider_parse(const char *s, enum art_route_provider *p)
{
	for (int i = 0; i <= ART_ROUTE_OLLAMA; i++)
		if (s && !strcmp(s, provider_names[i])) {
			*p = (enum art_route_provider)i;
			return ART_OK;
		}
	return ART_EINVAL;
}

const char *art_route_strategy_name(enum art_route_strategy s)
{
	ART_ASSERT(s >= ART_ROUTE_PRIORITY && s <= ART_ROUTE_STRATEGY_DEFAULT);
	return strategy_names[s];
}

int art_route_strategy_parse(const char *s, enum art_route_strategy *st)
{
	for (int i = 0; i < ART_ROUTE_STRATEGY_DEFAULT; i++)
		if (s && !strcmp(s, strategy_names[i])) {
			*st = (enum art_route_strategy)i;
			return ART_OK;
		}
	return ART_EINVAL;
}

/* ---- config ---- */

#define CFG_FAIL(...)                                     \
	do {                                              \
		snprintf(err, errsz, __VA_ARGS__);        \
		return ART_EFORMAT;                       \
	} while (0)

static int is_str_or_strs(const cJSON *v)
{
	if (cJSON_IsString(v))
		return 1;
	if (!cJSON_IsArray(v))
		return 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v) if (!cJSON_IsString(e)) return 0;
	return 1;
}

static int is_strs(const cJSON *v) { return cJSON_IsArray(v) && is_str_or_strs(v); }

/* Seconds (number) or a duration string into µs. */
static int get_duration(const cJSON *v, int64_t *us)
{
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9) {
		*us = (int64_t)(v->valuedouble * 1e6);
		return ART_OK;
	}
	if (cJSON_IsString(v))
		return art_clock_parse_duration(v->valuestring, us);
	return ART_EINVAL;
}

static const char *const model_keys[] = {"name", "provider", "endpoint", "path", "model", "api_key_env",
					 "capabilities", "boundary", "price", "latency_ms", "priority",
					 "weight", "tags", "description", NULL};

static int parse_model(const cJSON *m, size_t i, art_route_model *o, char *err, size_t errsz)
{
	const cJSON *v;
	if (!cJSON_IsObject(m))
		CFG_FAIL("models[%zu]: not an object", i);
	cJSON_ArrayForEach(v, m)
	{
		int known = 0;
		for (int k = 0; model_keys[k]; k++)
			known |= !strcmp(v->string, model_keys[k]);
		if (!strcmp(v->string, "api_key") || !strcmp(v->string, "key") || !strcmp(v->string, "token"))
			CFG_FAIL("models[%zu].%s: keys never go in the config; name the environment variable "
				 "that holds it in api_key_env", i, v->string);
		if (!known)
			CFG_FAIL("models[%zu]: unknown field '%s'", i, v->string);
	}
	v = cJSON_GetObjectItemCaseSensitive(m, "name");
	if (!cJSON_IsString(v) || !*v->valuestring)
		CFG_FAIL("models[%zu].name: a non-empty string is required", i);
	o->name = v->valuestring;
	v = cJSON_GetObjectItemCaseSensitive(m, "provider");
	if (!cJSON_IsString(v) || art_route_provider_parse(v->valuestring, &o->provider) != ART_OK)
		CFG_FAIL("models[%zu] (%s).provider: must be local, openai or ollama", i, o->name);
	const char *ekey = o->provider == ART_ROUTE_LOCAL ? "path" : "endpoint";
	v = cJSON_GetObjectItemCaseSensitive(m, ekey);
	if (!cJSON_IsString(v) || !*v->valuestring)
		CFG_FAIL("models[%zu] (%s).%s: required for provider %s", i, o->name, ekey,
			 provider_names[o->provider]);
	o->endpoint = v->valuestring;
	if (o->provider != ART_ROUTE_LOCAL && strncmp(o->endpoint, "http://", 7) && strncmp(o->endpoint, "https://", 8))
		CFG_FAIL("models[%zu] (%s).endpoint: must be an http:// or https:// URL", i, o->name);
	v = cJSON_GetObjectItemCaseSensitive(m, "model");
	if (v && !cJSON_IsString(v))
		CFG_FAIL("models[%zu] (%s).model: must be a string", i, o->name);
	o->upstream = v ? v->valuestring : o->name;
	v = cJSON_GetObjectItemCaseSensitive(m, "api_key_env");
	if (v && (!cJSON_IsString(v) || !*v->valuestring || strspn(v->valuestring,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(v->valuestring)))
		CFG_FAIL("models[%zu] (%s).api_key_env: must be an environment variable NAME ([A-Za-z0-9_]+)", i, o->name);
	o->api_key_env = v ? v->valuestring : NULL;

	const cJSON *cap = cJSON_GetObjectItemCaseSensitive(m, "capabilities");
	if (!cJSON_IsObject(cap))
		CFG_FAIL("models[%zu] (%s).capabilities: an object {tools, json, context, max_output} is required", i, o->name);
	v = cJSON_GetObjectItemCaseSensitive(cap, "tools");
	if (v && !cJSON_IsBool(v))
		CFG_FAIL("models[%zu] (%s).capabilities.tools: must be true or false", i, o->name);
	o->tools = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(cap, "json");
	if (v && !cJSON_IsBool(v))
		CFG_FAIL("models[%zu] (%s).capabilities.json: must be true or false", i, o->name);
	o->json = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(cap, "context");
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble != floor(v->valuedouble))
		CFG_FAIL("models[%zu] (%s).capabilities.context: a positive integer (tokens) is required", i, o->name);
	o->context = (int64_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(cap, "max_output");
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble != floor(v->valuedouble))
		CFG_FAIL("models[%zu] (%s).capabilities.max_output: a positive integer (tokens) is required", i, o->name);
	o->max_output = (int64_t)v->valuedouble;

	v = cJSON_GetObjectItemCaseSensitive(m, "boundary");
	if (!cJSON_IsString(v) || !*v->valuestring)
		CFG_FAIL("models[%zu] (%s).boundary: a data boundary (local, eu, us, ...) is required", i, o->name);
	o->boundary = v->valuestring;

	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(m, "price");
	o->currency = "USD";
	if (pr) {
		if (!cJSON_IsObject(pr))
			CFG_FAIL("models[%zu] (%s).price: must be an object", i, o->name);
		const char *pk[] = {"input", "output", "cached"};
		double *pd[] = {&o->price_in, &o->price_out, &o->price_cached};
		for (int k = 0; k < 3; k++) {
			v = cJSON_GetObjectItemCaseSensitive(pr, pk[k]);
			if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0))
				CFG_FAIL("models[%zu] (%s).price.%s: must be a number >= 0 (per million tokens)", i, o->name, pk[k]);
			*pd[k] = v ? v->valuedouble : 0;
		}
		v = cJSON_GetObjectItemCaseSensitive(pr, "cached");
		if (!v)
			o->price_cached = o->price_in;
		v = cJSON_GetObjectItemCaseSensitive(pr, "currency");
		if (v && (!cJSON_IsString(v) || !*v->valuestring))
			CFG_FAIL("models[%zu] (%s).price.currency: must be a string", i, o->name);
		if (v)
			o->currency = v->valuestring;
	}
	v = cJSON_GetObjectItemCaseSensitive(m, "latency_ms");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0))
		CFG_FAIL("models[%zu] (%s).latency_ms: must be a number >= 0", i, o->name);
	o->latency_ms = v ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(m, "priority");
	if (v && !cJSON_IsNumber(v))
		CFG_FAIL("models[%zu] (%s).priority: must be a number", i, o->name);
	o->priority = v ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(m, "weight");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0))
		CFG_FAIL("models[%zu] (%s).weight: must be a number >= 0", i, o->name);
	o->weight = v ? v->valuedouble : 1;
	v = cJSON_GetObjectItemCaseSensitive(m, "tags");
	if (v && !is_strs(v))
		CFG_FAIL("models[%zu] (%s).tags: must be an array of strings", i, o->name);
	o->tags = v;
	return ART_OK;
}

static int parse_rule(const cJSON *r, size_t i, route_rule *o, char *err, size_t errsz)
{
	const cJSON *v;
	if (!cJSON_IsObject(r))
		CFG_FAIL("rules[%zu]: not an object", i);
	cJSON_ArrayForEach(v, r)
	{
		static const char *const keys[] = {"name", "task", "tenant", "risk", "models", "boundaries", "strategy", "description", NULL};
		int known = 0;
		for (int k = 0; keys[k]; k++)
			known |= !strcmp(v->string, keys[k]);
		if (!known)
			CFG_FAIL("rules[%zu]: unknown field '%s'", i, v->string);
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "name");
	o->name = cJSON_IsString(v) ? v->valuestring : NULL;
	const char *gk[] = {"task", "tenant", "risk"};
	const cJSON **gd[] = {&o->task, &o->tenant, &o->risk};
	for (int k = 0; k < 3; k++) {
		v = cJSON_GetObjectItemCaseSensitive(r, gk[k]);
		if (v && !is_str_or_strs(v))
			CFG_FAIL("rules[%zu].%s: must be a pattern or an array of patterns", i, gk[k]);
		*gd[k] = v;
	}
	o->models = cJSON_GetObjectItemCaseSensitive(r, "models");
	if (!is_strs(o->models) || !cJSON_GetArraySize(o->models))
		CFG_FAIL("rules[%zu].models: a non-empty array of model names (or \"tag:T\", \"*\") is required", i);
	o->boundaries = cJSON_GetObjectItemCaseSensitive(r, "boundaries");
	if (o->boundaries && !is_strs(o->boundaries))
		CFG_FAIL("rules[%zu].boundaries: must be an array of strings", i);
	o->strategy = ART_ROUTE_STRATEGY_DEFAULT;
	v = cJSON_GetObjectItemCaseSensitive(r, "strategy");
	if (v && (!cJSON_IsString(v) || art_route_strategy_parse(v->valuestring, &o->strategy) != ART_OK))
		CFG_FAIL("rules[%zu].strategy: must be priority, cost, latency or weighted", i);
	return ART_OK;
}

static int check_tenants(const cJSON *t, char *err, size_t errsz)
{
	const cJSON *e, *v;
	if (!cJSON_IsObject(t))
		CFG_FAIL("tenants: must be an object mapping tenant names (or \"*\") to settings");
	cJSON_ArrayForEach(e, t)
	{
		if (!cJSON_IsObject(e))
			CFG_FAIL("tenants.%s: must be an object", e->string);
		cJSON_ArrayForEach(v, e) if (strcmp(v->string, "budget") && strcmp(v->string, "boundaries"))
			CFG_FAIL("tenants.%s: unknown field '%s'", e->string, v->string);
		v = cJSON_GetObjectItemCaseSensitive(e, "boundaries");
		if (v && !is_strs(v))
			CFG_FAIL("tenants.%s.boundaries: must be an array of strings", e->string);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "budget");
		if (!b)
			continue;
		if (!cJSON_IsObject(b))
			CFG_FAIL("tenants.%s.budget: must be an object {amount, currency, period}", e->string);
		v = cJSON_GetObjectItemCaseSensitive(b, "amount");
		if (!cJSON_IsNumber(v) || v->valuedouble < 0)
			CFG_FAIL("tenants.%s.budget.amount: a number >= 0 is required", e->string);
		v = cJSON_GetObjectItemCaseSensitive(b, "currency");
		if (v && !cJSON_IsString(v))
			CFG_FAIL("tenants.%s.budget.currency: must be a string", e->string);
		v = cJSON_GetObjectItemCaseSensitive(b, "period");
		char key[32];
		if (v && (!cJSON_IsString(v) || art_health_period_key(v->valuestring, 0, key, sizeof key) != ART_OK))
			CFG_FAIL("tenants.%s.budget.period: must be day, month or total", e->string);
	}
	return ART_OK;
}

/* Validates root against the built-in routes schema; the first error goes in err. */
static int schema_check(const cJSON *root, char *err, size_t errsz)
{
	char e[300];
	cJSON *doc = cJSON_Parse(art_route_schema_text());
	art_schema *s = NULL;
	art_schema_result *res = NULL;
	int rc = ART_ENOMEM;
	if (!doc || art_schema_compile(&s, doc, NULL, NULL, 0, e, sizeof e) != ART_OK ||
	    art_schema_result_new(&res) != ART_OK)
		goto out;
	int v = art_schema_validate(s, root, res);
	if (v == 1) {
		rc = ART_OK;
	} else if (v == 0) {
		const art_schema_error *se = art_schema_result_error(res, 0);
		snprintf(err, errsz, "%s: %s (routes.schema.json %s)", se && *se->instance_location ? se->instance_location : "/",
			 se ? se->message : "invalid", se ? se->keyword_location : "");
		rc = ART_EFORMAT;
	}
out:
	if (rc == ART_ENOMEM)
		snprintf(err, errsz, "cannot compile the built-in routes schema");
	art_schema_result_free(res);
	art_schema_free(s);
	cJSON_Delete(doc);
	return rc;
}

int art_route_config_from_json(cJSON *root, art_route_config **out, char *err, size_t errsz)
{
	*out = NULL;
	art_route_config *c = calloc(1, sizeof *c);
	if (!c) {
		cJSON_Delete(root);
		return ART_ENOMEM;
	}
	c->root = root;
	art_health_breaker_defaults(&c->breaker);
	int rc = ART_EFORMAT;
	const cJSON *v;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errsz, "the config must be a JSON object");
		goto fail;
	}
	cJSON_ArrayForEach(v, root)
	{
		static const char *const keys[] = {"$schema", "version", "strategy", "breaker", "models", "rules",
						   "tenants", "risk_boundaries", "description", NULL};
		int known = 0;
		for (int k = 0; keys[k]; k++)
			known |= !strcmp(v->string, keys[k]);
		if (!known) {
			snprintf(err, errsz, "unknown top-level field '%s'", v->string);
			goto fail;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1)) {
		snprintf(err, errsz, "version: only 1 is supported");
		goto fail;
	}
	c->strategy = ART_ROUTE_PRIORITY;
	v = cJSON_GetObjectItemCaseSensitive(root, "strategy");
	if (v && (!cJSON_IsString(v) || art_route_strategy_parse(v->valuestring, &c->strategy) != ART_OK)) {
		snprintf(err, errsz, "strategy: must be priority, cost, latency or weighted");
		goto fail;
	}
	const cJSON *br = cJSON_GetObjectItemCaseSensitive(root, "breaker");
	if (br) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(br, "failures");
		if (!cJSON_IsObject(br) || (f && (!cJSON_IsNumber(f) || f->valuedouble < 1 || f->valuedouble > 1e6))) {
			snprintf(err, errsz, "breaker: must be {failures: integer >= 1, window, cooldown}");
			goto fail;
		}
		if (f)
			c->breaker.failures = (int)f->valuedouble;
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(br, "window");
		const cJSON *cd = cJSON_GetObjectItemCaseSensitive(br, "cooldown");
		if ((w && get_duration(w, &c->breaker.window_us) != ART_OK) ||
		    (cd && get_duration(cd, &c->breaker.cooldown_us) != ART_OK)) {
			snprintf(err, errsz, "breaker.window/cooldown: seconds, or a duration such as \"500ms\", \"30s\"");
			goto fail;
		}
	}
	const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
	if (!cJSON_IsArray(models) || !cJSON_GetArraySize(models)) {
		snprintf(err, errsz, "models: a non-empty array is required");
		goto fail;
	}
	c->nmodels = (size_t)cJSON_GetArraySize(models);
	c->models = calloc(c->nmodels, sizeof *c->models);
	if (!c->models) {
		rc = ART_ENOMEM;
		goto fail;
	}
	size_t i = 0;
	cJSON_ArrayForEach(v, models)
	{
		if ((rc = parse_model(v, i, &c->models[i], err, errsz)) != ART_OK)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->models[j].name, c->models[i].name)) {
				snprintf(err, errsz, "models[%zu].name: '%s' is used twice", i, c->models[i].name);
				rc = ART_EFORMAT;
				goto fail;
			}
		i++;
	}
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
	rc = ART_EFORMAT;
	if (rules && !cJSON_IsArray(rules)) {
		snprintf(err, errsz, "rules: must be an array");
		goto fail;
	}
	c->nrules = rules ? (size_t)cJSON_GetArraySize(rules) : 0;
	if (c->nrules && !(c->rules = calloc(c->nrules, sizeof *c->rules))) {
		rc = ART_ENOMEM;
		goto fail;
	}
	i = 0;
	cJSON_ArrayForEach(v, rules)
	{
		if ((rc = parse_rule(v, i, &c->rules[i], err, errsz)) != ART_OK)
			goto fail;
		const cJSON *mn;
		cJSON_ArrayForEach(mn, c->rules[i].models)
		{
			const char *s = mn->valuestring;
			if (strcmp(s, "*") && strncmp(s, "tag:", 4) && !art_route_config_find(c, s)) {
				snprintf(err, errsz, "rules[%zu].models: no model named '%s'", i, s);
				rc = ART_EFORMAT;
				goto fail;
			}
		}
		i++;
	}
	rc = ART_EFORMAT;
	c->tenants = cJSON_GetObjectItemCaseSensitive(root, "tenants");
	if (c->tenants && check_tenants(c->tenants, err, errsz) != ART_OK)
		goto fail;
	c->risk_boundaries = cJSON_GetObjectItemCaseSensitive(root, "risk_boundaries");
	if (c->risk_boundaries) {
		if (!cJSON_IsObject(c->risk_boundaries)) {
			snprintf(err, errsz, "risk_boundaries: must be an object mapping a risk to allowed boundaries");
			goto fail;
		}
		cJSON_ArrayForEach(v, c->risk_boundaries) if (!is_strs(v))
		{
			snprintf(err, errsz, "risk_boundaries.%s: must be an array of strings", v->string);
			goto fail;
		}
	}
	if ((rc = schema_check(root, err, errsz)) != ART_OK)
		goto fail;
	*out = c;
	return ART_OK;
fail:
	art_route_config_close(c);
	return rc;
}

/* A local model's relative path is relative to the routes file (as art run reads it):
 * rewritten in root as the file's absolute directory joined with it, so route.endpoint
 * names the same file from any working directory. */
static int resolve_local_paths(cJSON *root, const char *path)
{
	char *file = realpath(path, NULL);
	if (!file)
		return ART_OK; /* it was just read: only a race leaves it unresolved */
	const char *slash = strrchr(file, '/');
	int rc = ART_OK;
	cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(root, "models"))
	{
		const char *prov = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "provider"));
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "path");
		if (!prov || strcmp(prov, "local") || !cJSON_IsString(p) || !*p->valuestring || p->valuestring[0] == '/')
			continue;
		size_t dl = (size_t)(slash - file) + 1, pl = strlen(p->valuestring);
		char *j = malloc(dl + pl + 1);
		cJSON *nv = NULL;
		if (j) {
			memcpy(j, file, dl);
			memcpy(j + dl, p->valuestring, pl + 1);
			nv = cJSON_CreateString(j);
			free(j);
		}
		if (!nv || !cJSON_ReplaceItemInObjectCaseSensitive(m, "path", nv)) {
			cJSON_Delete(nv);
			rc = ART_ENOMEM;
			break;
		}
	}
	free(file);
	return rc;
}

int art_route_config_open(const char *path, art_route_config **out, char *err, size_t errsz)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	int frc = art_file_read(path, &buf, &len, err, errsz);
	if (frc != ART_OK)
		return frc == ART_ENOENT ? ART_EIO : frc;
	const char *end = NULL;
	cJSON *root = buf ? cJSON_ParseWithLengthOpts(buf, len, &end, 0) : NULL;
	if (!root) {
		size_t off = end && buf ? (size_t)(end - buf) : 0;
		free(buf);
		snprintf(err, errsz, "%s: not valid JSON (near byte %zu)", path, off);
		return ART_EFORMAT;
	}
	free(buf);
	if (resolve_local_paths(root, path) != ART_OK) {
		cJSON_Delete(root);
		return ART_ENOMEM;
	}
	char e2[400];
	int rc = art_route_config_from_json(root, out, e2, sizeof e2);
	if (rc != ART_OK)
		snprintf(err, errsz, "%s: %s", path, e2);
	return rc;
}

void art_route_config_close(art_route_config *c)
{
	if (!c)
		return;
	cJSON_Delete(c->root);
	free(c->models);
	free(c->rules);
	free(c);
}

size_t art_route_config_nmodels(const art_route_config *c) { return c->nmodels; }
const art_route_model *art_route_config_model(const art_route_config *c, size_t i)
{
	return i < c->nmodels ? &c->models[i] : NULL;
}
const art_route_model *art_route_config_find(const art_route_config *c, const char *name)
{
	for (size_t i = 0; name && i < c->nmodels; i++)
		if (c->models[i].name && !strcmp(c->models[i].name, name))
			return &c->models[i];
	return NULL;
}
const art_health_breaker_cfg *art_route_config_breaker(const art_route_config *c) { return &c->breaker; }

static const cJSON *tenant_entry(const art_route_config *c, const char *tenant)
{
	if (!c->tenants)
		return NULL;
	const cJSON *t = tenant ? cJSON_GetObjectItemCaseSensitive(c->tenants, tenant) : NULL;
	return t ? t : cJSON_GetObjectItemCaseSensitive(c->tenants, "*");
}

static const cJSON *tenant_budget(const art_route_config *c, const char *tenant)
{
	return cJSON_GetObjectItemCaseSensitive(tenant_entry(c, tenant), "budget");
}

const char *art_route_config_budget_period(const art_route_config *c, const char *tenant)
{
	const cJSON *b = tenant_budget(c, tenant);
	if (!b)
		return NULL;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(b, "period");
	return cJSON_IsString(p) ? p->valuestring : "day";
}

/* ---- decision ---- */

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 when s matches the pattern (string) or one of the patterns (array); NULL pat = any. */
static int glob_any(const cJSON *pat, const char *s)
{
	if (!pat)
		return 1;
	if (cJSON_IsString(pat))
		return fnmatch(pat->valuestring, s ? s : "", 0) == 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, pat) if (fnmatch(e->valuestring, s ? s : "", 0) == 0) return 1;
	return 0;
}

static int str_in(const cJSON *arr, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e) && s && !strcmp(e->valuestring, s)) return 1;
	return 0;
}

static int rule_allows(const route_rule *r, const art_route_model *m)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, r->models)
	{
		const char *s = e->valuestring;
		if (!strcmp(s, "*") || !strcmp(s, m->name))
			return 1;
		if (!strncmp(s, "tag:", 4) && m->tags && str_in(m->tags, s + 4))
			return 1;
	}
	return 0;
}

static size_t text_bytes(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strlen(v->valuestring);
	if (!v || cJSON_IsNull(v))
		return 0;
	char *s = cJSON_PrintUnformatted(v);
	size_t n = s ? strlen(s) : 0;
	free(s);
	return n;
}

int64_t art_route_estimate_tokens(const cJSON *env)
{
	size_t bytes = 0, nmsg = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(env, "messages"))
	{
		nmsg++;
		bytes += text_bytes(cJSON_GetObjectItemCaseSensitive(m, "content"));
		bytes += text_bytes(cJSON_GetObjectItemCaseSensitive(m, "tool_calls"));
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(env, "context"))
		bytes += text_bytes(cJSON_GetObjectItemCaseSensitive(m, "text"));
	bytes += text_bytes(cJSON_GetObjectItemCaseSensitive(env, "tools"));
	bytes += text_bytes(cJSON_GetObjectItemCaseSensitive(env, "response_schema"));
	return (int64_t)((bytes + 3) / 4 + 4 * nmsg);
}

/* splitmix64: a well-mixed 64-bit sequence from a seed. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void reject(art_route_cand *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(art_route_cand *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof c->reason, fmt, ap);
	va_end(ap);
	c->accepted = 0;
}

static int cmp_cand(const void *a, const void *b, void *ctx)
{
	const art_route_decision *d = ctx;
	const art_route_cand *x = &d->cands[*(const size_t *)a], *y = &d->cands[*(const size_t *)b];
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->model->priority != y->model->priority)
		return x->model->priority > y->model->priority ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int art_route_decide(const art_route_config *c, art_health *health, const cJSON *env,
		     int64_t now_us, enum art_route_strategy strategy, uint64_t seed,
		     art_route_decision *d)
{
	memset(d, 0, sizeof *d);
	d->n = c->nmodels;
	d->cands = calloc(d->n, sizeof *d->cands);
	d->order = calloc(d->n, sizeof *d->order);
	if (!d->cands || !d->order) {
		art_route_decision_free(d);
		return ART_ENOMEM;
	}
	const char *task = str_field(env, "task"), *tenant = str_field(env, "tenant"), *risk = str_field(env, "risk");
	const route_rule *rule = NULL;
	for (size_t i = 0; i < c->nrules; i++) {
		const route_rule *r = &c->rules[i];
		if (glob_any(r->task, task) && glob_any(r->tenant, tenant) && glob_any(r->risk, risk)) {
			rule = r;
			break;
		}
	}
	d->rule = rule ? (rule->name ? rule->name : "(unnamed)") : NULL;
	d->strategy = strategy != ART_ROUTE_STRATEGY_DEFAULT ? strategy
		      : rule && rule->strategy != ART_ROUTE_STRATEGY_DEFAULT ? rule->strategy : c->strategy;

	/* what the request needs */
	const cJSON *tools = cJSON_GetObjectItemCaseSensitive(env, "tools");
	int need_tools = cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0;
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(env, "response_schema");
	int need_json = rs && !cJSON_IsNull(rs) && !cJSON_IsFalse(rs);
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(env, "params"), "max_tokens");
	int64_t req_max = cJSON_IsNumber(mt) && mt->valuedouble >= 1 ? (int64_t)mt->valuedouble : 0;
	d->est_input_tokens = art_route_estimate_tokens(env);
	int64_t deadline = 0;
	int has_deadline = art_env_deadline(env, &deadline) == ART_OK;
	d->deadline_passed = has_deadline && deadline <= now_us;
	const cJSON *tent = tenant_entry(c, tenant);
	const cJSON *tb = cJSON_GetObjectItemCaseSensitive(tent, "boundaries");
	const cJSON *rb = risk && c->risk_boundaries ? cJSON_GetObjectItemCaseSensitive(c->risk_boundaries, risk) : NULL;
	const cJSON *budget = cJSON_GetObjectItemCaseSensitive(tent, "budget");
	double spent = 0;
	int spent_known = 0;
	char pkey[32] = "";
	if (budget && health) {
		const char *period = art_route_config_budget_period(c, tenant);
		art_health_period_key(period, now_us, pkey, sizeof pkey);
		if (art_health_spend_get(health, tenant ? tenant : "", pkey, &spent) != ART_OK) {
			art_route_decision_free(d);
			return ART_EIO;
		}
		spent_known = 1;
	}

	for (size_t i = 0; i < d->n; i++) {
		art_route_cand *cd = &d->cands[i];
		const art_route_model *m = &c->models[i];
		cd->model = m;
		cd->accepted = 1;
		cd->breaker = health ? "closed" : "unknown";
		int64_t max_out = req_max ? req_max : m->max_output;
		cd->est_cost = ((double)d->est_input_tokens * m->price_in + (double)max_out * m->price_out) / 1e6;
		cd->latency_ms = m->latency_ms;
		double observed = -1;
		if (health && art_health_latency(health, m->name, &observed) != ART_OK) {
			art_route_decision_free(d);
			return ART_EIO;
		}
		if (observed >= 0)
			cd->latency_ms = observed;

		if (c->nrules && !rule) {
			reject(cd, "no rule matches task=%s tenant=%s risk=%s", task ? task : "-",
			       tenant ? tenant : "-", risk ? risk : "-");
			continue;
		}
		if (rule && !rule_allows(rule, m)) {
			reject(cd, "not allowed by rule %s", d->rule);
			continue;
		}
		if (need_tools && !m->tools) {
			reject(cd, "no tool calling (request has tools)");
			continue;
		}
		if (need_json && !m->json) {
			reject(cd, "no structured JSON output (request has response_schema)");
			continue;
		}
		if (req_max > m->max_output) {
			reject(cd, "max_tokens %lld > max_output %lld", (long long)req_max, (long long)m->max_output);
			continue;
		}
		if (d->est_input_tokens + max_out > m->context) {
			reject(cd, "context %lld < ~%lld input + %lld output tokens", (long long)m->context,
			       (long long)d->est_input_tokens, (long long)max_out);
			continue;
		}
		if (rule && rule->boundaries && !str_in(rule->boundaries, m->boundary)) {
			reject(cd, "boundary %s not allowed by rule %s", m->boundary, d->rule);
			continue;
		}
		if (tb && !str_in(tb, m->boundary)) {
			reject(cd, "boundary %s not allowed for tenant %s", m->boundary, tenant ? tenant : "-");
			continue;
		}
		if (rb && !str_in(rb, m->boundary)) {
			reject(cd, "boundary %s not allowed at risk %s", m->boundary, risk);
			continue;
		}
		int priced = m->price_in > 0 || m->price_out > 0 || m->price_cached > 0;
		if (priced) {
			if (!budget) {
				reject(cd, "priced model and no budget for tenant %s", tenant ? tenant : "-");
				continue;
			}
			if (!spent_known) {
				reject(cd, "budget state unknown (no state file)");
				continue;
			}
			const char *bcur = str_field(budget, "currency");
			if (bcur && strcmp(bcur, m->currency)) {
				reject(cd, "priced in %s, budget in %s", m->currency, bcur);
				continue;
			}
			double limit = cJSON_GetObjectItemCaseSensitive(budget, "amount")->valuedouble;
			if (spent >= limit) {
				reject(cd, "budget exhausted: spent %.6g of %.6g %s (%s)", spent, limit, m->currency, pkey);
				continue;
			}
			if (cd->est_cost > limit - spent) {
				reject(cd, "budget left %.6g %s < estimated cost %.6g", limit - spent, m->currency, cd->est_cost);
				continue;
			}
		}
		if (health) {
			enum art_health_breaker bs;
			int64_t until;
			if (art_health_breaker_state(health, m->name, now_us, &c->breaker, &bs, &until) != ART_OK) {
				art_route_decision_free(d);
				return ART_EIO;
			}
			cd->breaker = bs == ART_HEALTH_OPEN ? "open" : bs == ART_HEALTH_HALF_OPEN ? "half_open" : "closed";
			if (bs == ART_HEALTH_OPEN) {
				reject(cd, "circuit breaker open for %lld ms more", (long long)((until - now_us + 999) / 1000));
				continue;
			}
		}
		if (has_deadline && now_us + (int64_t)(cd->latency_ms * 1000) > deadline) {
			reject(cd, "deadline in %lld ms < expected latency %.0f ms",
			       (long long)((deadline - now_us) / 1000), cd->latency_ms);
			continue;
		}
		d->order[d->naccepted++] = i;
	}
	d->max_output_tokens = req_max;

	/* ranking keys: lower first */
	uint64_t s = mix64(seed ^ fnv1a(str_field(env, "id")));
	for (size_t k = 0; k < d->naccepted; k++) {
		art_route_cand *cd = &d->cands[d->order[k]];
		switch (d->strategy) {
		case ART_ROUTE_COST: cd->key = cd->est_cost; break;
		case ART_ROUTE_LATENCY: cd->key = cd->latency_ms; break;
		case ART_ROUTE_WEIGHTED: {
			/* Efraimidis–Spirakis: key u^(1/w), highest first; weight 0 goes last */
			double u = (double)((mix64(s + d->order[k]) >> 11) + 1) / 9007199254740993.0;
			cd->key = cd->model->weight > 0 ? -pow(u, 1.0 / cd->model->weight) : 1;
			break;
		}
		default: cd->key = -cd->model->priority; break;
		}
	}
	qsort_r(d->order, d->naccepted, sizeof *d->order, cmp_cand, d);
	return ART_OK;
}

void art_route_decision_free(art_route_decision *d)
{
	free(d->cands);
	free(d->order);
	d->cands = NULL;
	d->order = NULL;
	d->n = d->naccepted = 0;
}

static cJSON *cand_json(const art_route_model *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "provider", art_route_provider_name(m->provider));
	cJSON_AddStringToObject(o, "model", m->name);
	cJSON_AddStringToObject(o, "endpoint", m->endpoint);
	cJSON *pr = cJSON_AddObjectToObject(o, "price"); /* per million tokens, for re-pricing */
	cJSON_AddNumberToObject(pr, "input", m->price_in);
	cJSON_AddNumberToObject(pr, "output", m->price_out);
	cJSON_AddNumberToObject(pr, "cached", m->price_cached);
	cJSON_AddStringToObject(pr, "currency", m->currency);
	return o;
}

static cJSON *rejected_json(const art_route_decision *d)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < d->n; i++) {
		if (d->cands[i].accepted)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "model", d->cands[i].model->name);
		cJSON_AddStringToObject(o, "reason", d->cands[i].reason);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

int art_route_apply(const art_route_decision *d, cJSON *env, const char *stage)
{
	if (!d->naccepted) {
		size_t cap = 64 + d->n * 240, len = 0;
		char *msg = malloc(cap);
		if (!msg)
			return ART_ENOMEM;
		len += (size_t)snprintf(msg, cap, "no route:");
		for (size_t i = 0; i < d->n && len < cap; i++)
			len += (size_t)snprintf(msg + len, cap - len, "%s %s: %s", i ? ";" : "",
						d->cands[i].model->name, d->cands[i].reason);
		cJSON *details = cJSON_CreateObject();
		cJSON_AddItemToObject(details, "rejected", rejected_json(d));
		cJSON_DeleteItemFromObjectCaseSensitive(env, "route");
		if (d->deadline_passed)
			art_env_set_error(env, ART_ERR_DEADLINE, stage, details, "deadline passed before routing; %s", msg);
		else
			art_env_set_error(env, ART_ERR_NO_ROUTE, stage, details, "%s", msg);
		free(msg);
		return ART_ENOENT;
	}
	const art_route_cand *best = &d->cands[d->order[0]];
	cJSON *r = cand_json(best->model);
	if (!r)
		return ART_ENOMEM;
	char reason[200];
	switch (d->strategy) {
	case ART_ROUTE_COST:
		snprintf(reason, sizeof reason, "cost: cheapest of %zu candidates (~%.6g %s)", d->naccepted,
			 best->est_cost, best->model->currency);
		break;
	case ART_ROUTE_LATENCY:
		snprintf(reason, sizeof reason, "latency: fastest of %zu candidates (~%.0f ms)", d->naccepted, best->latency_ms);
		break;
	case ART_ROUTE_WEIGHTED:
		snprintf(reason, sizeof reason, "weighted: drawn from %zu candidates (weight %g)", d->naccepted,
			 best->model->weight);
		break;
	default:
		snprintf(reason, sizeof reason, "priority: highest of %zu candidates (%g)", d->naccepted,
			 best->model->priority);
		break;
	}
	if (d->rule) {
		size_t l = strlen(reason);
		snprintf(reason + l, sizeof reason - l, "; rule %s", d->rule);
	}
	if (!strcmp(best->breaker, "half_open")) {
		size_t l = strlen(reason);
		snprintf(reason + l, sizeof reason - l, "; breaker half-open (probe)");
	}
	cJSON_AddStringToObject(r, "reason", reason);
	cJSON_AddStringToObject(r, "strategy", art_route_strategy_name(d->strategy));
	cJSON *fb = cJSON_AddArrayToObject(r, "fallbacks");
	for (size_t k = 1; k < d->naccepted; k++)
		cJSON_AddItemToArray(fb, cand_json(d->cands[d->order[k]].model));
	cJSON_AddItemToObject(r, "rejected", rejected_json(d));
	cJSON *est = cJSON_AddObjectToObject(r, "estimate");
	cJSON_AddNumberToObject(est, "input_tokens", (double)d->est_input_tokens);
	cJSON_AddNumberToObject(est, "cost", best->est_cost);
	cJSON_AddStringToObject(est, "currency", best->model->currency);
	if (cJSON_GetObjectItemCaseSensitive(env, "route"))
		cJSON_ReplaceItemInObjectCaseSensitive(env, "route", r);
	else
		cJSON_AddItemToObject(env, "route", r);
	return ART_OK;
}

char *art_route_explain(const art_route_decision *d, const cJSON *env)
{
	size_t cap = 512 + d->n * 400, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	const char *id = str_field(env, "id");
	len += (size_t)snprintf(out + len, cap - len,
				"route %s: strategy %s, rule %s, ~%lld input tokens\n", id ? id : "-",
				art_route_strategy_name(d->strategy), d->rule ? d->rule : "-",
				(long long)d->est_input_tokens);
	len += (size_t)snprintf(out + len, cap - len, "  %-4s %-20s %-8s %-8s %10s %9s %-9s %s\n", "rank",
				"model", "provider", "boundary", "est.cost", "lat.ms", "breaker", "decision");
	for (size_t i = 0; i < d->n && len < cap; i++) {
		const art_route_cand *cd = &d->cands[i];
		char rank[24] = "-";
		for (size_t k = 0; k < d->naccepted; k++)
			if (d->order[k] == i)
				snprintf(rank, sizeof rank, "%zu", k + 1);
		len += (size_t)snprintf(out + len, cap - len, "  %-4s %-20s %-8s %-8s %10.6g %9.0f %-9s %s\n", rank,
					cd->model->name, art_route_provider_name(cd->model->provider),
					cd->model->boundary, cd->est_cost, cd->latency_ms, cd->breaker,
					cd->accepted ? (rank[0] == '1' && !rank[1] ? "chosen" : "fallback") : cd->reason);
	}
	return out;
}

/* schemas.c — lookup of embedded schemas; the strict envelope check. */
#include "schemas.h"
#include "err.h"
#include "schema.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

const char *art_schemas_get(const char *name)
{
	for (const art_schema_text *t = art_schemas_table; t->name; t++)
		if (!strcmp(t->name, name))
			return t->text;
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static art_schema *envelope;
static char compile_err[256];

static void compile_envelope(void)
{
	const char *text = art_schemas_get("envelope");
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	if (!doc) {
		snprintf(compile_err, sizeof compile_err, "embedded envelope schema missing or not JSON");
		return;
	}
	if (art_schema_compile(&envelope, doc, NULL, NULL, ART_SCHEMA_FORMAT_ASSERT, compile_err,
			       sizeof compile_err) != ART_OK)
		envelope = NULL;
	cJSON_Delete(doc);
}

int art_schemas_check_envelope(const cJSON *env, char *err, size_t errsz, cJSON **details)
{
	pthread_once(&once, compile_envelope);
	if (details)
		*details = NULL;
	if (!envelope) {
		/* a broken build: fail closed, loudly */
		snprintf(err, errsz, "envelope schema does not compile: %s", compile_err);
		return ART_EINVAL;
	}
	int v = art_schema_validate(envelope, env, NULL);
	if (v == 1)
		return ART_OK;
	/* slow path only for failures: collect the errors for people */
	art_schema_result *res = NULL;
	if (art_schema_result_new(&res) != ART_OK) {
		snprintf(err, errsz, "out of memory");
		return ART_ENOMEM;
	}
	art_schema_validate(envelope, env, res);
	size_t n = art_schema_result_count(res), used = 0;
	err[0] = 0;
	for (size_t i = 0; i < n && i < 3 && used + 1 < errsz; i++) {
		const art_schema_error *e = art_schema_result_error(res, i);
		int k = snprintf(err + used, errsz - used, "%s%s: %s", i ? "; " : "",
				 e->instance_location[0] ? e->instance_location : "/", e->message);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	if (!n)
		snprintf(err, errsz, "envelope does not match the contract (validator status %d)", v);
	if (details)
		art_schema_result_to_json(res, details);
	art_schema_result_free(res);
	return ART_EINVAL;
}

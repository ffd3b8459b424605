/* schema_result.c — validation errors: storage and the cJSON form stages copy. */
#include <string.h>
#include "err.h"
#include "schema_int.h"

int art_schema_result_new(art_schema_result **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? ART_OK : ART_ENOMEM;
}

void sch_result_truncate(art_schema_result *r, size_t n)
{
	while (r->n > n) {
		art_schema_error *e = &r->errors[--r->n];
		free(e->instance_location);
		free(e->keyword_location);
		free(e->message);
	}
	if (n == 0)
		r->truncated = 0;
}

void art_schema_result_free(art_schema_result *res)
{
	if (!res)
		return;
	sch_result_truncate(res, 0);
	free(res->errors);
	free(res);
}

int sch_result_add(art_schema_result *r, const char *iloc, const char *kloc, const char *msg)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 8;
		art_schema_error *ne = realloc(r->errors, nc * sizeof *ne);
		if (!ne)
			return ART_ENOMEM;
		r->errors = ne;
		r->cap = nc;
	}
	art_schema_error *e = &r->errors[r->n];
	e->instance_location = strdup(iloc ? iloc : "");
	e->keyword_location = strdup(kloc ? kloc : "");
	e->message = strdup(msg);
	if (!e->instance_location || !e->keyword_location || !e->message) {
		free(e->instance_location);
		free(e->keyword_location);
		free(e->message);
		return ART_ENOMEM;
	}
	r->n++;
	return ART_OK;
}

size_t art_schema_result_count(const art_schema_result *res)
{
	return res ? res->n : 0;
}

const art_schema_error *art_schema_result_error(const art_schema_result *res, size_t i)
{
	return res && i < res->n ? &res->errors[i] : NULL;
}

int art_schema_result_to_json(const art_schema_result *res, cJSON **out)
{
	*out = NULL;
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return ART_ENOMEM;
	for (size_t i = 0; res && i < res->n; i++) {
		const art_schema_error *e = &res->errors[i];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "instanceLocation", e->instance_location) ||
		    !cJSON_AddStringToObject(o, "keywordLocation", e->keyword_location) ||
		    !cJSON_AddStringToObject(o, "message", e->message)) {
			cJSON_Delete(arr);
			return ART_ENOMEM;
		}
	}
	if (res && res->truncated) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "instanceLocation", "") ||
		    !cJSON_AddStringToObject(o, "keywordLocation", "") ||
		    !cJSON_AddStringToObject(o, "message", "more errors were found; only the first 100 are listed")) {
			cJSON_Delete(arr);
			return ART_ENOMEM;
		}
	}
	*out = arr;
	return ART_OK;
}

int art_schema_check(const art_schema *s, const cJSON *inst, cJSON **errors)
{
	*errors = NULL;
	int v = art_schema_validate(s, inst, NULL);
	if (v != 0)
		return v;
	art_schema_result *res;
	if (art_schema_result_new(&res))
		return ART_ENOMEM;
	v = art_schema_validate(s, inst, res);
	if (v == 0) {
		int rc = art_schema_result_to_json(res, errors);
		if (rc)
			v = rc;
	}
	art_schema_result_free(res);
	return v;
}

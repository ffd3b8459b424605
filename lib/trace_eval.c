/* trace_eval.c — built-in checks and scores-file lines (see trace_eval.h). */
#include "trace_eval.h"
#include "err.h"
#include "schema.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const checks[] = {"non-empty", "contains-citation", "schema-valid", NULL};

int art_trace_check_known(const char *name)
{
	for (int i = 0; checks[i]; i++)
		if (name && !strcmp(name, checks[i]))
			return ART_OK;
	return ART_EINVAL;
}

static const char *sget(const cJSON *o, const char *k)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void verdict(art_trace_eval *ev, int pass)
{
	ev->has_value = 1;
	ev->value = pass ? 1 : 0;
	ev->label = pass ? "pass" : "fail";
}

int art_trace_check_run(const char *name, const cJSON *env, art_trace_eval *ev, char *expl,
			size_t explsz)
{
	if (art_trace_check_known(name))
		return ART_EINVAL;
	const char *text = sget(cJSON_GetObjectItemCaseSensitive(env, "output"), "text");
	if (!text)
		return ART_ENOENT;
	memset(ev, 0, sizeof *ev);
	ev->req_id = sget(env, "id");
	ev->name = name;
	ev->source = "check";
	ev->explanation = expl;
	expl[0] = 0;
	if (!strcmp(name, "non-empty")) {
		int any = 0;
		for (const char *p = text; *p && !any; p++)
			any = !isspace((unsigned char)*p);
		verdict(ev, any);
		snprintf(expl, explsz, any ? "output text is not empty" : "output text is empty");
		return ART_OK;
	}
	if (!strcmp(name, "schema-valid")) {
		const cJSON *rs = cJSON_GetObjectItemCaseSensitive(env, "response_schema");
		if (!rs)
			return ART_ENOENT;
		cJSON *inst = cJSON_Parse(text);
		if (!inst) {
			verdict(ev, 0);
			snprintf(expl, explsz, "output text is not JSON");
			return ART_OK;
		}
		art_schema *sc = NULL;
		char why[200];
		if (art_schema_compile(&sc, rs, NULL, NULL, 0, why, sizeof why) != ART_OK) {
			cJSON_Delete(inst);
			verdict(ev, 0);
			snprintf(expl, explsz, "response_schema does not compile: %s", why);
			return ART_OK;
		}
		int v = art_schema_validate(sc, inst, NULL);
		art_schema_free(sc);
		cJSON_Delete(inst);
		verdict(ev, v == 1);
		snprintf(expl, explsz, v == 1 ? "output matches response_schema" : "output does not match response_schema");
		return ART_OK;
	}
	/* contains-citation */
	const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(env, "context"), *c;
	if (cJSON_GetArraySize(ctx) > 0) {
		cJSON_ArrayForEach(c, ctx)
		{
			const char *id = sget(c, "id");
			if (!id || !*id)
				continue;
			size_t n = strlen(id);
			for (const char *p = strchr(text, '['); p; p = strchr(p + 1, '[')) {
				if (!strncmp(p + 1, id, n) && p[1 + n] == ']') {
					verdict(ev, 1);
					snprintf(expl, explsz, "cites context item [%s]", id);
					return ART_OK;
				}
			}
		}
		verdict(ev, 0);
		snprintf(expl, explsz, "cites none of the %d recalled context items", cJSON_GetArraySize(ctx));
		return ART_OK;
	}
	const char *lb = strchr(text, '[');
	int cited = (lb && strchr(lb, ']') && strchr(lb, ']') > lb + 1) || strstr(text, "http://") ||
		    strstr(text, "https://");
	verdict(ev, cited);
	snprintf(expl, explsz, cited ? "contains a citation" : "contains no citation");
	return ART_OK;
}

int art_trace_eval_parse(const cJSON *line, art_trace_eval *ev, char *err, size_t errsz)
{
	memset(ev, 0, sizeof *ev);
	if (!cJSON_IsObject(line)) {
		snprintf(err, errsz, "a score is a JSON object");
		return ART_EINVAL;
	}
	ev->req_id = sget(line, "id");
	ev->name = sget(line, "name");
	if (!ev->req_id || !*ev->req_id || !ev->name || !*ev->name) {
		snprintf(err, errsz, "a score needs string \"id\" and \"name\"");
		return ART_EINVAL;
	}
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(line, "value");
	if (v && !cJSON_IsNull(v)) {
		if (cJSON_IsBool(v)) {
			ev->value = cJSON_IsTrue(v);
		} else if (cJSON_IsNumber(v)) {
			ev->value = v->valuedouble;
		} else {
			snprintf(err, errsz, "\"value\" must be a number");
			return ART_EINVAL;
		}
		ev->has_value = 1;
	}
	ev->label = sget(line, "label");
	ev->explanation = sget(line, "explanation");
	if (!ev->has_value && !ev->label) {
		snprintf(err, errsz, "a score needs a \"value\" or a \"label\"");
		return ART_EINVAL;
	}
	ev->source = "file";
	return ART_OK;
}

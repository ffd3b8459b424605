/* infer_env.c — art-infer's per-envelope step: messages and params in, output out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "env.h"
#include "err.h"
#include "infer.h"

#define STAGE "art-infer"

/* Reads params.NAME as a number in [lo, hi]; 1 if present and valid, 0 if absent, -1 if bad. */
static int num_param(const cJSON *params, const char *name, double lo, double hi, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);
	if (!v) return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi) return -1;
	*out = v->valuedouble;
	return 1;
}

static int bad_request(cJSON *env, const char *msg)
{
	art_env_set_error(env, "bad_request", STAGE, NULL, "%s", msg);
	return ART_EINVAL;
}

int art_infer_job_prepare(art_infer *inf, cJSON *env, art_infer_job *job)
{
	memset(job, 0, sizeof *job);
	const int64_t start_us = art_clock_now_us();
	job->start_us = start_us;
	const art_infer_opts *o = art_infer_opts_of(inf); /* the command line's defaults */

	int64_t deadline = 0;
	int drc = art_env_deadline(env, &deadline);
	if (drc == ART_EINVAL) return bad_request(env, "deadline is not a valid time");
	if (drc == ART_OK && art_clock_now_us() >= deadline) {
		art_env_set_error(env, ART_ERR_DEADLINE, STAGE, NULL, "deadline passed before generation started");
		return ART_ETIMEOUT;
	}

	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(env, "messages");
	if (!cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) == 0)
		return bad_request(env, "envelope has no messages to answer");
	size_t nm = (size_t)cJSON_GetArraySize(msgs);
	/* recalled context (art-memory) goes first, as a system message "[id] text" per item;
	 * its text lives in the same block as the message array, so free(cm) frees both */
	const cJSON *it, *ctx = cJSON_GetObjectItemCaseSensitive(env, "context");
	size_t ctxlen = 0;
	int context_dropped = 0;
	cJSON_ArrayForEach(it, ctx) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "text"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
		if (t && *t) ctxlen += strlen(t) + (id ? strlen(id) : 0) + 4;
	}
	static const char ctx_head[] = "Context:\n";
	art_chat_msg *cm = calloc(1, (nm + 1) * sizeof *cm + (ctxlen ? sizeof ctx_head + ctxlen : 0));
	if (!cm) return ART_ENOMEM;
	size_t k = 0;
	if (ctxlen) {
		char *text = (char *)(cm + nm + 1), *p = text;
		p += sprintf(p, "%s", ctx_head);
		cJSON_ArrayForEach(it, ctx) {
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "text"));
			const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
			if (t && *t) p += sprintf(p, "[%s] %s\n", id ? id : "", t);
		}
		cm[k].role = "system";
		cm[k].content = text;
		k++;
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, msgs) {
		const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "role"));
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
		if (!role) {
			free(cm);
			return bad_request(env, "a message has no role");
		}
		cm[k].role = role;
		cm[k].content = cJSON_IsString(content) ? content->valuestring : "";
		k++;
	}

	art_gen_req req = {0};
	job->has_context = ctxlen > 0;
	req.id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(env, "id"));
	req.sample = o->sample;
	req.max_tokens = o->max_tokens;
	req.deadline_us = drc == ART_OK ? deadline : 0;
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(env, "params");
	const char **stops = NULL;
	if (params && !cJSON_IsObject(params)) {
		free(cm);
		return bad_request(env, "params must be an object");
	}
	if (params) {
		double v;
		struct { const char *name; double lo, hi; int which; } tab[] = {
			{"max_tokens", 1, 1e9, 0}, {"temperature", 0, 100, 1}, {"top_k", 0, 1e9, 2},
			{"top_p", 0, 1, 3}, {"min_p", 0, 1, 4}, {"repeat_penalty", 0, 100, 5},
			{"seed", 0, 9007199254740992.0, 6},
		};
		for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
			int r = num_param(params, tab[i].name, tab[i].lo, tab[i].hi, &v);
			if (r < 0) {
				free(cm);
				art_env_set_error(env, "bad_request", STAGE, NULL, "params.%s must be a number in [%g, %g]",
						  tab[i].name, tab[i].lo, tab[i].hi);
				return ART_EINVAL;
			}
			if (r == 0) continue;
			switch (tab[i].which) {
			case 0: req.max_tokens = (int)v; break;
			case 1: req.sample.temp = (float)v; break;
			case 2: req.sample.top_k = (int)v; break;
			case 3: req.sample.top_p = (float)v; break;
			case 4: req.sample.min_p = (float)v; break;
			case 5: req.sample.repeat_penalty = (float)v; break;
			case 6: req.sample.seed = (uint64_t)v; break;
			}
		}
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(params, "stop");
		if (st) {
			if (!cJSON_IsArray(st)) {
				free(cm);
				return bad_request(env, "params.stop must be an array of strings");
			}
			size_t ns = (size_t)cJSON_GetArraySize(st);
			stops = calloc(ns ? ns : 1, sizeof *stops);
			if (!stops) {
				free(cm);
				return ART_ENOMEM;
			}
			const cJSON *s;
			cJSON_ArrayForEach(s, st) {
				if (!cJSON_IsString(s)) {
					free(cm);
					free(stops);
					return bad_request(env, "params.stop must be an array of strings");
				}
				stops[req.n_stop++] = s->valuestring;
			}
			req.stop = stops;
		}
	}

	char err[512];
	int32_t *ids = NULL;
	size_t n_ids = 0;
	int rc = art_infer_render(inf, cm, k, &ids, &n_ids, err, sizeof err);
	/* recalled context must not crowd out the question: if the prompt leaves no room to
	 * answer (a quarter of the context, or max_tokens if less), render without it */
	size_t room = (size_t)art_infer_n_ctx(inf) / 4;
	if (req.max_tokens > 0 && (size_t)req.max_tokens < room) room = (size_t)req.max_tokens;
	if (rc == ART_OK && ctxlen && n_ids + room > (size_t)art_infer_n_ctx(inf)) {
		free(ids);
		ids = NULL;
		rc = art_infer_render(inf, cm + 1, k - 1, &ids, &n_ids, err, sizeof err);
		context_dropped = 1;
	}
	free(cm);
	if (rc) {
		free(stops);
		art_env_set_error(env, rc == ART_EINVAL ? "bad_request" : "render_failed", STAGE, NULL, "%s", err);
		return rc;
	}
	req.prompt = ids;
	req.n_prompt = n_ids;
	job->req = req;
	job->ids = ids;
	job->stops = stops;
	job->context_dropped = context_dropped;
	return ART_OK;
}

void art_infer_job_free(art_infer_job *job)
{
	free(job->ids);
	free(job->stops);
	job->ids = NULL;
	job->stops = NULL;
}

int art_infer_job_finish(art_infer *inf, cJSON *env, art_infer_job *job, int rc, art_gen_result *res,
			 const char *err, int cached_tokens)
{
	art_infer_job_free(job);
	if (rc) {
		const char *code = rc == ART_ETIMEOUT ? ART_ERR_DEADLINE : rc == ART_ERANGE ? "context_overflow" : "generation_failed";
		art_env_set_error(env, code, STAGE, NULL, "%s", err);
		return rc;
	}
	const int64_t start_us = job->start_us;
	const int context_dropped = job->context_dropped, ctxlen = job->has_context;
	cJSON *out = cJSON_CreateObject(), *usage = NULL, *timing = NULL;
	if (!out || !cJSON_AddStringToObject(out, "text", res->text) ||
	    !cJSON_AddStringToObject(out, "finish_reason", art_finish_name(res->finish)) ||
	    !cJSON_AddStringToObject(out, "model", art_infer_model_name(inf)) ||
	    !cJSON_AddStringToObject(out, "provider", "local") || !(usage = cJSON_AddObjectToObject(out, "usage")) ||
	    !cJSON_AddNumberToObject(usage, "input_tokens", res->n_input) ||
	    !cJSON_AddNumberToObject(usage, "output_tokens", res->n_output) ||
	    (cached_tokens > 0 && !cJSON_AddNumberToObject(usage, "cached_tokens", cached_tokens)) ||
	    !(timing = cJSON_AddObjectToObject(out, "timing")) ||
	    !cJSON_AddNumberToObject(timing, "load_ms", art_infer_load_ms(inf)) ||
	    !cJSON_AddNumberToObject(timing, "prompt_ms", res->prompt_ms) ||
	    !cJSON_AddNumberToObject(timing, "ttft_ms", res->ttft_ms) ||
	    !cJSON_AddNumberToObject(timing, "total_ms", res->total_ms) ||
	    !cJSON_AddNumberToObject(timing, "tokens_per_s", res->tokens_per_s)) {
		cJSON_Delete(out);
		free(res->text);
		return ART_ENOMEM;
	}
	free(res->text);
	cJSON_DeleteItemFromObjectCaseSensitive(env, "output");
	cJSON_AddItemToObject(env, "output", out);
	cJSON *attrs = cJSON_CreateObject();
	if (attrs) {
		cJSON_AddStringToObject(attrs, "model", art_infer_model_name(inf));
		cJSON_AddNumberToObject(attrs, "input_tokens", res->n_input);
		cJSON_AddNumberToObject(attrs, "output_tokens", res->n_output);
		cJSON_AddStringToObject(attrs, "finish_reason", art_finish_name(res->finish));
		if (cached_tokens > 0)
			cJSON_AddNumberToObject(attrs, "cached_tokens", cached_tokens);
		if (ctxlen)
			cJSON_AddBoolToObject(attrs, "context_used", !context_dropped);
	}
	art_env_event_add(env, STAGE, "generate", start_us, art_clock_now_us(), attrs);
	return ART_OK;
}

int art_infer_envelope(void *vinf, cJSON *env, uint64_t line)
{
	art_infer *inf = vinf;
	(void)line;
	art_infer_job job;
	int rc = art_infer_job_prepare(inf, env, &job);
	if (rc) return rc;
	art_gen_result res;
	char err[512];
	rc = art_infer_generate(inf, &job.req, &res, err, sizeof err);
	return art_infer_job_finish(inf, env, &job, rc, &res, err, 0);
}

const char *art_infer_env_model_path(const cJSON *env)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(env, "route");
	const char *prov = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "provider"));
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "endpoint"));
	if (!prov || strcmp(prov, "local") != 0 || !path || !*path) return NULL;
	return path;
}

/* trace_spans.c — content capture and span derivation (see trace_spans.h). */
#include "trace_spans.h"
#include "clock.h"
#include "err.h"
#include "policy_redact.h"
#include "redact.h"
#include "sha256.h"
#include "trace_buf.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int art_trace_capture_parse(const char *s, enum art_trace_capture *out)
{
	if (!s)
		return ART_EINVAL;
	if (!strcmp(s, "none"))
		*out = ART_TRACE_CAPTURE_NONE;
	else if (!strcmp(s, "redacted"))
		*out = ART_TRACE_CAPTURE_REDACTED;
	else if (!strcmp(s, "full"))
		*out = ART_TRACE_CAPTURE_FULL;
	else
		return ART_EINVAL;
	return ART_OK;
}

const char *art_trace_capture_name(enum art_trace_capture c)
{
	switch (c) {
	case ART_TRACE_CAPTURE_NONE: return "none";
	case ART_TRACE_CAPTURE_REDACTED: return "redacted";
	case ART_TRACE_CAPTURE_FULL: return "full";
	}
	return "?";
}

const char *art_trace_op_name(enum art_trace_op op)
{
	switch (op) {
	case ART_TRACE_OP_REQUEST: return "request";
	case ART_TRACE_OP_CHAT: return "chat";
	case ART_TRACE_OP_TOOL: return "execute_tool";
	case ART_TRACE_OP_RETRIEVAL: return "retrieval";
	case ART_TRACE_OP_STAGE: return "stage";
	}
	return "?";
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}
static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}
static int num(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = get(o, k);
	if (!cJSON_IsNumber(v))
		return 0;
	*out = v->valuedouble;
	return 1;
}

/* ---- capture ---- */
static void drop(cJSON *o, const char *k)
{
	if (cJSON_IsObject(o))
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
}
static void blank(cJSON *o, const char *k)
{
	if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateString(""));
}

static void strip_calls(cJSON *calls)
{
	cJSON *c;
	cJSON_ArrayForEach(c, calls) drop(c, "arguments");
}

int art_trace_capture_apply(cJSON *env, enum art_trace_capture mode, struct art_policy_redactor *rules)
{
	cJSON *it;
	if (mode == ART_TRACE_CAPTURE_FULL)
		return 0;
	if (mode == ART_TRACE_CAPTURE_NONE) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(env, "messages"))
		{
			drop(it, "content");
			strip_calls(cJSON_GetObjectItemCaseSensitive(it, "tool_calls"));
		}
		cJSON *out = cJSON_GetObjectItemCaseSensitive(env, "output");
		drop(out, "text");
		strip_calls(cJSON_GetObjectItemCaseSensitive(out, "tool_calls"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(env, "context")) blank(it, "text");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(env, "tool_results")) drop(it, "content");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(env, "memory_writes")) blank(it, "text");
	}
	int n = 0;
	if (rules) {
		int rc = art_policy_redact_json(rules, env, &n);
		if (rc != ART_OK)
			return rc;
	}
	int k = art_redact_json(env, ART_REDACT_ALL, NULL);
	return k < 0 ? k : n + k;
}

/* ---- ids ---- */
static int is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return 0;
	int nonzero = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		nonzero |= c != '0';
	}
	return nonzero;
}

/* First nbytes of sha256(parts joined by "\n") as hex, never all zero. */
static void derive(char *out, size_t nbytes, const char *a, const char *b, const char *c, const char *d)
{
	art_sha256 h;
	uint8_t md[32];
	const char *parts[4] = {a, b, c, d};
	art_sha256_init(&h);
	for (int i = 0; i < 4; i++) {
		if (!parts[i])
			continue;
		if (i)
			art_sha256_update(&h, "\n", 1);
		art_sha256_update(&h, parts[i], strlen(parts[i]));
	}
	art_sha256_final(&h, md);
	int nz = 0;
	for (size_t i = 0; i < nbytes; i++)
		nz |= md[i];
	if (!nz)
		md[nbytes - 1] = 1;
	art_hex(md, nbytes, out);
}

void art_trace_trace_id(const cJSON *env, char out[33])
{
	const char *t = str(get(env, "trace"), "trace_id");
	if (is_hex(t, 32)) {
		memcpy(out, t, 33);
		return;
	}
	const char *id = str(env, "id");
	derive(out, 16, "art-trace", id ? id : "", NULL, NULL);
}

void art_trace_root_span_id(const cJSON *env, const char *trace_id, char out[17])
{
	const char *s = str(get(env, "trace"), "span_id");
	if (is_hex(s, 16)) {
		memcpy(out, s, 17);
		return;
	}
	const char *id = str(env, "id");
	derive(out, 8, trace_id, "root", id ? id : "", NULL);
}

int64_t art_trace_env_time_us(const cJSON *env)
{
	const char *c = str(env, "created");
	int64_t us;
	if (c && art_clock_parse(c, &us) == ART_OK)
		return us;
	double v;
	const cJSON *ev = cJSON_GetArrayItem(get(env, "events"), 0);
	if (num(ev, "start_us", &v))
		return (int64_t)v;
	return 0;
}

/* ---- span list ---- */
static void span_free(art_trace_span *s)
{
	free(s->name);
	free(s->status_msg);
	free(s->stage);
	free(s->model);
	free(s->provider);
	free(s->error_type);
	free(s->attrs);
}

void art_trace_spans_clear(art_trace_spans *s)
{
	for (size_t i = 0; i < s->n; i++)
		span_free(&s->v[i]);
	s->n = 0;
}

void art_trace_spans_free(art_trace_spans *s)
{
	art_trace_spans_clear(s);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static art_trace_span *span_add(art_trace_spans *s)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 16;
		art_trace_span *v = realloc(s->v, c * sizeof *v);
		if (!v)
			return NULL;
		s->v = v;
		s->cap = c;
	}
	art_trace_span *sp = &s->v[s->n++];
	memset(sp, 0, sizeof *sp);
	sp->input_tokens = sp->output_tokens = sp->cached_tokens = -1;
	sp->cost = sp->ttft_ms = -1;
	sp->kind = ART_TRACE_KIND_INTERNAL;
	return sp;
}

static char *dup(const char *s) { return s ? strdup(s) : NULL; }

static char *fmt_name(const char *a, const char *b)
{
	size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, b ? "%s %s" : "%s", a, b);
	return p;
}

enum ev_class { EV_STAGE, EV_CHAT, EV_TOOL, EV_RETRIEVAL };

static int is(const char *a, const char *b) { return !strcmp(a, b); }

/* Event kinds, by the names the stages use: art-infer/art-remote "attempt" (one per
 * try, with provider, model, error), "chat"; art-tool "execute_tool"; art-memory
 * "recall". */
static enum ev_class classify(const char *stage, const char *name)
{
	if (!stage)
		stage = "";
	if (!name)
		name = "";
	if (is(name, "execute_tool") || (is(stage, "art-tool") && (is(name, "call") || is(name, "tool") ||
	    is(name, "tool_call") || is(name, "execute"))))
		return EV_TOOL;
	if (is(name, "chat") || is(name, "attempt") || is(name, "inference") || is(name, "generate"))
		return EV_CHAT;
	if (is(stage, "art-infer") && !is(name, "load") && !is(name, "queue") && !is(name, "skip_candidate"))
		return EV_CHAT;
	if (is(name, "retrieval") || (is(stage, "art-memory") &&
	    (is(name, "recall") || is(name, "search") || is(name, "retrieve"))))
		return EV_RETRIEVAL;
	return EV_STAGE;
}

/* Copies an event's attrs as art.<key> (keys the typed attributes already used are
 * skipped by the callers' choice of prefix: everything is kept, nothing overwritten). */
static void copy_event_attrs(art_trace_buf *b, const cJSON *attrs)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		if (!a->string)
			continue;
		if (!strncmp(a->string, "gen_ai.", 7)) {
			art_trace_attr_json(b, a->string, a);
			continue;
		}
		char key[160];
		snprintf(key, sizeof key, "art.%s", a->string);
		art_trace_attr_json(b, key, a);
	}
}

static void request_params(art_trace_buf *b, const cJSON *params)
{
	double v;
	if (num(params, "max_tokens", &v))
		art_trace_attr_int(b, "gen_ai.request.max_tokens", (int64_t)v);
	if (num(params, "temperature", &v))
		art_trace_attr_dbl(b, "gen_ai.request.temperature", v);
	if (num(params, "top_p", &v))
		art_trace_attr_dbl(b, "gen_ai.request.top_p", v);
	if (num(params, "top_k", &v))
		art_trace_attr_dbl(b, "gen_ai.request.top_k", v);
	if (num(params, "seed", &v))
		art_trace_attr_int(b, "gen_ai.request.seed", (int64_t)v);
	const cJSON *stop = get(params, "stop");
	if (cJSON_IsArray(stop))
		art_trace_attr_strs(b, "gen_ai.request.stop_sequences", stop);
}

/* The error.type of an event: attrs.error (string, or object with code) or attrs.error_code. */
static const char *event_error(const cJSON *attrs)
{
	const cJSON *e = get(attrs, "error");
	if (cJSON_IsString(e))
		return e->valuestring;
	if (cJSON_IsObject(e))
		return str(e, "code") ? str(e, "code") : "error";
	if (str(attrs, "error_code"))
		return str(attrs, "error_code");
	if (str(attrs, "error.type"))
		return str(attrs, "error.type");
	const char *st = str(attrs, "status");
	if (st && !strcmp(st, "error"))
		return "error";
	return NULL;
}

static int finish(art_trace_span *sp, art_trace_buf *b)
{
	art_trace_attrs_end(b);
	sp->attrs = art_trace_buf_take(b);
	return sp->attrs && sp->name ? ART_OK : ART_ENOMEM;
}

int art_trace_spans_derive(const cJSON *env, art_trace_spans *out)
{
	char trace_id[33], root_id[17];
	art_trace_buf b = {0};
	art_trace_trace_id(env, trace_id);
	art_trace_root_span_id(env, trace_id, root_id);
	const char *id = str(env, "id");
	const cJSON *events = get(env, "events"), *route = get(env, "route"), *output = get(env, "output");
	const cJSON *params = get(env, "params"), *err = get(env, "error");
	const char *status = str(env, "status"), *session = str(env, "session");
	int64_t t0 = art_trace_env_time_us(env), t1 = t0;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, events)
	{
		double s, e;
		if (num(ev, "start_us", &s) && (int64_t)s < t0)
			t0 = (int64_t)s;
		if (num(ev, "end_us", &e) && (int64_t)e > t1)
			t1 = (int64_t)e;
	}
	if (!t0)
		t0 = t1 = art_clock_now_us();

	/* root */
	size_t root_at = out->n;
	art_trace_span *sp = span_add(out);
	if (!sp)
		return ART_ENOMEM;
	memcpy(sp->trace_id, trace_id, 33);
	memcpy(sp->span_id, root_id, 17);
	const char *pp = str(get(env, "trace"), "parent_span_id");
	if (is_hex(pp, 16))
		memcpy(sp->parent_id, pp, 17);
	const char *task = str(env, "task");
	sp->name = fmt_name("art.request", task);
	sp->op = ART_TRACE_OP_REQUEST;
	sp->kind = ART_TRACE_KIND_SERVER;
	sp->start_us = t0;
	sp->end_us = t1;
	art_trace_attrs_begin(&b);
	art_trace_attr_str(&b, "art.request.id", id);
	art_trace_attr_str(&b, "art.tenant", str(env, "tenant"));
	art_trace_attr_str(&b, "enduser.id", str(get(env, "actor"), "id"));
	art_trace_attr_str(&b, "art.task", task);
	art_trace_attr_str(&b, "art.risk", str(env, "risk"));
	art_trace_attr_str(&b, "gen_ai.conversation.id", session);
	art_trace_attr_str(&b, "art.status", status ? status : "ok");
	double turn;
	if (num(env, "turn", &turn))
		art_trace_attr_int(&b, "art.turn", (int64_t)turn);
	if (route) {
		art_trace_attr_str(&b, "art.route.provider", str(route, "provider"));
		art_trace_attr_str(&b, "art.route.model", str(route, "model"));
		const cJSON *fb = get(route, "fallbacks"), *c;
		if (cJSON_GetArraySize(fb) > 0) {
			cJSON *models = cJSON_CreateArray();
			cJSON_ArrayForEach(c, fb) if (str(c, "model"))
				cJSON_AddItemToArray(models, cJSON_CreateString(str(c, "model")));
			art_trace_attr_strs(&b, "art.route.fallbacks", models);
			cJSON_Delete(models);
		}
	}
	if (status && !strcmp(status, "error")) {
		sp->code = ART_TRACE_CODE_ERROR;
		sp->error_type = dup(str(err, "code") ? str(err, "code") : "error");
		sp->status_msg = dup(str(err, "message"));
		art_trace_attr_str(&b, "error.type", sp->error_type);
		art_trace_attr_str(&b, "art.error.stage", str(err, "stage"));
	}
	if (finish(sp, &b))
		return ART_ENOMEM;

	/* which inference event produced the output: the last one without an error */
	int last_ok_chat = -1, nchat = 0, ntool_ev = 0, idx = 0;
	cJSON_ArrayForEach(ev, events)
	{
		const char *st = str(ev, "stage"), *nm = str(ev, "name");
		enum ev_class k = classify(st, nm);
		if (k == EV_CHAT) {
			nchat++;
			if (!event_error(get(ev, "attrs")))
				last_ok_chat = idx;
		}
		ntool_ev += k == EV_TOOL;
		idx++;
	}
	const cJSON *usage = get(output, "usage"), *timing = get(output, "timing"), *cost = get(output, "cost");
	const cJSON *tool_results = get(env, "tool_results");
	int env_error_infer = status && !strcmp(status, "error") && str(err, "stage") &&
			      !strcmp(str(err, "stage"), "art-infer");

	idx = 0;
	int chat_seen = 0, tool_seen = 0, prev_chat_failed = 0;
	/* index -1 stands for a span synthesized from output / tool_results (no events) */
	int synth_chat = !nchat && output && (str(output, "model") || str(route, "model"));
	int nsynth_tools = ntool_ev ? 0 : cJSON_GetArraySize(tool_results);
	const cJSON *cur = events ? events->child : NULL;
	int total = cJSON_GetArraySize(events) + synth_chat + nsynth_tools;
	for (int i = 0; i < total; i++) {
		const cJSON *e = NULL, *attrs = NULL;
		const char *st, *nm;
		enum ev_class k;
		char idxs[24];
		int64_t s_us, e_us;
		const cJSON *tr = NULL;
		if (cur) {
			e = cur;
			cur = cur->next;
			attrs = get(e, "attrs");
			st = str(e, "stage");
			nm = str(e, "name");
			k = classify(st, nm);
			double sv = 0, evv = 0;
			num(e, "start_us", &sv);
			num(e, "end_us", &evv);
			s_us = (int64_t)sv;
			e_us = (int64_t)evv;
			if (e_us < s_us)
				e_us = s_us;
			snprintf(idxs, sizeof idxs, "%d", idx++);
		} else if (synth_chat) {
			synth_chat = 0;
			st = "art-infer";
			nm = "chat";
			k = EV_CHAT;
			double tot = 0;
			num(timing, "total_ms", &tot);
			e_us = t1;
			s_us = t1 - (int64_t)(tot * 1000);
			last_ok_chat = -2;
			snprintf(idxs, sizeof idxs, "output");
		} else {
			int j = i - (total - nsynth_tools);
			tr = cJSON_GetArrayItem(tool_results, j);
			st = "art-tool";
			nm = "execute_tool";
			k = EV_TOOL;
			double d = 0;
			num(tr, "duration_ms", &d);
			e_us = t1;
			s_us = t1 - (int64_t)(d * 1000);
			snprintf(idxs, sizeof idxs, "tool_result %d", j);
		}
		sp = span_add(out);
		if (!sp)
			return ART_ENOMEM;
		memcpy(sp->trace_id, trace_id, 33);
		const char *esid = str(e, "span_id");
		if (is_hex(esid, 16))
			memcpy(sp->span_id, esid, 17);
		else
			derive(sp->span_id, 8, trace_id, st ? st : "", nm ? nm : "", idxs);
		const char *par = str(e, "parent_span_id");
		memcpy(sp->parent_id, is_hex(par, 16) ? par : root_id, 17);
		sp->stage = dup(st ? st : "unknown");
		sp->start_us = s_us;
		sp->end_us = e_us;
		art_trace_attrs_begin(&b);
		const char *etype = event_error(attrs);
		if (k == EV_CHAT) {
			int this_idx = e ? idx - 1 : -2;
			int produced = this_idx == last_ok_chat;
			const char *model = str(attrs, "model");
			const char *prov = str(attrs, "provider");
			if (!model)
				model = produced && str(output, "model") ? str(output, "model") : str(route, "model");
			if (!prov)
				prov = produced && str(output, "provider") ? str(output, "provider") : str(route, "provider");
			sp->op = ART_TRACE_OP_CHAT;
			sp->name = fmt_name("chat", model);
			sp->model = dup(model);
			sp->provider = dup(prov);
			sp->kind = prov && !strcmp(prov, "local") ? ART_TRACE_KIND_INTERNAL : ART_TRACE_KIND_CLIENT;
			art_trace_attr_str(&b, "gen_ai.operation.name", "chat");
			art_trace_attr_str(&b, "gen_ai.provider.name", prov);
			art_trace_attr_str(&b, "gen_ai.request.model", model);
			art_trace_attr_str(&b, "gen_ai.conversation.id", session);
			request_params(&b, params);
			/* a fallback is a call after a failed one; a call after a successful one is
			 * the next turn of the agent loop (tool results going back to the model) */
			if (chat_seen && prev_chat_failed)
				art_trace_attr_bool(&b, "art.fallback", 1);
			chat_seen++;
			prev_chat_failed = etype != NULL;
			if (!etype && env_error_infer && last_ok_chat < 0)
				etype = str(err, "code");
			if (produced && output) {
				double v;
				art_trace_attr_str(&b, "gen_ai.response.model", str(output, "model") ? str(output, "model") : model);
				const char *fr = str(output, "finish_reason");
				if (fr) {
					cJSON *a = cJSON_CreateArray();
					cJSON_AddItemToArray(a, cJSON_CreateString(fr));
					art_trace_attr_strs(&b, "gen_ai.response.finish_reasons", a);
					cJSON_Delete(a);
				}
				if (num(usage, "input_tokens", &v))
					art_trace_attr_int(&b, "gen_ai.usage.input_tokens", sp->input_tokens = (int64_t)v);
				if (num(usage, "output_tokens", &v))
					art_trace_attr_int(&b, "gen_ai.usage.output_tokens", sp->output_tokens = (int64_t)v);
				if (num(usage, "cached_tokens", &v))
					art_trace_attr_int(&b, "gen_ai.usage.cache_read.input_tokens", sp->cached_tokens = (int64_t)v);
				if (num(cost, "amount", &v)) {
					art_trace_attr_dbl(&b, "art.cost.amount", sp->cost = v);
					art_trace_attr_str(&b, "art.cost.currency", str(cost, "currency") ? str(cost, "currency") : "USD");
				}
				if (num(timing, "ttft_ms", &v))
					art_trace_attr_dbl(&b, "art.ttft_ms", sp->ttft_ms = v);
				if (num(timing, "tokens_per_s", &v))
					art_trace_attr_dbl(&b, "art.tokens_per_s", v);
				if (str(output, "finish_reason") && !strcmp(str(output, "finish_reason"), "error") && !etype)
					etype = "error";
			} else {
				double v;
				if (num(attrs, "ttft_ms", &v))
					sp->ttft_ms = v;
			}
		} else if (k == EV_TOOL) {
			if (!tr)
				tr = cJSON_GetArrayItem(tool_results, tool_seen);
			tool_seen++;
			const char *tname = str(attrs, "tool") ? str(attrs, "tool") : str(attrs, "name") ? str(attrs, "name")
					    : str(attrs, "gen_ai.tool.name") ? str(attrs, "gen_ai.tool.name") : str(tr, "name");
			const char *cid = str(attrs, "call_id") ? str(attrs, "call_id")
					  : str(attrs, "gen_ai.tool.call.id") ? str(attrs, "gen_ai.tool.call.id") : str(tr, "call_id");
			const char *tst = str(attrs, "status") ? str(attrs, "status") : str(tr, "status");
			sp->op = ART_TRACE_OP_TOOL;
			sp->name = fmt_name("execute_tool", tname);
			art_trace_attr_str(&b, "gen_ai.operation.name", "execute_tool");
			art_trace_attr_str(&b, "gen_ai.tool.name", tname);
			art_trace_attr_str(&b, "gen_ai.tool.call.id", cid);
			art_trace_attr_str(&b, "gen_ai.tool.type", "function");
			art_trace_attr_str(&b, "art.tool.status", tst);
			if (!etype && tst && !strcmp(tst, "error"))
				etype = str(get(tr, "error"), "code") ? str(get(tr, "error"), "code") : "tool_error";
		} else if (k == EV_RETRIEVAL) {
			const char *ns = str(attrs, "namespace") ? str(attrs, "namespace") : str(attrs, "source");
			sp->op = ART_TRACE_OP_RETRIEVAL;
			sp->name = fmt_name("retrieval", ns);
			art_trace_attr_str(&b, "gen_ai.operation.name", "retrieval");
			art_trace_attr_str(&b, "gen_ai.data_source.id", ns);
			double h;
			if (num(attrs, "hits", &h))
				art_trace_attr_int(&b, "art.retrieval.hits", (int64_t)h);
			else if (get(env, "context"))
				art_trace_attr_int(&b, "art.retrieval.hits", cJSON_GetArraySize(get(env, "context")));
		} else {
			sp->op = ART_TRACE_OP_STAGE;
			sp->name = fmt_name(st ? st : "stage", nm);
		}
		art_trace_attr_str(&b, "art.stage", sp->stage);
		if (k == EV_STAGE)
			copy_event_attrs(&b, attrs);
		if (etype) {
			sp->code = ART_TRACE_CODE_ERROR;
			sp->error_type = dup(etype);
			art_trace_attr_str(&b, "error.type", etype);
			const char *m = str(get(attrs, "error"), "message") ? str(get(attrs, "error"), "message")
					: str(attrs, "message");
			sp->status_msg = dup(m ? m : etype);
		}
		if (finish(sp, &b))
			return ART_ENOMEM;
	}
	(void)root_at;
	art_trace_buf_free(&b);
	return ART_OK;
}

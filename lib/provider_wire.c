/* provider_wire.c — request bodies and response parsing for OpenAI-compatible chat
 * completions (JSON, SSE) and Ollama /api/chat (NDJSON).  See provider.h. */
#include "err.h"
#include "provider.h"
#include <stdlib.h>
#include <string.h>

/* ---- request bodies ---- */

static cJSON *tool_args_object(const cJSON *a)
{
	if (cJSON_IsString(a)) {
		cJSON *p = cJSON_Parse(a->valuestring);
		if (p)
			return p;
		return cJSON_CreateObject();
	}
	return a ? cJSON_Duplicate(a, 1) : cJSON_CreateObject();
}

static char *tool_args_string(const cJSON *a)
{
	if (cJSON_IsString(a))
		return strdup(a->valuestring);
	return a ? cJSON_PrintUnformatted(a) : strdup("{}");
}

static void add_content(cJSON *m, const cJSON *content, int null_ok)
{
	if (cJSON_IsString(content))
		cJSON_AddStringToObject(m, "content", content->valuestring);
	else if (!content || cJSON_IsNull(content)) {
		if (null_ok)
			cJSON_AddNullToObject(m, "content");
		else
			cJSON_AddStringToObject(m, "content", "");
	} else {
		char *s = cJSON_PrintUnformatted(content);
		cJSON_AddStringToObject(m, "content", s ? s : "");
		free(s);
	}
}

static cJSON *convert_message(enum art_route_provider kind, const cJSON *in)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(in, "role");
	cJSON_AddStringToObject(m, "role", cJSON_IsString(role) ? role->valuestring : "user");
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(in, "tool_calls");
	add_content(m, cJSON_GetObjectItemCaseSensitive(in, "content"),
		    kind == ART_ROUTE_OPENAI && cJSON_IsArray(tc) && cJSON_GetArraySize(tc) > 0);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "name");
	const cJSON *tcid = cJSON_GetObjectItemCaseSensitive(in, "tool_call_id");
	if (kind == ART_ROUTE_OPENAI) {
		if (cJSON_IsString(name))
			cJSON_AddStringToObject(m, "name", name->valuestring);
		if (cJSON_IsString(tcid))
			cJSON_AddStringToObject(m, "tool_call_id", tcid->valuestring);
	} else if (cJSON_IsString(name) && cJSON_IsString(role) && !strcmp(role->valuestring, "tool")) {
		cJSON_AddStringToObject(m, "tool_name", name->valuestring);
	}
	if (cJSON_IsArray(tc) && cJSON_GetArraySize(tc) > 0) {
		cJSON *arr = cJSON_AddArrayToObject(m, "tool_calls");
		const cJSON *c;
		cJSON_ArrayForEach(c, tc)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
			const cJSON *args = cJSON_GetObjectItemCaseSensitive(c, "arguments");
			cJSON *o = cJSON_CreateObject(), *fn;
			if (kind == ART_ROUTE_OPENAI) {
				cJSON_AddStringToObject(o, "id", cJSON_IsString(id) ? id->valuestring : "");
				cJSON_AddStringToObject(o, "type", "function");
				fn = cJSON_AddObjectToObject(o, "function");
				cJSON_AddStringToObject(fn, "name", cJSON_IsString(nm) ? nm->valuestring : "");
				char *s = tool_args_string(args);
				cJSON_AddStringToObject(fn, "arguments", s ? s : "{}");
				free(s);
			} else {
				fn = cJSON_AddObjectToObject(o, "function");
				cJSON_AddStringToObject(fn, "name", cJSON_IsString(nm) ? nm->valuestring : "");
				cJSON_AddItemToObject(fn, "arguments", tool_args_object(args));
			}
			cJSON_AddItemToArray(arr, o);
		}
	}
	return m;
}

static void copy_num(cJSON *dst, const char *dkey, const cJSON *params, const char *skey)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, skey);
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(dst, dkey, v->valuedouble);
}

cJSON *art_provider_request_body(enum art_route_provider kind, const cJSON *env,
				 const char *upstream_model, int stream)
{
	cJSON *b = cJSON_CreateObject();
	if (!b)
		return NULL;
	cJSON_AddStringToObject(b, "model", upstream_model);
	cJSON *msgs = cJSON_AddArrayToObject(b, "messages");
	/* recalled context goes first, as one system message */
	const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(env, "context"), *e;
	if (cJSON_IsArray(ctx) && cJSON_GetArraySize(ctx) > 0) {
		size_t cap = 64, len = 0;
		cJSON_ArrayForEach(e, ctx)
		{
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "text");
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
			cap += (cJSON_IsString(t) ? strlen(t->valuestring) : 0) + (cJSON_IsString(id) ? strlen(id->valuestring) : 0) + 8;
		}
		char *s = malloc(cap);
		if (s) {
			len += (size_t)snprintf(s, cap, "Context:\n");
			cJSON_ArrayForEach(e, ctx)
			{
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "text");
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
				len += (size_t)snprintf(s + len, cap - len, "[%s] %s\n", cJSON_IsString(id) ? id->valuestring : "",
							cJSON_IsString(t) ? t->valuestring : "");
			}
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "role", "system");
			cJSON_AddStringToObject(m, "content", s);
			cJSON_AddItemToArray(msgs, m);
			free(s);
		}
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(env, "messages"))
		cJSON_AddItemToArray(msgs, convert_message(kind, e));

	const cJSON *tools = cJSON_GetObjectItemCaseSensitive(env, "tools");
	if (cJSON_IsArray(tools) && cJSON_GetArraySize(tools) > 0) {
		cJSON *ta = cJSON_AddArrayToObject(b, "tools");
		cJSON_ArrayForEach(e, tools)
		{
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "type", "function");
			cJSON *fn = cJSON_AddObjectToObject(t, "function");
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
			const cJSON *ds = cJSON_GetObjectItemCaseSensitive(e, "description");
			const cJSON *ps = cJSON_GetObjectItemCaseSensitive(e, "parameters");
			if (!ps)
				ps = cJSON_GetObjectItemCaseSensitive(e, "input_schema");
			if (!ps)
				ps = cJSON_GetObjectItemCaseSensitive(e, "inputSchema");
			cJSON_AddStringToObject(fn, "name", cJSON_IsString(nm) ? nm->valuestring : "");
			if (cJSON_IsString(ds))
				cJSON_AddStringToObject(fn, "description", ds->valuestring);
			if (cJSON_IsObject(ps))
				cJSON_AddItemToObject(fn, "parameters", cJSON_Duplicate(ps, 1));
			else
				cJSON_AddItemToObject(fn, "parameters", cJSON_Parse("{\"type\":\"object\",\"properties\":{}}"));
			cJSON_AddItemToArray(ta, t);
		}
	}
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(env, "params");
	const cJSON *stop = cJSON_GetObjectItemCaseSensitive(params, "stop");
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(env, "response_schema");
	cJSON_AddBoolToObject(b, "stream", stream);
	if (kind == ART_ROUTE_OPENAI) {
		if (stream) {
			cJSON *so = cJSON_AddObjectToObject(b, "stream_options");
			cJSON_AddBoolToObject(so, "include_usage", 1);
		}
		copy_num(b, "max_tokens", params, "max_tokens");
		copy_num(b, "temperature", params, "temperature");
		copy_num(b, "top_p", params, "top_p");
		copy_num(b, "seed", params, "seed");
		if (cJSON_IsArray(stop))
			cJSON_AddItemToObject(b, "stop", cJSON_Duplicate(stop, 1));
		if (cJSON_IsObject(rs)) {
			cJSON *rf = cJSON_AddObjectToObject(b, "response_format");
			cJSON_AddStringToObject(rf, "type", "json_schema");
			cJSON *js = cJSON_AddObjectToObject(rf, "json_schema");
			cJSON_AddStringToObject(js, "name", "response");
			cJSON_AddItemToObject(js, "schema", cJSON_Duplicate(rs, 1));
			cJSON_AddBoolToObject(js, "strict", 1);
		} else if (cJSON_IsTrue(rs)) {
			cJSON *rf = cJSON_AddObjectToObject(b, "response_format");
			cJSON_AddStringToObject(rf, "type", "json_object");
		}
	} else {
		cJSON *op = cJSON_CreateObject();
		copy_num(op, "num_predict", params, "max_tokens");
		copy_num(op, "temperature", params, "temperature");
		copy_num(op, "top_k", params, "top_k");
		copy_num(op, "top_p", params, "top_p");
		copy_num(op, "min_p", params, "min_p");
		copy_num(op, "repeat_penalty", params, "repeat_penalty");
		copy_num(op, "seed", params, "seed");
		if (cJSON_IsArray(stop))
			cJSON_AddItemToObject(op, "stop", cJSON_Duplicate(stop, 1));
		if (cJSON_GetArraySize(op) > 0)
			cJSON_AddItemToObject(b, "options", op);
		else
			cJSON_Delete(op);
		if (cJSON_IsObject(rs))
			cJSON_AddItemToObject(b, "format", cJSON_Duplicate(rs, 1));
		else if (cJSON_IsTrue(rs))
			cJSON_AddStringToObject(b, "format", "json");
	}
	return b;
}

/* ---- response parsing ---- */

typedef struct {
	char *id, *name, *args; /* args: JSON text accumulated (OpenAI) */
	cJSON *args_obj;        /* Ollama: the object */
} tcall;

struct art_provider_parser {
	enum art_provider_wire wire;
	char *buf; /* unconsumed bytes (partial line, or the whole JSON body) */
	size_t len, cap;
	char *text;
	size_t tlen, tcap;
	tcall *calls;
	size_t ncalls, ccap;
	char finish[32];
	long long in_tokens, out_tokens, cached_tokens;
	int have_usage, done, failed;
	int64_t ttft_us;
	char err[200];
};

int art_provider_parser_new(art_provider_parser **out, enum art_provider_wire wire)
{
	art_provider_parser *ps = calloc(1, sizeof *ps);
	if (!ps)
		return ART_ENOMEM;
	ps->wire = wire;
	ps->in_tokens = ps->out_tokens = ps->cached_tokens = -1;
	*out = ps;
	return ART_OK;
}

void art_provider_parser_free(art_provider_parser *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->ncalls; i++) {
		free(ps->calls[i].id);
		free(ps->calls[i].name);
		free(ps->calls[i].args);
		cJSON_Delete(ps->calls[i].args_obj);
	}
	free(ps->calls);
	free(ps->buf);
	free(ps->text);
	free(ps);
}

static int fail(art_provider_parser *ps, const char *msg)
{
	if (!ps->failed)
		snprintf(ps->err, sizeof ps->err, "%s", msg);
	ps->failed = 1;
	return ART_EFORMAT;
}

static int grow(char **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return ART_OK;
	size_t nc = *cap ? *cap : 256;
	while (nc < need)
		nc *= 2;
	char *np = realloc(*p, nc);
	if (!np)
		return ART_ENOMEM;
	*p = np;
	*cap = nc;
	return ART_OK;
}

static int append_text(art_provider_parser *ps, const char *s, int64_t now_us)
{
	size_t n = strlen(s);
	if (!n)
		return ART_OK;
	if (!ps->ttft_us)
		ps->ttft_us = now_us;
	if (grow(&ps->text, &ps->tcap, ps->tlen + n + 1) != ART_OK)
		return ART_ENOMEM;
	memcpy(ps->text + ps->tlen, s, n + 1);
	ps->tlen += n;
	return ART_OK;
}

static tcall *call_at(art_provider_parser *ps, size_t idx)
{
	if (idx > 1024)
		return NULL;
	if (idx >= ps->ccap) {
		size_t nc = idx + 8;
		tcall *n = realloc(ps->calls, nc * sizeof *n);
		if (!n)
			return NULL;
		memset(n + ps->ccap, 0, (nc - ps->ccap) * sizeof *n);
		ps->calls = n;
		ps->ccap = nc;
	}
	if (idx >= ps->ncalls)
		ps->ncalls = idx + 1;
	return &ps->calls[idx];
}

static void str_append(char **dst, const char *s)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(s);
	char *n = realloc(*dst, a + b + 1);
	if (!n)
		return;
	memcpy(n + a, s, b + 1);
	*dst = n;
}

static void set_finish(art_provider_parser *ps, const cJSON *fr)
{
	if (cJSON_IsString(fr) && *fr->valuestring)
		snprintf(ps->finish, sizeof ps->finish, "%s", fr->valuestring);
}

static void take_openai_usage(art_provider_parser *ps, const cJSON *u)
{
	if (!cJSON_IsObject(u))
		return;
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens");
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
	const cJSON *cached = cJSON_GetObjectItemCaseSensitive(det, "cached_tokens");
	if (cJSON_IsNumber(pt))
		ps->in_tokens = (long long)pt->valuedouble;
	if (cJSON_IsNumber(ct))
		ps->out_tokens = (long long)ct->valuedouble;
	if (cJSON_IsNumber(cached))
		ps->cached_tokens = (long long)cached->valuedouble;
	ps->have_usage = 1;
}

static int error_object(art_provider_parser *ps, const cJSON *o)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (!e)
		return 0;
	const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : e;
	char msg[180];
	snprintf(msg, sizeof msg, "provider error in response: %s", cJSON_IsString(m) ? m->valuestring : "unknown");
	fail(ps, msg);
	return 1;
}

/* One OpenAI object: a chat.completion (non-streaming) or a chat.completion.chunk. */
static int openai_object(art_provider_parser *ps, const cJSON *o, int64_t now_us)
{
	if (!cJSON_IsObject(o))
		return fail(ps, "response is not a JSON object");
	if (error_object(ps, o))
		return ART_EFORMAT;
	take_openai_usage(ps, cJSON_GetObjectItemCaseSensitive(o, "usage"));
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(o, "choices");
	if (!cJSON_IsArray(choices))
		return fail(ps, "response has no choices array");
	const cJSON *ch = cJSON_GetArrayItem(choices, 0);
	if (!ch)
		return ART_OK; /* the usage-only chunk */
	set_finish(ps, cJSON_GetObjectItemCaseSensitive(ch, "finish_reason"));
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(ch, "delta");
	int delta = d != NULL;
	if (!d)
		d = cJSON_GetObjectItemCaseSensitive(ch, "message");
	if (!cJSON_IsObject(d))
		return fail(ps, "choice has no message/delta");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "content");
	if (cJSON_IsString(c) && append_text(ps, c->valuestring, now_us) != ART_OK)
		return ART_ENOMEM;
	const cJSON *tcs = cJSON_GetObjectItemCaseSensitive(d, "tool_calls"), *tc;
	size_t pos = 0;
	cJSON_ArrayForEach(tc, tcs)
	{
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(tc, "index");
		size_t idx = delta && cJSON_IsNumber(ix) && ix->valuedouble >= 0 ? (size_t)ix->valuedouble
		                                                                   : (delta ? 0 : pos);
		pos++;
		tcall *t = call_at(ps, idx);
		if (!t)
			return fail(ps, "tool call index out of range");
		if (!ps->ttft_us)
			ps->ttft_us = now_us;
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(tc, "id");
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(fn, "name");
		const cJSON *ar = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
		if (cJSON_IsString(id) && *id->valuestring) {
			free(t->id);
			t->id = strdup(id->valuestring);
		}
		if (cJSON_IsString(nm))
			str_append(&t->name, nm->valuestring);
		if (cJSON_IsString(ar))
			str_append(&t->args, ar->valuestring);
		else if (cJSON_IsObject(ar)) {
			cJSON_Delete(t->args_obj);
			t->args_obj = cJSON_Duplicate(ar, 1);
		}
	}
	if (!delta)
		ps->done = 1;
	return ART_OK;
}

/* One Ollama /api/chat object. */
static int ollama_object(art_provider_parser *ps, const cJSON *o, int64_t now_us)
{
	if (!cJSON_IsObject(o))
		return fail(ps, "NDJSON line is not a JSON object");
	if (error_object(ps, o))
		return ART_EFORMAT;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "content");
	if (cJSON_IsString(c) && append_text(ps, c->valuestring, now_us) != ART_OK)
		return ART_ENOMEM;
	const cJSON *tc;
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(m, "tool_calls"))
	{
		tcall *t = call_at(ps, ps->ncalls);
		if (!t)
			return fail(ps, "too many tool calls");
		if (!ps->ttft_us)
			ps->ttft_us = now_us;
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(fn, "name");
		const cJSON *ar = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(tc, "id");
		if (cJSON_IsString(id))
			t->id = strdup(id->valuestring);
		t->name = strdup(cJSON_IsString(nm) ? nm->valuestring : "");
		if (cJSON_IsString(ar))
			t->args = strdup(ar->valuestring);
		else
			t->args_obj = ar ? cJSON_Duplicate(ar, 1) : cJSON_CreateObject();
	}
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(o, "done");
	if (cJSON_IsTrue(done)) {
		ps->done = 1;
		set_finish(ps, cJSON_GetObjectItemCaseSensitive(o, "done_reason"));
		const cJSON *pe = cJSON_GetObjectItemCaseSensitive(o, "prompt_eval_count");
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "eval_count");
		if (cJSON_IsNumber(pe))
			ps->in_tokens = (long long)pe->valuedouble;
		if (cJSON_IsNumber(ev))
			ps->out_tokens = (long long)ev->valuedouble;
		ps->have_usage = cJSON_IsNumber(pe) || cJSON_IsNumber(ev);
	}
	return ART_OK;
}

static int line(art_provider_parser *ps, char *s, size_t n, int64_t now_us)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	if (ps->wire == ART_PROV_WIRE_NDJSON) {
		if (!n)
			return ART_OK;
		if (ps->done)
			return fail(ps, "data after the final NDJSON object");
		cJSON *o = cJSON_ParseWithLength(s, n);
		if (!o)
			return fail(ps, "malformed NDJSON line");
		int rc = ollama_object(ps, o, now_us);
		cJSON_Delete(o);
		return rc;
	}
	/* SSE: only data lines matter; comments (":"), event:, id:, retry: and blank lines are
	 * framing */
	if (n < 5 || strncmp(s, "data:", 5)) {
		if (n && s[0] != ':' && strncmp(s, "event:", 6) && strncmp(s, "id:", 3) && strncmp(s, "retry:", 6))
			return fail(ps, "malformed SSE line (not data:, event:, id:, retry: or a comment)");
		return ART_OK;
	}
	s += 5;
	n -= 5;
	while (n && *s == ' ') {
		s++;
		n--;
	}
	if (n == 6 && !memcmp(s, "[DONE]", 6)) {
		ps->done = 1;
		return ART_OK;
	}
	if (ps->done)
		return fail(ps, "SSE data after [DONE]");
	cJSON *o = cJSON_ParseWithLength(s, n);
	if (!o)
		return fail(ps, "malformed SSE data (not JSON)");
	int rc = openai_object(ps, o, now_us);
	if (rc == ART_OK)
		ps->done = 0; /* chunks are not the end; [DONE] is */
	cJSON_Delete(o);
	return rc;
}

int art_provider_parser_feed(art_provider_parser *ps, const char *data, size_t n, int64_t now_us)
{
	if (ps->failed)
		return ART_EFORMAT;
	if (grow(&ps->buf, &ps->cap, ps->len + n + 1) != ART_OK)
		return ART_ENOMEM;
	memcpy(ps->buf + ps->len, data, n);
	ps->len += n;
	ps->buf[ps->len] = 0;
	if (ps->wire == ART_PROV_WIRE_JSON) {
		if (!ps->ttft_us && n)
			ps->ttft_us = now_us;
		return ART_OK;
	}
	size_t start = 0;
	for (size_t i = 0; i < ps->len; i++) {
		if (ps->buf[i] != '\n')
			continue;
		ps->buf[i] = 0;
		int rc = line(ps, ps->buf + start, i - start, now_us);
		start = i + 1;
		if (rc != ART_OK)
			return rc;
	}
	memmove(ps->buf, ps->buf + start, ps->len - start);
	ps->len -= start;
	ps->buf[ps->len] = 0;
	return ART_OK;
}

int art_provider_parser_finish(art_provider_parser *ps, cJSON *out, int64_t *ttft_us,
			       char *err, size_t errsz)
{
	*ttft_us = ps->ttft_us;
	if (!ps->failed && ps->wire == ART_PROV_WIRE_JSON) {
		cJSON *o = cJSON_ParseWithLength(ps->buf ? ps->buf : "", ps->len);
		if (!o)
			fail(ps, ps->len ? "malformed JSON response" : "empty response");
		else
			openai_object(ps, o, ps->ttft_us);
		cJSON_Delete(o);
	} else if (!ps->failed && ps->len) {
		/* a last line without its newline */
		int64_t t = ps->ttft_us;
		char *s = strndup(ps->buf, ps->len);
		if (s)
			line(ps, s, strlen(s), t);
		free(s);
		ps->len = 0;
	}
	if (ps->failed) {
		snprintf(err, errsz, "%s", ps->err);
		return ART_EFORMAT;
	}
	/* output fields: what arrived is written even for a truncated stream */
	cJSON_DeleteItemFromObjectCaseSensitive(out, "text");
	cJSON_AddStringToObject(out, "text", ps->text ? ps->text : "");
	cJSON_DeleteItemFromObjectCaseSensitive(out, "tool_calls");
	if (ps->ncalls) {
		cJSON *arr = cJSON_AddArrayToObject(out, "tool_calls");
		for (size_t i = 0; i < ps->ncalls; i++) {
			tcall *t = &ps->calls[i];
			cJSON *o = cJSON_CreateObject();
			char idb[32];
			snprintf(idb, sizeof idb, "call_%zu", i);
			cJSON_AddStringToObject(o, "id", t->id ? t->id : idb);
			cJSON_AddStringToObject(o, "name", t->name ? t->name : "");
			cJSON *args = NULL;
			if (t->args_obj)
				args = cJSON_Duplicate(t->args_obj, 1);
			else if (!t->args || !*t->args)
				args = cJSON_CreateObject();
			else if (!(args = cJSON_Parse(t->args)) && ps->done) {
				cJSON_Delete(o);
				snprintf(err, errsz, "tool call %s: arguments are not valid JSON", t->name ? t->name : "");
				return ART_EFORMAT;
			}
			if (args)
				cJSON_AddItemToObject(o, "arguments", args);
			cJSON_AddItemToArray(arr, o);
		}
	}
	const char *fr = ps->finish[0] ? ps->finish : NULL;
	if (fr && !strcmp(fr, "function_call"))
		fr = "tool_calls";
	if (ps->ncalls && (!fr || !strcmp(fr, "stop")))
		fr = "tool_calls";
	if (fr && strcmp(fr, "stop") && strcmp(fr, "length") && strcmp(fr, "tool_calls") && strcmp(fr, "content_filter"))
		fr = "stop";
	cJSON_DeleteItemFromObjectCaseSensitive(out, "finish_reason");
	if (fr)
		cJSON_AddStringToObject(out, "finish_reason", fr);
	if (ps->have_usage) {
		cJSON_DeleteItemFromObjectCaseSensitive(out, "usage");
		cJSON *u = cJSON_AddObjectToObject(out, "usage");
		cJSON_AddNumberToObject(u, "input_tokens", (double)(ps->in_tokens > 0 ? ps->in_tokens : 0));
		cJSON_AddNumberToObject(u, "output_tokens", (double)(ps->out_tokens > 0 ? ps->out_tokens : 0));
		cJSON_AddNumberToObject(u, "cached_tokens", (double)(ps->cached_tokens > 0 ? ps->cached_tokens : 0));
	}
	if (!ps->done) {
		snprintf(err, errsz, "%s", ps->wire == ART_PROV_WIRE_SSE ? "SSE stream ended before [DONE]"
					   : "NDJSON stream ended before done: true");
		return ART_ENOENT;
	}
	return ART_OK;
}

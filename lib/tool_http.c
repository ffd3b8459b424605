/* tool_http.c — HTTP tools with libcurl, and OpenAPI 3 import (see tool_http.h). */
#include "tool_http.h"
#include "err.h"
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void art_tool_outcome_clear(art_tool_outcome *o)
{
	cJSON_Delete(o->content);
	cJSON_Delete(o->details);
	memset(o, 0, sizeof *o);
}

void art_tool_outcome_fail(art_tool_outcome *o, const char *code, int transient, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof o->msg, fmt, ap);
	va_end(ap);
	o->code = code;
	o->transient = transient;
	cJSON_Delete(o->content);
	o->content = NULL;
}

typedef struct {
	char *b;
	size_t len, cap, max;
	int over;
} sbuf;

static int sb_add(sbuf *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t nc = s->cap ? s->cap : 1024;
		while (s->len + n + 1 > nc)
			nc *= 2;
		char *nb = realloc(s->b, nc);
		if (!nb)
			return -1;
		s->b = nb;
		s->cap = nc;
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
	s->b[s->len] = 0;
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
	sbuf *s = ud;
	size_t len = size * n;
	if (s->len + len > s->max) {
		s->over = 1;
		return 0;
	}
	return sb_add(s, p, len) ? 0 : len;
}

/* The text of an argument for a URL: strings as they are, others as JSON. */
static char *arg_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}

static int name_in(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
		return 1;
	return 0;
}

void art_tool_http_call(const art_tool *t, const cJSON *args, long long timeout_ms,
			art_tool_outcome *o)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(t->entry, "http");
	const char *tmpl = cJSON_GetObjectItemCaseSensitive(h, "url")->valuestring;
	const cJSON *jm = cJSON_GetObjectItemCaseSensitive(h, "method");
	const char *method = cJSON_IsString(jm) ? jm->valuestring : "GET";
	const cJSON *query = cJSON_GetObjectItemCaseSensitive(h, "query");
	const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(h, "headers");
	const cJSON *body_def = cJSON_GetObjectItemCaseSensitive(h, "body");
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	sbuf url = {0}, resp = {.max = (size_t)t->max_output};
	cJSON *used = cJSON_CreateArray(), *body = NULL;
	char *body_txt = NULL;
	if (!c || !used) {
		art_tool_outcome_fail(o, ART_TOOL_E_HTTP, 0, "out of memory");
		goto done;
	}
	/* headers first: a missing credential stops the call before any request */
	const cJSON *hv;
	cJSON_ArrayForEach(hv, hdrs)
	{
		char line[4096];
		if (cJSON_IsString(hv)) {
			snprintf(line, sizeof line, "%s: %s", hv->string, hv->valuestring);
		} else {
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(hv, "env");
			const cJSON *pre = cJSON_GetObjectItemCaseSensitive(hv, "prefix");
			const char *val = cJSON_IsString(ev) ? getenv(ev->valuestring) : NULL;
			if (!val || !*val) {
				art_tool_outcome_fail(o, ART_TOOL_E_CREDENTIAL, 0,
						      "credential variable %s for header %s is not set",
						      cJSON_IsString(ev) ? ev->valuestring : "(none)", hv->string);
				goto done;
			}
			snprintf(line, sizeof line, "%s: %s%s", hv->string,
				 cJSON_IsString(pre) ? pre->valuestring : "", val);
		}
		hl = curl_slist_append(hl, line);
	}
	/* URL template */
	for (const char *p = tmpl; *p;) {
		const char *ob = strchr(p, '{'), *cb = ob ? strchr(ob, '}') : NULL;
		if (!ob || !cb) {
			sb_add(&url, p, strlen(p));
			break;
		}
		sb_add(&url, p, (size_t)(ob - p));
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(cb - ob - 1), ob + 1);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
		if (!v) {
			art_tool_outcome_fail(o, ART_TOOL_E_ARGS, 0, "URL parameter %s missing from the arguments", name);
			goto done;
		}
		char *txt = arg_text(v);
		char *enc = txt ? curl_easy_escape(c, txt, 0) : NULL;
		if (enc)
			sb_add(&url, enc, strlen(enc));
		curl_free(enc);
		free(txt);
		cJSON_AddItemToArray(used, cJSON_CreateString(name));
		p = cb + 1;
	}
	int first = !strchr(url.b ? url.b : "", '?');
	const cJSON *q;
	cJSON_ArrayForEach(q, query)
	{
		if (!cJSON_IsString(q))
			continue;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, q->valuestring);
		cJSON_AddItemToArray(used, cJSON_CreateString(q->valuestring));
		if (!v)
			continue;
		char *txt = arg_text(v);
		char *ek = curl_easy_escape(c, q->valuestring, 0), *ev = txt ? curl_easy_escape(c, txt, 0) : NULL;
		sb_add(&url, first ? "?" : "&", 1);
		first = 0;
		if (ek)
			sb_add(&url, ek, strlen(ek));
		sb_add(&url, "=", 1);
		if (ev)
			sb_add(&url, ev, strlen(ev));
		curl_free(ek);
		curl_free(ev);
		free(txt);
	}
	/* body */
	int wants_body = strcmp(method, "GET") && strcmp(method, "DELETE");
	if (cJSON_IsString(body_def) && !strcmp(body_def->valuestring, "none"))
		wants_body = 0;
	if (wants_body) {
		const cJSON *arg = cJSON_GetObjectItemCaseSensitive(body_def, "arg");
		if (cJSON_IsString(arg)) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, arg->valuestring);
			body = v ? cJSON_Duplicate(v, 1) : NULL;
		} else {
			body = cJSON_CreateObject();
			const cJSON *a;
			cJSON_ArrayForEach(a, args) if (!name_in(used, a->string))
				cJSON_AddItemToObject(body, a->string, cJSON_Duplicate(a, 1));
		}
		if (body) {
			body_txt = cJSON_PrintUnformatted(body);
			hl = curl_slist_append(hl, "Content-Type: application/json");
		}
	}
	hl = curl_slist_append(hl, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url.b ? url.b : "");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	if (body_txt) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_txt);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body_txt));
	}
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (resp.over) {
		art_tool_outcome_fail(o, ART_TOOL_E_TOO_LARGE, 0, "response larger than %lld bytes", t->max_output);
		goto done;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		art_tool_outcome_fail(o, ART_TOOL_E_TIMEOUT, 1, "no answer within %lld ms", timeout_ms);
		goto done;
	}
	if (cc != CURLE_OK) {
		art_tool_outcome_fail(o, ART_TOOL_E_HTTP, 1, "request failed: %s", curl_easy_strerror(cc));
		goto done;
	}
	if (status < 200 || status > 299) {
		o->details = cJSON_CreateObject();
		cJSON_AddNumberToObject(o->details, "http_status", (double)status);
		if (resp.b)
			cJSON_AddStringToObject(o->details, "body_tail",
						resp.len > 512 ? resp.b + resp.len - 512 : resp.b);
		art_tool_outcome_fail(o, ART_TOOL_E_HTTP, status >= 500 || status == 429,
				      "HTTP status %ld", status);
		goto done;
	}
	if (!resp.len) {
		o->content = cJSON_CreateNull();
	} else if (!(o->content = cJSON_ParseWithLength(resp.b, resp.len))) {
		art_tool_outcome_fail(o, ART_TOOL_E_OUTPUT, 0, "response is not JSON");
	}
done:
	curl_slist_free_all(hl);
	if (c)
		curl_easy_cleanup(c);
	free(url.b);
	free(resp.b);
	free(body_txt);
	cJSON_Delete(body);
	cJSON_Delete(used);
}

/* ---------------- OpenAPI import ---------------- */

/* Copies a schema, rewriting #/components/schemas/X refs to #/$defs/X and OpenAPI 3.0
 * "nullable: true" into a type that admits null. */
static cJSON *oa_schema(const cJSON *s)
{
	if (cJSON_IsArray(s)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *it;
		cJSON_ArrayForEach(it, s) cJSON_AddItemToArray(a, oa_schema(it));
		return a;
	}
	if (!cJSON_IsObject(s))
		return cJSON_Duplicate(s, 1);
	cJSON *o = cJSON_CreateObject();
	const cJSON *nullable = cJSON_GetObjectItemCaseSensitive(s, "nullable");
	const cJSON *it;
	cJSON_ArrayForEach(it, s)
	{
		if (!strcmp(it->string, "nullable") || !strcmp(it->string, "example") ||
		    !strcmp(it->string, "xml") || !strcmp(it->string, "externalDocs"))
			continue;
		if (!strcmp(it->string, "$ref") && cJSON_IsString(it) &&
		    !strncmp(it->valuestring, "#/components/schemas/", 21)) {
			char ref[1024];
			snprintf(ref, sizeof ref, "#/$defs/%s", it->valuestring + 21);
			cJSON_AddStringToObject(o, "$ref", ref);
		} else if (!strcmp(it->string, "type") && cJSON_IsTrue(nullable) && cJSON_IsString(it)) {
			cJSON *ty = cJSON_CreateArray();
			cJSON_AddItemToArray(ty, cJSON_CreateString(it->valuestring));
			cJSON_AddItemToArray(ty, cJSON_CreateString("null"));
			cJSON_AddItemToObject(o, "type", ty);
		} else if (!strcmp(it->string, "properties") || !strcmp(it->string, "$defs") ||
			   !strcmp(it->string, "patternProperties")) {
			cJSON *m = cJSON_CreateObject();
			const cJSON *p;
			cJSON_ArrayForEach(p, it) cJSON_AddItemToObject(m, p->string, oa_schema(p));
			cJSON_AddItemToObject(o, it->string, m);
		} else {
			cJSON_AddItemToObject(o, it->string, oa_schema(it));
		}
	}
	return o;
}

static const cJSON *oa_deref(const cJSON *spec, const cJSON *v)
{
	for (int depth = 0; depth < 16 && v; depth++) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "$ref");
		if (!cJSON_IsString(r))
			return v;
		if (strncmp(r->valuestring, "#/", 2))
			return NULL;
		v = art_tool_pointer(spec, r->valuestring + 1);
	}
	return NULL;
}

static const cJSON *json_schema_of(const cJSON *spec, const cJSON *content_holder)
{
	const cJSON *h = oa_deref(spec, content_holder);
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(h, "content");
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(content, "application/json");
	return cJSON_GetObjectItemCaseSensitive(mt, "schema");
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			*s = '_';
}

static void add_params(const cJSON *spec, const cJSON *params, cJSON *props, cJSON *req,
		       cJSON *query, const char *name, char *err, size_t errsz, int *bad)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, params)
	{
		const cJSON *pp = oa_deref(spec, p);
		const cJSON *pn = cJSON_GetObjectItemCaseSensitive(pp, "name");
		const cJSON *in = cJSON_GetObjectItemCaseSensitive(pp, "in");
		if (!cJSON_IsString(pn) || !cJSON_IsString(in)) {
			snprintf(err, errsz, "operation %s: a parameter without name or in", name);
			*bad = 1;
			return;
		}
		if (strcmp(in->valuestring, "path") && strcmp(in->valuestring, "query"))
			continue; /* header and cookie parameters are not offered to models */
		const cJSON *sch = cJSON_GetObjectItemCaseSensitive(pp, "schema");
		cJSON *s = sch ? oa_schema(sch) : cJSON_CreateObject();
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(pp, "description");
		if (cJSON_IsString(d) && !cJSON_GetObjectItemCaseSensitive(s, "description"))
			cJSON_AddStringToObject(s, "description", d->valuestring);
		cJSON_DeleteItemFromObjectCaseSensitive(props, pn->valuestring);
		cJSON_AddItemToObject(props, pn->valuestring, s);
		if ((!strcmp(in->valuestring, "path") ||
		     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pp, "required"))) &&
		    !name_in(req, pn->valuestring))
			cJSON_AddItemToArray(req, cJSON_CreateString(pn->valuestring));
		if (!strcmp(in->valuestring, "query") && !name_in(query, pn->valuestring))
			cJSON_AddItemToArray(query, cJSON_CreateString(pn->valuestring));
	}
}

int art_tool_openapi_import(const cJSON *spec, const art_tool_openapi_opts *o, cJSON **out,
			    char *err, size_t errsz)
{
	static const char *const methods[] = {"get", "post", "put", "patch", "delete", NULL};
	static const char *const default_scope[] = {"tools:http"};
	*out = NULL;
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(spec, "openapi");
	if (!cJSON_IsString(ver) || strncmp(ver->valuestring, "3.", 2)) {
		snprintf(err, errsz, "not an OpenAPI 3 document (no \"openapi\": \"3.x\")");
		return ART_EINVAL;
	}
	const char *base = o->base_url;
	if (!base) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(spec, "servers"), 0), "url");
		base = cJSON_IsString(u) ? u->valuestring : NULL;
	}
	if (!base) {
		snprintf(err, errsz, "the spec has no servers[0].url; give a base URL");
		return ART_EINVAL;
	}
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	const char *const *scopes = o->scopes ? o->scopes : default_scope;
	size_t nscopes = o->scopes ? o->nscopes : 1;
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(spec, "components"), "schemas");
	cJSON *doc = cJSON_CreateObject(), *tools = cJSON_AddArrayToObject(doc, "tools");
	const cJSON *path;
	int bad = 0;
	cJSON_ArrayForEach(path, cJSON_GetObjectItemCaseSensitive(spec, "paths"))
	{
		for (int mi = 0; methods[mi] && !bad; mi++) {
			const cJSON *op = cJSON_GetObjectItemCaseSensitive(path, methods[mi]);
			if (!cJSON_IsObject(op))
				continue;
			char name[128], upper[8];
			const cJSON *oid = cJSON_GetObjectItemCaseSensitive(op, "operationId");
			if (cJSON_IsString(oid))
				snprintf(name, sizeof name, "%s%s", o->prefix ? o->prefix : "", oid->valuestring);
			else
				snprintf(name, sizeof name, "%s%s%s", o->prefix ? o->prefix : "", methods[mi], path->string);
			sanitize(name);
			name[64] = 0;
			size_t ml = strlen(methods[mi]);
			for (size_t i = 0; i <= ml; i++) /* the NUL too */
				upper[i] = (char)(methods[mi][i] >= 'a' && methods[mi][i] <= 'z' ? methods[mi][i] - 32 : methods[mi][i]);
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "name", name);
			const cJSON *sum = cJSON_GetObjectItemCaseSensitive(op, "summary");
			const cJSON *desc = cJSON_GetObjectItemCaseSensitive(op, "description");
			cJSON_AddStringToObject(t, "description", cJSON_IsString(sum) ? sum->valuestring
							      : cJSON_IsString(desc) ? desc->valuestring : name);
			cJSON_AddStringToObject(t, "kind", "http");
			cJSON *in = cJSON_AddObjectToObject(t, "input_schema");
			cJSON_AddStringToObject(in, "type", "object");
			cJSON *props = cJSON_AddObjectToObject(in, "properties");
			cJSON *req = cJSON_AddArrayToObject(in, "required");
			cJSON *query = cJSON_CreateArray();
			add_params(spec, cJSON_GetObjectItemCaseSensitive(path, "parameters"), props, req, query,
				   name, err, errsz, &bad);
			add_params(spec, cJSON_GetObjectItemCaseSensitive(op, "parameters"), props, req, query,
				   name, err, errsz, &bad);
			const cJSON *rb = cJSON_GetObjectItemCaseSensitive(op, "requestBody");
			const cJSON *bs = rb ? json_schema_of(spec, rb) : NULL;
			if (bs) {
				cJSON_AddItemToObject(props, "body", oa_schema(bs));
				if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(oa_deref(spec, rb), "required")))
					cJSON_AddItemToArray(req, cJSON_CreateString("body"));
			}
			cJSON_AddBoolToObject(in, "additionalProperties", 0);
			if (defs)
				cJSON_AddItemToObject(in, "$defs", oa_schema(defs));
			/* output: the first 2xx answer with a JSON schema */
			const cJSON *r;
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(op, "responses"))
			{
				if (r->string[0] != '2')
					continue;
				const cJSON *os = json_schema_of(spec, r);
				if (os) {
					cJSON *osc = oa_schema(os);
					if (defs)
						cJSON_AddItemToObject(osc, "$defs", oa_schema(defs));
					cJSON_AddItemToObject(t, "output_schema", osc);
					break;
				}
			}
			cJSON *sc = cJSON_AddArrayToObject(t, "scopes");
			for (size_t i = 0; i < nscopes; i++)
				cJSON_AddItemToArray(sc, cJSON_CreateString(scopes[i]));
			int safe = !strcmp(upper, "GET");
			cJSON_AddStringToObject(t, "risk", safe ? "low" : "medium");
			cJSON_AddBoolToObject(t, "idempotent", safe || !strcmp(upper, "PUT") || !strcmp(upper, "DELETE"));
			cJSON *h = cJSON_AddObjectToObject(t, "http");
			cJSON_AddStringToObject(h, "method", upper);
			char url[4096];
			snprintf(url, sizeof url, "%.*s%s", (int)blen, base, path->string);
			cJSON_AddStringToObject(h, "url", url);
			if (cJSON_GetArraySize(query))
				cJSON_AddItemToObject(h, "query", query);
			else
				cJSON_Delete(query);
			if (bs) {
				cJSON *b = cJSON_AddObjectToObject(h, "body");
				cJSON_AddStringToObject(b, "arg", "body");
			} else if (!safe) {
				cJSON_AddStringToObject(h, "body", "none");
			}
			cJSON_AddItemToArray(tools, t);
		}
	}
	if (bad) {
		cJSON_Delete(doc);
		return ART_EINVAL;
	}
	*out = doc;
	return ART_OK;
}

/* tool_reg.c — the tool registry: load, check, compile schemas, list for an actor;
 * canonical JSON and idempotency keys (see tool.h). */
#include "tool.h"
#include "err.h"
#include "file.h"
#include "schema.h"
#include "sha256.h"
#include "tool_proc.h"
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const risk_names[] = {"low", "medium", "high", "critical"};

int art_tool_risk_parse(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, risk_names[i]))
			return i;
	return -1;
}

const char *art_tool_risk_name(enum art_tool_risk r)
{
	return (unsigned)r < 4 ? risk_names[r] : "unknown";
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#define FAIL(code, ...)                                                                     \
	do {                                                                                 \
		snprintf(err, errsz, __VA_ARGS__);                                           \
		return code;                                                                 \
	} while (0)

/* An array of strings into a NULL-terminated array of borrowed pointers. */
static int str_array(const cJSON *a, const char ***out, size_t *n, const char *what,
		     const char *tool, char *err, size_t errsz)
{
	*out = NULL;
	*n = 0;
	if (!a)
		return ART_OK;
	if (!cJSON_IsArray(a))
		FAIL(ART_EINVAL, "tool %s: %s must be an array of strings", tool, what);
	size_t k = (size_t)cJSON_GetArraySize(a);
	const char **v = calloc(k + 1, sizeof *v);
	if (!v)
		return ART_ENOMEM;
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it) || !*it->valuestring) {
			free(v);
			FAIL(ART_EINVAL, "tool %s: %s must hold non-empty strings", tool, what);
		}
		v[i++] = it->valuestring;
	}
	*out = v;
	*n = k;
	return ART_OK;
}

static int int_field(const cJSON *o, const char *k, long long min, long long max, long long def,
		     long long *out, const char *tool, char *err, size_t errsz)
{
	const cJSON *v = get(o, k);
	if (!v) {
		*out = def;
		return ART_OK;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max)
		FAIL(ART_EINVAL, "tool %s: %s must be an integer in [%lld, %lld]", tool, k, min, max);
	*out = (long long)v->valuedouble;
	return ART_OK;
}

static int limit_field(const cJSON *rl, const char *k, art_tool_limit *l, const char *tool,
		       char *err, size_t errsz)
{
	const cJSON *o = get(rl, k);
	l->max = 0;
	l->window_ms = 0;
	if (!o)
		return ART_OK;
	if (!cJSON_IsObject(o))
		FAIL(ART_EINVAL, "tool %s: rate_limit.%s must be an object {max, window_s}", tool, k);
	long long w;
	int rc = int_field(o, "max", 1, 1000000000, -1, &l->max, tool, err, errsz);
	if (rc == ART_OK)
		rc = int_field(o, "window_s", 1, 86400 * 366, 60, &w, tool, err, errsz);
	if (rc == ART_OK && l->max < 0)
		FAIL(ART_EINVAL, "tool %s: rate_limit.%s.max is required", tool, k);
	l->window_ms = w * 1000;
	return rc;
}

static int compile(const cJSON *s, void **out, const char *tool, const char *what, char *err,
		   size_t errsz)
{
	char e[256];
	art_schema *cs = NULL;
	int rc = art_schema_compile(&cs, s, NULL, NULL, 0, e, sizeof e);
	if (rc != ART_OK)
		FAIL(ART_EINVAL, "tool %s: %s: %s", tool, what, e);
	*out = cs;
	return ART_OK;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int load_tool(art_tool_registry *reg, art_tool *t, const cJSON *e, char *err, size_t errsz)
{
	int rc;
	if (!cJSON_IsObject(e))
		FAIL(ART_EINVAL, "tools[]: every entry must be an object");
	t->entry = e;
	t->name = get_str(e, "name");
	if (!t->name || !valid_name(t->name))
		FAIL(ART_EINVAL, "tools[]: name must match ^[A-Za-z0-9_-]{1,64}$ (got %s)",
		     t->name ? t->name : "none");
	const char *nm = t->name;
	t->description = get_str(e, "description");
	if (!t->description)
		t->description = "";
	const char *kind = get_str(e, "kind");
	if (kind && !strcmp(kind, "exec"))
		t->kind = ART_TOOL_EXEC;
	else if (kind && !strcmp(kind, "http"))
		t->kind = ART_TOOL_HTTP;
	else if (kind && !strcmp(kind, "mcp"))
		t->kind = ART_TOOL_MCP;
	else
		FAIL(ART_EINVAL, "tool %s: kind must be exec, http or mcp", nm);
	t->input_schema = get(e, "input_schema");
	if (!cJSON_IsObject(t->input_schema))
		FAIL(ART_EINVAL, "tool %s: input_schema (an object schema) is required", nm);
	if ((rc = compile(t->input_schema, &t->in_schema, nm, "input_schema", err, errsz)))
		return rc;
	t->output_schema = get(e, "output_schema");
	if (t->output_schema && (rc = compile(t->output_schema, &t->out_schema, nm, "output_schema", err, errsz)))
		return rc;
	/* scopes must be stated, even when empty: no tool is open by omission */
	const cJSON *sc = get(e, "scopes");
	if (!cJSON_IsArray(sc))
		FAIL(ART_EINVAL, "tool %s: scopes (an array, [] for none) is required", nm);
	if ((rc = str_array(sc, &t->scopes, &t->nscopes, "scopes", nm, err, errsz)))
		return rc;
	const cJSON *tn = get(e, "tenants");
	t->has_tenants = tn != NULL;
	if ((rc = str_array(tn, &t->tenants, &t->ntenants, "tenants", nm, err, errsz)))
		return rc;
	const char *risk = get_str(e, "risk");
	int r = risk ? art_tool_risk_parse(risk) : ART_TOOL_RISK_MEDIUM;
	if (r < 0 || (get(e, "risk") && !risk))
		FAIL(ART_EINVAL, "tool %s: risk must be low, medium, high or critical", nm);
	t->risk = (enum art_tool_risk)r;
	const cJSON *ap = get(e, "approval");
	if (!ap || (cJSON_IsString(ap) && !strcmp(ap->valuestring, "never"))) {
		t->approval = ART_TOOL_APPROVAL_NEVER;
	} else if (cJSON_IsString(ap) && !strcmp(ap->valuestring, "always")) {
		t->approval = ART_TOOL_APPROVAL_ALWAYS;
	} else if (cJSON_IsObject(ap)) {
		t->approval = ART_TOOL_APPROVAL_RULE;
		const char *ar = get_str(ap, "above_risk");
		if (ar) {
			int x = art_tool_risk_parse(ar);
			if (x < 0)
				FAIL(ART_EINVAL, "tool %s: approval.above_risk must be a risk level", nm);
			t->approval_has_risk = 1;
			t->approval_risk = (enum art_tool_risk)x;
		}
		const cJSON *am = get(ap, "amount");
		if (am) {
			const cJSON *ab = get(am, "above");
			t->amount_pointer = get_str(am, "pointer");
			if (!t->amount_pointer || (*t->amount_pointer && *t->amount_pointer != '/') ||
			    !cJSON_IsNumber(ab))
				FAIL(ART_EINVAL, "tool %s: approval.amount must be {pointer: \"/json/pointer\", above: number}", nm);
			t->amount_above = ab->valuedouble;
		}
		if (!ar && !am)
			FAIL(ART_EINVAL, "tool %s: an approval object needs above_risk or amount", nm);
	} else {
		FAIL(ART_EINVAL, "tool %s: approval must be \"never\", \"always\" or {above_risk, amount}", nm);
	}
	if ((rc = int_field(e, "timeout_ms", 1, 3600000, 10000, &t->timeout_ms, nm, err, errsz)))
		return rc;
	const cJSON *re = get(e, "retry");
	long long rmax = 0;
	if (re && (rc = int_field(re, "max", 0, 10, 0, &rmax, nm, err, errsz)))
		return rc;
	if (re && (rc = int_field(re, "backoff_ms", 0, 60000, 100, &t->retry_backoff_ms, nm, err, errsz)))
		return rc;
	t->retry_max = (int)rmax;
	const cJSON *idem = get(e, "idempotent");
	if (idem && !cJSON_IsBool(idem))
		FAIL(ART_EINVAL, "tool %s: idempotent must be true or false", nm);
	t->idempotent = cJSON_IsTrue(idem);
	const cJSON *rl = get(e, "rate_limit");
	if (rl && !cJSON_IsObject(rl))
		FAIL(ART_EINVAL, "tool %s: rate_limit must be an object", nm);
	if ((rc = limit_field(rl, "per_actor", &t->per_actor, nm, err, errsz)) ||
	    (rc = limit_field(rl, "per_tenant", &t->per_tenant, nm, err, errsz)))
		return rc;

	if (t->kind == ART_TOOL_EXEC) {
		const cJSON *x = get(e, "exec");
		if (!cJSON_IsObject(x))
			FAIL(ART_EINVAL, "tool %s: kind exec needs an exec object", nm);
		size_t na;
		if ((rc = str_array(get(x, "argv"), &t->argv, &na, "exec.argv", nm, err, errsz)))
			return rc;
		if (!na)
			FAIL(ART_EINVAL, "tool %s: exec.argv must name a program", nm);
		if ((rc = str_array(get(x, "env"), &t->env_names, &t->nenv, "exec.env", nm, err, errsz)))
			return rc;
		t->env_set = get(x, "set_env");
		if (t->env_set && !cJSON_IsObject(t->env_set))
			FAIL(ART_EINVAL, "tool %s: exec.set_env must be an object of strings", nm);
		t->cwd = get_str(x, "cwd");
		if ((rc = int_field(x, "max_output_bytes", 1, 1LL << 30, 1 << 20, &t->max_output, nm, err, errsz)))
			return rc;
		/* argv[0] is resolved now, in the clean environment the tool will get */
		char **envp = art_tool_proc_env(t->env_names, t->nenv, t->env_set);
		char path[PATH_MAX];
		if (!envp)
			return ART_ENOMEM;
		rc = art_tool_proc_resolve(t->argv[0], reg->dir, art_tool_proc_env_get(envp, "PATH"),
					   path, sizeof path);
		art_tool_proc_env_free(envp);
		if (rc != ART_OK)
			FAIL(ART_ENOENT, "tool %s: exec.argv[0] %s: no such executable (relative paths are "
			     "resolved against the registry's directory, bare names in the tool's PATH)", nm, t->argv[0]);
		cJSON *p = cJSON_CreateString(path);
		cJSON_AddItemToObject((cJSON *)x, "resolved", p); /* the private copy: ours to edit */
		t->argv[0] = p->valuestring;
	} else if (t->kind == ART_TOOL_HTTP) {
		const cJSON *h = get(e, "http");
		if (!cJSON_IsObject(h) || !get_str(h, "url"))
			FAIL(ART_EINVAL, "tool %s: kind http needs http.url", nm);
		const char *m = get_str(h, "method");
		if (m && strcmp(m, "GET") && strcmp(m, "POST") && strcmp(m, "PUT") && strcmp(m, "PATCH") &&
		    strcmp(m, "DELETE"))
			FAIL(ART_EINVAL, "tool %s: http.method must be GET, POST, PUT, PATCH or DELETE", nm);
		if ((rc = int_field(h, "max_response_bytes", 1, 1LL << 30, 1 << 20, &t->max_output, nm, err, errsz)))
			return rc;
	} else {
		const cJSON *m = get(e, "mcp");
		t->server = get_str(m, "server");
		if (!t->server)
			FAIL(ART_EINVAL, "tool %s: kind mcp needs mcp.server", nm);
		const cJSON *sv = get(reg->servers, t->server);
		if (!cJSON_IsObject(sv))
			FAIL(ART_EINVAL, "tool %s: mcp.server %s is not in servers", nm, t->server);
		t->remote = get_str(m, "tool");
		if (!t->remote)
			t->remote = t->name;
	}
	return ART_OK;
}

static int check_servers(const cJSON *servers, char *err, size_t errsz)
{
	const cJSON *s;
	if (servers && !cJSON_IsObject(servers))
		FAIL(ART_EINVAL, "servers must be an object of MCP server definitions");
	cJSON_ArrayForEach(s, servers)
	{
		const char *tr = get_str(s, "transport");
		if (!tr || (strcmp(tr, "stdio") && strcmp(tr, "http")))
			FAIL(ART_EINVAL, "server %s: transport must be stdio or http", s->string);
		if (!strcmp(tr, "stdio")) {
			const cJSON *c = get(s, "command");
			if (!cJSON_IsArray(c) || !cJSON_IsString(cJSON_GetArrayItem(c, 0)))
				FAIL(ART_EINVAL, "server %s: stdio needs command (an argv array)", s->string);
		} else if (!get_str(s, "url")) {
			FAIL(ART_EINVAL, "server %s: http needs url", s->string);
		}
	}
	return ART_OK;
}

int art_tool_registry_from_json(art_tool_registry **out, const cJSON *doc, const char *dir,
				char *err, size_t errsz)
{
	*out = NULL;
	if (!cJSON_IsObject(doc))
		FAIL(ART_EFORMAT, "a registry is a JSON object {servers, tools}");
	art_tool_registry *reg = calloc(1, sizeof *reg);
	if (!reg)
		return ART_ENOMEM;
	reg->doc = cJSON_Duplicate(doc, 1);
	reg->dir = strdup(dir ? dir : ".");
	if (!reg->doc || !reg->dir) {
		art_tool_registry_free(reg);
		return ART_ENOMEM;
	}
	reg->servers = get(reg->doc, "servers");
	int rc = check_servers(reg->servers, err, errsz);
	const cJSON *tools = get(reg->doc, "tools");
	if (rc == ART_OK && !cJSON_IsArray(tools)) {
		snprintf(err, errsz, "registry: tools (an array) is required");
		rc = ART_EINVAL;
	}
	if (rc == ART_OK) {
		size_t n = (size_t)cJSON_GetArraySize(tools);
		reg->tools = calloc(n ? n : 1, sizeof *reg->tools);
		if (!reg->tools)
			rc = ART_ENOMEM;
		const cJSON *e;
		cJSON_ArrayForEach(e, tools)
		{
			if (rc != ART_OK)
				break;
			art_tool *t = &reg->tools[reg->ntools++];
			rc = load_tool(reg, t, e, err, errsz);
			if (rc == ART_OK) {
				for (size_t j = 0; j + 1 < reg->ntools; j++)
					if (!strcmp(reg->tools[j].name, t->name)) {
						snprintf(err, errsz, "tool %s: defined twice", t->name);
						rc = ART_EINVAL;
					}
			}
		}
	}
	if (rc != ART_OK) {
		art_tool_registry_free(reg);
		return rc;
	}
	*out = reg;
	return ART_OK;
}

int art_tool_registry_load(art_tool_registry **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	int frc = art_file_read(path, &buf, &len, err, errsz);
	if (frc != ART_OK)
		return frc == ART_ENOENT ? ART_EIO : frc;
	cJSON *doc = buf ? cJSON_ParseWithLength(buf, len) : NULL;
	free(buf);
	if (!doc)
		FAIL(ART_EFORMAT, "%s: not JSON", path);
	char abs[PATH_MAX], tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	const char *d = dirname(tmp);
	if (!realpath(d, abs))
		snprintf(abs, sizeof abs, "%s", d);
	char e2[512];
	int rc = art_tool_registry_from_json(out, doc, abs, e2, sizeof e2);
	cJSON_Delete(doc);
	if (rc != ART_OK)
		snprintf(err, errsz, "%s: %s", path, e2);
	return rc;
}

void art_tool_registry_free(art_tool_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->ntools; i++) {
		art_tool *t = &reg->tools[i];
		art_schema_free(t->in_schema);
		art_schema_free(t->out_schema);
		free(t->scopes);
		free(t->tenants);
		free(t->argv);
		free(t->env_names);
	}
	free(reg->tools);
	cJSON_Delete(reg->doc);
	free(reg->dir);
	free(reg);
}

const art_tool *art_tool_find(const art_tool_registry *reg, const char *name)
{
	for (size_t i = 0; name && i < reg->ntools; i++)
		if (!strcmp(reg->tools[i].name, name))
			return &reg->tools[i];
	return NULL;
}

static int has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	if (cJSON_IsString(it) && !strcmp(it->valuestring, s))
		return 1;
	return 0;
}

cJSON *art_tool_env_scopes(const cJSON *env)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *actor = get(env, "actor");
	const cJSON *granted = get(get(env, "authority"), "granted");
	const cJSON *it;
	cJSON_ArrayForEach(it, get(actor, "scopes"))
	{
		if (!cJSON_IsString(it))
			continue;
		if (granted && !has_string(granted, it->valuestring))
			continue;
		cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
	}
	return out;
}

int art_tool_allowed(const art_tool *t, const cJSON *env, const cJSON *scopes,
		     const char **why_code, char *why, size_t whysz)
{
	if (t->has_tenants) {
		const char *tenant = get_str(env, "tenant");
		int ok = 0;
		for (size_t i = 0; tenant && i < t->ntenants; i++)
			ok |= !strcmp(t->tenants[i], tenant);
		if (!ok) {
			*why_code = ART_TOOL_E_TENANT;
			snprintf(why, whysz, "tenant %s may not use tool %s", tenant ? tenant : "(none)", t->name);
			return 0;
		}
	}
	for (size_t i = 0; i < t->nscopes; i++) {
		if (!has_string(scopes, t->scopes[i])) {
			*why_code = ART_TOOL_E_SCOPE;
			snprintf(why, whysz, "tool %s needs scope %s, which the actor does not hold", t->name,
				 t->scopes[i]);
			return 0;
		}
	}
	return 1;
}

cJSON *art_tool_definition(const art_tool *t)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "type", "function");
	cJSON_AddStringToObject(d, "name", t->name);
	cJSON_AddStringToObject(d, "description", t->description);
	cJSON_AddItemToObject(d, "parameters", cJSON_Duplicate(t->input_schema, 1));
	return d;
}

cJSON *art_tool_list_for(const art_tool_registry *reg, const cJSON *env)
{
	cJSON *out = cJSON_CreateArray(), *scopes = art_tool_env_scopes(env);
	for (size_t i = 0; i < reg->ntools; i++) {
		const char *code;
		char why[256];
		if (art_tool_allowed(&reg->tools[i], env, scopes, &code, why, sizeof why))
			cJSON_AddItemToArray(out, art_tool_definition(&reg->tools[i]));
	}
	cJSON_Delete(scopes);
	return out;
}

/* ---- canonical JSON ---- */
static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static cJSON *canon_copy(const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
		const cJSON **kids = malloc((n ? n : 1) * sizeof *kids);
		cJSON *o = cJSON_CreateObject();
		if (!kids || !o) {
			free(kids);
			cJSON_Delete(o);
			return NULL;
		}
		const cJSON *it;
		cJSON_ArrayForEach(it, v) kids[i++] = it;
		qsort(kids, n, sizeof *kids, key_cmp);
		for (i = 0; i < n; i++) {
			cJSON *c = canon_copy(kids[i]);
			if (!c) {
				free(kids);
				cJSON_Delete(o);
				return NULL;
			}
			cJSON_AddItemToObject(o, kids[i]->string, c);
		}
		free(kids);
		return o;
	}
	if (cJSON_IsArray(v)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *it;
		cJSON_ArrayForEach(it, v)
		{
			cJSON *c = canon_copy(it);
			if (!c) {
				cJSON_Delete(a);
				return NULL;
			}
			cJSON_AddItemToArray(a, c);
		}
		return a;
	}
	return cJSON_Duplicate(v, 0);
}

char *art_tool_canonical(const cJSON *v)
{
	if (!v)
		return strdup("null");
	cJSON *c = canon_copy(v);
	char *s = c ? cJSON_PrintUnformatted(c) : NULL;
	cJSON_Delete(c);
	return s;
}

static void feed(art_sha256 *c, const char *s)
{
	uint64_t n = s ? strlen(s) : 0;
	uint8_t len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(n >> (56 - 8 * i));
	art_sha256_update(c, len, 8);
	art_sha256_update(c, s ? s : "", n);
}

void art_tool_idem_key(const char *tenant, const char *tool, const char *canon_args,
		       const char *call_id, char hex[65])
{
	art_sha256 c;
	uint8_t d[32];
	art_sha256_init(&c);
	feed(&c, "art-tool idempotency v1");
	feed(&c, tenant);
	feed(&c, tool);
	feed(&c, canon_args);
	feed(&c, call_id);
	art_sha256_final(&c, d);
	art_hex(d, 32, hex);
}

const cJSON *art_tool_pointer(const cJSON *doc, const char *ptr)
{
	if (!ptr)
		return NULL;
	if (!*ptr)
		return doc;
	if (*ptr != '/')
		return NULL;
	const cJSON *cur = doc;
	char tok[256];
	const char *p = ptr + 1;
	for (;;) {
		size_t n = 0;
		while (*p && *p != '/') {
			char ch = *p++;
			if (ch == '~') {
				if (*p == '0')
					ch = '~';
				else if (*p == '1')
					ch = '/';
				else
					return NULL;
				p++;
			}
			if (n + 1 >= sizeof tok)
				return NULL;
			tok[n++] = ch;
		}
		tok[n] = 0;
		if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		} else if (cJSON_IsArray(cur)) {
			char *end;
			if (!n || (n > 1 && tok[0] == '0'))
				return NULL;
			long idx = strtol(tok, &end, 10);
			if (*end || idx < 0)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)idx);
		} else {
			return NULL;
		}
		if (!cur)
			return NULL;
		if (!*p)
			return cur;
		p++;
	}
}

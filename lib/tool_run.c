/* tool_run.c — art-tool run: decide, park or execute every tool call of an envelope
 * (see tool.h for the order of checks).  Units: *_us microseconds, *_ms milliseconds. */
#include "clock.h"
#include "env.h"
#include "err.h"
#include "mcp.h"
#include "schema.h"
#include "sha256.h"
#include "tool.h"
#include "tool_db.h"
#include "tool_http.h"
#include "tool_proc.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STAGE "art-tool"

struct art_tool_runner {
	const art_tool_registry *reg;
	art_tool_db *db;
	art_tool_runner_opts o;
	struct conn {
		const char *server; /* borrowed from the registry */
		art_mcp *m;
	} *conns;
	size_t nconns;
	unsigned mcp_starts;
};

enum call_state { CALL_REFUSED, CALL_APPROVAL, CALL_RUN, CALL_DONE };

typedef struct {
	const cJSON *call;
	const char *id, *name;
	const art_tool *t;
	cJSON *args;           /* parsed arguments (owned) */
	char *canon;           /* canonical arguments */
	char args_sha[65];
	enum call_state state;
	const char *code;      /* refusal code */
	char reason[512];
	cJSON *errors;         /* schema errors (owned) */
	cJSON *result;         /* the finished tool_results entry (owned) */
	const char *decision;  /* allow, deny, require_approval, replay */
	int64_t start_us, end_us;
} call_ctx;

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---------------- lifecycle ---------------- */

int art_tool_runner_new(art_tool_runner **out, const art_tool_registry *reg,
			const art_tool_runner_opts *o, char *err, size_t errsz)
{
	*out = NULL;
	art_tool_runner *r = calloc(1, sizeof *r);
	if (!r)
		return ART_ENOMEM;
	r->reg = reg;
	r->o = *o;
	if (!r->o.stage)
		r->o.stage = STAGE;
	int rc = art_tool_db_open(&r->db, o->db_path, err, errsz);
	if (rc != ART_OK) {
		free(r);
		return rc;
	}
	*out = r;
	return ART_OK;
}

void art_tool_runner_free(art_tool_runner *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nconns; i++)
		art_mcp_close(r->conns[i].m);
	free(r->conns);
	art_tool_db_close(r->db);
	free(r);
}

unsigned art_tool_runner_mcp_starts(const art_tool_runner *r) { return r->mcp_starts; }

long long art_tool_runner_audit_count(art_tool_runner *r, const char *decision)
{
	return art_tool_db_audit_count(r->db, decision);
}

static void note(art_tool_runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(art_tool_runner *r, const char *fmt, ...)
{
	if (!r->o.verbose || !r->o.note)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->o.note(buf);
}

/* ---------------- MCP servers ---------------- */

int art_tool_mcp_connect(const art_tool_registry *reg, const char *server, const char *version,
			 struct art_mcp **out, char *err, size_t errsz)
{
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(reg->servers, server);
	*out = NULL;
	if (!cJSON_IsObject(sv)) {
		snprintf(err, errsz, "no MCP server %s in the registry", server);
		return ART_ENOENT;
	}
	art_mcp_opts mo = {0};
	const char *v = str_of(sv, "version");
	mo.version = version ? version : v;
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(sv, "timeout_ms");
	mo.timeout_ms = cJSON_IsNumber(to) ? (long long)to->valuedouble : 10000;
	int rc;
	if (!strcmp(str_of(sv, "transport"), "stdio")) {
		const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(sv, "command");
		const cJSON *envn = cJSON_GetObjectItemCaseSensitive(sv, "env");
		size_t na = (size_t)cJSON_GetArraySize(cmd), ne = (size_t)cJSON_GetArraySize(envn), i = 0;
		const char **argv = calloc(na + 1, sizeof *argv), **names = calloc(ne + 1, sizeof *names);
		char path[PATH_MAX], cwd[PATH_MAX];
		const cJSON *it;
		cJSON_ArrayForEach(it, cmd) argv[i++] = cJSON_IsString(it) ? it->valuestring : "";
		i = 0;
		cJSON_ArrayForEach(it, envn) if (cJSON_IsString(it)) names[i++] = it->valuestring;
		char **envp = art_tool_proc_env(names, i, cJSON_GetObjectItemCaseSensitive(sv, "set_env"));
		rc = envp ? art_tool_proc_resolve(argv[0], reg->dir, art_tool_proc_env_get(envp, "PATH"), path,
						  sizeof path)
			  : ART_ENOMEM;
		if (rc == ART_ENOENT)
			snprintf(err, errsz, "MCP server %s: %s: no such executable", server, argv[0]);
		if (rc == ART_OK) {
			argv[0] = path;
			const char *c = str_of(sv, "cwd");
			if (c && c[0] != '/') {
				snprintf(cwd, sizeof cwd, "%s/%s", reg->dir, c);
				c = cwd;
			}
			mo.transport = ART_MCP_STDIO;
			mo.argv = argv;
			mo.envp = envp;
			mo.cwd = c;
			rc = art_mcp_open(out, &mo, err, errsz);
		}
		art_tool_proc_env_free(envp);
		free(argv);
		free(names);
		return rc;
	}
	const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(sv, "headers");
	size_t nh = (size_t)cJSON_GetArraySize(hdrs), i = 0;
	char **lines = calloc(nh + 1, sizeof *lines);
	const cJSON *h;
	rc = lines ? ART_OK : ART_ENOMEM;
	cJSON_ArrayForEach(h, hdrs)
	{
		if (rc != ART_OK)
			break;
		const char *val = cJSON_IsString(h) ? h->valuestring : NULL, *pre = "";
		if (!val) {
			const char *ev = str_of(h, "env");
			val = ev ? getenv(ev) : NULL;
			pre = str_of(h, "prefix") ? str_of(h, "prefix") : "";
			if (!val || !*val) {
				snprintf(err, errsz, "MCP server %s: credential variable %s is not set", server,
					 ev ? ev : "(none)");
				rc = ART_EDENIED;
				break;
			}
		}
		size_t n = strlen(h->string) + strlen(pre) + strlen(val) + 3;
		lines[i] = malloc(n);
		if (lines[i])
			snprintf(lines[i++], n, "%s: %s%s", h->string, pre, val);
	}
	if (rc == ART_OK) {
		mo.transport = ART_MCP_HTTP;
		mo.url = str_of(sv, "url");
		mo.headers = (const char *const *)lines;
		rc = art_mcp_open(out, &mo, err, errsz);
	}
	for (size_t k = 0; lines && lines[k]; k++) {
		memset(lines[k], 0, strlen(lines[k])); /* credentials do not linger in memory */
		free(lines[k]);
	}
	free(lines);
	return rc;
}

cJSON *art_tool_mcp_entries(const cJSON *tools, const char *server, const char *prefix,
			    const char *const *scopes, size_t nscopes)
{
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "tools");
	const cJSON *t;
	cJSON_ArrayForEach(t, tools)
	{
		const char *name = str_of(t, "name");
		if (!name)
			continue;
		char local[128];
		snprintf(local, sizeof local, "%s%s", prefix ? prefix : "", name);
		for (char *p = local; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      *p == '_' || *p == '-'))
				*p = '_';
		local[64] = 0;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", local);
		const char *d = str_of(t, "description");
		cJSON_AddStringToObject(e, "description", d ? d : (str_of(t, "title") ? str_of(t, "title") : name));
		cJSON_AddStringToObject(e, "kind", "mcp");
		const cJSON *is = cJSON_GetObjectItemCaseSensitive(t, "inputSchema");
		cJSON *in = cJSON_IsObject(is) ? cJSON_Duplicate(is, 1) : cJSON_CreateObject();
		/* servers often declare draft-07 ($schema); the registry compiles as 2020-12 */
		cJSON_DeleteItemFromObjectCaseSensitive(in, "$schema");
		if (!cJSON_GetObjectItemCaseSensitive(in, "type"))
			cJSON_AddStringToObject(in, "type", "object");
		cJSON_AddItemToObject(e, "input_schema", in);
		const cJSON *os = cJSON_GetObjectItemCaseSensitive(t, "outputSchema");
		if (cJSON_IsObject(os)) {
			cJSON *o = cJSON_Duplicate(os, 1);
			cJSON_DeleteItemFromObjectCaseSensitive(o, "$schema");
			cJSON_AddItemToObject(e, "output_schema", o);
		}
		cJSON *sc = cJSON_AddArrayToObject(e, "scopes");
		if (scopes) {
			for (size_t i = 0; i < nscopes; i++)
				cJSON_AddItemToArray(sc, cJSON_CreateString(scopes[i]));
		} else {
			char s[256];
			snprintf(s, sizeof s, "mcp:%s", server);
			cJSON_AddItemToArray(sc, cJSON_CreateString(s));
		}
		const cJSON *an = cJSON_GetObjectItemCaseSensitive(t, "annotations");
		const char *risk = "medium";
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(an, "destructiveHint")))
			risk = "high";
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(an, "readOnlyHint")))
			risk = "low";
		cJSON_AddStringToObject(e, "risk", risk);
		cJSON_AddBoolToObject(e, "idempotent",
				      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(an, "idempotentHint")));
		cJSON *m = cJSON_AddObjectToObject(e, "mcp");
		cJSON_AddStringToObject(m, "server", server);
		cJSON_AddStringToObject(m, "tool", name);
		cJSON_AddItemToArray(arr, e);
	}
	return doc;
}

static art_mcp *conn_get(art_tool_runner *r, const char *server, art_tool_outcome *o)
{
	struct conn *c = NULL;
	for (size_t i = 0; i < r->nconns; i++)
		if (!strcmp(r->conns[i].server, server))
			c = &r->conns[i];
	if (c && c->m && art_mcp_alive(c->m))
		return c->m;
	if (c && c->m) { /* dead: reap it, start afresh */
		note(r, "MCP server %s is down; restarting it", server);
		art_mcp_close(c->m);
		c->m = NULL;
	}
	if (!c) {
		struct conn *nc = realloc(r->conns, (r->nconns + 1) * sizeof *nc);
		if (!nc) {
			art_tool_outcome_fail(o, ART_TOOL_E_MCP, 0, "out of memory");
			return NULL;
		}
		r->conns = nc;
		c = &r->conns[r->nconns++];
		c->server = server;
		c->m = NULL;
	}
	char err[512];
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(r->reg->servers, server);
	int stdio = !strcmp(str_of(sv, "transport"), "stdio");
	int rc = art_tool_mcp_connect(r->reg, server, NULL, &c->m, err, sizeof err);
	if (stdio && (rc == ART_OK || rc == ART_ETIMEOUT || rc == ART_EIO || rc == ART_EUNSUPP ||
		      rc == ART_EINVAL || rc == ART_EFORMAT))
		r->mcp_starts++;
	if (rc != ART_OK) {
		art_tool_outcome_fail(o, rc == ART_EDENIED ? ART_TOOL_E_CREDENTIAL : ART_TOOL_E_MCP,
				      rc == ART_ETIMEOUT || rc == ART_EIO, "MCP server %s: %s", server, err);
		return NULL;
	}
	note(r, "MCP server %s: protocol %s", server, art_mcp_version(c->m));
	return c->m;
}

/* ---------------- execution by kind ---------------- */

static void run_exec(art_tool_runner *r, const art_tool *t, const char *canon, long long timeout_ms,
		     art_tool_outcome *o)
{
	char **envp = art_tool_proc_env(t->env_names, t->nenv, t->env_set);
	if (!envp) {
		art_tool_outcome_fail(o, ART_TOOL_E_SPAWN, 0, "out of memory");
		return;
	}
	char cwd[PATH_MAX];
	const char *c = t->cwd;
	if (c && c[0] != '/') {
		snprintf(cwd, sizeof cwd, "%s/%s", r->reg->dir, c);
		c = cwd;
	}
	size_t n = strlen(canon);
	char *input = malloc(n + 2);
	if (!input) {
		art_tool_proc_env_free(envp);
		art_tool_outcome_fail(o, ART_TOOL_E_SPAWN, 0, "out of memory");
		return;
	}
	memcpy(input, canon, n);
	input[n] = '\n';
	art_tool_proc_opts po = {.argv = t->argv, .envp = envp, .cwd = c, .input = input,
				 .input_len = n + 1, .timeout_ms = timeout_ms,
				 .max_output = (size_t)t->max_output};
	art_tool_proc_result pr;
	char err[256];
	int rc = art_tool_proc_run(&po, &pr, err, sizeof err);
	art_tool_proc_env_free(envp);
	free(input);
	if (rc != ART_OK) {
		art_tool_outcome_fail(o, ART_TOOL_E_SPAWN, 0, "%s", err);
		return;
	}
	o->details = cJSON_CreateObject();
	if (pr.exited)
		cJSON_AddNumberToObject(o->details, "exit_code", pr.exit_code);
	if (pr.signaled)
		cJSON_AddNumberToObject(o->details, "signal", pr.signo);
	cJSON_AddStringToObject(o->details, "stderr_tail", pr.err_tail);
	if (pr.timed_out)
		art_tool_outcome_fail(o, ART_TOOL_E_TIMEOUT, 1, "no result within %lld ms; process group killed",
				      timeout_ms);
	else if (pr.too_large)
		art_tool_outcome_fail(o, ART_TOOL_E_TOO_LARGE, 0, "stdout passed %lld bytes; process group killed",
				      t->max_output);
	else if (pr.signaled)
		art_tool_outcome_fail(o, ART_TOOL_E_EXIT, 0, "killed by signal %d", pr.signo);
	else if (pr.exit_code != 0)
		art_tool_outcome_fail(o, ART_TOOL_E_EXIT, 0, "exited with status %d", pr.exit_code);
	else if (!(o->content = cJSON_ParseWithLength(pr.out, pr.out_len)))
		art_tool_outcome_fail(o, ART_TOOL_E_OUTPUT, 0, "stdout is not one JSON value");
	if (!o->code) {
		cJSON_Delete(o->details);
		o->details = NULL;
	}
	art_tool_proc_result_free(&pr);
}

static void run_mcp(art_tool_runner *r, const art_tool *t, const cJSON *args, long long timeout_ms,
		    art_tool_outcome *o)
{
	art_mcp *m = conn_get(r, t->server, o);
	if (!m)
		return;
	cJSON *res = NULL;
	char err[512];
	int rc = art_mcp_call_tool(m, t->remote, args, art_clock_mono_us() + timeout_ms * 1000, &res, err,
				   sizeof err);
	if (rc == ART_ETIMEOUT) {
		art_tool_outcome_fail(o, ART_TOOL_E_TIMEOUT, 1, "MCP server %s: %s", t->server, err);
	} else if (rc == ART_EIO && !art_mcp_alive(m)) {
		art_tool_outcome_fail(o, ART_TOOL_E_MCP_CRASH, 1, "%s", err);
	} else if (rc != ART_OK) {
		art_tool_outcome_fail(o, ART_TOOL_E_MCP, rc == ART_EIO, "MCP server %s: %s", t->server, err);
	} else {
		cJSON *is_err = cJSON_DetachItemFromObjectCaseSensitive(res, "isError");
		if (cJSON_IsTrue(is_err)) {
			/* the tool ran and failed: its text is the message */
			char msg[400] = "";
			const cJSON *b;
			cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(res, "content"))
			{
				const char *txt = str_of(b, "text");
				if (txt && !msg[0])
					snprintf(msg, sizeof msg, "%s", txt);
			}
			o->details = res;
			res = NULL;
			art_tool_outcome_fail(o, ART_TOOL_E_TOOL, 0, "%s", msg[0] ? msg : "the tool reported an error");
		} else {
			o->content = res;
			res = NULL;
		}
		cJSON_Delete(is_err);
	}
	cJSON_Delete(res);
}

/* Output check: exec/http results as a whole, MCP results by structuredContent. */
static void check_output(const art_tool *t, art_tool_outcome *o)
{
	if (o->code || !t->out_schema)
		return;
	const cJSON *inst = o->content;
	if (t->kind == ART_TOOL_MCP) {
		inst = cJSON_GetObjectItemCaseSensitive(o->content, "structuredContent");
		if (!inst) {
			art_tool_outcome_fail(o, ART_TOOL_E_OUTPUT, 0,
					      "the tool has an output schema but returned no structuredContent");
			return;
		}
	}
	art_schema_result *sr = NULL;
	if (art_schema_result_new(&sr) != ART_OK) {
		art_tool_outcome_fail(o, ART_TOOL_E_OUTPUT, 0, "out of memory");
		return;
	}
	int v = art_schema_validate(t->out_schema, inst, sr);
	if (v != 1) {
		cJSON *errs = NULL;
		art_schema_result_to_json(sr, &errs);
		cJSON_Delete(o->details);
		o->details = cJSON_CreateObject();
		if (errs)
			cJSON_AddItemToObject(o->details, "errors", errs);
		const art_schema_error *e0 = art_schema_result_count(sr) ? art_schema_result_error(sr, 0) : NULL;
		art_tool_outcome_fail(o, ART_TOOL_E_OUTPUT, 0, "result does not match the output schema%s%s%s%s",
				      e0 ? ": " : "", e0 ? e0->instance_location : "", e0 ? " " : "",
				      e0 ? e0->message : "");
	}
	art_schema_result_free(sr);
}

static void execute(art_tool_runner *r, const art_tool *t, const cJSON *args, const char *canon,
		    int64_t deadline_us, art_tool_outcome *o)
{
	for (int attempt = 0;; attempt++) {
		art_tool_outcome_clear(o);
		long long timeout_ms = t->timeout_ms;
		if (deadline_us) {
			long long left = (deadline_us - art_clock_now_us()) / 1000;
			if (left <= 0) {
				art_tool_outcome_fail(o, ART_TOOL_E_DEADLINE, 0, "the envelope's deadline passed");
				return;
			}
			if (left < timeout_ms)
				timeout_ms = left;
		}
		if (t->kind == ART_TOOL_EXEC)
			run_exec(r, t, canon, timeout_ms, o);
		else if (t->kind == ART_TOOL_HTTP)
			art_tool_http_call(t, args, timeout_ms, o);
		else
			run_mcp(r, t, args, timeout_ms, o);
		check_output(t, o);
		/* only an idempotent tool is tried again: a repeat must not repeat a side effect */
		if (!o->code || !o->transient || !t->idempotent || attempt >= t->retry_max)
			return;
		long long back = t->retry_backoff_ms << (attempt < 10 ? attempt : 10);
		if (deadline_us && art_clock_now_us() + back * 1000 >= deadline_us)
			return;
		note(r, "tool %s: %s; retry %d after %lld ms", t->name, o->msg, attempt + 1, back);
		struct timespec ts = {back / 1000, (back % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* ---------------- envelope bookkeeping ---------------- */

static cJSON *obj_at(cJSON *env, const char *k, int array)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(env, k);
	if (array ? cJSON_IsArray(v) : cJSON_IsObject(v))
		return v;
	if (v)
		cJSON_DeleteItemFromObjectCaseSensitive(env, k);
	v = array ? cJSON_CreateArray() : cJSON_CreateObject();
	cJSON_AddItemToObject(env, k, v);
	return v;
}

static cJSON *result_entry(const call_ctx *c, const char *status)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "call_id", c->id);
	cJSON_AddStringToObject(e, "name", c->name ? c->name : "");
	cJSON_AddStringToObject(e, "status", status);
	return e;
}

static cJSON *error_obj(const char *code, const char *msg, cJSON *details)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "stage", STAGE);
	cJSON_AddStringToObject(e, "message", msg);
	if (details)
		cJSON_AddItemToObject(e, "details", details);
	return e;
}

static void refuse(call_ctx *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(call_ctx *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof c->reason, fmt, ap);
	va_end(ap);
	c->state = CALL_REFUSED;
	c->code = code;
	c->decision = "deny";
}

/* The text the model reads for one result. */
static char *message_text(const cJSON *res)
{
	const char *status = str_of(res, "status");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(res, "error");
	char buf[1200];
	if (status && strcmp(status, "ok")) {
		snprintf(buf, sizeof buf, "%s: %s (%s)", !strcmp(status, "refused") ? "refused" : "error",
			 str_of(err, "message") ? str_of(err, "message") : "", str_of(err, "code") ? str_of(err, "code") : "");
		return strdup(buf);
	}
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(res, "content");
	if (cJSON_IsString(content))
		return strdup(content->valuestring);
	/* MCP: text blocks joined; structured content, other blocks as JSON */
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(content, "content");
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(content, "structuredContent");
	if (cJSON_IsArray(blocks) && !sc) {
		size_t cap = 256, len = 0;
		char *s = malloc(cap);
		const cJSON *b;
		if (!s)
			return NULL;
		s[0] = 0;
		cJSON_ArrayForEach(b, blocks)
		{
			const char *txt = str_of(b, "text");
			char *alloc = txt ? NULL : cJSON_PrintUnformatted(b);
			const char *piece = txt ? txt : alloc ? alloc : "";
			size_t pl = strlen(piece);
			if (len + pl + 2 > cap) {
				while (len + pl + 2 > cap)
					cap *= 2;
				char *ns = realloc(s, cap);
				if (!ns) {
					free(alloc);
					free(s);
					return NULL;
				}
				s = ns;
			}
			if (len)
				s[len++] = '\n';
			memcpy(s + len, piece, pl + 1);
			len += pl;
			free(alloc);
		}
		return s;
	}
	return cJSON_PrintUnformatted(sc ? sc : content);
}

static int has_assistant_turn(const cJSON *msgs, const char *call_id)
{
	const cJSON *m, *tc;
	cJSON_ArrayForEach(m, msgs)
	{
		const char *role = str_of(m, "role");
		if (!role || strcmp(role, "assistant"))
			continue;
		cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(m, "tool_calls"))
		{
			const char *id = str_of(tc, "id");
			if (id && !strcmp(id, call_id))
				return 1;
		}
	}
	return 0;
}

/* Removes array members whose string member key equals one of the calls' ids. */
static void drop_by_call(cJSON *arr, const char *key, const call_ctx *calls, size_t n)
{
	cJSON *it = arr ? arr->child : NULL;
	while (it) {
		cJSON *next = it->next;
		const char *id = str_of(it, key);
		for (size_t i = 0; id && i < n; i++)
			if (calls[i].id && !strcmp(calls[i].id, id)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
				break;
			}
		it = next;
	}
}

static void add_decision(cJSON *env, const call_ctx *c, size_t idx, const char *rule, const char *action)
{
	cJSON *pol = obj_at(env, "policy", 0);
	cJSON *decs = obj_at(pol, "decisions", 1);
	cJSON *d = cJSON_CreateObject();
	char field[64];
	snprintf(field, sizeof field, "output.tool_calls[%zu]", idx);
	cJSON_AddStringToObject(d, "stage", STAGE);
	cJSON_AddStringToObject(d, "rule", rule);
	cJSON_AddStringToObject(d, "action", action);
	cJSON_AddStringToObject(d, "field", field);
	if (c->reason[0])
		cJSON_AddStringToObject(d, "reason", c->reason);
	cJSON_AddItemToArray(decs, d);
}

static const char *rule_of(const char *code)
{
	if (!code)
		return "tool.allow";
	if (!strcmp(code, ART_TOOL_E_UNKNOWN))
		return "tool.exists";
	if (!strcmp(code, ART_TOOL_E_TENANT))
		return "tool.tenant";
	if (!strcmp(code, ART_TOOL_E_SCOPE))
		return "tool.scope";
	if (!strcmp(code, ART_TOOL_E_ARGS))
		return "tool.arguments";
	if (!strcmp(code, ART_TOOL_E_RATE))
		return "tool.rate_limit";
	if (!strcmp(code, ART_TOOL_E_INFLIGHT))
		return "tool.idempotency";
	return "tool.deadline";
}

static void audit(art_tool_runner *r, const cJSON *env, const call_ctx *c, const char *decision,
		  const char *reason, double ms, const char *outcome)
{
	art_tool_audit a = {
		.env_id = str_of(env, "id"), .call_id = c->id, .actor = str_of(cJSON_GetObjectItemCaseSensitive(env, "actor"), "id"),
		.tenant = str_of(env, "tenant"), .tool = c->name, .args_sha256 = c->args_sha,
		.decision = decision, .reason = reason, .duration_ms = ms, .outcome = outcome,
	};
	if (art_tool_db_audit(r->db, &a, art_clock_now_us()) != ART_OK)
		note(r, "audit row for call %s could not be written", c->id ? c->id : "?");
}

/* 1 if the envelope carries an approval, approved and for art-tool, that names this
 * exact call (id, tool and argument hash). */
static int approved(const cJSON *env, const call_ctx *c)
{
	const cJSON *ap = cJSON_GetObjectItemCaseSensitive(env, "approval");
	const char *state = str_of(ap, "state"), *resume = str_of(ap, "resume");
	if (!state || strcmp(state, "approved") || !resume || strcmp(resume, STAGE))
		return 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ap, "tool_calls"))
	{
		const char *id = str_of(it, "id"), *name = str_of(it, "name"), *sha = str_of(it, "args_sha256");
		if (id && name && sha && !strcmp(id, c->id) && !strcmp(name, c->name) && !strcmp(sha, c->args_sha))
			return 1;
	}
	return 0;
}

static int needs_approval(const art_tool *t, const cJSON *env, const cJSON *args, char *why, size_t whysz)
{
	if (t->approval == ART_TOOL_APPROVAL_NEVER)
		return 0;
	if (t->approval == ART_TOOL_APPROVAL_ALWAYS) {
		snprintf(why, whysz, "tool %s always needs human approval", t->name);
		return 1;
	}
	int er = art_tool_risk_parse(str_of(env, "risk"));
	enum art_tool_risk eff = er > (int)t->risk ? (enum art_tool_risk)er : t->risk;
	if (t->approval_has_risk && eff > t->approval_risk) {
		snprintf(why, whysz, "risk %s is above %s", art_tool_risk_name(eff), art_tool_risk_name(t->approval_risk));
		return 1;
	}
	if (t->amount_pointer) {
		const cJSON *v = art_tool_pointer(args, t->amount_pointer);
		if (cJSON_IsNumber(v) && v->valuedouble > t->amount_above) {
			snprintf(why, whysz, "amount %g at %s is above %g", v->valuedouble, t->amount_pointer,
				 t->amount_above);
			return 1;
		}
	}
	return 0;
}

/* Phase 1 for one call: everything decidable without side effects. */
static void decide(art_tool_runner *r, const cJSON *env, const cJSON *scopes, call_ctx *c, size_t idx)
{
	static char synth[64];
	c->id = str_of(c->call, "id");
	c->name = str_of(c->call, "name");
	c->state = CALL_RUN;
	c->decision = "allow";
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(c->call, "arguments");
	if (!a)
		c->args = cJSON_CreateObject();
	else if (cJSON_IsString(a)) /* OpenAI style: arguments as a JSON string */
		c->args = cJSON_Parse(a->valuestring);
	else
		c->args = cJSON_Duplicate(a, 1);
	c->canon = art_tool_canonical(c->args);
	art_sha256_hex(c->canon ? c->canon : "", c->canon ? strlen(c->canon) : 0, c->args_sha);
	if (!c->id || !*c->id) {
		snprintf(synth, sizeof synth, "call-%zu", idx);
		c->id = strdup(synth); /* freed with the ctx: see process */
		refuse(c, ART_TOOL_E_ARGS, "tool call %zu has no id", idx);
		return;
	}
	if (!c->name || !(c->t = art_tool_find(r->reg, c->name))) {
		refuse(c, ART_TOOL_E_UNKNOWN, "no tool named %s", c->name ? c->name : "(none)");
		return;
	}
	const char *code;
	char why[400];
	if (!art_tool_allowed(c->t, env, scopes, &code, why, sizeof why)) {
		refuse(c, code, "%s", why);
		return;
	}
	if (!c->args) {
		refuse(c, ART_TOOL_E_ARGS, "arguments are not JSON");
		return;
	}
	art_schema_result *sr = NULL;
	if (art_schema_result_new(&sr) != ART_OK) {
		refuse(c, ART_TOOL_E_ARGS, "out of memory");
		return;
	}
	int v = art_schema_validate(c->t->in_schema, c->args, sr);
	if (v != 1) {
		art_schema_result_to_json(sr, &c->errors);
		const art_schema_error *e0 = art_schema_result_count(sr) ? art_schema_result_error(sr, 0) : NULL;
		if (v < 0)
			refuse(c, ART_TOOL_E_ARGS, "arguments could not be checked: %s", art_strerror(v));
		else
			refuse(c, ART_TOOL_E_ARGS, "arguments do not match the input schema: %s %s",
			       e0 && *e0->instance_location ? e0->instance_location : "(root)",
			       e0 ? e0->message : "");
	}
	art_schema_result_free(sr);
	if (c->state == CALL_REFUSED)
		return;
	if (needs_approval(c->t, env, c->args, why, sizeof why) && !approved(env, c)) {
		c->state = CALL_APPROVAL;
		c->decision = "require_approval";
		snprintf(c->reason, sizeof c->reason, "%s", why);
	}
}

/* Phase 2 for one allowed call: ledger, rate limit, run. */
static void run_call(art_tool_runner *r, const cJSON *env, call_ctx *c, int64_t deadline_us)
{
	const art_tool *t = c->t;
	const char *tenant = str_of(env, "tenant");
	const char *actor = str_of(cJSON_GetObjectItemCaseSensitive(env, "actor"), "id");
	char key[65];
	int claimed = 0;
	c->start_us = art_clock_now_us();
	if (!t->idempotent) {
		cJSON *stored = NULL;
		art_tool_idem_key(tenant, t->name, c->canon, c->id, key);
		int cl = art_tool_db_claim(r->db, key, tenant, t->name, c->id, c->args_sha, c->start_us, &stored);
		if (cl == ART_TOOL_CLAIM_DONE) {
			c->result = stored;
			c->state = CALL_DONE;
			c->decision = "replay";
			snprintf(c->reason, sizeof c->reason, "replayed: the stored result of the earlier run");
			c->end_us = art_clock_now_us();
			return;
		}
		if (cl == ART_TOOL_CLAIM_BUSY) {
			refuse(c, ART_TOOL_E_INFLIGHT,
			       "this call (same tenant, tool, arguments and id) is running elsewhere or died mid-run; "
			       "it is never run twice");
			return;
		}
		if (cl < 0) {
			refuse(c, ART_TOOL_E_LEDGER, "the idempotency ledger is unavailable");
			return;
		}
		claimed = 1;
	}
	const char *buckets[2];
	long long max[2], win[2];
	char b0[512], b1[512];
	size_t nb = 0;
	if (t->per_actor.max) {
		snprintf(b0, sizeof b0, "actor\x1f%s\x1f%s\x1f%s", t->name, tenant ? tenant : "", actor ? actor : "");
		buckets[nb] = b0, max[nb] = t->per_actor.max, win[nb++] = t->per_actor.window_ms;
	}
	if (t->per_tenant.max) {
		snprintf(b1, sizeof b1, "tenant\x1f%s\x1f%s", t->name, tenant ? tenant : "");
		buckets[nb] = b1, max[nb] = t->per_tenant.max, win[nb++] = t->per_tenant.window_ms;
	}
	int rl = art_tool_db_rate(r->db, buckets, max, win, nb, c->start_us);
	if (rl != ART_OK) {
		if (claimed)
			art_tool_db_release(r->db, key);
		if (rl == ART_EDENIED)
			refuse(c, ART_TOOL_E_RATE, "rate limit for tool %s reached", t->name);
		else
			refuse(c, ART_TOOL_E_LEDGER, "the rate-limit store is unavailable");
		return;
	}
	art_tool_outcome o = {0};
	execute(r, t, c->args, c->canon, deadline_us, &o);
	c->end_us = art_clock_now_us();
	double ms = (double)(c->end_us - c->start_us) / 1000.0;
	if (o.code && !strcmp(o.code, ART_TOOL_E_DEADLINE) && claimed) {
		art_tool_db_release(r->db, key); /* it never ran */
		claimed = 0;
	}
	cJSON *res = result_entry(c, o.code ? "error" : "ok");
	if (o.code) {
		cJSON_AddItemToObject(res, "error", error_obj(o.code, o.msg, o.details));
		o.details = NULL;
	} else {
		cJSON_AddItemToObject(res, "content", o.content);
		o.content = NULL;
	}
	cJSON_AddNumberToObject(res, "duration_ms", ms);
	if (claimed && art_tool_db_finish(r->db, key, res, c->end_us) != ART_OK)
		note(r, "tool %s: result of call %s not recorded in the ledger", t->name, c->id);
	art_tool_outcome_clear(&o);
	c->result = res;
	c->state = CALL_DONE;
	audit(r, env, c, "execute", o.code, ms, str_of(res, "status"));
}

int art_tool_runner_process(void *runner, cJSON *env, uint64_t line)
{
	art_tool_runner *r = runner;
	cJSON *out = cJSON_GetObjectItemCaseSensitive(env, "output");
	cJSON *calls = cJSON_GetObjectItemCaseSensitive(out, "tool_calls");
	size_t n = (size_t)cJSON_GetArraySize(calls);
	if (!cJSON_IsArray(calls) || n == 0)
		return ART_OK; /* nothing to do: passes through */
	int64_t deadline_us = 0;
	int drc = art_env_deadline(env, &deadline_us);
	if (drc == ART_EINVAL) {
		art_env_set_error(env, ART_ERR_BAD_ENVELOPE, STAGE, NULL, "deadline is not an RFC 3339 time");
		return ART_OK;
	}
	if (drc != ART_OK)
		deadline_us = 0;
	call_ctx *cs = calloc(n, sizeof *cs);
	cJSON *scopes = art_tool_env_scopes(env);
	if (!cs || !scopes) {
		free(cs);
		cJSON_Delete(scopes);
		return ART_ENOMEM;
	}
	size_t i = 0, npark = 0;
	const cJSON *call;
	cJSON_ArrayForEach(call, calls)
	{
		cs[i].call = call;
		decide(r, env, scopes, &cs[i], i);
		cs[i].start_us = cs[i].end_us = art_clock_now_us();
		npark += cs[i].state == CALL_APPROVAL;
		i++;
	}
	cJSON_Delete(scopes);

	if (npark) {
		/* park: nothing runs until a person approves the calls that need it */
		cJSON *ap = cJSON_CreateObject(), *list = cJSON_CreateArray();
		art_sha256 h;
		uint8_t d[32];
		char hex[65], apid[96], reason[700] = "";
		art_sha256_init(&h);
		art_sha256_update(&h, str_of(env, "id"), strlen(str_of(env, "id")));
		for (i = 0; i < n; i++) {
			if (cs[i].state != CALL_APPROVAL)
				continue;
			art_sha256_update(&h, cs[i].id, strlen(cs[i].id) + 1);
			art_sha256_update(&h, cs[i].args_sha, 64);
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "id", cs[i].id);
			cJSON_AddStringToObject(e, "name", cs[i].name);
			cJSON_AddStringToObject(e, "args_sha256", cs[i].args_sha);
			cJSON_AddStringToObject(e, "risk", art_tool_risk_name(cs[i].t->risk));
			cJSON_AddStringToObject(e, "reason", cs[i].reason);
			cJSON_AddItemToArray(list, e);
			if (!reason[0])
				snprintf(reason, sizeof reason, "tool %s: %s", cs[i].name, cs[i].reason);
		}
		art_sha256_final(&h, d);
		art_hex(d, 8, hex);
		snprintf(apid, sizeof apid, "apr-%s", hex);
		cJSON_AddStringToObject(ap, "id", apid);
		cJSON_AddStringToObject(ap, "state", "pending");
		cJSON_AddStringToObject(ap, "reason", reason);
		cJSON_AddStringToObject(ap, "resume", STAGE);
		cJSON_AddStringToObject(ap, "stage", STAGE); /* where it was parked (art-policy's queue shows it) */
		cJSON_AddItemToObject(ap, "tool_calls", list);
		cJSON_DeleteItemFromObjectCaseSensitive(env, "approval");
		cJSON_AddItemToObject(env, "approval", ap);
		art_env_status_set(env, ART_ENV_AWAITING_APPROVAL);
	} else {
		for (i = 0; i < n; i++)
			if (cs[i].state == CALL_RUN)
				run_call(r, env, &cs[i], deadline_us);
	}

	/* results, messages, decisions, events: replace anything an earlier pass wrote */
	cJSON *results = obj_at(env, "tool_results", 1);
	drop_by_call(results, "call_id", cs, n);
	cJSON *msgs = NULL;
	if (!npark) {
		msgs = obj_at(env, "messages", 1);
		drop_by_call(msgs, "tool_call_id", cs, n);
		if (!has_assistant_turn(msgs, cs[0].id)) {
			cJSON *am = cJSON_CreateObject();
			cJSON_AddStringToObject(am, "role", "assistant");
			const char *text = str_of(out, "text");
			if (text)
				cJSON_AddStringToObject(am, "content", text);
			else
				cJSON_AddNullToObject(am, "content");
			cJSON_AddItemToObject(am, "tool_calls", cJSON_Duplicate(calls, 1));
			cJSON_AddItemToArray(msgs, am);
		}
	}
	for (i = 0; i < n; i++) {
		call_ctx *c = &cs[i];
		cJSON *res = c->result;
		c->result = NULL;
		const char *outcome;
		if (!res) {
			if (c->state == CALL_REFUSED) {
				res = result_entry(c, "refused");
				cJSON *det = NULL;
				if (c->errors) {
					det = cJSON_CreateObject();
					cJSON_AddItemToObject(det, "errors", c->errors);
					c->errors = NULL;
				}
				cJSON_AddItemToObject(res, "error", error_obj(c->code, c->reason, det));
			} else if (c->state == CALL_APPROVAL) {
				res = result_entry(c, "awaiting_approval");
				cJSON_AddStringToObject(res, "content", c->reason);
			} else {
				res = result_entry(c, "skipped");
				cJSON_AddStringToObject(res, "content", "not run: this turn waits for approval of another call");
			}
		}
		outcome = str_of(res, "status");
		add_decision(env, c, i, c->state == CALL_APPROVAL ? "tool.approval" : c->decision && !strcmp(c->decision, "replay") ? "tool.idempotency" : rule_of(c->code),
			     c->state == CALL_APPROVAL ? "require_approval" : c->state == CALL_REFUSED ? "deny" : "allow");
		audit(r, env, c, c->decision, c->code ? c->code : c->reason[0] ? c->reason : NULL, 0, outcome);
		cJSON *attrs = cJSON_CreateObject();
		cJSON_AddStringToObject(attrs, "gen_ai.operation.name", "execute_tool");
		cJSON_AddStringToObject(attrs, "gen_ai.tool.name", c->name ? c->name : "");
		cJSON_AddStringToObject(attrs, "gen_ai.tool.call.id", c->id);
		cJSON_AddStringToObject(attrs, "decision", c->decision);
		cJSON_AddStringToObject(attrs, "outcome", outcome);
		const char *ecode = str_of(cJSON_GetObjectItemCaseSensitive(res, "error"), "code");
		if (ecode)
			cJSON_AddStringToObject(attrs, "error.type", ecode);
		art_env_event_add(env, STAGE, "execute_tool", c->start_us, c->end_us, attrs);
		if (msgs) {
			char *txt = message_text(res);
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "role", "tool");
			cJSON_AddStringToObject(m, "tool_call_id", c->id);
			if (c->name)
				cJSON_AddStringToObject(m, "name", c->name);
			cJSON_AddStringToObject(m, "content", txt ? txt : "");
			free(txt);
			cJSON_AddItemToArray(msgs, m);
		}
		cJSON_AddItemToArray(results, res);
		note(r, "%s call %s (%s): %s%s%s", str_of(env, "id"), c->id, c->name ? c->name : "?", outcome,
		     c->code ? " " : "", c->code ? c->code : "");
	}
	for (i = 0; i < n; i++) {
		cJSON_Delete(cs[i].args);
		cJSON_Delete(cs[i].errors);
		cJSON_Delete(cs[i].result);
		free(cs[i].canon);
		if (!str_of(cs[i].call, "id") || !*str_of(cs[i].call, "id"))
			free((char *)cs[i].id);
	}
	free(cs);
	(void)line;
	return ART_OK;
}

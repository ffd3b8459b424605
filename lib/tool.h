/* tool.h — art-tool: the tool registry, the per-envelope tool-call runner, and the
 * helpers they share (canonical JSON, argument hashes, JSON Pointer).
 *
 * A registry (schemas/tools.schema.json, man art-tool(1)) is a JSON document
 * {"servers": {NAME: MCP server}, "tools": [entry...]}.  Each entry is typed (input and
 * output JSON Schemas, compiled once at load), authorized (required scopes, tenant
 * allow-list), bounded (timeout, rate limits, output cap) and has an approval rule.
 * Every tool call in an envelope's output.tool_calls is decided in a fixed order:
 * exists -> tenant -> scopes -> arguments -> replay (idempotency ledger) -> rate limit
 * -> approval -> run.  Any failed check refuses the call and starts no process.
 *
 * Ownership: art_tool_registry_load returns a registry the caller frees with
 * art_tool_registry_free; art_tool structs and every string in them belong to the
 * registry (they point into its private copy of the document).  A runner borrows its
 * registry (which must outlive it) and owns its database handle and MCP connections.
 * Functions returning cJSON* give the caller a new tree to cJSON_Delete.
 */
#ifndef ART_TOOL_H
#define ART_TOOL_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

enum art_tool_kind { ART_TOOL_EXEC, ART_TOOL_HTTP, ART_TOOL_MCP };
enum art_tool_risk { ART_TOOL_RISK_LOW, ART_TOOL_RISK_MEDIUM, ART_TOOL_RISK_HIGH, ART_TOOL_RISK_CRITICAL };
enum art_tool_approval { ART_TOOL_APPROVAL_NEVER, ART_TOOL_APPROVAL_ALWAYS, ART_TOOL_APPROVAL_RULE };

/* Stable error / refusal codes written into tool_results[].error.code. */
#define ART_TOOL_E_UNKNOWN "unknown_tool"
#define ART_TOOL_E_TENANT "tenant_not_allowed"
#define ART_TOOL_E_SCOPE "missing_scope"
#define ART_TOOL_E_ARGS "invalid_arguments"
#define ART_TOOL_E_RATE "rate_limited"
#define ART_TOOL_E_INFLIGHT "call_in_flight"
#define ART_TOOL_E_DEADLINE "deadline_exceeded"
#define ART_TOOL_E_TIMEOUT "tool_timeout"
#define ART_TOOL_E_EXIT "tool_exit_status"
#define ART_TOOL_E_OUTPUT "invalid_output"
#define ART_TOOL_E_TOO_LARGE "output_too_large"
#define ART_TOOL_E_SPAWN "spawn_failed"
#define ART_TOOL_E_HTTP "http_error"
#define ART_TOOL_E_CREDENTIAL "missing_credential"
#define ART_TOOL_E_MCP "mcp_error"
#define ART_TOOL_E_MCP_CRASH "mcp_server_crashed"
#define ART_TOOL_E_TOOL "tool_error" /* the tool itself said it failed (MCP isError) */
#define ART_TOOL_E_LEDGER "ledger_failed"

/* A rate limit: at most max calls in any window_ms; max 0 means no limit. */
typedef struct {
	long long max;
	long long window_ms;
} art_tool_limit;

typedef struct art_tool {
	const char *name, *description;
	enum art_tool_kind kind;
	const cJSON *input_schema;  /* the entry's schema JSON (for list); never NULL */
	const cJSON *output_schema; /* NULL: results are not checked */
	void *in_schema, *out_schema; /* compiled (art_schema *), out_schema may be NULL */
	const char **scopes;        /* every one is required */
	size_t nscopes;
	const char **tenants;       /* allow-list; has_tenants 0 means any tenant */
	size_t ntenants;
	int has_tenants;
	enum art_tool_risk risk;
	enum art_tool_approval approval;
	int approval_has_risk;      /* RULE: approval when effective risk > approval_risk */
	enum art_tool_risk approval_risk;
	const char *amount_pointer; /* RULE: approval when args at this pointer > amount_above */
	double amount_above;
	long long timeout_ms;       /* per attempt, > 0 */
	int retry_max;              /* extra attempts after a transient failure (idempotent only) */
	long long retry_backoff_ms;
	int idempotent;
	art_tool_limit per_actor, per_tenant;
	const cJSON *entry;         /* the whole entry: kind sections are read from it */
	/* exec */
	const char **argv;          /* NULL-terminated; argv[0] resolved at load */
	const char **env_names;     /* variables copied from art-tool's environment */
	size_t nenv;
	const cJSON *env_set;       /* object of fixed variables, or NULL */
	const char *cwd;            /* NULL: inherit */
	long long max_output;       /* stdout cap in bytes */
	/* mcp */
	const char *server, *remote;
} art_tool;

typedef struct art_tool_registry {
	art_tool *tools;
	size_t ntools;
	cJSON *doc;                 /* the private copy everything points into */
	const cJSON *servers;       /* object of MCP server definitions, may be NULL */
	char *dir;                  /* directory of the registry file ("." for memory) */
} art_tool_registry;

/* Loads and checks a registry from a file (relative paths in it are resolved against
 * the file's directory) or from a parsed document (dir NULL: ".").  Compiles every
 * schema.  ART_OK, ART_EIO (unreadable), ART_EFORMAT/ART_EINVAL with err naming the
 * entry and field. */
int art_tool_registry_load(art_tool_registry **out, const char *path, char *err, size_t errsz);
int art_tool_registry_from_json(art_tool_registry **out, const cJSON *doc, const char *dir,
				char *err, size_t errsz);
void art_tool_registry_free(art_tool_registry *reg);
const art_tool *art_tool_find(const art_tool_registry *reg, const char *name);

/* Risk names "low".."critical" <-> enum; parse returns -1 for an unknown name. */
int art_tool_risk_parse(const char *s);
const char *art_tool_risk_name(enum art_tool_risk r);

/* Effective scopes of an envelope: actor.scopes, intersected with authority.granted
 * when that is present.  Returns a new array of strings (never NULL unless ENOMEM). */
cJSON *art_tool_env_scopes(const cJSON *env);
/* 1 if the envelope's actor/tenant may see and call the tool (tenant and scopes only). */
int art_tool_allowed(const art_tool *t, const cJSON *env, const cJSON *scopes,
		     const char **why_code, char *why, size_t whysz);
/* The definition a model is offered: {type:"function", name, description, parameters}. */
cJSON *art_tool_definition(const art_tool *t);
/* Array of definitions of the tools this envelope's actor may use (tenant + scopes). */
cJSON *art_tool_list_for(const art_tool_registry *reg, const cJSON *env);

/* Canonical JSON: objects with keys sorted bytewise, no spaces.  malloc'd, NULL on ENOMEM. */
char *art_tool_canonical(const cJSON *v);
/* Idempotency key: sha256 over tenant, tool, canonical args and call id, each
 * length-prefixed.  hex gets 64 digits + NUL. */
void art_tool_idem_key(const char *tenant, const char *tool, const char *canon_args,
		       const char *call_id, char hex[65]);
/* RFC 6901 JSON Pointer lookup; NULL if absent or malformed. */
const cJSON *art_tool_pointer(const cJSON *doc, const char *ptr);

/* ---- the runner: art-tool run's per-envelope work ---- */
typedef struct art_tool_runner art_tool_runner;
typedef struct {
	const char *db_path;   /* sqlite file (WAL); NULL or "" = private in-memory ledger */
	const char *stage;     /* "art-tool" */
	int verbose;           /* >0: notes on stderr through the callback below */
	void (*note)(const char *msg); /* may be NULL */
} art_tool_runner_opts;

int art_tool_runner_new(art_tool_runner **out, const art_tool_registry *reg,
			const art_tool_runner_opts *o, char *err, size_t errsz);
/* Closes MCP servers (stdin closed, then SIGTERM/SIGKILL to their process groups). */
void art_tool_runner_free(art_tool_runner *r);
/* Decides and runs every call in env.output.tool_calls, appends tool_results, tool
 * messages, policy.decisions and events; parks the envelope (status awaiting_approval,
 * approval {...}) when a call needs approval.  Matches art_env_fn. */
int art_tool_runner_process(void *runner, cJSON *env, uint64_t line);
/* MCP server processes started so far (all servers). */
unsigned art_tool_runner_mcp_starts(const art_tool_runner *r);
/* Audit rows written so far with this decision (NULL: all); negative on error. */
long long art_tool_runner_audit_count(art_tool_runner *r, const char *decision);

/* ---- MCP servers from the registry ---- */
struct art_mcp;
/* Connects to servers.NAME (stdio: command resolved like exec argv, env names copied,
 * set_env added; http: url and headers, {env, prefix} header values from the
 * environment).  version NULL asks for the newest.  *out is the caller's (art_mcp_close). */
int art_tool_mcp_connect(const art_tool_registry *reg, const char *server, const char *version,
			 struct art_mcp **out, char *err, size_t errsz);
/* tools/list answers -> registry entries {"tools": [...]} of kind mcp for server:
 * names prefixed (prefix may be NULL), scopes as given (NULL: {"mcp:SERVER"}), risk
 * from annotations (readOnlyHint low, destructiveHint high, else medium), idempotent
 * from idempotentHint.  A new document for the caller. */
cJSON *art_tool_mcp_entries(const cJSON *tools, const char *server, const char *prefix,
			    const char *const *scopes, size_t nscopes);
#endif

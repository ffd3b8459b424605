/* art-tool — typed, authorized, audited tool calls (exec, HTTP, MCP) for envelopes.
 * Thin main: every decision and execution lives in lib/tool*.c and lib/mcp.c. */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "mcp.h"
#include "tool.h"
#include "tool_db.h"
#include "tool_http.h"
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	const char *registry, *db, *base_url, *prefix, *server, *version;
	art_strlist scopes;
	int strict, verbose, all;
} o;

static const art_opt run_opts[] = {
	{"registry", 'r', ART_OPT_STR, &o.registry, 0, 0, "FILE", "tool registry (default $ART_TOOL_REGISTRY)"},
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "sqlite ledger/audit/rate store (default $ART_TOOL_DB; none: in memory)"},
	{"strict", 0, ART_OPT_FLAG, &o.strict, 0, 0, NULL, "check envelopes against the contract in and out"},
	{"verbose", 'v', ART_OPT_COUNT, &o.verbose, 0, 0, NULL, "notes on stderr (one per call; MCP starts at exit)"},
	{0},
};
static const art_cmd run_cmd = {
	"art-tool run", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Decide and run the tool calls in each envelope's output.tool_calls: refuse, park for\n"
	"approval, or execute, and write the results back as tool_results and tool messages.",
	run_opts, "'art-tool' with no command is 'art-tool run'.  See art-tool(1).",
};

static const art_opt list_opts[] = {
	{"registry", 'r', ART_OPT_STR, &o.registry, 0, 0, "FILE", "tool registry (default $ART_TOOL_REGISTRY)"},
	{"all", 'a', ART_OPT_FLAG, &o.all, 0, 0, NULL, "print every tool's definition as one JSON array; read no input"},
	{0},
};
static const art_cmd list_cmd = {
	"art-tool list", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Set each envelope's tools to the definitions of the tools its actor may use\n"
	"(tenant allowed, every required scope held), as models take them.",
	list_opts, NULL,
};

static const art_opt oa_opts[] = {
	{"base-url", 0, ART_OPT_STR, &o.base_url, 0, 0, "URL", "server URL (default: the spec's servers[0].url)"},
	{"scope", 0, ART_OPT_LIST, &o.scopes, 0, 0, "SCOPE", "scope every imported tool requires (repeatable; default tools:http)"},
	{"prefix", 0, ART_OPT_STR, &o.prefix, 0, 0, "TEXT", "prefix for tool names"},
	{0},
};
static const art_cmd oa_cmd = {
	"art-tool import-openapi", "[OPTION]... SPEC.json",
	"Print registry entries ({\"tools\": [...]}) for the operations of an OpenAPI 3 spec.",
	oa_opts, NULL,
};

static const art_opt mi_opts[] = {
	{"registry", 'r', ART_OPT_STR, &o.registry, 0, 0, "FILE", "registry holding the server (default $ART_TOOL_REGISTRY)"},
	{"scope", 0, ART_OPT_LIST, &o.scopes, 0, 0, "SCOPE", "scope every imported tool requires (repeatable; default mcp:SERVER)"},
	{"prefix", 0, ART_OPT_STR, &o.prefix, 0, 0, "TEXT", "prefix for tool names"},
	{"protocol", 0, ART_OPT_STR, &o.version, 0, 0, "VERSION", "MCP protocol version to ask for (default " ART_MCP_LATEST ")"},
	{"verbose", 'v', ART_OPT_COUNT, &o.verbose, 0, 0, NULL, "print the server's name and negotiated version on stderr"},
	{0},
};
static const art_cmd mi_cmd = {
	"art-tool mcp-import", "[OPTION]... SERVER",
	"Start MCP server SERVER of the registry, list its tools (tools/list) and print them\n"
	"as registry entries ({\"tools\": [...]}).",
	mi_opts, NULL,
};

static const art_opt audit_opts[] = {
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "the store art-tool run wrote (default $ART_TOOL_DB)"},
	{0},
};
static const art_cmd audit_cmd = {
	"art-tool audit", "[--db FILE]",
	"Print the audit log, one JSON object per decision or execution, oldest first.",
	audit_opts, NULL,
};

static art_tool_registry *load_registry(void)
{
	const char *path = o.registry ? o.registry : getenv("ART_TOOL_REGISTRY");
	if (!path || !*path)
		art_die(ART_EXIT_USAGE, "no registry: give --registry FILE or set ART_TOOL_REGISTRY");
	art_tool_registry *reg;
	char err[1024];
	if (art_tool_registry_load(&reg, path, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	return reg;
}

static void print_json(const cJSON *j)
{
	char *s = cJSON_Print(j);
	if (!s)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	printf("%s\n", s);
	free(s);
}

static void note(const char *msg) { art_warn("%s", msg); }

static int cmd_run(int argc, char **argv)
{
	if (art_cli_parse(&run_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_tool_registry *reg = load_registry();
	const char *db = o.db ? o.db : getenv("ART_TOOL_DB");
	art_tool_runner_opts ro = {.db_path = db, .stage = "art-tool", .verbose = o.verbose, .note = note};
	art_tool_runner *r;
	char err[1024];
	if (art_tool_runner_new(&r, reg, &ro, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	art_env_filter f = {.stage = "art-tool", .fn = art_tool_runner_process, .ctx = r, .strict = o.strict};
	art_env_stats st;
	int rc = art_env_filter_run(&f, stdin, stdout, &st);
	if (rc != ART_OK)
		art_warn("I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	if (o.verbose)
		art_warn("%llu envelopes, %u MCP server start(s)", (unsigned long long)st.in,
			 art_tool_runner_mcp_starts(r));
	art_tool_runner_free(r);
	art_tool_registry_free(reg);
	art_exit(art_env_exit_code(rc, &st));
}

typedef struct {
	const art_tool_registry *reg;
} list_ctx;

static int list_one(void *ctx, cJSON *env, uint64_t line)
{
	const list_ctx *lc = ctx;
	cJSON *defs = art_tool_list_for(lc->reg, env);
	if (!defs)
		return ART_ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(env, "tools");
	cJSON_AddItemToObject(env, "tools", defs);
	(void)line;
	return ART_OK;
}

static int cmd_list(int argc, char **argv)
{
	if (art_cli_parse(&list_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_tool_registry *reg = load_registry();
	if (o.all) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < reg->ntools; i++)
			cJSON_AddItemToArray(a, art_tool_definition(&reg->tools[i]));
		print_json(a);
		cJSON_Delete(a);
		art_tool_registry_free(reg);
		art_exit(ART_EXIT_OK);
	}
	list_ctx lc = {reg};
	art_env_filter f = {.stage = "art-tool", .fn = list_one, .ctx = &lc};
	art_env_stats st;
	int rc = art_env_filter_run(&f, stdin, stdout, &st);
	if (rc != ART_OK)
		art_warn("I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	art_tool_registry_free(reg);
	art_exit(art_env_exit_code(rc, &st));
}

static cJSON *read_json_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		art_die(ART_EXIT_CONFIG, "%s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0, r;
	char *buf = malloc(cap);
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	if (bad)
		art_die(ART_EXIT_CONFIG, "%s: read error", path);
	cJSON *j = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!j)
		art_die(ART_EXIT_CONFIG, "%s: not JSON (OpenAPI specs are read as JSON)", path);
	return j;
}

static int cmd_import_openapi(int argc, char **argv)
{
	int n = art_cli_parse(&oa_cmd, argc, argv);
	if (n != 1)
		art_die(ART_EXIT_USAGE, "give exactly one SPEC.json");
	cJSON *spec = read_json_file(argv[0]);
	art_tool_openapi_opts oo = {.base_url = o.base_url, .prefix = o.prefix,
				    .scopes = o.scopes.n ? o.scopes.v : NULL, .nscopes = o.scopes.n};
	cJSON *doc;
	char err[512];
	if (art_tool_openapi_import(spec, &oo, &doc, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s: %s", argv[0], err);
	/* what we print must load: check it as a registry before printing */
	art_tool_registry *reg;
	char e2[1024];
	if (art_tool_registry_from_json(&reg, doc, ".", e2, sizeof e2) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s: imported entries do not form a valid registry: %s", argv[0], e2);
	art_tool_registry_free(reg);
	print_json(doc);
	cJSON_Delete(doc);
	cJSON_Delete(spec);
	art_strlist_free(&o.scopes);
	art_exit(ART_EXIT_OK);
}

static int cmd_mcp_import(int argc, char **argv)
{
	int n = art_cli_parse(&mi_cmd, argc, argv);
	if (n != 1)
		art_die(ART_EXIT_USAGE, "give exactly one SERVER (a name under the registry's servers)");
	art_tool_registry *reg = load_registry();
	art_mcp *m;
	char err[1024];
	int rc = art_tool_mcp_connect(reg, argv[0], o.version, &m, err, sizeof err);
	if (rc != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	if (o.verbose) {
		const cJSON *si = cJSON_GetObjectItemCaseSensitive(art_mcp_server_info(m), "serverInfo");
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(si, "name");
		art_warn("server %s (%s), protocol %s", argv[0], cJSON_IsString(nm) ? nm->valuestring : "?",
			 art_mcp_version(m));
	}
	cJSON *tools;
	rc = art_mcp_list_tools(m, art_clock_mono_us() + 30 * 1000000LL, &tools, err, sizeof err);
	art_mcp_close(m);
	if (rc != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s: tools/list: %s", argv[0], err);
	cJSON *doc = art_tool_mcp_entries(tools, argv[0], o.prefix, o.scopes.n ? o.scopes.v : NULL, o.scopes.n);
	print_json(doc);
	cJSON_Delete(doc);
	cJSON_Delete(tools);
	art_tool_registry_free(reg);
	art_strlist_free(&o.scopes);
	art_exit(ART_EXIT_OK);
}

static int print_row(void *ctx, const cJSON *row)
{
	char *s = cJSON_PrintUnformatted(row);
	if (!s)
		return ART_ENOMEM;
	int bad = printf("%s\n", s) < 0;
	free(s);
	(void)ctx;
	return bad || art_cli_epipe() ? ART_EIO : ART_OK;
}

static int cmd_audit(int argc, char **argv)
{
	if (art_cli_parse(&audit_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	const char *path = o.db ? o.db : getenv("ART_TOOL_DB");
	if (!path || !*path)
		art_die(ART_EXIT_USAGE, "no store: give --db FILE or set ART_TOOL_DB");
	if (access(path, R_OK) != 0)
		art_die(ART_EXIT_CONFIG, "%s: %s", path, strerror(errno));
	art_tool_db *db;
	char err[512];
	if (art_tool_db_open(&db, path, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	int rc = art_tool_db_audit_each(db, print_row, NULL);
	art_tool_db_close(db);
	if (rc != ART_OK && !ferror(stdout))
		art_die(ART_EXIT_CONFIG, "%s: cannot read the audit table", path);
	art_exit(ART_EXIT_OK);
}

static const char USAGE[] =
	"Usage: art-tool [COMMAND] [OPTION]...\n"
	"Typed, authorized, audited tool calls (exec, HTTP, MCP) for art envelopes.\n\n"
	"Commands:\n"
	"  run             the filter (default): decide, park or run each tool call\n"
	"  list            set each envelope's tools to those its actor may use\n"
	"  import-openapi  OpenAPI 3 operations -> registry entries\n"
	"  mcp-import      an MCP server's tools -> registry entries\n"
	"  audit           print the audit log of a store\n\n"
	"'art-tool COMMAND --help' for a command's options; man art-tool for the registry.\n";

static const art_subcmd CMDS[] = {
	{"run", cmd_run},
	{"list", cmd_list},
	{"import-openapi", cmd_import_openapi},
	{"mcp-import", cmd_mcp_import},
	{"audit", cmd_audit},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init("art-tool");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* no command, or options first: the filter */
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-h") && strcmp(argv[1], "--help") &&
			 strcmp(argv[1], "--version")))
		return cmd_run(argc, argv);
	art_cli_dispatch(USAGE, CMDS, argc, argv);
}

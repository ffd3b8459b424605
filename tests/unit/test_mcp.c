/* test_mcp.c — the MCP stdio client against tests/tools/mcp-misbehave.mjs (node):
 * version negotiation, tools/list, interleaved notifications and server requests,
 * isError, hang and crash detection.  Run from the repository root (tests/run does). */
#include "clock.h"
#include "err.h"
#include "mcp.h"
#include "t.h"
#include "tool_proc.h"
#include <signal.h>
#include <unistd.h>

static char node[256];
static const char *script = "tests/tools/mcp-misbehave.mjs";

static int open_server(art_mcp **m, const char *force_version, const char *ask, char *err, size_t errsz)
{
	const char *argv[] = {node, script, NULL};
	char ver[64];
	char *envp[] = {ver, NULL};
	snprintf(ver, sizeof ver, "MISBEHAVE_VERSION=%s", force_version ? force_version : "");
	art_mcp_opts o = {.transport = ART_MCP_STDIO, .argv = argv, .envp = force_version ? envp : envp + 1,
			  .version = ask, .timeout_ms = 10000};
	return art_mcp_open(m, &o, err, errsz);
}

static int64_t in_ms(long long ms) { return art_clock_mono_us() + ms * 1000; }

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (art_tool_proc_resolve("node", NULL, getenv("PATH"), node, sizeof node) != ART_OK ||
	    access(script, R_OK) != 0) {
		T_SKIP("node or tests/tools/mcp-misbehave.mjs not available");
		return T_DONE();
	}
	art_mcp *m;
	char err[512];
	T_EQ_INT(open_server(&m, NULL, NULL, err, sizeof err), ART_OK, "open + initialize (%s)", err);
	T_EQ_STR(art_mcp_version(m), ART_MCP_LATEST, "negotiated the newest version");
	T_OK(art_mcp_pid(m) > 0 && art_mcp_alive(m), "server running");

	cJSON *tools = NULL;
	T_EQ_INT(art_mcp_list_tools(m, in_ms(5000), &tools, err, sizeof err), ART_OK, "tools/list");
	T_EQ_INT(cJSON_GetArraySize(tools), 4, "four tools");
	cJSON_Delete(tools);

	cJSON *args = cJSON_Parse("{\"text\":\"x\"}"), *res = NULL;
	T_EQ_INT(art_mcp_call_tool(m, "chatty", args, in_ms(5000), &res, err, sizeof err), ART_OK,
		 "a call answered after notifications, a server ping and a non-object line");
	const cJSON *txt = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "content"), 0), "text");
	T_EQ_STR(cJSON_IsString(txt) ? txt->valuestring : NULL, "chatty: x (ping answered: true)",
		 "the server's ping was answered");
	cJSON_Delete(res);

	T_EQ_INT(art_mcp_call_tool(m, "fail", NULL, in_ms(5000), &res, err, sizeof err), ART_OK, "isError is a result");
	T_OK(cJSON_IsTrue(cJSON_GetObjectItem(res, "isError")), "with isError true");
	cJSON_Delete(res);

	T_EQ_INT(art_mcp_call_tool(m, "nosuch", NULL, in_ms(5000), &res, err, sizeof err), ART_EINVAL, "JSON-RPC error");
	T_OK(strstr(err, "rpc error -32602") != NULL, "names the code: %s", err);

	int64_t t0 = art_clock_mono_us();
	T_EQ_INT(art_mcp_call_tool(m, "hang", NULL, in_ms(300), &res, err, sizeof err), ART_ETIMEOUT, "hang times out");
	int64_t ms = (art_clock_mono_us() - t0) / 1000;
	T_OK(ms >= 300 && ms < 3000, "after the deadline and a 1 s ping (%lld ms)", (long long)ms);
	T_OK(!art_mcp_alive(m), "a server that does not answer ping is dead");
	T_EQ_INT(art_mcp_call_tool(m, "chatty", args, in_ms(1000), &res, err, sizeof err), ART_EIO, "dead connection refuses");
	int pid = art_mcp_pid(m);
	art_mcp_close(m);
	T_OK(kill(pid, 0) != 0, "closed: the hung server is gone");

	T_EQ_INT(open_server(&m, NULL, NULL, err, sizeof err), ART_OK, "reopen");
	T_EQ_INT(art_mcp_call_tool(m, "crash", NULL, in_ms(5000), &res, err, sizeof err), ART_EIO, "crash is an I/O error");
	T_OK(strstr(err, "exited with status 7") && strstr(err, "fatal: crash requested"), "with status and stderr: %s", err);
	T_OK(!art_mcp_alive(m), "and the connection is dead");
	art_mcp_close(m);

	T_EQ_INT(open_server(&m, "2024-01-01", NULL, err, sizeof err), ART_EUNSUPP, "unknown server version refused");
	T_OK(strstr(err, "2024-01-01") != NULL, "named: %s", err);
	T_EQ_INT(open_server(&m, NULL, "2025-06-18", err, sizeof err), ART_OK, "ask for 2025-06-18");
	T_EQ_STR(art_mcp_version(m), "2025-06-18", "negotiated 2025-06-18");
	art_mcp_close(m);

	const char *argv[] = {"/bin/true", NULL};
	char *envp[] = {NULL};
	art_mcp_opts o = {.transport = ART_MCP_STDIO, .argv = argv, .envp = envp, .timeout_ms = 2000};
	T_EQ_INT(art_mcp_open(&m, &o, err, sizeof err), ART_EIO, "a server that exits at once");
	/* it may die before or after reading initialize: either side of the pipe closes first */
	T_OK(strstr(err, "closed its output") || strstr(err, "closed its input"), "is reported: %s", err);
	cJSON_Delete(args);
	return T_DONE();
}

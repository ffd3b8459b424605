/* mcp.h — a Model Context Protocol client: stdio (newline-delimited JSON-RPC to a child
 * process) and streamable HTTP (POST, JSON or SSE answers, Mcp-Session-Id).
 *
 * Lifecycle: art_mcp_open starts the server (stdio) or opens the session (HTTP), sends
 * initialize with the requested protocol version, checks the server's answer is a
 * version this client speaks (ART_MCP_VERSIONS), and sends notifications/initialized.
 * One connection then serves any number of requests, one at a time.  Server
 * notifications arriving between or inside requests are skipped; server requests are
 * answered (ping with {}, anything else with JSON-RPC error -32601).
 *
 * Failures: a request past its deadline returns ART_ETIMEOUT (a notifications/cancelled
 * is sent; if the server then fails a 1 s ping it is marked dead); a server that exits
 * or closes its output returns ART_EIO and is dead; a JSON-RPC error answer returns
 * ART_EINVAL with "rpc error CODE: message" in err.  A dead connection answers every
 * request with ART_EIO; close it and open a new one.
 *
 * Ownership: options are copied at open (the caller's strings may go away); results
 * are new cJSON trees for the caller to cJSON_Delete; art_mcp_close kills what it
 * started (stdin closed, 500 ms grace, then SIGTERM and SIGKILL to the process group)
 * and ends an HTTP session with DELETE.
 */
#ifndef ART_MCP_H
#define ART_MCP_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define ART_MCP_LATEST "2025-11-25"
/* Versions this client speaks, newest first, NULL-terminated. */
extern const char *const ART_MCP_VERSIONS[];

enum art_mcp_transport { ART_MCP_STDIO, ART_MCP_HTTP };

typedef struct {
	enum art_mcp_transport transport;
	const char *const *argv;     /* stdio: argv[0] a resolved path; NULL-terminated */
	char *const *envp;           /* stdio: the child's whole environment */
	const char *cwd;             /* stdio: NULL inherits */
	const char *url;             /* http: the MCP endpoint */
	const char *const *headers;  /* http: extra "Name: value" lines, NULL-terminated */
	const char *version;         /* protocol version to ask for; NULL = ART_MCP_LATEST */
	long long timeout_ms;        /* initialize / list deadline; 0 = 10000 */
} art_mcp_opts;

typedef struct art_mcp art_mcp;

int art_mcp_open(art_mcp **out, const art_mcp_opts *o, char *err, size_t errsz);
void art_mcp_close(art_mcp *m);
/* The negotiated protocol version. */
const char *art_mcp_version(const art_mcp *m);
/* The server's initialize result (serverInfo, capabilities); borrowed. */
const cJSON *art_mcp_server_info(const art_mcp *m);
/* 0 once the connection failed (server gone, protocol broken). */
int art_mcp_alive(const art_mcp *m);
/* Process id of a stdio server (0 for HTTP). */
int art_mcp_pid(const art_mcp *m);

/* One JSON-RPC request; deadline_us is CLOCK_MONOTONIC (art_clock_mono_us).  params
 * is borrowed (may be NULL).  *result: the "result" member. */
int art_mcp_request(art_mcp *m, const char *method, const cJSON *params, int64_t deadline_us,
		    cJSON **result, char *err, size_t errsz);
/* tools/list, following nextCursor: *tools gets one array of every tool. */
int art_mcp_list_tools(art_mcp *m, int64_t deadline_us, cJSON **tools, char *err, size_t errsz);
/* tools/call.  ART_OK with *result {content, structuredContent?, isError?} whenever the
 * server answered (isError true is the tool's own failure, for the caller to map). */
int art_mcp_call_tool(art_mcp *m, const char *name, const cJSON *args, int64_t deadline_us,
		      cJSON **result, char *err, size_t errsz);
#endif

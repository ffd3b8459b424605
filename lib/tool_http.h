/* tool_http.h — HTTP tools (libcurl) and the OpenAPI 3 importer; the outcome type every
 * tool kind reports into.
 *
 * Ownership: an art_tool_outcome owns content and details; free them with
 * art_tool_outcome_clear.  art_tool_openapi_import gives the caller a new registry
 * document.  Arguments and tools are borrowed.
 */
#ifndef ART_TOOL_HTTP_H
#define ART_TOOL_HTTP_H
#include "tool.h"
#include <cJSON.h>

typedef struct {
	cJSON *content;   /* success: the tool's JSON result */
	const char *code; /* failure: an ART_TOOL_E_* code; NULL on success */
	char msg[512];    /* failure: one line for people (and the model) */
	cJSON *details;   /* failure: {exit_code, stderr_tail, http_status, ...} or NULL */
	int transient;    /* failure that a retry may cure (timeouts, 5xx, connection) */
} art_tool_outcome;

void art_tool_outcome_clear(art_tool_outcome *o);
/* Sets code and message (printf); keeps earlier details. */
void art_tool_outcome_fail(art_tool_outcome *o, const char *code, int transient, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One request for an http tool: URL template {name} from arguments (URL-encoded),
 * http.query names as query parameters, http.headers fixed or {env, prefix} from the
 * environment (a missing variable fails with missing_credential before any request),
 * the remaining arguments as a JSON body (POST/PUT/PATCH, or http.body {"arg": NAME}).
 * A 2xx JSON answer becomes content.  Never follows redirects. */
void art_tool_http_call(const art_tool *t, const cJSON *args, long long timeout_ms,
			art_tool_outcome *o);

typedef struct {
	const char *base_url;        /* NULL: the spec's servers[0].url */
	const char *const *scopes;   /* required scopes of every entry; NULL: {"tools:http"} */
	size_t nscopes;
	const char *prefix;          /* prepended to every tool name; may be NULL */
} art_tool_openapi_opts;

/* OpenAPI 3.0/3.1 (JSON) operations -> {"tools": [...]} registry entries: path and query
 * parameters and the JSON request body (as "body") form the input schema,
 * components.schemas become $defs, the first 2xx JSON response schema the output
 * schema.  ART_OK, or ART_EINVAL with err. */
int art_tool_openapi_import(const cJSON *spec, const art_tool_openapi_opts *o, cJSON **out,
			    char *err, size_t errsz);
#endif

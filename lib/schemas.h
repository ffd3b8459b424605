/* schemas.h — the JSON Schemas of schemas/ JSON files, embedded at build time, and the
 * envelope contract check that stages run in --strict mode.
 *
 * Ownership: texts are static.  The compiled envelope schema is made once per process
 * (thread-safe) and lives until exit.
 */
#ifndef ART_SCHEMAS_H
#define ART_SCHEMAS_H
#include <cJSON.h>
#include <stddef.h>

typedef struct {
	const char *name; /* "envelope" for schemas/envelope.schema.json */
	const char *text; /* the file's JSON text */
} art_schema_text;

extern const art_schema_text art_schemas_table[]; /* NULL-name terminated */

/* JSON text of an embedded schema by name, or NULL. */
const char *art_schemas_get(const char *name);
/* Checks env against schemas/envelope.schema.json (formats asserted).  ART_OK, or
 * ART_EINVAL with the first errors in err ("/path: message; ...") and, if details is not
 * NULL, a new cJSON array of {instanceLocation, keywordLocation, message} for the
 * caller to own. */
int art_schemas_check_envelope(const cJSON *env, char *err, size_t errsz, cJSON **details);
#endif

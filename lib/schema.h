/* schema.h — JSON Schema draft 2020-12 validation (module prefix art_schema_).
 *
 * A schema is compiled once (references pre-resolved, regexes precompiled) into an
 * immutable art_schema, then validated against any number of cJSON instances.
 * art_schema_validate never mutates the compiled schema: several threads may validate
 * against one art_schema at the same time, each with its own art_schema_result (or NULL).
 *
 * Ownership:
 *   - art_schema_registry owns deep copies of the documents added to it.
 *   - art_schema owns everything it needs (its own copies of every document it
 *     references), so the registry and the input cJSON may be freed right after compile.
 *   - art_schema_result owns its errors; art_schema_result_error() pointers stay valid
 *     until the next validate with that result, or its free.
 *   - art_schema_result_to_json() gives the caller a new cJSON array to cJSON_Delete.
 *
 * $ref to another document resolves, in order, against: documents in the schema
 * itself (every $id), the registry, the built-in 2020-12 meta-schemas
 * (https://json-schema.org/draft/2020-12/schema and its meta/ vocabularies), and
 * with ART_SCHEMA_FILE_REFS local files named by file:// URIs.  Nothing is ever
 * fetched from the network.
 */
#ifndef ART_SCHEMA_H
#define ART_SCHEMA_H
#include <stddef.h>
#include <stdio.h>
#include <cJSON.h>

typedef struct art_schema art_schema;
typedef struct art_schema_registry art_schema_registry;
typedef struct art_schema_result art_schema_result;

/* Compile flags. */
enum art_schema_flag {
	ART_SCHEMA_FORMAT_ASSERT = 1u << 0, /* "format" asserts (default: annotation only) */
	ART_SCHEMA_FILE_REFS = 1u << 1,     /* a $ref to a file:// URI not in the registry
					       reads that local file */
};

/* One validation error.  Locations are JSON Pointers ("" is the root):
 * instance_location into the instance, keyword_location along the evaluation path
 * through the schema (it includes "$ref" steps, e.g. "/properties/a/$ref/type"). */
typedef struct art_schema_error {
	char *instance_location;
	char *keyword_location;
	char *message;
} art_schema_error;

/* ---- registry: documents by URI, from memory or files ---- */
int art_schema_registry_new(art_schema_registry **out);
void art_schema_registry_free(art_schema_registry *reg);
/* Register a copy of doc under the absolute uri (a fragment, if any, is ignored).
 * Registering a uri twice replaces the earlier document.  A document is also found
 * by the $id at its root (resolved against uri). */
int art_schema_registry_add(art_schema_registry *reg, const char *uri, const cJSON *doc,
			    char *err, size_t errsz);
/* Register every *.json file under dir (recursively) as base_uri + relative path;
 * base_uri should end in "/".  Fails on the first unreadable or non-JSON file. */
int art_schema_registry_add_dir(art_schema_registry *reg, const char *base_uri,
				const char *dir, char *err, size_t errsz);

/* ---- compile ---- */
/* Compile doc (a schema object or boolean).  base_uri: the retrieval URI used when the
 * schema has no absolute $id (NULL: none).  reg may be NULL.  flags: art_schema_flag.
 * Errors (ART_EINVAL, ART_ENOENT for an unresolvable $ref, ART_ENOMEM) come with a
 * message in err naming the schema location, e.g. "/properties/a/minLength: ...". */
int art_schema_compile(art_schema **out, const cJSON *doc, art_schema_registry *reg,
		       const char *base_uri, unsigned flags, char *err, size_t errsz);
/* Read and compile a schema file; its base URI is "file://" + its absolute path. */
int art_schema_compile_file(art_schema **out, const char *path, art_schema_registry *reg,
			    unsigned flags, char *err, size_t errsz);
void art_schema_free(art_schema *s);

/* ---- validate ---- */
/* Returns 1 valid, 0 invalid, or a negative status (ART_ERANGE: evaluation nested too
 * deep, ART_ENOMEM).  res NULL is the fast path: it stops at the first failure and
 * builds no messages.  With res, it collects errors (at most 100; it is reset first). */
int art_schema_validate(const art_schema *s, const cJSON *inst, art_schema_result *res);

/* ---- results ---- */
int art_schema_result_new(art_schema_result **out);
void art_schema_result_free(art_schema_result *res);
size_t art_schema_result_count(const art_schema_result *res);
const art_schema_error *art_schema_result_error(const art_schema_result *res, size_t i);
/* A new array of {"instanceLocation","keywordLocation","message"} objects in *out. */
int art_schema_result_to_json(const art_schema_result *res, cJSON **out);

/* Validate for a stage: the fast path first; only an invalid instance is run again
 * to collect errors.  Returns 1 valid (*errors = NULL), 0 invalid (*errors = a new
 * array as art_schema_result_to_json makes, for an envelope's error details), or a
 * negative status (*errors = NULL).  Safe from several threads on one schema. */
int art_schema_check(const art_schema *s, const cJSON *inst, cJSON **errors);

/* ---- JSON lines (art-validate) ---- */
typedef struct art_schema_lines_stats {
	long long lines, valid, invalid; /* invalid includes lines that are not JSON */
	long long parse_us, validate_us; /* time spent in cJSON parsing / in validation */
} art_schema_lines_stats;
/* Read one JSON value per line from in; write one line per input line to out:
 * {"valid":true} or {"valid":false,"errors":[{instanceLocation,keywordLocation,message}]}.
 * A line that is empty, not JSON, or not UTF-8 is invalid with one error saying so.
 * An instance nested too deep to evaluate is invalid too.  stats (may be NULL) is
 * filled in.  ART_OK when every line was read and written (stats->invalid has the
 * verdict); ART_EIO on a read or write error, with errno as the failing call left it
 * (EPIPE: the reader went away) and a message in err; ART_ENOMEM. */
int art_schema_lines(const art_schema *s, FILE *in, FILE *out, art_schema_lines_stats *stats,
		     char *err, size_t errsz);

/* ---- formats (usable on their own) ---- */
/* 1 if s is a valid value of the named format, 0 if not, -1 if the format is unknown.
 * Known: date-time, date, time, duration, email, idn-email, hostname, idn-hostname,
 * ipv4, ipv6, uri, uri-reference, iri, iri-reference, uri-template, uuid,
 * json-pointer, relative-json-pointer, regex. */
int art_schema_format_check(const char *format, const char *s);
#endif

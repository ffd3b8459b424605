/* json_parse.h — parsing one JSON text into a cJSON tree, faster than cJSON's own parser
 * for plain JSON.
 *
 * art_json_parse(s, len, &end) returns what cJSON_ParseWithLengthOpts(s, len, &end, 0)
 * returns: the same tree (types, keys, values, valueint, member order, child->prev as the
 * last member), the same *end (just past the value, or cJSON's error position), NULL on
 * the same inputs.  It parses standard JSON itself — whitespace, objects, arrays, strings
 * without \u escapes or control characters, numbers of the JSON grammar with at most 63
 * characters, true/false/null, nesting up to 256 — and hands everything else (errors
 * included) to cJSON, so cJSON's leniencies and error positions stay as they are.
 *
 * Ownership: the tree is the caller's (cJSON_Delete); it is allocated through cJSON's
 * hooks, as cJSON's would be.
 */
#ifndef ART_JSON_PARSE_H
#define ART_JSON_PARSE_H
#include <cJSON.h>
#include <stddef.h>

cJSON *art_json_parse(const char *s, size_t len, const char **end);
#endif

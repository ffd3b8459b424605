/* json_get.h — member lookup in cJSON objects for hot paths.
 *
 * art_json_get has cJSON_GetObjectItemCaseSensitive's contract (the first member named
 * key, or NULL; NULL for a NULL object or key, and for members without a name), but
 * compares the first two bytes inline before calling strcmp, which is most of the cost
 * of looking up short keys in envelopes.  Returns a pointer into o (no ownership change).
 */
#ifndef ART_JSON_GET_H
#define ART_JSON_GET_H
#include <cJSON.h>
#include <string.h>

static inline cJSON *art_json_get(const cJSON *o, const char *key)
{
	if (!o || !key)
		return NULL;
	cJSON *c = o->child;
	/* a name that matches key's first byte (not NUL) has a second byte too */
	while (c && c->string &&
	       (c->string[0] != key[0] || (key[0] && c->string[1] != key[1]) || strcmp(c->string, key) != 0))
		c = c->next;
	return c && c->string ? c : NULL;
}
#endif

/* json_write.h — compact JSON text of a cJSON tree, appended to a growable buffer.
 *
 * The format is cJSON_PrintUnformatted's, except that integral numbers below 2^53 are
 * written as plain digits (exact microsecond times, ids, counts).
 *
 * Ownership: the caller owns art_json_buf (zero-initialise it, reuse it by setting n = 0,
 * release with art_json_buf_free).  On allocation failure oom is set and output stops
 * growing; check it before using the text.  The text is not NUL-terminated, but room
 * for one more byte is always kept, so b[n] = 0 is safe.
 */
#ifndef ART_JSON_WRITE_H
#define ART_JSON_WRITE_H
#include <cJSON.h>
#include <stddef.h>

typedef struct {
	char *b;
	size_t n, cap;
	int oom;
} art_json_buf;

/* Appends the compact JSON text of v. */
void art_json_write(art_json_buf *j, const cJSON *v);
/* Appends k raw bytes. */
void art_json_put(art_json_buf *j, const char *s, size_t k);
void art_json_buf_free(art_json_buf *j);
#endif

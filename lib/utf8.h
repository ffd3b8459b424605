/* utf8.h — UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef ART_UTF8_H
#define ART_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* Returns 1 if s[0..n) is valid UTF-8; otherwise 0 and, if bad_at != NULL, the byte
 * offset of the first invalid sequence. */
int art_utf8_valid(const char *s, size_t n, size_t *bad_at);
/* Decodes one code point at s (n bytes available). Returns its length (1..4) and the
 * code point in *cp, or 0 for an invalid sequence. */
int art_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Number of code points in a valid UTF-8 string of n bytes. */
size_t art_utf8_len(const char *s, size_t n);
#endif

/* sha256.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 * Used for input-line hashes in error envelopes, idempotency keys, and keyed redaction.
 * No allocation; contexts live on the caller's stack. */
#ifndef ART_SHA256_H
#define ART_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t h[8];
	uint64_t nbytes;   /* total bytes fed */
	uint8_t buf[64];
	size_t nbuf;       /* bytes pending in buf, < 64 */
} art_sha256;

void art_sha256_init(art_sha256 *c);
void art_sha256_update(art_sha256 *c, const void *data, size_t n);
void art_sha256_final(art_sha256 *c, uint8_t out[32]);
/* One shot; hex is 64 lowercase hex digits + NUL. */
void art_sha256_hex(const void *data, size_t n, char hex[65]);
void art_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32]);
/* Lowercase hex of n bytes into out (2n+1 bytes with NUL). */
void art_hex(const uint8_t *in, size_t n, char *out);
#endif

/* rand.h — random identifiers from the kernel CSPRNG (getrandom). */
#ifndef ART_RAND_H
#define ART_RAND_H
#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes. ART_OK or ART_EIO. */
int art_rand_bytes(void *buf, size_t n);
/* Lowercase hex id of nbytes random bytes (never all zero, as W3C trace context requires)
 * into out (2*nbytes+1). W3C: trace id 16 bytes, span id 8 bytes. */
int art_rand_hex(size_t nbytes, char *out);
#endif

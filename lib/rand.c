/* rand.c — random bytes and hex ids. */
#include "rand.h"
#include "err.h"
#include "sha256.h"
#include <errno.h>
#include <sys/random.h>

int art_rand_bytes(void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = getrandom((char *)buf + got, n - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return ART_EIO;
		}
		got += (size_t)k;
	}
	return ART_OK;
}

int art_rand_hex(size_t nbytes, char *out)
{
	uint8_t b[64];
	ART_ASSERT(nbytes > 0 && nbytes <= sizeof b);
	for (;;) {
		int rc = art_rand_bytes(b, nbytes);
		if (rc)
			return rc;
		for (size_t i = 0; i < nbytes; i++)
			if (b[i]) {
				art_hex(b, nbytes, out);
				return ART_OK;
			}
	}
}

/* file.c — whole-file reads (contract in file.h). */
#include "file.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int art_file_read_stream(FILE *f, const char *name, char **buf, size_t *len, char *err, size_t errsz)
{
	*buf = NULL;
	*len = 0;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (!b) return art_errf(err, errsz, ART_ENOMEM, "%s: out of memory", name);
		const size_t k = fread(b + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0) break;
		if (cap - n < 2) {
			char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
			if (!nb) free(b);
			b = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(b);
		return art_errf(err, errsz, ART_EIO, "%s: read error", name);
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return ART_OK;
}

int art_file_read(const char *path, char **buf, size_t *len, char *err, size_t errsz)
{
	*buf = NULL;
	*len = 0;
	if (!strcmp(path, "-")) return art_file_read_stream(stdin, "standard input", buf, len, err, errsz);
	FILE *f = fopen(path, "rb");
	if (!f) {
		const int e = errno;
		return art_errf(err, errsz, e == ENOENT ? ART_ENOENT : ART_EIO, "%s: %s", path, strerror(e));
	}
	const int rc = art_file_read_stream(f, path, buf, len, err, errsz);
	fclose(f);
	return rc;
}

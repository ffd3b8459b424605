/* file.h — reading a whole file (configs, documents to ingest) into memory.
 *
 * Ownership: on ART_OK *buf is a malloc'd buffer of *len bytes plus a terminating NUL
 * (not counted in *len); the caller frees it.  On failure *buf is NULL and err (when
 * given) holds one line naming the file.
 */
#ifndef ART_FILE_H
#define ART_FILE_H
#include <stddef.h>
#include <stdio.h>

/* path "-" reads standard input.  ART_OK; ART_ENOENT (no such file), ART_EIO (cannot open
 * or read), ART_ENOMEM. */
int art_file_read(const char *path, char **buf, size_t *len, char *err, size_t errsz);
/* Reads f to its end; f stays open.  name labels messages. */
int art_file_read_stream(FILE *f, const char *name, char **buf, size_t *len, char *err, size_t errsz);
#endif

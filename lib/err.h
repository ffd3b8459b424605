/* err.h — library status codes, shared by every lib/ module.
 *
 * Contract: library functions return int status: ART_OK (0) on success, a negative
 * ART_E* on failure, and never exit or print.  Where a caller needs words, functions
 * take (char *err, size_t errsz) and write one line there (no newline, no program name).
 * Programmer errors (broken invariants) hit ART_ASSERT, which is always on.
 */
#ifndef ART_ERR_H
#define ART_ERR_H
#include <stdio.h>
#include <stdlib.h>

enum art_status {
	ART_OK = 0,
	ART_EINVAL = -1,   /* bad argument or malformed input */
	ART_ENOMEM = -2,   /* allocation failed */
	ART_EIO = -3,      /* read/write/system call failed */
	ART_ENOENT = -4,   /* no such key, file, item */
	ART_ETYPE = -5,    /* value present but of the wrong type */
	ART_EFORMAT = -6,  /* file or data format violated (bad magic, truncated, out of bounds) */
	ART_ERANGE = -7,   /* value out of range */
	ART_EUNSUPP = -8,  /* valid but not supported (unknown architecture, type) */
	ART_ETIMEOUT = -9, /* deadline or timeout passed */
	ART_EDENIED = -10, /* refused by policy / authority */
	ART_EEXIST = -11,  /* already exists / already done */
};

/* Short stable name of a status ("ok", "einval", ...); never NULL. */
const char *art_strerror(int status);
/* Writes the formatted line into err (when err and errsz) and returns rc, for
 * `return art_errf(err, errsz, ART_EFORMAT, "%s: ...", path);`. */
int art_errf(char *err, size_t errsz, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define ART_ASSERT(cond)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)
#endif

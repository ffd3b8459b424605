/* err.c — names of library status codes. */
#include "err.h"

#include <stdarg.h>

const char *art_strerror(int status)
{
	switch (status) {
	case ART_OK: return "ok";
	case ART_EINVAL: return "invalid argument";
	case ART_ENOMEM: return "out of memory";
	case ART_EIO: return "i/o error";
	case ART_ENOENT: return "not found";
	case ART_ETYPE: return "wrong type";
	case ART_EFORMAT: return "bad format";
	case ART_ERANGE: return "out of range";
	case ART_EUNSUPP: return "unsupported";
	case ART_ETIMEOUT: return "timed out";
	case ART_EDENIED: return "denied";
	case ART_EEXIST: return "already exists";
	}
	return "unknown error";
}

int art_errf(char *err, size_t errsz, int rc, const char *fmt, ...)
{
	if (err && errsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return rc;
}

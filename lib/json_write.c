/* json_write.c — compact JSON output of cJSON trees: cJSON_PrintUnformatted's format,
 * but integral numbers below 2^53 as plain digits (cJSON's %1.15g would print a 16-digit
 * microsecond time as 1.79548596135307e+15), and no printf per number. */
#include "json_write.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(art_json_buf *j, size_t k)
{
	size_t nc = j->cap ? j->cap : 4096;
	while (nc < j->n + k + 1)
		nc *= 2;
	char *nb = realloc(j->b, nc);
	if (!nb) {
		j->oom = 1;
		return 0;
	}
	j->b = nb;
	j->cap = nc;
	return 1;
}

/* 1 when k more bytes (and the spare one for a NUL) fit, growing the buffer if needed. */
static inline int room(art_json_buf *j, size_t k)
{
	return j->n + k + 1 <= j->cap || grow(j, k);
}

void art_json_put(art_json_buf *j, const char *s, size_t k)
{
	if (room(j, k)) {
		memcpy(j->b + j->n, s, k);
		j->n += k;
	}
}

static inline void put_char(art_json_buf *j, char c)
{
	if (room(j, 1))
		j->b[j->n++] = c;
}

/* Bytes a JSON string must escape: control characters, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1,
};

/* Whether any of the 8 bytes in x needs an escape (exact, though not which one). */
static inline int has_escape8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high ? 1 : 0;
}

static void put_string(art_json_buf *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		s = "";
	size_t len = strlen(s);
	/* the common case (nothing to escape) needs only this reservation */
	if (!room(j, len + 2))
		return;
	char *o = j->b + j->n;
	*o++ = '"';
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	for (;;) {
		const unsigned char *run = p;
		uint64_t w;
		while (end - p >= 8 && (memcpy(&w, p, 8), !has_escape8(w)))
			p += 8;
		while (p < end && !needs_escape[*p])
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;
		/* an escape takes up to 6 bytes for 1: reserve the rest of the string again */
		j->n = (size_t)(o - j->b);
		if (!room(j, 6 + (size_t)(end - p) + 1))
			return;
		o = j->b + j->n;
		*o++ = '\\';
		switch (*p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hex[*p >> 4], *o++ = hex[*p & 15];
		}
		p++;
	}
	*o++ = '"';
	j->n = (size_t)(o - j->b);
}

/* Writes u in decimal ending just before e; returns the first digit. */
static char *utoa_back(unsigned long long u, char *e)
{
	do
		*--e = (char)('0' + u % 10);
	while (u /= 10);
	return e;
}

/* A non-integral finite a > 0 as "%1.15g" prints it, when a is the double nearest to a
 * decimal m / 10^k with at most 15 significant digits and 1e-4 <= a < 1e15.  Then
 * %.15g rounds a to exactly that decimal (a is within 2^-53 of it, far inside half a
 * unit of its 15th digit) and prints it in fixed notation without trailing zeros.
 * Returns the length written to t (>= 24 bytes), or 0 when the fast path does not apply. */
static size_t short_decimal(double a, char *t)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				     1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (int k = 1; k < 20; k++) {
		double v = a * p10[k];
		if (v >= 1e15)
			return 0; /* 16 or more significant digits */
		double m = floor(v + 0.5);
		/* m and 10^k are exact, so the division rounds the decimal m / 10^k correctly:
		 * this is what strtod gives for it */
		if (m / p10[k] != a)
			continue;
		unsigned long long u = (unsigned long long)m;
		while (k > 0 && u % 10 == 0) /* the shortest such decimal */
			u /= 10, k--;
		if (k == 0)
			return 0; /* integral after all: leave it to the general path */
		char d[24], *e = d + sizeof d, *q = utoa_back(u, e);
		size_t nd = (size_t)(e - q), n = 0;
		if (nd <= (size_t)k) { /* 0.000ddd */
			t[n++] = '0';
			t[n++] = '.';
			for (size_t z = nd; z < (size_t)k; z++)
				t[n++] = '0';
			memcpy(t + n, q, nd);
			n += nd;
		} else { /* ddd.ddd */
			memcpy(t + n, q, nd - (size_t)k);
			n += nd - (size_t)k;
			t[n++] = '.';
			memcpy(t + n, q + nd - (size_t)k, (size_t)k);
			n += (size_t)k;
		}
		return n;
	}
	return 0;
}

static void put_number(art_json_buf *j, double d)
{
	char t[40];
	if (d != d || d - d != 0) { /* NaN or infinity: cJSON writes null */
		art_json_put(j, "null", 4);
		return;
	}
	if (d == (double)(long long)d && d < 9007199254740992.0 && d > -9007199254740992.0) {
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		char *e = t + sizeof t, *q = utoa_back(u, e);
		if (v < 0)
			*--q = '-';
		art_json_put(j, q, (size_t)(e - q));
		return;
	}
	/* as cJSON: 15 significant digits if that reads back exactly, else 17 */
	size_t neg = d < 0;
	t[0] = '-';
	size_t k = short_decimal(neg ? -d : d, t + neg);
	if (k) {
		art_json_put(j, t, k + neg);
		return;
	}
	int n = snprintf(t, sizeof t, "%1.15g", d);
	if (strtod(t, NULL) != d)
		n = snprintf(t, sizeof t, "%1.17g", d);
	art_json_put(j, t, (size_t)n);
}

void art_json_write(art_json_buf *j, const cJSON *v)
{
	switch (v->type & 0xFF) {
	case cJSON_NULL: art_json_put(j, "null", 4); break;
	case cJSON_False: art_json_put(j, "false", 5); break;
	case cJSON_True: art_json_put(j, "true", 4); break;
	case cJSON_Number: put_number(j, v->valuedouble); break;
	case cJSON_String: put_string(j, v->valuestring); break;
	case cJSON_Raw:
		if (v->valuestring)
			art_json_put(j, v->valuestring, strlen(v->valuestring));
		else
			art_json_put(j, "null", 4);
		break;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (v->type & 0xFF) == cJSON_Object;
		put_char(j, obj ? '{' : '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				put_char(j, ',');
			if (obj) {
				put_string(j, c->string);
				put_char(j, ':');
			}
			art_json_write(j, c);
		}
		put_char(j, obj ? '}' : ']');
		break;
	}
	default: art_json_put(j, "null", 4); /* cJSON_Invalid */
	}
}


void art_json_buf_free(art_json_buf *j)
{
	free(j->b);
	j->b = NULL;
	j->n = j->cap = 0;
	j->oom = 0;
}

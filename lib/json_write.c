/* json_write.c — compact JSON output of cJSON trees: cJSON_PrintUnformatted's format,
 * but integral numbers below 2^53 as plain digits (cJSON's %1.15g would print a 16-digit
 * microsecond time as 1.79548596135307e+15), and no printf per number. */
#include "json_write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int room(art_json_buf *j, size_t k)
{
	if (j->n + k + 1 <= j->cap)
		return 1;
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

void art_json_put(art_json_buf *j, const char *s, size_t k)
{
	if (room(j, k)) {
		memcpy(j->b + j->n, s, k);
		j->n += k;
	}
}

static void put_string(art_json_buf *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		s = "";
	if (!room(j, 2))
		return;
	j->b[j->n++] = '"';
	const unsigned char *p = (const unsigned char *)s;
	for (;;) {
		const unsigned char *run = p;
		while (*p >= 32 && *p != '"' && *p != '\\')
			p++;
		art_json_put(j, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char e[7] = {'\\', 0, 0, 0, 0, 0, 0};
		size_t k = 2;
		switch (*p) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[*p >> 4], e[5] = hex[*p & 15];
			k = 6;
		}
		art_json_put(j, e, k);
		p++;
	}
	art_json_put(j, "\"", 1);
}

static void put_number(art_json_buf *j, double d)
{
	char t[32];
	if (d != d || d - d != 0) { /* NaN or infinity: cJSON writes null */
		art_json_put(j, "null", 4);
		return;
	}
	if (d == (double)(long long)d && d < 9007199254740992.0 && d > -9007199254740992.0) {
		long long v = (long long)d;
		unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		char *e = t + sizeof t, *q = e;
		do
			*--q = (char)('0' + u % 10);
		while (u /= 10);
		if (v < 0)
			*--q = '-';
		art_json_put(j, q, (size_t)(e - q));
		return;
	}
	/* as cJSON: 15 significant digits if that reads back exactly, else 17 */
	int k = snprintf(t, sizeof t, "%1.15g", d);
	if (strtod(t, NULL) != d)
		k = snprintf(t, sizeof t, "%1.17g", d);
	art_json_put(j, t, (size_t)k);
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
		art_json_put(j, obj ? "{" : "[", 1);
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				art_json_put(j, ",", 1);
			if (obj) {
				put_string(j, c->string);
				art_json_put(j, ":", 1);
			}
			art_json_write(j, c);
		}
		art_json_put(j, obj ? "}" : "]", 1);
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

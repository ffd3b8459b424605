/* trace_buf.c — byte buffer, JSON string escaping, OTLP attribute encoding. */
#include "trace_buf.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void art_trace_buf_free(art_trace_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void art_trace_buf_reset(art_trace_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p)
		b->p[0] = 0;
}

char *art_trace_buf_take(art_trace_buf *b)
{
	char *p = b->oom ? NULL : b->p;
	if (b->oom)
		free(b->p);
	if (p == NULL && !b->oom)
		p = calloc(1, 1);
	memset(b, 0, sizeof *b);
	return p;
}

static int grow(art_trace_buf *b, size_t need)
{
	if (b->oom)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	size_t c = b->cap ? b->cap : 256;
	while (c < b->len + need + 1)
		c *= 2;
	char *q = realloc(b->p, c);
	if (!q) {
		b->oom = 1;
		return -1;
	}
	b->p = q;
	b->cap = c;
	return 0;
}

void art_trace_buf_put(art_trace_buf *b, const char *s, size_t n)
{
	if (__builtin_expect(b->len + n + 1 > b->cap || b->oom, 0) && grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void art_trace_buf_puts(art_trace_buf *b, const char *s) { art_trace_buf_put(b, s, strlen(s)); }

void art_trace_buf_printf(art_trace_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void art_trace_buf_json_str(art_trace_buf *b, const char *s)
{
	if (!s) {
		art_trace_buf_put(b, "null", 4);
		return;
	}
	size_t n = strlen(s);
	if (grow(b, n + 2))
		return;
	/* room for the quotes and every byte unescaped; regrow only at an escape */
	char *o = b->p + b->len;
	*o++ = '"';
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (__builtin_expect(c >= 0x20 && c != '"' && c != '\\', 1)) {
			*o++ = (char)c;
			continue;
		}
		b->len = (size_t)(o - b->p);
		if (grow(b, n - (size_t)(p - s) + 8))
			return;
		o = b->p + b->len;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			o += snprintf(o, 6, "u%04x", c);
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	*o = 0;
}

void art_trace_attrs_begin(art_trace_buf *b) { art_trace_buf_put(b, "[", 1); }
void art_trace_attrs_end(art_trace_buf *b) { art_trace_buf_put(b, "]", 1); }

static void key_open(art_trace_buf *b, const char *key)
{
	if (b->len && b->p[b->len - 1] != '[')
		art_trace_buf_put(b, ",", 1);
	art_trace_buf_put(b, "{\"key\":", 7);
	art_trace_buf_json_str(b, key);
	art_trace_buf_put(b, ",\"value\":", 9);
}

static void str_value(art_trace_buf *b, const char *v)
{
	art_trace_buf_put(b, "{\"stringValue\":", 15);
	art_trace_buf_json_str(b, v);
	art_trace_buf_put(b, "}", 1);
}

/* Shortest of %.15g, %.16g, %.17g that reads back as v. */
static void dbl_value(art_trace_buf *b, double v)
{
	char t[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	art_trace_buf_printf(b, "{\"doubleValue\":%s}", t);
}

static void num_value(art_trace_buf *b, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
		art_trace_buf_printf(b, "{\"intValue\":\"%lld\"}", (long long)v);
	else if (isfinite(v))
		dbl_value(b, v);
	else
		str_value(b, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
}

void art_trace_attr_str(art_trace_buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	key_open(b, key);
	str_value(b, v);
	art_trace_buf_put(b, "}", 1);
}

void art_trace_attr_int(art_trace_buf *b, const char *key, int64_t v)
{
	key_open(b, key);
	art_trace_buf_printf(b, "{\"intValue\":\"%lld\"}}", (long long)v);
}

void art_trace_attr_dbl(art_trace_buf *b, const char *key, double v)
{
	key_open(b, key);
	if (isfinite(v)) {
		dbl_value(b, v);
		art_trace_buf_put(b, "}", 1);
	} else {
		str_value(b, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
		art_trace_buf_put(b, "}", 1);
	}
}

void art_trace_attr_bool(art_trace_buf *b, const char *key, int v)
{
	key_open(b, key);
	art_trace_buf_puts(b, v ? "{\"boolValue\":true}}" : "{\"boolValue\":false}}");
}

void art_trace_attr_strs(art_trace_buf *b, const char *key, const cJSON *arr)
{
	const cJSON *it;
	key_open(b, key);
	art_trace_buf_puts(b, "{\"arrayValue\":{\"values\":[");
	int first = 1;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			continue;
		if (!first)
			art_trace_buf_put(b, ",", 1);
		str_value(b, it->valuestring);
		first = 0;
	}
	art_trace_buf_puts(b, "]}}}");
}

static void any_value(art_trace_buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		str_value(b, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		art_trace_buf_puts(b, cJSON_IsTrue(v) ? "{\"boolValue\":true}" : "{\"boolValue\":false}");
	} else if (cJSON_IsNumber(v)) {
		num_value(b, v->valuedouble);
	} else if (cJSON_IsArray(v)) {
		const cJSON *it;
		int first = 1;
		art_trace_buf_puts(b, "{\"arrayValue\":{\"values\":[");
		cJSON_ArrayForEach(it, v)
		{
			if (!first)
				art_trace_buf_put(b, ",", 1);
			if (cJSON_IsArray(it) || cJSON_IsObject(it)) {
				char *t = cJSON_PrintUnformatted(it);
				str_value(b, t ? t : "");
				free(t);
			} else {
				any_value(b, it);
			}
			first = 0;
		}
		art_trace_buf_puts(b, "]}}");
	} else if (cJSON_IsObject(v)) {
		char *t = cJSON_PrintUnformatted(v);
		str_value(b, t ? t : "{}");
		free(t);
	} else {
		str_value(b, "null");
	}
}

void art_trace_attr_json(art_trace_buf *b, const char *key, const cJSON *v)
{
	if (!v)
		return;
	key_open(b, key);
	any_value(b, v);
	art_trace_buf_put(b, "}", 1);
}

/* Decimal digits of v (|v| < 2^63) without printf. */
static void put_int(art_trace_buf *b, long long v)
{
	char t[24];
	int i = 24;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		t[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--i] = '-';
	art_trace_buf_put(b, t + i, (size_t)(24 - i));
}

/* Writes v with at most 6 decimals when that reads back exactly (0.2, 95.5, 0.00021),
 * without printf; returns 0 (nothing written) otherwise. */
static int put_short_fixed(art_trace_buf *b, double v)
{
	static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	double a = fabs(v);
	if (a >= 1e9 || a < 1e-6)
		return 0;
	for (int k = 1; k <= 6; k++) {
		double x = a * pow10[k];
		double r = rint(x);
		if (r != x || r / pow10[k] != a)
			continue;
		long long m = (long long)r, ip = m / (long long)pow10[k], fp = m % (long long)pow10[k];
		char t[48];
		int n = 0;
		if (v < 0)
			t[n++] = '-';
		char d[24];
		int nd = 0;
		do {
			d[nd++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
		while (nd)
			t[n++] = d[--nd];
		t[n++] = '.';
		for (int i = k - 1; i >= 0; i--) {
			d[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		for (int i = 0; i < k; i++)
			t[n++] = d[i];
		while (t[n - 1] == '0') /* r == x and minimal k: never all zeros, but be safe */
			n--;
		if (t[n - 1] == '.')
			n--;
		art_trace_buf_put(b, t, (size_t)n);
		return 1;
	}
	return 0;
}

void art_trace_buf_json(art_trace_buf *b, const cJSON *item)
{
	const cJSON *c;
	switch (item->type & 0xff) {
	case cJSON_False: art_trace_buf_put(b, "false", 5); break;
	case cJSON_True: art_trace_buf_put(b, "true", 4); break;
	case cJSON_NULL: art_trace_buf_put(b, "null", 4); break;
	case cJSON_Number: {
		double v = item->valuedouble;
		if (!isfinite(v)) {
			art_trace_buf_put(b, "null", 4);
		} else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
			put_int(b, (long long)v);
		} else if (!put_short_fixed(b, v)) {
			char t[40];
			for (int prec = 15; prec <= 17; prec++) {
				snprintf(t, sizeof t, "%.*g", prec, v);
				if (strtod(t, NULL) == v)
					break;
			}
			art_trace_buf_puts(b, t);
		}
		break;
	}
	case cJSON_String: art_trace_buf_json_str(b, item->valuestring); break;
	case cJSON_Raw: art_trace_buf_puts(b, item->valuestring ? item->valuestring : "null"); break;
	case cJSON_Array:
		art_trace_buf_put(b, "[", 1);
		for (c = item->child; c; c = c->next) {
			if (c != item->child)
				art_trace_buf_put(b, ",", 1);
			art_trace_buf_json(b, c);
		}
		art_trace_buf_put(b, "]", 1);
		break;
	case cJSON_Object:
		art_trace_buf_put(b, "{", 1);
		for (c = item->child; c; c = c->next) {
			if (c != item->child)
				art_trace_buf_put(b, ",", 1);
			art_trace_buf_json_str(b, c->string ? c->string : "");
			art_trace_buf_put(b, ":", 1);
			art_trace_buf_json(b, c);
		}
		art_trace_buf_put(b, "}", 1);
		break;
	default: art_trace_buf_put(b, "null", 4);
	}
}

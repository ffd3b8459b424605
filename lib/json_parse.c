/* json_parse.c — a strict JSON parser building the trees cJSON builds (see json_parse.h). */
#include "json_parse.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct {
	const unsigned char *p, *end;
	int depth;
} parser;

/* cJSON's whitespace: every byte up to and including space. */
static inline void skip_ws(parser *ps)
{
	while (ps->p < ps->end && *ps->p <= 32)
		ps->p++;
}

static cJSON *new_item(void)
{
	cJSON *it = cJSON_malloc(sizeof *it);
	if (it)
		memset(it, 0, sizeof *it);
	return it;
}

/* Whether any of the 8 bytes in x is '"', '\\' or below 32 (exact, though not which). */
static inline int special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high ? 1 : 0;
}

/* A string at ps->p ('"'): the unescaped bytes, NUL-terminated, from cJSON's allocator;
 * NULL when it is not one this parser takes (or out of memory). */
static char *parse_string(parser *ps)
{
	const unsigned char *q = ps->p + 1, *e = ps->end;
	size_t esc = 0;
	for (;;) {
		uint64_t w; /* 8 bytes at a time while none is '"', '\\' or a control character */
		while (e - q >= 8 && (memcpy(&w, q, 8), !special8(w)))
			q += 8;
		while (q < e && *q >= 32 && *q != '"' && *q != '\\')
			q++;
		if (q >= e || *q < 32)
			return NULL;
		if (*q == '"')
			break;
		if (q + 1 >= e || q[1] == 'u') /* a backslash */
			return NULL;
		esc++;
		q += 2;
	}
	size_t n = (size_t)(q - ps->p - 1);
	char *out = cJSON_malloc(n - esc + 1);
	if (!out)
		return NULL;
	const unsigned char *r = ps->p + 1;
	if (!esc) {
		memcpy(out, r, n);
		out[n] = 0;
	} else {
		char *o = out;
		while (r < q) {
			if (*r != '\\') {
				*o++ = (char)*r++;
				continue;
			}
			switch (r[1]) {
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case '"': case '\\': case '/': *o++ = (char)r[1]; break;
			default: cJSON_free(out); return NULL;
			}
			r += 2;
		}
		*o = 0;
	}
	ps->p = q + 1;
	return out;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* A number of the JSON grammar at ps->p, valued as cJSON values it (strtod of the same
 * characters); 0 when the text there is not one this parser takes. */
static int parse_number(parser *ps, cJSON *it)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	const unsigned char *s = ps->p, *q = s, *e = ps->end;
	/* cJSON reads the run of these characters (at most 63) and gives it to strtod */
	while (q < e && (is_digit(*q) || *q == '+' || *q == '-' || *q == 'e' || *q == 'E' || *q == '.'))
		q++;
	size_t n = (size_t)(q - s);
	if (n > 63)
		return 0;
	/* the whole run must be -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?: then strtod
	 * reads all of it, as it does for cJSON */
	const unsigned char *c = s;
	int neg = *c == '-';
	c += neg;
	if (c == q || !is_digit(*c) || (*c == '0' && c + 1 < q && is_digit(c[1])))
		return 0;
	uint64_t m = 0;
	int digits = 0, frac = 0, expo = 0;
	for (; c < q && is_digit(*c); c++, digits++)
		m = m * 10 + (uint64_t)(*c - '0');
	if (c < q && *c == '.') {
		c++;
		if (c == q || !is_digit(*c))
			return 0;
		for (; c < q && is_digit(*c); c++, digits++, frac++)
			m = m * 10 + (uint64_t)(*c - '0');
	}
	if (c < q && (*c == 'e' || *c == 'E')) {
		c++;
		if (c < q && (*c == '+' || *c == '-'))
			c++;
		if (c == q || !is_digit(*c))
			return 0;
		while (c < q && is_digit(*c))
			c++;
		expo = 1;
	}
	if (c != q)
		return 0;
	double d;
	if (!expo && digits <= 15) {
		/* m and 10^frac are exact doubles: the quotient is the correctly rounded value,
		 * which is what strtod gives */
		d = (double)m / p10[frac];
	} else {
		char t[64];
		memcpy(t, s, n);
		t[n] = 0;
		d = strtod(t, NULL);
		neg = 0; /* strtod read the sign */
	}
	if (neg)
		d = -d;
	it->valuedouble = d;
	it->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	it->type = cJSON_Number;
	ps->p = q;
	return 1;
}

static int parse_value(parser *ps, cJSON *it);

/* The members of an object or elements of an array, ps->p at its '{' or '['. */
static int parse_children(parser *ps, cJSON *it, int obj)
{
	unsigned char close = obj ? '}' : ']';
	if (++ps->depth > MAX_DEPTH)
		return 0;
	it->type = obj ? cJSON_Object : cJSON_Array;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 1;
	}
	cJSON *last = NULL;
	for (;;) {
		cJSON *c = new_item();
		if (!c)
			return 0;
		if (last) {
			last->next = c;
			c->prev = last;
		} else {
			it->child = c;
		}
		last = c;
		it->child->prev = c; /* cJSON keeps the last element there */
		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"' || !(c->string = parse_string(ps)))
				return 0;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return 0;
			ps->p++;
			skip_ws(ps);
		}
		if (!parse_value(ps, c))
			return 0;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 1;
		}
		return 0;
	}
}

static int parse_value(parser *ps, cJSON *it)
{
	if (ps->p >= ps->end)
		return 0;
	size_t left = (size_t)(ps->end - ps->p);
	switch (*ps->p) {
	case '{': return parse_children(ps, it, 1);
	case '[': return parse_children(ps, it, 0);
	case '"':
		if (!(it->valuestring = parse_string(ps)))
			return 0;
		it->type = cJSON_String;
		return 1;
	case 'n':
		if (left < 4 || memcmp(ps->p, "null", 4))
			return 0;
		it->type = cJSON_NULL;
		ps->p += 4;
		return 1;
	case 't':
		if (left < 4 || memcmp(ps->p, "true", 4))
			return 0;
		it->type = cJSON_True;
		it->valueint = 1;
		ps->p += 4;
		return 1;
	case 'f':
		if (left < 5 || memcmp(ps->p, "false", 5))
			return 0;
		it->type = cJSON_False;
		ps->p += 5;
		return 1;
	default:
		return (*ps->p == '-' || is_digit(*ps->p)) && parse_number(ps, it);
	}
}

cJSON *art_json_parse(const char *s, size_t len, const char **end)
{
	parser ps = {(const unsigned char *)s, (const unsigned char *)s + len, 0};
	/* a byte-order mark is cJSON's to skip */
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		return cJSON_ParseWithLengthOpts(s, len, end, 0);
	skip_ws(&ps);
	cJSON *it = new_item();
	if (it && parse_value(&ps, it)) {
		if (end)
			*end = (const char *)ps.p;
		return it;
	}
	cJSON_Delete(it);
	return cJSON_ParseWithLengthOpts(s, len, end, 0);
}

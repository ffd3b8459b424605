/* schema_format.c — "format" checkers (RFC 3339 dates, RFC 5321-ish email, RFC 1123
 * hostnames, IP addresses, RFC 3986 URIs, RFC 4122 UUIDs, RFC 6901 JSON Pointers). */
#include <ctype.h>
#include <string.h>
#include <pcre2.h>
#include "err.h"
#include "schema_int.h"

static const struct {
	const char *name;
	int fmt;
} formats[] = {
	{"date-time", SCH_FORMAT_DATE_TIME}, {"date", SCH_FORMAT_DATE},
	{"time", SCH_FORMAT_TIME}, {"duration", SCH_FORMAT_DURATION},
	{"email", SCH_FORMAT_EMAIL}, {"idn-email", SCH_FORMAT_IDN_EMAIL},
	{"hostname", SCH_FORMAT_HOSTNAME}, {"idn-hostname", SCH_FORMAT_IDN_HOSTNAME},
	{"ipv4", SCH_FORMAT_IPV4}, {"ipv6", SCH_FORMAT_IPV6}, {"uri", SCH_FORMAT_URI},
	{"uri-reference", SCH_FORMAT_URI_REFERENCE}, {"iri", SCH_FORMAT_IRI},
	{"iri-reference", SCH_FORMAT_IRI_REFERENCE}, {"uri-template", SCH_FORMAT_URI_TEMPLATE},
	{"uuid", SCH_FORMAT_UUID}, {"json-pointer", SCH_FORMAT_JSON_POINTER},
	{"relative-json-pointer", SCH_FORMAT_RELATIVE_JSON_POINTER}, {"regex", SCH_FORMAT_REGEX},
};

int sch_format_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (!strcmp(formats[i].name, name))
			return formats[i].fmt;
	return SCH_FORMAT_NONE;
}

/* n ASCII digits at s into *v */
static int digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 1;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int check_date(const char *s, size_t n)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	int md = mdays[m - 1] + (m == 2 && leap(y));
	return d <= md;
}

/* full-time per RFC 3339: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); leap second only at 23:59:60 UTC */
static int check_time(const char *s, size_t n)
{
	int h, m, sec;
	if (n < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	if (!digits(s, 2, &h) || !digits(s + 3, 2, &m) || !digits(s + 6, 2, &sec))
		return 0;
	size_t i = 8;
	if (i < n && s[i] == '.') {
		i++;
		size_t st = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == st)
			return 0;
	}
	if (i >= n)
		return 0;
	int oh = 0, om = 0, sign = 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':')
			return 0;
		if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om))
			return 0;
		if (oh > 23 || om > 59)
			return 0;
	} else
		return 0;
	if (h > 23 || m > 59 || sec > 60)
		return 0;
	if (sec == 60) {
		/* the UTC time must be 23:59 */
		int mins = h * 60 + m - sign * (oh * 60 + om);
		mins = ((mins % 1440) + 1440) % 1440;
		if (mins != 23 * 60 + 59)
			return 0;
	}
	return 1;
}

static int check_date_time(const char *s)
{
	size_t n = strlen(s);
	if (n < 20 || (s[10] != 'T' && s[10] != 't'))
		return 0;
	return check_date(s, 10) && check_time(s + 11, n - 11);
}

/* ISO 8601 duration as in RFC 3339 appendix A: P, then weeks alone, or a contiguous
 * run of Y M D and/or T with a contiguous run of H M S (no unit skipped or repeated) */
static int unit_run(const char **ps, const char *units)
{
	const char *s = *ps;
	int next = -1, n = 0;
	while (isdigit((unsigned char)*s)) {
		while (isdigit((unsigned char)*s))
			s++;
		const char *u = *s ? strchr(units, *s) : NULL;
		if (!u || (next >= 0 && u - units != next))
			return -1;
		next = (int)(u - units) + 1;
		n++;
		s++;
	}
	*ps = s;
	return n;
}

static int check_duration(const char *s)
{
	if (*s++ != 'P' || !*s)
		return 0;
	const char *w = s;
	while (isdigit((unsigned char)*w))
		w++;
	if (w > s && *w == 'W')
		return w[1] == 0;
	int nd = unit_run(&s, "YMD");
	if (nd < 0)
		return 0;
	if (*s == 'T') {
		s++;
		int nt = unit_run(&s, "HMS");
		if (nt <= 0)
			return 0;
	} else if (nd == 0)
		return 0;
	return *s == 0;
}

static int check_ipv4(const char *s, size_t n)
{
	int parts = 0;
	size_t i = 0;
	while (i < n) {
		size_t st = i;
		int v = 0;
		while (i < n && isdigit((unsigned char)s[i]) && i - st < 4)
			v = v * 10 + (s[i++] - '0');
		size_t len = i - st;
		if (len == 0 || len > 3 || v > 255 || (len > 1 && s[st] == '0'))
			return 0;
		parts++;
		if (i < n) {
			if (s[i] != '.' || parts == 4)
				return 0;
			i++;
			if (i == n)
				return 0;
		}
	}
	return parts == 4;
}

static int check_ipv6(const char *s)
{
	size_t n = strlen(s);
	int groups = 0, dbl = 0;
	size_t i = 0;
	if (n < 2)
		return 0;
	if (s[0] == ':') {
		if (s[1] != ':')
			return 0;
		dbl = 1;
		i = 2;
		if (i == n)
			return 1;
	}
	while (i < n) {
		size_t st = i;
		while (i < n && isxdigit((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '.') {
			/* trailing dotted IPv4 counts as two groups */
			if (!check_ipv4(s + st, n - st))
				return 0;
			groups += 2;
			i = n;
			break;
		}
		size_t len = i - st;
		if (len == 0 || len > 4)
			return 0;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < n && s[i] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			i++;
			if (i == n)
				break;
		} else if (i == n)
			return 0;
	}
	return dbl ? groups <= 7 : groups == 8;
}

static int check_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	const char *p = s;
	while (*p) {
		const char *st = p;
		while (*p && *p != '.') {
			if (!isalnum((unsigned char)*p) && *p != '-')
				return 0;
			p++;
		}
		size_t len = (size_t)(p - st);
		if (len == 0 || len > 63 || st[0] == '-' || p[-1] == '-')
			return 0;
		/* "xn--" style double hyphens at 3-4 need punycode; only allow "xn--" */
		if (len >= 4 && st[2] == '-' && st[3] == '-' && strncasecmp(st, "xn", 2))
			return 0;
		if (*p == '.') {
			p++;
			if (!*p)
				return 0;
		}
	}
	return 1;
}

/* non-ASCII bytes allowed: IDN labels are checked only for structure */
static int check_idn_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const unsigned char *st = p;
		while (*p && *p != '.') {
			if (*p < 0x80 && !isalnum(*p) && *p != '-')
				return 0;
			p++;
		}
		size_t len = (size_t)(p - st);
		if (len == 0 || len > 63 || st[0] == '-' || p[-1] == '-')
			return 0;
		if (*p == '.') {
			p++;
			if (!*p)
				return 0;
		}
	}
	return 1;
}

static int check_email(const char *s, int idn)
{
	const char *at = strrchr(s, '@');
	if (!at || at == s)
		return 0;
	size_t ln = (size_t)(at - s);
	const char *dom = at + 1;
	if (s[0] == '"') {
		if (ln < 2 || s[ln - 1] != '"')
			return 0;
	} else {
		if (s[0] == '.' || s[ln - 1] == '.')
			return 0;
		for (size_t i = 0; i < ln; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '.' && s[i + 1] == '.')
				return 0;
			if (c >= 0x80) {
				if (!idn)
					return 0;
				continue;
			}
			if (!isalnum(c) && !strchr("!#$%&'*+-/=?^_`{|}~.", c))
				return 0;
		}
	}
	if (dom[0] == '[') {
		size_t dn = strlen(dom);
		if (dom[dn - 1] != ']')
			return 0;
		char tmp[64];
		if (dn - 2 >= sizeof tmp)
			return 0;
		if (!strncmp(dom + 1, "IPv6:", 5)) {
			memcpy(tmp, dom + 6, dn - 7);
			tmp[dn - 7] = 0;
			return check_ipv6(tmp);
		}
		return check_ipv4(dom + 1, dn - 2);
	}
	return idn ? check_idn_hostname(dom) : check_hostname(dom);
}

static int check_uuid(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* RFC 3986 character classes; iri additionally allows any non-ASCII byte */
static int uri_char_ok(unsigned char c, int iri, const char *extra)
{
	if (c >= 0x80)
		return iri;
	return isalnum(c) || strchr("-._~!$&'()*+,;=:@/", c) || (extra && strchr(extra, c));
}

static int check_uri_ref(const char *s, int absolute, int iri)
{
	const char *p = s;
	if (absolute) {
		if (!isalpha((unsigned char)*p))
			return 0;
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
			p++;
		if (*p != ':')
			return 0;
		p++;
	} else {
		/* a first path segment with ':' would be a scheme: then it must be one */
		const char *c = strpbrk(s, ":/?#");
		if (c && *c == ':')
			return check_uri_ref(s, 1, iri);
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		const char *a = p;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		const char *ae = p, *h = a;
		const char *at = memchr(a, '@', (size_t)(ae - a));
		if (at) {
			for (const char *q = a; q < at; q++)
				if (!uri_char_ok((unsigned char)*q, iri, "%") || *q == '@' || *q == '/')
					return 0;
			h = at + 1;
		}
		if (*h == '[' && (h[1] == 'v' || h[1] == 'V')) {
			/* IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
			const char *q = h + 2, *rb = memchr(h, ']', (size_t)(ae - h));
			if (!rb || !isxdigit((unsigned char)*q))
				return 0;
			while (isxdigit((unsigned char)*q))
				q++;
			if (*q++ != '.' || q >= rb)
				return 0;
			for (; q < rb; q++)
				if (!isalnum((unsigned char)*q) && !strchr("-._~!$&'()*+,;=:", *q))
					return 0;
			h = rb + 1;
			if (h < ae && *h != ':')
				return 0;
		} else if (*h == '[') {
			const char *rb = memchr(h, ']', (size_t)(ae - h));
			if (!rb)
				return 0;
			char tmp[64];
			if ((size_t)(rb - h - 1) >= sizeof tmp)
				return 0;
			memcpy(tmp, h + 1, (size_t)(rb - h - 1));
			tmp[rb - h - 1] = 0;
			if (!check_ipv6(tmp))
				return 0;
			h = rb + 1;
			if (h < ae && *h != ':')
				return 0;
		}
		for (const char *q = h; q < ae; q++) {
			if (*q == ':') {
				for (q++; q < ae; q++)
					if (!isdigit((unsigned char)*q))
						return 0;
				break;
			}
			if (!uri_char_ok((unsigned char)*q, iri, "%") || *q == '@')
				return 0;
		}
	}
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%') {
			if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
				return 0;
			p += 2;
			continue;
		}
		if (c == '#') {
			for (p++; *p; p++)
				if (!uri_char_ok((unsigned char)*p, iri, "?%") ||
				    (*p == '%' && !(isxdigit((unsigned char)p[1]) &&
						    isxdigit((unsigned char)p[2]))))
					return 0;
			return 1;
		}
		if (!uri_char_ok(c, iri, "?"))
			return 0;
	}
	return 1;
}

/* RFC 6570 level 4 syntax */
static int check_uri_template(const char *s)
{
	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c == '{') {
			s++;
			if (strchr("+#./;?&", *s) && *s)
				s++;
			for (;;) {
				/* varname: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct */
				int len = 0;
				for (;;) {
					if (isalnum((unsigned char)*s) || *s == '_') {
						s++;
					} else if (*s == '%' && isxdigit((unsigned char)s[1]) &&
						   isxdigit((unsigned char)s[2])) {
						s += 3;
					} else if (*s == '.' && len > 0 && s[1] != '.' && s[1] != '}' &&
						   s[1] != ',' && s[1] != ':' && s[1] != '*') {
						s++;
						continue;
					} else
						break;
					len++;
				}
				if (!len)
					return 0;
				if (*s == ':') {
					s++;
					if (*s < '1' || *s > '9')
						return 0;
					int nd = 0;
					while (isdigit((unsigned char)*s) && nd < 5) {
						s++;
						nd++;
					}
					if (nd > 4)
						return 0;
				} else if (*s == '*')
					s++;
				if (*s == ',') {
					s++;
					continue;
				}
				if (*s == '}')
					break;
				return 0;
			}
			s++;
			continue;
		}
		if (c == '%') {
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
				return 0;
			s += 3;
			continue;
		}
		if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`|}", c))
			return 0;
		s++;
	}
	return 1;
}

static int check_json_pointer(const char *s)
{
	if (*s && *s != '/')
		return 0;
	for (; *s; s++)
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return 0;
	return 1;
}

static int check_rel_json_pointer(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	if (*s == '0' && isdigit((unsigned char)s[1]))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '#')
		return s[1] == 0;
	return check_json_pointer(s);
}

/* constructs PCRE2 accepts but ECMA-262 does not */
static int ecma_only(const char *s)
{
	int in_class = 0;
	for (; *s; s++) {
		if (*s == '\\') {
			if (!s[1])
				return 0;
			if (!in_class && strchr("aeAZzGQEKhHVRXCNo", s[1]))
				return 0;
			s++;
			continue;
		}
		if (in_class) {
			in_class = *s != ']';
			continue;
		}
		if (*s == '[') {
			in_class = 1;
			if (s[1] == ']')
				s++;
			continue;
		}
		if (s[0] == '(' && s[1] == '?') {
			const char *g = s + 2;
			if (*g == ':' || *g == '=' || *g == '!')
				continue;
			if (*g == '<' && (g[1] == '=' || g[1] == '!' || isalpha((unsigned char)g[1]) || g[1] == '_' || g[1] == '$'))
				continue;
			return 0; /* (?i) (?P<..>) (?#..) (?| (?> ... */
		}
	}
	return 1;
}

static int check_regex(const char *s)
{
	if (!ecma_only(s))
		return 0;
	int ec;
	size_t eo;
	pcre2_code *re = sch_regex_compile(s, &ec, &eo);
	if (!re)
		return 0;
	pcre2_code_free(re);
	return 1;
}

int sch_format_valid(int fmt, const char *s)
{
	switch (fmt) {
	case SCH_FORMAT_DATE_TIME: return check_date_time(s);
	case SCH_FORMAT_DATE: return check_date(s, strlen(s));
	case SCH_FORMAT_TIME: return check_time(s, strlen(s));
	case SCH_FORMAT_DURATION: return check_duration(s);
	case SCH_FORMAT_EMAIL: return check_email(s, 0);
	case SCH_FORMAT_IDN_EMAIL: return check_email(s, 1);
	case SCH_FORMAT_HOSTNAME: return check_hostname(s);
	case SCH_FORMAT_IDN_HOSTNAME: return check_idn_hostname(s);
	case SCH_FORMAT_IPV4: return check_ipv4(s, strlen(s));
	case SCH_FORMAT_IPV6: return check_ipv6(s);
	case SCH_FORMAT_URI: return check_uri_ref(s, 1, 0);
	case SCH_FORMAT_URI_REFERENCE: return check_uri_ref(s, 0, 0);
	case SCH_FORMAT_IRI: return check_uri_ref(s, 1, 1);
	case SCH_FORMAT_IRI_REFERENCE: return check_uri_ref(s, 0, 1);
	case SCH_FORMAT_URI_TEMPLATE: return check_uri_template(s);
	case SCH_FORMAT_UUID: return check_uuid(s);
	case SCH_FORMAT_JSON_POINTER: return check_json_pointer(s);
	case SCH_FORMAT_RELATIVE_JSON_POINTER: return check_rel_json_pointer(s);
	case SCH_FORMAT_REGEX: return check_regex(s);
	}
	return 1;
}

int art_schema_format_check(const char *format, const char *s)
{
	int f = sch_format_lookup(format);
	if (f == SCH_FORMAT_NONE)
		return -1;
	return sch_format_valid(f, s);
}

/* schema_uri.c — RFC 3986 reference resolution and fragment helpers for $id/$ref. */
#include <ctype.h>
#include <string.h>
#include "err.h"
#include "schema_int.h"

typedef struct {
	const char *scheme, *auth, *path, *query, *frag;
	size_t nscheme, nauth, npath, nquery, nfrag;
	int has_scheme, has_auth, has_query, has_frag;
} uri_parts;

static void uri_parse(const char *s, uri_parts *u)
{
	memset(u, 0, sizeof *u);
	const char *p = s;
	if (isalpha((unsigned char)*p)) {
		const char *q = p;
		while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
			q++;
		if (*q == ':') {
			u->scheme = p;
			u->nscheme = (size_t)(q - p);
			u->has_scheme = 1;
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		u->auth = p;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		u->nauth = (size_t)(p - u->auth);
		u->has_auth = 1;
	}
	u->path = p;
	while (*p && *p != '?' && *p != '#')
		p++;
	u->npath = (size_t)(p - u->path);
	if (*p == '?') {
		u->query = ++p;
		while (*p && *p != '#')
			p++;
		u->nquery = (size_t)(p - u->query);
		u->has_query = 1;
	}
	if (*p == '#') {
		u->frag = p + 1;
		u->nfrag = strlen(u->frag);
		u->has_frag = 1;
	}
}

int sch_uri_is_absolute(const char *uri)
{
	uri_parts u;
	uri_parse(uri, &u);
	return u.has_scheme;
}

/* RFC 3986 5.2.4, into out */
static void remove_dots(sch_buf *out, const char *in, size_t n)
{
	char *tmp = strndup(in, n);
	if (!tmp) {
		out->oom = 1;
		return;
	}
	char *p = tmp;
	size_t start = out->len;
	while (*p) {
		if (!strncmp(p, "../", 3))
			p += 3;
		else if (!strncmp(p, "./", 2))
			p += 2;
		else if (!strncmp(p, "/./", 3))
			p += 2;
		else if (!strcmp(p, "/."))
			p[1] = 0;
		else if (!strncmp(p, "/../", 4) || !strcmp(p, "/..")) {
			if (p[3])
				p += 3;
			else {
				p += 2;
				*p = '/';
			}
			/* drop the last segment written */
			while (out->len > start && out->s[out->len - 1] != '/')
				out->len--;
			if (out->len > start)
				out->len--;
			if (out->s)
				out->s[out->len] = 0;
		} else if (!strcmp(p, ".") || !strcmp(p, ".."))
			*p = 0;
		else {
			char *q = p + (*p == '/');
			while (*q && *q != '/')
				q++;
			sch_buf_addn(out, p, (size_t)(q - p));
			p = q;
		}
	}
	free(tmp);
}

char *sch_uri_resolve(const char *base, const char *ref)
{
	uri_parts b, r;
	uri_parse(base ? base : "", &b);
	uri_parse(ref, &r);
	sch_buf o = {0};
	sch_buf_adds(&o, "");
	if (r.has_scheme) {
		sch_buf_addn(&o, r.scheme, r.nscheme);
		sch_buf_addc(&o, ':');
		if (r.has_auth) {
			sch_buf_adds(&o, "//");
			sch_buf_addn(&o, r.auth, r.nauth);
		}
		remove_dots(&o, r.path, r.npath);
		if (r.has_query) {
			sch_buf_addc(&o, '?');
			sch_buf_addn(&o, r.query, r.nquery);
		}
	} else {
		if (b.has_scheme) {
			sch_buf_addn(&o, b.scheme, b.nscheme);
			sch_buf_addc(&o, ':');
		}
		if (r.has_auth) {
			sch_buf_adds(&o, "//");
			sch_buf_addn(&o, r.auth, r.nauth);
			remove_dots(&o, r.path, r.npath);
			if (r.has_query) {
				sch_buf_addc(&o, '?');
				sch_buf_addn(&o, r.query, r.nquery);
			}
		} else {
			if (b.has_auth) {
				sch_buf_adds(&o, "//");
				sch_buf_addn(&o, b.auth, b.nauth);
			}
			if (r.npath == 0) {
				sch_buf_addn(&o, b.path, b.npath);
				if (r.has_query) {
					sch_buf_addc(&o, '?');
					sch_buf_addn(&o, r.query, r.nquery);
				} else if (b.has_query) {
					sch_buf_addc(&o, '?');
					sch_buf_addn(&o, b.query, b.nquery);
				}
			} else {
				if (r.path[0] == '/') {
					remove_dots(&o, r.path, r.npath);
				} else {
					sch_buf m = {0};
					if (b.has_auth && b.npath == 0) {
						sch_buf_addc(&m, '/');
					} else {
						size_t k = b.npath;
						while (k > 0 && b.path[k - 1] != '/')
							k--;
						sch_buf_addn(&m, b.path, k);
					}
					sch_buf_addn(&m, r.path, r.npath);
					if (m.oom)
						o.oom = 1;
					else if (m.s && (m.s[0] == '/' || b.has_auth))
						remove_dots(&o, m.s, m.len);
					else if (m.s)
						/* a relative base (no scheme, no authority): keep leading dots */
						remove_dots(&o, m.s, m.len);
					sch_buf_free(&m);
				}
				if (r.has_query) {
					sch_buf_addc(&o, '?');
					sch_buf_addn(&o, r.query, r.nquery);
				}
			}
		}
	}
	if (r.has_frag) {
		sch_buf_addc(&o, '#');
		sch_buf_addn(&o, r.frag, r.nfrag);
	}
	if (o.oom) {
		sch_buf_free(&o);
		return NULL;
	}
	return o.s;
}

char *sch_uri_split(const char *uri, const char **frag)
{
	const char *h = strchr(uri, '#');
	if (!h) {
		*frag = "";
		return strdup(uri);
	}
	*frag = h + 1;
	return strndup(uri, (size_t)(h - uri));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sch_uri_pct_decode(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r == '%') {
			int h = hexval((unsigned char)r[1]), l = h < 0 ? -1 : hexval((unsigned char)r[2]);
			if (h < 0 || l < 0)
				return -1;
			*w++ = (char)(h * 16 + l);
			r += 2;
		} else
			*w++ = *r;
	}
	*w = 0;
	return 0;
}

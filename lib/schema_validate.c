/* schema_validate.c — evaluate a compiled schema against a cJSON instance.
 *
 * Thread safety: the compiled schema is only read; all scratch (paths, dynamic scope,
 * annotation bitsets, PCRE2 match data) lives in the per-call vctx.
 *
 * Modes: with a result, every failing keyword adds an error and evaluation goes on;
 * without one (quiet), the first failure returns.  Subschemas whose failures do not
 * make the instance invalid (anyOf/oneOf branches, not, if, contains) always run quiet;
 * a failing anyOf/oneOf re-runs its branches with errors on to say why.
 *
 * Annotations for unevaluatedProperties/Items are bitsets over the instance's members
 * or items (ann), passed only where some enclosing schema needs them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "schema_int.h"

#define MAX_DEPTH 4096
#define ANN_INLINE 4 /* 256 members or items without malloc */

typedef struct ann {
	uint64_t small[ANN_INLINE];
	uint64_t *bits;
	int n;
} ann;

typedef struct seg {
	const char *s; /* NULL: use i */
	long i;
} seg;

typedef struct vctx {
	art_schema_result *res; /* NULL: quiet */
	int depth;
	const sch_node *scope_inline[32];
	const sch_node **scope;
	int nscope, capscope;
	seg *ip, *kp; /* instance and keyword paths (only maintained with res) */
	int nip, capip, nkp, capkp;
	pcre2_match_data *md;
} vctx;

/* ---- annotations ---- */
static int ann_init(ann *a, int n)
{
	a->n = n;
	size_t words = ((size_t)n + 63) / 64;
	if (words <= ANN_INLINE) {
		a->bits = a->small;
		memset(a->small, 0, sizeof a->small);
		return 0;
	}
	a->bits = calloc(words, sizeof *a->bits);
	return a->bits ? 0 : ART_ENOMEM;
}

static void ann_free(ann *a)
{
	if (a->bits != a->small)
		free(a->bits);
}

static inline void ann_set(ann *a, int i)
{
	if (a)
		a->bits[i >> 6] |= 1ull << (i & 63);
}

static inline int ann_get(const ann *a, int i)
{
	return (a->bits[i >> 6] >> (i & 63)) & 1;
}

static void ann_or(ann *dst, const ann *src)
{
	size_t words = ((size_t)dst->n + 63) / 64;
	for (size_t i = 0; i < words; i++)
		dst->bits[i] |= src->bits[i];
}

/* ---- paths ---- */
static int seg_push(seg **arr, int *n, int *cap, const char *s, long i)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 32;
		seg *na = realloc(*arr, (size_t)nc * sizeof *na);
		if (!na)
			return ART_ENOMEM;
		*arr = na;
		*cap = nc;
	}
	(*arr)[*n].s = s;
	(*arr)[*n].i = i;
	(*n)++;
	return 0;
}

/* push/pop only while collecting errors; the mode never changes between a pair */
#define KP(c, s, i) ((c)->res ? seg_push(&(c)->kp, &(c)->nkp, &(c)->capkp, (s), (i)) : 0)
#define IP(c, s, i) ((c)->res ? seg_push(&(c)->ip, &(c)->nip, &(c)->capip, (s), (i)) : 0)
#define KPOP(c, k) ((c)->res ? (void)((c)->nkp -= (k)) : (void)0)
#define IPOP(c) ((c)->res ? (void)((c)->nip--) : (void)0)

static void path_str(sch_buf *b, const seg *p, int n)
{
	sch_buf_adds(b, "");
	for (int i = 0; i < n; i++) {
		if (p[i].s) {
			sch_buf_ptr_seg(b, p[i].s);
		} else {
			char num[24];
			snprintf(num, sizeof num, "%ld", p[i].i);
			sch_buf_ptr_seg(b, num);
		}
	}
}

static int verr(vctx *c, const char *kw, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int verr(vctx *c, const char *kw, const char *fmt, ...)
{
	art_schema_result *r = c->res;
	if (!r)
		return 0;
	if (r->n >= SCH_MAX_ERRORS) {
		r->truncated = 1;
		return 0;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sch_buf il = {0}, kl = {0};
	path_str(&il, c->ip, c->nip);
	path_str(&kl, c->kp, c->nkp);
	if (kw)
		sch_buf_ptr_seg(&kl, kw);
	int rc = (il.oom || kl.oom) ? ART_ENOMEM : sch_result_add(r, il.s, kl.s, msg);
	sch_buf_free(&il);
	sch_buf_free(&kl);
	return rc;
}

/* ---- helpers ---- */
static const char *type_name(const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_NULL: return "null";
	case cJSON_True:
	case cJSON_False: return "boolean";
	case cJSON_Object: return "object";
	case cJSON_Array: return "array";
	case cJSON_String: return "string";
	case cJSON_Number:
		return (isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble) ?
			       "integer" : "number";
	}
	return "unknown";
}

static void types_str(unsigned t, char *buf, size_t n)
{
	static const char *const names[] = {"null", "boolean", "object", "array",
					    "number", "string", "integer"};
	buf[0] = 0;
	for (int i = 0; i < 7; i++) {
		if (!(t & (1u << i)))
			continue;
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", l ? " or " : "", names[i]);
	}
}

static int type_ok(unsigned types, const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_NULL: return types & SCH_T_NULL;
	case cJSON_True:
	case cJSON_False: return types & SCH_T_BOOLEAN;
	case cJSON_Object: return types & SCH_T_OBJECT;
	case cJSON_Array: return types & SCH_T_ARRAY;
	case cJSON_String: return types & SCH_T_STRING;
	case cJSON_Number:
		if (types & SCH_T_NUMBER)
			return 1;
		return (types & SCH_T_INTEGER) && isfinite(v->valuedouble) &&
		       floor(v->valuedouble) == v->valuedouble;
	}
	return 0;
}

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

static int multiple_ok(double d, double m)
{
	if (floor(d) == d && floor(m) == m && fabs(d) < 9007199254740992.0 && fabs(m) < 9007199254740992.0)
		return fmod(d, m) == 0;
	double q = d / m;
	if (!isfinite(q)) /* overflow: still exact when d is an integer and 1/m one too */
		return floor(d) == d && floor(1 / m) == 1 / m;
	return fabs(q - nearbyint(q)) < 1e-8;
}

/* 1 match, 0 no match (an invalid UTF-8 subject does not match) */
static int re_match(vctx *c, pcre2_code *re, const char *s)
{
	if (!c->md && !(c->md = pcre2_match_data_create(1, NULL)))
		return ART_ENOMEM;
	int rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, c->md, NULL);
	return rc >= 0;
}

static const sch_node *scope_top(const vctx *c)
{
	return c->nscope ? c->scope[c->nscope - 1] : NULL;
}

static int scope_push(vctx *c, const sch_node *r)
{
	if (c->nscope == c->capscope) {
		int nc = c->capscope * 2;
		const sch_node **ns;
		if (c->scope == c->scope_inline) {
			ns = malloc((size_t)nc * sizeof *ns);
			if (ns)
				memcpy(ns, c->scope, (size_t)c->nscope * sizeof *ns);
		} else
			ns = realloc(c->scope, (size_t)nc * sizeof *ns);
		if (!ns)
			return ART_ENOMEM;
		c->scope = ns;
		c->capscope = nc;
	}
	c->scope[c->nscope++] = r;
	return 0;
}

/* compact JSON of v for a message, cut with "..." to fit buf; only with errors on */
static const char *short_json(const vctx *c, const cJSON *v, char *buf, size_t n)
{
	buf[0] = 0;
	if (!c->res)
		return buf;
	char *t = cJSON_PrintUnformatted(v);
	if (!t)
		return "(value)";
	if (strlen(t) < n)
		memcpy(buf, t, strlen(t) + 1);
	else
		snprintf(buf, n, "%.*s...", (int)n - 4, t);
	cJSON_free(t);
	return buf;
}

static int ev(vctx *c, const sch_node *n, const cJSON *inst, ann *a);

/* evaluate quietly (no errors, no paths), restoring the mode after */
static int ev_quiet(vctx *c, const sch_node *n, const cJSON *inst, ann *a)
{
	art_schema_result *save = c->res;
	c->res = NULL;
	int r = ev(c, n, inst, a);
	c->res = save;
	return r;
}

/* a child instance: instance path segment (s or i), keyword path kw[/kw2] */
static int ev_child(vctx *c, const sch_node *n, const cJSON *child, const char *is, long ii,
		    const char *kw, const char *kw2, long k2i)
{
	int rc;
	if ((rc = IP(c, is, ii)) || (rc = KP(c, kw, 0)))
		return rc;
	if (kw2 || k2i >= 0) {
		if ((rc = KP(c, kw2, k2i)))
			return rc;
	}
	int r = ev(c, n, child, NULL);
	KPOP(c, (kw2 || k2i >= 0) ? 2 : 1);
	IPOP(c);
	return r;
}

/* same instance, keyword path kw[/i] */
static int ev_here(vctx *c, const sch_node *n, const cJSON *inst, ann *a, const char *kw, long i)
{
	int rc;
	if ((rc = KP(c, kw, 0)))
		return rc;
	if (i >= 0 && (rc = KP(c, NULL, i))) {
		KPOP(c, 1);
		return rc;
	}
	int r = ev(c, n, inst, a);
	KPOP(c, i >= 0 ? 2 : 1);
	return r;
}

#define FAIL()                                                                              \
	do {                                                                                 \
		valid = 0;                                                                   \
		if (!c->res)                                                                 \
			goto out;                                                            \
	} while (0)
#define ERR(kw, ...)                                                                        \
	do {                                                                                 \
		int e_ = verr(c, kw, __VA_ARGS__);                                           \
		if (e_) {                                                                    \
			valid = e_;                                                          \
			goto out;                                                            \
		}                                                                            \
		FAIL();                                                                      \
	} while (0)
/* r: result of a sub-evaluation */
#define SUB(r)                                                                              \
	do {                                                                                 \
		int r_ = (r);                                                                \
		if (r_ < 0) {                                                                \
			valid = r_;                                                          \
			goto out;                                                            \
		}                                                                            \
		if (!r_)                                                                     \
			FAIL();                                                              \
	} while (0)

/* shortest of %.15g / %.17g that reads back as d */
static const char *num_str(double d, char *buf, size_t n)
{
	snprintf(buf, n, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, n, "%.17g", d);
	return buf;
}

static int ev_number(vctx *c, const sch_node *n, double d)
{
	int valid = 1;
	char a[32], b[32];
	if ((n->has & SCH_H_MINIMUM) && d < n->minimum)
		ERR("minimum", "%s is less than the minimum %s", num_str(d, a, sizeof a),
		    num_str(n->minimum, b, sizeof b));
	if ((n->has & SCH_H_MAXIMUM) && d > n->maximum)
		ERR("maximum", "%s is greater than the maximum %s", num_str(d, a, sizeof a),
		    num_str(n->maximum, b, sizeof b));
	if ((n->has & SCH_H_XMINIMUM) && d <= n->xminimum)
		ERR("exclusiveMinimum", "%s must be greater than %s", num_str(d, a, sizeof a),
		    num_str(n->xminimum, b, sizeof b));
	if ((n->has & SCH_H_XMAXIMUM) && d >= n->xmaximum)
		ERR("exclusiveMaximum", "%s must be less than %s", num_str(d, a, sizeof a),
		    num_str(n->xmaximum, b, sizeof b));
	if ((n->has & SCH_H_MULTIPLE) && !multiple_ok(d, n->multiple_of))
		ERR("multipleOf", "%s is not a multiple of %s", num_str(d, a, sizeof a),
		    num_str(n->multiple_of, b, sizeof b));
out:
	return valid;
}

static int ev_string(vctx *c, const sch_node *n, const char *s)
{
	int valid = 1;
	if (n->has & (SCH_H_MINLEN | SCH_H_MAXLEN)) {
		double len = (double)utf8_len(s);
		if ((n->has & SCH_H_MINLEN) && len < n->min_len)
			ERR("minLength", "string is %.0f characters long, shorter than minLength %.0f",
			    len, n->min_len);
		if ((n->has & SCH_H_MAXLEN) && len > n->max_len)
			ERR("maxLength", "string is %.0f characters long, longer than maxLength %.0f",
			    len, n->max_len);
	}
	if (n->has & SCH_H_PATTERN) {
		int m = re_match(c, n->pattern, s);
		if (m < 0) {
			valid = m;
			goto out;
		}
		if (!m)
			ERR("pattern", "string does not match the pattern \"%s\"", n->pattern_src);
	}
	if ((n->has & SCH_H_FORMAT) && !sch_format_valid(n->format, s))
		ERR("format", "string is not a valid %s", n->format_name);
out:
	return valid;
}

static int ev_array(vctx *c, const sch_node *n, const cJSON *inst, ann *a)
{
	int valid = 1, cnt = 0;
	for (const cJSON *it = inst->child; it; it = it->next)
		cnt++;
	if ((n->has & SCH_H_MINITEMS) && cnt < n->min_items)
		ERR("minItems", "array has %d items, fewer than minItems %.0f", cnt, n->min_items);
	if ((n->has & SCH_H_MAXITEMS) && cnt > n->max_items)
		ERR("maxItems", "array has %d items, more than maxItems %.0f", cnt, n->max_items);
	if (n->has & SCH_H_UNIQUE) {
		int i = 0, dup = 0;
		for (const cJSON *x = inst->child; x && !dup; x = x->next, i++) {
			int j = i + 1;
			for (const cJSON *y = x->next; y; y = y->next, j++) {
				if (sch_json_equal(x, y)) {
					ERR("uniqueItems", "items %d and %d are equal; items must be unique", i, j);
					dup = 1;
					break;
				}
			}
		}
	}
	int i = 0;
	const cJSON *it = inst->child;
	if (n->prefix) {
		for (; it && i < n->nprefix; it = it->next, i++) {
			SUB(ev_child(c, n->prefix[i], it, NULL, i, "prefixItems", NULL, i));
			ann_set(a, i);
		}
	}
	if (n->items) {
		for (; it; it = it->next, i++) {
			if (n->items->boolval == 0) {
				int rc = IP(c, NULL, i);
				if (rc) {
					valid = rc;
					goto out;
				}
				int e = n->nprefix ?
						verr(c, "items", "array has %d items; no items are allowed beyond the first %d",
						     cnt, n->nprefix) :
						verr(c, "items", "array must be empty (items is false); it has %d", cnt);
				IPOP(c);
				if (e) {
					valid = e;
					goto out;
				}
				FAIL();
				break;
			}
			SUB(ev_child(c, n->items, it, NULL, i, "items", NULL, -1));
			ann_set(a, i);
		}
	}
	if (n->contains) {
		double min = (n->has & SCH_H_MINCONTAINS) ? n->min_contains : 1;
		int need_all = a || (n->has & SCH_H_MAXCONTAINS);
		int matched = 0;
		i = 0;
		for (it = inst->child; it; it = it->next, i++) {
			int r = ev_quiet(c, n->contains, it, NULL);
			if (r < 0) {
				valid = r;
				goto out;
			}
			if (r) {
				matched++;
				ann_set(a, i);
				if (!need_all && matched >= min)
					break;
			}
		}
		if (matched < min)
			ERR((n->has & SCH_H_MINCONTAINS) ? "minContains" : "contains",
			    "array has %d item(s) matching \"contains\", fewer than %.0f", matched, min);
		if ((n->has & SCH_H_MAXCONTAINS) && matched > n->max_contains)
			ERR("maxContains", "array has %d item(s) matching \"contains\", more than maxContains %.0f",
			    matched, n->max_contains);
	}
out:
	return valid;
}

static const sch_node *prop_find(const sch_node *n, const char *name)
{
	int lo = 0, hi = n->nprops - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int d = strcmp(name, n->props[mid].name);
		if (!d)
			return n->props[mid].node;
		if (d < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int ev_object(vctx *c, const sch_node *n, const cJSON *inst, ann *a)
{
	int valid = 1, cnt = 0;
	if (n->has & (SCH_H_MINPROPS | SCH_H_MAXPROPS)) {
		for (const cJSON *m = inst->child; m; m = m->next)
			cnt++;
		if ((n->has & SCH_H_MINPROPS) && cnt < n->min_props)
			ERR("minProperties", "object has %d properties, fewer than minProperties %.0f",
			    cnt, n->min_props);
		if ((n->has & SCH_H_MAXPROPS) && cnt > n->max_props)
			ERR("maxProperties", "object has %d properties, more than maxProperties %.0f",
			    cnt, n->max_props);
	}
	for (int i = 0; i < n->nrequired; i++)
		if (!cJSON_GetObjectItemCaseSensitive(inst, n->required[i]))
			ERR("required", "required property \"%s\" is missing", n->required[i]);
	for (int i = 0; i < n->ndep_req; i++) {
		const sch_depreq *d = &n->dep_req[i];
		if (!cJSON_GetObjectItemCaseSensitive(inst, d->name))
			continue;
		for (int j = 0; j < d->nreq; j++)
			if (!cJSON_GetObjectItemCaseSensitive(inst, d->req[j]))
				ERR("dependentRequired", "property \"%s\" is required when \"%s\" is present",
				    d->req[j], d->name);
	}
	if (n->props || n->pats || n->additional || n->prop_names) {
		int i = 0;
		for (const cJSON *m = inst->child; m; m = m->next, i++) {
			const char *key = m->string;
			if (n->prop_names) {
				cJSON name = {0};
				name.type = cJSON_String;
				name.valuestring = (char *)key;
				int rc = KP(c, "propertyNames", 0);
				if (rc) {
					valid = rc;
					goto out;
				}
				int r = ev(c, n->prop_names, &name, NULL);
				KPOP(c, 1);
				if (r == 0 && c->res) {
					/* point at the key itself */
					if ((rc = IP(c, key, 0)) ||
					    (rc = verr(c, "propertyNames", "property name \"%s\" is not allowed", key))) {
						valid = rc;
						goto out;
					}
					IPOP(c);
				}
				SUB(r);
			}
			int matched = 0;
			if (n->props) {
				const sch_node *pn = prop_find(n, key);
				if (pn) {
					matched = 1;
					SUB(ev_child(c, pn, m, key, 0, "properties", key, -1));
				}
			}
			for (int p = 0; p < n->npats; p++) {
				int mr = re_match(c, n->pats[p].re, key);
				if (mr < 0) {
					valid = mr;
					goto out;
				}
				if (mr) {
					matched = 1;
					SUB(ev_child(c, n->pats[p].node, m, key, 0, "patternProperties",
						     n->pats[p].src, -1));
				}
			}
			if (!matched && n->additional) {
				if (n->additional->boolval == 0) {
					int rc = IP(c, key, 0);
					if (rc || (rc = verr(c, "additionalProperties",
							     "property \"%s\" is not allowed (additionalProperties)", key))) {
						valid = rc;
						goto out;
					}
					IPOP(c);
					FAIL();
				} else {
					SUB(ev_child(c, n->additional, m, key, 0, "additionalProperties", NULL, -1));
				}
				matched = 1;
			}
			if (matched)
				ann_set(a, i);
		}
	}
	for (int i = 0; i < n->ndep_schemas; i++) {
		const sch_prop *d = &n->dep_schemas[i];
		if (cJSON_GetObjectItemCaseSensitive(inst, d->name)) {
			int rc = KP(c, "dependentSchemas", 0);
			if (rc) {
				valid = rc;
				goto out;
			}
			int r = ev_here(c, d->node, inst, a, d->name, -1);
			KPOP(c, 1);
			SUB(r);
		}
	}
out:
	return valid;
}

/* anyOf / oneOf: count of valid branches, merging their annotations into a */
static int ev_choice(vctx *c, sch_node *const *br, int nbr, const cJSON *inst, ann *a, int stop_at)
{
	int nvalid = 0;
	for (int i = 0; i < nbr; i++) {
		ann t, *tp = NULL;
		if (a) {
			if (ann_init(&t, a->n))
				return ART_ENOMEM;
			tp = &t;
		}
		int r = ev_quiet(c, br[i], inst, tp);
		if (r > 0) {
			nvalid++;
			if (tp)
				ann_or(a, tp);
		}
		if (tp)
			ann_free(tp);
		if (r < 0)
			return r;
		if (!a && nvalid >= stop_at)
			break;
	}
	return nvalid;
}

/* explain a failed anyOf/oneOf: every branch's own errors */
static int explain(vctx *c, sch_node *const *br, int nbr, const cJSON *inst, const char *kw)
{
	if (!c->res)
		return 0;
	for (int i = 0; i < nbr; i++) {
		int r = ev_here(c, br[i], inst, NULL, kw, i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ev(vctx *c, const sch_node *n, const cJSON *inst, ann *a)
{
	if (n->boolval == 1)
		return 1;
	if (n->boolval == 0) {
		int e = verr(c, NULL, "no value is allowed here (the schema is false)");
		return e ? e : 0;
	}
	if (c->depth >= MAX_DEPTH)
		return ART_ERANGE;
	c->depth++;
	int pushed = 0, valid = 1;
	int t = inst->type & 0xff;
	ann local, *la = a;
	int need_local = (n->unev_props && t == cJSON_Object) || (n->unev_items && t == cJSON_Array);
	if (n->resource != scope_top(c)) {
		if (scope_push(c, n->resource)) {
			c->depth--;
			return ART_ENOMEM;
		}
		pushed = 1;
	}
	if (need_local) {
		int cnt = 0;
		for (const cJSON *m = inst->child; m; m = m->next)
			cnt++;
		if (ann_init(&local, cnt)) {
			need_local = 0;
			valid = ART_ENOMEM;
			goto out;
		}
		la = &local;
	}

	if ((n->has & SCH_H_TYPE) && !type_ok(n->types, inst)) {
		char want[96];
		types_str(n->types, want, sizeof want);
		ERR("type", "expected %s, got %s", want, type_name(inst));
	}
	if ((n->has & SCH_H_CONST) && !sch_json_equal(n->const_v, inst)) {
		char v[128];
		ERR("const", "value must be %s", short_json(c, n->const_v, v, sizeof v));
	}
	if (n->has & SCH_H_ENUM) {
		int found = 0;
		for (const cJSON *e = n->enum_v->child; e && !found; e = e->next)
			found = sch_json_equal(e, inst);
		if (!found) {
			char v[128];
			ERR("enum", "value is not one of the %d allowed values: %s",
			    cJSON_GetArraySize(n->enum_v), short_json(c, n->enum_v, v, sizeof v));
		}
	}
	switch (t) {
	case cJSON_Number:
		if (n->has & SCH_H_NUM_KW)
			SUB(ev_number(c, n, inst->valuedouble));
		break;
	case cJSON_String:
		if (n->has & SCH_H_STR_KW)
			SUB(ev_string(c, n, inst->valuestring));
		break;
	case cJSON_Array:
		if (n->has & SCH_H_ARR_KW)
			SUB(ev_array(c, n, inst, la));
		break;
	case cJSON_Object:
		if (n->has & SCH_H_OBJ_KW)
			SUB(ev_object(c, n, inst, la));
		break;
	}

	if (n->ref)
		SUB(ev_here(c, n->ref, inst, la, "$ref", -1));
	if (n->dynref) {
		const sch_node *target = n->dynref;
		if (n->dynref_anchor) {
			int found = 0;
			for (int i = 0; i < c->nscope && !found; i++) {
				const sch_node *r = c->scope[i];
				for (int j = 0; j < r->ndyn; j++) {
					if (!strcmp(r->dyn[j].name, n->dynref_anchor)) {
						target = r->dyn[j].node;
						found = 1;
						break;
					}
				}
			}
		}
		SUB(ev_here(c, target, inst, la, "$dynamicRef", -1));
	}
	for (int i = 0; i < n->nall_of; i++)
		SUB(ev_here(c, n->all_of[i], inst, la, "allOf", i));
	if (n->any_of) {
		int r = ev_choice(c, n->any_of, n->nany_of, inst, la, 1);
		if (r < 0) {
			valid = r;
			goto out;
		}
		if (r == 0) {
			int e = explain(c, n->any_of, n->nany_of, inst, "anyOf");
			if (e < 0) {
				valid = e;
				goto out;
			}
			ERR("anyOf", "value does not match any of the %d anyOf schemas", n->nany_of);
		}
	}
	if (n->one_of) {
		int r = ev_choice(c, n->one_of, n->none_of, inst, la, 2);
		if (r < 0) {
			valid = r;
			goto out;
		}
		if (r == 0) {
			int e = explain(c, n->one_of, n->none_of, inst, "oneOf");
			if (e < 0) {
				valid = e;
				goto out;
			}
			ERR("oneOf", "value does not match any of the %d oneOf schemas", n->none_of);
		} else if (r > 1) {
			ERR("oneOf", "value matches more than one of the oneOf schemas; it must match exactly one");
		}
	}
	if (n->not_) {
		int r = ev_quiet(c, n->not_, inst, NULL);
		if (r < 0) {
			valid = r;
			goto out;
		}
		if (r)
			ERR("not", "value must not match the \"not\" schema");
	}
	if (n->if_) {
		ann ta, *tp = NULL;
		if (la) {
			if (ann_init(&ta, la->n)) {
				valid = ART_ENOMEM;
				goto out;
			}
			tp = &ta;
		}
		int r = ev_quiet(c, n->if_, inst, tp);
		if (r > 0 && tp)
			ann_or(la, tp);
		if (tp)
			ann_free(tp);
		if (r < 0) {
			valid = r;
			goto out;
		}
		if (r && n->then_)
			SUB(ev_here(c, n->then_, inst, la, "then", -1));
		else if (!r && n->else_)
			SUB(ev_here(c, n->else_, inst, la, "else", -1));
	}

	/* unevaluated*: after every other keyword of this schema object */
	if (need_local && t == cJSON_Object) {
		int i = 0;
		for (const cJSON *m = inst->child; m; m = m->next, i++) {
			if (ann_get(la, i))
				continue;
			if (n->unev_props->boolval == 0) {
				int rc = IP(c, m->string, 0);
				if (rc || (rc = verr(c, "unevaluatedProperties",
						     "property \"%s\" is not allowed (unevaluatedProperties)", m->string))) {
					valid = rc;
					goto out;
				}
				IPOP(c);
				FAIL();
			} else {
				SUB(ev_child(c, n->unev_props, m, m->string, 0, "unevaluatedProperties", NULL, -1));
			}
			ann_set(la, i);
		}
	} else if (need_local && t == cJSON_Array) {
		int i = 0;
		for (const cJSON *m = inst->child; m; m = m->next, i++) {
			if (ann_get(la, i))
				continue;
			if (n->unev_items->boolval == 0) {
				int rc = IP(c, NULL, i);
				if (rc || (rc = verr(c, "unevaluatedItems", "item %d is not allowed (unevaluatedItems)", i))) {
					valid = rc;
					goto out;
				}
				IPOP(c);
				FAIL();
			} else {
				SUB(ev_child(c, n->unev_items, m, NULL, i, "unevaluatedItems", NULL, -1));
			}
			ann_set(la, i);
		}
	}
out:
	if (need_local) {
		if (a && valid > 0)
			ann_or(a, &local);
		ann_free(&local);
	}
	if (pushed)
		c->nscope--;
	c->depth--;
	return valid;
}

int art_schema_validate(const art_schema *s, const cJSON *inst, art_schema_result *res)
{
	if (!s || !inst)
		return ART_EINVAL;
	if (res)
		sch_result_truncate(res, 0);
	vctx c = {.res = res};
	c.scope = c.scope_inline;
	c.capscope = (int)(sizeof c.scope_inline / sizeof c.scope_inline[0]);
	int r = ev(&c, s->root, inst, NULL);
	if (c.scope != c.scope_inline)
		free(c.scope);
	free(c.ip);
	free(c.kp);
	if (c.md)
		pcre2_match_data_free(c.md);
	return r;
}

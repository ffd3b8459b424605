/* schema_compile.c — schema documents to the immutable node graph of schema_int.h.
 *
 * Two steps per document: index (walk every subschema under the known applicator
 * keywords, recording its base URI, resource, $id, $anchor and $dynamicAnchor), then
 * compile (one sch_node per schema location, created before its children so $ref
 * cycles terminate).  References are resolved here, once; documents come from the
 * schema itself, then the registry, then the built-in meta-schemas.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "err.h"
#include "schema_int.h"

#define VOCAB_PREFIX "https://json-schema.org/draft/2020-12/vocab/"

/* what the index knows about one schema location */
typedef struct loc {
	const cJSON *key;
	const char *base;      /* base URI, no fragment */
	const cJSON *res_root; /* json of the enclosing resource */
	const char *docptr;    /* JSON Pointer from its document root */
	const char *docuri;    /* "" for the root document */
	int novalid;           /* validation vocabulary off */
	int fmt_assert;        /* format-assertion vocabulary on */
	sch_node *node;
} loc;

typedef struct uri_ent {
	const char *uri;
	const cJSON *json;
} uri_ent;

typedef struct dyn_rec {
	const cJSON *res_root, *json;
	const char *name;
	int done;
} dyn_rec;

typedef struct cctx {
	art_schema *s;
	const art_schema_registry *reg;
	unsigned flags;
	char *err;
	size_t errsz;
	int status;
	sch_pool tmp; /* index strings, freed after compile */
	loc *map;     /* open addressing on key */
	size_t mapcap, mapn;
	uri_ent *uris;
	size_t nuris, capuris;
	dyn_rec *dyns;
	size_t ndyns, capdyns;
	sch_node **nodes;
	size_t nnodes, capnodes;
} cctx;

static int cfail(cctx *c, const loc *l, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int cfail(cctx *c, const loc *l, int status, const char *fmt, ...)
{
	if (c->status)
		return c->status;
	c->status = status;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!l)
		snprintf(c->err, c->errsz, "%s", msg);
	else if (*l->docuri)
		snprintf(c->err, c->errsz, "%s#%s: %s", l->docuri, l->docptr, msg);
	else
		snprintf(c->err, c->errsz, "%s: %s", *l->docptr ? l->docptr : "(root)", msg);
	return status;
}

static int oom(cctx *c)
{
	return cfail(c, NULL, ART_ENOMEM, "out of memory");
}

static const char *tdup(cctx *c, const char *s)
{
	char *r = sch_pool_strdup(&c->tmp, s);
	if (!r)
		oom(c);
	return r;
}

/* ---- location map ---- */
static size_t phash(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull);
}

static loc *map_get(cctx *c, const cJSON *key)
{
	if (!c->mapcap)
		return NULL;
	for (size_t i = phash(key) & (c->mapcap - 1);; i = (i + 1) & (c->mapcap - 1)) {
		if (c->map[i].key == key)
			return &c->map[i];
		if (!c->map[i].key)
			return NULL;
	}
}

static loc *map_put(cctx *c, const cJSON *key)
{
	if ((c->mapn + 1) * 2 > c->mapcap) {
		size_t ncap = c->mapcap ? c->mapcap * 2 : 256;
		loc *nm = calloc(ncap, sizeof *nm);
		if (!nm)
			return oom(c), NULL;
		for (size_t i = 0; i < c->mapcap; i++) {
			if (!c->map[i].key)
				continue;
			size_t j = phash(c->map[i].key) & (ncap - 1);
			while (nm[j].key)
				j = (j + 1) & (ncap - 1);
			nm[j] = c->map[i];
		}
		free(c->map);
		c->map = nm;
		c->mapcap = ncap;
	}
	size_t i = phash(key) & (c->mapcap - 1);
	while (c->map[i].key && c->map[i].key != key)
		i = (i + 1) & (c->mapcap - 1);
	if (!c->map[i].key) {
		c->map[i].key = key;
		c->mapn++;
	}
	return &c->map[i];
}

#define GROW(arr, n, cap)                                                                   \
	((n) < (cap) ? 0 : grow_arr((void **)&(arr), &(cap), sizeof *(arr)))
static int grow_arr(void **arr, size_t *cap, size_t el)
{
	size_t nc = *cap ? *cap * 2 : 16;
	void *na = realloc(*arr, nc * el);
	if (!na)
		return -1;
	*arr = na;
	*cap = nc;
	return 0;
}

static const cJSON *uri_get(cctx *c, const char *uri)
{
	for (size_t i = 0; i < c->nuris; i++)
		if (!strcmp(c->uris[i].uri, uri))
			return c->uris[i].json;
	return NULL;
}

static int uri_put(cctx *c, const char *uri, const cJSON *json)
{
	if (uri_get(c, uri))
		return 0; /* first definition wins */
	if (GROW(c->uris, c->nuris, c->capuris))
		return oom(c);
	const char *u = tdup(c, uri);
	if (!u)
		return c->status;
	c->uris[c->nuris].uri = u;
	c->uris[c->nuris].json = json;
	c->nuris++;
	return 0;
}

/* ---- documents ---- */
static cJSON *own_doc(cctx *c, cJSON *doc)
{
	art_schema *s = c->s;
	if (s->ndocs == s->capdocs) {
		int nc = s->capdocs ? s->capdocs * 2 : 4;
		cJSON **nd = realloc(s->docs, (size_t)nc * sizeof *nd);
		if (!nd) {
			cJSON_Delete(doc);
			return oom(c), NULL;
		}
		s->docs = nd;
		s->capdocs = nc;
	}
	s->docs[s->ndocs++] = doc;
	return doc;
}

/* the $vocabulary of the meta-schema named by $schema: validation off / format on */
static void vocab_flags(cctx *c, const cJSON *schema_kw, int *novalid, int *fmt)
{
	if (!cJSON_IsString(schema_kw))
		return;
	const char *frag;
	char *u = sch_uri_split(schema_kw->valuestring, &frag);
	if (!u)
		return;
	const cJSON *meta = sch_registry_get(c->reg, u);
	cJSON *parsed = NULL;
	if (!meta) {
		const char *text = sch_meta_lookup(u);
		if (text)
			meta = parsed = cJSON_Parse(text);
	}
	free(u);
	const cJSON *voc = cJSON_GetObjectItemCaseSensitive(meta, "$vocabulary");
	if (cJSON_IsObject(voc)) {
		*novalid = !cJSON_GetObjectItemCaseSensitive(voc, VOCAB_PREFIX "validation");
		*fmt = cJSON_GetObjectItemCaseSensitive(voc, VOCAB_PREFIX "format-assertion") != NULL;
	}
	cJSON_Delete(parsed);
}

/* ---- index ---- */
static const char *const kw_schema_map[] = {"$defs", "properties", "patternProperties",
					    "dependentSchemas", "definitions", NULL};
static const char *const kw_schema_one[] = {
	"additionalProperties", "propertyNames", "items", "contains", "unevaluatedProperties",
	"unevaluatedItems", "not", "if", "then", "else", NULL};
static const char *const kw_schema_arr[] = {"allOf", "anyOf", "oneOf", "prefixItems", NULL};

static const char *ptr_join(cctx *c, const char *ptr, const char *seg)
{
	sch_buf b = {0};
	sch_buf_adds(&b, ptr);
	sch_buf_ptr_seg(&b, seg);
	const char *r = b.oom ? NULL : tdup(c, b.s);
	if (b.oom)
		oom(c);
	sch_buf_free(&b);
	return r;
}

static const char *ptr_join_idx(cctx *c, const char *ptr, int i)
{
	char num[24];
	snprintf(num, sizeof num, "%d", i);
	return ptr_join(c, ptr, num);
}

static int in_list(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(k, *list))
			return 1;
	return 0;
}

/* parent: the loc of the enclosing schema (NULL at a document root) */
static int index_schema(cctx *c, const cJSON *json, const loc *parent, const char *base,
			const char *docuri, const char *docptr, int depth)
{
	if (c->status)
		return c->status;
	if (depth > 256)
		return cfail(c, NULL, ART_ERANGE, "%s: schema nested too deep", docptr);
	if (!cJSON_IsObject(json) && !cJSON_IsBool(json))
		return 0; /* not a schema; compile reports it where it is used */
	if (map_get(c, json))
		return 0;
	loc l = {.key = json, .base = base, .docuri = docuri, .docptr = docptr};
	l.res_root = parent ? parent->res_root : json;
	if (parent) {
		l.novalid = parent->novalid;
		l.fmt_assert = parent->fmt_assert;
	}
	if (cJSON_IsObject(json)) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "$id");
		if (cJSON_IsString(id)) {
			char *abs = sch_uri_resolve(base, id->valuestring);
			if (!abs)
				return oom(c);
			const char *frag;
			char *nb = sch_uri_split(abs, &frag);
			free(abs);
			if (!nb)
				return oom(c);
			l.base = tdup(c, nb);
			free(nb);
			if (!l.base)
				return c->status;
			l.res_root = json;
			if (uri_put(c, l.base, json))
				return c->status;
		}
		const cJSON *sk = cJSON_GetObjectItemCaseSensitive(json, "$schema");
		if (sk && (!parent || l.res_root == json))
			vocab_flags(c, sk, &l.novalid, &l.fmt_assert);
		const char *akw[] = {"$anchor", "$dynamicAnchor"};
		for (int k = 0; k < 2; k++) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(json, akw[k]);
			if (!cJSON_IsString(a))
				continue;
			sch_buf b = {0};
			sch_buf_adds(&b, l.base);
			sch_buf_addc(&b, '#');
			sch_buf_adds(&b, a->valuestring);
			int rc = b.oom ? oom(c) : uri_put(c, b.s, json);
			sch_buf_free(&b);
			if (rc)
				return rc;
			if (k == 1) {
				if (GROW(c->dyns, c->ndyns, c->capdyns))
					return oom(c);
				c->dyns[c->ndyns++] = (dyn_rec){l.res_root, json, a->valuestring, 0};
			}
		}
	}
	loc *e = map_put(c, json);
	if (!e)
		return c->status;
	*e = l;
	if (!cJSON_IsObject(json))
		return 0;
	/* e may move when the map grows: children take the copy */
	for (const cJSON *kw = json->child; kw && !c->status; kw = kw->next) {
		const char *k = kw->string;
		const char *p = ptr_join(c, docptr, k);
		if (!p)
			break;
		if (in_list(k, kw_schema_one)) {
			index_schema(c, kw, &l, l.base, docuri, p, depth + 1);
		} else if (in_list(k, kw_schema_map) && cJSON_IsObject(kw)) {
			for (const cJSON *m = kw->child; m && !c->status; m = m->next) {
				const char *mp = ptr_join(c, p, m->string);
				if (mp)
					index_schema(c, m, &l, l.base, docuri, mp, depth + 1);
			}
		} else if (in_list(k, kw_schema_arr) && cJSON_IsArray(kw)) {
			int i = 0;
			for (const cJSON *m = kw->child; m && !c->status; m = m->next, i++) {
				const char *mp = ptr_join_idx(c, p, i);
				if (mp)
					index_schema(c, m, &l, l.base, docuri, mp, depth + 1);
			}
		}
	}
	return c->status;
}

/* index a whole document found by uri ("" for the root document) */
static int index_doc(cctx *c, const cJSON *doc, const char *uri)
{
	const char *u = tdup(c, uri);
	if (!u)
		return c->status;
	if (*u && uri_put(c, u, doc))
		return c->status;
	return index_schema(c, doc, NULL, u, u, "", 0);
}

/* find (loading if needed) the document or resource for an absolute URI w/o fragment */
static const cJSON *resource_get(cctx *c, const char *uri)
{
	const cJSON *j = uri_get(c, uri);
	if (j || !*uri)
		return j;
	const cJSON *rd = sch_registry_get(c->reg, uri);
	cJSON *doc = NULL;
	if (rd) {
		doc = cJSON_Duplicate(rd, 1);
	} else {
		const char *text = sch_meta_lookup(uri);
		if (!text)
			return NULL;
		doc = cJSON_Parse(text);
	}
	if (!doc)
		return oom(c), NULL;
	if (!own_doc(c, doc) || index_doc(c, doc, uri))
		return NULL;
	return uri_get(c, uri);
}

/* decode one JSON Pointer token in place (~1 -> /, ~0 -> ~); -1 on a bad escape */
static int ptr_unescape(char *t)
{
	char *w = t;
	for (char *r = t; *r; r++) {
		if (*r == '~') {
			if (r[1] == '0')
				*w++ = '~';
			else if (r[1] == '1')
				*w++ = '/';
			else
				return -1;
			r++;
		} else
			*w++ = *r;
	}
	*w = 0;
	return 0;
}

/* resolve ref (the value of $ref/$dynamicRef in the schema at from) to a schema json */
static const cJSON *resolve_ref(cctx *c, const loc *from, const char *kw, const char *ref)
{
	loc f = *from; /* from may move as documents get indexed */
	char *abs = sch_uri_resolve(f.base, ref);
	if (!abs)
		return oom(c), NULL;
	const char *frag;
	char *doc = sch_uri_split(abs, &frag);
	const cJSON *target = NULL;
	if (!doc) {
		oom(c);
		goto out;
	}
	if (*frag == 0 || *frag == '/') {
		const cJSON *root = *doc ? resource_get(c, doc) : f.res_root;
		if (!root && !*doc) {
			/* no base URI: "" names the root document */
			root = c->s->ndocs ? c->s->docs[0] : NULL;
		}
		if (!root) {
			if (!c->status)
				cfail(c, &f, ART_ENOENT, "%s \"%s\": cannot resolve \"%s\" (not in the schema or the registry)",
				      kw, ref, doc);
			goto out;
		}
		char *p = strdup(frag);
		if (!p || sch_uri_pct_decode(p)) {
			if (!p)
				oom(c);
			else
				cfail(c, &f, ART_EINVAL, "%s \"%s\": bad percent-escape in fragment", kw, ref);
			free(p);
			goto out;
		}
		const cJSON *cur = root;
		const loc *last = map_get(c, root);
		loc lastcopy = last ? *last : f;
		char *tok = p;
		int ok = 1;
		while (ok && *tok == '/') {
			tok++;
			char *slash = strchr(tok, '/');
			if (slash)
				*slash = 0;
			if (ptr_unescape(tok)) {
				ok = 0;
				break;
			}
			if (cJSON_IsObject(cur)) {
				cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
			} else if (cJSON_IsArray(cur)) {
				char *end;
				errno = 0;
				long ix = strtol(tok, &end, 10);
				cur = (*tok && !*end && !errno && ix >= 0 && ix < INT_MAX) ?
					      cJSON_GetArrayItem(cur, (int)ix) :
					      NULL;
			} else
				cur = NULL;
			if (!cur) {
				ok = 0;
				break;
			}
			const loc *lc = map_get(c, cur);
			if (lc)
				lastcopy = *lc;
			if (!slash)
				break;
			*slash = '/';
			tok = slash;
		}
		free(p);
		if (!ok || !cur) {
			cfail(c, &f, ART_ENOENT, "%s \"%s\": no schema at that JSON Pointer", kw, ref);
			goto out;
		}
		if (!cJSON_IsObject(cur) && !cJSON_IsBool(cur)) {
			cfail(c, &f, ART_EINVAL, "%s \"%s\": the value there is not a schema (object or boolean)",
			      kw, ref);
			goto out;
		}
		if (!map_get(c, cur)) {
			/* a location under an unknown keyword: index it with its nearest base */
			loc parent = lastcopy;
			const char *dp = tdup(c, frag);
			if (!dp || index_schema(c, cur, &parent, parent.base, parent.docuri, dp, 0))
				goto out;
		}
		target = cur;
	} else {
		target = uri_get(c, abs);
		if (!target && *doc && resource_get(c, doc))
			target = uri_get(c, abs);
		if (!target && !c->status)
			cfail(c, &f, ART_ENOENT, "%s \"%s\": no anchor \"%s\" in \"%s\"", kw, ref, frag,
			      doc);
	}
out:
	free(abs);
	free(doc);
	return target;
}

/* ---- compile ---- */
static sch_node *compile_node(cctx *c, const cJSON *json);

/* v: the subschema under keyword kw, as member name or index i (both unset: kw itself) */
static sch_node *compile_sub_at(cctx *c, const loc *l, const char *kw, const char *name, int i,
				const cJSON *v)
{
	if (!cJSON_IsObject(v) && !cJSON_IsBool(v)) {
		if (name)
			cfail(c, l, ART_EINVAL, "%s/%s must be a schema (object or boolean)", kw, name);
		else if (i >= 0)
			cfail(c, l, ART_EINVAL, "%s/%d must be a schema (object or boolean)", kw, i);
		else
			cfail(c, l, ART_EINVAL, "%s must be a schema (object or boolean)", kw);
		return NULL;
	}
	return compile_node(c, v);
}

static sch_node *compile_sub(cctx *c, const loc *l, const char *kw, const cJSON *v)
{
	return compile_sub_at(c, l, kw, NULL, -1, v);
}

static int get_nonneg_int(cctx *c, const loc *l, const cJSON *v, double *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || floor(v->valuedouble) != v->valuedouble)
		return cfail(c, l, ART_EINVAL, "%s must be a non-negative integer", v->string);
	*out = v->valuedouble;
	return 0;
}

static int get_number(cctx *c, const loc *l, const cJSON *v, double *out)
{
	if (!cJSON_IsNumber(v))
		return cfail(c, l, ART_EINVAL, "%s must be a number", v->string);
	*out = v->valuedouble;
	return 0;
}

static int type_bit(const char *t)
{
	static const char *const names[] = {"null", "boolean", "object", "array", "number",
					    "string", "integer"};
	for (int i = 0; i < 7; i++)
		if (!strcmp(t, names[i]))
			return 1 << i;
	return 0;
}

static sch_node **compile_arr(cctx *c, const loc *l, const cJSON *v, int *n)
{
	if (!cJSON_IsArray(v) || !v->child)
		return cfail(c, l, ART_EINVAL, "%s must be a non-empty array of schemas", v->string),
		       NULL;
	int cnt = cJSON_GetArraySize(v);
	sch_node **a = sch_pool_alloc(&c->s->pool, (size_t)cnt * sizeof *a);
	if (!a)
		return oom(c), NULL;
	int i = 0;
	for (const cJSON *m = v->child; m; m = m->next, i++) {
		a[i] = compile_sub_at(c, l, v->string, NULL, i, m);
		if (!a[i])
			return NULL;
	}
	*n = cnt;
	return a;
}

static sch_prop *compile_map(cctx *c, const loc *l, const cJSON *v, int *n)
{
	if (!cJSON_IsObject(v))
		return cfail(c, l, ART_EINVAL, "%s must be an object of schemas", v->string), NULL;
	int cnt = cJSON_GetArraySize(v);
	sch_prop *a = sch_pool_alloc(&c->s->pool, (size_t)(cnt ? cnt : 1) * sizeof *a);
	if (!a)
		return oom(c), NULL;
	int i = 0;
	for (const cJSON *m = v->child; m; m = m->next, i++) {
		a[i].name = m->string;
		a[i].node = compile_sub_at(c, l, v->string, m->string, -1, m);
		if (!a[i].node)
			return NULL;
	}
	*n = cnt;
	return a;
}

static int prop_cmp(const void *a, const void *b)
{
	return strcmp(((const sch_prop *)a)->name, ((const sch_prop *)b)->name);
}

static pcre2_code *compile_re(cctx *c, const loc *l, const char *kw, const char *src)
{
	int ec;
	size_t eo;
	pcre2_code *re = sch_regex_compile(src, &ec, &eo);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		cfail(c, l, ART_EINVAL, "%s \"%s\" is not a valid regex: %s at offset %zu", kw, src,
		      (const char *)msg, (size_t)eo);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort: falls back to the interpreter */
	art_schema *s = c->s;
	if (s->nres == s->capres) {
		int nc = s->capres ? s->capres * 2 : 8;
		pcre2_code **nr = realloc(s->res, (size_t)nc * sizeof *nr);
		if (!nr) {
			pcre2_code_free(re);
			return oom(c), NULL;
		}
		s->res = nr;
		s->capres = nc;
	}
	s->res[s->nres++] = re;
	return re;
}

static const char **compile_strs(cctx *c, const loc *l, const cJSON *v, const char *what, int *n)
{
	if (!cJSON_IsArray(v))
		return cfail(c, l, ART_EINVAL, "%s must be an array of strings", what), NULL;
	int cnt = cJSON_GetArraySize(v), i = 0;
	const char **a = sch_pool_alloc(&c->s->pool, (size_t)(cnt ? cnt : 1) * sizeof *a);
	if (!a)
		return oom(c), NULL;
	for (const cJSON *m = v->child; m; m = m->next, i++) {
		if (!cJSON_IsString(m))
			return cfail(c, l, ART_EINVAL, "%s must be an array of strings", what), NULL;
		a[i] = m->valuestring;
	}
	*n = cnt;
	return a;
}

static const char *const validation_kws[] = {
	"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
	"exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
	"uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
	"required", "dependentRequired", NULL};

/* one keyword of an object schema; returns 0 or sets c->status */
static int compile_kw(cctx *c, sch_node *n, const loc *l, const cJSON *v)
{
	const char *k = v->string;
	sch_pool *P = &c->s->pool;
	if (l->novalid && in_list(k, validation_kws))
		return 0;
	if (!strcmp(k, "type")) {
		n->has |= SCH_H_TYPE;
		if (cJSON_IsString(v)) {
			n->types = (unsigned)type_bit(v->valuestring);
			if (!n->types)
				return cfail(c, l, ART_EINVAL, "type \"%s\" is not a JSON Schema type",
					     v->valuestring);
		} else if (cJSON_IsArray(v)) {
			for (const cJSON *m = v->child; m; m = m->next) {
				int b = cJSON_IsString(m) ? type_bit(m->valuestring) : 0;
				if (!b)
					return cfail(c, l, ART_EINVAL, "type must be a type name or an array of type names");
				n->types |= (unsigned)b;
			}
		} else
			return cfail(c, l, ART_EINVAL, "type must be a type name or an array of type names");
	} else if (!strcmp(k, "const")) {
		n->has |= SCH_H_CONST;
		n->const_v = v;
	} else if (!strcmp(k, "enum")) {
		if (!cJSON_IsArray(v))
			return cfail(c, l, ART_EINVAL, "enum must be an array");
		n->has |= SCH_H_ENUM;
		n->enum_v = v;
	} else if (!strcmp(k, "multipleOf")) {
		if (get_number(c, l, v, &n->multiple_of))
			return c->status;
		if (!(n->multiple_of > 0))
			return cfail(c, l, ART_EINVAL, "multipleOf must be greater than 0");
		n->has |= SCH_H_MULTIPLE | SCH_H_NUM_KW;
	} else if (!strcmp(k, "maximum")) {
		n->has |= SCH_H_MAXIMUM | SCH_H_NUM_KW;
		return get_number(c, l, v, &n->maximum);
	} else if (!strcmp(k, "exclusiveMaximum")) {
		n->has |= SCH_H_XMAXIMUM | SCH_H_NUM_KW;
		return get_number(c, l, v, &n->xmaximum);
	} else if (!strcmp(k, "minimum")) {
		n->has |= SCH_H_MINIMUM | SCH_H_NUM_KW;
		return get_number(c, l, v, &n->minimum);
	} else if (!strcmp(k, "exclusiveMinimum")) {
		n->has |= SCH_H_XMINIMUM | SCH_H_NUM_KW;
		return get_number(c, l, v, &n->xminimum);
	} else if (!strcmp(k, "maxLength")) {
		n->has |= SCH_H_MAXLEN | SCH_H_STR_KW;
		return get_nonneg_int(c, l, v, &n->max_len);
	} else if (!strcmp(k, "minLength")) {
		n->has |= SCH_H_MINLEN | SCH_H_STR_KW;
		return get_nonneg_int(c, l, v, &n->min_len);
	} else if (!strcmp(k, "pattern")) {
		if (!cJSON_IsString(v))
			return cfail(c, l, ART_EINVAL, "pattern must be a string");
		n->pattern = compile_re(c, l, "pattern", v->valuestring);
		n->pattern_src = v->valuestring;
		n->has |= SCH_H_PATTERN | SCH_H_STR_KW;
	} else if (!strcmp(k, "format")) {
		if (!cJSON_IsString(v))
			return cfail(c, l, ART_EINVAL, "format must be a string");
		n->format = sch_format_lookup(v->valuestring);
		n->format_name = v->valuestring;
		if (n->fmt_assert)
			n->has |= SCH_H_FORMAT | SCH_H_STR_KW;
	} else if (!strcmp(k, "maxItems")) {
		n->has |= SCH_H_MAXITEMS | SCH_H_ARR_KW;
		return get_nonneg_int(c, l, v, &n->max_items);
	} else if (!strcmp(k, "minItems")) {
		n->has |= SCH_H_MINITEMS | SCH_H_ARR_KW;
		return get_nonneg_int(c, l, v, &n->min_items);
	} else if (!strcmp(k, "uniqueItems")) {
		if (!cJSON_IsBool(v))
			return cfail(c, l, ART_EINVAL, "uniqueItems must be a boolean");
		if (cJSON_IsTrue(v))
			n->has |= SCH_H_UNIQUE | SCH_H_ARR_KW;
	} else if (!strcmp(k, "maxContains")) {
		n->has |= SCH_H_MAXCONTAINS | SCH_H_ARR_KW;
		return get_nonneg_int(c, l, v, &n->max_contains);
	} else if (!strcmp(k, "minContains")) {
		n->has |= SCH_H_MINCONTAINS | SCH_H_ARR_KW;
		return get_nonneg_int(c, l, v, &n->min_contains);
	} else if (!strcmp(k, "maxProperties")) {
		n->has |= SCH_H_MAXPROPS | SCH_H_OBJ_KW;
		return get_nonneg_int(c, l, v, &n->max_props);
	} else if (!strcmp(k, "minProperties")) {
		n->has |= SCH_H_MINPROPS | SCH_H_OBJ_KW;
		return get_nonneg_int(c, l, v, &n->min_props);
	} else if (!strcmp(k, "required")) {
		n->required = compile_strs(c, l, v, "required", &n->nrequired);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "dependentRequired")) {
		if (!cJSON_IsObject(v))
			return cfail(c, l, ART_EINVAL, "dependentRequired must be an object of string arrays");
		int cnt = cJSON_GetArraySize(v), i = 0;
		n->dep_req = sch_pool_alloc(P, (size_t)(cnt ? cnt : 1) * sizeof *n->dep_req);
		if (!n->dep_req)
			return oom(c);
		for (const cJSON *m = v->child; m; m = m->next, i++) {
			n->dep_req[i].name = m->string;
			n->dep_req[i].req = compile_strs(c, l, m, "dependentRequired", &n->dep_req[i].nreq);
			if (c->status)
				return c->status;
		}
		n->ndep_req = cnt;
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "properties")) {
		n->props = compile_map(c, l, v, &n->nprops);
		if (n->props)
			qsort(n->props, (size_t)n->nprops, sizeof *n->props, prop_cmp);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "patternProperties")) {
		if (!cJSON_IsObject(v))
			return cfail(c, l, ART_EINVAL, "patternProperties must be an object of schemas");
		int cnt = cJSON_GetArraySize(v), i = 0;
		n->pats = sch_pool_alloc(P, (size_t)(cnt ? cnt : 1) * sizeof *n->pats);
		if (!n->pats)
			return oom(c);
		for (const cJSON *m = v->child; m; m = m->next, i++) {
			n->pats[i].src = m->string;
			n->pats[i].re = compile_re(c, l, "patternProperties", m->string);
			n->pats[i].node = n->pats[i].re ? compile_sub_at(c, l, k, m->string, -1, m) : NULL;
			if (c->status)
				return c->status;
		}
		n->npats = cnt;
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "dependentSchemas")) {
		n->dep_schemas = compile_map(c, l, v, &n->ndep_schemas);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "additionalProperties")) {
		n->additional = compile_sub(c, l, k, v);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "propertyNames")) {
		n->prop_names = compile_sub(c, l, k, v);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "unevaluatedProperties")) {
		n->unev_props = compile_sub(c, l, k, v);
		n->has |= SCH_H_OBJ_KW;
	} else if (!strcmp(k, "items")) {
		n->items = compile_sub(c, l, k, v);
		n->has |= SCH_H_ARR_KW;
	} else if (!strcmp(k, "prefixItems")) {
		n->prefix = compile_arr(c, l, v, &n->nprefix);
		n->has |= SCH_H_ARR_KW;
	} else if (!strcmp(k, "contains")) {
		n->contains = compile_sub(c, l, k, v);
		n->has |= SCH_H_ARR_KW;
	} else if (!strcmp(k, "unevaluatedItems")) {
		n->unev_items = compile_sub(c, l, k, v);
		n->has |= SCH_H_ARR_KW;
	} else if (!strcmp(k, "allOf")) {
		n->all_of = compile_arr(c, l, v, &n->nall_of);
	} else if (!strcmp(k, "anyOf")) {
		n->any_of = compile_arr(c, l, v, &n->nany_of);
	} else if (!strcmp(k, "oneOf")) {
		n->one_of = compile_arr(c, l, v, &n->none_of);
	} else if (!strcmp(k, "not")) {
		n->not_ = compile_sub(c, l, k, v);
	} else if (!strcmp(k, "if")) {
		n->if_ = compile_sub(c, l, k, v);
	} else if (!strcmp(k, "then")) {
		n->then_ = compile_sub(c, l, k, v);
	} else if (!strcmp(k, "else")) {
		n->else_ = compile_sub(c, l, k, v);
	} else if (!strcmp(k, "$defs") || !strcmp(k, "definitions")) {
		if (!cJSON_IsObject(v))
			return cfail(c, l, ART_EINVAL, "%s must be an object of schemas", k);
		for (const cJSON *m = v->child; m; m = m->next)
			if (!compile_sub_at(c, l, k, m->string, -1, m))
				return c->status;
	} else if (!strcmp(k, "$ref") || !strcmp(k, "$dynamicRef")) {
		if (!cJSON_IsString(v))
			return cfail(c, l, ART_EINVAL, "%s must be a string (a URI reference)", k);
		const cJSON *t = resolve_ref(c, l, k, v->valuestring);
		if (!t)
			return c->status;
		sch_node *tn = compile_node(c, t);
		if (!tn)
			return c->status;
		if (k[1] == 'r') {
			n->ref = tn;
		} else {
			n->dynref = tn;
			const char *frag = strchr(v->valuestring, '#');
			const cJSON *da = cJSON_GetObjectItemCaseSensitive(t, "$dynamicAnchor");
			if (frag && frag[1] && frag[1] != '/' && cJSON_IsString(da) &&
			    !strcmp(da->valuestring, frag + 1))
				n->dynref_anchor = da->valuestring;
		}
	} else if (!strcmp(k, "$id") || !strcmp(k, "$anchor") || !strcmp(k, "$dynamicAnchor") ||
		   !strcmp(k, "$schema") || !strcmp(k, "$comment")) {
		if (!cJSON_IsString(v))
			return cfail(c, l, ART_EINVAL, "%s must be a string", k);
	}
	/* anything else is an annotation or unknown keyword: ignored */
	return c->status;
}

static sch_node *compile_node(cctx *c, const cJSON *json)
{
	if (c->status)
		return NULL;
	loc *l = map_get(c, json);
	ART_ASSERT(l != NULL); /* every compiled location was indexed first */
	if (l->node)
		return l->node;
	sch_node *n = sch_pool_alloc(&c->s->pool, sizeof *n);
	if (!n || GROW(c->nodes, c->nnodes, c->capnodes))
		return oom(c), NULL;
	c->nodes[c->nnodes++] = n;
	l->node = n;
	loc lc = *l; /* l may move while children are indexed */
	n->json = json;
	n->boolval = cJSON_IsBool(json) ? cJSON_IsTrue(json) : -1;
	sch_buf pb = {0};
	sch_buf_adds(&pb, lc.docuri);
	sch_buf_addc(&pb, '#');
	sch_buf_adds(&pb, lc.docptr);
	n->path = pb.oom ? NULL : sch_pool_strdup(&c->s->pool, pb.s);
	sch_buf_free(&pb);
	if (!n->path)
		return oom(c), NULL;
	if (lc.res_root == json)
		n->resource = n;
	else if (!(n->resource = compile_node(c, lc.res_root)))
		return NULL;
	if (n->boolval >= 0)
		return n;
	n->fmt_assert = (c->flags & ART_SCHEMA_FORMAT_ASSERT) || lc.fmt_assert;
	for (const cJSON *kw = json->child; kw; kw = kw->next)
		if (compile_kw(c, n, &lc, kw))
			return NULL;
	return n;
}

/* attach each $dynamicAnchor to its resource's node, once that resource is compiled */
static int attach_dynamic(cctx *c)
{
	int changed = 1;
	while (changed && !c->status) {
		changed = 0;
		for (size_t i = 0; i < c->ndyns && !c->status; i++) {
			dyn_rec *d = &c->dyns[i];
			if (d->done)
				continue;
			loc *rl = map_get(c, d->res_root);
			if (!rl || !rl->node)
				continue;
			sch_node *res = rl->node;
			sch_node *an = compile_node(c, d->json);
			if (!an)
				break;
			d = &c->dyns[i];
			sch_dyn *nd = sch_pool_alloc(&c->s->pool, (size_t)(res->ndyn + 1) * sizeof *nd);
			if (!nd)
				return oom(c);
			if (res->ndyn)
				memcpy(nd, res->dyn, (size_t)res->ndyn * sizeof *nd);
			nd[res->ndyn].name = d->name;
			nd[res->ndyn].node = an;
			res->dyn = nd;
			res->ndyn++;
			d->done = 1;
			changed = 1;
		}
	}
	return c->status;
}

/* in-place edges (same instance location): a cycle among them never terminates */
static int inplace_dfs(cctx *c, sch_node *n, int depth)
{
	if (n->inplace_mark == 2)
		return 0;
	if (n->inplace_mark == 1)
		return cfail(c, NULL, ART_EINVAL,
			     "%s: $ref cycle: this schema refers back to itself without consuming any of the instance",
			     n->path);
	if (depth > 10000)
		return cfail(c, NULL, ART_ERANGE, "%s: references nested too deep", n->path);
	n->inplace_mark = 1;
	sch_node *one[] = {n->ref, n->dynref, n->not_, n->if_, n->then_, n->else_};
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
		if (one[i] && inplace_dfs(c, one[i], depth + 1))
			return c->status;
	sch_node **lists[] = {n->all_of, n->any_of, n->one_of};
	int counts[] = {n->nall_of, n->nany_of, n->none_of};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < counts[k]; i++)
			if (inplace_dfs(c, lists[k][i], depth + 1))
				return c->status;
	for (int i = 0; i < n->ndep_schemas; i++)
		if (inplace_dfs(c, n->dep_schemas[i].node, depth + 1))
			return c->status;
	n->inplace_mark = 2;
	return 0;
}

int art_schema_compile(art_schema **out, const cJSON *doc, art_schema_registry *reg,
		       const char *base_uri, unsigned flags, char *err, size_t errsz)
{
	char dummy[1];
	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof dummy;
	}
	*err = 0;
	if (!out || !doc) {
		snprintf(err, errsz, "no schema");
		return ART_EINVAL;
	}
	*out = NULL;
	if (!cJSON_IsObject(doc) && !cJSON_IsBool(doc)) {
		snprintf(err, errsz, "(root): a schema must be an object or boolean");
		return ART_EINVAL;
	}
	art_schema *s = calloc(1, sizeof *s);
	if (!s)
		return ART_ENOMEM;
	cctx c = {.s = s, .reg = reg, .flags = flags, .err = err, .errsz = errsz};
	cJSON *d = cJSON_Duplicate(doc, 1);
	char *base = NULL;
	if (!d || !own_doc(&c, d)) {
		oom(&c);
		goto done;
	}
	if (base_uri) {
		const char *frag;
		base = sch_uri_split(base_uri, &frag);
		if (!base) {
			oom(&c);
			goto done;
		}
	}
	if (index_doc(&c, d, base ? base : ""))
		goto done;
	s->root = compile_node(&c, d);
	if (!s->root || attach_dynamic(&c))
		goto done;
	for (size_t i = 0; i < c.nnodes && !c.status; i++)
		inplace_dfs(&c, c.nodes[i], 0);
done:
	free(base);
	free(c.map);
	free(c.uris);
	free(c.dyns);
	free(c.nodes);
	sch_pool_free(&c.tmp);
	if (c.status) {
		art_schema_free(s);
		return c.status;
	}
	*out = s;
	return ART_OK;
}

int art_schema_compile_file(art_schema **out, const char *path, art_schema_registry *reg,
			    unsigned flags, char *err, size_t errsz)
{
	char dummy[1];
	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof dummy;
	}
	if (!out || !path)
		return ART_EINVAL;
	*out = NULL;
	cJSON *doc;
	int rc = sch_read_json_file(path, &doc, err, errsz);
	if (rc)
		return rc;
	char *abs = realpath(path, NULL);
	sch_buf b = {0};
	sch_buf_adds(&b, "file://");
	sch_buf_adds(&b, abs ? abs : path);
	free(abs);
	if (b.oom) {
		cJSON_Delete(doc);
		return ART_ENOMEM;
	}
	rc = art_schema_compile(out, doc, reg, b.s, flags, err, errsz);
	sch_buf_free(&b);
	cJSON_Delete(doc);
	return rc;
}

void art_schema_free(art_schema *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nres; i++)
		pcre2_code_free(s->res[i]);
	free(s->res);
	for (int i = 0; i < s->ndocs; i++)
		cJSON_Delete(s->docs[i]);
	free(s->docs);
	sch_pool_free(&s->pool);
	free(s);
}

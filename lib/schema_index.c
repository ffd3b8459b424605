/* schema_index.c — where schemas live: each location's base URI and resource, the
 * URIs of $id, $anchor and $dynamicAnchor, and $ref resolution over the schema's own
 * documents, the registry and the built-in meta-schemas.
 *
 * Indexing walks subschemas only under the known applicator keywords, so an $id inside
 * an unknown keyword or a "const" value is not an identifier.  A JSON Pointer $ref into
 * an unknown keyword still works: its target is indexed when it is resolved.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include "err.h"
#include "schema_cctx.h"

int sch_cfail(sch_cctx *c, const sch_loc *l, int status, const char *fmt, ...)
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

int sch_oom(sch_cctx *c)
{
	return sch_cfail(c, NULL, ART_ENOMEM, "out of memory");
}

static const char *tdup(sch_cctx *c, const char *s)
{
	char *r = sch_pool_strdup(&c->tmp, s);
	if (!r)
		sch_oom(c);
	return r;
}

/* ---- location map ---- */
static size_t phash(const void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull);
}

sch_loc *sch_loc_get(sch_cctx *c, const cJSON *key)
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

static sch_loc *map_put(sch_cctx *c, const cJSON *key)
{
	if ((c->mapn + 1) * 2 > c->mapcap) {
		size_t ncap = c->mapcap ? c->mapcap * 2 : 256;
		sch_loc *nm = calloc(ncap, sizeof *nm);
		if (!nm)
			return sch_oom(c), NULL;
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

int sch_grow(void **arr, size_t *cap, size_t el)
{
	size_t nc = *cap ? *cap * 2 : 16;
	void *na = realloc(*arr, nc * el);
	if (!na)
		return -1;
	*arr = na;
	*cap = nc;
	return 0;
}

static const cJSON *uri_get(sch_cctx *c, const char *uri)
{
	for (size_t i = 0; i < c->nuris; i++)
		if (!strcmp(c->uris[i].uri, uri))
			return c->uris[i].json;
	return NULL;
}

static int uri_put(sch_cctx *c, const char *uri, const cJSON *json)
{
	if (uri_get(c, uri))
		return 0; /* first definition wins */
	if (SCH_GROW(c->uris, c->nuris, c->capuris))
		return sch_oom(c);
	const char *u = tdup(c, uri);
	if (!u)
		return c->status;
	c->uris[c->nuris].uri = u;
	c->uris[c->nuris].json = json;
	c->nuris++;
	return 0;
}

/* ---- documents ---- */
cJSON *sch_own_doc(sch_cctx *c, cJSON *doc)
{
	art_schema *s = c->s;
	if (s->ndocs == s->capdocs) {
		int nc = s->capdocs ? s->capdocs * 2 : 4;
		cJSON **nd = realloc(s->docs, (size_t)nc * sizeof *nd);
		if (!nd) {
			cJSON_Delete(doc);
			return sch_oom(c), NULL;
		}
		s->docs = nd;
		s->capdocs = nc;
	}
	s->docs[s->ndocs++] = doc;
	return doc;
}

/* the $vocabulary of the meta-schema named by $schema: validation off / format on */
static void vocab_flags(sch_cctx *c, const cJSON *schema_kw, int *novalid, int *fmt)
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

static const char *ptr_join(sch_cctx *c, const char *ptr, const char *seg)
{
	sch_buf b = {0};
	sch_buf_adds(&b, ptr);
	sch_buf_ptr_seg(&b, seg);
	const char *r = b.oom ? NULL : tdup(c, b.s);
	if (b.oom)
		sch_oom(c);
	sch_buf_free(&b);
	return r;
}

static const char *ptr_join_idx(sch_cctx *c, const char *ptr, int i)
{
	char num[24];
	snprintf(num, sizeof num, "%d", i);
	return ptr_join(c, ptr, num);
}

int sch_in_list(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(k, *list))
			return 1;
	return 0;
}

/* parent: the sch_loc of the enclosing schema (NULL at a document root) */
static int index_schema(sch_cctx *c, const cJSON *json, const sch_loc *parent, const char *base,
			const char *docuri, const char *docptr, int depth)
{
	if (c->status)
		return c->status;
	if (depth > 256)
		return sch_cfail(c, NULL, ART_ERANGE, "%s: schema nested too deep", docptr);
	if (!cJSON_IsObject(json) && !cJSON_IsBool(json))
		return 0; /* not a schema; compile reports it where it is used */
	if (sch_loc_get(c, json))
		return 0;
	sch_loc l = {.key = json, .base = base, .docuri = docuri, .docptr = docptr};
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
				return sch_oom(c);
			const char *frag;
			char *nb = sch_uri_split(abs, &frag);
			int bad_frag = *frag != 0;
			free(abs);
			if (!nb)
				return sch_oom(c);
			if (bad_frag) {
				free(nb);
				return sch_cfail(c, &l, ART_EINVAL,
					     "$id \"%s\" has a fragment; name a subschema with $anchor instead",
					     id->valuestring);
			}
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
			int rc = b.oom ? sch_oom(c) : uri_put(c, b.s, json);
			sch_buf_free(&b);
			if (rc)
				return rc;
			if (k == 1) {
				if (SCH_GROW(c->dyns, c->ndyns, c->capdyns))
					return sch_oom(c);
				c->dyns[c->ndyns++] = (sch_dyn_rec){l.res_root, json, a->valuestring, 0};
			}
		}
	}
	sch_loc *e = map_put(c, json);
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
		if (sch_in_list(k, kw_schema_one)) {
			index_schema(c, kw, &l, l.base, docuri, p, depth + 1);
		} else if (sch_in_list(k, kw_schema_map) && cJSON_IsObject(kw)) {
			for (const cJSON *m = kw->child; m && !c->status; m = m->next) {
				const char *mp = ptr_join(c, p, m->string);
				if (mp)
					index_schema(c, m, &l, l.base, docuri, mp, depth + 1);
			}
		} else if (sch_in_list(k, kw_schema_arr) && cJSON_IsArray(kw)) {
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
int sch_index_doc(sch_cctx *c, const cJSON *doc, const char *uri)
{
	const char *u = tdup(c, uri);
	if (!u)
		return c->status;
	if (*u && uri_put(c, u, doc))
		return c->status;
	return index_schema(c, doc, NULL, u, u, "", 0);
}

/* find (loading if needed) the document or resource for an absolute URI w/o fragment */
static const cJSON *resource_get(sch_cctx *c, const char *uri)
{
	const cJSON *j = uri_get(c, uri);
	if (j || !*uri)
		return j;
	const cJSON *rd = sch_registry_get(c->reg, uri);
	cJSON *doc = NULL;
	const char *text;
	if (rd) {
		doc = cJSON_Duplicate(rd, 1);
	} else if ((text = sch_meta_lookup(uri))) {
		doc = cJSON_Parse(text);
	} else if ((c->flags & ART_SCHEMA_FILE_REFS) && !strncmp(uri, "file://", 7)) {
		/* file:///path or file://localhost/path */
		const char *p = uri + 7;
		if (!strncmp(p, "localhost/", 10))
			p += 9;
		char *path = strdup(p);
		if (!path)
			return sch_oom(c), NULL;
		int rc = (*path == '/' && !sch_uri_pct_decode(path)) ?
				 sch_read_json_file(path, &doc, c->why, sizeof c->why) :
				 (snprintf(c->why, sizeof c->why, "not a local file URI"), ART_EINVAL);
		free(path);
		if (rc == ART_ENOMEM)
			return sch_oom(c), NULL;
		if (rc)
			return NULL; /* the caller names the $ref; c->why says why */
		return sch_own_doc(c, doc) && !sch_index_doc(c, doc, uri) ? uri_get(c, uri) : NULL;
	} else
		return NULL;
	if (!doc)
		return sch_oom(c), NULL;
	if (!sch_own_doc(c, doc) || sch_index_doc(c, doc, uri))
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
/* follow the decoded JSON Pointer p from root; *nearest becomes the index entry of the
 * deepest indexed location on the way (for the base URI of an unindexed target) */
static const cJSON *ptr_walk(sch_cctx *c, const cJSON *root, char *p, sch_loc *nearest)
{
	const cJSON *cur = root;
	while (cur && *p == '/') {
		char *tok = p + 1, *slash = strchr(tok, '/');
		if (slash)
			*slash = 0;
		if (ptr_unescape(tok))
			return NULL;
		if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		} else if (cJSON_IsArray(cur)) {
			char *end;
			errno = 0;
			long ix = strtol(tok, &end, 10);
			cur = (*tok && !*end && !errno && ix >= 0 && ix < INT_MAX) ?
				      cJSON_GetArrayItem(cur, (int)ix) : NULL;
		} else
			cur = NULL;
		const sch_loc *lc = cur ? sch_loc_get(c, cur) : NULL;
		if (lc)
			*nearest = *lc;
		if (!slash)
			break;
		*slash = '/';
		p = slash;
	}
	return cur;
}

const cJSON *sch_resolve_ref(sch_cctx *c, const sch_loc *from, const char *kw, const char *ref)
{
	sch_loc f = *from; /* from may move as documents get indexed */
	c->why[0] = 0;
	char *abs = sch_uri_resolve(f.base, ref);
	if (!abs)
		return sch_oom(c), NULL;
	const char *frag;
	char *doc = sch_uri_split(abs, &frag), *p = NULL;
	const cJSON *target = NULL;
	if (!doc) {
		sch_oom(c);
		goto out;
	}
	if (*frag && *frag != '/') {
		/* a plain-name fragment: an $anchor or $dynamicAnchor */
		target = uri_get(c, abs);
		if (!target && *doc && resource_get(c, doc))
			target = uri_get(c, abs);
		if (!target && !c->status && c->why[0])
			sch_cfail(c, &f, ART_ENOENT, "%s \"%s\": cannot resolve \"%s\" (%s)", kw, ref, doc, c->why);
		else if (!target && !c->status)
			sch_cfail(c, &f, ART_ENOENT, "%s \"%s\": no anchor \"%s\" in \"%s\"", kw, ref, frag,
				  doc);
		goto out;
	}
	/* "" (no base URI) is the current resource */
	const cJSON *root = *doc ? resource_get(c, doc) : f.res_root;
	if (!root) {
		if (!c->status)
			sch_cfail(c, &f, ART_ENOENT, "%s \"%s\": cannot resolve \"%s\" (%s)", kw, ref, doc,
				  c->why[0] ? c->why : "not in the schema or the registry");
		goto out;
	}
	p = strdup(frag);
	if (!p) {
		sch_oom(c);
		goto out;
	}
	if (sch_uri_pct_decode(p)) {
		sch_cfail(c, &f, ART_EINVAL, "%s \"%s\": bad percent-escape in fragment", kw, ref);
		goto out;
	}
	const sch_loc *rl = sch_loc_get(c, root);
	sch_loc nearest = rl ? *rl : f;
	const cJSON *cur = ptr_walk(c, root, p, &nearest);
	if (!cur) {
		sch_cfail(c, &f, ART_ENOENT, "%s \"%s\": no schema at that JSON Pointer", kw, ref);
		goto out;
	}
	if (!cJSON_IsObject(cur) && !cJSON_IsBool(cur)) {
		sch_cfail(c, &f, ART_EINVAL, "%s \"%s\": the value there is not a schema (object or boolean)",
			  kw, ref);
		goto out;
	}
	if (!sch_loc_get(c, cur)) {
		/* a location under an unknown keyword: index it with its nearest base */
		const char *dp = tdup(c, frag);
		if (!dp || index_schema(c, cur, &nearest, nearest.base, nearest.docuri, dp, 0))
			goto out;
	}
	target = cur;
out:
	free(p);
	free(abs);
	free(doc);
	return target;
}

/* schema_compile.c — schema documents to the immutable node graph of schema_int.h.
 *
 * After schema_index.c has indexed a document, compile makes one sch_node per schema
 * location, created before its children so $ref cycles terminate, checks every
 * keyword's type (errors name the location), precompiles regexes, attaches
 * $dynamicAnchors to their resources, and rejects $ref cycles that would never consume
 * any of the instance.
 */
#include <math.h>
#include <string.h>
#include "err.h"
#include "schema_cctx.h"

/* ---- compile ---- */
static sch_node *compile_node(sch_cctx *c, const cJSON *json);

/* v: the subschema under keyword kw, as member name or index i (both unset: kw itself) */
static sch_node *compile_sub_at(sch_cctx *c, const sch_loc *l, const char *kw, const char *name, int i,
				const cJSON *v)
{
	if (!cJSON_IsObject(v) && !cJSON_IsBool(v)) {
		if (name)
			sch_cfail(c, l, ART_EINVAL, "%s/%s must be a schema (object or boolean)", kw, name);
		else if (i >= 0)
			sch_cfail(c, l, ART_EINVAL, "%s/%d must be a schema (object or boolean)", kw, i);
		else
			sch_cfail(c, l, ART_EINVAL, "%s must be a schema (object or boolean)", kw);
		return NULL;
	}
	return compile_node(c, v);
}

static sch_node *compile_sub(sch_cctx *c, const sch_loc *l, const char *kw, const cJSON *v)
{
	return compile_sub_at(c, l, kw, NULL, -1, v);
}

static int get_nonneg_int(sch_cctx *c, const sch_loc *l, const cJSON *v, double *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || floor(v->valuedouble) != v->valuedouble)
		return sch_cfail(c, l, ART_EINVAL, "%s must be a non-negative integer", v->string);
	*out = v->valuedouble;
	return 0;
}

static int get_number(sch_cctx *c, const sch_loc *l, const cJSON *v, double *out)
{
	if (!cJSON_IsNumber(v))
		return sch_cfail(c, l, ART_EINVAL, "%s must be a number", v->string);
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

static sch_node **compile_arr(sch_cctx *c, const sch_loc *l, const cJSON *v, int *n)
{
	if (!cJSON_IsArray(v) || !v->child)
		return sch_cfail(c, l, ART_EINVAL, "%s must be a non-empty array of schemas", v->string),
		       NULL;
	int cnt = cJSON_GetArraySize(v);
	sch_node **a = sch_pool_alloc(&c->s->pool, (size_t)cnt * sizeof *a);
	if (!a)
		return sch_oom(c), NULL;
	int i = 0;
	for (const cJSON *m = v->child; m; m = m->next, i++) {
		a[i] = compile_sub_at(c, l, v->string, NULL, i, m);
		if (!a[i])
			return NULL;
	}
	*n = cnt;
	return a;
}

static sch_prop *compile_map(sch_cctx *c, const sch_loc *l, const cJSON *v, int *n)
{
	if (!cJSON_IsObject(v))
		return sch_cfail(c, l, ART_EINVAL, "%s must be an object of schemas", v->string), NULL;
	int cnt = cJSON_GetArraySize(v);
	sch_prop *a = sch_pool_alloc(&c->s->pool, (size_t)(cnt ? cnt : 1) * sizeof *a);
	if (!a)
		return sch_oom(c), NULL;
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

static pcre2_code *compile_re(sch_cctx *c, const sch_loc *l, const char *kw, const char *src)
{
	int ec;
	size_t eo;
	pcre2_code *re = sch_regex_compile(src, &ec, &eo);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof msg);
		sch_cfail(c, l, ART_EINVAL, "%s \"%s\" is not a valid regex: %s at offset %zu", kw, src,
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
			return sch_oom(c), NULL;
		}
		s->res = nr;
		s->capres = nc;
	}
	s->res[s->nres++] = re;
	return re;
}

static const char **compile_strs(sch_cctx *c, const sch_loc *l, const cJSON *v, const char *what, int *n)
{
	if (!cJSON_IsArray(v))
		return sch_cfail(c, l, ART_EINVAL, "%s must be an array of strings", what), NULL;
	int cnt = cJSON_GetArraySize(v), i = 0;
	const char **a = sch_pool_alloc(&c->s->pool, (size_t)(cnt ? cnt : 1) * sizeof *a);
	if (!a)
		return sch_oom(c), NULL;
	for (const cJSON *m = v->child; m; m = m->next, i++) {
		if (!cJSON_IsString(m))
			return sch_cfail(c, l, ART_EINVAL, "%s must be an array of strings", what), NULL;
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
static int compile_kw(sch_cctx *c, sch_node *n, const sch_loc *l, const cJSON *v)
{
	const char *k = v->string;
	sch_pool *P = &c->s->pool;
	if (l->novalid && sch_in_list(k, validation_kws))
		return 0;
	if (!strcmp(k, "type")) {
		n->has |= SCH_H_TYPE;
		if (cJSON_IsString(v)) {
			n->types = (unsigned)type_bit(v->valuestring);
			if (!n->types)
				return sch_cfail(c, l, ART_EINVAL, "type \"%s\" is not a JSON Schema type",
					     v->valuestring);
		} else if (cJSON_IsArray(v)) {
			for (const cJSON *m = v->child; m; m = m->next) {
				int b = cJSON_IsString(m) ? type_bit(m->valuestring) : 0;
				if (!b)
					return sch_cfail(c, l, ART_EINVAL, "type must be a type name or an array of type names");
				n->types |= (unsigned)b;
			}
		} else
			return sch_cfail(c, l, ART_EINVAL, "type must be a type name or an array of type names");
	} else if (!strcmp(k, "const")) {
		n->has |= SCH_H_CONST;
		n->const_v = v;
	} else if (!strcmp(k, "enum")) {
		if (!cJSON_IsArray(v))
			return sch_cfail(c, l, ART_EINVAL, "enum must be an array");
		n->has |= SCH_H_ENUM;
		n->enum_v = v;
	} else if (!strcmp(k, "multipleOf")) {
		if (get_number(c, l, v, &n->multiple_of))
			return c->status;
		if (!(n->multiple_of > 0))
			return sch_cfail(c, l, ART_EINVAL, "multipleOf must be greater than 0");
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
			return sch_cfail(c, l, ART_EINVAL, "pattern must be a string");
		n->pattern = compile_re(c, l, "pattern", v->valuestring);
		n->pattern_src = v->valuestring;
		n->has |= SCH_H_PATTERN | SCH_H_STR_KW;
	} else if (!strcmp(k, "format")) {
		if (!cJSON_IsString(v))
			return sch_cfail(c, l, ART_EINVAL, "format must be a string");
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
			return sch_cfail(c, l, ART_EINVAL, "uniqueItems must be a boolean");
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
			return sch_cfail(c, l, ART_EINVAL, "dependentRequired must be an object of string arrays");
		int cnt = cJSON_GetArraySize(v), i = 0;
		n->dep_req = sch_pool_alloc(P, (size_t)(cnt ? cnt : 1) * sizeof *n->dep_req);
		if (!n->dep_req)
			return sch_oom(c);
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
			return sch_cfail(c, l, ART_EINVAL, "patternProperties must be an object of schemas");
		int cnt = cJSON_GetArraySize(v), i = 0;
		n->pats = sch_pool_alloc(P, (size_t)(cnt ? cnt : 1) * sizeof *n->pats);
		if (!n->pats)
			return sch_oom(c);
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
			return sch_cfail(c, l, ART_EINVAL, "%s must be an object of schemas", k);
		for (const cJSON *m = v->child; m; m = m->next)
			if (!compile_sub_at(c, l, k, m->string, -1, m))
				return c->status;
	} else if (!strcmp(k, "$ref") || !strcmp(k, "$dynamicRef")) {
		if (!cJSON_IsString(v))
			return sch_cfail(c, l, ART_EINVAL, "%s must be a string (a URI reference)", k);
		const cJSON *t = sch_resolve_ref(c, l, k, v->valuestring);
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
			return sch_cfail(c, l, ART_EINVAL, "%s must be a string", k);
	}
	/* anything else is an annotation or unknown keyword: ignored */
	return c->status;
}

static sch_node *compile_node(sch_cctx *c, const cJSON *json)
{
	if (c->status)
		return NULL;
	sch_loc *l = sch_loc_get(c, json);
	ART_ASSERT(l != NULL); /* every compiled location was indexed first */
	if (l->node)
		return l->node;
	sch_node *n = sch_pool_alloc(&c->s->pool, sizeof *n);
	if (!n || SCH_GROW(c->nodes, c->nnodes, c->capnodes))
		return sch_oom(c), NULL;
	c->nodes[c->nnodes++] = n;
	l->node = n;
	sch_loc lc = *l; /* l may move while children are indexed */
	n->json = json;
	n->boolval = cJSON_IsBool(json) ? cJSON_IsTrue(json) : -1;
	sch_buf pb = {0};
	sch_buf_adds(&pb, lc.docuri);
	sch_buf_addc(&pb, '#');
	sch_buf_adds(&pb, lc.docptr);
	n->path = pb.oom ? NULL : sch_pool_strdup(&c->s->pool, pb.s);
	sch_buf_free(&pb);
	if (!n->path)
		return sch_oom(c), NULL;
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
static int attach_dynamic(sch_cctx *c)
{
	int changed = 1;
	while (changed && !c->status) {
		changed = 0;
		for (size_t i = 0; i < c->ndyns && !c->status; i++) {
			sch_dyn_rec *d = &c->dyns[i];
			if (d->done)
				continue;
			sch_loc *rl = sch_loc_get(c, d->res_root);
			if (!rl || !rl->node)
				continue;
			sch_node *res = rl->node;
			sch_node *an = compile_node(c, d->json);
			if (!an)
				break;
			d = &c->dyns[i];
			sch_dyn *nd = sch_pool_alloc(&c->s->pool, (size_t)(res->ndyn + 1) * sizeof *nd);
			if (!nd)
				return sch_oom(c);
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
static int inplace_dfs(sch_cctx *c, sch_node *n, int depth)
{
	if (n->inplace_mark == 2)
		return 0;
	if (n->inplace_mark == 1)
		return sch_cfail(c, NULL, ART_EINVAL,
			     "%s: $ref cycle: this schema refers back to itself without consuming any of the instance",
			     n->path);
	if (depth > 10000)
		return sch_cfail(c, NULL, ART_ERANGE, "%s: references nested too deep", n->path);
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
	sch_cctx c = {.s = s, .reg = reg, .flags = flags, .err = err, .errsz = errsz};
	cJSON *d = cJSON_Duplicate(doc, 1);
	char *base = NULL;
	if (!d || !sch_own_doc(&c, d)) {
		sch_oom(&c);
		goto done;
	}
	if (base_uri) {
		const char *frag;
		base = sch_uri_split(base_uri, &frag);
		if (!base) {
			sch_oom(&c);
			goto done;
		}
	}
	if (sch_index_doc(&c, d, base ? base : ""))
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
	for (const char *p = abs ? abs : path; *p; p++) {
		if (strchr(" #%?[]\"<>\\^`{|}", *p) || (unsigned char)*p < 0x21) {
			char hex[4];
			snprintf(hex, sizeof hex, "%%%02X", (unsigned char)*p);
			sch_buf_adds(&b, hex);
		} else
			sch_buf_addc(&b, *p);
	}
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

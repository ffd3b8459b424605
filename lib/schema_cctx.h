/* schema_cctx.h — compile-time context shared by schema_index.c (where schemas live:
 * base URIs, resources, anchors, $ref resolution) and schema_compile.c (keywords to
 * nodes).  Not part of the API.
 *
 * Ownership: the context's tables are freed at the end of art_schema_compile; strings
 * in them come from c->tmp; documents are owned by the schema being built (s->docs).
 */
#ifndef ART_SCHEMA_CCTX_H
#define ART_SCHEMA_CCTX_H
#include "schema_int.h"

#define VOCAB_PREFIX "https://json-schema.org/draft/2020-12/vocab/"

/* what the index knows about one schema location */
typedef struct sch_loc {
	const cJSON *key;
	const char *base;      /* base URI, no fragment */
	const cJSON *res_root; /* json of the enclosing resource */
	const char *docptr;    /* JSON Pointer from its document root */
	const char *docuri;    /* "" for the root document */
	int novalid;           /* validation vocabulary off */
	int fmt_assert;        /* format-assertion vocabulary on */
	sch_node *node;
} sch_loc;

typedef struct sch_uri_ent {
	const char *uri;
	const cJSON *json;
} sch_uri_ent;

typedef struct sch_dyn_rec {
	const cJSON *res_root, *json;
	const char *name;
	int done;
} sch_dyn_rec;

typedef struct sch_cctx {
	art_schema *s;
	const art_schema_registry *reg;
	unsigned flags;
	char *err;
	size_t errsz;
	int status;
	sch_pool tmp; /* index strings, freed after compile */
	sch_loc *map;     /* open addressing on key */
	size_t mapcap, mapn;
	sch_uri_ent *uris;
	size_t nuris, capuris;
	sch_dyn_rec *dyns;
	size_t ndyns, capdyns;
	sch_node **nodes;
	size_t nnodes, capnodes;
	char why[600]; /* why the last document load failed, for the $ref's message */
} sch_cctx;

/* first error wins: sets c->status and writes "location: message" to c->err */
int sch_cfail(sch_cctx *c, const sch_loc *l, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sch_oom(sch_cctx *c);
/* grow a malloc'd array to hold one more (0, or -1 on ENOMEM) */
#define SCH_GROW(arr, n, cap)                                                               \
	((n) < (cap) ? 0 : sch_grow((void **)&(arr), &(cap), sizeof *(arr)))
int sch_grow(void **arr, size_t *cap, size_t el);
int sch_in_list(const char *k, const char *const *list);
/* the index entry of a schema location, NULL if it was never indexed */
sch_loc *sch_loc_get(sch_cctx *c, const cJSON *key);
/* the schema takes doc (freed on error too); NULL on ENOMEM */
cJSON *sch_own_doc(sch_cctx *c, cJSON *doc);
/* index a whole document found by uri ("" for the root document without a base) */
int sch_index_doc(sch_cctx *c, const cJSON *doc, const char *uri);
/* the schema json a $ref/$dynamicRef value names, indexed, loading documents as
 * needed; NULL with c->status set when it cannot be resolved */
const cJSON *sch_resolve_ref(sch_cctx *c, const sch_loc *from, const char *kw, const char *ref);
#endif

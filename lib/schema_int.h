/* schema_int.h — internals shared by the schema*.c files; not part of the API.
 *
 * Ownership: every sch_node, array and string of a compiled schema comes from its
 * sch_pool and is freed with it; pcre2 codes are listed in the schema and freed there;
 * node->json and friends point into the schema's own document copies (docs[]).
 */
#ifndef ART_SCHEMA_INT_H
#define ART_SCHEMA_INT_H
#include <stdint.h>
#include <pcre2.h>
#include "schema.h"

/* ---- a bump allocator freed all at once ---- */
typedef struct sch_pool_blk {
	struct sch_pool_blk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
} sch_pool_blk;
typedef struct sch_pool {
	sch_pool_blk *head;
} sch_pool;
void *sch_pool_alloc(sch_pool *p, size_t n);     /* zeroed; NULL on ENOMEM */
char *sch_pool_strdup(sch_pool *p, const char *s); /* NULL on ENOMEM */
void sch_pool_free(sch_pool *p);

/* ---- growable string ---- */
typedef struct sch_buf {
	char *s;
	size_t len, cap;
	int oom;
} sch_buf;
void sch_buf_addn(sch_buf *b, const char *s, size_t n);
void sch_buf_adds(sch_buf *b, const char *s);
void sch_buf_addc(sch_buf *b, char c);
void sch_buf_ptr_seg(sch_buf *b, const char *seg); /* "/" + seg, JSON-Pointer escaped */
void sch_buf_free(sch_buf *b);

/* ---- URIs (uri.c) ---- */
/* RFC 3986 reference resolution; a new malloc'd string, NULL on ENOMEM. */
char *sch_uri_resolve(const char *base, const char *ref);
/* Split at '#': *frag points after '#', or to "" when none; returns malloc'd part
 * before it, NULL on ENOMEM. */
char *sch_uri_split(const char *uri, const char **frag);
/* Percent-decode in place; returns 0, or -1 on a bad escape. */
int sch_uri_pct_decode(char *s);
/* 1 when the URI has a scheme. */
int sch_uri_is_absolute(const char *uri);

/* ---- regexes (regex.c) ---- */
/* an ECMA-262 pattern rewritten for PCRE2 (UTF, UCP); malloc'd, NULL on ENOMEM */
char *sch_regex_translate(const char *src);
/* compile with the flags every schema regex uses; NULL with the PCRE2 error code and offset set on error */
pcre2_code *sch_regex_compile(const char *src, int *ec, size_t *eo);

/* ---- formats (format.c) ---- */
enum sch_format {
	SCH_FORMAT_NONE = 0, /* unknown: always passes */
	SCH_FORMAT_DATE_TIME, SCH_FORMAT_DATE, SCH_FORMAT_TIME, SCH_FORMAT_DURATION,
	SCH_FORMAT_EMAIL, SCH_FORMAT_IDN_EMAIL, SCH_FORMAT_HOSTNAME, SCH_FORMAT_IDN_HOSTNAME,
	SCH_FORMAT_IPV4, SCH_FORMAT_IPV6, SCH_FORMAT_URI, SCH_FORMAT_URI_REFERENCE,
	SCH_FORMAT_IRI, SCH_FORMAT_IRI_REFERENCE, SCH_FORMAT_URI_TEMPLATE, SCH_FORMAT_UUID,
	SCH_FORMAT_JSON_POINTER, SCH_FORMAT_RELATIVE_JSON_POINTER, SCH_FORMAT_REGEX,
};
int sch_format_lookup(const char *name); /* enum sch_format */
int sch_format_valid(int fmt, const char *s); /* 1 or 0 */

/* ---- compiled form ---- */
enum sch_type_bit {
	SCH_T_NULL = 1, SCH_T_BOOLEAN = 2, SCH_T_OBJECT = 4, SCH_T_ARRAY = 8,
	SCH_T_NUMBER = 16, SCH_T_STRING = 32, SCH_T_INTEGER = 64,
};

/* which keywords a node has (has bits) */
enum sch_has {
	SCH_H_TYPE = 1u << 0, SCH_H_CONST = 1u << 1, SCH_H_ENUM = 1u << 2,
	SCH_H_MINIMUM = 1u << 3, SCH_H_MAXIMUM = 1u << 4, SCH_H_XMINIMUM = 1u << 5,
	SCH_H_XMAXIMUM = 1u << 6, SCH_H_MULTIPLE = 1u << 7, SCH_H_MINLEN = 1u << 8,
	SCH_H_MAXLEN = 1u << 9, SCH_H_MINITEMS = 1u << 10, SCH_H_MAXITEMS = 1u << 11,
	SCH_H_MINPROPS = 1u << 12, SCH_H_MAXPROPS = 1u << 13, SCH_H_UNIQUE = 1u << 14,
	SCH_H_MINCONTAINS = 1u << 15, SCH_H_MAXCONTAINS = 1u << 16, SCH_H_FORMAT = 1u << 17,
	SCH_H_PATTERN = 1u << 18,
	/* groups checked by the evaluator to skip whole sections quickly */
	SCH_H_OBJ_KW = 1u << 24, /* any object keyword */
	SCH_H_ARR_KW = 1u << 25, /* any array keyword */
	SCH_H_STR_KW = 1u << 26, /* any string keyword */
	SCH_H_NUM_KW = 1u << 27, /* any number keyword */
};

typedef struct sch_node sch_node;
typedef struct sch_prop { const char *name; sch_node *node; } sch_prop;
typedef struct sch_pat { pcre2_code *re; const char *src; sch_node *node; } sch_pat;
typedef struct sch_depreq { const char *name; const char **req; int nreq; } sch_depreq;
typedef struct sch_dyn { const char *name; sch_node *node; } sch_dyn;

struct sch_node {
	int boolval;          /* -1 object schema; 0 false; 1 true */
	unsigned has;         /* enum sch_has bits */
	unsigned types;       /* enum sch_type_bit mask when SCH_H_TYPE */
	int fmt_assert;       /* format asserts here */
	const cJSON *json;
	const char *path;     /* schema location, "uri#/pointer", for messages */
	sch_node *resource;   /* the node of the enclosing schema resource (itself if $id) */
	sch_dyn *dyn;         /* resource roots: $dynamicAnchor names in this resource */
	int ndyn;

	double minimum, maximum, xminimum, xmaximum, multiple_of;
	double min_len, max_len, min_items, max_items, min_props, max_props;
	double min_contains, max_contains;
	const cJSON *const_v, *enum_v;
	pcre2_code *pattern;
	const char *pattern_src;
	int format;           /* enum sch_format */
	const char *format_name;

	sch_prop *props;      /* sorted by name (strcmp) */
	int nprops;
	sch_pat *pats;
	int npats;
	sch_prop *dep_schemas;
	int ndep_schemas;
	sch_depreq *dep_req;
	int ndep_req;
	const char **required;
	int nrequired;
	sch_node **prefix, **all_of, **any_of, **one_of;
	int nprefix, nall_of, nany_of, none_of;
	sch_node *additional, *prop_names, *items, *contains, *unev_props, *unev_items;
	sch_node *not_, *if_, *then_, *else_, *ref, *dynref;
	const char *dynref_anchor; /* $dynamicRef to a $dynamicAnchor: resolved at run time */
	int inplace_mark;          /* compile-time cycle check scratch */
};

struct art_schema {
	sch_pool pool;
	sch_node *root;
	cJSON **docs;
	int ndocs, capdocs;
	pcre2_code **res;
	int nres, capres;
};

/* result internals, shared by validate.c and result.c */
struct art_schema_result {
	art_schema_error *errors;
	size_t n, cap;
	int truncated;
};
#define SCH_MAX_ERRORS 100
/* append an error (copies strings); 0 or ART_ENOMEM */
int sch_result_add(art_schema_result *r, const char *iloc, const char *kloc, const char *msg);
void sch_result_truncate(art_schema_result *r, size_t n);

/* registry lookup by absolute URI without fragment (registry.c); NULL if absent */
const cJSON *sch_registry_get(const art_schema_registry *reg, const char *uri);

/* parse a JSON file (registry.c); *out to cJSON_Delete */
int sch_read_json_file(const char *path, cJSON **out, char *err, size_t errsz);

/* built-in meta-schemas (meta.c): the JSON text for uri, or NULL */
const char *sch_meta_lookup(const char *uri);

/* deep JSON equality (numbers by value, objects by key set) */
int sch_json_equal(const cJSON *a, const cJSON *b);
#endif

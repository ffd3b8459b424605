/* memory.h — art-memory's store: tenant-scoped items in sqlite (WAL, FTS5, BM25).
 *
 * An item is one remembered text: a fact, a document chunk or a conversation turn, owned
 * by exactly one tenant.  Every read, search and delete takes the tenant and puts it in
 * the SQL WHERE clause; there is no function here that reads items across tenants
 * (art_memory_gc may delete across tenants when given no tenant, returning only counts).
 *
 * Full-text search takes words split from user text by art_memory_terms and quotes each
 * as an FTS5 string literal (art_memory_fts_join); user text never reaches FTS5 as syntax.
 *
 * Ownership: art_memory_open returns a handle the caller frees with art_memory_close.
 * Strings in an art_memory_item passed in are borrowed for the call.  Hits returned by
 * art_memory_search / art_memory_turns / art_memory_each are owned by the caller
 * (art_memory_hits_free); the item handed to an art_memory_each callback is borrowed for
 * the duration of the callback.
 */
#ifndef ART_MEMORY_H
#define ART_MEMORY_H
#include <stddef.h>
#include <stdint.h>

#define ART_MEMORY_SCHEMA 1   /* PRAGMA user_version of a database this version writes */
#define ART_MEMORY_ID_MAX 64  /* bytes for an item id, NUL included ("mem-" + 16 hex) */
#define ART_MEMORY_NS_MAX 128 /* longest namespace, bytes */
#define ART_MEMORY_NS_DEFAULT "default"

enum art_memory_kind {
	ART_MEMORY_FACT = 0,
	ART_MEMORY_DOCUMENT,
	ART_MEMORY_TURN,
	ART_MEMORY_KIND_COUNT,
};
/* "fact", "document", "turn". */
const char *art_memory_kind_name(enum art_memory_kind k);
/* ART_OK with *k set, or ART_EINVAL for an unknown name. */
int art_memory_kind_parse(const char *s, enum art_memory_kind *k);

enum art_memory_open_flags {
	ART_MEMORY_OPEN_CREATE = 1,   /* create the file and schema if missing */
	ART_MEMORY_OPEN_READONLY = 2, /* query only (recall, export) */
};

typedef struct art_memory art_memory;

/* Opens (or with ART_MEMORY_OPEN_CREATE creates) the database at path: WAL journal,
 * synchronous NORMAL, busy timeout 5 s, schema checked (ART_EFORMAT for a newer or
 * foreign database).  ART_ENOENT if the file is missing and not to be created. */
int art_memory_open(art_memory **out, const char *path, int flags, char *err, size_t errsz);
void art_memory_close(art_memory *m);

/* Explicit transactions around many puts (ingest, import, one envelope's writes). */
int art_memory_begin(art_memory *m, char *err, size_t errsz);
int art_memory_commit(art_memory *m, char *err, size_t errsz);
void art_memory_rollback(art_memory *m);

/* One item, as stored and as exported.  Times are µs since the epoch. */
typedef struct {
	const char *id;        /* NULL on put: a fresh random "mem-<16 hex>" */
	const char *tenant;    /* required, non-empty */
	const char *ns;        /* namespace; NULL means ART_MEMORY_NS_DEFAULT */
	enum art_memory_kind kind;
	const char *text;      /* required, valid UTF-8, non-empty */
	const char *source;    /* where it came from (file#chunk, "envelope"); may be NULL */
	const char *session;   /* conversation id (turns); may be NULL */
	const char *env_id;    /* provenance: the envelope that wrote it; may be NULL */
	const char *actor;     /* provenance: actor.id of that envelope; may be NULL */
	const char *meta;      /* compact JSON object text (turn roles, chunk index) or NULL */
	int64_t created_us;    /* 0 on put: now */
	int64_t expires_us;    /* 0: never expires */
} art_memory_item;

/* Stores it unless an item with the same de-duplication key exists in the tenant: the
 * key is art_memory_dedupe_key (memory_text.h) of tenant, namespace, kind and text, with
 * extra "" for facts and documents and session "\n" env_id for turns.  Writes the id of the
 * stored or existing item into id_out (ART_MEMORY_ID_MAX bytes) and sets *dup to 1 when
 * it existed.  ART_OK, ART_EINVAL (missing or oversized fields; err says which), ART_EIO. */
int art_memory_put(art_memory *m, const art_memory_item *it, char *id_out, int *dup, char *err,
		   size_t errsz);

/* A result row.  score is -bm25 (larger is better) for search hits, 0 for turns. */
typedef struct {
	char *id, *ns, *kind, *text, *source, *session, *env_id, *actor, *meta, *hash;
	char *tenant;
	double score;
	int64_t created_us, expires_us;
} art_memory_hit;
void art_memory_hits_free(art_memory_hit *h, size_t n);

/* How a search is bounded.  FTS5's bm25 costs a few µs per matching row, so a term that
 * matches many items would make every recall slow: terms matching more than max_df items
 * (counted over the whole index, a statistic like bm25's own IDF) are treated as stop
 * words, and of the rarer terms only the rarest are kept while their summed matches stay
 * within max_rows.  When every term is common, the items matching ALL of them are
 * ranked instead, newest max_rows first.  At most max_rows rows are ever ranked. */
typedef struct {
	const char *const *namespaces; /* n_ns entries; 0 = every namespace */
	size_t n_ns;
	int64_t now_us;                /* items expiring at or before now are not returned */
	size_t limit;                  /* hits wanted, best first */
	size_t max_df;                 /* default ART_MEMORY_MAX_DF when 0 */
	size_t max_rows;               /* default ART_MEMORY_MAX_ROWS when 0 */
} art_memory_search_opts;
#define ART_MEMORY_MAX_DF 500
#define ART_MEMORY_MAX_ROWS 1000

typedef struct {
	size_t terms;   /* terms given */
	size_t used;    /* terms that took part in matching */
	size_t common;  /* terms over max_df */
	int all_common; /* 1: the AND fallback ran */
} art_memory_search_stats;

/* BM25 search of the tenant's unexpired fact and document items (never turns).  terms
 * are words from art_memory_terms (memory_text.h); each becomes an FTS5 string literal
 * here, so no term is ever FTS5 syntax.  *hits is NULL when *n is 0; stats may be NULL. */
int art_memory_search(art_memory *m, const char *tenant, const char *const *terms,
		      size_t nterms, const art_memory_search_opts *o, art_memory_hit **hits,
		      size_t *n, art_memory_search_stats *stats, char *err, size_t errsz);

/* The tenant's last `limit` unexpired turns of session, oldest first. */
int art_memory_turns(art_memory *m, const char *tenant, const char *session, int64_t now_us,
		     size_t limit, art_memory_hit **hits, size_t *n, char *err, size_t errsz);

/* Calls fn for every item of tenant, in insertion order; stops when fn returns nonzero
 * and returns that value. */
typedef int (*art_memory_each_fn)(void *ctx, const art_memory_hit *item);
int art_memory_each(art_memory *m, const char *tenant, art_memory_each_fn fn, void *ctx,
		    char *err, size_t errsz);

typedef struct {
	uint64_t expired;  /* items removed because expires_us <= now */
	uint64_t trimmed;  /* turns removed beyond keep-last-N of their session */
} art_memory_gc_stats;
/* Removes expired items and, if keep_turns >= 0, all but the newest keep_turns turns of
 * each session.  tenant NULL: every tenant (deletes only; nothing is read back). */
int art_memory_gc(art_memory *m, const char *tenant, int64_t now_us, long long keep_turns,
		  art_memory_gc_stats *st, char *err, size_t errsz);

/* Merges the full-text index into one segment (FTS5 'optimize'), which makes searches
 * after a bulk load about 15% cheaper.  Takes seconds for 100,000 chunks. */
int art_memory_optimize(art_memory *m, char *err, size_t errsz);

/* Items of the tenant (all kinds, expired included); ART_OK with *n set. */
int art_memory_count(art_memory *m, const char *tenant, uint64_t *n, char *err, size_t errsz);
#endif

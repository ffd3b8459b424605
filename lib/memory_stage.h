/* memory_stage.h — art-memory's envelope work: the recall and write filters, ingest of
 * documents, export/import of items as JSON lines.
 *
 * The filter functions have the art_env_fn shape (env.h) so a main hands them to
 * art_env_filter_run with a config as ctx.  They edit the envelope in place and, on a
 * problem the envelope caused, set an error envelope with one of the codes below.
 *
 * Envelope fields (see man/art-memory.1):
 *   recall reads  tenant, session, memory_query (string) or the latest user message;
 *          appends context[] items {id, source, kind, text, score, namespace, tokens}
 *          (turns also carry user and assistant);
 *   write  reads  memory_writes[] {kind, namespace, text, approved, source, ttl} and,
 *          with turns, the latest user message and output.text; sets on each entry
 *          status (written | duplicate | refused), id when stored, reason when refused.
 *   both append an event {stage "art-memory", name "recall" | "write", attrs} with
 *   counts only (never the text).
 *
 * Ownership: configs are owned by the caller and must outlive the filter run; the
 * art_memory handle inside is borrowed.  cJSON returned by art_memory_item_json is owned
 * by the caller.
 */
#ifndef ART_MEMORY_STAGE_H
#define ART_MEMORY_STAGE_H
#include "memory.h"
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#define ART_MEMORY_STAGE "art-memory"

/* Stable error codes this stage sets on envelopes. */
#define ART_MEMORY_ERR_NO_TENANT "no_tenant"     /* tenant missing, empty or not a string */
#define ART_MEMORY_ERR_BAD_FIELD "bad_field"     /* memory_query/context/memory_writes of the wrong type */
#define ART_MEMORY_ERR_STORE "memory_store"      /* the database failed (busy, I/O) */
#define ART_MEMORY_ERR_DEADLINE "deadline_exceeded"

typedef struct {
	art_memory *db;
	size_t top_k;           /* search hits at most */
	size_t budget;          /* estimated tokens for all context added (memory_text.h) */
	size_t turns;           /* recent session turns at most; 0: none */
	size_t max_terms;       /* words taken from the query */
	size_t max_df, max_rows; /* art_memory_search_opts; 0: defaults */
	const char *const *namespaces;
	size_t n_ns;
} art_memory_recall_cfg;

/* art_env_fn for `art-memory recall`: turns first (newest kept first while they fit the
 * budget, then put in conversation order), then search hits best first while they fit,
 * skipping items already in context.  No tenant: error no_tenant. */
int art_memory_recall_fn(void *cfg, cJSON *env, uint64_t line);

typedef struct {
	art_memory *db;
	int turns;              /* 1: also store the turn (latest user message + output.text) */
	int64_t ttl_us;         /* default lifetime of written items; 0: none */
	size_t max_text;        /* longest text accepted, bytes; longer entries are refused */
	const char *ns;         /* default namespace */
} art_memory_write_cfg;

/* art_env_fn for `art-memory write`: each memory_writes entry without a final status is
 * written only if "approved" is JSON true (set by art-policy); otherwise refused with a
 * reason and never stored.  All of an envelope's writes are one transaction. */
int art_memory_write_fn(void *cfg, cJSON *env, uint64_t line);

/* ---- ingest ---- */
enum art_memory_format {
	ART_MEMORY_FORMAT_AUTO = 0, /* .jsonl/.ndjson: JSONL, anything else: TEXT */
	ART_MEMORY_FORMAT_TEXT,     /* plain text or markdown */
	ART_MEMORY_FORMAT_JSONL,    /* {"text", "source"?, "namespace"?, "kind"?} per line */
};

typedef struct {
	uint64_t files, bytes, chunks, written, duplicates, bad_lines;
} art_memory_ingest_stats;

typedef struct {
	art_memory *db;
	const char *tenant, *ns, *actor;
	enum art_memory_kind kind;   /* default kind (DOCUMENT) */
	enum art_memory_format format;
	size_t chunk_tokens, overlap_tokens;
	int64_t ttl_us;
	/* called about once a second and after each file (may be NULL) */
	void (*progress)(void *ctx, const char *file, const art_memory_ingest_stats *st);
	void *progress_ctx;
	/* called for each bad JSON line, with its 1-based number (may be NULL) */
	void (*bad_line)(void *ctx, const char *file, uint64_t line, const char *why);
} art_memory_ingest_cfg;

/* Loads path ("-" = stdin) into the store, in transactions of a few thousand chunks.
 * Must be valid UTF-8 (a text file) or lines of JSON (JSONL; a bad line is counted,
 * reported and skipped).  ART_OK, ART_EIO, ART_EFORMAT (invalid UTF-8), ART_EINVAL. */
int art_memory_ingest_file(const art_memory_ingest_cfg *cfg, const char *path,
			   art_memory_ingest_stats *st, char *err, size_t errsz);

/* ---- export / import ---- */
/* {id, tenant, namespace, kind, text, source, session, envelope, actor, meta, hash,
 *  created, expires} for one item (absent fields left out; meta as JSON). */
cJSON *art_memory_item_json(const art_memory_hit *h);

typedef struct {
	uint64_t imported, duplicates, rejected;
} art_memory_import_stats;

/* Imports one exported line.  tenant (may be NULL) must equal the line's tenant when
 * given, and fills it in when the line has none.  ART_OK with *dup set, or ART_EINVAL
 * with why in err (the line was rejected), or ART_EIO. */
int art_memory_import_line(art_memory *db, const char *tenant, const char *line, size_t len,
			   int *dup, char *err, size_t errsz);
#endif

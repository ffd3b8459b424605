/* memory.c — the sqlite store behind art-memory (schema, put, search, turns, gc). */
#include "memory.h"
#include "clock.h"
#include "err.h"
#include "memory_text.h"
#include "rand.h"
#include "utf8.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[ART_MEMORY_KIND_COUNT] = {
	[ART_MEMORY_FACT] = "fact",
	[ART_MEMORY_DOCUMENT] = "document",
	[ART_MEMORY_TURN] = "turn",
};

const char *art_memory_kind_name(enum art_memory_kind k)
{
	ART_ASSERT(k >= ART_MEMORY_FACT && k < ART_MEMORY_KIND_COUNT);
	return kind_names[k];
}

int art_memory_kind_parse(const char *s, enum art_memory_kind *k)
{
	for (int i = 0; i < ART_MEMORY_KIND_COUNT; i++)
		if (s && !strcmp(s, kind_names[i])) {
			*k = (enum art_memory_kind)i;
			return ART_OK;
		}
	return ART_EINVAL;
}

struct art_memory {
	sqlite3 *db;
	sqlite3_stmt *put, *by_hash, *by_id, *by_rid, *turns, *each, *count, *probe;
	sqlite3_stmt *search;  /* prepared for search_nns namespaces */
	size_t search_nns;
	int readonly;
};

/* Items are immutable once written (the FTS index mirrors text and kind); turns are not
 * indexed for search, they are recalled by session.  rid is the FTS rowid. */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS items("
	" rid INTEGER PRIMARY KEY,"
	" id TEXT NOT NULL UNIQUE,"
	" tenant TEXT NOT NULL CHECK(length(tenant) > 0),"
	" ns TEXT NOT NULL CHECK(length(ns) > 0),"
	" kind TEXT NOT NULL CHECK(kind IN ('fact','document','turn')),"
	" text TEXT NOT NULL,"
	" source TEXT, session TEXT, env_id TEXT, actor TEXT, meta TEXT,"
	" hash TEXT NOT NULL,"
	" created_us INTEGER NOT NULL,"
	" expires_us INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(tenant, hash));"
	"CREATE INDEX IF NOT EXISTS items_tenant ON items(tenant);"
	"CREATE INDEX IF NOT EXISTS items_session ON items(tenant, session, created_us)"
	" WHERE kind = 'turn';"
	"CREATE INDEX IF NOT EXISTS items_expiry ON items(expires_us) WHERE expires_us > 0;"
	"CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(text, content='items',"
	" content_rowid='rid', tokenize='unicode61 remove_diacritics 2');"
	"CREATE TRIGGER IF NOT EXISTS items_ai AFTER INSERT ON items WHEN new.kind <> 'turn'"
	" BEGIN INSERT INTO items_fts(rowid, text) VALUES (new.rid, new.text); END;"
	"CREATE TRIGGER IF NOT EXISTS items_ad AFTER DELETE ON items WHEN old.kind <> 'turn'"
	" BEGIN INSERT INTO items_fts(items_fts, rowid, text) VALUES ('delete', old.rid, old.text);"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS items_au BEFORE UPDATE ON items"
	" BEGIN SELECT RAISE(ABORT, 'art-memory items are immutable'); END;"
	"PRAGMA user_version = 1;";

#define COLS "id, ns, kind, text, source, session, env_id, actor, meta, hash, tenant, " \
	     "created_us, expires_us"

static void seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	if (!err || !errsz)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static int dberr(art_memory *m, char *err, size_t errsz, const char *what)
{
	seterr(err, errsz, "%s: %s", what, sqlite3_errmsg(m->db));
	return ART_EIO;
}

static int prep(art_memory *m, sqlite3_stmt **st, const char *sql, char *err, size_t errsz)
{
	if (sqlite3_prepare_v3(m->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return dberr(m, err, errsz, "prepare");
	return ART_OK;
}

static int exec(art_memory *m, const char *sql, char *err, size_t errsz)
{
	char *msg = NULL;
	if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, errsz, "%s", msg ? msg : sqlite3_errmsg(m->db));
		sqlite3_free(msg);
		return ART_EIO;
	}
	return ART_OK;
}

static int user_version(art_memory *m, int *v, int *ntables)
{
	sqlite3_stmt *st;
	*v = *ntables = 0;
	if (sqlite3_prepare_v2(m->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return ART_EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(m->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK)
		return ART_EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ntables = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ART_OK : ART_EIO;
}

int art_memory_open(art_memory **out, const char *path, int flags, char *err, size_t errsz)
{
	*out = NULL;
	if (!path || !*path) {
		seterr(err, errsz, "no database path");
		return ART_EINVAL;
	}
	int create = (flags & ART_MEMORY_OPEN_CREATE) != 0;
	if (!create && access(path, F_OK) != 0) {
		seterr(err, errsz, "%s: no such database (write, ingest or import create it)", path);
		return ART_ENOENT;
	}
	art_memory *m = calloc(1, sizeof *m);
	if (!m)
		return ART_ENOMEM;
	m->readonly = (flags & ART_MEMORY_OPEN_READONLY) != 0;
	int of = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = ART_EIO;
	if (sqlite3_open_v2(path, &m->db, of, NULL) != SQLITE_OK) {
		seterr(err, errsz, "%s: %s", path, m->db ? sqlite3_errmsg(m->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(m->db, 1);
	sqlite3_busy_timeout(m->db, 5000);
	int v, ntables;
	if (user_version(m, &v, &ntables) != ART_OK) {
		seterr(err, errsz, "%s: not a database: %s", path, sqlite3_errmsg(m->db));
		rc = ART_EFORMAT;
		goto fail;
	}
	if (v > ART_MEMORY_SCHEMA || (v == 0 && ntables > 0)) {
		seterr(err, errsz, "%s: not an art-memory database of schema %d (user_version %d)",
		       path, ART_MEMORY_SCHEMA, v);
		rc = ART_EFORMAT;
		goto fail;
	}
	if (v == 0 && !create) {
		seterr(err, errsz, "%s: empty database (write, ingest or import create it)", path);
		rc = ART_ENOENT;
		goto fail;
	}
	char e2[256];
	if (exec(m, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		    "PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;", e2, sizeof e2)) {
		seterr(err, errsz, "%s: %s", path, e2);
		goto fail;
	}
	if (v == 0 && exec(m, schema_sql, e2, sizeof e2)) {
		seterr(err, errsz, "%s: creating the schema: %s", path, e2);
		goto fail;
	}
	if (m->readonly && exec(m, "PRAGMA query_only=1;", err, errsz))
		goto fail;
	if (prep(m, &m->put,
		 "INSERT INTO items(" COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
		 " ON CONFLICT(tenant, hash) DO NOTHING",
		 err, errsz) ||
	    prep(m, &m->by_hash, "SELECT id FROM items WHERE tenant = ?1 AND hash = ?2", err, errsz) ||
	    prep(m, &m->by_id, "SELECT 1 FROM items WHERE id = ?1", err, errsz) ||
	    prep(m, &m->by_rid, "SELECT " COLS " FROM items WHERE rid = ?1 AND tenant = ?2", err, errsz) ||
	    prep(m, &m->turns,
		 "SELECT " COLS " FROM items WHERE tenant = ?1 AND session = ?2 AND kind = 'turn'"
		 " AND (expires_us = 0 OR expires_us > ?3)"
		 " ORDER BY created_us DESC, rid DESC LIMIT ?4",
		 err, errsz) ||
	    prep(m, &m->each, "SELECT " COLS " FROM items WHERE tenant = ?1 ORDER BY rid", err, errsz) ||
	    prep(m, &m->count, "SELECT count(*) FROM items WHERE tenant = ?1", err, errsz) ||
	    prep(m, &m->probe,
		 "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ?1 LIMIT ?2)",
		 err, errsz))
		goto fail;
	*out = m;
	return ART_OK;
fail:
	art_memory_close(m);
	return rc;
}

void art_memory_close(art_memory *m)
{
	if (!m)
		return;
	sqlite3_stmt *sts[] = {m->put,  m->by_hash, m->by_id, m->by_rid, m->turns,
			       m->each, m->count,   m->probe, m->search};
	for (size_t i = 0; i < sizeof sts / sizeof *sts; i++)
		sqlite3_finalize(sts[i]);
	sqlite3_close(m->db);
	free(m);
}

int art_memory_begin(art_memory *m, char *err, size_t errsz)
{
	return exec(m, "BEGIN IMMEDIATE", err, errsz);
}

int art_memory_commit(art_memory *m, char *err, size_t errsz)
{
	return exec(m, "COMMIT", err, errsz);
}

void art_memory_rollback(art_memory *m)
{
	if (!sqlite3_get_autocommit(m->db))
		sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* 1 if an item with this id exists (in any tenant: ids are global; nothing is read). */
static int id_taken(art_memory *m, const char *id, int *taken)
{
	sqlite3_reset(m->by_id);
	sqlite3_bind_text(m->by_id, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(m->by_id);
	*taken = rc == SQLITE_ROW;
	sqlite3_reset(m->by_id);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ART_OK : ART_EIO;
}

static int existing_id(art_memory *m, const char *tenant, const char *hash, char *id_out,
		       char *err, size_t errsz)
{
	sqlite3_reset(m->by_hash);
	sqlite3_bind_text(m->by_hash, 1, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_text(m->by_hash, 2, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(m->by_hash);
	if (rc == SQLITE_ROW) {
		snprintf(id_out, ART_MEMORY_ID_MAX, "%s", (const char *)sqlite3_column_text(m->by_hash, 0));
		sqlite3_reset(m->by_hash);
		return ART_OK;
	}
	sqlite3_reset(m->by_hash);
	if (rc == SQLITE_DONE)
		return ART_ENOENT;
	return dberr(m, err, errsz, "lookup");
}

int art_memory_put(art_memory *m, const art_memory_item *it, char *id_out, int *dup, char *err,
		   size_t errsz)
{
	*dup = 0;
	id_out[0] = 0;
	const char *ns = it->ns ? it->ns : ART_MEMORY_NS_DEFAULT;
	if (m->readonly) {
		seterr(err, errsz, "database opened read-only");
		return ART_EDENIED;
	}
	if (!it->tenant || !*it->tenant) {
		seterr(err, errsz, "no tenant");
		return ART_EINVAL;
	}
	if (!*ns || strlen(ns) > ART_MEMORY_NS_MAX) {
		seterr(err, errsz, "namespace must be 1 to %d bytes", ART_MEMORY_NS_MAX);
		return ART_EINVAL;
	}
	if (it->kind < ART_MEMORY_FACT || it->kind >= ART_MEMORY_KIND_COUNT) {
		seterr(err, errsz, "bad kind");
		return ART_EINVAL;
	}
	if (!it->text || !*it->text || !art_utf8_valid(it->text, strlen(it->text), NULL)) {
		seterr(err, errsz, "text must be non-empty UTF-8");
		return ART_EINVAL;
	}
	if (it->id && (!*it->id || strlen(it->id) >= ART_MEMORY_ID_MAX)) {
		seterr(err, errsz, "id must be 1 to %d bytes", ART_MEMORY_ID_MAX - 1);
		return ART_EINVAL;
	}
	if (it->expires_us < 0) {
		seterr(err, errsz, "negative expiry");
		return ART_EINVAL;
	}
	char hash[65], extra[1024] = "";
	if (it->kind == ART_MEMORY_TURN)
		snprintf(extra, sizeof extra, "%s\n%s", it->session ? it->session : "",
			 it->env_id ? it->env_id : "");
	art_memory_dedupe_key(it->tenant, ns, art_memory_kind_name(it->kind), extra, it->text, hash);
	int rc = existing_id(m, it->tenant, hash, id_out, err, errsz);
	if (rc == ART_OK) {
		*dup = 1;
		return ART_OK;
	}
	if (rc != ART_ENOENT)
		return rc;
	/* a given id is kept unless taken; a fresh id is random */
	char id[ART_MEMORY_ID_MAX];
	int taken = 1;
	if (it->id) {
		snprintf(id, sizeof id, "%s", it->id);
		if (id_taken(m, id, &taken))
			return dberr(m, err, errsz, "lookup");
	}
	for (int tries = 0; taken; tries++) {
		char hex[17];
		if (tries == 8 || art_rand_hex(8, hex) != ART_OK) {
			seterr(err, errsz, "cannot make a fresh item id");
			return ART_EIO;
		}
		snprintf(id, sizeof id, "mem-%s", hex);
		if (id_taken(m, id, &taken))
			return dberr(m, err, errsz, "lookup");
	}
	sqlite3_stmt *st = m->put;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	bind_text(st, 1, id);
	bind_text(st, 2, ns);
	bind_text(st, 3, art_memory_kind_name(it->kind));
	bind_text(st, 4, it->text);
	bind_text(st, 5, it->source);
	bind_text(st, 6, it->session);
	bind_text(st, 7, it->env_id);
	bind_text(st, 8, it->actor);
	bind_text(st, 9, it->meta);
	bind_text(st, 10, hash);
	bind_text(st, 11, it->tenant);
	sqlite3_bind_int64(st, 12, it->created_us ? it->created_us : art_clock_now_us());
	sqlite3_bind_int64(st, 13, it->expires_us);
	rc = sqlite3_step(st);
	int changed = sqlite3_changes(m->db);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(m, err, errsz, "insert");
	if (!changed) /* raced with another writer that stored the same text */
		return existing_id(m, it->tenant, hash, id_out, err, errsz) == ART_OK ? (*dup = 1, ART_OK)
										 : ART_EIO;
	snprintf(id_out, ART_MEMORY_ID_MAX, "%s", id);
	return ART_OK;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

/* Row in COLS order (+ score at index 13 when has_score) into h. */
static int read_row(sqlite3_stmt *st, art_memory_hit *h, int has_score)
{
	memset(h, 0, sizeof *h);
	h->id = col_dup(st, 0);
	h->ns = col_dup(st, 1);
	h->kind = col_dup(st, 2);
	h->text = col_dup(st, 3);
	h->source = col_dup(st, 4);
	h->session = col_dup(st, 5);
	h->env_id = col_dup(st, 6);
	h->actor = col_dup(st, 7);
	h->meta = col_dup(st, 8);
	h->hash = col_dup(st, 9);
	h->tenant = col_dup(st, 10);
	h->created_us = sqlite3_column_int64(st, 11);
	h->expires_us = sqlite3_column_int64(st, 12);
	h->score = has_score ? sqlite3_column_double(st, 13) : 0;
	return h->id && h->text && h->kind && h->ns && h->tenant ? ART_OK : ART_ENOMEM;
}

static void hit_clear(art_memory_hit *h)
{
	char *f[] = {h->id, h->ns, h->kind, h->text, h->source, h->session, h->env_id,
		     h->actor, h->meta, h->hash, h->tenant};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		free(f[i]);
}

void art_memory_hits_free(art_memory_hit *h, size_t n)
{
	if (!h)
		return;
	for (size_t i = 0; i < n; i++)
		hit_clear(&h[i]);
	free(h);
}

/* Steps a bound statement, collecting up to limit rows. */
static int collect(art_memory *m, sqlite3_stmt *st, size_t limit, int has_score,
		   art_memory_hit **hits, size_t *n, char *err, size_t errsz)
{
	*hits = NULL;
	*n = 0;
	art_memory_hit *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;
	while (cnt < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			art_memory_hit *nv = realloc(v, nc * sizeof *v);
			if (!nv)
				goto nomem;
			v = nv;
			cap = nc;
		}
		if (read_row(st, &v[cnt], has_score) != ART_OK) {
			hit_clear(&v[cnt]);
			goto nomem;
		}
		cnt++;
	}
	if (cnt < limit && rc != SQLITE_DONE) {
		dberr(m, err, errsz, "query");
		sqlite3_reset(st);
		art_memory_hits_free(v, cnt);
		return ART_EIO;
	}
	sqlite3_reset(st);
	*hits = v;
	*n = cnt;
	return ART_OK;
nomem:
	sqlite3_reset(st);
	art_memory_hits_free(v, cnt);
	seterr(err, errsz, "out of memory");
	return ART_ENOMEM;
}

static int prep_search(art_memory *m, size_t n_ns, char *err, size_t errsz)
{
	if (m->search && m->search_nns == n_ns)
		return ART_OK;
	sqlite3_finalize(m->search);
	m->search = NULL;
	if (n_ns > 64) {
		seterr(err, errsz, "at most 64 namespaces");
		return ART_EINVAL;
	}
	/* The inner SELECT bounds the rows bm25 is computed for (?5); tenant, kind, expiry
	 * and namespace are constraints of the statement that returns rows.  Only (rid,
	 * score) are sorted; the winners' columns are read by by_rid, again by tenant. */
	char sql[2048];
	int k = snprintf(sql, sizeof sql,
			 "SELECT i.rid, -c.rank"
			 " FROM (SELECT rowid, rank FROM items_fts WHERE items_fts MATCH ?1"
			 " ORDER BY rowid DESC LIMIT ?5) c JOIN items i ON i.rid = c.rowid"
			 " WHERE i.tenant = ?2 AND i.kind <> 'turn'"
			 " AND (i.expires_us = 0 OR i.expires_us > ?3)");
	if (n_ns) {
		k += snprintf(sql + k, sizeof sql - (size_t)k, " AND i.ns IN (");
		for (size_t i = 0; i < n_ns; i++)
			k += snprintf(sql + k, sizeof sql - (size_t)k, "%s?%zu", i ? "," : "", i + 6);
		k += snprintf(sql + k, sizeof sql - (size_t)k, ")");
	}
	snprintf(sql + k, sizeof sql - (size_t)k, " ORDER BY c.rank LIMIT ?4");
	if (prep(m, &m->search, sql, err, errsz))
		return ART_EIO;
	m->search_nns = n_ns;
	return ART_OK;
}

/* Steps the ranked (rid, score) statement and reads each winner's row, by tenant. */
static int fetch_ranked(art_memory *m, sqlite3_stmt *st, const char *tenant, size_t limit,
			art_memory_hit **hits, size_t *n, char *err, size_t errsz)
{
	art_memory_hit *v = calloc(limit, sizeof *v);
	size_t cnt = 0;
	int rc = v ? ART_OK : ART_ENOMEM, s;
	while (!rc && cnt < limit && (s = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		double score = sqlite3_column_double(st, 1);
		sqlite3_stmt *r = m->by_rid;
		sqlite3_reset(r);
		sqlite3_bind_int64(r, 1, rid);
		sqlite3_bind_text(r, 2, tenant, -1, SQLITE_STATIC);
		s = sqlite3_step(r);
		if (s == SQLITE_ROW) {
			if (read_row(r, &v[cnt], 0) != ART_OK) {
				hit_clear(&v[cnt]);
				rc = ART_ENOMEM;
			} else {
				v[cnt++].score = score;
			}
		} else if (s != SQLITE_DONE) {
			rc = dberr(m, err, errsz, "query");
		}
		sqlite3_reset(r);
	}
	if (!rc && cnt < limit && s != SQLITE_DONE)
		rc = dberr(m, err, errsz, "query");
	sqlite3_reset(st);
	if (rc) {
		art_memory_hits_free(v, cnt);
		return rc;
	}
	if (!cnt) {
		free(v);
		v = NULL;
	}
	*hits = v;
	*n = cnt;
	return ART_OK;
}

/* Items matching the literal "term", counted up to cap (all tenants: a statistic). */
static int term_df(art_memory *m, const char *term, size_t cap, size_t *df, char *err, size_t errsz)
{
	char *lit;
	if (art_memory_fts_join(&term, 1, "OR", &lit))
		return ART_ENOMEM;
	sqlite3_stmt *st = m->probe;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, lit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cap);
	int rc = sqlite3_step(st);
	*df = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	free(lit);
	return rc == SQLITE_ROW ? ART_OK : dberr(m, err, errsz, "probe");
}

typedef struct {
	const char *term;
	size_t df;
} term_df_t;

static int cmp_df(const void *a, const void *b)
{
	size_t x = ((const term_df_t *)a)->df, y = ((const term_df_t *)b)->df;
	return x < y ? -1 : x > y;
}

int art_memory_search(art_memory *m, const char *tenant, const char *const *terms,
		      size_t nterms, const art_memory_search_opts *o, art_memory_hit **hits,
		      size_t *n, art_memory_search_stats *stats, char *err, size_t errsz)
{
	art_memory_search_stats dummy;
	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof *stats);
	stats->terms = nterms;
	*hits = NULL;
	*n = 0;
	if (!tenant || !*tenant) {
		seterr(err, errsz, "no tenant");
		return ART_EINVAL;
	}
	if (!nterms || !o->limit)
		return ART_OK;
	size_t max_df = o->max_df ? o->max_df : ART_MEMORY_MAX_DF;
	size_t max_rows = o->max_rows ? o->max_rows : ART_MEMORY_MAX_ROWS;
	int rc = prep_search(m, o->n_ns, err, errsz);
	if (rc)
		return rc;
	term_df_t *t = calloc(nterms, sizeof *t);
	const char **use = calloc(nterms, sizeof *use);
	char *q = NULL;
	if (!t || !use) {
		rc = ART_ENOMEM;
		goto out;
	}
	size_t nt = 0, nrare = 0, ncommon = 0;
	for (size_t i = 0; i < nterms; i++) {
		size_t df;
		if ((rc = term_df(m, terms[i], max_df + 1, &df, err, errsz)))
			goto out;
		if (!df)
			continue; /* matches nothing anywhere */
		t[nt].term = terms[i];
		t[nt++].df = df;
		if (df > max_df)
			ncommon++;
		else
			nrare++;
	}
	qsort(t, nt, sizeof *t, cmp_df);
	size_t nuse = 0, rows = 0;
	const char *op = "OR";
	if (nrare) {
		/* the rarest terms whose matches add up to at most max_rows (at least one) */
		for (size_t i = 0; i < nrare && (!nuse || rows + t[i].df <= max_rows); i++) {
			use[nuse++] = t[i].term;
			rows += t[i].df;
		}
	} else if (ncommon) {
		for (size_t i = 0; i < nt; i++)
			use[nuse++] = t[i].term;
		op = "AND";
		stats->all_common = 1;
	}
	stats->common = ncommon;
	stats->used = nuse;
	if (!nuse)
		goto out;
	if ((rc = art_memory_fts_join(use, nuse, op, &q)))
		goto out;
	sqlite3_stmt *st = m->search;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, o->now_us);
	sqlite3_bind_int64(st, 4, o->limit > INT32_MAX ? INT32_MAX : (sqlite3_int64)o->limit);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max_rows);
	for (size_t i = 0; i < o->n_ns; i++)
		sqlite3_bind_text(st, (int)i + 6, o->namespaces[i], -1, SQLITE_STATIC);
	rc = fetch_ranked(m, st, tenant, o->limit, hits, n, err, errsz);
out:
	if (rc == ART_ENOMEM)
		seterr(err, errsz, "out of memory");
	free(q);
	free(use);
	free(t);
	return rc;
}

int art_memory_turns(art_memory *m, const char *tenant, const char *session, int64_t now_us,
		     size_t limit, art_memory_hit **hits, size_t *n, char *err, size_t errsz)
{
	*hits = NULL;
	*n = 0;
	if (!tenant || !*tenant) {
		seterr(err, errsz, "no tenant");
		return ART_EINVAL;
	}
	if (!session || !limit)
		return ART_OK;
	sqlite3_stmt *st = m->turns;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, session, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_us);
	sqlite3_bind_int64(st, 4, limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
	int rc = collect(m, st, limit, 0, hits, n, err, errsz);
	if (rc)
		return rc;
	/* newest first from SQL; callers want the conversation in order */
	for (size_t i = 0; i < *n / 2; i++) {
		art_memory_hit t = (*hits)[i];
		(*hits)[i] = (*hits)[*n - 1 - i];
		(*hits)[*n - 1 - i] = t;
	}
	return ART_OK;
}

int art_memory_each(art_memory *m, const char *tenant, art_memory_each_fn fn, void *ctx,
		    char *err, size_t errsz)
{
	if (!tenant || !*tenant) {
		seterr(err, errsz, "no tenant");
		return ART_EINVAL;
	}
	sqlite3_stmt *st = m->each;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	int rc, ret = ART_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		art_memory_hit h;
		if (read_row(st, &h, 0) != ART_OK) {
			hit_clear(&h);
			ret = ART_ENOMEM;
			break;
		}
		ret = fn(ctx, &h);
		hit_clear(&h);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = dberr(m, err, errsz, "query");
	sqlite3_reset(st);
	return ret;
}

int art_memory_optimize(art_memory *m, char *err, size_t errsz)
{
	return exec(m, "INSERT INTO items_fts(items_fts) VALUES ('optimize')", err, errsz);
}

int art_memory_count(art_memory *m, const char *tenant, uint64_t *n, char *err, size_t errsz)
{
	*n = 0;
	sqlite3_stmt *st = m->count;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, tenant ? tenant : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? ART_OK : dberr(m, err, errsz, "count");
}

static int run_delete(art_memory *m, const char *sql, const char *tenant, int64_t a, int64_t b,
		      uint64_t *n, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
		return dberr(m, err, errsz, "prepare");
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (tenant)
		sqlite3_bind_text(st, 3, tenant, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(m, err, errsz, "delete");
	*n = (uint64_t)sqlite3_changes64(m->db);
	return ART_OK;
}

int art_memory_gc(art_memory *m, const char *tenant, int64_t now_us, long long keep_turns,
		  art_memory_gc_stats *st, char *err, size_t errsz)
{
	memset(st, 0, sizeof *st);
	if (tenant && !*tenant) {
		seterr(err, errsz, "empty tenant");
		return ART_EINVAL;
	}
	int rc = art_memory_begin(m, err, errsz);
	if (rc)
		return rc;
	rc = run_delete(m,
			tenant ? "DELETE FROM items WHERE expires_us > 0 AND expires_us <= ?1"
				 " AND ?2 = ?2 AND tenant = ?3"
			       : "DELETE FROM items WHERE expires_us > 0 AND expires_us <= ?1 AND ?2 = ?2",
			tenant, now_us, 0, &st->expired, err, errsz);
	if (!rc && keep_turns >= 0)
		rc = run_delete(m,
				tenant ? "DELETE FROM items WHERE rid IN (SELECT rid FROM (SELECT rid,"
					 " row_number() OVER (PARTITION BY session ORDER BY created_us DESC,"
					 " rid DESC) AS rn FROM items WHERE kind = 'turn' AND tenant = ?3)"
					 " WHERE rn > ?2) AND ?1 = ?1"
				       : "DELETE FROM items WHERE rid IN (SELECT rid FROM (SELECT rid,"
					 " row_number() OVER (PARTITION BY tenant, session ORDER BY"
					 " created_us DESC, rid DESC) AS rn FROM items WHERE kind = 'turn')"
					 " WHERE rn > ?2) AND ?1 = ?1",
				tenant, now_us, keep_turns, &st->trimmed, err, errsz);
	if (!rc)
		rc = art_memory_commit(m, err, errsz);
	if (rc)
		art_memory_rollback(m);
	return rc;
}

/* test_memory.c — art-memory: token estimate, safe FTS5 queries, chunking, the store's
 * tenant isolation, expiry, turns, gc, and the recall/write filters. */
#include "clock.h"
#include "env.h"
#include "err.h"
#include "memory.h"
#include "memory_stage.h"
#include "memory_text.h"
#include "t.h"
#include "utf8.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Crafted user text: FTS5 syntax, quotes, column filters, operators. */
static const char *const injections[] = {
	"\" OR tenant:*",
	"secret\" OR \"globex",
	"NEAR(secret plan, 10)",
	"NEAR(",
	"*",
	"^secret",
	"secret*",
	"\"unbalanced quote",
	"unbalanced \" \" \" quotes\"",
	"text:secret",
	"{text tenant}: secret",
	"- secret",
	"tenant:globex OR secret",
	"secret AND NOT invoice",
	"(secret OR (plan",
	"\"\"",
	")",
	"+ secret",
	"globex",
	"' OR 1=1 --",
	"secret'); DROP TABLE items; --",
	"",
};

static void test_tokens(void)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{"", 0},
		{"abcd", 1},
		{"abcde", 2},
		{"h\xc3\xa9llo", 2},             /* 1+4+1+1+1 = 8 quarters */
		{"\xe6\x97\xa5\xe6\x9c\xac", 2}, /* two CJK characters */
		{"one two three four five six seven", 9},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		T_EQ_INT(art_memory_tokens(cases[i].s, strlen(cases[i].s)), cases[i].want,
			 "tokens(\"%s\")", cases[i].s);
}

static void test_fts_query(void)
{
	static const struct {
		const char *in;
		size_t max;
		const char *want;
	} cases[] = {
		{"How do I reset my password?", 16, "\"reset\" OR \"password\""},
		{"\" OR tenant:*", 16, "\"tenant\""},
		{"NEAR(alpha beta, 5)", 16, "\"near\" OR \"alpha\" OR \"beta\" OR \"5\""},
		{"pass* ^start col:val", 16, "\"pass\" OR \"start\" OR \"col\" OR \"val\""},
		{"\"unbalanced", 16, "\"unbalanced\""},
		{"AND OR NOT", 16, ""},
		{"{tenant} : acme", 16, "\"tenant\" OR \"acme\""},
		{"na\xc3\xafve caf\xc3\xa9", 16, "\"na\xc3\xafve\" OR \"caf\xc3\xa9\""},
		{"hello\xe2\x80\x94world", 16, "\"hello\" OR \"world\""},
		{"dup dup DUP", 16, "\"dup\""},
		{"\xff\xfe" "abc", 16, "\"abc\""},
		{"one two three four", 2, "\"one\" OR \"two\""},
		{"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx keep", 16, "\"keep\""},
		{"", 16, ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *q = NULL;
		int rc = art_memory_fts_query(cases[i].in, cases[i].max, &q, NULL);
		T_EQ_INT(rc, ART_OK, "fts_query case %zu ok", i);
		T_EQ_STR(q, cases[i].want, "fts_query(\"%s\")", cases[i].in);
		free(q);
	}
	/* a quote inside a word is doubled (words never hold one; the joiner must not care) */
	const char *odd[] = {"a\"b", "c"};
	char *q = NULL;
	T_EQ_INT(art_memory_fts_join(odd, 2, "AND", &q), ART_OK, "fts_join ok");
	T_EQ_STR(q, "\"a\"\"b\" AND \"c\"", "fts_join doubles quotes");
	free(q);
}

/* Every generated expression parses in a real FTS5 table. */
static void test_fts_parses(void)
{
	sqlite3 *db;
	sqlite3_open(":memory:", &db);
	int ok = sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, y);"
				  "INSERT INTO t VALUES ('secret plan', 'tenant globex');",
			      NULL, NULL, NULL) == SQLITE_OK;
	T_OK(ok, "fts5 available");
	for (size_t i = 0; i < sizeof injections / sizeof *injections; i++) {
		char *q;
		art_memory_fts_query(injections[i], 16, &q, NULL);
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &st, NULL);
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		int rc = *q ? sqlite3_step(st) : SQLITE_ROW;
		T_EQ_INT(rc, SQLITE_ROW, "FTS5 accepts the query built from '%s' (%s)", injections[i], q);
		sqlite3_finalize(st);
		free(q);
	}
	sqlite3_close(db);
}

static void test_dedupe_key(void)
{
	char a[65], b[65];
	static const struct {
		const char *t1, *n1, *x1, *t2, *n2, *x2;
		int same;
	} cases[] = {
		{"acme", "ns", "Hello  World", "acme", "ns", "hello world", 1},
		{"acme", "ns", " hello\tworld\n", "acme", "ns", "hello world", 1},
		{"acme", "ns", "hello world", "globex", "ns", "hello world", 0},
		{"acme", "ns", "hello world", "acme", "other", "hello world", 0},
		{"acme", "ns", "hello world", "acme", "ns", "hello worlds", 0},
		{"ac", "me", "x", "a", "cme", "x", 0}, /* field boundaries matter */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		art_memory_dedupe_key(cases[i].t1, cases[i].n1, "fact", "", cases[i].x1, a);
		art_memory_dedupe_key(cases[i].t2, cases[i].n2, "fact", "", cases[i].x2, b);
		T_EQ_INT(!strcmp(a, b), cases[i].same, "dedupe key case %zu", i);
	}
}

/* ---- chunking ---- */
typedef struct {
	const char *base;
	size_t max, n, bad, overlaps;
	const char *prev;
	size_t prev_len;
	char *covered; /* per input byte */
} chunk_check;

static int on_chunk(void *vc, const char *s, size_t len, size_t index)
{
	chunk_check *c = vc;
	if (index != c->n || !len || art_memory_tokens(s, len) > c->max ||
	    s[0] == ' ' || s[0] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\n' ||
	    !art_utf8_valid(s, len, NULL))
		c->bad++;
	if (c->prev && s < c->prev + c->prev_len)
		c->overlaps++;
	memset(c->covered + (s - c->base), 1, len);
	c->prev = s;
	c->prev_len = len;
	c->n++;
	return 0;
}

static char *repeat(const char *unit, size_t times)
{
	size_t u = strlen(unit);
	char *s = malloc(u * times + 1);
	for (size_t i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	s[u * times] = 0;
	return s;
}

static void test_chunking(void)
{
	static const struct {
		const char *name, *unit;
		size_t times, max, overlap, min_chunks;
		int want_overlap;
	} cases[] = {
		{"short paragraphs", "A short paragraph of words here.\n\n", 200, 64, 16, 10, 1},
		{"one long paragraph", "word after word goes on and on. ", 500, 64, 16, 20, 1},
		{"no overlap", "word after word goes on and on. ", 500, 64, 0, 20, 0},
		{"giant word", "x", 20000, 64, 16, 50, 0},
		{"giant utf-8 word", "\xc3\xa9\xe6\x97\xa5", 5000, 32, 8, 50, 0},
		{"blank runs", "\n\n\n\n\n\n\n\n\n\nword\n", 3000, 16, 8, 50, 1},
		{"markdown", "# Heading\nSome text under the heading.\n- item one\n- item two\n", 300, 100, 20, 10, 1},
		{"single small", "just one line", 1, 64, 16, 1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *text = repeat(cases[i].unit, cases[i].times);
		size_t len = strlen(text);
		chunk_check c = {.base = text, .max = cases[i].max, .covered = calloc(len + 1, 1)};
		int rc = art_memory_chunk(text, len, cases[i].max, cases[i].overlap, on_chunk, &c);
		T_EQ_INT(rc, ART_OK, "chunk %s: ok", cases[i].name);
		T_EQ_INT(c.bad, 0, "chunk %s: every chunk non-empty, trimmed, valid UTF-8, <= %zu tokens",
			 cases[i].name, cases[i].max);
		T_OK(c.n >= cases[i].min_chunks, "chunk %s: %zu chunks (>= %zu)", cases[i].name, c.n,
		     cases[i].min_chunks);
		size_t uncovered = 0;
		for (size_t k = 0; k < len; k++)
			uncovered += !c.covered[k] && !strchr(" \n", text[k]);
		T_EQ_INT(uncovered, 0, "chunk %s: every non-space byte is in some chunk", cases[i].name);
		if (cases[i].want_overlap)
			T_OK(c.overlaps > 0, "chunk %s: %zu chunks overlap the previous one", cases[i].name,
			     c.overlaps);
		else if (!cases[i].overlap)
			T_EQ_INT(c.overlaps, 0, "chunk %s: no overlap asked, none made", cases[i].name);
		free(c.covered);
		free(text);
	}
	chunk_check c = {0};
	T_EQ_INT(art_memory_chunk("abc", 3, 4, 0, on_chunk, &c), ART_EINVAL, "chunk: max < 8 refused");
	T_EQ_INT(art_memory_chunk("abc", 3, 64, 33, on_chunk, &c), ART_EINVAL,
		 "chunk: overlap > max/2 refused");
}

/* ---- store ---- */
static char dbpath[256];

static art_memory *fresh_db(void)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/art-test-memory-%d.db", (int)getpid());
	char p[300];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", dbpath, sfx[i]);
		unlink(p);
	}
	art_memory *m = NULL;
	char err[256];
	int rc = art_memory_open(&m, dbpath, ART_MEMORY_OPEN_CREATE, err, sizeof err);
	if (rc)
		T_DIAG("open: %s", err);
	return m;
}

static void drop_db(art_memory *m)
{
	art_memory_close(m);
	char p[300];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", dbpath, sfx[i]);
		unlink(p);
	}
}

static int put(art_memory *m, const char *tenant, const char *text, enum art_memory_kind kind,
	       const char *session, int64_t created, int64_t expires, char *id)
{
	char err[256], idb[ART_MEMORY_ID_MAX];
	int dup;
	art_memory_item it = {.tenant = tenant, .kind = kind, .text = text, .session = session,
			      .created_us = created, .expires_us = expires, .env_id = "req-test"};
	int rc = art_memory_put(m, &it, id ? id : idb, &dup, err, sizeof err);
	if (rc)
		T_DIAG("put: %s", err);
	return rc ? rc : dup;
}

static size_t search(art_memory *m, const char *tenant, const char *text, int *foreign,
		     int *rc_out)
{
	char **terms;
	size_t nt, n = 0;
	art_memory_hit *h = NULL;
	char err[256];
	art_memory_terms(text, 16, &terms, &nt);
	art_memory_search_opts o = {.now_us = art_clock_now_us(), .limit = 50};
	*rc_out = art_memory_search(m, tenant, (const char *const *)terms, nt, &o, &h, &n, NULL,
				    err, sizeof err);
	*foreign = 0;
	for (size_t i = 0; i < n; i++)
		*foreign += strcmp(h[i].tenant, tenant) != 0 || strstr(h[i].text, "globex") != NULL;
	art_memory_hits_free(h, n);
	art_memory_terms_free(terms, nt);
	return n;
}

static void test_open(void)
{
	art_memory *m = NULL;
	char err[256];
	T_EQ_INT(art_memory_open(&m, "/tmp/art-test-memory-missing.db", 0, err, sizeof err),
		 ART_ENOENT, "open: missing database without create -> ENOENT");
	char p[300];
	snprintf(p, sizeof p, "/tmp/art-test-memory-foreign-%d.db", (int)getpid());
	unlink(p);
	sqlite3 *db;
	sqlite3_open(p, &db);
	sqlite3_exec(db, "CREATE TABLE other(x)", NULL, NULL, NULL);
	sqlite3_close(db);
	T_EQ_INT(art_memory_open(&m, p, ART_MEMORY_OPEN_CREATE, err, sizeof err), ART_EFORMAT,
		 "open: a foreign sqlite database is refused");
	unlink(p);
}

static void test_store(void)
{
	art_memory *m = fresh_db();
	T_OK(m != NULL, "store: created");
	if (!m)
		return;
	int64_t now = art_clock_now_us();
	char ida[ART_MEMORY_ID_MAX], idb[ART_MEMORY_ID_MAX], idc[ART_MEMORY_ID_MAX];
	T_EQ_INT(put(m, "acme", "The invoice archive is on the finance drive.", ART_MEMORY_FACT, NULL, 0, 0, ida), 0,
		 "put acme fact: written");
	T_EQ_INT(put(m, "globex", "globex secret plan: the invoice archive moves to mars", ART_MEMORY_FACT, NULL, 0, 0, idb), 0,
		 "put globex fact: written");
	T_EQ_INT(put(m, "acme", "the  INVOICE archive is on the finance drive.", ART_MEMORY_FACT, NULL, 0, 0, idc), 1,
		 "put acme same text (case, spaces): duplicate");
	T_EQ_STR(idc, ida, "duplicate returns the stored id");
	T_EQ_INT(put(m, "globex", "The invoice archive is on the finance drive.", ART_MEMORY_FACT, NULL, 0, 0, idc), 0,
		 "same text in another tenant: written");
	T_OK(strcmp(idc, ida) != 0, "other tenant's copy has its own id");
	T_EQ_INT(put(m, "acme", "an expired note about the invoice", ART_MEMORY_FACT, NULL, 0, now - 1000, NULL), 0,
		 "put expired fact");
	T_EQ_INT(put(m, "", "x", ART_MEMORY_FACT, NULL, 0, 0, NULL), ART_EINVAL, "put without tenant refused");
	T_EQ_INT(put(m, "acme", "", ART_MEMORY_FACT, NULL, 0, 0, NULL), ART_EINVAL, "put empty text refused");

	int foreign, rc;
	size_t n = search(m, "acme", "where is the invoice archive?", &foreign, &rc);
	T_EQ_INT(rc, ART_OK, "search ok");
	T_EQ_INT(n, 1, "acme sees its one live invoice item (expired one hidden)");
	T_EQ_INT(foreign, 0, "acme sees nothing of globex");
	for (size_t i = 0; i < sizeof injections / sizeof *injections; i++) {
		n = search(m, "acme", injections[i], &foreign, &rc);
		T_OK(rc == ART_OK && foreign == 0, "isolation: '%s' -> ok, %zu hits, none foreign",
		     injections[i], n);
	}
	n = search(m, "nobody", "invoice archive", &foreign, &rc);
	T_EQ_INT(n, 0, "unknown tenant sees nothing");
	n = search(m, "", "invoice", &foreign, &rc);
	T_EQ_INT(rc, ART_EINVAL, "search without tenant refused");

	/* turns: recent N of a session, in order, per tenant */
	for (int i = 0; i < 5; i++) {
		char t[64];
		snprintf(t, sizeof t, "user: question %d\nassistant: answer %d", i, i);
		put(m, "acme", t, ART_MEMORY_TURN, "s1", now - 1000 * (10 - i), 0, NULL);
	}
	put(m, "globex", "user: globex turn\nassistant: x", ART_MEMORY_TURN, "s1", now, 0, NULL);
	art_memory_hit *h;
	char err[256];
	rc = art_memory_turns(m, "acme", "s1", now, 3, &h, &n, err, sizeof err);
	T_EQ_INT(n, 3, "turns: the last 3");
	T_OK(n == 3 && strstr(h[0].text, "question 2") && strstr(h[2].text, "question 4"),
	     "turns: oldest first, newest last");
	int f = 0;
	for (size_t i = 0; i < n; i++)
		f += strcmp(h[i].tenant, "acme") != 0;
	T_EQ_INT(f, 0, "turns: only the tenant's own");
	art_memory_hits_free(h, n);
	n = search(m, "acme", "question answer", &foreign, &rc);
	T_EQ_INT(n, 0, "turns are not search hits");

	uint64_t cnt = 0;
	art_memory_count(m, "acme", &cnt, err, sizeof err);
	T_EQ_INT(cnt, 7, "acme holds 7 items");
	art_memory_gc_stats gs;
	rc = art_memory_gc(m, "acme", now, 2, &gs, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "gc ok");
	T_EQ_INT(gs.expired, 1, "gc: one expired item removed");
	T_EQ_INT(gs.trimmed, 3, "gc: keep-last-2 removes 3 of 5 turns");
	art_memory_count(m, "globex", &cnt, err, sizeof err);
	T_EQ_INT(cnt, 3, "gc of acme leaves globex alone");
	rc = art_memory_turns(m, "acme", "s1", now, 10, &h, &n, err, sizeof err);
	T_OK(n == 2 && strstr(h[1].text, "question 4"), "gc kept the newest 2 turns");
	art_memory_hits_free(h, n);
	drop_db(m);
}

/* ---- filters ---- */
static cJSON *envelope(const char *json)
{
	cJSON *e = cJSON_Parse(json);
	ART_ASSERT(e);
	return e;
}

static const char *status_of(const cJSON *e)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "status");
	return cJSON_IsString(s) ? s->valuestring : "ok";
}

static const char *err_code(const cJSON *e)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "error"), "code");
	return cJSON_IsString(c) ? c->valuestring : "";
}

static const char *entry_status(const cJSON *e, int i)
{
	const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "memory_writes"), i);
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(w, "status");
	return cJSON_IsString(s) ? s->valuestring : "(none)";
}

static void test_filters(void)
{
	art_memory *m = fresh_db();
	if (!m)
		return;
	art_memory_write_cfg wc = {.db = m, .max_text = 1000, .ns = "default", .turns = 1};
	cJSON *e = envelope(
		"{\"art\":1,\"id\":\"w1\",\"tenant\":\"acme\",\"actor\":{\"id\":\"alice\"},\"session\":\"s9\","
		"\"messages\":[{\"role\":\"user\",\"content\":\"remember the vpn\"}],\"output\":{\"text\":\"noted\"},"
		"\"memory_writes\":["
		"{\"text\":\"The vpn gateway is vpn.acme.example.\",\"approved\":true},"
		"{\"text\":\"The admin password is hunter2.\",\"approved\":false},"
		"{\"text\":\"Unflagged request about the vpn.\"},"
		"{\"text\":\"String true is not true.\",\"approved\":\"true\"},"
		"{\"approved\":true},"
		"{\"text\":\"The vpn gateway is vpn.acme.example.\",\"approved\":true},"
		"{\"text\":\"bad ns\",\"approved\":true,\"namespace\":7},"
		"{\"text\":\"already\",\"approved\":true,\"status\":\"refused\"}"
		"]}");
	T_EQ_INT(art_memory_write_fn(&wc, e, 1), ART_OK, "write fn ok");
	T_EQ_STR(status_of(e), "ok", "write: envelope stays ok");
	static const char *const want[] = {"written", "refused", "refused", "refused",
					   "refused", "duplicate", "refused", "refused"};
	for (int i = 0; i < 8; i++)
		T_EQ_STR(entry_status(e, i), want[i], "write: entry %d", i);
	cJSON_Delete(e);

	/* refused texts were never stored */
	int foreign, rc;
	T_EQ_INT(search(m, "acme", "password hunter2", &foreign, &rc), 0, "unapproved text not stored");
	T_EQ_INT(search(m, "acme", "unflagged", &foreign, &rc), 0, "unflagged text not stored");
	T_EQ_INT(search(m, "acme", "vpn gateway", &foreign, &rc), 1, "approved text stored once");

	e = envelope("{\"art\":1,\"id\":\"w2\",\"memory_writes\":[{\"text\":\"no tenant here\",\"approved\":true}]}");
	art_memory_write_fn(&wc, e, 2);
	T_EQ_STR(err_code(e), "no_tenant", "write without tenant: no_tenant");
	T_EQ_STR(entry_status(e, 0), "(none)", "write without tenant: entry untouched");
	cJSON_Delete(e);

	/* --turns with no session and no writes: nothing asked, so no tenant is needed */
	e = envelope("{\"art\":1,\"id\":\"w3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"output\":{\"text\":\"yo\"}}");
	art_memory_write_fn(&wc, e, 3);
	T_EQ_STR(status_of(e), "ok", "write --turns without session or writes: untouched");
	cJSON_Delete(e);
	e = envelope("{\"art\":1,\"id\":\"w4\",\"session\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"output\":{\"text\":\"yo\"}}");
	art_memory_write_fn(&wc, e, 4);
	T_EQ_STR(err_code(e), "no_tenant", "write --turns with a session but no tenant: no_tenant");
	cJSON_Delete(e);

	/* a bigger corpus for budget checks */
	for (int i = 0; i < 40; i++) {
		char t[400];
		snprintf(t, sizeof t, "Vpn note %d: %.*s", i, 10 + 7 * i,
			 "the vpn gateway needs a token and the vpn client must be current; ask the network team. "
			 "the vpn gateway needs a token and the vpn client must be current; ask the network team. "
			 "the vpn gateway needs a token and the vpn client must be current; ask the network team. ");
		put(m, "acme", t, ART_MEMORY_DOCUMENT, NULL, 0, 0, NULL);
	}
	put(m, "globex", "globex vpn gateway secret", ART_MEMORY_FACT, NULL, 0, 0, NULL);

	static const size_t budgets[] = {0, 5, 30, 100, 400, 100000};
	for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
		art_memory_recall_cfg rcfg = {.db = m, .top_k = 8, .budget = budgets[b], .turns = 4, .max_terms = 16};
		e = envelope("{\"art\":1,\"id\":\"r\",\"tenant\":\"acme\",\"session\":\"s9\","
			     "\"messages\":[{\"role\":\"user\",\"content\":\"how does the vpn gateway work?\"}]}");
		art_memory_recall_fn(&rcfg, e, 1);
		const cJSON *c, *ctx = cJSON_GetObjectItemCaseSensitive(e, "context");
		size_t spent = 0, items = 0, hits = 0, lies = 0, foreign_n = 0;
		cJSON_ArrayForEach(c, ctx)
		{
			const char *text = cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring;
			size_t t = art_memory_tokens(text, strlen(text));
			lies += (size_t)cJSON_GetObjectItemCaseSensitive(c, "tokens")->valuedouble != t;
			spent += t;
			items++;
			hits += cJSON_GetObjectItemCaseSensitive(c, "score") != NULL;
			foreign_n += strstr(text, "globex") != NULL;
		}
		T_OK(spent <= budgets[b], "recall budget %zu: %zu tokens in %zu items", budgets[b], spent, items);
		T_EQ_INT(lies, 0, "recall budget %zu: each item's tokens field is its estimate", budgets[b]);
		T_OK(hits <= 8, "recall budget %zu: top-k 8 respected (%zu hits)", budgets[b], hits);
		T_EQ_INT(foreign_n, 0, "recall budget %zu: nothing of globex", budgets[b]);
		if (budgets[b] == 100000)
			T_OK(hits == 8 && items == 9, "recall, large budget: 8 hits and the session's turn");
		cJSON_Delete(e);
	}

	art_memory_recall_cfg rcfg = {.db = m, .top_k = 5, .budget = 10000, .turns = 4, .max_terms = 16};
	static const struct {
		const char *json, *code;
	} errs[] = {
		{"{\"art\":1,\"id\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"vpn\"}]}", "no_tenant"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":\"\",\"messages\":[]}", "no_tenant"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":7}", "no_tenant"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":\"acme\",\"memory_query\":5}", "bad_field"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":\"acme\",\"context\":{}}", "bad_field"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":\"acme\",\"deadline\":\"2000-01-01T00:00:00Z\"}", "deadline_exceeded"},
		{"{\"art\":1,\"id\":\"x\",\"tenant\":\"acme\",\"memory_query\":\"vpn\"}", ""},
	};
	for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
		e = envelope(errs[i].json);
		art_memory_recall_fn(&rcfg, e, 1);
		T_EQ_STR(err_code(e), errs[i].code, "recall %s", errs[i].json);
		cJSON_Delete(e);
	}
	for (size_t i = 0; i < sizeof injections / sizeof *injections; i++) {
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "art", 1);
		cJSON_AddStringToObject(e, "id", "inj");
		cJSON_AddStringToObject(e, "tenant", "acme");
		cJSON *msgs = cJSON_AddArrayToObject(e, "messages"), *msg = cJSON_CreateObject();
		cJSON_AddStringToObject(msg, "role", "user");
		char q[300];
		snprintf(q, sizeof q, "vpn %s", injections[i]);
		cJSON_AddStringToObject(msg, "content", q);
		cJSON_AddItemToArray(msgs, msg);
		art_memory_recall_fn(&rcfg, e, 1);
		const cJSON *c;
		int f = 0;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(e, "context"))
		f += strstr(cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring, "globex") != NULL;
		T_OK(!strcmp(status_of(e), "ok") && f == 0, "recall of '%s': ok, nothing foreign", q);
		cJSON_Delete(e);
	}
	drop_db(m);
}

int main(void)
{
	test_tokens();
	test_fts_query();
	test_fts_parses();
	test_dedupe_key();
	test_chunking();
	test_open();
	test_store();
	test_filters();
	return T_DONE();
}

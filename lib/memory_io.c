/* memory_io.c — ingest of documents, export and import of items as JSON lines. */
#include "clock.h"
#include "err.h"
#include "file.h"
#include "memory_stage.h"
#include "memory_text.h"
#include "utf8.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INGEST_BATCH 2000 /* chunks per transaction */

typedef struct {
	const art_memory_ingest_cfg *cfg;
	art_memory_ingest_stats *st;
	const char *file;
	const char *source;   /* source name for this document's chunks */
	const char *ns;
	enum art_memory_kind kind;
	uint64_t in_batch;
	int64_t last_progress;
	char *err;
	size_t errsz;
} ingest_ctx;

static void progress(ingest_ctx *c, int force)
{
	int64_t now = art_clock_mono_us();
	if (c->cfg->progress && (force || now - c->last_progress >= 1000000)) {
		c->cfg->progress(c->cfg->progress_ctx, c->file, c->st);
		c->last_progress = now;
	}
}

static int put_chunk(void *vc, const char *chunk, size_t len, size_t index)
{
	ingest_ctx *c = vc;
	const art_memory_ingest_cfg *cfg = c->cfg;
	char *text = malloc(len + 1);
	if (!text)
		return ART_ENOMEM;
	memcpy(text, chunk, len);
	text[len] = 0;
	char src[1200], meta[64], id[ART_MEMORY_ID_MAX];
	snprintf(src, sizeof src, "%s#%zu", c->source, index);
	snprintf(meta, sizeof meta, "{\"chunk\":%zu}", index);
	int64_t now = art_clock_now_us();
	art_memory_item it = {
		.tenant = cfg->tenant,
		.ns = c->ns,
		.kind = c->kind,
		.text = text,
		.source = src,
		.actor = cfg->actor,
		.meta = meta,
		.created_us = now,
		.expires_us = cfg->ttl_us ? now + cfg->ttl_us : 0,
	};
	int dup;
	int rc = art_memory_put(cfg->db, &it, id, &dup, c->err, c->errsz);
	free(text);
	if (rc)
		return rc;
	c->st->chunks++;
	if (dup)
		c->st->duplicates++;
	else
		c->st->written++;
	if (++c->in_batch >= INGEST_BATCH) {
		c->in_batch = 0;
		if ((rc = art_memory_commit(cfg->db, c->err, c->errsz)) ||
		    (rc = art_memory_begin(cfg->db, c->err, c->errsz)))
			return rc;
	}
	progress(c, 0);
	return ART_OK;
}

static int ingest_jsonl(ingest_ctx *c, char *buf, size_t len)
{
	const art_memory_ingest_cfg *cfg = c->cfg;
	uint64_t lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		lineno++;
		const char *line = buf + pos;
		size_t n = end - pos;
		pos = end + 1;
		c->st->bytes += n + 1;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		const char *why = NULL;
		cJSON *o = NULL;
		const cJSON *t, *s, *ns, *k;
		enum art_memory_kind kind = cfg->kind;
		if (!art_utf8_valid(line, n, NULL))
			why = "not valid UTF-8";
		else if (!(o = cJSON_ParseWithLength(line, n)) || !cJSON_IsObject(o))
			why = "not a JSON object";
		else if (!cJSON_IsString(t = cJSON_GetObjectItemCaseSensitive(o, "text")) ||
			 !*t->valuestring)
			why = "no \"text\" string";
		else if ((s = cJSON_GetObjectItemCaseSensitive(o, "source")) && !cJSON_IsString(s))
			why = "\"source\" is not a string";
		else if ((ns = cJSON_GetObjectItemCaseSensitive(o, "namespace")) &&
			 (!cJSON_IsString(ns) || !*ns->valuestring ||
			  strlen(ns->valuestring) > ART_MEMORY_NS_MAX))
			why = "\"namespace\" is not a string of 1 to 128 bytes";
		else if ((k = cJSON_GetObjectItemCaseSensitive(o, "kind")) &&
			 (!cJSON_IsString(k) || art_memory_kind_parse(k->valuestring, &kind) ||
			  kind == ART_MEMORY_TURN))
			why = "\"kind\" is not fact or document";
		if (why) {
			c->st->bad_lines++;
			if (cfg->bad_line)
				cfg->bad_line(cfg->progress_ctx, c->file, lineno, why);
			cJSON_Delete(o);
			continue;
		}
		char src[1024];
		if (s)
			snprintf(src, sizeof src, "%s", s->valuestring);
		else
			snprintf(src, sizeof src, "%s:%llu", c->file, (unsigned long long)lineno);
		c->source = src;
		c->ns = ns ? ns->valuestring : cfg->ns;
		c->kind = kind;
		int rc = art_memory_chunk(t->valuestring, strlen(t->valuestring), cfg->chunk_tokens,
					  cfg->overlap_tokens, put_chunk, c);
		cJSON_Delete(o);
		if (rc)
			return rc;
	}
	return ART_OK;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

int art_memory_ingest_file(const art_memory_ingest_cfg *cfg, const char *path,
			   art_memory_ingest_stats *st, char *err, size_t errsz)
{
	if (!cfg->tenant || !*cfg->tenant) {
		snprintf(err, errsz, "no tenant");
		return ART_EINVAL;
	}
	char *buf;
	size_t len;
	int rc = art_file_read(path, &buf, &len, err, errsz);
	if (rc == ART_ENOENT) rc = ART_EIO;
	if (rc)
		return rc;
	enum art_memory_format fmt = cfg->format;
	if (fmt == ART_MEMORY_FORMAT_AUTO)
		fmt = ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ? ART_MEMORY_FORMAT_JSONL
									    : ART_MEMORY_FORMAT_TEXT;
	ingest_ctx c = {
		.cfg = cfg, .st = st, .file = path, .source = path, .ns = cfg->ns,
		.kind = cfg->kind, .last_progress = art_clock_mono_us(), .err = err, .errsz = errsz,
	};
	size_t bad_at;
	if (fmt == ART_MEMORY_FORMAT_TEXT && !art_utf8_valid(buf, len, &bad_at)) {
		snprintf(err, errsz, "%s: not valid UTF-8 at byte %zu", path, bad_at);
		free(buf);
		return ART_EFORMAT;
	}
	if ((rc = art_memory_begin(cfg->db, err, errsz))) {
		free(buf);
		return rc;
	}
	if (fmt == ART_MEMORY_FORMAT_TEXT) {
		st->bytes += len;
		rc = art_memory_chunk(buf, len, cfg->chunk_tokens, cfg->overlap_tokens, put_chunk, &c);
		if (rc == ART_EINVAL)
			snprintf(err, errsz, "bad chunk sizes");
	} else {
		rc = ingest_jsonl(&c, buf, len);
	}
	if (!rc)
		rc = art_memory_commit(cfg->db, err, errsz);
	if (rc)
		art_memory_rollback(cfg->db);
	else
		st->files++;
	progress(&c, 1);
	free(buf);
	return rc;
}

/* ---- export / import ---- */

static void add_time(cJSON *o, const char *k, int64_t us)
{
	char b[40];
	art_clock_fmt(us, b, sizeof b);
	cJSON_AddStringToObject(o, k, b);
}

cJSON *art_memory_item_json(const art_memory_hit *h)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", h->id);
	cJSON_AddStringToObject(o, "tenant", h->tenant);
	cJSON_AddStringToObject(o, "namespace", h->ns);
	cJSON_AddStringToObject(o, "kind", h->kind);
	cJSON_AddStringToObject(o, "text", h->text);
	const char *opt[][2] = {{"source", h->source}, {"session", h->session},
				{"envelope", h->env_id}, {"actor", h->actor}, {"hash", h->hash}};
	for (size_t i = 0; i < sizeof opt / sizeof *opt; i++)
		if (opt[i][1])
			cJSON_AddStringToObject(o, opt[i][0], opt[i][1]);
	if (h->meta) {
		cJSON *m = cJSON_Parse(h->meta);
		if (m)
			cJSON_AddItemToObject(o, "meta", m);
	}
	add_time(o, "created", h->created_us);
	if (h->expires_us)
		add_time(o, "expires", h->expires_us);
	return o;
}

int art_memory_import_line(art_memory *db, const char *tenant, const char *line, size_t len,
			   int *dup, char *err, size_t errsz)
{
	*dup = 0;
	if (!art_utf8_valid(line, len, NULL)) {
		snprintf(err, errsz, "not valid UTF-8");
		return ART_EINVAL;
	}
	cJSON *o = cJSON_ParseWithLength(line, len);
	int rc = ART_EINVAL;
	char *metas = NULL;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errsz, "not a JSON object");
		goto out;
	}
	const char *str_keys[] = {"id", "tenant", "namespace", "kind", "text", "source",
				  "session", "envelope", "actor", "created", "expires"};
	const char *v[sizeof str_keys / sizeof *str_keys] = {0};
	for (size_t i = 0; i < sizeof str_keys / sizeof *str_keys; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, str_keys[i]);
		if (x && !cJSON_IsString(x)) {
			snprintf(err, errsz, "\"%s\" is not a string", str_keys[i]);
			goto out;
		}
		v[i] = x ? x->valuestring : NULL;
	}
	const char *lt = v[1];
	if (tenant && lt && strcmp(tenant, lt)) {
		snprintf(err, errsz, "tenant differs from --tenant");
		goto out;
	}
	art_memory_item it = {
		.id = v[0],
		.tenant = lt ? lt : tenant,
		.ns = v[2],
		.text = v[4],
		.source = v[5],
		.session = v[6],
		.env_id = v[7],
		.actor = v[8],
	};
	if (!it.tenant || !*it.tenant) {
		snprintf(err, errsz, "no tenant (give --tenant)");
		goto out;
	}
	if (v[3] && art_memory_kind_parse(v[3], &it.kind)) {
		snprintf(err, errsz, "\"kind\" is not fact, document or turn");
		goto out;
	}
	if ((v[9] && art_clock_parse(v[9], &it.created_us)) ||
	    (v[10] && art_clock_parse(v[10], &it.expires_us))) {
		snprintf(err, errsz, "\"created\"/\"expires\" is not an RFC 3339 time");
		goto out;
	}
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "meta");
	if (meta) {
		if (!cJSON_IsObject(meta)) {
			snprintf(err, errsz, "\"meta\" is not an object");
			goto out;
		}
		if (!(metas = cJSON_PrintUnformatted(meta))) {
			rc = ART_ENOMEM;
			goto out;
		}
		it.meta = metas;
	}
	char id[ART_MEMORY_ID_MAX];
	rc = art_memory_put(db, &it, id, dup, err, errsz);
out:
	free(metas);
	cJSON_Delete(o);
	return rc;
}

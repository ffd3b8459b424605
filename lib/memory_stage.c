/* memory_stage.c — the recall and write filters of art-memory. */
#include "memory_stage.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "memory_text.h"
#include <stdlib.h>
#include <string.h>

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The tenant, or NULL with a no_tenant error set on env. */
static const char *need_tenant(cJSON *env, const char *what)
{
	const char *t = str_of(env, "tenant");
	if (t && *t)
		return t;
	art_env_set_error(env, ART_MEMORY_ERR_NO_TENANT, ART_MEMORY_STAGE, NULL,
			  "envelope has no tenant; memory %s is tenant-scoped", what);
	return NULL;
}

/* 1 (with an error set on env) when the envelope's deadline has passed. */
static int past_deadline(cJSON *env, int64_t now)
{
	int64_t d;
	if (art_env_deadline(env, &d) == ART_OK && d <= now) {
		art_env_set_error(env, ART_MEMORY_ERR_DEADLINE, ART_MEMORY_STAGE, NULL,
				  "deadline passed before art-memory ran");
		return 1;
	}
	return 0;
}

/* Content of the latest message with role user, if a string. */
static const char *last_user(const cJSON *env)
{
	const cJSON *m, *last = NULL;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(env, "messages"))
	{
		const char *role = str_of(m, "role");
		if (role && !strcmp(role, "user"))
			last = m;
	}
	return last ? str_of(last, "content") : NULL;
}

/* ---- recall ---- */

static int has_id(const cJSON *ctx, const char *id)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, ctx)
	{
		const char *cid = str_of(c, "id");
		if (cid && !strcmp(cid, id))
			return 1;
	}
	return 0;
}

static cJSON *context_item(const art_memory_hit *h, size_t tokens, int scored)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", h->id);
	if (h->source)
		cJSON_AddStringToObject(o, "source", h->source);
	cJSON_AddStringToObject(o, "kind", h->kind);
	cJSON_AddStringToObject(o, "namespace", h->ns);
	cJSON_AddStringToObject(o, "text", h->text);
	if (scored)
		cJSON_AddNumberToObject(o, "score", h->score);
	cJSON_AddNumberToObject(o, "tokens", (double)tokens);
	if (!strcmp(h->kind, "turn") && h->meta) {
		cJSON *meta = cJSON_Parse(h->meta);
		const char *u = str_of(meta, "user"), *a = str_of(meta, "assistant");
		if (u)
			cJSON_AddStringToObject(o, "user", u);
		if (a)
			cJSON_AddStringToObject(o, "assistant", a);
		cJSON_Delete(meta);
	}
	return o;
}

int art_memory_recall_fn(void *vcfg, cJSON *env, uint64_t line)
{
	const art_memory_recall_cfg *cfg = vcfg;
	int64_t t0 = art_clock_now_us();
	(void)line;
	const char *tenant = need_tenant(env, "recall");
	if (!tenant || past_deadline(env, t0))
		return ART_OK;
	const cJSON *mq = cJSON_GetObjectItemCaseSensitive(env, "memory_query");
	const cJSON *sess = cJSON_GetObjectItemCaseSensitive(env, "session");
	cJSON *ctx = cJSON_GetObjectItemCaseSensitive(env, "context");
	const char *bad = mq && !cJSON_IsString(mq)	    ? "memory_query is not a string"
			  : sess && !cJSON_IsString(sess) ? "session is not a string"
			  : ctx && !cJSON_IsArray(ctx)	    ? "context is not an array"
							    : NULL;
	if (bad) {
		art_env_set_error(env, ART_MEMORY_ERR_BAD_FIELD, ART_MEMORY_STAGE, NULL, "%s", bad);
		return ART_OK;
	}
	const char *query = mq ? mq->valuestring : last_user(env);
	const char *session = sess && *sess->valuestring ? sess->valuestring : NULL;
	char err[256] = "";
	art_memory_hit *turns = NULL, *hits = NULL;
	size_t nturns = 0, nhits = 0, used_turns = 0, used_hits = 0, spent = 0;
	char **terms = NULL;
	size_t nterms = 0;
	art_memory_search_stats ss = {0};
	int rc = ART_OK;
	if (session && cfg->turns)
		rc = art_memory_turns(cfg->db, tenant, session, t0, cfg->turns, &turns, &nturns, err,
				      sizeof err);
	if (!rc && query && cfg->top_k) {
		rc = art_memory_terms(query, cfg->max_terms, &terms, &nterms);
		if (!rc) {
			art_memory_search_opts so = {
				.namespaces = cfg->namespaces, .n_ns = cfg->n_ns, .now_us = t0,
				.limit = cfg->top_k * 3 + 2, .max_df = cfg->max_df, .max_rows = cfg->max_rows,
			};
			rc = art_memory_search(cfg->db, tenant, (const char *const *)terms, nterms, &so,
					       &hits, &nhits, &ss, err, sizeof err);
		}
	}
	if (rc) {
		art_env_set_error(env, ART_MEMORY_ERR_STORE, ART_MEMORY_STAGE, NULL,
				  "memory recall failed: %s", err[0] ? err : art_strerror(rc));
		goto out;
	}
	if (!ctx && (nturns || nhits))
		ctx = cJSON_AddArrayToObject(env, "context");
	/* turns: the newest that fit, contiguous, then in conversation order */
	size_t first = nturns, tok_turns = 0;
	while (first > 0) {
		size_t t = art_memory_tokens(turns[first - 1].text, strlen(turns[first - 1].text));
		if (tok_turns + t > cfg->budget)
			break;
		tok_turns += t;
		first--;
	}
	for (size_t i = first; i < nturns; i++) {
		if (has_id(ctx, turns[i].id))
			continue;
		size_t t = art_memory_tokens(turns[i].text, strlen(turns[i].text));
		cJSON *it = context_item(&turns[i], t, 0);
		if (!it || !cJSON_AddItemToArray(ctx, it)) {
			cJSON_Delete(it);
			rc = ART_ENOMEM;
			goto out;
		}
		spent += t;
		used_turns++;
	}
	/* hits, best first, while they fit */
	for (size_t i = 0; i < nhits && used_hits < cfg->top_k; i++) {
		if (has_id(ctx, hits[i].id))
			continue;
		size_t t = art_memory_tokens(hits[i].text, strlen(hits[i].text));
		if (spent + t > cfg->budget)
			continue;
		cJSON *it = context_item(&hits[i], t, 1);
		if (!it || !cJSON_AddItemToArray(ctx, it)) {
			cJSON_Delete(it);
			rc = ART_ENOMEM;
			goto out;
		}
		spent += t;
		used_hits++;
	}
	cJSON *attrs = cJSON_CreateObject();
	if (attrs) {
		cJSON_AddNumberToObject(attrs, "terms", (double)ss.terms);
		cJSON_AddNumberToObject(attrs, "terms_used", (double)ss.used);
		cJSON_AddNumberToObject(attrs, "terms_common", (double)ss.common);
		cJSON_AddNumberToObject(attrs, "candidates", (double)nhits);
		cJSON_AddNumberToObject(attrs, "hits", (double)used_hits);
		cJSON_AddNumberToObject(attrs, "turns", (double)used_turns);
		cJSON_AddNumberToObject(attrs, "tokens", (double)spent);
		cJSON_AddNumberToObject(attrs, "budget", (double)cfg->budget);
	}
	rc = art_env_event_add(env, ART_MEMORY_STAGE, "recall", t0, art_clock_now_us(), attrs);
out:
	art_memory_terms_free(terms, nterms);
	art_memory_hits_free(turns, nturns);
	art_memory_hits_free(hits, nhits);
	return rc;
}

/* ---- write ---- */

static void refuse(cJSON *w, const char *why)
{
	cJSON_DeleteItemFromObjectCaseSensitive(w, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(w, "reason");
	cJSON_AddStringToObject(w, "status", "refused");
	cJSON_AddStringToObject(w, "reason", why);
}

static void set_written(cJSON *w, const char *id, int dup)
{
	cJSON_DeleteItemFromObjectCaseSensitive(w, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(w, "id");
	cJSON_AddStringToObject(w, "status", dup ? "duplicate" : "written");
	cJSON_AddStringToObject(w, "id", id);
}

/* Lifetime from an entry: "ttl" (duration string or seconds) or "expires" (RFC 3339).
 * ART_OK with *exp (0 = none given), or ART_EINVAL. */
static int entry_expiry(const cJSON *w, int64_t now, int64_t *exp)
{
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(w, "ttl");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(w, "expires");
	int64_t d;
	*exp = 0;
	if (ttl) {
		if (cJSON_IsString(ttl)) {
			if (art_clock_parse_duration(ttl->valuestring, &d) != ART_OK || d <= 0)
				return ART_EINVAL;
		} else if (cJSON_IsNumber(ttl) && ttl->valuedouble > 0 && ttl->valuedouble < 1e11) {
			d = (int64_t)(ttl->valuedouble * 1e6);
		} else {
			return ART_EINVAL;
		}
		*exp = now + d;
	} else if (ex) {
		if (!cJSON_IsString(ex) || art_clock_parse(ex->valuestring, &d) != ART_OK)
			return ART_EINVAL;
		*exp = d;
	}
	return ART_OK;
}

static int final_status(const cJSON *w)
{
	const char *s = str_of(w, "status");
	return s && (!strcmp(s, "written") || !strcmp(s, "duplicate") || !strcmp(s, "refused"));
}

typedef struct {
	unsigned written, duplicate, refused, skipped;
} write_counts;

/* One memory_writes entry.  ART_OK (entry marked), or ART_EIO/ART_ENOMEM (store failed,
 * err says why). */
static int write_entry(const art_memory_write_cfg *cfg, cJSON *env, cJSON *w, const char *tenant,
		       int64_t now, write_counts *wc, char *err, size_t errsz)
{
	if (!cJSON_IsObject(w)) {
		wc->refused++; /* nothing to mark on a non-object */
		return ART_OK;
	}
	if (final_status(w)) {
		wc->skipped++;
		return ART_OK;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "approved"))) {
		refuse(w, "not approved by policy");
		wc->refused++;
		return ART_OK;
	}
	const char *text = str_of(w, "text");
	const cJSON *nsj = cJSON_GetObjectItemCaseSensitive(w, "namespace");
	const cJSON *kj = cJSON_GetObjectItemCaseSensitive(w, "kind");
	const cJSON *srcj = cJSON_GetObjectItemCaseSensitive(w, "source");
	enum art_memory_kind kind = ART_MEMORY_FACT;
	const char *why = NULL;
	int64_t exp = 0;
	const char *session = str_of(env, "session");
	if (!text || !*text)
		why = "text missing or empty";
	else if (strlen(text) > cfg->max_text)
		why = "text longer than --max-text";
	else if (nsj && (!cJSON_IsString(nsj) || !*nsj->valuestring ||
			 strlen(nsj->valuestring) > ART_MEMORY_NS_MAX))
		why = "namespace must be a string of 1 to 128 bytes";
	else if (kj && (!cJSON_IsString(kj) || art_memory_kind_parse(kj->valuestring, &kind)))
		why = "kind must be fact, document or turn";
	else if (kind == ART_MEMORY_TURN && !(session && *session))
		why = "kind turn needs the envelope's session";
	else if (srcj && !cJSON_IsString(srcj))
		why = "source must be a string";
	else if (entry_expiry(w, now, &exp))
		why = "ttl must be a positive duration or expires an RFC 3339 time";
	if (why) {
		refuse(w, why);
		wc->refused++;
		return ART_OK;
	}
	if (!exp && cfg->ttl_us)
		exp = now + cfg->ttl_us;
	const cJSON *actor = cJSON_GetObjectItemCaseSensitive(env, "actor");
	art_memory_item it = {
		.tenant = tenant,
		.ns = nsj ? nsj->valuestring : cfg->ns,
		.kind = kind,
		.text = text,
		.source = srcj ? srcj->valuestring : "memory_writes",
		.session = kind == ART_MEMORY_TURN ? session : NULL,
		.env_id = str_of(env, "id"),
		.actor = str_of(actor, "id"),
		.created_us = now,
		.expires_us = exp,
	};
	char id[ART_MEMORY_ID_MAX], perr[200];
	int dup;
	int rc = art_memory_put(cfg->db, &it, id, &dup, perr, sizeof perr);
	if (rc == ART_EINVAL) {
		refuse(w, perr);
		wc->refused++;
		return ART_OK;
	}
	if (rc) {
		snprintf(err, errsz, "%s", perr);
		return rc;
	}
	set_written(w, id, dup);
	if (dup)
		wc->duplicate++;
	else
		wc->written++;
	return ART_OK;
}

/* The turn (latest user message + output.text) for --turns.  *state: "written",
 * "duplicate" or "skipped" (no session, question or answer). */
static int write_turn(const art_memory_write_cfg *cfg, cJSON *env, const char *tenant,
		      int64_t now, const char **state, char *id, char *err, size_t errsz)
{
	const char *session = str_of(env, "session");
	const char *user = last_user(env);
	const char *answer = str_of(cJSON_GetObjectItemCaseSensitive(env, "output"), "text");
	*state = "skipped";
	id[0] = 0;
	if (!session || !*session || !user || !*user || !answer || !*answer)
		return ART_OK;
	size_t n = strlen(user) + strlen(answer) + 32;
	char *text = malloc(n);
	cJSON *meta = cJSON_CreateObject();
	char *metas = NULL;
	int rc = ART_ENOMEM;
	if (!text || !meta)
		goto out;
	snprintf(text, n, "user: %s\nassistant: %s", user, answer);
	if (strlen(text) > cfg->max_text)
		goto out_ok; /* too long to remember; stays skipped */
	cJSON_AddStringToObject(meta, "user", user);
	cJSON_AddStringToObject(meta, "assistant", answer);
	if (!(metas = cJSON_PrintUnformatted(meta)))
		goto out;
	art_memory_item it = {
		.tenant = tenant,
		.ns = cfg->ns,
		.kind = ART_MEMORY_TURN,
		.text = text,
		.source = NULL,
		.session = session,
		.env_id = str_of(env, "id"),
		.actor = str_of(cJSON_GetObjectItemCaseSensitive(env, "actor"), "id"),
		.meta = metas,
		.created_us = now,
		.expires_us = cfg->ttl_us ? now + cfg->ttl_us : 0,
	};
	char src[300];
	snprintf(src, sizeof src, "session:%s", session);
	it.source = src;
	int dup;
	rc = art_memory_put(cfg->db, &it, id, &dup, err, errsz);
	if (rc)
		goto out;
	*state = dup ? "duplicate" : "written";
out_ok:
	rc = ART_OK;
out:
	free(text);
	free(metas);
	cJSON_Delete(meta);
	return rc;
}

int art_memory_write_fn(void *vcfg, cJSON *env, uint64_t line)
{
	const art_memory_write_cfg *cfg = vcfg;
	int64_t t0 = art_clock_now_us();
	(void)line;
	cJSON *writes = cJSON_GetObjectItemCaseSensitive(env, "memory_writes");
	if (writes && !cJSON_IsArray(writes)) {
		art_env_set_error(env, ART_MEMORY_ERR_BAD_FIELD, ART_MEMORY_STAGE, NULL,
				  "memory_writes is not an array");
		return ART_OK;
	}
	const char *session = str_of(env, "session");
	if (!cJSON_GetArraySize(writes) && !(cfg->turns && session && *session))
		return ART_OK; /* nothing asked of this stage */
	const char *tenant = need_tenant(env, "write");
	if (!tenant || past_deadline(env, t0))
		return ART_OK;
	char err[256] = "", turn_id[ART_MEMORY_ID_MAX] = "";
	const char *turn_state = NULL;
	write_counts wc = {0};
	int rc = art_memory_begin(cfg->db, err, sizeof err);
	cJSON *w;
	if (!rc)
		cJSON_ArrayForEach(w, writes)
		{
			if ((rc = write_entry(cfg, env, w, tenant, t0, &wc, err, sizeof err)))
				break;
		}
	if (!rc && cfg->turns)
		rc = write_turn(cfg, env, tenant, t0, &turn_state, turn_id, err, sizeof err);
	if (!rc)
		rc = art_memory_commit(cfg->db, err, sizeof err);
	if (rc) {
		art_memory_rollback(cfg->db);
		/* nothing of this envelope was stored: undo the marks */
		cJSON_ArrayForEach(w, writes)
		{
			const char *s = str_of(w, "status");
			if (s && (!strcmp(s, "written") || !strcmp(s, "duplicate"))) {
				cJSON_DeleteItemFromObjectCaseSensitive(w, "status");
				cJSON_DeleteItemFromObjectCaseSensitive(w, "id");
			}
		}
		art_env_set_error(env, ART_MEMORY_ERR_STORE, ART_MEMORY_STAGE, NULL,
				  "memory write failed: %s", err[0] ? err : art_strerror(rc));
		return ART_OK;
	}
	cJSON *attrs = cJSON_CreateObject();
	if (attrs) {
		cJSON_AddNumberToObject(attrs, "written", wc.written);
		cJSON_AddNumberToObject(attrs, "duplicate", wc.duplicate);
		cJSON_AddNumberToObject(attrs, "refused", wc.refused);
		cJSON_AddNumberToObject(attrs, "already_done", wc.skipped);
		if (turn_state) {
			cJSON_AddStringToObject(attrs, "turn", turn_state);
			if (turn_id[0])
				cJSON_AddStringToObject(attrs, "turn_id", turn_id);
		}
	}
	return art_env_event_add(env, ART_MEMORY_STAGE, "write", t0, art_clock_now_us(), attrs);
}

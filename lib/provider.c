/* provider.c — the remote-provider engine: curl multi, retries, fallbacks, events,
 * cost and health updates.  See provider.h. */
#include "clock.h"
#include "env.h"
#include "err.h"
#include "provider.h"
#include "rand.h"
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERRBODY_MAX 4096 /* bytes of an error response kept for the message */

typedef struct {
	enum art_route_provider kind;
	const char *name;     /* route/config model name */
	const char *upstream; /* model id sent */
	const char *endpoint; /* base URL */
	const art_route_model *cfg; /* NULL without a routes config entry */
	art_route_model price;      /* prices: the config's, else route's "price" */
	int priced;                 /* 1 when price is known */
} cand;

typedef struct job job;
struct job {
	art_provider *p;
	cJSON *env;
	void *tag;
	cand *cands;
	size_t ncand, ci;
	int tries;              /* attempts on the current candidate */
	int attempts;           /* attempts in all */
	int64_t submit_mono, deadline_us; /* deadline: wall µs, 0 = none */
	int64_t due_mono;       /* when the next attempt may start (timer) */
	int waiting, running, finished;
	/* the attempt in flight */
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	char url[1024];
	int64_t start_us, start_mono;
	long http;
	int64_t retry_after_ms;
	int content_known;
	art_provider_parser *ps;
	char *errbody;
	size_t errlen;
	char key[512];          /* API key value for redaction; never written anywhere */
	char last_code[40];
	char last_msg[300];
	job *next;              /* finished queue */
};

struct art_provider {
	art_provider_opts o;
	CURLM *multi;
	job **jobs;             /* every pending job */
	size_t njobs, cap;
	job *done_head, *done_tail;
	int running;            /* transfers in flight */
	uint64_t rng;
};

void art_provider_opts_defaults(art_provider_opts *o)
{
	memset(o, 0, sizeof *o);
	o->stage = "art-remote";
	o->parallel = 8;
	o->retries = 2;
	o->backoff_base_ms = 100;
	o->backoff_max_ms = 5000;
	o->timeout_ms = 60000;
	o->connect_timeout_ms = 5000;
	o->stream = 1;
	o->max_fallbacks = -1;
}

static int curl_ready;

int art_provider_new(art_provider **out, const art_provider_opts *o, char *err, size_t errsz)
{
	*out = NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errsz, "curl_global_init failed");
			return ART_EIO;
		}
		curl_ready = 1;
	}
	art_provider *p = calloc(1, sizeof *p);
	if (!p)
		return ART_ENOMEM;
	p->o = *o;
	if (p->o.parallel < 1)
		p->o.parallel = 1;
	p->multi = curl_multi_init();
	if (!p->multi) {
		free(p);
		snprintf(err, errsz, "curl_multi_init failed");
		return ART_EIO;
	}
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p->o.parallel);
	if (art_rand_bytes(&p->rng, sizeof p->rng) != ART_OK || !p->rng)
		p->rng = 0x853c49e6748fea9bULL;
	*out = p;
	return ART_OK;
}

static void attempt_cleanup(job *j)
{
	if (j->easy) {
		curl_multi_remove_handle(j->p->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->hdrs);
	j->hdrs = NULL;
	free(j->body);
	j->body = NULL;
	art_provider_parser_free(j->ps);
	j->ps = NULL;
	free(j->errbody);
	j->errbody = NULL;
	j->errlen = 0;
	j->content_known = 0;
	j->http = 0;
	j->retry_after_ms = -1;
}

static void job_free(job *j)
{
	attempt_cleanup(j);
	memset(j->key, 0, sizeof j->key);
	free(j->cands);
	free(j);
}

void art_provider_free(art_provider *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->njobs; i++)
		job_free(p->jobs[i]);
	while (p->done_head) {
		job *j = p->done_head;
		p->done_head = j->next;
		job_free(j);
	}
	free(p->jobs);
	curl_multi_cleanup(p->multi);
	free(p);
}

int art_provider_parallel(const art_provider *p) { return p->o.parallel; }

void art_provider_cancel(art_provider *p)
{
	for (size_t i = 0; i < p->njobs; i++) {
		if (p->jobs[i]->running)
			p->running--;
		job_free(p->jobs[i]);
	}
	p->njobs = 0;
	while (p->done_head) {
		job *j = p->done_head;
		p->done_head = j->next;
		job_free(j);
	}
	p->done_tail = NULL;
}

size_t art_provider_pending(const art_provider *p)
{
	size_t n = p->njobs;
	for (job *j = p->done_head; j; j = j->next)
		n++;
	return n;
}

void art_provider_wakeup(art_provider *p) { curl_multi_wakeup(p->multi); }

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int remote_kind(const char *s, enum art_route_provider *k)
{
	return art_route_provider_parse(s, k) == ART_OK && *k != ART_ROUTE_LOCAL;
}

int art_provider_handles(const cJSON *env)
{
	enum art_route_provider k;
	if (art_env_status_get(env) != ART_ENV_OK)
		return 0;
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(env, "route");
	return cJSON_IsObject(r) && remote_kind(str_field(r, "provider"), &k);
}

/* ---- finishing ---- */

static void finish(job *j)
{
	attempt_cleanup(j);
	j->finished = 1;
	art_provider *p = j->p;
	for (size_t i = 0; i < p->njobs; i++)
		if (p->jobs[i] == j) {
			p->jobs[i] = p->jobs[--p->njobs];
			break;
		}
	j->next = NULL;
	if (p->done_tail)
		p->done_tail->next = j;
	else
		p->done_head = j;
	p->done_tail = j;
}

/* Replaces every occurrence of the key value in s (defence in depth: a server could
 * echo it back in an error body). */
static void redact(const job *j, char *s)
{
	size_t kl = strlen(j->key);
	if (kl < 4)
		return;
	char *hit;
	while ((hit = strstr(s, j->key))) {
		static const char rep[] = "[redacted]";
		size_t rl = strlen(rep), tail = strlen(hit + kl);
		if (rl <= kl) {
			memcpy(hit, rep, rl);
			memmove(hit + rl, hit + kl, tail + 1);
		} else {
			memset(hit, '*', kl);
		}
	}
}

static void fail_job(job *j, const char *code, cJSON *partial_output)
{
	cJSON *det = cJSON_CreateObject();
	cJSON_AddNumberToObject(det, "attempts", j->attempts);
	cJSON_AddNumberToObject(det, "candidates", (double)j->ncand);
	if (partial_output) {
		cJSON_DeleteItemFromObjectCaseSensitive(j->env, "output");
		cJSON_AddItemToObject(j->env, "output", partial_output);
	}
	redact(j, j->last_msg);
	art_env_set_error(j->env, code, j->p->o.stage, det, "%s", j->last_msg);
	finish(j);
}

/* ---- attempts ---- */

static double rnd01(art_provider *p)
{
	/* xorshift64* */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return (double)((p->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static size_t on_header(char *buf, size_t sz, size_t nm, void *ud)
{
	job *j = ud;
	size_t n = sz * nm;
	if (n > 12 && !strncasecmp(buf, "retry-after:", 12)) {
		char tmp[64];
		size_t l = n - 12 < sizeof tmp - 1 ? n - 12 : sizeof tmp - 1;
		memcpy(tmp, buf + 12, l);
		tmp[l] = 0;
		char *end;
		double s = strtod(tmp, &end);
		if (end != tmp && s >= 0 && s < 86400)
			j->retry_after_ms = (int64_t)(s * 1000);
		/* an HTTP-date is not honoured; backoff applies then */
	} else if (n > 9 && !strncasecmp(buf, "HTTP/", 5)) {
		j->content_known = 0; /* a new response (e.g. after 100-continue) */
		j->retry_after_ms = -1;
	}
	return n;
}

static int start_parser(job *j)
{
	long code = 0;
	char *ct = NULL;
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
	j->http = code;
	j->content_known = 1;
	if (code < 200 || code >= 300)
		return ART_OK; /* the body is an error message */
	enum art_provider_wire w = ART_PROV_WIRE_NDJSON;
	if (j->cands[j->ci].kind == ART_ROUTE_OPENAI)
		w = ct && strstr(ct, "text/event-stream") ? ART_PROV_WIRE_SSE : ART_PROV_WIRE_JSON;
	return art_provider_parser_new(&j->ps, w);
}

static size_t on_body(char *buf, size_t sz, size_t nm, void *ud)
{
	job *j = ud;
	size_t n = sz * nm;
	if (!j->content_known && start_parser(j) != ART_OK)
		return 0;
	if (j->ps) {
		if (art_provider_parser_feed(j->ps, buf, n, art_clock_mono_us()) == ART_ENOMEM)
			return 0;
		return n; /* a format error is reported at the end */
	}
	if (j->errlen < ERRBODY_MAX) {
		size_t take = n < ERRBODY_MAX - j->errlen ? n : ERRBODY_MAX - j->errlen;
		char *nb = realloc(j->errbody, j->errlen + take + 1);
		if (nb) {
			memcpy(nb + j->errlen, buf, take);
			j->errlen += take;
			nb[j->errlen] = 0;
			j->errbody = nb;
		}
	}
	return n;
}

static void record_attempt(job *j, const char *outcome, const char *code, int64_t delay_ms,
			   int64_t ttft_mono)
{
	const cand *c = &j->cands[j->ci];
	int64_t end_us = art_clock_now_us(), dur_ms = (art_clock_mono_us() - j->start_mono) / 1000;
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "provider", art_route_provider_name(c->kind));
	cJSON_AddStringToObject(a, "model", c->name);
	cJSON_AddStringToObject(a, "upstream_model", c->upstream);
	cJSON_AddStringToObject(a, "url", j->url);
	cJSON_AddNumberToObject(a, "attempt", j->attempts);
	cJSON_AddNumberToObject(a, "try", j->tries);
	cJSON_AddNumberToObject(a, "http_status", (double)j->http);
	cJSON_AddStringToObject(a, "outcome", outcome);
	cJSON_AddNumberToObject(a, "duration_ms", (double)dur_ms);
	if (ttft_mono > 0)
		cJSON_AddNumberToObject(a, "ttft_ms", (double)(ttft_mono - j->start_mono) / 1000.0);
	if (code) {
		cJSON_AddStringToObject(a, "error", code);
		redact(j, j->last_msg);
		cJSON_AddStringToObject(a, "message", j->last_msg);
	}
	if (j->retry_after_ms >= 0)
		cJSON_AddNumberToObject(a, "retry_after_ms", (double)j->retry_after_ms);
	if (delay_ms >= 0)
		cJSON_AddNumberToObject(a, "retry_in_ms", (double)delay_ms);
	art_env_event_add(j->env, j->p->o.stage, "attempt", j->start_us, end_us, a);
}

static void health_note(job *j, int ok, double latency_ms)
{
	art_provider *p = j->p;
	if (!p->o.health)
		return;
	art_health_breaker_cfg def, *bc = &def;
	if (p->o.routes)
		bc = (art_health_breaker_cfg *)art_route_config_breaker(p->o.routes);
	else
		art_health_breaker_defaults(&def);
	/* a state write failure must not lose the answer; the breaker just learns less */
	(void)art_health_record(p->o.health, j->cands[j->ci].name, ok, latency_ms, art_clock_now_us(), bc);
}

static void schedule(job *j, int64_t delay_ms)
{
	j->waiting = 1;
	j->due_mono = art_clock_mono_us() + delay_ms * 1000;
}

static void next_candidate(job *j);

/* Starts the current candidate's next attempt now.  On a setup failure it moves on. */
static void start_attempt(job *j)
{
	art_provider *p = j->p;
	const cand *c = &j->cands[j->ci];
	attempt_cleanup(j);
	j->waiting = 0;
	j->tries++;
	j->attempts++;
	j->start_us = art_clock_now_us();
	j->start_mono = art_clock_mono_us();
	j->key[0] = 0;
	snprintf(j->url, sizeof j->url, "%s", c->endpoint ? c->endpoint : "");
	/* timeout from the deadline */
	int64_t tmo = p->o.timeout_ms;
	if (j->deadline_us) {
		int64_t left = (j->deadline_us - j->start_us) / 1000;
		if (left <= 0) {
			j->attempts--;
			j->tries--;
			snprintf(j->last_msg, sizeof j->last_msg, "deadline passed before attempt %d (%s)", j->attempts + 1, c->name);
			fail_job(j, ART_ERR_DEADLINE, NULL);
			return;
		}
		if (left < tmo)
			tmo = left;
	}
	if (!c->endpoint || !*c->endpoint) {
		snprintf(j->last_msg, sizeof j->last_msg, "model %s has no endpoint (route.endpoint or routes config)", c->name);
		record_attempt(j, "fallback", ART_PROV_ERR_CONFIG, -1, 0);
		snprintf(j->last_code, sizeof j->last_code, "%s", ART_PROV_ERR_CONFIG);
		next_candidate(j);
		return;
	}
	size_t el = strlen(c->endpoint);
	while (el && c->endpoint[el - 1] == '/')
		el--;
	snprintf(j->url, sizeof j->url, "%.*s%s", (int)el, c->endpoint,
		 c->kind == ART_ROUTE_OPENAI ? "/chat/completions" : "/api/chat");
	const char *kenv = c->cfg ? c->cfg->api_key_env : NULL;
	if (kenv) {
		const char *kv = getenv(kenv);
		if (!kv || !*kv) {
			snprintf(j->last_msg, sizeof j->last_msg, "model %s: environment variable %s (api_key_env) is not set",
				 c->name, kenv);
			snprintf(j->last_code, sizeof j->last_code, "%s", ART_PROV_ERR_NO_KEY);
			record_attempt(j, "fallback", ART_PROV_ERR_NO_KEY, -1, 0);
			next_candidate(j);
			return;
		}
		snprintf(j->key, sizeof j->key, "%s", kv);
	}
	cJSON *b = art_provider_request_body(c->kind, j->env, c->upstream, p->o.stream);
	j->body = b ? cJSON_PrintUnformatted(b) : NULL;
	cJSON_Delete(b);
	j->easy = curl_easy_init();
	if (!j->body || !j->easy) {
		snprintf(j->last_msg, sizeof j->last_msg, "out of memory building the request");
		fail_job(j, ART_ERR_STAGE, NULL);
		return;
	}
	j->hdrs = curl_slist_append(j->hdrs, "Content-Type: application/json");
	j->hdrs = curl_slist_append(j->hdrs, "Expect:");
	if (j->key[0]) {
		char h[600];
		snprintf(h, sizeof h, "Authorization: Bearer %s", j->key);
		j->hdrs = curl_slist_append(j->hdrs, h);
		memset(h, 0, sizeof h);
	}
	CURL *e = j->easy;
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(tmo > 0 ? tmo : 1));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(p->o.connect_timeout_ms < tmo ? p->o.connect_timeout_ms : tmo));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	j->retry_after_ms = -1;
	if (curl_multi_add_handle(p->multi, e) != CURLM_OK) {
		snprintf(j->last_msg, sizeof j->last_msg, "curl could not start the transfer");
		fail_job(j, ART_ERR_STAGE, NULL);
		return;
	}
	j->running = 1;
	p->running++;
}

static void next_candidate(job *j)
{
	j->ci++;
	j->tries = 0;
	if (j->ci >= j->ncand) {
		char m[sizeof j->last_msg];
		snprintf(m, sizeof m, "all %zu route candidate(s) failed after %d attempt(s); last: %.180s", j->ncand,
			 j->attempts, j->last_msg);
		snprintf(j->last_msg, sizeof j->last_msg, "%s", m);
		fail_job(j, j->last_code[0] ? j->last_code : ART_ERR_STAGE, NULL);
		return;
	}
	schedule(j, 0);
}

/* Decides what a failed attempt leads to: retry (after backoff / Retry-After, within the
 * deadline), or the next candidate. */
static void failed_attempt(job *j, const char *code, int retryable)
{
	art_provider *p = j->p;
	snprintf(j->last_code, sizeof j->last_code, "%s", code);
	health_note(j, 0, -1);
	if (retryable && j->tries <= p->o.retries) {
		double d = (double)p->o.backoff_base_ms * pow(2.0, j->tries - 1);
		if (d > (double)p->o.backoff_max_ms)
			d = (double)p->o.backoff_max_ms;
		d = d * (0.5 + 0.5 * rnd01(p)); /* jitter: 50-100% */
		int64_t delay = (int64_t)d;
		if (j->retry_after_ms >= 0 && j->retry_after_ms > delay)
			delay = j->retry_after_ms;
		if (!j->deadline_us || art_clock_now_us() + delay * 1000 < j->deadline_us) {
			record_attempt(j, "retry", code, delay, 0);
			attempt_cleanup(j);
			schedule(j, delay);
			return;
		}
		size_t l = strlen(j->last_msg);
		snprintf(j->last_msg + l, sizeof j->last_msg - l, " (no retry: %lld ms wait passes the deadline)", (long long)delay);
	}
	record_attempt(j, j->ci + 1 < j->ncand ? "fallback" : "failed", code, -1, 0);
	attempt_cleanup(j);
	next_candidate(j);
}

static void error_message(job *j, const char *what)
{
	const char *m = NULL;
	cJSON *o = j->errbody ? cJSON_Parse(j->errbody) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const cJSON *mm = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : e;
	if (cJSON_IsString(mm))
		m = mm->valuestring;
	snprintf(j->last_msg, sizeof j->last_msg, "%s: %s HTTP %ld%s%.160s", j->cands[j->ci].name, what, j->http,
		 m ? ": " : "", m ? m : "");
	cJSON_Delete(o);
}

int art_provider_cost(const art_route_model *m, const cJSON *usage, double *amount)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(usage, "input_tokens");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(usage, "output_tokens");
	const cJSON *ca = cJSON_GetObjectItemCaseSensitive(usage, "cached_tokens");
	if (!cJSON_IsNumber(in) || !cJSON_IsNumber(out))
		return ART_EINVAL;
	double cached = cJSON_IsNumber(ca) ? ca->valuedouble : 0;
	if (cached > in->valuedouble)
		cached = in->valuedouble;
	*amount = ((in->valuedouble - cached) * m->price_in + cached * m->price_cached +
		   out->valuedouble * m->price_out) / 1e6;
	return ART_OK;
}

static void succeed(job *j, cJSON *out, int64_t ttft_mono)
{
	art_provider *p = j->p;
	const cand *c = &j->cands[j->ci];
	int64_t now_mono = art_clock_mono_us();
	double total_ms = (double)(now_mono - j->start_mono) / 1000.0;
	cJSON_AddStringToObject(out, "model", c->name);
	cJSON_AddStringToObject(out, "provider", art_route_provider_name(c->kind));
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(out, "usage");
	const cJSON *ot = cJSON_GetObjectItemCaseSensitive(u, "output_tokens");
	double outt = cJSON_IsNumber(ot) ? ot->valuedouble : 0;
	double amount = -1;
	if (c->priced && u && art_provider_cost(&c->price, u, &amount) == ART_OK) {
		cJSON *co = cJSON_AddObjectToObject(out, "cost");
		cJSON_AddNumberToObject(co, "amount", amount);
		cJSON_AddStringToObject(co, "currency", c->price.currency);
		cJSON *pm = cJSON_AddObjectToObject(co, "per_million");
		cJSON_AddNumberToObject(pm, "input", c->price.price_in);
		cJSON_AddNumberToObject(pm, "output", c->price.price_out);
		cJSON_AddNumberToObject(pm, "cached", c->price.price_cached);
	}
	cJSON *t = cJSON_AddObjectToObject(out, "timing");
	cJSON_AddNumberToObject(t, "queue_ms", (double)(j->start_mono - j->submit_mono) / 1000.0);
	if (ttft_mono > 0)
		cJSON_AddNumberToObject(t, "ttft_ms", (double)(ttft_mono - j->start_mono) / 1000.0);
	cJSON_AddNumberToObject(t, "total_ms", total_ms);
	if (outt > 0 && ttft_mono > 0 && now_mono - ttft_mono >= 1000) /* at least 1 ms of generation */
		cJSON_AddNumberToObject(t, "tokens_per_s", outt / ((double)(now_mono - ttft_mono) / 1e6));
	cJSON_AddNumberToObject(t, "attempts", j->attempts);
	cJSON_DeleteItemFromObjectCaseSensitive(j->env, "output");
	cJSON_AddItemToObject(j->env, "output", out);
	record_attempt(j, "ok", NULL, -1, ttft_mono);
	health_note(j, 1, total_ms);
	if (p->o.health && amount > 0) {
		const char *tenant = str_field(j->env, "tenant");
		(void)art_health_spend_record(p->o.health, tenant ? tenant : "", c->price.currency, amount, art_clock_now_us());
	}
	finish(j);
}

static void attempt_done(job *j, CURLcode res)
{
	art_provider *p = j->p;
	j->running = 0;
	p->running--;
	if (!j->content_known && res == CURLE_OK)
		start_parser(j);
	if (!j->http)
		curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->http);
	const char *cname = j->cands[j->ci].name;
	if (res == CURLE_OPERATION_TIMEDOUT && j->deadline_us && art_clock_now_us() + 2000 >= j->deadline_us) {
		/* the deadline passed, maybe mid-stream: keep what arrived */
		cJSON *out = NULL;
		if (j->ps) {
			int64_t ttft;
			char e[200];
			out = cJSON_CreateObject();
			art_provider_parser_finish(j->ps, out, &ttft, e, sizeof e);
			cJSON_DeleteItemFromObjectCaseSensitive(out, "finish_reason");
			cJSON_AddStringToObject(out, "finish_reason", "deadline");
			cJSON_AddStringToObject(out, "model", cname);
			cJSON_AddStringToObject(out, "provider", art_route_provider_name(j->cands[j->ci].kind));
		}
		snprintf(j->last_msg, sizeof j->last_msg, "%s: deadline passed %s", cname,
			 j->ps ? "mid-response" : "before a response");
		record_attempt(j, "failed", ART_ERR_DEADLINE, -1, 0);
		health_note(j, 0, -1);
		fail_job(j, ART_ERR_DEADLINE, out);
		return;
	}
	if (res != CURLE_OK) {
		snprintf(j->last_msg, sizeof j->last_msg, "%s: %s", cname, curl_easy_strerror(res));
		failed_attempt(j, ART_PROV_ERR_NETWORK, 1);
		return;
	}
	if (j->http == 429) {
		error_message(j, "rate limited,");
		failed_attempt(j, ART_PROV_ERR_RATE_LIMITED, 1);
		return;
	}
	if (j->http >= 500 || j->http == 408) {
		error_message(j, "server error,");
		failed_attempt(j, ART_PROV_ERR_SERVER, 1);
		return;
	}
	if (j->http < 200 || j->http >= 300 || !j->ps) {
		error_message(j, "rejected the request,");
		failed_attempt(j, ART_PROV_ERR_REJECTED, 0);
		return;
	}
	cJSON *out = cJSON_CreateObject();
	int64_t ttft = 0;
	char e[200];
	int rc = art_provider_parser_finish(j->ps, out, &ttft, e, sizeof e);
	if (rc != ART_OK) {
		cJSON_Delete(out);
		snprintf(j->last_msg, sizeof j->last_msg, "%s: %s", cname, e);
		failed_attempt(j, rc == ART_ENOENT ? ART_PROV_ERR_TRUNCATED : ART_PROV_ERR_BAD_RESPONSE, 1);
		return;
	}
	succeed(j, out, ttft);
}

/* ---- submit / poll ---- */

static int add_cand(job *j, size_t *n, const art_provider_opts *o, const cJSON *c)
{
	const char *prov = str_field(c, "provider"), *name = str_field(c, "model");
	const art_route_model *m = o->routes && name ? art_route_config_find(o->routes, name) : NULL;
	enum art_route_provider k;
	if (!prov && m)
		prov = art_route_provider_name(m->provider);
	if (!name || !remote_kind(prov, &k)) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "model", name ? name : "");
		cJSON_AddStringToObject(a, "provider", prov ? prov : "");
		cJSON_AddStringToObject(a, "reason", "not a remote provider; skipped here");
		art_env_event_add(j->env, o->stage, "skip_candidate", art_clock_now_us(), art_clock_now_us(), a);
		return 0;
	}
	cand *cd = &j->cands[(*n)++];
	cd->kind = k;
	cd->name = name;
	cd->cfg = m && m->provider == k ? m : NULL;
	cd->upstream = cd->cfg ? cd->cfg->upstream : name;
	cd->endpoint = cd->cfg ? cd->cfg->endpoint : str_field(c, "endpoint");
	if (cd->cfg) {
		cd->price = *cd->cfg;
		cd->priced = 1;
	} else {
		/* the price table art-route copied into the route */
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(c, "price");
		const cJSON *pi = cJSON_GetObjectItemCaseSensitive(pr, "input");
		const cJSON *po = cJSON_GetObjectItemCaseSensitive(pr, "output");
		const cJSON *pc = cJSON_GetObjectItemCaseSensitive(pr, "cached");
		const char *cur = str_field(pr, "currency");
		if (cJSON_IsNumber(pi) && cJSON_IsNumber(po) && pi->valuedouble >= 0 && po->valuedouble >= 0) {
			cd->price.price_in = pi->valuedouble;
			cd->price.price_out = po->valuedouble;
			cd->price.price_cached = cJSON_IsNumber(pc) && pc->valuedouble >= 0 ? pc->valuedouble : pi->valuedouble;
			cd->price.currency = cur ? cur : "USD";
			cd->priced = 1;
		}
	}
	return 1;
}

int art_provider_submit(art_provider *p, cJSON *env, void *tag)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return ART_ENOMEM;
	j->p = p;
	j->env = env;
	j->tag = tag;
	j->submit_mono = art_clock_mono_us();
	j->retry_after_ms = -1;
	if (p->njobs == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		job **nj = realloc(p->jobs, nc * sizeof *nj);
		if (!nj) {
			free(j);
			return ART_ENOMEM;
		}
		p->jobs = nj;
		p->cap = nc;
	}
	p->jobs[p->njobs++] = j;
	if (!art_provider_handles(env)) {
		finish(j); /* comes back unchanged */
		return ART_OK;
	}
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(env, "route");
	const cJSON *fb = cJSON_GetObjectItemCaseSensitive(r, "fallbacks");
	size_t nfb = cJSON_IsArray(fb) ? (size_t)cJSON_GetArraySize(fb) : 0;
	if (p->o.max_fallbacks >= 0 && nfb > (size_t)p->o.max_fallbacks)
		nfb = (size_t)p->o.max_fallbacks;
	j->cands = calloc(1 + nfb, sizeof *j->cands);
	if (!j->cands) {
		snprintf(j->last_msg, sizeof j->last_msg, "out of memory");
		fail_job(j, ART_ERR_STAGE, NULL);
		return ART_OK;
	}
	add_cand(j, &j->ncand, &p->o, r);
	size_t k = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, fb)
	{
		if (k++ >= nfb)
			break;
		add_cand(j, &j->ncand, &p->o, c);
	}
	int64_t dl;
	int drc = art_env_deadline(env, &dl);
	if (drc == ART_EINVAL) {
		snprintf(j->last_msg, sizeof j->last_msg, "deadline is not an RFC 3339 time");
		fail_job(j, "bad_deadline", NULL);
		return ART_OK;
	}
	j->deadline_us = drc == ART_OK ? dl : 0;
	schedule(j, 0);
	return ART_OK;
}

static void process_messages(art_provider *p)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(p->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		job *j = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		CURLcode res = m->data.result;
		if (j)
			attempt_done(j, res);
	}
}

/* Starts due attempts; returns ms until the next timer (-1 none). */
static int64_t run_timers(art_provider *p)
{
	int64_t now = art_clock_mono_us(), next = -1;
	for (size_t i = 0; i < p->njobs; i++) {
		job *j = p->jobs[i];
		if (!j->waiting)
			continue;
		if (j->due_mono <= now) {
			start_attempt(j);
			/* start_attempt may finish j and reshuffle p->jobs; revisit index i */
			if (i < p->njobs && p->jobs[i] != j)
				i--;
			continue;
		}
		int64_t ms = (j->due_mono - now + 999) / 1000;
		if (next < 0 || ms < next)
			next = ms;
	}
	return next;
}

int art_provider_poll(art_provider *p, int wait_ms)
{
	int64_t next = run_timers(p);
	int still;
	if (curl_multi_perform(p->multi, &still) != CURLM_OK)
		return ART_EIO;
	process_messages(p);
	next = run_timers(p);
	if (p->done_head)
		wait_ms = 0;
	if (next >= 0 && next < wait_ms)
		wait_ms = (int)next;
	if (wait_ms > 0 && curl_multi_poll(p->multi, NULL, 0, wait_ms, NULL) != CURLM_OK)
		return ART_EIO;
	if (curl_multi_perform(p->multi, &still) != CURLM_OK)
		return ART_EIO;
	process_messages(p);
	run_timers(p);
	return ART_OK;
}

int art_provider_next(art_provider *p, cJSON **env, void **tag)
{
	job *j = p->done_head;
	if (!j)
		return 0;
	p->done_head = j->next;
	if (!p->done_head)
		p->done_tail = NULL;
	*env = j->env;
	*tag = j->tag;
	job_free(j);
	return 1;
}

int art_provider_run(art_provider *p, cJSON **envs, size_t n)
{
	size_t sub = 0, got = 0;
	while (got < n) {
		while (sub < n && art_provider_pending(p) < (size_t)p->o.parallel)
			if (art_provider_submit(p, envs[sub], &envs[sub]) == ART_OK)
				sub++;
			else
				return ART_ENOMEM;
		if (art_provider_poll(p, 100) != ART_OK)
			return ART_EIO;
		cJSON *e;
		void *t;
		while (art_provider_next(p, &e, &t))
			got++;
	}
	return ART_OK;
}

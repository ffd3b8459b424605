/* provider.h — remote model providers over libcurl: OpenAI-compatible
 * /v1/chat/completions (JSON or SSE streaming) and Ollama /api/chat (NDJSON).
 *
 * An art_provider runs many envelopes at once on one curl multi handle.  For each
 * envelope it walks route (the choice, then route.fallbacks in order): every attempt
 * has a timeout derived from the envelope deadline; 429, 408, 5xx, network errors,
 * malformed or truncated responses are retried with exponential backoff and jitter
 * (Retry-After honoured) while the deadline allows, then the next fallback is tried;
 * other 4xx go to the next fallback at once.  Every attempt is appended to events.
 * On success it writes output {text, tool_calls, finish_reason, model, provider, usage,
 * cost, timing}; cost uses the routes config's price table and is stored with the raw
 * usage and the per-million prices, so it can be re-priced.  The health state (breaker,
 * latency, spend) is written after every attempt when a state handle is given.
 * API keys: read from the environment variable the config names (api_key_env) at
 * request time; the value is sent only in the Authorization header and never written
 * to envelopes, events, errors or logs.
 *
 * Ownership: art_provider_new returns a handle owned by the caller (art_provider_free).
 * The routes config and health handle in the options are borrowed and must outlive it.
 * A submitted envelope is borrowed (edited in place) until art_provider_next returns it.
 * art_provider_request_body returns a new cJSON tree (caller frees).
 * Threads: one thread drives a handle; only art_provider_wakeup may be called from
 * another.  Units: ms for durations in options, µs for times.
 */
#ifndef ART_PROVIDER_H
#define ART_PROVIDER_H
#include "env.h"
#include "health.h"
#include "route.h"
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Stable error codes this module writes (error.code, and attrs.error on attempts). */
#define ART_PROV_ERR_RATE_LIMITED "rate_limited"       /* HTTP 429 */
#define ART_PROV_ERR_SERVER "provider_error"           /* HTTP 5xx or 408 */
#define ART_PROV_ERR_REJECTED "provider_rejected"      /* other HTTP 4xx */
#define ART_PROV_ERR_NETWORK "network_error"           /* connect/send/receive failed */
#define ART_PROV_ERR_BAD_RESPONSE "bad_response"       /* malformed JSON, SSE or NDJSON */
#define ART_PROV_ERR_TRUNCATED "stream_truncated"      /* stream ended without its end marker */
#define ART_PROV_ERR_NO_KEY "missing_api_key"          /* api_key_env names an unset variable */
#define ART_PROV_ERR_CONFIG "provider_config"          /* no endpoint / unknown model */
#define ART_PROV_ERR_UNSUPPORTED "unsupported_provider" /* route candidate is not remote */

typedef struct {
	const char *stage;            /* stage name for events and errors ("art-infer") */
	int parallel;                 /* most envelopes in flight (>= 1); default 8 */
	int retries;                  /* retries per candidate after its first attempt; default 2 */
	int64_t backoff_base_ms;      /* first backoff; doubles per retry; default 100 */
	int64_t backoff_max_ms;       /* backoff cap (Retry-After may exceed it); default 5000 */
	int64_t timeout_ms;           /* per-attempt cap without (or before) a deadline; default 60000 */
	int64_t connect_timeout_ms;   /* default 5000 */
	int stream;                   /* 1: stream (SSE / NDJSON); default 1 */
	int max_fallbacks;            /* fallbacks to try after the choice; -1 all (default) */
	const art_route_config *routes; /* may be NULL: route.model is sent as is to route.endpoint, no cost */
	art_health *health;           /* may be NULL: no breaker/latency/spend updates */
} art_provider_opts;

void art_provider_opts_defaults(art_provider_opts *o);

typedef struct art_provider art_provider;

/* ART_OK, ART_ENOMEM, or ART_EIO (curl could not start) with words in err. */
int art_provider_new(art_provider **out, const art_provider_opts *o, char *err, size_t errsz);
void art_provider_free(art_provider *p);

/* 1 when env (status ok) has a route whose provider is openai or ollama. */
int art_provider_handles(const cJSON *env);
/* Starts work on env; tag comes back with it.  An envelope it does not handle comes back
 * unchanged.  ART_OK or ART_ENOMEM. */
int art_provider_submit(art_provider *p, cJSON *env, void *tag);
/* Drives transfers and timers, waiting at most wait_ms for something to happen.
 * ART_OK, or ART_EIO when curl fails as a whole. */
int art_provider_poll(art_provider *p, int wait_ms);
/* Pops one finished envelope: 1 with *env and *tag set, 0 when none is finished. */
int art_provider_next(art_provider *p, cJSON **env, void **tag);
/* Envelopes submitted and not yet returned by art_provider_next. */
size_t art_provider_pending(const art_provider *p);
/* Makes a poll in another thread return early.  Thread-safe. */
void art_provider_wakeup(art_provider *p);
/* Most envelopes in flight (opts.parallel). */
int art_provider_parallel(const art_provider *p);
/* Abandons every pending envelope (transfers stopped); none comes back from _next.  The
 * envelopes themselves are not touched: they stay the submitter's. */
void art_provider_cancel(art_provider *p);
/* Runs n envelopes to completion, at most opts.parallel at once, in place.  ART_OK or ART_EIO. */
int art_provider_run(art_provider *p, cJSON **envs, size_t n);

/* The filter loop with remote envelopes in flight (what art-remote runs, and art-infer
 * for mixed local/remote input): a reader thread reads in, envelopes art_provider_handles
 * accepts are submitted (at most opts.parallel waiting for output at once, which keeps
 * input order), every other line is given to other->fn on this thread (when other and
 * other->fn are set; same contract as in art_env_filter_run: status ok only unless
 * all_status), and one line per input line is written in input order.  other->stage
 * names the stage for bad input.  Returns and fills st like art_env_filter_run. */
int art_provider_filter_run(art_provider *p, const art_env_filter *other, FILE *in, FILE *out,
			    art_env_stats *st);

/* An asynchronous participant for the envelopes that are not remote (art-infer's local
 * batcher): envelopes are submitted, stepped and come back finished, like the provider's. */
typedef struct {
	void *ctx;
	int cap; /* most envelopes it holds at once (>= 1) */
	int (*submit)(void *ctx, cJSON *env, uint64_t line, void *tag); /* ART_OK or ART_ENOMEM */
	int (*step)(void *ctx);       /* some work, not blocking long: ART_OK or a fatal error */
	int (*busy)(const void *ctx); /* 1 while step has work */
	int (*next)(void *ctx, cJSON **env, void **tag); /* 1: a finished one; 0: none */
} art_provider_local;

typedef struct {
	const art_env_filter *other;     /* as in art_provider_filter_run (stage; fn when no local) */
	const art_provider_local *local; /* status-ok envelopes that are not remote go here; NULL: other->fn */
	int unordered;                   /* 1: write each envelope as soon as it is finished */
} art_provider_filter_opts;

/* art_provider_filter_run with a local participant: at most opts.parallel remote and
 * local->cap local envelopes in work, at most parallel + 4 * cap lines read ahead
 * waiting for output (input order, unless unordered). */
int art_provider_filter_run_opts(art_provider *p, const art_provider_filter_opts *fo, FILE *in, FILE *out,
				 art_env_stats *st);

/* The provider request body for env (messages, context, tools, params, response_schema).
 * NULL on ENOMEM. */
cJSON *art_provider_request_body(enum art_route_provider kind, const cJSON *env,
				 const char *upstream_model, int stream);

/* Cost of usage {input_tokens, output_tokens, cached_tokens} at m's per-million prices:
 * (uncached input * input + cached * cached + output * output) / 1e6, in m->currency.
 * ART_OK, or ART_EINVAL when usage lacks the counts. */
int art_provider_cost(const art_route_model *m, const cJSON *usage, double *amount);

/* ---- response parsing (exposed for tests) ---- */
enum art_provider_wire {
	ART_PROV_WIRE_JSON = 0, /* one JSON object (OpenAI non-streaming) */
	ART_PROV_WIRE_SSE,      /* OpenAI server-sent events, data: {...} ... data: [DONE] */
	ART_PROV_WIRE_NDJSON,   /* Ollama: one JSON object per line, last has done: true */
};
typedef struct art_provider_parser art_provider_parser;
int art_provider_parser_new(art_provider_parser **out, enum art_provider_wire wire);
void art_provider_parser_free(art_provider_parser *ps);
/* Feeds n bytes at monotonic time now_us (for time to first token).  ART_OK, or
 * ART_EFORMAT with a reason kept for _finish. */
int art_provider_parser_feed(art_provider_parser *ps, const char *data, size_t n, int64_t now_us);
/* Ends the response and writes output fields (text, tool_calls, finish_reason, usage)
 * into out.  ART_OK; ART_EFORMAT (malformed: reason in err); ART_ENOENT when the stream
 * ended before its end marker (what arrived is still written, reason in err).  *ttft_us is the time of the first content (0 if none). */
int art_provider_parser_finish(art_provider_parser *ps, cJSON *out, int64_t *ttft_us,
			       char *err, size_t errsz);
#endif

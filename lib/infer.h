/* infer.h — local generation: model + tokenizer + sampler, and the envelope glue that
 * art-infer runs per input line.
 *
 * Ownership: art_infer_open loads the model file once and owns everything it makes (the
 * model with its mapping, the tokenizer, one context of opts.n_seq slots, one sampler for
 * slot 0); art_infer_close frees it all.  art_infer_generate uses slot 0; the batcher
 * (infer_batch.h) drives the other slots through art_gen_seq.  Not thread-safe.
 * art_gen_result.text is malloc'd and owned by the caller (free).
 *
 * Prompt rendering: the messages go through the chat template the GGUF names in
 * tokenizer.chat_template (or the one opts.chat_template forces).  A model without one
 * (stories260K) gets the plain fallback: the message contents concatenated, encoded with
 * BOS and without parsing special tokens.
 */
#ifndef ART_INFER_H
#define ART_INFER_H
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "chat.h"
#include "model.h"
#include "sample.h"
#include "tokenizer.h"

typedef struct {
	const char *model_path;
	int n_threads;              /* >= 1 */
	int n_ctx;                  /* 0: the model's training context, at most 4096 */
	int n_seq;                  /* sequence slots in the KV cache (0: 1) */
	int n_batch;                /* most tokens per decode (0: the model's default) */
	enum art_kv_type kv_type;
	art_sample_params sample;   /* defaults for envelopes without params */
	int max_tokens;             /* default cap on generated tokens */
	const char *chat_template;  /* family name forcing a template, or NULL */
	FILE *stream;               /* partial-output events (JSON lines), or NULL */
} art_infer_opts;

/* Sets the defaults: 1 thread, n_ctx 0, F16 cache, art_sample_params_default, 256 tokens. */
void art_infer_opts_default(art_infer_opts *o);

typedef struct art_infer art_infer;

int art_infer_open(art_infer **out, const art_infer_opts *o, char *err, size_t errsz);
void art_infer_close(art_infer *inf); /* NULL is fine */
double art_infer_load_ms(const art_infer *inf);
const art_infer_opts *art_infer_opts_of(const art_infer *inf); /* the options it was opened with */
const art_tokenizer *art_infer_tokenizer(const art_infer *inf);
const char *art_infer_model_name(const art_infer *inf); /* general.name or the file's base name */
int art_infer_n_ctx(const art_infer *inf);               /* positions per sequence */
art_model_ctx *art_infer_ctx(art_infer *inf);            /* the context (n_seq slots) */
int art_infer_n_vocab(const art_infer *inf);

enum art_finish {
	ART_FINISH_STOP = 0, /* end-of-generation token or a stop sequence */
	ART_FINISH_LENGTH,   /* max_tokens or the context filled up */
	ART_FINISH_DEADLINE, /* the deadline passed while generating */
};
const char *art_finish_name(enum art_finish f); /* "stop", "length", "deadline" */

typedef struct {
	const char *id;             /* request id for stream events (may be NULL) */
	const int32_t *prompt;      /* token ids to feed (BOS included when wanted) */
	size_t n_prompt;
	int max_tokens;             /* >= 1 */
	art_sample_params sample;
	const char *const *stop;    /* stop sequences (text), or NULL */
	size_t n_stop;
	int64_t deadline_us;        /* absolute (art_clock_now_us), 0: none */
} art_gen_req;

typedef struct {
	char *text;                 /* generated text, valid UTF-8, stop sequence excluded */
	size_t len;
	enum art_finish finish;
	int n_input, n_output;
	double prompt_ms, ttft_ms, total_ms, tokens_per_s;
} art_gen_result;

/* Generates from a prompt.  ART_ERANGE when the prompt does not fit the context,
 * ART_ETIMEOUT when the deadline passed before any work, ART_ENOMEM. */
int art_infer_generate(art_infer *inf, const art_gen_req *req, art_gen_result *res, char *err,
		       size_t errsz);

/* ---- one generation, step by step (what art_infer_generate and the batcher run) ----
 * begin checks the request and primes smp with the prompt; the caller feeds the prompt to
 * some slot, calls prompt_done, then alternates next (on the logits after the last token
 * fed) and feeding *next, until next returns 0 (finished: max_tokens, end of generation,
 * stop sequence, deadline, or n_past reached the context) or an error; end then yields
 * the result (always call end after a successful begin: it frees the text on errors).
 * Stream events go to opts.stream with req->id.  req and smp are borrowed. */
typedef struct {
	char *b;
	size_t n, cap;
} art_gen_sbuf;

typedef struct {
	art_infer *inf;
	art_sampler *smp;
	const art_gen_req *req;
	art_gen_sbuf text;
	size_t streamed;
	int64_t t0, t_prompt, t_first; /* monotonic µs */
	art_gen_result res;
} art_gen_seq;

/* ART_OK, or (nothing to end) ART_EINVAL empty prompt, ART_ERANGE prompt does not fit,
 * ART_ETIMEOUT deadline passed, with words in err. */
int art_gen_seq_begin(art_gen_seq *s, art_infer *inf, art_sampler *smp, const art_gen_req *req, char *err,
		      size_t errsz);
void art_gen_seq_prompt_done(art_gen_seq *s);
/* n_past: positions the sequence's slot holds now.  1: feed *next; 0: finished; < 0 error. */
int art_gen_seq_next(art_gen_seq *s, const float *logits, int n_past, int32_t *next);
/* rc: ART_OK, or the error that stopped the generation.  Fills res (text owned by the
 * caller) or returns an error with words in err. */
int art_gen_seq_end(art_gen_seq *s, int rc, art_gen_result *res, char *err, size_t errsz);

/* Renders a chat into token ids (malloc'd *ids, caller frees). */
int art_infer_render(art_infer *inf, const art_chat_msg *msgs, size_t n, int32_t **ids, size_t *n_ids,
		     char *err, size_t errsz);

/* The per-envelope step: reads messages, params and deadline from ENV, generates and
 * fills env.output (or sets an error on env).  Signature of art_env_fn.  It is
 * art_infer_job_prepare, art_infer_generate and art_infer_job_finish in a row. */
int art_infer_envelope(void *inf, cJSON *env, uint64_t line);

/* One envelope's request.  req.id and req.stop point into the envelope, which must
 * outlive the job; the job owns the prompt ids and the stop array. */
typedef struct {
	art_gen_req req;
	int32_t *ids;
	const char **stops;
	int has_context, context_dropped; /* recalled context given / left out for room */
	int64_t start_us;                 /* wall clock, for the generate event */
} art_infer_job;

/* Reads deadline, messages (with recalled context as a system message first), params
 * and renders the prompt.  ART_OK with *job filled, or an error status with the error
 * (bad_request, deadline_exceeded, render_failed) set on env and nothing to free. */
int art_infer_job_prepare(art_infer *inf, cJSON *env, art_infer_job *job);
/* Frees the job, then writes env.output from res (text freed; usage.cached_tokens when
 * cached_tokens > 0) and the generate event, or, when rc is not ART_OK, the error for rc
 * with message err (deadline_exceeded, context_overflow, generation_failed).  Returns rc,
 * or ART_ENOMEM. */
int art_infer_job_finish(art_infer *inf, cJSON *env, art_infer_job *job, int rc, art_gen_result *res,
			 const char *err, int cached_tokens);
void art_infer_job_free(art_infer_job *job); /* idempotent */
/* The GGUF path env's route names for the local provider (route.endpoint when
 * route.provider is "local"), or NULL.  Points into env. */
const char *art_infer_env_model_path(const cJSON *env);

/* ---- token counting for scripts (art-infer tokenize / detokenize) ----
 * One JSON line in, one out.  tokenize: {"text": S} → {"ids": [...], "n": N};
 * detokenize: {"ids": [...]} → {"text": S, "n": N}.  A bad line gives
 * {"error": MESSAGE} (the line is not echoed).  *out is a malloc'd NUL-terminated line
 * without the newline; ART_ENOMEM is the only failure. */
int art_infer_tokenize_line(const art_tokenizer *t, const char *line, size_t len, int add_bos,
			    int parse_special, char **out);
int art_infer_detokenize_line(const art_tokenizer *t, const char *line, size_t len, char **out);
#endif

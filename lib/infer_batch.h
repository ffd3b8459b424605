/* infer_batch.h — continuous batching of local envelopes, with a prefix cache and a pool
 * of models chosen by each envelope's route.
 *
 * Envelopes are submitted, worked on by steps, and come back finished (in the order they
 * finish, not the order they came).  Each step admits waiting envelopes (oldest first)
 * to free slots of their model and runs one art_model_decode per model with work: the
 * next token of every generating sequence plus chunks of the prompts of newly admitted
 * ones.  A finished sequence frees its slot at once.  Greedy output does not depend on
 * the batch size, the prefix cache or the thread count (decode is bit-identical to
 * feeding each sequence alone).
 *
 * Model: the GGUF route.endpoint names when route.provider is "local" (art-route writes
 * the model's path there, joined to the routes file's directory when relative; a
 * relative endpoint is taken from the working directory), else opts.infer.model_path.  Models open on demand and stay open, at most
 * max_models at once; when the pool is full the least recently used model with no
 * envelope in work is closed; when none is idle, admission waits.  A file that does not
 * open gives that envelope error model_load; no model at all gives no_local_model.
 *
 * Prefix cache: each slot remembers the tokens its KV holds, also after its envelope
 * finished.  A new prompt starts from the slot (working or idle) sharing its longest
 * prefix (at least one prompt token is always fed): an idle one is taken over and cut
 * back, a working one is copied (art_model_seq_copy) into the least recently used idle
 * slot.  An envelope whose prompt shares at least 8 more tokens with a prompt still being
 * fed than with any slot waits (with those behind it) until that prompt is in, so
 * envelopes arriving together with one system prompt evaluate it once.
 * usage.cached_tokens tells the reused prompt tokens.
 *
 * Memory per open model: (batch + prefix_cache) slots × n_ctx positions of KV cache
 * (2 × n_layer × n_ctx × kv_dim × 2 bytes each for F16) plus the same count of token ids.
 *
 * Ownership: the batcher owns the models it opens.  Strings in the options are borrowed
 * and must outlive it.  A submitted envelope is borrowed (edited in place) until
 * art_infer_batch_next returns it.  One thread drives a batcher.
 */
#ifndef ART_INFER_BATCH_H
#define ART_INFER_BATCH_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "infer.h"
#include "provider.h"

typedef struct {
	art_infer_opts infer; /* per-model options; model_path: the default model, or NULL */
	int batch;            /* sequences decoded together per model (>= 1) */
	int prefix_cache;     /* extra slots keeping recent prompts (>= 0); 0: no prefix reuse */
	int max_models;       /* models open at once (>= 1) */
} art_infer_batch_opts;

/* batch 4, prefix_cache 2, max_models 2, art_infer_opts_default. */
void art_infer_batch_opts_default(art_infer_batch_opts *o);

typedef struct art_infer_batch art_infer_batch;

/* Opens the default model when one is given (its errors: status and words in err). */
int art_infer_batch_new(art_infer_batch **out, const art_infer_batch_opts *o, char *err, size_t errsz);
void art_infer_batch_free(art_infer_batch *b); /* NULL is fine; unfinished envelopes stay the submitter's */

/* Queues env (status ok) for generation; line (1-based) names it in messages; tag comes
 * back with it.  ART_OK or ART_ENOMEM. */
int art_infer_batch_submit(art_infer_batch *b, cJSON *env, uint64_t line, void *tag);
/* Admits what it can and decodes one batch per model with work.  ART_OK, or ART_ENOMEM.
 * Envelopes that fail get an error set and come back as finished. */
int art_infer_batch_step(art_infer_batch *b);
/* 1 while a step has work to do (envelopes waiting or generating). */
int art_infer_batch_busy(const art_infer_batch *b);
/* Pops a finished envelope: 1 with *env and *tag set, 0 when none is finished. */
int art_infer_batch_next(art_infer_batch *b, cJSON **env, void **tag);
/* Envelopes submitted and not yet returned by art_infer_batch_next. */
size_t art_infer_batch_pending(const art_infer_batch *b);

/* The batcher as the local participant of art_provider_filter_run_opts (cap: batch). */
art_provider_local art_infer_batch_participant(art_infer_batch *b);

typedef struct {
	uint64_t envelopes;     /* finished, errors included */
	uint64_t prompt_tokens; /* of the prompts generated from */
	uint64_t cached_tokens; /* prompt tokens taken from the prefix cache */
	uint64_t output_tokens;
	uint64_t decodes;       /* art_model_decode calls */
	uint64_t models_opened;
	double decode_s;        /* time inside art_model_decode */
} art_infer_batch_stats;
void art_infer_batch_stats_get(const art_infer_batch *b, art_infer_batch_stats *st);

/* ---- the scheduling rules, exposed for tests ---- */
/* Length of the common prefix of a[0..na) and b[0..nb). */
size_t art_infer_batch_lcp(const int32_t *a, size_t na, const int32_t *b, size_t nb);

typedef struct {
	const int32_t *toks; /* what the slot's KV holds */
	size_t n;
	int busy;            /* a sequence is working in it */
	uint64_t used;       /* last use (larger: more recent) */
} art_infer_slot_view;

/* Chooses the slot for a new prompt of n_prompt tokens among n slots (at least one idle):
 * returns the destination; *src is the slot to reuse *reuse prompt tokens from (-1 and 0
 * when nothing is reused or prefix is 0; == the destination when it is reused in place).
 * *reuse < n_prompt always.  The longest common prefix wins, an idle slot on ties; the
 * destination is that slot when idle, else the least recently used idle slot. */
int art_infer_batch_pick(const art_infer_slot_view *s, int n, const int32_t *prompt, size_t n_prompt, int prefix,
			 int *src, size_t *reuse);
#endif

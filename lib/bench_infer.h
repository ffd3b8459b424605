/* bench_infer.h — timing loops of `art-bench infer`: prefill, single-sequence decode and
 * batched decode (several sequences sharing each weight pass).
 *
 * Ownership: the caller owns the context and token arrays; nothing is retained.  Every
 * loop starts from empty sequences (it truncates the slots it uses), or for pp/tg from
 * slot 0 cut back to the depth tokens, which must then be the same toks each call.
 */
#ifndef ART_BENCH_INFER_H
#define ART_BENCH_INFER_H
#include <stdint.h>

#include "model.h"

typedef struct {
	double mean, best; /* tokens/s over the repetitions */
} art_bench_rate;

/* Prefill: n tokens of slot 0 as batches of the context's n_batch, after depth tokens
 * already in the cache (fed first, not timed; toks holds depth + n).  ART_OK, or the
 * decode's status (e.g. ART_ERANGE when depth + n does not fit). */
int art_bench_pp(art_model_ctx *c, const int32_t *toks, int depth, int n, int reps, art_bench_rate *r);
/* Decode: n tokens fed one at a time into slot 0, after depth tokens as above. */
int art_bench_tg(art_model_ctx *c, const int32_t *toks, int depth, int n, int reps, art_bench_rate *r);
/* Batched decode: slots 0..n_seq-1 each get an n_prompt-token prompt (one batch, not
 * timed), then n_gen steps each decode one token of every slot in one batch.  The rate is
 * aggregate: n_seq * n_gen tokens over the time of the steps.  Needs a context with at
 * least n_seq slots, n_seq * n_prompt batch tokens and n_prompt + n_gen positions. */
int art_bench_tg_batched(art_model_ctx *c, int n_seq, const int32_t *toks, int n_prompt, int n_gen, int reps,
			 art_bench_rate *r);
#endif

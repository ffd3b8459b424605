/* bench_infer.c — the timing loops behind `art-bench infer`. */
#include "bench_infer.h"

#include <stdlib.h>

#include "clock.h"
#include "err.h"

static void add_rate(art_bench_rate *r, double tok_s, int reps)
{
	r->mean += tok_s / reps;
	if (tok_s > r->best) r->best = tok_s;
}

/* Slot 0 holding exactly the first depth tokens (not timed).  Every run feeds the same
 * toks from position 0, so a slot already past depth holds them: cutting it back is
 * enough, and the depth is evaluated once per context rather than once per run. */
static int fill(art_model_ctx *c, const int32_t *toks, int depth)
{
	if (art_model_seq_n_past(c, 0) >= depth) {
		art_model_ctx_truncate(c, depth);
		return ART_OK;
	}
	art_model_ctx_truncate(c, 0);
	return depth > 0 ? art_model_eval(c, toks, depth, NULL) : ART_OK;
}

int art_bench_pp(art_model_ctx *c, const int32_t *toks, int depth, int n, int reps, art_bench_rate *r)
{
	*r = (art_bench_rate){0, 0};
	for (int i = 0; i < reps; i++) {
		int rc = fill(c, toks, depth);
		if (rc) return rc;
		const int64_t t0 = art_clock_mono_us();
		rc = art_model_eval(c, toks + depth, n, NULL);
		if (rc) return rc;
		add_rate(r, n / ((double)(art_clock_mono_us() - t0) / 1e6), reps);
	}
	return ART_OK;
}

int art_bench_tg(art_model_ctx *c, const int32_t *toks, int depth, int n, int reps, art_bench_rate *r)
{
	*r = (art_bench_rate){0, 0};
	for (int i = 0; i < reps; i++) {
		const int rc0 = fill(c, toks, depth);
		if (rc0) return rc0;
		const int64_t t0 = art_clock_mono_us();
		for (int k = 0; k < n; k++) {
			const int rc = art_model_eval(c, toks + depth + k, 1, NULL);
			if (rc) return rc;
		}
		add_rate(r, n / ((double)(art_clock_mono_us() - t0) / 1e6), reps);
	}
	return ART_OK;
}

int art_bench_tg_batched(art_model_ctx *c, int n_seq, const int32_t *toks, int n_prompt, int n_gen, int reps,
			 art_bench_rate *r)
{
	*r = (art_bench_rate){0, 0};
	if (n_seq < 1 || n_prompt < 1 || n_gen < 1) return ART_EINVAL;
	const size_t nb = (size_t)n_seq * (size_t)n_prompt;
	int32_t *bt = malloc(nb * sizeof *bt), *bs = malloc(nb * sizeof *bs);
	int8_t *bl = malloc(nb);
	int rc = bt && bs && bl ? ART_OK : ART_ENOMEM;
	for (int rep = 0; rep < reps && rc == ART_OK; rep++) {
		/* prompts: each slot its own tokens (shifted), last token of each asks for logits */
		size_t k = 0;
		for (int s = 0; s < n_seq; s++) {
			art_model_seq_truncate(c, s, 0);
			for (int i = 0; i < n_prompt; i++, k++) {
				bt[k] = toks[(s + i) % (n_prompt + n_gen)];
				bs[k] = s;
				bl[k] = i == n_prompt - 1;
			}
		}
		art_model_batch b = {.n = (int)nb, .tokens = bt, .seq = bs, .logits = bl};
		if ((rc = art_model_decode(c, &b)) != ART_OK) break;
		const int64_t t0 = art_clock_mono_us();
		for (int g = 0; g < n_gen && rc == ART_OK; g++) {
			for (int s = 0; s < n_seq; s++) {
				bt[s] = toks[(s + n_prompt + g) % (n_prompt + n_gen)];
				bs[s] = s;
				bl[s] = 1;
			}
			art_model_batch step = {.n = n_seq, .tokens = bt, .seq = bs, .logits = bl};
			rc = art_model_decode(c, &step);
		}
		if (rc == ART_OK) add_rate(r, (double)n_seq * n_gen / ((double)(art_clock_mono_us() - t0) / 1e6), reps);
	}
	free(bt);
	free(bs);
	free(bl);
	return rc;
}

/* test_sample.c — sampling: greedy, penalties, top-k/top-p/min-p truncation, the
 * temperature's effect on the distribution, and seed determinism. */
#include <math.h>

#include "err.h"
#include "sample.h"
#include "t.h"

enum { NV = 16 };

/* Histogram of n draws with fresh samplers seeded 0..n-1 or one sampler (reuse). */
static void histogram(const art_sample_params *p, const float *lg, int n, int reuse, int *h)
{
	memset(h, 0, NV * sizeof *h);
	art_sampler *s = NULL;
	art_sampler_new(&s, NV, p);
	for (int i = 0; i < n; i++) {
		if (!reuse) {
			art_sample_params q = *p;
			q.seed = (uint64_t)i;
			art_sampler_reset(s, &q);
		}
		int32_t t = art_sampler_sample(s, lg);
		if (t >= 0 && t < NV) h[t]++;
	}
	art_sampler_free(s);
}

int main(void)
{
	/* logits: token i has logit i/4 except a few crafted ones */
	float lg[NV];
	for (int i = 0; i < NV; i++) lg[i] = (float)i / 4;
	art_sample_params p;
	art_sample_params_default(&p);

	/* greedy */
	p.temp = 0;
	art_sampler *s = NULL;
	T_EQ_INT(art_sampler_new(&s, NV, &p), ART_OK, "sampler_new");
	T_EQ_INT(art_sampler_sample(s, lg), NV - 1, "greedy picks the largest logit");
	float tie[NV] = {0};
	tie[3] = tie[7] = 1;
	T_EQ_INT(art_sampler_sample(s, tie), 3, "greedy tie: lowest id");

	/* repetition penalty: 15 and 14 seen → 13 wins under a strong penalty */
	p.repeat_penalty = 2.0f;
	art_sampler_reset(s, &p);
	art_sampler_accept(s, 15);
	art_sampler_accept(s, 14);
	art_sampler_accept(s, 15);
	T_EQ_INT(art_sampler_sample(s, lg), 13, "repetition penalty demotes seen tokens");
	float neg[NV];
	for (int i = 0; i < NV; i++) neg[i] = -1.0f - (float)i / 100;
	art_sampler_reset(s, &p);
	art_sampler_accept(s, 0);
	T_EQ_INT(art_sampler_sample(s, neg), 1, "penalty on a negative logit multiplies (pushes down)");
	p.repeat_last_n = 1;
	art_sampler_reset(s, &p);
	art_sampler_accept(s, 15);
	art_sampler_accept(s, 3);
	T_EQ_INT(art_sampler_sample(s, lg), 15, "penalty window of 1 forgets older tokens");
	art_sampler_free(s);

	/* truncation: table of (top_k, top_p, min_p) → the set of tokens that may appear */
	struct { int top_k; float top_p, min_p; int lo; const char *what; } cases[] = {
		{1, 1.0f, 0.0f, 15, "top_k 1 is greedy"},
		{3, 1.0f, 0.0f, 13, "top_k 3 keeps 13..15"},
		{0, 0.30f, 0.0f, 14, "top_p 0.30 keeps the two best (p15≈.18, p14≈.14)"},
		{0, 1.0f, 0.70f, 14, "min_p 0.70 keeps p >= 0.7*pmax (15, 14; 13 is 0.61)"},
		{0, 1.0f, 0.0f, 0, "no truncation: every token possible"},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		art_sample_params q;
		art_sample_params_default(&q);
		q.temp = 1.0f;
		q.top_k = cases[c].top_k;
		q.top_p = cases[c].top_p;
		q.min_p = cases[c].min_p;
		int h[NV];
		histogram(&q, lg, 4000, 0, h);
		int outside = 0, inside_seen = 0;
		for (int i = 0; i < NV; i++) {
			if (i < cases[c].lo) outside += h[i];
			else inside_seen += h[i] > 0;
		}
		T_OK(outside == 0 && inside_seen == NV - cases[c].lo, "%s (outside %d, seen %d)", cases[c].what, outside,
		     inside_seen);
	}

	/* temperature: frequencies follow softmax(l/T); low T sharpens */
	{
		art_sample_params q;
		art_sample_params_default(&q);
		q.top_k = 0, q.top_p = 1, q.min_p = 0, q.temp = 1.0f;
		int h[NV];
		const int N = 20000;
		histogram(&q, lg, N, 1, h);
		double z = 0, worst = 0;
		for (int i = 0; i < NV; i++) z += exp(lg[i]);
		for (int i = 0; i < NV; i++) {
			double want = exp(lg[i]) / z, got = (double)h[i] / N, sd = sqrt(want * (1 - want) / N);
			if (fabs(got - want) / sd > worst) worst = fabs(got - want) / sd;
		}
		T_OK(worst < 5, "T=1 frequencies match softmax (worst %.2f sigma)", worst);
		q.temp = 0.1f;
		histogram(&q, lg, 2000, 1, h);
		T_OK(h[15] > 1700, "T=0.1 concentrates on the best token (%d/2000)", h[15]);
	}

	/* determinism: same seed → same sequence; different seeds differ */
	{
		art_sample_params q;
		art_sample_params_default(&q);
		q.temp = 1.5f, q.top_k = 0, q.top_p = 1, q.min_p = 0, q.seed = 42;
		art_sampler *a = NULL, *b = NULL;
		art_sampler_new(&a, NV, &q);
		art_sampler_new(&b, NV, &q);
		int same = 1, differ = 0;
		for (int i = 0; i < 200; i++) same &= art_sampler_sample(a, lg) == art_sampler_sample(b, lg);
		T_OK(same, "same seed: identical 200-token sequences");
		q.seed = 43;
		art_sampler_reset(b, &q);
		art_sample_params q42 = q;
		q42.seed = 42;
		art_sampler_reset(a, &q42);
		for (int i = 0; i < 200; i++) differ += art_sampler_sample(a, lg) != art_sampler_sample(b, lg);
		T_OK(differ > 50, "different seeds: sequences differ (%d/200)", differ);
		art_sampler_free(a);
		art_sampler_free(b);
	}

	/* hostile logits: NaN and -inf never chosen; all -inf does not crash */
	{
		float bad[NV];
		for (int i = 0; i < NV; i++) bad[i] = -INFINITY;
		bad[5] = 1.0f;
		bad[6] = NAN;
		art_sample_params q;
		art_sample_params_default(&q);
		q.temp = 1.0f;
		art_sampler *x = NULL;
		art_sampler_new(&x, NV, &q);
		int ok = 1;
		for (int i = 0; i < 100; i++) ok &= art_sampler_sample(x, bad) == 5;
		T_OK(ok, "NaN and -inf logits are never sampled");
		for (int i = 0; i < NV; i++) bad[i] = -INFINITY;
		int32_t t = art_sampler_sample(x, bad);
		T_OK(t >= 0 && t < NV, "all -inf: a valid id, no crash");
		art_sampler_free(x);
	}
	art_rng r1, r2;
	art_rng_seed(&r1, 7);
	art_rng_seed(&r2, 7);
	T_OK(art_rng_next(&r1) == art_rng_next(&r2) && art_rng_uniform(&r1) < 1.0, "rng reproducible, uniform < 1");
	return T_DONE();
}

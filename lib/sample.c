/* sample.c — token sampling; see sample.h for the order of the steps. */
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

typedef struct {
	int32_t id;
	float logit;
	float p;
} cand;

struct art_sampler {
	int n_vocab;
	art_sample_params p;
	art_rng rng;
	cand *c;       /* (n_vocab) scratch */
	int32_t *hist; /* ring of the last repeat_last_n accepted tokens */
	int n_hist, hist_pos, hist_cap;
	float *pen;    /* (n_vocab) scratch: penalised logits */
};

void art_sample_params_default(art_sample_params *p)
{
	p->temp = 0.8f;
	p->top_k = 40;
	p->top_p = 0.95f;
	p->min_p = 0.05f;
	p->repeat_penalty = 1.0f;
	p->repeat_last_n = 64;
	p->seed = 0;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void art_rng_seed(art_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t art_rng_next(art_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double art_rng_uniform(art_rng *r) { return (double)(art_rng_next(r) >> 11) * 0x1.0p-53; }

int art_sampler_new(art_sampler **out, int n_vocab, const art_sample_params *p)
{
	*out = NULL;
	if (n_vocab <= 0) return ART_EINVAL;
	art_sampler *s = calloc(1, sizeof *s);
	if (!s) return ART_ENOMEM;
	s->n_vocab = n_vocab;
	s->c = malloc((size_t)n_vocab * sizeof *s->c);
	s->pen = malloc((size_t)n_vocab * sizeof *s->pen);
	s->hist_cap = 4096;
	s->hist = malloc((size_t)s->hist_cap * sizeof *s->hist);
	if (!s->c || !s->pen || !s->hist) {
		art_sampler_free(s);
		return ART_ENOMEM;
	}
	art_sampler_reset(s, p);
	*out = s;
	return ART_OK;
}

void art_sampler_free(art_sampler *s)
{
	if (!s) return;
	free(s->c);
	free(s->pen);
	free(s->hist);
	free(s);
}

void art_sampler_reset(art_sampler *s, const art_sample_params *p)
{
	s->p = *p;
	if (s->p.repeat_last_n < 0) s->p.repeat_last_n = 0;
	if (s->p.repeat_last_n > s->hist_cap) s->p.repeat_last_n = s->hist_cap;
	s->n_hist = s->hist_pos = 0;
	art_rng_seed(&s->rng, p->seed);
}

void art_sampler_accept(art_sampler *s, int32_t tok)
{
	if (s->p.repeat_last_n == 0) return;
	s->hist[s->hist_pos] = tok;
	s->hist_pos = (s->hist_pos + 1) % s->p.repeat_last_n;
	if (s->n_hist < s->p.repeat_last_n) s->n_hist++;
}

/* descending logit, then ascending id: a total order, so sorting is deterministic */
static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* p_i = softmax(logit_i / t) over c[0..n), which is sorted descending. */
static void softmax_c(cand *c, int n, float t)
{
	double sum = 0;
	for (int i = 0; i < n; i++) {
		c[i].p = expf((c[i].logit - c[0].logit) / t);
		sum += c[i].p;
	}
	for (int i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);
}

int32_t art_sampler_sample(art_sampler *s, const float *logits)
{
	const int nv = s->n_vocab;
	const art_sample_params *p = &s->p;
	const float *lg = logits;
	if (p->repeat_penalty != 1.0f && s->n_hist > 0 && p->repeat_penalty > 0) {
		memcpy(s->pen, logits, (size_t)nv * sizeof *s->pen);
		/* each distinct id once: mark by sign-free pass over the window */
		for (int i = 0; i < s->n_hist; i++) {
			int32_t t = s->hist[i];
			if (t < 0 || t >= nv) continue;
			int seen = 0;
			for (int j = 0; j < i; j++) seen |= s->hist[j] == t;
			if (seen) continue;
			s->pen[t] = s->pen[t] > 0 ? s->pen[t] / p->repeat_penalty : s->pen[t] * p->repeat_penalty;
		}
		lg = s->pen;
	}
	if (!(p->temp > 0)) {
		int32_t best = 0;
		for (int i = 1; i < nv; i++)
			if (lg[i] > lg[best]) best = i;
		return best;
	}
	cand *c = s->c;
	int n = 0;
	for (int i = 0; i < nv; i++)
		if (!isnan(lg[i]) && lg[i] > -INFINITY) c[n++] = (cand){i, lg[i], 0};
	if (n == 0) return 0;
	qsort(c, (size_t)n, sizeof *c, cmp_cand);
	if (p->top_k > 0 && p->top_k < n) n = p->top_k;
	if (p->top_p < 1.0f || p->min_p > 0.0f) {
		softmax_c(c, n, 1.0f);
		if (p->top_p < 1.0f) {
			double cum = 0;
			int keep = n;
			for (int i = 0; i < n; i++) {
				cum += c[i].p;
				if (cum >= p->top_p) {
					keep = i + 1;
					break;
				}
			}
			n = keep;
		}
		if (p->min_p > 0.0f) {
			const float lim = c[0].p * p->min_p;
			int keep = 1;
			while (keep < n && c[keep].p >= lim) keep++;
			n = keep;
		}
	}
	softmax_c(c, n, p->temp);
	double u = art_rng_uniform(&s->rng), cum = 0;
	for (int i = 0; i < n; i++) {
		cum += c[i].p;
		if (u < cum) return c[i].id;
	}
	return c[n - 1].id;
}

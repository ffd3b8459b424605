/* sample.h — choosing the next token from logits: greedy, temperature, top-k, top-p,
 * min-p, repetition penalty, seeded PRNG.
 *
 * Ownership: art_sampler_new allocates the sampler with its scratch (n_vocab entries)
 * and history; art_sampler_free releases it.  Sampling never allocates and is
 * single-threaded, so the same seed, parameters and logits give the same token on every
 * run whatever the model's thread count.
 *
 * Order (as llama.cpp's default chain): repetition penalty over the last repeat_last_n
 * accepted tokens → top-k → top-p → min-p (both on probabilities at temperature 1) →
 * temperature → draw.  temp <= 0 is greedy (argmax, lowest id on ties) after the penalty.
 */
#ifndef ART_SAMPLE_H
#define ART_SAMPLE_H
#include <stdint.h>

typedef struct {
	float temp;           /* 0: greedy */
	int top_k;            /* 0: off */
	float top_p;          /* 1: off */
	float min_p;          /* 0: off */
	float repeat_penalty; /* 1: off; > 1 discourages repeats */
	int repeat_last_n;    /* window of accepted tokens the penalty looks at */
	uint64_t seed;
} art_sample_params;

/* temp 0.8, top_k 40, top_p 0.95, min_p 0.05, repeat_penalty 1, repeat_last_n 64, seed 0 */
void art_sample_params_default(art_sample_params *p);

/* xoshiro256** seeded through splitmix64. */
typedef struct { uint64_t s[4]; } art_rng;
void art_rng_seed(art_rng *r, uint64_t seed);
uint64_t art_rng_next(art_rng *r);
double art_rng_uniform(art_rng *r); /* [0, 1) with 53 random bits */

typedef struct art_sampler art_sampler;
int art_sampler_new(art_sampler **out, int n_vocab, const art_sample_params *p);
void art_sampler_free(art_sampler *s); /* NULL is fine */
/* New sequence: clears the history and reseeds. */
void art_sampler_reset(art_sampler *s, const art_sample_params *p);
/* Records a token (prompt or generated) for the repetition penalty. */
void art_sampler_accept(art_sampler *s, int32_t tok);
/* Picks a token from n_vocab logits (not modified). */
int32_t art_sampler_sample(art_sampler *s, const float *logits);
#endif

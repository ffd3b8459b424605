/* test_model_batch.c — the batched forward pass gives, bit for bit, what feeding each
 * sequence alone one token at a time gives:
 *   1. a prompt evaluated as one batch (prefill), then decoded token by token;
 *   2. four sequences decoded together (continuous batching: they start at different
 *      steps, the first step mixes whole prompts of several sequences), with 1, 2 and 3
 *      threads;
 *   3. a shared prefix computed once and copied into another slot (prefix cache);
 *   4. the F32 KV cache as well as F16;
 *   5. errors: bad batch sizes, slots, tokens, overflow, too many logits rows — and
 *      nothing is fed when a batch is refused.
 * Sequences are the reference token sequences of ../shared/models/expected. */
#include <cJSON.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "t.h"
#include "t_simd.h"

#define NSEQ 4
#define MAXLEN 40

typedef struct {
	int32_t tok[MAXLEN];
	int n, n_prompt;
} seqdef;

static int load_seqs(const char *name, seqdef *s)
{
	char rel[256];
	snprintf(rel, sizeof rel, "models/expected/%s.greedy.jsonl", name);
	FILE *f = fopen(t_shared(rel), "r");
	if (!f) return 0;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (n < NSEQ && getline(&line, &cap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		if (!j) continue;
		seqdef *d = &s[n++];
		d->n = 0;
		cJSON *p = cJSON_GetObjectItem(j, "prompt_ids"), *ids = cJSON_GetObjectItem(j, "ids"), *e;
		cJSON_ArrayForEach(e, p) if (d->n < MAXLEN) d->tok[d->n++] = (int32_t)e->valuedouble;
		d->n_prompt = d->n;
		cJSON_ArrayForEach(e, ids) if (d->n < MAXLEN) d->tok[d->n++] = (int32_t)e->valuedouble;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return n;
}

/* ref[s][p]: logits after token p of sequence s, fed alone one token at a time. */
static float *reference(art_model *m, const seqdef *s, int ns, int nv, enum art_kv_type kv)
{
	char err[256];
	float *ref = calloc((size_t)ns * MAXLEN * nv, sizeof(float));
	art_model_ctx_params p = {.n_ctx = 64, .n_seq = 1, .n_batch = 1, .n_threads = 1, .kv_type = kv};
	art_model_ctx *c = NULL;
	if (art_model_ctx_open(&c, m, &p, err, sizeof err) != ART_OK) return ref;
	for (int q = 0; q < ns; q++) {
		art_model_seq_truncate(c, 0, 0);
		for (int i = 0; i < s[q].n; i++) {
			const float *lg;
			art_model_eval(c, &s[q].tok[i], 1, &lg);
			memcpy(ref + ((size_t)q * MAXLEN + i) * nv, lg, (size_t)nv * sizeof(float));
		}
	}
	art_model_ctx_free(c);
	return ref;
}

static int same(const float *a, const float *ref, int q, int i, int nv)
{
	return a && memcmp(a, ref + ((size_t)q * MAXLEN + i) * nv, (size_t)nv * sizeof(float)) == 0;
}

static void check_prefill(art_model *m, const char *name, const seqdef *s, int ns, const float *ref, int nv)
{
	char err[256];
	art_model_ctx *c = NULL;
	art_model_ctx_params p = {.n_ctx = 64, .n_batch = 16, .n_threads = 2};
	art_model_ctx_open(&c, m, &p, err, sizeof err);
	int ok = c != NULL, steps = 0;
	for (int q = 0; q < ns && ok; q++) {
		art_model_seq_truncate(c, 0, 0);
		const float *lg = NULL;
		/* prompts longer than n_batch (16) are split into several batches */
		ok &= art_model_eval(c, s[q].tok, s[q].n_prompt, &lg) == ART_OK && same(lg, ref, q, s[q].n_prompt - 1, nv);
		for (int i = s[q].n_prompt; i < s[q].n && ok; i++, steps++)
			ok &= art_model_eval(c, &s[q].tok[i], 1, &lg) == ART_OK && same(lg, ref, q, i, nv);
	}
	T_OK(ok, "%s: prompt as one batch, then %d decode steps: logits bit-identical to token by token", name, steps);
	art_model_ctx_free(c);
}

/* The four sequences decoded together: sequence q joins at step q with its whole prompt
 * in that step's batch; afterwards one token per active sequence per step. */
static int run_together(art_model *m, const seqdef *s, int ns, const float *ref, int nv, int threads,
			enum art_kv_type kv, int *n_checked)
{
	char err[256];
	art_model_ctx *c = NULL;
	art_model_ctx_params p = {.n_ctx = 64, .n_seq = NSEQ, .n_batch = 4 * MAXLEN, .n_threads = threads,
				  .kv_type = kv};
	if (art_model_ctx_open(&c, m, &p, err, sizeof err) != ART_OK) return 0;
	int fed[NSEQ] = {0}, ok = 1;
	*n_checked = 0;
	for (int step = 0; ok; step++) {
		int32_t tok[4 * MAXLEN], sq[4 * MAXLEN];
		int8_t want[4 * MAXLEN];
		int who[4 * MAXLEN], at[4 * MAXLEN], n = 0;
		for (int q = 0; q < ns; q++) {
			if (step < q || fed[q] >= s[q].n) continue;
			const int k = fed[q] == 0 ? s[q].n_prompt : 1;
			for (int i = 0; i < k; i++) {
				tok[n] = s[q].tok[fed[q] + i];
				sq[n] = q;
				want[n] = i == k - 1;
				who[n] = q;
				at[n] = fed[q] + i;
				n++;
			}
			fed[q] += k;
		}
		if (n == 0) break;
		art_model_batch b = {.n = n, .tokens = tok, .seq = sq, .logits = want};
		ok &= art_model_decode(c, &b) == ART_OK;
		for (int i = 0; i < n && ok; i++) {
			if (!want[i]) {
				ok &= art_model_logits(c, i) == NULL;
				continue;
			}
			ok &= same(art_model_logits(c, i), ref, who[i], at[i], nv);
			++*n_checked;
		}
	}
	for (int q = 0; q < ns; q++) ok &= art_model_seq_n_past(c, q) == s[q].n;
	art_model_ctx_free(c);
	return ok;
}

static void check_prefix_copy(art_model *m, const char *name, const seqdef *s, const float *ref, int nv)
{
	char err[256];
	art_model_ctx *c = NULL;
	art_model_ctx_params p = {.n_ctx = 64, .n_seq = 3, .n_batch = 64, .n_threads = 2};
	art_model_ctx_open(&c, m, &p, err, sizeof err);
	if (!c) return;
	const int k = s[0].n_prompt > 2 ? s[0].n_prompt - 1 : 1; /* the shared prefix */
	art_model_batch b = {.n = k, .tokens = s[0].tok, .seq = NULL};
	int ok = art_model_decode(c, &b) == ART_OK;
	/* slot 1 and 2 start from slot 0's prefix; slot 2 then drops a position and redoes it */
	ok &= art_model_seq_copy(c, 1, 0, k) == ART_OK && art_model_seq_copy(c, 2, 0, k) == ART_OK;
	art_model_seq_truncate(c, 2, k - 1);
	int32_t sq1[MAXLEN], sq2[MAXLEN];
	for (int i = 0; i < MAXLEN; i++) sq1[i] = 1, sq2[i] = 2;
	art_model_batch b1 = {.n = s[0].n - k, .tokens = s[0].tok + k, .seq = sq1};
	ok &= art_model_decode(c, &b1) == ART_OK && same(art_model_logits(c, b1.n - 1), ref, 0, s[0].n - 1, nv);
	art_model_batch b2 = {.n = 2, .tokens = s[0].tok + k - 1, .seq = sq2};
	ok &= art_model_decode(c, &b2) == ART_OK && same(art_model_logits(c, 1), ref, 0, k, nv);
	T_OK(ok, "%s: a %d-token prefix copied into two slots (one truncated and refed) continues bit-identically", name,
	     k);
	T_EQ_INT(art_model_seq_copy(c, 1, 0, k + 1), ART_ERANGE, "%s: copying more positions than the source holds", name);
	T_EQ_INT(art_model_seq_copy(c, 3, 0, 1), ART_ERANGE, "%s: copying into a slot that does not exist", name);
	art_model_ctx_free(c);
}

static void check_errors(art_model *m, const char *name, int nv)
{
	char err[256];
	art_model_ctx *c = NULL;
	art_model_ctx_params p = {.n_ctx = 8, .n_seq = 2, .n_batch = 4, .n_threads = 1};
	T_EQ_INT(art_model_ctx_open(&c, m, &p, err, sizeof err), ART_OK, "%s: context of 2 x 8 positions", name);
	if (!c) return;
	int32_t t[8] = {1, 2, 3, 4, 5, 6, 7, 8}, s2[4] = {0, 1, 2, 0}, s01[4] = {0, 1, 0, 1}, bad = nv;
	int8_t all[4] = {1, 1, 1, 0};
	art_model_batch b = {.n = 0, .tokens = t};
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: empty batch", name);
	b.n = 5;
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: 5 tokens into a batch of 4", name);
	b = (art_model_batch){.n = 4, .tokens = t, .seq = s2};
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: slot 2 of 2", name);
	b = (art_model_batch){.n = 1, .tokens = &bad};
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: token id = n_vocab", name);
	b = (art_model_batch){.n = 4, .tokens = t, .seq = s01, .logits = all};
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: 3 logits rows with 2 slots", name);
	T_OK(art_model_seq_n_past(c, 0) == 0 && art_model_seq_n_past(c, 1) == 0, "%s: refused batches feed nothing",
	     name);
	b = (art_model_batch){.n = 4, .tokens = t};
	T_EQ_INT(art_model_decode(c, &b), ART_OK, "%s: 4 tokens", name);
	T_EQ_INT(art_model_decode(c, &b), ART_OK, "%s: 4 more: slot 0 full", name);
	b.n = 1;
	T_EQ_INT(art_model_decode(c, &b), ART_ERANGE, "%s: a 9th position overflows", name);
	T_EQ_INT(art_model_eval(c, t, 1, NULL), ART_ERANGE, "%s: art_model_eval on a full slot", name);
	b = (art_model_batch){.n = 1, .tokens = t, .seq = s01 + 1};
	T_EQ_INT(art_model_decode(c, &b), ART_OK, "%s: slot 1 still has room", name);
	T_OK(art_model_ctx_bytes(c) > 0, "%s: context holds %zu bytes", name, art_model_ctx_bytes(c));
	art_model_ctx_free(c);
}

static void check_model(const char *name, enum art_kv_type kv)
{
	char rel[256], err[512];
	snprintf(rel, sizeof rel, "models/%s.gguf", name);
	art_model *m = NULL;
	if (art_model_open(&m, t_shared(rel), err, sizeof err) != ART_OK) {
		T_OK(0, "open %s: %s", name, err);
		return;
	}
	const int nv = art_model_hparams_get(m)->n_vocab;
	seqdef s[NSEQ];
	const int ns = load_seqs(name, s);
	T_EQ_INT(ns, NSEQ, "%s: %d reference sequences", name, NSEQ);
	float *ref = reference(m, s, ns, nv, kv);
	const char *kvn = kv == ART_KV_F16 ? "F16 cache" : "F32 cache";
	if (kv == ART_KV_F16) {
		check_prefill(m, name, s, ns, ref, nv);
		check_prefix_copy(m, name, s, ref, nv);
		check_errors(m, name, nv);
	}
	for (int nt = 1; nt <= 3; nt++) {
		int checked = 0;
		const int ok = run_together(m, s, ns, ref, nv, nt, kv, &checked);
		T_OK(ok && checked > ns, "%s (%s): %d sequences decoded together, %d threads: %d logits rows bit-identical",
		     name, kvn, ns, nt, checked);
	}
	free(ref);
	art_model_close(m);
}

int main(void)
{
	if (!t_simd_path_ok()) return T_DONE();
	check_model("stories260K-f32", ART_KV_F16);
	check_model("stories260K-f32", ART_KV_F32);
	check_model("stories260K-ffn192-q8_0", ART_KV_F16);
	check_model("synth256-q4_k_m", ART_KV_F16);
	check_model("synth256-f16", ART_KV_F16);
	check_model("synth256-q5_k_m", ART_KV_F16);
	return T_DONE();
}

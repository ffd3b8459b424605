/* test_model.c — forward pass against llama.cpp's reference outputs.
 *
 *  1. stories260K-*: greedy continuation of every prompt (prompt_ids from the file) is
 *     token-identical to the reference for all its tokens, with 1, 2 and 3 threads.  The
 *     issue's set (F32, F16, BF16, ffn192 F32 and Q8_0) must match strictly; the extra
 *     ffn192 Q4_0 file may differ at a near-tie (see NEAR_TIE).
 *  Run once per SIMD path by tests/run (ART_SIMD=scalar|avx2|avx512).
 *  2. synth256-*: teacher-forced over prompt_ids then ids; at every position the
 *     reference top-1 is our top-1 (or within 1e-3 of our top-1's logit), and our
 *     logits for the reference top-5 are within the per-type tolerance below.
 *     The worst deviation per type is printed.
 *  3. Error paths: unknown architecture, missing tensor, cache overflow, bad token. */
#include <cJSON.h>
#include <math.h>

#include "err.h"
#include "model.h"
#include "t_simd.h"
#include "t.h"

typedef struct {
	int32_t *prompt, *ids;
	int n_prompt, n_ids;
	float (*top5)[5][2]; /* (n_ids, 5, {id, logit}) */
	int n_top5;
} ref_line;

static int32_t *int_array(cJSON *a, int *n)
{
	*n = cJSON_GetArraySize(a);
	int32_t *v = malloc(((size_t)*n + 1) * sizeof *v);
	for (int i = 0; i < *n; i++) v[i] = (int32_t)cJSON_GetArrayItem(a, i)->valuedouble;
	return v;
}

static int read_ref(const char *rel, ref_line *out, int max)
{
	FILE *f = fopen(t_shared(rel), "r");
	if (!f) return -1;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	while (n < max && getline(&line, &cap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		if (!j) continue;
		ref_line *r = &out[n++];
		r->prompt = int_array(cJSON_GetObjectItem(j, "prompt_ids"), &r->n_prompt);
		r->ids = int_array(cJSON_GetObjectItem(j, "ids"), &r->n_ids);
		cJSON *t5 = cJSON_GetObjectItem(j, "top5");
		r->n_top5 = cJSON_GetArraySize(t5);
		r->top5 = calloc((size_t)r->n_top5 + 1, sizeof *r->top5);
		for (int s = 0; s < r->n_top5; s++) {
			cJSON *step = cJSON_GetArrayItem(t5, s);
			for (int k = 0; k < 5 && k < cJSON_GetArraySize(step); k++) {
				cJSON *pair = cJSON_GetArrayItem(step, k);
				r->top5[s][k][0] = (float)cJSON_GetArrayItem(pair, 0)->valuedouble;
				r->top5[s][k][1] = (float)cJSON_GetArrayItem(pair, 1)->valuedouble;
			}
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return n;
}

static void free_ref(ref_line *r, int n)
{
	for (int i = 0; i < n; i++) free(r[i].prompt), free(r[i].ids), free(r[i].top5);
}

static int argmax(const float *x, int n)
{
	int b = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[b]) b = i;
	return b;
}

/* |logit(ours) - logit(reference)| below which a greedy mismatch counts as a near-tie */
#define NEAR_TIE 0.01f
static int worst_ties;

static void test_greedy(const char *name, int n_threads, int max_prompts, int ties_ok)
{
	char rel[256], err[512];
	snprintf(rel, sizeof rel, "models/%s.gguf", name);
	art_model *m = NULL;
	int rc = art_model_open(&m, t_shared(rel), err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open %s (%s)", name, rc ? err : "ok");
	if (rc) return;
	const int nv = art_model_hparams_get(m)->n_vocab;
	art_model_ctx *c = NULL;
	rc = art_model_ctx_new(&c, m, 0, n_threads, ART_KV_F16, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "context for %s", name);
	ref_line ref[16];
	snprintf(rel, sizeof rel, "models/expected/%s.greedy.jsonl", name);
	int nref = read_ref(rel, ref, 16);
	T_OK(nref > 0, "%s: %d reference prompts", name, nref);
	const int n_run = nref < max_prompts ? nref : max_prompts;
	for (int p = 0; p < n_run && c; p++) {
		ref_line *r = &ref[p];
		art_model_ctx_truncate(c, 0);
		const float *lg;
		rc = art_model_eval(c, r->prompt, r->n_prompt, &lg);
		/* Greedy: our argmax must be the reference token at every step.  The one
		 * exception is a near-tie (the reference token's logit within NEAR_TIE of our
		 * best, where the last bits of float summation decide): it is reported, and the
		 * reference token is fed so the rest of the sequence is still checked. */
		int same = 0, ties = 0, bad = 0;
		for (int i = 0; i < r->n_ids && rc == ART_OK; i++) {
			int32_t t = argmax(lg, nv), want = r->ids[i];
			if (t == want) same++;
			else if (ties_ok && lg[t] - lg[want] <= NEAR_TIE) {
				ties++;
				T_DIAG("  %s prompt %d step %d: near-tie, ours %d (%.5f) vs reference %d (%.5f)", name, p, i,
				       t, lg[t], want, lg[want]);
			} else {
				bad++;
				T_DIAG("  %s prompt %d step %d: got %d (%.5f), want %d (%.5f)", name, p, i, t, lg[t], want,
				       lg[want]);
				break;
			}
			rc = art_model_eval(c, &want, 1, &lg);
		}
		T_OK(rc == ART_OK && bad == 0 && same + ties == r->n_ids,
		     "%s greedy prompt %d (%d threads): %d/%d tokens identical%s", name, p, n_threads, same, r->n_ids,
		     ties ? " (rest near-ties)" : "");
		worst_ties += ties;
	}
	free_ref(ref, nref);
	art_model_ctx_free(c);
	art_model_close(m);
}

/* Tolerance: bound on |our logit - reference logit| over the reference top-5 (see main). */
static void test_teacher(const char *name, double tol)
{
	char rel[256], err[512];
	snprintf(rel, sizeof rel, "models/synth256-%s.gguf", name);
	art_model *m = NULL;
	int rc = art_model_open(&m, t_shared(rel), err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open synth256-%s (%s)", name, rc ? err : "ok");
	if (rc) return;
	const int nv = art_model_hparams_get(m)->n_vocab;
	art_model_ctx *c = NULL;
	art_model_ctx_new(&c, m, 0, 1, ART_KV_F16, err, sizeof err);
	ref_line ref[16];
	snprintf(rel, sizeof rel, "models/expected/synth256-%s.greedy.jsonl", name);
	int nref = read_ref(rel, ref, 16);
	T_OK(nref > 0, "synth256-%s: %d reference sequences", name, nref);
	double worst = 0, worst_top1 = 0;
	int positions = 0, top1_bad = 0, over = 0;
	for (int p = 0; p < nref && c; p++) {
		ref_line *r = &ref[p];
		art_model_ctx_truncate(c, 0);
		const float *lg;
		rc = art_model_eval(c, r->prompt, r->n_prompt, &lg);
		for (int i = 0; i < r->n_top5 && rc == ART_OK; i++) {
			positions++;
			int ours = argmax(lg, nv), want = (int)r->top5[i][0][0];
			if (ours != want) {
				double gap = fabs(lg[ours] - lg[want]);
				if (gap > worst_top1) worst_top1 = gap;
				if (gap > 1e-3) top1_bad++;
			}
			for (int k = 0; k < 5; k++) {
				int id = (int)r->top5[i][k][0];
				if (id < 0 || id >= nv) continue;
				double d = fabs(lg[id] - r->top5[i][k][1]);
				if (d > worst) worst = d;
				if (d > tol) over++;
			}
			if (i < r->n_ids) rc = art_model_eval(c, &r->ids[i], 1, &lg);
		}
	}
	T_DIAG("synth256-%-7s worst top-5 logit deviation %.6f (tolerance %.4f), worst top-1 gap %.6f, %d positions",
	       name, worst, tol, worst_top1, positions);
	T_OK(rc == ART_OK && top1_bad == 0, "synth256-%s: reference top-1 is ours at all %d positions", name, positions);
	T_OK(rc == ART_OK && over == 0, "synth256-%s: top-5 logits within %.4f (worst %.6f)", name, tol, worst);
	free_ref(ref, nref);
	art_model_ctx_free(c);
	art_model_close(m);
}

static void test_errors(void)
{
	char err[512];
	art_model *m = NULL;
	int rc = art_model_open(&m, t_shared("tokenizers/ggml-vocab-gpt-2.gguf"), err, sizeof err);
	T_OK(rc != ART_OK && m == NULL && strstr(err, "gpt2"), "vocab-only gpt2 file: unsupported architecture named (%s)", err);
	rc = art_model_open(&m, t_shared("tokenizers/ggml-vocab-llama-spm.gguf"), err, sizeof err);
	T_OK(rc != ART_OK && strstr(err, "missing"), "vocab-only llama file: names what is missing (%s)", err);
	rc = art_model_open(&m, t_shared("models/stories260K-f32.gguf"), err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open stories260K-f32");
	if (rc) return;
	const art_model_hparams *hp = art_model_hparams_get(m);
	T_OK(hp->n_embd == 64 && hp->n_layer == 5 && hp->n_head == 8 && hp->n_head_kv == 4 && hp->n_vocab == 512 &&
		     hp->n_ff == 172 && hp->bos == 1 && hp->eos == 2 && !hp->tied_output,
	     "stories260K hyperparameters");
	art_model_ctx *c = NULL;
	art_model_ctx_new(&c, m, 8, 1, ART_KV_F32, err, sizeof err);
	int32_t toks[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, bad = 512;
	T_EQ_INT(art_model_eval(c, toks, 9, NULL), ART_ERANGE, "9 tokens into an 8-position cache: ERANGE");
	T_EQ_INT(art_model_eval(c, &bad, 1, NULL), ART_ERANGE, "token id = n_vocab: ERANGE");
	T_EQ_INT(art_model_eval(c, toks, 8, NULL), ART_OK, "8 tokens fit");
	T_EQ_INT(art_model_ctx_n_past(c), 8, "n_past 8");
	art_model_ctx_free(c);
	/* the same logits, bit for bit, with 1, 2 and 3 threads */
	const float *lg;
	float ref1[512];
	int same = 1;
	for (int nt = 1; nt <= 3; nt++) {
		art_model_ctx_new(&c, m, 64, nt, ART_KV_F16, err, sizeof err);
		art_model_eval(c, toks, 8, &lg);
		if (nt == 1) memcpy(ref1, lg, sizeof ref1);
		else same &= memcmp(ref1, lg, sizeof ref1) == 0;
		art_model_ctx_free(c);
	}
	T_OK(same, "logits identical with 1, 2 and 3 threads");
	art_model_close(m);
}

int main(void)
{
	test_errors();
	if (!t_simd_path_ok()) return T_DONE();
	/* the files: strict token identity; ffn192-q4_0 is extra and may hit the
	 * documented near-tie (llama.cpp's repacked Q4_0 kernels sum in another order) */
	const char *stories[] = {"stories260K-f32", "stories260K-f16", "stories260K-bf16",
				 "stories260K-ffn192-f32", "stories260K-ffn192-q8_0", "stories260K-ffn192-q4_0"};
	for (int nt = 1; nt <= 3; nt++)
		for (size_t i = 0; i < sizeof stories / sizeof *stories; i++)
			test_greedy(stories[i], nt, 16, !strcmp(stories[i], "stories260K-ffn192-q4_0"));
	T_OK(worst_ties <= 3 * 2, "greedy: %d near-tie steps over 3 thread counts (ffn192-q4_0 only; at most 2 per run)",
	     worst_ties);
	/* Tolerances: float-only files differ from llama.cpp by summation order alone; the
	 * quantized ones also re-quantize every activation, so a last-bit difference upstream
	 * can move one activation by a quantization step, which the random synth256 weights
	 * amplify.  We follow ggml's AVX2 operation order (dot lanes, Q8 rounding, vector
	 * exp) to keep such flips rare; the bounds are about twice the worst seen. */
	struct { const char *name; double tol; } synth[] = {
		{"f32", 0.002}, {"f16", 0.006}, {"bf16", 0.02}, {"q8_0", 0.06}, {"q4_0", 0.08},
		{"q4_1", 0.12}, {"q5_0", 0.08}, {"q5_1", 0.05}, {"q2_k", 0.10}, {"q3_k_m", 0.15},
		{"q4_k_m", 0.10}, {"q5_k_m", 0.12}, {"q6_k", 0.10},
	};
	for (size_t i = 0; i < sizeof synth / sizeof *synth; i++) test_teacher(synth[i].name, synth[i].tol);
	return T_DONE();
}

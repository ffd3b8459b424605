/* test_infer_batch.c — the batcher's scheduling rules (slot choice, prefix reuse) and the
 * batcher itself on stories260K: every envelope finishes with the text art_infer_envelope
 * gives alone, whatever the batch size, the prefix cache and the model pool. */
#include <unistd.h>

#include "clock.h"
#include "env.h"
#include "err.h"
#include "infer_batch.h"
#include "t.h"

static void test_pick(void)
{
	const int32_t a[] = {1, 5, 6, 7, 8}, b[] = {1, 5, 9}, p[] = {1, 5, 6, 7, 2};
	T_EQ_INT(art_infer_batch_lcp(a, 5, p, 5), 4, "lcp of two token lists");
	T_EQ_INT(art_infer_batch_lcp(a, 0, p, 5), 0, "lcp with an empty list");
	art_infer_slot_view v[3] = {{b, 3, 0, 5}, {a, 5, 0, 9}, {NULL, 0, 0, 1}};
	int src;
	size_t reuse;
	int d = art_infer_batch_pick(v, 3, p, 5, 1, &src, &reuse);
	T_OK(d == 1 && src == 1 && reuse == 4, "idle slot with the longest prefix is reused in place (%d %d %zu)", d, src,
	     reuse);
	d = art_infer_batch_pick(v, 3, a, 5, 1, &src, &reuse);
	T_OK(d == 1 && src == 1 && reuse == 4, "a whole cached prompt still leaves one token to feed (%zu)", reuse);
	v[1].busy = 1;
	d = art_infer_batch_pick(v, 3, p, 5, 1, &src, &reuse);
	T_OK(d == 2 && src == 1 && reuse == 4, "a busy source is copied into the least recently used idle slot (%d)", d);
	d = art_infer_batch_pick(v, 3, p, 5, 0, &src, &reuse);
	T_OK(d == 2 && src == -1 && reuse == 0, "prefix cache off: no reuse, least recently used idle slot");
	v[1].busy = 0;
	v[0] = (art_infer_slot_view){a, 5, 1, 20};
	d = art_infer_batch_pick(v, 3, p, 5, 1, &src, &reuse);
	T_OK(d == 1 && src == 1, "on equal prefixes the idle slot wins over the busy one");
	const int32_t one[] = {1};
	d = art_infer_batch_pick(v, 3, one, 1, 1, &src, &reuse);
	T_OK(reuse == 0 && src == -1, "a one-token prompt reuses nothing");
}

static cJSON *mk_env(const char *id, const char *q, int max_tokens, const char *route_path)
{
	cJSON *e = art_env_new(id);
	cJSON *m = cJSON_AddArrayToObject(e, "messages");
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "role", "user");
	cJSON_AddStringToObject(msg, "content", q);
	cJSON_AddItemToArray(m, msg);
	cJSON *p = cJSON_AddObjectToObject(e, "params");
	cJSON_AddNumberToObject(p, "max_tokens", max_tokens);
	cJSON_AddNumberToObject(p, "temperature", 0);
	if (route_path) {
		cJSON *r = cJSON_AddObjectToObject(e, "route");
		cJSON_AddStringToObject(r, "provider", "local");
		cJSON_AddStringToObject(r, "endpoint", route_path);
	}
	return e;
}

static const char *const qs[] = {"Once upon a time", "Lily and Tom went to the park", "The little dog",
				 "Once upon a time there was", "Lily and Tom", "The sun"};
#define NQ (int)(sizeof qs / sizeof *qs)
static char *model_path;

static const char *out_text(const cJSON *e)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "output"), "text"));
}

/* Runs the qs through a batcher; each envelope's text goes to texts[i] (strdup). */
static const char *preamble = ""; /* put before every question */

static int run_batch(int batch, int prefix, int max_models, const char *routes[NQ], char *texts[NQ], int *cached)
{
	art_infer_batch_opts o;
	art_infer_batch_opts_default(&o);
	o.infer.model_path = model_path;
	o.infer.sample.temp = 0;
	o.batch = batch;
	o.prefix_cache = prefix;
	o.max_models = max_models;
	art_infer_batch *b = NULL;
	char err[512];
	if (art_infer_batch_new(&b, &o, err, sizeof err) != ART_OK) return -1;
	cJSON *envs[NQ];
	int back = 0, steps = 0;
	for (int i = 0; i < NQ; i++) {
		char id[8];
		snprintf(id, sizeof id, "e%d", i);
		char q[512];
		snprintf(q, sizeof q, "%s%s", preamble, qs[i]);
		envs[i] = mk_env(id, q, 12 + 5 * i, routes ? routes[i] : NULL);
		art_infer_batch_submit(b, envs[i], (uint64_t)i + 1, envs[i]);
	}
	while (back < NQ && steps < 10000) {
		if (art_infer_batch_busy(b) && art_infer_batch_step(b) != ART_OK) break;
		steps++;
		cJSON *e;
		void *tag;
		while (art_infer_batch_next(b, &e, &tag)) {
			if (e != tag) return -1;
			back++;
		}
	}
	art_infer_batch_stats st;
	art_infer_batch_stats_get(b, &st);
	*cached = (int)st.cached_tokens;
	for (int i = 0; i < NQ; i++) {
		const char *t = out_text(envs[i]);
		texts[i] = strdup(t ? t : "(error)");
		cJSON_Delete(envs[i]);
	}
	int pend = (int)art_infer_batch_pending(b);
	art_infer_batch_free(b);
	return back == NQ && pend == 0 ? 0 : -1;
}

/* The texts art_infer_envelope gives for the qs (with the preamble), one at a time. */
static int alone_texts(char *want[NQ])
{
	art_infer_opts io;
	art_infer_opts_default(&io);
	io.model_path = model_path;
	io.sample.temp = 0;
	art_infer *inf = NULL;
	char err[512];
	if (art_infer_open(&inf, &io, err, sizeof err) != ART_OK) return -1;
	for (int i = 0; i < NQ; i++) {
		char q[512];
		snprintf(q, sizeof q, "%s%s", preamble, qs[i]);
		cJSON *e = mk_env("x", q, 12 + 5 * i, NULL);
		art_infer_envelope(inf, e, 1);
		const char *t = out_text(e);
		want[i] = strdup(t ? t : "(error)");
		cJSON_Delete(e);
	}
	art_infer_close(inf);
	return 0;
}

int main(void)
{
	test_pick();
	model_path = strdup(t_shared("models/stories260K-f32.gguf"));
	char *alias = strdup(t_shared("models/../models/stories260K-f32.gguf"));

	char *want[NQ];
	if (!T_OK(alone_texts(want) == 0, "open the model alone")) return T_DONE();

	const struct { int batch, prefix, models; } cfg[] = {{1, 0, 1}, {3, 0, 2}, {4, 2, 2}, {6, 0, 1}, {2, 4, 1}};
	for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++) {
		char *got[NQ];
		int cached = 0;
		int rc = run_batch(cfg[c].batch, cfg[c].prefix, cfg[c].models, NULL, got, &cached);
		T_EQ_INT(rc, 0, "batch %d prefix %d: every envelope comes back once", cfg[c].batch, cfg[c].prefix);
		if (rc) continue;
		int same = 1;
		for (int i = 0; i < NQ; i++) {
			if (strcmp(got[i], want[i])) {
				T_DIAG("envelope %d: got \"%s\" want \"%s\"", i, got[i], want[i]);
				same = 0;
			}
			free(got[i]);
		}
		T_OK(same, "batch %d prefix %d: texts equal the one-at-a-time texts", cfg[c].batch, cfg[c].prefix);
		if (cfg[c].prefix)
			T_OK(cached > 0, "prefix cache on: prompt tokens were reused (%d)", cached);
		else
			T_EQ_INT(cached, 0, "prefix cache off: nothing reused");
	}

	/* six at once sharing a long preamble: all but the first wait for its prompt to be in,
	 * then start from its KV state */
	preamble = "Tim and his sister went to the big park near the river to play ball. ";
	char *want6[NQ], *got6[NQ];
	int cached6 = 0;
	T_OK(alone_texts(want6) == 0, "shared preamble: the texts alone");
	T_EQ_INT(run_batch(6, 2, 1, NULL, got6, &cached6), 0, "shared preamble, batch 6: all come back");
	int same = 1;
	for (int i = 0; i < NQ; i++) {
		same &= strcmp(got6[i], want6[i]) == 0;
		free(got6[i]);
		free(want6[i]);
	}
	T_OK(same, "shared preamble, batch 6: texts equal the one-at-a-time texts");
	T_OK(cached6 >= 5 * 16, "shared preamble: the 5 later prompts reuse it (%d tokens)", cached6);
	preamble = "";

	/* a deadline that passes while a long prompt is still being fed (two chunks: the
	 * batcher decodes at most 256 + batch tokens a step): the envelope stops there with
	 * finish_reason deadline and no text, and does not wait for generation */
	{
		art_infer_batch_opts bo;
		art_infer_batch_opts_default(&bo);
		bo.infer.model_path = model_path;
		bo.prefix_cache = 0;
		bo.infer.n_ctx = 512; /* beyond stories260K's 128 trained positions: only timing matters here */
		char err[512], when[64], *q = calloc(1, 40 * 40);
		for (int i = 0; i < 40; i++) strcat(q, "Once upon a time there was a dog. ");
		art_infer_batch *b = NULL;
		T_EQ_INT(art_infer_batch_new(&b, &bo, err, sizeof err), ART_OK, "batcher for the deadline check");
		cJSON *e = mk_env("late", q, 16, NULL);
		art_clock_fmt(art_clock_now_us() + 1500000, when, sizeof when);
		cJSON_AddStringToObject(e, "deadline", when);
		cJSON *back = NULL;
		void *tag = NULL;
		art_infer_batch_submit(b, e, 1, NULL);
		art_infer_batch_step(b); /* admitted, first chunk of the prompt fed */
		const int early = art_infer_batch_next(b, &back, &tag);
		T_OK(!early, "after one step the 401-token prompt is still being fed");
		if (early) {
			char *j = cJSON_PrintUnformatted(e);
			T_DIAG("%s", strstr(j, "\"error\":{") ? strstr(j, "\"error\":{") : j);
			free(j);
		}
		usleep(1700000);
		for (int i = 0; i < 100 && art_infer_batch_busy(b); i++) art_infer_batch_step(b);
		T_OK(art_infer_batch_next(b, &back, &tag) && back == e, "the envelope comes back once the deadline passed");
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "output");
		T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "finish_reason")), "deadline",
			 "finish_reason deadline");
		T_EQ_STR(out_text(e), "", "no text: it stopped before generating");
		art_infer_batch_stats st;
		art_infer_batch_stats_get(b, &st);
		T_EQ_INT((int)st.decodes, 1, "the rest of the prompt was not fed (one decode, the first chunk)");
		cJSON_Delete(e);
		art_infer_batch_free(b);
		free(q);
	}

	/* routes: two envelopes name another file; one names a missing file */
	const char *routes[NQ] = {NULL, alias, "/nonexistent/x.gguf", NULL, NULL, NULL};
	char *got[NQ];
	int cached = 0;
	T_EQ_INT(run_batch(2, 2, 1, routes, got, &cached), 0, "routed envelopes all come back (one model open at a time)");
	T_EQ_STR(got[1], want[1], "a route to the same file by another path gives the same text");
	T_EQ_STR(got[2], "(error)", "a route to a missing file is an error");
	T_EQ_STR(got[3], want[3], "the envelope after it still succeeds");
	for (int i = 0; i < NQ; i++) free(got[i]), free(want[i]);
	free(alias);
	free(model_path);
	return T_DONE();
}

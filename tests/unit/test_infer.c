/* test_infer.c — the generation loop and the token-counting lines, at library level:
 * greedy text, stop sequences, length and deadline finishes, context overflow, hostile
 * tokenize/detokenize lines. */
#include "clock.h"
#include "err.h"
#include "infer.h"
#include "t.h"

static char *ref_text(int line)
{
	FILE *f = fopen(t_shared("models/expected/stories260K-f32.greedy.jsonl"), "r");
	char *buf = NULL, *out = NULL;
	size_t cap = 0;
	for (int i = 0; f && i < line && getline(&buf, &cap, f) > 0; i++) {
		if (i != line - 1) continue;
		cJSON *j = cJSON_Parse(buf);
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
		out = t ? strdup(t) : NULL;
		cJSON_Delete(j);
	}
	free(buf);
	if (f) fclose(f);
	return out;
}

int main(void)
{
	art_infer_opts o;
	art_infer_opts_default(&o);
	o.model_path = t_shared("models/stories260K-f32.gguf");
	o.sample.temp = 0;
	art_infer *inf = NULL;
	char err[512];
	int rc = art_infer_open(&inf, &o, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open stories260K-f32 (%s)", rc ? err : "ok");
	if (rc) return T_DONE();

	art_chat_msg msg = {"user", "Once upon a time"};
	int32_t *ids = NULL;
	size_t n = 0;
	T_EQ_INT(art_infer_render(inf, &msg, 1, &ids, &n, err, sizeof err), ART_OK, "render plain prompt");
	T_OK(n == 5 && ids[0] == 1 && ids[1] == 403 && ids[4] == 378, "plain prompt = BOS + text tokens (%zu ids)", n);

	struct {
		const char *what;
		int max_tokens;
		const char *stop;
		int64_t deadline_ms; /* relative; 0 none */
		int want_rc;
		int want_finish; /* -1: any */
		const char *want_text; /* NULL: reference text; "": don't check */
	} cases[] = {
		{"greedy 64 tokens = reference", 64, NULL, 0, ART_OK, ART_FINISH_LENGTH, NULL},
		{"stop sequence cuts before it", 64, "Lily", 0, ART_OK, ART_FINISH_STOP, ", there was a little girl named "},
		{"stop sequence never met", 10, "zzz", 0, ART_OK, ART_FINISH_LENGTH, ""},
		{"max_tokens 1", 1, NULL, 0, ART_OK, ART_FINISH_LENGTH, ","},
		{"context fills up: length", 100000, NULL, 0, ART_OK, -1, ""},
		{"deadline already past", 64, NULL, -1000, ART_ETIMEOUT, -1, ""},
	};
	char *want_ref = ref_text(1);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		art_gen_req req = {0};
		const char *stops[1] = {cases[i].stop};
		req.prompt = ids;
		req.n_prompt = n;
		req.max_tokens = cases[i].max_tokens;
		req.sample = o.sample;
		req.stop = cases[i].stop ? stops : NULL;
		req.n_stop = cases[i].stop ? 1 : 0;
		req.deadline_us = cases[i].deadline_ms ? art_clock_now_us() + cases[i].deadline_ms * 1000 : 0;
		art_gen_result res;
		rc = art_infer_generate(inf, &req, &res, err, sizeof err);
		int ok = rc == cases[i].want_rc;
		if (rc == ART_OK) {
			if (cases[i].want_finish >= 0) ok &= (int)res.finish == cases[i].want_finish;
			const char *wt = cases[i].want_text ? cases[i].want_text : want_ref;
			if (wt && *wt) ok &= strcmp(res.text, wt) == 0;
			ok &= res.n_input == 5 && res.total_ms >= res.ttft_ms && strlen(res.text) == res.len;
			if (i == 4) ok &= res.n_output == 128 - 5 + 1 && res.finish == ART_FINISH_LENGTH; /* the last needs no eval */
			T_DIAG("%s: finish %s, %d tokens, text \"%.40s\"", cases[i].what, art_finish_name(res.finish),
			       res.n_output, res.text);
			free(res.text);
		}
		T_OK(ok, "%s (rc %d)", cases[i].what, rc);
	}
	free(want_ref);

	/* a deadline that passes during the prompt: finish deadline (or, on a very slow
	 * machine, not even started); never a full-length answer */
	{
		int32_t longp[100];
		for (int i = 0; i < 100; i++) longp[i] = ids[i % 5];
		art_gen_req req = {.prompt = longp, .n_prompt = 100, .max_tokens = 20, .sample = o.sample};
		req.deadline_us = art_clock_now_us() + 1000;
		art_gen_result res;
		rc = art_infer_generate(inf, &req, &res, err, sizeof err);
		T_OK(rc == ART_ETIMEOUT || (rc == ART_OK && res.finish == ART_FINISH_DEADLINE && res.n_output < 20),
		     "deadline during generation: finish deadline (rc %d)", rc);
		if (rc == ART_OK) free(res.text);
	}
	{
		int32_t big[200] = {1};
		art_gen_req req = {.prompt = big, .n_prompt = 200, .max_tokens = 4, .sample = o.sample};
		art_gen_result res;
		T_EQ_INT(art_infer_generate(inf, &req, &res, err, sizeof err), ART_ERANGE, "prompt longer than the context: ERANGE");
		int32_t badtok[2] = {1, 999999};
		req.prompt = badtok;
		req.n_prompt = 2;
		T_OK(art_infer_generate(inf, &req, &res, err, sizeof err) != ART_OK, "token id out of range: error");
	}
	free(ids);

	/* token-counting lines: table of input → expected output */
	const art_tokenizer *t = art_infer_tokenizer(inf);
	struct { int detok; const char *in; const char *want; } lines[] = {
		{0, "{\"text\":\"Once upon a time\"}", "{\"ids\":[403,407,261,378],\"n\":4}"},
		{0, "{\"text\":\"\"}", "{\"ids\":[],\"n\":0}"},
		{0, "{\"text\":5}", "{\"error\":"},
		{0, "[1,2]", "{\"error\":"},
		{0, "\xff\xfe", "{\"error\":"},
		{1, "{\"ids\":[403,407,261,378]}", "{\"text\":\"Once upon a time\",\"n\":4}"},
		{1, "{\"ids\":[-1]}", "{\"error\":"},
		{1, "{\"ids\":[1.5]}", "{\"error\":"},
		{1, "{\"ids\":\"x\"}", "{\"error\":"},
		{1, "", "{\"error\":"},
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		char *out = NULL;
		rc = lines[i].detok ? art_infer_detokenize_line(t, lines[i].in, strlen(lines[i].in), &out)
				    : art_infer_tokenize_line(t, lines[i].in, strlen(lines[i].in), 0, 0, &out);
		T_OK(rc == ART_OK && out && strncmp(out, lines[i].want, strlen(lines[i].want)) == 0, "%s line %zu: %s",
		     lines[i].detok ? "detokenize" : "tokenize", i, out ? out : "(null)");
		free(out);
	}
	art_infer_close(inf);

	/* load errors name the file */
	o.model_path = "/nonexistent/model.gguf";
	T_OK(art_infer_open(&inf, &o, err, sizeof err) != ART_OK && strstr(err, "/nonexistent/model.gguf"),
	     "missing model: error names it (%s)", err);
	o.model_path = NULL;
	T_EQ_INT(art_infer_open(&inf, &o, err, sizeof err), ART_EINVAL, "no model path: EINVAL");
	return T_DONE();
}

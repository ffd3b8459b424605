/* art-infer — the local model stage: one envelope in, one out, with output filled.
 * Subcommands tokenize / detokenize count tokens for scripts.  Logic lives in lib/infer*. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "cli.h"
#include "env.h"
#include "err.h"
#include "gguf.h"
#include "health.h"
#include "infer.h"
#include "infer_batch.h"
#include "provider.h"
#include "route.h"

static const char *opt_model, *opt_stream_to, *opt_tmpl, *opt_kv = "f16";
static long long opt_threads = 0, opt_n = 256, opt_ctx = 0, opt_topk = 40, opt_seed = 0, opt_last_n = 64;
static double opt_temp = 0.8, opt_topp = 0.95, opt_minp = 0.05, opt_rep = 1.0;
static int opt_stream, opt_bos, opt_special, opt_strict, opt_unordered, opt_stats;
static long long opt_batch = 4, opt_prefix = 2, opt_max_models = 2;
/* remote providers (lib/provider): envelopes routed to openai or ollama */
static const char *opt_routes, *opt_state;
static long long opt_parallel = 8, opt_retries = 2, opt_backoff = 100, opt_backoff_max = 5000,
		 opt_timeout = 60000, opt_max_fallbacks = -1;
static int opt_no_stream;

static const art_opt infer_opts[] = {
	{"model", 'm', ART_OPT_STR, &opt_model, 0, 0, "FILE", "GGUF model (default: $ART_MODEL)"},
	{"threads", 't', ART_OPT_INT, &opt_threads, 0, 256, "N", "threads for the forward pass (default: physical cores)"},
	{"max-tokens", 'n', ART_OPT_INT, &opt_n, 1, 1 << 24, "N", "default cap on generated tokens (256)"},
	{"ctx", 'c', ART_OPT_INT, &opt_ctx, 0, 1 << 20, "N", "positions per sequence (default: the model's, at most 4096)"},
	{"batch", 'b', ART_OPT_INT, &opt_batch, 1, 256, "N", "local sequences decoded together (default 4; 1: one at a time)"},
	{"prefix-cache", 0, ART_OPT_INT, &opt_prefix, 0, 256, "N", "extra KV slots keeping recent prompts for reuse (default 2; 0: off)"},
	{"max-models", 0, ART_OPT_INT, &opt_max_models, 1, 64, "N", "local models open at once, by route (default 2)"},
	{"unordered", 0, ART_OPT_FLAG, &opt_unordered, 0, 0, NULL, "write each envelope when it is finished, not in input order"},
	{"stats", 0, ART_OPT_FLAG, &opt_stats, 0, 0, NULL, "print local token counts, prefix reuse and tokens/s to stderr at the end"},
	{"temp", 0, ART_OPT_DBL, &opt_temp, 0, 100, "T", "default temperature, 0 = greedy (0.8)"},
	{"top-k", 0, ART_OPT_INT, &opt_topk, 0, 1 << 30, "K", "default top-k, 0 = off (40)"},
	{"top-p", 0, ART_OPT_DBL, &opt_topp, 0, 1, "P", "default top-p, 1 = off (0.95)"},
	{"min-p", 0, ART_OPT_DBL, &opt_minp, 0, 1, "P", "default min-p, 0 = off (0.05)"},
	{"repeat-penalty", 0, ART_OPT_DBL, &opt_rep, 0, 100, "X", "default repetition penalty, 1 = off (1)"},
	{"repeat-last-n", 0, ART_OPT_INT, &opt_last_n, 0, 4096, "N", "tokens the penalty looks back on (64)"},
	{"seed", 0, ART_OPT_INT, &opt_seed, 0, 9007199254740992.0, "N", "default sampling seed (0)"},
	{"chat-template", 0, ART_OPT_STR, &opt_tmpl, 0, 0, "NAME", "force a chat template family"},
	{"kv-type", 0, ART_OPT_STR, &opt_kv, 0, 0, "TYPE", "KV cache type: f16 (default) or f32"},
	{"stream", 0, ART_OPT_FLAG, &opt_stream, 0, 0, NULL, "write partial-output events to stderr"},
	{"stream-to", 0, ART_OPT_STR, &opt_stream_to, 0, 0, "FILE", "write partial-output events to FILE (a fifo)"},
	{"strict", 0, ART_OPT_FLAG, &opt_strict, 0, 0, NULL, "check envelopes against the schema"},
	{"routes", 'r', ART_OPT_STR, &opt_routes, 0, 0, "FILE", "routes config for remote models: endpoints, key env names, prices"},
	{"state", 's', ART_OPT_STR, &opt_state, 0, 0, "FILE", "sqlite health/budget state to update (breaker, latency, spend)"},
	{"parallel", 'p', ART_OPT_INT, &opt_parallel, 1, 4096, "N", "remote envelopes in flight at once (default 8)"},
	{"retries", 0, ART_OPT_INT, &opt_retries, 0, 100, "N", "remote retries per candidate on 429/5xx/network errors (default 2)"},
	{"backoff", 0, ART_OPT_INT, &opt_backoff, 0, 600000, "MS", "first retry backoff, doubled per retry, with jitter (default 100)"},
	{"backoff-max", 0, ART_OPT_INT, &opt_backoff_max, 0, 3600000, "MS", "backoff cap; Retry-After may exceed it (default 5000)"},
	{"timeout", 0, ART_OPT_INT, &opt_timeout, 1, 86400000, "MS", "per-attempt remote timeout when the deadline allows more (default 60000)"},
	{"max-fallbacks", 0, ART_OPT_INT, &opt_max_fallbacks, -1, 1000, "N", "remote fallbacks to try after the choice (-1: all)"},
	{"no-stream", 0, ART_OPT_FLAG, &opt_no_stream, 0, 0, NULL, "remote: ask for one JSON response instead of a stream"},
	{0},
};

static const art_cmd infer_cmd = {
	"art-infer", "[-m MODEL] [OPTION]... < IN.jsonl > OUT.jsonl\n       art-infer tokenize|detokenize -m MODEL [--bos]",
	"generate for each envelope: with a local GGUF model, or with the remote OpenAI-compatible\n"
	"or Ollama endpoint its route names (many in flight at once, output in input order)", infer_opts,
	"Envelope params (max_tokens, temperature, top_k, top_p, min_p, repeat_penalty, seed, stop)\n"
	"override the defaults above.  KV cache per open model: (batch + prefix-cache) x ctx\n"
	"positions of 2 x n_layer x kv_dim values (f16: 2 bytes).  See art-infer(1)."};

static const art_opt tok_opts[] = {
	{"model", 'm', ART_OPT_STR, &opt_model, 0, 0, "FILE", "GGUF file with a tokenizer (default: $ART_MODEL)"},
	{"bos", 0, ART_OPT_FLAG, &opt_bos, 0, 0, NULL, "tokenize: put BOS first"},
	{"special", 0, ART_OPT_FLAG, &opt_special, 0, 0, NULL, "tokenize: match control tokens written in the text"},
	{0},
};

static int run_tok(int argc, char **argv, int detok)
{
	const art_cmd cmd = {detok ? "art-infer detokenize" : "art-infer tokenize", "-m MODEL [OPTION]... < IN.jsonl",
			     detok ? "token ids to text, one JSON line each" : "text to token ids, one JSON line each",
			     tok_opts, NULL};
	if (art_cli_parse(&cmd, argc, argv) != 0) art_die(ART_EXIT_USAGE, "unexpected argument");
	if (!opt_model) opt_model = getenv("ART_MODEL");
	if (!opt_model || !*opt_model) art_die(ART_EXIT_USAGE, "no model: use -m MODEL or set ART_MODEL");
	char err[512];
	art_gguf *g = NULL;
	art_tokenizer *t = NULL;
	if (art_gguf_open(&g, opt_model, err, sizeof err)) art_die(ART_EXIT_CONFIG, "%s", err);
	if (art_tokenizer_load(&t, g, err, sizeof err)) {
		art_gguf_close(g);
		art_die(ART_EXIT_CONFIG, "%s: tokenizer: %s", opt_model, err);
	}
	art_gguf_close(g);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int code = ART_EXIT_OK;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		size_t len = (size_t)n;
		if (line[len - 1] == '\n') len--;
		char *out = NULL;
		int rc = detok ? art_infer_detokenize_line(t, line, len, &out)
			       : art_infer_tokenize_line(t, line, len, opt_bos, opt_special, &out);
		if (rc) art_die(ART_EXIT_INTERNAL, "out of memory");
		if (strncmp(out, "{\"error\"", 8) == 0) code = ART_EXIT_FAIL;
		if (fprintf(stdout, "%s\n", out) < 0) {
			free(out);
			break;
		}
		free(out);
		if (art_cli_epipe()) break;
	}
	free(line);
	art_tokenizer_free(t);
	if (ferror(stdin)) art_die(ART_EXIT_IO, "reading input: %s", strerror(errno));
	art_exit(code);
}

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	if (argc > 1 && (strcmp(argv[1], "tokenize") == 0 || strcmp(argv[1], "detokenize") == 0))
		return run_tok(argc - 1, argv + 1, argv[1][0] == 'd');
	if (art_cli_parse(&infer_cmd, argc, argv) != 0) art_die(ART_EXIT_USAGE, "unexpected argument (see --help)");
	if (!opt_model) opt_model = getenv("ART_MODEL");
	if ((!opt_model || !*opt_model) && !opt_routes)
		art_die(ART_EXIT_USAGE, "no model: use -m MODEL, set ART_MODEL, or give --routes for remote models");
	if (opt_model && !*opt_model) opt_model = NULL;
	art_infer_batch_opts bo;
	art_infer_batch_opts_default(&bo);
	bo.batch = (int)opt_batch;
	bo.prefix_cache = (int)opt_prefix;
	bo.max_models = (int)opt_max_models;
	art_infer_opts o = bo.infer;
	o.model_path = opt_model;
	o.n_threads = opt_threads ? (int)opt_threads : art_bench_physical_cores();
	o.n_ctx = (int)opt_ctx;
	o.max_tokens = (int)opt_n;
	o.chat_template = opt_tmpl;
	o.sample.temp = (float)opt_temp;
	o.sample.top_k = (int)opt_topk;
	o.sample.top_p = (float)opt_topp;
	o.sample.min_p = (float)opt_minp;
	o.sample.repeat_penalty = (float)opt_rep;
	o.sample.repeat_last_n = (int)opt_last_n;
	o.sample.seed = (uint64_t)opt_seed;
	if (strcmp(opt_kv, "f16") == 0) o.kv_type = ART_KV_F16;
	else if (strcmp(opt_kv, "f32") == 0) o.kv_type = ART_KV_F32;
	else art_die(ART_EXIT_USAGE, "--kv-type must be f16 or f32");
	FILE *sf = NULL;
	if (opt_stream_to) {
		sf = fopen(opt_stream_to, "w");
		if (!sf) art_die(ART_EXIT_IO, "%s: %s", opt_stream_to, strerror(errno));
		o.stream = sf;
	} else if (opt_stream) {
		o.stream = stderr;
	}
	char err[512];
	bo.infer = o;
	art_infer_batch *lb = NULL;
	if (art_infer_batch_new(&lb, &bo, err, sizeof err)) art_die(ART_EXIT_CONFIG, "%s", err);
	art_route_config *cfg = NULL;
	art_health *health = NULL;
	if (opt_routes && art_route_config_open(opt_routes, &cfg, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	if (opt_state && art_health_open(opt_state, &health, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	art_provider_opts po;
	art_provider_opts_defaults(&po);
	po.stage = "art-infer";
	po.parallel = (int)opt_parallel;
	po.retries = (int)opt_retries;
	po.backoff_base_ms = opt_backoff;
	po.backoff_max_ms = opt_backoff_max;
	po.timeout_ms = opt_timeout;
	po.max_fallbacks = (int)opt_max_fallbacks;
	po.stream = !opt_no_stream;
	po.routes = cfg;
	po.health = health;
	art_provider *p = NULL;
	if (art_provider_new(&p, &po, err, sizeof err) != ART_OK) art_die(ART_EXIT_INTERNAL, "%s", err);
	/* local envelopes are batched on this thread; remote ones are in flight meanwhile */
	art_env_filter f = {.stage = "art-infer", .strict = opt_strict};
	art_provider_local local = art_infer_batch_participant(lb);
	art_env_stats st;
	const int64_t t0 = art_clock_mono_us();
	int rc = art_provider_filter_run_opts(
		p, &(art_provider_filter_opts){.other = &f, .local = &local, .unordered = opt_unordered}, stdin, stdout, &st);
	if (opt_stats) {
		art_infer_batch_stats bs;
		art_infer_batch_stats_get(lb, &bs);
		const double s = (double)(art_clock_mono_us() - t0) / 1e6;
		fprintf(stderr,
			"art-infer: %llu local envelopes, %llu prompt tokens (%llu from the prefix cache), %llu generated "
			"in %.3f s (%.1f tokens/s; %llu decodes, %.3f s decoding), %llu models opened\n",
			(unsigned long long)bs.envelopes, (unsigned long long)bs.prompt_tokens,
			(unsigned long long)bs.cached_tokens, (unsigned long long)bs.output_tokens, s,
			s > 0 ? (double)bs.output_tokens / s : 0.0, (unsigned long long)bs.decodes, bs.decode_s,
			(unsigned long long)bs.models_opened);
	}
	art_provider_free(p);
	art_health_close(health);
	art_route_config_close(cfg);
	art_infer_batch_free(lb);
	if (sf) fclose(sf);
	art_exit(art_env_exit_code(rc, &st));
}

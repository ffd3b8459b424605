/* art-bench — measure the machine and the inference engine: memory bandwidth (the decode
 * ceiling), prefill and decode tokens/s, thread scaling, load time, peak RSS. */
#include "bench.h"
#include "bench_infer.h"
#include "cli.h"
#include "clock.h"
#include "err.h"
#include "model.h"
#include "quant.h"
#include "simd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
	"Usage: art-bench bandwidth [OPTION]...\n"
		   "       art-bench infer -m MODEL [OPTION]...\n"
		   "       art-bench gemm [OPTION]...\n"
		   "Measure memory bandwidth, prefill/decode speed of a GGUF model, and GEMM kernels.\n"
		   "'art-bench COMMAND --help' for a command's options; see man art-bench.\n";

static int json;

/* ---- bandwidth ---- */
static struct {
	long long mib, threads, reps;
} bw = {.mib = 1024, .threads = 0, .reps = 5};
static const art_opt bw_opts[] = {
	{"mib", 0, ART_OPT_INT, &bw.mib, 16, 1 << 20, "N", "buffer size in MiB (default 1024)"},
	{"threads", 't', ART_OPT_INT, &bw.threads, 0, 1024, "N", "threads (default: physical cores)"},
	{"reps", 'r', ART_OPT_INT, &bw.reps, 1, 1000, "N", "repetitions, best is reported (default 5)"},
	{"json", 'j', ART_OPT_FLAG, &json, 0, 0, NULL, "one JSON line instead of text"},
	{0},
};
static const art_cmd bw_cmd = {"art-bench bandwidth", "[OPTION]...",
			       "Sequential read bandwidth: sum over a buffer of floats, best of N.", bw_opts, NULL};

static double measure_bw(int threads, size_t mib, int reps)
{
	double g, sum;
	if (art_bench_bandwidth(mib << 20, threads, reps, &g, &sum) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "cannot allocate %zu MiB", mib);
	return g;
}

/* The probe in a child process, so its buffer does not count in our peak RSS. */
static double measure_bw_apart(int threads, size_t mib, int reps)
{
	int fd[2];
	double g = 0;
	if (pipe(fd) != 0)
		return measure_bw(threads, mib, reps);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		g = measure_bw(threads, mib, reps);
		ssize_t w = write(fd[1], &g, sizeof g);
		_exit(w == (ssize_t)sizeof g ? 0 : 1);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &g, sizeof g) != (ssize_t)sizeof g)
		art_die(ART_EXIT_INTERNAL, "bandwidth probe failed");
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return g;
}

static int cmd_bandwidth(int argc, char **argv)
{
	if (art_cli_parse(&bw_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	int t = bw.threads ? (int)bw.threads : art_bench_physical_cores();
	double g = measure_bw(t, (size_t)bw.mib, (int)bw.reps);
	if (json)
		printf("{\"bench\":\"bandwidth\",\"threads\":%d,\"mib\":%lld,\"gbps\":%.2f}\n", t, bw.mib, g);
	else
		printf("read bandwidth: %.1f GB/s (%d threads, %lld MiB, best of %lld)\n", g, t, bw.mib, bw.reps);
	art_exit(ART_EXIT_OK);
}

/* ---- infer ---- */
static struct {
	const char *model, *scaling, *batch, *kv;
	long long threads, pp, tg, reps, ctx, depth;
	double gbps;
} in = {.pp = 128, .tg = 64, .reps = 3, .ctx = 0, .batch = "1,4,8", .kv = "f16"};
static const art_opt in_opts[] = {
	{"model", 'm', ART_OPT_STR, &in.model, 0, 0, "FILE", "GGUF model"},
	{"threads", 't', ART_OPT_INT, &in.threads, 0, 1024, "N", "threads (default: physical cores)"},
	{"prompt", 'p', ART_OPT_INT, &in.pp, 0, 65536, "N", "prefill length in tokens (default 128; 0 skips)"},
	{"gen", 'n', ART_OPT_INT, &in.tg, 0, 65536, "N", "decode length in tokens (default 64; 0 skips)"},
	{"reps", 'r', ART_OPT_INT, &in.reps, 1, 1000, "N", "repetitions, mean and best reported (default 3)"},
	{"depth", 'd', ART_OPT_INT, &in.depth, 0, 1 << 20, "N", "tokens already in the cache before pp and tg (default 0)"},
	{"ctx", 'c', ART_OPT_INT, &in.ctx, 0, 1 << 20, "N", "context size (default depth + prompt or gen)"},
	{"kv-type", 0, ART_OPT_STR, &in.kv, 0, 0, "TYPE", "KV cache type: f16 (default) or f32"},
	{"scaling", 0, ART_OPT_STR, &in.scaling, 0, 0, "LIST", "also decode at these thread counts, e.g. 1,2,4"},
	{"batch", 'b', ART_OPT_STR, &in.batch, 0, 0, "LIST",
	 "batched decode: aggregate tok/s with this many sequences per step (default 1,4,8; empty skips)"},
	{"bandwidth", 0, ART_OPT_DBL, &in.gbps, 0, 1e6, "GBPS", "bandwidth for the ceiling share (default: measure)"},
	{"json", 'j', ART_OPT_FLAG, &json, 0, 0, NULL, "JSON lines instead of a table"},
	{0},
};
static const art_cmd in_cmd = {"art-bench infer", "-m MODEL [OPTION]...",
			       "Prefill (pp), decode (tg) and batched decode tokens/s of a model, like llama-bench.",
			       in_opts,
			       "Decode streams every weight once per token, so its ceiling is\n"
			       "bandwidth / model size; the share of that ceiling is reported\n"
			       "(bandwidth probed before loading and after decoding; the higher counts).\n"
			       "Peak RSS is taken after the single-sequence prefill and decode (before\n"
			       "the second probe and the batched context) and compared with\n"
			       "file + KV cache + 100 MB."};

/* "pp" or "pp@d512" (tests run after depth tokens); a static buffer per call site's use. */
static const char *test_name(const char *test, int depth)
{
	static char buf[32];
	if (depth <= 0) return test;
	snprintf(buf, sizeof buf, "%s@d%d", test, depth);
	return buf;
}

/* Thread or sequence counts from "1,2,4" into v (at most max); returns how many. */
static int parse_list(const char *opt, const char *list, long long *v, int max)
{
	char *dup = strdup(list), *save = NULL;
	int n = 0;
	if (!dup) art_die(ART_EXIT_INTERNAL, "out of memory");
	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max || art_parse_ll(tok, 1, 1024, &v[n]) != 0)
			art_die(ART_EXIT_USAGE, "--%s: '%s' is not a count from 1 to 1024 (at most %d)", opt, tok, max);
		n++;
	}
	free(dup);
	return n;
}

static void need(int rc, const char *what)
{
	if (rc != ART_OK) art_die(ART_EXIT_INTERNAL, "%s failed (%s)", what, art_strerror(rc));
}

static int cmd_infer(int argc, char **argv)
{
	if (art_cli_parse(&in_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	if (!in.model)
		art_die(ART_EXIT_USAGE, "infer needs -m MODEL\nTry 'art-bench infer --help' for more information.");
	enum art_kv_type kv = ART_KV_F16;
	if (!strcmp(in.kv, "f32")) kv = ART_KV_F32;
	else if (strcmp(in.kv, "f16")) art_die(ART_EXIT_USAGE, "--kv-type must be f16 or f32");
	long long scale[32], seqs[32];
	const int n_scale = in.scaling ? parse_list("scaling", in.scaling, scale, 32) : 0;
	const int n_seqs = *in.batch ? parse_list("batch", in.batch, seqs, 32) : 0;
	int threads = in.threads ? (int)in.threads : art_bench_physical_cores();
	struct stat st;
	if (stat(in.model, &st) != 0)
		art_die(ART_EXIT_CONFIG, "%s: cannot stat", in.model);
	double gbps = in.gbps > 0 ? in.gbps : measure_bw_apart(threads, 1024, 5);
	char err[512];
	art_model *m;
	int64_t t0 = art_clock_mono_us();
	if (art_model_open(&m, in.model, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	double load_ms = (double)(art_clock_mono_us() - t0) / 1e3;
	const art_model_hparams *hp = art_model_hparams_get(m);
	const int depth = (int)in.depth;
	int n_ctx = in.ctx ? (int)in.ctx : depth + (int)(in.pp > in.tg ? in.pp : in.tg) + 8;
	if (depth + (in.pp > in.tg ? in.pp : in.tg) > n_ctx)
		art_die(ART_EXIT_USAGE, "--depth %d plus the prompt or gen length does not fit --ctx %d", depth, n_ctx);
	art_model_ctx *c;
	/* batches as large as the prompt or the depth fill, at most 512 tokens */
	const long long nb = in.pp > depth ? in.pp : depth;
	art_model_ctx_params cp = {.n_ctx = n_ctx, .n_seq = 1, .n_batch = nb > 512 ? 512 : nb > 0 ? (int)nb : 1,
				   .n_threads = threads, .kv_type = kv};
	if (art_model_ctx_open(&c, m, &cp, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	const size_t kv_bytes = 2 * (size_t)hp->n_layer * (size_t)n_ctx * (size_t)(hp->n_head_kv * hp->head_dim) *
				(kv == ART_KV_F16 ? 2 : 4);
	const size_t ctx_bytes = art_model_ctx_bytes(c);
	int ntok = depth + (int)(in.pp > in.tg ? in.pp : in.tg) + 32;
	int32_t *toks = malloc(sizeof(int32_t) * (size_t)ntok);
	if (!toks) art_die(ART_EXIT_INTERNAL, "out of memory");
	for (int i = 0; i < ntok; i++)
		toks[i] = (int32_t)((i * 7919 + 13) % hp->n_vocab); /* any valid ids */
	double ceiling = gbps * 1e9 / (double)st.st_size; /* tokens/s if decode were pure streaming */
	const char *name = strrchr(in.model, '/') ? strrchr(in.model, '/') + 1 : in.model;
	double size_mb = (double)st.st_size / 1e6;
	art_bench_rate r;
	uint64_t rss = 0; /* peak RSS after the single-sequence runs */
	/* warm-up: one token touches every weight page and starts the thread team */
	need(art_model_eval(c, toks, 1, NULL), "warm-up");
	if (!json)
		printf("%-28s %8s %4s %10s %10s %10s %8s\n", "model", "MB", "thr", "test", "tok/s", "best", "ceiling%");
	if (in.pp > 0) {
		need(art_bench_pp(c, toks, depth, (int)in.pp, (int)in.reps, &r), "prefill");
		if (json)
			printf("{\"bench\":\"infer\",\"model\":\"%s\",\"size_mb\":%.1f,\"threads\":%d,\"test\":\"pp%lld\",\"depth\":%d,\"tok_s\":%.2f,\"best_tok_s\":%.2f,\"gbps\":%.2f}\n",
			       name, size_mb, threads, in.pp, depth, r.mean, r.best, gbps);
		else
			printf("%-28s %8.1f %4d %10s %10.2f %10.2f %8s\n", name, size_mb, threads, test_name("pp", depth), r.mean,
			       r.best, "-");
	}
	if (in.tg > 0) {
		need(art_bench_tg(c, toks, depth, (int)in.tg, (int)in.reps, &r), "decode");
		rss = art_bench_peak_rss(); /* before the probe's buffer */
		if (in.gbps <= 0) {
			/* the probe again, right after: the ceiling is the better of the two, so a
			 * probe that ran while the machine was busy cannot inflate the share (in
			 * this process: a fork after the OpenMP team exists could hang) */
			const double g2 = measure_bw(threads, 1024, 5);
			if (g2 > gbps) gbps = g2, ceiling = gbps * 1e9 / (double)st.st_size;
		}
		double share = 100.0 * r.mean / ceiling;
		if (json)
			printf("{\"bench\":\"infer\",\"model\":\"%s\",\"size_mb\":%.1f,\"threads\":%d,\"test\":\"tg%lld\",\"depth\":%d,\"tok_s\":%.2f,\"best_tok_s\":%.2f,\"gbps\":%.2f,\"ceiling_tok_s\":%.2f,\"ceiling_share\":%.3f}\n",
			       name, size_mb, threads, in.tg, depth, r.mean, r.best, gbps, ceiling, share / 100);
		else
			printf("%-28s %8.1f %4d %10s %10.2f %10.2f %7.1f%%\n", name, size_mb, threads, test_name("tg", depth), r.mean,
			       r.best, share);
	}
	for (int i = 0; i < n_scale; i++) {
		art_model_ctx_set_threads(c, (int)scale[i]);
		need(art_bench_tg(c, toks, depth, (int)(in.tg ? in.tg : 16), 1, &r), "decode");
		if (json)
			printf("{\"bench\":\"scaling\",\"model\":\"%s\",\"threads\":%lld,\"test\":\"tg\",\"tok_s\":%.2f}\n", name, scale[i], r.mean);
		else
			printf("%-28s %8.1f %4lld %10s %10.2f %10s %8s\n", name, size_mb, scale[i], "tg-scale", r.mean, "-", "-");
	}
	if (!rss) rss = art_bench_peak_rss();
	const double budget = ((double)st.st_size + (double)kv_bytes + 100e6) / 1e6;
	if (json)
		printf("{\"bench\":\"load\",\"model\":\"%s\",\"load_ms\":%.1f,\"peak_rss_mb\":%.1f,\"ctx\":%d,\"kv_mb\":%.1f,\"ctx_mb\":%.1f,\"rss_budget_mb\":%.1f,\"rss_ok\":%s}\n",
		       name, load_ms, (double)rss / 1e6, n_ctx, (double)kv_bytes / 1e6, (double)ctx_bytes / 1e6, budget,
		       (double)rss / 1e6 <= budget ? "true" : "false");
	else
		printf("load %.1f ms, peak RSS %.1f MB (ctx %d: KV %.1f MB, context %.1f MB; budget file + KV + 100 MB = %.1f MB: %s), bandwidth %.1f GB/s\n",
		       load_ms, (double)rss / 1e6, n_ctx, (double)kv_bytes / 1e6, (double)ctx_bytes / 1e6, budget,
		       (double)rss / 1e6 <= budget ? "within" : "OVER", gbps);
	art_model_ctx_free(c);
	if (n_seqs > 0) {
		const int gen = (int)(in.tg ? in.tg : 16), prompt = 16;
		long long most = 1;
		for (int i = 0; i < n_seqs; i++) most = seqs[i] > most ? seqs[i] : most;
		art_model_ctx_params bp = {.n_ctx = prompt + gen + 8, .n_seq = (int)most, .n_batch = (int)most * prompt,
					   .n_threads = threads, .kv_type = kv};
		if (art_model_ctx_open(&c, m, &bp, err, sizeof err) != ART_OK) art_die(ART_EXIT_CONFIG, "%s", err);
		double single = 0;
		for (int i = 0; i < n_seqs; i++) {
			need(art_bench_tg_batched(c, (int)seqs[i], toks, prompt, gen, (int)in.reps, &r), "batched decode");
			if (seqs[i] == 1) single = r.mean;
			char x[32] = "-";
			if (single > 0) snprintf(x, sizeof x, "%.2fx", r.mean / single);
			if (json)
				printf("{\"bench\":\"batched\",\"model\":\"%s\",\"threads\":%d,\"seqs\":%lld,\"test\":\"tg%d\",\"tok_s\":%.2f,\"best_tok_s\":%.2f,\"vs_single\":%.3f}\n",
				       name, threads, seqs[i], gen, r.mean, r.best, single > 0 ? r.mean / single : 0);
			else
				printf("%-28s %8.1f %4d %7s%-3lld %10.2f %10.2f %8s\n", name, size_mb, threads, "batch", seqs[i],
				       r.mean, r.best, x);
		}
		art_model_ctx_free(c);
	}
	free(toks);
	art_model_close(m);
	art_exit(ART_EXIT_OK);
}

/* ---- gemm ---- */
static struct {
	const char *types, *batch, *threads, *shapes;
	long long reps;
} gm = {.types = "q4_K,q6_K,q8_0,f16", .batch = "1,8,32,128", .threads = "1,2",
	.shapes = "2048x5632,5632x2048", .reps = 3};
static const art_opt gm_opts[] = {
	{"type", 0, ART_OPT_STR, &gm.types, 0, 0, "LIST", "weight types (default q4_K,q6_K,q8_0,f16)"},
	{"batch", 'n', ART_OPT_STR, &gm.batch, 0, 0, "LIST", "activation columns n (default 1,8,32,128)"},
	{"threads", 't', ART_OPT_STR, &gm.threads, 0, 0, "LIST", "thread counts (default 1,2)"},
	{"shape", 0, ART_OPT_STR, &gm.shapes, 0, 0, "LIST", "KxROWS matrices (default 2048x5632,5632x2048)"},
	{"reps", 'r', ART_OPT_INT, &gm.reps, 1, 1000, "N", "samples of at least 20 ms, best is reported (default 3)"},
	{"json", 'j', ART_OPT_FLAG, &json, 0, 0, NULL, "JSON lines instead of a table"},
	{0},
};
static const art_cmd gm_cmd = {"art-bench gemm", "[OPTION]...",
			       "GMAC/s of art_gemm and of the vec_dot loop it replaces, per type, n, threads.", gm_opts,
			       "Rows are split over OpenMP threads in explicit (ith, nth) ranges; n = 1 is the\n"
			       "decode case, larger n prefill and batched decode."};

/* Comma-separated integers in [lo, hi] → v (at most cap); the count. */
static int parse_ints(const char *opt, const char *s, long long lo, long long hi, long long *v, int cap)
{
	char *list = strdup(s), *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == cap || art_parse_ll(tok, lo, hi, &v[n]) != 0)
			art_die(ART_EXIT_USAGE, "--%s: '%s' is not a number in [%lld, %lld] (at most %d)", opt, tok, lo, hi, cap);
		n++;
	}
	free(list);
	if (!n) art_die(ART_EXIT_USAGE, "--%s: empty list", opt);
	return n;
}

static int cmd_gemm(int argc, char **argv)
{
	if (art_cli_parse(&gm_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	long long ns[32], ts[16];
	const int nn = parse_ints("batch", gm.batch, 1, 4096, ns, 32), nt = parse_ints("threads", gm.threads, 1, 1024, ts, 16);
	long long nmax = 1;
	for (int i = 0; i < nn; i++) nmax = ns[i] > nmax ? ns[i] : nmax;
	const char *path = art_simd_name(art_simd_path());
	if (!json)
		printf("%-6s %6s %6s %5s %4s %12s %12s %8s   (%s)\n", "type", "K", "rows", "n", "thr", "gemm GMAC/s",
		       "loop GMAC/s", "speedup", path);
	char *types = strdup(gm.types), *ts_save = NULL;
	for (char *tn = strtok_r(types, ",", &ts_save); tn; tn = strtok_r(NULL, ",", &ts_save)) {
		const int type = art_quant_type_from_name(tn);
		if (type < 0) art_die(ART_EXIT_USAGE, "--type: unknown type '%s'", tn);
		char *shapes = strdup(gm.shapes), *sh_save = NULL;
		for (char *sh = strtok_r(shapes, ",", &sh_save); sh; sh = strtok_r(NULL, ",", &sh_save)) {
			long long K, rows;
			char *x = strchr(sh, 'x');
			if (!x) art_die(ART_EXIT_USAGE, "--shape: '%s' is not KxROWS", sh);
			*x = 0;
			if (art_parse_ll(sh, 1, 1 << 20, &K) || art_parse_ll(x + 1, 1, 1 << 24, &rows))
				art_die(ART_EXIT_USAGE, "--shape: '%s' is not KxROWS", sh);
			art_bench_gemm *b;
			int rc = art_bench_gemm_new(&b, (uint32_t)type, K, rows, (int)nmax);
			if (rc == ART_ENOMEM) art_die(ART_EXIT_INTERNAL, "cannot allocate a %lldx%lld %s matrix", rows, K, tn);
			if (rc != ART_OK) art_die(ART_EXIT_USAGE, "%s: no vec_dot, or K=%lld not a multiple of its block", tn, K);
			for (int ni = 0; ni < nn; ni++)
				for (int ti = 0; ti < nt; ti++) {
					double g, l;
					art_bench_gemm_run(b, (int)ns[ni], (int)ts[ti], (int)gm.reps, 1, &g);
					art_bench_gemm_run(b, (int)ns[ni], (int)ts[ti], (int)gm.reps, 0, &l);
					if (json)
						printf("{\"bench\":\"gemm\",\"path\":\"%s\",\"type\":\"%s\",\"k\":%lld,\"rows\":%lld,\"n\":%lld,\"threads\":%lld,\"gemm_gmacs\":%.3f,\"loop_gmacs\":%.3f}\n",
						       path, tn, K, rows, ns[ni], ts[ti], g, l);
					else
						printf("%-6s %6lld %6lld %5lld %4lld %12.2f %12.2f %7.2fx\n", tn, K, rows, ns[ni],
						       ts[ti], g, l, g / l);
					fflush(stdout);
				}
			art_bench_gemm_free(b);
		}
		free(shapes);
	}
	free(types);
	art_exit(ART_EXIT_OK);
}

static const art_subcmd cmds[] = {
	{"bandwidth", cmd_bandwidth},
	{"infer", cmd_infer},
	{"gemm", cmd_gemm},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	art_cli_dispatch(usage, cmds, argc, argv);
}

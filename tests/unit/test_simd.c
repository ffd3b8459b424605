/* test_simd.c — the SIMD kernel paths against their scalar twins.
 *
 * For every path this CPU supports (scalar is the reference; avx2, avx512 as detected)
 * and every weight type: random rows (lengths 256, 512, 4096; plus 32-multiples for the
 * legacy types and odd lengths for the float types) quantized by the reference
 * quantizers, dotted by the path's vec_dot and by the scalar one.
 *
 * Tolerance: integer parts are exact in both, so only float rounding differs — the
 * order of accumulation (and double vs float accumulators for F32/F16/BF16).  With B =
 * Σ|x_i·y_i| (+ max|x|·Σ|y_i| for Q4_1, Q5_1, Q2_K, Q4_K, Q5_K, whose min/offset parts
 * are summed separately) and L the longest float addition chain
 * (blocks for quantized types, n/8 for float types), we require
 *     |dot_simd − dot_ref| ≤ 2·FLT_EPSILON·(L + 8)·B,
 * the standard bound for recursive float summation with slack.  The quantized dots go
 * further: they take the scalar twins' float steps in the same order (ggml's x86 lane
 * layout), so they must be bit-identical to them.
 *
 * from_float of the activation types (Q8_0, Q8_1, Q8_K) and F16/BF16 conversions use
 * the same algorithm as the scalar code and must be bit-exact, including ties, zeros,
 * subnormals, infinities and (for F16/BF16) NaN.
 *
 * ART_SIMD: when set, the selected path must be what it names (or, if unsupported, the
 * best supported one with ART_EUNSUPP from art_simd_init).
 *
 *   test_simd --bench [seconds [type]]   GB/s of weights per type and path, 4096×4096 matvec on
 *                                 1 and 2 threads (measured, never asserted)
 */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "err.h"
#include "quant.h"
#include "simd.h"
#include "t.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}
static float grand(void) { return (float)((urand() + urand() + urand() + urand() - 2.0) * 1.7); }

static const int weight_types[] = {
	ART_QTYPE_F32,  ART_QTYPE_F16,  ART_QTYPE_BF16, ART_QTYPE_Q8_0, ART_QTYPE_Q4_0,
	ART_QTYPE_Q4_1, ART_QTYPE_Q5_0, ART_QTYPE_Q5_1, ART_QTYPE_Q2_K, ART_QTYPE_Q3_K,
	ART_QTYPE_Q4_K, ART_QTYPE_Q5_K, ART_QTYPE_Q6_K,
};
#define NTYPES (int)(sizeof weight_types / sizeof *weight_types)

/* Random floats with some structure: a per-32 scale, occasional outliers and zeros. */
static void fill(float *x, int64_t n, int offset_bias)
{
	for (int64_t i = 0; i < n; i += 32) {
		const float sc = (float)(0.05 + urand() * 2), off = offset_bias ? (float)(urand() - 0.3) : 0;
		for (int64_t j = i; j < i + 32 && j < n; j++) {
			float v = grand() * sc + off;
			double u = urand();
			if (u < 0.01) v *= 8;
			else if (u < 0.02) v = 0;
			x[j] = v;
		}
	}
}

/* Types whose dot adds a separately summed min/offset term (y = d·q − m or d·q + m). */
static int has_min(int type)
{
	return type == ART_QTYPE_Q4_1 || type == ART_QTYPE_Q5_1 || type == ART_QTYPE_Q2_K ||
	       type == ART_QTYPE_Q4_K || type == ART_QTYPE_Q5_K;
}

static double bound(const float *x, const float *y, int64_t n, int with_min)
{
	double sxy = 0, sy = 0, mx = 0;
	for (int64_t i = 0; i < n; i++) {
		sxy += fabs((double)x[i] * y[i]);
		sy += fabs((double)y[i]);
		if (fabs((double)x[i]) > mx) mx = fabs((double)x[i]);
	}
	return sxy + (with_min ? mx * sy : 0);
}

static void test_detect(void)
{
	char err[200] = "";
	const int rc = art_simd_init(err, sizeof err);
	const char *env = getenv("ART_SIMD");
	T_DIAG("cpu: avx2 path %s, avx512 path %s; selected %s%s%s",
	       art_simd_supported(ART_SIMD_AVX2) ? "yes" : "no",
	       art_simd_supported(ART_SIMD_AVX512) ? "yes" : "no", art_simd_name(art_simd_path()),
	       env ? " ART_SIMD=" : "", env ? env : "");
	if (rc != ART_OK) T_DIAG("art_simd_init: %s", err);
	T_OK(art_simd_supported(ART_SIMD_SCALAR), "scalar always supported");
	T_OK(art_simd_supported(art_simd_path()), "selected path %s is supported",
	     art_simd_name(art_simd_path()));
	if (env && *env) {
		int want = art_simd_from_name(env);
		if (want >= 0 && art_simd_supported((enum art_simd)want)) {
			T_EQ_INT(rc, ART_OK, "ART_SIMD=%s accepted", env);
			T_EQ_INT(art_simd_path(), want, "ART_SIMD=%s forces that path", env);
		} else {
			T_EQ_INT(rc, want < 0 ? ART_EINVAL : ART_EUNSUPP, "ART_SIMD=%s refused", env);
			T_OK(err[0] != 0, "refusal has words: %s", err);
		}
	} else {
		int best = ART_SIMD_SCALAR;
		for (int p = 1; p < ART_SIMD_COUNT; p++)
			if (art_simd_supported((enum art_simd)p)) best = p;
		T_EQ_INT(rc, ART_OK, "no ART_SIMD: init ok");
		T_EQ_INT(art_simd_path(), best, "no ART_SIMD: best supported path selected");
	}
	T_EQ_INT(art_simd_from_name("AVX2"), ART_SIMD_AVX2, "names are case-insensitive");
	T_EQ_INT(art_simd_from_name("sse9"), -1, "unknown name");
	T_EQ_STR(art_simd_name(ART_SIMD_AVX512), "avx512", "name of avx512");
	/* art_quant_traits follows art_simd_set; the ref table does not */
	const enum art_simd keep = art_simd_path();
	for (int p = 0; p < ART_SIMD_COUNT; p++) {
		if (!art_simd_supported((enum art_simd)p)) {
			T_EQ_INT(art_simd_set((enum art_simd)p), ART_EUNSUPP, "set unsupported %s refused",
				 art_simd_name((enum art_simd)p));
			T_EQ_INT(art_simd_path(), keep, "path unchanged after refusal");
			continue;
		}
		T_EQ_INT(art_simd_set((enum art_simd)p), ART_OK, "set %s", art_simd_name((enum art_simd)p));
		T_OK(art_quant_traits(ART_QTYPE_Q4_K)->vec_dot ==
			     art_simd_traits_for((enum art_simd)p, ART_QTYPE_Q4_K)->vec_dot &&
			     (p != ART_SIMD_SCALAR) == (art_quant_traits(ART_QTYPE_Q4_K)->vec_dot !=
							art_quant_traits_ref(ART_QTYPE_Q4_K)->vec_dot),
		     "art_quant_traits follows path %s", art_simd_name((enum art_simd)p));
	}
	art_simd_set(keep);
}

/* ART_SIMD forcing: rerun this binary's detection checks (--detect) under each value and
 * an unknown one; each child checks that it got the path asked for, or a refusal. */
extern char **environ;
static void test_forcing(const char *self)
{
	static const char *const vals[] = {"scalar", "avx2", "avx512", "AVX2", "neon9"};
	for (int k = 0; k < 5; k++) {
		char env[64], **envp;
		int ne = 0;
		while (environ[ne]) ne++;
		envp = calloc((size_t)ne + 2, sizeof *envp);
		int m = 0;
		for (int i = 0; i < ne; i++)
			if (strncmp(environ[i], "ART_SIMD=", 9)) envp[m++] = environ[i];
		snprintf(env, sizeof env, "ART_SIMD=%s", vals[k]);
		envp[m++] = env;
		char *argv[] = {(char *)self, "--detect", NULL};
		pid_t pid;
		int st = -1;
		int rc = posix_spawn(&pid, self, NULL, NULL, argv, envp);
		if (rc == 0) waitpid(pid, &st, 0);
		T_OK(rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "ART_SIMD=%s: detection checks pass in a child (status %d)", vals[k], st);
		free(envp);
	}
}

/* One type on one path: dots over several lengths; returns nothing, reports per length. */
static void test_dot_type(enum art_simd path, int type)
{
	const art_qtraits *ref = art_quant_traits_ref((uint32_t)type);
	const art_qtraits *sim = art_simd_traits_for(path, (uint32_t)type);
	const art_qtraits *yref = art_quant_traits_ref(ref->vec_dot_type);
	static const int64_t lens_k[] = {256, 512, 4096}, lens_l[] = {32, 96, 256, 512, 4096},
			     lens_f[] = {7, 256, 512, 1000, 4096, 4099};
	const int64_t *lens = ref->blck == 256 ? lens_k : ref->blck == 32 ? lens_l : lens_f;
	const int nl = ref->blck == 256 ? 3 : ref->blck == 32 ? 5 : 6;
	for (int li = 0; li < nl; li++) {
		const int64_t n = lens[li];
		float *xf = malloc(n * 4), *yf = malloc(n * 4), *xd = malloc(n * 4), *yd = malloc(n * 4);
		void *xq = malloc(art_quant_row_size((uint32_t)type, n) + 64);
		void *yq = malloc(art_quant_row_size(ref->vec_dot_type, n) + 64);
		int ok = 1, exact = 1;
		double worst = 0;
		for (int rep = 0; rep < 8; rep++) {
			fill(xf, n, rep & 1);
			fill(yf, n, 0);
			ref->from_float(xf, xq, n);
			yref->from_float(yf, yq, n);
			ref->to_float(xq, xd, n);
			yref->to_float(yq, yd, n);
			float a = NAN, b = NAN;
			ref->vec_dot(n, &a, xq, yq);
			sim->vec_dot(n, &b, xq, yq);
			const double chain = ref->is_quantized ? (double)(n / ref->blck) : (double)n / 8;
			const double tol = 2 * FLT_EPSILON * (chain + 8) * bound(xd, yd, n, has_min(type));
			const double e = fabs((double)a - b);
			if (!(e <= tol)) {
				if (ok) T_DIAG("%s/%s n=%lld rep %d: ref %.9g simd %.9g tol %.3g", ref->name,
					       art_simd_name(path), (long long)n, rep, a, b, tol);
				ok = 0;
			}
			if (tol > 0 && e / tol > worst) worst = e / tol;
			if (memcmp(&a, &b, sizeof a)) exact = 0;
		}
		T_OK(ok, "%s %s vec_dot n=%lld matches scalar (worst |err|/tol %.2g)", art_simd_name(path),
		     ref->name, (long long)n, worst);
		if (ref->is_quantized) /* same integer lanes, same float steps: the same bits */
			T_OK(exact, "%s %s vec_dot n=%lld bit-identical to scalar", art_simd_name(path), ref->name,
			     (long long)n);
		free(xf), free(yf), free(xd), free(yd), free(xq), free(yq);
	}
}

/* BF16: the emulated vdpbf16ps of the avx2 path and the instruction itself (avx512 path,
 * where the CPU has AVX512-BF16) must give the same bits on normal inputs. */
static void test_bf16_dp(void)
{
	const art_qtraits *a = art_simd_traits_for(ART_SIMD_AVX2, ART_QTYPE_BF16);
	const art_qtraits *b = art_simd_traits_for(ART_SIMD_AVX512, ART_QTYPE_BF16);
	if (!art_simd_supported(ART_SIMD_AVX512) || a->vec_dot == b->vec_dot ||
	    b->vec_dot != art_vec_dot_bf16_avx512bf16) {
		T_SKIP("no AVX512-BF16 on this CPU");
		return;
	}
	enum { N = 4099 };
	static float xf[N], yf[N];
	static art_bf16 x[N], y[N];
	int same = 0;
	for (int rep = 0; rep < 16; rep++) {
		fill(xf, N, rep & 1);
		fill(yf, N, 0);
		art_quant_traits_ref(ART_QTYPE_BF16)->from_float(xf, x, N);
		art_quant_traits_ref(ART_QTYPE_BF16)->from_float(yf, y, N);
		float u, v;
		a->vec_dot(N, &u, x, y);
		b->vec_dot(N, &v, x, y);
		same += !memcmp(&u, &v, 4);
	}
	T_EQ_INT(same, 16, "bf16 dot: avx2 emulation of vdpbf16ps bit-identical to the instruction");
}

/* from_float of an activation type: bit-exact, on random rows and on edge values. */
static void test_from_float(enum art_simd path, int type)
{
	const art_qtraits *ref = art_quant_traits_ref((uint32_t)type);
	const art_qtraits *sim = art_simd_traits_for(path, (uint32_t)type);
	static const int64_t lens[] = {256, 512, 4096};
	const int is_float = !ref->is_quantized;
	for (int li = 0; li < 3; li++) {
		const int64_t n = lens[li] + (is_float ? 5 : 0); /* odd tail for F16/BF16 */
		const size_t sz = art_quant_row_size((uint32_t)type, n);
		float *x = malloc(n * 4);
		unsigned char *a = malloc(sz), *b = malloc(sz);
		int ok = 1;
		for (int rep = 0; rep < 6; rep++) {
			fill(x, n, rep & 1);
			if (rep == 1) /* exact ties of x*127/amax and a zero block */
				for (int64_t i = 0; i < n; i++) x[i] = i < 256 ? 0 : (float)((i % 9) - 4) * 0.5f;
			if (rep == 2) /* equal magnitudes of both signs: first one wins (Q8_K) */
				for (int64_t i = 0; i < n; i++) x[i] = (i % 7 == 3) ? ((i / 7) & 1 ? 3.f : -3.f) : x[i];
			if (rep == 3 && is_float) {
				const float sp[] = {1e-40f, -1e-45f, 6e-8f, 3e-8f, 65519.f, 65520.f, 1e30f,
						    -INFINITY, NAN, -NAN, 1.00390625f, 1.01171875f, 0.f, -0.f};
				for (int64_t i = 0; i < n; i++) x[i] = sp[i % (sizeof sp / sizeof *sp)];
			}
			if (rep == 4) /* tiny and huge scales */
				for (int64_t i = 0; i < n; i++) x[i] *= (i / 256) & 1 ? 1e-30f : 1e20f;
			memset(a, 0x55, sz);
			memset(b, 0xaa, sz);
			ref->from_float(x, a, n);
			sim->from_float(x, b, n);
			if (memcmp(a, b, sz)) {
				size_t k = 0;
				while (a[k] == b[k]) k++;
				if (ok) T_DIAG("%s/%s n=%lld rep %d: first byte difference at %zu", ref->name,
					       art_simd_name(path), (long long)n, rep, k);
				ok = 0;
			}
		}
		T_OK(ok, "%s %s from_float n=%lld bit-exact", art_simd_name(path), ref->name, (long long)n);
		free(x), free(a), free(b);
	}
}

/* to_float of F16/BF16: every one of the 65536 codes (NaN codes: NaN both ways). */
static void test_to_float(enum art_simd path, int type)
{
	const art_qtraits *ref = art_quant_traits_ref((uint32_t)type);
	const art_qtraits *sim = art_simd_traits_for(path, (uint32_t)type);
	uint16_t *h = malloc(65536 * 2 + 6);
	float *a = malloc(65539 * 4), *b = malloc(65539 * 4);
	for (int i = 0; i < 65539; i++) h[i] = (uint16_t)(i * 40503u);
	ref->to_float(h, a, 65539);
	sim->to_float(h, b, 65539);
	int bad = 0;
	for (int i = 0; i < 65539; i++)
		if (memcmp(&a[i], &b[i], 4) && !(isnan(a[i]) && isnan(b[i]))) bad++;
	T_EQ_INT(bad, 0, "%s %s to_float of all 65536 codes bit-exact", art_simd_name(path), ref->name);
	free(h), free(a), free(b);
}

/* ---- benchmark ------------------------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Weights start 32 bytes past a 64-byte boundary (GGUF aligns tensor data to 32, so
 * this is the worse of the two cases; BENCH_MISALIGN=n changes the offset).
 * Best of 3 runs of at least secs each.  "wall" is bytes / elapsed time; "cpu" is bytes /
 * (process CPU time / threads), which stays meaningful when the machine is shared. */
static void bench_one(const art_qtraits *t, const art_qtraits *ty, const char *w, size_t rs,
		      const float *act, void *aq, float *out, int nth, double secs, double *wall,
		      double *cpu)
{
	enum { N = 4096, ROWS = 4096 };
	*wall = *cpu = 0;
	for (int trial = 0; trial < 3; trial++) {
		int reps = 0;
		const double t0 = now(), c0 = cpu_now();
		double el;
		do {
			ty->from_float(act, aq, N);
#pragma omp parallel num_threads(nth)
			{
				const int ith = omp_get_thread_num(), nt = omp_get_num_threads();
				const int r0 = ROWS * ith / nt, r1 = ROWS * (ith + 1) / nt;
				for (int r = r0; r < r1; r++) t->vec_dot(N, &out[r], w + rs * r, aq);
			}
			reps++;
			el = now() - t0;
		} while (el < secs);
		const double bytes = (double)rs * ROWS * reps, ce = (cpu_now() - c0) / nth;
		if (bytes / el / 1e9 > *wall) *wall = bytes / el / 1e9;
		if (bytes / ce / 1e9 > *cpu) *cpu = bytes / ce / 1e9;
	}
}

static int bench(double secs, const char *only)
{
	enum { N = 4096, ROWS = 4096, DISTINCT = 16 };
	float *xf = malloc((size_t)N * DISTINCT * 4), *act = malloc(N * 4), *out = malloc(ROWS * 4);
	fill(xf, (int64_t)N * DISTINCT, 1);
	fill(act, N, 0);
	printf("# 4096x4096 matvec: GB/s of weights consumed (activation quantized once per matvec);\n"
	       "# best of 3; wall = bytes/elapsed, cpu = bytes/(CPU time/threads)\n");
	printf("%-6s %-7s %9s %9s %9s %9s\n", "type", "path", "1t wall", "1t cpu", "2t wall", "2t cpu");
	for (int ti = 0; ti < NTYPES; ti++) {
		const int type = weight_types[ti];
		const art_qtraits *ref = art_quant_traits_ref((uint32_t)type);
		if (only && art_quant_type_from_name(only) != type) continue;
		const size_t rs = art_quant_row_size((uint32_t)type, N);
		char *w0 = aligned_alloc(64, rs * ROWS + 64), *w = w0 + (getenv("BENCH_MISALIGN") ? atoi(getenv("BENCH_MISALIGN")) : 32);
		void *aq = malloc(art_quant_row_size(ref->vec_dot_type, N));
		ref->from_float(xf, w, (int64_t)N * DISTINCT);
		for (int r = DISTINCT; r < ROWS; r++) memcpy(w + rs * r, w + rs * (r % DISTINCT), rs);
		for (int p = 0; p < ART_SIMD_COUNT; p++) {
			if (!art_simd_supported((enum art_simd)p)) continue;
			const art_qtraits *t = art_simd_traits_for((enum art_simd)p, (uint32_t)type);
			const art_qtraits *ty = art_simd_traits_for((enum art_simd)p, ref->vec_dot_type);
			double wall[2], cpu[2];
			for (int nth = 1; nth <= 2; nth++)
				bench_one(t, ty, w, rs, act, aq, out, nth, secs, &wall[nth - 1], &cpu[nth - 1]);
			printf("%-6s %-7s %9.2f %9.2f %9.2f %9.2f\n", ref->name, art_simd_name((enum art_simd)p),
			       wall[0], cpu[0], wall[1], cpu[1]);
			fflush(stdout);
		}
		free(w0), free(aq);
	}
	free(xf), free(act), free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--bench")) return bench(argc > 2 ? atof(argv[2]) : 0.3, argc > 3 ? argv[3] : NULL);
	if (argc > 1 && !strcmp(argv[1], "--detect")) {
		if (!freopen("/dev/null", "w", stdout)) return 2; /* the parent reports */
		test_detect();
		return T_DONE();
	}
	test_detect();
	if (!getenv("ART_SIMD")) test_forcing("/proc/self/exe");
	for (int p = 0; p < ART_SIMD_COUNT; p++) {
		const enum art_simd path = (enum art_simd)p;
		if (p == ART_SIMD_SCALAR) continue; /* the reference itself */
		if (!art_simd_supported(path)) {
			T_SKIP(p == ART_SIMD_AVX2 ? "avx2 path: CPU lacks AVX2/FMA/F16C"
						  : "avx512 path: CPU lacks AVX-512 F/BW/DQ/VL/VNNI");
			continue;
		}
		for (int ti = 0; ti < NTYPES; ti++) test_dot_type(path, weight_types[ti]);
		const int acts[] = {ART_QTYPE_Q8_0, ART_QTYPE_Q8_1, ART_QTYPE_Q8_K, ART_QTYPE_F16, ART_QTYPE_BF16};
		for (int k = 0; k < 5; k++) test_from_float(path, acts[k]);
		test_to_float(path, ART_QTYPE_F16);
		test_to_float(path, ART_QTYPE_BF16);
	}
	if (art_simd_supported(ART_SIMD_AVX2)) test_bf16_dp();
	return T_DONE();
}

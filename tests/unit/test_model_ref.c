/* test_model_ref.c — the forward pass against a naive double-precision transformer
 * written here from the architecture's definition, for both architectures:
 *   llama (interleaved RoPE pairs, separate output) on stories260K-f32, and
 *   qwen2 (NeoX RoPE halves, q/k/v biases, GQA 8:2, tied output) on a synth-qwen2-tiny
 *   file made by the model maker, with random biases written into it.
 * Our context runs with an F32 KV cache so only float summation order differs. */
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

#include "err.h"
#include "gguf.h"
#include "mkmodel.h"
#include "model.h"
#include "quant.h"
#include "t.h"
#include "t_simd.h"

typedef struct {
	const art_gguf *g;
	const art_model_hparams *hp;
} ref;

/* Tensor NAME as doubles (rows of ne0), or NULL if absent. */
static double *load(const art_gguf *g, const char *name, int64_t *ne0, int64_t *ne1)
{
	const art_gguf_tensor *t = art_gguf_tensor_at(g, art_gguf_find_tensor(g, name));
	if (!t) return NULL;
	int64_t n = t->ne[0] * t->ne[1];
	float *f = malloc((size_t)n * sizeof *f);
	double *d = malloc((size_t)n * sizeof *d);
	art_quant_traits(t->type)->to_float(t->data, f, n);
	for (int64_t i = 0; i < n; i++) d[i] = f[i];
	free(f);
	if (ne0) *ne0 = t->ne[0];
	if (ne1) *ne1 = t->ne[1];
	return d;
}

static void matvec(const double *w, int64_t in, int64_t out, const double *x, double *y)
{
	for (int64_t r = 0; r < out; r++) {
		double s = 0;
		for (int64_t i = 0; i < in; i++) s += w[r * in + i] * x[i];
		y[r] = s;
	}
}

static void rmsnorm(const double *x, const double *w, int n, double eps, double *y)
{
	double ss = 0;
	for (int i = 0; i < n; i++) ss += x[i] * x[i];
	double sc = 1.0 / sqrt(ss / n + eps);
	for (int i = 0; i < n; i++) y[i] = x[i] * sc * w[i];
}

static void rope(double *v, int n_heads, int hd, int n_rot, int neox, int pos, double base)
{
	for (int h = 0; h < n_heads; h++)
		for (int i = 0; i < n_rot / 2; i++) {
			double th = pos * pow(base, -2.0 * i / n_rot), c = cos(th), s = sin(th);
			double *a = &v[h * hd + (neox ? i : 2 * i)], *b = &v[h * hd + (neox ? i + n_rot / 2 : 2 * i + 1)];
			double x0 = *a, x1 = *b;
			*a = x0 * c - x1 * s;
			*b = x0 * s + x1 * c;
		}
}

/* Logits after feeding toks[0..n) (double precision, written from the definitions). */
static void ref_forward(const art_gguf *g, const art_model_hparams *hp, const int32_t *toks, int n, double *logits)
{
	const int D = hp->n_embd, F = hp->n_ff, H = hp->n_head, KV = hp->n_head_kv, hd = hp->head_dim;
	const int qd = H * hd, kvd = KV * hd;
	char name[128];
	double *emb = load(g, "token_embd.weight", NULL, NULL);
	double *outw = load(g, "output.weight", NULL, NULL);
	double *onorm = load(g, "output_norm.weight", NULL, NULL);
	double *kc = calloc((size_t)hp->n_layer * n * kvd, sizeof *kc), *vc = calloc((size_t)hp->n_layer * n * kvd, sizeof *vc);
	double *x = calloc(D, sizeof *x), *xn = calloc(D, sizeof *xn), *q = calloc(qd, sizeof *q), *k = calloc(kvd, sizeof *k),
	       *v = calloc(kvd, sizeof *v), *att = calloc(qd, sizeof *att), *o = calloc(D, sizeof *o),
	       *ga = calloc(F, sizeof *ga), *up = calloc(F, sizeof *up), *sc = calloc(n, sizeof *sc);
	for (int p = 0; p < n; p++) {
		for (int i = 0; i < D; i++) x[i] = emb[(int64_t)toks[p] * D + i];
		for (int l = 0; l < hp->n_layer; l++) {
#define W(s) (snprintf(name, sizeof name, "blk.%d." s, l), load(g, name, NULL, NULL))
			double *an = W("attn_norm.weight"), *wq = W("attn_q.weight"), *wk = W("attn_k.weight"),
			       *wv = W("attn_v.weight"), *wo = W("attn_output.weight"), *fn = W("ffn_norm.weight"),
			       *wg = W("ffn_gate.weight"), *wu = W("ffn_up.weight"), *wd = W("ffn_down.weight"),
			       *bq = W("attn_q.bias"), *bk = W("attn_k.bias"), *bv = W("attn_v.bias");
#undef W
			rmsnorm(x, an, D, hp->rms_eps, xn);
			matvec(wq, D, qd, xn, q);
			matvec(wk, D, kvd, xn, k);
			matvec(wv, D, kvd, xn, v);
			for (int i = 0; bq && i < qd; i++) q[i] += bq[i];
			for (int i = 0; bk && i < kvd; i++) k[i] += bk[i];
			for (int i = 0; bv && i < kvd; i++) v[i] += bv[i];
			rope(q, H, hd, hp->n_rot, hp->rope_neox, p, hp->rope_base);
			rope(k, KV, hd, hp->n_rot, hp->rope_neox, p, hp->rope_base);
			memcpy(&kc[((size_t)l * n + p) * kvd], k, kvd * sizeof *k);
			memcpy(&vc[((size_t)l * n + p) * kvd], v, kvd * sizeof *v);
			for (int h = 0; h < H; h++) {
				int kh = h / (H / KV);
				double mx = -INFINITY, sum = 0;
				for (int t = 0; t <= p; t++) {
					double s = 0;
					for (int d = 0; d < hd; d++) s += q[h * hd + d] * kc[((size_t)l * n + t) * kvd + kh * hd + d];
					sc[t] = s / sqrt((double)hd);
					if (sc[t] > mx) mx = sc[t];
				}
				for (int t = 0; t <= p; t++) sum += (sc[t] = exp(sc[t] - mx));
				for (int d = 0; d < hd; d++) {
					double s = 0;
					for (int t = 0; t <= p; t++) s += sc[t] / sum * vc[((size_t)l * n + t) * kvd + kh * hd + d];
					att[h * hd + d] = s;
				}
			}
			matvec(wo, qd, D, att, o);
			for (int i = 0; i < D; i++) x[i] += o[i];
			rmsnorm(x, fn, D, hp->rms_eps, xn);
			matvec(wg, D, F, xn, ga);
			matvec(wu, D, F, xn, up);
			for (int i = 0; i < F; i++) ga[i] = ga[i] / (1 + exp(-ga[i])) * up[i];
			matvec(wd, F, D, ga, o);
			for (int i = 0; i < D; i++) x[i] += o[i];
			free(an), free(wq), free(wk), free(wv), free(wo), free(fn), free(wg), free(wu), free(wd);
			free(bq), free(bk), free(bv);
		}
	}
	rmsnorm(x, onorm, D, hp->rms_eps, xn);
	matvec(outw ? outw : emb, D, hp->n_vocab, xn, logits);
	free(emb), free(outw), free(onorm), free(kc), free(vc), free(x), free(xn), free(q), free(k), free(v);
	free(att), free(o), free(ga), free(up), free(sc);
}

/* Writes random values into every q/k/v bias of the file at PATH. */
static int randomize_biases(const char *path)
{
	art_gguf *g = NULL;
	char err[256];
	if (art_gguf_open(&g, path, err, sizeof err)) return -1;
	int fd = open(path, O_WRONLY), n = 0;
	uint64_t st = 12345;
	for (int64_t i = 0; fd >= 0 && i < art_gguf_n_tensors(g); i++) {
		const art_gguf_tensor *t = art_gguf_tensor_at(g, i);
		if (t->type != ART_QTYPE_F32 || t->name.n < 5 || memcmp(t->name.s + t->name.n - 5, ".bias", 5)) continue;
		float *b = malloc((size_t)t->ne[0] * sizeof *b);
		for (int64_t j = 0; j < t->ne[0]; j++) {
			st = st * 6364136223846793005ull + 1442695040888963407ull;
			b[j] = (float)((double)(st >> 40) / (1 << 24) - 0.5) * 0.5f;
		}
		if (pwrite(fd, b, (size_t)t->ne[0] * 4, (off_t)(art_gguf_data_offset(g) + t->offset)) == (ssize_t)t->ne[0] * 4) n++;
		free(b);
	}
	if (fd >= 0) close(fd);
	art_gguf_close(g);
	return n;
}

static void check(const char *label, const char *path, int want_arch)
{
	char err[512];
	art_model *m = NULL;
	int rc = art_model_open(&m, path, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "%s: open (%s)", label, rc ? err : "ok");
	if (rc) return;
	const art_model_hparams *hp = art_model_hparams_get(m);
	T_EQ_INT(hp->arch, want_arch, "%s: architecture", label);
	int32_t toks[12] = {1, 50, 300, 7, 200, 11, 42, 400, 3, 99, 256, 17};
	art_model_ctx *c = NULL;
	art_model_ctx_new(&c, m, 32, 1, ART_KV_F32, err, sizeof err);
	const float *lg = NULL;
	rc = art_model_eval(c, toks, 12, &lg);
	double *want = malloc((size_t)hp->n_vocab * sizeof *want), worst = 0, scale = 0;
	ref_forward(art_model_gguf(m), hp, toks, 12, want);
	for (int i = 0; i < hp->n_vocab; i++) {
		if (fabs(want[i]) > scale) scale = fabs(want[i]);
		if (fabs(lg[i] - want[i]) > worst) worst = fabs(lg[i] - want[i]);
	}
	T_DIAG("%s: worst |logit - double reference| %.3g (logit scale %.3g)", label, worst, scale);
	T_OK(rc == ART_OK && worst <= 1e-4 * scale + 1e-6, "%s: 12-token logits match the double-precision reference", label);
	free(want);
	art_model_ctx_free(c);
	art_model_close(m);
}

int main(void)
{
	if (!t_simd_path_ok()) return T_DONE();
	check("llama stories260K-f32", t_shared("models/stories260K-f32.gguf"), ART_ARCH_LLAMA);
	char dir[] = "/tmp/art-test-ref-XXXXXX", path[256], err[512];
	if (!mkdtemp(dir)) return T_DONE();
	snprintf(path, sizeof path, "%s/qwen2.gguf", dir);
	const art_mkmodel_shape *sh = art_mkmodel_shape_find("synth-qwen2-tiny");
	int rc = sh ? art_mkmodel_write(path, sh, "f32", NULL, 7, NULL, NULL, err, sizeof err) : ART_ENOENT;
	T_EQ_INT(rc, ART_OK, "model maker writes synth-qwen2-tiny (%s)", rc ? err : "ok");
	if (rc == ART_OK) {
		T_OK(randomize_biases(path) == 6, "random q/k/v biases written into 2 layers");
		art_model *m = NULL;
		if (art_model_open(&m, path, err, sizeof err) == ART_OK) {
			const art_model_hparams *hp = art_model_hparams_get(m);
			T_OK(hp->rope_neox && hp->has_qkv_bias && hp->tied_output && hp->n_head_kv == 2,
			     "qwen2: NeoX RoPE, q/k/v bias, tied output, 2 KV heads");
			art_model_close(m);
		}
		check("qwen2 synth-qwen2-tiny", path, ART_ARCH_QWEN2);
	}
	unlink(path);
	rmdir(dir);
	return T_DONE();
}

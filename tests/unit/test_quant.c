/* test_quant.c — tensor types: half/bfloat conversions, dequantization bit-exact with
 * ggml's (synth256-*.dequant.jsonl), quantize→dequantize round-trip error bounds, and
 * the integer dot kernels against dequantized float dots. */
#include <cJSON.h>
#include <math.h>
#include <stdint.h>

#include "err.h"
#include "gguf.h"
#include "quant.h"
#include "t.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}
static float grand(void) /* roughly normal: sum of 4 uniforms */
{
	return (float)((urand() + urand() + urand() + urand() - 2.0) * 1.7);
}

static void test_halves(void)
{
	struct { float f; uint16_t h; } f16[] = {
		{1.0f, 0x3c00}, {-2.0f, 0xc000}, {65504.0f, 0x7bff}, {65520.0f, 0x7c00},
		{5.9604644775390625e-8f, 0x0001}, {2.98023223876953125e-8f, 0x0000}, /* tie → even */
		{0.1f, 0x2e66}, {6.103515625e-05f, 0x0400}, {1.00048828125f, 0x3c00}, /* tie → even */
		{1.00146484375f, 0x3c02}, {INFINITY, 0x7c00}, {-0.0f, 0x8000},
	};
	for (size_t i = 0; i < sizeof f16 / sizeof *f16; i++)
		T_EQ_INT(art_f32_to_f16(f16[i].f), f16[i].h, "f32→f16 %.9g", f16[i].f);
	int bad = 0;
	for (uint32_t h = 0; h < 65536; h++) {
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue; /* NaN */
		if (art_f32_to_f16(art_f16_to_f32((art_f16)h)) != h) bad++;
	}
	T_EQ_INT(bad, 0, "every non-NaN half round-trips through f32");
	T_OK(isnan(art_f16_to_f32(art_f32_to_f16(NAN))), "NaN stays NaN in f16");
	struct { float f; uint16_t h; } bf[] = {
		{1.0f, 0x3f80}, {-1.5f, 0xbfc0}, {1.00390625f, 0x3f80}, /* tie → even */
		{1.01171875f, 0x3f82}, {3.0e38f, 0x7f62},
	};
	for (size_t i = 0; i < sizeof bf / sizeof *bf; i++)
		T_EQ_INT(art_f32_to_bf16(bf[i].f), bf[i].h, "f32→bf16 %.9g", bf[i].f);
	T_OK(isnan(art_bf16_to_f32(art_f32_to_bf16(NAN))), "NaN stays NaN in bf16");
}

/* Every line of synth256-<name>.dequant.jsonl: the first two rows of a tensor, as ggml
 * dequantized them.  Ours must be bit-identical. */
static void test_dequant_file(const char *name)
{
	char rel[256], err[512];
	snprintf(rel, sizeof rel, "models/synth256-%s.gguf", name);
	art_gguf *g = NULL;
	int rc = art_gguf_open(&g, t_shared(rel), err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open synth256-%s (%s)", name, rc ? err : "ok");
	if (rc) return;
	snprintf(rel, sizeof rel, "models/expected/synth256-%s.dequant.jsonl", name);
	FILE *f = fopen(t_shared(rel), "r");
	T_OK(f != NULL, "open %s", rel);
	if (!f) { art_gguf_close(g); return; }
	char *line = NULL;
	size_t cap = 0;
	int lines = 0;
	while (getline(&line, &cap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		if (!j) continue;
		const char *tn = cJSON_GetStringValue(cJSON_GetObjectItem(j, "tensor"));
		const char *ty = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
		cJSON *rows = cJSON_GetObjectItem(j, "rows");
		lines++;
		const art_gguf_tensor *t = art_gguf_tensor_at(g, art_gguf_find_tensor(g, tn ? tn : ""));
		const art_qtraits *q = t ? art_quant_traits(t->type) : NULL;
		if (!t || !q || !q->to_float || !ty || art_quant_type_from_name(ty) != (int)t->type) {
			T_OK(0, "%s %s: tensor present with a decodable type matching '%s'", name, tn ? tn : "?", ty ? ty : "?");
			cJSON_Delete(j);
			continue;
		}
		int64_t ne0 = t->ne[0];
		float *y = malloc((size_t)ne0 * sizeof *y);
		int mismatch = 0, checked = 0;
		double worst = 0;
		for (int r = 0; r < cJSON_GetArraySize(rows); r++) {
			cJSON *row = cJSON_GetArrayItem(rows, r);
			q->to_float((const char *)t->data + art_quant_row_size(t->type, ne0) * (size_t)r, y, ne0);
			if (cJSON_GetArraySize(row) != ne0) { mismatch++; continue; }
			for (int64_t i = 0; i < ne0; i++) {
				float want = (float)cJSON_GetArrayItem(row, (int)i)->valuedouble;
				checked++;
				if (memcmp(&want, &y[i], 4) != 0 && !(want == 0 && y[i] == 0)) {
					mismatch++;
					if (fabs(want - y[i]) > worst) worst = fabs(want - y[i]);
				}
			}
		}
		T_OK(mismatch == 0 && checked == 2 * ne0, "dequant %s %s (%s, %lld x 2): %d/%d mismatches, worst %.3g",
		     name, tn, q->name, (long long)ne0, mismatch, checked, worst);
		free(y);
		cJSON_Delete(j);
	}
	T_OK(lines >= 5, "%s: %d reference tensors", name, lines);
	free(line);
	fclose(f);
	art_gguf_close(g);
}

/* Round trip: relative RMS error of dequant(quant(x)) must stay under the bound the
 * type's bit width allows; dots against activations agree with float dots. */
static void test_roundtrip(void)
{
	struct { int type; double max_rel_rms; } cases[] = {
		{ART_QTYPE_F16, 0.001}, {ART_QTYPE_BF16, 0.005}, {ART_QTYPE_Q8_0, 0.01},
		{ART_QTYPE_Q8_1, 0.01}, {ART_QTYPE_Q8_K, 0.01}, {ART_QTYPE_Q6_K, 0.04},
		{ART_QTYPE_Q5_0, 0.07}, {ART_QTYPE_Q5_1, 0.06}, {ART_QTYPE_Q5_K, 0.06},
		{ART_QTYPE_Q4_0, 0.14}, {ART_QTYPE_Q4_1, 0.12}, {ART_QTYPE_Q4_K, 0.12},
		{ART_QTYPE_Q3_K, 0.30}, {ART_QTYPE_Q2_K, 0.50},
	};
	enum { N = 4096 };
	static float x[N], y[N], a[N], xa[N];
	static unsigned char qx[N * 4], qa[N * 4];
	for (int i = 0; i < N; i++) x[i] = grand() * (i % 512 < 256 ? 1.0f : 0.01f), a[i] = grand();
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		const art_qtraits *q = art_quant_traits(cases[c].type);
		T_OK(q && q->from_float && q->to_float, "traits for type %d", cases[c].type);
		if (!q) continue;
		q->from_float(x, qx, N);
		q->to_float(qx, y, N);
		double e = 0, s = 0;
		for (int i = 0; i < N; i++) e += (double)(y[i] - x[i]) * (y[i] - x[i]), s += (double)x[i] * x[i];
		double rel = sqrt(e / s);
		T_OK(rel < cases[c].max_rel_rms, "%s round trip: relative rms error %.4f < %.3f", q->name, rel,
		     cases[c].max_rel_rms);
		/* zero input stays zero */
		static float z[512], zz[512];
		memset(z, 0, sizeof z);
		q->from_float(z, qa, 512);
		q->to_float(qa, zz, 512);
		int nz = 0;
		for (int i = 0; i < 512; i++) nz += zz[i] != 0;
		T_EQ_INT(nz, 0, "%s: zeros stay zeros", q->name);
		if (!q->vec_dot) continue;
		/* dot against the activation type equals the float dot of both dequantized rows */
		const art_qtraits *vt = art_quant_traits(q->vec_dot_type);
		vt->from_float(a, qa, N);
		vt->to_float(qa, xa, N);
		double ref = 0;
		for (int i = 0; i < N; i++) ref += (double)y[i] * xa[i];
		float got;
		q->vec_dot(N, &got, qx, qa);
		double norm = 0, tol;
		for (int i = 0; i < N; i++) norm += fabs((double)y[i] * xa[i]);
		tol = 1e-5 * norm;
		if (q->vec_dot_type == ART_QTYPE_Q8_1) {
			/* ggml's q8_1 stores s = d*sum(q) rounded to f16: allow m * that rounding */
			const art_block_q8_1 *b = (const art_block_q8_1 *)qa;
			for (int i = 0; i < N / 32; i++) {
				art_f16 m;
				memcpy(&m, qx + (size_t)i * q->type_size + 2, 2);
				tol += fabs(art_f16_to_f32(m) * art_f16_to_f32(b[i].s)) * (1.0 / 1024);
			}
		}
		T_OK(fabs(got - ref) <= tol, "%s·%s dot %.6g vs float %.6g", q->name, vt->name, got, ref);
	}
}

int main(void)
{
	test_halves();
	const char *types[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0",
			       "q5_1", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k"};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) test_dequant_file(types[i]);
	test_roundtrip();
	T_EQ_INT(art_quant_type_from_name("Q4_K"), ART_QTYPE_Q4_K, "type from name Q4_K");
	T_EQ_INT(art_quant_type_from_name("iq4_xs"), -1, "unknown type name");
	T_OK(art_quant_traits(5) == NULL && art_quant_traits(1000) == NULL, "unknown type ids have no traits");
	return T_DONE();
}

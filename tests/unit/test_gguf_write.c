/* test_gguf_write.c — the writer's files read back by our reader, value for value. */
#include "err.h"
#include "gguf.h"
#include "gguf_write.h"
#include "mkmodel.h"
#include "quant.h"
#include "t.h"
#include <math.h>
#include <unistd.h>

static void test_roundtrip(void)
{
	char path[] = "/tmp/art-gguf-write-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	art_gguf_writer *w;
	char err[256] = "";
	T_OK(art_gguf_writer_new(&w) == ART_OK, "writer new");
	art_gguf_writer_kv_u32(w, "general.alignment", 64);
	art_gguf_writer_kv_str(w, "general.architecture", "llama");
	art_gguf_writer_kv_u32(w, "a.u32", 4000000000u);
	art_gguf_writer_kv_i32(w, "a.i32", -7);
	art_gguf_writer_kv_f32(w, "a.f32", 0.25f);
	art_gguf_writer_kv_bool(w, "a.bool", 1);
	const int32_t ia[3] = {1, -2, 3};
	art_gguf_writer_kv_arr(w, "a.arr", ART_GGUF_VTYPE_INT32, ia, 3);
	const char *sa[3] = {"x", "", "hello"};
	art_gguf_writer_kv_arr_str(w, "a.strs", sa, 3);
	int64_t ne1[1] = {5}, ne2[2] = {64, 3};
	T_EQ_INT(art_gguf_writer_tensor(w, "t.f32", 1, ne1, ART_QTYPE_F32), ART_OK, "declare f32 tensor");
	T_EQ_INT(art_gguf_writer_tensor(w, "t.q8", 2, ne2, ART_QTYPE_Q8_0), ART_OK, "declare q8_0 tensor");
	int64_t bad[2] = {33, 1};
	T_EQ_INT(art_gguf_writer_tensor(w, "t.bad", 2, bad, ART_QTYPE_Q8_0), ART_EINVAL, "row not a multiple of the block is refused");
	T_EQ_INT(art_gguf_writer_open(w, path, err, sizeof err), ART_OK, "open: %s", err);
	float f[5] = {1, 2, 3, 4, 5};
	T_EQ_INT(art_gguf_writer_data(w, f, sizeof f, err, sizeof err), ART_OK, "f32 data");
	float src[192];
	for (int i = 0; i < 192; i++)
		src[i] = (float)(i % 17) - 8;
	uint8_t q[3 * 2 * 34];
	art_quant_traits(ART_QTYPE_Q8_0)->from_float(src, q, 192);
	T_EQ_INT(art_gguf_writer_data(w, q, 100, err, sizeof err), ART_OK, "q8_0 data, first part");
	T_EQ_INT(art_gguf_writer_data(w, q + 100, sizeof q - 100, err, sizeof err), ART_OK, "q8_0 data, rest");
	T_EQ_INT(art_gguf_writer_data(w, q, 1, err, sizeof err), ART_EINVAL, "extra data refused");
	T_EQ_INT(art_gguf_writer_close(w, err, sizeof err), ART_OK, "close: %s", err);
	art_gguf_writer_free(w);

	art_gguf *g;
	T_EQ_INT(art_gguf_open(&g, path, err, sizeof err), ART_OK, "reader opens what we wrote: %s", err);
	if (!g)
		return;
	uint32_t u;
	int64_t i64;
	float fv;
	int b;
	art_gguf_str s;
	T_OK(art_gguf_alignment(g) == 64, "alignment 64 honoured");
	T_OK(art_gguf_get_u32(g, "a.u32", &u) == ART_OK && u == 4000000000u, "u32");
	T_OK(art_gguf_get_i64(g, "a.i32", &i64) == ART_OK && i64 == -7, "i32");
	T_OK(art_gguf_get_f32(g, "a.f32", &fv) == ART_OK && fv == 0.25f, "f32");
	T_OK(art_gguf_get_bool(g, "a.bool", &b) == ART_OK && b == 1, "bool");
	T_OK(art_gguf_get_str(g, "general.architecture", &s) == ART_OK && art_gguf_str_eq(s, "llama"), "string");
	enum art_gguf_vtype e;
	uint64_t n;
	const void *d;
	T_OK(art_gguf_get_arr(g, "a.arr", &e, &n) == ART_OK && e == ART_GGUF_VTYPE_INT32 && n == 3, "int array");
	T_OK(art_gguf_arr_data(g, "a.arr", &d) == ART_OK && !memcmp(d, ia, sizeof ia), "int array data");
	T_OK(art_gguf_arr_str(g, "a.strs", 2, &s) == ART_OK && art_gguf_str_eq(s, "hello"), "string array");
	T_OK(art_gguf_arr_str(g, "a.strs", 1, &s) == ART_OK && s.n == 0, "empty string in array");
	const art_gguf_tensor *t0 = art_gguf_tensor_at(g, 0), *t1 = art_gguf_tensor_at(g, 1);
	T_OK(t0 && t0->nbytes == 20 && !memcmp(t0->data, f, 20), "f32 tensor bytes");
	T_OK(t1 && t1->ne[0] == 64 && t1->ne[1] == 3 && t1->offset == 64 && !memcmp(t1->data, q, sizeof q), "q8_0 tensor aligned and intact");
	art_gguf_close(g);
	unlink(path);
}

static void test_kv_copy_and_model(void)
{
	char path[] = "/tmp/art-mkmodel-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char err[512] = "";
	const art_mkmodel_shape *s = art_mkmodel_shape_find("synth-tiny");
	T_OK(s != NULL, "shape synth-tiny");
	int rc = art_mkmodel_write(path, s, "q4_k_m", t_shared("tokenizers/ggml-vocab-llama-spm.gguf"), 7, NULL, NULL, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "model maker q4_k_m: %s", err);
	art_gguf *g, *tok;
	T_EQ_INT(art_gguf_open(&g, path, err, sizeof err), ART_OK, "made model opens: %s", err);
	T_EQ_INT(art_gguf_open(&tok, t_shared("tokenizers/ggml-vocab-llama-spm.gguf"), err, sizeof err), ART_OK, "tokenizer source opens");
	if (g && tok) {
		uint64_t n1, n2;
		enum art_gguf_vtype e;
		art_gguf_get_arr(g, "tokenizer.ggml.tokens", &e, &n1);
		art_gguf_get_arr(tok, "tokenizer.ggml.tokens", &e, &n2);
		T_OK(n1 == n2 && n1 == 32000, "tokenizer copied whole");
		art_gguf_str a, b;
		art_gguf_arr_str(g, "tokenizer.ggml.tokens", 12345, &a);
		art_gguf_arr_str(tok, "tokenizer.ggml.tokens", 12345, &b);
		T_OK(a.n == b.n && !memcmp(a.s, b.s, a.n), "token 12345 identical");
		const art_gguf_tensor *emb = art_gguf_tensor_at(g, art_gguf_find_tensor(g, "token_embd.weight"));
		T_OK(emb && emb->type == ART_QTYPE_Q4_K && emb->ne[1] == 32000, "embeddings q4_K, vocab from tokenizer");
		const art_gguf_tensor *out = art_gguf_tensor_at(g, art_gguf_find_tensor(g, "output.weight"));
		T_OK(out && out->type == ART_QTYPE_Q6_K, "q4_k_m output is q6_K");
		const art_gguf_tensor *v0 = art_gguf_tensor_at(g, art_gguf_find_tensor(g, "blk.1.attn_v.weight"));
		T_OK(v0 && v0->type == ART_QTYPE_Q6_K, "q4_k_m favoured layer attn_v is q6_K");
		/* weights have the advertised spread: std ~0.02 */
		float row[256];
		const art_gguf_tensor *q = art_gguf_tensor_at(g, art_gguf_find_tensor(g, "blk.1.attn_q.weight"));
		art_quant_traits(q->type)->to_float(q->data, row, 256);
		double ss = 0;
		for (int i = 0; i < 256; i++)
			ss += row[i] * row[i];
		double sd = sqrt(ss / 256);
		T_OK(sd > 0.015 && sd < 0.025, "weight std %.4f near 0.02", sd);
	}
	art_gguf_close(g);
	art_gguf_close(tok);
	/* deterministic: the same seed gives the same bytes */
	char path2[] = "/tmp/art-mkmodel-XXXXXX";
	fd = mkstemp(path2);
	close(fd);
	art_mkmodel_write(path2, s, "q4_k_m", t_shared("tokenizers/ggml-vocab-llama-spm.gguf"), 7, NULL, NULL, err, sizeof err);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cmp -s %s %s", path, path2);
	T_OK(system(cmd) == 0, "same seed, same file");
	T_EQ_INT(art_mkmodel_write(path2, s, "q9_9", NULL, 7, NULL, NULL, err, sizeof err), ART_EINVAL, "unknown type refused");
	unlink(path);
	unlink(path2);
}

int main(void)
{
	test_roundtrip();
	test_kv_copy_and_model();
	return T_DONE();
}

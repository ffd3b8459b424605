/* test_gguf.c — GGUF reader: metadata and tensor access on a shared model, hand-made
 * hostile headers, and a fuzz loop (truncations and byte flips) that must never crash. */
#include <stdint.h>
#include <unistd.h>

#include "err.h"
#include "gguf.h"
#include "quant.h"
#include "t.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)sz);
	if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) { free(b); b = NULL; }
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static int write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f) return -1;
	size_t w = fwrite(b, 1, n, f);
	fclose(f);
	return w == n ? 0 : -1;
}

/* Little builder for hand-made files. */
typedef struct { unsigned char b[4096]; size_t n; } buf;
static void put(buf *b, const void *p, size_t n) { memcpy(b->b + b->n, p, n); b->n += n; }
static void p32(buf *b, uint32_t v) { put(b, &v, 4); }
static void p64(buf *b, uint64_t v) { put(b, &v, 8); }
static void pstr(buf *b, const char *s) { p64(b, strlen(s)); put(b, s, strlen(s)); }

static void test_model(const char *path)
{
	art_gguf *g = NULL;
	char err[512];
	int rc = art_gguf_open(&g, path, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "open %s (%s)", path, rc ? err : "ok");
	if (rc) return;
	T_EQ_INT(art_gguf_version(g), 3, "version 3");
	art_gguf_str arch;
	T_OK(art_gguf_get_str(g, "general.architecture", &arch) == ART_OK && art_gguf_str_eq(arch, "llama"),
	     "general.architecture = llama");
	uint32_t u;
	T_OK(art_gguf_get_u32(g, "llama.context_length", &u) == ART_OK && u == 128, "context_length 128");
	T_OK(art_gguf_get_u32(g, "llama.embedding_length", &u) == ART_OK && u == 64, "embedding 64");
	int64_t i64;
	T_OK(art_gguf_get_i64(g, "llama.block_count", &i64) == ART_OK && i64 == 5, "block_count as i64");
	float f;
	T_OK(art_gguf_get_f32(g, "llama.attention.layer_norm_rms_epsilon", &f) == ART_OK && f > 0 && f < 1e-3,
	     "rms eps float");
	T_EQ_INT(art_gguf_get_u32(g, "general.architecture", &u), ART_ETYPE, "string as u32: ETYPE");
	T_EQ_INT(art_gguf_get_str(g, "no.such.key", &arch), ART_ENOENT, "missing key: ENOENT");
	T_EQ_INT(art_gguf_find_key(g, "no.such.key"), -1, "find_key missing = -1");
	enum art_gguf_vtype et;
	uint64_t n;
	T_OK(art_gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &n) == ART_OK && et == ART_GGUF_VTYPE_STRING && n == 512,
	     "tokens: 512 strings");
	art_gguf_str s;
	T_OK(art_gguf_arr_str(g, "tokenizer.ggml.tokens", 1, &s) == ART_OK && art_gguf_str_eq(s, "<s>"),
	     "token 1 is <s>");
	T_EQ_INT(art_gguf_arr_str(g, "tokenizer.ggml.tokens", 512, &s), ART_ERANGE, "token 512 out of range");
	const void *d;
	T_EQ_INT(art_gguf_arr_data(g, "tokenizer.ggml.tokens", &d), ART_ETYPE, "string array has no raw data");
	T_OK(art_gguf_get_arr(g, "tokenizer.ggml.scores", &et, &n) == ART_OK && et == ART_GGUF_VTYPE_FLOAT32 &&
		     art_gguf_arr_data(g, "tokenizer.ggml.scores", &d) == ART_OK && d,
	     "scores: float array data");
	int64_t ti = art_gguf_find_tensor(g, "token_embd.weight");
	const art_gguf_tensor *t = art_gguf_tensor_at(g, ti);
	T_OK(t && t->ne[0] == 64 && t->ne[1] == 512 && t->type == ART_QTYPE_F32 && t->nbytes == 64 * 512 * 4 && t->data,
	     "token_embd.weight (64, 512) f32");
	T_EQ_INT(art_gguf_find_tensor(g, "nope"), -1, "find_tensor missing = -1");
	T_OK(art_gguf_tensor_at(g, art_gguf_n_tensors(g)) == NULL, "tensor_at out of range = NULL");
	art_gguf_close(g);
}

/* Hand-made headers: each must fail with the stated status and a message. */
static void test_hostile(const char *dir)
{
	struct { const char *what; int want; int kind; } cases[] = {
		{"bad magic", ART_EFORMAT, 0},
		{"version 1", ART_EUNSUPP, 1},
		{"huge kv count", ART_EFORMAT, 2},
		{"huge string length", ART_EFORMAT, 3},
		{"unknown value type", ART_EFORMAT, 4},
		{"huge array", ART_EFORMAT, 5},
		{"tensor past end", ART_EFORMAT, 6},
		{"n_dims 5", ART_EFORMAT, 7},
		{"duplicate key", ART_EFORMAT, 8},
		{"bad alignment", ART_EFORMAT, 9},
		{"misaligned offset", ART_EFORMAT, 10},
		{"valid tiny file", ART_OK, 11},
	};
	char path[4096];
	snprintf(path, sizeof path, "%s/hostile.gguf", dir);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf b = {.n = 0};
		int k = cases[i].kind;
		p32(&b, k == 0 ? 0x46554746u : 0x46554747u);
		p32(&b, k == 1 ? 1 : 3);
		p64(&b, (k == 6 || k == 7 || k == 10 || k == 11) ? 1 : 0); /* tensors */
		p64(&b, k == 2 ? (1ull << 60) : (k == 8 ? 2 : 1));         /* kvs */
		if (k == 3) { p64(&b, 1ull << 62); memset(b.b + b.n, 0, 64); b.n += 64; }
		else {
			pstr(&b, "general.alignment");
			if (k == 4) { p32(&b, 99); p32(&b, 32); }
			else if (k == 5) { p32(&b, ART_GGUF_VTYPE_ARRAY); p32(&b, ART_GGUF_VTYPE_UINT64); p64(&b, 1ull << 40); }
			else if (k == 9) { p32(&b, ART_GGUF_VTYPE_UINT32); p32(&b, 24); }
			else { p32(&b, ART_GGUF_VTYPE_UINT32); p32(&b, 32); }
			if (k == 8) { pstr(&b, "general.alignment"); p32(&b, ART_GGUF_VTYPE_UINT32); p32(&b, 32); }
		}
		if (k == 6 || k == 7 || k == 10 || k == 11) {
			pstr(&b, "w");
			p32(&b, k == 7 ? 5 : 2);
			p64(&b, 32); p64(&b, 2);
			if (k == 7) { p64(&b, 1); p64(&b, 1); p64(&b, 1); }
			p32(&b, ART_QTYPE_F32);
			p64(&b, k == 10 ? 4 : 0);
			while (b.n % 32) b.b[b.n++] = 0;
			size_t data = k == 6 ? 100 : 32 * 2 * 4;
			memset(b.b + b.n, 0, data);
			b.n += data;
		}
		write_file(path, b.b, b.n);
		art_gguf *g = NULL;
		char err[512] = "";
		int rc = art_gguf_open(&g, path, err, sizeof err);
		T_EQ_INT(rc, cases[i].want, "hostile: %s", cases[i].what);
		if (rc) T_OK(g == NULL && strstr(err, path) && strstr(err, "offset"), "  error names file and offset: %s", err);
		if (rc == ART_OK && k == 11) {
			const art_gguf_tensor *t = art_gguf_tensor_at(g, 0);
			T_OK(t && t->nbytes == 256 && art_gguf_alignment(g) == 32, "tiny file tensor 256 bytes");
		}
		art_gguf_close(g);
	}
	unlink(path);
}

static void fuzz(const char *model, const char *dir)
{
	size_t n;
	unsigned char *orig = slurp(model, &n);
	T_OK(orig != NULL, "read %s", model);
	if (!orig) return;
	char err[512];
	char path[4096];
	snprintf(path, sizeof path, "%s/fuzz.gguf", dir);
	int ok = 0, failed_clean = 0, bad = 0;
	unsigned char *m = malloc(n);
	for (int it = 0; it < 100; it++) {
		size_t len = n;
		memcpy(m, orig, n);
		if (it < 50) {
			/* truncate: half within the first 64 KiB (metadata), half anywhere */
			len = (size_t)(next() % (it % 2 ? n : (n < 65536 ? n : 65536)));
		} else {
			/* flip 1..8 random bytes, mostly in the metadata region */
			int k = 1 + (int)(next() % 8);
			for (int j = 0; j < k; j++) {
				size_t at = (size_t)(next() % (it % 2 ? n : (n < 65536 ? n : 65536)));
				m[at] ^= (unsigned char)(1 + next() % 255);
			}
		}
		write_file(path, m, len);
		art_gguf *g = NULL;
		err[0] = 0;
		int rc = art_gguf_open(&g, path, err, sizeof err);
		if (rc == ART_OK) {
			ok++;
			/* touch everything the accessors expose */
			for (int64_t i = 0; i < art_gguf_n_tensors(g); i++) {
				const art_gguf_tensor *t = art_gguf_tensor_at(g, i);
				volatile unsigned char sink = 0;
				if (t->data && t->nbytes) sink ^= ((const unsigned char *)t->data)[t->nbytes - 1];
				(void)sink;
			}
			enum art_gguf_vtype et;
			uint64_t cnt;
			if (art_gguf_get_arr(g, "tokenizer.ggml.tokens", &et, &cnt) == ART_OK && et == ART_GGUF_VTYPE_STRING)
				for (uint64_t i = 0; i < cnt; i++) {
					art_gguf_str s;
					if (art_gguf_arr_str(g, "tokenizer.ggml.tokens", i, &s) != ART_OK) bad++;
				}
			art_gguf_close(g);
		} else {
			if (g != NULL || !err[0] || !strstr(err, path)) bad++;
			else failed_clean++;
		}
	}
	T_OK(bad == 0, "fuzz: 50 truncations + 50 flips: %d opened, %d failed cleanly, %d bad", ok, failed_clean, bad);
	T_OK(failed_clean > 50, "fuzz: most corruptions were detected (%d)", failed_clean);
	unlink(path);
	free(m);
	free(orig);
}

int main(void)
{
	char dir[] = "/tmp/art-test-gguf-XXXXXX";
	if (!mkdtemp(dir)) { T_OK(0, "mkdtemp"); return T_DONE(); }
	test_model(t_shared("models/stories260K-f32.gguf"));
	art_gguf *g = NULL;
	char err[512];
	T_EQ_INT(art_gguf_open(&g, "/nonexistent/x.gguf", err, sizeof err), ART_ENOENT, "missing file: ENOENT");
	T_OK(strstr(err, "/nonexistent/x.gguf") != NULL, "error names the file: %s", err);
	test_hostile(dir);
	fuzz(t_shared("models/stories260K-f32.gguf"), dir);
	fuzz(t_shared("models/synth256-q4_k_m.gguf"), dir);
	rmdir(dir);
	return T_DONE();
}

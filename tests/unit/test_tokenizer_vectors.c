/* test_tokenizer_vectors — llama.cpp's tokenizer test vectors ($SHARED/tokenizers):
 * one point per vocabulary (every case of its .inp tokenized without BOS must equal its
 * .out line), then decode(encode(x)) == x over the same inputs where the tokenizer can
 * round-trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gguf.h"
#include "t.h"
#include "tokenizer.h"

static const struct {
	const char *name;
	int roundtrip; /* 1: decode(encode(x)) == x for every case */
	int optional;  /* 1: a load failing with ART_EUNSUPP is a skip */
} vocabs[] = {
	{"llama-spm", 1, 0}, {"phi-3", 1, 0},          {"gpt-2", 1, 0},  {"falcon", 1, 0},
	{"starcoder", 1, 0}, {"deepseek-coder", 1, 0}, {"refact", 1, 0}, {"bert-bge", 0, 1},
};

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)sz + 1);
	if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b) {
		b[sz] = 0;
		*n = (size_t)sz;
	}
	return b;
}

/* Prints S escaped for a T_DIAG line. */
static void esc(const char *s, size_t n, char *out, size_t cap)
{
	size_t w = 0;
	for (size_t i = 0; i < n && w + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			w += (size_t)snprintf(out + w, cap - w, "\\n");
		else if (c == '\t')
			w += (size_t)snprintf(out + w, cap - w, "\\t");
		else if (c < 0x20)
			w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
		else
			out[w++] = (char)c;
	}
	out[w] = 0;
}

static void ids_str(const int32_t *ids, size_t n, char *out, size_t cap)
{
	size_t w = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && w + 16 < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, " %d", ids[i]);
}

static void run_vocab(const char *name, int roundtrip, int optional)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "tokenizers/ggml-vocab-%s.gguf", name);
	art_gguf *g = NULL;
	art_tokenizer *t = NULL;
	int rc = art_gguf_open(&g, t_shared(path), err, sizeof err);
	if (rc == ART_OK) {
		rc = art_tokenizer_load(&t, g, err, sizeof err);
		art_gguf_close(g); /* the tokenizer copies what it needs */
	}
	if (rc == ART_EUNSUPP && optional) {
		T_SKIP("bert-bge: WordPiece (optional) not supported");
		return;
	}
	if (!T_OK(rc == ART_OK, "%s: load", name)) {
		T_DIAG("%s", err);
		return;
	}
	size_t ni, no;
	char ipath[4200], opath[4200];
	snprintf(ipath, sizeof ipath, "%s.inp", t_shared(path));
	snprintf(opath, sizeof opath, "%s.out", t_shared(path));
	char *inp = slurp(ipath, &ni), *outp = slurp(opath, &no);
	if (!T_OK(inp && outp, "%s: read .inp/.out", name)) {
		free(inp);
		free(outp);
		art_tokenizer_free(t);
		return;
	}
	static const char sep[] = "\n__ggml_vocab_test__\n";
	int cases = 0, bad = 0, rt_cases = 0, rt_bad = 0;
	char *ip = inp, *op = outp;
	int32_t ids[4096], want[4096];
	char buf[8192], e1[600], e2[600];
	for (;;) {
		char *end = strstr(ip, sep);
		if (!end)
			break;
		char *oend = strchr(op, '\n');
		if (!oend)
			oend = op + strlen(op);
		size_t nw = 0;
		for (char *q = op; q < oend && nw < 4096;) {
			char *e;
			long v = strtol(q, &e, 10);
			if (e == q)
				break;
			want[nw++] = (int32_t)v;
			q = e;
		}
		size_t n = 0, len = (size_t)(end - ip);
		rc = art_tokenizer_encode(t, ip, len, 0, 0, ids, 4096, &n);
		cases++;
		if (rc != ART_OK || n != nw || memcmp(ids, want, n * sizeof *ids) != 0) {
			bad++;
			esc(ip, len, e1, sizeof e1);
			T_DIAG("%s case %d: \"%s\"", name, cases, e1);
			ids_str(want, nw, e2, sizeof e2);
			T_DIAG("   want%s", e2);
			ids_str(ids, rc == ART_OK ? n : 0, e2, sizeof e2);
			T_DIAG("   got %s (rc %d)", e2, rc);
		}
		if (roundtrip && rc == ART_OK) {
			size_t dl = 0;
			rt_cases++;
			int drc = art_tokenizer_decode(t, ids, n, ART_TOK_DECODE_STRIP_SPACE, buf,
						       sizeof buf, &dl);
			if (drc != ART_OK || dl != len || memcmp(buf, ip, len) != 0) {
				rt_bad++;
				esc(ip, len, e1, sizeof e1);
				esc(buf, drc == ART_OK ? dl : 0, e2, sizeof e2);
				T_DIAG("%s round-trip case %d: \"%s\" -> \"%s\"", name, rt_cases, e1,
				       e2);
			}
		}
		ip = end + strlen(sep);
		op = *oend ? oend + 1 : oend;
	}
	T_OK(cases > 0 && bad == 0, "%s: %d/%d vectors match", name, cases - bad, cases);
	if (roundtrip)
		T_OK(rt_bad == 0 && rt_cases == cases, "%s: %d/%d round-trip", name,
		     rt_cases - rt_bad, rt_cases);
	free(inp);
	free(outp);
	art_tokenizer_free(t);
}

int main(void)
{
	for (size_t i = 0; i < sizeof vocabs / sizeof *vocabs; i++)
		run_vocab(vocabs[i].name, vocabs[i].roundtrip, vocabs[i].optional);
	return T_DONE();
}

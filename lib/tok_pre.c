/* tok_pre.c — BPE pre-tokenizers: the regex list each `tokenizer.ggml.pre` value needs.
 *
 * A list is applied in order; each regex splits every current piece further, and the
 * text between its matches stays a piece of its own (so nothing is ever dropped and the
 * pieces always cover the input).  Each piece is matched in isolation: look-arounds do
 * not see past its ends.  Regexes run in PCRE2 UTF + UCP mode with invalid UTF-8 allowed
 * (invalid bytes never match, so they end up in pieces of their own).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tok_internal.h"

#include <pcre2.h>

#define MAX_RE 6

struct tok_regex {
	pcre2_code *code[MAX_RE];
	int n;
};

#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"

static const char *const re_default[] = {
	"[\\p{P}\\$\\+<=>\\^~\\|]+",
	RE_GPT2,
	"\\p{N}+",
	"[0-9][0-9][0-9]",
	NULL,
};
static const char *const re_gpt2[] = {RE_GPT2, NULL};
static const char *const re_llama3[] = {
	"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
	"\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	NULL,
};
static const char *const re_qwen2[] = {
	"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
	"\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	NULL,
};
static const char *const re_falcon[] = {
	"[\\p{P}\\$\\+<=>\\^~\\|`]+",
	RE_GPT2,
	"[0-9][0-9][0-9]",
	NULL,
};
static const char *const re_starcoder[] = {"\\p{N}", RE_GPT2, NULL};
static const char *const re_deepseek_coder[] = {
	"[\\r\\n]",
	"\\s?\\p{L}+",
	"\\s?\\p{P}+",
	"[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
	"\\p{N}",
	NULL,
};
/* DeepSeek LLM spells out its letter classes; \p{L} with the same intent is used here. */
static const char *const re_deepseek_llm[] = {
	"[\\r\\n]",
	"\\s?\\p{L}+",
	"\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
	"\\s+$",
	"[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
	"\\p{N}+",
	NULL,
};

static const struct {
	const char *name;
	enum tok_pre pre;
} names[] = {
	{"default", TOK_PRE_DEFAULT},
	{"gpt-2", TOK_PRE_GPT2},
	{"gpt2", TOK_PRE_GPT2},
	{"mpt", TOK_PRE_GPT2},
	{"olmo", TOK_PRE_GPT2},
	{"jais", TOK_PRE_GPT2},
	{"phi-2", TOK_PRE_GPT2},
	{"roberta-bpe", TOK_PRE_GPT2},
	{"llama3", TOK_PRE_LLAMA3},
	{"llama-bpe", TOK_PRE_LLAMA3},
	{"llama-v3", TOK_PRE_LLAMA3},
	{"falcon3", TOK_PRE_LLAMA3},
	{"dbrx", TOK_PRE_LLAMA3},
	{"smaug-bpe", TOK_PRE_LLAMA3},
	{"falcon", TOK_PRE_FALCON},
	{"starcoder", TOK_PRE_STARCODER},
	{"refact", TOK_PRE_STARCODER},
	{"command-r", TOK_PRE_STARCODER},
	{"smollm", TOK_PRE_STARCODER},
	{"codeshell", TOK_PRE_STARCODER},
	{"exaone", TOK_PRE_STARCODER},
	{"minerva-7b", TOK_PRE_STARCODER},
	{"deepseek-llm", TOK_PRE_DEEPSEEK_LLM},
	{"deepseek-coder", TOK_PRE_DEEPSEEK_CODER},
	{"qwen2", TOK_PRE_QWEN2},
	{"stablelm2", TOK_PRE_QWEN2},
	{"deepseek-r1-qwen", TOK_PRE_QWEN2},
	{"megrez", TOK_PRE_QWEN2},
};

int tok_pre_from_name(const char *name, enum tok_pre *out)
{
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (!strcmp(names[i].name, name)) {
			*out = names[i].pre;
			return 0;
		}
	}
	return -1;
}

static const char *const *pre_list(enum tok_pre pre)
{
	switch (pre) {
	case TOK_PRE_GPT2: return re_gpt2;
	case TOK_PRE_LLAMA3: return re_llama3;
	case TOK_PRE_FALCON: return re_falcon;
	case TOK_PRE_STARCODER: return re_starcoder;
	case TOK_PRE_DEEPSEEK_LLM: return re_deepseek_llm;
	case TOK_PRE_DEEPSEEK_CODER: return re_deepseek_coder;
	case TOK_PRE_QWEN2: return re_qwen2;
	case TOK_PRE_NONE:
	case TOK_PRE_DEFAULT: break;
	}
	return re_default;
}

void tok_pre_free(struct tok_regex *re)
{
	if (!re)
		return;
	for (int i = 0; i < re->n; i++)
		pcre2_code_free(re->code[i]);
	free(re);
}

int tok_pre_compile(enum tok_pre pre, struct tok_regex **out, char *err, size_t errsz)
{
	const char *const *list = pre_list(pre);
	struct tok_regex *re = calloc(1, sizeof *re);
	*out = NULL;
	if (!re)
		return ART_ENOMEM;
	for (; *list; list++) {
		ART_ASSERT(re->n < MAX_RE);
		int ec;
		PCRE2_SIZE eo;
		pcre2_code *c = pcre2_compile((PCRE2_SPTR)*list, PCRE2_ZERO_TERMINATED,
					      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &ec,
					      &eo, NULL);
		if (!c) {
			PCRE2_UCHAR msg[128];
			pcre2_get_error_message(ec, msg, sizeof msg);
			if (err && errsz)
				snprintf(err, errsz, "pre-tokenizer regex %d: %s at offset %zu",
					 re->n, (const char *)msg, (size_t)eo);
			tok_pre_free(re);
			return ART_EINVAL;
		}
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* optional speed-up; failure is fine */
		re->code[re->n++] = c;
	}
	*out = re;
	return ART_OK;
}

struct lens {
	size_t *v, n, cap;
};

static int lens_push(struct lens *l, size_t x)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		size_t *nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return ART_ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = x;
	return ART_OK;
}

/* Splits one piece S[0..N) by CODE, appending the resulting lengths to OUT. */
static int split_one(const pcre2_code *code, pcre2_match_data *md, const char *s, size_t n,
		     struct lens *out)
{
	size_t pos = 0, last = 0; /* search position; end of the last match */
	while (pos < n) {
		int rc = pcre2_match(code, (PCRE2_SPTR)s, n, pos, 0, md, NULL);
		if (rc < 0)
			break; /* no match (or a matching error: keep the rest whole) */
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		if (me <= ms) { /* empty match: step one character */
			pos = ms + 1;
			while (pos < n && ((unsigned char)s[pos] & 0xc0) == 0x80)
				pos++;
			continue;
		}
		if (ms > last && lens_push(out, ms - last) != ART_OK)
			return ART_ENOMEM;
		if (lens_push(out, me - ms) != ART_OK)
			return ART_ENOMEM;
		last = pos = me;
	}
	if (n > last && lens_push(out, n - last) != ART_OK)
		return ART_ENOMEM;
	return ART_OK;
}

int tok_pre_split(const struct tok_regex *re, const char *s, size_t n, size_t **lens_out,
		  size_t *n_out)
{
	struct lens cur = {0}, next = {0};
	int rc = ART_OK;
	*lens_out = NULL;
	*n_out = 0;
	if (n == 0)
		return ART_OK;
	pcre2_match_data *md = NULL;
	if (lens_push(&cur, n) != ART_OK)
		return ART_ENOMEM;
	for (int r = 0; re && r < re->n; r++) {
		md = pcre2_match_data_create_from_pattern(re->code[r], NULL);
		if (!md) {
			rc = ART_ENOMEM;
			break;
		}
		size_t off = 0;
		next.n = 0;
		for (size_t i = 0; i < cur.n && rc == ART_OK; i++) {
			rc = split_one(re->code[r], md, s + off, cur.v[i], &next);
			off += cur.v[i];
		}
		pcre2_match_data_free(md);
		if (rc != ART_OK)
			break;
		struct lens tmp = cur;
		cur = next;
		next = tmp;
	}
	free(next.v);
	if (rc != ART_OK) {
		free(cur.v);
		return rc;
	}
	*lens_out = cur.v;
	*n_out = cur.n;
	return ART_OK;
}

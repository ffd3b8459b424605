/* tok_internal.h — state shared by tokenizer.c and the tok_*.c model files.  Private.
 *
 * Ownership: struct art_tokenizer owns every array below; all of it is read-only after
 * art_tokenizer_load, so encoders keep their working memory per call.
 */
#ifndef ART_TOK_INTERNAL_H
#define ART_TOK_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

/* Open-addressing map from a byte string (stored in an arena) to an int32 value. */
struct tok_map_ent {
	uint64_t hash;
	uint32_t off, len; /* key bytes: arena[off .. off+len) */
	int32_t val;       /* -1: empty slot */
};
struct tok_map {
	struct tok_map_ent *ent;
	size_t mask; /* capacity - 1, capacity a power of two */
	const char *arena;
};

/* Growable id vector; oom latches an allocation failure. */
struct tok_out {
	int32_t *v;
	size_t n, cap;
	int oom;
};

enum tok_pre {
	TOK_PRE_NONE = 0,
	TOK_PRE_DEFAULT,
	TOK_PRE_GPT2,
	TOK_PRE_LLAMA3,
	TOK_PRE_FALCON,
	TOK_PRE_STARCODER,
	TOK_PRE_DEEPSEEK_LLM,
	TOK_PRE_DEEPSEEK_CODER,
	TOK_PRE_QWEN2,
};

struct tok_regex; /* tok_pre.c */

struct art_tokenizer {
	enum art_tok_model model;
	enum tok_pre pre;
	char pre_name[32];
	int32_t n_vocab;
	char *text;      /* token texts, each NUL-terminated */
	uint32_t *off;   /* [n_vocab] offset of each token's text */
	uint32_t *len;   /* [n_vocab] its length in bytes */
	float *score;    /* [n_vocab] SPM merge priority (higher first); 0 when absent */
	uint8_t *type;   /* [n_vocab] enum art_tok_type */
	struct tok_map vocab;
	char *mtext;     /* BPE merges "left right", each NUL-terminated */
	struct tok_map merges; /* "left right" -> rank */
	int32_t *special; /* ids matched in text as whole tokens, longest text first */
	size_t n_special;
	int32_t byte_id[256]; /* token for each byte: SPM <0xXX>, BPE its mapped char; -1 none */
	struct tok_regex *re; /* BPE pre-tokenizer, NULL for SPM/WPM */
	int32_t bos, eos, eot, eom, unk, pad, sep;
	int add_bos, add_eos, add_space_prefix, ignore_merges;
	int32_t *eog; /* ids ending a generation */
	size_t n_eog;
};

/* tokenizer.c */
uint64_t tok_hash(const char *a, size_t an, const char *b, size_t bn, int sep);
int32_t tok_map_get(const struct tok_map *m, const char *a, size_t an, const char *b, size_t bn,
		    int sep);
void tok_out_push(struct tok_out *o, int32_t id);
static inline int32_t tok_lookup(const art_tokenizer *t, const char *s, size_t n)
{
	return tok_map_get(&t->vocab, s, n, NULL, 0, 0);
}
/* Length of the UTF-8 sequence starting with byte C, by its lead byte alone (1 for a
 * stray continuation byte); callers clamp to the bytes left. */
static inline size_t tok_utf8_len(unsigned char c)
{
	static const uint8_t lut[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
	return lut[c >> 4];
}

/* tok_spm.c / tok_bpe.c: append the ids of one run of plain text. */
void tok_spm_encode(const art_tokenizer *t, const char *s, size_t n, int space_prefix,
		    struct tok_out *o);
void tok_bpe_encode(const art_tokenizer *t, const char *s, size_t n, struct tok_out *o);

/* tok_bpe.c: GPT-2 byte <-> code point mapping. */
uint32_t tok_bpe_byte_cp(uint8_t b);     /* printable code point standing for byte B */
int tok_bpe_cp_byte(uint32_t cp);         /* inverse, -1 when CP stands for no byte */
size_t tok_utf8_put(uint32_t cp, char *dst); /* writes 1..4 bytes, returns count */

/* tok_pre.c: pre-tokenizer regexes.  tok_pre_from_name: -1 if unknown. */
int tok_pre_from_name(const char *name, enum tok_pre *out);
int tok_pre_compile(enum tok_pre pre, struct tok_regex **out, char *err, size_t errsz);
void tok_pre_free(struct tok_regex *re);
/* Splits S[0..N) into words; writes word lengths (bytes, summing to N) to a malloc'd
 * array *lens of *n_lens entries.  Returns ART_OK or ART_ENOMEM. */
int tok_pre_split(const struct tok_regex *re, const char *s, size_t n, size_t **lens,
		  size_t *n_lens);
/* ---- the merge queue (tok_heap.c), shared by SPM and BPE ----
 * A min-heap of candidate merges: smallest key first, ties to the leftmost.  SPM keys on
 * -score (best score first), BPE on the merge rank (exact in a float below 2^24).
 * Zero-initialise; free(v) when done; oom is set if a push could not grow it. */
typedef struct {
	float key;
	int left, right;
	size_t size; /* bytes of the concatenation when queued */
} art_tok_bigram;

typedef struct {
	art_tok_bigram *v;
	size_t n, cap;
	int oom;
} art_tok_heap;

void art_tok_heap_push(art_tok_heap *h, art_tok_bigram b);
art_tok_bigram art_tok_heap_pop(art_tok_heap *h); /* h->n > 0 */

#endif

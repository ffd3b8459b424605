/* memory_text.c — token estimate, de-duplication keys, safe FTS5 queries, chunking. */
#include "memory_text.h"
#include "err.h"
#include "sha256.h"
#include "utf8.h"
#include <stdlib.h>
#include <string.h>

/* Quarter-tokens of one byte: ASCII 1, a UTF-8 lead byte 4, a continuation byte 0. */
static inline size_t qweight(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xC0) == 0x80 ? 0 : 4;
}

size_t art_memory_tokens(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += qweight((unsigned char)s[i]);
	return (w + 3) / 4;
}

static inline int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- de-duplication ---- */
static void feed_norm(art_sha256 *h, const char *t)
{
	int pending_space = 0, any = 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (is_space(*p)) {
			pending_space = any;
			continue;
		}
		if (pending_space) {
			art_sha256_update(h, " ", 1);
			pending_space = 0;
		}
		unsigned char c = (*p >= 'A' && *p <= 'Z') ? (unsigned char)(*p + 32) : *p;
		art_sha256_update(h, &c, 1);
		any = 1;
	}
}

void art_memory_dedupe_key(const char *tenant, const char *ns, const char *kind,
			   const char *extra, const char *text, char hex[65])
{
	art_sha256 h;
	uint8_t d[32];
	const char *parts[4] = {tenant, ns, kind, extra};
	art_sha256_init(&h);
	for (int i = 0; i < 4; i++) {
		const char *s = parts[i] ? parts[i] : "";
		art_sha256_update(&h, s, strlen(s) + 1); /* NUL separates the fields */
	}
	feed_norm(&h, text ? text : "");
	art_sha256_final(&h, d);
	art_hex(d, 32, hex);
}

/* ---- safe FTS5 queries ---- */
/* Sorted; words that carry no retrieval signal and match most documents. */
static const char *const stop_words[] = {
	"a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
	"been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had",
	"has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "into", "is",
	"it", "its", "just", "me", "my", "no", "not", "of", "on", "or", "our", "please",
	"she", "should", "so", "some", "than", "that", "the", "their", "them", "then",
	"there", "these", "they", "this", "those", "to", "too", "us", "very", "was", "we",
	"were", "what", "when", "where", "which", "who", "why", "will", "with", "would",
	"you", "your",
};

static int cmp_word(const void *k, const void *e)
{
	return strcmp((const char *)k, *(const char *const *)e);
}

static int is_stop(const char *w)
{
	return bsearch(w, stop_words, sizeof stop_words / sizeof *stop_words, sizeof *stop_words,
		       cmp_word) != NULL;
}

/* Non-ASCII code points that separate words: Latin-1 punctuation and symbols, general
 * punctuation (dashes, curly quotes, spaces), CJK punctuation, full-width ASCII
 * punctuation, BOM. */
static int cp_is_separator(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xBF && cp != 0xAA && cp != 0xB2 && cp != 0xB3 &&
		cp != 0xB5 && cp != 0xB9 && cp != 0xBA && cp != 0xBC && cp != 0xBD && cp != 0xBE) ||
	       cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
	       (cp >= 0xFF1A && cp <= 0xFF20) || cp == 0xFEFF;
}

#define TERM_MAX 64

typedef struct {
	char *s;
	size_t n, cap;
} sbuf;

static int sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return ART_ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
	return ART_OK;
}

void art_memory_terms_free(char **terms, size_t n)
{
	if (!terms)
		return;
	for (size_t i = 0; i < n; i++)
		free(terms[i]);
	free(terms);
}

int art_memory_terms(const char *text, size_t max_terms, char ***terms, size_t *n)
{
	*terms = NULL;
	*n = 0;
	size_t len = text ? strlen(text) : 0;
	char **v = NULL;
	size_t kept = 0, i = 0;
	while (i < len && kept < max_terms) {
		char w[TERM_MAX + 8];
		size_t wn = 0;
		int too_long = 0, started = 0;
		while (i < len) {
			unsigned char c = (unsigned char)text[i];
			size_t step = 1;
			int word;
			if (c < 0x80) {
				word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
			} else {
				uint32_t cp;
				int k = art_utf8_decode(text + i, len - i, &cp);
				/* an invalid byte separates words and is dropped */
				step = k > 0 ? (size_t)k : 1;
				word = k > 0 && !cp_is_separator(cp);
			}
			if (!word) {
				i += step;
				if (started)
					break;
				continue;
			}
			started = 1;
			if (wn + step > TERM_MAX)
				too_long = 1;
			else
				for (size_t k = 0; k < step; k++) {
					char ch = text[i + k];
					w[wn++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
				}
			i += step;
		}
		if (!started)
			break;
		w[wn] = 0;
		if (too_long || (wn == 1 && w[0] >= 'a' && w[0] <= 'z') || is_stop(w))
			continue;
		int dup = 0;
		for (size_t k = 0; k < kept && !dup; k++)
			dup = !strcmp(v[k], w);
		if (dup)
			continue;
		if (!(kept & (kept - 1)) || !kept) { /* grow at 0, 1, 2, 4, ... */
			char **nv = realloc(v, (kept ? kept * 2 : 1) * sizeof *v);
			if (!nv)
				goto nomem;
			v = nv;
		}
		if (!(v[kept] = strdup(w)))
			goto nomem;
		kept++;
	}
	*terms = v;
	*n = kept;
	return ART_OK;
nomem:
	art_memory_terms_free(v, kept);
	return ART_ENOMEM;
}

int art_memory_fts_join(const char *const *terms, size_t n, const char *op, char **out)
{
	sbuf q = {0};
	*out = NULL;
	if (sb_add(&q, "", 0))
		return ART_ENOMEM;
	for (size_t t = 0; t < n; t++) {
		if (t && (sb_add(&q, " ", 1) || sb_add(&q, op, strlen(op)) || sb_add(&q, " ", 1)))
			goto nomem;
		if (sb_add(&q, "\"", 1))
			goto nomem;
		for (const char *p = terms[t]; *p; p++)
			if (sb_add(&q, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1))
				goto nomem;
		if (sb_add(&q, "\"", 1))
			goto nomem;
	}
	*out = q.s;
	return ART_OK;
nomem:
	free(q.s);
	return ART_ENOMEM;
}

int art_memory_fts_query(const char *text, size_t max_terms, char **out, size_t *nterms)
{
	char **t;
	size_t n;
	*out = NULL;
	if (nterms)
		*nterms = 0;
	int rc = art_memory_terms(text, max_terms, &t, &n);
	if (rc)
		return rc;
	rc = art_memory_fts_join((const char *const *)t, n, "OR", out);
	art_memory_terms_free(t, n);
	if (!rc && nterms)
		*nterms = n;
	return rc;
}

/* ---- chunking ---- */
static int sentence_end(unsigned char c)
{
	return c == '.' || c == '!' || c == '?' || c == ':' || c == ';';
}

static size_t skip_space(const char *t, size_t i, size_t len)
{
	while (i < len && is_space((unsigned char)t[i]))
		i++;
	return i;
}

/* Where the chunk starting at start (a non-space byte) ends: the best cut after
 * min_end within limit quarter-tokens, or 0 when there is none after min_end. */
static size_t find_end(const char *t, size_t len, size_t start, size_t min_end, size_t limit)
{
	size_t w = 0, i = start, nl = 0;
	size_t para = 0, sent = 0, sent_w = 0, word = 0;
	unsigned char last_ink = 0; /* last non-space byte consumed */
	while (i < len) {
		unsigned char c = (unsigned char)t[i];
		size_t cw = qweight(c);
		if (w + cw > limit)
			break;
		w += cw;
		i++;
		if (is_space(c)) {
			nl += c == '\n';
		} else {
			nl = 0;
			last_ink = c;
		}
		if (i < len && is_space(c) && !is_space((unsigned char)t[i]) && i > min_end) {
			/* a word starts at i: the chunk may end here */
			word = i;
			if (nl >= 2 || (nl >= 1 && t[i] == '#'))
				para = i;
			else if (sentence_end(last_ink)) {
				sent = i;
				sent_w = w;
			}
		}
	}
	if (i >= len)
		return len;
	if (para)
		return para;
	if (sent && sent_w >= limit / 2)
		return sent;
	if (word)
		return word;
	if (sent)
		return sent;
	/* one giant word: cut at a character boundary */
	while (i > start && ((unsigned char)t[i] & 0xC0) == 0x80)
		i--;
	return i > min_end ? i : 0;
}

/* Start of the overlap before e (end of the trimmed chunk that began at start): the
 * earliest paragraph, else sentence, else word start within olimit quarter-tokens.
 * Returns 0 when nothing fits. */
static size_t find_overlap(const char *t, size_t start, size_t e, size_t olimit)
{
	size_t w = 0, j = e, para = 0, sent = 0, word = 0;
	while (j > start + 1) {
		size_t cw = qweight((unsigned char)t[j - 1]);
		if (w + cw > olimit)
			break;
		w += cw;
		j--;
		if (!is_space((unsigned char)t[j]) && is_space((unsigned char)t[j - 1])) {
			size_t k = j, nl = 0;
			while (k > start && is_space((unsigned char)t[k - 1]))
				nl += t[--k] == '\n';
			word = j;
			if (nl >= 2 || (nl >= 1 && t[j] == '#'))
				para = j;
			else if (k > start && sentence_end((unsigned char)t[k - 1]))
				sent = j;
		}
	}
	return para ? para : sent ? sent : word;
}

int art_memory_chunk(const char *text, size_t len, size_t max_tokens, size_t overlap_tokens,
		     art_memory_chunk_fn fn, void *ctx)
{
	if (max_tokens < 8 || overlap_tokens > max_tokens / 2 || max_tokens > SIZE_MAX / 8)
		return ART_EINVAL;
	size_t limit = max_tokens * 4, olimit = overlap_tokens * 4, index = 0;
	size_t start = skip_space(text, 0, len), min_end = start;
	while (start < len) {
		size_t end = find_end(text, len, start, min_end, limit);
		if (!end) {
			/* the overlap left no room for new text: drop it */
			ART_ASSERT(start < min_end);
			start = skip_space(text, min_end, len);
			if (start >= len)
				break;
			continue;
		}
		size_t e = end;
		while (e > start && is_space((unsigned char)text[e - 1]))
			e--;
		ART_ASSERT(e > start);
		int rc = fn(ctx, text + start, e - start, index++);
		if (rc)
			return rc;
		if (end >= len)
			break;
		min_end = end;
		size_t next = olimit ? find_overlap(text, start, e, olimit) : 0;
		start = next > start ? next : skip_space(text, end, len);
	}
	return ART_OK;
}

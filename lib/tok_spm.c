/* tok_spm.c — SentencePiece-style encoding ("llama" tokenizer model).
 *
 * The text (with ' ' written as U+2581 and an optional leading one) starts as one symbol
 * per UTF-8 character.  Repeatedly the adjacent pair whose concatenation is a token with
 * the highest score is merged (ties: leftmost pair first).  A final symbol that is not a
 * token is emitted as its bytes' <0xXX> tokens (or unk if the vocabulary has none).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tok_internal.h"

struct sym {
	size_t start, n; /* bytes of the escaped text; n == 0: merged away */
	int prev, next;
};

static void try_pair(const art_tokenizer *t, const char *s, const struct sym *sy, int l, int r,
		     art_tok_heap *h)
{
	if (l < 0 || r < 0)
		return;
	size_t n = sy[l].n + sy[r].n;
	int32_t id = tok_lookup(t, s + sy[l].start, n);
	if (id < 0)
		return;
	art_tok_heap_push(h, (art_tok_bigram){-t->score[id], l, r, n});
}

void tok_spm_encode(const art_tokenizer *t, const char *text, size_t len, int space_prefix,
		    struct tok_out *o)
{
	/* escape: ' ' -> U+2581 (3 bytes) */
	size_t nsp = space_prefix ? 1 : 0;
	for (size_t i = 0; i < len; i++)
		nsp += text[i] == ' ';
	size_t n = len + 2 * nsp + (space_prefix ? 1 : 0);
	if (n >= INT32_MAX) { /* symbol indices are int */
		o->oom = 1;
		return;
	}
	char *s = malloc(n ? n : 1);
	struct sym *sy = malloc((n ? n : 1) * sizeof *sy);
	art_tok_heap h = {0};
	if (!s || !sy) {
		o->oom = 1;
		goto out;
	}
	size_t w = 0;
	if (space_prefix) {
		memcpy(s, "\xe2\x96\x81", 3);
		w = 3;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ') {
			memcpy(s + w, "\xe2\x96\x81", 3);
			w += 3;
		} else {
			s[w++] = text[i];
		}
	}
	ART_ASSERT(w == n);
	int ns = 0;
	for (size_t i = 0; i < n;) {
		size_t l = tok_utf8_len((unsigned char)s[i]);
		if (l > n - i)
			l = n - i;
		sy[ns] = (struct sym){i, l, ns - 1, -1};
		if (ns > 0)
			sy[ns - 1].next = ns;
		ns++;
		i += l;
	}
	for (int i = 1; i < ns; i++)
		try_pair(t, s, sy, i - 1, i, &h);
	while (h.n && !h.oom) {
		art_tok_bigram b = art_tok_heap_pop(&h);
		struct sym *l = &sy[b.left], *r = &sy[b.right];
		if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
			continue; /* stale: one side changed since it was queued */
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			sy[r->next].prev = b.left;
		try_pair(t, s, sy, l->prev, b.left, &h);
		try_pair(t, s, sy, b.left, l->next, &h);
	}
	if (h.oom) {
		o->oom = 1;
		goto out;
	}
	for (int i = ns ? 0 : -1; i >= 0; i = sy[i].next) {
		int32_t id = tok_lookup(t, s + sy[i].start, sy[i].n);
		if (id >= 0) {
			tok_out_push(o, id);
			continue;
		}
		for (size_t k = 0; k < sy[i].n; k++) {
			int32_t b = t->byte_id[(unsigned char)s[sy[i].start + k]];
			if (b < 0)
				b = t->unk;
			if (b >= 0)
				tok_out_push(o, b);
		}
	}
out:
	free(s);
	free(sy);
	free(h.v);
}

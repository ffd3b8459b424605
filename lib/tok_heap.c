/* tok_heap.c — the merge queue both tokenizers use: a binary min-heap of candidate
 * merges ordered by (key, then leftmost). */
#include "tok_internal.h"
#include <stdlib.h>

static int before(const art_tok_bigram *a, const art_tok_bigram *b)
{
	return a->key < b->key || (a->key == b->key && a->left < b->left);
}

void art_tok_heap_push(art_tok_heap *h, art_tok_bigram b)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 64;
		art_tok_bigram *nv = realloc(h->v, nc * sizeof *nv);
		if (!nv) {
			h->oom = 1;
			return;
		}
		h->v = nv;
		h->cap = nc;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&b, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = b;
}

art_tok_bigram art_tok_heap_pop(art_tok_heap *h)
{
	art_tok_bigram top = h->v[0], last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

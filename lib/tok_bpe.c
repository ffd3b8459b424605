/* tok_bpe.c — byte-level BPE encoding ("gpt2" tokenizer model).
 *
 * Each pre-tokenizer word is mapped byte by byte to GPT-2's printable code points (so
 * every byte is one symbol), then the adjacent pair with the lowest merge rank is merged
 * (ties: leftmost) until no pair is in tokenizer.ggml.merges.  With ignore_merges
 * (llama3) a word that is itself a token is emitted whole.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tok_internal.h"

/* GPT-2 byte map: bytes that are printable non-space Latin-1 stand for themselves; the
 * other 68 take code points 256, 257, ... in byte order. */
uint32_t tok_bpe_byte_cp(uint8_t b)
{
	if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae)
		return b;
	uint32_t k = 0; /* rank of b among the remapped bytes */
	if (b <= 0x20)
		k = b;
	else if (b == 0x7f)
		k = 33;
	else if (b <= 0xa0)
		k = 34 + (uint32_t)(b - 0x80);
	else /* 0xad */
		k = 67;
	return 256 + k;
}

int tok_bpe_cp_byte(uint32_t cp)
{
	if (cp < 256)
		return tok_bpe_byte_cp((uint8_t)cp) == cp ? (int)cp : -1;
	if (cp >= 256 + 68)
		return -1;
	uint32_t k = cp - 256;
	if (k <= 32)
		return (int)k;
	if (k == 33)
		return 0x7f;
	if (k <= 66)
		return (int)(0x80 + (k - 34));
	return 0xad;
}

size_t tok_utf8_put(uint32_t cp, char *d)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

struct sym {
	size_t start, n; /* bytes of the mapped word; n == 0: merged away */
	int prev, next;
};

static void try_pair(const art_tokenizer *t, const char *s, const struct sym *sy, int l, int r,
		     art_tok_heap *h)
{
	if (l < 0 || r < 0)
		return;
	int32_t rank = tok_map_get(&t->merges, s + sy[l].start, sy[l].n, s + sy[r].start,
				   sy[r].n, 1);
	if (rank < 0)
		return;
	art_tok_heap_push(h, (art_tok_bigram){(float)rank, l, r, sy[l].n + sy[r].n});
}

/* Working memory reused across the words of one call. */
struct work {
	char *s;
	struct sym *sy;
	size_t cap; /* bytes of s; sy has as many entries */
	art_tok_heap h;
};

static void encode_word(const art_tokenizer *t, const char *w, size_t wn, struct work *k,
			struct tok_out *o)
{
	if (2 * wn > k->cap) {
		size_t nc = 2 * wn;
		char *ns = realloc(k->s, nc);
		if (!ns) {
			o->oom = 1;
			return;
		}
		k->s = ns;
		struct sym *nsy = realloc(k->sy, nc * sizeof *nsy);
		if (!nsy) {
			o->oom = 1;
			return;
		}
		k->sy = nsy;
		k->cap = nc;
	}
	char *s = k->s;
	struct sym *sy = k->sy;
	size_t n = 0;
	int ns = 0;
	for (size_t i = 0; i < wn; i++) {
		size_t l = tok_utf8_put(tok_bpe_byte_cp((uint8_t)w[i]), s + n);
		sy[ns] = (struct sym){n, l, ns - 1, -1};
		if (ns > 0)
			sy[ns - 1].next = ns;
		ns++;
		n += l;
	}
	if (t->ignore_merges) {
		int32_t id = tok_lookup(t, s, n);
		if (id >= 0) {
			tok_out_push(o, id);
			return;
		}
	}
	art_tok_heap *h = &k->h;
	h->n = 0;
	for (int i = 1; i < ns; i++)
		try_pair(t, s, sy, i - 1, i, h);
	while (h->n && !h->oom) {
		art_tok_bigram b = art_tok_heap_pop(h);
		struct sym *l = &sy[b.left], *r = &sy[b.right];
		if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
			continue; /* stale */
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			sy[r->next].prev = b.left;
		try_pair(t, s, sy, l->prev, b.left, h);
		try_pair(t, s, sy, b.left, l->next, h);
	}
	if (h->oom) {
		o->oom = 1;
		return;
	}
	for (int i = 0; i >= 0 && ns > 0; i = sy[i].next) {
		int32_t id = tok_lookup(t, s + sy[i].start, sy[i].n);
		if (id >= 0) {
			tok_out_push(o, id);
			continue;
		}
		/* not a token: one token per byte (each symbol byte's mapped character) */
		for (size_t p = sy[i].start; p < sy[i].start + sy[i].n;) {
			size_t l = tok_utf8_len((unsigned char)s[p]);
			uint32_t cp = l == 2 ? (((uint32_t)(s[p] & 0x1f) << 6) | (s[p + 1] & 0x3f))
					     : (unsigned char)s[p];
			int b = tok_bpe_cp_byte(cp);
			int32_t bid = b >= 0 ? t->byte_id[b] : -1;
			if (bid < 0)
				bid = t->unk;
			if (bid >= 0)
				tok_out_push(o, bid);
			p += l;
		}
	}
}

void tok_bpe_encode(const art_tokenizer *t, const char *text, size_t len, struct tok_out *o)
{
	size_t *lens = NULL, nl = 0;
	if (len >= INT32_MAX / 2) { /* symbol indices are int */
		o->oom = 1;
		return;
	}
	if (tok_pre_split(t->re, text, len, &lens, &nl) != ART_OK) {
		o->oom = 1;
		return;
	}
	struct work k = {0};
	size_t off = 0;
	for (size_t i = 0; i < nl && !o->oom; i++) {
		encode_word(t, text + off, lens[i], &k, o);
		off += lens[i];
	}
	free(lens);
	free(k.s);
	free(k.sy);
	free(k.h.v);
}

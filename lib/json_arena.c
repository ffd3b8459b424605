/* json_arena.c — tagged cJSON hooks and bump-pointer arenas (see json_arena.h). */
#include "json_arena.h"
#include "err.h"
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>

/* Every block cJSON gets starts 16 bytes after its tag (which keeps malloc's 16-byte
 * alignment): TAG_HEAP blocks are freed, TAG_ARENA blocks go with their arena. */
#define TAG_HEAP 0x68656170u
#define TAG_ARENA 0x6172656eu
#define HDR 16
#define BLOCK (64u << 10)

typedef struct block {
	struct block *prev; /* older block */
	size_t used, cap;
	_Alignas(16) char data[];
} block;

struct art_json_arena {
	block *head; /* newest block; never NULL */
};

static __thread art_json_arena *cur;
static __thread unsigned long heap_allocs;

static block *block_new(size_t cap, block *prev)
{
	block *b = malloc(sizeof *b + cap);
	if (!b)
		return NULL;
	b->prev = prev;
	b->used = 0;
	b->cap = cap;
	return b;
}

int art_json_arena_new(art_json_arena **out)
{
	art_json_arena *a = malloc(sizeof *a);
	if (!a || !(a->head = block_new(BLOCK, NULL))) {
		free(a);
		return ART_ENOMEM;
	}
	*out = a;
	return ART_OK;
}

void art_json_arena_free(art_json_arena *a)
{
	if (!a)
		return;
	for (block *b = a->head, *p; b; b = p) {
		p = b->prev;
		free(b);
	}
	free(a);
}

static void *hook_malloc(size_t n)
{
	size_t need = (n + HDR + 15) & ~(size_t)15;
	char *p;
	art_json_arena *a = cur;
	if (a) {
		block *b = a->head;
		if (b->cap - b->used < need) {
			block *nb = block_new(need > BLOCK ? need : BLOCK, b);
			if (!nb)
				return NULL;
			a->head = b = nb;
		}
		p = b->data + b->used;
		b->used += need;
		*(uint32_t *)p = TAG_ARENA;
		return p + HDR;
	}
	heap_allocs++;
	if (!(p = malloc(n + HDR)))
		return NULL;
	*(uint32_t *)p = TAG_HEAP;
	return p + HDR;
}

static void hook_free(void *q)
{
	if (!q)
		return;
	char *p = (char *)q - HDR;
	ART_ASSERT(*(uint32_t *)p == TAG_HEAP || *(uint32_t *)p == TAG_ARENA);
	if (*(uint32_t *)p == TAG_HEAP) {
		*(uint32_t *)p = 0;
		free(p);
	}
}

void art_json_arena_hooks(int on)
{
	cJSON_Hooks h = {.malloc_fn = hook_malloc, .free_fn = hook_free};
	cJSON_InitHooks(on ? &h : NULL);
}

art_json_arena *art_json_arena_use(art_json_arena *a)
{
	art_json_arena *prev = cur;
	cur = a;
	return prev;
}

unsigned long art_json_arena_heap_count(void) { return heap_allocs; }

art_json_arena_mark art_json_arena_get_mark(const art_json_arena *a)
{
	return (art_json_arena_mark){a->head, a->head->used};
}

void art_json_arena_release(art_json_arena *a, art_json_arena_mark m)
{
	while (a->head != m.block) {
		block *p = a->head->prev;
		ART_ASSERT(p); /* m is a mark of this arena */
		free(a->head);
		a->head = p;
	}
	a->head->used = m.used;
}

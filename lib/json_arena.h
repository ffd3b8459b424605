/* json_arena.h — arenas for cJSON allocations, for loops that parse, edit, print and
 * drop one envelope after another.
 *
 * art_json_arena_hooks(1) routes every cJSON allocation of the process through hooks
 * that put a 16-byte tag before each block.  While a thread has an arena in use
 * (art_json_arena_use), its cJSON allocations come from that arena and freeing them is
 * a no-op; otherwise they come from the heap and are freed normally.  An arena gives its
 * memory back all at once (art_json_arena_release to a mark), so trees allocated since
 * the mark must no longer be used — cJSON_Delete on them is still allowed and cheap.
 *
 * Rules for callers while the hooks are on:
 *  - memory cJSON hands out (cJSON_Print*, cJSON_malloc) is freed with cJSON_free, never
 *    free(); trees made before the hooks went on are not freed until they are off again,
 *    and trees made while they are on not after (the tags would not match);
 *  - anything that outlives the current envelope (caches, lazily compiled schemas,
 *    queues) is made with no arena in use (art_json_arena_use(NULL) around it).
 * The hooks are process-wide: switch them only while one thread runs.
 *
 * Ownership: the creator owns an arena (_new/_free); it must not be in use by any thread
 * when freed.  Each arena is used by one thread at a time.
 */
#ifndef ART_JSON_ARENA_H
#define ART_JSON_ARENA_H
#include <stddef.h>

typedef struct art_json_arena art_json_arena;

/* A position in an arena, to release back to. */
typedef struct {
	void *block;
	size_t used;
} art_json_arena_mark;

int art_json_arena_new(art_json_arena **out);
void art_json_arena_free(art_json_arena *a);

/* 1: cJSON allocates through the tagging hooks; 0: back to malloc/free. */
void art_json_arena_hooks(int on);
/* Makes a (NULL: none, the heap) the calling thread's arena; returns the previous one. */
art_json_arena *art_json_arena_use(art_json_arena *a);
/* Number of heap allocations the hooks made on the calling thread so far: unchanged over
 * a span means every cJSON allocation of the thread in it came from an arena. */
unsigned long art_json_arena_heap_count(void);

art_json_arena_mark art_json_arena_get_mark(const art_json_arena *a);
/* Gives back everything allocated since m (a mark of this arena taken before); blocks
 * added since are freed. */
void art_json_arena_release(art_json_arena *a, art_json_arena_mark m);
#endif

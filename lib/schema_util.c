/* schema_util.c — pool allocator, growable strings and JSON equality for schema*.c. */
#include <string.h>
#include "err.h"
#include "schema_int.h"

#define POOL_BLOCK 16384

void *sch_pool_alloc(sch_pool *p, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	sch_pool_blk *b = p->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = p->head;
		p->head = b;
	}
	void *r = b->data + b->used;
	b->used += n;
	memset(r, 0, n);
	return r;
}

char *sch_pool_strdup(sch_pool *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = sch_pool_alloc(p, n);
	if (r)
		memcpy(r, s, n);
	return r;
}

void sch_pool_free(sch_pool *p)
{
	sch_pool_blk *b = p->head;
	while (b) {
		sch_pool_blk *nx = b->next;
		free(b);
		b = nx;
	}
	p->head = NULL;
}

void sch_buf_addn(sch_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sch_buf_adds(sch_buf *b, const char *s)
{
	sch_buf_addn(b, s, strlen(s));
}

void sch_buf_addc(sch_buf *b, char c)
{
	sch_buf_addn(b, &c, 1);
}

void sch_buf_ptr_seg(sch_buf *b, const char *seg)
{
	sch_buf_addc(b, '/');
	for (; *seg; seg++) {
		if (*seg == '~')
			sch_buf_adds(b, "~0");
		else if (*seg == '/')
			sch_buf_adds(b, "~1");
		else
			sch_buf_addc(b, *seg);
	}
}

void sch_buf_free(sch_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

static int num_equal(double a, double b)
{
	return a == b;
}

int sch_json_equal(const cJSON *a, const cJSON *b)
{
	int ta = a->type & 0xff, tb = b->type & 0xff;
	if (ta != tb)
		return 0;
	switch (ta) {
	case cJSON_NULL:
	case cJSON_True:
	case cJSON_False:
		return 1;
	case cJSON_Number:
		return num_equal(a->valuedouble, b->valuedouble);
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array: {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next)
			if (!sch_json_equal(x, y))
				return 0;
		return !x && !y;
	}
	case cJSON_Object: {
		int na = 0, nb = 0;
		for (const cJSON *x = a->child; x; x = x->next)
			na++;
		for (const cJSON *y = b->child; y; y = y->next)
			nb++;
		if (na != nb)
			return 0;
		for (const cJSON *x = a->child; x; x = x->next) {
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (!y || !sch_json_equal(x, y))
				return 0;
		}
		return 1;
	}
	}
	return 0;
}

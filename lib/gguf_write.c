/* gguf_write.c — GGUF v3 writer: header, key/values, tensor infos, aligned data. */
#include "gguf_write.h"
#include "err.h"
#include "quant.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GGUF_MAGIC 0x46554747u /* "GGUF" little-endian */

typedef struct {
	char *name;
	uint32_t n_dims, type;
	int64_t ne[4];
	uint64_t size, offset;
} wtensor;

typedef struct {
	uint8_t *p;
	size_t n, cap;
} bytes;

struct art_gguf_writer {
	bytes kv;          /* serialized key/values */
	uint64_t n_kv;
	wtensor *t;
	int64_t nt, tcap;
	uint32_t alignment;
	FILE *f;
	char *path;
	int64_t cur;       /* tensor being written */
	uint64_t cur_done; /* bytes of it written */
	uint64_t pos;      /* bytes written to the file */
	int closed;
};

static int put(bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		while (nc < b->n + n)
			nc *= 2;
		uint8_t *np = realloc(b->p, nc);
		if (!np)
			return ART_ENOMEM;
		b->p = np, b->cap = nc;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return ART_OK;
}
/* the format is little-endian; so is every machine we build for */
static int put_u32(bytes *b, uint32_t v) { return put(b, &v, 4); }
static int put_u64(bytes *b, uint64_t v) { return put(b, &v, 8); }
static int put_str(bytes *b, const char *s, uint64_t n)
{
	int rc = put_u64(b, n);
	return rc ? rc : put(b, s, n);
}
static int put_key(art_gguf_writer *w, const char *key, enum art_gguf_vtype t)
{
	int rc = put_str(&w->kv, key, strlen(key));
	if (!rc)
		rc = put_u32(&w->kv, (uint32_t)t);
	if (!rc)
		w->n_kv++;
	return rc;
}

int art_gguf_writer_new(art_gguf_writer **out)
{
	art_gguf_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ART_ENOMEM;
	w->alignment = 32;
	*out = w;
	return ART_OK;
}

void art_gguf_writer_free(art_gguf_writer *w)
{
	if (!w)
		return;
	if (w->f) {
		fclose(w->f);
		if (!w->closed && w->path)
			unlink(w->path);
	}
	for (int64_t i = 0; i < w->nt; i++)
		free(w->t[i].name);
	free(w->t);
	free(w->kv.p);
	free(w->path);
	free(w);
}

int art_gguf_writer_kv_u32(art_gguf_writer *w, const char *key, uint32_t v)
{
	if (!strcmp(key, "general.alignment")) {
		if (!v || (v & (v - 1)))
			return ART_EINVAL;
		w->alignment = v;
	}
	int rc = put_key(w, key, ART_GGUF_VTYPE_UINT32);
	return rc ? rc : put_u32(&w->kv, v);
}
int art_gguf_writer_kv_i32(art_gguf_writer *w, const char *key, int32_t v)
{
	int rc = put_key(w, key, ART_GGUF_VTYPE_INT32);
	return rc ? rc : put(&w->kv, &v, 4);
}
int art_gguf_writer_kv_f32(art_gguf_writer *w, const char *key, float v)
{
	int rc = put_key(w, key, ART_GGUF_VTYPE_FLOAT32);
	return rc ? rc : put(&w->kv, &v, 4);
}
int art_gguf_writer_kv_bool(art_gguf_writer *w, const char *key, int v)
{
	uint8_t b = v ? 1 : 0;
	int rc = put_key(w, key, ART_GGUF_VTYPE_BOOL);
	return rc ? rc : put(&w->kv, &b, 1);
}
int art_gguf_writer_kv_str(art_gguf_writer *w, const char *key, const char *v)
{
	int rc = put_key(w, key, ART_GGUF_VTYPE_STRING);
	return rc ? rc : put_str(&w->kv, v, strlen(v));
}

static size_t vtype_size(enum art_gguf_vtype t)
{
	switch (t) {
	case ART_GGUF_VTYPE_UINT8: case ART_GGUF_VTYPE_INT8: case ART_GGUF_VTYPE_BOOL: return 1;
	case ART_GGUF_VTYPE_UINT16: case ART_GGUF_VTYPE_INT16: return 2;
	case ART_GGUF_VTYPE_UINT32: case ART_GGUF_VTYPE_INT32: case ART_GGUF_VTYPE_FLOAT32: return 4;
	case ART_GGUF_VTYPE_UINT64: case ART_GGUF_VTYPE_INT64: case ART_GGUF_VTYPE_FLOAT64: return 8;
	default: return 0;
	}
}

int art_gguf_writer_kv_arr(art_gguf_writer *w, const char *key, enum art_gguf_vtype elem,
			   const void *data, uint64_t n)
{
	size_t es = vtype_size(elem);
	if (!es || n > SIZE_MAX / es)
		return ART_EINVAL;
	int rc = put_key(w, key, ART_GGUF_VTYPE_ARRAY);
	if (!rc)
		rc = put_u32(&w->kv, (uint32_t)elem);
	if (!rc)
		rc = put_u64(&w->kv, n);
	if (!rc && n)
		rc = put(&w->kv, data, (size_t)n * es);
	return rc;
}

int art_gguf_writer_kv_arr_str(art_gguf_writer *w, const char *key, const char *const *v, uint64_t n)
{
	int rc = put_key(w, key, ART_GGUF_VTYPE_ARRAY);
	if (!rc)
		rc = put_u32(&w->kv, ART_GGUF_VTYPE_STRING);
	if (!rc)
		rc = put_u64(&w->kv, n);
	for (uint64_t i = 0; !rc && i < n; i++)
		rc = put_str(&w->kv, v[i], strlen(v[i]));
	return rc;
}

int art_gguf_writer_kv_copy(art_gguf_writer *w, const art_gguf *src, const char *key)
{
	int64_t i = art_gguf_find_key(src, key);
	if (i < 0)
		return ART_ENOENT;
	enum art_gguf_vtype t = art_gguf_kv_type(src, i);
	int rc;
	switch (t) {
	case ART_GGUF_VTYPE_STRING: {
		art_gguf_str s;
		if ((rc = art_gguf_get_str(src, key, &s)))
			return rc;
		if ((rc = put_key(w, key, t)))
			return rc;
		return put_str(&w->kv, s.s, s.n);
	}
	case ART_GGUF_VTYPE_FLOAT32: {
		float v;
		if ((rc = art_gguf_get_f32(src, key, &v)))
			return rc;
		return art_gguf_writer_kv_f32(w, key, v);
	}
	case ART_GGUF_VTYPE_BOOL: {
		int v;
		if ((rc = art_gguf_get_bool(src, key, &v)))
			return rc;
		return art_gguf_writer_kv_bool(w, key, v);
	}
	case ART_GGUF_VTYPE_ARRAY: {
		enum art_gguf_vtype e;
		uint64_t n;
		if ((rc = art_gguf_get_arr(src, key, &e, &n)))
			return rc;
		if (e == ART_GGUF_VTYPE_STRING) {
			if ((rc = put_key(w, key, t)) || (rc = put_u32(&w->kv, e)) || (rc = put_u64(&w->kv, n)))
				return rc;
			for (uint64_t k = 0; k < n; k++) {
				art_gguf_str s;
				if ((rc = art_gguf_arr_str(src, key, k, &s)) || (rc = put_str(&w->kv, s.s, s.n)))
					return rc;
			}
			return ART_OK;
		}
		if (!vtype_size(e))
			return ART_EUNSUPP;
		const void *data;
		if ((rc = art_gguf_arr_data(src, key, &data)))
			return rc;
		return art_gguf_writer_kv_arr(w, key, e, data, n);
	}
	case ART_GGUF_VTYPE_FLOAT64:
		return ART_EUNSUPP;
	default: { /* integers: write back in the same width */
		int64_t v;
		if ((rc = art_gguf_get_i64(src, key, &v)))
			return rc;
		if ((rc = put_key(w, key, t)))
			return rc;
		return put(&w->kv, &v, vtype_size(t)); /* little-endian: low bytes first */
	}
	}
}

int art_gguf_writer_tensor(art_gguf_writer *w, const char *name, uint32_t n_dims,
			   const int64_t *ne, uint32_t type)
{
	const art_qtraits *tr = art_quant_traits(type);
	if (w->f || !tr || n_dims < 1 || n_dims > 4 || !name || !*name)
		return ART_EINVAL;
	if (ne[0] <= 0 || ne[0] % tr->blck)
		return ART_EINVAL;
	uint64_t rows = 1;
	for (uint32_t d = 1; d < n_dims; d++) {
		if (ne[d] <= 0)
			return ART_EINVAL;
		rows *= (uint64_t)ne[d];
	}
	if (w->nt == w->tcap) {
		int64_t nc = w->tcap ? w->tcap * 2 : 64;
		wtensor *nt = realloc(w->t, (size_t)nc * sizeof *nt);
		if (!nt)
			return ART_ENOMEM;
		w->t = nt, w->tcap = nc;
	}
	wtensor *t = &w->t[w->nt];
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	if (!t->name)
		return ART_ENOMEM;
	t->n_dims = n_dims, t->type = type;
	for (int d = 0; d < 4; d++)
		t->ne[d] = (uint32_t)d < n_dims ? ne[d] : 1;
	t->size = art_quant_row_size(type, ne[0]) * rows;
	w->nt++;
	return ART_OK;
}

uint64_t art_gguf_writer_tensor_size(const art_gguf_writer *w, int64_t i)
{
	ART_ASSERT(i >= 0 && i < w->nt);
	return w->t[i].size;
}

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

static int fput(art_gguf_writer *w, const void *p, size_t n, char *err, size_t errsz)
{
	if (n && fwrite(p, 1, n, w->f) != n) {
		snprintf(err, errsz, "%s: write failed at byte %llu: %s", w->path,
			 (unsigned long long)w->pos, strerror(errno));
		return ART_EIO;
	}
	w->pos += n;
	return ART_OK;
}

static int pad_to(art_gguf_writer *w, uint64_t to, char *err, size_t errsz)
{
	static const uint8_t zeros[256];
	while (w->pos < to) {
		size_t k = to - w->pos < sizeof zeros ? (size_t)(to - w->pos) : sizeof zeros;
		int rc = fput(w, zeros, k, err, errsz);
		if (rc)
			return rc;
	}
	return ART_OK;
}

int art_gguf_writer_open(art_gguf_writer *w, const char *path, char *err, size_t errsz)
{
	bytes h = {0};
	int rc = ART_OK;
	uint64_t off = 0;
	if (w->f)
		return ART_EINVAL;
	rc = put_u32(&h, GGUF_MAGIC);
	if (!rc) rc = put_u32(&h, 3);
	if (!rc) rc = put_u64(&h, (uint64_t)w->nt);
	if (!rc) rc = put_u64(&h, w->n_kv);
	if (!rc) rc = put(&h, w->kv.p, w->kv.n);
	for (int64_t i = 0; !rc && i < w->nt; i++) {
		wtensor *t = &w->t[i];
		t->offset = off;
		off = align_up(off + t->size, w->alignment);
		rc = put_str(&h, t->name, strlen(t->name));
		if (!rc) rc = put_u32(&h, t->n_dims);
		for (uint32_t d = 0; !rc && d < t->n_dims; d++)
			rc = put_u64(&h, (uint64_t)t->ne[d]);
		if (!rc) rc = put_u32(&h, t->type);
		if (!rc) rc = put_u64(&h, t->offset);
	}
	if (rc) {
		free(h.p);
		snprintf(err, errsz, "%s: out of memory building the header", path);
		return rc;
	}
	w->path = strdup(path);
	w->f = fopen(path, "wb");
	if (!w->f || !w->path) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		free(h.p);
		return ART_EIO;
	}
	rc = fput(w, h.p, h.n, err, errsz);
	free(h.p);
	if (!rc)
		rc = pad_to(w, align_up(w->pos, w->alignment), err, errsz);
	w->cur = 0, w->cur_done = 0;
	return rc;
}

/* file offset where the data section starts = header size rounded up; tensors follow */
int art_gguf_writer_data(art_gguf_writer *w, const void *data, size_t n, char *err, size_t errsz)
{
	const uint8_t *p = data;
	if (!w->f) {
		snprintf(err, errsz, "gguf writer: data before open");
		return ART_EINVAL;
	}
	while (n) {
		if (w->cur >= w->nt) {
			snprintf(err, errsz, "%s: more data than the declared tensors hold", w->path);
			return ART_EINVAL;
		}
		wtensor *t = &w->t[w->cur];
		uint64_t left = t->size - w->cur_done;
		size_t k = n < left ? n : (size_t)left;
		int rc = fput(w, p, k, err, errsz);
		if (rc)
			return rc;
		p += k, n -= k, w->cur_done += k;
		if (w->cur_done == t->size) {
			w->cur++, w->cur_done = 0;
			if (w->cur < w->nt && (rc = pad_to(w, align_up(w->pos, w->alignment), err, errsz)))
				return rc;
		}
	}
	return ART_OK;
}

int art_gguf_writer_close(art_gguf_writer *w, char *err, size_t errsz)
{
	if (!w->f || w->cur != w->nt) {
		snprintf(err, errsz, "%s: %lld of %lld tensors written", w->path ? w->path : "gguf",
			 (long long)w->cur, (long long)w->nt);
		return ART_EINVAL;
	}
	int bad = fflush(w->f) != 0 || ferror(w->f);
	bad |= fclose(w->f) != 0;
	w->f = NULL;
	if (bad) {
		snprintf(err, errsz, "%s: write failed: %s", w->path, strerror(errno));
		unlink(w->path);
		return ART_EIO;
	}
	w->closed = 1;
	return ART_OK;
}

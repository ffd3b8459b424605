/* gguf.c — GGUF v2/v3 reader: mmap, validate everything once, then O(1) accessors. */
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "quant.h"

#define GGUF_MAGIC 0x46554747u /* "GGUF" little-endian */
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_ARRAY_DEPTH 4

typedef struct {
	art_gguf_str key;
	enum art_gguf_vtype type;
	const uint8_t *val;        /* start of the value in the mapping */
	/* arrays only */
	enum art_gguf_vtype elem;
	uint64_t n;
	const uint8_t *arr;        /* first element */
	art_gguf_str *strs;        /* string arrays: n views (owned) */
} gguf_kv;

struct art_gguf {
	const uint8_t *map;
	size_t size;
	int version;
	uint64_t alignment;
	uint64_t data_off;         /* start of the tensor-data section */
	int64_t n_kv, n_tensors;
	gguf_kv *kv;
	art_gguf_tensor *t;
	int64_t *kv_hash, *t_hash; /* open addressing, -1 empty; size kv_hcap / t_hcap */
	uint64_t kv_hcap, t_hcap;
};

/* ---- parsing cursor ---------------------------------------------------------------- */

typedef struct {
	const uint8_t *p;
	size_t size, off;
	const char *path;
	char *err;
	size_t errsz;
} cur;

static int cerr(cur *c, int status, const char *fmt, ...)
{
	if (c->err && c->errsz) {
		int n = snprintf(c->err, c->errsz, "%s: offset %zu: ", c->path, c->off);
		if (n >= 0 && (size_t)n < c->errsz) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errsz - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return status;
}

static int need(cur *c, uint64_t n, const char *what)
{
	if (n > c->size - c->off)
		return cerr(c, ART_EFORMAT, "truncated: %s needs %llu bytes, %zu left", what,
			    (unsigned long long)n, c->size - c->off);
	return ART_OK;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int get32(cur *c, uint32_t *v, const char *what)
{
	int rc = need(c, 4, what);
	if (rc) return rc;
	*v = rd32(c->p + c->off);
	c->off += 4;
	return ART_OK;
}
static int get64(cur *c, uint64_t *v, const char *what)
{
	int rc = need(c, 8, what);
	if (rc) return rc;
	*v = rd64(c->p + c->off);
	c->off += 8;
	return ART_OK;
}
static int getstr(cur *c, art_gguf_str *s, const char *what)
{
	uint64_t n;
	int rc = get64(c, &n, what);
	if (rc) return rc;
	if ((rc = need(c, n, what))) return rc;
	s->s = (const char *)c->p + c->off;
	s->n = n;
	c->off += n;
	return ART_OK;
}

static size_t vtype_size(uint32_t t)
{
	switch (t) {
	case ART_GGUF_VTYPE_UINT8: case ART_GGUF_VTYPE_INT8: case ART_GGUF_VTYPE_BOOL: return 1;
	case ART_GGUF_VTYPE_UINT16: case ART_GGUF_VTYPE_INT16: return 2;
	case ART_GGUF_VTYPE_UINT32: case ART_GGUF_VTYPE_INT32: case ART_GGUF_VTYPE_FLOAT32: return 4;
	case ART_GGUF_VTYPE_UINT64: case ART_GGUF_VTYPE_INT64: case ART_GGUF_VTYPE_FLOAT64: return 8;
	}
	return 0; /* string, array, unknown */
}

/* Skips one value of type t (recursing into nested arrays up to a depth limit). */
static int skip_value(cur *c, uint32_t t, int depth)
{
	size_t sz = vtype_size(t);
	if (sz) return need(c, sz, "value") ? ART_EFORMAT : (c->off += sz, ART_OK);
	if (t == ART_GGUF_VTYPE_STRING) {
		art_gguf_str s;
		return getstr(c, &s, "string value");
	}
	if (t != ART_GGUF_VTYPE_ARRAY) return cerr(c, ART_EFORMAT, "unknown value type %u", t);
	if (depth >= GGUF_MAX_ARRAY_DEPTH) return cerr(c, ART_EFORMAT, "arrays nested too deep");
	uint32_t et;
	uint64_t n;
	int rc;
	if ((rc = get32(c, &et, "array element type")) || (rc = get64(c, &n, "array length")))
		return rc;
	size_t esz = vtype_size(et);
	if (esz) {
		if (n > (c->size - c->off) / esz)
			return cerr(c, ART_EFORMAT, "array of %llu %s runs past end of file",
				    (unsigned long long)n, art_gguf_vtype_name(et));
		c->off += n * esz;
		return ART_OK;
	}
	for (uint64_t i = 0; i < n; i++)
		if ((rc = skip_value(c, et, depth + 1))) return rc;
	return ART_OK;
}

/* ---- hashing ----------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, uint64_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (uint64_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static int str_eq2(art_gguf_str a, const char *b, size_t bn)
{
	return a.n == bn && memcmp(a.s, b, bn) == 0;
}

static int64_t *hash_new(uint64_t n, uint64_t *cap)
{
	uint64_t c = 16;
	while (c < 2 * n + 1) c <<= 1;
	int64_t *h = malloc(c * sizeof *h);
	if (!h) return NULL;
	for (uint64_t i = 0; i < c; i++) h[i] = -1;
	*cap = c;
	return h;
}

/* Inserts idx with name s; returns 0, or 1 if the name is already present. */
static int hash_put(int64_t *h, uint64_t cap, art_gguf_str s, int64_t idx,
		    const art_gguf_str *(*name_of)(const art_gguf *, int64_t), const art_gguf *g)
{
	uint64_t i = hash_bytes(s.s, s.n) & (cap - 1);
	while (h[i] >= 0) {
		const art_gguf_str *o = name_of(g, h[i]);
		if (str_eq2(*o, s.s, s.n)) return 1;
		i = (i + 1) & (cap - 1);
	}
	h[i] = idx;
	return 0;
}

static const art_gguf_str *kv_name(const art_gguf *g, int64_t i) { return &g->kv[i].key; }
static const art_gguf_str *t_name(const art_gguf *g, int64_t i) { return &g->t[i].name; }

static int64_t hash_get(const int64_t *h, uint64_t cap, const char *s,
			const art_gguf_str *(*name_of)(const art_gguf *, int64_t), const art_gguf *g)
{
	if (!h || !s) return -1;
	size_t n = strlen(s);
	uint64_t i = hash_bytes(s, n) & (cap - 1);
	while (h[i] >= 0) {
		if (str_eq2(*name_of(g, h[i]), s, n)) return h[i];
		i = (i + 1) & (cap - 1);
	}
	return -1;
}

/* ---- open / close ------------------------------------------------------------------ */

static int parse_kv(art_gguf *g, cur *c, gguf_kv *kv)
{
	int rc;
	uint32_t t;
	if ((rc = getstr(c, &kv->key, "key"))) return rc;
	if ((rc = get32(c, &t, "value type"))) return rc;
	if (t > ART_GGUF_VTYPE_FLOAT64)
		return cerr(c, ART_EFORMAT, "key '%.*s': unknown value type %u",
			    (int)(kv->key.n > 200 ? 200 : kv->key.n), kv->key.s, t);
	kv->type = (enum art_gguf_vtype)t;
	kv->val = c->p + c->off;
	if (t != ART_GGUF_VTYPE_ARRAY) return skip_value(c, t, 0);

	uint32_t et;
	if ((rc = get32(c, &et, "array element type")) || (rc = get64(c, &kv->n, "array length")))
		return rc;
	if (et > ART_GGUF_VTYPE_FLOAT64)
		return cerr(c, ART_EFORMAT, "key '%.*s': unknown array element type %u",
			    (int)(kv->key.n > 200 ? 200 : kv->key.n), kv->key.s, et);
	kv->elem = (enum art_gguf_vtype)et;
	kv->arr = c->p + c->off;
	if (et == ART_GGUF_VTYPE_STRING) {
		/* every string needs at least its 8-byte length, which bounds the allocation */
		if (kv->n > (c->size - c->off) / 8)
			return cerr(c, ART_EFORMAT, "key '%.*s': %llu strings cannot fit in the file",
				    (int)(kv->key.n > 200 ? 200 : kv->key.n), kv->key.s,
				    (unsigned long long)kv->n);
		kv->strs = malloc((kv->n ? kv->n : 1) * sizeof *kv->strs);
		if (!kv->strs) return cerr(c, ART_ENOMEM, "out of memory for string array");
		for (uint64_t i = 0; i < kv->n; i++)
			if ((rc = getstr(c, &kv->strs[i], "array string"))) return rc;
		return ART_OK;
	}
	/* rewind to the array header and skip it as a whole (handles nested arrays) */
	c->off = (size_t)(kv->val - c->p);
	(void)g;
	return skip_value(c, ART_GGUF_VTYPE_ARRAY, 0);
}

static int parse_tensor(art_gguf *g, cur *c, art_gguf_tensor *t)
{
	int rc;
	uint32_t nd;
	if ((rc = getstr(c, &t->name, "tensor name"))) return rc;
	int nl = (int)(t->name.n > 200 ? 200 : t->name.n);
	if ((rc = get32(c, &nd, "tensor n_dims"))) return rc;
	if (nd == 0 || nd > 4)
		return cerr(c, ART_EFORMAT, "tensor '%.*s': n_dims %u not in 1..4", nl, t->name.s, nd);
	t->n_dims = nd;
	uint64_t nel = 1;
	for (int i = 0; i < 4; i++) t->ne[i] = 1;
	for (uint32_t i = 0; i < nd; i++) {
		uint64_t v;
		if ((rc = get64(c, &v, "tensor dimension"))) return rc;
		if (v == 0 || v > (1ull << 40) || nel > (1ull << 50) / v)
			return cerr(c, ART_EFORMAT, "tensor '%.*s': dimension %u = %llu out of range",
				    nl, t->name.s, i, (unsigned long long)v);
		t->ne[i] = (int64_t)v;
		nel *= v;
	}
	if ((rc = get32(c, &t->type, "tensor type")) || (rc = get64(c, &t->offset, "tensor offset")))
		return rc;
	if (t->offset % g->alignment)
		return cerr(c, ART_EFORMAT, "tensor '%.*s': offset %llu not a multiple of alignment %llu",
			    nl, t->name.s, (unsigned long long)t->offset,
			    (unsigned long long)g->alignment);
	const art_qtraits *q = art_quant_traits(t->type);
	if (!q) { /* unknown type: the tensor is listed, but has no data view */
		t->nbytes = 0;
		t->data = NULL;
		return ART_OK;
	}
	if (t->ne[0] % q->blck)
		return cerr(c, ART_EFORMAT, "tensor '%.*s': ne0 %lld not a multiple of %s block %d",
			    nl, t->name.s, (long long)t->ne[0], q->name, (int)q->blck);
	t->nbytes = nel / (uint64_t)q->blck * q->type_size;
	return ART_OK;
}

int art_gguf_open(art_gguf **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	if (err && errsz) err[0] = 0;
	cur c = {.path = path, .err = err, .errsz = errsz};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		cerr(&c, e == ENOENT ? ART_ENOENT : ART_EIO, "cannot open: %s", strerror(e));
		return e == ENOENT ? ART_ENOENT : ART_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cerr(&c, ART_EIO, "not a regular file");
	}
	if (st.st_size < 24) {
		close(fd);
		c.size = (size_t)st.st_size;
		return cerr(&c, ART_EFORMAT, "file too small for a GGUF header (%lld bytes)",
			    (long long)st.st_size);
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED) return cerr(&c, ART_EIO, "mmap failed: %s", strerror(e));

	art_gguf *g = calloc(1, sizeof *g);
	if (!g) {
		munmap(m, (size_t)st.st_size);
		return cerr(&c, ART_ENOMEM, "out of memory");
	}
	g->map = m;
	g->size = (size_t)st.st_size;
	c.p = g->map;
	c.size = g->size;

	int rc;
	uint32_t magic, ver;
	uint64_t nt, nkv;
	if ((rc = get32(&c, &magic, "magic"))) goto fail;
	if (magic != GGUF_MAGIC) {
		c.off = 0;
		rc = cerr(&c, ART_EFORMAT, "not a GGUF file (bad magic)");
		goto fail;
	}
	if ((rc = get32(&c, &ver, "version"))) goto fail;
	if (ver != 2 && ver != 3) {
		c.off = 4;
		rc = cerr(&c, ART_EUNSUPP, "GGUF version %u not supported (2 and 3 are%s)", ver,
			  ver > 0xffff ? "; big-endian file?" : "");
		goto fail;
	}
	g->version = (int)ver;
	if ((rc = get64(&c, &nt, "tensor count")) || (rc = get64(&c, &nkv, "metadata count")))
		goto fail;
	/* minimum encoded sizes bound the counts before anything is allocated */
	if (nkv > (c.size - c.off) / 13) {
		rc = cerr(&c, ART_EFORMAT, "metadata count %llu cannot fit in the file",
			  (unsigned long long)nkv);
		goto fail;
	}
	g->n_kv = (int64_t)nkv;
	g->kv = calloc(nkv ? nkv : 1, sizeof *g->kv);
	if (!g->kv) { rc = cerr(&c, ART_ENOMEM, "out of memory"); goto fail; }
	g->kv_hash = hash_new(nkv, &g->kv_hcap);
	if (!g->kv_hash) { rc = cerr(&c, ART_ENOMEM, "out of memory"); goto fail; }
	for (int64_t i = 0; i < g->n_kv; i++) {
		size_t at = c.off;
		if ((rc = parse_kv(g, &c, &g->kv[i]))) goto fail;
		if (hash_put(g->kv_hash, g->kv_hcap, g->kv[i].key, i, kv_name, g)) {
			c.off = at;
			rc = cerr(&c, ART_EFORMAT, "duplicate key '%.*s'",
				  (int)(g->kv[i].key.n > 200 ? 200 : g->kv[i].key.n), g->kv[i].key.s);
			goto fail;
		}
	}

	g->alignment = GGUF_DEFAULT_ALIGNMENT;
	int64_t ai = art_gguf_find_key(g, "general.alignment");
	if (ai >= 0) {
		uint32_t a;
		if (art_gguf_get_u32(g, "general.alignment", &a) != ART_OK || a == 0 || (a & (a - 1))) {
			c.off = (size_t)(g->kv[ai].val - g->map);
			rc = cerr(&c, ART_EFORMAT, "general.alignment must be a power-of-two uint32");
			goto fail;
		}
		g->alignment = a;
	}

	if (nt > (c.size - c.off) / 24) {
		rc = cerr(&c, ART_EFORMAT, "tensor count %llu cannot fit in the file",
			  (unsigned long long)nt);
		goto fail;
	}
	g->n_tensors = (int64_t)nt;
	g->t = calloc(nt ? nt : 1, sizeof *g->t);
	if (!g->t) { rc = cerr(&c, ART_ENOMEM, "out of memory"); goto fail; }
	g->t_hash = hash_new(nt, &g->t_hcap);
	if (!g->t_hash) { rc = cerr(&c, ART_ENOMEM, "out of memory"); goto fail; }
	size_t *t_at = malloc((nt ? nt : 1) * sizeof *t_at);
	if (!t_at) { rc = cerr(&c, ART_ENOMEM, "out of memory"); goto fail; }
	for (int64_t i = 0; i < g->n_tensors; i++) {
		t_at[i] = c.off;
		if ((rc = parse_tensor(g, &c, &g->t[i]))) { free(t_at); goto fail; }
		if (hash_put(g->t_hash, g->t_hcap, g->t[i].name, i, t_name, g)) {
			c.off = t_at[i];
			rc = cerr(&c, ART_EFORMAT, "duplicate tensor '%.*s'",
				  (int)(g->t[i].name.n > 200 ? 200 : g->t[i].name.n), g->t[i].name.s);
			free(t_at);
			goto fail;
		}
	}
	/* the data section starts at the next multiple of the alignment */
	uint64_t doff = ((uint64_t)c.off + g->alignment - 1) / g->alignment * g->alignment;
	g->data_off = doff;
	if (g->n_tensors > 0 && doff > c.size) {
		free(t_at);
		rc = cerr(&c, ART_EFORMAT, "truncated: tensor data section starts past end of file");
		goto fail;
	}
	for (int64_t i = 0; i < g->n_tensors; i++) {
		art_gguf_tensor *t = &g->t[i];
		if (!art_quant_traits(t->type)) continue;
		uint64_t avail = c.size - doff;
		if (t->offset > avail || t->nbytes > avail - t->offset) {
			c.off = t_at[i];
			rc = cerr(&c, ART_EFORMAT,
				  "tensor '%.*s' (%llu bytes at data offset %llu) runs past end of file "
				  "(data section has %llu bytes)",
				  (int)(t->name.n > 200 ? 200 : t->name.n), t->name.s,
				  (unsigned long long)t->nbytes, (unsigned long long)t->offset,
				  (unsigned long long)avail);
			free(t_at);
			goto fail;
		}
		t->data = g->map + doff + t->offset;
	}
	free(t_at);
	*out = g;
	return ART_OK;
fail:
	art_gguf_close(g);
	return rc;
}

void art_gguf_close(art_gguf *g)
{
	if (!g) return;
	if (g->kv)
		for (int64_t i = 0; i < g->n_kv; i++) free(g->kv[i].strs);
	free(g->kv);
	free(g->t);
	free(g->kv_hash);
	free(g->t_hash);
	if (g->map) munmap((void *)g->map, g->size);
	free(g);
}

/* ---- accessors --------------------------------------------------------------------- */

int art_gguf_version(const art_gguf *g) { return g->version; }
uint64_t art_gguf_alignment(const art_gguf *g) { return g->alignment; }
uint64_t art_gguf_data_offset(const art_gguf *g) { return g->data_off; }
int64_t art_gguf_n_kv(const art_gguf *g) { return g->n_kv; }
int64_t art_gguf_n_tensors(const art_gguf *g) { return g->n_tensors; }

int64_t art_gguf_find_key(const art_gguf *g, const char *key)
{
	return hash_get(g->kv_hash, g->kv_hcap, key, kv_name, g);
}

art_gguf_str art_gguf_key_name(const art_gguf *g, int64_t i)
{
	art_gguf_str none = {"", 0};
	return (i >= 0 && i < g->n_kv) ? g->kv[i].key : none;
}

enum art_gguf_vtype art_gguf_kv_type(const art_gguf *g, int64_t i)
{
	ART_ASSERT(i >= 0 && i < g->n_kv);
	return g->kv[i].type;
}

int64_t art_gguf_find_tensor(const art_gguf *g, const char *name)
{
	return hash_get(g->t_hash, g->t_hcap, name, t_name, g);
}

const art_gguf_tensor *art_gguf_tensor_at(const art_gguf *g, int64_t i)
{
	return (i >= 0 && i < g->n_tensors) ? &g->t[i] : NULL;
}

static const gguf_kv *lookup(const art_gguf *g, const char *key)
{
	int64_t i = art_gguf_find_key(g, key);
	return i < 0 ? NULL : &g->kv[i];
}

/* Reads an integer-typed scalar as signed/unsigned 128-ish: *neg set when negative. */
static int read_int(const gguf_kv *kv, uint64_t *mag, int *neg)
{
	const uint8_t *p = kv->val;
	int64_t s = 0;
	uint64_t u = 0;
	int is_signed = 0;
	switch (kv->type) {
	case ART_GGUF_VTYPE_UINT8: u = p[0]; break;
	case ART_GGUF_VTYPE_INT8: s = (int8_t)p[0]; is_signed = 1; break;
	case ART_GGUF_VTYPE_UINT16: u = (uint16_t)(p[0] | p[1] << 8); break;
	case ART_GGUF_VTYPE_INT16: s = (int16_t)(uint16_t)(p[0] | p[1] << 8); is_signed = 1; break;
	case ART_GGUF_VTYPE_UINT32: u = rd32(p); break;
	case ART_GGUF_VTYPE_INT32: s = (int32_t)rd32(p); is_signed = 1; break;
	case ART_GGUF_VTYPE_UINT64: u = rd64(p); break;
	case ART_GGUF_VTYPE_INT64: s = (int64_t)rd64(p); is_signed = 1; break;
	default: return ART_ETYPE;
	}
	if (is_signed) {
		*neg = s < 0;
		*mag = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
	} else {
		*neg = 0;
		*mag = u;
	}
	return ART_OK;
}

int art_gguf_get_u32(const art_gguf *g, const char *key, uint32_t *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	uint64_t m;
	int neg;
	if (read_int(kv, &m, &neg) || (neg && m) || m > UINT32_MAX) return ART_ETYPE;
	*out = (uint32_t)m;
	return ART_OK;
}

int art_gguf_get_i64(const art_gguf *g, const char *key, int64_t *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	uint64_t m;
	int neg;
	if (read_int(kv, &m, &neg)) return ART_ETYPE;
	if (neg) {
		if (m > (uint64_t)INT64_MAX + 1) return ART_ETYPE;
		*out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
	} else {
		if (m > (uint64_t)INT64_MAX) return ART_ETYPE;
		*out = (int64_t)m;
	}
	return ART_OK;
}

int art_gguf_get_f32(const art_gguf *g, const char *key, float *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type == ART_GGUF_VTYPE_FLOAT32) {
		uint32_t u = rd32(kv->val);
		memcpy(out, &u, 4);
		return ART_OK;
	}
	if (kv->type == ART_GGUF_VTYPE_FLOAT64) {
		uint64_t u = rd64(kv->val);
		double d;
		memcpy(&d, &u, 8);
		*out = (float)d;
		return ART_OK;
	}
	return ART_ETYPE;
}

int art_gguf_get_bool(const art_gguf *g, const char *key, int *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type != ART_GGUF_VTYPE_BOOL) return ART_ETYPE;
	*out = kv->val[0] != 0;
	return ART_OK;
}

int art_gguf_get_str(const art_gguf *g, const char *key, art_gguf_str *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type != ART_GGUF_VTYPE_STRING) return ART_ETYPE;
	out->n = rd64(kv->val);
	out->s = (const char *)kv->val + 8;
	return ART_OK;
}

int art_gguf_get_arr(const art_gguf *g, const char *key, enum art_gguf_vtype *elem, uint64_t *n)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type != ART_GGUF_VTYPE_ARRAY) return ART_ETYPE;
	if (elem) *elem = kv->elem;
	if (n) *n = kv->n;
	return ART_OK;
}

int art_gguf_arr_data(const art_gguf *g, const char *key, const void **data)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type != ART_GGUF_VTYPE_ARRAY || !vtype_size(kv->elem)) return ART_ETYPE;
	*data = kv->arr;
	return ART_OK;
}

int art_gguf_arr_str(const art_gguf *g, const char *key, uint64_t i, art_gguf_str *out)
{
	const gguf_kv *kv = lookup(g, key);
	if (!kv) return ART_ENOENT;
	if (kv->type != ART_GGUF_VTYPE_ARRAY || kv->elem != ART_GGUF_VTYPE_STRING) return ART_ETYPE;
	if (i >= kv->n) return ART_ERANGE;
	*out = kv->strs[i];
	return ART_OK;
}

int art_gguf_str_eq(art_gguf_str a, const char *b) { return b && str_eq2(a, b, strlen(b)); }

char *art_gguf_str_copy(art_gguf_str s, char *buf, size_t bufsz)
{
	if (!bufsz) return buf;
	size_t n = s.n < bufsz - 1 ? (size_t)s.n : bufsz - 1;
	if (n) memcpy(buf, s.s, n);
	buf[n] = 0;
	return buf;
}

const char *art_gguf_vtype_name(enum art_gguf_vtype t)
{
	static const char *names[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32",
				      "float32", "bool", "string", "array", "uint64", "int64",
				      "float64"};
	return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

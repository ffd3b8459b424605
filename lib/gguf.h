/* gguf.h — read-only GGUF (v2, v3) reader over a private read-only mmap.
 *
 * Ownership: art_gguf_open returns a handle that owns the read-only mmap; every pointer
 * or art_gguf_str obtained from it points into the mapping (or into index tables owned
 * by the handle) and lives until art_gguf_close.
 *
 * Validation: at open time every length, count, offset and tensor extent is checked
 * against the file size, so later accessors never read out of bounds.  Errors name the
 * file, the byte offset and what was wrong.  Multi-byte values in the file are
 * little-endian; numeric array data may be unaligned (use memcpy to read it).
 */
#ifndef ART_GGUF_H
#define ART_GGUF_H
#include <stddef.h>
#include <stdint.h>

enum art_gguf_vtype {
	ART_GGUF_VTYPE_UINT8 = 0,
	ART_GGUF_VTYPE_INT8,
	ART_GGUF_VTYPE_UINT16,
	ART_GGUF_VTYPE_INT16,
	ART_GGUF_VTYPE_UINT32,
	ART_GGUF_VTYPE_INT32,
	ART_GGUF_VTYPE_FLOAT32,
	ART_GGUF_VTYPE_BOOL,
	ART_GGUF_VTYPE_STRING,
	ART_GGUF_VTYPE_ARRAY,
	ART_GGUF_VTYPE_UINT64,
	ART_GGUF_VTYPE_INT64,
	ART_GGUF_VTYPE_FLOAT64,
}; /* numbering as in the GGUF spec */

typedef struct {
	const char *s;
	uint64_t n;
} art_gguf_str; /* NOT NUL-terminated */

typedef struct art_gguf art_gguf;

typedef struct {
	art_gguf_str name;
	uint32_t n_dims;
	int64_t ne[4];     /* elements per dimension, ne[0] fastest; unused dims are 1 */
	uint32_t type;     /* ggml type id (enum art_qtype in quant.h) */
	uint64_t offset;   /* relative to the start of the tensor-data section */
	const void *data;  /* into the mapping; NULL only when type is unknown to quant.h */
	uint64_t nbytes;   /* 0 only when type is unknown */
} art_gguf_tensor;

/* Maps and validates PATH.  On failure *out is NULL and err says why. */
int art_gguf_open(art_gguf **out, const char *path, char *err, size_t errsz);
void art_gguf_close(art_gguf *g); /* NULL is fine */

int art_gguf_version(const art_gguf *g);
uint64_t art_gguf_alignment(const art_gguf *g);
/* File offset of the tensor-data section (a tensor's bytes start at this + its offset). */
uint64_t art_gguf_data_offset(const art_gguf *g);
int64_t art_gguf_n_kv(const art_gguf *g);
int64_t art_gguf_find_key(const art_gguf *g, const char *key); /* index or -1 */
art_gguf_str art_gguf_key_name(const art_gguf *g, int64_t i);
enum art_gguf_vtype art_gguf_kv_type(const art_gguf *g, int64_t i);

/* ART_OK, ART_ENOENT (absent) or ART_ETYPE (wrong type / out of range); integer getters
 * accept any integer vtype whose value fits.  art_gguf_get_f32 also accepts FLOAT64. */
int art_gguf_get_u32(const art_gguf *g, const char *key, uint32_t *out);
int art_gguf_get_i64(const art_gguf *g, const char *key, int64_t *out);
int art_gguf_get_f32(const art_gguf *g, const char *key, float *out);
int art_gguf_get_bool(const art_gguf *g, const char *key, int *out);
int art_gguf_get_str(const art_gguf *g, const char *key, art_gguf_str *out);

/* Arrays: numeric data is a pointer into the mapping (little-endian, possibly unaligned);
 * string arrays get an index of views built at open time, so access is O(1).
 * art_gguf_arr_data on a string array or an array of arrays gives ART_ETYPE;
 * art_gguf_arr_str gives ART_ERANGE for i >= n. */
int art_gguf_get_arr(const art_gguf *g, const char *key, enum art_gguf_vtype *elem, uint64_t *n);
int art_gguf_arr_data(const art_gguf *g, const char *key, const void **data);
int art_gguf_arr_str(const art_gguf *g, const char *key, uint64_t i, art_gguf_str *out);

int64_t art_gguf_n_tensors(const art_gguf *g);
int64_t art_gguf_find_tensor(const art_gguf *g, const char *name); /* index or -1 */
const art_gguf_tensor *art_gguf_tensor_at(const art_gguf *g, int64_t i); /* NULL if out of range */

/* Helpers. */
int art_gguf_str_eq(art_gguf_str a, const char *b);            /* 1 if equal */
const char *art_gguf_vtype_name(enum art_gguf_vtype t);        /* "uint8", ...; never NULL */
/* Copies s into buf (NUL-terminated, truncated to bufsz-1); returns buf. */
char *art_gguf_str_copy(art_gguf_str s, char *buf, size_t bufsz);
#endif

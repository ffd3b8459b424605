/* gguf_write.h — streaming GGUF v3 writer (the spec's layout, readable by any reader).
 *
 * Use: _new; add key/values (_kv_*) and declare tensors (_tensor) in file order; _open
 * writes header, key/values and tensor infos; then _data appends each tensor's bytes in
 * declaration order (any number of calls per tensor; padding between tensors is added
 * by the writer); _close checks every tensor got exactly its size and closes the file.
 * Alignment is general.alignment if set with art_gguf_writer_kv_u32, else 32.
 *
 * Ownership: the writer copies keys, values and names; it owns its FILE and closes it in
 * _close or _free (an unfinished file is removed by _free).
 */
#ifndef ART_GGUF_WRITE_H
#define ART_GGUF_WRITE_H
#include "gguf.h"
#include <stddef.h>
#include <stdint.h>

typedef struct art_gguf_writer art_gguf_writer;

int art_gguf_writer_new(art_gguf_writer **out);
void art_gguf_writer_free(art_gguf_writer *w);

int art_gguf_writer_kv_u32(art_gguf_writer *w, const char *key, uint32_t v);
int art_gguf_writer_kv_i32(art_gguf_writer *w, const char *key, int32_t v);
int art_gguf_writer_kv_f32(art_gguf_writer *w, const char *key, float v);
int art_gguf_writer_kv_bool(art_gguf_writer *w, const char *key, int v);
int art_gguf_writer_kv_str(art_gguf_writer *w, const char *key, const char *v);
/* Numeric array of n elements of vtype elem, data in little-endian element layout. */
int art_gguf_writer_kv_arr(art_gguf_writer *w, const char *key, enum art_gguf_vtype elem,
			   const void *data, uint64_t n);
int art_gguf_writer_kv_arr_str(art_gguf_writer *w, const char *key, const char *const *v, uint64_t n);
/* Copies key/value KEY from an open reader with its exact type.  ART_ENOENT if absent,
 * ART_EUNSUPP for types the reader exposes no getter for (nested arrays). */
int art_gguf_writer_kv_copy(art_gguf_writer *w, const art_gguf *src, const char *key);

/* Declares a tensor (ne[0] fastest; n_dims 1..4; type an enum art_qtype with traits and
 * ne[0] a multiple of its block size).  Returns ART_OK or ART_EINVAL. */
int art_gguf_writer_tensor(art_gguf_writer *w, const char *name, uint32_t n_dims,
			   const int64_t *ne, uint32_t type);
/* Bytes tensor i will occupy. */
uint64_t art_gguf_writer_tensor_size(const art_gguf_writer *w, int64_t i);

int art_gguf_writer_open(art_gguf_writer *w, const char *path, char *err, size_t errsz);
int art_gguf_writer_data(art_gguf_writer *w, const void *data, size_t n, char *err, size_t errsz);
int art_gguf_writer_close(art_gguf_writer *w, char *err, size_t errsz);
#endif

/* trace_buf.h — a growable byte buffer with JSON helpers, and the OTLP/JSON attribute
 * list builder art-trace stores spans with.
 *
 * Attribute lists are kept in the OTLP/HTTP JSON encoding itself, e.g.
 *   [{"key":"gen_ai.usage.input_tokens","value":{"intValue":"412"}}, ...]
 * so export splices them verbatim (int64 as a decimal string, as proto3 JSON requires).
 *
 * Ownership: the buffer owns p (malloc'd); art_trace_buf_free releases it; _take hands
 * it to the caller.  Any append that fails to allocate sets oom and leaves p as it was;
 * check oom (or the return of _take) once at the end.
 */
#ifndef ART_TRACE_BUF_H
#define ART_TRACE_BUF_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *p;      /* NUL-terminated when len > 0 or after any append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;
	int oom;      /* 1 after an allocation failure */
} art_trace_buf;

void art_trace_buf_free(art_trace_buf *b);
void art_trace_buf_reset(art_trace_buf *b);           /* len = 0, keeps the memory */
char *art_trace_buf_take(art_trace_buf *b);           /* NULL on oom; buffer is emptied */
void art_trace_buf_put(art_trace_buf *b, const char *s, size_t n);
void art_trace_buf_puts(art_trace_buf *b, const char *s);
void art_trace_buf_printf(art_trace_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal with quotes; NULL writes null. */
void art_trace_buf_json_str(art_trace_buf *b, const char *s);

/* Appends item as compact JSON.  Unlike cJSON's printer, integral numbers below 2^53 are
 * written as integers (1795000000000150, not 1.79500000000015e+15) and others in the
 * shortest form that reads back exactly. */
void art_trace_buf_json(art_trace_buf *b, const cJSON *item);

/* ---- OTLP attribute list: call _begin, any number of adds, then _end ---- */
void art_trace_attrs_begin(art_trace_buf *b);         /* "[" */
void art_trace_attrs_end(art_trace_buf *b);           /* "]" */
void art_trace_attr_str(art_trace_buf *b, const char *key, const char *v);  /* skips NULL v */
void art_trace_attr_int(art_trace_buf *b, const char *key, int64_t v);
void art_trace_attr_dbl(art_trace_buf *b, const char *key, double v);
void art_trace_attr_bool(art_trace_buf *b, const char *key, int v);
/* Array of strings: arr's string items (others skipped). */
void art_trace_attr_strs(art_trace_buf *b, const char *key, const cJSON *arr);
/* Any JSON scalar: string, bool, number (integral -> intValue, else doubleValue); arrays
 * of scalars become arrayValue; objects are stored as their compact JSON text. */
void art_trace_attr_json(art_trace_buf *b, const char *key, const cJSON *v);
#endif

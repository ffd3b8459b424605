/* trace_otlp.h — OTLP/HTTP JSON export of stored spans (ExportTraceServiceRequest to
 * /v1/traces), batched, retried with exponential backoff, resumable.
 *
 * Encoding (the OTLP JSON mapping of the protobuf): resourceSpans[] > scopeSpans[] >
 * spans[]; traceId/spanId/parentSpanId as lowercase hex; times as decimal strings of
 * nanoseconds (startTimeUnixNano); kind and status.code as integers; attributes as
 * [{key, value: {stringValue | intValue (decimal string) | doubleValue | boolValue |
 * arrayValue}}]; evaluation results as span events named gen_ai.evaluation.result.
 * Resume: meta "otlp_cursor" holds the highest span seq the collector accepted; a run
 * sends spans with a higher seq, oldest first, and advances the cursor after each
 * accepted batch, so an interrupted export continues where it stopped.
 *
 * Ownership: options are borrowed for the call; the built payload belongs to the caller's
 * buffer.
 */
#ifndef ART_TRACE_OTLP_H
#define ART_TRACE_OTLP_H
#include "trace_buf.h"
#include "trace_store.h"
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *url;               /* collector URL; "/v1/traces" is appended unless present */
	const char *const *headers;    /* "Name: value" lines sent with each request (never logged) */
	size_t nheaders;
	const char *service;           /* resource service.name */
	size_t batch;                  /* spans per request, >= 1 */
	int retries;                   /* retries per batch after the first attempt */
	int64_t backoff_us;            /* first retry delay; doubles, capped at 30 s */
	int64_t timeout_us;            /* per request */
	int from_start;                /* 1: ignore the cursor and send everything */
} art_trace_otlp_opts;

typedef struct {
	int64_t spans;      /* spans accepted */
	int64_t requests;   /* POSTs that succeeded */
	int64_t retries;    /* attempts retried */
	int64_t rejected;   /* partialSuccess.rejectedSpans reported by the collector */
	int64_t cursor;     /* cursor after the run */
	long http_status;   /* last HTTP status seen (0: none) */
} art_trace_otlp_stats;

/* Appends one ExportTraceServiceRequest with up to max spans whose seq > after to out.
 * *last gets the highest seq included and *n the number of spans (0: nothing to send). */
int art_trace_otlp_build(art_trace_store *s, int64_t after, size_t max, const char *service,
			 art_trace_buf *out, int64_t *last, size_t *n);

/* Materializes pending spans, then sends batches until none are left.  ART_OK; ART_EIO
 * when a batch still failed after its retries (the cursor stays at the last accepted
 * batch); ART_EINVAL for a bad URL; words in err. */
int art_trace_otlp_export(art_trace_store *s, const art_trace_otlp_opts *o,
			  art_trace_otlp_stats *st, char *err, size_t errsz);
#endif

/* trace_stats.h — per-model and per-stage metrics over a time window: count, error rate,
 * latency p50/p95/p99, time to first token, tokens, cost; evaluation summaries; and
 * histograms named like the OTel GenAI metrics (gen_ai.client.operation.duration in s,
 * gen_ai.client.token.usage in {token}, gen_ai.server.time_to_first_token in s) with the
 * semantic conventions' advised bucket boundaries.
 *
 * Percentiles are nearest-rank over the spans in the window.  Units: latencies in ms in
 * the table and in JSON "*_ms" fields; histogram sums in the metric's unit.
 * Ownership: the report is appended to the caller's buffer.
 */
#ifndef ART_TRACE_STATS_H
#define ART_TRACE_STATS_H
#include "trace_buf.h"
#include "trace_store.h"
#include <stdint.h>

typedef struct {
	int64_t since_us;   /* spans starting at or after (0: no lower bound) */
	int64_t until_us;   /* spans starting before (0: no upper bound) */
	int json;           /* 1: one JSON object; 0: a table for people */
} art_trace_stats_opts;

/* Materializes pending spans, computes, and appends the report to out.  ART_OK, ART_EIO
 * or ART_ENOMEM. */
int art_trace_stats_report(art_trace_store *s, const art_trace_stats_opts *o, art_trace_buf *out);
#endif

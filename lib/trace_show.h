/* trace_show.h — one request's timeline for people (art-trace show), and replay of stored
 * envelopes as they were at a stage.
 *
 * Ownership: output is appended to the caller's buffer; replay hands each stored body to
 * the caller's callback (borrowed, valid during the call).
 */
#ifndef ART_TRACE_SHOW_H
#define ART_TRACE_SHOW_H
#include "trace_buf.h"
#include "trace_store.h"
#include <stdint.h>

/* Renders the request whose id (or trace id) is id: header (status, error, tenant,
 * actor, task, route and fallbacks, tokens, cost), a waterfall of its spans (offsets and
 * durations in ms, a bar of `width` columns), tool calls, policy decisions, evaluations.
 * ART_OK, ART_ENOENT (no such request), ART_EIO or ART_ENOMEM. */
int art_trace_show_render(art_trace_store *s, const char *id, int width, art_trace_buf *out);

typedef struct {
	const char *stage;    /* envelopes as recorded at this stage (required) */
	const char *id;       /* only this request id (NULL: any) */
	int64_t since_us;     /* recorded at or after (0: no bound) */
	int64_t until_us;     /* recorded before (0: no bound) */
	const char *status;   /* only requests with an envelope of this status recorded at any
			       * stage, e.g. "error" (NULL: any) */
} art_trace_replay_opts;

typedef int (*art_trace_emit_fn)(void *ctx, const char *body, size_t len, const char *capture);

/* Calls emit for each matching stored envelope, in recording order; stops at the first
 * non-zero return of emit and returns it.  ART_OK, ART_EIO, or emit's status. *n gets
 * the number emitted. */
int art_trace_replay(art_trace_store *s, const art_trace_replay_opts *o, art_trace_emit_fn emit,
		     void *ctx, uint64_t *n);
#endif

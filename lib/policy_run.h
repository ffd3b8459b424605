/* policy_run.h — a parallel form of the envelope filter loop (art_env_filter_run's
 * contract: exactly one output line per input line, in input order; bad lines become
 * bad_json / bad_utf8 / bad_envelope error envelopes; stage failures stage_failed).
 *
 * Lines are read with read(2) in batches of what is already available (never waiting
 * for a full batch, so request/response pipes do not stall), processed by a pool of
 * threads (sleeping, not spinning, between batches), and written in order, a batch at a
 * time with writev(2) on out's descriptor (out's buffer is flushed first).  While a batch
 * is written the next one, if its lines are already there, is being processed.
 * fn runs concurrently on different envelopes: it gets its thread number (0..threads-1)
 * to pick per-thread scratch.  An envelope fn marks (return 1) then goes through serial,
 * in input order on one thread (for work that is not thread-safe, e.g. a database);
 * serial may run while fn works on later envelopes, so the two share no unlocked state.
 *
 * Ownership: the runner owns its buffers; envelopes are owned by the loop and freed after
 * they are written; fn/serial edit them in place and keep no reference.
 *
 * Memory: while it runs, cJSON allocates through json_arena.h's hooks; each thread parses
 * and edits its envelopes in its own arena (serial runs with none), so fn and serial
 * follow that header's rules: cJSON_free for cJSON's text, nothing made by cJSON before
 * the call freed during it or kept past it, and anything kept past the envelope made
 * with art_json_arena_use(NULL).
 */
#ifndef ART_POLICY_RUN_H
#define ART_POLICY_RUN_H
#include "env.h"
#include <stdint.h>
#include <stdio.h>

typedef struct {
	const char *stage;   /* "art-policy": used in error envelopes */
	/* ART_OK (0): done; 1: also call serial; negative: failed (stage_failed unless fn
	 * set an error itself). */
	int (*fn)(void *ctx, int thread, cJSON *env, uint64_t line);
	int (*serial)(void *ctx, cJSON *env, uint64_t line);
	void *ctx;
	int threads;         /* >= 1 */
	int all_status;      /* 1: call fn on envelopes whose status is not ok too */
	int strict;          /* 1 (or ART_STRICT=1 in the environment): envelopes are checked
			      * against the envelope schema on input and output */
} art_policy_runner;

/* Runs until end of input or a closed output (stats->epipe).  ART_OK or ART_EIO. */
int art_policy_run(const art_policy_runner *r, int in_fd, FILE *out, art_env_stats *st);
#endif

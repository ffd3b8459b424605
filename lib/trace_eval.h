/* trace_eval.h — built-in evaluation checks and the scores file format for art-trace eval.
 *
 * Checks (score 1 = pass, 0 = fail; label "pass"/"fail"):
 *   non-empty          output.text has a non-space character
 *   contains-citation  output.text cites a recalled context item as [id] (any [..] or an
 *                      http(s) URL when the envelope has no context)
 *   schema-valid       output.text is JSON valid against the envelope's response_schema
 *                      (JSON Schema 2020-12, lib/schema.h); skipped without one
 * Scores file: JSON lines {"id", "name", "value"?, "label"?, "explanation"?}.
 *
 * Ownership: results point into the caller's env or line tree (borrowed), except the
 * explanation buffer, which the caller provides.
 */
#ifndef ART_TRACE_EVAL_H
#define ART_TRACE_EVAL_H
#include "trace_store.h"
#include <cJSON.h>

/* ART_OK if name is a known check, else ART_EINVAL. */
int art_trace_check_known(const char *name);
/* Runs check name on env, filling ev (name, value, label, explanation in expl).
 * ART_OK, ART_ENOENT when env has no output text to check (e.g. recorded with --capture
 * none) or nothing to check against, ART_EINVAL for an unknown check. */
int art_trace_check_run(const char *name, const cJSON *env, art_trace_eval *ev, char *expl,
			size_t explsz);
/* Parses one scores-file line into ev (pointing into line).  ART_OK or ART_EINVAL with a
 * reason in err. */
int art_trace_eval_parse(const cJSON *line, art_trace_eval *ev, char *err, size_t errsz);
#endif

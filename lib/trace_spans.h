/* trace_spans.h — what art-trace keeps of an envelope: content capture (none, redacted,
 * full) and the OpenTelemetry spans derived from its events, named and attributed by the
 * OTel GenAI semantic conventions.
 *
 * Spans per envelope:
 *   - one root span per request, "art.request {task}", carrying art.request.id,
 *     art.tenant, enduser.id (actor), art.task, art.status, error.type;
 *   - "chat {gen_ai.request.model}" for each art-infer event (each attempt, so fallbacks
 *     show as failed chat spans with error.type), with gen_ai.* request parameters, and
 *     response model, finish reasons, token usage, cost on the one that produced output;
 *   - "execute_tool {gen_ai.tool.name}" for each art-tool event;
 *   - "retrieval {gen_ai.data_source.id}" for art-memory recall events;
 *   - "{stage} {name}" (internal) for any other event.
 * Ids: trace_id is envelope trace.trace_id; the root span id is trace.span_id (the id the
 * request's stages parent their spans to); an event's span id is its span_id if present,
 * else the first 8 bytes of sha256(trace_id "\n" stage "\n" name "\n" index), so
 * recording the same envelope twice yields the same spans.  Event spans' parent is the
 * event's parent_span_id if present, else the root; the root's parent is
 * trace.parent_span_id if present (a caller in another process), else none.
 *
 * Ownership: art_trace_spans owns every span and every string in it; _clear frees the
 * spans' contents (keeping the array for reuse), _free everything.  Derivation reads env
 * and never keeps pointers into it.
 */
#ifndef ART_TRACE_SPANS_H
#define ART_TRACE_SPANS_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

enum art_trace_capture {
	ART_TRACE_CAPTURE_NONE = 0, /* strip message/output/context/tool contents, redact the rest */
	ART_TRACE_CAPTURE_REDACTED, /* keep contents, with built-in secret/PII patterns redacted */
	ART_TRACE_CAPTURE_FULL,     /* store as is */
};
/* ART_OK or ART_EINVAL for a name other than none, redacted, full. */
int art_trace_capture_parse(const char *s, enum art_trace_capture *out);
const char *art_trace_capture_name(enum art_trace_capture c);
struct art_policy_redactor;
/* Applies the mode to env in place (before anything is stored): strips contents (none),
 * then, in none and redacted, rewrites every remaining string with art-policy's redaction
 * rules when rules is not NULL (lib/policy_redact.h: "[EMAIL]", "[SECRET:h12]", ...) and
 * with the built-in patterns (lib/redact.h).  rules is used from one thread at a time.
 * Returns the number of redactions made (>= 0), ART_ENOMEM, or ART_EINVAL when the rules
 * failed to scan. */
int art_trace_capture_apply(cJSON *env, enum art_trace_capture mode, struct art_policy_redactor *rules);

enum art_trace_op {
	ART_TRACE_OP_REQUEST = 0, /* root span */
	ART_TRACE_OP_CHAT,        /* inference */
	ART_TRACE_OP_TOOL,        /* execute_tool */
	ART_TRACE_OP_RETRIEVAL,   /* memory recall */
	ART_TRACE_OP_STAGE,       /* any other stage event */
};
const char *art_trace_op_name(enum art_trace_op op); /* "request", "chat", ... */

/* OTLP SpanKind and Status.code numbering. */
enum art_trace_kind { ART_TRACE_KIND_INTERNAL = 1, ART_TRACE_KIND_SERVER = 2, ART_TRACE_KIND_CLIENT = 3 };
enum art_trace_code { ART_TRACE_CODE_UNSET = 0, ART_TRACE_CODE_OK = 1, ART_TRACE_CODE_ERROR = 2 };

typedef struct {
	char trace_id[33];    /* 32 lowercase hex */
	char span_id[17];     /* 16 lowercase hex */
	char parent_id[17];   /* "" for none */
	char *name;
	enum art_trace_op op;
	enum art_trace_kind kind;
	enum art_trace_code code;
	char *status_msg;     /* may be NULL */
	char *stage;          /* emitting stage; NULL for the root */
	char *model;          /* chat spans: request model; may be NULL */
	char *provider;       /* chat spans; may be NULL */
	char *error_type;     /* error.type; may be NULL */
	int64_t start_us, end_us;       /* µs since the epoch */
	int64_t input_tokens, output_tokens, cached_tokens; /* -1: unknown */
	double cost;          /* amount in currency units; < 0: unknown */
	double ttft_ms;       /* time to first token, ms; < 0: unknown */
	char *attrs;          /* OTLP/JSON attribute array (see trace_buf.h) */
} art_trace_span;

typedef struct {
	art_trace_span *v;
	size_t n, cap;
} art_trace_spans;

/* Appends the spans of env (root first).  ART_OK or ART_ENOMEM. */
int art_trace_spans_derive(const cJSON *env, art_trace_spans *out);
void art_trace_spans_clear(art_trace_spans *s);
void art_trace_spans_free(art_trace_spans *s);

/* The trace id of env: trace.trace_id when it is 32 hex digits, else derived from the
 * request id (sha256).  out gets 33 bytes. */
void art_trace_trace_id(const cJSON *env, char out[33]);
/* The root span id of env (see above).  out gets 17 bytes. */
void art_trace_root_span_id(const cJSON *env, const char *trace_id, char out[17]);
/* Envelope time: created, else the first event's start, else 0.  µs since the epoch. */
int64_t art_trace_env_time_us(const cJSON *env);
#endif

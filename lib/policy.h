/* policy.h — art-policy: the request boundary, content rules, output validation.
 *
 * A policy file (schemas/policy.schema.json, man art-policy(1)) is opened once into an
 * immutable art_policy; art_policy_check then applies one or more stages to envelopes,
 * from any number of threads, each with its own art_policy_scratch.  Every rule hit and
 * decision is appended to env.policy.decisions ({stage, rule, action, field, severity,
 * reason}; never the matched text).  Blocked envelopes get status "blocked" and an error
 * with a stable code (ART_POLICY_E_*); an expired deadline gets status "error",
 * deadline_exceeded.  Fail closed: a missing or unknown tenant, a missing actor or task,
 * a missing or past deadline, or a failed scan never leaves an envelope "ok".
 *
 * Ownership: art_policy owns its rule set, tenants and compiled citation pattern;
 * art_policy_close frees them.  art_policy_check edits env in place and keeps no
 * reference to it.  The rule set returned by art_policy_rules_of stays owned by the policy.
 */
#ifndef ART_POLICY_H
#define ART_POLICY_H
#include "policy_rules.h"
#include <cJSON.h>
#include <stdint.h>

/* Stages (bit mask: "--stage boundary,input" runs both, in this order). */
enum art_policy_stage {
	ART_POLICY_BOUNDARY = 1u << 0, /* first in the pipe: who, which tenant, authority, limits */
	ART_POLICY_INPUT = 1u << 1,    /* content rules on messages, context, tool results */
	ART_POLICY_OUTPUT = 1u << 2,   /* content rules on output; schema, citations, memory */
};

/* What art_policy_check decided. */
enum art_policy_verdict {
	ART_POLICY_PASS = 0, /* status stays ok (maybe redacted, flagged) */
	ART_POLICY_BLOCKED,  /* status blocked (or error for deadline_exceeded) */
	ART_POLICY_PARK,     /* needs a human: env.approval {state pending, stage, resume,
			      * reason} is set; the caller parks it (art_policy_approvals_park) */
};

/* Stable error codes (error.code) of blocked envelopes. */
#define ART_POLICY_E_NO_ACTOR "policy_no_actor"
#define ART_POLICY_E_NO_TENANT "policy_no_tenant"
#define ART_POLICY_E_UNKNOWN_TENANT "policy_unknown_tenant"
#define ART_POLICY_E_NO_TASK "policy_no_task"
#define ART_POLICY_E_TASK_DENIED "policy_task_denied"
#define ART_POLICY_E_RISK "policy_risk_exceeded"
#define ART_POLICY_E_NO_DEADLINE "policy_no_deadline"
#define ART_POLICY_E_BAD_DEADLINE "policy_bad_deadline"
#define ART_POLICY_E_LIMIT "policy_limit_exceeded"
#define ART_POLICY_E_BLOCKED "policy_blocked"           /* a content rule with action block */
#define ART_POLICY_E_SCAN "policy_scan_failed"          /* PCRE2 failed (match limit): fail closed */
#define ART_POLICY_E_OUTPUT_SCHEMA "policy_output_invalid" /* output vs response_schema */
#define ART_POLICY_E_CITATION "policy_bad_citation"
#define ART_POLICY_E_APPROVAL_UNAVAILABLE "policy_approval_unavailable"
#define ART_POLICY_E_DENIED "approval_denied"
#define ART_POLICY_E_EXPIRED "approval_expired"

typedef struct art_policy art_policy;

/* Opens the policy file at path: rule packs are resolved relative to its folder,
 * compiled, and the redaction key (when "redaction.hash" is true) is read from the
 * environment variable redaction.key_env (default ART_POLICY_REDACT_KEY); a missing key
 * is an error.  schema_path: policy.schema.json to validate the file against first, or
 * NULL.  Returns ART_OK, or ART_EIO / ART_EFORMAT / ART_EINVAL / ART_ENOMEM with one line
 * in err.  Nothing partial is ever returned: an unparseable policy is an error. */
int art_policy_open(art_policy **out, const char *path, const char *schema_path, char *err,
		    size_t errsz);
void art_policy_close(art_policy *p);

/* The compiled rules (owned by the policy). */
const art_policy_rules *art_policy_rules_of(const art_policy *p);
/* The redaction key of the policy (key NULL when hashing is off). */
art_policy_redact_key art_policy_redact_key_of(const art_policy *p);
/* Approval time-to-live in µs (policy "approval.expires", default 24 h). */
int64_t art_policy_approval_ttl(const art_policy *p);

/* Parses "boundary,input" into stage bits; ART_EINVAL on an unknown name. */
int art_policy_stages_parse(const char *s, unsigned *stages);

/* Applies stages (in the order boundary, input, output; stops at the first that blocks
 * or parks) to env at wall time now_us.  resume: the stage name recorded in
 * approval.resume when parking (NULL: the policy's default for the stage).  Returns ART_OK
 * with *verdict set, or ART_ENOMEM. */
int art_policy_check(const art_policy *p, art_policy_scratch *sc, unsigned stages, cJSON *env,
		     int64_t now_us, const char *resume, enum art_policy_verdict *verdict);

/* Appends one decision to env.policy.decisions (fields may be NULL). */
int art_policy_decision_add(cJSON *env, const char *stage, const char *rule, const char *action,
			    const char *field, const char *severity, const char *reason);
/* Sets status "blocked" and error {code, stage "art-policy", message}. */
void art_policy_block(cJSON *env, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif

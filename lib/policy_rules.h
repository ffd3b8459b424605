/* policy_rules.h — content rules: PCRE2 patterns with checksums, hits, redaction.
 *
 * A rule set is loaded from rule-pack JSON ({"pack", "rules": [...]}; the format is
 * schemas/policy.schema.json#/$defs/rule), compiled once (PCRE2 JIT where available) and
 * is immutable afterwards: any number of threads may scan with one rule set, each with
 * its own art_policy_scratch (match data is per thread, never shared).
 *
 * Ownership: art_policy_rules owns its rules, patterns and strings; art_policy_rules_free
 * releases them.  art_policy_scratch is owned by the thread that made it
 * (_new/_free).  Hit arrays live in the scratch and are valid until the next scan with it.
 * art_policy_rules_redact gives the caller a malloc'd string (free()).
 * Matched text is never copied into hits or errors: hits carry offsets only.
 * A pattern with capture groups reports group 1 as the hit (checked, redacted) when it
 * took part in the match ("password=(\S+)" redacts only the value); else the whole match.
 */
#ifndef ART_POLICY_RULES_H
#define ART_POLICY_RULES_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* What a hit does; ordered by strength (the strongest hit of an envelope wins). */
enum art_policy_action {
	ART_POLICY_FLAG = 0,        /* record the hit only */
	ART_POLICY_REDACT,          /* replace the match with its placeholder */
	ART_POLICY_REQUIRE_APPROVAL, /* park the envelope for a human */
	ART_POLICY_BLOCK,           /* status blocked, error policy_blocked */
};

/* Extra check a match must pass (cuts false positives on number-shaped data). */
enum art_policy_check {
	ART_POLICY_CHECK_NONE = 0,
	ART_POLICY_CHECK_LUHN,      /* payment card: 13-19 digits, Luhn mod 10 */
	ART_POLICY_CHECK_IBAN,      /* IBAN: country length table and ISO 7064 mod 97 = 1 */
	ART_POLICY_CHECK_SSN,       /* US SSN: area not 000/666/9xx, group and serial not 0 */
	ART_POLICY_CHECK_ENTROPY,   /* generic secret value: >= 8 bytes, >= 3.0 bits/char entropy */
	ART_POLICY_CHECK_DNI,       /* Spanish DNI/NIE: mod-23 check letter */
};

/* Stages a rule runs in (bit mask). */
enum art_policy_stage_bit {
	ART_POLICY_STAGE_INPUT = 1u << 0,
	ART_POLICY_STAGE_OUTPUT = 1u << 1,
};

/* Fields a rule reads (bit mask); selector names in the rule's "fields" list. */
enum art_policy_field_bit {
	ART_POLICY_F_MSG_SYSTEM = 1u << 0,    /* "messages.system" */
	ART_POLICY_F_MSG_USER = 1u << 1,      /* "messages.user" */
	ART_POLICY_F_MSG_ASSISTANT = 1u << 2, /* "messages.assistant" */
	ART_POLICY_F_MSG_TOOL = 1u << 3,      /* "messages.tool" */
	ART_POLICY_F_CONTEXT = 1u << 4,       /* "context": context[].text */
	ART_POLICY_F_TOOL_RESULTS = 1u << 5,  /* "tool_results": string values in content */
	ART_POLICY_F_OUTPUT_TEXT = 1u << 6,   /* "output.text" */
	ART_POLICY_F_TOOL_CALLS = 1u << 7,    /* "output.tool_calls": string values in arguments */
	ART_POLICY_F_MEMORY = 1u << 8,        /* "memory_writes": memory_writes[].text */
	ART_POLICY_F_ALL = (1u << 9) - 1,
};
#define ART_POLICY_F_MESSAGES \
	(ART_POLICY_F_MSG_SYSTEM | ART_POLICY_F_MSG_USER | ART_POLICY_F_MSG_ASSISTANT | ART_POLICY_F_MSG_TOOL)

typedef struct {
	char *id;          /* "pii.email": unique in the set */
	char *family;      /* "pii", "secrets", "injection", ...: corpus metrics group by it */
	char *owasp;       /* OWASP Top 10 for LLM Applications 2025 id, "LLM02:2025" */
	char *severity;    /* "low" | "medium" | "high" | "critical" */
	char *placeholder; /* "EMAIL" -> "[EMAIL]"; NULL: the rule never rewrites text */
	char *description;
	enum art_policy_action action;
	enum art_policy_check check;
	unsigned stages;   /* art_policy_stage_bit */
	unsigned fields;   /* art_policy_field_bit */
} art_policy_rule;

typedef struct {
	uint32_t rule;     /* index into the set */
	size_t start, end; /* byte offsets of the match in the scanned text */
} art_policy_hit;

typedef struct art_policy_rules art_policy_rules;
typedef struct art_policy_scratch art_policy_scratch;

/* An empty set. */
int art_policy_rules_new(art_policy_rules **out);
void art_policy_rules_free(art_policy_rules *rs);
/* Adds the rules of one pack (parsed JSON) and compiles them.  Errors name the rule id
 * and PCRE2's message in err; on error the set is unchanged.  ART_EEXIST: duplicate id. */
int art_policy_rules_add_pack(art_policy_rules *rs, const cJSON *pack, char *err, size_t errsz);
/* Reads a rule-pack file and adds it (ART_EIO, ART_EFORMAT or add_pack's errors). */
int art_policy_rules_add_file(art_policy_rules *rs, const char *path, char *err, size_t errsz);
/* Applies an override object {"action"?, "stages"?, "fields"?, "placeholder"?} to rule id.
 * ART_ENOENT: no such rule. */
int art_policy_rules_override(art_policy_rules *rs, const char *id, const cJSON *ov,
			      char *err, size_t errsz);
/* Builds the per-(stage, field) rule lists and the gate table ("requires" words); call
 * once after the last add or override.  Scanning works without it (slower: every rule's
 * word gate counts as passed); a later add or override drops them until the next finish.
 * Gates only skip a rule when the text cannot match it: a text without any of its
 * "requires" words (whole ASCII-letter words, any case) or "literals" (substrings, exact
 * case),
 * with fewer than "min_digits" digits, or no non-space run of "min_run" bytes. */
int art_policy_rules_finish(art_policy_rules *rs);

size_t art_policy_rules_count(const art_policy_rules *rs);
const art_policy_rule *art_policy_rules_get(const art_policy_rules *rs, size_t i);
/* Index of rule id, or -1. */
long art_policy_rules_find(const art_policy_rules *rs, const char *id);

int art_policy_scratch_new(art_policy_scratch **out);
void art_policy_scratch_free(art_policy_scratch *sc);

/* Scans text[0..len) (valid UTF-8) with every rule enabled for stage (one
 * art_policy_stage_bit) and field (one art_policy_field_bit; ART_POLICY_F_ALL with stage 0
 * means every rule).  Hits are sorted by start, then rule index; *hits points into sc.
 * Returns the number of hits (>= 0) or a negative status (ART_ENOMEM, ART_EINVAL when
 * PCRE2 fails, e.g. its match limit). */
int art_policy_rules_scan(const art_policy_rules *rs, art_policy_scratch *sc, unsigned stage,
			  unsigned field, const char *text, size_t len, const art_policy_hit **hits);

/* Redaction key: NULL/0 gives plain "[TYPE]"; otherwise "[TYPE:h12]" where h12 is the
 * first 12 hex digits of HMAC-SHA256(key, match), so equal values stay linkable. */
typedef struct {
	const uint8_t *key;
	size_t keylen;
} art_policy_redact_key;

/* Rewrites text: every hit whose rule has a placeholder and (mask >> action) & 1 is
 * replaced; overlapping hits keep the earliest (then longest).  *out is malloc'd and
 * NUL-terminated, *outlen its length, *nrep the number of replacements. */
int art_policy_rules_redact(const art_policy_rules *rs, const art_policy_hit *hits, int nhits,
			    unsigned action_mask, const art_policy_redact_key *key,
			    const char *text, size_t len, char **out, size_t *outlen, int *nrep);

/* Validators, exposed for tests: 1 valid, 0 not.  Separators (space, '-') are skipped. */
int art_policy_luhn_ok(const char *s, size_t n);
int art_policy_iban_ok(const char *s, size_t n);
int art_policy_ssn_ok(const char *s, size_t n);
int art_policy_entropy_ok(const char *s, size_t n);
int art_policy_dni_ok(const char *s, size_t n);

const char *art_policy_action_name(enum art_policy_action a);
/* ART_OK or ART_EINVAL ("block", "flag", "redact", "require_approval"). */
int art_policy_action_parse(const char *s, enum art_policy_action *a);
/* The bit of a field selector name ("messages" gives all four roles), or 0. */
unsigned art_policy_field_parse(const char *s);
#endif

/* redact.h — built-in secret and PII redaction: e-mail addresses, API keys (sk-...),
 * AWS access key ids (AKIA/ASIA...), JWTs, and payment card numbers (Luhn-checked).
 *
 * Each match is replaced by "[REDACTED:<kind>]" (kind names below).  Plain scanners, no
 * regular expressions, no allocation unless something matched; safe to call from any
 * thread.  Meant to be shared: art-trace applies it before anything is stored, and
 * art-policy may use it for its built-in redact rules.
 *
 * Ownership: art_redact_text returns a malloc'd string in *out (caller frees) only when it
 * returns a count > 0; art_redact_json edits the caller's tree in place.
 */
#ifndef ART_REDACT_H
#define ART_REDACT_H
#include <cJSON.h>
#include <stddef.h>

enum art_redact_kind {
	ART_REDACT_EMAIL = 1u << 0,   /* local@domain.tld */
	ART_REDACT_API_KEY = 1u << 1, /* sk-... (OpenAI style, >= 20 key characters) */
	ART_REDACT_AWS_KEY = 1u << 2, /* AKIA/ASIA + 16 upper-case letters or digits */
	ART_REDACT_JWT = 1u << 3,     /* eyJ<header>.eyJ<payload>.<signature> */
	ART_REDACT_CARD = 1u << 4,    /* 13-19 digits, single spaces/dashes allowed, Luhn valid */
	ART_REDACT_ALL = 0x1fu,
};

/* "email", "api_key", "aws_key", "jwt", "card" for one kind bit; "?" otherwise. */
const char *art_redact_kind_name(unsigned kind);

/* Scans s[0..n) for the kinds in mask.  Returns the number of matches replaced (>= 0) and,
 * when > 0, the redacted copy in *out (NUL-terminated, length in *outlen if non-NULL);
 * *out is NULL when nothing matched.  *found (if non-NULL) gets the OR of kinds seen.
 * ART_ENOMEM on allocation failure. */
int art_redact_text(const char *s, size_t n, unsigned mask, char **out, size_t *outlen,
		    unsigned *found);

/* Redacts every string value (object keys are left alone) in the tree under item.
 * Returns the total number of matches replaced, or ART_ENOMEM. */
int art_redact_json(cJSON *item, unsigned mask, unsigned *found);
#endif

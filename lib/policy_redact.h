/* policy_redact.h — redaction for anything that stores or shows text (art-trace, logs):
 * every match of a rule that has a placeholder becomes "[TYPE]", or "[TYPE:h12]" with a
 * key (h12: first 12 hex digits of HMAC-SHA256(key, match), so equal values stay linkable
 * without being readable).  All placeholder rules apply, whatever their action or stage:
 * what must not reach the model must not reach a trace store either.
 *
 *   art_policy_redactor *r;
 *   art_policy_redactor_open(&r, "examples/policy/policy.json", NULL, 0, err, sizeof err);
 *   art_policy_redact(r, text, len, &out, &outlen, &n);   ... free(out);
 *   art_policy_redact_json(r, envelope, &n);               every string value, in place
 *   art_policy_redactor_close(r);
 *
 * Ownership: a redactor opened from a file owns its rules; one made from an art_policy
 * borrows the policy's rules (the policy must outlive it).  A redactor holds one scratch:
 * use one redactor per thread.  *out is malloc'd (free()).
 */
#ifndef ART_POLICY_REDACT_H
#define ART_POLICY_REDACT_H
#include "policy.h"
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct art_policy_redactor art_policy_redactor;

/* path: a rule pack ({"pack", "rules"}) or a policy file (its rule_packs and rules).
 * key/keylen: HMAC key for hashed placeholders, or NULL (a policy file's own key, from
 * its redaction.key_env, is used when key is NULL).  ART_OK or an error with err. */
int art_policy_redactor_open(art_policy_redactor **out, const char *path, const uint8_t *key,
			     size_t keylen, char *err, size_t errsz);
/* A redactor over an open policy's rules and key. */
int art_policy_redactor_from_policy(art_policy_redactor **out, const art_policy *p);
void art_policy_redactor_close(art_policy_redactor *r);

/* Redacts text[0..len).  Text that is not valid UTF-8 cannot be scanned and becomes
 * "[BINARY]" whole (fail closed).  ART_OK, ART_ENOMEM, or ART_EINVAL (scan failed). */
int art_policy_redact(art_policy_redactor *r, const char *text, size_t len, char **out, size_t *outlen,
		      int *nrep);
/* Redacts every string value (not keys) in v, recursively, in place. */
int art_policy_redact_json(art_policy_redactor *r, cJSON *v, int *nrep);
#endif

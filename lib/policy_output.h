/* policy_output.h — JSON Schema checks for art-policy: model output against the
 * request's response_schema, and a policy file against schemas/policy.schema.json.
 *
 * Ownership: *errs (when set) is a new cJSON array of {instanceLocation,
 * keywordLocation, message} owned by the caller.  Nothing else is kept.
 */
#ifndef ART_POLICY_OUTPUT_H
#define ART_POLICY_OUTPUT_H
#include <cJSON.h>
#include <stddef.h>

/* Validates text (the output; NULL counts as no output) against schema (an object or
 * boolean).  ART_OK when text is JSON valid against schema; ART_EFORMAT when text is
 * missing or not JSON; ART_EINVAL when invalid (*errs gets the errors); ART_EUNSUPP when
 * the schema itself does not compile (fail closed: the caller blocks); ART_ENOMEM.
 * why gets one line for people in every failure case. */
int art_policy_output_validate(const cJSON *schema, const char *text, cJSON **errs, char *why,
			       size_t whysz);

/* Validates a parsed policy document against the schema file at schema_path.
 * ART_OK, ART_EINVAL (first error in err), ART_EIO/ART_EFORMAT (schema unreadable). */
int art_policy_validate_doc(const cJSON *doc, const char *schema_path, char *err, size_t errsz);
#endif

/* policy_output.c — response_schema validation of outputs; policy-file validation. */
#include "policy_output.h"
#include "err.h"
#include "schema.h"
#include <stdio.h>
#include <string.h>

int art_policy_output_validate(const cJSON *schema, const char *text, cJSON **errs, char *why,
			       size_t whysz)
{
	*errs = NULL;
	if (!text) {
		snprintf(why, whysz, "the request has a response_schema but there is no output text");
		return ART_EFORMAT;
	}
	const char *end = NULL;
	cJSON *inst = cJSON_ParseWithOpts(text, &end, 1);
	if (!inst) {
		snprintf(why, whysz, "output is not JSON (response_schema requires structured output)");
		return ART_EFORMAT;
	}
	art_schema *s = NULL;
	char err[300];
	int rc = art_schema_compile(&s, schema, NULL, NULL, 0, err, sizeof err);
	if (rc != ART_OK) {
		cJSON_Delete(inst);
		if (rc == ART_ENOMEM)
			return rc;
		snprintf(why, whysz, "response_schema does not compile: %.200s", err);
		return ART_EUNSUPP;
	}
	art_schema_result *res = NULL;
	if ((rc = art_schema_result_new(&res)) != ART_OK) {
		art_schema_free(s);
		cJSON_Delete(inst);
		return rc;
	}
	int v = art_schema_validate(s, inst, res);
	if (v == 1) {
		rc = ART_OK;
	} else if (v == 0) {
		const art_schema_error *e = art_schema_result_count(res) ? art_schema_result_error(res, 0) : NULL;
		snprintf(why, whysz, "output does not match response_schema: %.80s: %.160s",
			 e && e->instance_location[0] ? e->instance_location : "(root)", e ? e->message : "invalid");
		if (art_schema_result_to_json(res, errs) != ART_OK)
			*errs = NULL;
		rc = ART_EINVAL;
	} else {
		snprintf(why, whysz, "response_schema validation failed: %s", art_strerror(v));
		rc = v == ART_ENOMEM ? ART_ENOMEM : ART_EUNSUPP;
	}
	art_schema_result_free(res);
	art_schema_free(s);
	cJSON_Delete(inst);
	return rc;
}

int art_policy_validate_doc(const cJSON *doc, const char *schema_path, char *err, size_t errsz)
{
	art_schema *s = NULL;
	char e2[300];
	int rc = art_schema_compile_file(&s, schema_path, NULL, 0, e2, sizeof e2);
	if (rc != ART_OK) {
		snprintf(err, errsz, "policy schema %s: %s", schema_path, e2);
		return rc == ART_ENOMEM ? rc : ART_EFORMAT;
	}
	art_schema_result *res = NULL;
	if ((rc = art_schema_result_new(&res)) != ART_OK) {
		art_schema_free(s);
		return rc;
	}
	int v = art_schema_validate(s, doc, res);
	if (v == 1) {
		rc = ART_OK;
	} else {
		const art_schema_error *e = v == 0 && art_schema_result_count(res) ? art_schema_result_error(res, 0) : NULL;
		snprintf(err, errsz, "does not match policy.schema.json at %.100s: %.200s",
			 e && e->instance_location[0] ? e->instance_location : "(root)",
			 e ? e->message : art_strerror(v));
		rc = v == ART_ENOMEM ? ART_ENOMEM : ART_EINVAL;
	}
	art_schema_result_free(res);
	art_schema_free(s);
	return rc;
}

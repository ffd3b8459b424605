/* policy_redact.c — placeholder redaction over a rule set (see policy_redact.h). */
#include "policy_redact.h"
#include "err.h"
#include "utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct art_policy_redactor {
	art_policy_rules *own;        /* rules opened from a pack, or NULL */
	art_policy *own_policy;       /* policy opened from a file, or NULL */
	const art_policy_rules *rules;
	art_policy_scratch *sc;
	uint8_t *key;
	size_t keylen;
};

static int finish(art_policy_redactor *r, const uint8_t *key, size_t keylen)
{
	if (art_policy_scratch_new(&r->sc) != ART_OK)
		return ART_ENOMEM;
	if (key && keylen) {
		if (!(r->key = malloc(keylen)))
			return ART_ENOMEM;
		memcpy(r->key, key, keylen);
		r->keylen = keylen;
	}
	return ART_OK;
}

int art_policy_redactor_open(art_policy_redactor **out, const char *path, const uint8_t *key,
			     size_t keylen, char *err, size_t errsz)
{
	*out = NULL;
	art_policy_redactor *r = calloc(1, sizeof *r);
	if (!r)
		return ART_ENOMEM;
	/* a pack has "pack"; anything else must be a policy */
	FILE *f = fopen(path, "rb");
	char head[4096] = "";
	if (f) {
		size_t n = fread(head, 1, sizeof head - 1, f);
		head[n] = 0;
		fclose(f);
	}
	int rc;
	if (strstr(head, "\"pack\"")) {
		if ((rc = art_policy_rules_new(&r->own)) == ART_OK &&
		    (rc = art_policy_rules_add_file(r->own, path, err, errsz)) == ART_OK)
			rc = art_policy_rules_finish(r->own);
		r->rules = r->own;
	} else {
		rc = art_policy_open(&r->own_policy, path, NULL, err, errsz);
		if (rc == ART_OK) {
			r->rules = art_policy_rules_of(r->own_policy);
			if (!key) {
				art_policy_redact_key k = art_policy_redact_key_of(r->own_policy);
				key = k.key;
				keylen = k.keylen;
			}
		}
	}
	if (rc == ART_OK)
		rc = finish(r, key, keylen);
	if (rc != ART_OK) {
		art_policy_redactor_close(r);
		return rc;
	}
	*out = r;
	return ART_OK;
}

int art_policy_redactor_from_policy(art_policy_redactor **out, const art_policy *p)
{
	*out = NULL;
	art_policy_redactor *r = calloc(1, sizeof *r);
	if (!r)
		return ART_ENOMEM;
	r->rules = art_policy_rules_of(p);
	art_policy_redact_key k = art_policy_redact_key_of(p);
	if (finish(r, k.key, k.keylen) != ART_OK) {
		art_policy_redactor_close(r);
		return ART_ENOMEM;
	}
	*out = r;
	return ART_OK;
}

void art_policy_redactor_close(art_policy_redactor *r)
{
	if (!r)
		return;
	art_policy_scratch_free(r->sc);
	art_policy_rules_free(r->own);
	art_policy_close(r->own_policy);
	if (r->key) {
		memset(r->key, 0, r->keylen);
		free(r->key);
	}
	free(r);
}

int art_policy_redact(art_policy_redactor *r, const char *text, size_t len, char **out, size_t *outlen,
		      int *nrep)
{
	if (!art_utf8_valid(text, len, NULL)) {
		*out = strdup("[BINARY]");
		*outlen = 8;
		*nrep = 1;
		return *out ? ART_OK : ART_ENOMEM;
	}
	const art_policy_hit *hits;
	int n = art_policy_rules_scan(r->rules, r->sc, 0, ART_POLICY_F_ALL, text, len, &hits);
	if (n < 0)
		return n;
	art_policy_redact_key k = {r->key, r->keylen};
	return art_policy_rules_redact(r->rules, hits, n, ~0u, &k, text, len, out, outlen, nrep);
}

int art_policy_redact_json(art_policy_redactor *r, cJSON *v, int *nrep)
{
	*nrep = 0;
	if (cJSON_IsString(v) && v->valuestring) {
		char *o;
		size_t ol;
		int rc = art_policy_redact(r, v->valuestring, strlen(v->valuestring), &o, &ol, nrep);
		if (rc != ART_OK)
			return rc;
		if (*nrep && !cJSON_SetValuestring(v, o)) {
			free(o);
			return ART_ENOMEM;
		}
		free(o);
		return ART_OK;
	}
	cJSON *c;
	cJSON_ArrayForEach(c, v)
	{
		int k;
		int rc = art_policy_redact_json(r, c, &k);
		if (rc != ART_OK)
			return rc;
		*nrep += k;
	}
	return ART_OK;
}

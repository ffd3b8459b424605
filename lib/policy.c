/* policy.c — policy file, boundary stage, content stages, output checks. */
#include "policy.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "file.h"
#include "json_get.h"
#include "policy_output.h"
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGE_NAME "art-policy"

typedef struct {
	char **v;
	size_t n;
} strset;

typedef struct {
	char *name;
	strset tasks;        /* allowed tasks */
	strset scopes;       /* most authority the tenant may grant; has_scopes 0: no cap */
	int has_scopes;
	int risk_ceiling;    /* 0..3 (low..critical) */
	strset mem_kinds;    /* memory kinds this tenant may write */
	strset mem_tasks;    /* tasks that may write memory; has_mem_tasks 0: every allowed task */
	int has_mem_tasks;
} tenant;

struct art_policy {
	art_policy_rules *rules;
	tenant *tenants;
	size_t ntenants;
	int64_t default_deadline_us; /* 0: none, a missing deadline blocks */
	int64_t max_deadline_us;     /* 0: no cap on how far ahead a deadline may be */
	int default_risk;
	long long max_messages, max_message_bytes, max_total_bytes, max_output_bytes;
	strset cite_tasks;           /* tasks whose output must cite context ids */
	pcre2_code *cite_re;         /* group 1 = cited id */
	uint8_t *key;
	size_t keylen;
	int64_t approval_ttl_us;
	char *resume_input, *resume_output, *resume_boundary;
};

static const char *const risk_names[] = {"low", "medium", "high", "critical"};

static int risk_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, risk_names[i]))
			return i;
	return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = art_json_get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int set_has(const strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

static void set_free(strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int set_load(strset *s, const cJSON *a, const char *what, char *err, size_t errsz)
{
	const cJSON *v;
	if (!cJSON_IsArray(a)) {
		snprintf(err, errsz, "%s must be an array of strings", what);
		return ART_EINVAL;
	}
	s->v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *s->v);
	if (!s->v)
		return ART_ENOMEM;
	cJSON_ArrayForEach(v, a)
	{
		if (!cJSON_IsString(v) || !v->valuestring[0]) {
			snprintf(err, errsz, "%s must be an array of non-empty strings", what);
			return ART_EINVAL;
		}
		if (!(s->v[s->n++] = strdup(v->valuestring)))
			return ART_ENOMEM;
	}
	return ART_OK;
}

/* Rejects keys not in the NULL-terminated list (typos in a policy must not pass). */
static int keys_known(const cJSON *o, const char *const *known, const char *what, char *err, size_t errsz)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		int ok = 0;
		for (size_t i = 0; known[i]; i++)
			ok |= !strcmp(c->string, known[i]);
		if (!ok) {
			snprintf(err, errsz, "%s: unknown key \"%.60s\"", what, c->string);
			return ART_EINVAL;
		}
	}
	return ART_OK;
}

static int duration_at(const cJSON *o, const char *k, int64_t *us, char *err, size_t errsz)
{
	const cJSON *v = art_json_get(o, k);
	if (!v)
		return ART_OK;
	if (!cJSON_IsString(v) || art_clock_parse_duration(v->valuestring, us) != ART_OK || *us <= 0) {
		snprintf(err, errsz, "\"%s\" must be a positive duration like 30s, 5m, 24h", k);
		return ART_EINVAL;
	}
	return ART_OK;
}

static int limit_at(const cJSON *o, const char *k, long long *out, char *err, size_t errsz)
{
	const cJSON *v = art_json_get(o, k);
	if (!v)
		return ART_OK;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e15 ||
	    v->valuedouble != (double)(long long)v->valuedouble) {
		snprintf(err, errsz, "limits.%s must be a positive integer", k);
		return ART_EINVAL;
	}
	*out = (long long)v->valuedouble;
	return ART_OK;
}

static int load_tenant(tenant *t, const cJSON *o, char *err, size_t errsz)
{
	static const char *const known[] = {"tasks", "scopes", "risk_ceiling", "memory", "description", NULL};
	char what[300];
	snprintf(what, sizeof what, "tenants.%.200s", o->string);
	if (!cJSON_IsObject(o)) {
		snprintf(err, errsz, "%s must be an object", what);
		return ART_EINVAL;
	}
	int rc = keys_known(o, known, what, err, errsz);
	if (rc != ART_OK)
		return rc;
	if (!(t->name = strdup(o->string)))
		return ART_ENOMEM;
	const cJSON *tasks = art_json_get(o, "tasks");
	if (!tasks) {
		snprintf(err, errsz, "%s: \"tasks\" is required (the tasks this tenant may run)", what);
		return ART_EINVAL;
	}
	if ((rc = set_load(&t->tasks, tasks, "tasks", err, errsz)) != ART_OK)
		return rc;
	const cJSON *sc = art_json_get(o, "scopes");
	if (sc) {
		t->has_scopes = 1;
		if ((rc = set_load(&t->scopes, sc, "scopes", err, errsz)) != ART_OK)
			return rc;
	}
	t->risk_ceiling = 3;
	const cJSON *rcl = art_json_get(o, "risk_ceiling");
	if (rcl && (t->risk_ceiling = risk_parse(cJSON_IsString(rcl) ? rcl->valuestring : NULL)) < 0) {
		snprintf(err, errsz, "%s.risk_ceiling must be low, medium, high or critical", what);
		return ART_EINVAL;
	}
	const cJSON *mem = art_json_get(o, "memory");
	if (mem) {
		static const char *const mknown[] = {"kinds", "tasks", NULL};
		if (!cJSON_IsObject(mem)) {
			snprintf(err, errsz, "%s.memory must be an object", what);
			return ART_EINVAL;
		}
		if ((rc = keys_known(mem, mknown, what, err, errsz)) != ART_OK)
			return rc;
		const cJSON *k = art_json_get(mem, "kinds");
		if (k && (rc = set_load(&t->mem_kinds, k, "memory.kinds", err, errsz)) != ART_OK)
			return rc;
		const cJSON *mt = art_json_get(mem, "tasks");
		if (mt) {
			t->has_mem_tasks = 1;
			if ((rc = set_load(&t->mem_tasks, mt, "memory.tasks", err, errsz)) != ART_OK)
				return rc;
		}
	}
	return ART_OK;
}

static int slurp_json(const char *path, cJSON **out, char *err, size_t errsz)
{
	char *b;
	size_t n;
	int rc = art_file_read(path, &b, &n, err, errsz);
	if (rc != ART_OK)
		return rc == ART_ENOENT ? ART_EIO : rc;
	*out = cJSON_ParseWithLength(b, n);
	free(b);
	if (!*out) {
		snprintf(err, errsz, "%s: not valid JSON", path);
		return ART_EFORMAT;
	}
	return ART_OK;
}

static const char *const top_known[] = {
	"$schema", "version", "description", "rule_packs", "rules", "overrides", "defaults",
	"limits", "tenants", "citations", "redaction", "approval", NULL,
};

static int load(art_policy *p, const cJSON *j, const char *dir, char *err, size_t errsz)
{
	int rc;
	if (!cJSON_IsObject(j)) {
		snprintf(err, errsz, "a policy is a JSON object");
		return ART_EINVAL;
	}
	if ((rc = keys_known(j, top_known, "policy", err, errsz)) != ART_OK)
		return rc;
	const cJSON *ver = art_json_get(j, "version");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		snprintf(err, errsz, "policy \"version\" must be 1");
		return ART_EINVAL;
	}
	if ((rc = art_policy_rules_new(&p->rules)) != ART_OK)
		return rc;
	const cJSON *v;
	cJSON_ArrayForEach(v, art_json_get(j, "rule_packs"))
	{
		char path[PATH_MAX];
		if (!cJSON_IsString(v)) {
			snprintf(err, errsz, "rule_packs must be an array of file names");
			return ART_EINVAL;
		}
		if (v->valuestring[0] == '/')
			snprintf(path, sizeof path, "%s", v->valuestring);
		else
			snprintf(path, sizeof path, "%s/%s", dir, v->valuestring);
		if ((rc = art_policy_rules_add_file(p->rules, path, err, errsz)) != ART_OK)
			return rc;
	}
	const cJSON *inl = art_json_get(j, "rules");
	if (inl) {
		cJSON *pack = cJSON_CreateObject();
		if (!pack)
			return ART_ENOMEM;
		cJSON_AddItemReferenceToObject(pack, "rules", (cJSON *)inl);
		rc = art_policy_rules_add_pack(p->rules, pack, err, errsz);
		cJSON_Delete(pack);
		if (rc != ART_OK)
			return rc;
	}
	cJSON_ArrayForEach(v, art_json_get(j, "overrides"))
		if ((rc = art_policy_rules_override(p->rules, v->string, v, err, errsz)) != ART_OK)
			return rc;
	if ((rc = art_policy_rules_finish(p->rules)) != ART_OK)
		return rc;

	const cJSON *def = art_json_get(j, "defaults");
	p->default_risk = 1;
	if (def) {
		static const char *const known[] = {"deadline", "max_deadline", "risk", NULL};
		if ((rc = keys_known(def, known, "defaults", err, errsz)) != ART_OK)
			return rc;
		if ((rc = duration_at(def, "deadline", &p->default_deadline_us, err, errsz)) != ART_OK ||
		    (rc = duration_at(def, "max_deadline", &p->max_deadline_us, err, errsz)) != ART_OK)
			return rc;
		const char *r = jstr(def, "risk");
		if (art_json_get(def, "risk") && (p->default_risk = risk_parse(r)) < 0) {
			snprintf(err, errsz, "defaults.risk must be low, medium, high or critical");
			return ART_EINVAL;
		}
	}
	p->max_messages = 256;
	p->max_message_bytes = 1 << 20;
	p->max_total_bytes = 4 << 20;
	p->max_output_bytes = 1 << 20;
	const cJSON *lim = art_json_get(j, "limits");
	if (lim) {
		static const char *const known[] = {"max_messages", "max_message_bytes", "max_total_bytes",
						    "max_output_bytes", NULL};
		if ((rc = keys_known(lim, known, "limits", err, errsz)) != ART_OK ||
		    (rc = limit_at(lim, "max_messages", &p->max_messages, err, errsz)) != ART_OK ||
		    (rc = limit_at(lim, "max_message_bytes", &p->max_message_bytes, err, errsz)) != ART_OK ||
		    (rc = limit_at(lim, "max_total_bytes", &p->max_total_bytes, err, errsz)) != ART_OK ||
		    (rc = limit_at(lim, "max_output_bytes", &p->max_output_bytes, err, errsz)) != ART_OK)
			return rc;
	}
	const cJSON *ten = art_json_get(j, "tenants");
	if (!cJSON_IsObject(ten) || !ten->child) {
		snprintf(err, errsz, "\"tenants\" must be an object naming at least one tenant");
		return ART_EINVAL;
	}
	p->tenants = calloc((size_t)cJSON_GetArraySize(ten), sizeof *p->tenants);
	if (!p->tenants)
		return ART_ENOMEM;
	cJSON_ArrayForEach(v, ten)
		if ((rc = load_tenant(&p->tenants[p->ntenants++], v, err, errsz)) != ART_OK)
			return rc;

	const char *cite_pat = "\\[(?:cite|source|ctx):\\s*([^\\]\\s,]+)\\s*\\]";
	const cJSON *cit = art_json_get(j, "citations");
	if (cit) {
		static const char *const known[] = {"tasks", "pattern", NULL};
		if ((rc = keys_known(cit, known, "citations", err, errsz)) != ART_OK)
			return rc;
		const cJSON *t = art_json_get(cit, "tasks");
		if (t && (rc = set_load(&p->cite_tasks, t, "citations.tasks", err, errsz)) != ART_OK)
			return rc;
		if (art_json_get(cit, "pattern") && !(cite_pat = jstr(cit, "pattern"))) {
			snprintf(err, errsz, "citations.pattern must be a string");
			return ART_EINVAL;
		}
	}
	int ec;
	PCRE2_SIZE eo;
	p->cite_re = pcre2_compile((PCRE2_SPTR)cite_pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
	uint32_t ncap = 0;
	if (p->cite_re)
		pcre2_pattern_info(p->cite_re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (!p->cite_re || ncap < 1) {
		snprintf(err, errsz, "citations.pattern must compile and have a capture group (the id)");
		return ART_EINVAL;
	}
	pcre2_jit_compile(p->cite_re, PCRE2_JIT_COMPLETE);

	const cJSON *red = art_json_get(j, "redaction");
	if (red) {
		static const char *const known[] = {"hash", "key_env", NULL};
		if ((rc = keys_known(red, known, "redaction", err, errsz)) != ART_OK)
			return rc;
		if (cJSON_IsTrue(art_json_get(red, "hash"))) {
			const char *kv = jstr(red, "key_env");
			kv = kv ? kv : "ART_POLICY_REDACT_KEY";
			const char *key = getenv(kv);
			if (!key || strlen(key) < 16) {
				snprintf(err, errsz, "redaction.hash is on but $%s is unset or shorter than 16 bytes", kv);
				return ART_EINVAL;
			}
			p->keylen = strlen(key);
			if (!(p->key = malloc(p->keylen)))
				return ART_ENOMEM;
			memcpy(p->key, key, p->keylen);
		}
	}
	p->approval_ttl_us = 24LL * 3600 * 1000000;
	const cJSON *ap = art_json_get(j, "approval");
	const char *ri = "art-route", *ro = "art-memory", *rb = "art-memory";
	if (ap) {
		static const char *const known[] = {"expires", "resume", NULL};
		if ((rc = keys_known(ap, known, "approval", err, errsz)) != ART_OK ||
		    (rc = duration_at(ap, "expires", &p->approval_ttl_us, err, errsz)) != ART_OK)
			return rc;
		const cJSON *res = art_json_get(ap, "resume");
		if (res) {
			static const char *const rk[] = {"boundary", "input", "output", NULL};
			if (!cJSON_IsObject(res) || (rc = keys_known(res, rk, "approval.resume", err, errsz)) != ART_OK) {
				snprintf(err, errsz, "approval.resume maps boundary/input/output to stage names");
				return ART_EINVAL;
			}
			ri = jstr(res, "input") ? jstr(res, "input") : ri;
			ro = jstr(res, "output") ? jstr(res, "output") : ro;
			rb = jstr(res, "boundary") ? jstr(res, "boundary") : rb;
		}
	}
	if (!(p->resume_input = strdup(ri)) || !(p->resume_output = strdup(ro)) || !(p->resume_boundary = strdup(rb)))
		return ART_ENOMEM;
	return ART_OK;
}

int art_policy_open(art_policy **out, const char *path, const char *schema_path, char *err,
		    size_t errsz)
{
	*out = NULL;
	cJSON *j;
	int rc = slurp_json(path, &j, err, errsz);
	if (rc != ART_OK)
		return rc;
	if (schema_path) {
		char e2[400];
		rc = art_policy_validate_doc(j, schema_path, e2, sizeof e2);
		if (rc != ART_OK) {
			snprintf(err, errsz, "%s: %s", path, e2);
			cJSON_Delete(j);
			return rc;
		}
	}
	art_policy *p = calloc(1, sizeof *p);
	if (!p) {
		cJSON_Delete(j);
		return ART_ENOMEM;
	}
	char dirbuf[PATH_MAX];
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	char e2[400] = "";
	rc = load(p, j, dirname(dirbuf), e2, sizeof e2);
	cJSON_Delete(j);
	if (rc != ART_OK) {
		snprintf(err, errsz, "%s: %s", path, e2[0] ? e2 : art_strerror(rc));
		art_policy_close(p);
		return rc;
	}
	*out = p;
	return ART_OK;
}

void art_policy_close(art_policy *p)
{
	if (!p)
		return;
	art_policy_rules_free(p->rules);
	for (size_t i = 0; i < p->ntenants; i++) {
		tenant *t = &p->tenants[i];
		free(t->name);
		set_free(&t->tasks);
		set_free(&t->scopes);
		set_free(&t->mem_kinds);
		set_free(&t->mem_tasks);
	}
	free(p->tenants);
	set_free(&p->cite_tasks);
	pcre2_code_free(p->cite_re);
	if (p->key) {
		memset(p->key, 0, p->keylen);
		free(p->key);
	}
	free(p->resume_input);
	free(p->resume_output);
	free(p->resume_boundary);
	free(p);
}

const art_policy_rules *art_policy_rules_of(const art_policy *p) { return p->rules; }

art_policy_redact_key art_policy_redact_key_of(const art_policy *p)
{
	return (art_policy_redact_key){p->key, p->keylen};
}

int64_t art_policy_approval_ttl(const art_policy *p) { return p->approval_ttl_us; }

int art_policy_stages_parse(const char *s, unsigned *stages)
{
	unsigned b = 0;
	const char *p = s;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n == 8 && !strncmp(p, "boundary", n))
			b |= ART_POLICY_BOUNDARY;
		else if (n == 5 && !strncmp(p, "input", n))
			b |= ART_POLICY_INPUT;
		else if (n == 6 && !strncmp(p, "output", n))
			b |= ART_POLICY_OUTPUT;
		else
			return ART_EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!b)
		return ART_EINVAL;
	*stages = b;
	return ART_OK;
}

/* ---- decisions ---- */

int art_policy_decision_add(cJSON *env, const char *stage, const char *rule, const char *action,
			    const char *field, const char *severity, const char *reason)
{
	cJSON *pol = art_json_get(env, "policy");
	if (!cJSON_IsObject(pol)) {
		if (pol)
			cJSON_DeleteItemFromObjectCaseSensitive(env, "policy");
		if (!(pol = cJSON_AddObjectToObject(env, "policy")))
			return ART_ENOMEM;
	}
	cJSON *ds = art_json_get(pol, "decisions");
	if (!cJSON_IsArray(ds)) {
		if (ds)
			cJSON_DeleteItemFromObjectCaseSensitive(pol, "decisions");
		if (!(ds = cJSON_AddArrayToObject(pol, "decisions")))
			return ART_ENOMEM;
	}
	cJSON *d = cJSON_CreateObject();
	if (!d)
		return ART_ENOMEM;
	if (stage)
		cJSON_AddStringToObject(d, "stage", stage);
	cJSON_AddStringToObject(d, "rule", rule);
	cJSON_AddStringToObject(d, "action", action);
	if (field)
		cJSON_AddStringToObject(d, "field", field);
	if (severity)
		cJSON_AddStringToObject(d, "severity", severity);
	if (reason)
		cJSON_AddStringToObject(d, "reason", reason);
	cJSON_AddItemToArray(ds, d);
	return ART_OK;
}

void art_policy_block(cJSON *env, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	art_env_set_error(env, code, STAGE_NAME, NULL, "%s", msg);
	art_env_status_set(env, ART_ENV_BLOCKED);
}

/* Records the deciding boundary decision and blocks. */
static void refuse(cJSON *env, const char *stage, const char *rule, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void refuse(cJSON *env, const char *stage, const char *rule, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	art_policy_decision_add(env, stage, rule, "block", NULL, "high", msg);
	art_policy_block(env, code, "%s", msg);
}

static void set_item(cJSON *obj, const char *key, cJSON *item)
{
	if (art_json_get(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

static const tenant *find_tenant(const art_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ntenants; i++)
		if (!strcmp(p->tenants[i].name, name))
			return &p->tenants[i];
	return NULL;
}

/* Checks every stage shares: known tenant, a deadline that has not passed.  Returns the
 * tenant, or NULL after blocking env. */
static const tenant *common(const art_policy *p, cJSON *env, const char *stage, int64_t now_us)
{
	const cJSON *tj = art_json_get(env, "tenant");
	if (!cJSON_IsString(tj) || !tj->valuestring[0]) {
		refuse(env, stage, "boundary.tenant", ART_POLICY_E_NO_TENANT, "the envelope names no tenant");
		return NULL;
	}
	const tenant *t = find_tenant(p, tj->valuestring);
	if (!t) {
		refuse(env, stage, "boundary.tenant", ART_POLICY_E_UNKNOWN_TENANT, "tenant \"%.100s\" is not in the policy",
		       tj->valuestring);
		return NULL;
	}
	int64_t dl;
	int rc = art_env_deadline(env, &dl);
	if (rc == ART_ENOENT) {
		refuse(env, stage, "boundary.deadline", ART_POLICY_E_NO_DEADLINE, "the envelope has no deadline");
		return NULL;
	}
	if (rc != ART_OK) {
		refuse(env, stage, "boundary.deadline", ART_POLICY_E_BAD_DEADLINE, "the deadline is not an RFC 3339 time");
		return NULL;
	}
	if (dl <= now_us) {
		art_policy_decision_add(env, stage, "boundary.deadline", "block", NULL, "high", "deadline has passed");
		art_env_set_error(env, ART_ERR_DEADLINE, STAGE_NAME, NULL, "deadline passed %.3f s ago",
				  (double)(now_us - dl) / 1e6);
		return NULL;
	}
	return t;
}

/* ---- boundary ---- */

static int boundary(const art_policy *p, cJSON *env, int64_t now_us)
{
	const char *st = "boundary";
	const cJSON *actor = art_json_get(env, "actor");
	const char *aid = jstr(actor, "id");
	if (!cJSON_IsObject(actor) || !aid || !aid[0]) {
		refuse(env, st, "boundary.actor", ART_POLICY_E_NO_ACTOR, "the envelope names no actor");
		return ART_POLICY_BLOCKED;
	}
	const char *task = jstr(env, "task");
	/* a default deadline is given before the common checks so they see it */
	if (!art_json_get(env, "deadline") && p->default_deadline_us) {
		char d[40], why[80];
		art_clock_fmt(now_us + p->default_deadline_us, d, sizeof d);
		set_item(env, "deadline", cJSON_CreateString(d));
		snprintf(why, sizeof why, "no deadline given; policy default %.3f s", (double)p->default_deadline_us / 1e6);
		art_policy_decision_add(env, st, "boundary.deadline", "allow", "deadline", NULL, why);
	}
	const tenant *t = common(p, env, st, now_us);
	if (!t)
		return ART_POLICY_BLOCKED;
	int64_t dl;
	if (p->max_deadline_us && art_env_deadline(env, &dl) == ART_OK && dl > now_us + p->max_deadline_us) {
		char d[40];
		art_clock_fmt(now_us + p->max_deadline_us, d, sizeof d);
		set_item(env, "deadline", cJSON_CreateString(d));
		art_policy_decision_add(env, st, "boundary.deadline", "allow", "deadline", NULL,
					"deadline beyond the policy maximum; shortened");
	}
	if (!task || !task[0]) {
		refuse(env, st, "boundary.task", ART_POLICY_E_NO_TASK, "the envelope names no task");
		return ART_POLICY_BLOCKED;
	}
	if (!set_has(&t->tasks, task)) {
		refuse(env, st, "boundary.task", ART_POLICY_E_TASK_DENIED, "task \"%.100s\" is not allowed for tenant %.100s",
		       task, t->name);
		return ART_POLICY_BLOCKED;
	}
	const cJSON *rj = art_json_get(env, "risk");
	int risk = p->default_risk;
	if (rj) {
		risk = risk_parse(cJSON_IsString(rj) ? rj->valuestring : NULL);
		if (risk < 0) {
			refuse(env, st, "boundary.risk", ART_POLICY_E_RISK, "risk is not low, medium, high or critical");
			return ART_POLICY_BLOCKED;
		}
	} else {
		set_item(env, "risk", cJSON_CreateString(risk_names[risk]));
	}
	if (risk > t->risk_ceiling) {
		refuse(env, st, "boundary.risk", ART_POLICY_E_RISK, "risk %s is above tenant %.100s's ceiling %s",
		       risk_names[risk], t->name, risk_names[t->risk_ceiling]);
		return ART_POLICY_BLOCKED;
	}
	/* limits (OWASP LLM10: unbounded consumption) */
	const cJSON *msgs = art_json_get(env, "messages"), *m;
	long long nmsg = cJSON_GetArraySize(msgs), total = 0, i = 0;
	if (nmsg > p->max_messages) {
		refuse(env, st, "boundary.limits", ART_POLICY_E_LIMIT, "%lld messages; the limit is %lld", nmsg, p->max_messages);
		return ART_POLICY_BLOCKED;
	}
	cJSON_ArrayForEach(m, msgs)
	{
		const char *c = jstr(m, "content");
		long long len = c ? (long long)strlen(c) : 0;
		if (len > p->max_message_bytes) {
			refuse(env, st, "boundary.limits", ART_POLICY_E_LIMIT, "message %lld has %lld bytes; the limit is %lld",
			       i, len, p->max_message_bytes);
			return ART_POLICY_BLOCKED;
		}
		total += len;
		i++;
	}
	if (total > p->max_total_bytes) {
		refuse(env, st, "boundary.limits", ART_POLICY_E_LIMIT, "messages hold %lld bytes; the limit is %lld", total,
		       p->max_total_bytes);
		return ART_POLICY_BLOCKED;
	}
	/* authority: grant requested ∩ actor scopes ∩ tenant scopes; anything the envelope
	 * claims as already granted is replaced (it came from outside) */
	cJSON *auth = art_json_get(env, "authority");
	if (!cJSON_IsObject(auth)) {
		auth = cJSON_CreateObject();
		set_item(env, "authority", auth);
	}
	cJSON *granted = cJSON_CreateArray();
	const cJSON *scopes = art_json_get(actor, "scopes"), *r;
	char gr[512] = "";
	size_t gl = 0;
	cJSON_ArrayForEach(r, art_json_get(auth, "requested"))
	{
		if (!cJSON_IsString(r))
			continue;
		int held = 0;
		const cJSON *s;
		cJSON_ArrayForEach(s, scopes) held |= cJSON_IsString(s) && !strcmp(s->valuestring, r->valuestring);
		int tenant_ok = !t->has_scopes || set_has(&t->scopes, r->valuestring);
		if (held && tenant_ok) {
			cJSON_AddItemToArray(granted, cJSON_CreateString(r->valuestring));
			if (gl < sizeof gr - 2)
				gl += (size_t)snprintf(gr + gl, sizeof gr - gl, "%s%s", gl ? " " : "", r->valuestring);
		} else {
			char why[300];
			snprintf(why, sizeof why, "%.100s: %s", r->valuestring,
				 !held ? "the actor does not hold this scope" : "the tenant does not allow this scope");
			art_policy_decision_add(env, st, "boundary.authority", "deny", "authority.requested", NULL, why);
		}
	}
	set_item(auth, "granted", granted);
	if (gl) {
		if (gl >= sizeof gr - 1)
			snprintf(gr + sizeof gr - 5, 5, "...");
		art_policy_decision_add(env, st, "boundary.authority", "grant", "authority.granted", NULL, gr);
	}
	return ART_POLICY_PASS;
}

/* ---- content stages ---- */

typedef struct {
	const art_policy *p;
	art_policy_scratch *sc;
	cJSON *env;
	const char *stage;
	unsigned stage_bit;
	int approved;          /* env was approved by a human at this stage already */
	const char *approver;
	enum art_policy_action worst;
	int any;
	char worst_rule[128], worst_field[160];
	int failed;            /* a scan failed: fail closed */
	/* decisions already recorded for (rule, field) in this stage: (rule, 64-bit hash of
	 * the field path); inline first, on the heap past 32 */
	struct seen { uint32_t rule; uint64_t fh; } seen0[32], *seen;
	size_t nseen, capseen;
} scan_ctx;

static int seen_before(scan_ctx *c, uint32_t rule, const char *field)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = field; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	if (!c->seen) {
		c->seen = c->seen0;
		c->capseen = sizeof c->seen0 / sizeof *c->seen0;
	}
	for (size_t i = 0; i < c->nseen; i++)
		if (c->seen[i].rule == rule && c->seen[i].fh == h)
			return 1;
	if (c->nseen == c->capseen) {
		size_t nc = c->capseen * 2;
		struct seen *ns = malloc(nc * sizeof *ns);
		if (!ns)
			return 1;
		memcpy(ns, c->seen, c->nseen * sizeof *ns);
		if (c->seen != c->seen0)
			free(c->seen);
		c->seen = ns;
		c->capseen = nc;
	}
	c->seen[c->nseen++] = (struct seen){rule, h};
	return 0;
}

/* Scans one string item (field path names it in decisions), redacting in place. */
static int scan_string(scan_ctx *c, cJSON *item, unsigned field, const char *path)
{
	const art_policy_rules *rs = c->p->rules;
	const art_policy_hit *hits;
	size_t len = strlen(item->valuestring);
	int n = art_policy_rules_scan(rs, c->sc, c->stage_bit, field, item->valuestring, len, &hits);
	if (n < 0) {
		if (n == ART_ENOMEM)
			return n;
		c->failed = 1;
		snprintf(c->worst_field, sizeof c->worst_field, "%s", path);
		return ART_OK;
	}
	if (!n)
		return ART_OK;
	int need_redact = 0;
	for (int i = 0; i < n; i++) {
		const art_policy_rule *r = art_policy_rules_get(rs, hits[i].rule);
		enum art_policy_action a = r->action;
		if (r->placeholder && (a == ART_POLICY_REDACT || a == ART_POLICY_BLOCK))
			need_redact = 1;
		if (a == ART_POLICY_REQUIRE_APPROVAL && c->approved) {
			if (!seen_before(c, hits[i].rule, path)) {
				char why[200];
				snprintf(why, sizeof why, "approved by %.100s", c->approver ? c->approver : "a reviewer");
				art_policy_decision_add(c->env, c->stage, r->id, "allow", path, r->severity, why);
			}
			continue;
		}
		if (!c->any || a > c->worst) {
			c->worst = a;
			c->any = 1;
			snprintf(c->worst_rule, sizeof c->worst_rule, "%s", r->id);
			snprintf(c->worst_field, sizeof c->worst_field, "%s", path);
		}
		if (!seen_before(c, hits[i].rule, path)) {
			char why[300];
			snprintf(why, sizeof why, "%s (%s)", r->description ? r->description : r->family, r->owasp);
			art_policy_decision_add(c->env, c->stage, r->id, art_policy_action_name(a), path, r->severity, why);
		}
	}
	if (need_redact) {
		char *out;
		size_t outlen;
		int nrep;
		art_policy_redact_key key = art_policy_redact_key_of(c->p);
		unsigned mask = (1u << ART_POLICY_REDACT) | (1u << ART_POLICY_BLOCK);
		int rc = art_policy_rules_redact(rs, hits, n, mask, &key, item->valuestring, len, &out, &outlen, &nrep);
		if (rc != ART_OK)
			return rc;
		if (nrep && !cJSON_SetValuestring(item, out)) {
			free(out);
			return ART_ENOMEM;
		}
		free(out);
	}
	return ART_OK;
}

/* Scans every string inside a JSON value (tool arguments, tool result content). */
static int scan_tree(scan_ctx *c, cJSON *v, unsigned field, const char *path, int depth)
{
	if (depth > 64)
		return ART_OK;
	if (cJSON_IsString(v))
		return scan_string(c, v, field, path);
	cJSON *ch;
	int rc = ART_OK;
	cJSON_ArrayForEach(ch, v)
		if (rc == ART_OK && (cJSON_IsString(ch) || cJSON_IsObject(ch) || cJSON_IsArray(ch)))
			rc = scan_tree(c, ch, field, path, depth + 1);
	return rc;
}

static unsigned role_bit(const char *role)
{
	if (!role)
		return ART_POLICY_F_MSG_USER;
	if (!strcmp(role, "system"))
		return ART_POLICY_F_MSG_SYSTEM;
	if (!strcmp(role, "assistant"))
		return ART_POLICY_F_MSG_ASSISTANT;
	if (!strcmp(role, "tool"))
		return ART_POLICY_F_MSG_TOOL;
	return ART_POLICY_F_MSG_USER;
}

static int scan_input(scan_ctx *c)
{
	cJSON *it;
	char path[160];
	int i = 0, rc = ART_OK;
	cJSON_ArrayForEach(it, art_json_get(c->env, "messages"))
	{
		cJSON *ct = art_json_get(it, "content");
		if (cJSON_IsString(ct)) {
			snprintf(path, sizeof path, "messages[%d].content", i);
			if ((rc = scan_string(c, ct, role_bit(jstr(it, "role")), path)) != ART_OK)
				return rc;
		}
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(it, art_json_get(c->env, "context"))
	{
		cJSON *tx = art_json_get(it, "text");
		if (cJSON_IsString(tx)) {
			snprintf(path, sizeof path, "context[%d].text", i);
			if ((rc = scan_string(c, tx, ART_POLICY_F_CONTEXT, path)) != ART_OK)
				return rc;
		}
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(it, art_json_get(c->env, "tool_results"))
	{
		cJSON *ct = art_json_get(it, "content");
		snprintf(path, sizeof path, "tool_results[%d].content", i);
		if (ct && (rc = scan_tree(c, ct, ART_POLICY_F_TOOL_RESULTS, path, 0)) != ART_OK)
			return rc;
		i++;
	}
	return ART_OK;
}

static int scan_output(scan_ctx *c)
{
	cJSON *out = art_json_get(c->env, "output"), *it;
	char path[160];
	int i = 0, rc;
	cJSON *tx = art_json_get(out, "text");
	if (cJSON_IsString(tx) && (rc = scan_string(c, tx, ART_POLICY_F_OUTPUT_TEXT, "output.text")) != ART_OK)
		return rc;
	cJSON_ArrayForEach(it, art_json_get(out, "tool_calls"))
	{
		cJSON *args = art_json_get(it, "arguments");
		snprintf(path, sizeof path, "output.tool_calls[%d].arguments", i++);
		if (args && (rc = scan_tree(c, args, ART_POLICY_F_TOOL_CALLS, path, 0)) != ART_OK)
			return rc;
	}
	i = 0;
	cJSON_ArrayForEach(it, art_json_get(c->env, "memory_writes"))
	{
		cJSON *mt = art_json_get(it, "text");
		snprintf(path, sizeof path, "memory_writes[%d].text", i++);
		if (cJSON_IsString(mt) && (rc = scan_string(c, mt, ART_POLICY_F_MEMORY, path)) != ART_OK)
			return rc;
	}
	return ART_OK;
}

/* Runs the content rules of one stage; returns the verdict (or a negative status). */
static int content(const art_policy *p, art_policy_scratch *sc, cJSON *env, unsigned stage_bit,
		   const char *resume, int redact_only)
{
	const char *stage = stage_bit == ART_POLICY_STAGE_INPUT ? "input" : "output";
	const cJSON *ap = art_json_get(env, "approval");
	const char *ast = jstr(ap, "state"), *astage = jstr(ap, "stage");
	scan_ctx c = {.p = p, .sc = sc, .env = env, .stage = stage, .stage_bit = stage_bit};
	c.approved = ast && !strcmp(ast, "approved") && astage && !strcmp(astage, stage);
	c.approver = jstr(ap, "by");
	int rc = stage_bit == ART_POLICY_STAGE_INPUT ? scan_input(&c) : scan_output(&c);
	if (c.seen != c.seen0)
		free(c.seen);
	if (rc != ART_OK)
		return rc;
	if (redact_only)
		return ART_POLICY_BLOCKED;
	if (c.failed) {
		art_policy_decision_add(env, stage, "policy.scan", "block", c.worst_field, "high",
					"rule scan failed (match limit); failing closed");
		art_policy_block(env, ART_POLICY_E_SCAN, "the content scan of %s failed; blocked (fail closed)", c.worst_field);
		return ART_POLICY_BLOCKED;
	}
	if (!c.any)
		return ART_POLICY_PASS;
	if (c.worst == ART_POLICY_BLOCK) {
		art_policy_block(env, ART_POLICY_E_BLOCKED, "blocked by rule %s in %s", c.worst_rule, c.worst_field);
		return ART_POLICY_BLOCKED;
	}
	if (c.worst == ART_POLICY_REQUIRE_APPROVAL) {
		char why[320];
		snprintf(why, sizeof why, "rule %s in %s needs a human decision", c.worst_rule, c.worst_field);
		cJSON *a = cJSON_CreateObject();
		if (!a)
			return ART_ENOMEM;
		cJSON_AddStringToObject(a, "state", "pending");
		cJSON_AddStringToObject(a, "stage", stage);
		if (!resume)
			resume = stage_bit == ART_POLICY_STAGE_INPUT ? p->resume_input : p->resume_output;
		cJSON_AddStringToObject(a, "resume", resume);
		cJSON_AddStringToObject(a, "reason", why);
		set_item(env, "approval", a);
		art_env_status_set(env, ART_ENV_AWAITING_APPROVAL);
		return ART_POLICY_PARK;
	}
	return ART_POLICY_PASS;
}

/* ---- output checks ---- */

static int citations(const art_policy *p, art_policy_scratch *sc, cJSON *env, const char *task)
{
	const char *text = jstr(art_json_get(env, "output"), "text");
	int required = task && set_has(&p->cite_tasks, task);
	if (!text)
		text = "";
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->cite_re, NULL);
	if (!md)
		return ART_ENOMEM;
	(void)sc;
	const cJSON *ctx = art_json_get(env, "context");
	size_t len = strlen(text), off = 0;
	int ncite = 0, verdict = ART_POLICY_PASS;
	while (off <= len && pcre2_match(p->cite_re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, md, NULL) > 1) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		if (ov[2] == PCRE2_UNSET)
			continue;
		ncite++;
		size_t il = ov[3] - ov[2];
		const char *id = text + ov[2];
		int found = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, ctx)
		{
			const char *cid = jstr(it, "id");
			found |= cid && strlen(cid) == il && !memcmp(cid, id, il);
		}
		if (!found) {
			char why[200];
			snprintf(why, sizeof why, "cites \"%.*s\", which is not a context item of this envelope",
				 (int)(il > 80 ? 80 : il), id);
			art_policy_decision_add(env, "output", "output.citations", "block", "output.text", "high", why);
			art_policy_block(env, ART_POLICY_E_CITATION, "%s", why);
			verdict = ART_POLICY_BLOCKED;
			break;
		}
	}
	pcre2_match_data_free(md);
	if (verdict == ART_POLICY_PASS && required && !ncite) {
		art_policy_decision_add(env, "output", "output.citations", "block", "output.text", "high",
					"the task requires citations and the output has none");
		art_policy_block(env, ART_POLICY_E_CITATION, "task %.100s requires citations of context items; none found", task);
		verdict = ART_POLICY_BLOCKED;
	}
	return verdict;
}

static void memory(const tenant *t, cJSON *env, const char *task)
{
	cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, art_json_get(env, "memory_writes"))
	{
		char path[64], why[200];
		snprintf(path, sizeof path, "memory_writes[%d]", i++);
		const char *kind = jstr(it, "kind");
		int ok = 1;
		if (!kind) {
			ok = 0;
			snprintf(why, sizeof why, "a memory write without a kind");
		} else if (!set_has(&t->mem_kinds, kind)) {
			ok = 0;
			snprintf(why, sizeof why, "tenant %.60s may not write memory of kind %.30s", t->name, kind);
		} else if (t->has_mem_tasks ? !set_has(&t->mem_tasks, task) : !set_has(&t->tasks, task)) {
			ok = 0;
			snprintf(why, sizeof why, "task %.60s may not write memory for tenant %.60s", task, t->name);
		} else {
			snprintf(why, sizeof why, "tenant %.60s, task %.60s, kind %.30s allowed", t->name, task, kind);
		}
		set_item(it, "approved", cJSON_CreateBool(ok));
		if (!ok)
			set_item(it, "status", cJSON_CreateString("refused"));
		art_policy_decision_add(env, "output", "output.memory", ok ? "allow" : "deny", path, NULL, why);
	}
}

static int output_checks(const art_policy *p, art_policy_scratch *sc, cJSON *env, const tenant *t)
{
	const char *task = jstr(env, "task");
	const cJSON *out = art_json_get(env, "output");
	const char *text = jstr(out, "text");
	if (!task) {
		refuse(env, "output", "boundary.task", ART_POLICY_E_NO_TASK, "the envelope names no task");
		return ART_POLICY_BLOCKED;
	}
	size_t len = text ? strlen(text) : 0;
	if ((long long)len > p->max_output_bytes) {
		refuse(env, "output", "output.limits", ART_POLICY_E_LIMIT, "output has %zu bytes; the limit is %lld", len,
		       p->max_output_bytes);
		return ART_POLICY_BLOCKED;
	}
	const cJSON *rs = art_json_get(env, "response_schema");
	if (rs) {
		cJSON *errs = NULL;
		char why[300];
		int rc = art_policy_output_validate(rs, text, &errs, why, sizeof why);
		if (rc == ART_ENOMEM)
			return rc;
		if (rc != ART_OK) {
			art_policy_decision_add(env, "output", "output.schema", "block", "output.text", "high", why);
			art_env_set_error(env, ART_POLICY_E_OUTPUT_SCHEMA, STAGE_NAME, errs, "%s", why);
			art_env_status_set(env, ART_ENV_BLOCKED);
			return ART_POLICY_BLOCKED;
		}
	}
	int v = citations(p, sc, env, task);
	if (v != ART_POLICY_PASS)
		return v;
	memory(t, env, task);
	return ART_POLICY_PASS;
}

int art_policy_check(const art_policy *p, art_policy_scratch *sc, unsigned stages, cJSON *env,
		     int64_t now_us, const char *resume, enum art_policy_verdict *verdict)
{
	int v = ART_POLICY_PASS;
	unsigned ran = 0;
	*verdict = ART_POLICY_PASS;
	if (stages & ART_POLICY_BOUNDARY) {
		v = boundary(p, env, now_us);
		if (v != ART_POLICY_PASS)
			goto done;
	}
	if (stages & ART_POLICY_INPUT) {
		if (!(stages & ART_POLICY_BOUNDARY) && !common(p, env, "input", now_us)) {
			v = ART_POLICY_BLOCKED;
			goto done;
		}
		ran |= ART_POLICY_INPUT;
		v = content(p, sc, env, ART_POLICY_STAGE_INPUT, resume, 0);
		if (v != ART_POLICY_PASS)
			goto done;
	}
	if (stages & ART_POLICY_OUTPUT) {
		const tenant *t = common(p, env, "output", now_us);
		if (!t) {
			v = ART_POLICY_BLOCKED;
			goto done;
		}
		ran |= ART_POLICY_OUTPUT;
		v = content(p, sc, env, ART_POLICY_STAGE_OUTPUT, resume, 0);
		if (v != ART_POLICY_PASS)
			goto done;
		v = output_checks(p, sc, env, t);
	}
done:
	/* an envelope refused before its content was scanned is still redacted: blocked
	 * envelopes pass on down the pipe and into traces */
	if (v == ART_POLICY_BLOCKED) {
		int rc = ART_POLICY_BLOCKED;
		if ((stages & ART_POLICY_INPUT) && !(ran & ART_POLICY_INPUT))
			rc = content(p, sc, env, ART_POLICY_STAGE_INPUT, resume, 1);
		if (rc >= 0 && (stages & ART_POLICY_OUTPUT) && !(ran & ART_POLICY_OUTPUT))
			rc = content(p, sc, env, ART_POLICY_STAGE_OUTPUT, resume, 1);
		if (rc < 0)
			return rc;
	}
	if (v < 0)
		return v;
	*verdict = (enum art_policy_verdict)v;
	return ART_OK;
}

/* policy_rules.c — rule packs compiled to PCRE2 (JIT), scanned per field, checksums,
 * redaction with typed placeholders and keyed hashes. */
#include "policy_rules.h"
#include "err.h"
#include "file.h"
#include "sha256.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS 9
#define NSTAGES 2
#define MATCH_LIMIT 2000000u /* PCRE2 backtracking bound per match call (LLM10) */

typedef struct {
	art_policy_rule pub;
	pcre2_code *re;
	char **words;   /* gate: any of these whole words (ASCII case-insensitive) */
	size_t nwords;
	char **lits;    /* gate: or any of these literal substrings (case-sensitive) */
	size_t *litlen; /* their lengths */
	size_t nlits;
	int gated;      /* has "requires" */
	int min_digits; /* gate: at least this many ASCII digits in the text */
	int min_run;    /* gate: a run of at least this many non-space bytes */
	int span_group; /* 1 when the pattern has a capture group: checks/redaction use it */
} rule_int;

struct art_policy_rules {
	rule_int *r;
	size_t n, cap;
	uint32_t maxcap;                     /* most capture groups of any rule */
	uint32_t *idx[NSTAGES][NFIELDS];     /* rule indexes for (stage, field) */
	size_t nidx[NSTAGES][NFIELDS];
	/* gates: word -> rules that need it (open addressing, lowercase words) */
	struct gword {
		char *w;
		size_t len;
		uint32_t *rules;
		size_t n;
	} *words;
	size_t wcap;                         /* power of two, 0: no word gates */
	int finished;
};

struct art_policy_scratch {
	pcre2_match_data *md;
	uint32_t mdcap;
	pcre2_match_context *mc;
	art_policy_hit *hits;
	size_t nhits, cap;
	uint8_t *on;     /* per rule: a word gate was seen in this text */
	size_t non;
	/* bytes and hashed byte pairs present in the text: entries equal to gen (a new gen
	 * per scan, so nothing is cleared between scans but every 255th) */
	uint8_t gen;
	uint8_t bytes[256];
	uint8_t bigrams[4096];
};

/* Byte classes for the gate pass (the C locale's isalpha, isdigit; the spaces that end
 * a run). */
enum { C_ALPHA = 1, C_DIGIT = 2, C_SPACE = 4 };
static const uint8_t cls[256] = {
	['A' ... 'Z'] = C_ALPHA, ['a' ... 'z'] = C_ALPHA, ['0' ... '9'] = C_DIGIT,
	[' '] = C_SPACE, ['\n'] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE,
};

#define BIGRAM(a, b) ((((unsigned)(unsigned char)(a) * 31u) ^ (unsigned)(unsigned char)(b) * 131u) & 4095u)

/* 0 when literal lit cannot occur in the text the scratch's bitmaps describe. */
static int maybe_has(const art_policy_scratch *sc, const char *lit, size_t n)
{
	if (sc->bytes[(unsigned char)lit[0]] != sc->gen)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (sc->bigrams[BIGRAM(lit[i], lit[i + 1])] != sc->gen)
			return 0;
	return 1;
}

static const char *const action_names[] = {
	[ART_POLICY_FLAG] = "flag",
	[ART_POLICY_REDACT] = "redact",
	[ART_POLICY_REQUIRE_APPROVAL] = "require_approval",
	[ART_POLICY_BLOCK] = "block",
};

const char *art_policy_action_name(enum art_policy_action a)
{
	ART_ASSERT(a >= ART_POLICY_FLAG && a <= ART_POLICY_BLOCK);
	return action_names[a];
}

int art_policy_action_parse(const char *s, enum art_policy_action *a)
{
	for (int i = ART_POLICY_FLAG; i <= ART_POLICY_BLOCK; i++)
		if (s && !strcmp(s, action_names[i])) {
			*a = (enum art_policy_action)i;
			return ART_OK;
		}
	return ART_EINVAL;
}

static const struct {
	const char *name;
	unsigned bits;
} field_names[] = {
	{"messages", ART_POLICY_F_MESSAGES},
	{"messages.system", ART_POLICY_F_MSG_SYSTEM},
	{"messages.user", ART_POLICY_F_MSG_USER},
	{"messages.assistant", ART_POLICY_F_MSG_ASSISTANT},
	{"messages.tool", ART_POLICY_F_MSG_TOOL},
	{"context", ART_POLICY_F_CONTEXT},
	{"tool_results", ART_POLICY_F_TOOL_RESULTS},
	{"output.text", ART_POLICY_F_OUTPUT_TEXT},
	{"output.tool_calls", ART_POLICY_F_TOOL_CALLS},
	{"memory_writes", ART_POLICY_F_MEMORY},
	{"all", ART_POLICY_F_ALL},
};

unsigned art_policy_field_parse(const char *s)
{
	for (size_t i = 0; i < sizeof field_names / sizeof *field_names; i++)
		if (s && !strcmp(s, field_names[i].name))
			return field_names[i].bits;
	return 0;
}

static const char *const check_names[] = {
	[ART_POLICY_CHECK_NONE] = "none",       [ART_POLICY_CHECK_LUHN] = "luhn",
	[ART_POLICY_CHECK_IBAN] = "iban",       [ART_POLICY_CHECK_SSN] = "ssn",
	[ART_POLICY_CHECK_ENTROPY] = "entropy", [ART_POLICY_CHECK_DNI] = "dni",
};

/* ---- validators ---- */

/* Copies the alphanumerics of s[0..n) to buf (uppercased), skipping ' ' and '-';
 * returns their count, or -1 on another character or overflow. */
static int compact(const char *s, size_t n, char *buf, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '-' || c == '.')
			continue;
		if (!isalnum(c) || k + 1 >= cap)
			return -1;
		buf[k++] = (char)toupper(c);
	}
	buf[k] = 0;
	return (int)k;
}

int art_policy_luhn_ok(const char *s, size_t n)
{
	char d[40];
	int k = compact(s, n, d, sizeof d);
	if (k < 13 || k > 19)
		return 0;
	int sum = 0, same = 1;
	for (int i = 0; i < k; i++) {
		if (!isdigit((unsigned char)d[i]))
			return 0;
		same &= d[i] == d[0];
		int v = d[k - 1 - i] - '0';
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return !same && sum % 10 == 0;
}

/* ISO 13616 registry: country code and IBAN length. */
static const char iban_len[][5] = {
	"AD24", "AE23", "AL28", "AT20", "AZ28", "BA20", "BE16", "BG22", "BH22", "BR29", "BY28",
	"CH21", "CR22", "CY28", "CZ24", "DE22", "DK18", "DO28", "EE20", "EG29", "ES24", "FI18",
	"FO18", "FR27", "GB22", "GE22", "GI23", "GL18", "GR27", "GT28", "HR21", "HU28", "IE22",
	"IL23", "IQ23", "IS26", "IT27", "JO30", "KW30", "KZ20", "LB28", "LC32", "LI21", "LT20",
	"LU20", "LV21", "MC27", "MD24", "ME22", "MK19", "MR27", "MT31", "MU30", "NL18", "NO15",
	"PK24", "PL28", "PS29", "PT25", "QA29", "RO24", "RS22", "SA24", "SC31", "SE24", "SI19",
	"SK24", "SM27", "ST25", "SV28", "TL23", "TN24", "TR26", "UA29", "VA22", "VG24", "XK20",
};

int art_policy_iban_ok(const char *s, size_t n)
{
	char d[48];
	int k = compact(s, n, d, sizeof d);
	if (k < 15 || k > 34 || !isalpha((unsigned char)d[0]) || !isalpha((unsigned char)d[1]) ||
	    !isdigit((unsigned char)d[2]) || !isdigit((unsigned char)d[3]))
		return 0;
	int want = -1;
	for (size_t i = 0; i < sizeof iban_len / sizeof *iban_len; i++)
		if (iban_len[i][0] == d[0] && iban_len[i][1] == d[1])
			want = (iban_len[i][2] - '0') * 10 + (iban_len[i][3] - '0');
	if (want != k)
		return 0;
	/* ISO 7064 mod 97-10 over BBAN + country + check digits, letters as 10..35 */
	unsigned rem = 0;
	for (int j = 0; j < k; j++) {
		char c = d[(j + 4) % k];
		if (isdigit((unsigned char)c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

int art_policy_ssn_ok(const char *s, size_t n)
{
	char d[16];
	int k = compact(s, n, d, sizeof d);
	if (k != 9)
		return 0;
	for (int i = 0; i < 9; i++)
		if (!isdigit((unsigned char)d[i]))
			return 0;
	int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	int group = (d[3] - '0') * 10 + (d[4] - '0');
	int serial = atoi(d + 5);
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

int art_policy_entropy_ok(const char *s, size_t n)
{
	if (n < 8)
		return 0;
	unsigned cnt[256] = {0};
	for (size_t i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	double h = 0;
	for (int i = 0; i < 256; i++)
		if (cnt[i]) {
			double p = (double)cnt[i] / (double)n;
			h -= p * log2(p);
		}
	return h >= 3.0;
}

int art_policy_dni_ok(const char *s, size_t n)
{
	char d[16];
	int k = compact(s, n, d, sizeof d);
	if (k != 9)
		return 0;
	long v = 0;
	int i = 0;
	if (d[0] == 'X' || d[0] == 'Y' || d[0] == 'Z')
		v = d[i++] - 'X';
	for (; i < 8; i++) {
		if (!isdigit((unsigned char)d[i]))
			return 0;
		v = v * 10 + (d[i] - '0');
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[v % 23] == d[8];
}

static int check_ok(enum art_policy_check c, const char *s, size_t n)
{
	switch (c) {
	case ART_POLICY_CHECK_NONE: return 1;
	case ART_POLICY_CHECK_LUHN: return art_policy_luhn_ok(s, n);
	case ART_POLICY_CHECK_IBAN: return art_policy_iban_ok(s, n);
	case ART_POLICY_CHECK_SSN: return art_policy_ssn_ok(s, n);
	case ART_POLICY_CHECK_ENTROPY: return art_policy_entropy_ok(s, n);
	case ART_POLICY_CHECK_DNI: return art_policy_dni_ok(s, n);
	}
	return 0;
}

/* ---- the set ---- */

int art_policy_rules_new(art_policy_rules **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? ART_OK : ART_ENOMEM;
}

static void drop_index(art_policy_rules *rs)
{
	for (int s = 0; s < NSTAGES; s++)
		for (int f = 0; f < NFIELDS; f++) {
			free(rs->idx[s][f]);
			rs->idx[s][f] = NULL;
			rs->nidx[s][f] = 0;
		}
	for (size_t i = 0; i < rs->wcap; i++) {
		free(rs->words[i].w);
		free(rs->words[i].rules);
	}
	free(rs->words);
	rs->words = NULL;
	rs->wcap = 0;
	rs->finished = 0;
}

static void rule_free(rule_int *r)
{
	free(r->pub.id);
	free(r->pub.family);
	free(r->pub.owasp);
	free(r->pub.severity);
	free(r->pub.placeholder);
	free(r->pub.description);
	for (size_t i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	for (size_t i = 0; i < r->nlits; i++)
		free(r->lits[i]);
	free(r->lits);
	free(r->litlen);
	pcre2_code_free(r->re);
}

void art_policy_rules_free(art_policy_rules *rs)
{
	if (!rs)
		return;
	drop_index(rs);
	for (size_t i = 0; i < rs->n; i++)
		rule_free(&rs->r[i]);
	free(rs->r);
	free(rs);
}

size_t art_policy_rules_count(const art_policy_rules *rs) { return rs->n; }

const art_policy_rule *art_policy_rules_get(const art_policy_rules *rs, size_t i)
{
	ART_ASSERT(i < rs->n);
	return &rs->r[i].pub;
}

long art_policy_rules_find(const art_policy_rules *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].pub.id, id))
			return (long)i;
	return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Parses a string list of stage names into bits; ART_EINVAL on an unknown name. */
static int parse_stages(const cJSON *a, unsigned *bits, char *err, size_t errsz, const char *id)
{
	unsigned b = 0;
	const cJSON *v;
	if (!cJSON_IsArray(a)) {
		snprintf(err, errsz, "rule %s: \"stages\" must be an array", id);
		return ART_EINVAL;
	}
	cJSON_ArrayForEach(v, a)
	{
		if (cJSON_IsString(v) && !strcmp(v->valuestring, "input"))
			b |= ART_POLICY_STAGE_INPUT;
		else if (cJSON_IsString(v) && !strcmp(v->valuestring, "output"))
			b |= ART_POLICY_STAGE_OUTPUT;
		else {
			snprintf(err, errsz, "rule %s: unknown stage (input, output)", id);
			return ART_EINVAL;
		}
	}
	*bits = b;
	return ART_OK;
}

static int parse_fields(const cJSON *a, unsigned *bits, char *err, size_t errsz, const char *id)
{
	unsigned b = 0;
	const cJSON *v;
	if (!cJSON_IsArray(a)) {
		snprintf(err, errsz, "rule %s: \"fields\" must be an array", id);
		return ART_EINVAL;
	}
	cJSON_ArrayForEach(v, a)
	{
		unsigned f = cJSON_IsString(v) ? art_policy_field_parse(v->valuestring) : 0;
		if (!f) {
			snprintf(err, errsz, "rule %s: unknown field \"%.60s\"", id,
				 cJSON_IsString(v) ? v->valuestring : "?");
			return ART_EINVAL;
		}
		b |= f;
	}
	*bits = b;
	return ART_OK;
}

static int placeholder_ok(const char *p)
{
	if (!*p || strlen(p) > 32)
		return 0;
	for (; *p; p++)
		if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return 0;
	return 1;
}

static int is_word(const char *w)
{
	if (!*w || strlen(w) > 32)
		return 0;
	for (; *w; w++)
		if (!isalpha((unsigned char)*w))
			return 0;
	return 1;
}

/* "requires": [whole words], "literals": [substrings], "min_digits": N, "min_run": N.
 * The pack author promises each is necessary for a match; gates only skip rules that
 * cannot match. */
static int parse_gates(const cJSON *o, rule_int *r, char *err, size_t errsz, const char *id)
{
	const cJSON *v;
	static const char *const lk[] = {"requires", "literals"};
	for (int li = 0; li < 2; li++) {
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(o, lk[li]);
		if (!req)
			continue;
		if (!cJSON_IsArray(req) || !cJSON_GetArraySize(req)) {
			snprintf(err, errsz, "rule %s: \"%s\" must be a non-empty array of strings", id, lk[li]);
			return ART_EINVAL;
		}
		size_t n = (size_t)cJSON_GetArraySize(req);
		char ***arr = li ? &r->lits : &r->words;
		size_t *cnt = li ? &r->nlits : &r->nwords;
		if (!(*arr = calloc(n, sizeof **arr)) || (li && !(r->litlen = calloc(n, sizeof *r->litlen))))
			return ART_ENOMEM;
		cJSON_ArrayForEach(v, req)
		{
			if (!cJSON_IsString(v) || !v->valuestring[0] || (!li && !is_word(v->valuestring))) {
				snprintf(err, errsz, "rule %s: \"%s\" must hold %s", id, lk[li],
					 li ? "non-empty strings" : "words of 1-32 letters");
				return ART_EINVAL;
			}
			char *w = strdup(v->valuestring);
			if (!w)
				return ART_ENOMEM;
			if (!li)
				for (char *c = w; *c; c++)
					*c = (char)tolower((unsigned char)*c);
			else
				r->litlen[*cnt] = strlen(w);
			(*arr)[(*cnt)++] = w;
		}
		r->gated = 1;
	}
	static const char *const nk[] = {"min_digits", "min_run"};
	for (int i = 0; i < 2; i++) {
		v = cJSON_GetObjectItemCaseSensitive(o, nk[i]);
		if (!v)
			continue;
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4096) {
			snprintf(err, errsz, "rule %s: \"%s\" must be an integer 0..4096", id, nk[i]);
			return ART_EINVAL;
		}
		*(i ? &r->min_run : &r->min_digits) = (int)v->valuedouble;
	}
	return ART_OK;
}

/* Compiles one rule object into r (zeroed by the caller). */
static int rule_parse(const cJSON *o, rule_int *r, char *err, size_t errsz)
{
	const char *id = jstr(o, "id"), *pat = jstr(o, "pattern");
	if (!cJSON_IsObject(o) || !id || !*id) {
		snprintf(err, errsz, "a rule needs a string \"id\"");
		return ART_EINVAL;
	}
	if (!pat || !*pat) {
		snprintf(err, errsz, "rule %s: needs a string \"pattern\"", id);
		return ART_EINVAL;
	}
	const char *act = jstr(o, "action");
	if (!act || art_policy_action_parse(act, &r->pub.action) != ART_OK) {
		snprintf(err, errsz, "rule %s: \"action\" must be block, flag, redact or require_approval", id);
		return ART_EINVAL;
	}
	const char *fam = jstr(o, "family"), *sev = jstr(o, "severity"), *ow = jstr(o, "owasp");
	if (!fam || !sev || !ow) {
		snprintf(err, errsz, "rule %s: needs \"family\", \"severity\" and \"owasp\"", id);
		return ART_EINVAL;
	}
	if (strcmp(sev, "low") && strcmp(sev, "medium") && strcmp(sev, "high") && strcmp(sev, "critical")) {
		snprintf(err, errsz, "rule %s: severity must be low, medium, high or critical", id);
		return ART_EINVAL;
	}
	if (strncmp(ow, "LLM", 3) || strlen(ow) < 5) {
		snprintf(err, errsz, "rule %s: \"owasp\" must be an OWASP LLM Top 10 id like LLM02:2025", id);
		return ART_EINVAL;
	}
	const char *ph = jstr(o, "placeholder");
	if (ph && !placeholder_ok(ph)) {
		snprintf(err, errsz, "rule %s: placeholder must be 1-32 of A-Z 0-9 _", id);
		return ART_EINVAL;
	}
	if (r->pub.action == ART_POLICY_REDACT && !ph) {
		snprintf(err, errsz, "rule %s: action redact needs a \"placeholder\"", id);
		return ART_EINVAL;
	}
	r->pub.check = ART_POLICY_CHECK_NONE;
	const char *ck = jstr(o, "check");
	if (ck) {
		int found = 0;
		for (int i = 0; i <= ART_POLICY_CHECK_DNI; i++)
			if (!strcmp(ck, check_names[i])) {
				r->pub.check = (enum art_policy_check)i;
				found = 1;
			}
		if (!found) {
			snprintf(err, errsz, "rule %s: unknown check \"%.30s\"", id, ck);
			return ART_EINVAL;
		}
	}
	r->pub.stages = ART_POLICY_STAGE_INPUT | ART_POLICY_STAGE_OUTPUT;
	r->pub.fields = ART_POLICY_F_ALL;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "stages");
	if (st && parse_stages(st, &r->pub.stages, err, errsz, id) != ART_OK)
		return ART_EINVAL;
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(o, "fields");
	if (fl && parse_fields(fl, &r->pub.fields, err, errsz, id) != ART_OK)
		return ART_EINVAL;
	uint32_t opts = PCRE2_UTF;
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(o, "ignore_case");
	if (cJSON_IsTrue(ic))
		opts |= PCRE2_CASELESS;
	int ec;
	PCRE2_SIZE eo;
	r->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &ec, &eo, NULL);
	if (!r->re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		snprintf(err, errsz, "rule %s: pattern error at offset %zu: %s", id, (size_t)eo, (char *)msg);
		return ART_EINVAL;
	}
	pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	uint32_t ncap = 0;
	pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	r->span_group = ncap > 0;
	int rc = parse_gates(o, r, err, errsz, id);
	if (rc != ART_OK)
		return rc;
	r->pub.id = strdup(id);
	r->pub.family = strdup(fam);
	r->pub.owasp = strdup(ow);
	r->pub.severity = strdup(sev);
	r->pub.placeholder = dup_or_null(ph);
	r->pub.description = dup_or_null(jstr(o, "description"));
	if (!r->pub.id || !r->pub.family || !r->pub.owasp || !r->pub.severity || (ph && !r->pub.placeholder))
		return ART_ENOMEM;
	return ART_OK;
}

int art_policy_rules_add_pack(art_policy_rules *rs, const cJSON *pack, char *err, size_t errsz)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(pack, "rules");
	if (!cJSON_IsObject(pack) || !cJSON_IsArray(rules)) {
		snprintf(err, errsz, "a rule pack is an object with a \"rules\" array");
		return ART_EINVAL;
	}
	size_t add = (size_t)cJSON_GetArraySize(rules), n0 = rs->n;
	if (rs->n + add > rs->cap) {
		size_t nc = (rs->n + add) * 2;
		rule_int *nr = realloc(rs->r, nc * sizeof *nr);
		if (!nr)
			return ART_ENOMEM;
		rs->r = nr;
		rs->cap = nc;
	}
	const cJSON *o;
	int rc = ART_OK;
	cJSON_ArrayForEach(o, rules)
	{
		rule_int *r = &rs->r[rs->n];
		memset(r, 0, sizeof *r);
		rc = rule_parse(o, r, err, errsz);
		if (rc == ART_OK && art_policy_rules_find(rs, r->pub.id) >= 0) {
			snprintf(err, errsz, "duplicate rule id %s", r->pub.id);
			rc = ART_EEXIST;
		}
		if (rc != ART_OK) {
			rule_free(r);
			break;
		}
		uint32_t ncap = 0;
		pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
		if (ncap > rs->maxcap)
			rs->maxcap = ncap;
		rs->n++;
	}
	if (rc != ART_OK) {
		while (rs->n > n0)
			rule_free(&rs->r[--rs->n]);
		return rc;
	}
	drop_index(rs);
	return ART_OK;
}

int art_policy_rules_add_file(art_policy_rules *rs, const char *path, char *err, size_t errsz)
{
	char *buf;
	size_t len;
	int rc = art_file_read(path, &buf, &len, err, errsz);
	if (rc != ART_OK)
		return rc == ART_ENOENT ? ART_EIO : rc;
	cJSON *j = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (!j) {
		snprintf(err, errsz, "%s: not valid JSON", path);
		return ART_EFORMAT;
	}
	char e2[300];
	rc = art_policy_rules_add_pack(rs, j, e2, sizeof e2);
	if (rc != ART_OK)
		snprintf(err, errsz, "%s: %s", path, e2);
	cJSON_Delete(j);
	return rc;
}

int art_policy_rules_override(art_policy_rules *rs, const char *id, const cJSON *ov, char *err,
			      size_t errsz)
{
	long i = art_policy_rules_find(rs, id);
	if (i < 0) {
		snprintf(err, errsz, "override for unknown rule %s", id);
		return ART_ENOENT;
	}
	art_policy_rule *r = &rs->r[i].pub;
	art_policy_rule nr = *r;
	if (!cJSON_IsObject(ov)) {
		snprintf(err, errsz, "override for %s must be an object", id);
		return ART_EINVAL;
	}
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(ov, "action");
	if (a && (!cJSON_IsString(a) || art_policy_action_parse(a->valuestring, &nr.action) != ART_OK)) {
		snprintf(err, errsz, "override for %s: bad action", id);
		return ART_EINVAL;
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ov, "stages");
	if (st && parse_stages(st, &nr.stages, err, errsz, id) != ART_OK)
		return ART_EINVAL;
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(ov, "fields");
	if (fl && parse_fields(fl, &nr.fields, err, errsz, id) != ART_OK)
		return ART_EINVAL;
	if (nr.action == ART_POLICY_REDACT && !nr.placeholder) {
		snprintf(err, errsz, "override for %s: redact needs a rule with a placeholder", id);
		return ART_EINVAL;
	}
	*r = nr;
	drop_index(rs);
	return ART_OK;
}

/* FNV-1a over the bytes of a word */
#define WORD_HASH0 2166136261u
#define WORD_HASH_STEP(h, c) (((h) ^ (uint8_t)(c)) * 16777619u)

static uint32_t word_hash(const char *w, size_t n)
{
	uint32_t h = WORD_HASH0;
	for (size_t i = 0; i < n; i++)
		h = WORD_HASH_STEP(h, w[i]);
	return h;
}

/* Slot of lowercase word w[0..n) with hash h in the gate table (empty slot if absent). */
static struct gword *word_at(const art_policy_rules *rs, uint32_t h, const char *w, size_t n)
{
	size_t m = rs->wcap - 1, i = h & m;
	while (rs->words[i].w && (rs->words[i].len != n || memcmp(rs->words[i].w, w, n)))
		i = (i + 1) & m;
	return &rs->words[i];
}

static struct gword *word_slot(const art_policy_rules *rs, const char *w, size_t n)
{
	return word_at(rs, word_hash(w, n), w, n);
}

int art_policy_rules_finish(art_policy_rules *rs)
{
	drop_index(rs);
	for (int s = 0; s < NSTAGES; s++)
		for (int f = 0; f < NFIELDS; f++) {
			uint32_t *idx = malloc((rs->n ? rs->n : 1) * sizeof *idx);
			if (!idx)
				return ART_ENOMEM;
			size_t k = 0;
			for (size_t i = 0; i < rs->n; i++)
				if ((rs->r[i].pub.stages & (1u << s)) && (rs->r[i].pub.fields & (1u << f)))
					idx[k++] = (uint32_t)i;
			rs->idx[s][f] = idx;
			rs->nidx[s][f] = k;
		}
	size_t nw = 0;
	for (size_t i = 0; i < rs->n; i++)
		nw += rs->r[i].nwords;
	if (nw) {
		rs->wcap = 64;
		while (rs->wcap < nw * 2)
			rs->wcap *= 2;
		if (!(rs->words = calloc(rs->wcap, sizeof *rs->words)))
			return ART_ENOMEM;
		for (size_t i = 0; i < rs->n; i++)
			for (size_t j = 0; j < rs->r[i].nwords; j++) {
				const char *w = rs->r[i].words[j];
				struct gword *g = word_slot(rs, w, strlen(w));
				if (!g->w && !(g->w = strdup(w)))
					return ART_ENOMEM;
				g->len = strlen(w);
				uint32_t *nr = realloc(g->rules, (g->n + 1) * sizeof *nr);
				if (!nr)
					return ART_ENOMEM;
				g->rules = nr;
				g->rules[g->n++] = (uint32_t)i;
			}
	}
	rs->finished = 1;
	return ART_OK;
}

/* ---- scanning ---- */

int art_policy_scratch_new(art_policy_scratch **out)
{
	art_policy_scratch *sc = calloc(1, sizeof *sc);
	if (!sc)
		return ART_ENOMEM;
	sc->mc = pcre2_match_context_create(NULL);
	if (!sc->mc) {
		free(sc);
		return ART_ENOMEM;
	}
	pcre2_set_match_limit(sc->mc, MATCH_LIMIT);
	*out = sc;
	return ART_OK;
}

void art_policy_scratch_free(art_policy_scratch *sc)
{
	if (!sc)
		return;
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mc);
	free(sc->hits);
	free(sc->on);
	free(sc);
}

static int add_hit(art_policy_scratch *sc, uint32_t rule, size_t s, size_t e)
{
	if (sc->nhits == sc->cap) {
		size_t nc = sc->cap ? sc->cap * 2 : 16;
		art_policy_hit *nh = realloc(sc->hits, nc * sizeof *nh);
		if (!nh)
			return ART_ENOMEM;
		sc->hits = nh;
		sc->cap = nc;
	}
	sc->hits[sc->nhits++] = (art_policy_hit){rule, s, e};
	return ART_OK;
}

static int hit_cmp(const void *a, const void *b)
{
	const art_policy_hit *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

static int scan_rule(const rule_int *r, uint32_t ri, art_policy_scratch *sc, const char *text,
		     size_t len, size_t from)
{
	PCRE2_SIZE off = from;
	while (off <= len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)text, len, off, PCRE2_NO_UTF_CHECK, sc->md, sc->mc);
		if (m == PCRE2_ERROR_NOMATCH)
			return ART_OK;
		if (m < 0)
			return ART_EINVAL;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
		size_t s = ov[0], e = ov[1];
		if (r->span_group && m > 1 && ov[2] != PCRE2_UNSET) {
			s = ov[2];
			e = ov[3];
		}
		if (e > s && check_ok(r->pub.check, text + s, e - s)) {
			int rc = add_hit(sc, ri, s, e);
			if (rc != ART_OK)
				return rc;
		}
		if (ov[1] > ov[0]) {
			off = ov[1];
		} else {
			/* empty match: step over one UTF-8 character */
			off = ov[0] + 1;
			while (off < len && ((unsigned char)text[off] & 0xC0) == 0x80)
				off++;
		}
	}
	return ART_OK;
}

int art_policy_rules_scan(const art_policy_rules *rs, art_policy_scratch *sc, unsigned stage,
			  unsigned field, const char *text, size_t len, const art_policy_hit **hits)
{
	sc->nhits = 0;
	*hits = sc->hits;
	if (!sc->md || sc->mdcap < rs->maxcap + 1) {
		pcre2_match_data_free(sc->md);
		sc->md = pcre2_match_data_create(rs->maxcap + 1, NULL);
		if (!sc->md)
			return ART_ENOMEM;
		sc->mdcap = rs->maxcap + 1;
	}
	if (sc->non < rs->n) {
		uint8_t *on = realloc(sc->on, rs->n);
		if (!on)
			return ART_ENOMEM;
		sc->on = on;
		sc->non = rs->n;
	}
	/* bytes and byte pairs present (plain stores: no chain through memory) */
	memset(sc->on, 0, rs->n);
	if (++sc->gen == 0) {
		memset(sc->bytes, 0, sizeof sc->bytes);
		memset(sc->bigrams, 0, sizeof sc->bigrams);
		sc->gen = 1;
	}
	const unsigned char *t = (const unsigned char *)text;
	uint8_t gen = sc->gen;
	for (size_t i = 0; i + 1 < len; i++) {
		sc->bytes[t[i]] = gen;
		sc->bigrams[BIGRAM(t[i], t[i + 1])] = gen;
	}
	if (len)
		sc->bytes[t[len - 1]] = gen;
	/* one pass: digits, longest non-space run, whole words through the gate table */
	int digits = 0, run = 0, maxrun = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = t[i];
		if (cls[c] & C_ALPHA) {
			size_t j = i;
			char w[32];
			uint32_t h = WORD_HASH0;
			for (; j < len && (cls[t[j]] & C_ALPHA); j++) {
				char lc = (char)(t[j] | 0x20); /* ASCII letter to lower case */
				if (j - i < 32)
					w[j - i] = lc;
				h = WORD_HASH_STEP(h, lc);
			}
			run += (int)(j - i);
			if (rs->wcap && j - i <= 32) {
				const struct gword *g = word_at(rs, h, w, j - i);
				for (size_t k = 0; g->w && k < g->n; k++)
					sc->on[g->rules[k]] = 1;
			}
			i = j;
			continue;
		}
		digits += (cls[c] & C_DIGIT) != 0;
		if (cls[c] & C_SPACE) {
			if (run > maxrun)
				maxrun = run;
			run = 0;
		} else {
			run++;
		}
		i++;
	}
	if (run > maxrun)
		maxrun = run;
	int si = stage == ART_POLICY_STAGE_OUTPUT ? 1 : 0, fi = -1;
	for (int f = 0; f < NFIELDS; f++)
		if (field == (1u << f))
			fi = f;
	/* the (stage, field) list holds only rules enabled there; else every rule is looked at */
	const uint32_t *sel = rs->finished && stage && fi >= 0 ? rs->idx[si][fi] : NULL;
	size_t nsel = sel ? rs->nidx[si][fi] : rs->n;
	for (size_t j = 0; j < nsel; j++) {
		uint32_t ri = sel ? sel[j] : (uint32_t)j;
		const rule_int *r = &rs->r[ri];
		if (!sel && ((stage && !(r->pub.stages & stage)) || !(r->pub.fields & field)))
			continue;
		if (digits < r->min_digits || maxrun < r->min_run)
			continue;
		/* without the word table (no finish) word gates cannot be judged: run the rule */
		if (r->gated && !sc->on[ri] && (rs->wcap || !r->nwords)) {
			int found = 0;
			for (size_t k = 0; k < r->nlits && !found; k++) {
				size_t ln = r->litlen[k];
				found = maybe_has(sc, r->lits[k], ln) && memmem(text, len, r->lits[k], ln) != NULL;
			}
			if (!found)
				continue;
		}
		int rc = scan_rule(r, ri, sc, text, len, 0);
		if (rc != ART_OK)
			return rc;
	}
	if (sc->nhits > 1)
		qsort(sc->hits, sc->nhits, sizeof *sc->hits, hit_cmp);
	*hits = sc->hits;
	return (int)sc->nhits;
}

/* ---- redaction ---- */

typedef struct {
	char *b;
	size_t n, cap;
} sbuf;

static int sb_add(sbuf *s, const char *p, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		size_t nc = (s->n + n + 1) * 2;
		char *nb = realloc(s->b, nc);
		if (!nb)
			return ART_ENOMEM;
		s->b = nb;
		s->cap = nc;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->b[s->n] = 0;
	return ART_OK;
}

int art_policy_rules_redact(const art_policy_rules *rs, const art_policy_hit *hits, int nhits,
			    unsigned action_mask, const art_policy_redact_key *key,
			    const char *text, size_t len, char **out, size_t *outlen, int *nrep)
{
	sbuf s = {0};
	size_t at = 0;
	int n = 0;
	if (sb_add(&s, "", 0) != ART_OK)
		return ART_ENOMEM;
	for (int i = 0; i < nhits; i++) {
		const art_policy_rule *r = &rs->r[hits[i].rule].pub;
		if (!r->placeholder || !((action_mask >> r->action) & 1u) || hits[i].start < at)
			continue;
		/* among hits at the same start, take the longest */
		const art_policy_hit *h = &hits[i];
		for (int j = i + 1; j < nhits && hits[j].start == h->start; j++) {
			const art_policy_rule *rj = &rs->r[hits[j].rule].pub;
			if (rj->placeholder && ((action_mask >> rj->action) & 1u) && hits[j].end > h->end)
				h = &hits[j];
		}
		r = &rs->r[h->rule].pub;
		char ph[96];
		if (key && key->key) {
			uint8_t mac[32];
			char hex[65];
			art_hmac_sha256(key->key, key->keylen, text + h->start, h->end - h->start, mac);
			art_hex(mac, 6, hex);
			snprintf(ph, sizeof ph, "[%s:%s]", r->placeholder, hex);
		} else {
			snprintf(ph, sizeof ph, "[%s]", r->placeholder);
		}
		if (sb_add(&s, text + at, h->start - at) != ART_OK || sb_add(&s, ph, strlen(ph)) != ART_OK) {
			free(s.b);
			return ART_ENOMEM;
		}
		at = h->end;
		n++;
	}
	if (sb_add(&s, text + at, len - at) != ART_OK) {
		free(s.b);
		return ART_ENOMEM;
	}
	*out = s.b;
	*outlen = s.n;
	*nrep = n;
	return ART_OK;
}

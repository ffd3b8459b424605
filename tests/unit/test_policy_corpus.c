/* test_policy_corpus.c — recall and false positives of the shipped rule packs on the
 * labelled corpus (tests/policy-corpus/corpus.jsonl), per rule family.
 * Acceptance: recall >= 99% on pii and secrets, <= 1% false positives on every family's
 * clean look-alikes; injection recall is printed and held to >= 95%.
 * Also: the rule gates ("requires", "min_digits", "min_run") never change a verdict. */
#include "err.h"
#include "policy_rules.h"
#include "t.h"
#include <cJSON.h>

static const char *const packs[] = {"examples/policy/pii.json", "examples/policy/secrets.json",
				    "examples/policy/injection.json"};
static const struct {
	const char *family;
	double min_recall, max_fp;
} goals[] = {{"pii", 0.99, 0.01}, {"secrets", 0.99, 0.01}, {"injection", 0.95, 0.01}};

static art_policy_rules *load(int finish)
{
	art_policy_rules *rs;
	char err[300];
	if (art_policy_rules_new(&rs) != ART_OK)
		return NULL;
	for (size_t i = 0; i < 3; i++)
		if (art_policy_rules_add_file(rs, packs[i], err, sizeof err) != ART_OK) {
			T_DIAG("%s", err);
			art_policy_rules_free(rs);
			return NULL;
		}
	if (finish && art_policy_rules_finish(rs) != ART_OK) {
		art_policy_rules_free(rs);
		return NULL;
	}
	return rs;
}

/* Families hit by text: bit i set for goals[i]; bit 7 for any hit. */
static unsigned families(const art_policy_rules *rs, art_policy_scratch *sc, const char *t)
{
	const art_policy_hit *h;
	int n = art_policy_rules_scan(rs, sc, ART_POLICY_STAGE_INPUT, ART_POLICY_F_MSG_USER, t, strlen(t), &h);
	unsigned m = n > 0 ? 1u << 7 : 0;
	for (int i = 0; i < n; i++)
		for (size_t g = 0; g < 3; g++)
			if (!strcmp(art_policy_rules_get(rs, h[i].rule)->family, goals[g].family))
				m |= 1u << g;
	return m;
}

int main(void)
{
	art_policy_rules *rs = load(1), *raw = load(0);
	art_policy_scratch *sc;
	T_OK(rs && raw, "shipped rule packs load and compile");
	if (!rs || !raw || art_policy_scratch_new(&sc) != ART_OK)
		return T_DONE();
	for (size_t i = 0; i < art_policy_rules_count(rs); i++) {
		const art_policy_rule *r = art_policy_rules_get(rs, i);
		if (strncmp(r->owasp, "LLM", 3))
			T_OK(0, "rule %s maps to an OWASP LLM Top 10 entry", r->id);
	}
	FILE *f = fopen("tests/policy-corpus/corpus.jsonl", "r");
	T_OK(f != NULL, "corpus opens");
	if (!f)
		return T_DONE();
	long pos[3] = {0}, det[3] = {0}, neg[3] = {0}, fp[3] = {0}, lines = 0, gate_diff = 0, npos = 0, nneg = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		lines++;
		cJSON *j = cJSON_Parse(line);
		const cJSON *t = cJSON_GetObjectItem(j, "text"), *l = cJSON_GetObjectItem(j, "label"),
			    *fa = cJSON_GetObjectItem(j, "family"), *k = cJSON_GetObjectItem(j, "kind");
		if (!cJSON_IsString(t) || !cJSON_IsString(l) || !cJSON_IsString(fa)) {
			T_OK(0, "corpus line %ld is {text, label, family}", lines);
			cJSON_Delete(j);
			continue;
		}
		int g = -1;
		for (int i = 0; i < 3; i++)
			if (!strcmp(fa->valuestring, goals[i].family))
				g = i;
		unsigned m = families(rs, sc, t->valuestring);
		if ((families(raw, sc, t->valuestring) != m) && gate_diff++ < 5)
			T_DIAG("gates change the verdict on line %ld", lines);
		int positive = !strcmp(l->valuestring, "positive");
		if (g >= 0 && positive) {
			npos++;
			pos[g]++;
			if (m >> g & 1)
				det[g]++;
			else
				T_DIAG("missed %s/%s on line %ld", fa->valuestring, cJSON_IsString(k) ? k->valuestring : "?", lines);
		} else if (g >= 0) {
			nneg++;
			neg[g]++;
			if (m) {
				fp[g]++;
				T_DIAG("false positive on clean %s/%s line %ld", fa->valuestring,
				       cJSON_IsString(k) ? k->valuestring : "?", lines);
			}
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	T_OK(npos >= 300 && nneg >= 300, "corpus has >= 300 positives (%ld) and >= 300 clean look-alikes (%ld)", npos, nneg);
	T_EQ_INT(gate_diff, 0, "rule gates never change a verdict on the corpus");
	for (int g = 0; g < 3; g++) {
		double recall = pos[g] ? (double)det[g] / (double)pos[g] : 0;
		double fpr = neg[g] ? (double)fp[g] / (double)neg[g] : 1;
		T_DIAG("policy corpus %-9s recall %6.2f%% (%ld/%ld)  false positives %5.2f%% (%ld/%ld)", goals[g].family,
		       100 * recall, det[g], pos[g], 100 * fpr, fp[g], neg[g]);
		T_OK(recall >= goals[g].min_recall, "%s recall %.2f%% >= %.0f%%", goals[g].family, 100 * recall,
		     100 * goals[g].min_recall);
		T_OK(fpr <= goals[g].max_fp, "%s false positives %.2f%% <= %.0f%%", goals[g].family, 100 * fpr,
		     100 * goals[g].max_fp);
	}
	art_policy_scratch_free(sc);
	art_policy_rules_free(rs);
	art_policy_rules_free(raw);
	return T_DONE();
}

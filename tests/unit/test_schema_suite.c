/* test_schema_suite.c — the official JSON-Schema-Test-Suite, draft 2020-12.
 *
 * One TAP point per required suite file: it passes when every test in the file passes,
 * or when each failing test is listed in known_failures[] below (name and reason are
 * printed).  A last point asserts that >= 99.5% of all required tests pass.  The
 * optional/ folder runs as diagnostics only (optional/format with format assertion).
 * Every test runs twice, quiet (no result) and collecting errors; both must agree, and
 * an invalid verdict must come with at least one error.
 * SCHEMA_SUITE_VERBOSE=1 in the environment also lists optional/ failures.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "schema.h"
#include "t.h"

/* Tests known to fail: file, case description, test description, reason. */
static const struct {
	const char *file, *test_case, *test, *reason;
} known_failures[] = {
	{NULL, NULL, NULL, NULL},
};

typedef struct {
	int total, passed, known, unexpected;
} tally;

static int is_known(const char *file, const char *tcase, const char *test, const char **reason)
{
	for (size_t i = 0; known_failures[i].file; i++) {
		if (!strcmp(known_failures[i].file, file) &&
		    !strcmp(known_failures[i].test_case, tcase) &&
		    !strcmp(known_failures[i].test, test)) {
			*reason = known_failures[i].reason;
			return 1;
		}
	}
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = 0;
	fclose(f);
	return b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted *.json names in dir; returns count, -1 if dir is missing */
static int list_json(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) {
			names = realloc(names, (size_t)(n + 1) * sizeof *names);
			names[n++] = strdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	*out = names;
	return n;
}

/* run one suite file; verbose: print each unexpected failure */
static void run_file(const char *dir, const char *name, art_schema_registry *reg, unsigned flags,
		     tally *t, int verbose)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	char *text = slurp(path);
	cJSON *cases = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!cJSON_IsArray(cases)) {
		T_DIAG("%s: cannot read or parse", path);
		t->unexpected++;
		cJSON_Delete(cases);
		return;
	}
	art_schema_result *res;
	art_schema_result_new(&res);
	const cJSON *tc;
	cJSON_ArrayForEach(tc, cases)
	{
		const char *cdesc = cJSON_GetStringValue(cJSON_GetObjectItem(tc, "description"));
		art_schema *s = NULL;
		char err[512] = "";
		int crc = art_schema_compile(&s, cJSON_GetObjectItem(tc, "schema"), reg, NULL, flags,
					     err, sizeof err);
		const cJSON *test;
		cJSON_ArrayForEach(test, cJSON_GetObjectItem(tc, "tests"))
		{
			const char *tdesc = cJSON_GetStringValue(cJSON_GetObjectItem(test, "description"));
			int want = cJSON_IsTrue(cJSON_GetObjectItem(test, "valid"));
			const cJSON *data = cJSON_GetObjectItem(test, "data");
			char why[700] = "";
			int ok = 0;
			t->total++;
			if (crc) {
				snprintf(why, sizeof why, "compile failed: %s", err);
			} else {
				int quiet = art_schema_validate(s, data, NULL);
				int full = art_schema_validate(s, data, res);
				size_t nerr = art_schema_result_count(res);
				if (quiet < 0 || full < 0)
					snprintf(why, sizeof why, "validate error %d/%d", quiet, full);
				else if (quiet != full)
					snprintf(why, sizeof why, "quiet (%d) and full (%d) runs disagree", quiet, full);
				else if (quiet != want)
					snprintf(why, sizeof why, "got %s, want %s", quiet ? "valid" : "invalid",
						 want ? "valid" : "invalid");
				else if (!full && nerr == 0)
					snprintf(why, sizeof why, "invalid but no error reported");
				else if (full && nerr)
					snprintf(why, sizeof why, "valid but %zu error(s) reported", nerr);
				else
					ok = 1;
			}
			const char *reason;
			if (ok) {
				t->passed++;
			} else if (is_known(name, cdesc, tdesc, &reason)) {
				t->known++;
				T_DIAG("  known failure: %s / %s / %s: %s", name, cdesc, tdesc, reason);
			} else {
				t->unexpected++;
				if (verbose)
					T_DIAG("  FAIL %s / %s / %s: %s", name, cdesc, tdesc, why);
			}
		}
		art_schema_free(s);
	}
	art_schema_result_free(res);
	cJSON_Delete(cases);
}

static void run_dir(const char *dir, art_schema_registry *reg, unsigned flags, int required,
		    tally *all)
{
	char **names;
	int n = list_json(dir, &names);
	if (n < 0) {
		if (required)
			T_OK(0, "suite folder %s exists", dir);
		else
			T_DIAG("no folder %s", dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		tally t = {0};
		run_file(dir, names[i], reg, flags, &t, required || getenv("SCHEMA_SUITE_VERBOSE"));
		if (required) {
			T_DIAG("%s: %d/%d passed%s", names[i], t.passed, t.total,
			       t.known ? " (known failures listed above)" : "");
			T_OK(t.unexpected == 0 && t.total > 0, "suite %s", names[i]);
		} else {
			T_DIAG("optional %s: %d/%d passed", names[i], t.passed, t.total);
		}
		all->total += t.total;
		all->passed += t.passed;
		all->known += t.known;
		all->unexpected += t.unexpected;
		free(names[i]);
	}
	free(names);
}

int main(void)
{
	art_schema_registry *reg;
	char err[512] = "";
	T_OK(art_schema_registry_new(&reg) == ART_OK, "registry");
	int rc = art_schema_registry_add_dir(reg, "http://localhost:1234/",
					     t_shared("jsonschema/remotes"), err, sizeof err);
	if (!T_OK(rc == ART_OK, "load remotes/ as http://localhost:1234/"))
		T_DIAG("%s", err);

	char dir[4096];
	snprintf(dir, sizeof dir, "%s", t_shared("jsonschema/tests/draft2020-12"));
	tally req = {0};
	run_dir(dir, reg, 0, 1, &req);
	double pct = req.total ? 100.0 * req.passed / req.total : 0;
	T_DIAG("required: %d/%d passed (%.2f%%), %d known failures, %d unexpected failures",
	       req.passed, req.total, pct, req.known, req.unexpected);
	T_OK(req.total >= 1299 && pct >= 99.5, "at least 99.5%% of the %d required tests pass",
	     req.total);

	tally opt = {0}, fmt = {0};
	char odir[4200];
	snprintf(odir, sizeof odir, "%s/optional", dir);
	run_dir(odir, reg, 0, 0, &opt);
	snprintf(odir, sizeof odir, "%s/optional/format", dir);
	run_dir(odir, reg, ART_SCHEMA_FORMAT_ASSERT, 0, &fmt);
	T_DIAG("optional (informational): %d/%d passed; optional/format with assertion: %d/%d",
	       opt.passed, opt.total, fmt.passed, fmt.total);
	art_schema_registry_free(reg);
	return T_DONE();
}

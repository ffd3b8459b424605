/* art-validate — check JSON lines against a JSON Schema 2020-12 file (lib/schema.h). */
#include <errno.h>
#include <string.h>
#include "cli.h"
#include "err.h"
#include "schema.h"

int main(int argc, char **argv)
{
	int format_assert = 0, stats = 0;
	art_strlist ref_dirs = {0};
	const art_opt opts[] = {
		{"format-assert", 0, ART_OPT_FLAG, &format_assert, 0, 0, NULL,
		 "treat \"format\" as an assertion (default: annotation only)"},
		{"ref-dir", 0, ART_OPT_LIST, &ref_dirs, 0, 0, "URI=DIR",
		 "resolve $ref to URI/... from the *.json files under DIR (repeatable)"},
		{"stats", 0, ART_OPT_FLAG, &stats, 0, 0, NULL,
		 "print counts and time spent parsing vs validating on stderr"},
		{0},
	};
	const art_cmd cmd = {
		"art-validate", "[OPTION]... SCHEMA_FILE < INSTANCES.jsonl",
		"validate one JSON value per line against a JSON Schema (draft 2020-12)", opts,
		"Writes {\"valid\":true} or {\"valid\":false,\"errors\":[...]} per input line.",
		"Exit status: 0 every line valid, 1 some line invalid, 2 bad schema or usage,\n"
		"4 input/output error.  See man art-validate."};
	art_cli_init(argv[0]);
	int n = art_cli_parse(&cmd, argc, argv);
	if (n != 1)
		art_die(ART_EXIT_USAGE, "expected one SCHEMA_FILE (try --help)");

	char err[1024] = "";
	art_schema_registry *reg;
	if (art_schema_registry_new(&reg))
		art_die(ART_EXIT_INTERNAL, "out of memory");
	for (size_t i = 0; i < ref_dirs.n; i++) {
		const char *eq = strchr(ref_dirs.v[i], '=');
		if (!eq || eq == ref_dirs.v[i] || !eq[1])
			art_die(ART_EXIT_USAGE, "--ref-dir wants BASE_URI=DIR, got \"%s\"", ref_dirs.v[i]);
		char *uri = strndup(ref_dirs.v[i], (size_t)(eq - ref_dirs.v[i]));
		if (!uri)
			art_die(ART_EXIT_INTERNAL, "out of memory");
		int rc = art_schema_registry_add_dir(reg, uri, eq + 1, err, sizeof err);
		free(uri);
		if (rc)
			art_die(ART_EXIT_USAGE, "--ref-dir: %s", err);
	}
	art_strlist_free(&ref_dirs);

	art_schema *s;
	unsigned flags = ART_SCHEMA_FILE_REFS | (format_assert ? ART_SCHEMA_FORMAT_ASSERT : 0);
	int rc = art_schema_compile_file(&s, argv[0], reg, flags, err, sizeof err);
	art_schema_registry_free(reg);
	if (rc)
		art_die(ART_EXIT_USAGE, "bad schema: %s", err);

	art_schema_lines_stats st;
	rc = art_schema_lines(s, stdin, stdout, &st, err, sizeof err);
	art_schema_free(s);
	if (stats)
		fprintf(stderr,
			"%s: %lld lines, %lld valid, %lld invalid; parse %.3f s, validate %.3f s, "
			"validate/parse %.3f\n",
			art_prog(), st.lines, st.valid, st.invalid, st.parse_us / 1e6, st.validate_us / 1e6,
			st.parse_us ? (double)st.validate_us / (double)st.parse_us : 0.0);
	if (rc == ART_EIO && errno == EPIPE)
		art_cli_set_epipe();
	else if (rc == ART_EIO)
		art_die(ART_EXIT_IO, "%s", err);
	else if (rc)
		art_die(ART_EXIT_INTERNAL, "%s", err);
	art_exit(st.invalid ? ART_EXIT_FAIL : ART_EXIT_OK);
}

/* test_schema.c — the schema module beyond the official suite: malformed schemas,
 * error locations and messages, the registry, format assertion, threads, limits. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "schema.h"
#include "t.h"

static int compile_text(art_schema **s, const char *text, art_schema_registry *reg, unsigned flags,
			char *err, size_t errsz)
{
	cJSON *doc = cJSON_Parse(text);
	if (!doc) {
		snprintf(err, errsz, "test bug: schema text is not JSON");
		return -100;
	}
	int rc = art_schema_compile(s, doc, reg, NULL, flags, err, errsz);
	cJSON_Delete(doc);
	return rc;
}

/* validate text against s: 1/0/negative; fills res when given */
static int validate_text(const art_schema *s, const char *text, art_schema_result *res)
{
	cJSON *inst = cJSON_Parse(text);
	if (!inst)
		return -100;
	int r = art_schema_validate(s, inst, res);
	cJSON_Delete(inst);
	return r;
}

static void test_malformed(void)
{
	static const struct {
		const char *schema;
		int status;
		const char *err_has;
	} cases[] = {
		{"{\"$ref\": \"#/$defs/missing\"}", ART_ENOENT, "no schema at that JSON Pointer"},
		{"{\"$ref\": \"http://example.com/nope.json\"}", ART_ENOENT, "cannot resolve"},
		{"{\"$ref\": \"#nope\"}", ART_ENOENT, "no anchor \"nope\""},
		{"{\"$ref\": \"#/%zz\"}", ART_EINVAL, "bad percent-escape"},
		{"{\"$ref\": 5}", ART_EINVAL, "$ref must be a string"},
		{"{\"$ref\": \"#\"}", ART_EINVAL, "$ref cycle"},
		{"{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"allOf\": [{\"$ref\": \"#/$defs/a\"}]}},"
		 " \"properties\": {\"x\": {\"$ref\": \"#/$defs/a\"}}}", ART_EINVAL, "$ref cycle"},
		{"{\"type\": 1}", ART_EINVAL, "type must be a type name"},
		{"{\"type\": [\"string\", 2]}", ART_EINVAL, "type must be a type name"},
		{"{\"type\": \"strin\"}", ART_EINVAL, "\"strin\" is not a JSON Schema type"},
		{"{\"properties\": {\"a\": {\"minLength\": -1}}}", ART_EINVAL,
		 "/properties/a: minLength must be a non-negative integer"},
		{"{\"minLength\": \"3\"}", ART_EINVAL, "minLength must be a non-negative integer"},
		{"{\"maxItems\": 1.5}", ART_EINVAL, "maxItems must be a non-negative integer"},
		{"{\"minimum\": \"0\"}", ART_EINVAL, "minimum must be a number"},
		{"{\"multipleOf\": 0}", ART_EINVAL, "multipleOf must be greater than 0"},
		{"{\"pattern\": \"(unclosed\"}", ART_EINVAL, "is not a valid regex"},
		{"{\"pattern\": 7}", ART_EINVAL, "pattern must be a string"},
		{"{\"patternProperties\": {\"[\": {}}}", ART_EINVAL, "patternProperties \"[\" is not a valid regex"},
		{"{\"required\": \"a\"}", ART_EINVAL, "required must be an array of strings"},
		{"{\"required\": [\"a\", 1]}", ART_EINVAL, "required must be an array of strings"},
		{"{\"dependentRequired\": {\"a\": \"b\"}}", ART_EINVAL, "must be an array of strings"},
		{"{\"properties\": {\"a\": 3}}", ART_EINVAL, "(root): properties/a must be a schema"},
		{"{\"allOf\": [{}, 2]}", ART_EINVAL, "allOf/1 must be a schema"},
		{"{\"$ref\": \"#/const\", \"const\": 1}", ART_EINVAL, "the value there is not a schema"},
		{"{\"$defs\": {\"x\": 1}, \"$ref\": \"#/$defs/x\"}", ART_EINVAL, "$defs/x must be a schema"},
		{"{\"properties\": []}", ART_EINVAL, "properties must be an object of schemas"},
		{"{\"items\": [{}]}", ART_EINVAL, "items must be a schema"},
		{"{\"allOf\": []}", ART_EINVAL, "allOf must be a non-empty array of schemas"},
		{"{\"anyOf\": {}}", ART_EINVAL, "anyOf must be a non-empty array of schemas"},
		{"{\"enum\": 3}", ART_EINVAL, "enum must be an array"},
		{"{\"uniqueItems\": \"yes\"}", ART_EINVAL, "uniqueItems must be a boolean"},
		{"{\"$defs\": {\"a\": {\"not\": \"x\"}}}", ART_EINVAL, "/$defs/a: not must be a schema"},
		{"{\"$id\": 3}", ART_EINVAL, "$id must be a string"},
		{"{\"$defs\": {\"a\": {\"$id\": \"#a\"}}}", ART_EINVAL, "/$defs/a: $id \"#a\" has a fragment"},
		{"5", ART_EINVAL, "must be an object or boolean"},
		{"\"string\"", ART_EINVAL, "must be an object or boolean"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		art_schema *s = NULL;
		char err[512] = "";
		int rc = compile_text(&s, cases[i].schema, NULL, 0, err, sizeof err);
		T_EQ_INT(rc, cases[i].status, "malformed %s: status", cases[i].schema);
		if (!T_OK(strstr(err, cases[i].err_has) != NULL, "malformed %s: error mentions '%s'",
			  cases[i].schema, cases[i].err_has))
			T_DIAG("error was: %s", err);
		T_OK(s == NULL, "malformed %s: no schema out", cases[i].schema);
		art_schema_free(s);
	}
}

static void test_error_locations(void)
{
	static const struct {
		const char *schema, *instance;
		int nerr; /* expected error count */
		const char *iloc, *kloc, *msg_has; /* the first error */
	} cases[] = {
		{"{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}}", "{\"a\": 1}", 1,
		 "/a", "/properties/a/type", "expected string, got integer"},
		{"{\"required\": [\"id\", \"kind\"]}", "{\"id\": 1}", 1, "", "/required",
		 "required property \"kind\" is missing"},
		{"{\"items\": {\"minimum\": 0}}", "[1, -2, 3, -4]", 2, "/1", "/items/minimum", "less than the minimum"},
		{"{\"$defs\": {\"pos\": {\"exclusiveMinimum\": 0}}, \"properties\": {\"n\": {\"$ref\": \"#/$defs/pos\"}}}",
		 "{\"n\": 0}", 1, "/n", "/properties/n/$ref/exclusiveMinimum", "must be greater than 0"},
		{"{\"additionalProperties\": false, \"properties\": {\"a\": true}}", "{\"a\": 1, \"b/c\": 2}", 1,
		 "/b~1c", "/additionalProperties", "property \"b/c\" is not allowed"},
		{"{\"prefixItems\": [{\"type\": \"string\"}], \"items\": false}", "[\"x\", 1]", 1, "/1", "/items",
		 "no items are allowed beyond the first 1"},
		{"{\"maxLength\": 2}", "\"\\u00e9\\u20acx\"", 1, "", "/maxLength", "3 characters long"},
		{"{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}", "1.5", 3, "", "/anyOf/0/type",
		 "expected string, got number"},
		{"{\"oneOf\": [{\"minimum\": 0}, {\"maximum\": 10}]}", "5", 1, "", "/oneOf", "more than one"},
		{"{\"not\": {\"type\": \"null\"}}", "null", 1, "", "/not", "must not match"},
		{"{\"unevaluatedProperties\": false, \"allOf\": [{\"properties\": {\"a\": true}}]}",
		 "{\"a\": 1, \"z\": 2}", 1, "/z", "/unevaluatedProperties", "\"z\" is not allowed"},
		{"{\"contains\": {\"const\": 3}, \"minContains\": 2}", "[3, 1]", 1, "", "/minContains",
		 "fewer than 2"},
		{"{\"uniqueItems\": true}", "[1, {\"a\": [1]}, 1.0]", 1, "", "/uniqueItems", "items 0 and 2 are equal"},
		{"{\"if\": {\"properties\": {\"k\": {\"const\": \"x\"}}}, \"then\": {\"required\": [\"x\"]}}",
		 "{\"k\": \"x\"}", 1, "", "/then/required", "\"x\" is missing"},
		{"{\"propertyNames\": {\"pattern\": \"^[a-z]+$\"}}", "{\"ok\": 1, \"NO\": 2}", 2, "", "/propertyNames/pattern",
		 "does not match the pattern"},
		{"{\"dependentRequired\": {\"a\": [\"b\"]}}", "{\"a\": 1}", 1, "", "/dependentRequired",
		 "\"b\" is required when \"a\" is present"},
		{"{\"enum\": [1, \"two\"]}", "2", 1, "", "/enum", "not one of the 2 allowed values: [1,\"two\"]"},
		{"{\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"x\": {\"multipleOf\": 0.5}}}}",
		 "[{\"x\": 1}, {\"x\": 1.25}]", 1, "/1/x", "/items/properties/x/multipleOf", "not a multiple of 0.5"},
		{"false", "{}", 1, "", "", "the schema is false"},
		{"{\"maximum\": 0.1}", "0.30000000000000004", 1, "", "/maximum",
		 "0.30000000000000004 is greater than the maximum 0.1"},
		{"{\"items\": false}", "[1]", 1, "/0", "/items", "array must be empty (items is false); it has 1"},
	};
	art_schema_result *res;
	T_OK(art_schema_result_new(&res) == ART_OK, "result_new");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		art_schema *s = NULL;
		char err[512] = "";
		int rc = compile_text(&s, cases[i].schema, NULL, 0, err, sizeof err);
		if (!T_OK(rc == ART_OK, "compile %s", cases[i].schema)) {
			T_DIAG("%s", err);
			continue;
		}
		T_EQ_INT(validate_text(s, cases[i].instance, NULL), 0, "%s: quiet run says invalid", cases[i].instance);
		T_EQ_INT(validate_text(s, cases[i].instance, res), 0, "%s: full run says invalid", cases[i].instance);
		T_EQ_INT(art_schema_result_count(res), cases[i].nerr, "%s vs %s: error count", cases[i].instance,
			 cases[i].schema);
		const art_schema_error *e = art_schema_result_error(res, 0);
		if (e) {
			T_EQ_STR(e->instance_location, cases[i].iloc, "%s: instanceLocation", cases[i].schema);
			T_EQ_STR(e->keyword_location, cases[i].kloc, "%s: keywordLocation", cases[i].schema);
			if (!T_OK(strstr(e->message, cases[i].msg_has) != NULL, "%s: message has '%s'",
				  cases[i].schema, cases[i].msg_has))
				T_DIAG("message was: %s", e->message);
		}
		art_schema_free(s);
	}

	/* the cJSON rendering stages copy into envelope errors */
	art_schema *s = NULL;
	char err[256];
	compile_text(&s, "{\"properties\": {\"a\": {\"type\": \"string\"}}}", NULL, 0, err, sizeof err);
	validate_text(s, "{\"a\": true}", res);
	cJSON *arr = NULL;
	T_EQ_INT(art_schema_result_to_json(res, &arr), ART_OK, "result_to_json");
	char *txt = cJSON_PrintUnformatted(arr);
	T_EQ_STR(txt, "[{\"instanceLocation\":\"/a\",\"keywordLocation\":\"/properties/a/type\","
		      "\"message\":\"expected string, got boolean\"}]",
		 "errors as JSON");
	free(txt);
	cJSON_Delete(arr);
	cJSON *inst = cJSON_Parse("{\"a\": 5}"), *errs = NULL;
	T_EQ_INT(art_schema_check(s, inst, &errs), 0, "check: invalid");
	T_EQ_INT(cJSON_GetArraySize(errs), 1, "check: one error");
	T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(errs, 0), "instanceLocation")), "/a",
		 "check: error location");
	cJSON_Delete(errs);
	cJSON_Delete(inst);
	inst = cJSON_Parse("{\"a\": \"ok\"}");
	T_EQ_INT(art_schema_check(s, inst, &errs), 1, "check: valid");
	T_OK(errs == NULL, "check: no errors when valid");
	cJSON_Delete(inst);
	T_EQ_INT(validate_text(s, "{\"a\": \"x\"}", res), 1, "valid instance");
	T_EQ_INT(art_schema_result_count(res), 0, "a valid run resets the result");
	art_schema_free(s);

	/* at most 100 errors, and a note that more were cut */
	compile_text(&s, "{\"items\": {\"type\": \"string\"}}", NULL, 0, err, sizeof err);
	cJSON *big = cJSON_CreateArray();
	for (int i = 0; i < 250; i++)
		cJSON_AddItemToArray(big, cJSON_CreateNumber(i));
	T_EQ_INT(art_schema_validate(s, big, res), 0, "250 bad items: invalid");
	T_EQ_INT(art_schema_result_count(res), 100, "errors capped at 100");
	art_schema_result_to_json(res, &arr);
	T_EQ_INT(cJSON_GetArraySize(arr), 101, "JSON form says more were found");
	cJSON_Delete(arr);
	cJSON_Delete(big);
	art_schema_free(s);
	art_schema_result_free(res);
}

static void test_registry(void)
{
	art_schema_registry *reg;
	char err[512] = "";
	art_schema_registry_new(&reg);
	cJSON *doc = cJSON_Parse("{\"$defs\": {\"id\": {\"type\": \"string\", \"minLength\": 3}}}");
	T_EQ_INT(art_schema_registry_add(reg, "https://art.example/common.json", doc, err, sizeof err), ART_OK,
		 "registry_add");
	T_EQ_INT(art_schema_registry_add(reg, "relative.json", doc, err, sizeof err), ART_EINVAL,
		 "registry_add wants an absolute URI");
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"$id\": \"https://other.example/v2/enum.json\", \"enum\": [\"a\", \"b\"]}");
	T_EQ_INT(art_schema_registry_add(reg, "file:///schemas/enum.json", doc, err, sizeof err), ART_OK,
		 "registry_add a document with its own $id");
	cJSON_Delete(doc);
	art_schema *s = NULL;
	int rc = compile_text(&s, "{\"$id\": \"https://art.example/tool.json\", \"properties\": "
				  "{\"id\": {\"$ref\": \"common.json#/$defs/id\"}}}",
			      reg, 0, err, sizeof err);
	T_EQ_INT(rc, ART_OK, "compile with a relative $ref into the registry");
	art_schema_registry_free(reg); /* the compiled schema keeps its own copy */
	T_EQ_INT(validate_text(s, "{\"id\": \"abc\"}", NULL), 1, "registry ref: valid");
	T_EQ_INT(validate_text(s, "{\"id\": \"ab\"}", NULL), 0, "registry ref: invalid");
	art_schema_free(s);
	art_schema_registry_new(&reg);
	doc = cJSON_Parse("{\"$id\": \"https://other.example/v2/enum.json\", \"enum\": [\"a\", \"b\"]}");
	art_schema_registry_add(reg, "file:///schemas/enum.json", doc, err, sizeof err);
	cJSON_Delete(doc);
	rc = compile_text(&s, "{\"items\": {\"$ref\": \"https://other.example/v2/enum.json\"}}", reg, 0, err,
			  sizeof err);
	T_EQ_INT(rc, ART_OK, "a registry document is found by its root $id");
	T_EQ_INT(validate_text(s, "[\"a\", \"b\"]", NULL), 1, "by $id: valid");
	T_EQ_INT(validate_text(s, "[\"a\", \"c\"]", NULL), 0, "by $id: invalid");
	art_schema_free(s);
	art_schema_registry_free(reg);

	/* meta-schema is built in */
	rc = compile_text(&s, "{\"$ref\": \"https://json-schema.org/draft/2020-12/schema\"}", NULL, 0, err,
			  sizeof err);
	T_EQ_INT(rc, ART_OK, "compile against the built-in meta-schema");
	T_EQ_INT(validate_text(s, "{\"type\": \"string\", \"minLength\": 2}", NULL), 1, "meta: good schema");
	T_EQ_INT(validate_text(s, "{\"properties\": {\"a\": {\"minLength\": -2}}}", NULL), 0, "meta: bad schema");
	art_schema_free(s);

	art_schema_registry_new(&reg);
	rc = art_schema_registry_add_dir(reg, "http://localhost:1234/", t_shared("jsonschema/remotes"), err,
					 sizeof err);
	T_EQ_INT(rc, ART_OK, "add_dir remotes");
	rc = compile_text(&s, "{\"$ref\": \"http://localhost:1234/draft2020-12/integer.json\"}", reg, 0, err,
			  sizeof err);
	T_EQ_INT(rc, ART_OK, "ref into a folder-loaded document");
	T_EQ_INT(validate_text(s, "7", NULL), 1, "folder doc: valid");
	T_EQ_INT(validate_text(s, "\"7\"", NULL), 0, "folder doc: invalid");
	art_schema_free(s);
	T_EQ_INT(art_schema_registry_add_dir(reg, "x:/", "/nonexistent-dir", err, sizeof err), ART_EIO,
		 "add_dir of a missing folder");
	art_schema_registry_free(reg);

	T_EQ_INT(art_schema_compile_file(&s, "/nonexistent/schema.json", NULL, 0, err, sizeof err), ART_ENOENT,
		 "compile_file of a missing file");
	T_OK(strstr(err, "/nonexistent/schema.json") != NULL, "error names the file");

	/* relative $ref between schema files: only with ART_SCHEMA_FILE_REFS */
	char dir[] = "/tmp/test_schema.XXXXXX", path[128], main_path[128];
	if (!T_OK(mkdtemp(dir) != NULL, "temp dir"))
		return;
	snprintf(path, sizeof path, "%s/common.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"$defs\": {\"n\": {\"type\": \"integer\"}}}", f);
	fclose(f);
	snprintf(main_path, sizeof main_path, "%s/main.json", dir);
	f = fopen(main_path, "w");
	fputs("{\"items\": {\"$ref\": \"common.json#/$defs/n\"}}", f);
	fclose(f);
	T_EQ_INT(art_schema_compile_file(&s, main_path, NULL, 0, err, sizeof err), ART_ENOENT,
		 "file $ref without ART_SCHEMA_FILE_REFS: not resolved");
	T_EQ_INT(art_schema_compile_file(&s, main_path, NULL, ART_SCHEMA_FILE_REFS, err, sizeof err), ART_OK,
		 "file $ref with ART_SCHEMA_FILE_REFS");
	T_EQ_INT(validate_text(s, "[1, 2]", NULL), 1, "file ref: valid");
	T_EQ_INT(validate_text(s, "[1, \"2\"]", NULL), 0, "file ref: invalid");
	art_schema_free(s);
	remove(path);
	T_EQ_INT(art_schema_compile_file(&s, main_path, NULL, ART_SCHEMA_FILE_REFS, err, sizeof err), ART_ENOENT,
		 "file $ref to a missing file");
	T_OK(strstr(err, "common.json: No such file") != NULL, "error says which file is missing");
	remove(main_path);
	rmdir(dir);
}

static void test_formats(void)
{
	static const struct {
		const char *fmt, *s;
		int want;
	} cases[] = {
		{"date-time", "2026-11-24T01:02:03Z", 1}, {"date-time", "2026-11-24 01:02:03Z", 0},
		{"date-time", "1998-12-31T23:59:60Z", 1}, {"date-time", "1998-12-31T23:58:60Z", 0},
		{"date", "2024-02-29", 1}, {"date", "2023-02-29", 0}, {"date", "2023-1-01", 0},
		{"time", "12:00:00+01:00", 1}, {"time", "12:00:00", 0},
		{"email", "a.b@example.com", 1}, {"email", "a..b@example.com", 0}, {"email", "@x", 0},
		{"ipv4", "192.168.0.1", 1}, {"ipv4", "192.168.0.01", 0}, {"ipv4", "256.0.0.1", 0},
		{"ipv6", "::1", 1}, {"ipv6", "1:2:3:4:5:6:7:8", 1}, {"ipv6", "1::2::3", 0},
		{"ipv6", "::ffff:192.168.0.1", 1}, {"uri", "https://x.org/a?b#c", 1}, {"uri", "/relative", 0},
		{"uri", "http://exa mple.com", 0}, {"uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", 1},
		{"uuid", "2eb8aa08aa9811eab4aa73b441d16380", 0}, {"hostname", "a-b.example", 1},
		{"hostname", "-a.example", 0}, {"duration", "P1DT2H", 1}, {"duration", "PT", 0},
		{"json-pointer", "/a~1b", 1}, {"json-pointer", "a", 0}, {"regex", "^a+$", 1}, {"regex", "(", 0},
		{"no-such-format", "x", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		T_EQ_INT(art_schema_format_check(cases[i].fmt, cases[i].s), cases[i].want, "format %s \"%s\"",
			 cases[i].fmt, cases[i].s);

	art_schema *ann = NULL, *asrt = NULL;
	char err[256];
	compile_text(&ann, "{\"format\": \"date\"}", NULL, 0, err, sizeof err);
	compile_text(&asrt, "{\"format\": \"date\"}", NULL, ART_SCHEMA_FORMAT_ASSERT, err, sizeof err);
	T_EQ_INT(validate_text(ann, "\"2020-13-01\"", NULL), 1, "format is an annotation by default");
	T_EQ_INT(validate_text(asrt, "\"2020-13-01\"", NULL), 0, "format asserts when asked");
	T_EQ_INT(validate_text(asrt, "\"2020-12-01\"", NULL), 1, "format assertion: good date");
	T_EQ_INT(validate_text(asrt, "20201201", NULL), 1, "format ignores non-strings");
	art_schema_free(ann);
	art_schema_free(asrt);
}

/* ---- several threads on one compiled schema ---- */
#define NTHREADS 4
#define NINST 400
static const char *thread_schema =
	"{\"$defs\": {\"node\": {\"$dynamicAnchor\": \"n\", \"type\": \"object\", \"properties\": "
	"{\"v\": {\"type\": \"integer\", \"maximum\": 300}, \"kids\": {\"type\": \"array\", \"items\": "
	"{\"$dynamicRef\": \"#n\"}}, \"name\": {\"pattern\": \"^[a-z]+[0-9]*$\"}}, "
	"\"unevaluatedProperties\": false}}, \"$ref\": \"#/$defs/node\"}";
static cJSON *thread_inst[NINST];
static int thread_want[NINST];
typedef struct {
	const art_schema *s;
	int mismatches;
} thread_arg;

static void *thread_main(void *p)
{
	thread_arg *a = p;
	art_schema_result *res;
	art_schema_result_new(&res);
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < NINST; i++) {
			int q = art_schema_validate(a->s, thread_inst[i], NULL);
			int f = art_schema_validate(a->s, thread_inst[i], res);
			if (q != thread_want[i] || f != thread_want[i])
				a->mismatches++;
		}
	art_schema_result_free(res);
	return NULL;
}

static void test_threads(void)
{
	art_schema *s = NULL;
	char err[256] = "";
	T_EQ_INT(compile_text(&s, thread_schema, NULL, 0, err, sizeof err), ART_OK, "thread schema compiles");
	if (!s) {
		T_DIAG("%s", err);
		return;
	}
	for (int i = 0; i < NINST; i++) {
		char buf[256];
		snprintf(buf, sizeof buf,
			 "{\"v\": %d, \"name\": \"%s%d\", \"kids\": [{\"v\": %d}, {\"v\": 1, \"kids\": [{\"v\": 2%s}]}]}",
			 i, i % 7 ? "ab" : "AB", i, i % 350, i % 11 ? "" : ", \"extra\": 1");
		thread_inst[i] = cJSON_Parse(buf);
		thread_want[i] = art_schema_validate(s, thread_inst[i], NULL);
	}
	int nvalid = 0;
	for (int i = 0; i < NINST; i++)
		nvalid += thread_want[i] == 1;
	T_OK(nvalid > 0 && nvalid < NINST, "thread instances: %d of %d valid (a mix)", nvalid, NINST);
	pthread_t th[NTHREADS];
	thread_arg args[NTHREADS];
	for (int t = 0; t < NTHREADS; t++) {
		args[t] = (thread_arg){s, 0};
		pthread_create(&th[t], NULL, thread_main, &args[t]);
	}
	int mism = 0;
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(th[t], NULL);
		mism += args[t].mismatches;
	}
	T_EQ_INT(mism, 0, "%d threads validating on one schema agree with the serial run", NTHREADS);
	for (int i = 0; i < NINST; i++)
		cJSON_Delete(thread_inst[i]);
	art_schema_free(s);
}

static void test_limits(void)
{
	art_schema *s = NULL;
	char err[256];
	compile_text(&s, "{\"items\": {\"$ref\": \"#\"}, \"maxItems\": 1}", NULL, 0, err, sizeof err);
	/* cJSON's nesting limit is 1000; build deeper by hand */
	cJSON *root = cJSON_CreateArray(), *cur = root;
	for (int i = 0; i < 5000; i++) {
		cJSON *n = cJSON_CreateArray();
		cJSON_AddItemToArray(cur, n);
		cur = n;
	}
	int r = art_schema_validate(s, root, NULL);
	T_EQ_INT(r, ART_ERANGE, "5000-deep instance: ART_ERANGE, no crash");
	cJSON_Delete(root);
	root = cJSON_CreateArray();
	cur = root;
	for (int i = 0; i < 500; i++) {
		cJSON *n = cJSON_CreateArray();
		cJSON_AddItemToArray(cur, n);
		cur = n;
	}
	T_EQ_INT(art_schema_validate(s, root, NULL), 1, "500-deep instance validates");
	cJSON_Delete(root);
	art_schema_free(s);
	T_EQ_INT(art_schema_validate(NULL, NULL, NULL), ART_EINVAL, "validate(NULL) is EINVAL");
}

int main(void)
{
	test_malformed();
	test_error_locations();
	test_registry();
	test_formats();
	test_threads();
	test_limits();
	return T_DONE();
}

/* schema_lines.c — validate a stream of JSON lines, one verdict line out per line in. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "err.h"
#include "schema_int.h"
#include "utf8.h"

static long long mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* {"valid":false,"errors":[{"instanceLocation":"","keywordLocation":"","message":msg}]} */
static int write_line_error(FILE *out, const char *msg)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *e = cJSON_CreateObject();
	int ok = o && arr && e;
	if (ok) {
		cJSON_AddItemToObject(o, "valid", cJSON_CreateFalse());
		cJSON_AddItemToObject(o, "errors", arr);
		cJSON_AddItemToArray(arr, e);
		arr = e = NULL;
		ok = cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "errors"), 0),
					     "instanceLocation", "") &&
		     cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "errors"), 0),
					     "keywordLocation", "") &&
		     cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "errors"), 0),
					     "message", msg);
	}
	char *txt = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	cJSON_Delete(arr);
	cJSON_Delete(e);
	if (!txt)
		return ART_ENOMEM;
	int rc = fprintf(out, "%s\n", txt) < 0 ? ART_EIO : ART_OK;
	free(txt);
	return rc;
}

static int write_result(FILE *out, const art_schema_result *res)
{
	cJSON *errs;
	int rc = art_schema_result_to_json(res, &errs);
	if (rc)
		return rc;
	char *txt = cJSON_PrintUnformatted(errs);
	cJSON_Delete(errs);
	if (!txt)
		return ART_ENOMEM;
	rc = fprintf(out, "{\"valid\":false,\"errors\":%s}\n", txt) < 0 ? ART_EIO : ART_OK;
	free(txt);
	return rc;
}

int art_schema_lines(const art_schema *s, FILE *in, FILE *out, art_schema_lines_stats *stats,
		     char *err, size_t errsz)
{
	char dummy[1];
	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof dummy;
	}
	art_schema_lines_stats st = {0};
	art_schema_result *res;
	if (!s || !in || !out)
		return ART_EINVAL;
	if (art_schema_result_new(&res))
		return ART_ENOMEM;
	char *line = NULL, msg[160];
	size_t cap = 0;
	ssize_t len;
	int rc = ART_OK;
	while ((len = getline(&line, &cap, in)) >= 0) {
		st.lines++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = 0;
		size_t bad_at;
		long long t0 = mono_us();
		cJSON *inst = NULL;
		const char *ep = NULL;
		int utf8_ok = art_utf8_valid(line, (size_t)len, &bad_at);
		if (utf8_ok)
			inst = cJSON_ParseWithOpts(line, &ep, 1);
		long long t1 = mono_us();
		st.parse_us += t1 - t0;
		if (!utf8_ok || !inst || memchr(line, 0, (size_t)len)) {
			if (!utf8_ok)
				snprintf(msg, sizeof msg, "line %lld is not valid UTF-8 (byte %zu)", st.lines, bad_at);
			else if (len == 0 || strspn(line, " \t") == (size_t)len)
				snprintf(msg, sizeof msg, "line %lld is empty; expected one JSON value", st.lines);
			else
				snprintf(msg, sizeof msg, "line %lld is not one JSON value (error at byte %ld)",
					 st.lines, ep ? (long)(ep - line) : 0L);
			cJSON_Delete(inst);
			st.invalid++;
			rc = write_line_error(out, msg);
		} else {
			int v = art_schema_validate(s, inst, NULL);
			if (v == 0)
				v = art_schema_validate(s, inst, res); /* again, collecting errors */
			st.validate_us += mono_us() - t1;
			cJSON_Delete(inst);
			if (v == 1) {
				st.valid++;
				rc = fputs("{\"valid\":true}\n", out) < 0 ? ART_EIO : ART_OK;
			} else if (v == 0) {
				st.invalid++;
				rc = write_result(out, res);
			} else if (v == ART_ERANGE) {
				st.invalid++;
				snprintf(msg, sizeof msg, "line %lld is nested too deeply to validate", st.lines);
				rc = write_line_error(out, msg);
			} else
				rc = v;
		}
		if (rc)
			break;
	}
	int saved = errno;
	if (!rc && ferror(in)) {
		snprintf(err, errsz, "read error: %s", strerror(saved));
		rc = ART_EIO;
	} else if (rc == ART_EIO) {
		snprintf(err, errsz, "write error: %s", strerror(saved));
	} else if (rc == ART_ENOMEM) {
		snprintf(err, errsz, "out of memory");
	}
	free(line);
	art_schema_result_free(res);
	if (stats)
		*stats = st;
	errno = saved;
	return rc;
}

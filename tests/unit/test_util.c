/* test_util.c — sha256/hmac vectors, UTF-8 validation, RFC 3339 and durations, the JSON
 * writer. */
#include "clock.h"
#include "err.h"
#include "file.h"
#include "json_write.h"
#include "rand.h"
#include "sha256.h"
#include "utf8.h"
#include "t.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_sha256(void)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[65];
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		art_sha256_hex(v[i].in, strlen(v[i].in), hex);
		T_EQ_STR(hex, v[i].hex, "sha256 vector %zu", i);
	}
	/* a million 'a', fed in odd-sized pieces */
	art_sha256 c;
	uint8_t md[32];
	char chunk[997];
	memset(chunk, 'a', sizeof chunk);
	art_sha256_init(&c);
	size_t left = 1000000;
	while (left) {
		size_t k = left < sizeof chunk ? left : sizeof chunk;
		art_sha256_update(&c, chunk, k);
		left -= k;
	}
	art_sha256_final(&c, md);
	art_hex(md, 32, hex);
	T_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of 1e6 'a' in pieces");
	/* RFC 4231 test case 2 */
	art_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
	art_hex(md, 32, hex);
	T_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "hmac-sha256 RFC 4231 case 2");
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
		int valid;
		size_t bad_at;
	} v[] = {
		{"hello", 5, 1, 0},
		{"h\xc3\xa9llo", 6, 1, 0},
		{"\xe2\x82\xac", 3, 1, 0},
		{"\xf0\x9f\x98\x80", 4, 1, 0},
		{"ab\xff", 3, 0, 2},
		{"\xc0\xaf", 2, 0, 0},         /* overlong '/' */
		{"\xed\xa0\x80", 3, 0, 0},     /* surrogate */
		{"\xf4\x90\x80\x80", 4, 0, 0}, /* > U+10FFFF */
		{"x\xe2\x82", 3, 0, 1},        /* truncated */
		{"a\0b", 3, 1, 0},             /* NUL is valid UTF-8 */
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		size_t at = 99;
		int ok = art_utf8_valid(v[i].s, v[i].n, &at);
		T_EQ_INT(ok, v[i].valid, "utf8 case %zu validity", i);
		if (!v[i].valid)
			T_EQ_INT(at, v[i].bad_at, "utf8 case %zu offset", i);
	}
	T_EQ_INT(art_utf8_len("h\xc3\xa9\xf0\x9f\x98\x80", 7), 3, "utf8 code point count");
}

static void test_clock(void)
{
	static const struct {
		const char *s;
		int rc;
		int64_t us;
	} v[] = {
		{"1970-01-01T00:00:00Z", ART_OK, 0},
		{"2026-11-24T01:42:59.123Z", ART_OK, 1795484579123000LL},
		{"2026-11-24T02:42:59.123+01:00", ART_OK, 1795484579123000LL},
		{"2000-02-29T00:00:00z", ART_OK, 951782400000000LL},
		{"2001-02-29T00:00:00Z", ART_EINVAL, 0},
		{"2026-11-24 01:42:59Z", ART_OK, 1795484579000000LL},
		{"2026-11-24T01:42:59", ART_EINVAL, 0},
		{"2026-13-01T00:00:00Z", ART_EINVAL, 0},
		{"yesterday", ART_EINVAL, 0},
		{"2026-11-24T01:42:59.Z", ART_EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		int64_t us = -1;
		int rc = art_clock_parse(v[i].s, &us);
		T_EQ_INT(rc, v[i].rc, "parse '%s' status", v[i].s);
		if (v[i].rc == ART_OK)
			T_EQ_INT(us, v[i].us, "parse '%s' value", v[i].s);
	}
	char buf[40];
	art_clock_fmt(1795484579123456LL, buf, sizeof buf);
	T_EQ_STR(buf, "2026-11-24T01:42:59.123Z", "format with milliseconds");
	int64_t back;
	T_OK(art_clock_parse(buf, &back) == ART_OK && back == 1795484579123000LL, "format/parse round trip");
	art_clock_fmt(-1, buf, sizeof buf);
	T_EQ_STR(buf, "1969-12-31T23:59:59.999Z", "format before the epoch");
	art_clock_fmt(253402300799999999LL, buf, sizeof buf);
	T_EQ_STR(buf, "9999-12-31T23:59:59.999Z", "format the last 4-digit year");
	art_clock_fmt(253402300800000000LL, buf, sizeof buf);
	T_EQ_STR(buf, "10000-01-01T00:00:00.000Z", "format a 5-digit year");
	art_clock_fmt(1795484579123456LL, buf, 11);
	T_EQ_STR(buf, "2026-11-24", "format cut to the buffer");

	static const struct {
		const char *s;
		int rc;
		int64_t us;
	} d[] = {
		{"30s", ART_OK, 30000000}, {"250ms", ART_OK, 250000}, {"5m", ART_OK, 300000000},
		{"2h", ART_OK, 7200000000LL}, {"1.5", ART_OK, 1500000}, {"-1s", ART_EINVAL, 0},
		{"10x", ART_EINVAL, 0}, {"", ART_EINVAL, 0}, {"1e30d", ART_ERANGE, 0},
	};
	for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
		int64_t us = -1;
		int rc = art_clock_parse_duration(d[i].s, &us);
		T_EQ_INT(rc, d[i].rc, "duration '%s' status", d[i].s);
		if (d[i].rc == ART_OK)
			T_EQ_INT(us, d[i].us, "duration '%s' value", d[i].s);
	}
}

/* The writer's numbers, as cJSON prints a non-integral one: %1.15g if that reads back
 * exactly, else %1.17g (the writer takes a shortcut for short decimals). */
static int number_matches(double d, char *got, size_t gotsz, char *want, size_t wantsz)
{
	art_json_buf j = {0};
	cJSON *n = cJSON_CreateNumber(d);
	art_json_write(&j, n);
	cJSON_Delete(n);
	snprintf(got, gotsz, "%.*s", (int)j.n, j.b ? j.b : "");
	art_json_buf_free(&j);
	if (d == (double)(long long)d && d < 9007199254740992.0 && d > -9007199254740992.0)
		snprintf(want, wantsz, "%lld", (long long)d);
	else if (snprintf(want, wantsz, "%1.15g", d), strtod(want, NULL) != d)
		snprintf(want, wantsz, "%1.17g", d);
	return !strcmp(got, want);
}

static void test_json_write(void)
{
	static const double fixed[] = {0.82, 0.2, -0.2, 0.1, 0.0001, 0.00011, 0.00009999, 1e-5, 1.5,
				       123.456, 99999999999999.9, 999999999999999.9, 1e15 + 0.5,
				       0.30000000000000004, 1.0 / 3, 2.5e-300, 1e300, 4503599627370495.5,
				       -1234.5678, 0.1 + 0.2, 1e-4, 9.999999999999999e-5, 12345678901234.5};
	char got[64], want[64];
	int bad = 0;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (!number_matches(fixed[i], got, sizeof got, want, sizeof want) && bad++ < 5)
			T_DIAG("%.17g: wrote %s, want %s", fixed[i], got, want);
	/* random short decimals (the shortcut) and random bit patterns (the fallback) */
	for (int i = 0; i < 200000; i++) {
		uint64_t r;
		art_rand_bytes(&r, sizeof r);
		double d;
		if (i & 1) {
			/* up to 17 digits, up to 19 of them after the point */
			int k = (int)(r % 20), digits = (int)((r >> 8) % 17) + 1;
			double m = (double)((r >> 16) % (uint64_t)pow(10, digits));
			d = m / pow(10, k) * ((r >> 63) ? -1 : 1);
		} else {
			memcpy(&d, &r, sizeof d);
			if (d != d || d - d != 0)
				continue;
		}
		if (!number_matches(d, got, sizeof got, want, sizeof want) && bad++ < 5)
			T_DIAG("%.17g: wrote %s, want %s", d, got, want);
	}
	T_EQ_INT(bad, 0, "numbers are written as cJSON writes them");

	static const char *const strs[] = {"", "plain", "quote \" and \\ back", "ctl \x01\x1f\b\f\n\r\t end",
					  "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"", "utf-8 \xc3\xa9 \xe2\x82\xac"};
	/* every escape at every offset of a longer string (the writer looks at 8 bytes at a time) */
	static const char esc[] = {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' ', '\x80'};
	int strbad = 0;
	for (size_t e = 0; e < sizeof esc; e++)
		for (size_t at = 0; at < 40; at++) {
			char str[41];
			memset(str, 'a' + (int)(at % 26), 40);
			str[40] = 0;
			str[at] = esc[e];
			cJSON *v = cJSON_CreateString(str);
			char *ref = cJSON_PrintUnformatted(v);
			art_json_buf j = {0};
			art_json_write(&j, v);
			strbad += !(ref && j.n == strlen(ref) && !memcmp(j.b, ref, j.n));
			art_json_buf_free(&j);
			cJSON_free(ref);
			cJSON_Delete(v);
		}
	T_EQ_INT(strbad, 0, "escapes anywhere in a string are written as cJSON writes them");
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, strs[i], strs[i]);
		cJSON_AddNumberToObject(o, "n", 0.25);
		char *ref = cJSON_PrintUnformatted(o);
		art_json_buf j = {0};
		art_json_write(&j, o);
		T_OK(ref && j.n == strlen(ref) && !memcmp(j.b, ref, j.n), "string %zu is written as cJSON writes it", i);
		art_json_buf_free(&j);
		cJSON_free(ref);
		cJSON_Delete(o);
	}
}

static void test_file(void)
{
	char path[] = "/tmp/art-test-file-XXXXXX", err[256], *buf = NULL;
	size_t len = 9;
	int fd = mkstemp(path);
	T_OK(fd >= 0, "temp file");
	if (fd < 0) return;
	T_EQ_INT(art_file_read(path, &buf, &len, err, sizeof err), ART_OK, "empty file reads");
	T_OK(buf && len == 0 && buf[0] == 0, "empty file: 0 bytes, NUL-terminated");
	free(buf);
	/* 200,000 bytes: more than the first buffer, so it grows */
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 200000; i++) fputc('a' + i % 26, f);
	fclose(f);
	T_EQ_INT(art_file_read(path, &buf, &len, err, sizeof err), ART_OK, "200,000-byte file reads");
	int same = buf && len == 200000 && buf[len] == 0;
	for (size_t i = 0; same && i < len; i++) same = buf[i] == 'a' + (int)(i % 26);
	T_OK(same, "every byte in order, NUL after the last");
	free(buf);
	unlink(path);
	T_EQ_INT(art_file_read(path, &buf, &len, err, sizeof err), ART_ENOENT, "missing file: ENOENT");
	T_OK(buf == NULL && strstr(err, path), "the message names the file (%s)", err);
	T_EQ_INT(art_file_read("/", &buf, &len, err, sizeof err), ART_EIO, "a directory cannot be read: EIO");
}

int main(void)
{
	test_sha256();
	test_utf8();
	test_clock();
	test_json_write();
	test_file();
	return T_DONE();
}

/* test_util.c — sha256/hmac vectors, UTF-8 validation, RFC 3339 and durations. */
#include "clock.h"
#include "err.h"
#include "sha256.h"
#include "utf8.h"
#include "t.h"

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

int main(void)
{
	test_sha256();
	test_utf8();
	test_clock();
	return T_DONE();
}

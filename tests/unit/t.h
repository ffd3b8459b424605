/* t.h — the unit-test runner: one header, TAP on stdout.
 *
 *   T_OK(cond, "fmt", ...)         one test point; prints "ok N - ..." or "not ok N - ..."
 *   T_EQ_INT(got, want, "fmt",...)  integer equality with both values shown on failure
 *   T_EQ_STR(got, want, "fmt",...)  string equality (NULL-safe)
 *   T_SKIP("reason")               a skipped point ("ok N # skip reason")
 *   T_DIAG("fmt", ...)             a "# ..." diagnostic line
 *   return T_DONE();               prints the plan "1..N"; exit status 1 if any failed
 *
 * Test data lives in ../shared; t_shared("models/x.gguf") builds the path from $SHARED.
 */
#ifndef ART_T_H
#define ART_T_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_n, t_failed;

static inline int t_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	t_n++;
	printf("%sok %d - ", ok ? "" : "not ", t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		t_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

#define T_OK(cond, ...) t_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define T_EQ_INT(got, want, ...)                                                            \
	do {                                                                                 \
		long long t_g_ = (long long)(got), t_w_ = (long long)(want);                 \
		if (!T_OK(t_g_ == t_w_, __VA_ARGS__))                                        \
			printf("#   got %lld, want %lld\n", t_g_, t_w_);                     \
	} while (0)
#define T_EQ_STR(got, want, ...)                                                            \
	do {                                                                                 \
		const char *t_g_ = (got), *t_w_ = (want);                                    \
		int t_e_ = (t_g_ && t_w_) ? strcmp(t_g_, t_w_) == 0 : t_g_ == t_w_;          \
		if (!T_OK(t_e_, __VA_ARGS__))                                                \
			printf("#   got  \"%s\"\n#   want \"%s\"\n", t_g_ ? t_g_ : "(null)",  \
			       t_w_ ? t_w_ : "(null)");                                       \
	} while (0)
#define T_SKIP(reason)                                                                      \
	do {                                                                                 \
		t_n++;                                                                       \
		printf("ok %d # skip %s\n", t_n, reason);                                   \
	} while (0)
#define T_DIAG(...)                                                                         \
	do {                                                                                 \
		printf("# ");                                                                \
		printf(__VA_ARGS__);                                                         \
		printf("\n");                                                                \
		fflush(stdout);                                                              \
	} while (0)

static inline int T_DONE(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}

/* Path under the shared test-data folder ($SHARED, default ../shared).  Static buffer. */
static inline const char *t_shared(const char *rel)
{
	static char buf[4096];
	const char *s = getenv("SHARED");
	snprintf(buf, sizeof buf, "%s/%s", s && *s ? s : "../shared", rel);
	return buf;
}
#endif

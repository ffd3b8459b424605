/* clock.c — time sources and RFC 3339 formatting/parsing (no locale, no TZ lookups). */
#include "clock.h"
#include "err.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t art_clock_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t art_clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void art_clock_fmt(int64_t us, char *buf, size_t bufsz)
{
	time_t sec = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	int ms = (int)((us - (int64_t)sec * 1000000) / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999 || bufsz < 25) { /* what the digits below cannot write */
		snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		return;
	}
	/* the same text as that format, without printf */
	const int f[7] = {year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms};
	static const char width[7] = {4, 2, 2, 2, 2, 2, 3}, sep[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
	char *o = buf;
	for (int i = 0; i < 7; i++) {
		for (int d = width[i] - 1, v = f[i]; d >= 0; d--, v /= 10)
			o[d] = (char)('0' + v % 10);
		o += width[i];
		*o++ = sep[i];
	}
	*o = 0;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return 0;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 1;
}

int art_clock_parse(const char *s, int64_t *us)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;
	int64_t frac = 0;
	if (!s || !digits(&p, 4, &Y) || *p++ != '-' || !digits(&p, 2, &M) || *p++ != '-' ||
	    !digits(&p, 2, &D))
		return ART_EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return ART_EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &m) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return ART_EINVAL;
	if (*p == '.') {
		int64_t scale = 100000;
		p++;
		if (!isdigit((unsigned char)*p))
			return ART_EINVAL;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += scale * (*p - '0');
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return ART_EINVAL;
	} else {
		return ART_EINVAL;
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
		return ART_EINVAL;
	int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (M == 2 && D == 29 && !leap)
		return ART_EINVAL;
	if (sec == 60)
		sec = 59; /* leap second: clamp */
	int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*us = t * 1000000 + frac;
	return ART_OK;
}

int art_clock_parse_duration(const char *s, int64_t *us)
{
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return ART_EINVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return ART_EINVAL;
	double mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1e6;
	else if (!strcmp(end, "ms"))
		mul = 1e3;
	else if (!strcmp(end, "us"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60e6;
	else if (!strcmp(end, "h"))
		mul = 3600e6;
	else if (!strcmp(end, "d"))
		mul = 86400e6;
	else
		return ART_EINVAL;
	if (v * mul > 9.0e18)
		return ART_ERANGE;
	*us = (int64_t)(v * mul + 0.5);
	return ART_OK;
}

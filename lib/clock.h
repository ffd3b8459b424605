/* clock.h — wall and monotonic time, RFC 3339 timestamps, durations.
 * Units: all times are int64 microseconds; wall time is since the Unix epoch (UTC). */
#ifndef ART_CLOCK_H
#define ART_CLOCK_H
#include <stddef.h>
#include <stdint.h>

int64_t art_clock_now_us(void);   /* CLOCK_REALTIME */
int64_t art_clock_mono_us(void);  /* CLOCK_MONOTONIC, for measuring durations */
/* RFC 3339 UTC with milliseconds: "2026-11-24T01:42:59.123Z"; buf >= 32 bytes. */
void art_clock_fmt(int64_t us, char *buf, size_t bufsz);
/* Parses RFC 3339 date-time ("T" or " ", fraction of any length, "Z" or ±hh:mm).
 * ART_OK or ART_EINVAL. */
int art_clock_parse(const char *s, int64_t *us);
/* Parses a duration "250ms", "30s", "5m", "2h", "1d" (or a bare number of seconds)
 * into microseconds. ART_OK, ART_EINVAL or ART_ERANGE. */
int art_clock_parse_duration(const char *s, int64_t *us);
#endif

/* health.h — shared health and budget state in one sqlite file (WAL), for art-route
 * (reads) and the providers (write after every attempt).
 *
 * What it keeps, keyed by the routes-config model name:
 *   - failures: one row per failed attempt (time); a success clears the model's rows.
 *     The circuit breaker opens when >= failures rows fall inside the window, stays open
 *     for the cooldown after it opened, then is HALF_OPEN (one probe allowed: a success
 *     closes it, a failure opens it again for another cooldown).
 *   - latency: an exponentially weighted moving average of observed attempt latency (ms).
 *   - spend: amount spent per tenant per period key ("day:2026-11-24", "month:2026-11",
 *     "total") and currency.
 * Several processes may open the same file at once: WAL mode, a busy timeout, and every
 * write in a BEGIN IMMEDIATE transaction.
 *
 * Ownership: art_health_open returns a handle owned by the caller (art_health_close).
 * The handle is not thread-safe; use it from one thread.  Times are µs since the epoch.
 */
#ifndef ART_HEALTH_H
#define ART_HEALTH_H
#include <stddef.h>
#include <stdint.h>

typedef struct art_health art_health;

enum art_health_breaker {
	ART_HEALTH_CLOSED = 0,
	ART_HEALTH_OPEN,
	ART_HEALTH_HALF_OPEN,
};

typedef struct {
	int failures;        /* failures inside window that open the breaker (>= 1) */
	int64_t window_us;   /* counting window */
	int64_t cooldown_us; /* how long it stays open before HALF_OPEN */
} art_health_breaker_cfg;

/* Defaults: 5 failures in 60 s open it for 30 s. */
void art_health_breaker_defaults(art_health_breaker_cfg *c);

/* Opens (creating if needed) the state file.  ART_OK, or ART_EIO with words in err. */
int art_health_open(const char *path, art_health **out, char *err, size_t errsz);
void art_health_close(art_health *h);

/* Records one attempt outcome at time now_us.  ok != 0 clears failures and closes the
 * breaker; ok == 0 adds a failure and opens the breaker when the threshold is reached
 * (or reopens it from HALF_OPEN).  latency_ms >= 0 feeds the moving average (pass -1 to
 * skip, e.g. for connection failures).  ART_OK or ART_EIO. */
int art_health_record(art_health *h, const char *model, int ok, double latency_ms,
		      int64_t now_us, const art_health_breaker_cfg *cfg);
/* Breaker state of model at now_us; unknown models are CLOSED.  ART_OK or ART_EIO. */
int art_health_breaker_state(art_health *h, const char *model, int64_t now_us,
			     const art_health_breaker_cfg *cfg, enum art_health_breaker *st,
			     int64_t *open_until_us);
/* Moving-average latency in ms; *ms = -1 when nothing was observed.  ART_OK or ART_EIO. */
int art_health_latency(art_health *h, const char *model, double *ms);

/* Period key for a period name ("day", "month", "total") at now_us (UTC) into buf
 * (>= 24 bytes).  ART_OK or ART_EINVAL for an unknown name. */
int art_health_period_key(const char *period, int64_t now_us, char *buf, size_t bufsz);
/* Adds amount (>= 0) to tenant's spend for the period key.  ART_OK, ART_EINVAL or ART_EIO. */
int art_health_spend_add(art_health *h, const char *tenant, const char *period_key,
			 const char *currency, double amount);
/* Adds amount to tenant's spend for the day, the month and the total at now_us, in one
 * transaction (whatever period a budget uses finds it).  ART_OK, ART_EINVAL or ART_EIO. */
int art_health_spend_record(art_health *h, const char *tenant, const char *currency,
			    double amount, int64_t now_us);
/* Spend so far (0 when none).  ART_OK or ART_EIO. */
int art_health_spend_get(art_health *h, const char *tenant, const char *period_key,
			 double *amount);
#endif

/* art-remote — remote-provider filter: sends envelopes routed to openai/ollama to the
 * provider (lib/provider.h), many in flight at once, output in input order. */
#include "cli.h"
#include "env.h"
#include "err.h"
#include "health.h"
#include "provider.h"
#include "route.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STAGE "art-remote"

static struct {
	const char *routes, *state;
	long long parallel, retries, backoff, backoff_max, timeout, max_fallbacks;
	int no_stream;
} o = {.parallel = 8, .retries = 2, .backoff = 100, .backoff_max = 5000, .timeout = 60000, .max_fallbacks = -1};

static const art_opt opts[] = {
	{"parallel", 'p', ART_OPT_INT, &o.parallel, 1, 4096, "N", "envelopes in flight at once (default 8)"},
	{"routes", 'r', ART_OPT_STR, &o.routes, 0, 0, "FILE", "routes config: endpoints, upstream model ids, key env names, prices, breaker"},
	{"state", 's', ART_OPT_STR, &o.state, 0, 0, "FILE", "sqlite health/budget state to update (breaker, latency, spend)"},
	{"retries", 0, ART_OPT_INT, &o.retries, 0, 100, "N", "retries per candidate on 429/5xx/network errors (default 2)"},
	{"backoff", 0, ART_OPT_INT, &o.backoff, 0, 600000, "MS", "first retry backoff, doubled per retry, with jitter (default 100)"},
	{"backoff-max", 0, ART_OPT_INT, &o.backoff_max, 0, 3600000, "MS", "backoff cap; Retry-After may exceed it (default 5000)"},
	{"timeout", 't', ART_OPT_INT, &o.timeout, 1, 86400000, "MS", "per-attempt timeout when the deadline allows more (default 60000)"},
	{"max-fallbacks", 0, ART_OPT_INT, &o.max_fallbacks, -1, 1000, "N", "fallbacks to try after the choice (-1: all, default)"},
	{"no-stream", 0, ART_OPT_FLAG, &o.no_stream, 0, 0, NULL, "ask for one JSON response instead of a stream"},
	{0},
};
static const art_cmd cmd = {
	STAGE, "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Send each envelope whose route.provider is openai or ollama to that provider and write\n"
	"output; retry and fall back along route.fallbacks, recording every attempt in events.\n"
	"Envelopes routed to local, or not ok, pass through unchanged; one line out per line in.",
	opts, NULL,
};

/* ---- reader thread: envelopes from stdin into a bounded queue ---- */
typedef struct {
	cJSON *env;
	int bad;
} item;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	item *q;
	size_t head, len, cap;
	int eof, ioerr, stop;
	art_env_reader *r;
	art_provider *p;
} rq = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *reader_main(void *arg)
{
	(void)arg;
	for (;;) {
		cJSON *env;
		int bad = 0;
		int rc = art_env_read(rq.r, &env, &bad);
		pthread_mutex_lock(&rq.mu);
		if (rc <= 0) {
			rq.eof = 1;
			rq.ioerr = rc < 0;
			pthread_mutex_unlock(&rq.mu);
			art_provider_wakeup(rq.p);
			return NULL;
		}
		while (rq.len == rq.cap && !rq.stop)
			pthread_cond_wait(&rq.cv, &rq.mu);
		if (rq.stop) {
			pthread_mutex_unlock(&rq.mu);
			cJSON_Delete(env);
			return NULL;
		}
		rq.q[(rq.head + rq.len) % rq.cap] = (item){env, bad};
		rq.len++;
		pthread_mutex_unlock(&rq.mu);
		art_provider_wakeup(rq.p);
	}
}

/* ---- main loop: submit in order, write in order ---- */
typedef struct {
	cJSON *env;
	int done;
} slot;

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	if (art_cli_parse(&cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	char err[512];
	art_route_config *cfg = NULL;
	art_health *health = NULL;
	if (o.routes && art_route_config_open(o.routes, &cfg, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	if (o.state && art_health_open(o.state, &health, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	art_provider_opts po;
	art_provider_opts_defaults(&po);
	po.stage = STAGE;
	po.parallel = (int)o.parallel;
	po.retries = (int)o.retries;
	po.backoff_base_ms = o.backoff;
	po.backoff_max_ms = o.backoff_max;
	po.timeout_ms = o.timeout;
	po.max_fallbacks = (int)o.max_fallbacks;
	po.stream = !o.no_stream;
	po.routes = cfg;
	po.health = health;
	art_provider *p;
	if (art_provider_new(&p, &po, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "%s", err);
	art_env_writer *w;
	size_t window = (size_t)o.parallel;
	slot *slots = calloc(window, sizeof *slots);
	rq.cap = window;
	rq.q = calloc(rq.cap, sizeof *rq.q);
	rq.p = p;
	if (!slots || !rq.q || art_env_reader_new(&rq.r, stdin, STAGE) != ART_OK ||
	    art_env_writer_new(&w, stdout) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	pthread_t th;
	if (pthread_create(&th, NULL, reader_main, NULL))
		art_die(ART_EXIT_INTERNAL, "cannot start the reader thread");

	art_env_stats st = {0};
	size_t head = 0, used = 0; /* ring of slots in input order */
	int rc = ART_OK, eof = 0;
	while (rc == ART_OK) {
		/* take input while there is room */
		pthread_mutex_lock(&rq.mu);
		while (rq.len && used < window) {
			item it = rq.q[rq.head];
			rq.head = (rq.head + 1) % rq.cap;
			rq.len--;
			size_t s = (head + used++) % window;
			slots[s] = (slot){it.env, 0};
			st.in++;
			pthread_mutex_unlock(&rq.mu);
			if (it.bad) {
				st.bad++;
				slots[s].done = 1;
			} else if (art_env_status_get(it.env) == ART_ENV_OK &&
				   !cJSON_GetObjectItemCaseSensitive(it.env, "route")) {
				art_env_set_error(it.env, ART_ERR_NO_ROUTE, STAGE, NULL,
						  "no route: run art-route before %s", STAGE);
				slots[s].done = 1;
			} else if (art_provider_submit(p, it.env, &slots[s]) != ART_OK) {
				art_env_set_error(it.env, ART_ERR_STAGE, STAGE, NULL, "out of memory");
				slots[s].done = 1;
			}
			pthread_mutex_lock(&rq.mu);
		}
		eof = rq.eof && !rq.len;
		if (rq.eof && rq.ioerr && !rq.len)
			rc = ART_EIO;
		pthread_cond_broadcast(&rq.cv);
		pthread_mutex_unlock(&rq.mu);

		cJSON *env;
		void *tag;
		while (art_provider_next(p, &env, &tag))
			((slot *)tag)->done = 1;
		/* write finished envelopes in input order */
		while (used && slots[head].done) {
			cJSON *e = slots[head].env;
			if (art_env_status_get(e) == ART_ENV_ERROR)
				st.errors++;
			int wrc = art_env_write(w, e);
			cJSON_Delete(e);
			slots[head].env = NULL;
			head = (head + 1) % window;
			used--;
			if (wrc != ART_OK) {
				st.epipe = art_cli_epipe();
				rc = st.epipe ? ART_OK : ART_EIO;
				goto out;
			}
			st.out++;
		}
		if (eof && !used)
			break;
		if (art_provider_poll(p, 200) != ART_OK) {
			art_warn("curl failed");
			rc = ART_EIO;
		}
	}
out:
	pthread_mutex_lock(&rq.mu);
	rq.stop = 1;
	pthread_cond_broadcast(&rq.cv);
	pthread_mutex_unlock(&rq.mu);
	if (eof || rc != ART_OK) {
		/* the reader may still block in read on a closed pipeline; don't wait for it */
		if (eof)
			pthread_join(th, NULL);
		else
			pthread_detach(th);
	}
	art_env_writer_flush(w);
	art_provider_free(p);
	for (size_t i = 0; i < used; i++)
		cJSON_Delete(slots[(head + i) % window].env);
	art_health_close(health);
	art_route_config_close(cfg);
	art_exit(art_env_exit_code(rc, &st));
}

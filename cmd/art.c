/* art — front command: make envelopes from text (new), read them back (show), check
 * them against the contract (check); "art NAME ..." runs art-NAME (validate, run, ...). */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- art new ---- */
static struct {
	const char *tenant, *actor, *task, *risk, *deadline, *system, *session, *id;
	art_strlist scopes, roles, authority;
	long long max_tokens, seed;
	double temp;
	int lines;
} nw = {.max_tokens = -1, .seed = -1, .temp = -1};

static const art_opt new_opts[] = {
	{"tenant", 0, ART_OPT_STR, &nw.tenant, 0, 0, "NAME", "tenant the request belongs to"},
	{"actor", 0, ART_OPT_STR, &nw.actor, 0, 0, "ID", "who is asking"},
	{"scope", 0, ART_OPT_LIST, &nw.scopes, 0, 0, "SCOPE", "a scope the actor holds (repeatable)"},
	{"role", 0, ART_OPT_LIST, &nw.roles, 0, 0, "ROLE", "a role the actor has (repeatable)"},
	{"authority", 0, ART_OPT_LIST, &nw.authority, 0, 0, "SCOPE", "authority requested for this task (repeatable)"},
	{"task", 0, ART_OPT_STR, &nw.task, 0, 0, "NAME", "task name, e.g. support.answer"},
	{"risk", 0, ART_OPT_STR, &nw.risk, 0, 0, "LEVEL", "low, medium, high or critical"},
	{"deadline", 0, ART_OPT_STR, &nw.deadline, 0, 0, "WHEN", "RFC 3339 time, or a duration from now (30s, 5m)"},
	{"system", 0, ART_OPT_STR, &nw.system, 0, 0, "TEXT", "a system message before the question"},
	{"session", 0, ART_OPT_STR, &nw.session, 0, 0, "ID", "conversation/session id"},
	{"id", 0, ART_OPT_STR, &nw.id, 0, 0, "ID", "request id (default: random req-...)"},
	{"max-tokens", 'n', ART_OPT_INT, &nw.max_tokens, 1, 1e9, "N", "params.max_tokens"},
	{"temp", 0, ART_OPT_DBL, &nw.temp, 0, 100, "T", "params.temperature"},
	{"seed", 0, ART_OPT_INT, &nw.seed, 0, 9007199254740991.0, "N", "params.seed"},
	{"lines", 'l', ART_OPT_FLAG, &nw.lines, 0, 0, NULL, "read questions from stdin, one per line"},
	{0},
};
static const art_cmd new_cmd = {
	"art new", "[OPTION]... [QUESTION]...",
	"Write one envelope asking QUESTION (the words joined by spaces), or with --lines one\n"
	"envelope per line of standard input.",
	new_opts, NULL,
};

static const char *const risks[] = {"low", "medium", "high", "critical", NULL};

static void add_list(cJSON *obj, const char *key, const art_strlist *l)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
}

static cJSON *make_envelope(const char *question, int64_t deadline_us, unsigned long long seq)
{
	char idbuf[256];
	const char *id = nw.id;
	if (id && seq > 0) {
		snprintf(idbuf, sizeof idbuf, "%s-%llu", id, seq);
		id = idbuf;
	}
	cJSON *env = art_env_new(id);
	if (!env)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	if (nw.actor || nw.scopes.n || nw.roles.n) {
		cJSON *a = cJSON_AddObjectToObject(env, "actor");
		cJSON_AddStringToObject(a, "id", nw.actor ? nw.actor : "anonymous");
		add_list(a, "scopes", &nw.scopes);
		if (nw.roles.n)
			add_list(a, "roles", &nw.roles);
	}
	if (nw.tenant)
		cJSON_AddStringToObject(env, "tenant", nw.tenant);
	if (nw.task)
		cJSON_AddStringToObject(env, "task", nw.task);
	if (nw.risk)
		cJSON_AddStringToObject(env, "risk", nw.risk);
	if (deadline_us) {
		char d[40];
		art_clock_fmt(deadline_us, d, sizeof d);
		cJSON_AddStringToObject(env, "deadline", d);
	}
	if (nw.authority.n) {
		cJSON *au = cJSON_AddObjectToObject(env, "authority");
		add_list(au, "requested", &nw.authority);
	}
	if (nw.session)
		cJSON_AddStringToObject(env, "session", nw.session);
	cJSON *msgs = cJSON_AddArrayToObject(env, "messages");
	if (nw.system) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", nw.system);
		cJSON_AddItemToArray(msgs, m);
	}
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", question);
	cJSON_AddItemToArray(msgs, m);
	if (nw.max_tokens >= 0 || nw.temp >= 0 || nw.seed >= 0) {
		cJSON *p = cJSON_AddObjectToObject(env, "params");
		if (nw.max_tokens >= 0)
			cJSON_AddNumberToObject(p, "max_tokens", (double)nw.max_tokens);
		if (nw.temp >= 0)
			cJSON_AddNumberToObject(p, "temperature", nw.temp);
		if (nw.seed >= 0)
			cJSON_AddNumberToObject(p, "seed", (double)nw.seed);
	}
	return env;
}

static int cmd_new(int argc, char **argv)
{
	int n = art_cli_parse(&new_cmd, argc, argv);
	int64_t deadline = 0;
	if (nw.risk) {
		int ok = 0;
		for (int i = 0; risks[i]; i++)
			ok |= !strcmp(nw.risk, risks[i]);
		if (!ok)
			art_die(ART_EXIT_USAGE, "--risk: '%s' is not one of low, medium, high, critical", nw.risk);
	}
	if (nw.deadline) {
		int64_t d;
		if (art_clock_parse(nw.deadline, &deadline) != ART_OK) {
			if (art_clock_parse_duration(nw.deadline, &d) != ART_OK)
				art_die(ART_EXIT_USAGE, "--deadline: '%s' is neither an RFC 3339 time nor a duration", nw.deadline);
			deadline = art_clock_now_us() + d;
		}
	}
	art_env_writer *w;
	if (art_env_writer_new(&w, stdout) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	int rc = ART_OK;
	if (nw.lines) {
		if (n)
			art_die(ART_EXIT_USAGE, "--lines reads questions from stdin; give no QUESTION");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		unsigned long long seq = 0;
		while (rc == ART_OK && (len = getline(&line, &cap, stdin)) >= 0) {
			while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = 0;
			cJSON *env = make_envelope(line, deadline, ++seq);
			rc = art_env_write(w, env);
			cJSON_Delete(env);
		}
		free(line);
		if (ferror(stdin))
			art_die(ART_EXIT_IO, "error reading standard input: %s", strerror(errno));
	} else {
		if (!n)
			art_die(ART_EXIT_USAGE, "no QUESTION given (or use --lines)\nTry 'art new --help' for more information.");
		size_t total = 1;
		for (int i = 0; i < n; i++)
			total += strlen(argv[i]) + 1;
		char *q = calloc(1, total);
		for (int i = 0; i < n; i++) {
			if (i)
				strcat(q, " ");
			strcat(q, argv[i]);
		}
		cJSON *env = make_envelope(q, deadline, 0);
		rc = art_env_write(w, env);
		cJSON_Delete(env);
		free(q);
	}
	if (rc == ART_OK)
		rc = art_env_writer_flush(w);
	art_env_writer_free(w);
	if (rc != ART_OK && errno != EPIPE)
		art_die(ART_EXIT_IO, "error writing output: %s", strerror(errno));
	art_strlist_free(&nw.scopes);
	art_strlist_free(&nw.roles);
	art_strlist_free(&nw.authority);
	art_exit(ART_EXIT_OK);
}

/* ---- art show ---- */
static struct {
	int text, json;
} sh;
static const art_opt show_opts[] = {
	{"text", 't', ART_OPT_FLAG, &sh.text, 0, 0, NULL, "print only the output text of each envelope"},
	{0},
};
static const art_cmd show_cmd = {
	"art show", "[OPTION]... < ENVELOPES.jsonl",
	"Print envelopes for people: id, status, question, answer, tool calls, errors.",
	show_opts, NULL,
};

static const char *str_at(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void show_one(const cJSON *env, uint64_t line)
{
	const char *id = str_at(env, "id"), *status = str_at(env, "status");
	const cJSON *out = cJSON_GetObjectItemCaseSensitive(env, "output");
	const char *text = str_at(out, "text");
	if (sh.text) {
		printf("%s\n", text ? text : "");
		return;
	}
	printf("== %s  %s", id ? id : "?", status ? status : "ok");
	const char *tenant = str_at(env, "tenant");
	const cJSON *actor = cJSON_GetObjectItemCaseSensitive(env, "actor");
	if (tenant || actor)
		printf("  (tenant %s, actor %s)", tenant ? tenant : "-", str_at(actor, "id") ? str_at(actor, "id") : "-");
	printf("\n");
	const cJSON *m, *last_user = NULL;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(env, "messages"))
	{
		const char *role = str_at(m, "role");
		if (role && !strcmp(role, "user"))
			last_user = m;
	}
	if (last_user && str_at(last_user, "content"))
		printf("Q: %s\n", str_at(last_user, "content"));
	const cJSON *route = cJSON_GetObjectItemCaseSensitive(env, "route");
	if (route && str_at(route, "model"))
		printf("route: %s (%s)\n", str_at(route, "model"), str_at(route, "provider") ? str_at(route, "provider") : "?");
	if (text)
		printf("A: %s\n", text);
	const cJSON *tc;
	cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(out, "tool_calls"))
	{
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(tc, "arguments");
		char *a = args ? cJSON_PrintUnformatted(args) : NULL;
		printf("tool call: %s %s\n", str_at(tc, "name") ? str_at(tc, "name") : "?", a ? a : "");
		free(a);
	}
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(env, "error");
	if (err) {
		printf("error: %s (%s): %s", str_at(err, "code") ? str_at(err, "code") : "?",
		       str_at(err, "stage") ? str_at(err, "stage") : "?",
		       str_at(err, "message") ? str_at(err, "message") : "");
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(err, "line");
		if (cJSON_IsNumber(l))
			printf(" [input line %.0f]", l->valuedouble);
		printf("\n");
	}
	(void)line;
}

static int cmd_show(int argc, char **argv)
{
	int n = art_cli_parse(&show_cmd, argc, argv);
	if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_env_reader *r;
	if (art_env_reader_new(&r, stdin, "art show") != ART_OK)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	cJSON *env;
	int bad, got, failed = 0;
	while ((got = art_env_read(r, &env, &bad)) > 0) {
		show_one(env, art_env_reader_line(r));
		failed |= art_env_status_get(env) == ART_ENV_ERROR;
		cJSON_Delete(env);
		if (ferror(stdout))
			break;
	}
	art_env_reader_free(r);
	if (got < 0)
		art_die(ART_EXIT_IO, "error reading standard input: %s", strerror(errno));
	art_exit(failed ? ART_EXIT_FAIL : ART_EXIT_OK);
}

/* ---- art check ---- */
static struct {
	int strict;
} ck;
static const art_opt check_opts[] = {
	{"strict", 0, ART_OPT_FLAG, &ck.strict, 0, 0, NULL, "also check envelopes against the full contract"},
	{0},
};
static const art_cmd check_cmd = {
	"art check", "[OPTION]... < IN.jsonl > OUT.jsonl",
	"Pass envelopes through unchanged; a line that is not an envelope becomes an error\n"
	"envelope naming its line number.  Exit 1 if any envelope is in error.",
	check_opts, NULL,
};

static int cmd_check(int argc, char **argv)
{
	int n = art_cli_parse(&check_cmd, argc, argv);
	if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_env_filter f = {.stage = "art-check", .strict = ck.strict};
	art_env_stats st;
	int rc = art_env_filter_run(&f, stdin, stdout, &st);
	if (rc != ART_OK)
		art_warn("I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	art_exit(art_env_exit_code(rc, &st));
}

/* ---- dispatch ---- */
static void usage(FILE *f)
{
	fprintf(f, "Usage: art COMMAND [ARG]...\n"
		   "The art AI runtime's front command.\n\n"
		   "Commands:\n"
		   "  new       write an envelope asking a question\n"
		   "  show      print envelopes for people\n"
		   "  check     pass envelopes through, turning bad lines into error envelopes\n"
		   "  NAME      run art-NAME (e.g. art validate, art run)\n\n"
		   "Stages: art-policy, art-memory, art-route, art-infer, art-tool, art-trace.\n"
		   "'art COMMAND --help' for a command's options; man art for the overview.\n");
}

int main(int argc, char **argv)
{
	art_cli_init("art");
	if (argc < 2) {
		usage(stderr);
		return ART_EXIT_USAGE;
	}
	const char *c = argv[1];
	if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
		usage(stdout);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(c, "--version")) {
		printf("art %s\n", ART_VERSION);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(c, "new"))
		return cmd_new(argc - 1, argv + 1);
	if (!strcmp(c, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(c, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (c[0] == '-' || strchr(c, '/'))
		art_die(ART_EXIT_USAGE, "unknown command '%s'; try 'art --help'", c);
	/* git style: art NAME -> art-NAME, looked up beside this program first, then PATH */
	char name[256], self[PATH_MAX], path[PATH_MAX + 256];
	snprintf(name, sizeof name, "art-%s", c);
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k > 0) {
		self[k] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, sizeof path, "%s/%s", self, name);
			if (access(path, X_OK) == 0) {
				argv[1] = name;
				execv(path, argv + 1);
			}
		}
	}
	argv[1] = name;
	execvp(name, argv + 1);
	art_die(ART_EXIT_USAGE, "'%s' is not an art command (no %s found); try 'art --help'", c, name);
}

/* art-policy — the policy stage: check (boundary, input, output), approvals, redact, lint.
 * Thin main: all logic is in lib/policy*.c. */
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "err.h"
#include "json_get.h"
#include "policy.h"
#include "policy_approvals.h"
#include "policy_redact.h"
#include "policy_run.h"
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	const char *policy, *stage, *db, *resume, *schema, *by, *note;
	long long threads;
	int all;
} o = {.threads = 0};

static const char *env_or(const char *v, const char *name)
{
	const char *e = getenv(name);
	return v ? v : (e && *e ? e : NULL);
}

/* policy.schema.json: --policy-schema, $ART_POLICY_SCHEMA, installed, or the source tree. */
static const char *find_schema(void)
{
	static char path[PATH_MAX + 64];
	const char *s = env_or(o.schema, "ART_POLICY_SCHEMA");
	if (s)
		return s;
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		return NULL;
	self[k] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	static const char *const rel[] = {"../share/art/schemas/policy.schema.json", "../../schemas/policy.schema.json"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", self, rel[i]);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

static art_policy *open_policy(void)
{
	const char *path = env_or(o.policy, "ART_POLICY");
	if (!path)
		art_die(ART_EXIT_USAGE, "no policy file: give --policy FILE or set ART_POLICY");
	art_policy *p;
	char err[600];
	if (art_policy_open(&p, path, find_schema(), err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	return p;
}

static art_policy_approvals *open_db(int required)
{
	const char *db = env_or(o.db, "ART_POLICY_DB");
	if (!db) {
		if (required)
			art_die(ART_EXIT_USAGE, "no approval database: give --db FILE or set ART_POLICY_DB");
		return NULL;
	}
	art_policy_approvals *a;
	char err[600];
	if (art_policy_approvals_open(&a, db, err, sizeof err) != ART_OK)
		art_die(ART_EXIT_CONFIG, "%s", err);
	return a;
}

/* ---- check ---- */
static const art_opt check_opts[] = {
	{"stage", 's', ART_OPT_STR, &o.stage, 0, 0, "STAGES", "boundary, input, output, or a comma list (required)"},
	{"policy", 'p', ART_OPT_STR, &o.policy, 0, 0, "FILE", "policy file (default $ART_POLICY)"},
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "approval database (default $ART_POLICY_DB)"},
	{"resume", 0, ART_OPT_STR, &o.resume, 0, 0, "STAGE", "stage recorded in approval.resume when parking"},
	{"policy-schema", 0, ART_OPT_STR, &o.schema, 0, 0, "FILE", "policy.schema.json to check the policy against"},
	{"threads", 'j', ART_OPT_INT, &o.threads, 1, 256, "N", "worker threads (default: idle CPUs, at least 1)"},
	{0},
};
static const art_cmd check_cmd = {
	"art-policy check", "--stage STAGES [OPTION]... < IN.jsonl > OUT.jsonl",
	"Apply policy stages to envelopes: one line out per line in; blocked envelopes get\n"
	"status blocked, envelopes that need a human are parked (status awaiting_approval).",
	check_opts, "See art-policy(1) for the policy file and the error codes.",
};

typedef struct {
	art_policy *p;
	art_policy_scratch **sc;
	art_policy_approvals *db;
	unsigned stages;
	const char *stages_name;
} check_ctx;

static int check_fn(void *vctx, int thread, cJSON *env, uint64_t line)
{
	check_ctx *c = vctx;
	enum art_policy_verdict v;
	int64_t t0 = art_clock_now_us();
	if (art_env_status_get(env) != ART_ENV_OK) {
		/* not ours to check; but an approval another stage (art-tool) asked for joins
		 * the queue here, so `approvals` can decide and release it */
		const cJSON *ap = art_json_get(env, "approval");
		const char *st = cJSON_GetStringValue(art_json_get(ap, "state"));
		const char *by = cJSON_GetStringValue(art_json_get(ap, "stage"));
		unsigned bit;
		int from_policy = by && art_policy_stages_parse(by, &bit) == ART_OK;
		if (c->db && art_env_status_get(env) == ART_ENV_AWAITING_APPROVAL && st &&
		    !strcmp(st, "pending") && !from_policy)
			return 1;
		return ART_OK;
	}
	int rc = art_policy_check(c->p, c->sc[thread], c->stages, env, t0, o.resume, &v);
	if (rc != ART_OK)
		return rc;
	if (v == ART_POLICY_PARK)
		return 1;
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "stages", c->stages_name);
	cJSON_AddStringToObject(attrs, "verdict", v == ART_POLICY_PASS ? "pass" : "blocked");
	art_env_event_add(env, "art-policy", "policy.check", t0, art_clock_now_us(), attrs);
	(void)line;
	return ART_OK;
}

static int park_fn(void *vctx, cJSON *env, uint64_t line)
{
	check_ctx *c = vctx;
	int64_t now = art_clock_now_us();
	if (!c->db) {
		art_policy_decision_add(env, NULL, "approval", "block", NULL, "high",
					"a rule requires approval but no approval database is configured");
		cJSON_DeleteItemFromObjectCaseSensitive(env, "approval");
		art_policy_block(env, ART_POLICY_E_APPROVAL_UNAVAILABLE,
				 "needs human approval, but art-policy has no --db; blocked (fail closed)");
		return ART_OK;
	}
	int rc = art_policy_approvals_park(c->db, env, now, art_policy_approval_ttl(c->p));
	if (rc != ART_OK) {
		art_warn("input line %llu: cannot park the envelope: %s", (unsigned long long)line, art_strerror(rc));
		cJSON_DeleteItemFromObjectCaseSensitive(env, "approval");
		art_policy_block(env, ART_POLICY_E_APPROVAL_UNAVAILABLE, "needs human approval, but parking failed; blocked");
		return ART_OK;
	}
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "stages", c->stages_name);
	cJSON_AddStringToObject(attrs, "verdict", "parked");
	art_env_event_add(env, "art-policy", "policy.check", now, art_clock_now_us(), attrs);
	return ART_OK;
}

static int cmd_check(int argc, char **argv)
{
	int n = art_cli_parse(&check_cmd, argc, argv);
	if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	check_ctx c = {0};
	if (!o.stage)
		art_die(ART_EXIT_USAGE, "--stage is required (boundary, input, output)");
	if (art_policy_stages_parse(o.stage, &c.stages) != ART_OK)
		art_die(ART_EXIT_USAGE, "--stage: '%s' is not a list of boundary, input, output", o.stage);
	c.stages_name = o.stage;
	c.p = open_policy();
	c.db = open_db(0);
	/* default: the CPUs not already busy, so a loaded machine is not made slower by
	 * threads waiting on each other at batch barriers */
	int threads = (int)o.threads;
	if (!threads) {
		double load = 0;
		threads = omp_get_num_procs();
		if (getloadavg(&load, 1) == 1)
			threads -= (int)load;
	}
	if (threads < 1)
		threads = 1;
	c.sc = calloc((size_t)threads, sizeof *c.sc);
	for (int i = 0; i < threads; i++)
		if (!c.sc || art_policy_scratch_new(&c.sc[i]) != ART_OK)
			art_die(ART_EXIT_INTERNAL, "out of memory");
	art_policy_runner r = {
		.stage = "art-policy", .fn = check_fn, .serial = park_fn, .ctx = &c, .threads = threads,
		.all_status = 1, /* check_fn passes non-ok envelopes through (queueing foreign approvals) */
	};
	art_env_stats st;
	int rc = art_policy_run(&r, STDIN_FILENO, stdout, &st);
	if (rc != ART_OK)
		art_warn("I/O error after input line %llu: %s", (unsigned long long)st.in, strerror(errno));
	for (int i = 0; i < threads; i++)
		art_policy_scratch_free(c.sc[i]);
	free(c.sc);
	art_policy_approvals_close(c.db);
	art_policy_close(c.p);
	art_exit(art_env_exit_code(rc, &st));
}

/* ---- approvals ---- */
static const art_opt list_opts[] = {
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "approval database (default $ART_POLICY_DB)"},
	{"all", 'a', ART_OPT_FLAG, &o.all, 0, 0, NULL, "also rows already released"},
	{0},
};
static const art_cmd list_cmd = {
	"art-policy approvals list", "[--all] [--db FILE]",
	"Print the approval queue, one JSON object per line (oldest first).", list_opts, NULL,
};
static const art_opt decide_opts[] = {
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "approval database (default $ART_POLICY_DB)"},
	{"by", 0, ART_OPT_STR, &o.by, 0, 0, "NAME", "who decides (required)"},
	{"note", 0, ART_OPT_STR, &o.note, 0, 0, "TEXT", "a note kept with the decision"},
	{0},
};
static const art_cmd approve_cmd = {
	"art-policy approvals approve", "ID --by NAME [--note TEXT] [--db FILE]",
	"Approve a parked envelope; 'approvals release' then lets it continue.", decide_opts, NULL,
};
static const art_cmd deny_cmd = {
	"art-policy approvals deny", "ID --by NAME [--note TEXT] [--db FILE]",
	"Deny a parked envelope; 'approvals release' then writes it as blocked.", decide_opts, NULL,
};
static const art_opt release_opts[] = {
	{"db", 0, ART_OPT_STR, &o.db, 0, 0, "FILE", "approval database (default $ART_POLICY_DB)"},
	{0},
};
static const art_cmd release_cmd = {
	"art-policy approvals release", "[--db FILE] > OUT.jsonl",
	"Write every decided (or expired) parked envelope exactly once: approved ones with\n"
	"status ok, denied and expired ones blocked.",
	release_opts, NULL,
};

static void print_json_line(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	if (!s)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	printf("%s\n", s);
	cJSON_free(s);
}

static int release_write(void *ctx, const cJSON *env)
{
	art_env_writer *w = ctx;
	int rc = art_env_write(w, env);
	if (rc == ART_OK)
		rc = art_env_writer_flush(w);
	return rc;
}

static int cmd_approvals(int argc, char **argv)
{
	if (argc < 2)
		art_die(ART_EXIT_USAGE, "approvals: give list, approve, deny or release");
	const char *sub = argv[1];
	argc--;
	argv++;
	int64_t now = art_clock_now_us();
	if (!strcmp(sub, "list")) {
		if (art_cli_parse(&list_cmd, argc, argv))
			art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
		art_policy_approvals *a = open_db(1);
		cJSON *arr, *row;
		if (art_policy_approvals_list(a, o.all, now, &arr) != ART_OK)
			art_die(ART_EXIT_CONFIG, "cannot read the approval database");
		cJSON_ArrayForEach(row, arr) print_json_line(row);
		cJSON_Delete(arr);
		art_policy_approvals_close(a);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(sub, "approve") || !strcmp(sub, "deny")) {
		int approve = !strcmp(sub, "approve");
		int n = art_cli_parse(approve ? &approve_cmd : &deny_cmd, argc, argv);
		if (n != 1)
			art_die(ART_EXIT_USAGE, "%s: give exactly one approval ID", sub);
		if (!o.by || !*o.by)
			art_die(ART_EXIT_USAGE, "%s: --by NAME is required (who decides)", sub);
		art_policy_approvals *a = open_db(1);
		cJSON *row = NULL;
		int rc = art_policy_approvals_decide(a, argv[0], approve, o.by, o.note, now, &row);
		if (row)
			print_json_line(row);
		cJSON_Delete(row);
		art_policy_approvals_close(a);
		switch (rc) {
		case ART_OK: art_exit(ART_EXIT_OK);
		case ART_ENOENT: art_die(ART_EXIT_FAIL, "%s: no approval with id '%s'", sub, argv[0]);
		case ART_EEXIST: art_die(ART_EXIT_FAIL, "%s: '%s' was already decided", sub, argv[0]);
		case ART_ETIMEOUT: art_die(ART_EXIT_FAIL, "%s: '%s' has expired", sub, argv[0]);
		default: art_die(ART_EXIT_CONFIG, "%s: approval database error", sub);
		}
	}
	if (!strcmp(sub, "release")) {
		if (art_cli_parse(&release_cmd, argc, argv))
			art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
		art_policy_approvals *a = open_db(1);
		art_env_writer *w;
		if (art_env_writer_new(&w, stdout) != ART_OK)
			art_die(ART_EXIT_INTERNAL, "out of memory");
		size_t n = 0;
		int rc = art_policy_approvals_release(a, now, release_write, w, &n);
		art_env_writer_free(w);
		art_policy_approvals_close(a);
		if (rc == ART_EIO && errno == EPIPE)
			art_exit(ART_EXIT_OK);
		if (rc != ART_OK)
			art_die(rc == ART_EIO ? ART_EXIT_IO : ART_EXIT_CONFIG, "release failed (%s); nothing was released",
				art_strerror(rc));
		art_exit(ART_EXIT_OK);
	}
	art_die(ART_EXIT_USAGE, "approvals: unknown command '%s' (list, approve, deny, release)", sub);
}

/* ---- redact: plain text lines through the policy's placeholder rules ---- */
static const art_opt redact_opts[] = {
	{"policy", 'p', ART_OPT_STR, &o.policy, 0, 0, "FILE", "policy file (default $ART_POLICY)"},
	{"policy-schema", 0, ART_OPT_STR, &o.schema, 0, 0, "FILE", "policy.schema.json to check the policy against"},
	{0},
};
static const art_cmd redact_cmd = {
	"art-policy redact", "[--policy FILE] < TEXT > REDACTED",
	"Copy text lines, replacing every match of a rule with a placeholder ([EMAIL], [CARD]...),\n"
	"keyed-hashed when the policy says so.  The same redaction art-trace applies.",
	redact_opts, NULL,
};

static int cmd_redact(int argc, char **argv)
{
	if (art_cli_parse(&redact_cmd, argc, argv))
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_policy *p = open_policy();
	art_policy_redactor *r;
	if (art_policy_redactor_from_policy(&r, p) != ART_OK)
		art_die(ART_EXIT_INTERNAL, "out of memory");
	char *line = NULL, *out = NULL;
	size_t cap = 0, outlen;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		int nrep;
		if (art_policy_redact(r, line, (size_t)len, &out, &outlen, &nrep) != ART_OK)
			art_die(ART_EXIT_INTERNAL, "redaction failed (out of memory or invalid UTF-8)");
		fwrite(out, 1, outlen, stdout);
		free(out);
		if (ferror(stdout))
			break;
	}
	free(line);
	art_policy_redactor_close(r);
	art_policy_close(p);
	art_exit(ART_EXIT_OK);
}

/* ---- lint ---- */
static const art_cmd lint_cmd = {
	"art-policy lint", "[--policy FILE]",
	"Load and compile the policy and its rule packs; exit 3 with a message if anything is wrong.",
	redact_opts, NULL,
};

static int cmd_lint(int argc, char **argv)
{
	int n = art_cli_parse(&lint_cmd, argc, argv);
	if (n == 1 && !o.policy)
		o.policy = argv[0];
	else if (n)
		art_die(ART_EXIT_USAGE, "unexpected argument '%s'", argv[0]);
	art_policy *p = open_policy();
	art_warn("%s: ok, %zu rules", env_or(o.policy, "ART_POLICY"), art_policy_rules_count(art_policy_rules_of(p)));
	art_policy_close(p);
	art_exit(ART_EXIT_OK);
}

static const char usage[] =
	"Usage: art-policy COMMAND [OPTION]...\n"
	"Enforce policy on art envelopes.\n\n"
	"Commands:\n"
	"  check --stage STAGES     boundary, input and output checks (a filter)\n"
	"  approvals list           the approval queue\n"
	"  approvals approve ID --by NAME [--note TEXT]\n"
	"  approvals deny ID --by NAME [--note TEXT]\n"
	"  approvals release        write decided envelopes, each exactly once\n"
	"  redact                   redact text lines with the policy's rules\n"
	"  lint [FILE]              load and compile a policy file\n\n"
	"'art-policy COMMAND --help' for options; man art-policy for the policy file.\n";

static const art_subcmd cmds[] = {
	{"check", cmd_check},
	{"approvals", cmd_approvals},
	{"redact", cmd_redact},
	{"lint", cmd_lint},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	art_cli_init(argv[0]);
	art_cli_dispatch(usage, cmds, argc, argv);
}

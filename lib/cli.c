/* cli.c — option parsing by table, messages, and the one exit path. */
#include "cli.h"
#include "err.h"
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "art";
static int saw_epipe;

void art_cli_init(const char *argv0)
{
	if (argv0 && *argv0) {
		const char *s = strrchr(argv0, '/');
		prog = s ? s + 1 : argv0;
	}
	signal(SIGPIPE, SIG_IGN);
	struct stat st;
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

const char *art_prog(void) { return prog; }
int art_cli_epipe(void) { return saw_epipe; }
void art_cli_set_epipe(void) { saw_epipe = 1; }

void art_warn(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

_Noreturn void art_exit(int code)
{
	errno = 0;
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (bad && err != EPIPE && !saw_epipe) {
		fprintf(stderr, "%s: error writing output: %s\n", prog, err ? strerror(err) : "write error");
		if (code == ART_EXIT_OK || code == ART_EXIT_FAIL)
			code = ART_EXIT_IO;
	}
	exit(code);
}

_Noreturn void art_die(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	art_exit(code);
}

int art_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int art_parse_dbl(const char *s, double min, double max, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void art_strlist_free(art_strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void art_cli_usage(const art_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: %s %s\n%s\n\nOptions:\n", cmd->name, cmd->synopsis ? cmd->synopsis : "",
		cmd->summary ? cmd->summary : "");
	for (const art_opt *o = cmd->opts; o && (o->lname || o->sname); o++) {
		char left[96];
		int takes = o->kind != ART_OPT_FLAG && o->kind != ART_OPT_COUNT;
		const char *an = o->arg ? o->arg : "ARG";
		if (o->sname && o->lname)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->sname, o->lname, takes ? " " : "", takes ? an : "");
		else if (o->sname)
			snprintf(left, sizeof left, "-%c%s%s", o->sname, takes ? " " : "", takes ? an : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->lname, takes ? " " : "", takes ? an : "");
		fprintf(f, "  %-28s %s\n", left, o->help ? o->help : "");
	}
	fprintf(f, "  %-28s %s\n  %-28s %s\n", "-h, --help", "show this help and exit",
		"    --version", "show the version and exit");
	if (cmd->epilog)
		fprintf(f, "\n%s\n", cmd->epilog);
	if (cmd->exits)
		fprintf(f, "\n%s\n", cmd->exits);
	else
		fprintf(f, "\nExit status: 0 ok, 1 some envelopes ended in error, 2 usage, 3 config,\n"
			   "4 input/output error, 5 internal error.  See man %s.\n", cmd->name);
}

_Noreturn static void usage_error(const art_cmd *cmd, const char *fmt, const char *what)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", cmd->name);
	exit(ART_EXIT_USAGE);
}

static void set_value(const art_cmd *cmd, const art_opt *o, const char *name, const char *arg)
{
	char label[80];
	snprintf(label, sizeof label, "%s", name);
	switch (o->kind) {
	case ART_OPT_FLAG: *(int *)o->dst = 1; break;
	case ART_OPT_COUNT: (*(int *)o->dst)++; break;
	case ART_OPT_STR: *(const char **)o->dst = arg; break;
	case ART_OPT_INT: {
		long long v;
		if (art_parse_ll(arg, (long long)o->min, (long long)o->max, &v) != 0) {
			fprintf(stderr, "%s: option %s: '%s' is not an integer in [%.0f, %.0f]\n", prog,
				label, arg, o->min, o->max);
			fprintf(stderr, "Try '%s --help' for more information.\n", cmd->name);
			exit(ART_EXIT_USAGE);
		}
		*(long long *)o->dst = v;
		break;
	}
	case ART_OPT_DBL: {
		double v;
		if (art_parse_dbl(arg, o->min, o->max, &v) != 0) {
			fprintf(stderr, "%s: option %s: '%s' is not a number in [%g, %g]\n", prog, label,
				arg, o->min, o->max);
			fprintf(stderr, "Try '%s --help' for more information.\n", cmd->name);
			exit(ART_EXIT_USAGE);
		}
		*(double *)o->dst = v;
		break;
	}
	case ART_OPT_LIST: {
		art_strlist *l = o->dst;
		const char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		ART_ASSERT(nv);
		l->v = nv;
		l->v[l->n++] = arg;
		break;
	}
	}
}

int art_cli_parse(const art_cmd *cmd, int argc, char **argv)
{
	int npos = 0, i;
	char **pos = malloc(sizeof(char *) * (size_t)(argc + 1));
	ART_ASSERT(pos);
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				pos[npos++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == 0) { /* "-" alone is a positional (stdin) */
			pos[npos++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
			if ((nlen == 4 && !strncmp(name, "help", 4))) {
				art_cli_usage(cmd, stdout);
				exit(fflush(stdout) ? ART_EXIT_IO : ART_EXIT_OK);
			}
			if (nlen == 7 && !strncmp(name, "version", 7)) {
				printf("%s %s\n", cmd->name, ART_VERSION);
				exit(fflush(stdout) ? ART_EXIT_IO : ART_EXIT_OK);
			}
			const art_opt *o = cmd->opts;
			for (; o && (o->lname || o->sname); o++)
				if (o->lname && strlen(o->lname) == nlen && !strncmp(o->lname, name, nlen))
					break;
			if (!o || !(o->lname || o->sname))
				usage_error(cmd, "unknown option '%s'", a);
			int takes = o->kind != ART_OPT_FLAG && o->kind != ART_OPT_COUNT;
			const char *arg = NULL;
			if (takes) {
				if (eq)
					arg = eq + 1;
				else if (i + 1 < argc)
					arg = argv[++i];
				else
					usage_error(cmd, "option '%s' needs an argument", a);
			} else if (eq) {
				usage_error(cmd, "option '%s' takes no argument", a);
			}
			set_value(cmd, o, a, arg);
			continue;
		}
		/* short options, possibly bundled: -abc, -n64, -n 64 */
		for (char *p = a + 1; *p; p++) {
			if (*p == 'h') {
				art_cli_usage(cmd, stdout);
				exit(fflush(stdout) ? ART_EXIT_IO : ART_EXIT_OK);
			}
			const art_opt *o = cmd->opts;
			for (; o && (o->lname || o->sname); o++)
				if (o->sname == *p)
					break;
			char label[3] = {'-', *p, 0};
			if (!o || !(o->lname || o->sname))
				usage_error(cmd, "unknown option '%s'", label);
			if (o->kind == ART_OPT_FLAG || o->kind == ART_OPT_COUNT) {
				set_value(cmd, o, label, NULL);
				continue;
			}
			const char *arg;
			if (p[1])
				arg = p + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else
				usage_error(cmd, "option '%s' needs an argument", label);
			set_value(cmd, o, label, arg);
			break;
		}
	}
	for (i = 0; i < npos; i++)
		argv[i] = pos[i];
	argv[npos] = NULL;
	free(pos);
	return npos;
}

_Noreturn void art_cli_dispatch(const char *usage, const art_subcmd *cmds, int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		exit(ART_EXIT_USAGE);
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		fputs(usage, stdout);
		art_exit(ART_EXIT_OK);
	}
	if (!strcmp(c, "--version")) {
		printf("%s %s\n", prog, ART_VERSION);
		art_exit(ART_EXIT_OK);
	}
	for (const art_subcmd *s = cmds; s->name; s++)
		if (!strcmp(s->name, c))
			art_exit(s->run(argc - 1, argv + 1));
	art_die(ART_EXIT_USAGE, "unknown command '%s'; try '%s --help'", c, prog);
}

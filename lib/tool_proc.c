/* tool_proc.c — spawning exec tools and stdio MCP servers (see tool_proc.h). */
#include "tool_proc.h"
#include "clock.h"
#include "err.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int is_exec_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int art_tool_proc_resolve(const char *argv0, const char *base_dir, const char *path_env,
			  char *out, size_t outsz)
{
	if (!argv0 || !*argv0)
		return ART_ENOENT;
	if (strchr(argv0, '/')) {
		int n;
		if (argv0[0] == '/' || !base_dir || !*base_dir)
			n = snprintf(out, outsz, "%s", argv0);
		else
			n = snprintf(out, outsz, "%s/%s", base_dir, argv0);
		if (n < 0 || (size_t)n >= outsz)
			return ART_ENOENT;
		return is_exec_file(out) ? ART_OK : ART_ENOENT;
	}
	if (!path_env || !*path_env)
		return ART_ENOENT;
	const char *p = path_env;
	while (*p) {
		const char *c = strchr(p, ':');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len > 0) { /* an empty PATH element would mean ".": never searched */
			int n = snprintf(out, outsz, "%.*s/%s", (int)len, p, argv0);
			if (n > 0 && (size_t)n < outsz && is_exec_file(out))
				return ART_OK;
		}
		p += len + (c ? 1 : 0);
		if (!c)
			break;
	}
	return ART_ENOENT;
}

static char *kv_dup(const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);
	char *s = malloc(kl + vl + 2);
	if (!s)
		return NULL;
	memcpy(s, k, kl);
	s[kl] = '=';
	memcpy(s + kl + 1, v, vl + 1);
	return s;
}

char **art_tool_proc_env(const char *const *names, size_t n, const cJSON *set)
{
	size_t cap = n + (size_t)cJSON_GetArraySize(set) + 1, k = 0;
	char **envp = calloc(cap, sizeof *envp);
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *v = getenv(names[i]);
		if (!v)
			continue;
		if (!(envp[k++] = kv_dup(names[i], v)))
			goto oom;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, set)
	{
		if (!cJSON_IsString(it) || !it->string)
			continue;
		/* a fixed value replaces a copied one of the same name */
		size_t kl = strlen(it->string);
		size_t j;
		for (j = 0; j < k; j++)
			if (!strncmp(envp[j], it->string, kl) && envp[j][kl] == '=')
				break;
		char *s = kv_dup(it->string, it->valuestring);
		if (!s)
			goto oom;
		if (j < k) {
			free(envp[j]);
			envp[j] = s;
		} else {
			envp[k++] = s;
		}
	}
	return envp;
oom:
	art_tool_proc_env_free(envp);
	return NULL;
}

void art_tool_proc_env_free(char **envp)
{
	if (!envp)
		return;
	for (char **p = envp; *p; p++)
		free(*p);
	free(envp);
}

const char *art_tool_proc_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

int art_tool_proc_spawn(const char *const *argv, char *const *envp, const char *cwd,
			pid_t *pid, int *in_fd, int *out_fd, int *err_fd, char *err, size_t errsz)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	int rc = ART_EIO, e;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || (err_fd && pipe2(perr, O_CLOEXEC))) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		goto out_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	if (err_fd)
		posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	sigset_t all, none;
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETSIGMASK);
	e = posix_spawn(pid, argv[0], &fa, &at, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e) {
		snprintf(err, errsz, "cannot run %s: %s", argv[0], strerror(e));
		goto out_pipes;
	}
	close(pin[0]);
	close(pout[1]);
	*in_fd = pin[1];
	*out_fd = pout[0];
	if (err_fd) {
		close(perr[1]);
		*err_fd = perr[0];
	}
	return ART_OK;
out_pipes:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	return rc;
}

void art_tool_proc_kill(pid_t pid, int *status)
{
	int st = 0;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (status)
		*status = st;
}

static void tail_add(char *tail, size_t *len, const char *buf, size_t n)
{
	if (n >= ART_TOOL_PROC_TAIL) {
		memcpy(tail, buf + n - ART_TOOL_PROC_TAIL, ART_TOOL_PROC_TAIL);
		*len = ART_TOOL_PROC_TAIL;
	} else {
		if (*len + n > ART_TOOL_PROC_TAIL) {
			size_t drop = *len + n - ART_TOOL_PROC_TAIL;
			memmove(tail, tail + drop, *len - drop);
			*len -= drop;
		}
		memcpy(tail + *len, buf, n);
		*len += n;
	}
	tail[*len] = 0;
}

/* 1 when the leader has exited (not reaped: the zombie keeps the group id ours). */
static int leader_exited(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

int art_tool_proc_run(const art_tool_proc_opts *o, art_tool_proc_result *res, char *err,
		      size_t errsz)
{
	memset(res, 0, sizeof *res);
	pid_t pid;
	int in_fd, out_fd, err_fd;
	/* a child that exits before reading its input must not kill us with SIGPIPE */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	int64_t t0 = art_clock_mono_us();
	if (art_tool_proc_spawn(o->argv, o->envp, o->cwd, &pid, &in_fd, &out_fd, &err_fd, err,
				errsz) != ART_OK) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return ART_EIO;
	}
	int64_t deadline = t0 + o->timeout_ms * 1000;
	size_t cap = o->max_output + 1, outcap = 4096, errlen = 0, inoff = 0;
	res->out = malloc(outcap);
	if (!res->out) {
		art_tool_proc_kill(pid, NULL);
		close(in_fd);
		close(out_fd);
		close(err_fd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errsz, "out of memory");
		return ART_ENOMEM;
	}
	fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
	if (o->input_len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	char buf[65536];
	int killed = 0;
	while (out_fd >= 0 || err_fd >= 0) {
		int64_t now = art_clock_mono_us();
		if (now >= deadline) {
			res->timed_out = 1;
			killed = 1;
			break;
		}
		struct pollfd pf[3];
		int np = 0, iin = -1, iout = -1, ierr = -1;
		if (in_fd >= 0) {
			pf[np] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
			iin = np++;
		}
		if (out_fd >= 0) {
			pf[np] = (struct pollfd){.fd = out_fd, .events = POLLIN};
			iout = np++;
		}
		if (err_fd >= 0) {
			pf[np] = (struct pollfd){.fd = err_fd, .events = POLLIN};
			ierr = np++;
		}
		int ms = (int)((deadline - now + 999) / 1000);
		int pr = poll(pf, (nfds_t)np, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			killed = 1;
			break;
		}
		if (iin >= 0 && pf[iin].revents) {
			ssize_t w = write(in_fd, (const char *)o->input + inoff, o->input_len - inoff);
			if (w > 0)
				inoff += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || inoff == o->input_len ||
			    (pf[iin].revents & (POLLERR | POLLHUP))) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (iout >= 0 && pf[iout].revents) {
			ssize_t r = read(out_fd, buf, sizeof buf);
			if (r > 0) {
				if (res->out_len + (size_t)r >= cap) {
					res->too_large = 1;
					killed = 1;
					break;
				}
				if (res->out_len + (size_t)r + 1 > outcap) {
					while (res->out_len + (size_t)r + 1 > outcap)
						outcap *= 2;
					char *nb = realloc(res->out, outcap);
					if (!nb) {
						killed = 1;
						break;
					}
					res->out = nb;
				}
				memcpy(res->out + res->out_len, buf, (size_t)r);
				res->out_len += (size_t)r;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(out_fd);
				out_fd = -1;
			}
		}
		if (ierr >= 0 && pf[ierr].revents) {
			ssize_t r = read(err_fd, buf, sizeof buf);
			if (r > 0)
				tail_add(res->err_tail, &errlen, buf, (size_t)r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(err_fd);
				err_fd = -1;
			}
		}
	}
	/* output closed: wait for the leader until the deadline */
	if (!killed) {
		long sleep_us = 200;
		while (!leader_exited(pid)) {
			if (art_clock_mono_us() >= deadline) {
				res->timed_out = 1;
				killed = 1;
				break;
			}
			struct timespec ts = {0, sleep_us * 1000};
			nanosleep(&ts, NULL);
			if (sleep_us < 10000)
				sleep_us *= 2;
		}
	}
	int status = 0;
	/* leftovers in the group (background children) die with it, finished or not */
	art_tool_proc_kill(pid, &status);
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	/* consume a SIGPIPE raised while it was blocked, then restore the mask */
	struct timespec zero = {0, 0};
	while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	res->out[res->out_len] = 0;
	res->duration_ms = (double)(art_clock_mono_us() - t0) / 1000.0;
	if (!killed && WIFEXITED(status)) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signaled = 1;
		res->signo = WTERMSIG(status);
	}
	return ART_OK;
}

void art_tool_proc_result_free(art_tool_proc_result *res)
{
	if (!res)
		return;
	free(res->out);
	res->out = NULL;
}

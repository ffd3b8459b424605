/* tool_proc.h — child processes for exec tools and stdio MCP servers.
 *
 * Never a shell: argv is executed directly (posix_spawn), with exactly the environment
 * given, in its own process group, signals reset to default (art ignores SIGPIPE; the
 * child must not inherit that), every other descriptor closed.
 *
 * Ownership: art_tool_proc_result.out is malloc'd and freed by art_tool_proc_result_free;
 * art_tool_proc_env returns a NULL-terminated malloc'd array freed by
 * art_tool_proc_env_free.  Inputs are borrowed.
 */
#ifndef ART_TOOL_PROC_H
#define ART_TOOL_PROC_H
#include <cJSON.h>
#include <stddef.h>
#include <sys/types.h>

#define ART_TOOL_PROC_TAIL 2048 /* bytes of stderr kept (the last ones) */

typedef struct {
	const char *const *argv;    /* argv[0] is a path (see art_tool_proc_resolve) */
	char *const *envp;          /* full child environment, NULL-terminated */
	const char *cwd;            /* NULL: inherit */
	const void *input;          /* written to the child's stdin, then stdin is closed */
	size_t input_len;
	long long timeout_ms;       /* wall time from spawn; the group is SIGKILLed after it */
	size_t max_output;          /* stdout cap in bytes; the group is killed beyond it */
} art_tool_proc_opts;

typedef struct {
	char *out;                  /* stdout, NUL-terminated (at most max_output bytes) */
	size_t out_len;
	char err_tail[ART_TOOL_PROC_TAIL + 1]; /* last bytes of stderr, NUL-terminated */
	int exited, exit_code;      /* normal exit and its status */
	int signaled, signo;        /* killed by a signal */
	int timed_out;              /* killed at the timeout */
	int too_large;              /* killed because stdout passed max_output */
	double duration_ms;
} art_tool_proc_result;

/* Resolves argv0 to an executable path: with a '/', relative to base_dir (if relative);
 * without, searched in path_env (a PATH value; NULL or "" searches nothing).
 * ART_OK, ART_ENOENT (not found or not executable). */
int art_tool_proc_resolve(const char *argv0, const char *base_dir, const char *path_env,
			  char *out, size_t outsz);
/* Builds a child environment: the named variables copied from this process (absent
 * ones skipped) then the fixed ones from set (an object of strings, may be NULL). */
char **art_tool_proc_env(const char *const *names, size_t n, const cJSON *set);
void art_tool_proc_env_free(char **envp);
/* Value of NAME in a child environment, or NULL. */
const char *art_tool_proc_env_get(char *const *envp, const char *name);

/* Spawns argv with pipes on stdin/stdout/stderr (each fd returned O_CLOEXEC; pass NULL
 * for err_fd to send the child's stderr to /dev/null).  The child leads its own process
 * group (pgid = pid).  ART_OK or ART_EIO (err says why; no child is left). */
int art_tool_proc_spawn(const char *const *argv, char *const *envp, const char *cwd,
			pid_t *pid, int *in_fd, int *out_fd, int *err_fd, char *err, size_t errsz);
/* SIGKILLs the process group and reaps the leader; *status gets its wait status. */
void art_tool_proc_kill(pid_t pid, int *status);

/* Runs one exec tool to completion.  ART_OK whenever the child was started (look at
 * the result for how it ended), ART_EIO if it could not be started. */
int art_tool_proc_run(const art_tool_proc_opts *o, art_tool_proc_result *res, char *err,
		      size_t errsz);
void art_tool_proc_result_free(art_tool_proc_result *res);
#endif

/*
 * Hooks, as the runtime spec runs them: each with its args and env
 * exactly (no environment of conch's own), the container's state JSON
 * on its standard input, its output on conch's standard error (so on
 * --log when it fails), killed after its timeout. A failing prestart,
 * createRuntime, createContainer or startContainer hook stops the
 * container; a failing poststart or poststop one is a warning, and the
 * others still run.
 *
 * Where they run is the caller's business: prestart, createRuntime,
 * poststart and poststop in conch's own process, createContainer in the
 * chain once the namespaces exist (conch sysctl), startContainer in its
 * last step (conch init), after start.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

const char *const hook_names[HOOK_KINDS] = { "prestart", "createRuntime",
	"createContainer", "startContainer", "poststart", "poststop" };

void
hooks_check(json_t *hooks)
{
	static const char *const handled[] = { "path", "args", "env",
		"timeout", NULL };
	struct jpath p = { NULL, "hooks", 0 }, k, e = { &k, NULL, 0 }, f;
	const char *path;
	long long t;
	json_t *arr, *h, *v;
	size_t i, j, n;

	for (n = 0; n < HOOK_KINDS; n++) {
		arr = jget(hooks, hook_names[n], &p, &k, JSON_ARRAY);
		json_array_foreach(arr, i, h) {
			e.index = i;
			if (!json_is_object(h))
				die_field(&e, "expected an object");
			jknown(h, &e, handled, NULL);
			f = (struct jpath){ &e, "path", 0 };
			path = jstr(h, "path", &e);
			if (path == NULL || path[0] != '/')
				die_field(&f, "expected an absolute path");
			jint(h, "timeout", &e, 1, INT_MAX / 1000, &t);
			for (j = 0; j < 2; j++) {
				v = jget(h, j == 0 ? "args" : "env", &e, &f,
				    JSON_ARRAY);
				for (size_t x = 0; x < json_array_size(v); x++)
					if (!json_is_string(json_array_get(v,
					    x)))
						die_field(&f, "expected strings");
			}
		}
	}
}

static char **
hook_strings(json_t *h, const char *key, const char *dflt)
{
	json_t *arr = json_object_get(h, key), *v;
	size_t i, n = json_is_array(arr) ? json_array_size(arr) : 0;
	char **out = xcalloc(n + 2, sizeof(*out));

	json_array_foreach(arr, i, v)
		out[i] = (char *)json_string_value(v);
	if (n == 0 && dflt != NULL)
		out[0] = (char *)dflt;
	return out;
}

static int
state_stdin(const char *state)
{
	size_t len = strlen(state);
	int fd = memfd_create("conch-hook-state", MFD_CLOEXEC);

	if (fd == -1)
		die_sys("memfd_create for a hook's state");
	if (write(fd, state, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))
		die_sys("write a hook's state");
	return fd;
}

/* Waits for PID, at most TIMEOUT seconds (0: no limit); its status. */
static int
hook_wait(pid_t pid, int timeout, bool *timed_out)
{
	struct pollfd pfd = { .events = POLLIN };
	int status, r;

	*timed_out = false;
	pfd.fd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd >= 0) {
		/* Interrupted (create undoes), the hook does not outlive it. */
		while ((r = poll(&pfd, 1, timeout > 0 ? timeout * 1000 : -1)) ==
		    -1 && errno == EINTR && !interrupted())
			;
		if (r == -1 && interrupted()) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			interrupt_check();
		}
		if (r == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
		}
		close(pfd.fd);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die_sys("wait for a hook");
	return status;
}

static int
hook_run(json_t *h, const char *kind, size_t i, const char *state)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	json_t *t = json_object_get(h, "timeout");
	char **args = hook_strings(h, "args", path);
	char **env = hook_strings(h, "env", NULL);
	int in = state_stdin(state), status, timeout;
	bool timed_out;
	pid_t pid;

	timeout = json_is_integer(t) ? (int)json_integer_value(t) : 0;
	trace("hook %s[%zu]: %s", kind, i, path);
	pid = fork();
	if (pid == -1)
		die_sys("fork for hook %s[%zu]", kind, i);
	if (pid == 0) {
		if (dup2(in, STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(EXIT_TOOL);
		execve(path, args, env);
		warn_err(errno, NULL, "hook %s[%zu]: exec %s", kind, i, path);
		_exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
	}
	close(in);
	free(args);
	free(env);
	status = hook_wait(pid, timeout, &timed_out);
	if (timed_out)
		warnm("hook %s[%zu]: %s: timed out after %d s, killed", kind,
		    i, path, timeout);
	else if (status != 0)
		warnm("hook %s[%zu]: %s: exited with status %d", kind, i, path,
		    status_code(status));
	return status == 0 && !timed_out ? 0 : -1;
}

/*
 * Runs the hooks of KIND in order. A failure stops the others and is
 * fatal with FATAL (status 125); without, all run and -1 says one failed.
 */
int
hooks_run(json_t *hooks, enum hook_kind kind, const char *state, bool fatal)
{
	json_t *arr = json_object_get(hooks, hook_names[kind]), *h;
	int ret = 0;
	size_t i;

	json_array_foreach(arr, i, h) {
		if (hook_run(h, hook_names[kind], i, state) == 0)
			continue;
		if (fatal)
			die("%s hook failed: the container is not made",
			    hook_names[kind]);
		ret = -1;
	}
	return ret;
}

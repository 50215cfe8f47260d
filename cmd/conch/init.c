/*
 * conch init, the last step of every chain (see steps.c): what runs
 * just before PROG, inside the container, under its seccomp filter.
 *
 *   conch init [--sync FD] [--info FD] [--fifo FD] [--stderr FD]
 *              [--console FD] [--console-size ROWSxCOLS] [--keep-fds N]
 *              [--umask MODE] [--env NAME=VALUE]... [--cwd DIR] -- PROG...
 *
 * Typed by a person (it is the last line `conch chain` prints), it sets
 * the umask, the directory and the environment, and executes PROG.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

enum { O_SYNC_FD = 256, O_INFO, O_FIFO, O_STDERR, O_CONSOLE, O_SIZE,
	O_KEEP, O_UMASK, O_ENV, O_CWD };

struct initopts {
	int fd[FD_MAX];		/* FD_SYNC, FD_INFO... given, or -1 */
	unsigned rows, cols;
	int keep;		/* descriptors 3 to 3 + keep - 1 stay */
	long umask;		/* -1: as it is */
	const char *cwd;
	struct strv env;
};

static int
fd_value(const char *opt, const char *s)
{
	unsigned long v;

	if (parse_ulong(s, INT_MAX, &v) == -1)
		die("init: %s '%s': not a descriptor", opt, s);
	return (int)v;
}

static void
init_args(int argc, char **argv, struct initopts *o)
{
	static const struct option longopts[] = {
		{ "sync", required_argument, NULL, O_SYNC_FD },
		{ "info", required_argument, NULL, O_INFO },
		{ "fifo", required_argument, NULL, O_FIFO },
		{ "stderr", required_argument, NULL, O_STDERR },
		{ "console", required_argument, NULL, O_CONSOLE },
		{ "console-size", required_argument, NULL, O_SIZE },
		{ "keep-fds", required_argument, NULL, O_KEEP },
		{ "umask", required_argument, NULL, O_UMASK },
		{ "env", required_argument, NULL, O_ENV },
		{ "cwd", required_argument, NULL, O_CWD },
		{ NULL, 0, NULL, 0 },
	};
	static const int which[] = { FD_SYNC, FD_INFO, FD_FIFO, FD_STDERR,
		FD_CONSOLE };
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		if (c >= O_SYNC_FD && c <= O_CONSOLE)
			o->fd[which[c - O_SYNC_FD]] = fd_value(argv[optind - 1],
			    optarg);
		else if (c == O_SIZE && (sscanf(optarg, "%ux%u", &o->rows,
		    &o->cols) != 2 || o->rows > 65535 || o->cols > 65535))
			die("init: --console-size '%s': not ROWSxCOLS", optarg);
		else if (c == O_KEEP)
			o->keep = fd_value("--keep-fds", optarg);
		else if (c == O_UMASK && ((o->umask = strtol(optarg, &end, 8)),
		    *end != '\0' || o->umask < 0 || o->umask > 0777))
			die("init: --umask '%s': not an octal mode", optarg);
		else if (c == O_ENV)
			strv_add(&o->env, optarg);
		else if (c == O_CWD)
			o->cwd = optarg;
		else if (c == ':' || c == '?')
			die_usage(c, argv);
	}
	if (optind == argc)
		die("init: no program to run");
}

/* NAME's value in ENV, or NULL. */
static const char *
env_get(const struct strv *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

/*
 * PROG as execvp(3) would find it in the container's PATH, or 127 with
 * runc's words ("executable file not found in $PATH"), which podman
 * reads; 126 (its words: "permission denied") when it is there but
 * cannot be run.
 */
static void
prog_find(const char *prog, const char *path, char *out, size_t size)
{
	const char *dir, *end;
	struct stat sb;
	bool denied = false;

	if (strchr(prog, '/') != NULL) {
		snprintf(out, size, "%s", prog);
		if (stat(out, &sb) == -1 && (errno == ENOENT ||
		    errno == ENOTDIR)) {
			warnm("exec: \"%s\": no such file or directory", prog);
			exit(EXIT_NOT_FOUND);
		}
		if (S_ISDIR(sb.st_mode) || access(out, X_OK) == -1) {
			warnm("exec: \"%s\": permission denied", prog);
			exit(EXIT_CANNOT_EXEC);
		}
		return;
	}
	for (dir = path; dir != NULL && *prog != '\0'; dir = end) {
		end = strchr(dir, ':');
		snprintf(out, size, "%.*s/%s", end != NULL ? (int)(end - dir) :
		    (int)strlen(dir), dir, prog);
		if (end != NULL)
			end++;
		if (stat(out, &sb) == -1 || S_ISDIR(sb.st_mode))
			continue;
		if (access(out, X_OK) == 0)
			return;
		denied = true;
	}
	if (denied) {
		warnm("exec: \"%s\": permission denied", prog);
		exit(EXIT_CANNOT_EXEC);
	}
	warnm("exec: \"%s\": executable file not found in $PATH", prog);
	exit(EXIT_NOT_FOUND);
}

/* No HOME in process.env: the user's from /etc/passwd, else /, as runc. */
static void
home_default(struct strv *env)
{
	struct passwd_ent pw;

	if (env_get(env, "HOME") != NULL)
		return;
	if (user_by_uid(getuid(), &pw) == 0 && pw.home[0] != '\0')
		strv_addf(env, "HOME=%s", pw.home);
	else
		strv_add(env, "HOME=/");
}

static void
fifo_wait(int fifo)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo);
	trace("init: wait for start on exec.fifo");
	while ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		if (errno != EINTR)
			die_sys("open exec.fifo");
	if (write(fd, "0", 1) != 1)
		die_sys("write exec.fifo");
	close(fd);
}

/* Every descriptor from FIRST on, with close_range(2) or one by one. */
static void
close_from(int first)
{
	long max;
	int fd;

	if (syscall(SYS_close_range, first, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = first; fd < max; fd++)
		close(fd);
}

int
step_init(int argc, char **argv)
{
	static struct initopts o = { .umask = -1 };
	static char *noenv[] = { NULL };
	const char *path;
	char prog[PATH_MAX];
	size_t i;

	for (i = 0; i < FD_MAX; i++)
		o.fd[i] = -1;
	init_args(argc, argv, &o);
	if (o.umask >= 0)
		umask((mode_t)o.umask);
	if (o.cwd != NULL && chdir(o.cwd) == -1)
		die_sys("init: process.cwd %s", o.cwd);
	home_default(&o.env);
	path = env_get(&o.env, "PATH");
	prog_find(argv[optind], path != NULL ? path :
	    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	    prog, sizeof(prog));
	if (o.fd[FD_CONSOLE] != -1)
		console_make(o.fd[FD_CONSOLE], o.rows, o.cols);
	if (o.fd[FD_SYNC] != -1 && sync_send(o.fd[FD_SYNC], SYNC_READY,
	    true) == -1)
		die_sys("init: tell conch the container is ready");
	if (o.fd[FD_FIFO] != -1)
		fifo_wait(o.fd[FD_FIFO]);
	if (o.fd[FD_INFO] != -1)
		info_hooks(o.fd[FD_INFO], HOOK_START_CONTAINER);
	if (o.fd[FD_STDERR] != -1 && o.fd[FD_CONSOLE] == -1 &&
	    dup2(o.fd[FD_STDERR], STDERR_FILENO) == -1)
		die_sys("init: give the container its standard error");
	close_from(3 + o.keep);
	execve(prog, argv + optind, o.env.v != NULL ? o.env.v : noenv);
	warnm("exec: \"%s\": %s", prog, strerror(errno));
	exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

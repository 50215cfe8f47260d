/*
 * Starting a chain and following it to "ready": conch forks, the child
 * executes the chain with its descriptors placed just above the ones
 * the caller preserves (--preserve-fds) and its standard error on a
 * memfd, and conch waits on the sync socket and on the child's pidfd
 * together. The chain's first process stays conch's child (nsnew -p
 * waits there for the container's PID 1), so a failure anywhere in the
 * chain ends it, with the status and the message of the tool that
 * failed: conch passes both on, removes what it made (the chain's
 * processes, the cgroup, the state directory), and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The launch to undo when conch exits before launch_done(): die() exits
 * from anywhere, and atexit(3) passes its function nothing. */
static struct launch *pending;

static void launch_sockets(struct launch *l);

static void
undo_at_exit(void)
{
	struct launch *l = pending;

	if (l == NULL || !l->armed)
		return;
	l->armed = false;
	if (l->pid > 0)
		kill(l->pid, SIGKILL);
	if (l->child > 0) {
		kill(l->child, SIGKILL);
		wait_child(l->child);
	}
	if (l->st != NULL) {
		cgroup_remove(l->g, l->st);
		state_remove(l->st);
	}
}

void
launch_init(struct launch *l, const struct global *g, int preserve)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->g = g;
	for (i = 0; i < FD_MAX; i++)
		l->fds.fd[i] = -1;
	l->fds.base = 3 + preserve;
	l->childfd = l->errfd = l->sync = -1;
	l->armed = true;
	pending = l;
	if (atexit(undo_at_exit) != 0)
		die("atexit: cannot register the undo");
	launch_sockets(l);
}

/* FD moved to a number of at least MIN, close-on-exec. */
int
fd_high(int fd, int min)
{
	int n = fcntl(fd, F_DUPFD_CLOEXEC, min);

	if (n == -1)
		die_sys("fcntl F_DUPFD_CLOEXEC");
	close(fd);
	return n;
}

/*
 * The child of vfork(2): it shares conch's memory until execve, so it
 * writes nothing there. Signals are blocked (a handler of conch's
 * would run in it), and handlers go back to the default before they
 * are unblocked, as posix_spawn does.
 */
static noreturn void
child_exec(struct launch *l, char **argv)
{
	char *env[3] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin", NULL, NULL };
	struct sigaction sa, dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int i, fd;

	if (conch_verbose)
		env[1] = "CONCH_VERBOSE=1";
	for (i = 0; i < FD_MAX; i++)
		if (l->fds.fd[i] != -1 &&
		    dup2(l->fds.fd[i], l->fds.base + i) == -1)
			_exit(EXIT_TOOL);
	if (dup2(l->errfd, STDERR_FILENO) == -1)
		_exit(EXIT_TOOL);
	if (syscall(SYS_close_range, l->fds.base + FD_MAX, ~0U,
	    CLOSE_RANGE_CLOEXEC) == -1)
		for (fd = l->fds.base + FD_MAX; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	for (i = 1; i < NSIG; i++)
		if (sigaction(i, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
		    sa.sa_handler != SIG_IGN)
			sigaction(i, &dfl, NULL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, env);
	warn_err(errno, NULL, "exec %s", argv[0]);
	_exit(EXIT_TOOL);
}

/* The sync socket, the container's stderr, and the chain's until then. */
static void
launch_sockets(struct launch *l)
{
	int s[2], one = 1, high = l->fds.base + FD_MAX;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) == -1)
		die_sys("socketpair for the chain");
	if (setsockopt(s[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		die_sys("setsockopt SO_PASSCRED");
	l->sync = s[0];
	l->fds.fd[FD_SYNC] = s[1];
	l->fds.fd[FD_STDERR] = fcntl(log_stderr(), F_DUPFD_CLOEXEC, high);
	l->errfd = memfd_create("conch-chain-stderr", MFD_CLOEXEC);
	if (l->fds.fd[FD_STDERR] == -1 || l->errfd == -1)
		die_sys("descriptors for the chain");
	l->errfd = fd_high(l->errfd, high);
}

/*
 * A terminal, from --console-socket SOCKET: the process's stderr is then
 * the pty, and the caller's is not held past create, since containerd's
 * shim reads that to its end before it starts the container.
 */
void
launch_console(struct launch *l, const char *socket)
{
	l->fds.fd[FD_CONSOLE] = console_connect(socket);
	close(l->fds.fd[FD_STDERR]);
	l->fds.fd[FD_STDERR] = -1;
}

void
launch_start(struct launch *l, char **argv)
{
	int high = l->fds.base + FD_MAX, i, err;
	sigset_t all, old;

	for (i = 0; i < FD_MAX; i++)
		if (l->fds.fd[i] != -1 && l->fds.fd[i] < high)
			l->fds.fd[i] = fd_high(l->fds.fd[i], high);
	trace("chain: %s ...", argv[0]);
	/* vfork: a copy of conch's page tables, made to be thrown away by
	 * the next execve, cost 2 ms of the chain's 20 here. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	l->child = vfork();
	if (l->child == 0)
		child_exec(l, argv);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (l->child == -1)
		die_err(err, NULL, "vfork for the chain");
	close(l->fds.fd[FD_SYNC]);
	l->fds.fd[FD_SYNC] = -1;
	l->first = l->child;
	l->childfd = syscall(SYS_pidfd_open, l->child, 0);
	if (l->childfd == -1)
		die_sys("pidfd_open %d", (int)l->child);
}

/* The chain ended before it was ready: its message, its status. */
static noreturn void
chain_ended(struct launch *l, int status)
{
	off_t len = lseek(l->errfd, 0, SEEK_END);

	log_copy(l->errfd, false);
	if (status > 128 && len <= 0)
		warnm("the container's chain was killed by signal %d",
		    status - 128);
	else if (len <= 0)
		warnm("the container's chain exited with status %d before it "
		    "was ready", status);
	exit(status == EXIT_NOT_FOUND || status == EXIT_CANNOT_EXEC ? status :
	    EXIT_TOOL);
}

static noreturn void
chain_died(struct launch *l)
{
	int status = wait_child(l->child);

	l->child = 0;
	chain_ended(l, status);
}

/*
 * Follow PID instead of the chain's first process: the container's
 * init, ours once nsnew --detach has left it to us (a subreaper).
 */
static void
follow(struct launch *l, pid_t pid, struct pollfd *p)
{
	trace("chain: nsnew went; following the container's process %d",
	    (int)pid);
	l->child = pid;
	l->childfd = syscall(SYS_pidfd_open, pid, 0);
	if (l->childfd == -1)
		chain_died(l);	/* gone already: reap it */
	p->fd = l->childfd;
}

/*
 * The first process exited. Under --detach, status 0 means nsnew left
 * the container's init to us: follow it, as soon as its PID is known.
 */
static void
first_exited(struct launch *l, pid_t known, struct pollfd *p)
{
	int status;

	if (!l->detach || l->child != l->first)
		chain_died(l);
	status = wait_child(l->child);
	if (status != 0) {
		l->child = 0;
		chain_ended(l, status);
	}
	close(l->childfd);
	l->childfd = -1;
	l->child = 0;
	p->fd = -1;
	if (known > 0)
		follow(l, known, p);
}

/* The chain closed the socket and conch follows no process: reap any. */
static noreturn void
orphan_died(struct launch *l)
{
	int status;

	while (waitpid(-1, &status, 0) == -1)
		if (errno != EINTR)
			die_sys("wait for the chain");
	chain_ended(l, status_code(status));
}

/* Waits for the message WANT from the chain; the sender's PID. */
pid_t
launch_wait(struct launch *l, const char *want)
{
	struct pollfd p[2] = { { l->sync, POLLIN, 0 },
		{ l->childfd, POLLIN, 0 } };
	char buf[64];
	pid_t pid = 0;
	ssize_t n;

	for (;;) {
		if (p[0].fd == -1 && p[1].fd == -1)
			orphan_died(l);
		if (poll(p, 2, -1) == -1) {
			if (errno != EINTR)
				die_sys("poll the chain");
			interrupt_check();
			continue;
		}
		if (p[0].revents != 0) {
			n = sync_recv(l->sync, buf, sizeof(buf), &pid);
			if (n > 0 && pid > 0 && l->child == 0)
				follow(l, pid, &p[1]);
			if (n > 0 && strcmp(buf, want) == 0 && pid > 0)
				return pid;
			if (n > 0)
				launch_fail(l, "the chain said '%s', not '%s'",
				    buf, want);
			p[0].fd = -1;	/* EOF: the chain is going */
		}
		if (p[1].revents != 0)
			first_exited(l, l->pid, &p[1]);
	}
}

void
launch_go(struct launch *l)
{
	if (sync_send(l->sync, SYNC_GO, false) == -1)
		chain_died(l);
}

/* Ready: nothing to undo any more; conch's ends of the chain close. */
void
launch_done(struct launch *l)
{
	size_t i;

	l->armed = false;
	if (conch_verbose)
		log_copy(l->errfd, false);	/* the chain's steps */
	for (i = 0; i < FD_MAX; i++)
		if (l->fds.fd[i] != -1)
			close(l->fds.fd[i]);
	close(l->sync);
	close(l->errfd);
	close(l->childfd);
}

void
launch_fail(struct launch *l, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->errfd != -1)
		log_copy(l->errfd, false);
	die("%s", msg);
}

int
wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die_sys("wait for %d", (int)pid);
	return status_code(status);
}

/*
 * Waits for PID, forwarding the signals a terminal or a supervisor
 * sends, as nsnew -p does; PID's status, 128+N when killed by N.
 */
int
wait_forwarding(pid_t pid)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
		SIGUSR2, SIGWINCH };
	struct signalfd_siginfo si;
	struct pollfd p[2];
	sigset_t set, old;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < LEN(sigs); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	p[0].fd = signalfd(-1, &set, SFD_CLOEXEC);
	p[1].fd = syscall(SYS_pidfd_open, pid, 0);
	if (p[0].fd == -1 || p[1].fd == -1)
		die_sys("wait for the container");
	p[0].events = p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) == -1 && errno != EINTR)
			die_sys("poll");
		if (p[1].revents != 0)
			break;
		if (p[0].revents != 0 && read(p[0].fd, &si, sizeof(si)) ==
		    sizeof(si))
			kill(pid, (int)si.ssi_signo);
	}
	close(p[0].fd);
	close(p[1].fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return wait_child(pid);
}

void
write_pidfile(const char *path, pid_t pid)
{
	char tmp[PATH_MAX + 16], buf[32];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.conch-tmp", path);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		die_sys("--pid-file %s", path);
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		unlink(tmp);
		die_sys("--pid-file %s", path);
	}
}

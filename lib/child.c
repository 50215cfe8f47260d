/*
 * Fork a child that dies with its parent, and supervise it: forward the
 * signals a terminal or a service manager sends, reap, and exit with the
 * child's status (128+N when it was killed by signal N).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"

static const int forwarded[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
};

static sigset_t saved_mask;

static void
supervised_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < LEN(forwarded); i++)
		sigaddset(set, forwarded[i]);
}

/*
 * The signals are blocked before fork() so that none sent in between is
 * lost: supervise() takes them with sigwaitinfo(). Blocked, they are also
 * queued for a PID 1 that has no handler for them.
 */
pid_t
fork_child(void)
{
	sigset_t set;
	pid_t pid;
	int self;

	supervised_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, &saved_mask) == -1)
		die_sys("sigprocmask");
	/* A pidfd of ourselves tells the child if we died before prctl(). */
	self = syscall(SYS_pidfd_open, getpid(), 0);
	if (self == -1)
		die_sys("pidfd_open(%d)", (int)getpid());
	pid = fork();
	if (pid == -1)
		die_err(errno, errno == ENOMEM ? "out of memory, or a pid "
		    "namespace entered whose PID 1 has exited" : NULL, "fork");
	if (pid == 0) {
		struct pollfd p = { .fd = self, .events = POLLIN };

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			die_sys("prctl(PR_SET_PDEATHSIG)");
		if (poll(&p, 1, 0) != 0)
			_exit(EXIT_TOOL);
		close(self);
		if (sigprocmask(SIG_SETMASK, &saved_mask, NULL) == -1)
			die_sys("sigprocmask");
		return 0;
	}
	close(self);
	trace("fork: child %d", (int)pid);
	return pid;
}

/*
 * A child that outlives us, as an OCI runtime's container outlives
 * `create` and `exec --detach`: once we exit, it is reparented to the
 * nearest subreaper (conch, then conmon or containerd's shim), which
 * reaps it and reads its status, as with runc.
 */
pid_t
fork_detached(void)
{
	pid_t pid = fork();

	if (pid == -1)
		die_err(errno, errno == ENOMEM ? "out of memory, or a pid "
		    "namespace entered whose PID 1 has exited" : NULL, "fork");
	if (pid > 0)
		trace("fork: child %d, not waited for (--detach)", (int)pid);
	return pid;
}

int
status_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/*
 * With reap_all (an init), every orphan handed to us is reaped too; we
 * still exit as soon as our own child does.
 */
void
supervise(pid_t child, bool reap_all)
{
	siginfo_t si;
	sigset_t set;
	pid_t pid;
	int st;

	supervised_set(&set);
	for (;;) {
		if (sigwaitinfo(&set, &si) == -1) {
			if (errno == EINTR)
				continue;
			die_sys("sigwaitinfo");
		}
		/*
		 * A terminal signals our whole foreground process group,
		 * the child with us: forwarding would deliver it twice.
		 */
		if (si.si_signo != SIGCHLD && si.si_code == SI_KERNEL)
			continue;
		if (si.si_signo != SIGCHLD) {
			trace("forward signal %d to %d", si.si_signo, (int)child);
			if (kill(child, si.si_signo) == -1 && errno != ESRCH)
				die_sys("kill(%d, %d)", (int)child, si.si_signo);
			continue;
		}
		while ((pid = waitpid(reap_all ? -1 : child, &st, WNOHANG)) > 0) {
			if (pid != child)
				continue;
			trace("child %d exited with status %d", (int)pid,
			    status_code(st));
			exit(status_code(st));
		}
		if (pid == -1 && (errno != ECHILD || !reap_all))
			die_sys("waitpid(%d)", (int)child);
	}
}

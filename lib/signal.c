/*
 * Interrupts: SIGINT, SIGTERM and SIGHUP make a tool that has made
 * something undo it, as on any other failure.
 *
 * The handler only records the signal: undoing there could run in the
 * middle of a realloc() or a stdio call. It is installed without
 * SA_RESTART, so a blocking call returns EINTR; the caller's retry loop
 * (and its long loops) call interrupt_check(), and die() checks too.
 * Both then say "TOOL: interrupted by SIGINT" and exit(), which runs the
 * tool's undo (an atexit() handler registered after interrupt_catch()),
 * and last of all interrupt_reraise(): the process ends killed by the
 * signal at its default action, as a tool without a handler would, so
 * that the shell sees 128+N and a script or a loop running it stops.
 *
 * Waiting for input goes through interrupt_poll(): the signals stay
 * blocked until ppoll() atomically unblocks them, so one that comes just
 * before the wait is not lost while the tool sleeps.
 *
 * The piece is independent of how a tool keeps its undo list: the
 * handler, the flag and the exit are all there is.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "conch.h"

static const struct {
	int sig;
	const char *name;
} interrupts[] = {
	{ SIGINT, "SIGINT" }, { SIGTERM, "SIGTERM" }, { SIGHUP, "SIGHUP" },
};

static struct sigaction saved[LEN(interrupts)];
static bool catching;		/* our handler is installed */
static volatile sig_atomic_t got;	/* the first signal that came */

static void
on_interrupt(int sig)
{
	if (got == 0)
		got = sig;
}

static void
interrupt_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < LEN(interrupts); i++)
		sigaddset(set, interrupts[i].sig);
}

/* atexit: after the undo, die of the signal that interrupted us. */
static void
interrupt_reraise(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int sig = got;
	sigset_t set;

	if (sig == 0)
		return;
	sigemptyset(&dfl.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigaction(sig, &dfl, NULL) == 0 &&
	    sigprocmask(SIG_UNBLOCK, &set, NULL) == 0)
		raise(sig);
	/* Still here: PID 1 of a PID namespace ignores its own default
	 * signals. exit() goes on with 125. */
}

/*
 * A signal that is ignored (nohup, a background job's SIGINT) stays
 * ignored, for us and for PROG. Call this before atexit(undo), so that
 * the undo runs before the signal is raised again (lib/undo.c calls it
 * first). A second call while catching does nothing.
 */
void
interrupt_catch(void)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	static bool registered;
	size_t i;

	if (catching)
		return;
	sigemptyset(&sa.sa_mask);	/* and no SA_RESTART: EINTR */
	if (!registered && atexit(interrupt_reraise) != 0)
		die("atexit: cannot register the interrupt exit");
	registered = true;
	for (i = 0; i < LEN(interrupts); i++) {
		if (sigaction(interrupts[i].sig, NULL, &saved[i]) == -1)
			die_sys("sigaction(%s)", interrupts[i].name);
		if (saved[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(interrupts[i].sig, &sa, NULL) == -1)
			die_sys("sigaction(%s)", interrupts[i].name);
	}
	catching = true;
}

int
interrupted(void)
{
	return got;
}

void
interrupt_die(void)
{
	size_t i;

	for (i = 0; i < LEN(interrupts); i++)
		if (interrupts[i].sig == got)
			warnm("interrupted by %s", interrupts[i].name);
	exit(EXIT_TOOL);
}

void
interrupt_check(void)
{
	if (got != 0)
		interrupt_die();
}

/*
 * poll(2) on one descriptor, which a SIGINT, SIGTERM or SIGHUP always
 * ends, however close to the call it came: then we die. TIMEOUT_MS < 0
 * waits for ever. Returns what poll() does, -1 with EINTR for another
 * signal.
 */
int
interrupt_poll(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts, *tp = NULL;
	sigset_t set, old;
	int r, err;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	interrupt_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
		die_sys("sigprocmask");
	if (got != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		interrupt_die();
	}
	r = ppoll(&p, 1, tp, &old);
	err = errno;
	if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
		die_sys("sigprocmask");
	interrupt_check();
	errno = err;
	return r;
}

/*
 * The work is done and kept: a last check, then the signals act as they
 * did before interrupt_catch(). One that comes meanwhile waits, blocked,
 * and then acts so: the process ends, with what it made kept.
 */
void
interrupt_end(void)
{
	sigset_t set, old, pending;
	size_t i;

	if (!catching)
		return;
	interrupt_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1 ||
	    sigpending(&pending) == -1)
		die_sys("sigprocmask");
	/* One that came as we blocked them is handled, and counts. */
	for (i = 0; i < LEN(interrupts); i++)
		if (sigismember(&pending, interrupts[i].sig) &&
		    !sigismember(&old, interrupts[i].sig))
			sigprocmask(SIG_SETMASK, &old, NULL);
	if (got != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		interrupt_die();
	}
	for (i = 0; i < LEN(interrupts); i++)
		if (sigaction(interrupts[i].sig, &saved[i], NULL) == -1)
			die_sys("sigaction(%s)", interrupts[i].name);
	catching = false;
	if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
		die_sys("sigprocmask");
}

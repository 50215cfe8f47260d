/*
 * The commands on a container that exists: state, kill, delete, pause,
 * resume, ps, list. Each finds the container's process by its PID and
 * start time (state.c), never by a PID alone, and signals it through a
 * pidfd.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

#define MAXPIDS 65536

int
cmd_state(const struct global *g, int argc, char **argv)
{
	struct state st;
	char *json;

	if (argc != 2)
		die("state: expected one container ID (see conch --help)");
	state_open(g->root, argv[1], &st);
	json = state_json(&st, state_status(&st));
	puts(json);
	free(json);
	state_close(&st);
	return fflush(stdout) == 0 ? 0 : EXIT_TOOL;
}

/* KILL, SIGKILL, kill or 9. */
int
parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
		{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
		{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
		{ "SYS", SIGSYS },
	};
	unsigned long n;
	size_t i;

	if (parse_ulong(s, SIGRTMAX, &n) == 0 && n > 0)
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < LEN(sigs); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	die("kill: unknown signal '%s'", s);
}

static void
signal_all(const struct state *st, int sig)
{
	static pid_t pids[MAXPIDS];
	size_t i, n = container_pids(st, pids, MAXPIDS);

	for (i = 0; i < n; i++)
		if (kill(pids[i], sig) == -1 && errno != ESRCH)
			die_sys("kill %d", (int)pids[i]);
}

int
cmd_kill(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st;
	int c, sig = SIGTERM, fd;
	bool all = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":a", longopts, NULL)) != -1) {
		if (c != 'a')
			die_usage(c, argv);
		all = true;
	}
	if (optind == argc || argc - optind > 2)
		die("kill: expected ID [SIGNAL] (see conch --help)");
	if (argc - optind == 2)
		sig = parse_signal(argv[optind + 1]);
	state_open(g->root, argv[optind], &st);
	fd = state_pidfd(&st);
	if (fd == -1)
		die("container %s is not running", st.id);
	trace("kill %s%s with signal %d", all ? "every process of " : "",
	    st.id, sig);
	if (all)
		signal_all(&st, sig);
	else if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == -1)
		die_sys("kill %d", (int)st.pid);
	close(fd);
	state_close(&st);
	return 0;
}

/* Waits up to 10 s for the process of FD to end. */
static void
wait_gone(int fd, const char *id)
{
	struct pollfd p = { fd, POLLIN, 0 };

	while (poll(&p, 1, 10000) == -1)
		if (errno != EINTR)
			die_sys("poll");
	if (p.revents == 0)
		die("container %s: its process did not end in 10 s", id);
}

/* After the end: poststop hooks, the cgroup, the state directory. */
void
container_cleanup(const struct global *g, struct state *st)
{
	json_t *config = state_config(st);
	char *state = state_json(st, ST_STOPPED);

	hooks_run(json_object_get(config, "hooks"), HOOK_POSTSTOP, state,
	    false);
	free(state);
	json_decref(config);
	cgroup_remove(g, st);
	state_remove(st);
}

int
cmd_delete(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX];
	struct state st;
	bool force = false;
	enum status s;
	int c, fd;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":f", longopts, NULL)) != -1) {
		if (c != 'f')
			die_usage(c, argv);
		force = true;
	}
	if (optind + 1 != argc)
		die("delete: expected one container ID (see conch --help)");
	id_check(argv[optind]);
	snprintf(dir, sizeof(dir), "%s/%s", g->root, argv[optind]);
	if (force && access(dir, F_OK) == -1 && errno == ENOENT)
		return 0;
	state_open(g->root, argv[optind], &st);
	s = state_status(&st);
	if ((s == ST_RUNNING || s == ST_PAUSED) && !force)
		die("cannot delete container %s that is not stopped: %s",
		    st.id, status_names[s]);
	if (s != ST_STOPPED && (fd = state_pidfd(&st)) != -1) {
		signal_all(&st, SIGKILL);
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		wait_gone(fd, st.id);
		close(fd);
	}
	container_cleanup(g, &st);
	state_close(&st);
	return 0;
}

static int
pause_resume(const struct global *g, int argc, char **argv, bool frozen)
{
	struct state st;
	enum status s;
	int rc;

	if (argc != 2)
		die("%s: expected one container ID (see conch --help)",
		    argv[0]);
	state_open(g->root, argv[1], &st);
	s = state_status(&st);
	if (s != (frozen ? ST_RUNNING : ST_PAUSED))
		die("cannot %s container %s: it is %s", argv[0], st.id,
		    status_names[s]);
	if (st.cgroup[0] == '\0')
		die("cannot %s container %s: it has no cgroup", argv[0], st.id);
	rc = cgroup_freeze(g, st.cgroup, frozen);
	state_close(&st);
	return rc == 0 ? 0 : EXIT_TOOL;
}

int
cmd_pause(const struct global *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, true);
}

int
cmd_resume(const struct global *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, false);
}

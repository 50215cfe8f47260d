/*
 * create, start and run, as the runtime spec orders them.
 *
 * create reads the bundle (every field checked before anything is
 * made), makes the state directory, starts the chain, and when conch
 * setup reports the namespaces, records the container's PID and runs
 * the prestart and createRuntime hooks; when conch init reports ready,
 * PROG has been found and all setup is done: create writes the pid file
 * and returns, while init waits on exec.fifo. start opens the FIFO,
 * which lets init go on, and runs the poststart hooks. run is both, and
 * waits for the container, then deletes it (or returns, with --detach).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

struct createopts {
	const char *id, *bundle, *pidfile, *console;
	int preserve;
	bool detach, no_keyring, run;
};

static const char usage_create[] =
"Usage: conch create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET]\n"
"       [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n";

static void
create_args(int argc, char **argv, struct createopts *o)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "no-pivot", no_argument, NULL, 'N' },
		{ "no-new-keyring", no_argument, NULL, 'K' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "detach", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":b:dh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case 'P': o->pidfile = optarg; break;
		case 'c': o->console = optarg; break;
		case 'N': break;	/* pivot falls back by itself */
		case 'K': o->no_keyring = true; break;
		case 'f':
			if (parse_ulong(optarg, 1024, &n) == -1)
				die("--preserve-fds '%s': not a number up to "
				    "1024", optarg);
			o->preserve = (int)n;
			break;
		case 'd':
			if (!o->run)
				die_usage('?', argv);
			o->detach = true;
			break;
		case 'h': common_option(c, argv, usage_create); break;
		default: die_usage(c, argv);
		}
	}
	if (optind + 1 != argc)
		die("%s: expected one container ID (see conch --help)", argv[0]);
	o->id = argv[optind];
}

/* The bundle, read and checked whole, and its cgroup resolved. */
static void
bundle_read(const struct global *g, const struct createopts *o,
    struct chain *c, struct state *st)
{
	config_load(o->bundle != NULL ? o->bundle : ".", c);
	c->keyring = o->no_keyring ? NULL : o->id;
	config_read(c, true);
	if (c->terminal && o->console == NULL && !o->run)
		die("process.terminal: the terminal's master needs "
		    "--console-socket");
	if (c->terminal && o->console == NULL)
		die("process.terminal: conch run needs --console-socket too");
	if (!c->terminal && o->console != NULL)
		die("--console-socket without process.terminal: there is no "
		    "terminal to send");
	config_cgroup(c, o->id, g->no_cgroup);
	memset(st, 0, sizeof(*st));
	if (c->cgroup[0] != '\0') {
		cgroup_abs(c->cgroup, st->cgroup, sizeof(st->cgroup),
		    st->cgroup_top, sizeof(st->cgroup_top));
		snprintf(c->cgroup, sizeof(c->cgroup), "%s", st->cgroup);
	}
}

int
memfd_text(const char *name, const char *text)
{
	size_t len = strlen(text);
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd == -1 || write(fd, text, len) != (ssize_t)len)
		die_sys("memfd_create for %s", name);
	return fd;
}

/* The descriptors the chain takes: exec.fifo, console, seccomp, info. */
static void
chain_fds(const struct global *g, const struct createopts *o,
    const struct chain *c, struct state *st, struct launch *l)
{
	char fifo[PATH_MAX + 16], *text;

	if (!o->run) {
		snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
		if (mkfifo(fifo, 0600) == -1 || chmod(fifo, 0622) == -1)
			die_sys("mkfifo %s", fifo);
		l->fds.fd[FD_FIFO] = open(fifo, O_PATH | O_CLOEXEC);
		if (l->fds.fd[FD_FIFO] == -1)
			die_sys("open %s", fifo);
	}
	if (o->console != NULL)
		launch_console(l, o->console);
	if (c->seccomp != NULL) {
		text = json_dumps(c->seccomp, JSON_COMPACT);
		if (text == NULL)
			die("linux.seccomp: cannot write it out");
		l->fds.fd[FD_SECCOMP] = memfd_text("conch-seccomp", text);
		free(text);
	}
	if (json_object_get(c->hooks, "createContainer") != NULL ||
	    json_object_get(c->hooks, "startContainer") != NULL)
		l->fds.fd[FD_INFO] = memfd_text("conch-info", "");
	chain_carry(g, c, &l->fds);
}

/* The state the hooks read, with the hooks the chain runs, for FD_INFO. */
static void
info_write(int fd, const struct chain *c, const char *state)
{
	json_t *o = json_pack("{s:s,s:O}", "state", state, "hooks", c->hooks);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t len;

	if (text == NULL)
		die("cannot write the container's state for its hooks");
	len = strlen(text);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, len, 0) !=
	    (ssize_t)len)
		die_sys("write the container's state for its hooks");
	free(text);
	json_decref(o);
}

/* Once the namespaces exist: the PID, the state, the runtime's hooks. */
static void
namespaces_made(struct launch *l, const struct chain *c, struct state *st)
{
	char *state;

	st->pid = launch_wait(l, SYNC_NS);
	l->pid = st->pid;
	if (proc_start_time(st->pid, &st->start) == -1)
		launch_fail(l, "the container's process %d is gone",
		    (int)st->pid);
	state_save(st);
	state = state_json(st, ST_CREATING);
	if (l->fds.fd[FD_INFO] != -1)
		info_write(l->fds.fd[FD_INFO], c, state);
	if (hooks_run(c->hooks, HOOK_PRESTART, state, false) == -1)
		launch_fail(l, "a prestart hook failed: the container is not "
		    "made");
	if (hooks_run(c->hooks, HOOK_CREATE_RUNTIME, state, false) == -1)
		launch_fail(l, "a createRuntime hook failed: the container is "
		    "not made");
	free(state);
	launch_go(l);
}

/* Everything create does, up to a container whose init is ready. */
static void
container_make(const struct global *g, const struct createopts *o,
    struct chain *c, struct state *st, struct launch *l)
{
	struct strv argv = { NULL, 0, 0 };
	char copy[PATH_MAX + 16];

	id_check(o->id);
	bundle_read(g, o, c, st);
	state_root(g->root);
	launch_init(l, g, o->preserve);
	if (state_new(g->root, o->id, st) == -1) {
		l->armed = false;
		if (errno == EEXIST)
			die("container %s already exists", o->id);
		die_sys("make %s/%s", g->root, o->id);
	}
	l->st = st;
	snprintf(st->bundle, sizeof(st->bundle), "%s", c->bundle);
	snprintf(st->rootfs, sizeof(st->rootfs), "%s", c->rootfs);
	st->annotations = json_incref(c->annotations);
	state_save(st);
	snprintf(copy, sizeof(copy), "%s/config.json", st->dir);
	if (json_write(c->config, copy) == -1)
		die_sys("write %s", copy);
	/*
	 * Detached, the container's init must outlive us as runc's does:
	 * nsnew leaves it to us, and we to the caller's subreaper (conmon,
	 * containerd's shim), which reaps it and reads its status.
	 */
	c->detach = l->detach = !o->run || o->detach;
	if (l->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		die_sys("prctl(PR_SET_CHILD_SUBREAPER)");
	chain_fds(g, o, c, st, l);
	chain_argv(g, c, &l->fds, &argv);
	launch_start(l, argv.v);
	strv_free(&argv);
	namespaces_made(l, c, st);
	if (launch_wait(l, SYNC_READY) != st->pid)
		launch_fail(l, "the container's last step is not its init");
	if (o->pidfile != NULL)
		write_pidfile(o->pidfile, st->pid);
}

int
cmd_create(const struct global *g, int argc, char **argv)
{
	static struct createopts o;
	static struct chain c;
	static struct state st;
	static struct launch l;

	create_args(argc, argv, &o);
	container_make(g, &o, &c, &st, &l);
	launch_done(&l);
	state_close(&st);
	return 0;
}

/* exec.fifo opened: init goes on; then the poststart hooks. */
static void
container_start(struct state *st, json_t *hooks)
{
	char fifo[PATH_MAX + 16], byte, *state;
	struct pollfd p[2] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };

	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
	/* The pidfd first: once the FIFO is open, PROG may be gone. */
	p[1].fd = state_pidfd(st);
	p[0].fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (p[0].fd == -1)
		die_sys("open %s", fifo);
	while (p[1].fd != -1 && poll(p, 2, -1) == -1)
		if (errno != EINTR)
			die_sys("poll %s", fifo);
	/*
	 * The byte first: a PROG that exits at once (sh -c 'exit 7') has
	 * its pidfd ready too by the time poll returns, yet it started.
	 */
	if (p[1].fd == -1 || read(p[0].fd, &byte, 1) != 1)
		die("cannot start container %s: its process has ended", st->id);
	close(p[0].fd);
	close(p[1].fd);
	if (unlink(fifo) == -1)
		die_sys("remove %s", fifo);
	state = state_json(st, ST_RUNNING);
	hooks_run(hooks, HOOK_POSTSTART, state, false);
	free(state);
}

int
cmd_start(const struct global *g, int argc, char **argv)
{
	struct state st;
	enum status s;
	json_t *config;

	if (argc != 2)
		die("start: expected one container ID (see conch --help)");
	state_open(g->root, argv[1], &st);
	s = state_status(&st);
	if (s != ST_CREATED)
		die("cannot start container %s: it is %s, not created",
		    st.id, status_names[s]);
	config = state_config(&st);
	container_start(&st, json_object_get(config, "hooks"));
	json_decref(config);
	state_close(&st);
	return 0;
}

int
cmd_run(const struct global *g, int argc, char **argv)
{
	static struct createopts o = { .run = true };
	static struct chain c;
	static struct state st;
	static struct launch l;
	char *state;
	int status;

	create_args(argc, argv, &o);
	container_make(g, &o, &c, &st, &l);
	state = state_json(&st, ST_RUNNING);
	hooks_run(c.hooks, HOOK_POSTSTART, state, false);
	free(state);
	if (o.detach) {
		launch_done(&l);
		return 0;
	}
	l.armed = false;
	status = wait_forwarding(l.child);
	l.child = 0;
	launch_done(&l);
	container_cleanup(g, &st);
	return status;
}

/*
 * cgput: move into a cgroup (v2), then run PROG; or move other
 * processes there with -p. One write to cgroup.procs each: the work is
 * the kernel's, the explaining of its refusals is ours.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"

static const char usage[] =
"Usage: cgput [OPTION]... CGROUP [PROG [ARG]...]\n"
"       cgput [OPTION]... -p PID [-p PID]... CGROUP [PROG [ARG]...]\n"
"Move this process into the cgroup v2 CGROUP, then run PROG (default\n"
"$SHELL); with -p, move the processes PID instead, then run PROG or exit.\n"
"\n"
"  -p, --pid PID      move process PID (repeatable), not this process\n"
"      --root DIR     the cgroup2 root (default: from mountinfo)\n"
"  -v, --verbose      print each step\n"
"  -h, --help         print this help\n"
"  -V, --version      print the version\n"
"\n"
"CGROUP is absolute from the cgroup2 root (/box), or relative to this\n"
"process's own cgroup (box).\n";

#define MAXPIDS 256

struct opts {
	pid_t pids[MAXPIDS];	/* -p, in order */
	size_t npids;
	const char *root;	/* --root, or NULL */
	const char *cgroup;
	char **prog;
};

/* The cgroup moved into: its file system, path and descriptor. */
struct target {
	struct cgroupfs fs;
	char rel[PATH_MAX];	/* from the cgroup2 root */
	char path[PATH_MAX];	/* for messages */
	int fd;			/* O_PATH */
};

/* The deepest cgroup that holds both a and b (relative paths). */
static void
cgroup_common(const char *a, const char *b, char *out, size_t size)
{
	size_t i, last = 0;

	for (i = 0; a[i] != '\0' && a[i] == b[i]; i++)
		if (a[i] == '/')
			last = i;
	if ((a[i] == '\0' || a[i] == '/') && (b[i] == '\0' || b[i] == '/'))
		last = i;
	if (last >= size)
		last = size - 1;
	memcpy(out, a, last);
	out[last] = '\0';
}

/* Why the kernel refused to move PID (0: us) into T. */
static const char *
move_hint(const struct target *t, int err, pid_t pid, char *hint,
    size_t size)
{
	const char *rel = t->rel;
	int fd = t->fd;
	char from[PATH_MAX], abs[PATH_MAX], common[PATH_MAX], path[PATH_MAX];
	char buf[256] = "";
	int known;

	known = cgroup_of_pid(&t->fs, pid, from, sizeof(from), abs,
	    sizeof(abs)) == 0;
	if (known) {
		cgroup_common(from, rel, common, sizeof(common));
		cgroup_path(&t->fs, common, path, sizeof(path));
	}
	switch (err) {
	case ESRCH:
		return "it exited, or is not in this PID namespace";
	case EBUSY:
		read_fileat(fd, "cgroup.subtree_control", buf, sizeof(buf));
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(hint, size, "it enables controllers for its children "
		    "(%s), and then it may hold no processes: use a child "
		    "cgroup", buf);
		return hint;
	case EOPNOTSUPP:
		read_fileat(fd, "cgroup.type", buf, sizeof(buf));
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, "domain invalid") == 0)
			return "it is 'domain invalid', below a threaded "
			    "domain: make it threaded (cgroup.type=threaded)";
		return NULL;
	case EINVAL:
		return pid != 0 ? "a kernel thread, or exiting" : NULL;
	case EACCES:
	case EPERM:
		if (!known)
			return "moving needs write access to cgroup.procs here "
			    "and in the common ancestor of both cgroups";
		snprintf(hint, size, "moving from %s needs write access to "
		    "cgroup.procs here and in %s, the common ancestor: run as "
		    "root, or let root move it into your delegated subtree "
		    "first", abs, path);
		return hint;
	case ENOENT:
		if (!known)
			return "the cgroup is gone, or the common ancestor is "
			    "outside this cgroup namespace";
		snprintf(hint, size, "the cgroup is gone, or the common "
		    "ancestor %s is outside this cgroup namespace (nsdelegate)",
		    path);
		return hint;
	}
	return NULL;
}

static int
move(int fd, pid_t pid)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_fileat(fd, "cgroup.procs", buf);
}

static noreturn void
die_move(const struct target *t, int err, pid_t pid)
{
	char hint[3 * PATH_MAX];

	die_err(err, move_hint(t, err, pid, hint, sizeof(hint)),
	    "move %d to %s", pid != 0 ? (int)pid : (int)getpid(), t->path);
}

/* Where a PID was, to be moved back there if the rest cannot move. */
struct moved {
	const struct cgroupfs *fs;
	pid_t pid;
	bool known;		/* its cgroup is under fs */
	char from[PATH_MAX];	/* that cgroup, from fs's root */
};

static int
move_back(const void *data)
{
	const struct moved *m = data;
	int back, r, err;

	if (!m->known) {
		warnm("undo: cannot move %d back: its cgroup is not under %s",
		    (int)m->pid, m->fs->dir);
		return 0;
	}
	back = cgroup_open(m->fs, m->from);
	if (back == -1)
		return -1;
	r = move(back, m->pid);
	err = errno;
	close(back);
	errno = err;
	return r;
}

/*
 * All of them move, or none: each PID moved goes into the undo log, so
 * that a refusal half way, or a SIGINT, SIGTERM or SIGHUP, moves the
 * ones already moved back.
 */
static void
move_pids(const struct target *t, const pid_t *pids, size_t n)
{
	static struct moved m[MAXPIDS];
	char abs[PATH_MAX], path[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		m[i] = (struct moved){ .fs = &t->fs, .pid = pids[i] };
		m[i].known = cgroup_of_pid(&t->fs, pids[i], m[i].from,
		    sizeof(m[i].from), abs, sizeof(abs)) == 0;
		if (!m[i].known && errno != EXDEV)
			die_move(t, errno == ENOENT ? ESRCH : errno, pids[i]);
	}
	for (i = 0; i < n; i++) {
		trace("move %d to %s/%s", (int)pids[i], t->fs.dir, t->rel);
		if (move(t->fd, pids[i]) == -1)
			die_move(t, errno, pids[i]);
		cgroup_path(&t->fs, m[i].from, path, sizeof(path));
		undo_push(move_back, &m[i], sizeof(m[i]), "move %d back%s%s",
		    (int)pids[i], m[i].known ? " to " : "",
		    m[i].known ? path : "");
		interrupt_check();
	}
	undo_commit();
}

static const struct option longopts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "root", required_argument, NULL, 'R' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long pid;
	int c;

	o->npids = 0;
	o->root = NULL;
	while ((c = getopt_long(argc, argv, "+:p:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ulong(optarg, INT_MAX, &pid) == -1 ||
			    pid == 0)
				die("-p '%s': not a PID", optarg);
			if (o->npids == MAXPIDS)
				die("more than %d PIDs", MAXPIDS);
			o->pids[o->npids++] = pid;
			break;
		case 'R':
			o->root = optarg;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (optind == argc)
		die("missing CGROUP (see cgput --help)");
	o->cgroup = argv[optind];
	o->prog = argv + optind + 1;
}

/* CGROUP, found in the cgroup2 file system (or --root), and opened. */
static void
target_open(struct target *t, const struct opts *o)
{
	cgroupfs_open(&t->fs, o->root);
	cgroup_resolve(&t->fs, o->cgroup, t->rel, sizeof(t->rel));
	t->fd = cgroup_xopen(&t->fs, t->rel);
	cgroup_path(&t->fs, t->rel, t->path, sizeof(t->path));
}

static void
move_self(const struct target *t)
{
	trace("move %d to %s", (int)getpid(), t->path);
	if (write_fileat(t->fd, "cgroup.procs", "0") == -1)
		die_move(t, errno, 0);
}

int
main(int argc, char **argv)
{
	static struct opts o;	/* MAXPIDS of them */
	static struct target t;

	conch_init("cgput");
	interrupt_catch();
	parse_args(argc, argv, &o);
	target_open(&t, &o);
	if (o.npids > 0) {
		move_pids(&t, o.pids, o.npids);
		if (o.prog[0] == NULL)
			return 0;
	} else {
		move_self(&t);
	}
	close(t.fd);
	exec_prog(o.prog, NULL);
}

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

static struct cgroupfs fs;

/* Why the kernel refused to move PID (0: us) into REL. */
static const char *
move_hint(int err, pid_t pid, const char *rel, int fd, char *hint,
    size_t size)
{
	char from[PATH_MAX], abs[PATH_MAX], common[PATH_MAX], path[PATH_MAX];
	char buf[256] = "";
	int known;

	known = cgroup_of_pid(&fs, pid, from, sizeof(from), abs,
	    sizeof(abs)) == 0;
	if (known) {
		cgroup_common(from, rel, common, sizeof(common));
		cgroup_path(&fs, common, path, sizeof(path));
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
die_move(int err, pid_t pid, const char *rel, int fd)
{
	char path[PATH_MAX], hint[3 * PATH_MAX];

	cgroup_path(&fs, rel, path, sizeof(path));
	die_err(err, move_hint(err, pid, rel, fd, hint, sizeof(hint)),
	    "move %d to %s", pid != 0 ? (int)pid : (int)getpid(), path);
}

/*
 * Where each PID was, so that a refusal half way, or a SIGINT, SIGTERM or
 * SIGHUP, moves the ones already moved back: all of them move, or none.
 */
static void
move_pids(int fd, const char *rel, const pid_t *pids, size_t n)
{
	static char from[MAXPIDS][PATH_MAX];
	static int known[MAXPIDS];
	char abs[PATH_MAX], path[PATH_MAX];
	size_t i, failed;
	int err, back;
	bool moved;

	for (i = 0; i < n; i++) {
		known[i] = cgroup_of_pid(&fs, pids[i], from[i],
		    sizeof(from[i]), abs, sizeof(abs)) == 0;
		if (!known[i] && errno != EXDEV)
			die_move(errno == ENOENT ? ESRCH : errno, pids[i], rel,
			    fd);
	}
	for (i = 0; i < n; i++) {
		trace("move %d to %s/%s", (int)pids[i], fs.dir, rel);
		moved = move(fd, pids[i]) == 0;
		if (moved && !interrupted())
			continue;
		err = errno;
		failed = i;
		if (moved)
			i++;	/* interrupted: this one goes back too */
		while (i-- > 0) {
			if (!known[i]) {
				warnm("undo: cannot move %d back: its cgroup "
				    "is not under %s", (int)pids[i], fs.dir);
				continue;
			}
			cgroup_path(&fs, from[i], path, sizeof(path));
			trace("undo: move %d back to %s", (int)pids[i], path);
			back = cgroup_open(&fs, from[i]);
			if (back == -1 || move(back, pids[i]) == -1)
				warn_err(errno, NULL, "undo: move %d back to %s",
				    (int)pids[i], path);
			if (back != -1)
				close(back);
		}
		die_move(err, pids[failed], rel, fd);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static pid_t pids[MAXPIDS];
	char rel[PATH_MAX];
	const char *root = NULL;
	unsigned long pid;
	size_t npids = 0;
	char path[PATH_MAX];
	int c, fd;

	conch_init("cgput");
	interrupt_catch();
	while ((c = getopt_long(argc, argv, "+:p:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_ulong(optarg, INT_MAX, &pid) == -1 || pid == 0)
				die("-p '%s': not a PID", optarg);
			if (npids == MAXPIDS)
				die("more than %d PIDs", MAXPIDS);
			pids[npids++] = pid;
			break;
		case 'R':
			root = optarg;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (optind == argc)
		die("missing CGROUP (see cgput --help)");

	cgroupfs_open(&fs, root);
	cgroup_resolve(&fs, argv[optind], rel, sizeof(rel));
	fd = cgroup_xopen(&fs, rel);
	cgroup_path(&fs, rel, path, sizeof(path));
	if (npids > 0) {
		move_pids(fd, rel, pids, npids);
		interrupt_end();
		if (optind + 1 == argc)
			return 0;
	} else {
		trace("move %d to %s", (int)getpid(), path);
		if (write_fileat(fd, "cgroup.procs", "0") == -1)
			die_move(errno, 0, rel, fd);
	}
	close(fd);
	exec_prog(argv + optind + 1, NULL);
}

/*
 * cgmake --delete: everything in the cgroup and below killed (with
 * cgroup.kill, else frozen and killed thread by thread), then the
 * cgroups removed, children first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgmake.h"

/* The child cgroup NAME of FD (at PATH), its path in SUB (PATH_MAX). */
static int
open_child(int fd, const char *path, const char *name, char *sub)
{
	int cfd;

	snprintf(sub, PATH_MAX, "%s/%s", path, name);
	cfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd == -1)
		die_sys("open %s", sub);
	return cfd;
}

/* SIGKILL to every thread of CGROUP and below: their processes die. */
static void
kill_every(int fd, const char *path)
{
	char **subs, *threads, *rest, *tid, sub[PATH_MAX];
	unsigned long id;
	size_t i, n;
	int cfd;

	threads = read_text(fd, "cgroup.threads");
	if (threads == NULL)
		die_sys("read %s/cgroup.threads", path);
	for (rest = threads; (tid = strsep(&rest, "\n")) != NULL; ) {
		if (parse_ulong(tid, INT_MAX, &id) == -1)
			continue;
		trace("kill %lu", id);
		if (kill((pid_t)id, SIGKILL) == -1 && errno != ESRCH)
			die_sys("kill %lu in %s", id, path);
	}
	free(threads);
	n = list_files(fd, path, &subs, DT_DIR);
	for (i = 0; i < n; i++) {
		cfd = open_child(fd, path, subs[i], sub);
		kill_every(cfd, sub);
		close(cfd);
	}
	free_list(subs, n);
}

/*
 * cgroup.kill (Linux 5.14) kills the subtree at once, forks included.
 * Without it: freeze, so that nothing forks while the list is read,
 * kill every process, thaw, so that they see the signal and die.
 */
static void
kill_tree(int fd, const char *path, int timeout_ms)
{
	const char *knob = getenv("CONCH_CGMAKE_FREEZE_KILL");

	if (knob == NULL || strcmp(knob, "1") != 0) {
		trace("write %s/cgroup.kill: 1", path);
		if (write_fileat(fd, "cgroup.kill", "1") == 0)
			return;
		if (errno != ENOENT)
			die_sys("delete %s: write cgroup.kill", path);
	}
	trace("no cgroup.kill: freeze %s, kill every process, thaw", path);
	if (write_fileat(fd, "cgroup.freeze", "1") == -1)
		die_sys("delete %s: write cgroup.freeze", path);
	if (wait_events(fd, "frozen", "1", timeout_ms) == -1)
		die_sys("delete %s: wait until frozen", path);
	kill_every(fd, path);
	if (write_fileat(fd, "cgroup.freeze", "0") == -1)
		die_sys("delete %s: write cgroup.freeze", path);
}

/* Children first: a cgroup with children cannot be removed. */
static void
remove_below(int fd, const char *path)
{
	char **subs, sub[PATH_MAX];
	size_t i, n;
	int cfd;

	n = list_files(fd, path, &subs, DT_DIR);
	for (i = 0; i < n; i++) {
		cfd = open_child(fd, path, subs[i], sub);
		remove_below(cfd, sub);
		close(cfd);
		trace("rmdir %s", sub);
		if (unlinkat(fd, subs[i], AT_REMOVEDIR) == -1)
			die_err(errno, errno == EBUSY ? "something made a new "
			    "cgroup or process in it meanwhile" : NULL,
			    "delete %s: remove %s", path, sub);
	}
	free_list(subs, n);
}

void
delete(const struct target *t, int timeout_ms)
{
	char abs[PATH_MAX];
	int fd;

	if (t->rel[0] == '\0')
		die("delete %s: the cgroup2 root cannot be removed", t->path);
	if (holds_self(t, t->rel, abs, sizeof(abs)))
		die("delete %s: this process is inside it (in %s)", t->path,
		    abs);
	fd = cgroup_xopen(&t->fs, t->rel);
	kill_tree(fd, t->path, timeout_ms);
	if (wait_events(fd, "populated", "0", timeout_ms) == -1) {
		if (errno == ETIMEDOUT)
			die("delete %s: still populated after %d ms (a process "
			    "stuck in the kernel? see its cgroup.procs)",
			    t->path, timeout_ms);
		die_sys("delete %s: read cgroup.events", t->path);
	}
	remove_below(fd, t->path);
	close(fd);
	trace("rmdir %s", t->path);
	if (unlinkat(t->fs.fd, t->rel, AT_REMOVEDIR) == -1)
		die_err(errno, errno == EBUSY ? "something made a new cgroup "
		    "or process in it meanwhile" : NULL, "delete %s", t->path);
}

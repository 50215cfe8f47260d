/*
 * The container's cgroup, after the chain made it: its absolute path
 * (kept in the state, so that a later command from another cgroup finds
 * it), the part of it conch made (removed again by delete, and by a
 * create that fails), pause and resume through cgmake(1) and
 * cgroup.freeze, and the processes in it for ps and kill --all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

/*
 * ARG (absolute from the cgroup2 root, or relative to our own cgroup)
 * as an absolute path; TOP gets the first of its components that does
 * not exist yet, which cgmake will make, or "" when it all exists.
 */
void
cgroup_abs(const char *arg, char *abs, size_t size, char *top,
    size_t top_size)
{
	struct cgroupfs fs;
	char rel[PATH_MAX];
	size_t i;

	cgroupfs_open(&fs, NULL);
	cgroup_resolve(&fs, arg, rel, sizeof(rel));
	close(fs.fd);
	snprintf(abs, size, "/%s", rel);
	top[0] = '\0';
	for (i = 1; ; i++) {
		if (abs[i] != '/' && abs[i] != '\0')
			continue;
		snprintf(top, top_size, "%.*s", (int)i, abs);
		if (cgroup_dir_exists(top) == 0)
			break;
		if (abs[i] == '\0') {
			top[0] = '\0';
			return;
		}
	}
}

/* The directory of the absolute cgroup CG, in the cgroup2 mount. */
static void
cgroup_dir(const char *cg, char *buf, size_t size)
{
	struct cgroupfs fs;

	cgroupfs_open(&fs, NULL);
	close(fs.fd);
	if ((size_t)snprintf(buf, size, "%s%s", fs.dir, cg) >= size)
		die("cgroup %s: path too long", cg);
}

int
cgroup_dir_exists(const char *cg)
{
	char dir[PATH_MAX];

	cgroup_dir(cg, dir, sizeof(dir));
	return access(dir, F_OK) == 0 ? 1 : 0;
}

/*
 * cgmake -d on the container's cgroup when conch made it (it kills what
 * is left there), then the parents conch made, up to cgroup_top.
 */
void
cgroup_remove(const struct global *g, const struct state *st)
{
	char *argv[] = { "cgmake", "-d", (char *)st->cgroup, NULL };
	char dir[PATH_MAX], path[PATH_MAX];
	size_t n = strlen(st->cgroup_top);
	char *slash;

	if (st->cgroup_top[0] == '\0')
		return;
	/* Empty (the container's processes are gone), it just goes. */
	cgroup_dir(st->cgroup, dir, sizeof(dir));
	if (rmdir(dir) == -1 && errno != ENOENT && run_tool(g, argv) != 0)
		return;
	snprintf(path, sizeof(path), "%s", st->cgroup);
	while ((slash = strrchr(path, '/')) != NULL && strlen(path) > n) {
		*slash = '\0';
		if (strlen(path) < n)
			break;
		cgroup_dir(path, dir, sizeof(dir));
		if (rmdir(dir) == -1 && errno != ENOENT) {
			warn_err(errno, NULL, "remove the cgroup %s", dir);
			return;
		}
	}
}

int
cgroup_freeze(const struct global *g, const char *cgroup, bool frozen)
{
	char *argv[] = { "cgmake", (char *)cgroup, frozen ?
	    "cgroup.freeze=1" : "cgroup.freeze=0", NULL };

	return run_tool(g, argv);
}

bool
cgroup_frozen(const char *cgroup)
{
	char dir[PATH_MAX + 16], buf[256];

	cgroup_dir(cgroup, dir, sizeof(dir) - 16);
	strcat(dir, "/cgroup.events");
	if (read_file(dir, buf, sizeof(buf)) == -1)
		return false;
	return strstr(buf, "frozen 1") != NULL;
}

/* The PIDs in DIR's cgroup.procs and in those of its children. */
static size_t
pids_below(int dirfd, pid_t *pids, size_t n, size_t max, int depth)
{
	char buf[65536], *p, *end;
	struct dirent *de;
	long v;
	int fd;
	DIR *d;

	if (read_fileat(dirfd, "cgroup.procs", buf, sizeof(buf)) > 0)
		for (p = buf; *p != '\0' && n < max; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			pids[n++] = (pid_t)v;
		}
	if (depth > 32 || (fd = dup(dirfd)) == -1 ||
	    (d = fdopendir(fd)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL && n < max) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1)
			continue;
		n = pids_below(fd, pids, n, max, depth + 1);
		close(fd);
	}
	closedir(d);
	return n;
}

size_t
cgroup_pids(const char *cgroup, pid_t *pids, size_t max)
{
	char dir[PATH_MAX];
	size_t n;
	int fd;

	cgroup_dir(cgroup, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	n = pids_below(fd, pids, 0, max, 0);
	close(fd);
	return n;
}

/* The inode of PID's pid namespace, or 0. */
static unsigned long
pidns_of(pid_t pid)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return stat(path, &sb) == 0 ? (unsigned long)sb.st_ino : 0;
}

/*
 * Every process of the container: those of its cgroup that share its
 * init's pid namespace (nsnew -p waits outside it, in the cgroup), else
 * its init alone.
 */
size_t
container_pids(const struct state *st, pid_t *pids, size_t max)
{
	unsigned long ns = 0;
	size_t i, n = 0, kept = 0;
	int fd = state_pidfd(st);

	if (fd == -1)
		return 0;
	close(fd);
	if (st->cgroup[0] != '\0')
		n = cgroup_pids(st->cgroup, pids, max);
	if (pidns_of(st->pid) != pidns_of(getpid()))
		ns = pidns_of(st->pid);
	for (i = 0; i < n; i++)
		if (ns == 0 || pidns_of(pids[i]) == ns)
			pids[kept++] = pids[i];
	if (kept == 0)
		pids[kept++] = st->pid;
	return kept;
}

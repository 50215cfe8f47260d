/*
 * The cgroup v2 file system, for cgmake and cgput: where it is mounted
 * (from /proc/self/mountinfo, so a hybrid host's /sys/fs/cgroup/unified
 * is found), what a CGROUP argument names (absolute from that root, or
 * relative to the caller's own cgroup for a delegated subtree), and
 * opening it without following anything out of the mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"

struct find_arg {
	const char *want;	/* a path on the mount, or NULL: the first */
	char point[PATH_MAX];
	char root[PATH_MAX];
	size_t best;
};

/* Is `dir` the path `point` or below it? */
static int
is_under(const char *dir, const char *point)
{
	size_t n = strlen(point);

	if (strcmp(point, "/") == 0)
		return 1;
	return strncmp(dir, point, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

/*
 * Whether the mount M is what its mount point shows: a mount made over
 * it later (a cgroup2 bound over /sys/fs/cgroup in a mount namespace
 * of a hybrid host) hides it, yet mountinfo still lists it.
 */
static int
is_visible(const struct mountent *m)
{
	struct statx sx;

	if (statx(AT_FDCWD, m->point, AT_NO_AUTOMOUNT, STATX_MNT_ID,
	    &sx) == -1)
		return errno != ENOENT;	/* other errors: opened, and said */
	/* Before Linux 5.8 there is no telling: the first one listed. */
	return !(sx.stx_mask & STATX_MNT_ID) || sx.stx_mnt_id == m->id;
}

static int
find_cgroup2(const struct mountent *m, void *arg)
{
	struct find_arg *a = arg;

	if (strcmp(m->fstype, "cgroup2") != 0 || !is_visible(m))
		return 0;
	if (a->want != NULL && (!is_under(a->want, m->point) ||
	    strlen(m->point) < a->best))
		return 0;
	snprintf(a->point, sizeof(a->point), "%s", m->point);
	snprintf(a->root, sizeof(a->root), "%s", m->root);
	a->best = strlen(m->point);
	return a->want == NULL;
}

static void
path_join(char *buf, size_t size, const char *a, const char *b)
{
	int n;

	if (b[0] == '\0')
		n = snprintf(buf, size, "%s", a);
	else if (strcmp(a, "/") == 0)
		n = snprintf(buf, size, "/%s", b);
	else
		n = snprintf(buf, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size)
		die("%s/%s: path too long", a, b);
}

/*
 * The cgroup path (as /proc/PID/cgroup writes them) of `dir`, a
 * directory on the mount found in `a`: the mount's root plus the rest.
 */
static void
cgpath_of(char *buf, size_t size, const struct find_arg *a, const char *dir)
{
	const char *rest = dir + strlen(a->point);

	if (strcmp(a->point, "/") == 0)
		rest = dir;
	while (*rest == '/')
		rest++;
	path_join(buf, size, a->root, rest);
}

void
cgroupfs_open(struct cgroupfs *fs, const char *root)
{
	struct find_arg a = { .want = NULL };
	struct statfs st;
	char real[PATH_MAX];

	if (root == NULL) {
		if (mountinfo_each(find_cgroup2, &a) == 0)
			die("no cgroup2 file system is mounted (a cgroup v1 "
			    "only system: mount one, e.g. mount -t cgroup2 none "
			    "/sys/fs/cgroup/unified, or boot with "
			    "systemd.unified_cgroup_hierarchy=1)");
		snprintf(fs->dir, sizeof(fs->dir), "%s", a.point);
		snprintf(fs->cgpath, sizeof(fs->cgpath), "%s", a.root);
	} else {
		if (realpath(root, real) == NULL)
			die_sys("--root %s", root);
		a.want = real;
		mountinfo_each(find_cgroup2, &a);
		snprintf(fs->dir, sizeof(fs->dir), "%s", real);
		fs->cgpath[0] = '\0';
		if (a.best > 0)
			cgpath_of(fs->cgpath, sizeof(fs->cgpath), &a, real);
	}
	trace("cgroup2 root %s (cgroup %s)", fs->dir,
	    fs->cgpath[0] ? fs->cgpath : "unknown");
	fs->fd = open(fs->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->fd == -1)
		die_sys("open %s", fs->dir);
	if (fstatfs(fs->fd, &st) == -1)
		die_sys("statfs %s", fs->dir);
	if (st.f_type != CGROUP2_SUPER_MAGIC)
		die("%s: not a cgroup2 file system%s", fs->dir,
		    root != NULL ? " (see --root)" : "");
}

void
cgroup_path(const struct cgroupfs *fs, const char *rel, char *buf,
    size_t size)
{
	path_join(buf, size, fs->dir, rel);
}

/*
 * The path on the "0::" line of a cgroup file. It comes last on a hybrid
 * host, after a line per v1 hierarchy with a path each: read line by
 * line, as no fixed buffer is sure to reach it whole.
 */
static int
v2_line(int dirfd, const char *path, char *out, size_t size)
{
	char *line = NULL;
	size_t cap = 0;
	int fd, r = -1, err = ENOENT;
	FILE *fp;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (snprintf(out, size, "%s", line + 3) < (int)size)
			r = 0;
		else
			err = ENAMETOOLONG;
		break;
	}
	if (r == -1 && ferror(fp))
		err = errno;
	free(line);
	fclose(fp);
	if (r == -1)
		errno = err;
	return r;
}

/*
 * The cgroup in the file at dirfd/path, relative to fs. -1 with errno
 * ENOENT when it has no "0::" line, EXDEV when that lies outside fs
 * (or outside our cgroup namespace); `abs` gets the line's path.
 */
static int
cgroup_in(const struct cgroupfs *fs, int dirfd, const char *path, char *rel,
    size_t size, char *abs, size_t abs_size)
{
	char line[PATH_MAX], *p;
	size_t n;

	if (v2_line(dirfd, path, line, sizeof(line)) == -1)
		return -1;
	snprintf(abs, abs_size, "%s", line);
	n = strlen(fs->cgpath);
	if (n == 0 || !is_under(line, fs->cgpath)) {
		errno = EXDEV;
		return -1;
	}
	p = strcmp(fs->cgpath, "/") == 0 ? line : line + n;
	while (*p == '/')
		p++;
	/* Outside our cgroup namespace, the kernel writes "/../x". */
	if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0')) {
		errno = EXDEV;
		return -1;
	}
	if ((size_t)snprintf(rel, size, "%s", p) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The cgroup of PID (0: ourselves), from /proc/PID/cgroup. */
int
cgroup_of_pid(const struct cgroupfs *fs, pid_t pid, char *rel, size_t size,
    char *abs, size_t abs_size)
{
	char path[64];

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	else
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	return cgroup_in(fs, AT_FDCWD, path, rel, size, abs, abs_size);
}

/* The same, from the "cgroup" file of procfd, an open /proc/PID. */
int
cgroup_of_procfd(const struct cgroupfs *fs, int procfd, char *rel,
    size_t size, char *abs, size_t abs_size)
{
	return cgroup_in(fs, procfd, "cgroup", rel, size, abs, abs_size);
}

/* Lexical: "" components are refused, "." skipped, ".." climbs. */
void
cgroup_resolve(const struct cgroupfs *fs, const char *arg, char *rel,
    size_t size)
{
	char abs[PATH_MAX];
	const char *p = arg, *end;
	size_t len, n;

	if (arg[0] == '\0')
		die("empty cgroup path");
	if (arg[0] == '/') {
		rel[0] = '\0';
		p++;
	} else if (cgroup_of_pid(fs, 0, rel, size, abs, sizeof(abs)) == -1) {
		if (errno == EXDEV)
			die("%s: relative to this process's cgroup %s, which is "
			    "not under the cgroup2 root %s (give an absolute "
			    "path)", arg, abs, fs->dir);
		die_sys("%s: find this process's cgroup in /proc/self/cgroup",
		    arg);
	}
	while (*p != '\0') {
		end = strchrnul(p, '/');
		n = end - p;
		len = strlen(rel);
		if (n == 0) {
			die("%s: empty component in cgroup path", arg);
		} else if (n == 1 && p[0] == '.') {
			;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (len == 0)
				die("%s: goes above the cgroup2 root %s", arg,
				    fs->dir);
			while (len > 0 && rel[len - 1] != '/')
				len--;
			rel[len > 0 ? len - 1 : 0] = '\0';
		} else {
			if (len + 1 + n + 1 > size)
				die("%s: cgroup path too long", arg);
			if (len > 0)
				rel[len++] = '/';
			memcpy(rel + len, p, n);
			rel[len + n] = '\0';
		}
		/* So one trailing slash is allowed, as mkdir(1) allows it. */
		p = *end != '\0' ? end + 1 : end;
	}
	trace("cgroup %s: %s/%s", arg, fs->dir, rel);
}

/*
 * O_PATH of the cgroup REL: beneath the root, on the same mount, no
 * symlinks (cgroupfs has none; a --root elsewhere might).
 */
int
cgroup_open(const struct cgroupfs *fs, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return syscall(SYS_openat2, fs->fd, rel[0] != '\0' ? rel : ".", &how,
	    sizeof(how));
}

/* The cgroup REL must exist: open it, or die saying so. */
int
cgroup_xopen(const struct cgroupfs *fs, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	fd = cgroup_open(fs, rel);
	if (fd == -1) {
		cgroup_path(fs, rel, path, sizeof(path));
		if (errno == ENOENT)
			die_err(errno, "no such cgroup; cgmake creates it",
			    "open %s", path);
		if (errno == ENOSYS)
			die_err(errno, "openat2 needs Linux 5.6", "open %s",
			    path);
		die_sys("open %s", path);
	}
	return fd;
}

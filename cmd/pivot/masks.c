/*
 * pivot's masked and read-only paths, as OCI runtimes set them: the
 * lists (the defaults, --mask, --ro-path, --unmask) and their mounts,
 * made after every other so that they cover what a --bind put there too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

/*
 * The OCI runtime spec's maskedPaths and readonlyPaths, as runc, crun and
 * docker set them by default: what shows the host's memory, keys, timers
 * and firmware is masked; what changes the host's kernel is read-only.
 */
static const char *const default_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger",
};

static const char *const mask_options[] = { "mode", "555", NULL };

/*
 * PATH as masks are compared: absolute, one slash between components, no
 * "." component and no trailing slash ("proc//kcore/" is "/proc/kcore").
 * ".." is kept: what it leads to depends on the links in the image.
 */
static char *
clean_path(const char *path)
{
	char *clean, *out;
	size_t len;

	clean = xrealloc(NULL, strlen(path) + 2);
	out = clean;
	for (path += strspn(path, "/"); *path != '\0';
	    path += len + strspn(path + len, "/")) {
		len = strcspn(path, "/");
		if (len == 1 && path[0] == '.')
			continue;
		*out++ = '/';
		memcpy(out, path, len);
		out += len;
	}
	if (out == clean)
		*out++ = '/';
	*out = '\0';
	return clean;
}

static bool
has_dotdot(const char *path)
{
	const char *p;

	for (p = path; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return true;
	return false;
}

static struct maskpath *
find_mask(const struct opts *o, const char *path)
{
	size_t i;

	for (i = 0; i < o->nmasks; i++)
		if (strcmp(o->masks[i].path, path) == 0)
			return &o->masks[i];
	return NULL;
}

/*
 * A path to mask or make read-only; a path listed already changes kind.
 * Neither the root nor a path through ".." can be meant: the root is
 * --ro's, and a mask must cover the path that was written.
 */
void
add_mask(struct opts *o, const char *path, bool masked, bool given)
{
	const char *name = masked ? "--mask" : "--ro-path";
	struct maskpath *m;
	char *clean;

	if (path[0] == '\0')
		die("%s: empty path", name);
	clean = clean_path(path);
	if (strcmp(clean, "/") == 0)
		die("%s %s: the new root itself (--ro makes it read-only)",
		    name, path);
	if (has_dotdot(clean))
		die("%s %s: a path through '..' (name the path itself)", name,
		    path);
	m = find_mask(o, clean);
	if (m == NULL) {
		m = &o->masks[o->nmasks++];
		m->path = clean;
	} else {
		free(clean);
	}
	m->masked = masked;
	m->given = given;
}

/* --unmask PATH takes PATH off the lists as they stand; "all" empties them. */
void
unmask(struct opts *o, const char *path)
{
	struct maskpath *m;
	char *clean;

	if (strcmp(path, "all") == 0) {
		o->nmasks = 0;
		return;
	}
	clean = clean_path(path);
	m = find_mask(o, clean);
	free(clean);
	if (m == NULL)
		die("--unmask %s: not a masked or read-only path", path);
	free(m->path);
	o->nmasks--;
	memmove(m, m + 1, (o->masks + o->nmasks - m) * sizeof(*m));
}

void
add_default_masks(struct opts *o, int argc)
{
	size_t i;

	o->masks = xcalloc(LEN(default_masked) + LEN(default_readonly) + argc,
	    sizeof(*o->masks));
	for (i = 0; i < LEN(default_readonly); i++)
		add_mask(o, default_readonly[i], false, false);
	for (i = 0; i < LEN(default_masked); i++)
		add_mask(o, default_masked[i], true, false);
}

/* What every mask shares: the host's /dev/null, and one empty tmpfs. */
struct maskfds {
	int null;		/* O_PATH, checked to be the null device */
	int tmpfs;		/* the first masking tmpfs, once attached */
};

/*
 * The path of M inside the new root, or -1 when it is missing: a default
 * is then skipped, as runc skips it; a path given is an error. A link at
 * its end is never followed: the mount would cover what the link leads
 * to, which the image chose, not the path meant.
 */
static int
open_mask(const struct newroot *r, const struct maskpath *m,
    struct stat *st)
{
	const char *what = m->given ? (m->masked ? "--mask" : "--ro-path") :
	    (m->masked ? "mask" : "read-only");
	int fd;

	fd = open_in_root(r, m->path, O_PATH | O_NOFOLLOW);
	if (fd == -1 && !m->given && (errno == ENOENT || errno == ENOTDIR)) {
		trace("no %s to %s", m->path, m->masked ? "mask" :
		    "make read-only");
		return -1;
	}
	if (fd == -1)
		die_err(errno, errno == ENOENT || errno == ENOTDIR ? NULL :
		    point_hint(errno), "%s %s", what, m->path);
	if (fstat(fd, st) == -1)
		die_sys("%s %s: stat", what, m->path);
	if (S_ISLNK(st->st_mode) && m->given)
		die("%s %s: a symbolic link in %s, not followed (name the path "
		    "it leads to)", what, m->path, r->name);
	if (S_ISLNK(st->st_mode))
		die("%s %s: a symbolic link in %s, not followed (--unmask %s "
		    "leaves it as it is)", what, m->path, r->name, m->path);
	return fd;
}

/* A bind of the host's /dev/null, as runc masks a file. */
static int
null_bind(struct maskfds *fds)
{
	struct stat st;
	int tree;

	if (fds->null == -1) {
		fds->null = open("/dev/null", O_PATH | O_CLOEXEC);
		if (fds->null == -1 || fstat(fds->null, &st) == -1)
			die_sys("open /dev/null");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			die("open /dev/null: not the null device (character "
			    "1:3): it would show, not mask");
	}
	tree = clone_tree(fds->null, "", AT_EMPTY_PATH, false, 0);
	if (tree == -1)
		die_mount("bind /dev/null");
	return tree;
}

/*
 * A read-only empty tmpfs, as runc masks a directory; all of them are
 * clones of one, as recent runc does, so a container costs one superblock.
 */
static int
mask_tmpfs(struct maskfds *fds)
{
	char why[256];
	int mnt;

	if (fds->tmpfs != -1) {
		mnt = clone_tree(fds->tmpfs, "", AT_EMPTY_PATH, false, 0);
		if (mnt == -1)
			die_mount("clone the masking tmpfs");
		return mnt;
	}
	mnt = new_fs("tmpfs", mask_options, ATTR_MASK, why, sizeof(why));
	if (mnt == -1)
		die_err(errno, fs_hint("tmpfs", errno, why),
		    "mount tmpfs to mask");
	return mnt;
}

static void
mask_path(const struct newroot *r, const struct maskpath *m,
    struct maskfds *fds)
{
	struct stat st;
	int at, mnt;

	at = open_mask(r, m, &st);
	if (at == -1)
		return;
	if (S_ISDIR(st.st_mode)) {
		trace("mask %s (read-only tmpfs)", m->path);
		mnt = mask_tmpfs(fds);
	} else {
		trace("mask %s (bind /dev/null)", m->path);
		mnt = null_bind(fds);
	}
	attach(mnt, at, "", m->path);
	if (S_ISDIR(st.st_mode) && fds->tmpfs == -1)
		fds->tmpfs = mnt;
	else
		close(mnt);
	close(at);
}

/* A bind of the path on itself, with every mount below it read-only. */
static void
readonly_path(const struct newroot *r, const struct maskpath *m)
{
	struct stat st;
	int at, tree;

	at = open_mask(r, m, &st);
	if (at == -1)
		return;
	trace("read-only %s", m->path);
	tree = clone_tree(at, "", AT_EMPTY_PATH, true, MOUNT_ATTR_RDONLY);
	if (tree == -1)
		die_mount("read-only %s", m->path);
	attach(tree, at, "", m->path);
	close(tree);
	close(at);
}

/*
 * After every other mount, so that they cover what a --bind put there
 * too, and while the host's /dev/null is still in reach. Read-only paths
 * first, as runc orders them: a mask inside one lands on its bind.
 */
void
mount_masks(const struct newroot *r, const struct opts *o)
{
	struct maskfds fds = { .null = -1, .tmpfs = -1 };
	size_t i;

	for (i = 0; i < o->nmasks; i++)
		if (!o->masks[i].masked)
			readonly_path(r, &o->masks[i]);
	for (i = 0; i < o->nmasks; i++)
		if (o->masks[i].masked)
			mask_path(r, &o->masks[i], &fds);
	if (fds.null != -1)
		close(fds.null);
	if (fds.tmpfs != -1)
		close(fds.tmpfs);
}

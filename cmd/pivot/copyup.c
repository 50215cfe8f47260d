/*
 * --tmpfs-copyup: a new tmpfs over a directory of the image that holds
 * a copy of what the image had there, as runc's and crun's "tmpcopyup"
 * (podman asks for it with --read-only and --tmpfs).
 *
 * The directory is opened inside the new root before anything covers
 * it, and the copy is made into the tmpfs while it is still detached:
 * nothing sees it half made, and on failure there is nothing to remove.
 * The image may be hostile, so nothing in it is followed: a symbolic
 * link is copied as a link, a device, FIFO or socket is made anew, and
 * only what is a regular file when opened (O_NOFOLLOW, then fstat) is
 * read. Owners, modes and times are kept; extended attributes are not,
 * as runc's copy does not keep them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

/* Deeper than any real /run; each level holds two descriptors. */
#define COPY_DEPTH 64

struct copy {
	const char *dst;	/* DST, for messages */
	char path[PATH_MAX];	/* the entry being copied, below DST */
};

static noreturn void
copy_die(const struct copy *c, const char *what, const char *hint)
{
	die_err(errno, hint, "--tmpfs-copyup %s: %s %s", c->dst, what,
	    c->path[0] != '\0' ? c->path : c->dst);
}

static noreturn void
copy_fail(const struct copy *c, const char *what)
{
	copy_die(c, what, errno == ENOSPC ? "the tmpfs is full: give it a "
	    "larger SIZE" : NULL);
}

static void
copy_owner(const struct copy *c, int fd, const char *name,
    const struct stat *st)
{
	if (fchownat(fd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW |
	    (name[0] == '\0' ? AT_EMPTY_PATH : 0)) == -1)
		copy_die(c, "chown", errno == EINVAL ? "its owner is not "
		    "mapped in this user namespace" : NULL);
}

/* The regular file NAME (ST as first seen) of FROM, into TO. */
static void
copy_file(struct copy *c, int from, int to, const char *name,
    const struct stat *st)
{
	struct stat now;
	ssize_t n;
	int in, out;

	in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (in == -1)
		copy_fail(c, "open");
	if (fstat(in, &now) == -1)
		copy_fail(c, "stat");
	if (!S_ISREG(now.st_mode) || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev) {
		errno = EAGAIN;
		copy_fail(c, "open (it changed while being copied)");
	}
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (out == -1)
		copy_fail(c, "create");
	while ((n = sendfile(out, in, NULL, 1 << 30)) > 0)
		;
	if (n == -1)
		copy_fail(c, "copy");
	close(in);
	if (close(out) == -1)
		copy_fail(c, "copy");
}

/* Owner first: a chown clears the set-user-ID and set-group-ID bits. */
static void
copy_meta(struct copy *c, int to, const char *name, const struct stat *st)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	copy_owner(c, to, name, st);
	if (!S_ISLNK(st->st_mode) &&
	    fchmodat(to, name, st->st_mode & 07777, 0) == -1)
		copy_fail(c, "chmod");
	if (utimensat(to, name, times, AT_SYMLINK_NOFOLLOW) == -1)
		copy_fail(c, "set the times of");
}

static void copy_dir(struct copy *c, int from, int to, int depth);

static void
copy_entry(struct copy *c, int from, int to, const char *name, int depth)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int sub[2];

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		copy_fail(c, "stat");
	trace("--tmpfs-copyup %s: copy %s", c->dst, c->path);
	if (S_ISREG(st.st_mode)) {
		copy_file(c, from, to, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n == -1)
			copy_fail(c, "read the link");
		target[n] = '\0';
		if (symlinkat(target, to, name) == -1)
			copy_fail(c, "make the link");
	} else if (S_ISDIR(st.st_mode)) {
		if (depth >= COPY_DEPTH) {
			errno = ELOOP;
			copy_fail(c, "copy (more than 64 levels deep)");
		}
		if (mkdirat(to, name, 0700) == -1)
			copy_fail(c, "mkdir");
		sub[0] = openat(from, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		sub[1] = openat(to, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub[0] == -1 || sub[1] == -1)
			copy_fail(c, "open the directory");
		copy_dir(c, sub[0], sub[1], depth + 1);
		close(sub[1]);
	} else if (mknodat(to, name, st.st_mode & S_IFMT, st.st_rdev) == -1) {
		copy_die(c, "mknod", errno == EPERM ? "a user namespace "
		    "cannot make device nodes" : NULL);
	}
	copy_meta(c, to, name, &st);
}

/* Everything in the directory FROM (which this closes) into TO. */
static void
copy_dir(struct copy *c, int from, int to, int depth)
{
	size_t len = strlen(c->path);
	struct dirent *e;
	DIR *d;

	d = fdopendir(from);
	if (d == NULL)
		copy_fail(c, "read the directory");
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(c->path + len, sizeof(c->path) - len,
		    "%s%s", len > 0 ? "/" : "", e->d_name) >=
		    sizeof(c->path) - len) {
			errno = ENAMETOOLONG;
			copy_fail(c, "copy");
		}
		copy_entry(c, dirfd(d), to, e->d_name, depth);
		c->path[len] = '\0';
	}
	if (errno != 0)
		copy_fail(c, "read the directory");
	closedir(d);
}

/*
 * M's tmpfs on its DST with the image's files there copied in. Without
 * a MODE, its root takes the mode and the owner of the directory it
 * covers, as runc's does.
 */
void
mount_copyup(const struct newroot *r, const struct usermount *m)
{
	const char *const options[] = { m->size[0] != '\0' ? "size" : NULL,
		m->size, NULL };
	struct copy c = { .dst = m->dst };
	struct stat st;
	int at, from, mnt, to;
	char why[256];

	trace("mount tmpfs on %s, with a copy of what is there", m->dst);
	at = mount_point(r, m->dst, true);
	from = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from == -1 || fstat(from, &st) == -1)
		copy_fail(&c, "open");
	mnt = new_fs("tmpfs", options, ATTR_TMP | m->attr, why,
	    sizeof(why));
	if (mnt == -1)
		die_err(errno, fs_hint("tmpfs", errno, why), "mount tmpfs on %s",
		    m->dst);
	to = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to == -1)
		copy_fail(&c, "open the new tmpfs");
	copy_dir(&c, from, to, 0);
	if (m->mode[0] != '\0')
		st.st_mode = strtoul(m->mode, NULL, 8);
	copy_owner(&c, to, "", &st);
	if (fchmod(to, st.st_mode & 07777) == -1)
		copy_fail(&c, "chmod");
	if (futimens(to, (struct timespec[2]){ st.st_atim, st.st_mtim }) == -1)
		copy_fail(&c, "set the times of");
	close(to);
	attach(mnt, at, "", m->dst);
	close(at);
	close(mnt);
}

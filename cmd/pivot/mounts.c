/*
 * pivot's mounts in the new root: mount points resolved inside it (and
 * made there when missing, each undone if pivot fails), new file systems
 * and clones attached to them, /proc, /sys, /tmp and the --bind,
 * --ro-bind and --tmpfs of the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

/* The fixed inode of the initial cgroup namespace (linux/nsfs.h). */
#define CGROUP_NS_INIT_INO 0xEFFFFFFBU

static const char *const no_options[] = { NULL };
const char *const tmp_options[] = { "mode", "1777", NULL };

/* The new mount API and openat2() came in Linux 5.2 to 5.12. */
const char *
kernel_hint(int err)
{
	return err == ENOSYS ? "pivot needs Linux 5.12 or later" : NULL;
}

/* openat2() inside the new root: "..", and symlinks, stop at its top. */
int
open_in_root(const struct newroot *r, const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;

	/* EAGAIN: a rename or mount raced the lookup; the kernel says retry. */
	do
		fd = syscall(SYS_openat2, r->fd, path, &how, sizeof(how));
	while (fd == -1 && errno == EAGAIN && ++tries < 64);
	return fd;
}

const char *
point_hint(int err)
{
	switch (err) {
	case ELOOP:
		return "symbolic links resolve inside the new root";
	case ENOENT:
		return "a symbolic link to a path missing inside the new root?";
	case EROFS:
		return "the new root is read-only: make the mount point in it";
	default:
		return kernel_hint(err);
	}
}

/*
 * The mount point PATH inside the new root, as an O_PATH descriptor. A
 * missing one is made (a directory, or an empty file when !DIR) one
 * component at a time, each relative to its parent as resolved inside
 * the root; a symlink made meanwhile resolves inside the root too.
 */
int
mount_point(const struct newroot *r, const char *path, bool dir)
{
	char buf[PATH_MAX], *name, *next, save;
	int fd, parent = r->fd, made, err;
	size_t len;
	bool last;

	fd = open_in_root(r, path, O_PATH);
	if (fd != -1)
		return fd;
	if (errno != ENOENT || strlen(path) >= sizeof(buf))
		goto fail;
	strcpy(buf, path);
	for (name = buf + strspn(buf, "/");; name = next) {
		len = strcspn(name, "/");
		next = name + len + strspn(name + len, "/");
		last = *next == '\0';
		save = name[len];
		name[len] = '\0';
		fd = open_in_root(r, buf, O_PATH);
		if (fd == -1 && errno == ENOENT) {
			if (last && !dir)
				made = mknodat(parent, name, S_IFREG | 0644, 0);
			else
				made = mkdirat(parent, name, 0755);
			if (made == 0) {
				trace("make %s %s", last && !dir ? "file" :
				    "directory", buf);
				undo_unlink(parent, name, !last || dir,
				    "remove %s", name);
			}
			if (made == 0 || errno == EEXIST)
				fd = open_in_root(r, buf, O_PATH);
		}
		err = errno;
		if (parent != r->fd)
			close(parent);
		if (fd == -1) {
			errno = err;
			goto fail;
		}
		name[len] = save;
		if (last)
			return fd;
		parent = fd;
	}
fail:
	die_err(errno, point_hint(errno), "mount point %s in %s", path,
	    r->name);
}

/*
 * Attach the detached mount MNT on DIRFD/NAME ("" for DIRFD itself), and
 * detach it again if pivot fails: before the mount point under it is
 * removed, so the undo runs last first.
 */
void
attach(int mnt, int dirfd, const char *name, const char *path)
{
	if (mount_attach(mnt, dirfd, name) == -1)
		die_err(errno, errno == ENOTDIR ? "a file and a directory "
		    "cannot be mounted on each other" : kernel_hint(errno),
		    "mount on %s", path);
	undo_detach(mnt, "detach %s", path);
}

/*
 * A new detached mount of filesystem TYPE configured with OPTIONS, or -1
 * with errno and the kernel's words in WHY. Named like mount(8) names
 * them, not "none", for df and findmnt.
 */
int
new_fs(const char *type, const char *const *options, unsigned int attr,
    char *why, size_t size)
{
	return mount_new(type, type, options, attr, why, size);
}

/* Our hint for a failed new TYPE, else the kernel's words, if any. */
const char *
fs_hint(const char *type, int err, const char *why)
{
	if (err == EPERM && strcmp(type, "proc") == 0)
		return "a new procfs needs a PID namespace owned by this user "
		    "namespace: run under nsnew -p, or give --no-proc";
	if (err == EPERM)
		return "needs CAP_SYS_ADMIN over this mount namespace";
	if (kernel_hint(err) != NULL)
		return kernel_hint(err);
	return why[0] != '\0' ? why : NULL;
}

/* A new TYPE filesystem on PATH inside the new root; its root's fd. */
int
mount_fs(const struct newroot *r, const char *path, const char *type,
    const char *const *options, unsigned int attr)
{
	char why[256];
	int mnt, at;

	trace("mount %s on %s", type, path);
	mnt = new_fs(type, options, attr, why, sizeof(why));
	if (mnt == -1)
		die_err(errno, fs_hint(type, errno, why), "mount %s on %s",
		    type, path);
	at = mount_point(r, path, true);
	attach(mnt, at, "", path);
	close(at);
	return mnt;
}

/* The same, on NAME in our own new directory DIRFD, made here. */
void
mount_fs_in(int dirfd, const char *name, const char *path, mode_t mode,
    const char *type, const char *const *options, unsigned int attr)
{
	char why[256];
	int mnt;

	trace("mount %s on %s", type, path);
	if (mkdirat(dirfd, name, mode) == -1)
		die_sys("mkdir %s", path);
	mnt = new_fs(type, options, attr, why, sizeof(why));
	if (mnt == -1)
		die_err(errno, fs_hint(type, errno, why), "mount %s on %s",
		    type, path);
	attach(mnt, dirfd, name, path);
	close(mnt);
}

/*
 * A detached copy of the mounts at host path SRC (with those below it
 * when RECURSIVE), with ATTR set on all of them, or -1 with errno.
 */
int
clone_tree(int dirfd, const char *src, unsigned int flags, bool recursive,
    unsigned int attr)
{
	struct mount_attr a = { .attr_set = attr };

	return mount_tree(dirfd, src, flags, recursive, attr != 0 ? &a : NULL,
	    NULL);
}

void
mount_proc(const struct newroot *r)
{
	close(mount_fs(r, "/proc", "proc", no_options, ATTR_PROC));
}

/*
 * A fresh sysfs has an empty fs/cgroup. In a cgroup namespace of its own,
 * the container gets a cgroup2 there, read-only as docker mounts it: its
 * own cgroup as the root, with its limits. (The host's cgroup namespace
 * would show the host's whole tree: then there is none.)
 */
static void
mount_cgroup(int sys)
{
	struct stat ns;
	char why[256];
	int mnt, at;

	if (stat("/proc/self/ns/cgroup", &ns) == -1)
		die_sys("stat /proc/self/ns/cgroup");
	if (ns.st_ino == CGROUP_NS_INIT_INO) {
		trace("no /sys/fs/cgroup: this is the host's cgroup namespace "
		    "(nsnew -C makes one)");
		return;
	}
	trace("mount cgroup2 on /sys/fs/cgroup (read-only)");
	mnt = new_fs("cgroup2", no_options, ATTR_SYS, why, sizeof(why));
	if (mnt == -1)
		die_err(errno, errno == EPERM ? "the cgroup namespace is not "
		    "this user namespace's: nsnew -U -C makes both" :
		    fs_hint("cgroup2", errno, why),
		    "mount cgroup2 on /sys/fs/cgroup");
	at = openat(sys, "fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (at == -1)
		die_sys("open /sys/fs/cgroup");
	attach(mnt, at, "", "/sys/fs/cgroup");
	close(at);
	close(mnt);
}

/*
 * A new sysfs shows the network devices of the net namespace, and the
 * kernel grants it only to a user namespace that owns that one; else the
 * host's /sys is bound, read-only like the new one would be.
 */
void
mount_sys(const struct newroot *r)
{
	bool fresh = false;
	char why[256];
	int mnt, at;

	trace("mount sysfs on /sys (read-only)");
	mnt = new_fs("sysfs", no_options, ATTR_SYS, why, sizeof(why));
	if (mnt == -1 && errno == EPERM) {
		trace("mount sysfs: %s (the net namespace is not this user "
		    "namespace's): bind the host's /sys instead, read-only",
		    strerror(errno));
		mnt = clone_tree(AT_FDCWD, "/sys", 0, true, ATTR_SYS);
		if (mnt == -1)
			die_mount("bind /sys on /sys");
	} else if (mnt == -1) {
		die_err(errno, fs_hint("sysfs", errno, why),
		    "mount sysfs on /sys");
	} else {
		fresh = true;
	}
	at = mount_point(r, "/sys", true);
	attach(mnt, at, "", "/sys");
	close(at);
	if (fresh)
		mount_cgroup(mnt);
	close(mnt);
}

void
mount_tmp(const struct newroot *r)
{
	close(mount_fs(r, "/tmp", "tmpfs", tmp_options, ATTR_TMP));
}

static const char *
optname(int kind)
{
	return kind == 'b' ? "--bind" : kind == 'r' ? "--ro-bind" :
	    kind == 'c' ? "--tmpfs-copyup" : "--tmpfs";
}

/* --bind, --ro-bind (read-only before it is ever attached), --tmpfs. */
void
mount_user(const struct newroot *r, const struct usermount *m)
{
	bool ro = m->kind == 'r';
	struct stat st;
	int tree, at;

	if (m->kind == 'c') {
		mount_copyup(r, m);
		return;
	}
	if (m->kind == 't') {
		const char *const options[] = { "mode", m->mode,
			m->size[0] != '\0' ? "size" : NULL, m->size, NULL };

		close(mount_fs(r, m->dst, "tmpfs", options,
		    ATTR_TMP | m->attr));
		return;
	}
	trace("bind %s on %s%s", m->src, m->dst, ro ? " (read-only)" : "");
	tree = clone_shown(r, AT_FDCWD, m->src, 0, m->attr |
	    (ro ? MOUNT_ATTR_RDONLY : 0), m->src);
	if (tree == -1)
		die_mount("%s %s: %s", optname(m->kind), m->arg, m->src);
	if (fstat(tree, &st) == -1)
		die_sys("%s %s: stat %s", optname(m->kind), m->arg, m->src);
	at = mount_point(r, m->dst, S_ISDIR(st.st_mode));
	attach(tree, at, "", m->dst);
	close(at);
	close(tree);
}

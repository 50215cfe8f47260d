/*
 * pivot's switch: refusing the host's mount namespace, the bind of
 * NEWROOT on itself (a mount point for pivot_root(2), a mount of our
 * own to undo, and the descriptor every path is resolved from), and
 * pivot_root, or move and chroot from an initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

/* Whether we are PID 1 of the PID namespace /proc shows. */
static bool
is_proc_pid1(void)
{
	char pid[16];
	ssize_t n = readlink("/proc/self", pid, sizeof(pid));

	return n == 1 && pid[0] == '1';
}

/*
 * pivot_root(2) moves the root of every process of the mount namespace:
 * in the host's, that is the whole system. The host's is that of PID 1 of
 * the initial PID namespace; we may run as that PID 1 (an initramfs
 * switching root) or as the init of a container, not beside them. Out of
 * the initial user namespace there is nothing to check: we hold no
 * capability over the host's mount namespace, and the kernel refuses.
 */
void
refuse_host_mntns(void)
{
	unsigned long ino;

	if (!host_mntns(&ino) || is_proc_pid1())
		return;
	die("refusing to pivot the host's mount namespace (mnt:[%lu], that "
	    "of PID 1): run inside a new one, e.g. nsnew -m pivot ...", ino);
}

/*
 * Private: our mounts must not propagate to the host's namespace, and
 * pivot_root(2) refuses shared mounts.
 */
void
make_root_private(void)
{
	trace("make / private (recursive)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die_err(errno, errno == EPERM ? "not privileged in this mount "
		    "namespace: run inside nsnew -U --map-root -m" : NULL,
		    "make / private");
}

/*
 * The bind of NEWROOT on itself: open_tree() gives the descriptor of the
 * clone, which stays the root of the mount once attached.
 */
void
bind_newroot(struct newroot *r)
{
	char hint[256];
	int dir, err;

	dir = open(r->name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir == -1) {
		err = errno;
		die_err(err, newroot_hint(err, hint, sizeof(hint)),
		    "new root %s", r->name);
	}
	trace("bind %s on itself (recursive)", r->name);
	r->fd = clone_shown(r, dir, "", AT_EMPTY_PATH, 0, r->name);
	if (r->fd == -1)
		die_mount("bind %s", r->name);
	attach(r->fd, dir, "", r->name);
	close(dir);
}

/* Only the root's own mount: /tmp, /dev and the binds keep their mode. */
void
make_root_readonly(const struct newroot *r)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

	trace("make / read-only");
	if (mount_set(r->fd, false, &a) == -1)
		die_mount("make %s read-only", r->name);
}

/* The working directory for PROG, resolved now, while it can be undone. */
int
open_workdir(const struct newroot *r, const char *dir)
{
	int fd;

	if (dir == NULL)
		return -1;
	fd = open_in_root(r, dir, O_PATH | O_DIRECTORY);
	if (fd == -1)
		die_sys("--chdir %s", dir);
	return fd;
}

static int
initramfs_root(const struct mountent *m, void *arg)
{
	(void)arg;
	return strcmp(m->point, "/") == 0 && (strcmp(m->fstype,
	    "rootfs") == 0 || m->id == m->parent);
}

/* Whether / is the initial ramfs: type rootfs, or a mount of no parent. */
static bool
root_is_initramfs(const struct newroot *r)
{
	int fd;
	bool yes;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		fd = open_in_root(r, "/proc/self/mountinfo", O_RDONLY);
	if (fd == -1)
		die_err(errno, "mount /proc, so that pivot can tell if / is an "
		    "initramfs", "pivot_root %s: Invalid argument; read "
		    "mountinfo", r->name);
	yes = mountinfo_read(fd, "mountinfo", initramfs_root, NULL) != 0;
	close(fd);
	return yes;
}

/*
 * pivot_root(".", ".") stacks the old root on the new one, where
 * umount2(".") detaches it: no directory for it is needed in the image.
 * The initial ramfs cannot be pivoted away (it is the root of all
 * mounts); as switch_root(8) does, NEWROOT is moved onto it instead and
 * chrooted into, the ramfs staying underneath.
 */
void
switch_root(const struct newroot *r)
{
	int err;

	if (fchdir(r->fd) == -1)
		die_sys("chdir %s", r->name);
	trace("pivot_root %s", r->name);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		undo_commit();
		trace("detach the old root");
		if (umount2(".", MNT_DETACH) == -1)
			die_sys("detach the old root");
		return;
	}
	err = errno;
	if (err != EINVAL || !root_is_initramfs(r))
		die_err(err, err == EINVAL ? "is / a mount point, not a "
		    "chroot?" : NULL, "pivot_root %s", r->name);
	trace("pivot_root %s: %s: / is the initramfs; move %s onto / and "
	    "chroot instead", r->name, strerror(EINVAL), r->name);
	if (mount_attach(r->fd, AT_FDCWD, "/") == -1)
		die_mount("move %s onto /", r->name);
	undo_commit();
	if (chroot(".") == -1)
		die_sys("chroot %s", r->name);
}

void
enter_workdir(int wd, const char *dir)
{
	trace("chdir %s", dir != NULL ? dir : "/");
	if (wd != -1 ? fchdir(wd) == -1 : chdir("/") == -1)
		die_sys("chdir %s", dir != NULL ? dir : "/");
}

/*
 * Included first in every file of the musl build (make static): what
 * musl 1.2.3 lacks of what the tools use from glibc 2.36, the new mount
 * API and statx(), declared from the kernel's headers and called through
 * syscall(2); and glibc's names of errnos and signals (compat.c).
 */
#ifndef CONCH_MUSL_COMPAT_H
#define CONCH_MUSL_COMPAT_H

#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/limits.h>	/* XATTR_NAME_MAX */
#include <linux/mount.h>	/* MOUNT_ATTR_*, FSCONFIG_*, struct mount_attr */
#include <linux/stat.h>		/* struct statx, STATX_* */

static inline int
fsopen(const char *fstype, unsigned int flags)
{
	return syscall(SYS_fsopen, fstype, flags);
}

static inline int
fsconfig(int fd, unsigned int cmd, const char *key, const void *value,
    int aux)
{
	return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int
fsmount(int fd, unsigned int flags, unsigned int attr)
{
	return syscall(SYS_fsmount, fd, flags, attr);
}

static inline int
move_mount(int fromfd, const char *from, int tofd, const char *to,
    unsigned int flags)
{
	return syscall(SYS_move_mount, fromfd, from, tofd, to, flags);
}

static inline int
open_tree(int dirfd, const char *path, unsigned int flags)
{
	return syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int
mount_setattr(int dirfd, const char *path, unsigned int flags,
    struct mount_attr *attr, size_t size)
{
	return syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
}

static inline int
statx(int dirfd, const char *path, int flags, unsigned int mask,
    struct statx *buf)
{
	return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

/* glibc 2.32's, defined in compat.c. */
const char *strerrorname_np(int err);
const char *sigabbrev_np(int sig);

#endif

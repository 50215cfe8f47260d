/*
 * The new mount API (Linux 5.2, mount_setattr 5.12): file systems made
 * detached with fsopen/fsconfig/fsmount, trees cloned with open_tree,
 * attributes set with mount_setattr, all attached with move_mount to a
 * descriptor, so that no path is looked up twice. Each wrapper returns
 * what the call does (-1 with errno); the kernel also writes why it
 * refused into the fs context ("e overlay: ..." lines), which
 * mount_fserror() reads back for the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "conch.h"

int
mount_fsopen(const char *type)
{
	return fsopen(type, FSOPEN_CLOEXEC);
}

/* KEY=VALUE, or the flag KEY when VALUE is NULL. */
int
mount_fsconfig(int fsfd, const char *key, const char *value)
{
	return fsconfig(fsfd, value != NULL ? FSCONFIG_SET_STRING :
	    FSCONFIG_SET_FLAG, key, value, 0);
}

/* The superblock, made with the settings given. */
int
mount_fscreate(int fsfd)
{
	return fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

/* A detached mount of it, close-on-exec, with the MOUNT_ATTR_* ATTR. */
int
mount_fsmount(int fsfd, unsigned int attr)
{
	return fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
}

/*
 * The kernel's own words about the last failure of FSFD: its last error
 * ("e ") line, else its last line of any kind, without the "e " and the
 * newline; NULL when it wrote none. Reading empties the log.
 */
const char *
mount_fserror(int fsfd, char *buf, size_t size)
{
	char line[512];
	ssize_t n;

	buf[0] = '\0';
	while ((n = read(fsfd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'e' || buf[0] == '\0')
			snprintf(buf, size, "%s", n > 2 ? line + 2 : "");
	}
	return buf[0] != '\0' ? buf : NULL;
}

/*
 * A new detached mount of file system TYPE: SOURCE (NULL: none), the
 * OPTIONS (key, value or NULL for a flag, ..., NULL), ATTR. -1 with
 * errno on failure, and the kernel's words in WHY ("" if none).
 */
int
mount_new(const char *type, const char *source, const char *const *options,
    unsigned int attr, char *why, size_t size)
{
	int fs, mnt = -1, err;
	size_t i;

	why[0] = '\0';
	fs = mount_fsopen(type);
	if (fs == -1)
		return -1;
	if (source != NULL && mount_fsconfig(fs, "source", source) == -1)
		goto out;
	for (i = 0; options[i] != NULL; i += 2)
		if (mount_fsconfig(fs, options[i], options[i + 1]) == -1)
			goto out;
	if (mount_fscreate(fs) == 0)
		mnt = mount_fsmount(fs, attr);
out:
	err = errno;
	if (mnt == -1)
		mount_fserror(fs, why, size);
	close(fs);
	errno = err;
	return mnt;
}

/* ATTR on the mount MNT, and with RECURSIVE on every mount below it. */
int
mount_set(int mnt, bool recursive, const struct mount_attr *attr)
{
	return mount_setattr(mnt, "", AT_EMPTY_PATH |
	    (recursive ? AT_RECURSIVE : 0), (struct mount_attr *)attr,
	    sizeof(*attr));
}

/*
 * A detached clone of the mount at DIRFD/PATH (FLAGS: AT_EMPTY_PATH,
 * AT_SYMLINK_NOFOLLOW...), with the mounts below it when RECURSIVE, and
 * ATTR set on all of them unless ATTR is NULL. -1 with errno, and the
 * call that failed in *CALL unless CALL is NULL.
 */
int
mount_tree(int dirfd, const char *path, unsigned int flags, bool recursive,
    const struct mount_attr *attr, const char **call)
{
	const char *dummy;
	int tree, err;

	if (call == NULL)
		call = &dummy;
	*call = "open_tree";
	tree = open_tree(dirfd, path, flags | OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree == -1 || attr == NULL)
		return tree;
	*call = "mount_setattr";
	if (mount_set(tree, recursive, attr) == 0)
		return tree;
	err = errno;
	close(tree);
	errno = err;
	return -1;
}

/* The detached mount MNT attached on DIRFD/NAME ("": DIRFD itself). */
int
mount_attach(int mnt, int dirfd, const char *name)
{
	unsigned int flags = MOVE_MOUNT_F_EMPTY_PATH;

	if (name[0] == '\0')
		flags |= MOVE_MOUNT_T_EMPTY_PATH;
	return move_mount(mnt, "", dirfd, name, flags);
}

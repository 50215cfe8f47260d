/*
 * pivot.h: what the files of pivot share: the options, the new root
 * being set up, and the ways a mount is made in it.
 */
#ifndef PIVOT_H
#define PIVOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* A --bind, --ro-bind or --tmpfs, in command-line order. */
struct usermount {
	int kind;		/* 'b', 'r' or 't', as the short option;
				 * 'c' for --tmpfs-copyup */
	const char *arg;	/* as given, for messages */
	char *src;		/* on the host; NULL for a tmpfs */
	const char *dst;	/* inside the new root */
	unsigned int attr;	/* MOUNT_ATTR_NOSUID, _NODEV, _NOEXEC asked */
	char mode[8];		/* a tmpfs's, octal; "" for copyup's default */
	char size[24];		/* a tmpfs's, "" for the kernel's default */
};

/* A masked or read-only path, the defaults' and --mask's or --ro-path's. */
struct maskpath {
	char *path;		/* absolute, in clean_path()'s form */
	bool masked;		/* masked; else only made read-only */
	bool given;		/* on the command line: missing is an error */
};

struct opts {
	bool proc, sys, dev, tmp, ro, idmap, mqueue;
	const char *chdir;
	const char *shm_size;	/* /dev/shm's, as tmpfs takes it; or NULL */
	struct usermount *mounts;
	size_t nmounts;
	struct maskpath *masks;
	size_t nmasks;
	const char *newroot;
	char **prog;
};

/* The new root: NEWROOT's bind, and nsnew's mount helper for --idmap. */
struct newroot {
	const char *name;	/* NEWROOT as given, for messages */
	int fd;			/* the root of the bind of NEWROOT */
	int helper;		/* nsnew's (lib/idmount.c), or -1 */
	bool idmap;		/* --idmap */
};

/* The mount attributes of each filesystem pivot makes. */
enum {
	ATTR_PROC = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_SYS = ATTR_PROC | MOUNT_ATTR_RDONLY,
	ATTR_DEV = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_PTS = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
	ATTR_SHM = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_TMP = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	ATTR_MASK = ATTR_SYS,
};

/* fsconfig() settings: key, value (NULL for a flag), ..., NULL. */
extern const char *const tmp_options[];

/* mounts.c: mount points inside the new root, and mounts on them. */
const char *kernel_hint(int err);
#define die_mount(...) die_err(errno, kernel_hint(errno), __VA_ARGS__)
const char *point_hint(int err);
int open_in_root(const struct newroot *r, const char *path, int flags);
int mount_point(const struct newroot *r, const char *path, bool dir);
void attach(int mnt, int dirfd, const char *name, const char *path);
int new_fs(const char *type, const char *const *options, unsigned int attr,
    char *why, size_t size);
const char *fs_hint(const char *type, int err, const char *why);
int mount_fs(const struct newroot *r, const char *path, const char *type,
    const char *const *options, unsigned int attr);
void mount_fs_in(int dirfd, const char *name, const char *path, mode_t mode,
    const char *type, const char *const *options, unsigned int attr);
int clone_tree(int dirfd, const char *src, unsigned int flags,
    bool recursive, unsigned int attr);
void mount_proc(const struct newroot *r);
void mount_sys(const struct newroot *r);
void mount_tmp(const struct newroot *r);
void mount_user(const struct newroot *r, const struct usermount *m);

/* copyup.c: --tmpfs-copyup, a tmpfs holding a copy of what it covers. */
void mount_copyup(const struct newroot *r, const struct usermount *m);

/* dev.c: /dev, a tmpfs with the host's basic nodes. */
void mount_dev(const struct newroot *r, bool mqueue, const char *shm_size);

/* masks.c: the masked and read-only paths. */
void add_default_masks(struct opts *o, int argc);
void add_mask(struct opts *o, const char *path, bool masked, bool given);
void unmask(struct opts *o, const char *path);
void mount_masks(const struct newroot *r, const struct opts *o);

/* idmap.c: --idmap, through nsnew's mount helper; a mapped root. */
void mount_helper_check(struct newroot *r);
void mount_helper_done(struct newroot *r);
int clone_shown(const struct newroot *r, int dirfd, const char *src,
    unsigned int flags, unsigned int attr, const char *name);
const char *newroot_hint(int err, char *buf, size_t size);

/* switch.c: the bind of NEWROOT, and the switch to it. */
void refuse_host_mntns(void);
void make_root_private(void);
void bind_newroot(struct newroot *r);
void make_root_readonly(const struct newroot *r);
int open_workdir(const struct newroot *r, const char *dir);
void switch_root(const struct newroot *r);
void enter_workdir(int wd, const char *dir);

#endif

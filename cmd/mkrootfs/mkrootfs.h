/*
 * mkrootfs.h: what the files of mkrootfs share. The root being built and
 * its undo log (root.c), allocation and paths (util.c), and the steps
 * main() runs, one file each. The tar and ELF readers have headers of
 * their own (tarread.h, elfread.h), as has the loader's search
 * (ldpath.h).
 */
#ifndef MKROOTFS_H
#define MKROOTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ldpath.h"

/* util.c: allocation, paths and writes that die rather than fail. */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void *grow(void *list, size_t len, size_t *cap, size_t size);
void pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void path_join(char *path, const char *dir, const char *name);
void write_all(int fd, const char *buf, size_t len, const char *what);

/*
 * root.c: the root being built, DIR, and the undo log of what this run
 * made: removed again, newest first, when mkrootfs fails.
 */
enum undo_kind {
	U_FILE,		/* a file, link or node inside the root */
	U_DIR,		/* a directory inside the root */
	U_MOUNT,	/* a mount, by its host path */
	U_HOSTDIR,	/* a host directory: DIR itself, --upper's */
};
struct undo {
	enum undo_kind kind;
	char *path;	/* canonical inside the root, or a host path */
};
struct root {
	int fd;			/* O_PATH of DIR (the overlay, once mounted) */
	char name[PATH_MAX];	/* DIR as given, for messages */
	struct undo *undos;
	size_t nundo, capundo;
	bool built;		/* the root is complete: keep it */
};

void root_open(struct root *r, const char *dir);
void root_undo_at_exit(struct root *r);
void root_undo(struct root *r);
void undo_add(struct root *r, enum undo_kind kind, const char *dir,
    const char *name);
const char *inside(const struct root *r, const char *path);

/* Paths inside the root, resolved as if it were "/", never leaving it. */
enum {
	R_FOLLOW = 1,		/* follow a final symlink */
	R_MKDIR = 2,		/* make missing directories on the way (0755) */
	R_MKDIR_LAST = 4,	/* ... and the last component too */
};
int root_walk(struct root *r, const char *path, int flags, char *canon,
    bool *missing);
int in_root(struct root *r, const char *path, int flags, char *canon);
int in_root_parent(struct root *r, const char *path, int flags, char *canon,
    char *name);

/* Making things inside the root, never over what is there. */
void make_dir(struct root *r, const char *path, mode_t mode);
void make_link(struct root *r, const char *path, const char *target);
void make_file(struct root *r, const char *path, const char *content,
    mode_t mode);
int create_in(struct root *r, int pfd, const char *canon, const char *name,
    mode_t mode);


/* hostfile.c: a host file into the root, copied or mirrored. */
int place_host_file(struct root *r, const char *host, const char *dest,
    char *real, struct stat *st, const char *what);

/*
 * closure.c: host programs with their loader, libraries and script
 * interpreters. What every program installed shares: the installer.
 */
struct fileid {
	dev_t dev;
	ino_t ino;
};
struct installer {
	struct root *root;
	struct ldconf ldconf;	/* /etc/ld.so.conf, once read */
	struct fileid *seen;	/* host files analysed already */
	size_t nseen, capseen;
};
bool path_lookup(const char *name, char *out);
void install_program(struct installer *in, const char *host,
    const char *dest, const char *what);
void copy_ld_cache(struct installer *in);

/* overlay.c: --overlay LOWER[:LOWER...] [--upper UPPER], mounted at DIR. */
struct layers {
	const char *spec;	/* --overlay, as given, or NULL */
	const char *upper;	/* --upper, or NULL */
	char **lowers;		/* the LOWERs, top first */
	int *lowerfds;		/* each opened before anything is mounted */
	size_t nlowers;
};
void open_layers(struct layers *l);
void mount_overlay(struct root *r, const char *dir, const struct layers *l);

/* unpack.c: --tar, the members of an archive (tar.c) into the root. */
struct tar;
void unpack_tar(struct root *r, const char *name, int fd);
void unpack_members(struct root *r, struct tar *t);

/* install.c: the skeleton, the conch tools, busybox. */
void make_skeleton(struct root *r);
void install_tools(struct installer *in, const char *dir);
void install_busybox(struct installer *in, const char *path);

#endif

/*
 * mkrootfs.h: what the files of mkrootfs share. The root being built
 * (root.c), whose undo is lib/undo.c's log, and the steps main() runs,
 * one file each. The tar and ELF readers have headers of their own
 * (tarread.h, elfread.h), as has the loader's search (ldpath.h).
 */
#ifndef MKROOTFS_H
#define MKROOTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ldpath.h"

/*
 * root.c: the root being built, DIR. What this run makes in it is
 * entered in the undo log (lib/undo.c): removed again, newest first,
 * when mkrootfs fails, until main() commits.
 */
struct root {
	int fd;			/* O_PATH of DIR (the overlay, once mounted) */
	char name[PATH_MAX];	/* DIR as given, for messages */
};

void root_open(struct root *r, const char *dir);
void root_made(struct root *r, const char *dir, const char *name,
    bool isdir);
void host_dir_made(const char *path);
const char *inside(const struct root *r, const char *path);

/* Paths formatted whole or not at all, and writes that die. */
void pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void path_join(char *path, const char *dir, const char *name);
void write_all(int fd, const char *buf, size_t len, const char *what);

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
void mirror_dir(struct root *r, const char *path, char *real);

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

/* tree.c: --copy DIR, a host tree with the closure of its ELF files. */
void copy_tree(struct installer *in, const char *dir, const char *what);

/* extras.c: --extras, what programs find at run time by name. */
enum {
	EXTRA_GCONV = 1 << 0,
	EXTRA_NSS = 1 << 1,
	EXTRA_CERTS = 1 << 2,
	EXTRA_TERMINFO = 1 << 3,
	EXTRA_LOCALE = 1 << 4,
};
void extras_parse(const char *list, unsigned int *extras);
void install_extras(struct installer *in, unsigned int extras);

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

/*
 * unpack.c: --tar, the members of an archive (tar.c) into the root, as a
 * layer over what is there. IMAGE: an image's layer, whose symlinks may
 * not climb above the root (Docker refuses them too).
 */
struct tar;
void unpack_tar(struct root *r, const char *name, int fd);
void unpack_members(struct root *r, struct tar *t, bool image);

/* whiteout.c: a layer's whiteouts, and what it replaces. */
struct pathset {
	char **slots;		/* open addressing, cap a power of two */
	size_t cap, n;
};
struct layer {
	struct root *r;
	const char *what;	/* "--tar NAME", for messages */
	struct pathset made;	/* what the layer made, and their parents */
};
void pathset_add(struct pathset *s, const char *path);
bool pathset_has(const struct pathset *s, const char *path);
void pathset_clear(struct pathset *s);
bool is_whiteout(const char *path);
void apply_whiteout(struct layer *l, const char *path);
void remove_replaced(struct layer *l, int pfd, const char *canon,
    const char *name);

/* install.c: the skeleton, the conch tools, busybox. */
void make_skeleton(struct root *r, bool host_nsswitch);
void install_tools(struct installer *in, const char *dir);
void install_busybox(struct installer *in, const char *path);

#endif

/*
 * nsnew.h: what the files of nsnew share: the options, the helper in
 * the parent namespaces, and the steps each file offers main().
 */
#ifndef NSNEW_H
#define NSNEW_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "conch.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct opts {
	int flags;			/* CLONE_NEW* */
	bool map_root, map_auto;
	struct idmap uidmap, gidmap;	/* from --map */
	const char *setgroups;
	bool init;
	bool detach;			/* do not wait for the forked child */
	unsigned long propagation;	/* 0: unchanged */
	bool mount_proc;
	const char *hostname;
	bool offsets;
	long monotonic, boottime;
	const char *pin, *netns;
	bool mount_helper;		/* for the pivot we run (--idmap) */
	char **prog;
};

/*
 * The helper in the parent namespaces, the pipes to and from it, and our
 * end of the mount helper's socket (-1: none).
 */
struct helper {
	int tx, rx;
	int mnt;
};

/* The switch to 0 of the new user namespace, planned before unshare. */
struct to_zero {
	bool uid, gid, groups;
};

/* maps.c: the ID maps, who writes them, and the switch to 0. */
void plan_maps(struct opts *o);
bool maps_by_helper(const struct opts *o);
void plan_zero(const struct opts *o, struct to_zero *z);
void map(const struct opts *o, struct helper *h, const struct to_zero *z);

/* helper.c: the helper (maps, pins, pivot's idmapped mounts). */
bool offers_mount_helper(const struct opts *o);
bool needs_helper(const struct opts *o);
void helper_start(struct helper *h, const struct opts *o);
void helper_step(struct helper *h, char step);
void helper_done(struct helper *h);
void pin(struct helper *h);
void exec_fd_close(void);
void mount_helper_pass(const struct helper *h);
void mount_helper_close(struct helper *h);

/* setup.c: the namespaces made, set up, and PROG run in them. */
void unshare_all(int flags);
void set_up(const struct opts *o);
noreturn void run_prog(const struct opts *o, struct helper *h);
noreturn void run_child(const struct opts *o, struct helper *h);

#endif

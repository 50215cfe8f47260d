/*
 * nsjoin.h: the target, as main.c opens it and list.c prints it.
 */
#ifndef NSJOIN_H
#define NSJOIN_H

#include <limits.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

/* A namespace of the target, indexed as nstypes[]: Linux has eight. */
struct ns {
	char path[PATH_MAX];	/* names it in messages */
	int fd;			/* an nsfs file; -1 with a PID target */
	int err;		/* why the target has none; 0 if it has */
	ino_t ino;
	bool same;		/* as ours */
};

/* What is entered: a process, a pinned directory, or files. */
struct target {
	struct ns ns[8];
	pid_t pid;		/* of a PID target, else 0 */
	int pidfd, procfd;	/* of a PID target, else -1 */
};

/* list.c: -l and --tree, then exit. */
noreturn void list(const struct target *t, int select, bool tree);

#endif

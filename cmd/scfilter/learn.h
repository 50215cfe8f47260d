/*
 * learn.h: --learn and --trace. PROG runs under a filter that sends
 * every system call to a supervisor (learn.c), which lets each one
 * continue (notif.c) and records it in a set (learned.c), written as a
 * profile that -f then enforces.
 */
#ifndef SCFILTER_LEARN_H
#define SCFILTER_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "names.h"
#include "prog.h"

struct learn_opts {
	const char *file;	/* --learn FILE, or NULL */
	bool args;		/* --learn-args */
	bool inner;		/* --learn-inner */
	bool trace;		/* --trace */
};

/* One learned call on one architecture: always, or with arg0 == val. */
struct seen {
	uint32_t arch;
	char *name;
	bool cond;
	uint64_t val;
};

/* The calls whose argument 0 --learn-args records. */
enum { ARG_SOCKET, ARG_CLONE, ARG_PERSONALITY, ARG_PRCTL, NARGCALLS };

#define NR_SLOTS 1024	/* numbers below it are cached; x32's bit taken off */

/* What one architecture of the machine needs at each notification. */
struct archslot {
	uint32_t token;
	uint64_t seen[NR_SLOTS / 64];	/* recorded without a condition */
	char *names[NR_SLOTS];		/* libseccomp's, cached */
	int argnr[NARGCALLS];		/* their numbers here, or -1 */
	int exitnr[2];			/* exit, exit_group */
};

struct learned {
	const struct learn_opts *opts;
	bool json;			/* FILE ends in .json */
	struct seen *e;
	size_t n, cap;
	bool dirty;			/* grown since FILE was written */
	bool written;
	struct archslot slot[MAX_ARCH];
	size_t nslot;
	unsigned mode;			/* of a new FILE: 0666 & ~umask */
	int *inner;			/* --learn-inner: tasks with a filter */
	size_t ninner, capinner;	/* of their own, known so far */
};

/* learned.c */
void learned_init(struct learned *l, const struct learn_opts *o);
void learned_load(struct learned *l);
void learned_check_writable(const struct learned *l);
struct archslot *learned_slot(struct learned *l, uint32_t token);
const char *learned_name(struct archslot *s, uint32_t nr, char *buf,
    size_t size);
void learned_add(struct learned *l, struct archslot *s, uint32_t nr,
    const uint64_t *args);
int learned_write(struct learned *l);

bool learned_inner(struct learned *l, int pid, bool exiting);

/* notif.c: serves the listener until no process uses the filter. */
void notif_serve(int listener, struct learned *l);

/* learn.c: the supervisor forked, the filter loaded, PROG exec'd. */
noreturn void learn_run(const struct learn_opts *o, const struct exec *ex);

#endif

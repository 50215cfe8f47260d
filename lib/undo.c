/*
 * The undo log: what a tool made (a directory, a mount, a cgroup, a
 * setting), undone last first when it fails, so that a failure half way
 * leaves nothing behind (DESIGN.md, Hygiene). One policy for every tool:
 * each step is traced ("TOOL: undo: WHAT") and one that fails is said
 * ("TOOL: undo: WHAT: why") and passed over, for the next may still work
 * and the tool is failing anyway.
 *
 * The log runs from an atexit() handler, so that every die() undoes,
 * and an interrupt too (lib/signal.c): the first entry registers it
 * after interrupt_catch(), whose own handler must run after ours. It runs
 * only in the process that made the entries (a child's exit() is not
 * the tool's failure), and only while armed: undo_commit() keeps what
 * was made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "conch.h"

struct undo_entry {
	undo_fn *fn;		/* NULL for the built-in kinds below */
	void *data;		/* a copy of the caller's */
	int fd;			/* owned: unlink at, or the mount; else -1 */
	char *name;		/* unlink's name, umount's path */
	int kind;
	char *what;		/* for messages */
};

enum { CALL, UNLINK, RMDIR, UMOUNT, DETACH };

static struct undo_entry *entries;
static size_t nentries, cap;
static pid_t owner;		/* the process that made them; 0: none yet */

static int
run_entry(const struct undo_entry *e)
{
	char self[32];

	switch (e->kind) {
	case UNLINK:
	case RMDIR:
		return unlinkat(e->fd, e->name, e->kind == RMDIR ?
		    AT_REMOVEDIR : 0);
	case UMOUNT:
		return umount2(e->name, MNT_DETACH);
	case DETACH:
		/* The mount whose root FD is, wherever it is now. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", e->fd);
		return umount2(self, MNT_DETACH);
	default:
		return e->fn(e->data);
	}
}

static void
free_entry(struct undo_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->data);
	free(e->name);
	free(e->what);
}

/* atexit: last first, each failure said and passed over. */
static void
undo_run(void)
{
	struct undo_entry *e;
	int err;

	if (owner != getpid())
		return;
	while (nentries > 0) {
		e = &entries[--nentries];
		trace("undo: %s", e->what);
		if (run_entry(e) == -1) {
			err = errno;
			warn_err(err, NULL, "undo: %s", e->what);
		}
		free_entry(e);
	}
}

static struct undo_entry *
add(int kind, int fd, const char *fmt, va_list ap)
{
	struct undo_entry *e;
	char what[1024];

	if (owner != getpid()) {
		interrupt_catch();	/* a no-op if the tool did it */
		if (atexit(undo_run) != 0)
			die("atexit: cannot register the undo");
		owner = getpid();
		nentries = 0;
	}
	vsnprintf(what, sizeof(what), fmt, ap);
	entries = grow(entries, nentries, &cap, sizeof(*entries));
	e = &entries[nentries];
	*e = (struct undo_entry){ .kind = kind, .fd = -1,
	    .what = xstrdup(what) };
	if (fd != -1 && fd != AT_FDCWD) {
		e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (e->fd == -1)
			die_sys("undo: keep %s", what);
	} else {
		e->fd = fd;
	}
	nentries++;
	return e;
}

void
undo_push(undo_fn *fn, const void *data, size_t size, const char *fmt, ...)
{
	struct undo_entry *e;
	va_list ap;

	va_start(ap, fmt);
	e = add(CALL, -1, fmt, ap);
	va_end(ap);
	e->fn = fn;
	e->data = xrealloc(NULL, size);
	memcpy(e->data, data, size);
}

void
undo_unlink(int dirfd, const char *name, bool dir, const char *fmt, ...)
{
	struct undo_entry *e;
	va_list ap;

	va_start(ap, fmt);
	e = add(dir ? RMDIR : UNLINK, dirfd, fmt, ap);
	va_end(ap);
	e->name = xstrdup(name);
}

void
undo_umount(const char *path, const char *fmt, ...)
{
	struct undo_entry *e;
	va_list ap;

	va_start(ap, fmt);
	e = add(UMOUNT, -1, fmt, ap);
	va_end(ap);
	e->name = xstrdup(path);
}

void
undo_detach(int mnt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(DETACH, mnt, fmt, ap);
	va_end(ap);
}

/*
 * The point of no return: interrupts act as they did before (a last
 * check first), and what the log holds is kept, its descriptors closed.
 */
void
undo_commit(void)
{
	interrupt_end();
	while (nentries > 0)
		free_entry(&entries[--nentries]);
}

/*
 * whiteout.c: an archive as a layer over what DIR holds, as the OCI image
 * spec says ("Whiteouts", image-layer.md):
 *   - a member ".wh.NAME" deletes NAME, with all it holds, from the lower
 *     layers: what DIR held before this archive;
 *   - a member ".wh..wh..opq" makes its directory opaque: what the lower
 *     layers put in it goes, what this layer puts in it stays;
 * neither is made in DIR, and a whiteout of a path that does not exist
 * is no error. A whiteout hides the lower layers only, never its own
 * layer's entries, whatever their order in the archive: so every path the
 * layer makes is remembered (a set, with its ancestors), and what is
 * removed is what is not in it. Other ".wh..wh." names (aufs's own) are
 * skipped, as Docker skips them.
 *
 * Everything is removed through descriptors, from a directory resolved
 * inside the root, never following a symlink: a whiteout cannot reach
 * outside DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"
#include "tarread.h"

#define WH ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* ---- the paths this layer made: a set of canonical paths ---- */

static size_t
hash(const char *s, size_t len)
{
	size_t h = 1469598103934665603u;	/* FNV-1a */

	while (len-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static char **
slot(const struct pathset *s, const char *p, size_t len)
{
	size_t i = hash(p, len) & (s->cap - 1);

	while (s->slots[i] != NULL && (strlen(s->slots[i]) != len ||
	    memcmp(s->slots[i], p, len) != 0))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

static void
pathset_grow(struct pathset *s)
{
	struct pathset n = { .cap = s->cap ? 2 * s->cap : 1024 };
	size_t i;

	n.slots = xrealloc(NULL, n.cap * sizeof(*n.slots));
	memset(n.slots, 0, n.cap * sizeof(*n.slots));
	for (i = 0; i < s->cap; i++)
		if (s->slots[i] != NULL)
			*slot(&n, s->slots[i], strlen(s->slots[i])) =
			    s->slots[i];
	n.n = s->n;
	free(s->slots);
	*s = n;
}

bool
pathset_has(const struct pathset *s, const char *path)
{
	return s->cap > 0 && *slot(s, path, strlen(path)) != NULL;
}

/* PATH ("/a/b/c", canonical) and its ancestors ("/a", "/a/b"). */
void
pathset_add(struct pathset *s, const char *path)
{
	size_t len = strlen(path);
	char **p;

	while (len > 0) {
		if (2 * (s->n + 1) > s->cap)
			pathset_grow(s);
		p = slot(s, path, len);
		if (*p != NULL)
			return;		/* and its ancestors are there */
		*p = xrealloc(NULL, len + 1);
		memcpy(*p, path, len);
		(*p)[len] = '\0';
		s->n++;
		while (len > 0 && path[len - 1] != '/')
			len--;
		if (len > 0)
			len--;		/* the slash */
	}
}

void
pathset_clear(struct pathset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	*s = (struct pathset){ 0 };
}

/* ---- removing ---- */

static void remove_children(struct layer *l, int dfd, const char *canon,
    bool keep_layer);

/*
 * NAME in the directory PFD (at CANON/NAME in the root), with all it
 * holds: every entry but, with KEEP_LAYER, those this layer made (a
 * directory holding some stays, emptied of the rest).
 */
static void
remove_entry(struct layer *l, int pfd, const char *canon, const char *name,
    bool keep_layer)
{
	char path[PATH_MAX];
	int fd;

	path_join(path, canon, name);
	if (keep_layer && pathset_has(&l->made, path)) {
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1 && errno != ENOTDIR)
			die_sys("%s: %s", l->what, inside(l->r, path));
		if (fd != -1)
			remove_children(l, fd, path, true);
		return;
	}
	if (unlinkat(pfd, name, 0) == 0)
		return;
	if (errno != EISDIR && errno != EPERM)
		die_sys("%s: remove %s", l->what, inside(l->r, path));
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		die_sys("%s: remove %s", l->what, inside(l->r, path));
	remove_children(l, fd, path, false);
	if (unlinkat(pfd, name, AT_REMOVEDIR) == -1)
		die_sys("%s: remove %s", l->what, inside(l->r, path));
}

/* The entries of the directory DFD (closed here), as remove_entry(). */
static void
remove_children(struct layer *l, int dfd, const char *canon,
    bool keep_layer)
{
	struct dirent *d;
	DIR *dp;

	interrupt_check();
	if ((dp = fdopendir(dfd)) == NULL)
		die_sys("%s: %s", l->what, inside(l->r, canon));
	for (errno = 0; (d = readdir(dp)) != NULL; errno = 0) {
		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		/* Removing the entry just read is safe on Linux. */
		remove_entry(l, dirfd(dp), canon, d->d_name, keep_layer);
	}
	if (errno != 0)
		die_sys("%s: read %s", l->what, inside(l->r, canon));
	closedir(dp);
}

/* Whatever this layer made, or was made before, at PFD/NAME: replaced. */
void
remove_replaced(struct layer *l, int pfd, const char *canon,
    const char *name)
{
	remove_entry(l, pfd, canon, name, false);
}

/* ---- the whiteout members ---- */

/* .wh..wh..opq: what the lower layers put in the directory PFD goes. */
static void
hide_all(struct layer *l, int pfd, const char *canon)
{
	int fd;

	trace("%s: opaque %s", l->what, inside(l->r, canon));
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		die_sys("%s: %s", l->what, inside(l->r, canon));
	remove_children(l, fd, canon, true);
}

/* .wh.NAME: NAME in the directory PFD goes, if it is there. */
static void
hide(struct layer *l, int pfd, const char *canon, const char *name)
{
	if (faccessat(pfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		trace("%s: whiteout %s/%s", l->what, inside(l->r, canon),
		    name);
		remove_entry(l, pfd, canon, name, true);
	} else if (errno != ENOENT) {
		die_sys("%s: whiteout %s/%s", l->what, inside(l->r, canon),
		    name);
	}
}

bool
is_whiteout(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strncmp(base, WH, strlen(WH)) == 0;
}

/*
 * The member PATH (cleaned: relative, no ".."), whose last component
 * starts with ".wh.": what it hides goes.
 */
void
apply_whiteout(struct layer *l, const char *path)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *hidden = base + strlen(WH);
	int pfd;

	if (strncmp(base, WH WH, 2 * strlen(WH)) == 0 &&
	    strcmp(base, WH_OPAQUE) != 0) {
		trace("%s: skip %s", l->what, path);
		return;
	}
	if (*hidden == '\0' || strcmp(hidden, ".") == 0 ||
	    strcmp(hidden, "..") == 0)
		die("%s: whiteout '%s' names no file", l->what, path);
	if ((pfd = in_root_parent(l->r, path, 0, canon, name)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			die_sys("%s: whiteout %s", l->what,
			    inside(l->r, path));
		trace("%s: whiteout %s: nothing there", l->what, path);
		return;		/* its directory is not there either */
	}
	if (strcmp(name, WH_OPAQUE) == 0)
		hide_all(l, pfd, canon);
	else
		hide(l, pfd, canon, hidden);
	close(pfd);
}

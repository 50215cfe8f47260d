/*
 * unpack.c: --tar and image layers: the members of an archive (tar.c
 * reads them) made inside the root (root.c), as GNU tar extracts them,
 * with mkrootfs's policy: nothing outside DIR, no ".." in a name, owners
 * kept only where the IDs exist here and we may give files away (setuid
 * and setgid bits dropped otherwise), device nodes skipped where mknod is
 * refused, and directories' attributes set last, deepest first. Every
 * archive is a layer over what DIR holds (whiteout.c): a member replaces
 * what is at its path, a directory with all it holds, and its whiteouts
 * delete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"
#include "tarread.h"

/* Directories get their modes, owners and times last, deepest first. */
struct dirattr {
	char *path;	/* canonical inside the root, "" for the root */
	mode_t mode;
	uint64_t uid, gid;
	struct timespec times[2];
	bool superseded;	/* listed again later in the archive */
};

/* One archive being unpacked into the root. */
struct unpack {
	struct root *r;
	struct tar *t;
	bool image;		/* an image's layer: Docker's symlink rule */
	struct layer layer;	/* what it made, for its whiteouts */
	struct dirattr *dirs;
	size_t ndirs, capdirs;
	size_t unowned, nodevs, whiteouts;
};

/* Where a member goes: NAME in the directory PFD, at CANON in the root. */
struct slot {
	int pfd;
	const char *canon, *name;
};

/*
 * A member's name, made relative to the root: leading "/" and "./" go,
 * and ".." is refused: GNU tar skips such members; we refuse the archive.
 */
static void
clean_name(struct tar *t, const char *in, char *out, const char *what)
{
	char buf[PATH_MAX], *rest = buf, *c;
	size_t o = 0;

	pathf(buf, sizeof(buf), "%s", in);
	while ((c = strsep(&rest, "/")) != NULL) {
		if (*c == '\0' || strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			tar_fail(t, "%s '%s': refusing a path with '..'", what,
			    in);
		o += snprintf(out + o, PATH_MAX - o, "%s%s", o ? "/" : "", c);
	}
	out[o] = '\0';
}

/* May we give files these owners? Only when the IDs exist here. */
static bool
may_chown(uint64_t uid, uint64_t gid)
{
	return geteuid() == 0 && id_mapped('u', uid) == 1 &&
	    id_mapped('g', gid) == 1;
}

/*
 * The mode a member gets. Where its owner is not kept, the setuid and
 * setgid bits go, of directories too, as GNU tar drops them when it does
 * not restore owners: an image's setuid file would otherwise run with
 * the rights of whoever unpacked it. The sticky bit only takes rights
 * away, and stays.
 */
static mode_t
member_mode(mode_t mode, uint64_t uid, uint64_t gid)
{
	if (may_chown(uid, gid))
		return mode;
	return mode & ~(S_ISUID | S_ISGID);
}

/*
 * Clear the way for a new entry at PFD/NAME (CANON/NAME in the root): a
 * layer's entry replaces what is there, a directory with all it holds.
 * False when a directory merges with the directory that is there.
 */
static bool
clear_way(struct unpack *u, const struct slot *s, const char *path,
    bool dir)
{
	struct stat st;

	if (fstatat(s->pfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return true;
		die_sys("%s: %s", u->t->what, inside(u->r, path));
	}
	if (S_ISDIR(st.st_mode) && dir)
		return false;	/* merged: only its attributes change */
	trace("%s: replace %s", u->t->what, inside(u->r, path));
	if (S_ISDIR(st.st_mode))
		remove_replaced(&u->layer, s->pfd, s->canon, s->name);
	else if (unlinkat(s->pfd, s->name, 0) == -1)
		die_sys("%s: replace %s", u->t->what, inside(u->r, path));
	return true;
}

/*
 * The member's owner, when the IDs exist here and we may give files
 * away; else the file stays ours (counted, and said under -v).
 */
static void
set_owner(struct unpack *u, int fd, const char *name, uint64_t uid,
    uint64_t gid, const char *path)
{
	int r;

	if (!may_chown(uid, gid)) {
		u->unowned++;
		return;
	}
	r = name == NULL ? fchown(fd, uid, gid) :
	    fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r == -1)
		die_sys("%s: chown %s", u->t->what, inside(u->r, path));
}

static void
unpack_file(struct unpack *u, const struct slot *s, const struct member *m)
{
	struct tar *t = u->t;
	const unsigned char *p;
	size_t i, k;
	int fd;

	fd = create_in(u->r, s->pfd, s->canon, s->name, 0600);
	if (fd == -1)
		die_err(EEXIST, NULL, "%s: create %s/%s", t->what,
		    inside(u->r, s->canon), s->name);
	while ((k = tar_data(t, &p)) > 0)
		write_all(fd, (const char *)p, k, inside(u->r, m->path));
	set_owner(u, fd, NULL, m->uid, m->gid, m->path);
	if (fchmod(fd, member_mode(m->mode, m->uid, m->gid)) == -1)
		die_sys("%s: %s", t->what, inside(u->r, m->path));
	/* After the chown, which clears security.capability, as tar does. */
	for (i = 0; i < m->nxattrs; i++)
		if (fsetxattr(fd, m->xattrs[i].name, m->xattrs[i].value,
		    m->xattrs[i].len, 0) == -1)
			trace("%s: %s: xattr %s not kept: %s", t->what,
			    m->path, m->xattrs[i].name, strerror(errno));
	if (futimens(fd, m->times) == -1 || close(fd) == -1)
		die_sys("%s: %s", t->what, inside(u->r, m->path));
}

/* A symlink or a node made: its owner and times, as the member says. */
static void
finish_entry(struct unpack *u, const struct slot *s, const struct member *m)
{
	root_made(u->r, s->canon, s->name, false);
	set_owner(u, s->pfd, s->name, m->uid, m->gid, m->path);
	if (utimensat(s->pfd, s->name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
		die_sys("%s: %s", u->t->what, inside(u->r, m->path));
}

/*
 * Does the relative symlink TARGET, in the directory CANON, climb above
 * the root? The kernel would stop it at the container's root, as root.c
 * does, but Docker refuses such a layer ("invalid symlink"): no image
 * that runs elsewhere has one, so a layer that does is hostile or broken.
 */
static bool
climbs_out(const char *canon, const char *target)
{
	const char *p, *c;
	long depth = 0;
	size_t n;

	if (target[0] == '/')
		return false;	/* from the container's root */
	for (p = canon; *p; p++)
		depth += *p == '/';
	for (c = target; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			depth++;
		}
	}
	return false;
}

static void
unpack_symlink(struct unpack *u, const struct slot *s,
    const struct member *m)
{
	if (m->link[0] == '\0')
		tar_fail(u->t, "symlink '%s' has no target", m->path);
	if (u->image && climbs_out(s->canon, m->link))
		tar_fail(u->t, "symlink '%s' -> '%s' leads out of the root",
		    m->path, m->link);
	if (symlinkat(m->link, s->pfd, s->name) == -1)
		die_sys("%s: symlink %s", u->t->what,
		    inside(u->r, m->path));
	finish_entry(u, s, m);
}

/* A hard link, to a target named inside the root like any member. */
static void
unpack_hardlink(struct unpack *u, const struct slot *s,
    const struct member *m)
{
	char lcanon[PATH_MAX], lname[NAME_MAX + 1], link[PATH_MAX];
	int lfd;

	clean_name(u->t, m->link, link, "hard link target");
	if ((lfd = in_root_parent(u->r, link, 0, lcanon, lname)) == -1 ||
	    linkat(lfd, lname, s->pfd, s->name, 0) == -1)
		die_sys("%s: hard link %s to %s", u->t->what,
		    inside(u->r, m->path), inside(u->r, link));
	close(lfd);
	root_made(u->r, s->canon, s->name, false);
}

/* A device or a FIFO; devices are skipped where mknod is not allowed. */
static void
unpack_node(struct unpack *u, const struct slot *s, const struct member *m)
{
	mode_t type = m->type == '3' ? S_IFCHR : m->type == '4' ? S_IFBLK :
	    S_IFIFO;

	if (mknodat(s->pfd, s->name, member_mode(m->mode, m->uid, m->gid) |
	    type, makedev(m->major, m->minor)) == -1) {
		if (errno != EPERM && errno != EACCES)
			die_sys("%s: mknod %s", u->t->what,
			    inside(u->r, m->path));
		trace("%s: skip device %s (mknod: %s)", u->t->what,
		    m->path, strerror(errno));
		u->nodevs++;
		return;
	}
	finish_entry(u, s, m);
}

/* Directory DIR/NAME (NAME NULL: the root) gets M's attributes at the end. */
static void
dir_later(struct unpack *u, const char *dir, const char *name,
    const struct member *m)
{
	char path[PATH_MAX];

	path_join(path, dir, name);
	u->dirs = grow(u->dirs, u->ndirs, &u->capdirs, sizeof(*u->dirs));
	u->dirs[u->ndirs++] = (struct dirattr){ xstrdup(path), m->mode,
	    m->uid, m->gid, { m->times[0], m->times[1] }, false };
}

/* The entry M at S, the way cleared. */
static void
make_entry(struct unpack *u, const struct slot *s, const struct member *m)
{
	switch (m->type) {
	case '0': case '\0': case '7':
		unpack_file(u, s, m);
		break;
	case '5': case 'D':
		if (mkdirat(s->pfd, s->name, 0700) == -1)
			die_sys("%s: mkdir %s", u->t->what,
			    inside(u->r, m->path));
		root_made(u->r, s->canon, s->name, true);
		break;
	case '2':
		unpack_symlink(u, s, m);
		break;
	case '1':
		unpack_hardlink(u, s, m);
		break;
	case '3': case '4': case '6':
		unpack_node(u, s, m);
		break;
	}
}

/* One member, of any type, at m->path inside the root. */
static void
unpack_member(struct unpack *u, const struct member *m)
{
	char canon[PATH_MAX], name[NAME_MAX + 1], path[PATH_MAX];
	bool isdir = m->type == '5' || m->type == 'D';
	struct slot s = { -1, canon, name };

	if (m->path[0] == '\0') {	/* "./": the root itself */
		if (!isdir)
			tar_fail(u->t, "member '/' is not a directory");
		dir_later(u, "", NULL, m);
		return;
	}
	s.pfd = in_root_parent(u->r, m->path, R_MKDIR, canon, name);
	if (s.pfd == -1)
		die_sys("%s: %s", u->t->what, inside(u->r, m->path));
	if (clear_way(u, &s, m->path, isdir))
		make_entry(u, &s, m);
	close(s.pfd);
	path_join(path, canon, name);
	pathset_add(&u->layer.made, path);
	if (isdir)
		dir_later(u, canon, name, m);
}

static int
by_path(const void *a, const void *b)
{
	const struct dirattr *x = *(const struct dirattr *const *)a;
	const struct dirattr *y = *(const struct dirattr *const *)b;
	int c = strcmp(x->path, y->path);

	return c != 0 ? c : (x > y) - (x < y);	/* then archive order */
}

/*
 * A directory listed more than once gets the last entry's attributes,
 * as with GNU tar; they are applied where its first entry was, after
 * everything the archive put below it.
 */
static void
merge_dirs(struct unpack *u)
{
	struct dirattr **v, *first, *last;
	size_t i, j;

	if (u->ndirs < 2)
		return;
	v = xrealloc(NULL, u->ndirs * sizeof(*v));
	for (i = 0; i < u->ndirs; i++)
		v[i] = &u->dirs[i];
	qsort(v, u->ndirs, sizeof(*v), by_path);
	for (i = 0; i < u->ndirs; i = j) {
		for (j = i + 1; j < u->ndirs &&
		    strcmp(v[j]->path, v[i]->path) == 0; j++)
			v[j]->superseded = true;
		first = v[i];
		last = v[j - 1];
		first->mode = last->mode;
		first->uid = last->uid;
		first->gid = last->gid;
		first->times[0] = last->times[0];
		first->times[1] = last->times[1];
	}
	free(v);
}

/* Open a directory the archive made, for its attributes; -1 if gone. */
static int
open_dir(struct unpack *u, const char *path)
{
	char name[NAME_MAX + 1];
	int pfd, fd;

	if (path[0] == '\0')
		return openat(u->r->fd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	pfd = in_root_parent(u->r, path, 0, NULL, name);
	fd = pfd == -1 ? -1 : openat(pfd, name, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (pfd != -1)
		close(pfd);
	return fd;
}

/* The directories' attributes, deepest (latest) first. */
static void
finish_dirs(struct unpack *u)
{
	size_t i;
	int fd;

	merge_dirs(u);
	for (i = u->ndirs; i-- > 0;) {
		const struct dirattr *d = &u->dirs[i];

		if (d->superseded)
			continue;
		if ((fd = open_dir(u, d->path)) == -1) {
			/* replaced by a later member */
			trace("%s: %s: %s", u->t->what,
			    inside(u->r, d->path), strerror(errno));
			continue;
		}
		set_owner(u, fd, NULL, d->uid, d->gid, d->path);
		if (fchmod(fd, member_mode(d->mode, d->uid, d->gid)) == -1 ||
		    futimens(fd, d->times) == -1)
			die_sys("%s: %s", u->t->what,
			    inside(u->r, d->path));
		close(fd);
	}
	for (i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
}

/* Every member of T into the root R, as a layer over what is there. */
void
unpack_members(struct root *r, struct tar *t, bool image)
{
	struct unpack u = { .r = r, .t = t, .image = image,
	    .layer = { .r = r, .what = t->what } };
	struct member m = { 0 };
	char clean[PATH_MAX];

	while (tar_next(t, &m)) {
		clean_name(t, m.path, clean, "member");
		strcpy(m.path, clean);
		if (m.type != '0' && m.type != '\0' && m.type != '7') {
			tar_skip(t);
			m.size = 0;
		}
		if (is_whiteout(m.path)) {
			tar_skip(t);
			apply_whiteout(&u.layer, m.path);
			u.whiteouts++;
			continue;
		}
		unpack_member(&u, &m);
	}
	finish_dirs(&u);
	pathset_clear(&u.layer.made);
	if (u.unowned)
		trace("%s: %zu owners not kept (IDs not mapped here, "
		    "or not root)", t->what, u.unowned);
	if (u.nodevs)
		trace("%s: %zu device nodes skipped", t->what, u.nodevs);
	if (u.whiteouts)
		trace("%s: %zu whiteouts applied", t->what, u.whiteouts);
}

/* The archive NAME, open as FD (closed here), into the root R. */
void
unpack_tar(struct root *r, const char *name, int fd)
{
	static struct tar t;	/* static: its buffers */
	char what[PATH_MAX + 8];

	snprintf(what, sizeof(what), "--tar %s", name);
	tar_open(&t, what, fd);
	unpack_members(r, &t, false);
	tar_close(&t);
}

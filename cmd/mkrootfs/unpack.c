/*
 * unpack.c: --tar: the members of an archive (tar.c reads them) made
 * inside the root (root.c), as GNU tar extracts them, with mkrootfs's
 * policy: nothing outside DIR, no ".." in a name, entries replaced as tar
 * replaces them, owners kept only where the IDs exist here and we may
 * give files away (setuid and setgid bits dropped otherwise), device
 * nodes skipped where mknod is refused, and directories' attributes set
 * last, deepest first.
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
	struct dirattr *dirs;
	size_t ndirs, capdirs;
	size_t unowned, nodevs;
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

/* Clear the way for a new entry at PFD/NAME, as tar replaces files. */
static bool
clear_way(struct unpack *u, int pfd, const char *name, const char *path,
    bool dir)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return true;
		die_sys("--tar %s: %s", u->t->name, inside(u->r, path));
	}
	if (S_ISDIR(st.st_mode) && dir)
		return false;	/* merged: only its attributes change */
	if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == -1)
		die_sys("--tar %s: replace %s", u->t->name,
		    inside(u->r, path));
	trace("--tar %s: replace %s", u->t->name, inside(u->r, path));
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
		die_sys("--tar %s: chown %s", u->t->name, inside(u->r, path));
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
		die_err(EEXIST, NULL, "--tar %s: create %s/%s", t->name,
		    inside(u->r, s->canon), s->name);
	while ((k = tar_data(t, &p)) > 0)
		write_all(fd, (const char *)p, k, inside(u->r, m->path));
	set_owner(u, fd, NULL, m->uid, m->gid, m->path);
	if (fchmod(fd, member_mode(m->mode, m->uid, m->gid)) == -1)
		die_sys("--tar %s: %s", t->name, inside(u->r, m->path));
	/* After the chown, which clears security.capability, as tar does. */
	for (i = 0; i < m->nxattrs; i++)
		if (fsetxattr(fd, m->xattrs[i].name, m->xattrs[i].value,
		    m->xattrs[i].len, 0) == -1)
			trace("--tar %s: %s: xattr %s not kept: %s", t->name,
			    m->path, m->xattrs[i].name, strerror(errno));
	if (futimens(fd, m->times) == -1 || close(fd) == -1)
		die_sys("--tar %s: %s", t->name, inside(u->r, m->path));
}

/* A symlink or a node made: its owner and times, as the member says. */
static void
finish_entry(struct unpack *u, const struct slot *s, const struct member *m)
{
	undo_add(u->r, U_FILE, s->canon, s->name);
	set_owner(u, s->pfd, s->name, m->uid, m->gid, m->path);
	if (utimensat(s->pfd, s->name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
		die_sys("--tar %s: %s", u->t->name, inside(u->r, m->path));
}

static void
unpack_symlink(struct unpack *u, const struct slot *s,
    const struct member *m)
{
	if (m->link[0] == '\0')
		tar_fail(u->t, "symlink '%s' has no target", m->path);
	if (symlinkat(m->link, s->pfd, s->name) == -1)
		die_sys("--tar %s: symlink %s", u->t->name,
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
		die_sys("--tar %s: hard link %s to %s", u->t->name,
		    inside(u->r, m->path), inside(u->r, link));
	close(lfd);
	undo_add(u->r, U_FILE, s->canon, s->name);
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
			die_sys("--tar %s: mknod %s", u->t->name,
			    inside(u->r, m->path));
		trace("--tar %s: skip device %s (mknod: %s)", u->t->name,
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

/* One member, of any type, at m->path inside the root. */
static void
unpack_member(struct unpack *u, const struct member *m)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
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
		die_sys("--tar %s: %s", u->t->name, inside(u->r, m->path));
	if (clear_way(u, s.pfd, name, m->path, isdir)) {
		switch (m->type) {
		case '0': case '\0': case '7':
			unpack_file(u, &s, m);
			break;
		case '5': case 'D':
			if (mkdirat(s.pfd, name, 0700) == -1)
				die_sys("--tar %s: mkdir %s", u->t->name,
				    inside(u->r, m->path));
			undo_add(u->r, U_DIR, canon, name);
			break;
		case '2':
			unpack_symlink(u, &s, m);
			break;
		case '1':
			unpack_hardlink(u, &s, m);
			break;
		case '3': case '4': case '6':
			unpack_node(u, &s, m);
			break;
		}
	}
	close(s.pfd);
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
			trace("--tar %s: %s: %s", u->t->name,
			    inside(u->r, d->path), strerror(errno));
			continue;
		}
		set_owner(u, fd, NULL, d->uid, d->gid, d->path);
		if (fchmod(fd, member_mode(d->mode, d->uid, d->gid)) == -1 ||
		    futimens(fd, d->times) == -1)
			die_sys("--tar %s: %s", u->t->name,
			    inside(u->r, d->path));
		close(fd);
	}
	for (i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
}

/* Every member of T into the root R. */
void
unpack_members(struct root *r, struct tar *t)
{
	struct unpack u = { .r = r, .t = t };
	struct member m = { 0 };
	char clean[PATH_MAX];

	while (tar_next(t, &m)) {
		clean_name(t, m.path, clean, "member");
		strcpy(m.path, clean);
		if (m.type != '0' && m.type != '\0' && m.type != '7') {
			tar_skip(t);
			m.size = 0;
		}
		unpack_member(&u, &m);
	}
	finish_dirs(&u);
	if (u.unowned)
		trace("--tar %s: %zu owners not kept (IDs not mapped here, "
		    "or not root)", t->name, u.unowned);
	if (u.nodevs)
		trace("--tar %s: %zu device nodes skipped", t->name,
		    u.nodevs);
}

/* The archive NAME, open as FD (closed here), into the root R. */
void
unpack_tar(struct root *r, const char *name, int fd)
{
	static struct tar t;	/* static: a 64 KiB buffer */

	tar_open(&t, name, fd);
	unpack_members(r, &t);
	tar_close(&t);
}

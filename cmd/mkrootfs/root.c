/*
 * root.c: the root being built, DIR: paths resolved inside it, things
 * made in it, and the undo log that removes them again on failure.
 *
 * Every path inside DIR goes through root_walk(), one component at a
 * time with O_NOFOLLOW, as the kernel would resolve it if DIR were "/":
 * ".." stops at DIR and absolute symlinks restart from DIR. A hostile
 * tree (usr -> /usr) cannot make us write outside it.
 * openat2(RESOLVE_IN_ROOT) gives the same guarantee but not the canonical
 * path, which relative links, mkdir -p and the undo log need.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"

/* ---- the root, and undoing what was made in it ---- */

/* A path inside the root, as "DIR/path" for messages. */
const char *
inside(const struct root *r, const char *path)
{
	static char buf[2][2 * PATH_MAX];
	static int i;

	i ^= 1;
	while (*path == '/')
		path++;
	snprintf(buf[i], sizeof(buf[i]), "%s%s%s", r->name,
	    *path ? "/" : "", path);
	return buf[i];
}

void
undo_add(struct root *r, enum undo_kind kind, const char *dir,
    const char *name)
{
	char path[PATH_MAX];

	path_join(path, dir, name);
	r->undos = grow(r->undos, r->nundo, &r->capundo, sizeof(*r->undos));
	r->undos[r->nundo].kind = kind;
	r->undos[r->nundo++].path = xstrdup(path);
}

/* rmdir, and for an overlay's work directory the two it made inside. */
static int
rmdir_work(const char *path)
{
	char sub[PATH_MAX];

	if (rmdir(path) == 0)
		return 0;
	if (errno != ENOTEMPTY)
		return -1;
	snprintf(sub, sizeof(sub), "%s/work", path);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/index", path);
	rmdir(sub);
	return rmdir(path);
}

static int
undo_one(struct root *r, const struct undo *u)
{
	char name[NAME_MAX + 1];
	int pfd, ret;

	switch (u->kind) {
	case U_FILE:
	case U_DIR:
		pfd = in_root_parent(r, u->path, 0, NULL, name);
		ret = pfd == -1 ? -1 : unlinkat(pfd, name,
		    u->kind == U_DIR ? AT_REMOVEDIR : 0);
		if (pfd != -1)
			close(pfd);
		return ret;
	case U_MOUNT:
		return umount2(u->path, MNT_DETACH);
	default:
		return rmdir_work(u->path);
	}
}

/* Remove what this run made, newest first; the log is then empty. */
void
root_undo(struct root *r)
{
	size_t i;

	for (i = r->nundo; i-- > 0;) {
		const struct undo *u = &r->undos[i];

		if (undo_one(r, u) == -1)
			trace("undo %s: %s", u->kind == U_MOUNT ||
			    u->kind == U_HOSTDIR ? u->path : inside(r, u->path),
			    strerror(errno));
		free(u->path);
	}
	r->nundo = 0;
}

/* The root atexit() undoes: the handler takes no argument. */
static struct root *exit_root;

static void
undo_at_exit(void)
{
	if (!exit_root->built)
		root_undo(exit_root);
}

/* On failure, exit() removes what this run made in R. */
void
root_undo_at_exit(struct root *r)
{
	exit_root = r;
	if (atexit(undo_at_exit) != 0)
		die("atexit");
}

/* DIR, made if missing (not its parents), opened as the root. */
void
root_open(struct root *r, const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	pathf(r->name, sizeof(r->name), "%.*s", (int)len, dir);
	if (mkdir(dir, 0755) == 0) {
		trace("mkdir %s", dir);
		undo_add(r, U_HOSTDIR, dir, NULL);
	} else if (errno != EEXIST) {
		die_sys("mkdir %s", dir);
	}
	r->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd == -1)
		die_sys("open %s", dir);
}

/* ---- paths inside the root, never leaving it ---- */

static int
open_step(int dirfd, const char *name)
{
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Open again a canonical path (no symlinks in it) from the root. */
static int
reopen_canon(const struct root *r, const char *canon)
{
	char buf[PATH_MAX], *rest = buf, *name;
	struct stat st;
	int fd, nfd;

	snprintf(buf, sizeof(buf), "%s", canon);
	fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
	while (fd != -1 && (name = strsep(&rest, "/")) != NULL) {
		if (*name == '\0')
			continue;
		nfd = open_step(fd, name);
		close(fd);
		fd = nfd;
		if (fd != -1 && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			errno = ENOTDIR;	/* it changed under us */
		}
	}
	return fd;
}

/* One resolution in progress: where it stands, and what is left. */
struct walk {
	struct root *r;
	int fd;				/* the directory reached */
	char rem[2 * PATH_MAX + 2];	/* the path left to walk */
	char *rest;			/* in rem */
	char cpath[PATH_MAX];		/* fd's canonical path, "": the root */
	size_t clen;
	int links;			/* symlinks followed */
};

/* Give up: NFD (unless -1) and the walk's directory closed, errno kept. */
static int
walk_fail(struct walk *w, int nfd)
{
	int err = errno;

	if (nfd != -1)
		close(nfd);
	close(w->fd);
	errno = err;
	return -1;
}

static int
walk_append(struct walk *w, const char *name)
{
	size_t nlen = strlen(name);

	if (w->clen + 1 + nlen >= sizeof(w->cpath)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w->cpath[w->clen++] = '/';
	memcpy(w->cpath + w->clen, name, nlen + 1);
	w->clen += nlen;
	return 0;
}

/* "..": the parent, reopened from the root; ".." of the root is the root. */
static int
walk_up(struct walk *w)
{
	char *slash = strrchr(w->cpath, '/');

	if (slash == NULL)
		return 0;
	*slash = '\0';
	w->clen = slash - w->cpath;
	close(w->fd);
	if ((w->fd = reopen_canon(w->r, w->cpath)) == -1)
		return -1;
	return 0;
}

static int
walk_mkdir(struct walk *w, const char *name)
{
	if (mkdirat(w->fd, name, 0755) == 0) {
		trace("mkdir %s/%s", inside(w->r, w->cpath), name);
		undo_add(w->r, U_DIR, w->cpath, name);
	} else if (errno != EEXIST) {
		return -1;
	}
	return 0;
}

/* The symlink NFD: its text replaces it in the path left to walk. */
static int
walk_symlink(struct walk *w, int nfd)
{
	char link[PATH_MAX], tmp[2 * PATH_MAX + 2];
	ssize_t n;

	n = readlinkat(nfd, "", link, sizeof(link));
	if (n == -1)
		return walk_fail(w, nfd);
	close(nfd);
	if ((size_t)n >= sizeof(link) || ++w->links > 40) {
		errno = (size_t)n >= sizeof(link) ? ENAMETOOLONG : ELOOP;
		return walk_fail(w, -1);
	}
	link[n] = '\0';
	if (snprintf(tmp, sizeof(tmp), "%s/%s", link,
	    w->rest ? w->rest : "") >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return walk_fail(w, -1);
	}
	strcpy(w->rem, tmp);
	w->rest = w->rem;
	if (link[0] == '/') {
		close(w->fd);
		if ((w->fd = fcntl(w->r->fd, F_DUPFD_CLOEXEC, 0)) == -1)
			return -1;
		w->cpath[0] = '\0';
		w->clen = 0;
	}
	return 0;
}

/*
 * One component NAME (LAST: nothing follows it). Returns 0 to go on, 1
 * when it is missing and MISSING allows that, -1 on failure (the walk's
 * directory then closed).
 */
static int
walk_step(struct walk *w, const char *name, bool last, int flags,
    bool *missing)
{
	struct stat st;
	int nfd;

	nfd = open_step(w->fd, name);
	if (nfd == -1 && errno == ENOENT && (flags & R_MKDIR) &&
	    (!last || (flags & R_MKDIR_LAST))) {
		if (walk_mkdir(w, name) == -1)
			return walk_fail(w, -1);
		nfd = open_step(w->fd, name);
	}
	if (nfd == -1 && errno == ENOENT && last && missing != NULL) {
		*missing = true;
		return walk_append(w, name) == -1 ? walk_fail(w, -1) : 1;
	}
	if (nfd == -1)
		return walk_fail(w, -1);
	if (fstat(nfd, &st) == -1)
		return walk_fail(w, nfd);
	if (S_ISLNK(st.st_mode) && (!last || (flags & R_FOLLOW)))
		return walk_symlink(w, nfd);
	if (!last && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return walk_fail(w, nfd);
	}
	if (walk_append(w, name) == -1)
		return walk_fail(w, nfd);
	close(w->fd);
	w->fd = nfd;
	return 0;
}

/*
 * Resolve PATH inside the root as the kernel would if the root were "/".
 * Returns an O_PATH fd, or -1 with errno set. CANON, when not NULL,
 * receives the canonical path: "" for the root, else "/a/b". With
 * MISSING, a last component (symlinks followed) that does not exist is
 * no error: the fd is then its directory's, and *MISSING is set.
 */
int
root_walk(struct root *r, const char *path, int flags, char *canon,
    bool *missing)
{
	struct walk w;
	char *name;
	bool last;
	int st;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w.r = r;
	w.cpath[0] = '\0';
	w.clen = 0;
	w.links = 0;
	strcpy(w.rem, path);
	w.rest = w.rem;
	if ((w.fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	while ((name = strsep(&w.rest, "/")) != NULL) {
		last = w.rest == NULL || w.rest[strspn(w.rest, "/")] == '\0';
		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		st = strcmp(name, "..") == 0 ? walk_up(&w) :
		    walk_step(&w, name, last, flags, missing);
		if (st == -1)
			return -1;
		if (st == 1)
			break;
	}
	if (canon != NULL)
		strcpy(canon, w.cpath);
	return w.fd;
}

int
in_root(struct root *r, const char *path, int flags, char *canon)
{
	return root_walk(r, path, flags, canon, NULL);
}

/*
 * The directory holding PATH's last component, resolved inside the root
 * (following symlinks); NAME (NAME_MAX + 1 bytes) gets the component.
 */
int
in_root_parent(struct root *r, const char *path, int flags, char *canon,
    char *name)
{
	char dir[PATH_MAX], *slash, *base;
	size_t len = strlen(path);

	while (len > 0 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0 || strlen(base) > NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	strcpy(name, base);
	*base = '\0';
	if (flags & R_MKDIR)
		flags |= R_MKDIR_LAST;
	return in_root(r, dir, flags | R_FOLLOW, canon);
}

/* ---- making things inside the root, never over what is there ---- */

void
make_dir(struct root *r, const char *path, mode_t mode)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd;

	if ((pfd = in_root_parent(r, path, R_MKDIR, canon, name)) == -1)
		die_sys("mkdir %s", inside(r, path));
	if (mkdirat(pfd, name, mode) == 0) {
		trace("mkdir %s/%s", inside(r, canon), name);
		undo_add(r, U_DIR, canon, name);
	} else if (errno != EEXIST) {
		die_sys("mkdir %s/%s", inside(r, canon), name);
	}
	close(pfd);
}

void
make_link(struct root *r, const char *path, const char *target)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd;

	if ((pfd = in_root_parent(r, path, R_MKDIR, canon, name)) == -1)
		die_sys("symlink %s", inside(r, path));
	if (symlinkat(target, pfd, name) == 0) {
		trace("symlink %s/%s -> %s", inside(r, canon), name, target);
		undo_add(r, U_FILE, canon, name);
	} else if (errno != EEXIST) {
		die_sys("symlink %s/%s", inside(r, canon), name);
	}
	close(pfd);
}

/* Create NAME in PFD for writing; -1 with EEXIST when something is there. */
int
create_in(struct root *r, int pfd, const char *canon, const char *name,
    mode_t mode)
{
	int fd;

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, mode);
	if (fd == -1 && errno != EEXIST)
		die_sys("create %s/%s", inside(r, canon), name);
	if (fd != -1)
		undo_add(r, U_FILE, canon, name);
	return fd;
}

void
make_file(struct root *r, const char *path, const char *content, mode_t mode)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd, fd;

	if ((pfd = in_root_parent(r, path, R_MKDIR, canon, name)) == -1)
		die_sys("create %s", inside(r, path));
	fd = create_in(r, pfd, canon, name, mode);
	close(pfd);
	if (fd == -1)
		return;
	trace("write %s/%s", inside(r, canon), name);
	write_all(fd, content, strlen(content), inside(r, path));
	if (close(fd) == -1)
		die_sys("write %s", inside(r, path));
}

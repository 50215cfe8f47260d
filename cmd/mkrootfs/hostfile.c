/*
 * hostfile.c: a host file into the root: copied (never over what is
 * there), or mirrored, with the directories and symlinks on its host path
 * made again inside, so that the loader finds it under every name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"

/* SIZE bytes; copy_file_range first, plain read/write where it cannot. */
static int
copy_bytes(int in, int out, off_t size)
{
	char buf[1 << 16];
	off_t off = 0;
	ssize_t n, w;

	while (off < size) {
		interrupt_check();
		n = copy_file_range(in, &off, out, NULL, size - off, 0);
		if (n == -1 && (errno == EXDEV || errno == EINVAL ||
		    errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM))
			break;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;	/* the file shrank */
	}
	while (off < size) {
		interrupt_check();
		n = pread(in, buf, sizeof(buf), off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		for (w = 0; w < n;) {
			ssize_t k = write(out, buf + w, n - w);

			if (k == -1 && errno == EINTR) {
				interrupt_check();
				continue;
			}
			if (k == -1)
				return -1;
			w += k;
		}
		off += n;
	}
	return 0;
}

/*
 * Copy the host file SRC (open, stat ST) to PATH inside the root, unless
 * something is there. Setuid and setgid bits are kept only when root
 * copies a file root owns: the copy is root's too.
 */
static void
copy_host_file(struct root *r, int src, const struct stat *st, const char *path)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	mode_t mode = st->st_mode & 07777;
	int pfd, fd;

	if ((pfd = in_root_parent(r, path, R_MKDIR, canon, name)) == -1)
		die_sys("copy to %s", inside(r, path));
	fd = create_in(r, pfd, canon, name, 0600);
	close(pfd);
	if (fd == -1) {
		trace("keep %s/%s (exists)", inside(r, canon), name);
		return;
	}
	trace("copy %s/%s", inside(r, canon), name);
	if (geteuid() != 0 || st->st_uid != 0)
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (copy_bytes(src, fd, st->st_size) == -1)
		die_sys("copy to %s/%s", inside(r, canon), name);
	if (fchmod(fd, mode) == -1 || futimens(fd, ts) == -1 ||
	    close(fd) == -1)
		die_sys("copy to %s/%s", inside(r, canon), name);
}

/*
 * Walk the host path PATH as the kernel does and recreate inside the
 * root what is met on the way: directories (with their modes) and
 * symlinks (with their text), unless something is there already. REAL
 * gets the canonical host path of what PATH names; ST its lstat.
 */
static void
mirror_host_path(struct root *r, const char *path, char *real, struct stat *st)
{
	char rem[2 * PATH_MAX + 2], tmp[2 * PATH_MAX + 2], link[PATH_MAX];
	char cur[PATH_MAX] = "", full[PATH_MAX], *name, *rest, *slash;
	int links = 0;
	ssize_t n;

	pathf(rem, sizeof(rem), "%s", path);
	rest = rem;
	st->st_mode = S_IFDIR;	/* "/" */
	while ((name = strsep(&rest, "/")) != NULL) {
		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if ((slash = strrchr(cur, '/')) != NULL)
				*slash = '\0';
			continue;
		}
		if (!S_ISDIR(st->st_mode))
			die_err(ENOTDIR, NULL, "%s", cur);
		pathf(full, sizeof(full), "%s/%s", cur, name);
		if (lstat(full, st) == -1)
			die_sys("%s", full);
		if (S_ISLNK(st->st_mode)) {
			n = readlink(full, link, sizeof(link));
			if (n == -1)
				die_sys("readlink %s", full);
			if ((size_t)n >= sizeof(link) || ++links > 40)
				die_err((size_t)n >= sizeof(link) ?
				    ENAMETOOLONG : ELOOP, NULL, "%s", path);
			link[n] = '\0';
			make_link(r, full, link);
			pathf(tmp, sizeof(tmp), "%s/%s", link,
			    rest ? rest : "");
			strcpy(rem, tmp);
			rest = rem;
			if (link[0] == '/')
				cur[0] = '\0';
			st->st_mode = S_IFDIR;
			continue;
		}
		if (S_ISDIR(st->st_mode))
			make_dir(r, full, st->st_mode & 07777);
		strcpy(cur, full);
	}
	pathf(real, PATH_MAX, "%s", cur[0] ? cur : "/");
}

/*
 * Make DEST inside the root the host file HOST. When they are the same
 * path, HOST is mirrored: the symlinks on its way are recreated (lib64 ->
 * usr/lib64, ld-linux-x86-64.so.2 -> ...), so that it is found under
 * every name the loader may use; should the root's own layout still keep
 * DEST from resolving, DEST becomes a link to the copy. Otherwise the
 * file is copied to DEST. Returns the host file open for reading; REAL
 * gets its canonical host path.
 */
int
place_host_file(struct root *r, const char *host, const char *dest,
    char *real, struct stat *st, const char *what)
{
	char canon[PATH_MAX], *name;
	bool same = strcmp(host, dest) == 0, missing = false;
	int fd, pfd;

	if (same)
		mirror_host_path(r, host, real, st);
	else if (realpath(host, real) == NULL)
		die_sys("%s: %s", what, host);
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		die_sys("%s: open %s", what, real);
	if (fstat(fd, st) == -1)
		die_sys("%s: stat %s", what, real);
	if (!S_ISREG(st->st_mode))
		die("%s: %s: not a regular file", what, real);
	copy_host_file(r, fd, st, same ? real : dest);
	if (!same)
		return fd;
	/*
	 * The root's own symlinks may lead DEST elsewhere: then what is
	 * missing where they lead becomes a link to the copy.
	 */
	pfd = root_walk(r, dest, R_FOLLOW | R_MKDIR, canon, &missing);
	if (pfd == -1)
		die_sys("%s: %s", what, inside(r, dest));
	if (missing) {
		name = strrchr(canon, '/');
		*name++ = '\0';
		if (symlinkat(real, pfd, name) == -1)
			die_sys("%s: symlink %s/%s", what, inside(r, canon),
			    name);
		trace("symlink %s/%s -> %s", inside(r, canon), name, real);
		undo_add(r, U_FILE, canon, name);
	}
	close(pfd);
	return fd;
}

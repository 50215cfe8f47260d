/*
 * mkrootfs: build a root filesystem in DIR, then run PROG (or exit 0).
 *
 * The steps, in this order (all optional but the skeleton):
 *   --overlay  a writable overlay mounted at DIR: what follows lands in
 *              its upper layer, the lower layers stay untouched;
 *   --tar      image tarballs unpacked, in the order given;
 *   skeleton   the directories and /etc files every root needs;
 *   --copy     host programs with their loader and library closure,
 *              found by reading the ELF files (never by running them);
 *   --tools    the conch tools, for the steps of a chain after pivot;
 *   --busybox  a static busybox and its applet links.
 * Nothing that exists is overwritten (--tar replaces files as tar(1)
 * does): what an image or an earlier step put there wins, and running
 * mkrootfs again on the same DIR is harmless. On failure, what this run
 * created is removed again.
 *
 * Layout: merged /usr, as Debian 12: bin, sbin and lib are links into
 * usr. lib64, lib32 and the like are not made up front: --copy mirrors
 * them from the host when a loader path needs them.
 *
 * Every path inside DIR goes through in_root(), one component at a time
 * with O_NOFOLLOW, as the kernel would resolve it if DIR were "/": ".."
 * stops at DIR and absolute symlinks restart from DIR. A hostile tree
 * (usr -> /usr) cannot make us write outside it. openat2(RESOLVE_IN_ROOT)
 * gives the same guarantee but not the canonical path, which relative
 * links, mkdir -p and the undo list need.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "conch.h"

extern char **environ;

static const char usage[] =
"Usage: mkrootfs [OPTION]... DIR [PROG [ARG]...]\n"
"Build a root filesystem in DIR (made if missing), then run PROG.\n"
"\n"
"  -c, --copy FILE          copy host program FILE (a name is looked up in\n"
"                           PATH) with its ELF loader and libraries, or a\n"
"                           script with its interpreter; repeatable\n"
"  -x, --tar ARCHIVE        unpack a tarball (plain, gzip, xz, zstd, bzip2;\n"
"                           - for stdin); repeatable, unpacked in order\n"
"  -b, --busybox[=PATH]     install a static busybox (default: busybox in\n"
"                           PATH) as bin/busybox, with its applet links\n"
"  -t, --tools[=DIR]        install the conch tools (default: those beside\n"
"                           mkrootfs) into bin\n"
"  -o, --overlay LOWER[:LOWER...]\n"
"                           first mount a writable overlay of the LOWER\n"
"                           directories (leftmost on top) at DIR\n"
"  -u, --upper UPPER        keep the overlay's changes in UPPER (work\n"
"                           directory UPPER.work) instead of a tmpfs\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n"
"\n"
"Nothing that exists in DIR is overwritten. Exit status: 125 if mkrootfs\n"
"fails, else PROG's (126, 127: PROG cannot be run, not found).\n";

/* The conch tools that --tools installs. */
static const char *const conch_tools[] = {
	"capset", "cgmake", "cgput", "idmap", "mkrootfs", "nsjoin", "nsnew",
	"pivot", "scfilter",
};

/* snprintf that refuses to truncate a path. */
static void
pathf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("path too long: %.64s...", buf);
}

/* ------------------------------------------------------------------ */
/* The root, and undoing what was made in it.                          */

static int rootfd = -1;		/* O_PATH fd of DIR (the overlay, once mounted) */
static char rootname[PATH_MAX];	/* DIR as given, for messages */

/* A path inside the root, as "DIR/path" for messages. */
static const char *
inside(const char *path)
{
	static char buf[2][2 * PATH_MAX];
	static int i;

	i ^= 1;
	while (*path == '/')
		path++;
	snprintf(buf[i], sizeof(buf[i]), "%s%s%s", rootname,
	    *path ? "/" : "", path);
	return buf[i];
}

enum { U_FILE, U_DIR, U_MOUNT, U_HOSTDIR };
struct undo {
	int kind;
	char *path;	/* canonical inside the root; host path for U_MOUNT, U_HOSTDIR */
};
static struct undo *undos;
static size_t nundo, capundo;
static bool built;	/* the root is complete: keep it */

static void
undo_add(int kind, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (name != NULL)
		pathf(path, sizeof(path), "%s/%s", dir, name);
	else
		pathf(path, sizeof(path), "%s", dir);
	undos = grow(undos, nundo, &capundo, sizeof(*undos));
	undos[nundo].kind = kind;
	undos[nundo++].path = xstrdup(path);
}

static int in_root_parent(const char *path, int flags, char *canon,
    char *name);

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

/* atexit: on failure, remove what this run made, newest first. */
static void
undo_all(void)
{
	char name[NAME_MAX + 1];
	size_t i;
	int pfd, r;

	if (built)
		return;
	for (i = nundo; i-- > 0;) {
		const struct undo *u = &undos[i];

		switch (u->kind) {
		case U_FILE:
		case U_DIR:
			pfd = in_root_parent(u->path, 0, NULL, name);
			r = pfd == -1 ? -1 : unlinkat(pfd, name,
			    u->kind == U_DIR ? AT_REMOVEDIR : 0);
			if (pfd != -1)
				close(pfd);
			break;
		case U_MOUNT:
			r = umount2(u->path, MNT_DETACH);
			break;
		default:
			r = rmdir_work(u->path);
			break;
		}
		if (r == -1)
			trace("undo %s: %s", u->kind == U_MOUNT ||
			    u->kind == U_HOSTDIR ? u->path : inside(u->path),
			    strerror(errno));
	}
}

/* ------------------------------------------------------------------ */
/* Paths inside the root, never leaving it.                            */

enum {
	R_FOLLOW = 1,	/* follow a final symlink */
	R_MKDIR = 2,	/* make missing directories on the way (0755) */
	R_MKDIR_LAST = 4,	/* ... and the last component too */
};

static int
open_step(int dirfd, const char *name)
{
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Open again a canonical path (no symlinks in it) from the root. */
static int
reopen_canon(const char *canon)
{
	char buf[PATH_MAX], *rest = buf, *name;
	struct stat st;
	int fd, nfd;

	snprintf(buf, sizeof(buf), "%s", canon);
	fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
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

/*
 * Resolve PATH inside the root as the kernel would if the root were "/".
 * Returns an O_PATH fd, or -1 with errno set. CANON, when not NULL,
 * receives the canonical path: "" for the root, else "/a/b". With
 * MISSING, a last component (symlinks followed) that does not exist is
 * no error: the fd is then its directory's, and *MISSING is set.
 */
static int
walk(const char *path, int flags, char *canon, bool *missing)
{
	char rem[2 * PATH_MAX + 2], tmp[2 * PATH_MAX + 2], link[PATH_MAX];
	char cpath[PATH_MAX] = "", *name, *rest, *slash;
	size_t clen = 0, nlen;
	struct stat st;
	int fd, nfd, links = 0, err;
	bool last;
	ssize_t n;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(rem, path);
	fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	rest = rem;
	while ((name = strsep(&rest, "/")) != NULL) {
		last = rest == NULL || rest[strspn(rest, "/")] == '\0';
		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if ((slash = strrchr(cpath, '/')) == NULL)
				continue;	/* ".." of the root is the root */
			*slash = '\0';
			clen = slash - cpath;
			close(fd);
			if ((fd = reopen_canon(cpath)) == -1)
				return -1;
			continue;
		}
		nfd = open_step(fd, name);
		if (nfd == -1 && errno == ENOENT && (flags & R_MKDIR) &&
		    (!last || (flags & R_MKDIR_LAST))) {
			if (mkdirat(fd, name, 0755) == 0) {
				trace("mkdir %s/%s", inside(cpath), name);
				undo_add(U_DIR, cpath, name);
			} else if (errno != EEXIST) {
				goto fail;
			}
			nfd = open_step(fd, name);
		}
		if (nfd == -1 && errno == ENOENT && last && missing != NULL) {
			*missing = true;
			nlen = strlen(name);
			if (clen + 1 + nlen >= sizeof(cpath)) {
				errno = ENAMETOOLONG;
				goto fail;
			}
			cpath[clen++] = '/';
			memcpy(cpath + clen, name, nlen + 1);
			break;
		}
		if (nfd == -1)
			goto fail;
		if (fstat(nfd, &st) == -1)
			goto fail_nfd;
		if (S_ISLNK(st.st_mode) && (!last || (flags & R_FOLLOW))) {
			n = readlinkat(nfd, "", link, sizeof(link));
			if (n == -1)
				goto fail_nfd;
			close(nfd);
			if ((size_t)n >= sizeof(link) || ++links > 40) {
				errno = (size_t)n >= sizeof(link) ?
				    ENAMETOOLONG : ELOOP;
				goto fail;
			}
			link[n] = '\0';
			if (snprintf(tmp, sizeof(tmp), "%s/%s", link,
			    rest ? rest : "") >= (int)sizeof(tmp)) {
				errno = ENAMETOOLONG;
				goto fail;
			}
			strcpy(rem, tmp);
			rest = rem;
			if (link[0] == '/') {
				close(fd);
				if ((fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) == -1)
					return -1;
				cpath[0] = '\0';
				clen = 0;
			}
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail_nfd;
		}
		nlen = strlen(name);
		if (clen + 1 + nlen >= sizeof(cpath)) {
			errno = ENAMETOOLONG;
			goto fail_nfd;
		}
		cpath[clen++] = '/';
		memcpy(cpath + clen, name, nlen + 1);
		clen += nlen;
		close(fd);
		fd = nfd;
	}
	if (canon != NULL)
		strcpy(canon, cpath);
	return fd;
fail_nfd:
	err = errno;
	close(nfd);
	errno = err;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int
in_root(const char *path, int flags, char *canon)
{
	return walk(path, flags, canon, NULL);
}

/*
 * The directory holding PATH's last component, resolved inside the root
 * (following symlinks); NAME (NAME_MAX + 1 bytes) gets the component.
 */
static int
in_root_parent(const char *path, int flags, char *canon, char *name)
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
	return in_root(dir, flags | R_FOLLOW, canon);
}

/* ------------------------------------------------------------------ */
/* Making things inside the root, never over what is there.           */

static void
make_dir(const char *path, mode_t mode)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd;

	if ((pfd = in_root_parent(path, R_MKDIR, canon, name)) == -1)
		die_sys("mkdir %s", inside(path));
	if (mkdirat(pfd, name, mode) == 0) {
		trace("mkdir %s/%s", inside(canon), name);
		undo_add(U_DIR, canon, name);
	} else if (errno != EEXIST) {
		die_sys("mkdir %s/%s", inside(canon), name);
	}
	close(pfd);
}

static void
make_link(const char *path, const char *target)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd;

	if ((pfd = in_root_parent(path, R_MKDIR, canon, name)) == -1)
		die_sys("symlink %s", inside(path));
	if (symlinkat(target, pfd, name) == 0) {
		trace("symlink %s/%s -> %s", inside(canon), name, target);
		undo_add(U_FILE, canon, name);
	} else if (errno != EEXIST) {
		die_sys("symlink %s/%s", inside(canon), name);
	}
	close(pfd);
}

/* Create NAME in PFD for writing; -1 with EEXIST when something is there. */
static int
create_in(int pfd, const char *canon, const char *name, mode_t mode)
{
	int fd;

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, mode);
	if (fd == -1 && errno != EEXIST)
		die_sys("create %s/%s", inside(canon), name);
	if (fd != -1)
		undo_add(U_FILE, canon, name);
	return fd;
}

static void
write_all(int fd, const char *buf, size_t len, const char *what)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR) {
			interrupt_check();
			continue;
		}
		if (n == -1)
			die_sys("write %s", what);
		buf += n;
		len -= n;
	}
}

static void
make_file(const char *path, const char *content, mode_t mode)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	int pfd, fd;

	if ((pfd = in_root_parent(path, R_MKDIR, canon, name)) == -1)
		die_sys("create %s", inside(path));
	fd = create_in(pfd, canon, name, mode);
	close(pfd);
	if (fd == -1)
		return;
	trace("write %s/%s", inside(canon), name);
	write_all(fd, content, strlen(content), inside(path));
	if (close(fd) == -1)
		die_sys("write %s", inside(path));
}

/* Copy SIZE bytes; copy_file_range first, plain read/write where it cannot. */
static int
copy_data(int in, int out, off_t size)
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
copy_file(int src, const struct stat *st, const char *path)
{
	char canon[PATH_MAX], name[NAME_MAX + 1];
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	mode_t mode = st->st_mode & 07777;
	int pfd, fd;

	if ((pfd = in_root_parent(path, R_MKDIR, canon, name)) == -1)
		die_sys("copy to %s", inside(path));
	fd = create_in(pfd, canon, name, 0600);
	close(pfd);
	if (fd == -1) {
		trace("keep %s/%s (exists)", inside(canon), name);
		return;
	}
	trace("copy %s/%s", inside(canon), name);
	if (geteuid() != 0 || st->st_uid != 0)
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (copy_data(src, fd, st->st_size) == -1)
		die_sys("copy to %s/%s", inside(canon), name);
	if (fchmod(fd, mode) == -1 || futimens(fd, ts) == -1 ||
	    close(fd) == -1)
		die_sys("copy to %s/%s", inside(canon), name);
}

/* ------------------------------------------------------------------ */
/* The skeleton.                                                       */

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] =
	"root:x:0:\n"
	"tty:x:5:\n"
	"nobody:x:65534:\n";
static const char etc_hosts[] =
	"127.0.0.1\tlocalhost\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";
static const char etc_nsswitch[] =
	"passwd:\t\tfiles\n"
	"group:\t\tfiles\n"
	"shadow:\t\tfiles\n"
	"hosts:\t\tfiles dns\n"
	"networks:\tfiles\n"
	"protocols:\tfiles\n"
	"services:\tfiles\n"
	"ethers:\t\tfiles\n"
	"rpc:\t\tfiles\n";

static const struct skel {
	const char *path;
	mode_t mode;		/* S_IFDIR, S_IFLNK or S_IFREG, and permissions */
	const char *data;	/* link target or file content */
} skeleton[] = {
	{ "usr", S_IFDIR | 0755, NULL },
	{ "usr/bin", S_IFDIR | 0755, NULL },
	{ "usr/sbin", S_IFDIR | 0755, NULL },
	{ "usr/lib", S_IFDIR | 0755, NULL },
	{ "bin", S_IFLNK, "usr/bin" },
	{ "sbin", S_IFLNK, "usr/sbin" },
	{ "lib", S_IFLNK, "usr/lib" },
	{ "dev", S_IFDIR | 0755, NULL },
	{ "etc", S_IFDIR | 0755, NULL },
	{ "home", S_IFDIR | 0755, NULL },
	{ "mnt", S_IFDIR | 0755, NULL },
	{ "opt", S_IFDIR | 0755, NULL },
	{ "proc", S_IFDIR | 0555, NULL },
	{ "root", S_IFDIR | 0700, NULL },
	{ "run", S_IFDIR | 0755, NULL },
	{ "run/lock", S_IFDIR | 01777, NULL },
	{ "srv", S_IFDIR | 0755, NULL },
	{ "sys", S_IFDIR | 0555, NULL },
	{ "tmp", S_IFDIR | 01777, NULL },
	{ "var", S_IFDIR | 0755, NULL },
	{ "var/cache", S_IFDIR | 0755, NULL },
	{ "var/lib", S_IFDIR | 0755, NULL },
	{ "var/log", S_IFDIR | 0755, NULL },
	{ "var/tmp", S_IFDIR | 01777, NULL },
	{ "var/run", S_IFLNK, "../run" },
	{ "var/lock", S_IFLNK, "../run/lock" },
	{ "etc/passwd", S_IFREG | 0644, etc_passwd },
	{ "etc/group", S_IFREG | 0644, etc_group },
	{ "etc/hosts", S_IFREG | 0644, etc_hosts },
	{ "etc/hostname", S_IFREG | 0644, "localhost\n" },
	{ "etc/nsswitch.conf", S_IFREG | 0644, etc_nsswitch },
	{ "etc/resolv.conf", S_IFREG | 0644, NULL },	/* the host's */
	{ "etc/mtab", S_IFLNK, "../proc/self/mounts" },
};

static void
make_skeleton(void)
{
	static char resolv[1 << 16];
	const struct skel *s;

	for (s = skeleton; s < skeleton + LEN(skeleton); s++) {
		if (S_ISDIR(s->mode)) {
			make_dir(s->path, s->mode & 07777);
		} else if (S_ISLNK(s->mode)) {
			make_link(s->path, s->data);
		} else if (s->data != NULL) {
			make_file(s->path, s->data, s->mode & 07777);
		} else {
			/* The host's resolver setup, or none. */
			if (read_file("/etc/resolv.conf", resolv,
			    sizeof(resolv)) == -1) {
				trace("read /etc/resolv.conf: %s: left empty",
				    strerror(errno));
				resolv[0] = '\0';
			}
			make_file(s->path, resolv, s->mode & 07777);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The ELF reader: program headers and the dynamic section, bounded.  */

#define ELF_MAX_PHNUM 4096
#define ELF_MAX_DYN (1 << 20)
#define ELF_MAX_NEEDED 1024

struct elf {
	unsigned char cls, data;	/* ELFCLASS32/64, ELFDATA2LSB/MSB */
	uint16_t type, machine;
	bool nodeflib;			/* DF_1_NODEFLIB */
	char interp[PATH_MAX];		/* PT_INTERP, or "" */
	char *rpath, *runpath;		/* DT_RPATH, DT_RUNPATH, or NULL */
	char *needed[ELF_MAX_NEEDED];	/* DT_NEEDED */
	size_t nneeded;
};

static uint64_t
elf_get(const struct elf *e, const unsigned char *p, int size)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[e->data == ELFDATA2LSB ? i : size - 1 - i]
		    << (8 * i);
	return v;
}

static void
elf_free(struct elf *e)
{
	size_t i;

	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->rpath);
	free(e->runpath);
	e->nneeded = 0;
	e->rpath = e->runpath = NULL;
}

/* Is [off, off + len) inside a file of SIZE bytes? */
static bool
in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool
pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, off + got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

/* The ELF header only: is this an ELF file, and of which kind. */
static bool
elf_ident(const unsigned char *h, size_t n, struct elf *e)
{
	if (n < 20 || memcmp(h, ELFMAG, SELFMAG) != 0 ||
	    (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) ||
	    (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return false;
	e->cls = h[EI_CLASS];
	e->data = h[EI_DATA];
	e->type = elf_get(e, h + 16, 2);
	e->machine = elf_get(e, h + 18, 2);
	return true;
}

/* The file offset of virtual address ADDR, through the PT_LOAD segments. */
static bool
elf_offset(const struct elf *e, const unsigned char *ph, size_t phnum,
    size_t phent, uint64_t addr, uint64_t *off)
{
	bool is64 = e->cls == ELFCLASS64;
	uint64_t vaddr, offset, filesz;
	size_t i;

	for (i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * phent;

		if (elf_get(e, p, 4) != PT_LOAD)
			continue;
		offset = elf_get(e, p + (is64 ? 8 : 4), is64 ? 8 : 4);
		vaddr = elf_get(e, p + (is64 ? 16 : 8), is64 ? 8 : 4);
		filesz = elf_get(e, p + (is64 ? 32 : 16), is64 ? 8 : 4);
		if (addr >= vaddr && addr - vaddr < filesz) {
			*off = offset + (addr - vaddr);
			return true;
		}
	}
	return false;
}

/* A NUL-terminated string of at most PATH_MAX - 1 bytes at OFF. */
static const char *
elf_string(int fd, uint64_t off, uint64_t avail, char **out)
{
	char buf[PATH_MAX];
	size_t len = avail < sizeof(buf) ? avail : sizeof(buf);

	if (len == 0 || !pread_all(fd, buf, len, off))
		return "string out of bounds";
	if (memchr(buf, '\0', len) == NULL)
		return "unterminated or overlong string";
	*out = xstrdup(buf);
	return NULL;
}

/*
 * Read what the loader reads: PT_INTERP, and from PT_DYNAMIC the
 * DT_NEEDED, DT_RPATH, DT_RUNPATH names and DT_FLAGS_1. Every offset and
 * size is checked against the file before it is used. Returns NULL, or
 * why the file is not a well-formed ELF object.
 */
static const char *
elf_read(int fd, uint64_t fsize, struct elf *e)
{
	unsigned char h[64], *ph = NULL, *dyn = NULL;
	uint64_t phoff, off, sz, dynoff = 0, dynsz = 0, strtab = 0, strsz = 0;
	uint64_t strs[ELF_MAX_NEEDED + 2], tag, val;
	size_t phent, phnum, i, ndyn, nstr = 0, dynent;
	ssize_t rpath = -1, runpath = -1;
	bool is64, have_strtab = false, have_dyn = false;
	const char *why = NULL;

	e->interp[0] = '\0';
	is64 = e->cls == ELFCLASS64;
	if (!pread_all(fd, h, is64 ? 64 : 52, 0))
		return "truncated ELF header";
	phoff = elf_get(e, h + (is64 ? 32 : 28), is64 ? 8 : 4);
	phent = elf_get(e, h + (is64 ? 54 : 42), 2);
	phnum = elf_get(e, h + (is64 ? 56 : 44), 2);
	if (phnum == 0)
		return NULL;
	if (phent < (is64 ? 56u : 32u) || phnum > ELF_MAX_PHNUM)
		return "bad program header table";
	if (!in_file(phoff, (uint64_t)phent * phnum, fsize))
		return "program headers out of bounds";
	ph = xrealloc(NULL, phent * phnum);
	if (!pread_all(fd, ph, phent * phnum, phoff)) {
		why = "cannot read program headers";
		goto out;
	}
	for (i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * phent;
		uint32_t type = elf_get(e, p, 4);

		off = elf_get(e, p + (is64 ? 8 : 4), is64 ? 8 : 4);
		sz = elf_get(e, p + (is64 ? 32 : 16), is64 ? 8 : 4);
		if (type == PT_INTERP && e->interp[0] == '\0') {
			if (sz < 2 || sz > PATH_MAX || !in_file(off, sz, fsize) ||
			    !pread_all(fd, e->interp, sz, off) ||
			    memchr(e->interp, '\0', sz) == NULL) {
				e->interp[0] = '\0';
				why = "bad PT_INTERP";
				goto out;
			}
		} else if (type == PT_DYNAMIC && !have_dyn) {
			if (sz > ELF_MAX_DYN || !in_file(off, sz, fsize)) {
				why = "bad PT_DYNAMIC";
				goto out;
			}
			dynoff = off;
			dynsz = sz;
			have_dyn = true;
		}
	}
	if (!have_dyn)
		goto out;
	dynent = is64 ? 16 : 8;
	ndyn = dynsz / dynent;
	dyn = xrealloc(NULL, dynsz ? dynsz : 1);
	if (!pread_all(fd, dyn, dynsz, dynoff)) {
		why = "cannot read PT_DYNAMIC";
		goto out;
	}
	for (i = 0; i < ndyn; i++) {
		tag = elf_get(e, dyn + i * dynent, dynent / 2);
		val = elf_get(e, dyn + i * dynent + dynent / 2, dynent / 2);
		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_NEEDED:
			if (nstr == ELF_MAX_NEEDED) {
				why = "too many DT_NEEDED entries";
				goto out;
			}
			strs[nstr++] = val;
			break;
		case DT_RPATH:
			rpath = val;
			break;
		case DT_RUNPATH:
			runpath = val;
			break;
		case DT_STRTAB:
			strtab = val;
			have_strtab = true;
			break;
		case DT_STRSZ:
			strsz = val;
			break;
		case DT_FLAGS_1:
			e->nodeflib = val & DF_1_NODEFLIB;
			break;
		}
	}
	if (nstr == 0 && rpath == -1 && runpath == -1)
		goto out;
	if (!have_strtab || !elf_offset(e, ph, phnum, phent, strtab, &off) ||
	    !in_file(off, strsz, fsize)) {
		why = "bad DT_STRTAB";
		goto out;
	}
	if (rpath != -1)
		strs[nstr++] = rpath;
	if (runpath != -1)
		strs[nstr++] = runpath;
	for (i = 0; i < nstr; i++) {
		char *s;

		if (strs[i] >= strsz) {
			why = "string index out of bounds";
			goto out;
		}
		if ((why = elf_string(fd, off + strs[i], strsz - strs[i],
		    &s)) != NULL)
			goto out;
		if (runpath != -1 && i == nstr - 1)
			e->runpath = s;
		else if (rpath != -1 && i == nstr - 1 - (runpath != -1))
			e->rpath = s;
		else
			e->needed[e->nneeded++] = s;
	}
out:
	free(ph);
	free(dyn);
	return why;
}

/* ------------------------------------------------------------------ */
/* Where the loader looks: the machine's directories, ld.so.conf.     */

static const struct arch {
	unsigned char cls;
	uint16_t machine;
	const char *lib;	/* $LIB, as Debian's multiarch loader has it */
	const char *platform;	/* $PLATFORM: the kernel's AT_PLATFORM */
	const char *dirs[5];	/* the default directories, in order */
} arches[] = {
	{ ELFCLASS64, EM_X86_64, "lib/x86_64-linux-gnu", "x86_64",
	    { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	      "/lib64", "/usr/lib64" } },
	{ ELFCLASS32, EM_386, "lib/i386-linux-gnu", "i686",
	    { "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu",
	      "/lib32", "/usr/lib32" } },
	{ ELFCLASS32, EM_X86_64, "lib/x86_64-linux-gnux32", "x86_64",
	    { "/lib/x86_64-linux-gnux32", "/usr/lib/x86_64-linux-gnux32",
	      "/libx32", "/usr/libx32" } },
	{ ELFCLASS64, EM_AARCH64, "lib/aarch64-linux-gnu", "aarch64",
	    { "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	      "/lib64", "/usr/lib64" } },
};

static const struct arch *
arch_of(const struct elf *e)
{
	size_t i;

	for (i = 0; i < LEN(arches); i++)
		if (arches[i].cls == e->cls && arches[i].machine == e->machine)
			return &arches[i];
	return NULL;
}

static char **confdirs;		/* /etc/ld.so.conf, includes expanded */
static size_t nconfdirs, capconfdirs;
static bool conf_loaded;
static bool need_cache;		/* a library came from an ld.so.conf directory */

static void
conf_add(const char *dir)
{
	size_t i;

	for (i = 0; i < nconfdirs; i++)
		if (strcmp(confdirs[i], dir) == 0)
			return;
	confdirs = grow(confdirs, nconfdirs, &capconfdirs, sizeof(*confdirs));
	confdirs[nconfdirs++] = xstrdup(dir);
}

static void conf_read(const char *file, int depth);

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * "include DIR/PATTERN", in name order as glob(3) sorts them. Wildcards
 * are taken in the last component only (glob(3) itself would pull NSS
 * into a static build for its ~user expansion).
 */
static void
conf_include(const char *file, const char *pattern, int depth)
{
	char dir[PATH_MAX], path[PATH_MAX], **names = NULL;
	const char *base = strrchr(pattern, '/') + 1;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	DIR *dp;

	pathf(dir, sizeof(dir), "%.*s", (int)(base - pattern), pattern);
	if (strpbrk(dir, "*?[") != NULL)
		die("read %s: include %s: wildcards are supported in the last "
		    "component only", file, pattern);
	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return;
		die_sys("read %s: include %s", file, dir);
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' && base[0] != '.')
			continue;
		if (fnmatch(base, d->d_name, FNM_PERIOD) != 0)
			continue;
		names = grow(names, n, &cap, sizeof(*names));
		names[n++] = xstrdup(d->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		pathf(path, sizeof(path), "%s%s", dir, names[i]);
		conf_read(path, depth + 1);
		free(names[i]);
	}
	free(names);
}

/* One ld.so.conf file as ldconfig reads it: directories, "include GLOB". */
static void
conf_read(const char *file, int depth)
{
	char *line = NULL, *p, *word, pattern[PATH_MAX], dir[PATH_MAX];
	size_t cap = 0;
	FILE *fp;

	if (depth > 8)
		die("read %s: includes nested too deep", file);
	if ((fp = fopen(file, "re")) == NULL) {
		if (errno == ENOENT)
			return;
		die_sys("read %s", file);
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "#\n")] = '\0';
		p = line + strspn(line, " \t");
		if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' ||
		    p[7] == '\t')) {
			p += 7 + strspn(p + 7, " \t");
			p[strcspn(p, " \t")] = '\0';
			if (*p == '\0')
				continue;
			snprintf(dir, sizeof(dir), "%s", file);
			*strrchr(dir, '/') = '\0';	/* file is absolute */
			if (*p == '/')
				pathf(pattern, sizeof(pattern), "%s", p);
			else
				pathf(pattern, sizeof(pattern), "%s/%s", dir, p);
			conf_include(file, pattern, depth);
			continue;
		}
		if (strncmp(p, "hwcap", 5) == 0 && (p[5] == ' ' || p[5] == '\t'))
			continue;
		while ((word = strsep(&p, " \t,:")) != NULL) {
			word[strcspn(word, "=")] = '\0';	/* old "dir=TYPE" */
			if (*word == '/')
				conf_add(word);
		}
	}
	if (ferror(fp))
		die_sys("read %s", file);
	free(line);
	fclose(fp);
}

/* ------------------------------------------------------------------ */
/* Putting a host file into the root.                                  */

/*
 * Walk the host path PATH as the kernel does and recreate inside the
 * root what is met on the way: directories (with their modes) and
 * symlinks (with their text), unless something is there already. REAL
 * gets the canonical host path of what PATH names; ST its lstat.
 */
static void
mirror(const char *path, char *real, struct stat *st)
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
			make_link(full, link);
			pathf(tmp, sizeof(tmp), "%s/%s", link, rest ? rest : "");
			strcpy(rem, tmp);
			rest = rem;
			if (link[0] == '/')
				cur[0] = '\0';
			st->st_mode = S_IFDIR;
			continue;
		}
		if (S_ISDIR(st->st_mode))
			make_dir(full, st->st_mode & 07777);
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
static int
place(const char *host, const char *dest, char *real, struct stat *st,
    const char *what)
{
	char canon[PATH_MAX], *name;
	bool same = strcmp(host, dest) == 0, missing = false;
	int fd, pfd;

	if (same)
		mirror(host, real, st);
	else if (realpath(host, real) == NULL)
		die_sys("%s: %s", what, host);
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		die_sys("%s: open %s", what, real);
	if (fstat(fd, st) == -1)
		die_sys("%s: stat %s", what, real);
	if (!S_ISREG(st->st_mode))
		die("%s: %s: not a regular file", what, real);
	copy_file(fd, st, same ? real : dest);
	if (!same)
		return fd;
	/*
	 * The root's own symlinks may lead DEST elsewhere: then what is
	 * missing where they lead becomes a link to the copy.
	 */
	pfd = walk(dest, R_FOLLOW | R_MKDIR, canon, &missing);
	if (pfd == -1)
		die_sys("%s: %s", what, inside(dest));
	if (missing) {
		name = strrchr(canon, '/');
		*name++ = '\0';
		if (symlinkat(real, pfd, name) == -1)
			die_sys("%s: symlink %s/%s", what, inside(canon), name);
		trace("symlink %s/%s -> %s", inside(canon), name, real);
		undo_add(U_FILE, canon, name);
	}
	close(pfd);
	return fd;
}

/* NAME in $PATH, as execvp would find it; false if it is nowhere. */
static bool
path_lookup(const char *name, char *out)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX * 4], *dir, *rest;
	struct stat st;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	pathf(buf, sizeof(buf), "%s", path);
	rest = buf;
	while ((dir = strsep(&rest, ":")) != NULL) {
		if (*dir != '/')
			continue;	/* never the working directory */
		if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* A program's closure: loader, libraries, script interpreters.       */

enum { O_PROG, O_LIB };
struct obj {
	int kind;	/* O_PROG (ELF or script) or O_LIB (ELF only) */
	int hops;	/* interpreters between the program and this */
	char *host;	/* as found on the host: a library's $ORIGIN */
	char *dest;	/* where the loader looks for it inside the root */
};

/*
 * DT_NEEDED names found already, per ELF class and machine: ld.so loads a
 * name once per process, whoever needs it next.
 */
struct soname {
	unsigned char cls;
	uint16_t machine;
	char *name;
};

struct closure {
	const char *what;	/* "--copy FILE", for messages */
	struct obj *objs;
	size_t n, cap;
	struct soname *sonames;
	size_t nsonames, capsonames;
	char *main_rpath;	/* the program's DT_RPATH, with its origins */
	char main_horigin[PATH_MAX], main_dorigin[PATH_MAX];
};

/* Host files analysed already. */
struct seen {
	dev_t dev;
	ino_t ino;
};
static struct seen *seens;
static size_t nseens, capseens;

static bool
seen_before(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nseens; i++)
		if (seens[i].dev == st->st_dev && seens[i].ino == st->st_ino)
			return true;
	seens = grow(seens, nseens, &capseens, sizeof(*seens));
	seens[nseens++] = (struct seen){ st->st_dev, st->st_ino };
	return false;
}

static void
closure_add(struct closure *c, int kind, int hops, const char *host,
    const char *dest)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->objs[i].host, host) == 0 &&
		    strcmp(c->objs[i].dest, dest) == 0)
			return;
	c->objs = grow(c->objs, c->n, &c->cap, sizeof(*c->objs));
	c->objs[c->n++] = (struct obj){ kind, hops, xstrdup(host),
	    xstrdup(dest) };
}

static void
dirname_of(const char *path, char *out)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		strcpy(out, "/");
	else
		pathf(out, PATH_MAX, "%.*s", (int)(slash - path), path);
}

/*
 * Expand the loader's dynamic string tokens in one RPATH/RUNPATH entry:
 * $ORIGIN (differs on the host and inside when the program moved),
 * $LIB and $PLATFORM.
 */
static void
expand_dst(const char *in, size_t len, const struct elf *e,
    const char *origin, char *out, const char *what)
{
	static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
	const struct arch *a = arch_of(e);
	const char *val;
	size_t o = 0, i, k, nlen;
	bool braced;

	for (i = 0; i < len;) {
		if (in[i] != '$') {
			if (o + 1 >= PATH_MAX)
				die("%s: RPATH entry too long", what);
			out[o++] = in[i++];
			continue;
		}
		braced = i + 1 < len && in[i + 1] == '{';
		for (k = 0; k < LEN(names); k++) {
			nlen = strlen(names[k]);
			if (i + 1 + braced + nlen <= len &&
			    strncmp(in + i + 1 + braced, names[k], nlen) == 0 &&
			    (!braced || (i + 2 + nlen < len &&
			    in[i + 2 + nlen] == '}')))
				break;
		}
		if (k == LEN(names)) {	/* not a token: kept, as ld.so does */
			out[o++] = in[i++];
			continue;
		}
		if (k > 0 && a == NULL)
			die("%s: cannot expand $%s for ELF machine %u", what,
			    names[k], e->machine);
		val = k == 0 ? origin : k == 1 ? a->lib : a->platform;
		if (o + strlen(val) >= PATH_MAX)
			die("%s: RPATH entry too long", what);
		strcpy(out + o, val);
		o += strlen(val);
		i += 1 + 2 * braced + nlen;
	}
	out[o] = '\0';
}

/* Does the host file PATH suit an object of E's class and machine? */
static int
open_compatible(const char *path, const struct elf *e)
{
	unsigned char h[20];
	struct elf c;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (pread_all(fd, h, sizeof(h), 0) && elf_ident(h, sizeof(h), &c) &&
	    c.cls == e->cls && c.data == e->data && c.machine == e->machine &&
	    c.type == ET_DYN)
		return fd;
	close(fd);
	return -1;
}

/*
 * Look for NAME in one search list (a ':'-separated RPATH or RUNPATH,
 * whose $ORIGIN is HORIGIN on the host and DORIGIN inside the root).
 */
static bool
search_list(const char *list, const struct elf *e, const char *horigin,
    const char *dorigin, const char *name, char *host, char *dest,
    const char *what)
{
	char hdir[PATH_MAX], ddir[PATH_MAX];
	const char *p = list;
	size_t len;
	int fd;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, ":");
		if (len > 0) {	/* an empty entry would be the cwd: never */
			expand_dst(p, len, e, horigin, hdir, what);
			expand_dst(p, len, e, dorigin, ddir, what);
			if (snprintf(host, PATH_MAX, "%s/%s", hdir, name) <
			    PATH_MAX && (fd = open_compatible(host, e)) != -1) {
				close(fd);
				pathf(dest, PATH_MAX, "%s/%s", ddir, name);
				return true;
			}
		}
		p = p[len] ? p + len + 1 : NULL;
	}
	return false;
}

static bool
search_dirs(const char *const *dirs, size_t n, const struct elf *e,
    const char *name, char *host)
{
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		if (dirs[i] == NULL)
			break;
		if (snprintf(host, PATH_MAX, "%s/%s", dirs[i], name) >=
		    PATH_MAX)
			continue;
		if ((fd = open_compatible(host, e)) != -1) {
			close(fd);
			return true;
		}
	}
	return false;
}

/*
 * Find DT_NEEDED NAME of object O (ELF E) as ld.so would: DT_RPATH (of O,
 * then of the program) when O has no DT_RUNPATH, DT_RUNPATH, then unless
 * DF_1_NODEFLIB the ld.so.conf directories and the default ones. HOST
 * and DEST get where it is on the host and where the loader will look.
 */
static bool
find_library(struct closure *c, bool is_main, const struct elf *e,
    const char *horigin, const char *dorigin, const char *name,
    char *host, char *dest)
{
	const struct arch *a = arch_of(e);
	static const char *const fallback[] = { "/lib", "/usr/lib" };
	size_t i;

	if (e->runpath == NULL && ((e->rpath != NULL && search_list(e->rpath,
	    e, horigin, dorigin, name, host, dest, c->what)) ||
	    (!is_main && c->main_rpath != NULL &&
	    search_list(c->main_rpath, e, c->main_horigin, c->main_dorigin,
	    name, host, dest, c->what))))
		return true;
	if (e->runpath != NULL && search_list(e->runpath, e, horigin, dorigin,
	    name, host, dest, c->what))
		return true;
	if (e->nodeflib)
		return false;
	if (!conf_loaded) {
		conf_read("/etc/ld.so.conf", 0);
		conf_loaded = true;
	}
	if (search_dirs((const char *const *)confdirs, nconfdirs, e, name,
	    host)) {
		for (i = 0; a != NULL && i < LEN(a->dirs) && a->dirs[i]; i++)
			if (strncmp(host, a->dirs[i], strlen(a->dirs[i])) == 0 &&
			    host[strlen(a->dirs[i])] == '/')
				break;
		/* Without a cache, the loader would not look there. */
		if (a == NULL || i == LEN(a->dirs) || a->dirs[i] == NULL)
			need_cache = true;
	} else if (!(a != NULL && search_dirs(a->dirs, LEN(a->dirs), e,
	    name, host)) && !search_dirs(fallback, LEN(fallback), e, name,
	    host)) {
		return false;
	}
	pathf(dest, PATH_MAX, "%s", host);
	return true;
}

static void
add_needed(struct closure *c, const struct obj *o, bool is_main,
    const struct elf *e, const char *horigin, const char *dorigin)
{
	char host[PATH_MAX], dest[PATH_MAX];
	size_t i, k;

	for (i = 0; i < e->nneeded; i++) {
		const char *name = e->needed[i];

		if (strchr(name, '/') != NULL) {	/* a path, used as is */
			expand_dst(name, strlen(name), e, horigin, host,
			    c->what);
			expand_dst(name, strlen(name), e, dorigin, dest,
			    c->what);
			closure_add(c, O_LIB, o->hops, host, dest);
			continue;
		}
		for (k = 0; k < c->nsonames; k++)
			if (c->sonames[k].cls == e->cls &&
			    c->sonames[k].machine == e->machine &&
			    strcmp(c->sonames[k].name, name) == 0)
				break;
		if (k < c->nsonames)
			continue;
		if (!find_library(c, is_main, e, horigin, dorigin, name, host,
		    dest))
			die("%s: library %s needed by %s: not found", c->what,
			    name, o->host);
		trace("%s: %s needs %s: %s", c->what, o->host, name, host);
		c->sonames = grow(c->sonames, c->nsonames, &c->capsonames,
		    sizeof(*c->sonames));
		c->sonames[c->nsonames++] = (struct soname){ e->cls,
		    e->machine, xstrdup(name) };
		closure_add(c, O_LIB, o->hops, host, dest);
	}
}

/*
 * "#!INTERP [ARG]" as the kernel reads it, from the first line. The
 * interpreter joins the closure; for "#!/usr/bin/env NAME", so does NAME
 * as found in PATH.
 */
static void
add_interpreter(struct closure *c, const struct obj *o, char *head,
    size_t n)
{
	char *interp, *arg, *end, found[PATH_MAX];

	head[n] = '\0';
	head[strcspn(head, "\n")] = '\0';
	interp = head + 2 + strspn(head + 2, " \t");
	end = interp + strcspn(interp, " \t");
	arg = *end ? end + 1 + strspn(end + 1, " \t") : end;
	*end = '\0';
	if (*interp == '\0')
		return;		/* "#!" alone: the shell runs it, not exec */
	if (*interp != '/')
		die("%s: %s: relative interpreter '%s'", c->what, o->host,
		    interp);
	if (o->hops >= 4)
		die("%s: %s: interpreters nested too deep", c->what, o->host);
	trace("%s: %s runs with %s", c->what, o->host, interp);
	closure_add(c, O_PROG, o->hops + 1, interp, interp);
	end = strrchr(interp, '/');
	if (strcmp(end, "/env") != 0)
		return;
	if (strncmp(arg, "-S", 2) == 0 && (arg[2] == ' ' || arg[2] == '\t'))
		arg += 3 + strspn(arg + 3, " \t");
	arg[strcspn(arg, " \t")] = '\0';
	if (*arg == '\0' || *arg == '-' || strchr(arg, '=') != NULL)
		return;
	if (strchr(arg, '/') != NULL)
		pathf(found, sizeof(found), "%s", arg);
	else if (!path_lookup(arg, found))
		die("%s: %s: #!%s %s: %s not found in PATH", c->what, o->host,
		    interp, arg, arg);
	closure_add(c, O_PROG, o->hops + 1, found, found);
}

/* One object: put it in, then queue what it needs. */
static void
install_object(struct closure *c, size_t i)
{
	char real[PATH_MAX], horigin[PATH_MAX], dorigin[PATH_MAX];
	char canon[PATH_MAX], head[257];
	struct obj o = c->objs[i];	/* c->objs may move */
	struct elf e = { 0 };
	struct stat st;
	const char *why;
	ssize_t n;
	int fd;

	fd = place(o.host, o.dest, real, &st, c->what);
	if (seen_before(&st)) {
		close(fd);
		return;
	}
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n == -1)
		die_sys("%s: read %s", c->what, real);
	if (!elf_ident((unsigned char *)head, n, &e) ||
	    (e.type != ET_EXEC && e.type != ET_DYN)) {
		close(fd);
		if (o.kind == O_PROG && n >= 2 && head[0] == '#' &&
		    head[1] == '!')
			add_interpreter(c, &o, head, n);
		else if (o.kind == O_LIB)
			die("%s: %s: not an ELF shared object", c->what, real);
		return;
	}
	if ((why = elf_read(fd, st.st_size, &e)) != NULL)
		die("%s: %s: malformed ELF (%s)", c->what, real, why);
	close(fd);
	/*
	 * ld.so takes a program's $ORIGIN from /proc/self/exe (the real
	 * path), a library's from the name it was found under.
	 */
	if (o.kind == O_PROG) {
		dirname_of(real, horigin);
		fd = in_root(o.dest, R_FOLLOW, canon);
		if (fd == -1)
			die_sys("%s: %s", c->what, inside(o.dest));
		close(fd);
		dirname_of(canon[0] ? canon : "/", dorigin);
	} else {
		dirname_of(o.host, horigin);
		dirname_of(o.dest, dorigin);
	}
	if (i == 0 && e.rpath != NULL) {
		c->main_rpath = xstrdup(e.rpath);
		strcpy(c->main_horigin, horigin);
		strcpy(c->main_dorigin, dorigin);
	}
	if (e.interp[0] != '\0') {
		if (e.interp[0] != '/')
			die("%s: %s: relative ELF interpreter '%s'", c->what,
			    real, e.interp);
		closure_add(c, O_LIB, o.hops, e.interp, e.interp);
	}
	add_needed(c, &o, i == 0, &e, horigin, dorigin);
	elf_free(&e);
}

/* HOST into the root at DEST, with all it needs to run there. */
static void
install_program(const char *host, const char *dest, const char *what)
{
	struct closure c = { .what = what };
	size_t i;

	closure_add(&c, O_PROG, 0, host, dest);
	for (i = 0; i < c.n; i++) {
		interrupt_check();
		install_object(&c, i);
	}
	for (i = 0; i < c.n; i++) {
		free(c.objs[i].host);
		free(c.objs[i].dest);
	}
	for (i = 0; i < c.nsonames; i++)
		free(c.sonames[i].name);
	free(c.objs);
	free(c.sonames);
	free(c.main_rpath);
}

/* A library found through ld.so.conf needs the cache to be found again. */
static void
copy_ld_cache(void)
{
	char real[PATH_MAX];
	struct stat st;
	int fd;

	if (!need_cache)
		return;
	if (access("/etc/ld.so.cache", F_OK) == -1) {
		trace("no /etc/ld.so.cache on the host to copy");
		return;
	}
	fd = place("/etc/ld.so.cache", "/etc/ld.so.cache", real, &st,
	    "/etc/ld.so.cache");
	close(fd);
}

/* ------------------------------------------------------------------ */
/* --tools and --busybox.                                              */

static void
install_tools(const char *dir)
{
	char self[PATH_MAX], path[PATH_MAX], dest[PATH_MAX], what[64];
	struct stat st;
	ssize_t n;
	size_t i, found = 0;

	if (dir == NULL) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n == -1)
			die_sys("--tools: readlink /proc/self/exe");
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		dir = self;
	}
	for (i = 0; i < LEN(conch_tools); i++) {
		pathf(path, sizeof(path), "%s/%s", dir, conch_tools[i]);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) == -1)
			continue;
		pathf(dest, sizeof(dest), "/bin/%s", conch_tools[i]);
		snprintf(what, sizeof(what), "--tools %s", conch_tools[i]);
		install_program(path, dest, what);
		found++;
	}
	if (found == 0)
		die("--tools: no conch tools in %s", dir);
}

/*
 * Run PROG with stdout into a buffer of at most MAX bytes; dies unless
 * it exits 0.
 */
static char *
run_capture(char *const argv[], size_t max, size_t *len)
{
	posix_spawn_file_actions_t fa;
	char *buf = xrealloc(NULL, max + 1);
	int p[2], err, st;
	ssize_t n;
	pid_t pid;

	*len = 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		die_sys("pipe2");
	if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
		die_err(err, NULL, "posix_spawn_file_actions");
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err != 0)
		die_err(err, NULL, "run %s %s", argv[0], argv[1]);
	while ((n = read(p[0], buf + *len, max - *len)) != 0) {
		if (n == -1 && errno == EINTR) {
			interrupt_check();
			continue;
		}
		if (n == -1)
			die_sys("read from %s", argv[0]);
		*len += n;
		if (*len == max)
			die("%s %s: output too long", argv[0], argv[1]);
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			die_sys("waitpid(%s)", argv[0]);
		interrupt_check();
	}
	if (st != 0)
		die("%s %s: exited with status %d", argv[0], argv[1],
		    status_code(st));
	buf[*len] = '\0';
	return buf;
}

/* The relative path from directory FROM to TO, both canonical in the root. */
static void
relative_path(const char *from, const char *to, char *out)
{
	size_t common = 0, i, o = 0;

	/* The longest common prefix of whole components. */
	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (from[i] == '\0' && (to[i] == '/' || to[i] == '\0'))
		common = i;
	for (i = common; from[i]; i++)
		if (from[i] == '/')
			o += snprintf(out + o, PATH_MAX - o, "../");
	pathf(out + o, PATH_MAX - o, "%s", to + common + (to[common] == '/'));
}

/*
 * bin/busybox, and a relative link to it for each applet, where busybox
 * itself would install it. The applet list comes from running the host
 * busybox with --list-full: it is the program going into the root, which
 * the user named, and it is the only authority on its own applets (the
 * name table inside it has no stable format to parse).
 */
static void
install_busybox(const char *path)
{
	char canon[PATH_MAX], parent[PATH_MAX], name[NAME_MAX + 1];
	char target[PATH_MAX], *list, *line, *rest;
	char *argv[] = { (char *)path, "--list-full", NULL };
	size_t len, made = 0;
	int fd, pfd;

	install_program(path, "/bin/busybox", "--busybox");
	if ((fd = in_root("bin/busybox", R_FOLLOW, canon)) == -1)
		die_sys("--busybox: %s", inside("bin/busybox"));
	close(fd);
	list = run_capture(argv, 1 << 20, &len);
	for (rest = list; (line = strsep(&rest, "\n")) != NULL;) {
		interrupt_check();
		if (*line == '\0')
			continue;
		if (*line == '/' || strstr(line, "..") != NULL ||
		    strlen(line) >= PATH_MAX)
			die("--busybox: %s --list-full: unexpected line '%.64s'",
			    path, line);
		if ((pfd = in_root_parent(line, R_MKDIR, parent, name)) == -1)
			die_sys("--busybox: %s", inside(line));
		relative_path(parent, canon, target);
		if (symlinkat(target, pfd, name) == 0) {
			undo_add(U_FILE, parent, name);
			made++;
		} else if (errno != EEXIST) {
			die_sys("--busybox: symlink %s/%s", inside(parent),
			    name);
		}
		close(pfd);
	}
	trace("--busybox: %zu applet links made", made);
	free(list);
}

/* ------------------------------------------------------------------ */
/* --tar: a tar reader writing only inside the root.                   */

struct tar {
	const char *name;	/* the archive, for messages */
	int fd;			/* the archive, or its decompressor's output */
	pid_t filter;		/* the decompressor, or 0 */
	const char *filtername;
	int errfd;		/* the decompressor's stderr (a memfd) */
	unsigned char buf[1 << 16];
	size_t pos, len;
	uint64_t off;		/* bytes of tar stream read */
	bool eof;
};

/* Set by pax extended headers for the next member only. */
struct xattr {
	char *name, *value;
	size_t len;
};
struct member {
	char path[PATH_MAX], link[PATH_MAX];
	char type;
	mode_t mode;
	uint64_t uid, gid, size;
	struct timespec times[2];	/* atime, mtime: for utimensat() */
	unsigned int major, minor;
	bool pax_path, pax_link, pax_size, pax_uid, pax_gid, pax_mtime;
	bool pax_atime;
	struct xattr xattrs[32];
	size_t nxattrs;
};

/* Directories get their modes, owners and times last, deepest first. */
struct dirattr {
	char *path;	/* canonical inside the root, "" for the root */
	mode_t mode;
	uint64_t uid, gid;
	struct timespec times[2];
	bool superseded;	/* listed again later in the archive */
};

struct unpack {
	struct tar *t;
	struct dirattr *dirs;
	size_t ndirs, capdirs;
	size_t unowned, nodevs;
};

static noreturn void
tar_fail(struct tar *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Wait for the decompressor. A failure there explains a bad stream: it
 * is reported with the last line the decompressor said, as one line.
 */
static void
filter_wait(struct tar *t)
{
	char err[512], *line;
	ssize_t n;
	int st;

	if (t->filter == 0)
		return;
	close(t->fd);	/* no writer blocks on us any more */
	t->fd = -1;
	while (waitpid(t->filter, &st, 0) == -1) {
		if (errno != EINTR)
			die_sys("waitpid(%s)", t->filtername);
		interrupt_check();
	}
	t->filter = 0;
	if (st == 0)
		return;
	n = pread(t->errfd, err, sizeof(err) - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	while (n > 0 && err[n - 1] == '\n')
		err[--n] = '\0';
	line = strrchr(err, '\n') ? strrchr(err, '\n') + 1 : err;
	if (*line != '\0')
		die("--tar %s: %s exited with status %d: %s", t->name,
		    t->filtername, status_code(st), line);
	die("--tar %s: %s exited with status %d (a damaged archive?)",
	    t->name, t->filtername, status_code(st));
}

static void
tar_fail(struct tar *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	filter_wait(t);
	die("--tar %s: %s", t->name, msg);
}

/* Bytes in the buffer, read when it is empty; 0 at the end. */
static size_t
tar_fill(struct tar *t)
{
	ssize_t r;

	while (t->pos == t->len && !t->eof) {
		/* A pipe or a FIFO may make us wait: a signal must end it. */
		if (interrupt_poll(t->fd, POLLIN, -1) == -1) {
			if (errno == EINTR)
				continue;
			die_sys("--tar %s: poll", t->name);
		}
		r = read(t->fd, t->buf, sizeof(t->buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_sys("--tar %s: read", t->name);
		t->eof = r == 0;
		t->pos = 0;
		t->len = r;
	}
	return t->len - t->pos;
}

/* N bytes (to DST, or skipped when DST is NULL), fewer at the end. */
static size_t
tar_read(struct tar *t, void *dst, size_t n)
{
	size_t got = 0, k;

	while (got < n && tar_fill(t) > 0) {
		k = t->len - t->pos < n - got ? t->len - t->pos : n - got;
		if (dst != NULL)
			memcpy((char *)dst + got, t->buf + t->pos, k);
		t->pos += k;
		got += k;
	}
	t->off += got;
	return got;
}

static void
tar_need(struct tar *t, void *dst, uint64_t n)
{
	while (n > 0) {
		size_t k = n > SIZE_MAX / 2 ? SIZE_MAX / 2 : n;

		if (tar_read(t, dst, k) != k)
			tar_fail(t, "truncated archive");
		n -= k;
	}
}

#define MEMBER_MAX (UINT64_C(1) << 62)	/* sizes stay far from overflow */

static uint64_t
padding(uint64_t size)
{
	return (512 - size % 512) % 512;
}

/* A numeric header field: octal, or GNU base-256. */
static bool
tar_number(const unsigned char *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] == 0xff)
			return false;	/* negative */
		v = f[0] & 0x7f;
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return false;
			v = v << 8 | f[i];
		}
		*out = v;
		return true;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 61)
			return false;
		v = v << 3 | (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return false;
	*out = v;
	return true;
}

static bool
tar_checksum(const unsigned char *h)
{
	uint64_t want;
	unsigned long sum = 0;
	long ssum = 0;
	int i;

	if (!tar_number(h + 148, 8, &want))
		return false;
	for (i = 0; i < 512; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];

		sum += c;
		ssum += (signed char)c;
	}
	return want == sum || (long)want == ssum;
}

/* A decimal pax value. */
static bool
pax_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return i == len && i > 0;
}

/*
 * A pax time, SECONDS[.FRACTION]: nanoseconds kept, digits past them
 * dropped. A time before the epoch, or malformed, gives the epoch.
 */
static struct timespec
pax_time(const char *s, size_t len)
{
	struct timespec ts = { 0, 0 };
	const char *dot = memchr(s, '.', len);
	size_t ilen = dot != NULL ? (size_t)(dot - s) : len, i;
	uint64_t sec;
	long scale = 100000000;

	if (!pax_number(s, ilen, &sec))
		return ts;
	for (i = ilen + 1; dot != NULL && i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return (struct timespec){ 0, 0 };
		ts.tv_nsec += (s[i] - '0') * scale;
	}
	ts.tv_sec = sec > INT64_MAX ? INT64_MAX : (time_t)sec;
	return ts;
}

static void
pax_string(struct tar *t, char *dst, const char *val, size_t len,
    const char *key)
{
	if (len == 0 || len >= PATH_MAX || memchr(val, '\0', len) != NULL)
		tar_fail(t, "bad pax %s", key);
	memcpy(dst, val, len);
	dst[len] = '\0';
}

/* "LEN KEY=VALUE\n" records of a pax extended header. */
static void
pax_parse(struct tar *t, char *buf, size_t size, struct member *m)
{
	size_t pos = 0, len, klen, vlen;
	char *rec, *eq, *key, *val;
	uint64_t n;

	while (pos < size) {
		rec = buf + pos;
		for (len = 0; pos + len < size && rec[len] >= '0' &&
		    rec[len] <= '9' && len < 12; len++)
			;
		if (len == 0 || !pax_number(rec, len, &n) ||
		    n > size - pos || n < len + 3 || rec[n - 1] != '\n' ||
		    rec[len] != ' ')
			tar_fail(t, "bad pax header");
		key = rec + len + 1;
		eq = memchr(key, '=', rec + n - 1 - key);
		if (eq == NULL)
			tar_fail(t, "bad pax header");
		klen = eq - key;
		val = eq + 1;
		vlen = rec + n - 1 - val;
		pos += n;
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(key, s, klen) == 0)
		if (KEY("path")) {
			pax_string(t, m->path, val, vlen, "path");
			m->pax_path = true;
		} else if (KEY("linkpath")) {
			pax_string(t, m->link, val, vlen, "linkpath");
			m->pax_link = true;
		} else if (KEY("size")) {
			if (!pax_number(val, vlen, &m->size))
				tar_fail(t, "bad pax size");
			m->pax_size = true;
		} else if (KEY("uid")) {
			if (!pax_number(val, vlen, &m->uid))
				tar_fail(t, "bad pax uid");
			m->pax_uid = true;
		} else if (KEY("gid")) {
			if (!pax_number(val, vlen, &m->gid))
				tar_fail(t, "bad pax gid");
			m->pax_gid = true;
		} else if (KEY("mtime")) {
			m->times[1] = pax_time(val, vlen);
			m->pax_mtime = true;
		} else if (KEY("atime")) {
			m->times[0] = pax_time(val, vlen);
			m->pax_atime = true;
		} else if (klen > 13 && memcmp(key, "SCHILY.xattr.", 13) == 0) {
			struct xattr *x;

			if (m->nxattrs == LEN(m->xattrs) ||
			    klen - 13 > XATTR_NAME_MAX)
				tar_fail(t, "too many or too long xattrs");
			x = &m->xattrs[m->nxattrs++];
			x->name = xrealloc(NULL, klen - 13 + 1);
			memcpy(x->name, key + 13, klen - 13);
			x->name[klen - 13] = '\0';
			x->value = xrealloc(NULL, vlen ? vlen : 1);
			memcpy(x->value, val, vlen);
			x->len = vlen;
		} else if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
			tar_fail(t, "sparse members are not supported");
		}
#undef KEY
	}
}

/* A whole extension member's data (pax header, GNU long name). */
static char *
tar_slurp(struct tar *t, uint64_t size, uint64_t max, const char *what)
{
	char *buf;

	if (size > max)
		tar_fail(t, "%s too long (%llu bytes)", what,
		    (unsigned long long)size);
	buf = xrealloc(NULL, size + 1);
	tar_need(t, buf, size);
	tar_need(t, NULL, padding(size));
	buf[size] = '\0';
	return buf;
}

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
clear_way(struct tar *t, int pfd, const char *name, const char *path,
    bool dir)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return true;
		die_sys("--tar %s: %s", t->name, inside(path));
	}
	if (S_ISDIR(st.st_mode) && dir)
		return false;	/* merged: only its attributes change */
	if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == -1)
		die_sys("--tar %s: replace %s", t->name, inside(path));
	trace("--tar %s: replace %s", t->name, inside(path));
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
		die_sys("--tar %s: chown %s", u->t->name, inside(path));
}

static void
unpack_file(struct unpack *u, int pfd, const char *canon, const char *name,
    const struct member *m)
{
	struct tar *t = u->t;
	uint64_t left = m->size;
	size_t i, k;
	int fd;

	fd = create_in(pfd, canon, name, 0600);
	if (fd == -1)
		die_err(EEXIST, NULL, "--tar %s: create %s/%s", t->name,
		    inside(canon), name);
	while (left > 0) {
		if (tar_fill(t) == 0)
			tar_fail(t, "truncated archive");
		k = t->len - t->pos < left ? t->len - t->pos : left;
		write_all(fd, (char *)t->buf + t->pos, k, inside(m->path));
		t->pos += k;
		t->off += k;
		left -= k;
	}
	tar_need(t, NULL, padding(m->size));
	set_owner(u, fd, NULL, m->uid, m->gid, m->path);
	if (fchmod(fd, member_mode(m->mode, m->uid, m->gid)) == -1)
		die_sys("--tar %s: %s", t->name, inside(m->path));
	/* After the chown, which clears security.capability, as tar does. */
	for (i = 0; i < m->nxattrs; i++)
		if (fsetxattr(fd, m->xattrs[i].name, m->xattrs[i].value,
		    m->xattrs[i].len, 0) == -1)
			trace("--tar %s: %s: xattr %s not kept: %s", t->name,
			    m->path, m->xattrs[i].name, strerror(errno));
	if (futimens(fd, m->times) == -1 || close(fd) == -1)
		die_sys("--tar %s: %s", t->name, inside(m->path));
}

/* Directory DIR/NAME (NAME NULL: the root) gets M's attributes at the end. */
static void
dir_later(struct unpack *u, const char *dir, const char *name,
    const struct member *m)
{
	char path[PATH_MAX];

	if (name != NULL)
		pathf(path, sizeof(path), "%s/%s", dir, name);
	else
		pathf(path, sizeof(path), "%s", dir);
	u->dirs = grow(u->dirs, u->ndirs, &u->capdirs, sizeof(*u->dirs));
	u->dirs[u->ndirs++] = (struct dirattr){ xstrdup(path), m->mode,
	    m->uid, m->gid, { m->times[0], m->times[1] }, false };
}

/* One member, of any type, at m->path inside the root. */
static void
unpack_member(struct unpack *u, struct member *m)
{
	char canon[PATH_MAX], name[NAME_MAX + 1], lcanon[PATH_MAX];
	char lname[NAME_MAX + 1], link[PATH_MAX];
	struct tar *t = u->t;
	bool isdir = m->type == '5' || m->type == 'D';
	dev_t dev = makedev(m->major, m->minor);
	int pfd, lfd;

	if (m->path[0] == '\0') {	/* "./": the root itself */
		if (!isdir)
			tar_fail(t, "member '/' is not a directory");
		dir_later(u, "", NULL, m);
		return;
	}
	if ((pfd = in_root_parent(m->path, R_MKDIR, canon, name)) == -1)
		die_sys("--tar %s: %s", t->name, inside(m->path));
	if (!clear_way(t, pfd, name, m->path, isdir)) {
		close(pfd);
		goto dir_attrs;
	}
	switch (m->type) {
	case '0': case '\0': case '7':
		unpack_file(u, pfd, canon, name, m);
		break;
	case '5': case 'D':
		if (mkdirat(pfd, name, 0700) == -1)
			die_sys("--tar %s: mkdir %s", t->name, inside(m->path));
		undo_add(U_DIR, canon, name);
		break;
	case '2':
		if (m->link[0] == '\0')
			tar_fail(t, "symlink '%s' has no target", m->path);
		if (symlinkat(m->link, pfd, name) == -1)
			die_sys("--tar %s: symlink %s", t->name,
			    inside(m->path));
		undo_add(U_FILE, canon, name);
		set_owner(u, pfd, name, m->uid, m->gid, m->path);
		if (utimensat(pfd, name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
			die_sys("--tar %s: %s", t->name, inside(m->path));
		break;
	case '1':
		clean_name(t, m->link, link, "hard link target");
		if ((lfd = in_root_parent(link, 0, lcanon, lname)) == -1 ||
		    linkat(lfd, lname, pfd, name, 0) == -1)
			die_sys("--tar %s: hard link %s to %s", t->name,
			    inside(m->path), inside(link));
		close(lfd);
		undo_add(U_FILE, canon, name);
		break;
	case '3': case '4': case '6':
		if (mknodat(pfd, name, member_mode(m->mode, m->uid, m->gid) |
		    (m->type == '3' ? S_IFCHR :
		    m->type == '4' ? S_IFBLK : S_IFIFO), dev) == -1) {
			if (errno != EPERM && errno != EACCES)
				die_sys("--tar %s: mknod %s", t->name,
				    inside(m->path));
			trace("--tar %s: skip device %s (mknod: %s)", t->name,
			    m->path, strerror(errno));
			u->nodevs++;
			break;
		}
		undo_add(U_FILE, canon, name);
		set_owner(u, pfd, name, m->uid, m->gid, m->path);
		if (utimensat(pfd, name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
			die_sys("--tar %s: %s", t->name, inside(m->path));
		break;
	}
	close(pfd);
	if (!isdir)
		return;
dir_attrs:
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

/* The directories' attributes, deepest (latest) first. */
static void
finish_dirs(struct unpack *u)
{
	char name[NAME_MAX + 1];
	size_t i;
	int pfd, fd;

	merge_dirs(u);
	for (i = u->ndirs; i-- > 0;) {
		const struct dirattr *d = &u->dirs[i];

		if (d->superseded)
			continue;
		if (d->path[0] == '\0') {
			fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
		} else {
			pfd = in_root_parent(d->path, 0, NULL, name);
			fd = pfd == -1 ? -1 : openat(pfd, name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (pfd != -1)
				close(pfd);
		}
		if (fd == -1) {	/* replaced by a later member */
			trace("--tar %s: %s: %s", u->t->name, inside(d->path),
			    strerror(errno));
			continue;
		}
		set_owner(u, fd, NULL, d->uid, d->gid, d->path);
		if (fchmod(fd, member_mode(d->mode, d->uid, d->gid)) == -1 ||
		    futimens(fd, d->times) == -1)
			die_sys("--tar %s: %s", u->t->name, inside(d->path));
		close(fd);
	}
	for (i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
}

static void
member_free(struct member *m)
{
	size_t i;

	for (i = 0; i < m->nxattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	memset(m, 0, offsetof(struct member, xattrs));
	m->nxattrs = 0;
}

/* Read the header fields pax and GNU extensions did not set. */
static void
header_fields(struct tar *t, const unsigned char *h, struct member *m)
{
	char name[PATH_MAX];
	uint64_t v;

	if (!m->pax_path) {
		if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != '\0')
			snprintf(name, sizeof(name), "%.155s/%.100s",
			    (const char *)h + 345, (const char *)h);
		else
			snprintf(name, sizeof(name), "%.100s",
			    (const char *)h);
		strcpy(m->path, name);
	}
	if (!m->pax_link)
		snprintf(m->link, sizeof(m->link), "%.100s",
		    (const char *)h + 157);
	m->type = h[156];
	if (!tar_number(h + 100, 8, &v))
		tar_fail(t, "%s: bad mode", m->path);
	m->mode = v & 07777;
	if ((!m->pax_uid && !tar_number(h + 108, 8, &m->uid)) ||
	    (!m->pax_gid && !tar_number(h + 116, 8, &m->gid)) ||
	    (!m->pax_size && !tar_number(h + 124, 12, &m->size)))
		tar_fail(t, "%s: bad uid, gid or size", m->path);
	if (!m->pax_mtime) {
		if (!tar_number(h + 136, 12, &v))
			tar_fail(t, "%s: bad mtime", m->path);
		m->times[1].tv_sec = v > INT64_MAX ? INT64_MAX : (time_t)v;
	}
	if (!m->pax_atime)
		m->times[0] = m->times[1];
	if (m->type == '3' || m->type == '4') {
		if (!tar_number(h + 329, 8, &v) || v > 0xfff ||
		    !tar_number(h + 337, 8, &m->size) || m->size > 0xfffff)
			tar_fail(t, "%s: bad device number", m->path);
		m->major = v;
		m->minor = m->size;
		m->size = 0;
	}
}

static bool
zero_block(const unsigned char *h)
{
	size_t i;

	for (i = 0; i < 512; i++)
		if (h[i] != 0)
			return false;
	return true;
}

static void
unpack_stream(struct tar *t)
{
	struct unpack u = { .t = t };
	struct member m = { 0 };
	unsigned char h[512];
	char *data, clean[PATH_MAX];
	size_t got;
	uint64_t size;

	for (;;) {
		interrupt_check();
		got = tar_read(t, h, sizeof(h));
		if (got == 0 && t->off == 0)
			tar_fail(t, "empty archive");
		if (got == 0)
			break;	/* no end blocks: accepted, as GNU tar does */
		if (got < sizeof(h))
			tar_fail(t, "truncated archive");
		if (zero_block(h))
			break;
		if (!tar_checksum(h))
			tar_fail(t, "bad header checksum at byte %llu (not a "
			    "tar archive?)", (unsigned long long)t->off - 512);
		if (!tar_number(h + 124, 12, &size) || size > MEMBER_MAX)
			tar_fail(t, "bad size field at byte %llu",
			    (unsigned long long)t->off - 512);
		switch (h[156]) {
		case 'x':
			data = tar_slurp(t, size, 1 << 20, "pax header");
			pax_parse(t, data, size, &m);
			free(data);
			continue;
		case 'g':	/* global pax header: git archive's comment */
			tar_need(t, NULL, size + padding(size));
			continue;
		case 'L':
		case 'K':
			data = tar_slurp(t, size, PATH_MAX - 1, "GNU long name");
			if (h[156] == 'L' && !m.pax_path) {
				strcpy(m.path, data);
				m.pax_path = true;
			} else if (h[156] == 'K' && !m.pax_link) {
				strcpy(m.link, data);
				m.pax_link = true;
			}
			free(data);
			continue;
		case 'V':	/* a volume label names no file */
			tar_need(t, NULL, size + padding(size));
			member_free(&m);
			continue;
		}
		header_fields(t, h, &m);
		if (m.size > MEMBER_MAX)
			tar_fail(t, "%s: bad size", m.path);
		if (m.type != '\0' && strchr("01234567D", m.type) == NULL)
			tar_fail(t, "%s: unsupported member type '%c'",
			    m.path, m.type);
		/* Old tars mark directories by a trailing slash only. */
		if ((m.type == '0' || m.type == '\0') && m.path[0] &&
		    m.path[strlen(m.path) - 1] == '/')
			m.type = '5';
		clean_name(t, m.path, clean, "member");
		strcpy(m.path, clean);
		if (m.type != '0' && m.type != '\0' && m.type != '7') {
			tar_need(t, NULL, m.size + padding(m.size));
			m.size = 0;
		}
		unpack_member(&u, &m);
		member_free(&m);
	}
	/* Drain what follows the end blocks, so the decompressor ends well. */
	while (tar_read(t, NULL, sizeof(t->buf)) > 0)
		;
	member_free(&m);
	finish_dirs(&u);
	if (u.unowned)
		trace("--tar %s: %zu owners not kept (IDs not mapped here, "
		    "or not root)", t->name, u.unowned);
	if (u.nodevs)
		trace("--tar %s: %zu device nodes skipped", t->name,
		    u.nodevs);
}

/* Which decompressor, by the archive's first bytes M. */
static const char *const *
tar_filter(const unsigned char m[6])
{
	static const char *const gz[] = { "gzip", "-dc", NULL };
	static const char *const xz[] = { "xz", "-dc", NULL };
	static const char *const zst[] = { "zstd", "-dcq", NULL };
	static const char *const bz[] = { "bzip2", "-dc", NULL };

	if (m[0] == 0x1f && m[1] == 0x8b)
		return gz;
	if (memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return xz;
	if (memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return zst;
	if (memcmp(m, "BZh", 3) == 0)
		return bz;
	return NULL;
}

/* Up to N bytes from a pipe, fewer only at its end. */
static size_t
read_some(int fd, unsigned char *buf, size_t n, const char *name)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (interrupt_poll(fd, POLLIN, -1) == -1 && errno != EINTR)
			die_sys("--tar %s: poll", name);
		r = read(fd, buf + got, n - got);
		if (r == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_sys("--tar %s: read", name);
		got += r;
	}
	return got;
}

/*
 * A process that feeds HEAD, then the rest of FD, into a new pipe: a
 * pipe (--tar -, <(curl ...)) cannot be read twice, and the bytes read to
 * choose the decompressor must reach it first.
 */
static pid_t
pump(int fd, const unsigned char *head, size_t n, int *out)
{
	char buf[1 << 16];
	ssize_t r, w;
	size_t k;
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		die_sys("pipe2");
	if ((pid = fork()) == -1)
		die_sys("fork");
	if (pid > 0) {
		close(p[1]);
		*out = p[0];
		return pid;
	}
	/* The child: _exit() only, our atexit undo is not its to run. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(p[0]);
	memcpy(buf, head, n);
	r = n;
	for (;;) {
		for (k = 0; k < (size_t)r; k += w) {
			w = write(p[1], buf + k, r - k);
			if (w == -1 && errno != EINTR)
				_exit(1);
			if (w == -1)
				w = 0;
		}
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			_exit(0);
		if (r == -1 && errno != EINTR)
			_exit(1);
		if (r == -1)
			r = 0;
	}
}

static void
unpack_tar(const char *name, int fd)
{
	static struct tar t;
	const char *const *filter;
	posix_spawn_file_actions_t fa;
	unsigned char head[6] = { 0 };
	bool stream;
	size_t n;
	pid_t feeder = 0;
	int p[2], err, in = fd;

	memset(&t, 0, sizeof(t));
	t.name = name;
	t.fd = fd;
	stream = lseek(fd, 0, SEEK_CUR) == -1 && errno == ESPIPE;
	if (stream)
		n = read_some(fd, head, sizeof(head), name);
	else if (pread(fd, head, sizeof(head), 0) == -1)
		die_sys("--tar %s: read", name);
	filter = tar_filter(head);
	if (stream && filter == NULL) {
		/* Plain tar: the bytes read are the first of the buffer. */
		memcpy(t.buf, head, n);
		t.len = n;
	} else if (stream) {
		feeder = pump(fd, head, n, &in);
	}
	if (filter != NULL) {
		t.filtername = filter[0];
		trace("--tar %s: %s %s", name, filter[0], filter[1]);
		if (pipe2(p, O_CLOEXEC) == -1)
			die_sys("pipe2");
		t.errfd = memfd_create("stderr", MFD_CLOEXEC);
		if (t.errfd == -1)
			die_sys("memfd_create");
		if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
		    (err = posix_spawn_file_actions_adddup2(&fa, in, 0)) != 0 ||
		    (err = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
		    (err = posix_spawn_file_actions_adddup2(&fa, t.errfd,
		    2)) != 0)
			die_err(err, NULL, "posix_spawn_file_actions");
		err = posix_spawnp(&t.filter, filter[0], &fa, NULL,
		    (char *const *)filter, environ);
		posix_spawn_file_actions_destroy(&fa);
		close(p[1]);
		if (err != 0)
			die_err(err, err == ENOENT ? "install it, or unpack "
			    "the archive first" : NULL, "--tar %s: run %s",
			    name, filter[0]);
		t.fd = p[0];
	} else {
		trace("--tar %s: plain tar", name);
	}
	if (feeder != 0)
		close(in);
	unpack_stream(&t);
	if (filter != NULL) {
		filter_wait(&t);
		close(t.errfd);
	}
	if (feeder != 0)	/* it ends with the input or the decompressor */
		while (waitpid(feeder, NULL, 0) == -1 && errno == EINTR)
			interrupt_check();
	close(fd);
}

/* ------------------------------------------------------------------ */
/* --overlay.                                                          */

/* Is the mount holding DIR shared? Then our mount would propagate. */
static bool
mount_shared(int dirfd)
{
	struct statx sx;
	char *line = NULL, *sep;
	size_t cap = 0;
	bool shared = false;
	FILE *fp;

	if (statx(dirfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) == -1)
		die_sys("--overlay: statx %s", rootname);
	if ((fp = fopen("/proc/self/mountinfo", "re")) == NULL)
		die_sys("--overlay: read /proc/self/mountinfo");
	while (getline(&line, &cap, fp) != -1) {
		if (strtoull(line, NULL, 10) != sx.stx_mnt_id)
			continue;
		/* The optional fields come before " - "; paths have no
		 * spaces in mountinfo (they are escaped as \040). */
		if ((sep = strstr(line, " - ")) != NULL)
			*sep = '\0';
		shared = strstr(line, " shared:") != NULL;
		break;
	}
	free(line);
	fclose(fp);
	return shared;
}

/* The kernel's own words about a failed fsconfig, from the fs context. */
static const char *
fs_log(int fsfd)
{
	static char msg[512];
	char buf[512];
	ssize_t n;

	msg[0] = '\0';
	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == 'e' || msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", buf + 2);
	}
	return msg[0] ? msg : NULL;
}

static const char *
mount_hint(int err)
{
	if (err == EPERM)
		return "mounting needs CAP_SYS_ADMIN over the mount "
		    "namespace: run inside nsnew -U --map-root -m";
	if (err == ENODEV)
		return "the kernel lacks this filesystem";
	return NULL;
}

/* A new detached mount of FSTYPE; OPTS are KEY=VALUE or FLAG strings. */
static int
fs_make(const char *fstype, const char *const *opts, size_t nopts)
{
	char key[64];
	const char *val, *why;
	size_t i;
	int fsfd, mfd, err;

	if ((fsfd = fsopen(fstype, FSOPEN_CLOEXEC)) == -1)
		die_err(errno, mount_hint(errno), "--overlay: fsopen(%s)",
		    fstype);
	for (i = 0; i < nopts; i++) {
		val = strchr(opts[i], '=');
		snprintf(key, sizeof(key), "%.*s",
		    (int)(val ? val - opts[i] : (ptrdiff_t)strlen(opts[i])),
		    opts[i]);
		if (fsconfig(fsfd, val ? FSCONFIG_SET_STRING :
		    FSCONFIG_SET_FLAG, key, val ? val + 1 : NULL, 0) == -1) {
			err = errno;
			why = fs_log(fsfd);
			die_err(err, why ? why : mount_hint(err),
			    "--overlay: %s option %s", fstype, opts[i]);
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1) {
		err = errno;
		why = fs_log(fsfd);
		die_err(err, why ? why : mount_hint(err),
		    "--overlay: mount %s on %s", fstype, rootname);
	}
	if ((mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0)) == -1)
		die_err(errno, mount_hint(errno), "--overlay: fsmount(%s)",
		    fstype);
	close(fsfd);
	return mfd;
}

static void
attach(int mfd, const char *dir, const char *fstype)
{
	if (move_mount(mfd, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) == -1)
		die_err(errno, mount_hint(errno), "--overlay: mount %s on %s",
		    fstype, dir);
	trace("--overlay: mount %s on %s", fstype, dir);
	undo_add(U_MOUNT, dir, NULL);
}

static void
make_host_dir(const char *path, const char *what)
{
	if (mkdir(path, 0755) == 0)
		undo_add(U_HOSTDIR, path, NULL);
	else if (errno != EEXIST)
		die_sys("%s: mkdir %s", what, path);
}

/*
 * How the overlay is told of a layer (fd FD, named PATH): by its real
 * path, which mountinfo then shows, unless the overlay would misread it
 * (':' ',' '\\' in it) or it lies in COVERED, the DIR that a tmpfs is
 * about to cover (a LOWER that is DIR itself: an image made writable in
 * place). Then by /proc/self/fd/N: the fd was opened before any mount.
 */
static void
layer_name(int fd, const char *path, const char *covered, char *out)
{
	char real[PATH_MAX];
	size_t n = covered ? strlen(covered) : 0;
	struct stat a, b;

	if (realpath(path, real) != NULL && strpbrk(real, ":,\\") == NULL &&
	    !(n > 0 && strncmp(real, covered, n) == 0 && (real[n] == '/' ||
	    real[n] == '\0' || n == 1)) && stat(real, &a) == 0 &&
	    fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		pathf(out, PATH_MAX, "%s", real);
	else
		pathf(out, PATH_MAX, "/proc/self/fd/%d", fd);
}

static int
open_layer(const char *path, const char *what)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		die_sys("%s %s", what, path);
	return fd;
}

/*
 * The overlay's upper and work directories live on a fresh tmpfs,
 * mounted on DIR and covered by the overlay, or in UPPER and UPPER.work.
 */
static void
mount_overlay(const char *dir, char **lowers, const int *lowerfds,
    size_t nlowers, const char *upper)
{
	char *lowerdir, dirreal[PATH_MAX], name[PATH_MAX], work[PATH_MAX];
	char upperdir[PATH_MAX + 16], workdir[PATH_MAX + 16];
	const char *opts[4];
	size_t i, n = 0, o = 0, size = nlowers * PATH_MAX + 16;
	unsigned long ino;
	struct stat st;
	int mfd = -1, ofd, ufd = -1, wfd = -1;

	if (host_mntns(&ino))
		die("--overlay: refusing to mount in the host's mount "
		    "namespace (run inside nsnew -m or unshare -m)");
	if (mount_shared(rootfd))
		die("--overlay: %s is on a shared mount: the overlay would "
		    "appear in other mount namespaces (make it private: "
		    "nsnew -m does, or mount --make-rprivate /)", rootname);
	if (realpath(dir, dirreal) == NULL)
		die_sys("realpath %s", dir);
	lowerdir = xrealloc(NULL, size);
	for (i = 0; i < nlowers; i++) {
		layer_name(lowerfds[i], lowers[i], upper ? NULL : dirreal,
		    name);
		o += snprintf(lowerdir + o, size - o, "%s%s",
		    i ? ":" : "lowerdir=", name);
	}
	if (upper != NULL) {
		pathf(work, sizeof(work), "%s.work", upper);
		make_host_dir(upper, "--upper");
		make_host_dir(work, "--upper");
		ufd = open_layer(upper, "--upper");
		wfd = open_layer(work, "--upper");
		layer_name(ufd, upper, NULL, name);
		snprintf(upperdir, sizeof(upperdir), "upperdir=%s", name);
		layer_name(wfd, work, NULL, name);
		snprintf(workdir, sizeof(workdir), "workdir=%s", name);
	} else {
		opts[0] = "mode=0755";
		mfd = fs_make("tmpfs", opts, 1);
		attach(mfd, dir, "tmpfs");
		if (mkdirat(mfd, "upper", 0755) == -1 ||
		    mkdirat(mfd, "work", 0755) == -1)
			die_sys("--overlay: mkdir in tmpfs");
		/* the overlay's root takes its mode from upper */
		if (fstat(lowerfds[0], &st) == -1 ||
		    fchmodat(mfd, "upper", st.st_mode & 07777, 0) == -1)
			die_sys("--overlay: chmod tmpfs upper");
		snprintf(upperdir, sizeof(upperdir),
		    "upperdir=/proc/self/fd/%d/upper", mfd);
		snprintf(workdir, sizeof(workdir),
		    "workdir=/proc/self/fd/%d/work", mfd);
	}
	opts[n++] = lowerdir;
	opts[n++] = upperdir;
	opts[n++] = workdir;
	if (stat("/proc/self/ns/user", &st) == 0 &&
	    st.st_ino != USER_NS_INIT_INO)
		opts[n++] = "userxattr";	/* trusted.* is not ours */
	ofd = fs_make("overlay", opts, n);
	attach(ofd, dir, "overlay");
	close(ofd);
	if (mfd != -1)
		close(mfd);
	if (upper != NULL) {
		close(ufd);
		close(wfd);
	}
	for (i = 0; i < nlowers; i++)
		close(lowerfds[i]);
	free(lowerdir);
	close(rootfd);
	if ((rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		die_sys("open %s", dir);
}

/* ------------------------------------------------------------------ */
/* The command line, and the steps.                                    */

struct opts {
	char **copy;		/* absolute host paths */
	size_t ncopy;
	const char **tar;
	int *tarfd;
	size_t ntar;
	const char *busybox;	/* resolved path, or NULL */
	bool want_busybox, tools;
	const char *tools_dir;
	const char *overlay, *upper;
	char **lowers;
	int *lowerfds;
	size_t nlowers;
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "copy", required_argument, NULL, 'c' },
		{ "tar", required_argument, NULL, 'x' },
		{ "busybox", optional_argument, NULL, 'b' },
		{ "tools", optional_argument, NULL, 't' },
		{ "overlay", required_argument, NULL, 'o' },
		{ "upper", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->copy = xrealloc(NULL, argc * sizeof(*o->copy));
	o->tar = xrealloc(NULL, argc * sizeof(*o->tar));
	while ((c = getopt_long(argc, argv, "+:c:x:b::t::o:u:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			o->copy[o->ncopy++] = optarg;
			break;
		case 'x':
			o->tar[o->ntar++] = optarg;
			break;
		case 'b':
			o->want_busybox = true;
			o->busybox = optarg;
			break;
		case 't':
			o->tools = true;
			o->tools_dir = optarg;
			break;
		case 'o':
			o->overlay = optarg;
			break;
		case 'u':
			o->upper = optarg;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (o->upper != NULL && o->overlay == NULL)
		die("--upper needs --overlay");
	if (optind == argc)
		die("missing DIR (see mkrootfs --help)");
}

/*
 * Every input is found and opened before DIR is touched: a typo costs
 * nothing to undo.
 */
static void
check_inputs(struct opts *o)
{
	char path[PATH_MAX], cwd[PATH_MAX], *lower, *rest, *list;
	struct stat st;
	size_t i;

	for (i = 0; i < o->ncopy; i++) {
		const char *f = o->copy[i];

		if (*f == '\0')
			die("--copy: empty file name");
		if (strchr(f, '/') == NULL) {
			if (!path_lookup(f, path))
				die("--copy %s: not found in PATH", f);
		} else if (*f != '/') {
			if (getcwd(cwd, sizeof(cwd)) == NULL)
				die_sys("getcwd");
			pathf(path, sizeof(path), "%s/%s", cwd, f);
		} else {
			pathf(path, sizeof(path), "%s", f);
		}
		if (stat(path, &st) == -1)
			die_sys("--copy %s", f);
		if (!S_ISREG(st.st_mode))
			die("--copy %s: not a regular file", f);
		o->copy[i] = xstrdup(path);
	}
	o->tarfd = xrealloc(NULL, (o->ntar + 1) * sizeof(*o->tarfd));
	for (i = 0; i < o->ntar; i++) {
		if (strcmp(o->tar[i], "-") == 0)	/* stdin, kept for PROG */
			o->tarfd[i] = fcntl(0, F_DUPFD_CLOEXEC, 3);
		else
			o->tarfd[i] = open(o->tar[i], O_RDONLY | O_CLOEXEC |
			    O_NOCTTY);
		if (o->tarfd[i] == -1)
			die_sys("--tar %s", o->tar[i]);
	}
	if (o->want_busybox) {
		if (o->busybox == NULL || strchr(o->busybox, '/') == NULL) {
			if (!path_lookup(o->busybox ? o->busybox : "busybox",
			    path))
				die("--busybox: %s not found in PATH (install "
				    "busybox-static, or give --busybox=PATH)",
				    o->busybox ? o->busybox : "busybox");
			o->busybox = xstrdup(path);
		}
		if (stat(o->busybox, &st) == -1)
			die_sys("--busybox %s", o->busybox);
	}
	if (o->tools_dir != NULL && stat(o->tools_dir, &st) == -1)
		die_sys("--tools %s", o->tools_dir);
	if (o->tools_dir != NULL && !S_ISDIR(st.st_mode))
		die_err(ENOTDIR, NULL, "--tools %s", o->tools_dir);
	if (o->overlay == NULL)
		return;
	list = xstrdup(o->overlay);
	o->lowers = xrealloc(NULL, (strlen(list) / 2 + 1) * sizeof(char *));
	o->lowerfds = xrealloc(NULL, (strlen(list) / 2 + 1) * sizeof(int));
	for (rest = list; (lower = strsep(&rest, ":")) != NULL;) {
		if (*lower == '\0')
			die("--overlay %s: empty layer", o->overlay);
		if (o->nlowers == 500)
			die("--overlay: more than 500 layers");
		o->lowers[o->nlowers] = lower;
		o->lowerfds[o->nlowers++] = open_layer(lower, "--overlay");
	}
}

/* DIR, made if missing (not its parents), opened as the root. */
static void
open_root(const char *dir)
{
	size_t len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	pathf(rootname, sizeof(rootname), "%.*s", (int)len, dir);
	if (mkdir(dir, 0755) == 0) {
		trace("mkdir %s", dir);
		undo_add(U_HOSTDIR, dir, NULL);
	} else if (errno != EEXIST) {
		die_sys("mkdir %s", dir);
	}
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1)
		die_sys("open %s", dir);
}

int
main(int argc, char **argv)
{
	static struct opts o;	/* static: reachable to the end */
	char what[PATH_MAX + 16];
	const char *dir;
	mode_t umask_was;
	size_t i;

	conch_init("mkrootfs");
	parse_args(argc, argv, &o);
	dir = argv[optind++];
	interrupt_catch();	/* before the undo: it runs first at exit */
	check_inputs(&o);
	umask_was = umask(0);	/* modes are exact; PROG gets it back */
	if (atexit(undo_all) != 0)
		die("atexit");
	open_root(dir);
	if (o.overlay != NULL)
		mount_overlay(dir, o.lowers, o.lowerfds, o.nlowers, o.upper);
	for (i = 0; i < o.ntar; i++)
		unpack_tar(o.tar[i], o.tarfd[i]);
	make_skeleton();
	for (i = 0; i < o.ncopy; i++) {
		snprintf(what, sizeof(what), "--copy %s", o.copy[i]);
		install_program(o.copy[i], o.copy[i], what);
	}
	if (o.tools)
		install_tools(o.tools_dir);
	if (o.want_busybox)
		install_busybox(o.busybox);
	copy_ld_cache();
	interrupt_end();
	built = true;
	umask(umask_was);
	close(rootfd);
	if (optind == argc)
		return 0;
	exec_prog(argv + optind, NULL);
}

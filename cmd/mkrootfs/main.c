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
 * Every path inside DIR is resolved inside it (root.c): a hostile tree
 * (usr -> /usr) cannot make us write outside it.
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
#include "elfread.h"
#include "ldpath.h"
#include "mkrootfs.h"

/* The root being built (until the steps take it as a parameter). */
static struct root root = { .fd = -1 };
static struct installer installer = { .root = &root };

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
		die_sys("--tar %s: %s", t->name, inside(&root, path));
	}
	if (S_ISDIR(st.st_mode) && dir)
		return false;	/* merged: only its attributes change */
	if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == -1)
		die_sys("--tar %s: replace %s", t->name, inside(&root, path));
	trace("--tar %s: replace %s", t->name, inside(&root, path));
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
		die_sys("--tar %s: chown %s", u->t->name, inside(&root, path));
}

static void
unpack_file(struct unpack *u, int pfd, const char *canon, const char *name,
    const struct member *m)
{
	struct tar *t = u->t;
	uint64_t left = m->size;
	size_t i, k;
	int fd;

	fd = create_in(&root, pfd, canon, name, 0600);
	if (fd == -1)
		die_err(EEXIST, NULL, "--tar %s: create %s/%s", t->name,
		    inside(&root, canon), name);
	while (left > 0) {
		if (tar_fill(t) == 0)
			tar_fail(t, "truncated archive");
		k = t->len - t->pos < left ? t->len - t->pos : left;
		write_all(fd, (char *)t->buf + t->pos, k, inside(&root, m->path));
		t->pos += k;
		t->off += k;
		left -= k;
	}
	tar_need(t, NULL, padding(m->size));
	set_owner(u, fd, NULL, m->uid, m->gid, m->path);
	if (fchmod(fd, member_mode(m->mode, m->uid, m->gid)) == -1)
		die_sys("--tar %s: %s", t->name, inside(&root, m->path));
	/* After the chown, which clears security.capability, as tar does. */
	for (i = 0; i < m->nxattrs; i++)
		if (fsetxattr(fd, m->xattrs[i].name, m->xattrs[i].value,
		    m->xattrs[i].len, 0) == -1)
			trace("--tar %s: %s: xattr %s not kept: %s", t->name,
			    m->path, m->xattrs[i].name, strerror(errno));
	if (futimens(fd, m->times) == -1 || close(fd) == -1)
		die_sys("--tar %s: %s", t->name, inside(&root, m->path));
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
	if ((pfd = in_root_parent(&root, m->path, R_MKDIR, canon, name)) == -1)
		die_sys("--tar %s: %s", t->name, inside(&root, m->path));
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
			die_sys("--tar %s: mkdir %s", t->name, inside(&root, m->path));
		undo_add(&root, U_DIR, canon, name);
		break;
	case '2':
		if (m->link[0] == '\0')
			tar_fail(t, "symlink '%s' has no target", m->path);
		if (symlinkat(m->link, pfd, name) == -1)
			die_sys("--tar %s: symlink %s", t->name,
			    inside(&root, m->path));
		undo_add(&root, U_FILE, canon, name);
		set_owner(u, pfd, name, m->uid, m->gid, m->path);
		if (utimensat(pfd, name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
			die_sys("--tar %s: %s", t->name, inside(&root, m->path));
		break;
	case '1':
		clean_name(t, m->link, link, "hard link target");
		if ((lfd = in_root_parent(&root, link, 0, lcanon, lname)) == -1 ||
		    linkat(lfd, lname, pfd, name, 0) == -1)
			die_sys("--tar %s: hard link %s to %s", t->name,
			    inside(&root, m->path), inside(&root, link));
		close(lfd);
		undo_add(&root, U_FILE, canon, name);
		break;
	case '3': case '4': case '6':
		if (mknodat(pfd, name, member_mode(m->mode, m->uid, m->gid) |
		    (m->type == '3' ? S_IFCHR :
		    m->type == '4' ? S_IFBLK : S_IFIFO), dev) == -1) {
			if (errno != EPERM && errno != EACCES)
				die_sys("--tar %s: mknod %s", t->name,
				    inside(&root, m->path));
			trace("--tar %s: skip device %s (mknod: %s)", t->name,
			    m->path, strerror(errno));
			u->nodevs++;
			break;
		}
		undo_add(&root, U_FILE, canon, name);
		set_owner(u, pfd, name, m->uid, m->gid, m->path);
		if (utimensat(pfd, name, m->times, AT_SYMLINK_NOFOLLOW) == -1)
			die_sys("--tar %s: %s", t->name, inside(&root, m->path));
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
			fd = openat(root.fd, ".", O_RDONLY | O_DIRECTORY |
			    O_CLOEXEC);
		} else {
			pfd = in_root_parent(&root, d->path, 0, NULL, name);
			fd = pfd == -1 ? -1 : openat(pfd, name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (pfd != -1)
				close(pfd);
		}
		if (fd == -1) {	/* replaced by a later member */
			trace("--tar %s: %s: %s", u->t->name, inside(&root, d->path),
			    strerror(errno));
			continue;
		}
		set_owner(u, fd, NULL, d->uid, d->gid, d->path);
		if (fchmod(fd, member_mode(d->mode, d->uid, d->gid)) == -1 ||
		    futimens(fd, d->times) == -1)
			die_sys("--tar %s: %s", u->t->name, inside(&root, d->path));
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
		die_sys("--overlay: statx %s", root.name);
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
		    "--overlay: mount %s on %s", fstype, root.name);
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
	undo_add(&root, U_MOUNT, dir, NULL);
}

static void
make_host_dir(const char *path, const char *what)
{
	if (mkdir(path, 0755) == 0)
		undo_add(&root, U_HOSTDIR, path, NULL);
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
	if (mount_shared(root.fd))
		die("--overlay: %s is on a shared mount: the overlay would "
		    "appear in other mount namespaces (make it private: "
		    "nsnew -m does, or mount --make-rprivate /)", root.name);
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
	close(root.fd);
	if ((root.fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
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
	root_undo_at_exit(&root);
	root_open(&root, dir);
	if (o.overlay != NULL)
		mount_overlay(dir, o.lowers, o.lowerfds, o.nlowers, o.upper);
	for (i = 0; i < o.ntar; i++)
		unpack_tar(o.tar[i], o.tarfd[i]);
	make_skeleton(&root);
	for (i = 0; i < o.ncopy; i++) {
		snprintf(what, sizeof(what), "--copy %s", o.copy[i]);
		install_program(&installer, o.copy[i], o.copy[i], what);
	}
	if (o.tools)
		install_tools(&installer, o.tools_dir);
	if (o.want_busybox)
		install_busybox(&installer, o.busybox);
	copy_ld_cache(&installer);
	interrupt_end();
	root.built = true;
	umask(umask_was);
	close(root.fd);
	if (optind == argc)
		return 0;
	exec_prog(argv + optind, NULL);
}

/*
 * overlay.c: --overlay: a writable overlay of the LOWER directories
 * mounted at DIR, through the new mount API (fsopen, fsconfig, fsmount,
 * move_mount), so that what mkrootfs then makes lands in its upper layer:
 * a fresh tmpfs under DIR, or --upper's directory. Only inside a private
 * mount namespace, never the host's: the mount must not propagate.
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

/* The overlay's mount options, and the descriptors they name. */
struct overlay {
	struct root *r;
	const char *dir;		/* DIR, as given */
	char *lowerdir;			/* "lowerdir=A:B..." */
	char upperdir[PATH_MAX + 16], workdir[PATH_MAX + 16];
	int tmpfs, ufd, wfd;		/* or -1 */
};

/* Is the mount holding DIR shared? Then our mount would propagate. */
static bool
mount_shared(const struct root *r)
{
	struct statx sx;
	char *line = NULL, *sep;
	size_t cap = 0;
	bool shared = false;
	FILE *fp;

	if (statx(r->fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) == -1)
		die_sys("--overlay: statx %s", r->name);
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

/*
 * A new detached mount of FSTYPE, for DIR; OPTS are KEY=VALUE or FLAG
 * strings.
 */
static int
fs_make(const char *fstype, const char *const *opts, size_t nopts,
    const char *dir)
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
		    "--overlay: mount %s on %s", fstype, dir);
	}
	if ((mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0)) == -1)
		die_err(errno, mount_hint(errno), "--overlay: fsmount(%s)",
		    fstype);
	close(fsfd);
	return mfd;
}

/* The mount MFD at DIR, to be undone on failure. */
static void
attach(struct root *r, int mfd, const char *dir, const char *fstype)
{
	if (move_mount(mfd, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) == -1)
		die_err(errno, mount_hint(errno), "--overlay: mount %s on %s",
		    fstype, dir);
	trace("--overlay: mount %s on %s", fstype, dir);
	undo_add(r, U_MOUNT, dir, NULL);
}

static void
make_host_dir(struct root *r, const char *path, const char *what)
{
	if (mkdir(path, 0755) == 0)
		undo_add(r, U_HOSTDIR, path, NULL);
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

/* --overlay's LOWERs, each opened now, before DIR is touched. */
void
open_layers(struct layers *l)
{
	char *list = xstrdup(l->spec), *lower, *rest;

	l->lowers = xrealloc(NULL, (strlen(list) / 2 + 1) * sizeof(char *));
	l->lowerfds = xrealloc(NULL, (strlen(list) / 2 + 1) * sizeof(int));
	for (rest = list; (lower = strsep(&rest, ":")) != NULL;) {
		if (*lower == '\0')
			die("--overlay %s: empty layer", l->spec);
		if (l->nlowers == 500)
			die("--overlay: more than 500 layers");
		l->lowers[l->nlowers] = lower;
		l->lowerfds[l->nlowers++] = open_layer(lower, "--overlay");
	}
}

/* "lowerdir=", the layers by the names layer_name() chooses. */
static void
lowerdir_option(struct overlay *ov, const struct layers *l)
{
	char dirreal[PATH_MAX], name[PATH_MAX];
	size_t i, o = 0, size = l->nlowers * PATH_MAX + 16;

	if (realpath(ov->dir, dirreal) == NULL)
		die_sys("realpath %s", ov->dir);
	ov->lowerdir = xrealloc(NULL, size);
	for (i = 0; i < l->nlowers; i++) {
		layer_name(l->lowerfds[i], l->lowers[i],
		    l->upper ? NULL : dirreal, name);
		o += snprintf(ov->lowerdir + o, size - o, "%s%s",
		    i ? ":" : "lowerdir=", name);
	}
}

/* --upper UPPER: the upper and work directories UPPER and UPPER.work. */
static void
upper_on_host(struct overlay *ov, const char *upper)
{
	char work[PATH_MAX], name[PATH_MAX];

	pathf(work, sizeof(work), "%s.work", upper);
	make_host_dir(ov->r, upper, "--upper");
	make_host_dir(ov->r, work, "--upper");
	ov->ufd = open_layer(upper, "--upper");
	ov->wfd = open_layer(work, "--upper");
	layer_name(ov->ufd, upper, NULL, name);
	snprintf(ov->upperdir, sizeof(ov->upperdir), "upperdir=%s", name);
	layer_name(ov->wfd, work, NULL, name);
	snprintf(ov->workdir, sizeof(ov->workdir), "workdir=%s", name);
}

/*
 * Without --upper: a fresh tmpfs mounted on DIR, covered by the overlay,
 * holds them. The overlay's root takes its mode from upper: the top
 * layer's (TOPFD).
 */
static void
upper_on_tmpfs(struct overlay *ov, int topfd)
{
	const char *opts[] = { "mode=0755" };
	struct stat st;

	ov->tmpfs = fs_make("tmpfs", opts, 1, ov->r->name);
	attach(ov->r, ov->tmpfs, ov->dir, "tmpfs");
	if (mkdirat(ov->tmpfs, "upper", 0755) == -1 ||
	    mkdirat(ov->tmpfs, "work", 0755) == -1)
		die_sys("--overlay: mkdir in tmpfs");
	if (fstat(topfd, &st) == -1 ||
	    fchmodat(ov->tmpfs, "upper", st.st_mode & 07777, 0) == -1)
		die_sys("--overlay: chmod tmpfs upper");
	snprintf(ov->upperdir, sizeof(ov->upperdir),
	    "upperdir=/proc/self/fd/%d/upper", ov->tmpfs);
	snprintf(ov->workdir, sizeof(ov->workdir),
	    "workdir=/proc/self/fd/%d/work", ov->tmpfs);
}

/* The overlay at DIR; the root is then opened again, through it. */
void
mount_overlay(struct root *r, const char *dir, const struct layers *l)
{
	struct overlay ov = { r, dir, NULL, "", "", -1, -1, -1 };
	const char *opts[4];
	unsigned long ino;
	struct stat st;
	size_t i, n = 0;
	int ofd;

	if (host_mntns(&ino))
		die("--overlay: refusing to mount in the host's mount "
		    "namespace (run inside nsnew -m or unshare -m)");
	if (mount_shared(r))
		die("--overlay: %s is on a shared mount: the overlay would "
		    "appear in other mount namespaces (make it private: "
		    "nsnew -m does, or mount --make-rprivate /)", r->name);
	lowerdir_option(&ov, l);
	if (l->upper != NULL)
		upper_on_host(&ov, l->upper);
	else
		upper_on_tmpfs(&ov, l->lowerfds[0]);
	opts[n++] = ov.lowerdir;
	opts[n++] = ov.upperdir;
	opts[n++] = ov.workdir;
	if (stat("/proc/self/ns/user", &st) == 0 &&
	    st.st_ino != USER_NS_INIT_INO)
		opts[n++] = "userxattr";	/* trusted.* is not ours */
	ofd = fs_make("overlay", opts, n, r->name);
	attach(r, ofd, dir, "overlay");
	close(ofd);
	if (ov.tmpfs != -1)
		close(ov.tmpfs);
	if (ov.ufd != -1) {
		close(ov.ufd);
		close(ov.wfd);
	}
	for (i = 0; i < l->nlowers; i++)
		close(l->lowerfds[i]);
	free(ov.lowerdir);
	close(r->fd);
	if ((r->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		die_sys("open %s", dir);
}

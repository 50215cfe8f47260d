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
		unpack_tar(&root, o.tar[i], o.tarfd[i]);
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

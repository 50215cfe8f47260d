/*
 * pivot: make NEWROOT the root filesystem of this mount namespace, set up
 * /proc, /sys, /dev and /tmp in it, then run PROG.
 *
 * Every mount point is resolved inside the new root with openat2() and
 * RESOLVE_IN_ROOT, and every mount is attached to the descriptor that
 * resolution gave, with the new mount API (fsopen/fsmount, open_tree,
 * move_mount): a symbolic link in the image resolves inside the image as
 * it would for a process running there, never to a host path, and no path
 * is looked up twice. All mounts are made before pivot_root(2), because
 * in a user namespace the kernel grants a new procfs or sysfs only while a
 * full one is still visible. Last, the parts of /proc and /sys that show
 * or change the host are masked or made read-only, as OCI runtimes do. On
 * failure, everything made is undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "conch.h"

static const char usage[] =
"Usage: pivot [OPTION]... NEWROOT [PROG [ARG]...]\n"
"Make NEWROOT the root filesystem of this mount namespace, with /proc, /sys,\n"
"/dev and /tmp, then run PROG (default: $SHELL, else /bin/sh) in it.\n"
"\n"
"  -b, --bind SRC:DST[:FLAGS]  bind the host's SRC on DST in NEWROOT\n"
"                         (recursive); FLAGS: nosuid,nodev,noexec\n"
"  -r, --ro-bind SRC:DST[:FLAGS]  the same, read-only\n"
"  -t, --tmpfs DST[:MODE[:SIZE]]  mount a new tmpfs on DST (mode 755, or\n"
"                         octal MODE; SIZE as 64m, or half the RAM)\n"
"  -R, --ro               make the root read-only once all is mounted\n"
"  -w, --chdir DIR        run PROG in DIR of the new root (default /)\n"
"      --idmap            show NEWROOT and the binds through idmapped mounts:\n"
"                         files of the host's root are the container's root's\n"
"                         (needs the mount helper of a root nsnew: pivot(1))\n"
"      --no-proc          no new procfs on /proc\n"
"      --no-sys           no read-only /sys\n"
"      --no-dev           no /dev\n"
"      --no-tmp           no tmpfs on /tmp\n"
"      --mqueue           a POSIX message queue file system on /dev/mqueue\n"
"      --mask PATH        mask PATH too: an empty read-only tmpfs on a\n"
"                         directory, /dev/null on a file\n"
"      --ro-path PATH     make PATH read-only too\n"
"      --unmask PATH      leave PATH as it is, neither masked nor read-only;\n"
"                         'all' for every path listed so far, defaults too\n"
"  -v, --verbose          print each step on stderr\n"
"  -h, --help             print this help and exit\n"
"  -V, --version          print the version and exit\n"
"\n"
"Needs a mount namespace of its own (nsnew -m). After the defaults, the\n"
"--bind, --ro-bind and --tmpfs mounts are made in the order given. Then, as\n"
"OCI runtimes do, /proc/kcore, /proc/keys, /sys/firmware and the other\n"
"paths that show the host are masked, and /proc/sys, /proc/sysrq-trigger,\n"
"/proc/bus, /proc/fs and /proc/irq made read-only (see pivot(1)).\n";

enum {
	OPT_NO_PROC = 256, OPT_NO_SYS, OPT_NO_DEV, OPT_NO_TMP,
	OPT_MASK, OPT_RO_PATH, OPT_UNMASK, OPT_IDMAP, OPT_MQUEUE,
};

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "ro-bind", required_argument, NULL, 'r' },
	{ "tmpfs", required_argument, NULL, 't' },
	{ "ro", no_argument, NULL, 'R' },
	{ "chdir", required_argument, NULL, 'w' },
	{ "no-proc", no_argument, NULL, OPT_NO_PROC },
	{ "no-sys", no_argument, NULL, OPT_NO_SYS },
	{ "no-dev", no_argument, NULL, OPT_NO_DEV },
	{ "no-tmp", no_argument, NULL, OPT_NO_TMP },
	{ "mqueue", no_argument, NULL, OPT_MQUEUE },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "ro-path", required_argument, NULL, OPT_RO_PATH },
	{ "unmask", required_argument, NULL, OPT_UNMASK },
	{ "idmap", no_argument, NULL, OPT_IDMAP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A --bind, --ro-bind or --tmpfs, in command-line order. */
struct usermount {
	int kind;		/* 'b', 'r' or 't', as the short option */
	const char *arg;	/* as given, for messages */
	char *src;		/* on the host; NULL for a tmpfs */
	const char *dst;	/* inside the new root */
	unsigned int attr;	/* MOUNT_ATTR_NOSUID, _NODEV, _NOEXEC */
	char mode[8];		/* a tmpfs's, octal */
	char size[24];		/* a tmpfs's, "" for the kernel's default */
};

/*
 * The OCI runtime spec's maskedPaths and readonlyPaths, as runc, crun and
 * docker set them by default: what shows the host's memory, keys, timers
 * and firmware is masked; what changes the host's kernel is read-only.
 */
static const char *const default_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger",
};

/* A masked or read-only path, the defaults' and --mask's or --ro-path's. */
struct maskpath {
	char *path;		/* absolute, in clean_path()'s form */
	bool masked;		/* masked; else only made read-only */
	bool given;		/* on the command line: missing is an error */
};

static struct {
	bool proc, sys, dev, tmp, ro, idmap, mqueue;
	const char *chdir;
	struct usermount *mounts;
	size_t nmounts;
	struct maskpath *masks;
	size_t nmasks;
	const char *newroot;
	char **prog;
} opt = { .proc = true, .sys = true, .dev = true, .tmp = true };

/* What was made in the image itself, to be removed again on failure. */
struct made {
	int dirfd;
	char *name;
	bool dir;
};

static int rootfd = -1;		/* the root of the bind of NEWROOT */
static int mount_helper = -1;	/* nsnew's, for --idmap (lib/idmount.c) */
static bool armed;		/* undo() has something to undo */
static struct made *made;
static size_t nmade;

/* The mount attributes of each filesystem pivot makes. */
enum {
	ATTR_PROC = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_SYS = ATTR_PROC | MOUNT_ATTR_RDONLY,
	ATTR_DEV = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_PTS = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
	ATTR_SHM = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	ATTR_TMP = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	ATTR_MASK = ATTR_SYS,
};

/* fsconfig() settings: key, value (NULL for a flag), ..., NULL. */
static const char *const no_options[] = { NULL };
/* /dev holds only empty files and links: 64 MiB as every runtime's. */
static const char *const dev_options[] = { "mode", "755", "size", "65536k",
	NULL };
static const char *const tmp_options[] = { "mode", "1777", NULL };
/* /dev/shm: 64 MiB, docker's and containerd's default shm size. */
static const char *const shm_options[] = { "mode", "1777", "size", "65536k",
	NULL };
static const char *const mask_options[] = { "mode", "555", NULL };
static const char *const pts_options[] = {
	"newinstance", NULL, "ptmxmode", "0666", "mode", "620", NULL,
};

/* The new mount API and openat2() came in Linux 5.2 to 5.12. */
static const char *
kernel_hint(int err)
{
	return err == ENOSYS ? "pivot needs Linux 5.12 or later" : NULL;
}

#define die_mount(...) die_err(errno, kernel_hint(errno), __VA_ARGS__)

/* FLAGS of SRC:DST:FLAGS, what an OCI config's bind options may add. */
static void
bind_flags(struct usermount *m, const char *name, const char *flags)
{
	static const struct { const char *word; unsigned int attr; } known[] = {
		{ "nosuid", MOUNT_ATTR_NOSUID }, { "nodev", MOUNT_ATTR_NODEV },
		{ "noexec", MOUNT_ATTR_NOEXEC },
	};
	size_t len, i;

	for (; ; flags += len + 1) {
		len = strcspn(flags, ",");
		for (i = 0; i < LEN(known); i++)
			if (strlen(known[i].word) == len &&
			    strncmp(flags, known[i].word, len) == 0)
				break;
		if (i == LEN(known))
			die("%s %s: unknown flag '%.*s' (nosuid, nodev, noexec)",
			    name, m->arg, (int)len, flags);
		m->attr |= known[i].attr;
		if (flags[len] == '\0')
			break;
	}
}

/* A tmpfs size: digits, then k, m or g or nothing. */
static bool
size_ok(const char *size)
{
	size_t n = strspn(size, "0123456789");

	return n > 0 && n <= 18 && (size[n] == '\0' ||
	    (strchr("kKmMgG", size[n]) != NULL && size[n + 1] == '\0'));
}

/* DST:MODE:SIZE of --tmpfs; mode 755 and no size without them. */
static void
tmpfs_mode(struct usermount *m, const char *name)
{
	char *colon = strchr(m->dst, ':'), *size;
	char mode[32] = "755";

	if (colon != NULL) {
		snprintf(mode, sizeof(mode), "%s", colon + 1);
		m->dst = strndup(m->dst, colon - m->dst);
		if (m->dst == NULL)
			die_sys("%s %s", name, m->arg);
	}
	if ((size = strchr(mode, ':')) != NULL) {
		*size++ = '\0';
		if (!size_ok(size))
			die("%s %s: bad size '%s' (a number with k, m or g, as "
			    "64m)", name, m->arg, size);
		snprintf(m->size, sizeof(m->size), "%s", size);
	}
	if (mode[0] == '\0' || mode[strspn(mode, "01234567")] != '\0' ||
	    strlen(mode) > 5)
		die("%s %s: bad mode '%s' (octal, as 1777)", name, m->arg,
		    mode);
	snprintf(m->mode, sizeof(m->mode), "%s", mode);
	if (m->dst[0] == '\0')
		die("%s: empty path", name);
}

static void
add_mount(int kind, const char *name, char *arg)
{
	struct usermount *m = &opt.mounts[opt.nmounts++];
	char *colon;

	m->kind = kind;
	m->arg = arg;
	if (kind == 't') {
		if (arg[0] == '\0')
			die("%s: empty path", name);
		m->dst = arg;
		tmpfs_mode(m, name);
		return;
	}
	colon = strchr(arg, ':');
	if (colon == NULL || colon == arg || colon[1] == '\0')
		die("%s %s: expected SRC:DST", name, arg);
	m->src = strndup(arg, colon - arg);
	if (m->src == NULL)
		die_sys("%s %s", name, arg);
	m->dst = colon + 1;
	if ((colon = strchr(m->dst, ':')) != NULL) {
		m->dst = strndup(m->dst, colon - m->dst);
		if (m->dst == NULL)
			die_sys("%s %s", name, arg);
		bind_flags(m, name, colon + 1);
	}
	if (m->dst[strspn(m->dst, "/")] == '\0')
		die("%s %s: DST is the new root itself", name, arg);
}

/*
 * PATH as masks are compared: absolute, one slash between components, no
 * "." component and no trailing slash ("proc//kcore/" is "/proc/kcore").
 * ".." is kept: what it leads to depends on the links in the image.
 */
static char *
clean_path(const char *path)
{
	char *clean, *out;
	size_t len;

	clean = malloc(strlen(path) + 2);
	if (clean == NULL)
		die_sys("malloc");
	out = clean;
	for (path += strspn(path, "/"); *path != '\0';
	    path += len + strspn(path + len, "/")) {
		len = strcspn(path, "/");
		if (len == 1 && path[0] == '.')
			continue;
		*out++ = '/';
		memcpy(out, path, len);
		out += len;
	}
	if (out == clean)
		*out++ = '/';
	*out = '\0';
	return clean;
}

static bool
has_dotdot(const char *path)
{
	const char *p;

	for (p = path; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return true;
	return false;
}

static struct maskpath *
find_mask(const char *path)
{
	size_t i;

	for (i = 0; i < opt.nmasks; i++)
		if (strcmp(opt.masks[i].path, path) == 0)
			return &opt.masks[i];
	return NULL;
}

/*
 * A path to mask or make read-only; a path listed already changes kind.
 * Neither the root nor a path through ".." can be meant: the root is
 * --ro's, and a mask must cover the path that was written.
 */
static void
add_mask(const char *path, bool masked, bool given)
{
	const char *name = masked ? "--mask" : "--ro-path";
	struct maskpath *m;
	char *clean;

	if (path[0] == '\0')
		die("%s: empty path", name);
	clean = clean_path(path);
	if (strcmp(clean, "/") == 0)
		die("%s %s: the new root itself (--ro makes it read-only)",
		    name, path);
	if (has_dotdot(clean))
		die("%s %s: a path through '..' (name the path itself)", name,
		    path);
	m = find_mask(clean);
	if (m == NULL) {
		m = &opt.masks[opt.nmasks++];
		m->path = clean;
	} else {
		free(clean);
	}
	m->masked = masked;
	m->given = given;
}

/* --unmask PATH takes PATH off the lists as they stand; "all" empties them. */
static void
unmask(const char *path)
{
	struct maskpath *m;
	char *clean;

	if (strcmp(path, "all") == 0) {
		opt.nmasks = 0;
		return;
	}
	clean = clean_path(path);
	m = find_mask(clean);
	free(clean);
	if (m == NULL)
		die("--unmask %s: not a masked or read-only path", path);
	free(m->path);
	opt.nmasks--;
	memmove(m, m + 1, (opt.masks + opt.nmasks - m) * sizeof(*m));
}

static void
add_default_masks(int argc)
{
	size_t i;

	opt.masks = calloc(LEN(default_masked) + LEN(default_readonly) + argc,
	    sizeof(*opt.masks));
	if (opt.masks == NULL)
		die_sys("calloc");
	for (i = 0; i < LEN(default_readonly); i++)
		add_mask(default_readonly[i], false, false);
	for (i = 0; i < LEN(default_masked); i++)
		add_mask(default_masked[i], true, false);
}

static void
parse_args(int argc, char **argv)
{
	int c;

	opt.mounts = calloc(argc, sizeof(*opt.mounts));
	if (opt.mounts == NULL)
		die_sys("calloc");
	add_default_masks(argc);
	while ((c = getopt_long(argc, argv, "+:b:r:t:Rw:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			add_mount(c, "--bind", optarg);
			break;
		case 'r':
			add_mount(c, "--ro-bind", optarg);
			break;
		case 't':
			add_mount(c, "--tmpfs", optarg);
			break;
		case 'R':
			opt.ro = true;
			break;
		case 'w':
			opt.chdir = optarg;
			break;
		case OPT_NO_PROC:
			opt.proc = false;
			break;
		case OPT_NO_SYS:
			opt.sys = false;
			break;
		case OPT_NO_DEV:
			opt.dev = false;
			break;
		case OPT_NO_TMP:
			opt.tmp = false;
			break;
		case OPT_MQUEUE:
			opt.mqueue = true;
			break;
		case OPT_MASK:
			add_mask(optarg, true, true);
			break;
		case OPT_RO_PATH:
			add_mask(optarg, false, true);
			break;
		case OPT_UNMASK:
			unmask(optarg);
			break;
		case OPT_IDMAP:
			opt.idmap = true;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (optind >= argc)
		die("missing NEWROOT (see pivot --help)");
	opt.newroot = argv[optind];
	opt.prog = argv + optind + 1;
	if (opt.mqueue && !opt.dev)
		die("--mqueue with --no-dev: the queues are mounted in "
		    "pivot's /dev");
}

/* Whether we are PID 1 of the PID namespace /proc shows. */
static bool
is_proc_pid1(void)
{
	char pid[16];
	ssize_t n = readlink("/proc/self", pid, sizeof(pid));

	return n == 1 && pid[0] == '1';
}

/*
 * pivot_root(2) moves the root of every process of the mount namespace:
 * in the host's, that is the whole system. The host's is that of PID 1 of
 * the initial PID namespace; we may run as that PID 1 (an initramfs
 * switching root) or as the init of a container, not beside them. Out of
 * the initial user namespace there is nothing to check: we hold no
 * capability over the host's mount namespace, and the kernel refuses.
 */
static void
refuse_host_mntns(void)
{
	unsigned long ino;

	if (!host_mntns(&ino) || is_proc_pid1())
		return;
	die("refusing to pivot the host's mount namespace (mnt:[%lu], that "
	    "of PID 1): run inside a new one, e.g. nsnew -m pivot ...", ino);
}

/*
 * Private: our mounts must not propagate to the host's namespace, and
 * pivot_root(2) refuses shared mounts.
 */
static void
make_root_private(void)
{
	trace("make / private (recursive)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die_err(errno, errno == EPERM ? "not privileged in this mount "
		    "namespace: run inside nsnew -U --map-root -m" : NULL,
		    "make / private");
}

/* openat2() inside the new root: "..", and symlinks, stop at its top. */
static int
open_in_root(const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;

	/* EAGAIN: a rename or mount raced the lookup; the kernel says retry. */
	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd == -1 && errno == EAGAIN && ++tries < 64);
	return fd;
}

static void
note_made(int dirfd, const char *name, bool dir)
{
	struct made *m;

	m = realloc(made, (nmade + 1) * sizeof(*made));
	if (m == NULL)
		die_sys("realloc");
	made = m;
	m = &made[nmade];
	m->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	m->name = strdup(name);
	m->dir = dir;
	if (m->dirfd == -1 || m->name == NULL)
		die_sys("remember %s", name);
	nmade++;
}

static const char *
point_hint(int err)
{
	switch (err) {
	case ELOOP:
		return "symbolic links resolve inside the new root";
	case ENOENT:
		return "a symbolic link to a path missing inside the new root?";
	case EROFS:
		return "the new root is read-only: make the mount point in it";
	default:
		return kernel_hint(err);
	}
}

/*
 * The mount point PATH inside the new root, as an O_PATH descriptor. A
 * missing one is made (a directory, or an empty file when !DIR) one
 * component at a time, each relative to its parent as resolved inside
 * the root; a symlink made meanwhile resolves inside the root too.
 */
static int
mount_point(const char *path, bool dir)
{
	char buf[PATH_MAX], *name, *next, save;
	int fd, parent = rootfd, r, err;
	size_t len;
	bool last;

	fd = open_in_root(path, O_PATH);
	if (fd != -1)
		return fd;
	if (errno != ENOENT || strlen(path) >= sizeof(buf))
		goto fail;
	strcpy(buf, path);
	for (name = buf + strspn(buf, "/");; name = next) {
		len = strcspn(name, "/");
		next = name + len + strspn(name + len, "/");
		last = *next == '\0';
		save = name[len];
		name[len] = '\0';
		fd = open_in_root(buf, O_PATH);
		if (fd == -1 && errno == ENOENT) {
			if (last && !dir)
				r = mknodat(parent, name, S_IFREG | 0644, 0);
			else
				r = mkdirat(parent, name, 0755);
			if (r == 0) {
				trace("make %s %s", last && !dir ? "file" :
				    "directory", buf);
				note_made(parent, name, !last || dir);
			}
			if (r == 0 || errno == EEXIST)
				fd = open_in_root(buf, O_PATH);
		}
		err = errno;
		if (parent != rootfd)
			close(parent);
		if (fd == -1) {
			errno = err;
			goto fail;
		}
		name[len] = save;
		if (last)
			return fd;
		parent = fd;
	}
fail:
	die_err(errno, point_hint(errno), "mount point %s in %s", path,
	    opt.newroot);
}

/* Attach the detached mount MNT on DIRFD/NAME ("" for DIRFD itself). */
static void
attach(int mnt, int dirfd, const char *name, const char *path)
{
	unsigned int flags = MOVE_MOUNT_F_EMPTY_PATH;

	if (name[0] == '\0')
		flags |= MOVE_MOUNT_T_EMPTY_PATH;
	if (move_mount(mnt, "", dirfd, name, flags) == -1)
		die_err(errno, errno == ENOTDIR ? "a file and a directory "
		    "cannot be mounted on each other" : kernel_hint(errno),
		    "mount on %s", path);
}

/*
 * A new detached mount of filesystem TYPE configured with OPTIONS, or -1
 * with errno.
 */
static int
new_fs(const char *type, const char *const *options, unsigned int attr)
{
	int fs, mnt = -1, err;
	size_t i;

	fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs == -1)
		return -1;
	/* Named like mount(8) names them, not "none", for df and findmnt. */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", type, 0) == -1)
		goto out;
	for (i = 0; options[i] != NULL; i += 2)
		if (fsconfig(fs, options[i + 1] != NULL ? FSCONFIG_SET_STRING :
		    FSCONFIG_SET_FLAG, options[i], options[i + 1], 0) == -1)
			goto out;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, attr);
out:
	err = errno;
	close(fs);
	errno = err;
	return mnt;
}

static const char *
fs_hint(const char *type, int err)
{
	if (err != EPERM)
		return kernel_hint(err);
	if (strcmp(type, "proc") == 0)
		return "a new procfs needs a PID namespace owned by this user "
		    "namespace: run under nsnew -p, or give --no-proc";
	return "needs CAP_SYS_ADMIN over this mount namespace";
}

/* A new TYPE filesystem on PATH inside the new root; its root's fd. */
static int
mount_fs(const char *path, const char *type, const char *const *options,
    unsigned int attr)
{
	int mnt, at;

	trace("mount %s on %s", type, path);
	mnt = new_fs(type, options, attr);
	if (mnt == -1)
		die_err(errno, fs_hint(type, errno), "mount %s on %s", type,
		    path);
	at = mount_point(path, true);
	attach(mnt, at, "", path);
	close(at);
	return mnt;
}

/* The same, on NAME in our own new directory DIRFD, made here. */
static void
mount_fs_in(int dirfd, const char *name, const char *path, mode_t mode,
    const char *type, const char *const *options, unsigned int attr)
{
	int mnt;

	trace("mount %s on %s", type, path);
	if (mkdirat(dirfd, name, mode) == -1)
		die_sys("mkdir %s", path);
	mnt = new_fs(type, options, attr);
	if (mnt == -1)
		die_err(errno, fs_hint(type, errno), "mount %s on %s", type,
		    path);
	attach(mnt, dirfd, name, path);
	close(mnt);
}

/*
 * A detached copy of the mounts at host path SRC (with those below it
 * when RECURSIVE), with ATTR set on all of them, or -1 with errno.
 */
static int
clone_tree(int dirfd, const char *src, unsigned int flags, bool recursive,
    unsigned int attr)
{
	struct mount_attr a = { .attr_set = attr };
	int tree, err;

	flags |= OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	if (recursive)
		flags |= AT_RECURSIVE;
	tree = open_tree(dirfd, src, flags);
	if (tree == -1 || attr == 0)
		return tree;
	if (mount_setattr(tree, "", AT_EMPTY_PATH |
	    (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) == -1) {
		err = errno;
		close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

/*
 * --idmap: idmapped mounts need CAP_SYS_ADMIN in the user namespace that
 * owns the file system (the host's, for a disk), which a pivot inside
 * the container does not have: nsnew as root leaves it a helper that
 * has. Without one, say what it takes.
 */
static void
mount_helper_check(void)
{
	if (!opt.idmap) {
		if (mount_helper != -1)
			close(mount_helper);	/* nsnew's helper exits */
		mount_helper = -1;
		return;
	}
	if (mount_helper == -1)
		die("--idmap %s: no mount helper from nsnew (idmapped mounts "
		    "need root in the parent user namespace: as root, run the "
		    "pivot beside nsnew as the PROG of nsnew -U -m --map "
		    "b:0:100000:65536, or --map-auto; rootless, unpack the image "
		    "shifted with mkrootfs --tar under nsnew -U --map-auto "
		    "instead)", opt.newroot);
}

/* Done with the helper: it exits, before anything else runs. */
static void
mount_helper_done(void)
{
	if (mount_helper == -1)
		return;
	trace("close the mount helper");
	close(mount_helper);
	mount_helper = -1;
}

/*
 * NEWROOT and the --bind sources: a detached clone of the tree at host
 * path SRC (recursive), with ATTR; with --idmap, idmapped by the helper
 * first. -1 with errno on failure, or a message of the helper's.
 */
static int
clone_shown(int dirfd, const char *src, unsigned int flags,
    unsigned int attr, const char *name)
{
	struct mount_attr a = { .attr_set = attr };
	char what[PATH_MAX + 16];
	int fd, tree, err;

	if (!opt.idmap)
		return clone_tree(dirfd, src, flags, true, attr);
	fd = src[0] == '\0' ? dirfd : openat(dirfd, src, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return -1;
	trace("idmap %s through nsnew's mount helper", name);
	snprintf(what, sizeof(what), "--idmap %s", name);
	tree = idmount_tree(mount_helper, fd, what);
	if (fd != dirfd)
		close(fd);
	if (attr != 0 && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE,
	    &a, sizeof(a)) == -1) {
		err = errno;
		close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

static void
mount_proc(void)
{
	close(mount_fs("/proc", "proc", no_options, ATTR_PROC));
}

/*
 * A fresh sysfs has an empty fs/cgroup. In a cgroup namespace of its own,
 * the container gets a cgroup2 there, read-only as docker mounts it: its
 * own cgroup as the root, with its limits. (The host's cgroup namespace
 * would show the host's whole tree: then there is none.)
 */
static void
mount_cgroup(int sys)
{
	struct stat ns;
	int mnt, at;

	if (stat("/proc/self/ns/cgroup", &ns) == -1)
		die_sys("stat /proc/self/ns/cgroup");
	if (ns.st_ino == CGROUP_NS_INIT_INO) {
		trace("no /sys/fs/cgroup: this is the host's cgroup namespace "
		    "(nsnew -C makes one)");
		return;
	}
	trace("mount cgroup2 on /sys/fs/cgroup (read-only)");
	mnt = new_fs("cgroup2", no_options, ATTR_SYS);
	if (mnt == -1)
		die_err(errno, errno == EPERM ? "the cgroup namespace is not "
		    "this user namespace's: nsnew -U -C makes both" :
		    kernel_hint(errno), "mount cgroup2 on /sys/fs/cgroup");
	at = openat(sys, "fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (at == -1)
		die_sys("open /sys/fs/cgroup");
	attach(mnt, at, "", "/sys/fs/cgroup");
	close(at);
	close(mnt);
}

/*
 * A new sysfs shows the network devices of the net namespace, and the
 * kernel grants it only to a user namespace that owns that one; else the
 * host's /sys is bound, read-only like the new one would be.
 */
static void
mount_sys(void)
{
	bool fresh = false;
	int mnt, at;

	trace("mount sysfs on /sys (read-only)");
	mnt = new_fs("sysfs", no_options, ATTR_SYS);
	if (mnt == -1 && errno == EPERM) {
		trace("mount sysfs: %s (the net namespace is not this user "
		    "namespace's): bind the host's /sys instead, read-only",
		    strerror(errno));
		mnt = clone_tree(AT_FDCWD, "/sys", 0, true, ATTR_SYS);
		if (mnt == -1)
			die_mount("bind /sys on /sys");
	} else if (mnt == -1) {
		die_err(errno, fs_hint("sysfs", errno), "mount sysfs on /sys");
	} else {
		fresh = true;
	}
	at = mount_point("/sys", true);
	attach(mnt, at, "", "/sys");
	close(at);
	if (fresh)
		mount_cgroup(mnt);
	close(mnt);
}

/* Bind the host's /dev/NAME on NAME in our new /dev. */
static void
bind_dev_node(int dev, const char *name)
{
	char host[32];
	int tree;

	snprintf(host, sizeof(host), "/dev/%s", name);
	trace("bind %s on %s", host, host);
	tree = clone_tree(AT_FDCWD, host, 0, false, 0);
	if (tree == -1)
		die_mount("bind %s", host);
	if (mknodat(dev, name, S_IFREG | 0644, 0) == -1)
		die_sys("make %s", host);
	attach(tree, dev, name, host);
	close(tree);
}

/*
 * /dev/console is the terminal on stdin. It is bound by its path: a
 * mount of the namespace the terminal was opened in (fd 0's) cannot be
 * cloned; and the file found must be that terminal.
 */
static void
bind_console(int dev)
{
	struct stat in, st;
	char tty[PATH_MAX];
	ssize_t n;
	int tree;

	if (!isatty(STDIN_FILENO))
		return;
	n = readlink("/proc/self/fd/0", tty, sizeof(tty) - 1);
	if (n == -1 || fstat(STDIN_FILENO, &in) == -1)
		die_sys("find the terminal on stdin");
	tty[n] = '\0';
	tree = clone_tree(AT_FDCWD, tty, 0, false, 0);
	if (tree == -1 || fstat(tree, &st) == -1 || st.st_rdev != in.st_rdev ||
	    !S_ISCHR(st.st_mode)) {
		trace("no /dev/console: stdin's terminal %s is not in this "
		    "mount namespace", tty);
		if (tree != -1)
			close(tree);
		return;
	}
	trace("bind %s on /dev/console", tty);
	if (mknodat(dev, "console", S_IFREG | 0600, 0) == -1)
		die_sys("make /dev/console");
	attach(tree, dev, "console", "/dev/console");
	close(tree);
}

/*
 * A tmpfs with the host's basic nodes bound in (a user namespace cannot
 * make device nodes), a devpts instance of our own with ptmx, shm, and
 * the links to /proc/self/fd.
 */
static void
mount_dev(void)
{
	static const char *const nodes[] = {
		"null", "zero", "full", "random", "urandom", "tty",
	};
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	size_t i;
	int dev;

	dev = mount_fs("/dev", "tmpfs", dev_options, ATTR_DEV);
	for (i = 0; i < LEN(nodes); i++)
		bind_dev_node(dev, nodes[i]);
	bind_console(dev);
	mount_fs_in(dev, "pts", "/dev/pts", 0755, "devpts", pts_options,
	    ATTR_PTS);
	mount_fs_in(dev, "shm", "/dev/shm", 01777, "tmpfs", shm_options,
	    ATTR_SHM);
	if (opt.mqueue)
		mount_fs_in(dev, "mqueue", "/dev/mqueue", 0755, "mqueue",
		    no_options, ATTR_PROC);
	for (i = 0; i < LEN(links); i++) {
		trace("link /dev/%s -> %s", links[i][0], links[i][1]);
		if (symlinkat(links[i][1], dev, links[i][0]) == -1)
			die_sys("link /dev/%s", links[i][0]);
	}
	close(dev);
}

static void
mount_tmp(void)
{
	close(mount_fs("/tmp", "tmpfs", tmp_options, ATTR_TMP));
}

static const char *
optname(int kind)
{
	return kind == 'b' ? "--bind" : kind == 'r' ? "--ro-bind" : "--tmpfs";
}

/* --bind, --ro-bind (read-only before it is ever attached), --tmpfs. */
static void
mount_user(const struct usermount *m)
{
	bool ro = m->kind == 'r';
	struct stat st;
	int tree, at;

	if (m->kind == 't') {
		const char *const options[] = { "mode", m->mode,
			m->size[0] != '\0' ? "size" : NULL, m->size, NULL };

		close(mount_fs(m->dst, "tmpfs", options, ATTR_TMP));
		return;
	}
	trace("bind %s on %s%s", m->src, m->dst, ro ? " (read-only)" : "");
	tree = clone_shown(AT_FDCWD, m->src, 0, m->attr |
	    (ro ? MOUNT_ATTR_RDONLY : 0), m->src);
	if (tree == -1)
		die_mount("%s %s: %s", optname(m->kind), m->arg, m->src);
	if (fstat(tree, &st) == -1)
		die_sys("%s %s: stat %s", optname(m->kind), m->arg, m->src);
	at = mount_point(m->dst, S_ISDIR(st.st_mode));
	attach(tree, at, "", m->dst);
	close(at);
	close(tree);
}

/* What every mask shares: the host's /dev/null, and one empty tmpfs. */
struct maskfds {
	int null;		/* O_PATH, checked to be the null device */
	int tmpfs;		/* the first masking tmpfs, once attached */
};

/*
 * The path of M inside the new root, or -1 when it is missing: a default
 * is then skipped, as runc skips it; a path given is an error. A link at
 * its end is never followed: the mount would cover what the link leads
 * to, which the image chose, not the path meant.
 */
static int
open_mask(const struct maskpath *m, struct stat *st)
{
	const char *what = m->given ? (m->masked ? "--mask" : "--ro-path") :
	    (m->masked ? "mask" : "read-only");
	int fd;

	fd = open_in_root(m->path, O_PATH | O_NOFOLLOW);
	if (fd == -1 && !m->given && (errno == ENOENT || errno == ENOTDIR)) {
		trace("no %s to %s", m->path, m->masked ? "mask" :
		    "make read-only");
		return -1;
	}
	if (fd == -1)
		die_err(errno, errno == ENOENT || errno == ENOTDIR ? NULL :
		    point_hint(errno), "%s %s", what, m->path);
	if (fstat(fd, st) == -1)
		die_sys("%s %s: stat", what, m->path);
	if (S_ISLNK(st->st_mode) && m->given)
		die("%s %s: a symbolic link in %s, not followed (name the path "
		    "it leads to)", what, m->path, opt.newroot);
	if (S_ISLNK(st->st_mode))
		die("%s %s: a symbolic link in %s, not followed (--unmask %s "
		    "leaves it as it is)", what, m->path, opt.newroot, m->path);
	return fd;
}

/* A bind of the host's /dev/null, as runc masks a file. */
static int
null_bind(struct maskfds *fds)
{
	struct stat st;
	int tree;

	if (fds->null == -1) {
		fds->null = open("/dev/null", O_PATH | O_CLOEXEC);
		if (fds->null == -1 || fstat(fds->null, &st) == -1)
			die_sys("open /dev/null");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			die("open /dev/null: not the null device (character "
			    "1:3): it would show, not mask");
	}
	tree = clone_tree(fds->null, "", AT_EMPTY_PATH, false, 0);
	if (tree == -1)
		die_mount("bind /dev/null");
	return tree;
}

/*
 * A read-only empty tmpfs, as runc masks a directory; all of them are
 * clones of one, as recent runc does, so a container costs one superblock.
 */
static int
mask_tmpfs(struct maskfds *fds)
{
	int mnt;

	if (fds->tmpfs != -1) {
		mnt = clone_tree(fds->tmpfs, "", AT_EMPTY_PATH, false, 0);
		if (mnt == -1)
			die_mount("clone the masking tmpfs");
		return mnt;
	}
	mnt = new_fs("tmpfs", mask_options, ATTR_MASK);
	if (mnt == -1)
		die_err(errno, fs_hint("tmpfs", errno), "mount tmpfs to mask");
	return mnt;
}

static void
mask_path(const struct maskpath *m, struct maskfds *fds)
{
	struct stat st;
	int at, mnt;

	at = open_mask(m, &st);
	if (at == -1)
		return;
	if (S_ISDIR(st.st_mode)) {
		trace("mask %s (read-only tmpfs)", m->path);
		mnt = mask_tmpfs(fds);
	} else {
		trace("mask %s (bind /dev/null)", m->path);
		mnt = null_bind(fds);
	}
	attach(mnt, at, "", m->path);
	if (S_ISDIR(st.st_mode) && fds->tmpfs == -1)
		fds->tmpfs = mnt;
	else
		close(mnt);
	close(at);
}

/* A bind of the path on itself, with every mount below it read-only. */
static void
readonly_path(const struct maskpath *m)
{
	struct stat st;
	int at, tree;

	at = open_mask(m, &st);
	if (at == -1)
		return;
	trace("read-only %s", m->path);
	tree = clone_tree(at, "", AT_EMPTY_PATH, true, MOUNT_ATTR_RDONLY);
	if (tree == -1)
		die_mount("read-only %s", m->path);
	attach(tree, at, "", m->path);
	close(tree);
	close(at);
}

/*
 * After every other mount, so that they cover what a --bind put there
 * too, and while the host's /dev/null is still in reach. Read-only paths
 * first, as runc orders them: a mask inside one lands on its bind.
 */
static void
mount_masks(void)
{
	struct maskfds fds = { .null = -1, .tmpfs = -1 };
	size_t i;

	for (i = 0; i < opt.nmasks; i++)
		if (!opt.masks[i].masked)
			readonly_path(&opt.masks[i]);
	for (i = 0; i < opt.nmasks; i++)
		if (opt.masks[i].masked)
			mask_path(&opt.masks[i], &fds);
	if (fds.null != -1)
		close(fds.null);
	if (fds.tmpfs != -1)
		close(fds.tmpfs);
}

/* Only the root's own mount: /tmp, /dev and the binds keep their mode. */
static void
make_root_readonly(void)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

	trace("make / read-only");
	if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &a, sizeof(a)) == -1)
		die_mount("make %s read-only", opt.newroot);
}

/*
 * On failure before the switch, detach the bind of NEWROOT (with all
 * pivot mounted below it), then remove what was made in the image.
 */
static void
undo(void)
{
	if (!armed)
		return;
	armed = false;
	trace("undo: detach %s", opt.newroot);
	if (fchdir(rootfd) == -1 || umount2(".", MNT_DETACH) == -1)
		warn_err(errno, NULL, "undo: detach %s", opt.newroot);
	while (nmade > 0) {
		struct made *m = &made[--nmade];

		trace("undo: remove %s", m->name);
		if (unlinkat(m->dirfd, m->name, m->dir ? AT_REMOVEDIR : 0) ==
		    -1)
			warn_err(errno, NULL, "undo: remove %s", m->name);
	}
}

/*
 * The bind of NEWROOT on itself is a mount point for pivot_root(2), a
 * mount of our own to undo, and rootfd: open_tree() gives the fd of the
 * clone, which stays the root of the mount once attached.
 */
/*
 * EACCES on the way to NEWROOT, in a user namespace: we are the
 * container's root, an unprivileged uid of the host, which a directory
 * of the host (a 0700 home or temporary directory) does not let through.
 */
static const char *
newroot_hint(int err, char *buf, size_t size)
{
	struct idmap m;
	uid_t uid = getuid();
	size_t i;

	if (err != EACCES ||
	    idmap_read(AT_FDCWD, "/proc/self/uid_map", &m) == -1)
		return NULL;
	for (i = 0; i < m.n; i++)
		if (uid >= m.r[i].inside && uid - m.r[i].inside < m.r[i].count &&
		    m.r[i].outside != m.r[i].inside) {
			snprintf(buf, size, "uid %lu here is uid %lu of the "
			    "host, which every directory on the way must let "
			    "through: chmod o+x, or keep the image elsewhere",
			    (unsigned long)uid,
			    m.r[i].outside + (uid - m.r[i].inside));
			return buf;
		}
	return NULL;
}

static void
bind_newroot(void)
{
	char hint[256];
	int dir, err;

	dir = open(opt.newroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir == -1) {
		err = errno;
		die_err(err, newroot_hint(err, hint, sizeof(hint)),
		    "new root %s", opt.newroot);
	}
	trace("bind %s on itself (recursive)", opt.newroot);
	rootfd = clone_shown(dir, "", AT_EMPTY_PATH, 0, opt.newroot);
	if (rootfd == -1)
		die_mount("bind %s", opt.newroot);
	attach(rootfd, dir, "", opt.newroot);
	close(dir);
	armed = true;
	if (atexit(undo) != 0)
		die("atexit: cannot register the undo");
}

/* The working directory for PROG, resolved now, while it can be undone. */
static int
open_workdir(void)
{
	int fd;

	if (opt.chdir == NULL)
		return -1;
	fd = open_in_root(opt.chdir, O_PATH | O_DIRECTORY);
	if (fd == -1)
		die_sys("--chdir %s", opt.chdir);
	return fd;
}

/* Whether / is the initial ramfs: type rootfs, or a mount of no parent. */
static bool
root_is_initramfs(void)
{
	char buf[65536], *line, *save, *sep;
	unsigned long id, parent;
	char mountpoint[8], type[16];
	int fd;
	ssize_t n;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		fd = open_in_root("/proc/self/mountinfo", O_RDONLY);
	if (fd == -1)
		die_err(errno, "mount /proc, so that pivot can tell if / is an "
		    "initramfs", "pivot_root %s: Invalid argument; read "
		    "mountinfo", opt.newroot);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		die_sys("read mountinfo");
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		sep = strstr(line, " - ");
		if (sep == NULL || sscanf(line, "%lu %lu %*s %*s %7s", &id,
		    &parent, mountpoint) != 3 || strcmp(mountpoint, "/") != 0)
			continue;
		if (sscanf(sep, " - %15s", type) == 1 &&
		    (strcmp(type, "rootfs") == 0 || id == parent))
			return true;
	}
	return false;
}

/*
 * pivot_root(".", ".") stacks the old root on the new one, where
 * umount2(".") detaches it: no directory for it is needed in the image.
 * The initial ramfs cannot be pivoted away (it is the root of all
 * mounts); as switch_root(8) does, NEWROOT is moved onto it instead and
 * chrooted into, the ramfs staying underneath.
 */
static void
switch_root(void)
{
	int err;

	if (fchdir(rootfd) == -1)
		die_sys("chdir %s", opt.newroot);
	trace("pivot_root %s", opt.newroot);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		armed = false;
		trace("detach the old root");
		if (umount2(".", MNT_DETACH) == -1)
			die_sys("detach the old root");
		return;
	}
	err = errno;
	if (err != EINVAL || !root_is_initramfs())
		die_err(err, err == EINVAL ? "is / a mount point, not a "
		    "chroot?" : NULL, "pivot_root %s", opt.newroot);
	trace("pivot_root %s: %s: / is the initramfs; move %s onto / and "
	    "chroot instead", opt.newroot, strerror(EINVAL), opt.newroot);
	if (move_mount(rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) ==
	    -1)
		die_mount("move %s onto /", opt.newroot);
	armed = false;
	if (chroot(".") == -1)
		die_sys("chroot %s", opt.newroot);
}

static void
enter_workdir(int wd)
{
	trace("chdir %s", opt.chdir != NULL ? opt.chdir : "/");
	if (wd != -1 ? fchdir(wd) == -1 : chdir("/") == -1)
		die_sys("chdir %s", opt.chdir != NULL ? opt.chdir : "/");
}

int
main(int argc, char **argv)
{
	char hint[512];
	size_t i;
	int wd;

	conch_init("pivot");
	mount_helper = idmount_take();
	parse_args(argc, argv);
	mount_helper_check();
	interrupt_catch();
	refuse_host_mntns();
	make_root_private();
	bind_newroot();
	if (opt.proc)
		mount_proc();
	if (opt.sys)
		mount_sys();
	if (opt.dev)
		mount_dev();
	if (opt.tmp)
		mount_tmp();
	for (i = 0; i < opt.nmounts; i++)
		mount_user(&opt.mounts[i]);
	mount_helper_done();
	mount_masks();
	if (opt.ro)
		make_root_readonly();
	wd = open_workdir();
	interrupt_end();	/* past pivot_root, there is no undo */
	switch_root();
	enter_workdir(wd);
	snprintf(hint, sizeof(hint), "programs are now looked up inside the "
	    "new root %s: put them there, e.g. with mkrootfs --copy PROG, or "
	    "mkrootfs --tools for the conch tools", opt.newroot);
	exec_prog(opt.prog, hint);
}

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
 *
 * main.c reads the options and runs the steps; mounts.c makes the mounts
 * in the new root, dev.c its /dev, masks.c the masked and read-only
 * paths, idmap.c the idmapped ones, switch.c the bind of NEWROOT and the
 * switch to it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "pivot.h"

static const char usage[] =
"Usage: pivot [OPTION]... NEWROOT [PROG [ARG]...]\n"
"Make NEWROOT the root filesystem of this mount namespace, with /proc, /sys,\n"
"/dev and /tmp, then run PROG (default: $SHELL, else /bin/sh) in it.\n"
"\n"
"  -b, --bind SRC:DST[:FLAGS]  bind the host's SRC on DST in NEWROOT\n"
"                         (recursive); FLAGS: nosuid,nodev,noexec\n"
"  -r, --ro-bind SRC:DST[:FLAGS]  the same, read-only\n"
"  -t, --tmpfs DST[:MODE[:SIZE[:FLAGS]]]  mount a new tmpfs on DST (mode\n"
"                         755, or octal MODE; SIZE as 64m, or half the RAM;\n"
"                         nosuid,nodev, and FLAGS: noexec)\n"
"      --tmpfs-copyup DST[:MODE[:SIZE[:FLAGS]]]  the same, holding a copy of\n"
"                         what NEWROOT has at DST (its mode and owner without\n"
"                         MODE)\n"
"  -R, --ro               make the root read-only once all is mounted\n"
"  -w, --chdir DIR        run PROG in DIR of the new root (default /)\n"
"      --idmap            show NEWROOT and the binds through idmapped mounts:\n"
"                         files of the host's root are the container's root's\n"
"                         (needs the mount helper of a root nsnew: pivot(1))\n"
"      --no-proc          no new procfs on /proc\n"
"      --no-sys           no read-only /sys\n"
"      --no-dev           no /dev\n"
"      --no-tmp           no tmpfs on /tmp\n"
"      --shm-size SIZE    the size of /dev/shm (default 64m)\n"
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
	OPT_TMPFS_COPYUP, OPT_SHM_SIZE,
};

static const struct option longopts[] = {
	{ "bind", required_argument, NULL, 'b' },
	{ "ro-bind", required_argument, NULL, 'r' },
	{ "tmpfs", required_argument, NULL, 't' },
	{ "tmpfs-copyup", required_argument, NULL, OPT_TMPFS_COPYUP },
	{ "ro", no_argument, NULL, 'R' },
	{ "chdir", required_argument, NULL, 'w' },
	{ "no-proc", no_argument, NULL, OPT_NO_PROC },
	{ "no-sys", no_argument, NULL, OPT_NO_SYS },
	{ "no-dev", no_argument, NULL, OPT_NO_DEV },
	{ "no-tmp", no_argument, NULL, OPT_NO_TMP },
	{ "mqueue", no_argument, NULL, OPT_MQUEUE },
	{ "shm-size", required_argument, NULL, OPT_SHM_SIZE },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "ro-path", required_argument, NULL, OPT_RO_PATH },
	{ "unmask", required_argument, NULL, OPT_UNMASK },
	{ "idmap", no_argument, NULL, OPT_IDMAP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * FLAGS of SRC:DST:FLAGS and DST:MODE:SIZE:FLAGS, what an OCI config's
 * bind and tmpfs options may add.
 */
static void
mount_flags(struct usermount *m, const char *name, const char *flags)
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

/*
 * DST:MODE:SIZE:FLAGS of --tmpfs; mode 755, the kernel's size and only
 * nosuid,nodev without them. Of --tmpfs-copyup, an empty MODE: the mode
 * of the directory it covers. An empty SIZE is the kernel's.
 */
static void
tmpfs_fields(struct usermount *m, const char *name)
{
	char *colon = strchr(m->dst, ':'), *fields, *size = NULL, *flags = NULL;
	const char *mode = m->kind == 'c' ? "" : "755";

	if (colon != NULL) {
		m->dst = xstrndup(m->dst, colon - m->dst);
		mode = fields = xstrdup(colon + 1);
		if ((size = strchr(fields, ':')) != NULL)
			*size++ = '\0';
		if (size != NULL && (flags = strchr(size, ':')) != NULL)
			*flags++ = '\0';
	}
	if ((mode[0] == '\0' && m->kind != 'c') ||
	    mode[strspn(mode, "01234567")] != '\0' || strlen(mode) > 5)
		die("%s %s: bad mode '%s' (octal, as 1777)", name, m->arg,
		    mode);
	snprintf(m->mode, sizeof(m->mode), "%s", mode);
	if (size != NULL && size[0] != '\0' && !size_ok(size))
		die("%s %s: bad size '%s' (a number with k, m or g, as 64m)",
		    name, m->arg, size);
	snprintf(m->size, sizeof(m->size), "%s", size != NULL ? size : "");
	if (flags != NULL)
		mount_flags(m, name, flags);
	if (m->dst[0] == '\0')
		die("%s: empty path", name);
}

static void
add_mount(struct opts *o, int kind, const char *name, char *arg)
{
	struct usermount *m = &o->mounts[o->nmounts++];
	char *colon;

	m->kind = kind;
	m->arg = arg;
	if (kind == 't' || kind == 'c') {
		if (arg[0] == '\0')
			die("%s: empty path", name);
		m->dst = arg;
		tmpfs_fields(m, name);
		return;
	}
	colon = strchr(arg, ':');
	if (colon == NULL || colon == arg || colon[1] == '\0')
		die("%s %s: expected SRC:DST", name, arg);
	m->src = xstrndup(arg, colon - arg);
	m->dst = colon + 1;
	if ((colon = strchr(m->dst, ':')) != NULL) {
		m->dst = xstrndup(m->dst, colon - m->dst);
		mount_flags(m, name, colon + 1);
	}
	if (m->dst[strspn(m->dst, "/")] == '\0')
		die("%s %s: DST is the new root itself", name, arg);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .proc = true, .sys = true, .dev = true,
	    .tmp = true };
	o->mounts = xcalloc(argc, sizeof(*o->mounts));
	add_default_masks(o, argc);
	while ((c = getopt_long(argc, argv, "+:b:r:t:Rw:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			add_mount(o, c, "--bind", optarg);
			break;
		case 'r':
			add_mount(o, c, "--ro-bind", optarg);
			break;
		case 't':
			add_mount(o, c, "--tmpfs", optarg);
			break;
		case OPT_TMPFS_COPYUP:
			add_mount(o, 'c', "--tmpfs-copyup", optarg);
			break;
		case 'R':
			o->ro = true;
			break;
		case 'w':
			o->chdir = optarg;
			break;
		case OPT_NO_PROC:
			o->proc = false;
			break;
		case OPT_NO_SYS:
			o->sys = false;
			break;
		case OPT_NO_DEV:
			o->dev = false;
			break;
		case OPT_NO_TMP:
			o->tmp = false;
			break;
		case OPT_MQUEUE:
			o->mqueue = true;
			break;
		case OPT_SHM_SIZE:
			if (!size_ok(optarg))
				die("--shm-size %s: bad size (a number with k, "
				    "m or g, as 64m)", optarg);
			o->shm_size = optarg;
			break;
		case OPT_MASK:
			add_mask(o, optarg, true, true);
			break;
		case OPT_RO_PATH:
			add_mask(o, optarg, false, true);
			break;
		case OPT_UNMASK:
			unmask(o, optarg);
			break;
		case OPT_IDMAP:
			o->idmap = true;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (optind >= argc)
		die("missing NEWROOT (see pivot --help)");
	o->newroot = argv[optind];
	o->prog = argv + optind + 1;
	if (o->mqueue && !o->dev)
		die("--mqueue with --no-dev: the queues are mounted in "
		    "pivot's /dev");
	if (o->shm_size != NULL && !o->dev)
		die("--shm-size with --no-dev: /dev/shm is pivot's /dev's");
}

/* /proc, /sys, /dev and /tmp, then the command line's, in its order. */
static void
mount_all(const struct newroot *r, const struct opts *o)
{
	size_t i;

	if (o->proc)
		mount_proc(r);
	if (o->sys)
		mount_sys(r);
	if (o->dev)
		mount_dev(r, o->mqueue, o->shm_size);
	if (o->tmp)
		mount_tmp(r);
	for (i = 0; i < o->nmounts; i++)
		mount_user(r, &o->mounts[i]);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct newroot r = { .fd = -1, .helper = -1 };
	char hint[512];
	int wd;

	conch_init("pivot");
	r.helper = idmount_take();
	parse_args(argc, argv, &o);
	r.name = o.newroot;
	r.idmap = o.idmap;
	mount_helper_check(&r);
	interrupt_catch();
	refuse_host_mntns();
	make_root_private();
	bind_newroot(&r);
	mount_all(&r, &o);
	mount_helper_done(&r);
	mount_masks(&r, &o);
	if (o.ro)
		make_root_readonly(&r);
	wd = open_workdir(&r, o.chdir);
	interrupt_end();	/* past pivot_root, there is no undo */
	switch_root(&r);
	enter_workdir(wd, o.chdir);
	snprintf(hint, sizeof(hint), "programs are now looked up inside the "
	    "new root %s: put them there, e.g. with mkrootfs --copy PROG, or "
	    "mkrootfs --tools for the conch tools", o.newroot);
	exec_prog(o.prog, hint);
}

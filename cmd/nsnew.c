/*
 * nsnew: create new namespaces, then run PROG in them.
 *
 * One unshare(2) makes them all; with a user namespace the kernel makes it
 * first and it owns the others. Maps that the process may write for itself
 * (its own uid and gid to 0) are written by itself; the rest, and the pins,
 * need the parent namespaces and are done by a helper forked beforehand.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char usage[] =
    "Usage: nsnew [OPTION]... [--] [PROG [ARG]...]\n"
    "Create new namespaces, then run PROG (default: $SHELL) in them.\n"
    "\n"
    "  -U, --user              user namespace (made first; owns the others)\n"
    "  -m, --mount             mount namespace\n"
    "  -p, --pid               pid namespace: fork, PROG is PID 1\n"
    "  -u, --uts               uts namespace\n"
    "  -n, --net               network namespace, with lo up\n"
    "  -i, --ipc               ipc namespace\n"
    "  -C, --cgroup            cgroup namespace\n"
    "  -T, --time              time namespace: fork, PROG runs in it\n"
    "  -a, --all               all of the above\n"
    "  -r, --map-root          map the caller's uid and gid to 0 (implies -U;\n"
    "                          as root, the container's root is the host's)\n"
    "      --map-auto          the caller's /etc/subuid and /etc/subgid ranges:\n"
    "                          from 1 with the caller as 0, for root from 0\n"
    "                          (implies -U)\n"
    "      --map u|g|b:INSIDE:OUTSIDE:COUNT\n"
    "                          add a uid, gid or both range (implies -U)\n"
    "      --setgroups allow|deny\n"
    "                          setgroups(2) in the user namespace\n"
    "      --init              keep a reaper as PID 1, PROG is PID 2 (-p)\n"
    "      --detach            with -p or -T: exit 0 once forked, without\n"
    "                          waiting; the caller's subreaper reaps PROG\n"
    "      --propagation private|slave|shared|unchanged\n"
    "                          of all mounts (default: private)\n"
    "      --mount-proc        mount a new /proc (implies -m)\n"
    "      --hostname NAME     set the hostname (implies -u)\n"
    "      --monotonic SECS    offset of CLOCK_MONOTONIC (implies -T)\n"
    "      --boottime SECS     offset of CLOCK_BOOTTIME (implies -T)\n"
    "      --pin DIR           keep the namespaces as files DIR/TYPE\n"
    "      --netns NAME        keep the net namespace as /run/netns/NAME\n"
    "  -v, --verbose           print each step\n"
    "  -h, --help              print this help\n"
    "  -V, --version           print the version\n";

enum {
	OPT_MAP_AUTO = 256, OPT_MAP, OPT_SETGROUPS, OPT_INIT, OPT_PROPAGATION,
	OPT_MOUNT_PROC, OPT_HOSTNAME, OPT_MONOTONIC, OPT_BOOTTIME, OPT_PIN,
	OPT_NETNS, OPT_DETACH,
};

static const struct option longopts[] = {
	{ "user", no_argument, NULL, 'U' },
	{ "mount", no_argument, NULL, 'm' },
	{ "pid", no_argument, NULL, 'p' },
	{ "uts", no_argument, NULL, 'u' },
	{ "net", no_argument, NULL, 'n' },
	{ "ipc", no_argument, NULL, 'i' },
	{ "cgroup", no_argument, NULL, 'C' },
	{ "time", no_argument, NULL, 'T' },
	{ "all", no_argument, NULL, 'a' },
	{ "map-root", no_argument, NULL, 'r' },
	{ "map-auto", no_argument, NULL, OPT_MAP_AUTO },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "setgroups", required_argument, NULL, OPT_SETGROUPS },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "propagation", required_argument, NULL, OPT_PROPAGATION },
	{ "mount-proc", no_argument, NULL, OPT_MOUNT_PROC },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "monotonic", required_argument, NULL, OPT_MONOTONIC },
	{ "boottime", required_argument, NULL, OPT_BOOTTIME },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	int flags;			/* CLONE_NEW* */
	bool map_root, map_auto;
	struct idmap uidmap, gidmap;	/* from --map */
	const char *setgroups;
	bool init;
	bool detach;			/* do not wait for the forked child */
	unsigned long propagation;	/* 0: unchanged */
	bool mount_proc;
	const char *hostname;
	bool offsets;
	long monotonic, boottime;
	const char *pin, *netns;
	bool mount_helper;		/* for the pivot we run: pivot --idmap */
	char **prog;
};

/*
 * The helper in the parent namespaces, the pipes to and from it, and our
 * end of the mount helper's socket (-1: none).
 */
struct helper {
	int tx, rx;
	int mnt;
};

/* Our end of the "exec done" pipe: 'x' on it at exit() means exec failed. */
static int exec_fd = -1;

static void
parse_map(struct opts *o, const char *arg)
{
	char what[128];

	snprintf(what, sizeof(what), "--map '%s'", arg);
	if (strchr("ugb", arg[0]) == NULL || arg[0] == '\0' || arg[1] != ':')
		die("%s: expected u|g|b:INSIDE:OUTSIDE:COUNT", what);
	if (arg[0] != 'g')
		idmap_parse(&o->uidmap, arg + 2, what);
	if (arg[0] != 'u')
		idmap_parse(&o->gidmap, arg + 2, what);
}

static unsigned long
parse_propagation(const char *arg)
{
	if (strcmp(arg, "private") == 0)
		return MS_PRIVATE;
	if (strcmp(arg, "slave") == 0)
		return MS_SLAVE;
	if (strcmp(arg, "shared") == 0)
		return MS_SHARED;
	if (strcmp(arg, "unchanged") == 0)
		return 0;
	die("--propagation '%s': expected private, slave, shared or unchanged",
	    arg);
}

static long
parse_offset(const char *opt, const char *arg)
{
	long v;

	if (parse_long(arg, -(1L << 40), 1L << 40, &v) == -1)
		die("--%s '%s': expected a number of seconds", opt, arg);
	return v;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	const struct nstype *t;
	int c;

	o->propagation = MS_PRIVATE;
	while ((c = getopt_long(argc, argv, "+:UmpunirCTahvV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			for (t = nstypes; t < nstypes + nstypes_len; t++)
				o->flags |= t->flag;
			break;
		case 'r':
			o->map_root = true;
			break;
		case OPT_MAP_AUTO:
			o->map_auto = true;
			break;
		case OPT_MAP:
			parse_map(o, optarg);
			break;
		case OPT_SETGROUPS:
			if (strcmp(optarg, "allow") != 0 &&
			    strcmp(optarg, "deny") != 0)
				die("--setgroups '%s': expected allow or deny",
				    optarg);
			o->setgroups = optarg;
			break;
		case OPT_INIT:
			o->init = true;
			break;
		case OPT_DETACH:
			o->detach = true;
			break;
		case OPT_PROPAGATION:
			o->propagation = parse_propagation(optarg);
			break;
		case OPT_MOUNT_PROC:
			o->mount_proc = true;
			o->flags |= CLONE_NEWNS;
			break;
		case OPT_HOSTNAME:
			if (strlen(optarg) > 64)
				die("--hostname '%s': longer than 64 bytes",
				    optarg);
			o->hostname = optarg;
			o->flags |= CLONE_NEWUTS;
			break;
		case OPT_MONOTONIC:
			o->monotonic = parse_offset("monotonic", optarg);
			o->offsets = true;
			o->flags |= CLONE_NEWTIME;
			break;
		case OPT_BOOTTIME:
			o->boottime = parse_offset("boottime", optarg);
			o->offsets = true;
			o->flags |= CLONE_NEWTIME;
			break;
		case OPT_PIN:
			o->pin = optarg;
			break;
		case OPT_NETNS:
			if (optarg[0] == '\0' || optarg[0] == '.' ||
			    strchr(optarg, '/') != NULL)
				die("--netns '%s': expected a name, not a path",
				    optarg);
			o->netns = optarg;
			o->flags |= CLONE_NEWNET;
			break;
		default:
			if ((t = nstype_byopt(c)) == NULL) {
				common_option(c, argv, usage);	/* -v, or none */
				break;
			}
			o->flags |= t->flag;
		}
	}
	if (o->map_root || o->map_auto || o->uidmap.n || o->gidmap.n ||
	    o->setgroups)
		o->flags |= CLONE_NEWUSER;
	if (o->init && !(o->flags & CLONE_NEWPID))
		die("--init needs a new pid namespace (-p)");
	if (o->detach && !(o->flags & (CLONE_NEWPID | CLONE_NEWTIME)))
		die("--detach needs a new pid or time namespace (-p, -T): "
		    "without them nsnew does not fork");
	if (o->pin != NULL && o->flags == 0)
		die("--pin '%s': no namespace to pin", o->pin);
	o->prog = argv + optind;
}

/* The complete maps, from --map-root, --map-auto and --map. */
static void
build_maps(struct opts *o)
{
	struct passwd_ent pw;

	if (!o->map_root && !o->map_auto)
		return;
	caller_passwd(&pw);
	if (o->map_root && pw.uid == 0)
		trace("--map-root as root: the container's root is the host's "
		    "root (for an unprivileged range: --map-auto, or --map "
		    "b:0:FIRST:COUNT)");
	if (o->map_root) {
		idmap_add(&o->uidmap, (struct idrange){ 0, pw.uid, 1 },
		    "--map-root");
		idmap_add(&o->gidmap, (struct idrange){ 0, pw.gid, 1 },
		    "--map-root");
	}
	if (o->map_auto) {
		idmap_auto(&o->uidmap, 'u', &pw, "--map-auto");
		idmap_auto(&o->gidmap, 'g', &pw, "--map-auto");
	}
}

/* Only --map-root: the process maps itself, as unshare -r does. */
static bool
maps_self(const struct opts *o)
{
	return o->map_root && !o->map_auto && o->uidmap.n == 1 &&
	    o->gidmap.n == 1 && (o->setgroups == NULL ||
	    strcmp(o->setgroups, "deny") == 0);
}

static bool
maps_by_helper(const struct opts *o)
{
	return (o->uidmap.n || o->gidmap.n || o->setgroups) && !maps_self(o);
}

static bool
needs_helper(const struct opts *o)
{
	return maps_by_helper(o) || o->pin != NULL || o->netns != NULL ||
	    o->mount_helper;
}

/* PROG as execvp() would find it, in PATH (glibc's default: /bin:/usr/bin). */
static int
prog_path(const char *prog, char *buf, size_t size)
{
	const char *path = getenv("PATH"), *dir, *end;
	int n;

	if (strchr(prog, '/') != NULL)
		return snprintf(buf, size, "%s", prog) < (int)size ? 0 : -1;
	for (dir = path != NULL ? path : "/bin:/usr/bin";; dir = end + 1) {
		end = dir + strcspn(dir, ":");
		n = snprintf(buf, size, "%.*s%s%s", (int)(end - dir), dir,
		    end == dir ? "" : "/", prog);
		if (n < (int)size && access(buf, X_OK) == 0)
			return 0;
		if (*end == '\0')
			return -1;
	}
}

/*
 * The mount helper is a root process that idmaps any tree it is sent,
 * so that whoever holds its socket could have the host's /etc shown as
 * the container's and write it. It goes only to the pivot installed
 * beside nsnew (the same file), which uses it for --idmap alone and
 * closes it before running anything; never to another PROG, even one
 * named pivot. PROG becomes the path checked: the lookup by exec, as
 * the container's root, could otherwise find another file.
 */
static bool
prog_is_our_pivot(char **prog)
{
	char self[4096], found[4096], *dir;
	const char *base;
	struct stat ours, theirs;
	ssize_t n;

	if (prog[0] == NULL)
		return false;
	base = strrchr(prog[0], '/');
	if (strcmp(base != NULL ? base + 1 : prog[0], "pivot") != 0)
		return false;
	n = readlink("/proc/self/exe", self, sizeof(self) - 8);
	if (n == -1 || prog_path(prog[0], found, sizeof(found)) == -1)
		return false;
	self[n] = '\0';
	if ((dir = strrchr(self, '/')) == NULL)
		return false;
	strcpy(dir + 1, "pivot");	/* fits: 8 bytes were kept */
	if (stat(self, &ours) == 0 && stat(found, &theirs) == 0 &&
	    ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		if ((prog[0] = strdup(found)) == NULL)
			die_sys("strdup");
		return true;
	}
	trace("no mount helper for %s: not the pivot beside nsnew (%s)",
	    found, self);
	return false;
}

/*
 * pivot --idmap needs a privileged helper: root here, with user and
 * mount namespaces whose maps the helper writes anyway (with --map-root
 * alone the container's root is the host's: there is nothing to idmap).
 */
static bool
offers_mount_helper(const struct opts *o)
{
	int both = CLONE_NEWUSER | CLONE_NEWNS;

	return geteuid() == 0 && (o->flags & both) == both &&
	    maps_by_helper(o) && prog_is_our_pivot(o->prog);
}

static void
send_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		die_sys("write to helper");
}

/* The next byte from the other side; 0 at end of file. */
static char
recv_byte(int fd)
{
	ssize_t n;
	char c;

	while ((n = read(fd, &c, 1)) == -1 && errno == EINTR)
		;
	if (n == -1)
		die_sys("read from helper");
	return n == 1 ? c : 0;
}

/*
 * Pins are bind mounts of /proc/PID/ns/TYPE, made in the caller's mount
 * namespace; for pid and time, the namespace is the one for children.
 */
struct pin {
	char path[4096];
	bool made_file, mounted;
};

static struct pin pins[10];
static size_t npins;
static const char *made_pin_dir;

static void
unpin(void)
{
	struct pin *p;

	for (p = pins + npins; p-- > pins;) {
		if (p->mounted && umount2(p->path, MNT_DETACH) == -1)
			warn_err(errno, NULL, "umount %s", p->path);
		if (p->made_file && unlink(p->path) == -1)
			warn_err(errno, NULL, "unlink %s", p->path);
	}
	npins = 0;
	if (made_pin_dir != NULL && rmdir(made_pin_dir) == -1)
		warn_err(errno, NULL, "rmdir %s", made_pin_dir);
	made_pin_dir = NULL;
}

static void
pin_one(pid_t pid, const char *type, const char *path)
{
	char src[64];
	struct pin *p = &pins[npins++];
	bool pidlike = strcmp(type, "pid") == 0 || strcmp(type, "time") == 0;
	int fd;

	snprintf(src, sizeof(src), "/proc/%d/ns/%s%s", (int)pid, type,
	    pidlike ? "_for_children" : "");
	snprintf(p->path, sizeof(p->path), "%s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd == -1) {
		warn_err(errno, NULL, "pin %s", path);
		goto fail;
	}
	close(fd);
	p->made_file = true;
	trace("mount --bind %s %s", src, path);
	if (mount(src, path, NULL, MS_BIND, NULL) == -1) {
		warn_err(errno, errno == EPERM ? "pinning needs CAP_SYS_ADMIN "
		    "in the caller's mount namespace" : NULL,
		    "mount --bind %s %s", src, path);
		goto fail;
	}
	p->mounted = true;
	return;
fail:
	unpin();
	exit(EXIT_TOOL);
}

/* As ip-netns(8): /run/netns is a shared mount, so pins show everywhere. */
static void
netns_dir(void)
{
	const char *dir = "/run/netns";

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		die_sys("mkdir %s", dir);
	if (mount("", dir, NULL, MS_SHARED | MS_REC, NULL) == 0)
		return;
	if (errno != EINVAL)
		die_sys("mount --make-rshared %s", dir);
	trace("mount --bind %s %s", dir, dir);
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) == -1)
		die_sys("mount --bind %s %s", dir, dir);
	if (mount("", dir, NULL, MS_SHARED | MS_REC, NULL) == -1)
		die_sys("mount --make-rshared %s", dir);
}

static void
pin_all(pid_t pid, const struct opts *o)
{
	const struct nstype *t;
	char path[4096];

	if (o->netns != NULL) {
		netns_dir();
		snprintf(path, sizeof(path), "/run/netns/%s", o->netns);
		pin_one(pid, "net", path);
	}
	if (o->pin == NULL)
		return;
	if (mkdir(o->pin, 0755) == 0) {
		made_pin_dir = o->pin;
	} else if (errno != EEXIST) {
		warn_err(errno, NULL, "mkdir %s", o->pin);
		unpin();
		exit(EXIT_TOOL);
	}
	for (t = nstypes; t < nstypes + nstypes_len; t++) {
		if (!(o->flags & t->flag))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", o->pin, t->name) >=
		    (int)sizeof(path)) {
			unpin();
			die("--pin '%s': path too long", o->pin);
		}
		pin_one(pid, t->name, path);
	}
}

/* /proc/PID/ns/TYPE, held from now on: PID may be gone when it is used. */
static int
ns_open(pid_t pid, const char *type)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		die_sys("open %s", path);
	return fd;
}

/*
 * The helper, a grandchild so that PROG does not inherit it as a child:
 * maps once we have unshared ('u'), pins once we are set up ('p'), then
 * waits for our exec: end of file means it happened, 'x' that it failed,
 * and then the pins go. For a pivot it then serves idmapped mounts
 * (lib/idmount.c) until pivot closes its end of MSOCK.
 */
static void
helper_run(pid_t pid, const struct opts *o, int rx, int tx, int msock)
{
	int userns = -1, mntns = -1;

	if (recv_byte(rx) != 'u')
		_exit(0);
	if (msock != -1) {
		userns = ns_open(pid, "user");
		mntns = ns_open(pid, "mnt");
	}
	if (maps_by_helper(o))
		idmap_write(pid, &o->uidmap, &o->gidmap, o->setgroups);
	send_byte(tx, 'k');
	if (recv_byte(rx) == 'p') {
		pin_all(pid, o);
		send_byte(tx, 'k');
		if (recv_byte(rx) == 'x') {
			unpin();
			_exit(0);
		}
	}
	if (msock == -1)
		_exit(0);
	close(rx);
	close(tx);
	idmount_serve(msock, userns, mntns);
}

static void
helper_start(struct helper *h, const struct opts *o)
{
	int down[2], up[2], mnt[2] = { -1, -1 }, st;
	pid_t self = getpid(), pid;

	if (pipe2(down, O_CLOEXEC) == -1 || pipe2(up, O_CLOEXEC) == -1)
		die_sys("pipe2");
	if (o->mount_helper && socketpair(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, mnt) == -1)
		die_sys("socketpair");
	pid = fork();
	if (pid == -1)
		die_sys("fork");
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		if (mnt[1] != -1)
			close(mnt[1]);
		pid = fork();
		if (pid == -1)
			die_sys("fork");
		if (pid == 0)
			helper_run(self, o, down[0], up[1], mnt[0]);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	if (mnt[0] != -1)
		close(mnt[0]);
	if (waitpid(pid, &st, 0) == -1)
		die_sys("waitpid(%d)", (int)pid);
	h->tx = down[1];
	h->rx = up[0];
	h->mnt = mnt[1];
}

/* The helper printed its own error: we only follow it with 125. */
static void
helper_step(struct helper *h, char step)
{
	send_byte(h->tx, step);
	if (recv_byte(h->rx) != 'k')
		exit(EXIT_TOOL);
}

static void
report_exec_failure(void)
{
	if (exec_fd != -1)
		(void)!write(exec_fd, "x", 1);
}

/* In a process that will not exec PROG: its exit says nothing. */
static void
exec_fd_close(void)
{
	if (exec_fd != -1)
		close(exec_fd);
	exec_fd = -1;
}

/*
 * Just before the exec of pivot: our end of the mount helper's socket
 * stays open across it, and CONCH_IDMAP_FD names it.
 */
static void
mount_helper_pass(const struct helper *h)
{
	char num[16];

	if (h->mnt == -1)
		return;
	trace("mount helper for pivot --idmap on fd %d (%s)", h->mnt,
	    IDMOUNT_ENV);
	snprintf(num, sizeof(num), "%d", h->mnt);
	if (fcntl(h->mnt, F_SETFD, 0) == -1)
		die_sys("keep fd %d open for pivot", h->mnt);
	if (setenv(IDMOUNT_ENV, num, 1) == -1)
		die_sys("setenv %s", IDMOUNT_ENV);
}

/* In a process that will not exec pivot: the helper ends with pivot. */
static void
mount_helper_close(struct helper *h)
{
	if (h->mnt != -1)
		close(h->mnt);
	h->mnt = -1;
}

/* In a process that will not talk to the helper again. */
static void
helper_done(struct helper *h)
{
	if (h->tx == -1)
		return;
	close(h->tx);
	close(h->rx);
	h->tx = h->rx = -1;
}

static void
unshare_all(int flags)
{
	const char *hint = NULL;
	char names[128];

	ns_flags_str(flags, names, sizeof(names));
	trace("unshare(%s)", names);
	if (unshare(flags) == 0)
		return;
	if (errno == EPERM && !(flags & CLONE_NEWUSER))
		hint = "needs root, or -U for a user namespace first";
	else if (errno == EPERM)
		hint = "are unprivileged user namespaces disabled? see "
		    "sysctl kernel.unprivileged_userns_clone";
	else if (errno == ENOSPC)
		hint = "a user.max_*_namespaces limit is reached";
	else if (errno == EINVAL && (flags & CLONE_NEWUSER))
		hint = "a threaded or chrooted caller cannot make a user "
		    "namespace";
	die_err(errno, hint, "unshare(%s)", names);
}

/* Maps the process may write for itself: its own IDs, setgroups denied. */
static void
map_self(const struct opts *o)
{
	pid_t self = getpid();

	setgroups_write(self, "deny");
	idmap_write_direct(self, 'u', &o->uidmap);
	idmap_write_direct(self, 'g', &o->gidmap);
}

/* Whether M has ID among its outside IDs (OUTSIDE), or its inside ones. */
static bool
map_has(const struct idmap *m, unsigned long id, bool outside)
{
	unsigned long first;
	size_t i;

	for (i = 0; i < m->n; i++) {
		first = outside ? m->r[i].outside : m->r[i].inside;
		if (id >= first && id - first < m->r[i].count)
			return true;
	}
	return false;
}

/*
 * As runc and podman: when a map leaves out the caller's own ID (root
 * with --map b:0:100000:65536), PROG starts as 0 of the namespace, for
 * exec keeps the capabilities only of a process that is root there. The
 * caller's ID, unmapped, would show as the overflow ID 65534 and lose
 * them all. Where 0 is not mapped either, that is what happens (-v
 * says so): no other ID of the map is a better guess than the one the
 * kernel gives.
 */
static bool
switches_to_zero(const struct idmap *m, unsigned long own, char kind)
{
	if (m->n == 0 || map_has(m, own, true))
		return false;
	if (map_has(m, 0, false))
		return true;
	if (own == 0)
		trace("%cid 0 is not mapped: PROG runs as the overflow %cid%s",
		    kind, kind, kind == 'u' ? " and loses its capabilities at "
		    "exec" : "");
	else
		trace("neither %cid 0 nor the caller's %cid %lu is mapped: PROG "
		    "keeps the overflow %cid%s", kind, kind, own, kind,
		    kind == 'u' ? " and loses its capabilities at exec" : "");
	return false;
}

/*
 * The switch to 0, planned before unshare. The caller's supplementary
 * groups are host groups (root's include gid 0) that PROG must not keep.
 * Root drops them now, which works whatever setgroups the new namespace
 * allows, unless this one denies it (root of another user namespace):
 * then the new one does too, and they stay. Anyone else drops them inside when setgroups is allowed there, as runc
 * does for a process without additionalGids; else they stay, as the
 * kernel then requires.
 */
struct to_zero {
	bool uid, gid, groups;
};

static void
plan_zero(const struct opts *o, struct to_zero *z)
{
	uid_t uid = geteuid();

	z->uid = switches_to_zero(&o->uidmap, uid, 'u');
	z->gid = switches_to_zero(&o->gidmap, getegid(), 'g');
	if (!z->uid && !z->gid)
		return;
	if (uid == 0) {
		trace("setgroups: none (the caller's groups stay outside)");
		if (setgroups(0, NULL) == 0)
			return;
		if (errno != EPERM)
			die_sys("setgroups(0)");
		trace("setgroups: denied in this user namespace, and so in the "
		    "new one: the caller's groups stay");
		return;
	}
	z->groups = o->gidmap.n > 0 && (o->setgroups == NULL ||
	    strcmp(o->setgroups, "allow") == 0);
}

/* Once the maps are written: gid first, while we may still change it. */
static void
become_zero(const struct to_zero *z)
{
	if (z->groups) {
		trace("setgroups: none");
		if (setgroups(0, NULL) == -1)
			die_sys("setgroups(0)");
	}
	if (z->gid) {
		trace("setresgid 0");
		if (setresgid(0, 0, 0) == -1)
			die_sys("setresgid(0)");
	}
	if (z->uid) {
		trace("setresuid 0");
		if (setresuid(0, 0, 0) == -1)
			die_sys("setresuid(0)");
	}
}

static void
set_propagation(unsigned long how)
{
	if (how == 0)
		return;
	trace("mount --make-r%s /", how == MS_PRIVATE ? "private" :
	    how == MS_SLAVE ? "slave" : "shared");
	if (mount("none", "/", NULL, MS_REC | how, NULL) == -1)
		die_sys("make / %s", how == MS_PRIVATE ? "private" :
		    how == MS_SLAVE ? "slave" : "shared");
}

static void
set_hostname(const char *name)
{
	trace("sethostname %s", name);
	if (sethostname(name, strlen(name)) == -1)
		die_sys("sethostname '%s'", name);
}

static void
loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	trace("ip link set lo up");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die_sys("socket(AF_INET)");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1)
		die_sys("get flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) == -1)
		die_sys("set lo up");
	close(fd);
}

static void
set_time_offsets(const struct opts *o)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "monotonic %ld 0\nboottime %ld 0\n",
	    o->monotonic, o->boottime);
	trace("write /proc/self/timens_offsets: monotonic %ld, boottime %ld",
	    o->monotonic, o->boottime);
	if (write_file("/proc/self/timens_offsets", buf) == -1)
		die_sys("write /proc/self/timens_offsets");
}

static void
mount_proc(void)
{
	trace("mount proc on /proc");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) == 0)
		return;
	die_err(errno, errno == EPERM ? "without root, a new /proc needs a "
	    "new pid namespace too (-p)" : NULL, "mount proc on /proc");
}

/*
 * Pins come last, just before exec: nothing can fail after them but the
 * exec, which the helper learns of. A pid namespace can only be pinned
 * once it has its PID 1, so in one this runs in PID 1.
 */
static void
pin(struct helper *h)
{
	if (h->tx == -1)
		return;
	helper_step(h, 'p');
	close(h->rx);
	exec_fd = h->tx;
	atexit(report_exec_failure);
}

/*
 * The reaper of --init is PID 1 of the container, but it was never in the
 * new root: its root and working directory are still the host's, and it
 * keeps every capability of the user namespace. Whoever may ptrace it, or
 * open /proc/1/root, /proc/1/cwd or /proc/1/fd, would be out. Not
 * dumpable, only CAP_SYS_PTRACE in the user namespace it was started in
 * (the caller's, never the container's) gives access to it.
 */
static void
reaper_seal(void)
{
	trace("init: not dumpable (its root is the host's)");
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		die_sys("prctl(PR_SET_DUMPABLE)");
}

/* After the fork: PID 1 of a new pid namespace, or in a new time one. */
static void
run_child(const struct opts *o, struct helper *h)
{
	pid_t prog;

	if (o->mount_proc)
		mount_proc();
	pin(h);
	if (!o->init) {
		mount_helper_pass(h);
		exec_prog(o->prog, NULL);
	}
	prog = fork_child();
	if (prog == 0) {
		mount_helper_pass(h);
		exec_prog(o->prog, NULL);
	}
	exec_fd_close();
	mount_helper_close(h);
	reaper_seal();
	supervise(prog, true);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct helper h = { -1, -1, -1 };
	struct to_zero z = { 0 };
	pid_t child;

	conch_init("nsnew");
	parse_args(argc, argv, &o);
	interrupt_catch();
	build_maps(&o);
	if (maps_by_helper(&o))
		o.setgroups = idmap_check(&o.uidmap, &o.gidmap, o.setgroups);
	unsetenv(IDMOUNT_ENV);	/* ours to set, for pivot alone */
	o.mount_helper = offers_mount_helper(&o);
	if (needs_helper(&o))
		helper_start(&h, &o);
	plan_zero(&o, &z);
	unshare_all(o.flags);
	if (h.tx != -1)
		helper_step(&h, 'u');
	if (maps_self(&o))
		map_self(&o);
	become_zero(&z);
	if (o.pin == NULL && o.netns == NULL)
		helper_done(&h);
	if (o.flags & CLONE_NEWNS)
		set_propagation(o.propagation);
	if (o.hostname != NULL)
		set_hostname(o.hostname);
	if (o.flags & CLONE_NEWNET)
		loopback_up();
	if (o.offsets)
		set_time_offsets(&o);
	/*
	 * Only children enter new pid and time namespaces. Linux 5.19+ lets
	 * exec enter a time namespace, but on some kernels (6.1) the exec'd
	 * process's own children then lose the offsets: fork for both.
	 */
	if (!(o.flags & (CLONE_NEWPID | CLONE_NEWTIME))) {
		if (o.mount_proc)
			mount_proc();
		pin(&h);
		mount_helper_pass(&h);
		exec_prog(o.prog, NULL);
	}
	child = o.detach ? fork_detached() : fork_child();
	if (child == 0)
		run_child(&o, &h);
	helper_done(&h);
	mount_helper_close(&h);
	if (o.detach)
		exit(0);
	supervise(child, false);
}

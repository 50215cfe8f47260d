/*
 * nsjoin: enter existing namespaces, then run PROG in them.
 *
 * The target is a process (held by a pidfd, so that a reused PID cannot
 * redirect us, and entered with one setns(2) on it), a directory of
 * namespaces pinned by nsnew --pin, or single namespace files. list.c
 * prints them instead (-l, --tree).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "nsjoin.h"

static const char usage[] =
    "Usage: nsjoin [OPTION]... PID|DIR [PROG [ARG]...]\n"
    "       nsjoin [OPTION]... --TYPE=FILE... [PROG [ARG]...]\n"
    "       nsjoin -l [--tree] PID|DIR\n"
    "Enter the namespaces of process PID, of directory DIR where nsnew pinned\n"
    "them, or of namespace files, then run PROG (default: $SHELL) in them.\n"
    "\n"
    "  -a, --all               every namespace that differs from ours\n"
    "                          (the default)\n"
    "  -U, --user[=FILE]       the user namespace (of FILE)\n"
    "  -m, --mount[=FILE]      the mount namespace\n"
    "  -p, --pid[=FILE]        the pid namespace: PROG runs in a child\n"
    "  -u, --uts[=FILE]        the uts namespace\n"
    "  -n, --net[=FILE]        the network namespace\n"
    "  -i, --ipc[=FILE]        the ipc namespace\n"
    "  -C, --cgroupns[=FILE]   the cgroup namespace\n"
    "  -T, --time[=FILE]       the time namespace\n"
    "      --ns LIST           namespaces by name: user,mnt,pid,uts,net,ipc,\n"
    "                          cgroup,time or all\n"
    "  -r, --root              take the root directory of PID\n"
    "  -w, --wd                take the working directory of PID\n"
    "  -c, --cgroup            join the cgroup (v2) of PID first\n"
    "      --detach            with a pid namespace: exit 0 once forked,\n"
    "                          without waiting; the caller's subreaper\n"
    "                          reaps PROG\n"
    "  -l, --list              print TYPE INODE same|different OWNER PARENT\n"
    "                          for each namespace of the target, and exit\n"
    "      --tree              with -l: draw the target's user namespaces,\n"
    "                          each with the namespaces it owns\n"
    "  -v, --verbose           print each step\n"
    "  -h, --help              print this help\n"
    "  -V, --version           print the version\n";

enum { OPT_NS = 256, OPT_TREE, OPT_DETACH };

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "user", optional_argument, NULL, 'U' },
	{ "mount", optional_argument, NULL, 'm' },
	{ "pid", optional_argument, NULL, 'p' },
	{ "uts", optional_argument, NULL, 'u' },
	{ "net", optional_argument, NULL, 'n' },
	{ "ipc", optional_argument, NULL, 'i' },
	{ "cgroupns", optional_argument, NULL, 'C' },
	{ "time", optional_argument, NULL, 'T' },
	{ "ns", required_argument, NULL, OPT_NS },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "root", no_argument, NULL, 'r' },
	{ "wd", no_argument, NULL, 'w' },
	{ "cgroup", no_argument, NULL, 'c' },
	{ "list", no_argument, NULL, 'l' },
	{ "tree", no_argument, NULL, OPT_TREE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	int select;		/* CLONE_NEW* chosen; 0 is all */
	int files;		/* CLONE_NEW* given as --TYPE=FILE */
	const char *file[8];	/* those files, indexed as nstypes[] */
	bool root, wd, cgroup, list, tree, detach;
	const char *target;
	char **prog;
};

/* "user,mnt,pid" or "all" to CLONE_NEW* flags; -1 names no type. */
static int
ns_flags_parse(const char *list, int *flags)
{
	const struct nstype *t;
	char name[16];
	size_t len;

	*flags = 0;
	for (;;) {
		len = strcspn(list, ",");
		if (len == 0 || len >= sizeof(name))
			return -1;
		memcpy(name, list, len);
		name[len] = '\0';
		if (strcmp(name, "all") == 0) {
			for (t = nstypes; t < nstypes + nstypes_len; t++)
				*flags |= t->flag;
		} else {
			for (t = nstypes; t < nstypes + nstypes_len &&
			    strcmp(t->name, name) != 0; t++)
				;
			if (t == nstypes + nstypes_len)
				return -1;
			*flags |= t->flag;
		}
		if (list[len] == '\0')
			return 0;
		list += len + 1;
	}
}

/* One option of the getopt loop; -a sets *ALL. */
static void
parse_option(int c, char **argv, struct opts *o, bool *all)
{
	const struct nstype *t;
	int flags;

	switch (c) {
	case 'a':
		*all = true;
		break;
	case OPT_NS:
		if (ns_flags_parse(optarg, &flags) == -1)
			die("--ns '%s': unknown namespace type (known: "
			    "user,mnt,pid,uts,net,ipc,cgroup,time,all)",
			    optarg);
		o->select |= flags;
		break;
	case 'r':
		o->root = true;
		break;
	case 'w':
		o->wd = true;
		break;
	case 'c':
		o->cgroup = true;
		break;
	case OPT_DETACH:
		o->detach = true;
		break;
	case 'l':
		o->list = true;
		break;
	case OPT_TREE:
		o->list = o->tree = true;
		break;
	default:
		if ((t = nstype_byopt(c)) == NULL) {
			common_option(c, argv, usage);	/* -v, or none */
		} else if (optarg == NULL) {
			o->select |= t->flag;
		} else {
			if (strlen(optarg) >= PATH_MAX)
				die("%s: path too long", argv[optind - 1]);
			o->file[t - nstypes] = optarg;
			o->files |= t->flag;
		}
	}
}

/* After the options: which namespaces, the target, and PROG. */
static void
parse_operands(int argc, char **argv, struct opts *o, bool all)
{
	char names[96];
	int every = 0;
	size_t i;

	if (o->files && (o->select & ~o->files)) {
		ns_flags_str(o->select & ~o->files, names, sizeof(names));
		die("%s: no PID or DIR target to take it from (namespace "
		    "files were given: give this one as --TYPE=FILE too)",
		    names);
	}
	/* Every type chosen is -a: every one the target has. */
	for (i = 0; i < nstypes_len; i++)
		every |= nstypes[i].flag;
	if (all || o->select == every || o->files)
		o->select = o->files;
	if (!o->files) {
		if (optind == argc)
			die("no target: give a PID, a DIR pinned by nsnew "
			    "--pin or --TYPE=FILE (see nsjoin --help)");
		o->target = argv[optind++];
	}
	o->prog = argv + optind;
	if (o->list && o->prog[0] != NULL)
		die("--list: unexpected argument '%s'", o->prog[0]);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	bool all = false;
	int c;

	*o = (struct opts){ .select = 0 };
	while ((c = getopt_long(argc, argv, "+:aUmpuniCTrwclvhV", longopts,
	    NULL)) != -1)
		parse_option(c, argv, o, &all);
	parse_operands(argc, argv, o, all);
}

/* The "same" test: nsfs gives every namespace its own inode. */
static void
compare(struct ns *n, const struct nstype *t, const struct stat *st)
{
	char self[64];
	struct stat our;

	snprintf(self, sizeof(self), "/proc/self/ns/%s", t->name);
	n->ino = st->st_ino;
	n->same = stat(self, &our) == 0 && our.st_dev == st->st_dev &&
	    our.st_ino == st->st_ino;
}

/*
 * /proc/PID opened after the t->pidfd, and the process still alive: then
 * it is the same process, and stays so even if PID is later reused.
 */
static void
open_pid(struct target *t, const char *arg)
{
	char proc[32], rel[16];
	unsigned long n;
	struct stat st;
	struct pollfd p;
	size_t i;

	if (parse_ulong(arg, INT_MAX, &n) == -1)
		die("'%s': not a PID", arg);
	t->pid = n;
	trace("pidfd_open(%d)", (int)t->pid);
	t->pidfd = syscall(SYS_pidfd_open, t->pid, 0);
	if (t->pidfd == -1)
		die_sys("pidfd_open(%d)", (int)t->pid);
	snprintf(proc, sizeof(proc), "/proc/%d", (int)t->pid);
	t->procfd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->procfd == -1)
		die_sys("open %s", proc);
	p = (struct pollfd){ .fd = t->pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) != 0)
		die("process %d: has exited", (int)t->pid);
	for (i = 0; i < nstypes_len; i++) {
		snprintf(t->ns[i].path, sizeof(t->ns[i].path), "/proc/%d/ns/%s",
		    (int)t->pid, nstypes[i].name);
		t->ns[i].fd = -1;
		snprintf(rel, sizeof(rel), "ns/%s", nstypes[i].name);
		if (fstatat(t->procfd, rel, &st, 0) == 0)
			compare(&t->ns[i], &nstypes[i], &st);
		else if (errno == ENOENT)
			t->ns[i].err = errno;	/* not in this kernel */
		else
			die_sys("%s", t->ns[i].path);
	}
}

/* An open namespace file must be one, of the type it stands for. */
static void
check_nsfile(struct ns *n, const struct nstype *t)
{
	struct stat st;
	size_t i;
	int type;

	type = ioctl(n->fd, NS_GET_NSTYPE);
	if (type == -1 && errno == ENOTTY)
		die("%s: not a namespace file", n->path);
	if (type == -1)
		die_sys("ioctl(%s, NS_GET_NSTYPE)", n->path);
	for (i = 0; type != t->flag && i < nstypes_len; i++)
		if (nstypes[i].flag == type)
			die("%s: a %s namespace, not %s", n->path,
			    nstypes[i].name, t->name);
	if (fstat(n->fd, &st) == -1)
		die_sys("fstat %s", n->path);
	compare(n, t, &st);
}

static void
open_nsfile(struct ns *n, const struct nstype *t, int dirfd,
    const char *name)
{
	n->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (n->fd != -1)
		check_nsfile(n, t);
	else if (errno == ENOENT && dirfd != AT_FDCWD)
		n->err = errno;		/* not pinned */
	else
		die_sys("open %s", n->path);
}

/* DIR/user, DIR/mnt...: what nsnew --pin DIR leaves (pid and time are
   the namespaces for children, the ones its PID 1 lives in). */
static void
open_dir(struct target *t, const char *dir)
{
	size_t i, found = 0;
	int dirfd;

	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1)
		die_err(errno, errno == ENOTDIR ? "a target is a PID or a "
		    "directory pinned by nsnew --pin" : NULL, "open %s", dir);
	for (i = 0; i < nstypes_len; i++) {
		snprintf(t->ns[i].path, sizeof(t->ns[i].path), "%s/%s", dir,
		    nstypes[i].name);
		open_nsfile(&t->ns[i], &nstypes[i], dirfd, nstypes[i].name);
		found += t->ns[i].err == 0;
	}
	close(dirfd);
	if (found == 0)
		die("%s: no pinned namespace in it (nsnew --pin DIR makes "
		    "them)", dir);
}

static void
open_files(struct target *t, const struct opts *o)
{
	size_t i;

	for (i = 0; i < nstypes_len; i++) {
		t->ns[i].fd = -1;
		if (!(o->files & nstypes[i].flag)) {
			t->ns[i].err = ENOENT;
			continue;
		}
		snprintf(t->ns[i].path, sizeof(t->ns[i].path), "%s",
		    o->file[i]);
		open_nsfile(&t->ns[i], &nstypes[i], AT_FDCWD, t->ns[i].path);
	}
}

static void
open_target(struct target *t, const struct opts *o)
{
	bool is_pid = o->target != NULL &&
	    strspn(o->target, "0123456789") == strlen(o->target);

	if (!is_pid && (o->root || o->wd || o->cgroup))
		die("%s needs a PID target", o->root ? "--root" :
		    o->wd ? "--wd" : "--cgroup");
	if (o->files)
		open_files(t, o);
	else if (is_pid)
		open_pid(t, o->target);
	else
		open_dir(t, o->target);
}

/*
 * The chosen namespaces, else all the target has; never one we are in
 * already: entering our own user namespace is refused (EINVAL), and the
 * others would be no-ops that may need privileges we lack.
 */
static int
choose(const struct target *t, int select)
{
	int flags = 0;
	size_t i;

	for (i = 0; i < nstypes_len; i++) {
		if (select && !(select & nstypes[i].flag))
			continue;
		if (t->ns[i].err != 0 && select)
			die_err(t->ns[i].err, NULL, "%s", t->ns[i].path);
		if (t->ns[i].err != 0)
			continue;
		if (t->ns[i].same)
			trace("%s: already ours, skipped", t->ns[i].path);
		else
			flags |= nstypes[i].flag;
	}
	return flags;
}

/* The directories of PID, opened before we leave our mount namespace. */
static int
open_proc_dir(const struct target *t, const char *name)
{
	int fd;

	fd = openat(t->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		die_sys("open /proc/%d/%s", (int)t->pid, name);
	return fd;
}

/*
 * Into the cgroup of PID, before we enter its cgroup namespace: the path
 * in /proc/PID/cgroup and the root of our cgroup2 mount are both seen
 * from ours.
 */
static void
join_cgroup(const struct target *t)
{
	char rel[PATH_MAX], abs[PATH_MAX], path[PATH_MAX], self[24];
	struct cgroupfs fs;
	int fd;

	cgroupfs_open(&fs, NULL);
	if (cgroup_of_procfd(&fs, t->procfd, rel, sizeof(rel), abs,
	    sizeof(abs)) == -1) {
		if (errno == ENOENT)
			die("--cgroup: process %d is in no cgroup v2 hierarchy",
			    (int)t->pid);
		if (errno == EXDEV)
			die("--cgroup: cgroup %s of process %d is outside the "
			    "cgroup2 mount %s (its root is %s)", abs,
			    (int)t->pid, fs.dir, fs.cgpath);
		die_sys("read /proc/%d/cgroup", (int)t->pid);
	}
	cgroup_path(&fs, rel, path, sizeof(path));
	fd = cgroup_open(&fs, rel);
	if (fd == -1)
		die_sys("open %s", path);
	snprintf(self, sizeof(self), "%d", (int)getpid());
	trace("write %s/cgroup.procs: %s", path, self);
	if (write_fileat(fd, "cgroup.procs", self) == -1)
		die_sys("write %s/cgroup.procs", path);
	close(fd);
	close(fs.fd);
}

#define SETNS_HINT "entering needs CAP_SYS_ADMIN over the namespace: " \
	"enter its user namespace too, or be root"

/* Enters what it can of the files of flags (all, if must); returns the rest. */
static int
setns_files(const struct target *t, int flags, bool must)
{
	size_t i;

	for (i = 0; i < nstypes_len; i++) {
		if (!(flags & nstypes[i].flag))
			continue;
		trace("setns(%s)", t->ns[i].path);
		if (setns(t->ns[i].fd, nstypes[i].flag) == 0)
			flags &= ~nstypes[i].flag;
		else if (must)
			die_err(errno, errno == EPERM ? SETNS_HINT : NULL,
			    "setns(%s)", t->ns[i].path);
		else
			trace("setns(%s): %s", t->ns[i].path, strerror(errno));
	}
	return flags;
}

/*
 * A t->pidfd enters them all at once: the kernel enters the user namespace
 * first, and checks each other one against our credentials both before
 * and after, so that it works for root and for the unprivileged owner.
 * Files go one by one, in two passes as in nsenter: all but the user
 * namespace, then what is left with it first. Privileged, the first pass
 * enters everything, and the user namespace, last, drops privileges;
 * unprivileged, only the user namespace grants the right to the others.
 */
static void
enter(const struct target *t, int flags)
{
	char names[96];

	if (t->pidfd == -1) {
		flags = setns_files(t, flags & ~CLONE_NEWUSER, false) |
		    (flags & CLONE_NEWUSER);
		setns_files(t, flags, true);
		return;
	}
	if (flags == 0)
		return;
	ns_flags_str(flags, names, sizeof(names));
	trace("setns(%d, %s)", (int)t->pid, names);
	if (setns(t->pidfd, flags) == -1)
		die_err(errno, errno == EPERM ? SETNS_HINT : NULL,
		    "setns(%d, %s)", (int)t->pid, names);
}

/*
 * As nsenter: be root of the user namespace we entered where it maps
 * uid or gid 0 (EINVAL where not), without supplementary groups where it
 * allows setgroups(2) (EPERM where not: we hold every capability in it).
 */
static void
become_root(void)
{
	if (setgroups(0, NULL) == -1 && errno != EPERM)
		die_sys("setgroups(0)");
	if (setgid(0) == -1 && errno != EINVAL)
		die_sys("setgid(0)");
	if (setuid(0) == -1 && errno != EINVAL)
		die_sys("setuid(0)");
	trace("in the user namespace: uid %d, gid %d, %d supplementary "
	    "groups", (int)getuid(), (int)getgid(), getgroups(0, NULL));
}

static void
change_root(const struct target *t, int rootfd, int wdfd)
{
	if (rootfd != -1) {
		trace("chroot /proc/%d/root", (int)t->pid);
		if (fchdir(rootfd) == -1 || chroot(".") == -1)
			die_err(errno, errno == EPERM ? "needs CAP_SYS_CHROOT: "
			    "enter the target's user namespace too" : NULL,
			    "chroot /proc/%d/root", (int)t->pid);
	}
	if (wdfd != -1) {
		trace("chdir /proc/%d/cwd", (int)t->pid);
		if (fchdir(wdfd) == -1)
			die_sys("chdir /proc/%d/cwd", (int)t->pid);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct target t = { .pidfd = -1, .procfd = -1 };
	int flags, rootfd = -1, wdfd = -1;
	pid_t child;

	conch_init("nsjoin");
	parse_args(argc, argv, &o);
	open_target(&t, &o);
	if (o.list)
		list(&t, o.select, o.tree);
	flags = choose(&t, o.select);
	if (o.root)
		rootfd = open_proc_dir(&t, "root");
	if (o.wd)
		wdfd = open_proc_dir(&t, "cwd");
	if (o.cgroup)
		join_cgroup(&t);
	/* Groups are dropped while we may (root): inside, it may be denied. */
	if ((flags & CLONE_NEWUSER) && setgroups(0, NULL) == -1 &&
	    errno != EPERM)
		die_sys("setgroups(0)");
	enter(&t, flags);
	if (flags & CLONE_NEWUSER)
		become_root();
	change_root(&t, rootfd, wdfd);
	/* Unlike the others, a pid namespace is only for our children. */
	if ((flags & CLONE_NEWPID) && o.detach) {
		if (fork_detached() > 0)
			exit(0);
	} else if (flags & CLONE_NEWPID) {
		child = fork_child();
		if (child > 0)
			supervise(child, false);
	}
	exec_prog(o.prog, NULL);
}

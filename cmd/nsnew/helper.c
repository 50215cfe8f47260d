/*
 * nsnew's helper: a process forked before unshare, so still in the
 * parent namespaces, that writes the maps the process may not write for
 * itself, pins the namespaces (bind mounts of /proc/PID/ns/TYPE, removed
 * again if PROG's exec fails), and for the pivot beside nsnew serves
 * idmapped mounts (lib/idmount.c). It talks to us over two pipes, a byte
 * a step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsnew.h"

/* Our end of the "exec done" pipe: 'x' on it at exit() means exec failed. */
static int exec_fd = -1;

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
	if (n == -1 || prog_lookup(prog[0], found, sizeof(found)) == -1)
		return false;
	self[n] = '\0';
	if ((dir = strrchr(self, '/')) == NULL)
		return false;
	strcpy(dir + 1, "pivot");	/* fits: 8 bytes were kept */
	if (stat(self, &ours) == 0 && stat(found, &theirs) == 0 &&
	    ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		prog[0] = xstrdup(found);
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
bool
offers_mount_helper(const struct opts *o)
{
	int both = CLONE_NEWUSER | CLONE_NEWNS;

	return geteuid() == 0 && (o->flags & both) == both &&
	    maps_by_helper(o) && prog_is_our_pivot(o->prog);
}

bool
needs_helper(const struct opts *o)
{
	return maps_by_helper(o) || o->pin != NULL || o->netns != NULL ||
	    o->mount_helper;
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

void
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
void
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
void
exec_fd_close(void)
{
	if (exec_fd != -1)
		close(exec_fd);
	exec_fd = -1;
}

/*
 * Pins come last, just before exec: nothing can fail after them but the
 * exec, which the helper learns of. A pid namespace can only be pinned
 * once it has its PID 1, so in one this runs in PID 1.
 */
void
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
 * Just before the exec of pivot: our end of the mount helper's socket
 * stays open across it, and CONCH_IDMAP_FD names it.
 */
void
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
void
mount_helper_close(struct helper *h)
{
	if (h->mnt != -1)
		close(h->mnt);
	h->mnt = -1;
}

/* In a process that will not talk to the helper again. */
void
helper_done(struct helper *h)
{
	if (h->tx == -1)
		return;
	close(h->tx);
	close(h->rx);
	h->tx = h->rx = -1;
}

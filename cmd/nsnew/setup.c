/*
 * nsnew's namespaces: one unshare(2) makes them all; then the mount
 * propagation, the hostname, the loopback, the time offsets, a new
 * /proc; and PROG run in them, or, for a new pid or time namespace, in
 * a child, with a reaper as PID 1 for --init.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nsnew.h"

void
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

/* What the new namespaces are set up with, before PROG runs. */
void
set_up(const struct opts *o)
{
	if (o->flags & CLONE_NEWNS)
		set_propagation(o->propagation);
	if (o->hostname != NULL)
		set_hostname(o->hostname);
	if (o->flags & CLONE_NEWNET)
		loopback_up();
	if (o->offsets)
		set_time_offsets(o);
}

/* Without a new pid or time namespace, PROG is this process. */
void
run_prog(const struct opts *o, struct helper *h)
{
	if (o->mount_proc)
		mount_proc();
	pin(h);
	mount_helper_pass(h);
	exec_prog(o->prog, NULL);
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
void
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

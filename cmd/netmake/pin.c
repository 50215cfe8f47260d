/*
 * The network namespace, pinned as /run/netns/NAME the way ip-netns(8)
 * pins it: /run/netns is made a shared mount (a bind on itself first if
 * it is none), so that a pin made later shows in mount namespaces made
 * before; an empty file NAME gets a bind mount of the namespace. Both
 * are in the undo log as they are made.
 *
 * netmake makes the namespace with unshare(2) in its own (single)
 * thread, binds it, and goes back to the host's at once: a die() then
 * always undoes in the host's namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netmake.h"

/* ip-netns(8)'s set-up of /run/netns, kept after us as it keeps it. */
static void
netns_dir(void)
{
	if (mkdir(NETNS_DIR, 0755) == -1 && errno != EEXIST)
		die_sys("mkdir %s", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return;
	if (errno != EINVAL)
		die_sys("make %s a shared mount", NETNS_DIR);
	trace("bind %s on itself", NETNS_DIR);
	if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) == -1)
		die_sys("bind %s on itself", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == -1)
		die_sys("make %s a shared mount", NETNS_DIR);
}

void
netns_enter(int nsfd, const char *what)
{
	if (setns(nsfd, CLONE_NEWNET) == -1)
		die_sys("setns(net) into %s", what);
}

/* A new namespace pinned at PIN; its descriptor. */
int
netns_create(const char *pin)
{
	int fd, hostns, nsfd, err;

	netns_dir();
	fd = open(pin, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0);
	if (fd == -1)
		die_err(errno, errno == EEXIST ? "a network of that NAME "
		    "exists: netmake -d NAME removes it" : NULL, "create %s",
		    pin);
	close(fd);
	undo_unlink(AT_FDCWD, pin, false, "remove %s", pin);
	hostns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostns == -1)
		die_sys("open /proc/thread-self/ns/net");
	trace("unshare(net), bind it on %s", pin);
	if (unshare(CLONE_NEWNET) == -1)
		die_sys("unshare(net)");
	err = mount("/proc/thread-self/ns/net", pin, "none", MS_BIND, NULL)
	    == -1 ? errno : 0;
	if (setns(hostns, CLONE_NEWNET) == -1)
		die_sys("setns(net) back to the host's");
	close(hostns);
	if (err != 0)
		die_err(err, NULL, "bind the namespace on %s", pin);
	undo_umount(pin, "unmount %s", pin);
	nsfd = open(pin, O_RDONLY | O_CLOEXEC);
	if (nsfd == -1)
		die_sys("open %s", pin);
	return nsfd;
}

int
netns_open(const char *pin)
{
	return open(pin, O_RDONLY | O_CLOEXEC);
}

/* -d: the pin goes; the namespace with its last user. */
void
netns_remove(const char *pin)
{
	trace("unmount and remove %s", pin);
	if (umount2(pin, MNT_DETACH) == -1 && errno != EINVAL &&
	    errno != ENOENT)
		die_sys("unmount %s", pin);
	if (unlink(pin) == -1 && errno != ENOENT)
		die_sys("remove %s", pin);
}

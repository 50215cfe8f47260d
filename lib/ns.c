/*
 * The namespace types, in the order they are entered (user first), and
 * whether we are in the host's mount namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The fixed inodes of initial namespaces (linux/nsfs.h). */
#define PID_NS_INIT_INO 0xEFFFFFFCU
#define MNT_NS_INIT_INO 0xEFFFFFF8U	/* since Linux 6.18 */

const struct nstype nstypes[] = {
	{ "user", CLONE_NEWUSER, 'U' },
	{ "cgroup", CLONE_NEWCGROUP, 'C' },
	{ "ipc", CLONE_NEWIPC, 'i' },
	{ "uts", CLONE_NEWUTS, 'u' },
	{ "net", CLONE_NEWNET, 'n' },
	{ "pid", CLONE_NEWPID, 'p' },
	{ "mnt", CLONE_NEWNS, 'm' },
	{ "time", CLONE_NEWTIME, 'T' },
};
const size_t nstypes_len = LEN(nstypes);

const struct nstype *
nstype_byopt(int opt)
{
	size_t i;

	for (i = 0; i < LEN(nstypes); i++)
		if (nstypes[i].opt == opt)
			return &nstypes[i];
	return NULL;
}

void
ns_flags_str(int flags, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < LEN(nstypes) && len < size; i++)
		if (flags & nstypes[i].flag)
			len += snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", nstypes[i].name);
}

static int
has_id(const struct mountent *m, void *arg)
{
	return m->id == *(unsigned long long *)arg;
}

/* Whether the mountinfo at PATH has a line for the mount ID. */
static bool
mountinfo_has(const char *path, unsigned long long id)
{
	int fd;
	bool found;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		die_sys("open %s", path);
	found = mountinfo_read(fd, path, has_id, &id) != 0;
	close(fd);
	return found;
}

/*
 * Whether PID 1 of /proc lives in the mount namespace SELF. When PID 1
 * holds capabilities we lack, its ns files are closed to us (even to root
 * with a smaller bounding set); its mountinfo is not, and as a mount
 * belongs to one namespace and mount IDs are unique, PID 1 shares our
 * namespace exactly when it lists the mount our root is on.
 */
static bool
pid1_shares_mntns(const struct stat *self)
{
	struct statx root;
	struct stat init;

	if (stat("/proc/1/ns/mnt", &init) == 0)
		return init.st_ino == self->st_ino && init.st_dev == self->st_dev;
	if (errno != EACCES && errno != EPERM)
		die_err(errno, errno == ENOENT ? "PID 1 is hidden from us "
		    "(hidepid?): cannot tell the host's mount namespace" : NULL,
		    "stat /proc/1/ns/mnt");
	if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &root) == -1)
		die_sys("statx /");
	if (!(root.stx_mask & STATX_MNT_ID))
		die("statx /: no mount ID (%s needs Linux 5.8 or later)",
		    conch_tool);
	return mountinfo_has("/proc/1/mountinfo", root.stx_mnt_id);
}

/*
 * Whether /proc is the procfs of our own PID namespace, and that is not
 * the initial one: then its PID 1 is the init of our container.
 */
static bool
proc_is_containers(void)
{
	char status[4096], *nspid;
	struct stat ns;

	if (stat("/proc/self/ns/pid", &ns) == -1)
		die_sys("stat /proc/self/ns/pid");
	if (ns.st_ino == PID_NS_INIT_INO)
		return false;
	if (read_file("/proc/self/status", status, sizeof(status)) == -1)
		die_sys("read /proc/self/status");
	/* One PID in NSpid: this procfs belongs to our PID namespace. */
	nspid = strstr(status, "\nNSpid:\t");
	return nspid != NULL && strcspn(nspid + 8, "\t\n") ==
	    strcspn(nspid + 8, "\n");
}

/*
 * The host's mount namespace is that of PID 1 of the initial PID
 * namespace: since Linux 6.18 it has a fixed inode; before, it is that
 * of PID 1 of /proc, unless /proc is our container's own. Out of the
 * initial user namespace the answer is no: we hold no capability over
 * the host's mount namespace, and the kernel refuses any change to it.
 * *ino gets our mount namespace's inode when the answer is yes.
 */
bool
host_mntns(unsigned long *ino)
{
	char hint[128];
	struct stat self;

	if (stat("/proc/self/ns/user", &self) == -1) {
		snprintf(hint, sizeof(hint), "%s needs /proc to tell the "
		    "host's mount namespace from others", conch_tool);
		die_err(errno, hint, "stat /proc/self/ns/user");
	}
	if (self.st_ino != USER_NS_INIT_INO)
		return false;
	if (stat("/proc/self/ns/mnt", &self) == -1)
		die_sys("stat /proc/self/ns/mnt");
	*ino = self.st_ino;
	if (self.st_ino == MNT_NS_INIT_INO)
		return true;
	return pid1_shares_mntns(&self) && !proc_is_containers();
}

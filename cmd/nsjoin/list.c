/*
 * nsjoin -l: the target's namespaces, each with its owning user
 * namespace and its parent, as the NS_GET_USERNS and NS_GET_PARENT
 * ioctls give them ("discovering namespace relationships"); --tree
 * draws the chain of user namespaces down to the target's, each with
 * the target's namespaces it owns. A relation the kernel hides (its
 * namespace is outside ours: EPERM) or that a type does not have (only
 * user and pid namespaces have parents: EINVAL) prints as 0, as
 * lsns -o NS,TYPE,PNS,ONS does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "nsjoin.h"

#define MAX_DEPTH 33	/* user namespaces nest 32 deep */

/* The target's namespace i, opened (a PID target holds none open). */
static int
ns_open(const struct target *t, size_t i)
{
	char rel[16];
	int fd;

	if (t->ns[i].fd != -1)
		fd = fcntl(t->ns[i].fd, F_DUPFD_CLOEXEC, 0);
	else {
		snprintf(rel, sizeof(rel), "ns/%s", nstypes[i].name);
		fd = openat(t->procfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd == -1)
		die_sys("open %s", t->ns[i].path);
	return fd;
}

/*
 * The namespace an ioctl gives (owner, parent), as an open descriptor;
 * -1 where it is hidden or none. Other errors end nsjoin.
 */
static int
ns_related(int fd, unsigned long req, const char *path)
{
	int r = ioctl(fd, req);

	if (r == -1 && errno != EPERM && errno != EINVAL && errno != ENOTTY)
		die_sys("ioctl(%s, %s)", path, req == NS_GET_USERNS ?
		    "NS_GET_USERNS" : "NS_GET_PARENT");
	return r;
}

static unsigned long
ino_of(int fd)
{
	struct stat st;

	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1)
		die_sys("fstat");
	return (unsigned long)st.st_ino;
}

/* The inode of the related namespace, or 0. */
static unsigned long
related_ino(int fd, unsigned long req, const char *path)
{
	int r = ns_related(fd, req, path);
	unsigned long ino = ino_of(r);

	if (r != -1)
		close(r);
	return ino;
}

/* TYPE INODE same|different OWNER PARENT: one line each, for awk too. */
static void
print_list(const struct target *t, int select)
{
	size_t i;
	int fd;

	for (i = 0; i < nstypes_len; i++) {
		if (t->ns[i].err != 0 || (select && !(select &
		    nstypes[i].flag)))
			continue;
		fd = ns_open(t, i);
		printf("%s %lu %s %lu %lu\n", nstypes[i].name,
		    (unsigned long)t->ns[i].ino,
		    t->ns[i].same ? "same" : "different",
		    related_ino(fd, NS_GET_USERNS, t->ns[i].path),
		    related_ino(fd, NS_GET_PARENT, t->ns[i].path));
		close(fd);
	}
}

/* The user namespaces from the highest we may see down to the target's. */
static size_t
user_chain(const struct target *t, size_t user, unsigned long *chain)
{
	unsigned long up[MAX_DEPTH];
	size_t n = 0, i;
	int fd = ns_open(t, user), parent;

	for (;;) {
		up[n++] = ino_of(fd);
		parent = n < MAX_DEPTH ? ns_related(fd, NS_GET_PARENT,
		    t->ns[user].path) : -1;
		close(fd);
		if (parent == -1)
			break;
		fd = parent;
	}
	for (i = 0; i < n; i++)
		chain[i] = up[n - 1 - i];
	return n;
}

/*
 * user 4026531837 (initial)
 * ├─ net 4026531840
 * └─ user 4026532246
 *    └─ mnt 4026532247 ...
 */
static void
print_tree(const struct target *t, size_t user)
{
	unsigned long chain[MAX_DEPTH], owner[8];
	size_t n = user_chain(t, user, chain), i, k, last, indent;
	int fd;

	for (i = 0; i < nstypes_len; i++) {
		owner[i] = 0;
		if (i == user || t->ns[i].err != 0)
			continue;
		fd = ns_open(t, i);
		owner[i] = related_ino(fd, NS_GET_USERNS, t->ns[i].path);
		close(fd);
	}
	if (chain[0] != USER_NS_INIT_INO) {
		printf("(above: user namespaces hidden from here");
		for (k = 0, i = 0; i < nstypes_len; i++)
			if (i != user && t->ns[i].err == 0 && owner[i] == 0)
				printf("%s%s %lu", k++ ? ", " : ", owning ",
				    nstypes[i].name,
				    (unsigned long)t->ns[i].ino);
		printf(")\n");
	}
	for (k = 0; k < n; k++) {
		indent = 3 * k;
		if (k > 0)
			printf("%*s└─ ", (int)indent - 3, "");
		printf("user %lu%s%s\n", chain[k], chain[k] ==
		    USER_NS_INIT_INO ? " (initial)" : "", k == n - 1 ?
		    " (the target's)" : "");
		for (last = nstypes_len, i = 0; i < nstypes_len; i++)
			if (owner[i] == chain[k] && owner[i] != 0)
				last = i;
		for (i = 0; i < nstypes_len; i++)
			if (owner[i] == chain[k] && owner[i] != 0)
				printf("%*s%s %s %lu\n", (int)indent, "",
				    i == last && k == n - 1 ? "└─" : "├─",
				    nstypes[i].name,
				    (unsigned long)t->ns[i].ino);
	}
	for (i = 0; i < nstypes_len; i++)
		if (i != user && t->ns[i].err == 0 && owner[i] != 0) {
			for (k = 0; k < n && chain[k] != owner[i]; k++)
				;
			if (k == n)
				printf("%s %lu: owned by user %lu, not of this "
				    "chain\n", nstypes[i].name,
				    (unsigned long)t->ns[i].ino, owner[i]);
		}
}

noreturn void
list(const struct target *t, int select, bool tree)
{
	size_t user;

	for (user = 0; nstypes[user].flag != CLONE_NEWUSER; user++)
		;	/* nstypes[] has all eight */

	if (!tree)
		print_list(t, select);
	else if (t->ns[user].err != 0)
		die("--tree: %s: no user namespace to start from",
		    t->ns[user].path);
	else
		print_tree(t, user);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

/*
 * pivot and ID maps: --idmap shows NEWROOT and the --bind sources
 * through idmapped mounts, made by nsnew's mount helper (lib/idmount.c),
 * which holds the privilege a pivot inside the container lacks; and
 * where NEWROOT is out of reach of a mapped root, the message says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

/*
 * --idmap: idmapped mounts need CAP_SYS_ADMIN in the user namespace that
 * owns the file system (the host's, for a disk), which a pivot inside
 * the container does not have: nsnew as root leaves it a helper that
 * has. Without one, say what it takes.
 */
void
mount_helper_check(struct newroot *r)
{
	if (!r->idmap) {
		if (r->helper != -1)
			close(r->helper);	/* nsnew's helper exits */
		r->helper = -1;
		return;
	}
	if (r->helper == -1)
		die("--idmap %s: no mount helper from nsnew (idmapped mounts "
		    "need root in the parent user namespace: as root, run the "
		    "pivot beside nsnew as the PROG of nsnew -U -m --map "
		    "b:0:100000:65536, or --map-auto; rootless, unpack the image "
		    "shifted with mkrootfs --tar under nsnew -U --map-auto "
		    "instead)", r->name);
}

/* Done with the helper: it exits, before anything else runs. */
void
mount_helper_done(struct newroot *r)
{
	if (r->helper == -1)
		return;
	trace("close the mount helper");
	close(r->helper);
	r->helper = -1;
}

/*
 * NEWROOT and the --bind sources: a detached clone of the tree at host
 * path SRC (recursive), with ATTR; with --idmap, idmapped by the helper
 * first. -1 with errno on failure, or a message of the helper's.
 */
int
clone_shown(const struct newroot *r, int dirfd, const char *src,
    unsigned int flags, unsigned int attr, const char *name)
{
	struct mount_attr a = { .attr_set = attr };
	char what[PATH_MAX + 16];
	int fd, tree, err;

	if (!r->idmap)
		return clone_tree(dirfd, src, flags, true, attr);
	fd = src[0] == '\0' ? dirfd : openat(dirfd, src, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return -1;
	trace("idmap %s through nsnew's mount helper", name);
	snprintf(what, sizeof(what), "--idmap %s", name);
	tree = idmount_tree(r->helper, fd, what);
	if (fd != dirfd)
		close(fd);
	if (attr != 0 && mount_set(tree, true, &a) == -1) {
		err = errno;
		close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

/*
 * EACCES on the way to NEWROOT, in a user namespace: we are the
 * container's root, an unprivileged uid of the host, which a directory
 * of the host (a 0700 home or temporary directory) does not let through.
 */
const char *
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

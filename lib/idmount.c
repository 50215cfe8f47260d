/*
 * Idmapped mounts for pivot --idmap, made by nsnew's helper.
 *
 * An idmapped mount (mount_setattr MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN
 * in the user namespace that owns the file system (the initial one, for a
 * disk) and a detached mount. pivot runs inside the container's user
 * namespace and cannot make one. As crun and LXC do it in a privileged
 * parent, nsnew running as root keeps the helper it forked before unshare
 * (still in the parent namespaces) serving the pivot it runs.
 *
 * The protocol, on a SOCK_SEQPACKET socket pair (one message is one
 * request, one reply):
 *   pivot -> helper: struct idmount_req, with an O_PATH descriptor of the
 *     tree to show (SCM_RIGHTS);
 *   helper -> pivot: struct idmount_reply, and when its err is 0, the
 *     detached clone of that tree, idmapped (SCM_RIGHTS).
 * The helper clones in the container's mount namespace (open_tree()
 * clones only mounts of the caller's own) and idmaps to the user
 * namespace of the nsnew that made it, never to one the requester names.
 * pivot closes its end when done, and the helper exits at end of file.
 *
 * Whoever holds the socket can have any path it sees idmapped, the host's
 * /etc as well, and then write there as the container's root. So only the
 * pivot beside nsnew is given it, which takes it at once (close-on-exec,
 * the variable unset) and closes it before it runs anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"

enum { IDMOUNT_RECURSIVE = 1 };

struct idmount_req {
	uint32_t flags;		/* IDMOUNT_RECURSIVE: with the mounts below */
};

struct idmount_reply {
	int32_t err;		/* 0, or the errno of call */
	char call[16];		/* "open_tree", "mount_setattr", ... */
};

/* Sends BUF, and descriptor FD with it unless it is -1. */
static int
send_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (fd != -1) {
		memset(&c, 0, sizeof(c));
		msg.msg_control = c.buf;
		msg.msg_controllen = sizeof(c.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) == -1 && errno == EINTR)
		;
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * One message of exactly LEN bytes into BUF, and the one descriptor it
 * may carry into *FD (-1: none), close-on-exec. 1 for a message, 0 at
 * end of file, -1 on error: EPROTO for a message of another size or with
 * other descriptors (which are closed).
 */
static int
recv_fd(int sock, void *buf, size_t len, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} c;
	struct iovec iov = { buf, len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *cm;
	int fds[4];
	size_t i, nfd;
	bool bad;
	ssize_t n;

	*fd = -1;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n <= 0)
		return n;
	bad = (size_t)n != len || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
	    cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > LEN(fds))
			nfd = LEN(fds);
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (i = 0; i < nfd; i++) {
			if (*fd == -1) {
				*fd = fds[i];
			} else {
				close(fds[i]);
				bad = true;
			}
		}
	}
	if (!bad)
		return 1;
	if (*fd != -1)
		close(*fd);
	*fd = -1;
	errno = EPROTO;
	return -1;
}

/* --- the helper (nsnew) -------------------------------------------------- */

static void
reply(int sock, int err, const char *call, int tree)
{
	struct idmount_reply r = { .err = err };

	snprintf(r.call, sizeof(r.call), "%s", call);
	if (send_fd(sock, &r, sizeof(r), tree) == -1)
		_exit(0);	/* pivot is gone: so is our reason to be */
}

/* A detached clone of the tree at FD, idmapped to USERNS; -1, *CALL. */
static int
idmapped_clone(int fd, uint32_t flags, int userns, const char **call)
{
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = userns,
	};
	bool rec = flags & IDMOUNT_RECURSIVE;
	char path[PATH_MAX], link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n == -1 ? 0 : n] = '\0';
	trace("mount helper: idmap %s%s", path, rec ? " (recursive)" : "");
	return mount_tree(fd, "", AT_EMPTY_PATH, rec, &a, call);
}

/*
 * Serves pivot until it closes its end, in the mount namespace MNTNS,
 * idmapping to USERNS. Every failure is pivot's to report: it has the
 * paths, and the terminal.
 */
void
idmount_serve(int sock, int userns, int mntns)
{
	struct idmount_req req;
	const char *call;
	int fd, tree, r, err = 0;

	if (setns(mntns, CLONE_NEWNS) == -1)
		err = errno;
	close(mntns);
	while ((r = recv_fd(sock, &req, sizeof(req), &fd)) != 0) {
		if (r == -1 && errno != EPROTO)
			break;
		if (r == -1 || fd == -1) {
			reply(sock, EPROTO, "request", -1);
			continue;
		}
		if (err != 0) {
			reply(sock, err, "setns", -1);
			close(fd);
			continue;
		}
		tree = idmapped_clone(fd, req.flags, userns, &call);
		reply(sock, tree == -1 ? errno : 0, call, tree);
		close(fd);
		if (tree != -1)
			close(tree);
	}
	trace("mount helper: done");
	_exit(0);
}

/* --- its client (pivot) --------------------------------------------------- */

/*
 * The descriptor CONCH_IDMAP_FD names, made close-on-exec, when it is a
 * mount helper's socket; else -1. The variable is unset either way, so
 * that it reaches no program after us.
 */
int
idmount_take(void)
{
	const char *v = getenv(IDMOUNT_ENV);
	socklen_t len = sizeof(int);
	unsigned long fd;
	int type, domain;

	if (v == NULL)
		return -1;
	if (parse_ulong(v, INT_MAX, &fd) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == -1 ||
	    domain != AF_UNIX) {
		trace("%s=%s: not a mount helper's socket: ignored",
		    IDMOUNT_ENV, v);
		unsetenv(IDMOUNT_ENV);
		return -1;
	}
	unsetenv(IDMOUNT_ENV);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		die_sys("%s=%lu: set close-on-exec", IDMOUNT_ENV, fd);
	return fd;
}

/* One request: the detached, idmapped clone of FD, or -1 and R's err. */
static int
request(int sock, int fd, uint32_t flags, struct idmount_reply *r,
    const char *what)
{
	struct idmount_req req = { flags };
	int tree, n;

	if (send_fd(sock, &req, sizeof(req), fd) == -1)
		die_sys("%s: send to nsnew's mount helper", what);
	n = recv_fd(sock, r, sizeof(*r), &tree);
	if (n == 0)
		die("%s: nsnew's mount helper is gone", what);
	if (n == -1)
		die_sys("%s: read from nsnew's mount helper", what);
	r->call[sizeof(r->call) - 1] = '\0';
	if (r->err == 0 && tree == -1)
		die("%s: nsnew's mount helper sent no mount", what);
	if (r->err != 0 && tree != -1) {
		close(tree);
		tree = -1;
	}
	return tree;
}

/* The first mount of a tree that cannot be idmapped, from mountinfo. */
struct unidmappable {
	int sock;
	const char *what;
	unsigned long top;	/* the mount the tree's root is on */
	const char *dir;	/* the tree's root, absolute */
	char type[64];		/* the answers */
	char point[PATH_MAX];
};

static bool
strictly_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return strcmp(path, "/") != 0;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static int
find_top_type(const struct mountent *m, void *arg)
{
	struct unidmappable *u = arg;

	if (m->id != u->top)
		return 0;
	snprintf(u->type, sizeof(u->type), "%s", m->fstype);
	return 1;
}

static int
find_below(const struct mountent *m, void *arg)
{
	struct unidmappable *u = arg;
	struct idmount_reply r;
	int fd, tree;

	if (!strictly_below(m->point, u->dir))
		return 0;
	fd = open(m->point, O_PATH | O_CLOEXEC);
	if (fd == -1)
		return 0;
	tree = request(u->sock, fd, 0, &r, u->what);
	close(fd);
	if (tree != -1) {
		close(tree);
		return 0;
	}
	if (r.err != EINVAL || strcmp(r.call, "mount_setattr") != 0)
		return 0;
	snprintf(u->type, sizeof(u->type), "%s", m->fstype);
	snprintf(u->point, sizeof(u->point), "%s", m->point);
	return 1;
}

/*
 * mount_setattr() says EINVAL for a whole tree when one of its mounts is
 * of a file system that cannot be idmapped (no FS_ALLOW_IDMAP: proc,
 * sysfs, most fuse servers...). Ask for the tree's own mount alone, then
 * each mount below it, and name the first the kernel refuses.
 */
static noreturn void
explain_einval(int sock, int fd, const char *what)
{
	struct unidmappable u = { .sock = sock, .what = what, .type = "" };
	struct idmount_reply r;
	struct statx stx;
	char path[PATH_MAX], link[32];
	ssize_t n;
	int tree;

	tree = request(sock, fd, 0, &r, what);
	if (tree == -1 && r.err == EINVAL &&
	    strcmp(r.call, "mount_setattr") == 0) {
		if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0) {
			u.top = stx.stx_mnt_id;
			mountinfo_each(find_top_type, &u);
		}
		die("%s: %s cannot be idmapped (%s)", what, u.type[0] != '\0' ?
		    u.type : "its file system", strerror(EINVAL));
	}
	if (tree != -1)
		close(tree);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n != -1) {
		path[n] = '\0';
		u.dir = path;
		if (mountinfo_each(find_below, &u))
			die("%s: %s on %s cannot be idmapped (%s)", what,
			    u.type, u.point, strerror(EINVAL));
	}
	die_err(EINVAL, NULL, "%s: mount_setattr", what);
}

/*
 * The detached clone of the tree at FD (with the mounts below it),
 * idmapped to the container's user namespace by the helper on SOCK.
 * Dies with a message on failure; WHAT names the tree ("--idmap DIR").
 */
int
idmount_tree(int sock, int fd, const char *what)
{
	struct idmount_reply r;
	const char *hint = NULL;
	int tree;

	tree = request(sock, fd, IDMOUNT_RECURSIVE, &r, what);
	if (tree != -1)
		return tree;
	if (r.err == EINVAL && strcmp(r.call, "mount_setattr") == 0)
		explain_einval(sock, fd, what);
	if (r.err == EPERM && strcmp(r.call, "mount_setattr") == 0)
		hint = "idmapping needs root in the user namespace that owns "
		    "the file system (the host's, for a disk), and a mount "
		    "that is not idmapped yet";
	else if (r.err == EINVAL && strcmp(r.call, "open_tree") == 0)
		hint = "pivot must run in the mount namespace nsnew made";
	else if (r.err == ENOSYS)
		hint = "idmapped mounts need Linux 5.12 or later";
	die_err(r.err, hint, "%s: %s", what, r.call);
}

/*
 * cgmake creating: from the cgroup2 root down to CGROUP, the
 * controllers the settings need turned on in each level's
 * cgroup.subtree_control, the missing levels made; each change goes
 * into the undo log, so that a failure leaves the tree as it was. Then
 * the delegation to --owner, and the settings written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgmake.h"

/* A controller enabled at a level that existed: disabled by the undo. */
struct enabled {
	const struct cgroupfs *fs;
	char level[PATH_MAX];
	char cmd[40];		/* "-pids" */
};

static int
disable(const void *data)
{
	const struct enabled *e = data;
	int fd, r;

	fd = cgroup_open(e->fs, e->level);
	if (fd == -1)
		return -1;
	r = write_fileat(fd, "cgroup.subtree_control", e->cmd);
	close(fd);
	return r;
}

/* "a b c" holds word w? */
static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
	return 0;
}

struct v1_arg {
	const char *controller;
	char point[PATH_MAX];
};

static int
find_v1(const struct mountent *m, void *arg)
{
	struct v1_arg *a = arg;
	char opts[1024], *rest = opts, *o;

	if (strcmp(m->fstype, "cgroup") != 0)
		return 0;
	snprintf(opts, sizeof(opts), "%s", m->superopts);
	while ((o = strsep(&rest, ",")) != NULL)
		if (strcmp(o, a->controller) == 0) {
			snprintf(a->point, sizeof(a->point), "%s", m->point);
			return 1;
		}
	return 0;
}

/* Why `controller` cannot be enabled at `level`: where it is instead. */
static void
why_missing(const struct target *t, const char *controller,
    const char *level, char *hint, size_t size)
{
	struct v1_arg a = { .controller = controller };
	char path[PATH_MAX];

	if (mountinfo_each(find_v1, &a)) {
		snprintf(hint, size, "%s is bound to the cgroup v1 hierarchy "
		    "at %s", controller, a.point);
		return;
	}
	cgroup_path(&t->fs, level, path, sizeof(path));
	snprintf(hint, size, "%s is not in %s/cgroup.controllers: its parent "
	    "must enable it first", controller, path);
}

/* Returns 1 when it enabled the controller, 0 when it was on already. */
static int
enable(const struct target *t, int fd, const char *level,
    const char *controller)
{
	char path[PATH_MAX], cur[1024], cmd[40], hint[PATH_MAX + 256];
	const char *h = NULL;
	int err;

	if (read_fileat(fd, "cgroup.subtree_control", cur, sizeof(cur)) == -1) {
		cgroup_path(&t->fs, level, path, sizeof(path));
		die_sys("read %s/cgroup.subtree_control", path);
	}
	if (has_word(cur, controller))
		return 0;
	cgroup_path(&t->fs, level, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "+%s", controller);
	trace("write %s to %s/cgroup.subtree_control", cmd, path);
	if (write_fileat(fd, "cgroup.subtree_control", cmd) == 0)
		return 1;
	err = errno;
	switch (err) {
	case ENOENT:
		why_missing(t, controller, level, hint, sizeof(hint));
		h = hint;
		break;
	case EINVAL:
		snprintf(hint, sizeof(hint), "this kernel has no %s controller",
		    controller);
		h = hint;
		break;
	case EBUSY:
		h = busy_hint(fd, hint, sizeof(hint));
		break;
	case EOPNOTSUPP:
		snprintf(hint, sizeof(hint), "%s is in a threaded subtree and "
		    "%s is not a threaded controller", path, controller);
		h = hint;
		break;
	case EACCES:
	case EPERM:
		h = "no write access: run as root, or ask the owner of this "
		    "delegated subtree to enable it";
		break;
	}
	die_err(err, h, "enable %s in %s/cgroup.subtree_control", controller,
	    path);
}

static void
enable_all(const struct target *t, int fd, const char *level,
    bool existed, controller *ctrl, size_t n)
{
	struct enabled e = { .fs = &t->fs };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		if (!enable(t, fd, level, ctrl[i]) || !existed)
			continue;
		snprintf(e.level, sizeof(e.level), "%s", level);
		snprintf(e.cmd, sizeof(e.cmd), "-%s", ctrl[i]);
		cgroup_path(&t->fs, level, path, sizeof(path));
		undo_push(disable, &e, sizeof(e), "write %s to "
		    "%s/cgroup.subtree_control", e.cmd, path);
	}
}

static const char *
mkdir_hint(int err, const char *parent)
{
	static char hint[PATH_MAX + 128];

	switch (err) {
	case EACCES:
	case EPERM:
		snprintf(hint, sizeof(hint), "no write access to %s: run as "
		    "root, or below a cgroup delegated to you (cgmake --owner)",
		    parent);
		return hint;
	case EAGAIN:
		return "an ancestor's cgroup.max.depth or "
		    "cgroup.max.descendants is reached";
	case EINVAL:
		return "not a valid cgroup name";
	}
	return NULL;
}

/* The O_PATH of LEVEL, made (mode 0755) if it was missing. */
static int
make_level(const struct target *t, int parent, const char *level,
    const char *name, bool *existed)
{
	char path[PATH_MAX], ppath[PATH_MAX];
	int fd;

	*existed = true;
	fd = cgroup_open(&t->fs, level);
	if (fd != -1 || errno != ENOENT)
		goto opened;
	cgroup_path(&t->fs, level, path, sizeof(path));
	trace("mkdir %s", path);
	if (mkdirat(parent, name, 0755) == -1) {
		if (errno != EEXIST) {
			snprintf(ppath, sizeof(ppath), "%.*s",
			    (int)(strlen(path) - strlen(name) - 1), path);
			die_err(errno, mkdir_hint(errno, ppath), "create %s",
			    path);
		}
	} else {
		undo_unlink(t->fs.fd, level, true, "remove %s", path);
		*existed = false;
		/* Whatever the umask: the tree stays readable, as systemd's. */
		if (fchmodat(parent, name, 0755, 0) == -1)
			die_sys("chmod %s", path);
	}
	fd = cgroup_open(&t->fs, level);
opened:
	if (fd == -1) {
		cgroup_path(&t->fs, level, path, sizeof(path));
		die_sys("open %s", path);
	}
	return fd;
}

/* Walks from the root to REL: enable at each level, make the next. */
static int
make_tree(const struct target *t, controller *ctrl, size_t nctrl)
{
	char level[PATH_MAX], name[NAME_MAX + 1];
	const char *rel = t->rel, *p = rel, *end;
	int fd, parent;
	bool existed = true;
	size_t n;

	level[0] = '\0';
	fd = cgroup_xopen(&t->fs, "");
	while (*p != '\0') {
		enable_all(t, fd, level, existed, ctrl, nctrl);
		end = strchrnul(p, '/');
		n = end - p;
		if (n >= sizeof(name))
			die("%s: name too long", rel);
		memcpy(name, p, n);
		name[n] = '\0';
		snprintf(level, sizeof(level), "%.*s", (int)(end - rel), rel);
		parent = fd;
		fd = make_level(t, parent, level, name, &existed);
		close(parent);
		p = *end != '\0' ? end + 1 : end;
	}
	return fd;
}

/*
 * As systemd delegates: the directory (to make children) and the files
 * the kernel lists in /sys/kernel/cgroup/delegate (cgroup.procs,
 * cgroup.threads, cgroup.subtree_control...) change owner; the limits
 * set from above stay root's.
 */
static void
delegate(int fd, const char *path, const struct owner *o)
{
	char list[1024] =
	    "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
	char *rest = list, *name;

	trace("chown %s to %lu:%ld", path, (unsigned long)o->uid,
	    o->gid == (gid_t)-1 ? -1L : (long)o->gid);
	if (fchownat(fd, "", o->uid, o->gid, AT_EMPTY_PATH) == -1)
		die_sys("--owner %s: chown %s", o->arg, path);
	if (read_file("/sys/kernel/cgroup/delegate", list, sizeof(list)) == -1)
		trace("no /sys/kernel/cgroup/delegate (Linux < 4.15): "
		    "cgroup.procs, cgroup.threads, cgroup.subtree_control");
	while ((name = strsep(&rest, "\n")) != NULL) {
		if (*name == '\0')
			continue;
		/* memory.reclaim & co. are there only with their controller. */
		if (fchownat(fd, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) ==
		    -1 && errno != ENOENT)
			die_sys("--owner %s: chown %s/%s", o->arg, path, name);
	}
}

static const char *
write_hint(int err, int fd, const struct setting *s, char *hint, size_t size)
{
	char sub[256] = "";

	switch (err) {
	case ENOENT:
		return "this cgroup has no such interface file";
	case EACCES:
	case EPERM:
		return "no write access: run as root (limits of a delegated "
		    "cgroup are set from above)";
	case EBUSY:
		if (strcmp(s->file, "cgroup.subtree_control") == 0)
			return busy_hint(fd, hint, size);
		if (strcmp(s->file, "cgroup.procs") == 0) {
			read_fileat(fd, "cgroup.subtree_control", sub,
			    sizeof(sub));
			sub[strcspn(sub, "\n")] = '\0';
			snprintf(hint, size, "it enables controllers for its "
			    "children (%s): processes belong in a child cgroup",
			    sub);
			return hint;
		}
		return NULL;
	case EOPNOTSUPP:
		return "not allowed in a threaded cgroup";
	}
	return NULL;
}

static void
write_setting(const struct target *t, int fd, const struct setting *s,
    int timeout_ms)
{
	char hint[512], abs[PATH_MAX];
	const char *what = NULL;
	int err;

	if (devices_file(s->file))
		return;	/* one program for them all, after the files */
	if ((strcmp(s->file, "cgroup.kill") == 0 ||
	    (strcmp(s->file, "cgroup.freeze") == 0 &&
	    strcmp(s->value, "0") != 0)) &&
	    holds_self(t, t->rel, abs, sizeof(abs)))
		die("%s: %s holds this process (in %s)", s->arg, t->path, abs);
	trace("write %s/%s: %s", t->path, s->file, s->value);
	if (write_fileat(fd, s->file, s->value) == -1) {
		err = errno;
		die_err(err, write_hint(err, fd, s, hint, sizeof(hint)),
		    "write %s in %s", s->arg, t->path);
	}
	/* A freeze or a kill is done when cgroup.events says so. */
	if (strcmp(s->file, "cgroup.freeze") == 0)
		what = strcmp(s->value, "0") == 0 ? "0" : "1";
	if (what != NULL && wait_events(fd, "frozen", what, timeout_ms) == -1)
		die_sys("%s: wait for %s to be %sfrozen", s->arg, t->path,
		    *what == '0' ? "un" : "");
	if (strcmp(s->file, "cgroup.kill") == 0 &&
	    wait_events(fd, "populated", "0", timeout_ms) == -1)
		die_sys("%s: wait for %s to be empty", s->arg, t->path);
}

/* The tree, the delegation, the settings: kept once all is done. */
void
create(const struct target *t, const struct opts *o, controller *ctrl,
    size_t nctrl)
{
	size_t i;
	int fd;

	fd = make_tree(t, ctrl, nctrl);
	if (o->owner.arg != NULL)
		delegate(fd, t->path, &o->owner);
	for (i = 0; i < o->nsettings; i++)
		write_setting(t, fd, &o->settings[i], o->timeout_ms);
	if (o->devices->any)
		devices_attach(o->devices, fd, t->path);
	close(fd);
	undo_commit();
}

/*
 * mounts, maskedPaths and readonlyPaths, as pivot(1) options.
 *
 * pivot makes a container's standard mounts itself: /proc, a read-only
 * /sys (with the container's cgroup2 in a cgroup namespace), a tmpfs
 * /dev with its nodes, a devpts and a shm, a tmpfs /tmp. The config's
 * mounts of those are matched to them, with the options pivot applies
 * (or fewer: pivot may be stricter); the others become --bind, --ro-bind
 * and --tmpfs. A type or an option that pivot cannot give is a 125
 * error naming the mount, save the atime options, which change nothing
 * a container can reach (pivot's mounts are relatime).
 *
 * Every destination is resolved in the root before anything is made:
 * one that leads out of it through a symbolic link is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

enum { M_PROC = 1, M_SYS = 2, M_DEV = 4, M_PTS = 8, M_SHM = 16, M_TMP = 32,
	M_CGROUP = 64, M_MQUEUE = 128 };

static const struct stdmount {
	const char *dst, *type;
	int bit;
	const char *options;	/* what pivot's own mount has */
} stdmounts[] = {
	{ "/proc", "proc", M_PROC, "nosuid,nodev,noexec,rw" },
	{ "/sys", "sysfs", M_SYS, "nosuid,nodev,noexec,ro" },
	{ "/dev", "tmpfs", M_DEV, "nosuid,nodev,noexec,mode=755,mode=0755,"
	    "size=65536k,rw" },
	{ "/dev/pts", "devpts", M_PTS, "nosuid,noexec,newinstance,"
	    "ptmxmode=0666,mode=620,mode=0620,gid=5,rw" },
	{ "/dev/shm", "tmpfs", M_SHM, "nosuid,nodev,noexec,mode=1777,rw" },
	{ "/tmp", "tmpfs", M_TMP, "nosuid,nodev,mode=1777,mode=01777,rw,"
	    "private,rprivate,tmpcopyup" },
	{ "/sys/fs/cgroup", "cgroup", M_CGROUP, "nosuid,nodev,noexec,ro,"
	    "private,rprivate" },
	{ "/sys/fs/cgroup", "cgroup2", M_CGROUP, "nosuid,nodev,noexec,ro,"
	    "private,rprivate" },
	{ "/dev/mqueue", "mqueue", M_MQUEUE, "nosuid,nodev,noexec,rw" },
};

static const char atime_opts[] = ",atime,noatime,diratime,nodiratime,"
    "relatime,norelatime,strictatime,nostrictatime,";

static const char *const default_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap", NULL,
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	"/proc/sysrq-trigger", NULL,
};

/* Whether OPT is a word of the comma list LIST. */
static bool
in_opts(const char *list, const char *opt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = list; (p = strstr(p, opt)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* What options_check takes beyond its list: any mode=OCTAL, size=N[kmg]. */
enum { ANY_MODE = 1, ANY_SIZE = 2 };

/*
 * size=N[kmg], as a tmpfs takes it and pivot gives (no t: pivot's SIZE
 * has none); N in bytes to *BYTES, by lib's parse_size.
 */
static bool
size_option(const char *opt, unsigned long long *bytes)
{
	size_t n;

	if (strncmp(opt, "size=", 5) != 0)
		return false;
	n = strspn(opt + 5, "0123456789");
	return n > 0 && n <= 18 && (opt[5 + n] == '\0' ||
	    strchr("kKmMgG", opt[5 + n]) != NULL) &&
	    parse_size(opt + 5, bytes) == 0;
}

static bool
mode_option(const char *opt)
{
	return strncmp(opt, "mode=", 5) == 0 && opt[5] != '\0' &&
	    strlen(opt + 5) <= 5 && opt[5 + strspn(opt + 5, "01234567")] == '\0';
}

/* Every option of mounts[i] must be in ALLOWED, an atime one or ANY_. */
static void
options_check(json_t *m, const struct jpath *p, const char *allowed,
    int any, const char *what)
{
	struct jpath o = { p, "options", 0 }, e = { &o, NULL, 0 };
	json_t *opts = jget(m, "options", p, &o, JSON_ARRAY), *v;
	unsigned long long bytes;
	const char *w;
	char word[128];
	size_t i;

	json_array_foreach(opts, i, v) {
		e.index = i;
		if (!json_is_string(v))
			die_field(&e, "expected a string");
		w = json_string_value(v);
		snprintf(word, sizeof(word), ",%s,", w);
		if (in_opts(allowed, w) || strstr(atime_opts, word) != NULL ||
		    ((any & ANY_MODE) && mode_option(w)) ||
		    ((any & ANY_SIZE) && size_option(w, &bytes)))
			continue;
		die_field(&e, "'%s': pivot cannot give %s this option", w,
		    what);
	}
}

/*
 * DST resolved in the root as far as it exists: a symbolic link on the
 * way that leads out of it (absolute, or .. above it) is an error.
 */
static void
dest_check(int rootfd, const char *dst, const struct jpath *p)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	char path[PATH_MAX], *slash;
	int fd;

	snprintf(path, sizeof(path), ".%s", dst);
	for (;;) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0) {
			close(fd);
			return;
		}
		if (errno == EXDEV || errno == ELOOP)
			die_field(p, "%s: a symbolic link on the way leads out "
			    "of the root", dst);
		if (errno != ENOENT && errno != ENOTDIR)
			die_field(p, "%s: %s", dst, strerror(errno));
		slash = strrchr(path, '/');
		if (slash == NULL || slash == path + 1)
			return;	/* pivot makes the rest */
		*slash = '\0';
	}
}

struct mountinfo_arg {
	const char *dir;
	size_t len;
	bool below;
};

static int
mount_below(const struct mountent *m, void *arg)
{
	struct mountinfo_arg *a = arg;

	if (strncmp(m->point, a->dir, a->len) == 0 && m->point[a->len] == '/')
		a->below = true;
	return a->below;
}

static void
bind_read(json_t *m, const struct jpath *p, const char *dst, struct chain *c)
{
	struct jpath s = { p, "source", 0 };
	char path[2 * PATH_MAX], src[PATH_MAX];
	const char *source = jstr(m, "source", p);
	struct jpath o = { p, "options", 0 };
	struct mountinfo_arg below;
	json_t *opts = jget(m, "options", p, &o, JSON_ARRAY);
	bool ro = false, rec = false;
	char flags[32] = "";
	const char *w;
	size_t i;
	json_t *v;

	options_check(m, p, "bind,rbind,ro,rw,private,rprivate,nosuid,nodev,"
	    "noexec", 0, "a bind");
	json_array_foreach(opts, i, v) {
		w = json_string_value(v);
		ro = strcmp(w, "ro") == 0 ? true : strcmp(w, "rw") == 0 ? false :
		    ro;
		rec |= strcmp(w, "rbind") == 0;
		/* pivot's SRC:DST:FLAGS */
		if (in_opts("nosuid,nodev,noexec", w) && !in_opts(flags, w))
			snprintf(flags + strlen(flags), sizeof(flags) -
			    strlen(flags), ",%s", w);
	}
	if (strchr(dst, ':') != NULL)
		die_field(p, "%s: pivot takes SRC:DST, and DST may not hold a "
		    "colon", dst);
	if (source == NULL || source[0] == '\0')
		die_field(&s, "missing");
	snprintf(path, sizeof(path), "%s%s%s", source[0] == '/' ? "" :
	    c->bundle, source[0] == '/' ? "" : "/", source);
	if (realpath(path, src) == NULL)
		die_field(&s, "%s: %s", path, strerror(errno));
	if (strchr(src, ':') != NULL)
		die_field(&s, "%s: pivot takes SRC:DST, and SRC may not hold "
		    "a colon", src);
	below = (struct mountinfo_arg){ src, strlen(src), false };
	if (!rec && strcmp(src, "/") != 0 &&
	    mountinfo_each(mount_below, &below) != 0)
		die_field(p, "a bind of %s without rbind, which has mounts "
		    "below it: pivot binds recursively", src);
	strv_addf(&c->pivot, "--%s=%s:%s%s%s", ro ? "ro-bind" : "bind", src,
	    dst, flags[0] != '\0' ? ":" : "", flags + (flags[0] != '\0'));
}

/* A mount pivot makes itself: which one, or NULL. */
static const struct stdmount *
std_of(const char *dst, const char *type)
{
	size_t i;

	for (i = 0; i < LEN(stdmounts); i++)
		if (strcmp(stdmounts[i].dst, dst) == 0 &&
		    strcmp(stdmounts[i].type, type) == 0)
			return &stdmounts[i];
	return NULL;
}

static bool
is_bind(json_t *m, const char *type)
{
	json_t *opts = json_object_get(m, "options"), *v;
	size_t i;

	if (strcmp(type, "bind") == 0)
		return true;
	json_array_foreach(opts, i, v)
		if (json_is_string(v) &&
		    (strcmp(json_string_value(v), "bind") == 0 ||
		    strcmp(json_string_value(v), "rbind") == 0))
			return true;
	return false;
}

/* Whether the mount's options hold OPT. */
static bool
has_option(json_t *m, const char *opt)
{
	json_t *opts = json_object_get(m, "options"), *v;
	size_t i;

	json_array_foreach(opts, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), opt) == 0)
			return true;
	return false;
}

/*
 * A tmpfs of the config's: mode=MODE, else the kernel's 1777, size=SIZE
 * and noexec (or exec), as pivot's --tmpfs DST:MODE:SIZE:noexec. With
 * tmpcopyup (runc's and crun's), pivot's --tmpfs-copyup, which copies
 * the image's files at DST in; without mode=, its root keeps the mode of
 * the directory it covers, as runc's does.
 */
static void
tmpfs_read(json_t *m, const struct jpath *p, const char *dst,
    struct chain *c)
{
	json_t *opts = json_object_get(m, "options"), *v;
	bool copyup = has_option(m, "tmpcopyup");
	const char *mode = copyup ? "" : "1777", *size = "", *w;
	bool noexec = false;
	char arg[PATH_MAX + 64];
	size_t i, n;

	options_check(m, p, "nosuid,nodev,noexec,exec,rw,private,rprivate,"
	    "tmpcopyup", ANY_MODE | ANY_SIZE, "a tmpfs");
	json_array_foreach(opts, i, v) {
		w = json_string_value(v);
		/* the last of the two, as mount(8) takes them */
		noexec = strcmp(w, "noexec") == 0 ? true :
		    strcmp(w, "exec") == 0 ? false : noexec;
		if (strncmp(w, "mode=", 5) == 0)
			mode = w + 5;
		if (strncmp(w, "size=", 5) == 0)
			size = w + 5;
	}
	if (strchr(dst, ':') != NULL)
		die_field(p, "%s: pivot takes DST:MODE, and DST may not hold a "
		    "colon", dst);
	/* DST:MODE:SIZE:FLAGS, the empty fields at its end left out */
	snprintf(arg, sizeof(arg), "%s:%s:%s:%s", dst, mode, size,
	    noexec ? "noexec" : "");
	for (n = strlen(arg); arg[n - 1] == ':'; n--)
		arg[n - 1] = '\0';
	strv_addf(&c->pivot, "--tmpfs%s=%s", copyup ? "-copyup" : "", arg);
}

/*
 * /dev/shm, which pivot makes: with mode 1777, as every runtime's, and a
 * size of the config's (docker's --shm-size) when not pivot's 64 MiB.
 */
static void
shm_read(json_t *m, struct chain *c)
{
	json_t *opts = json_object_get(m, "options"), *v;
	unsigned long long bytes;
	size_t i;

	json_array_foreach(opts, i, v)
		if (size_option(json_string_value(v), &bytes) &&
		    bytes != 64ULL << 20)
			strv_addf(&c->pivot, "--shm-size=%s",
			    json_string_value(v) + 5);
}

/* mounts[i]: which standard mount it is (its bit), or 0 once handled. */
static int
mount_read(json_t *m, const struct jpath *p, int rootfd, int seen,
    struct chain *c)
{
	static const char *const handled[] = { "destination", "type",
		"source", "options", NULL };
	static const char *const unsupported[] = { "uidMappings",
		"gidMappings", NULL };
	struct jpath d = { p, "destination", 0 };
	const char *dst = jstr(m, "destination", p);
	const char *type = jstr(m, "type", p);
	const struct stdmount *sm;
	char what[PATH_MAX + 32];

	if (!json_is_object(m))
		die_field(p, "expected an object");
	jknown(m, p, handled, unsupported);
	if (dst == NULL)
		die_field(&d, "missing");
	if (dst[0] != '/')
		die_field(&d, "%s: not an absolute path", dst);
	if (strstr(dst, "/..") != NULL || strstr(dst, "//") != NULL ||
	    (strlen(dst) > 1 && dst[strlen(dst) - 1] == '/'))
		die_field(&d, "%s: not a clean path", dst);
	if (type == NULL)
		type = "";
	/* pivot's own /tmp is empty: one to copy into is the config's. */
	if (!is_bind(m, type) && (sm = std_of(dst, type)) != NULL &&
	    !(sm->bit == M_TMP && has_option(m, "tmpcopyup"))) {
		if (seen & sm->bit)
			die_field(&d, "%s mounted twice", dst);
		snprintf(what, sizeof(what), "%s on %s", type, dst);
		options_check(m, p, sm->options,
		    sm->bit == M_SHM ? ANY_SIZE : 0, what);
		if (sm->bit == M_SHM)
			shm_read(m, c);
		return sm->bit;
	}
	dest_check(rootfd, dst, &d);
	if (is_bind(m, type))
		bind_read(m, p, dst, c);
	else if (strcmp(type, "tmpfs") == 0)
		tmpfs_read(m, p, dst, c);
	else
		die_field(p, "%s on %s: pivot cannot mount this type",
		    type[0] != '\0' ? type : "no type", dst);
	return 0;
}

/*
 * A cgroup mount without a cgroup namespace (podman's under
 * --cgroups=disabled): the container gets one of its own, so that
 * /sys/fs/cgroup shows its own cgroup and nothing above it, never more
 * of the host than asked; one joined by path is the caller's choice.
 */
static void
cgroupns_add(struct chain *c, const struct jpath *p)
{
	size_t i;

	for (i = 0; i < c->nsjoin.n; i++)
		if (strncmp(c->nsjoin.v[i], "--cgroupns=", 11) == 0)
			die_field(p, "a cgroup mount in a cgroup namespace "
			    "joined by path: pivot mounts the container's own "
			    "cgroup2 there");
	trace("mounts: a cgroup mount: the container gets a cgroup "
	    "namespace of its own");
	c->nsflags |= CLONE_NEWCGROUP;
	for (i = 0; i < c->nsnew.n; i++)
		if (c->nsnew.v[i][0] == '-' && c->nsnew.v[i][1] != '-') {
			strv_addf(&c->nsnew, "%sC", c->nsnew.v[i]);
			free(c->nsnew.v[i]);
			c->nsnew.v[i] = c->nsnew.v[--c->nsnew.n];
			c->nsnew.v[c->nsnew.n] = NULL;
			return;
		}
	strv_add(&c->nsnew, "-C");
}

static void
std_options(int have, const struct chain *c, struct chain *out)
{
	struct jpath p = { NULL, "mounts", 0 };

	if (!(have & M_PROC))
		die_field(&p, "no proc on /proc: conch runs the steps after "
		    "pivot through /proc/self/fd");
	if ((have & (M_PTS | M_SHM | M_MQUEUE)) && !(have & M_DEV))
		die_field(&p, "/dev/pts, /dev/shm or /dev/mqueue without a "
		    "tmpfs on /dev: pivot makes them in its own /dev");
	if ((have & M_CGROUP) && !(have & M_SYS))
		die_field(&p, "a cgroup mount needs sysfs on /sys: pivot "
		    "mounts the container's cgroup2 there");
	if ((have & M_CGROUP) && !(c->nsflags & CLONE_NEWCGROUP))
		cgroupns_add(out, &p);
	if (have & M_MQUEUE)
		strv_add(&out->pivot, "--mqueue");
	if (!(have & M_SYS))
		strv_add(&out->pivot, "--no-sys");
	if (!(have & M_DEV))
		strv_add(&out->pivot, "--no-dev");
	if (!(have & M_TMP))
		strv_add(&out->pivot, "--no-tmp");
}

/* The strings of ARR, which must be absolute paths, as a NULL-ended list. */
static const char **
path_list(json_t *arr, const struct jpath *p)
{
	struct jpath e = { p, NULL, 0 };
	const char **list = xcalloc(json_array_size(arr) + 1, sizeof(*list));
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		e.index = i;
		if (!json_is_string(v) || json_string_value(v)[0] != '/')
			die_field(&e, "expected an absolute path");
		list[i] = json_string_value(v);
	}
	return list;
}

static bool
same_set(const char **a, const char *const *b)
{
	size_t na = 0, nb = 0, i, j;

	while (a[na] != NULL)
		na++;
	while (b[nb] != NULL)
		nb++;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]) != 0; j++)
			;
		if (j == nb)
			return false;
	}
	return na == nb;
}

/*
 * A path that is not there is skipped, as runc skips it: in /proc and
 * /sys, where the container sees this kernel's, on the host; elsewhere
 * in the root. pivot refuses a missing path given to it.
 */
static bool
path_exists(int rootfd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_IN_ROOT };
	char rel[PATH_MAX];
	int fd;

	if (strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/sys/", 5) == 0)
		return access(path, F_OK) == 0 || errno != ENOENT;
	snprintf(rel, sizeof(rel), ".%s", path);
	fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOENT;
}

static void
masks_read(json_t *lx, int rootfd, struct chain *c)
{
	struct jpath pl = { NULL, "linux", 0 }, pm, pr;
	json_t *m = jget(lx, "maskedPaths", &pl, &pm, JSON_ARRAY);
	json_t *r = jget(lx, "readonlyPaths", &pl, &pr, JSON_ARRAY);
	const char **masked = path_list(m, &pm), **ro = path_list(r, &pr);
	size_t i;

	if (!same_set(masked, default_masked) ||
	    !same_set(ro, default_readonly)) {
		strv_add(&c->pivot, "--unmask=all");
		for (i = 0; ro[i] != NULL; i++)
			if (path_exists(rootfd, ro[i]))
				strv_addf(&c->pivot, "--ro-path=%s", ro[i]);
		for (i = 0; masked[i] != NULL; i++)
			if (path_exists(rootfd, masked[i]))
				strv_addf(&c->pivot, "--mask=%s", masked[i]);
	}
	free(masked);
	free(ro);
}

void
mounts_read(json_t *config, struct chain *c)
{
	struct jpath p = { NULL, "mounts", 0 }, e = { &p, NULL, 0 };
	json_t *arr = jget(config, "mounts", NULL, &p, JSON_ARRAY), *m;
	int rootfd, have = 0, bit;
	size_t i;

	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd == -1)
		die_sys("open %s", c->rootfs);
	json_array_foreach(arr, i, m) {
		e.index = i;
		bit = mount_read(m, &e, rootfd, have, c);
		have |= bit;
	}
	std_options(have, c, c);
	masks_read(json_object_get(config, "linux"), rootfd, c);
	close(rootfd);
}

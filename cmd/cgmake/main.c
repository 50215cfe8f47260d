/*
 * cgmake: create, configure, show or remove a cgroup (v2).
 *
 * Creating walks from the cgroup2 root down to CGROUP: at each level it
 * turns on in cgroup.subtree_control the controllers the FILEs need,
 * then makes the next level if it is missing. If anything fails, what
 * this call made is undone (an atexit handler, so every die() undoes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conch.h"
#include "devices.h"

static const char usage[] =
"Usage: cgmake [OPTION]... CGROUP [FILE=VALUE]... [-- PROG [ARG]...]\n"
"       cgmake -s [OPTION]... CGROUP [-- PROG [ARG]...]\n"
"       cgmake -d [OPTION]... CGROUP [-- PROG [ARG]...]\n"
"Create the cgroup v2 CGROUP and its missing parents, enable in every\n"
"ancestor the controllers its FILEs need, write each FILE=VALUE in order,\n"
"then run PROG (outside CGROUP: cgput moves), or exit.\n"
"\n"
"  -s, --show               print CGROUP's state as FILE=VALUE lines\n"
"  -d, --delete             kill everything in CGROUP and below, remove it\n"
"  -o, --owner USER[:GROUP] delegate CGROUP to USER: chown it and its\n"
"                           cgroup.procs, cgroup.threads, cgroup.subtree_control\n"
"      --root DIR           the cgroup2 root (default: from mountinfo)\n"
"  -t, --timeout SECONDS    how long to wait for a kill or a freeze (10)\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n"
"\n"
"CGROUP is absolute from the cgroup2 root (/box), or relative to this\n"
"process's own cgroup (box). VALUE: sizes with K, M, G or T (1024-based),\n"
"max; cpu.max=PERCENT% of one CPU. devices.allow and devices.deny take\n"
"cgroup v1's lines ('c 1:3 rwm', 'a'), made into one BPF device program:\n"
"the last rule that matches decides; 'a' alone sets the default.\n";

enum mode { CREATE, SHOW, DELETE };

struct setting {
	const char *arg;	/* FILE=VALUE as given */
	char file[NAME_MAX + 1];
	char value[4096];	/* as written to the kernel */
};

static struct cgroupfs fs;
static int timeout_ms = 10000;

/* What this call changed, undone by undo() unless `done` is set. */
static char *created[256];
static size_t ncreated;
static struct {
	char *level;		/* a cgroup that existed before */
	char controller[32];
} enabled[64];
static size_t nenabled;
static int done;

static void
undo(void)
{
	char path[PATH_MAX], cmd[40];
	int fd;

	if (done)
		return;
	done = 1;
	while (ncreated > 0) {
		ncreated--;
		cgroup_path(&fs, created[ncreated], path, sizeof(path));
		trace("undo: remove %s", path);
		if (unlinkat(fs.fd, created[ncreated], AT_REMOVEDIR) == -1)
			warn_err(errno, NULL, "undo: remove %s", path);
	}
	while (nenabled > 0) {
		nenabled--;
		cgroup_path(&fs, enabled[nenabled].level, path, sizeof(path));
		snprintf(cmd, sizeof(cmd), "-%s", enabled[nenabled].controller);
		trace("undo: write %s to %s/cgroup.subtree_control", cmd, path);
		fd = cgroup_open(&fs, enabled[nenabled].level);
		if (fd == -1 ||
		    write_fileat(fd, "cgroup.subtree_control", cmd) == -1)
			warn_err(errno, NULL, "undo: write %s to "
			    "%s/cgroup.subtree_control", cmd, path);
		if (fd != -1)
			close(fd);
	}
}

/* --- values ----------------------------------------------------------- */

enum kind { VERBATIM, SIZE, COUNT, CPU_MAX, KEY_SIZES };

static const struct {
	const char *pattern;
	enum kind kind;
} value_kinds[] = {
	{ "memory.max", SIZE }, { "memory.high", SIZE },
	{ "memory.low", SIZE }, { "memory.min", SIZE },
	{ "memory.swap.max", SIZE }, { "memory.swap.high", SIZE },
	{ "memory.zswap.max", SIZE }, { "memory.reclaim", SIZE },
	{ "hugetlb.*.max", SIZE },
	{ "pids.max", COUNT },
	{ "cgroup.max.depth", COUNT }, { "cgroup.max.descendants", COUNT },
	{ "cpu.max", CPU_MAX },
	{ "io.max", KEY_SIZES },
};

static enum kind
kind_of(const char *file)
{
	size_t i;

	for (i = 0; i < LEN(value_kinds); i++)
		if (fnmatch(value_kinds[i].pattern, file, 0) == 0)
			return value_kinds[i].kind;
	return VERBATIM;
}

static int
size_value(const char *v, char *out, size_t size)
{
	unsigned long long n;

	if (strcmp(v, "max") == 0)
		return (size_t)snprintf(out, size, "max") < size ? 0 : -1;
	if (parse_size(v, &n) == -1)
		return -1;
	return (size_t)snprintf(out, size, "%llu", n) < size ? 0 : -1;
}

/* "50%" of one CPU: the quota for the kernel's default 100 ms period. */
static int
percent_quota(const char *v, unsigned long long *quota)
{
	unsigned long long whole = 0, milli = 0;
	const char *p = v;
	int digits = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			milli = milli * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			milli *= 10;
	}
	if (strcmp(p, "%") != 0)
		return -1;
	/* 1% of 100000 us is 1000 us: PERCENT.MILLI * 1000 */
	*quota = whole * 1000 + milli;
	return *quota > 0 ? 0 : -1;
}

/* cpu.max: PERCENT%, QUOTA, QUOTA PERIOD, max, max PERIOD. */
static int
cpu_max_value(const char *v, char *out, size_t size)
{
	unsigned long long quota;
	unsigned long n;
	char buf[64], *period;

	if (strchr(v, '%') != NULL) {
		if (percent_quota(v, &quota) == -1)
			return -1;
		return (size_t)snprintf(out, size, "%llu 100000", quota) <
		    size ? 0 : -1;
	}
	if (strlen(v) >= sizeof(buf))
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	period = strchr(buf, ' ');
	if (period != NULL) {
		*period++ = '\0';
		if (parse_ulong(period, ULONG_MAX, &n) == -1)
			return -1;
	}
	if (strcmp(buf, "max") != 0 && parse_ulong(buf, ULONG_MAX, &n) == -1)
		return -1;
	return (size_t)snprintf(out, size, "%s", v) < size ? 0 : -1;
}

/* io.max "MAJ:MIN rbps=1M wbps=max ...": sizes in KEY=VALUE tokens. */
static int
key_sizes_value(const char *v, char *out, size_t size, char *bad,
    size_t bad_size)
{
	char copy[4096], *rest = copy, *tok, *eq;
	size_t len = 0;
	unsigned long long n;
	int w;

	if (strlen(v) >= sizeof(copy))
		return -1;
	memcpy(copy, v, strlen(v) + 1);
	out[0] = '\0';
	while ((tok = strsep(&rest, " ")) != NULL) {
		eq = strchr(tok, '=');
		if (eq != NULL && strcmp(eq + 1, "max") != 0) {
			if (parse_size(eq + 1, &n) == -1) {
				snprintf(bad, bad_size, "%s", eq + 1);
				return -1;
			}
			w = snprintf(out + len, size - len, "%s%.*s=%llu",
			    len ? " " : "", (int)(eq - tok), tok, n);
		} else {
			w = snprintf(out + len, size - len, "%s%s",
			    len ? " " : "", tok);
		}
		if (w < 0 || (size_t)w >= size - len)
			return -1;
		len += w;
	}
	return 0;
}

/* FILE=VALUE, checked and converted before anything is touched. */
static void
setting_parse(struct setting *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *v;
	char bad[4096];
	size_t n;
	int r = 0;

	s->arg = arg;
	if (eq == NULL)
		die("'%s': not FILE=VALUE (put -- before PROG)", arg);
	n = eq - arg;
	if (n == 0 || n >= sizeof(s->file) || memchr(arg, '/', n) != NULL ||
	    arg[0] == '.')
		die("%s: '%.*s' is not an interface file name", arg, (int)n,
		    arg);
	memcpy(s->file, arg, n);
	s->file[n] = '\0';
	/*
	 * Writing a PID there moves that process, any process the caller
	 * may move (as root, the host's PID 1): that is cgput's job, done
	 * on the caller's own process or on a -p PID it names on purpose.
	 */
	if (strcmp(s->file, "cgroup.procs") == 0 ||
	    strcmp(s->file, "cgroup.threads") == 0)
		die("%s: refusing to move processes (that is cgput's job: "
		    "cgput -p PID CGROUP)", arg);
	v = eq + 1;
	switch (kind_of(s->file)) {
	case SIZE:
		if (size_value(v, s->value, sizeof(s->value)) == -1)
			die("%s: bad size '%s' (a number with an optional K, M, "
			    "G or T suffix, or max)", arg, v);
		return;
	case COUNT:
		if (strcmp(v, "max") != 0 &&
		    parse_size(v, &(unsigned long long){ 0 }) == -1)
			die("%s: bad number '%s' (a number, or max)", arg, v);
		r = size_value(v, s->value, sizeof(s->value));
		break;
	case CPU_MAX:
		if (cpu_max_value(v, s->value, sizeof(s->value)) == -1)
			die("%s: bad value '%s' (PERCENT%% of one CPU, "
			    "QUOTA [PERIOD] in microseconds, or max [PERIOD])",
			    arg, v);
		return;
	case KEY_SIZES:
		bad[0] = '\0';
		if (key_sizes_value(v, s->value, sizeof(s->value), bad,
		    sizeof(bad)) == -1 && bad[0] != '\0')
			die("%s: bad size '%s' (a number with an optional K, M, "
			    "G or T suffix, or max)", arg, bad);
		break;
	case VERBATIM:
		r = snprintf(s->value, sizeof(s->value), "%s", v) <
		    (int)sizeof(s->value) ? 0 : -1;
		break;
	}
	if (r == -1)
		die("%s: value too long", arg);
}

/*
 * The controller a FILE belongs to, or "" for the core files (cgroup.*,
 * the pressure files, cpu.stat) that every cgroup has.
 */
static void
controller_of(const char *file, char *out, size_t size)
{
	size_t n = strcspn(file, ".");
	const char *tail = strrchr(file, '.');

	out[0] = '\0';
	if (file[n] == '\0' || n >= size || strncmp(file, "cgroup.", 7) == 0 ||
	    (tail != NULL && strcmp(tail, ".pressure") == 0) ||
	    strncmp(file, "cpu.stat", 8) == 0 || devices_file(file))
		return;
	memcpy(out, file, n);
	out[n] = '\0';
}

/* --- creating -------------------------------------------------------- */

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
why_missing(const char *controller, const char *level, char *hint,
    size_t size)
{
	struct v1_arg a = { .controller = controller };
	char path[PATH_MAX];

	if (mountinfo_each(find_v1, &a)) {
		snprintf(hint, size, "%s is bound to the cgroup v1 hierarchy "
		    "at %s", controller, a.point);
		return;
	}
	cgroup_path(&fs, level, path, sizeof(path));
	snprintf(hint, size, "%s is not in %s/cgroup.controllers: its parent "
	    "must enable it first", controller, path);
}

static const char *
busy_hint(int fd, char *hint, size_t size)
{
	char procs[64] = "";

	read_fileat(fd, "cgroup.procs", procs, sizeof(procs));
	procs[strcspn(procs, "\n")] = '\0';
	snprintf(hint, size, "it has processes (%s%s) and a cgroup with "
	    "processes cannot enable controllers for its children: move them "
	    "into a child cgroup first (cgput -p)", procs,
	    strlen(procs) >= sizeof(procs) - 2 ? "..." : "");
	return hint;
}

/* Returns 1 when it enabled the controller, 0 when it was on already. */
static int
enable(int fd, const char *level, const char *controller)
{
	char path[PATH_MAX], cur[1024], cmd[40], hint[PATH_MAX + 256];
	const char *h = NULL;
	int err;

	if (read_fileat(fd, "cgroup.subtree_control", cur, sizeof(cur)) == -1) {
		cgroup_path(&fs, level, path, sizeof(path));
		die_sys("read %s/cgroup.subtree_control", path);
	}
	if (has_word(cur, controller))
		return 0;
	cgroup_path(&fs, level, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "+%s", controller);
	trace("write %s to %s/cgroup.subtree_control", cmd, path);
	if (write_fileat(fd, "cgroup.subtree_control", cmd) == 0)
		return 1;
	err = errno;
	switch (err) {
	case ENOENT:
		why_missing(controller, level, hint, sizeof(hint));
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


/* The controllers the FILEs need, each once, in the order given. */
static size_t
controllers_needed(const struct setting *s, size_t n, char (*out)[32],
    size_t max)
{
	size_t i, j, k = 0;
	char c[32];

	for (i = 0; i < n; i++) {
		controller_of(s[i].file, c, sizeof(c));
		for (j = 0; j < k && strcmp(out[j], c) != 0; j++)
			;
		if (c[0] == '\0' || j < k)
			continue;
		if (k == max)
			die("%s: too many controllers", s[i].arg);
		memcpy(out[k++], c, sizeof(c));
	}
	return k;
}

static void
enable_all(int fd, const char *level, int existed, char (*ctrl)[32],
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!enable(fd, level, ctrl[i]) || !existed)
			continue;
		if (nenabled == LEN(enabled))
			die("%s: too many controllers to enable", ctrl[i]);
		enabled[nenabled].level = strdup(level);
		if (enabled[nenabled].level == NULL)
			die_sys("strdup");
		memcpy(enabled[nenabled++].controller, ctrl[i], sizeof(ctrl[i]));
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
make_level(int parent, const char *level, const char *name, int *existed)
{
	char path[PATH_MAX], ppath[PATH_MAX];
	int fd;

	*existed = 1;
	fd = cgroup_open(&fs, level);
	if (fd != -1 || errno != ENOENT)
		goto opened;
	cgroup_path(&fs, level, path, sizeof(path));
	trace("mkdir %s", path);
	if (mkdirat(parent, name, 0755) == -1) {
		if (errno != EEXIST) {
			snprintf(ppath, sizeof(ppath), "%.*s", (int)(strlen(path) -
			    strlen(name) - 1), path);
			die_err(errno, mkdir_hint(errno, ppath), "create %s",
			    path);
		}
	} else {
		if (ncreated == LEN(created))
			die("create %s: too deep", path);
		created[ncreated] = strdup(level);
		if (created[ncreated++] == NULL)
			die_sys("strdup");
		*existed = 0;
		/* Whatever the umask: the tree stays readable, as systemd's. */
		if (fchmodat(parent, name, 0755, 0) == -1)
			die_sys("chmod %s", path);
	}
	fd = cgroup_open(&fs, level);
opened:
	if (fd == -1) {
		cgroup_path(&fs, level, path, sizeof(path));
		die_sys("open %s", path);
	}
	return fd;
}

/* Walks from the root to REL: enable at each level, make the next. */
static int
make_tree(const char *rel, char (*ctrl)[32], size_t nctrl)
{
	char level[PATH_MAX], name[NAME_MAX + 1];
	const char *p = rel, *end;
	int fd, parent, existed = 1;
	size_t n;

	level[0] = '\0';
	fd = cgroup_xopen(&fs, "");
	while (*p != '\0') {
		enable_all(fd, level, existed, ctrl, nctrl);
		end = strchrnul(p, '/');
		n = end - p;
		if (n >= sizeof(name))
			die("%s: name too long", rel);
		memcpy(name, p, n);
		name[n] = '\0';
		snprintf(level, sizeof(level), "%.*s", (int)(end - rel), rel);
		parent = fd;
		fd = make_level(parent, level, name, &existed);
		close(parent);
		p = *end != '\0' ? end + 1 : end;
	}
	return fd;
}

/* --- delegation -------------------------------------------------------- */

struct owner {
	uid_t uid;
	gid_t gid;
	const char *arg;
};

static void
owner_parse(struct owner *o, const char *arg)
{
	struct passwd_ent pw;
	char user[256];
	const char *colon = strchr(arg, ':');
	size_t n = colon != NULL ? (size_t)(colon - arg) : strlen(arg);

	o->arg = arg;
	if (n == 0 || n >= sizeof(user))
		die("--owner '%s': expected USER[:GROUP]", arg);
	memcpy(user, arg, n);
	user[n] = '\0';
	if (user_lookup(user, &pw) == -1) {
		if (errno == ENOENT)
			die("--owner '%s': no such user '%s' in /etc/passwd",
			    arg, user);
		die_sys("--owner '%s': read /etc/passwd", arg);
	}
	o->uid = pw.uid;
	o->gid = pw.gid;
	if (colon != NULL && group_lookup(colon + 1, &o->gid) == -1) {
		if (errno == ENOENT)
			die("--owner '%s': no such group '%s' in /etc/group",
			    arg, colon + 1);
		die_sys("--owner '%s': read /etc/group", arg);
	}
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
	char list[1024] = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
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

/* --- writing ----------------------------------------------------------- */

/*
 * Does REL hold this process, itself or below? Freezing or killing it
 * would stop cgmake half way. `abs` gets our cgroup, for the message.
 */
static int
holds_self(const char *rel, char *abs, size_t size)
{
	char me[PATH_MAX];
	size_t n = strlen(rel);

	if (cgroup_of_pid(&fs, 0, me, sizeof(me), abs, size) == -1)
		return 0;
	return n == 0 || (strncmp(me, rel, n) == 0 &&
	    (me[n] == '\0' || me[n] == '/'));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Until cgroup.events says "KEY WANT": the kernel marks the file with
 * POLLPRI on every change, so this sleeps in poll(2) between reads.
 * Returns -1 with errno ETIMEDOUT after timeout_ms.
 */
static int
wait_events(int dirfd, const char *key, const char *want)
{
	long long deadline = now_ms() + timeout_ms, left;
	char buf[512], line[64];
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	snprintf(line, sizeof(line), "%s %s", key, want);
	for (;;) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n == -1)
			break;
		buf[n] = '\0';
		if (strstr(buf, line) != NULL &&
		    (strstr(buf, line) == buf || strstr(buf, line)[-1] == '\n')) {
			close(fd);
			return 0;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		if (interrupt_poll(fd, POLLPRI, left) == -1 && errno != EINTR)
			break;
	}
	err = errno;
	close(fd);
	errno = err;
	return -1;
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
write_setting(int fd, const char *rel, const char *path,
    const struct setting *s)
{
	char hint[512], abs[PATH_MAX];
	const char *what = NULL;
	int err;

	if (devices_file(s->file))
		return;	/* one program for them all, after the files */
	if ((strcmp(s->file, "cgroup.kill") == 0 ||
	    (strcmp(s->file, "cgroup.freeze") == 0 &&
	    strcmp(s->value, "0") != 0)) && holds_self(rel, abs, sizeof(abs)))
		die("%s: %s holds this process (in %s)", s->arg, path, abs);
	trace("write %s/%s: %s", path, s->file, s->value);
	if (write_fileat(fd, s->file, s->value) == -1) {
		err = errno;
		die_err(err, write_hint(err, fd, s, hint, sizeof(hint)),
		    "write %s in %s", s->arg, path);
	}
	/* A freeze or a kill is done when cgroup.events says so. */
	if (strcmp(s->file, "cgroup.freeze") == 0)
		what = strcmp(s->value, "0") == 0 ? "0" : "1";
	if (what != NULL && wait_events(fd, "frozen", what) == -1)
		die_sys("%s: wait for %s to be %sfrozen", s->arg, path,
		    *what == '0' ? "un" : "");
	if (strcmp(s->file, "cgroup.kill") == 0 &&
	    wait_events(fd, "populated", "0") == -1)
		die_sys("%s: wait for %s to be empty", s->arg, path);
}

/* --- showing ----------------------------------------------------------- */

enum how {
	VALUE,	/* FILE=VALUE, lines joined by spaces */
	SET,	/* the same, only when not the default */
	KEYED,	/* "KEY VALUE" lines: FILE.KEY=VALUE, skipping the default */
	LINES,	/* FILE=LINE for each line */
};

static const struct {
	const char *pattern;
	enum how how;
	const char *dflt;
} shown[] = {
	{ "cgroup.type", SET, "domain" },
	{ "cgroup.controllers", VALUE, NULL },
	{ "cgroup.subtree_control", VALUE, NULL },
	{ "cgroup.events", KEYED, NULL },
	{ "cgroup.freeze", SET, "0" },
	{ "cgroup.max.depth", SET, "max" },
	{ "cgroup.max.descendants", SET, "max" },
	{ "cgroup.procs", VALUE, NULL },
	{ "cpuset.cpus", SET, "" },
	{ "cpuset.mems", SET, "" },
	{ "cpuset.cpus.partition", SET, "member" },
	{ "cpuset.cpus.effective", VALUE, NULL },
	{ "cpuset.mems.effective", VALUE, NULL },
	{ "cpu.weight", SET, "100" },
	{ "cpu.idle", SET, "0" },
	{ "cpu.max", SET, "max 100000" },
	{ "cpu.max.burst", SET, "0" },
	{ "cpu.stat", KEYED, NULL },
	{ "io.weight", SET, "default 100" },
	{ "io.max", LINES, NULL },
	{ "io.stat", LINES, NULL },
	{ "memory.min", SET, "0" },
	{ "memory.low", SET, "0" },
	{ "memory.high", SET, "max" },
	{ "memory.max", SET, "max" },
	{ "memory.swap.high", SET, "max" },
	{ "memory.swap.max", SET, "max" },
	{ "memory.zswap.max", SET, "max" },
	{ "memory.oom.group", SET, "0" },
	{ "memory.current", VALUE, NULL },
	{ "memory.peak", VALUE, NULL },
	{ "memory.swap.current", VALUE, NULL },
	{ "memory.events", KEYED, NULL },
	{ "pids.max", SET, "max" },
	{ "pids.current", VALUE, NULL },
	{ "pids.peak", VALUE, NULL },
	{ "pids.events", KEYED, NULL },
	{ "hugetlb.*.max", SET, "max" },
	{ "hugetlb.*.current", VALUE, NULL },
	{ "hugetlb.*.events", KEYED, NULL },
	{ "misc.max", KEYED, "max" },
	{ "misc.current", KEYED, NULL },
	{ "rdma.max", LINES, NULL },
	{ "rdma.current", LINES, NULL },
};

/* The whole file, however long (cgroup.procs of a busy cgroup). */
static char *
slurp(int dirfd, const char *name)
{
	size_t len = 0, size = 4096;
	char *buf = NULL, *p;
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	for (;;) {
		if (buf == NULL || len + 1 >= size) {
			size *= buf != NULL ? 2 : 1;
			p = realloc(buf, size);
			if (p == NULL)
				die_sys("read %s", name);
			buf = p;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	err = errno;
	close(fd);
	if (n == -1) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[len] = '\0';
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static void
show_file(int fd, const char *path, const char *name, enum how how,
    const char *dflt)
{
	char *text, *rest, *line, *sp;

	text = slurp(fd, name);
	if (text == NULL) {
		/* Gone, or not readable in this kind of cgroup: not state. */
		if (errno == ENOENT || errno == EOPNOTSUPP)
			return;
		die_sys("read %s/%s", path, name);
	}
	switch (how) {
	case SET:
		if (dflt != NULL && strcmp(text, dflt) == 0)
			break;
		/* FALLTHROUGH */
	case VALUE:
		for (sp = text; (sp = strchr(sp, '\n')) != NULL; )
			*sp = ' ';
		printf("%s=%s\n", name, text);
		break;
	case KEYED:
		for (rest = text; (line = strsep(&rest, "\n")) != NULL; ) {
			sp = strchr(line, ' ');
			if (sp == NULL || (dflt != NULL && strcmp(sp + 1,
			    dflt) == 0))
				continue;
			printf("%s.%.*s=%s\n", name, (int)(sp - line), line,
			    sp + 1);
		}
		break;
	case LINES:
		for (rest = text; (line = strsep(&rest, "\n")) != NULL; )
			if (*line != '\0')
				printf("%s=%s\n", name, line);
		break;
	}
	free(text);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a cgroup directory, sorted. */
static size_t
list_files(int fd, const char *path, char ***names, unsigned char type)
{
	struct dirent *d;
	size_t n = 0, size = 0;
	char **v = NULL;
	DIR *dir;
	int dfd;

	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || (dir = fdopendir(dfd)) == NULL)
		die_sys("open %s", path);
	while ((errno = 0, d = readdir(dir)) != NULL) {
		if (d->d_type != type || strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		if (n == size) {
			size = size ? 2 * size : 64;
			v = realloc(v, size * sizeof(*v));
			if (v == NULL)
				die_sys("read %s", path);
		}
		v[n] = strdup(d->d_name);
		if (v[n++] == NULL)
			die_sys("read %s", path);
	}
	if (errno != 0)
		die_sys("read %s", path);
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_name);
	*names = v;
	return n;
}

static void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static void
show(int fd, const char *path)
{
	char **names;
	size_t i, j, n;

	n = list_files(fd, path, &names, DT_REG);
	for (i = 0; i < LEN(shown); i++)
		for (j = 0; j < n; j++)
			if (fnmatch(shown[i].pattern, names[j], 0) == 0)
				show_file(fd, path, names[j], shown[i].how,
				    shown[i].dflt);
	free_list(names, n);
	if (fflush(stdout) == EOF || ferror(stdout))
		die_sys("write the state of %s", path);
}

/* --- deleting ---------------------------------------------------------- */

/* SIGKILL to every thread of CGROUP and below: their processes die. */
static void
kill_every(int fd, const char *path)
{
	char **subs, *threads, *rest, *tid, sub[PATH_MAX];
	unsigned long id;
	size_t i, n;
	int cfd;

	threads = slurp(fd, "cgroup.threads");
	if (threads == NULL)
		die_sys("read %s/cgroup.threads", path);
	for (rest = threads; (tid = strsep(&rest, "\n")) != NULL; ) {
		if (parse_ulong(tid, INT_MAX, &id) == -1)
			continue;
		trace("kill %lu", id);
		if (kill((pid_t)id, SIGKILL) == -1 && errno != ESRCH)
			die_sys("kill %lu in %s", id, path);
	}
	free(threads);
	n = list_files(fd, path, &subs, DT_DIR);
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, subs[i]);
		cfd = openat(fd, subs[i], O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (cfd == -1)
			die_sys("open %s", sub);
		kill_every(cfd, sub);
		close(cfd);
	}
	free_list(subs, n);
}

/*
 * cgroup.kill (Linux 5.14) kills the subtree at once, forks included.
 * Without it: freeze, so that nothing forks while the list is read,
 * kill every process, thaw, so that they see the signal and die.
 */
static void
kill_tree(int fd, const char *path)
{
	const char *knob = getenv("CONCH_CGMAKE_FREEZE_KILL");

	if (knob == NULL || strcmp(knob, "1") != 0) {
		trace("write %s/cgroup.kill: 1", path);
		if (write_fileat(fd, "cgroup.kill", "1") == 0)
			return;
		if (errno != ENOENT)
			die_sys("delete %s: write cgroup.kill", path);
	}
	trace("no cgroup.kill: freeze %s, kill every process, thaw", path);
	if (write_fileat(fd, "cgroup.freeze", "1") == -1)
		die_sys("delete %s: write cgroup.freeze", path);
	if (wait_events(fd, "frozen", "1") == -1)
		die_sys("delete %s: wait until frozen", path);
	kill_every(fd, path);
	if (write_fileat(fd, "cgroup.freeze", "0") == -1)
		die_sys("delete %s: write cgroup.freeze", path);
}

/* Children first: a cgroup with children cannot be removed. */
static void
remove_below(int fd, const char *path)
{
	char **subs, sub[PATH_MAX];
	size_t i, n;
	int cfd;

	n = list_files(fd, path, &subs, DT_DIR);
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, subs[i]);
		cfd = openat(fd, subs[i], O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (cfd == -1)
			die_sys("open %s", sub);
		remove_below(cfd, sub);
		close(cfd);
		trace("rmdir %s", sub);
		if (unlinkat(fd, subs[i], AT_REMOVEDIR) == -1)
			die_err(errno, errno == EBUSY ? "something made a new "
			    "cgroup or process in it meanwhile" : NULL,
			    "delete %s: remove %s", path, sub);
	}
	free_list(subs, n);
}

static void
delete(const char *rel, const char *path)
{
	char abs[PATH_MAX];
	int fd;

	if (rel[0] == '\0')
		die("delete %s: the cgroup2 root cannot be removed", path);
	if (holds_self(rel, abs, sizeof(abs)))
		die("delete %s: this process is inside it (in %s)", path, abs);
	fd = cgroup_xopen(&fs, rel);
	kill_tree(fd, path);
	if (wait_events(fd, "populated", "0") == -1) {
		if (errno == ETIMEDOUT)
			die("delete %s: still populated after %d ms (a process "
			    "stuck in the kernel? see its cgroup.procs)", path,
			    timeout_ms);
		die_sys("delete %s: read cgroup.events", path);
	}
	remove_below(fd, path);
	close(fd);
	trace("rmdir %s", path);
	if (unlinkat(fs.fd, rel, AT_REMOVEDIR) == -1)
		die_err(errno, errno == EBUSY ? "something made a new cgroup "
		    "or process in it meanwhile" : NULL, "delete %s", path);
}

/* --- the command line -------------------------------------------------- */

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "show", no_argument, NULL, 's' },
		{ "delete", no_argument, NULL, 'd' },
		{ "owner", required_argument, NULL, 'o' },
		{ "root", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct setting settings[128];
	static struct devrules devrules;
	char rel[PATH_MAX], path[PATH_MAX], ctrl[16][32];
	struct owner owner = { .arg = NULL };
	const char *root = NULL, *cgroup;
	enum mode mode = CREATE;
	unsigned long secs;
	size_t nset = 0, nctrl;
	char **prog = NULL;
	int c, fd;

	conch_init("cgmake");
	interrupt_catch();	/* before the undo: it runs first at exit */
	while ((c = getopt_long(argc, argv, "+:sdo:t:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
		case 'd':
			if (mode != CREATE && mode != (c == 's' ? SHOW : DELETE))
				die("--show and --delete exclude each other");
			mode = c == 's' ? SHOW : DELETE;
			break;
		case 'o':
			owner_parse(&owner, optarg);
			break;
		case 'R':
			root = optarg;
			break;
		case 't':
			if (parse_ulong(optarg, 86400, &secs) == -1)
				die("--timeout '%s': not a number of seconds",
				    optarg);
			timeout_ms = secs * 1000;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (optind == argc)
		die("missing CGROUP (see cgmake --help)");
	cgroup = argv[optind++];
	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "--") == 0) {
			if (optind + 1 < argc)
				prog = argv + optind + 1;
			break;
		}
		if (mode != CREATE)
			die("'%s': --%s takes no FILE=VALUE", argv[optind],
			    mode == SHOW ? "show" : "delete");
		if (nset == LEN(settings))
			die("more than %zu FILE=VALUE", LEN(settings));
		setting_parse(&settings[nset], argv[optind]);
		if (devices_file(settings[nset].file))
			devices_add(&devrules, settings[nset].arg,
			    settings[nset].file, settings[nset].value);
		nset++;
	}
	if (owner.arg != NULL && mode != CREATE)
		die("--owner is for creating, not with --%s",
		    mode == SHOW ? "show" : "delete");
	nctrl = controllers_needed(settings, nset, ctrl, LEN(ctrl));

	cgroupfs_open(&fs, root);
	cgroup_resolve(&fs, cgroup, rel, sizeof(rel));
	cgroup_path(&fs, rel, path, sizeof(path));
	switch (mode) {
	case SHOW:
		fd = cgroup_xopen(&fs, rel);
		show(fd, path);
		break;
	case DELETE:
		delete(rel, path);
		break;
	case CREATE:
		if (atexit(undo) != 0)
			die("atexit: cannot register the undo");
		fd = make_tree(rel, ctrl, nctrl);
		if (owner.arg != NULL)
			delegate(fd, path, &owner);
		for (size_t i = 0; i < nset; i++)
			write_setting(fd, rel, path, &settings[i]);
		if (devrules.any)
			devices_attach(&devrules, fd, path);
		interrupt_end();
		done = 1;
		break;
	}
	if (prog == NULL)
		return 0;
	exec_prog(prog, NULL);
}

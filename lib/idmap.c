/*
 * User namespace ID maps: parse and check ranges, find subordinate IDs,
 * and write /proc/PID/{uid,gid}_map, directly when we may, else through
 * the system's set-user-ID newuidmap/newgidmap (Debian package uidmap).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"

#define ID_LIMIT 4294967295UL	/* (u32)-1 is no ID: first + count <= it */

static int
overlap(unsigned long a, unsigned long b, unsigned long count_a,
    unsigned long count_b)
{
	return a < b + count_b && b < a + count_a;
}

void
idmap_add(struct idmap *m, struct idrange r, const char *what)
{
	const struct idrange *o;

	if (r.count == 0)
		die("%s: count must be at least 1", what);
	if (r.inside > ID_LIMIT - r.count || r.outside > ID_LIMIT - r.count)
		die("%s: range goes past the last ID %lu", what, ID_LIMIT - 1);
	for (o = m->r; o < m->r + m->n; o++) {
		if (overlap(r.inside, o->inside, r.count, o->count) ||
		    overlap(r.outside, o->outside, r.count, o->count))
			die("%s: overlaps range %lu:%lu:%lu", what, o->inside,
			    o->outside, o->count);
	}
	if (m->n == IDMAP_MAX)
		die("%s: more than %d ranges (the kernel's limit)", what,
		    IDMAP_MAX);
	/* The kernel also takes at most one page: 4096 bytes on x86. */
	m->bytes += snprintf(NULL, 0, "%lu %lu %lu\n", r.inside, r.outside,
	    r.count);
	if (m->bytes >= 4096)
		die("%s: the map would be longer than the 4095 bytes the "
		    "kernel accepts", what);
	m->r[m->n++] = r;
}

/* INSIDE:OUTSIDE:COUNT; `what` names it in messages, e.g. "-u '0:1:x'". */
void
idmap_parse(struct idmap *m, const char *spec, const char *what)
{
	unsigned long v[3];
	char buf[96], *field, *rest;
	int i;

	if (strlen(spec) >= sizeof(buf))
		die("%s: expected INSIDE:OUTSIDE:COUNT", what);
	memcpy(buf, spec, strlen(spec) + 1);
	rest = buf;
	for (i = 0; i < 3; i++) {
		field = strsep(&rest, ":");
		if (field == NULL || (i == 2) != (rest == NULL))
			die("%s: expected INSIDE:OUTSIDE:COUNT", what);
		if (parse_ulong(field, ID_LIMIT - 1, &v[i]) == -1)
			die("%s: '%s' is not an ID or count", what, field);
	}
	idmap_add(m, (struct idrange){ v[0], v[1], v[2] }, what);
}

/* The "NAME:FIRST:COUNT" or "UID:FIRST:COUNT" lines of /etc/sub[ug]id. */
struct subid_find {
	const struct passwd_ent *pw;
	char uid[24];
	struct idrange *out;
	size_t n, max;
};

static int
subid_match(char **f, int n, void *arg)
{
	struct subid_find *a = arg;
	unsigned long first, count;

	if (n != 3 || (strcmp(f[0], a->pw->name) != 0 &&
	    strcmp(f[0], a->uid) != 0))
		return 0;
	if (parse_ulong(f[1], ID_LIMIT - 1, &first) == -1 ||
	    parse_ulong(f[2], ID_LIMIT, &count) == -1 || count == 0 ||
	    first > ID_LIMIT - count)
		return 0;	/* as shadow's own tools skip it */
	a->out[a->n++] = (struct idrange){ 0, first, count };
	return a->n == a->max;
}

static int
subid_ranges(const char *file, const struct passwd_ent *pw,
    struct idrange *out, size_t max)
{
	struct subid_find a = { .pw = pw, .out = out, .max = max };

	snprintf(a.uid, sizeof(a.uid), "%lu", (unsigned long)pw->uid);
	if (max > 0 && colon_each(file, 4, subid_match, &a) == -1)
		return -1;
	return a.n;
}

/* Who we are, for maps: the name from /etc/passwd, our effective IDs. */
void
caller_passwd(struct passwd_ent *pw)
{
	if (user_by_uid(geteuid(), pw) == -1) {
		snprintf(pw->name, sizeof(pw->name), "%lu",
		    (unsigned long)geteuid());
		pw->home[0] = '\0';
	}
	pw->uid = geteuid();
	pw->gid = getegid();
}

static const char *
subid_file(char kind)
{
	return kind == 'u' ? "/etc/subuid" : "/etc/subgid";
}

static unsigned long
own_id(char kind, const struct passwd_ent *pw)
{
	return kind == 'u' ? pw->uid : pw->gid;
}

static size_t
subid_load(char kind, const struct passwd_ent *pw, struct idrange *sub,
    size_t max)
{
	int n;

	n = subid_ranges(subid_file(kind), pw, sub, max);
	if (n == -1)
		die_sys("read %s", subid_file(kind));
	return n;
}

/* Every range of a subordinate ID file, whoever it is for. */
struct subid_all {
	struct idrange r[256];
	size_t n;
};

static int
subid_any(char **f, int n, void *arg)
{
	struct subid_all *a = arg;
	struct idrange *r = &a->r[a->n];

	if (n >= 3 && parse_ulong(f[1], ULONG_MAX, &r->outside) == 0 &&
	    parse_ulong(f[2], ULONG_MAX, &r->count) == 0)
		a->n++;
	return a->n == LEN(a->r);
}

/*
 * A block of 65536 IDs at 1000000 or above that no line of FILE uses, to
 * suggest in a message (useradd picks the next free block the same way).
 */
static unsigned long
subid_free_block(const char *file)
{
	static struct subid_all all;
	unsigned long first = 1000000;
	size_t i;
	bool moved;

	all.n = 0;
	colon_each(file, 4, subid_any, &all);
	do {
		moved = false;
		for (i = 0; i < all.n; i++)
			if (overlap(first, all.r[i].outside, 65536,
			    all.r[i].count)) {
				first = (all.r[i].outside + all.r[i].count +
				    65535) / 65536 * 65536;
				moved = true;
			}
	} while (moved);
	return first;
}

/*
 * --map-auto: the caller's subordinate IDs. A user's own ID maps to 0
 * and the ranges follow from 1, as rootless podman has it. Root's own
 * ID is never mapped: that is the point of a range for root. Its ranges
 * start at 0, as podman --userns=auto and LXC lay them out, so that the
 * container's root is an unprivileged ID of the host. WHAT names the
 * option in messages.
 */
void
idmap_auto(struct idmap *m, char kind, const struct passwd_ent *pw,
    const char *what)
{
	struct idrange sub[64];
	unsigned long inside = 0, free;
	char in[96];
	size_t i, n;

	n = subid_load(kind, pw, sub, LEN(sub));
	if (n == 0) {
		free = subid_free_block(subid_file(kind));
		die("%s: %s has no range in %s (add one, e.g. \"%s:%lu:65536\", "
		    "or run: usermod --add-sub%cids %lu-%lu %s)", what,
		    pw->name, subid_file(kind), pw->name, free, kind, free,
		    free + 65535, pw->name);
	}
	snprintf(in, sizeof(in), "%s of %s", subid_file(kind), pw->name);
	if (pw->uid != 0) {
		idmap_add(m, (struct idrange){ 0, own_id(kind, pw), 1 }, in);
		inside = 1;
	}
	for (i = 0; i < n; i++) {
		if (sub[i].count > ID_LIMIT - inside)
			die("%s: too many subordinate IDs", in);
		sub[i].inside = inside;
		idmap_add(m, sub[i], in);
		inside += sub[i].count;
	}
}

static int
own_id_only(const struct idrange *r, char kind, const struct passwd_ent *pw)
{
	return r->count == 1 && r->outside == own_id(kind, pw);
}

/* What newuidmap/newgidmap would refuse, refused first in our words. */
static void
idmap_check_subid(const struct idmap *m, char kind,
    const struct passwd_ent *pw)
{
	struct idrange sub[64];
	char has[256];
	size_t i, j, n, len;

	n = subid_load(kind, pw, sub, LEN(sub));
	for (i = 0; i < m->n; i++) {
		const struct idrange *r = &m->r[i];

		if (own_id_only(r, kind, pw))
			continue;
		for (j = 0; j < n; j++)
			if (r->outside >= sub[j].outside &&
			    r->outside - sub[j].outside + r->count <=
			    sub[j].count)
				break;
		if (j < n)
			continue;
		len = snprintf(has, sizeof(has), "%s has", pw->name);
		for (j = 0; j < n && len < sizeof(has); j++)
			len += snprintf(has + len, sizeof(has) - len, " %lu:%lu",
			    sub[j].outside, sub[j].count);
		if (n == 0)
			snprintf(has + len, sizeof(has) - len, " none");
		die("%cid range %lu:%lu:%lu is not allowed for user %s by %s "
		    "(%s)", kind, r->inside, r->outside, r->count, pw->name,
		    subid_file(kind), has);
	}
}

/*
 * The ranges of a uid_map or gid_map file as the kernel shows them
 * ("%10u %10u %10u" lines), from the caller's user namespace.
 */
int
idmap_read(int dirfd, const char *path, struct idmap *m)
{
	char buf[IDMAP_MAX * 34], *line, *rest;
	struct idrange r;

	m->n = m->bytes = 0;
	if (read_fileat(dirfd, path, buf, sizeof(buf)) == -1)
		return -1;
	for (rest = buf; (line = strsep(&rest, "\n")) != NULL &&
	    m->n < IDMAP_MAX;)
		if (sscanf(line, "%lu %lu %lu", &r.inside, &r.outside,
		    &r.count) == 3)
			m->r[m->n++] = r;
	return 0;
}

/*
 * Is ID inside a range of our own /proc/self/uid_map ('u') or gid_map
 * ('g')? 1 or 0; -1 when the map cannot be read, or is empty (nothing
 * written yet): then only the kernel can say. Each map is read once.
 */
int
id_mapped(char kind, unsigned long id)
{
	static struct idmap maps[2];
	static bool read[2];
	struct idmap *m = &maps[kind == 'g'];
	size_t i;

	if (!read[kind == 'g']) {
		read[kind == 'g'] = true;
		if (idmap_read(AT_FDCWD, kind == 'g' ? "/proc/self/gid_map" :
		    "/proc/self/uid_map", m) == -1)
			m->n = 0;
	}
	if (m->n == 0)
		return -1;
	for (i = 0; i < m->n; i++)
		if (id >= m->r[i].inside && id - m->r[i].inside < m->r[i].count)
			return 1;
	return 0;
}

void
idmap_format(const struct idmap *m, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < m->n && len < size; i++)
		len += snprintf(buf + len, size - len, "%lu %lu %lu\n",
		    m->r[i].inside, m->r[i].outside, m->r[i].count);
}

static void
xwrite_file(const char *path, const char *buf)
{
	trace("write %s: %.*s", path, (int)strcspn(buf, "\n"), buf);
	if (write_file(path, buf) == -1)
		die_sys("write %s", path);
}

void
setgroups_write(pid_t pid, const char *mode)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	xwrite_file(path, mode);
}

void
idmap_write_direct(pid_t pid, char kind, const struct idmap *m)
{
	char path[64], buf[IDMAP_MAX * 34];

	snprintf(path, sizeof(path), "/proc/%d/%cid_map", (int)pid, kind);
	idmap_format(m, buf, sizeof(buf));
	trace("write %s: %lu %lu %lu%s", path, m->r[0].inside,
	    m->r[0].outside, m->r[0].count, m->n > 1 ? " ..." : "");
	if (write_file(path, buf) == 0)
		return;
	if (errno == EPERM)
		die_err(errno, "a map is written once; without privilege, "
		    "only for the caller's own ID, and a gid_map only after "
		    "setgroups deny", "write %s", path);
	die_sys("write %s", path);
}

/* newuidmap PID INSIDE OUTSIDE COUNT...: it checks /etc/subuid itself. */
static void
write_helper(pid_t pid, char kind, const struct idmap *m)
{
	char *argv[3 + 3 * IDMAP_MAX + 1];
	char nums[3 * IDMAP_MAX + 1][24];
	const char *prog = kind == 'u' ? "newuidmap" : "newgidmap";
	size_t i, k = 0;
	pid_t child;
	int st, err;

	argv[k++] = (char *)prog;
	snprintf(nums[0], sizeof(nums[0]), "%d", (int)pid);
	argv[k++] = nums[0];
	for (i = 0; i < m->n; i++) {
		snprintf(nums[1 + 3 * i], 24, "%lu", m->r[i].inside);
		snprintf(nums[2 + 3 * i], 24, "%lu", m->r[i].outside);
		snprintf(nums[3 + 3 * i], 24, "%lu", m->r[i].count);
		argv[k++] = nums[1 + 3 * i];
		argv[k++] = nums[2 + 3 * i];
		argv[k++] = nums[3 + 3 * i];
	}
	argv[k] = NULL;
	trace("run %s %d (%zu range%s)", prog, (int)pid, m->n,
	    m->n == 1 ? "" : "s");
	err = posix_spawnp(&child, prog, NULL, NULL, argv, environ);
	if (err == ENOENT)
		die_err(err, "install the uidmap package", "run %s", prog);
	if (err != 0)
		die_err(err, NULL, "run %s", prog);
	while (waitpid(child, &st, 0) == -1)
		if (errno != EINTR)
			die_sys("waitpid(%s)", prog);
	if (st != 0)
		die("%s %d: failed with status %d", prog, (int)pid,
		    status_code(st));
}

/*
 * A map is written once, so everything is checked before anything is:
 * without privilege, every range against /etc/sub[ug]id, and a gid map
 * of just one's own gid needs setgroups denied, which it then is (as
 * unshare -r does) unless allow was asked for, which cannot work.
 * Returns the setgroups mode to write (NULL: leave it).
 */
const char *
idmap_check(const struct idmap *uid, const struct idmap *gid,
    const char *setgroups)
{
	struct passwd_ent pw;

	if (geteuid() == 0)
		return setgroups;
	caller_passwd(&pw);
	idmap_check_subid(uid, 'u', &pw);
	idmap_check_subid(gid, 'g', &pw);
	if (gid->n != 1 || !own_id_only(&gid->r[0], 'g', &pw))
		return setgroups;
	if (setgroups != NULL && strcmp(setgroups, "deny") != 0)
		die("--setgroups %s: without privilege, a gid map of one's own "
		    "gid needs setgroups deny", setgroups);
	return "deny";
}

/*
 * Root writes any map; anyone may map just their own ID. Everything else
 * goes through newuidmap/newgidmap. idmap_check() has been called.
 */
static void
write_map(pid_t pid, char kind, const struct idmap *m)
{
	struct passwd_ent pw;

	if (m->n == 0)
		return;
	if (geteuid() != 0) {
		caller_passwd(&pw);
		if (m->n != 1 || !own_id_only(&m->r[0], kind, &pw)) {
			write_helper(pid, kind, m);
			return;
		}
	}
	idmap_write_direct(pid, kind, m);
}

/* setgroups first: the kernel wants it before gid_map. */
void
idmap_write(pid_t pid, const struct idmap *uid, const struct idmap *gid,
    const char *setgroups)
{
	if (setgroups != NULL)
		setgroups_write(pid, setgroups);
	write_map(pid, 'u', uid);
	write_map(pid, 'g', gid);
}

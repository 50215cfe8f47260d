/*
 * linux: namespaces go to nsnew(1), or to nsjoin(1) where a path is
 * given; uid and gid mappings and time offsets to nsnew; cgroupsPath to
 * cgmake and cgput; sysctl to conch's own step once the namespaces
 * exist; seccomp to scfilter. Devices: those pivot(1) makes itself.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The OCI name of each type, nsnew's short option, nsjoin's long one. */
static const struct {
	const char *oci;
	int flag;
	char opt;
	const char *join;
} nstab[] = {
	{ "user", CLONE_NEWUSER, 'U', "user" },
	{ "mount", CLONE_NEWNS, 'm', "mount" },
	{ "pid", CLONE_NEWPID, 'p', "pid" },
	{ "uts", CLONE_NEWUTS, 'u', "uts" },
	{ "network", CLONE_NEWNET, 'n', "net" },
	{ "ipc", CLONE_NEWIPC, 'i', "ipc" },
	{ "cgroup", CLONE_NEWCGROUP, 'C', "cgroupns" },
	{ "time", CLONE_NEWTIME, 'T', "time" },
};

static void
namespaces_read(json_t *arr, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "type", "path", NULL };
	struct jpath e = { p, NULL, 0 }, t;
	char flags[16] = "-";
	const char *type, *path;
	int seen = 0;
	size_t i, k;
	json_t *ns;

	json_array_foreach(arr, i, ns) {
		e.index = i;
		t = (struct jpath){ &e, "type", 0 };
		if (!json_is_object(ns))
			die_field(&e, "expected an object");
		jknown(ns, &e, handled, NULL);
		if ((type = jstr(ns, "type", &e)) == NULL)
			die_field(&t, "missing");
		for (k = 0; k < LEN(nstab); k++)
			if (strcmp(type, nstab[k].oci) == 0)
				break;
		if (k == LEN(nstab))
			die_field(&t, "unknown namespace type '%s'", type);
		if (seen & nstab[k].flag)
			die_field(&t, "'%s' given twice", type);
		seen |= nstab[k].flag;
		if (nstab[k].flag == CLONE_NEWPID)
			c->pidns = true;
		path = jstr(ns, "path", &e);
		if (path != NULL && path[0] != '\0') {
			strv_addf(&c->nsjoin, "--%s=%s", nstab[k].join, path);
			continue;
		}
		c->nsflags |= nstab[k].flag;
		flags[strlen(flags)] = nstab[k].opt;
	}
	if (!(seen & CLONE_NEWNS))
		die_field(p, "no mount namespace: pivot needs one of its own");
	if (flags[1] != '\0')
		strv_add(&c->nsnew, flags);
}

static void
mappings_read(json_t *lx, const char *key, char kind, const struct jpath *p,
    struct chain *c)
{
	static const char *const handled[] = { "containerID", "hostID",
		"size", NULL };
	struct jpath m, e = { NULL, NULL, 0 };
	json_t *arr = jget(lx, key, p, &m, JSON_ARRAY), *r;
	long long in, out, n;
	size_t i;

	e.up = &m;
	if (arr != NULL && json_array_size(arr) > 0 &&
	    !(c->nsflags & CLONE_NEWUSER))
		die_field(&m, "mappings need a new user namespace in "
		    "linux.namespaces");
	if ((arr == NULL || json_array_size(arr) == 0) &&
	    (c->nsflags & CLONE_NEWUSER))
		die_field(&m, "missing: a new user namespace needs them");
	json_array_foreach(arr, i, r) {
		e.index = i;
		if (!json_is_object(r))
			die_field(&e, "expected an object");
		jknown(r, &e, handled, NULL);
		if (!jint(r, "containerID", &e, 0, UINT32_MAX - 1, &in) ||
		    !jint(r, "hostID", &e, 0, UINT32_MAX - 1, &out) ||
		    !jint(r, "size", &e, 1, UINT32_MAX, &n))
			die_field(&e, "needs containerID, hostID and size");
		strv_addf(&c->nsnew, "--map=%c:%lld:%lld:%lld", kind, in, out,
		    n);
	}
}

static void
time_offsets_read(json_t *t, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "secs", "nanosecs", NULL };
	static const char *const clocks[] = { "monotonic", "boottime" };
	struct jpath o;
	long long secs, ns;
	json_t *off;
	size_t i;

	if (!(c->nsflags & CLONE_NEWTIME))
		die_field(p, "offsets need a new time namespace in "
		    "linux.namespaces");
	for (i = 0; i < LEN(clocks); i++) {
		if ((off = jget(t, clocks[i], p, &o, JSON_OBJECT)) == NULL)
			continue;
		jknown(off, &o, handled, NULL);
		if (jint(off, "nanosecs", &o, 0, 999999999, &ns) && ns != 0)
			die_field(&o, "nanosecs: nsnew takes whole seconds");
		if (jint(off, "secs", &o, LLONG_MIN, LLONG_MAX, &secs))
			strv_addf(&c->nsnew, "--%s=%lld", clocks[i], secs);
	}
}

/*
 * A node of linux.devices that pivot's /dev lacks: the host's node of
 * that path, bound on it (pivot's /dev is nodev, and a user namespace
 * makes no nodes: a bind works for both). It must be the device asked
 * for, with the mode and owner asked for, if any.
 */
static void
device_bind(json_t *d, const struct jpath *e, const char *path,
    const char *type, long long major, long long minor, struct chain *c)
{
	struct stat st;
	long long v;
	bool chr = strcmp(type, "c") == 0 || strcmp(type, "u") == 0;

	if (!chr && strcmp(type, "b") != 0)
		die_field(e, "%s: type '%s': pivot binds c, u and b devices",
		    path, type);
	if (strncmp(path, "/dev/", 5) != 0 || strstr(path, "/..") != NULL ||
	    strchr(path, ':') != NULL)
		die_field(e, "%s: not a clean path in /dev", path);
	if (stat(path, &st) == -1)
		die_field(e, "%s: %s (pivot binds the host's node of that path)",
		    path, strerror(errno));
	if ((chr ? !S_ISCHR(st.st_mode) : !S_ISBLK(st.st_mode)) ||
	    major(st.st_rdev) != major || minor(st.st_rdev) != minor)
		die_field(e, "%s: the host's node is not %s %lld:%lld", path,
		    type, major, minor);
	if (jint(d, "fileMode", e, 0, 07777, &v) && v != (st.st_mode & 07777))
		die_field(e, "%s: fileMode %04llo, the host's node has %04o",
		    path, v, st.st_mode & 07777);
	if (jint(d, "uid", e, 0, UINT32_MAX, &v) && v != st.st_uid)
		die_field(e, "%s: uid %lld, the host's node has %u", path, v,
		    st.st_uid);
	if (jint(d, "gid", e, 0, UINT32_MAX, &v) && v != st.st_gid)
		die_field(e, "%s: gid %lld, the host's node has %u", path, v,
		    st.st_gid);
	strv_addf(&c->pivot, "--bind=%s:%s", path, path);
}

/*
 * linux.devices: the nodes pivot makes in its /dev (bound from the
 * host), which a config may list (containerd's and podman's do), and
 * others bound from the host's node of the same path.
 */
static void
devices_read(json_t *arr, const struct jpath *p, struct chain *c)
{
	static const struct { const char *path; int major, minor; } std[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 },
		{ "/dev/full", 1, 7 }, { "/dev/random", 1, 8 },
		{ "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
	};
	static const char *const handled[] = { "path", "type", "major",
		"minor", "fileMode", "uid", "gid", NULL };
	struct jpath e = { p, NULL, 0 };
	long long major, minor;
	const char *path, *type;
	json_t *d;
	size_t i, k;

	json_array_foreach(arr, i, d) {
		e.index = i;
		if (!json_is_object(d))
			die_field(&e, "expected an object");
		jknown(d, &e, handled, NULL);
		path = jstr(d, "path", &e);
		type = jstr(d, "type", &e);
		if (path == NULL || type == NULL ||
		    !jint(d, "major", &e, 0, INT32_MAX, &major) ||
		    !jint(d, "minor", &e, 0, INT32_MAX, &minor))
			die_field(&e, "needs path, type, major and minor");
		for (k = 0; k < LEN(std); k++)
			if (strcmp(path, std[k].path) == 0 &&
			    strcmp(type, "c") == 0 && major == std[k].major &&
			    minor == std[k].minor)
				break;
		if (k == LEN(std))
			device_bind(d, &e, path, type, major, minor, c);
	}
}

static void
seccomp_read(json_t *sc, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "defaultAction",
		"defaultErrnoRet", "architectures", "flags", "syscalls", NULL };
	static const char *const unsupported[] = { "listenerPath",
		"listenerMetadata", NULL };

	jknown(sc, p, handled, unsupported);
	c->seccomp = sc;
}

static void
sysctls_read(json_t *obj, const struct jpath *p, struct chain *c)
{
	struct jpath k = { p, NULL, 0 };
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		k.key = key;
		if (!json_is_string(v))
			die_field(&k, "expected a string");
		if (strchr(json_string_value(v), '\n') != NULL)
			die_field(&k, "a value of more than one line");
		sysctl_check(key, c, &k);
		strv_addf(&c->sysctl, "%s=%s", key, json_string_value(v));
	}
}

static void
cgroups_path_read(json_t *lx, const struct jpath *p, struct chain *c)
{
	struct jpath cp = { p, "cgroupsPath", 0 };
	const char *path = jstr(lx, "cgroupsPath", p);

	if (path == NULL || path[0] == '\0')
		return;
	if (strchr(path, ':') != NULL)
		die_field(&cp, "'%s': a systemd slice:prefix:name; conch "
		    "makes cgroups with cgmake, without systemd", path);
	snprintf(c->cgroup, sizeof(c->cgroup), "%s", path);
}

static void
propagation_read(json_t *lx, const struct jpath *p)
{
	struct jpath rp = { p, "rootfsPropagation", 0 };
	const char *prop = jstr(lx, "rootfsPropagation", p);

	if (prop == NULL || prop[0] == '\0' || strcmp(prop, "private") == 0 ||
	    strcmp(prop, "rprivate") == 0)
		return;
	die_field(&rp, "'%s': pivot makes every mount private", prop);
}

void
linux_read(json_t *lx, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "namespaces", "uidMappings",
		"gidMappings", "timeOffsets", "devices", "cgroupsPath",
		"resources", "rootfsPropagation", "seccomp", "sysctl",
		"maskedPaths", "readonlyPaths", NULL };
	static const char *const unsupported[] = { "mountLabel", "intelRdt",
		"personality", "memoryPolicy", "netDevices", NULL };
	struct jpath s;
	json_t *v;

	jknown(lx, p, handled, unsupported);
	v = jget(lx, "namespaces", p, &s, JSON_ARRAY);
	if (v == NULL)
		die_field(&s, "missing: pivot needs a mount namespace");
	namespaces_read(v, &s, c);
	mappings_read(lx, "uidMappings", 'u', p, c);
	mappings_read(lx, "gidMappings", 'g', p, c);
	if ((v = jget(lx, "timeOffsets", p, &s, JSON_OBJECT)) != NULL)
		time_offsets_read(v, &s, c);
	if ((v = jget(lx, "devices", p, &s, JSON_ARRAY)) != NULL)
		devices_read(v, &s, c);
	cgroups_path_read(lx, p, c);
	if ((v = jget(lx, "resources", p, &s, JSON_OBJECT)) != NULL)
		resources_read(v, &s, c);
	propagation_read(lx, p);
	if ((v = jget(lx, "seccomp", p, &s, JSON_OBJECT)) != NULL)
		seccomp_read(v, &s, c);
	if ((v = jget(lx, "sysctl", p, &s, JSON_OBJECT)) != NULL)
		sysctls_read(v, &s, c);
}

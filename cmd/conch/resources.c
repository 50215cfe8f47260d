/*
 * linux.resources, as cgroup v2 files for cgmake(1): memory, pids, cpu
 * (shares to weight as crun and runc convert them), cpuset, io (blkio
 * weights converted the same way), hugetlb and unified. A zero limit,
 * share, quota, period or weight is one not given, as runc takes it:
 * engines send whole structures of zeros (docker's update does). The
 * cgroup v1 knobs v2 does not have (kernel memory, swappiness,
 * net_cls...) are errors naming the field. Device rules become cgmake's
 * devices.allow and devices.deny, its BPF_CGROUP_DEVICE program.
 *
 * And linux.sysctl: only the keys that belong to a namespace the
 * container has of its own, as runc allows them, since any other would
 * change the host.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

static void
setting(struct chain *c, const char *file, long long v, bool max_if_neg)
{
	if (v < 0 && max_if_neg)
		strv_addf(&c->cgmake, "%s=max", file);
	else
		strv_addf(&c->cgmake, "%s=%lld", file, v);
}

static void
memory_read(json_t *m, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "limit", "reservation",
		"swap", "useHierarchy", "checkBeforeUpdate", NULL };
	static const char *const unsupported[] = { "kernel", "kernelTCP",
		"swappiness", "disableOOMKiller", NULL };
	struct jpath s = { p, "swap", 0 };
	long long limit = 0, v;
	bool has_limit;

	jknown(m, p, handled, unsupported);
	has_limit = jint(m, "limit", p, -1, LLONG_MAX, &limit) && limit != 0;
	if (has_limit)
		setting(c, "memory.max", limit, true);
	if (jint(m, "reservation", p, -1, LLONG_MAX, &v) && v != 0)
		setting(c, "memory.low", v, true);
	if (!jint(m, "swap", p, -1, LLONG_MAX, &v) || v == 0)
		return;
	/* v1's swap is memory plus swap; v2's swap.max is swap alone. */
	if (v == -1)
		strv_add(&c->cgmake, "memory.swap.max=max");
	else if (!has_limit || limit < 0)
		die_field(&s, "a swap limit needs a memory limit");
	else if (v < limit)
		die_field(&s, "%lld is below the memory limit %lld", v, limit);
	else
		setting(c, "memory.swap.max", v - limit, false);
}

static void
cpu_read(json_t *cpu, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "shares", "quota", "period",
		"burst", "cpus", "mems", "idle", NULL };
	static const char *const unsupported[] = { "realtimeRuntime",
		"realtimePeriod", NULL };
	long long shares, quota = -1, period = 100000, v;
	bool has_quota, has_period;
	const char *s;

	jknown(cpu, p, handled, unsupported);
	/* runc's and crun's (1.8) linear map of [2, 262144] on [1, 10000]. */
	if (jint(cpu, "shares", p, 0, 262144, &shares) && shares != 0)
		setting(c, "cpu.weight", 1 + ((shares < 2 ? 2 : shares) - 2) *
		    9999 / 262142, false);
	has_quota = jint(cpu, "quota", p, -1, LLONG_MAX, &quota) && quota != 0;
	has_period = jint(cpu, "period", p, 0, LLONG_MAX, &period) &&
	    period != 0;
	if (!has_period)
		period = 100000;
	if (has_quota || has_period) {
		if (quota <= 0)
			strv_addf(&c->cgmake, "cpu.max=max %lld", period);
		else
			strv_addf(&c->cgmake, "cpu.max=%lld %lld", quota,
			    period);
	}
	if (jint(cpu, "burst", p, 0, LLONG_MAX, &v))
		setting(c, "cpu.max.burst", v, false);
	if ((s = jstr(cpu, "cpus", p)) != NULL && s[0] != '\0')
		strv_addf(&c->cgmake, "cpuset.cpus=%s", s);
	if ((s = jstr(cpu, "mems", p)) != NULL && s[0] != '\0')
		strv_addf(&c->cgmake, "cpuset.mems=%s", s);
	if (jint(cpu, "idle", p, 0, 1, &v))
		setting(c, "cpu.idle", v, false);
}

/* blkio's weights, 10 to 1000, on io.weight's 1 to 10000. */
static long long
io_weight(long long w)
{
	return 1 + (w - 10) * 9999 / 990;
}

static void
io_devices(json_t *arr, const char *file, const char *key,
    const struct jpath *p, struct chain *c)
{
	struct jpath e = { p, NULL, 0 };
	long long major, minor, v;
	json_t *d;
	size_t i;

	json_array_foreach(arr, i, d) {
		e.index = i;
		if (!json_is_object(d) ||
		    !jint(d, "major", &e, 0, INT32_MAX, &major) ||
		    !jint(d, "minor", &e, 0, INT32_MAX, &minor))
			die_field(&e, "needs major and minor");
		if (strcmp(file, "io.weight") == 0) {
			if (!jint(d, "weight", &e, 10, 1000, &v))
				die_field(&e, "needs a weight");
			strv_addf(&c->cgmake, "io.weight=%lld:%lld %lld", major,
			    minor, io_weight(v));
		} else {
			if (!jint(d, "rate", &e, 0, LLONG_MAX, &v))
				die_field(&e, "needs a rate");
			strv_addf(&c->cgmake, "io.max=%lld:%lld %s=%lld", major,
			    minor, key, v);
		}
	}
}

static void
blockio_read(json_t *io, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "weight", "weightDevice",
		"throttleReadBpsDevice", "throttleWriteBpsDevice",
		"throttleReadIOPSDevice", "throttleWriteIOPSDevice", NULL };
	static const char *const unsupported[] = { "leafWeight", NULL };
	static const struct { const char *field, *file, *key; } devs[] = {
		{ "weightDevice", "io.weight", NULL },
		{ "throttleReadBpsDevice", "io.max", "rbps" },
		{ "throttleWriteBpsDevice", "io.max", "wbps" },
		{ "throttleReadIOPSDevice", "io.max", "riops" },
		{ "throttleWriteIOPSDevice", "io.max", "wiops" },
	};
	struct jpath d;
	long long w;
	json_t *arr;
	size_t i;

	jknown(io, p, handled, unsupported);
	if (jint(io, "weight", p, 0, 1000, &w) && w != 0) {
		if (w < 10)
			die_field(p, "weight %lld is below 10", w);
		strv_addf(&c->cgmake, "io.weight=default %lld", io_weight(w));
	}
	for (i = 0; i < LEN(devs); i++)
		if ((arr = jget(io, devs[i].field, p, &d, JSON_ARRAY)) != NULL)
			io_devices(arr, devs[i].file, devs[i].key, &d, c);
}

static void
hugepages_read(json_t *arr, const struct jpath *p, struct chain *c)
{
	struct jpath e = { p, NULL, 0 };
	const char *size;
	long long limit;
	json_t *h;
	size_t i;

	json_array_foreach(arr, i, h) {
		e.index = i;
		if (!json_is_object(h) ||
		    (size = jstr(h, "pageSize", &e)) == NULL ||
		    !jint(h, "limit", &e, 0, LLONG_MAX, &limit))
			die_field(&e, "needs pageSize and limit");
		if (size[strspn(size, "0123456789KMGB")] != '\0')
			die_field(&e, "pageSize '%s' is not like 2MB", size);
		strv_addf(&c->cgmake, "hugetlb.%s.max=%lld", size, limit);
	}
}

/* unified: cgroup v2 files as they are, but never a process mover. */
static void
unified_read(json_t *obj, const struct jpath *p, struct chain *c)
{
	struct jpath k = { p, NULL, 0 };
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		k.key = key;
		if (!json_is_string(v))
			die_field(&k, "expected a string");
		if (key[0] == '.' || strchr(key, '/') != NULL ||
		    strchr(key, '.') == NULL)
			die_field(&k, "not a cgroup v2 file name");
		strv_addf(&c->cgmake, "%s=%s", key, json_string_value(v));
	}
}

/* Only "allow everything" is what no device program says too. */
static bool
allows_all(json_t *r)
{
	const char *type, *access;

	if (!json_is_object(r) || !json_is_true(json_object_get(r, "allow")))
		return false;
	type = json_string_value(json_object_get(r, "type"));
	access = json_string_value(json_object_get(r, "access"));
	return json_object_get(r, "major") == NULL &&
	    json_object_get(r, "minor") == NULL &&
	    (type == NULL || strcmp(type, "a") == 0) &&
	    (access == NULL || strcmp(access, "rwm") == 0);
}

/* major or minor: absent or -1 is any, "*" in cgmake's rule. */
static void
dev_number(json_t *r, const char *key, const struct jpath *p, char *buf,
    size_t size)
{
	long long v;

	if (!jint(r, key, p, -1, UINT32_MAX, &v) || v == -1)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%lld", v);
}

static void
device_rule(json_t *r, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "allow", "type", "major",
		"minor", "access", NULL };
	char major[16], minor[16];
	const char *type, *access;

	if (!json_is_object(r))
		die_field(p, "expected an object");
	jknown(r, p, handled, NULL);
	type = jstr(r, "type", p);
	access = jstr(r, "access", p);
	if (type == NULL)
		type = "a";
	if (access == NULL || access[0] == '\0')
		access = "rwm";
	if (strlen(type) != 1 || strchr("abc", type[0]) == NULL)
		die_field(p, "type '%s': a, b or c", type);
	if (access[strspn(access, "rwm")] != '\0' || strlen(access) > 3)
		die_field(p, "access '%s': of r, w and m", access);
	dev_number(r, "major", p, major, sizeof(major));
	dev_number(r, "minor", p, minor, sizeof(minor));
	strv_addf(&c->devices, "devices.%s=%s %s:%s %s",
	    jbool(r, "allow", p) ? "allow" : "deny", type, major, minor,
	    access);
}

/*
 * What no rule names is refused, and the nodes pivot makes (and the
 * terminals) are allowed after the config's rules, so that no rule takes
 * them away; mknod of any node is allowed, opening it is not: runc's
 * defaults (libcontainer/specconv), which podman's configs count on.
 */
static void
device_rules_read(json_t *arr, const struct jpath *p, struct chain *c)
{
	static const char *const defaults[] = { "c *:* m", "b *:* m",
		"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
		"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm" };
	struct jpath e = { p, NULL, 0 };
	bool all = true;
	json_t *r;
	size_t i;

	json_array_foreach(arr, i, r)
		all = all && allows_all(r);
	if (all)
		return;
	strv_add(&c->devices, "devices.deny=a");
	json_array_foreach(arr, i, r) {
		e.index = i;
		device_rule(r, &e, c);
	}
	for (i = 0; i < LEN(defaults); i++)
		strv_addf(&c->devices, "devices.allow=%s", defaults[i]);
}

void
resources_read(json_t *res, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "memory", "cpu", "pids",
		"blockIO", "hugepageLimits", "unified", "devices", NULL };
	static const char *const unsupported[] = { "network", "rdma", NULL };
	struct jpath s;
	long long v;
	json_t *o;

	jknown(res, p, handled, unsupported);
	if ((o = jget(res, "devices", p, &s, JSON_ARRAY)) != NULL)
		device_rules_read(o, &s, c);
	if ((o = jget(res, "memory", p, &s, JSON_OBJECT)) != NULL)
		memory_read(o, &s, c);
	if ((o = jget(res, "cpu", p, &s, JSON_OBJECT)) != NULL)
		cpu_read(o, &s, c);
	if ((o = jget(res, "pids", p, &s, JSON_OBJECT)) != NULL &&
	    jint(o, "limit", &s, LLONG_MIN, LLONG_MAX, &v) && v != 0)
		setting(c, "pids.max", v < 0 ? -1 : v, true);
	if ((o = jget(res, "blockIO", p, &s, JSON_OBJECT)) != NULL)
		blockio_read(o, &s, c);
	if ((o = jget(res, "hugepageLimits", p, &s, JSON_ARRAY)) != NULL)
		hugepages_read(o, &s, c);
	if ((o = jget(res, "unified", p, &s, JSON_OBJECT)) != NULL)
		unified_read(o, &s, c);
}

/* Whether the container joins a namespace of this nsjoin name by path. */
static bool
joined(const struct chain *c, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < c->nsjoin.n; i++)
		if (strncmp(c->nsjoin.v[i] + 2, name, n) == 0 &&
		    c->nsjoin.v[i][2 + n] == '=')
			return true;
	return false;
}

/*
 * runc's rule (libcontainer/configs/validate): the ipc namespace's
 * kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.*, the uts
 * namespace's kernel.hostname and kernel.domainname, and net.* with a
 * network namespace; a namespace joined by path counts too.
 */
void
sysctl_check(const char *key, const struct chain *c, const struct jpath *p)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
		"kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL };
	const char *const *k;
	const char *need = NULL;
	int flag = 0;

	for (k = ipc; *k != NULL; k++)
		if (strcmp(key, *k) == 0)
			flag = CLONE_NEWIPC, need = "ipc";
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		flag = CLONE_NEWIPC, need = "ipc";
	if (strcmp(key, "kernel.hostname") == 0 ||
	    strcmp(key, "kernel.domainname") == 0)
		flag = CLONE_NEWUTS, need = "uts";
	if (strncmp(key, "net.", 4) == 0)
		flag = CLONE_NEWNET, need = "net";
	if (flag == 0)
		die_field(p, "not a namespaced sysctl: it would change the "
		    "host");
	if (key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.-")] !=
	    '\0' || strstr(key, "..") != NULL)
		die_field(p, "not a sysctl name");
	if (!(c->nsflags & flag) && !joined(c, need))
		die_field(p, "needs a%s %s namespace of the container's own",
		    need[0] == 'i' ? "n" : "", strcmp(need, "net") == 0 ?
		    "network" : need);
}

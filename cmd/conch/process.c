/*
 * process: what becomes of the container's process. rlimits and
 * oomScoreAdj go to rlimit(1); user, additionalGids, capabilities and
 * noNewPrivileges to capset(1), exactly (each set as listed, none
 * implied); apparmorProfile and selinuxLabel to confine(1); env, cwd,
 * umask and args to conch init, the last step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

#define CAPBIT(c) ((uint64_t)1 << (c))

static const char *const rlimit_names[] = { "RLIMIT_AS", "RLIMIT_CORE",
	"RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
	"RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
	"RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	"RLIMIT_SIGPENDING", "RLIMIT_STACK", NULL };

/* An rlimit value: a huge one (2^64 - 1 in JSON) is unlimited. */
static void
rlimit_value(json_t *o, const char *key, const struct jpath *p, char *buf,
    size_t size)
{
	struct jpath c = { p, key, 0 };
	long long v;

	if (!jint(o, key, p, 0, LLONG_MAX, &v))
		die_field(&c, "missing");
	if (v == LLONG_MAX)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%lld", v);
}

static void
rlimits_read(json_t *arr, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "type", "soft", "hard", NULL };
	struct jpath e = { p, NULL, 0 }, t;
	char soft[32], hard[32], name[32];
	const char *type;
	json_t *r;
	size_t i;

	json_array_foreach(arr, i, r) {
		e.index = i;
		t = (struct jpath){ &e, "type", 0 };
		if (!json_is_object(r))
			die_field(&e, "expected an object");
		jknown(r, &e, handled, NULL);
		type = jstr(r, "type", &e);
		if (type == NULL)
			die_field(&t, "missing");
		for (size_t k = 0; rlimit_names[k] != NULL; k++)
			if (strcmp(type, rlimit_names[k]) == 0)
				goto known;
		die_field(&t, "unknown resource '%s'", type);
known:
		rlimit_value(r, "soft", &e, soft, sizeof(soft));
		rlimit_value(r, "hard", &e, hard, sizeof(hard));
		snprintf(name, sizeof(name), "%s", type + 7);
		for (char *s = name; *s != '\0'; s++)
			*s = (char)(*s - 'A' + 'a');
		strv_addf(&c->rlimit, "%s=%s:%s", name, soft, hard);
	}
}

/* A list of capability names as a bit mask. */
static uint64_t
cap_set(json_t *caps, const char *key, const struct jpath *p)
{
	struct jpath c, e;
	json_t *arr = jget(caps, key, p, &c, JSON_ARRAY), *v;
	uint64_t mask = 0;
	size_t i;
	int n;

	e.up = &c;
	e.key = NULL;
	json_array_foreach(arr, i, v) {
		e.index = i;
		if (!json_is_string(v))
			die_field(&e, "expected a string");
		n = capnum(json_string_value(v));
		if (n < 0 || strncasecmp(json_string_value(v), "CAP_", 4) != 0)
			die_field(&e, "unknown capability '%s'",
			    json_string_value(v));
		mask |= CAPBIT(n);
	}
	return mask;
}

/* "+cap_a,+cap_b" after -all: the list form of capset's set changes. */
static void
cap_list(uint64_t mask, char *buf, size_t size)
{
	size_t o = snprintf(buf, size, "-all");
	int i;

	for (i = 0; i < 64 && o < size; i++)
		if (mask & CAPBIT(i))
			o += snprintf(buf + o, size - o, ",+%s",
			    capname(i) != NULL ? capname(i) + 4 : "?");
}

/*
 * capset's --caps TEXT for the permitted, effective and inheritable sets:
 * one clause per combination, "cap_a,cap_b=eip cap_c=p", or "=" for none.
 */
static void
cap_text(uint64_t prm, uint64_t eff, uint64_t inh, char *buf, size_t size)
{
	static const char *const flags[] = { "", "p", "e", "ep", "i", "ip",
		"ei", "eip" };
	size_t o = 0, start;
	int f, i;

	buf[0] = '\0';
	for (f = 1; f < 8; f++) {
		start = o;
		for (i = 0; i < 64 && o < size; i++) {
			if ((int)(((prm >> i) & 1) | ((eff >> i) & 1) << 1 |
			    ((inh >> i) & 1) << 2) != f)
				continue;
			o += snprintf(buf + o, size - o, "%s%s",
			    o == start ? (o > 0 ? " " : "") : ",", capname(i));
		}
		if (o > start && o < size)
			o += snprintf(buf + o, size - o, "=%s", flags[f]);
	}
	if (o == 0)
		snprintf(buf, size, "=");
	if (o >= size)
		die("capabilities: text too long");
}

static void
caps_read(json_t *caps, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "bounding", "effective",
		"inheritable", "permitted", "ambient", NULL };
	uint64_t bnd, eff, inh, prm, amb, bad;
	struct jpath a = { p, "ambient", 0 };
	char buf[2048];

	jknown(caps, p, handled, NULL);
	bnd = cap_set(caps, "bounding", p);
	eff = cap_set(caps, "effective", p);
	inh = cap_set(caps, "inheritable", p);
	prm = cap_set(caps, "permitted", p);
	amb = cap_set(caps, "ambient", p);
	/* The kernel raises an ambient cap only if permitted and
	 * inheritable; runc skips the others without a word. */
	bad = amb & ~(prm & inh);
	if (bad != 0)
		die_field(&a, "%s is not both permitted and inheritable, and "
		    "the kernel cannot raise it", capname(__builtin_ctzll(bad)));
	cap_list(bnd, buf, sizeof(buf));
	strv_addf(&c->capset, "--bounding=%s", buf);
	cap_text(prm, eff, inh, buf, sizeof(buf));
	strv_addf(&c->capset, "--caps=%s", buf);
	cap_list(amb, buf, sizeof(buf));
	strv_addf(&c->capset, "--ambient=%s", buf);
}

static void
user_read(json_t *user, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "uid", "gid", "umask",
		"additionalGids", "username", NULL };
	struct jpath g, e = { NULL, NULL, 0 };
	long long uid = 0, gid = 0, umask;
	char list[4096] = "";
	size_t i, o = 0;
	json_t *gids, *v;

	jknown(user, p, handled, NULL);
	jint(user, "uid", p, 0, UINT32_MAX - 1, &uid);
	jint(user, "gid", p, 0, UINT32_MAX - 1, &gid);
	strv_addf(&c->capset, "--user=%lld", uid);
	strv_addf(&c->capset, "--group=%lld", gid);
	gids = jget(user, "additionalGids", p, &g, JSON_ARRAY);
	e.up = &g;
	json_array_foreach(gids, i, v) {
		e.index = i;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= UINT32_MAX)
			die_field(&e, "expected a gid");
		o += snprintf(list + o, sizeof(list) - o, "%s%lld",
		    o > 0 ? "," : "", (long long)json_integer_value(v));
		if (o >= sizeof(list))
			die_field(&g, "too many groups");
	}
	/* Unprivileged, the user namespace may deny setgroups(2); capset
	 * then leaves the groups as they are, as runc does rootless. */
	if (o > 0)
		strv_addf(&c->capset, "--groups=%s", list);
	else if (geteuid() == 0)
		strv_add(&c->capset, "--clear-groups");
	if (jint(user, "umask", p, 0, 0777, &umask))
		strv_addf(&c->init, "--umask=%04llo", umask);
}

/* args and env: arrays of strings; env entries are NAME=VALUE. */
static void
strings_read(json_t *o, const char *key, const struct jpath *p,
    struct strv *out, const char *opt)
{
	struct jpath a, e = { NULL, NULL, 0 };
	json_t *arr = jget(o, key, p, &a, JSON_ARRAY), *v;
	size_t i;

	e.up = &a;
	json_array_foreach(arr, i, v) {
		e.index = i;
		if (!json_is_string(v))
			die_field(&e, "expected a string");
		if (opt != NULL && (strchr(json_string_value(v), '=') == NULL ||
		    json_string_value(v)[0] == '='))
			die_field(&e, "'%s' is not NAME=VALUE",
			    json_string_value(v));
		if (opt != NULL)
			strv_addf(out, "%s=%s", opt, json_string_value(v));
		else
			strv_add(out, json_string_value(v));
	}
}

/*
 * apparmorProfile, selinuxLabel: confine's label of the next exec. An
 * empty one asks for none, as runc reads it.
 */
static void
label_read(json_t *proc, const char *key, const struct jpath *p,
    const char *opt, struct chain *c)
{
	const char *label = jstr(proc, key, p);

	if (label != NULL && label[0] != '\0')
		strv_addf(&c->confine, "%s=%s", opt, label);
}

static void
terminal_read(json_t *proc, const struct jpath *p, struct chain *c)
{
	struct jpath s;
	json_t *size = jget(proc, "consoleSize", p, &s, JSON_OBJECT);
	long long v;

	c->terminal = jbool(proc, "terminal", p);
	if (size == NULL)
		return;
	if (jint(size, "height", &s, 0, 65535, &v))
		c->rows = v;
	if (jint(size, "width", &s, 0, 65535, &v))
		c->cols = v;
}

void
process_read(json_t *proc, const struct jpath *p, struct chain *c)
{
	static const char *const handled[] = { "terminal", "consoleSize",
		"cwd", "env", "args", "rlimits", "capabilities",
		"noNewPrivileges", "oomScoreAdj", "user", "apparmorProfile",
		"selinuxLabel", NULL };
	static const char *const unsupported[] = { "commandLine",
		"scheduler", "ioPriority", "execCPUAffinity", NULL };
	struct jpath a = { p, "args", 0 }, w = { p, "cwd", 0 }, s;
	const char *cwd;
	json_t *v;
	long long oom;

	jknown(proc, p, handled, unsupported);
	terminal_read(proc, p, c);
	if ((v = jget(proc, "user", p, &s, JSON_OBJECT)) != NULL)
		user_read(v, &s, c);
	if ((v = jget(proc, "capabilities", p, &s, JSON_OBJECT)) != NULL)
		caps_read(v, &s, c);
	if (jbool(proc, "noNewPrivileges", p))
		strv_add(&c->capset, "--nnp");
	if (jint(proc, "oomScoreAdj", p, -1000, 1000, &oom))
		strv_addf(&c->rlimit, "--oom-score-adj=%lld", oom);
	if ((v = jget(proc, "rlimits", p, &s, JSON_ARRAY)) != NULL)
		rlimits_read(v, &s, c);
	label_read(proc, "apparmorProfile", p, "--apparmor", c);
	label_read(proc, "selinuxLabel", p, "--selinux", c);
	strings_read(proc, "env", p, &c->init, "--env");
	cwd = jstr(proc, "cwd", p);
	if (cwd == NULL)
		die_field(&w, "missing");
	if (cwd[0] != '/')
		die_field(&w, "'%s' is not an absolute path", cwd);
	strv_addf(&c->init, "--cwd=%s", cwd);
	strings_read(proc, "args", p, &c->args, NULL);
	if (c->args.n == 0)
		die_field(&a, "missing: no program to run");
}

/*
 * OCI, Docker and podman seccomp profiles (JSON), read as runc reads
 * them: the actions and errnoRet, the conditions of "args" (one index
 * twice means either), "architectures" or Docker's "archMap", "flags",
 * and Docker's "includes" and "excludes", resolved against this machine
 * as Docker resolves them before runc sees the profile. How runc and
 * libseccomp then settle the rules, and runc's ENOSYS stub: runc.c.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include <jansson.h>
#include <seccomp.h>

#include "conch.h"
#include "json.h"
#include "runc.h"

/* ---- what Docker's conditions read -------------------------------------- */

/* What Docker resolves "includes" and "excludes" against. */
static struct docker_host {
	bool known;
	uint64_t caps;		/* the permitted set */
	unsigned kmajor, kminor;
	const char *goarch;
} docker_host;

static void
host_facts(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct utsname u;

	if (docker_host.known)
		return;
	/* The permitted set: under no_new_privs it bounds what PROG holds. */
	if (syscall(SYS_capget, &hdr, data) == -1)
		die_sys("capget");
	docker_host.caps = data[0].permitted |
	    (uint64_t)data[1].permitted << 32;
	if (uname(&u) == -1)
		die_sys("uname");
	if (sscanf(u.release, "%u.%u", &docker_host.kmajor,
	    &docker_host.kminor) != 2)
		die("kernel release '%s': expected MAJOR.MINOR...", u.release);
	docker_host.goarch = arch_bytoken(seccomp_arch_native())->goarch;
	docker_host.known = true;
	trace("Docker conditions: permitted capabilities 0x%" PRIx64
	    ", kernel %u.%u, arch %s", docker_host.caps, docker_host.kmajor,
	    docker_host.kminor, docker_host.goarch);
}

/* ---- fields, and where they are for messages ---------------------------- */

struct jctx {
	const char *origin;
	char path[128];		/* "syscalls[3].args[0]" */
};

static noreturn void __attribute__((format(printf, 3, 4)))
die_json(const struct jctx *j, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die("%s: %s%s%s: %s", j->origin, j->path, *j->path && field ? "." : "",
	    field ? field : "", msg);
}

static const char *
json_str(const struct jctx *j, json_t *o, const char *field, bool required)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || json_is_null(v)) {
		if (required)
			die_json(j, field, "missing");
		return NULL;
	}
	if (!json_is_string(v))
		die_json(j, field, "expected a string");
	return json_string_value(v);
}

static bool
json_int(const struct jctx *j, json_t *o, const char *field, uint64_t *out)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || json_is_null(v))
		return false;
	if (!json_is_integer(v))
		die_json(j, field, "expected an integer");
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* An array of strings, or NULL when absent; dies on any other type. */
static json_t *
json_strings(const struct jctx *j, json_t *o, const char *field)
{
	json_t *v = json_object_get(o, field), *e;
	size_t i;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_array(v))
		die_json(j, field, "expected an array of strings");
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			die_json(j, field, "expected an array of strings");
	return v;
}

/* SCMP_ACT_*, with errnoRet for ERRNO and TRACE (EPERM without, as runc). */
static uint32_t
json_action(const struct jctx *j, const char *name, json_t *o,
    const char *retfield)
{
	uint64_t ret;
	bool has_ret = json_int(j, o, retfield, &ret);

	if (has_ret && strcmp(name, "SCMP_ACT_ERRNO") != 0 &&
	    strcmp(name, "SCMP_ACT_TRACE") != 0)
		die_json(j, retfield, "only for SCMP_ACT_ERRNO and "
		    "SCMP_ACT_TRACE");
	if (has_ret && ret > (strcmp(name, "SCMP_ACT_ERRNO") == 0 ?
	    MAX_ERRNO : 0xffff))
		die_json(j, retfield, "%" PRIu64 " out of range", ret);
	if (!has_ret)
		ret = EPERM;
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		return SCMP_ACT_ALLOW;
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		return SCMP_ACT_ERRNO(ret);
	if (strcmp(name, "SCMP_ACT_KILL") == 0 ||
	    strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		return SCMP_ACT_KILL;
	if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		return SCMP_ACT_KILL_PROCESS;
	if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		return SCMP_ACT_TRAP;
	if (strcmp(name, "SCMP_ACT_LOG") == 0)
		return SCMP_ACT_LOG;
	if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		return SCMP_ACT_TRACE(ret);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		die("%s: %s: SCMP_ACT_NOTIFY needs a supervisor listening for "
		    "the filter's notifications; scfilter has none", j->origin,
		    j->path);
	die("%s: %s: unknown action '%s'", j->origin,
	    *j->path ? j->path : "defaultAction", name);
}

static enum op
json_op(const struct jctx *j, const char *name)
{
	static const struct { const char *name; enum op op; } ops[] = {
		{ "SCMP_CMP_EQ", OP_EQ }, { "SCMP_CMP_NE", OP_NE },
		{ "SCMP_CMP_LT", OP_LT }, { "SCMP_CMP_LE", OP_LE },
		{ "SCMP_CMP_GT", OP_GT }, { "SCMP_CMP_GE", OP_GE },
		{ "SCMP_CMP_MASKED_EQ", OP_MEQ },
	};
	size_t i;

	for (i = 0; i < LEN(ops); i++)
		if (strcmp(ops[i].name, name) == 0)
			return ops[i].op;
	die_json(j, "op", "unknown operator '%s'", name);
}

static bool
in_strings(json_t *arr, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (strcmp(json_string_value(e), s) == 0)
			return true;
	return false;
}

/* Docker's "caps": true if all (all_of) or any of them are held. */
static bool
caps_held(const struct jctx *j, json_t *caps, bool all_of)
{
	json_t *e;
	size_t i;
	int c;

	bool held = all_of;

	json_array_foreach(caps, i, e) {
		c = capnum(json_string_value(e));
		if (c < 0)
			die_json(j, "caps", "unknown capability '%s'",
			    json_string_value(e));
		if (((docker_host.caps >> c) & 1) != all_of)
			held = !all_of;
	}
	return held;
}

static bool
kernel_at_least(const struct jctx *j, const char *field, const char *v)
{
	unsigned major, minor;
	int end = 0;

	if (sscanf(v, "%u.%u%n", &major, &minor, &end) != 2 ||
	    v[end] != '\0')
		die_json(j, field, "bad kernel version '%s' (expected "
		    "MAJOR.MINOR)", v);
	return docker_host.kmajor > major || (docker_host.kmajor == major &&
	    docker_host.kminor >= minor);
}

/*
 * Docker resolves "includes" and "excludes" before runc sees the profile:
 * an entry applies when the native arch, every capability and the minimum
 * kernel of "includes" are there, and nothing of "excludes" is.
 */
static bool
docker_applies(struct jctx *j, json_t *sc, const char **why)
{
	json_t *inc = json_object_get(sc, "includes");
	json_t *exc = json_object_get(sc, "excludes");
	json_t *v;
	const char *k;
	size_t len = strlen(j->path);

	*why = NULL;
	if (inc != NULL && !json_is_null(inc) && !json_is_object(inc))
		die_json(j, "includes", "expected an object");
	if (exc != NULL && !json_is_null(exc) && !json_is_object(exc))
		die_json(j, "excludes", "expected an object");
	if (json_is_object(inc) || json_is_object(exc))
		host_facts();
	if (json_is_object(exc)) {
		snprintf(j->path + len, sizeof(j->path) - len, ".excludes");
		if ((v = json_strings(j, exc, "arches")) != NULL &&
		    in_strings(v, docker_host.goarch))
			*why = "excluded on this architecture";
		else if ((v = json_strings(j, exc, "caps")) != NULL &&
		    caps_held(j, v, false))
			*why = "excluded by a capability held";
		else if ((k = json_str(j, exc, "minKernel", false)) != NULL &&
		    kernel_at_least(j, "minKernel", k))
			*why = "excluded from this kernel on";
	}
	if (json_is_object(inc) && *why == NULL) {
		snprintf(j->path + len, sizeof(j->path) - len, ".includes");
		if ((v = json_strings(j, inc, "arches")) != NULL &&
		    !in_strings(v, docker_host.goarch))
			*why = "not for this architecture";
		else if ((v = json_strings(j, inc, "caps")) != NULL &&
		    !caps_held(j, v, true))
			*why = "needs a capability not held";
		else if ((k = json_str(j, inc, "minKernel", false)) != NULL &&
		    !kernel_at_least(j, "minKernel", k))
			*why = "needs a newer kernel";
	}
	j->path[len] = '\0';
	return *why == NULL;
}

/* args[]: the conditions; one index twice means "or", as runc reads it. */
static size_t
json_args(struct jctx *j, json_t *sc, struct cmp *out, bool *repeated)
{
	json_t *args = json_object_get(sc, "args"), *a;
	size_t i, n = 0, len = strlen(j->path);
	unsigned seen = 0;
	uint64_t index;

	*repeated = false;
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		die_json(j, "args", "expected an array");
	json_array_foreach(args, i, a) {
		snprintf(j->path + len, sizeof(j->path) - len, ".args[%zu]", i);
		if (!json_is_object(a))
			die_json(j, NULL, "expected an object");
		if (n == RULE_CMPS)
			die_json(j, NULL, "too many conditions (at most %d)",
			    RULE_CMPS);
		if (!json_int(j, a, "index", &index))
			index = 0;
		if (index >= NARGS)
			die_json(j, "index", "%" PRIu64 " out of range (0 "
			    "to 5)", index);
		out[n].arg = (unsigned)index;
		out[n].op = json_op(j, json_str(j, a, "op", true));
		out[n].v = out[n].v2 = 0;
		json_int(j, a, "value", &out[n].v);
		json_int(j, a, "valueTwo", &out[n].v2);
		if (seen & 1U << index)
			*repeated = true;
		seen |= 1U << index;
		n++;
	}
	j->path[len] = '\0';
	return n;
}

static void
json_syscall(struct jctx *j, json_t *sc, struct jrules *jr, size_t entry,
    unsigned profile)
{
	struct rule r = { .ncmp = 0, .profile = profile };
	struct cmp cmps[RULE_CMPS];
	const char *why, *name;
	json_t *names, *e;
	bool repeated;
	size_t i, k, n;

	if (!json_is_object(sc))
		die_json(j, NULL, "expected an object");
	names = json_strings(j, sc, "names");
	name = json_str(j, sc, "name", false);
	if ((names == NULL || json_array_size(names) == 0) && name == NULL)
		die_json(j, "names", "missing");
	r.act = json_action(j, json_str(j, sc, "action", true), sc,
	    "errnoRet");
	n = json_args(j, sc, cmps, &repeated);
	if (!docker_applies(j, sc, &why)) {
		trace("%s: %s (%s...): %s: skipped", j->origin, j->path,
		    name ? name : json_string_value(json_array_get(names, 0)),
		    why);
		return;
	}
	if (repeated)
		trace("%s: %s: an argument compared twice: any comparison "
		    "matches (as runc)", j->origin, j->path);
	for (i = 0; i < (names ? json_array_size(names) : 0) + (name != NULL);
	    i++) {
		e = names ? json_array_get(names, i) : NULL;
		r.name = e ? json_string_value(e) : name;
		r.nr = syscall_nr(r.name);
		if (r.nr == __NR_SCMP_ERROR) {
			/* As runc: a profile outlives the libseccomp here. */
			trace("%s: %s: system call '%s' unknown to libseccomp "
			    "%u.%u: skipped", j->origin, j->path, r.name,
			    seccomp_version()->major, seccomp_version()->minor);
			continue;
		}
		if (!repeated) {
			r.ncmp = n;
			memcpy(r.cmp, cmps, n * sizeof(*cmps));
			jrule_add(jr, &r, entry);
			continue;
		}
		for (k = 0; k < n; k++) {
			r.ncmp = 1;
			r.cmp[0] = cmps[k];
			jrule_add(jr, &r, entry);
		}
	}
}

/* An architecture of a JSON profile: "SCMP_ARCH_X86_64"; 0 if unknown. */
static uint32_t
json_arch_token(const char *name)
{
	const struct archinfo *a = NULL;
	char lower[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) == 0 && strlen(name) < 42) {
		for (i = 0; name[10 + i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)name[10 + i]);
		lower[i] = '\0';
		a = arch_byname(lower);
	}
	return a != NULL ? a->token : 0;
}

static uint32_t
json_arch(const struct jctx *j, const char *field, const char *name)
{
	uint32_t token = json_arch_token(name);

	if (token == 0)
		die_json(j, field, "unknown architecture '%s'", name);
	return token;
}

#define JSON_ARCHES 64

/*
 * "architectures", or Docker's "archMap" entry for the native arch: into
 * tokens (JSON_ARCHES at most), their number returned.
 */
static size_t
json_arches(struct profile *p, struct jctx *j, json_t *root, uint32_t *tokens)
{
	json_t *list = json_strings(j, root, "architectures");
	json_t *map = json_object_get(root, "archMap"), *m, *e, *subs;
	struct where w = { j->origin, 0 };
	uint32_t token;
	size_t n = 0, i, k;

	if (map != NULL && json_is_null(map))
		map = NULL;
	if (map != NULL && !json_is_array(map))
		die_json(j, "archMap", "expected an array");
	if (json_array_size(list) > 0 && json_array_size(map) > 0)
		die("%s: both architectures and archMap are given (Docker "
		    "refuses that too)", j->origin);
	json_array_foreach(list, i, e) {
		if (n < JSON_ARCHES)
			tokens[n++] = json_arch(j, "architectures",
			    json_string_value(e));
	}
	json_array_foreach(map, i, m) {
		snprintf(j->path, sizeof(j->path), "archMap[%zu]", i);
		if (!json_is_object(m))
			die_json(j, NULL, "expected an object");
		/* Docker looks at the native entry only; others may be new. */
		token = json_arch_token(json_str(j, m, "architecture", true));
		subs = json_strings(j, m, "subArchitectures");
		if (token != seccomp_arch_native() || n == JSON_ARCHES)
			continue;
		tokens[n++] = token;
		json_array_foreach(subs, k, e) {
			if (n < JSON_ARCHES)
				tokens[n++] = json_arch(j, "subArchitectures",
				    json_string_value(e));
		}
	}
	j->path[0] = '\0';
	if (n > 0)
		profile_set_arches(p, tokens, n, &w, true);
	return n;
}

static void
json_flags(struct profile *p, struct jctx *j, json_t *root)
{
	json_t *flags = json_strings(j, root, "flags"), *e;
	const char *f;
	size_t i;

	json_array_foreach(flags, i, e) {
		f = json_string_value(e);
		if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
			p->flag_log = true;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			p->flag_spec_allow = true;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") != 0 &&
		    strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") != 0)
			die_json(j, "flags", "unknown flag '%s'", f);
	}
}

static void
json_release(void *root)
{
	json_decref(root);
}

void
json_profile_read(struct profile *p, const char *buf, size_t len,
    const char *origin)
{
	struct jctx j = { origin, "" };
	struct jrules jr = { NULL, 0, 0 };
	uint32_t tokens[JSON_ARCHES];
	json_t *root, *calls, *sc;
	json_error_t e;
	size_t i, narch;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL)
		die("%s: line %d, column %d: invalid JSON: %s", origin, e.line,
		    e.column, e.text);
	profile_hold(p, root, json_release);
	if (!json_is_object(root))
		die("%s: expected a JSON object (an OCI seccomp profile)",
		    origin);
	profile_set_default(p, json_action(&j, json_str(&j, root,
	    "defaultAction", true), root, "defaultErrnoRet"));
	p->stub_profile = ++p->njson;
	narch = json_arches(p, &j, root, tokens);
	json_flags(p, &j, root);
	calls = json_object_get(root, "syscalls");
	if (calls != NULL && !json_is_null(calls) && !json_is_array(calls))
		die_json(&j, "syscalls", "expected an array");
	json_array_foreach(calls, i, sc) {
		snprintf(j.path, sizeof(j.path), "syscalls[%zu]", i);
		json_syscall(&j, sc, &jr, i, p->stub_profile);
	}
	runc_settle(p, origin, &jr);
	runc_last_calls(p, origin, &jr, tokens, narch);
	free(jr.v);
}

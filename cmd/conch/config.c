/*
 * config.json: read with jansson (as scfilter reads its JSON), every
 * field checked where it is read, every error naming the field by its
 * path (linux.namespaces[2].type). The runtime spec asks that unknown
 * properties be ignored; a property the spec defines and no conch tool
 * can apply is a 125 error, never silently dropped (jknown()).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

void
jpath_str(const struct jpath *p, char *buf, size_t size)
{
	char up[1024];

	if (p == NULL || (p->up == NULL && p->index == JPATH_DOC)) {
		buf[0] = '\0';
		return;
	}
	jpath_str(p->up, up, sizeof(up));
	if (p->key != NULL)
		snprintf(buf, size, "%s%s%s", up, up[0] != '\0' ? "." : "",
		    p->key);
	else
		snprintf(buf, size, "%s[%zu]", up, p->index);
}

void
die_field(const struct jpath *p, const char *fmt, ...)
{
	const struct jpath *top = p;
	char path[1024], msg[1024];
	va_list ap;

	while (top->up != NULL)
		top = top->up;
	jpath_str(p, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die("%s: %s%s%s", top->index == JPATH_DOC ? top->key : "config.json",
	    path, path[0] != '\0' ? ": " : "", msg);
}

static const char *
type_name(int type)
{
	switch (type) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_TRUE:
		return "true or false";
	}
	return "a value";
}

/*
 * OBJ[KEY] of TYPE (JSON_TRUE for a boolean, -1 for any), or NULL when
 * it is missing or null; CHILD gets its path.
 */
json_t *
jget(json_t *obj, const char *key, const struct jpath *p, struct jpath *child,
    int type)
{
	json_t *v = json_object_get(obj, key);
	bool ok;

	child->up = p;
	child->key = key;
	if (v == NULL || json_is_null(v))
		return NULL;
	if (type == JSON_TRUE)
		ok = json_is_boolean(v);
	else if (type == JSON_INTEGER)
		ok = json_is_integer(v) || json_is_real(v);
	else
		ok = type == -1 || (int)json_typeof(v) == type;
	if (!ok)
		die_field(child, "expected %s", type_name(type));
	return v;
}

const char *
jstr(json_t *obj, const char *key, const struct jpath *p)
{
	struct jpath c;
	json_t *v = jget(obj, key, p, &c, JSON_STRING);

	return v != NULL ? json_string_value(v) : NULL;
}

bool
jbool(json_t *obj, const char *key, const struct jpath *p)
{
	struct jpath c;
	json_t *v = jget(obj, key, p, &c, JSON_TRUE);

	return v != NULL && json_is_true(v);
}

/*
 * OBJ[KEY], an integer from MIN to MAX, in *OUT; false when missing.
 * A number too big for jansson's integers (an unsigned 64-bit limit,
 * such as 18446744073709551615 for "unlimited") was read as a real by
 * config_load(): such a real counts when it is whole.
 */
bool
jint(json_t *obj, const char *key, const struct jpath *p, long long min,
    long long max, long long *out)
{
	struct jpath c;
	json_t *v = jget(obj, key, p, &c, JSON_INTEGER);
	double d;

	if (v == NULL)
		return false;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else {
		d = json_real_value(v);
		if (d != floor(d))
			die_field(&c, "expected an integer");
		*out = d >= 9.2233720368547758e18 ? LLONG_MAX :
		    d <= -9.2233720368547758e18 ? LLONG_MIN : (long long)d;
	}
	if (*out < min || *out > max)
		die_field(&c, "%lld is out of range (%lld to %lld)", *out, min,
		    max);
	return true;
}

static bool
in_list(const char *key, const char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(key, *list) == 0)
			return true;
	return false;
}

static bool
json_empty(json_t *v)
{
	return json_is_null(v) || json_is_false(v) ||
	    (json_is_string(v) && json_string_length(v) == 0) ||
	    (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_object(v) && json_object_size(v) == 0) ||
	    (json_is_integer(v) && json_integer_value(v) == 0);
}

/*
 * The keys of OBJ that the spec defines and conch cannot apply
 * (UNSUPPORTED) are an error when they say anything (not null, "", 0,
 * false, [] or {}); HANDLED ones are read elsewhere; others, unknown to
 * the spec, are ignored as it asks.
 */
void
jknown(json_t *obj, const struct jpath *p, const char *const *handled,
    const char *const *unsupported)
{
	struct jpath c = { p, NULL, 0 };
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (in_list(key, handled) || !in_list(key, unsupported) ||
		    json_empty(v))
			continue;
		c.key = key;
		die_field(&c, "not supported: no conch tool applies it yet");
	}
}

static char *
read_config(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		die_sys("open %s", path);
	if (fstat(fd, &sb) == -1)
		die_sys("stat %s", path);
	if (!S_ISREG(sb.st_mode))
		die("%s: not a regular file", path);
	buf = xcalloc(1, sb.st_size + 1);
	*len = 0;
	while ((n = read(fd, buf + *len, sb.st_size - *len)) > 0)
		*len += n;
	if (n == -1)
		die_sys("read %s", path);
	close(fd);
	buf[*len] = '\0';
	return buf;
}

/*
 * PATH's JSON (opened close-on-exec, which jansson's fopen() would not
 * do), integers too big for jansson read as reals, as config_load() does.
 */
json_t *
json_read(const char *path, json_error_t *e)
{
	size_t len;
	json_t *o;
	char *text;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		snprintf(e->text, sizeof(e->text), "%s", strerror(errno));
		e->line = e->column = 0;
		return NULL;
	}
	/* Whole, in a few reads: jansson's fd reader reads byte by byte. */
	if ((text = read_all(fd, &len)) == NULL)
		die_sys("read %s", path);
	close(fd);
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, e);
	if (o == NULL && strstr(e->text, "too big integer") != NULL)
		o = json_loadb(text, len, JSON_REJECT_DUPLICATES |
		    JSON_DECODE_INT_AS_REAL, e);
	free(text);
	return o;
}

/* O as PATH (mode 0600, close-on-exec) in one write, or -1. */
int
json_write(json_t *o, const char *path)
{
	char *text = json_dumps(o, JSON_INDENT(1));
	size_t len = text != NULL ? strlen(text) : 0;
	int fd, err;

	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	text[len] = '\n';	/* json_dumps leaves no newline: the NUL's place */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd == -1 || write(fd, text, len + 1) != (ssize_t)(len + 1)) {
		err = errno;
		if (fd != -1)
			close(fd);
		free(text);
		errno = err != 0 ? err : EIO;
		return -1;
	}
	free(text);
	return close(fd);
}

/* BUNDLE/config.json, parsed; C gets the bundle's absolute path. */
json_t *
config_load(const char *bundle, struct chain *c)
{
	char path[PATH_MAX + 16], *text;
	json_error_t e;
	json_t *root;
	size_t len;

	if (realpath(bundle, c->bundle) == NULL)
		die_sys("bundle %s", bundle);
	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	text = read_config(path, &len);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL && strstr(e.text, "too big integer") != NULL)
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES |
		    JSON_DECODE_INT_AS_REAL, &e);
	free(text);
	if (root == NULL)
		die("%s: line %d, column %d: invalid JSON: %s", path, e.line,
		    e.column, e.text);
	if (!json_is_object(root))
		die("%s: expected a JSON object", path);
	c->config = root;
	return root;
}

static void
root_read(json_t *config, struct chain *c)
{
	static const char *const handled[] = { "path", "readonly", NULL };
	struct jpath p = { NULL, "root", 0 }, pp = { &p, "path", 0 };
	struct jpath unused;
	json_t *root = jget(config, "root", NULL, &unused, JSON_OBJECT);
	char path[2 * PATH_MAX];
	const char *dir;
	struct stat sb;

	if (root == NULL)
		die_field(&p, "missing");
	jknown(root, &p, handled, NULL);
	dir = jstr(root, "path", &p);
	if (dir == NULL || dir[0] == '\0')
		die_field(&pp, "missing");
	if (dir[0] == '/')
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/%s", c->bundle, dir);
	if (realpath(path, c->rootfs) == NULL)
		die_field(&pp, "%s: %s", path, strerror(errno));
	if (stat(c->rootfs, &sb) == -1 || !S_ISDIR(sb.st_mode))
		die_field(&pp, "%s: not a directory", c->rootfs);
	if (jbool(root, "readonly", &p))
		strv_add(&c->pivot, "--ro");
}

static void
top_read(json_t *config, struct chain *c)
{
	static const char *const handled[] = { "ociVersion", "root", "mounts",
		"process", "hostname", "hooks", "annotations", "linux", NULL };
	static const char *const unsupported[] = { "domainname", "solaris",
		"windows", "vm", "zos", NULL };
	struct jpath p = { NULL, "ociVersion", 0 }, a;
	const char *v = jstr(config, "ociVersion", NULL);

	jknown(config, NULL, handled, unsupported);
	if (v == NULL)
		die_field(&p, "missing");
	if (strncmp(v, "1.", 2) != 0)
		die_field(&p, "'%s': conch reads version 1 of the runtime "
		    "spec", v);
	c->hooks = jget(config, "hooks", NULL, &a, JSON_OBJECT);
	if (c->hooks != NULL)
		hooks_check(c->hooks);
	c->annotations = jget(config, "annotations", NULL, &a, JSON_OBJECT);
}

static void
hostname_read(json_t *config, struct chain *c)
{
	struct jpath p = { NULL, "hostname", 0 };
	const char *name = jstr(config, "hostname", NULL);

	if (name == NULL || name[0] == '\0')
		return;
	if (!(c->nsflags & CLONE_NEWUTS))
		die_field(&p, "a hostname needs a new uts namespace in "
		    "linux.namespaces");
	strv_addf(&c->nsnew, "--hostname=%s", name);
}

/*
 * The whole config: linux first (the namespaces decide what the rest may
 * ask), then process, hostname and the mounts. With CREATE, process is
 * required: exec reads its own.
 */
void
config_read(struct chain *c, bool create)
{
	struct jpath p = { NULL, "process", 0 }, pl = { NULL, "linux", 0 };
	json_t *proc, *lx;

	top_read(c->config, c);
	root_read(c->config, c);
	lx = jget(c->config, "linux", NULL, &pl, JSON_OBJECT);
	if (lx == NULL)
		die_field(&pl, "missing: conch runs Linux containers");
	linux_read(lx, &pl, c);
	proc = jget(c->config, "process", NULL, &p, JSON_OBJECT);
	if (proc == NULL && create)
		die_field(&p, "missing");
	if (proc != NULL)
		process_read(proc, &p, c);
	hostname_read(c->config, c);
	mounts_read(c->config, c);
}

void
config_free(struct chain *c)
{
	strv_free(&c->cgmake);
	strv_free(&c->devices);
	strv_free(&c->rlimit);
	strv_free(&c->nsjoin);
	strv_free(&c->nsnew);
	strv_free(&c->sysctl);
	strv_free(&c->pivot);
	strv_free(&c->capset);
	strv_free(&c->confine);
	strv_free(&c->init);
	strv_free(&c->args);
	json_decref(c->config);
	c->config = NULL;
}

/* Whether this process is in the host's user namespace. */
static bool
initial_userns(void)
{
	char map[128] = "";
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (f == NULL || fgets(map, sizeof(map), f) == NULL)
		die_sys("read /proc/self/uid_map");
	fclose(f);
	return strcmp(map, "         0          0 4294967295\n") == 0;
}

/*
 * The container's cgroup: cgroupsPath, else /conch/ID when there are
 * limits to apply, or when conch is root (to find the processes again).
 * Device rules are a boundary, not a limit: as host root (the only
 * one who could open or make a device node the rules refuse) they get
 * a cgroup for their program even under --cgroup-manager disabled.
 * Anyone else is in a user namespace by then, where the kernel makes
 * no device node and opens none on a mount of that namespace.
 */
void
config_cgroup(struct chain *c, const char *id, bool no_cgroup)
{
	bool host_root = geteuid() == 0 && initial_userns();

	if (c->devices.n > 0 && !host_root) {
		trace("linux.resources.devices: no device program: not host "
		    "root, and the container's user namespace makes no "
		    "device nodes");
		strv_free(&c->devices);
	}
	if (no_cgroup && c->cgmake.n > 0)
		die("config.json: linux.resources: --cgroup-manager disabled: "
		    "there is no cgroup to apply them to");
	if (no_cgroup && c->devices.n == 0)
		c->cgroup[0] = '\0';
	else if (c->cgroup[0] == '\0' && (c->cgmake.n > 0 ||
	    c->devices.n > 0 || geteuid() == 0))
		snprintf(c->cgroup, sizeof(c->cgroup), "/conch/%s", id);
}

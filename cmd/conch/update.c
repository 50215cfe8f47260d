/*
 * conch update: new resources for a container's cgroup, as runc's
 * update. A runtime-spec LinuxResources object (--resources FILE, or -
 * for the standard input, as containerd's shim gives it) and runc's
 * flags, which add to it, are read as linux.resources is at create
 * (resources.c), and cgmake writes the files into the container's
 * cgroup. Device rules are not changed, by runc's update either: a
 * devices field is an error rather than dropped.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

enum { U_MEMORY = 256, U_RESERVATION, U_SWAP, U_PIDS, U_QUOTA, U_PERIOD,
	U_SHARES, U_CPUS, U_MEMS, U_BLKIO };

static const struct option longopts[] = {
	{ "resources", required_argument, NULL, 'r' },
	{ "memory", required_argument, NULL, U_MEMORY },
	{ "memory-reservation", required_argument, NULL, U_RESERVATION },
	{ "memory-swap", required_argument, NULL, U_SWAP },
	{ "pids-limit", required_argument, NULL, U_PIDS },
	{ "cpu-quota", required_argument, NULL, U_QUOTA },
	{ "cpu-period", required_argument, NULL, U_PERIOD },
	{ "cpu-share", required_argument, NULL, U_SHARES },
	{ "cpuset-cpus", required_argument, NULL, U_CPUS },
	{ "cpuset-mems", required_argument, NULL, U_MEMS },
	{ "blkio-weight", required_argument, NULL, U_BLKIO },
	{ NULL, 0, NULL, 0 },
};

/* Each flag: the object of LinuxResources it sets, and the key. */
static const struct flag {
	int opt;
	const char *object, *key;
	bool size;		/* a byte count, with K, M, G or T */
} flags[] = {
	{ U_MEMORY, "memory", "limit", true },
	{ U_RESERVATION, "memory", "reservation", true },
	{ U_SWAP, "memory", "swap", true },
	{ U_PIDS, "pids", "limit", false },
	{ U_QUOTA, "cpu", "quota", false },
	{ U_PERIOD, "cpu", "period", false },
	{ U_SHARES, "cpu", "shares", false },
	{ U_CPUS, "cpu", "cpus", false },
	{ U_MEMS, "cpu", "mems", false },
	{ U_BLKIO, "blockIO", "weight", false },
};

/* --resources FILE: its object; - is the standard input. */
static json_t *
resources_load(const char *file)
{
	const char *path = strcmp(file, "-") == 0 ? "/dev/stdin" : file;
	json_error_t e;
	json_t *o = json_read(path, &e);

	if (o == NULL)
		die("update: --resources %s: line %d, column %d: %s", file,
		    e.line, e.column, e.text);
	if (!json_is_object(o))
		die("update: --resources %s: expected a JSON object", file);
	return o;
}

/* A runc flag, set in RES: a number (a size for the memory ones), -1
 * for "no limit", or the cpuset list as given. */
static void
flag_set(json_t *res, const struct flag *f, const char *name,
    const char *arg)
{
	json_t *obj = json_object_get(res, f->object), *v;
	unsigned long long size;
	long n;

	if (f->opt == U_CPUS || f->opt == U_MEMS)
		v = json_string(arg);
	else if (strcmp(arg, "-1") == 0)
		v = json_integer(-1);
	else if (f->size && parse_size(arg, &size) == 0 && size <= LLONG_MAX)
		v = json_integer((json_int_t)size);
	else if (!f->size && parse_long(arg, 0, LONG_MAX, &n) == 0)
		v = json_integer(n);
	else
		die("update: --%s '%s': expected %s, or -1 for none", name,
		    arg, f->size ? "a size (as 512M)" : "a number");
	if (obj == NULL) {
		obj = json_object();
		json_object_set_new(res, f->object, obj);
	}
	json_object_set_new(obj, f->key, v);
}

static json_t *
update_args(int argc, char **argv, const char **id)
{
	json_t *res = NULL, *given = json_object();
	const char *file = NULL;
	size_t i;
	int c, at;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:", longopts, &at)) != -1) {
		if (c == 'r') {
			file = optarg;
			continue;
		}
		for (i = 0; i < LEN(flags) && flags[i].opt != c; i++)
			;
		if (i == LEN(flags))
			die_usage(c, argv);
		flag_set(given, &flags[i], longopts[at].name, optarg);
	}
	if (optind + 1 != argc)
		die("update: expected one container ID (see conch --help)");
	*id = argv[optind];
	res = file != NULL ? resources_load(file) : json_object();
	/* the flags over the file, as runc's */
	json_object_update_recursive(res, given);
	json_decref(given);
	return res;
}

int
cmd_update(const struct global *g, int argc, char **argv)
{
	struct jpath doc = { NULL, "update", JPATH_DOC }, d;
	struct chain c = { 0 };
	struct strv args = { 0 };
	struct state st;
	enum status s;
	const char *id;
	json_t *res;
	int rc;

	res = update_args(argc, argv, &id);
	if (jget(res, "devices", &doc, &d, -1) != NULL)
		die_field(&d, "conch update changes no device rule (nor does "
		    "runc's)");
	resources_read(res, &doc, &c);
	state_open(g->root, id, &st);
	s = state_status(&st);
	if (s == ST_STOPPED)
		die("cannot update container %s: it is stopped", st.id);
	if (st.cgroup[0] == '\0')
		die("cannot update container %s: it has no cgroup", st.id);
	rc = 0;
	if (c.cgmake.n > 0) {
		strv_add(&args, "cgmake");
		strv_add(&args, st.cgroup);
		strv_addv(&args, &c.cgmake);
		rc = run_tool(g, args.v);
		strv_free(&args);
	}
	strv_free(&c.cgmake);
	json_decref(res);
	state_close(&st);
	return rc == 0 ? 0 : EXIT_TOOL;
}

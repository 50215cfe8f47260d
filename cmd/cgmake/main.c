/*
 * cgmake: create, configure, show or remove a cgroup (v2).
 *
 * Creating walks from the cgroup2 root down to CGROUP: at each level it
 * turns on in cgroup.subtree_control the controllers the FILEs need,
 * then makes the next level if it is missing. If anything fails, what
 * this call made is undone (lib/undo.c: every die() undoes).
 *
 * main.c reads the command line and runs the steps; settings.c checks and
 * converts the FILE=VALUE settings, create.c makes the tree and writes
 * them, show.c prints a cgroup's state, delete.c removes one, wait.c
 * waits until one is empty, and
 * cgroups.c holds what they share.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cgmake.h"

static const char usage[] =
"Usage: cgmake [OPTION]... CGROUP [FILE=VALUE]... [-- PROG [ARG]...]\n"
"       cgmake -s [OPTION]... CGROUP [-- PROG [ARG]...]\n"
"       cgmake -d [OPTION]... CGROUP [-- PROG [ARG]...]\n"
"       cgmake -w [-t SECONDS] CGROUP [-- PROG [ARG]...]\n"
"Create the cgroup v2 CGROUP and its missing parents, enable in every\n"
"ancestor the controllers its FILEs need, write each FILE=VALUE in order,\n"
"then run PROG (outside CGROUP: cgput moves), or exit.\n"
"\n"
"  -s, --show               print CGROUP's state as FILE=VALUE lines\n"
"  -d, --delete             kill everything in CGROUP and below, remove it\n"
"  -w, --wait               wait until no process is left in CGROUP or\n"
"                           below (cgroup.events: populated 0)\n"
"  -o, --owner USER[:GROUP] delegate CGROUP to USER: chown it and its\n"
"                           cgroup.procs, cgroup.threads, cgroup.subtree_control\n"
"      --root DIR           the cgroup2 root (default: from mountinfo)\n"
"  -t, --timeout SECONDS    how long to wait for a kill or a freeze (10),\n"
"                           or with --wait (default: as long as it takes)\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n"
"\n"
"CGROUP is absolute from the cgroup2 root (/box), or relative to this\n"
"process's own cgroup (box). VALUE: sizes with K, M, G or T (1024-based),\n"
"max; cpu.max=PERCENT% of one CPU. devices.allow and devices.deny take\n"
"cgroup v1's lines ('c 1:3 rwm', 'a'), made into one BPF device program:\n"
"the last rule that matches decides; 'a' alone sets the default.\n";

static const struct option longopts[] = {
	{ "show", no_argument, NULL, 's' },
	{ "delete", no_argument, NULL, 'd' },
	{ "wait", no_argument, NULL, 'w' },
	{ "owner", required_argument, NULL, 'o' },
	{ "root", required_argument, NULL, 'R' },
	{ "timeout", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
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

static const char *
mode_name(enum mode mode)
{
	return mode == SHOW ? "show" : mode == WAIT ? "wait" : "delete";
}

/* SECONDS[.FRACTION], up to a day, in milliseconds; -1 if malformed. */
static int
parse_seconds(const char *s)
{
	unsigned long secs, ms = 0;
	const char *dot = strchr(s, '.');
	char whole[16];
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s), i;

	if (n == 0 || n >= sizeof(whole))
		return -1;
	memcpy(whole, s, n);
	whole[n] = '\0';
	if (parse_ulong(whole, 86400, &secs) == -1)
		return -1;
	if (dot != NULL) {
		dot++;
		n = strlen(dot);
		if (n == 0 || strspn(dot, "0123456789") != n)
			return -1;
		for (i = 0; i < 3; i++)	/* milliseconds; finer is cut */
			ms = ms * 10 + (i < n ? (unsigned long)(dot[i] - '0') :
			    0);
	}
	return (int)(secs * 1000 + ms);
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	enum mode m;
	int c;

	while ((c = getopt_long(argc, argv, "+:sdwo:t:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
		case 'd':
		case 'w':
			m = c == 's' ? SHOW : c == 'd' ? DELETE : WAIT;
			if (o->mode != CREATE && o->mode != m)
				die("--%s and --%s exclude each other",
				    mode_name(o->mode), mode_name(m));
			o->mode = m;
			break;
		case 'o':
			owner_parse(&o->owner, optarg);
			break;
		case 'R':
			o->root = optarg;
			break;
		case 't':
			if ((o->timeout_ms = parse_seconds(optarg)) == -1)
				die("--timeout '%s': not a number of seconds",
				    optarg);
			break;
		default:
			common_option(c, argv, usage);
		}
	}
}

/* CGROUP [FILE=VALUE]... [-- PROG...], after the options. */
static void
parse_operands(int argc, char **argv, struct opts *o)
{
	static struct setting settings[SETTINGS_MAX];
	static struct devrules devices;
	struct setting *s;

	if (optind == argc)
		die("missing CGROUP (see cgmake --help)");
	o->cgroup = argv[optind++];
	o->settings = settings;
	o->devices = &devices;
	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "--") == 0) {
			if (optind + 1 < argc)
				o->prog = argv + optind + 1;
			break;
		}
		if (o->mode != CREATE)
			die("'%s': --%s takes no FILE=VALUE", argv[optind],
			    mode_name(o->mode));
		if (o->nsettings == LEN(settings))
			die("more than %zu FILE=VALUE", LEN(settings));
		s = &settings[o->nsettings++];
		setting_parse(s, argv[optind]);
		if (devices_file(s->file))
			devices_add(&devices, s->arg, s->file, s->value);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .mode = CREATE, .timeout_ms = -1 };
	parse_options(argc, argv, o);
	if (o->timeout_ms == -1 && o->mode != WAIT)
		o->timeout_ms = 10000;
	parse_operands(argc, argv, o);
	if (o->owner.arg != NULL && o->mode != CREATE)
		die("--owner is for creating, not with --%s",
		    mode_name(o->mode));
}

/* CGROUP, found in the cgroup2 file system (or --root). */
static void
target_open(struct target *t, const struct opts *o)
{
	cgroupfs_open(&t->fs, o->root);
	cgroup_resolve(&t->fs, o->cgroup, t->rel, sizeof(t->rel));
	cgroup_path(&t->fs, t->rel, t->path, sizeof(t->path));
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct target t;
	controller ctrl[CONTROLLERS_MAX];
	size_t nctrl;

	conch_init("cgmake");
	interrupt_catch();	/* before the undo: it runs first at exit */
	parse_args(argc, argv, &o);
	nctrl = controllers_needed(o.settings, o.nsettings, ctrl, LEN(ctrl));
	target_open(&t, &o);
	switch (o.mode) {
	case SHOW:
		show(cgroup_xopen(&t.fs, t.rel), t.path);
		break;
	case DELETE:
		delete(&t, o.timeout_ms);
		break;
	case WAIT:
		wait_empty(&t, o.timeout_ms);
		break;
	case CREATE:
		create(&t, &o, ctrl, nctrl);
		break;
	}
	if (o.prog == NULL)
		return 0;
	exec_prog(o.prog, NULL);
}

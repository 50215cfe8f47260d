/*
 * nsnew: create new namespaces, then run PROG in them.
 *
 * One unshare(2) makes them all; with a user namespace the kernel makes it
 * first and it owns the others. Maps that the process may write for itself
 * (its own uid and gid to 0) are written by itself; the rest, and the pins,
 * need the parent namespaces and are done by a helper forked beforehand.
 *
 * main.c reads the command line and runs the steps; maps.c makes the ID
 * maps and the switch to 0, helper.c runs the helper (maps, pins, the
 * mount helper of pivot --idmap), setup.c makes and sets up the
 * namespaces and runs PROG in them.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "nsnew.h"

static const char usage[] =
    "Usage: nsnew [OPTION]... [--] [PROG [ARG]...]\n"
    "Create new namespaces, then run PROG (default: $SHELL) in them.\n"
    "\n"
    "  -U, --user              user namespace (made first; owns the others)\n"
    "  -m, --mount             mount namespace\n"
    "  -p, --pid               pid namespace: fork, PROG is PID 1\n"
    "  -u, --uts               uts namespace\n"
    "  -n, --net               network namespace, with lo up\n"
    "  -i, --ipc               ipc namespace\n"
    "  -C, --cgroup            cgroup namespace\n"
    "  -T, --time              time namespace: fork, PROG runs in it\n"
    "  -a, --all               all of the above\n"
    "  -r, --map-root          map the caller's uid and gid to 0 (implies -U;\n"
    "                          as root, the container's root is the host's)\n"
    "      --map-auto          the caller's /etc/subuid and /etc/subgid ranges:\n"
    "                          from 1 with the caller as 0, for root from 0\n"
    "                          (implies -U)\n"
    "      --map u|g|b:INSIDE:OUTSIDE:COUNT\n"
    "                          add a uid, gid or both range (implies -U)\n"
    "      --setgroups allow|deny\n"
    "                          setgroups(2) in the user namespace\n"
    "      --init              keep a reaper as PID 1, PROG is PID 2 (-p)\n"
    "      --detach            with -p or -T: exit 0 once forked, without\n"
    "                          waiting; the caller's subreaper reaps PROG\n"
    "      --propagation private|slave|shared|unchanged\n"
    "                          of all mounts (default: private)\n"
    "      --mount-proc        mount a new /proc (implies -m)\n"
    "      --hostname NAME     set the hostname (implies -u)\n"
    "      --monotonic SECS    offset of CLOCK_MONOTONIC (implies -T)\n"
    "      --boottime SECS     offset of CLOCK_BOOTTIME (implies -T)\n"
    "      --pin DIR           keep the namespaces as files DIR/TYPE\n"
    "      --netns NAME        keep the net namespace as /run/netns/NAME\n"
    "  -v, --verbose           print each step\n"
    "  -h, --help              print this help\n"
    "  -V, --version           print the version\n";

enum {
	OPT_MAP_AUTO = 256, OPT_MAP, OPT_SETGROUPS, OPT_INIT, OPT_DETACH,
	OPT_PROPAGATION,
	OPT_MOUNT_PROC, OPT_HOSTNAME, OPT_MONOTONIC, OPT_BOOTTIME, OPT_PIN,
	OPT_NETNS,
};

static const struct option longopts[] = {
	{ "user", no_argument, NULL, 'U' },
	{ "mount", no_argument, NULL, 'm' },
	{ "pid", no_argument, NULL, 'p' },
	{ "uts", no_argument, NULL, 'u' },
	{ "net", no_argument, NULL, 'n' },
	{ "ipc", no_argument, NULL, 'i' },
	{ "cgroup", no_argument, NULL, 'C' },
	{ "time", no_argument, NULL, 'T' },
	{ "all", no_argument, NULL, 'a' },
	{ "map-root", no_argument, NULL, 'r' },
	{ "map-auto", no_argument, NULL, OPT_MAP_AUTO },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "setgroups", required_argument, NULL, OPT_SETGROUPS },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "propagation", required_argument, NULL, OPT_PROPAGATION },
	{ "mount-proc", no_argument, NULL, OPT_MOUNT_PROC },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "monotonic", required_argument, NULL, OPT_MONOTONIC },
	{ "boottime", required_argument, NULL, OPT_BOOTTIME },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_map(struct opts *o, const char *arg)
{
	char what[128];

	snprintf(what, sizeof(what), "--map '%s'", arg);
	if (strchr("ugb", arg[0]) == NULL || arg[0] == '\0' || arg[1] != ':')
		die("%s: expected u|g|b:INSIDE:OUTSIDE:COUNT", what);
	if (arg[0] != 'g')
		idmap_parse(&o->uidmap, arg + 2, what);
	if (arg[0] != 'u')
		idmap_parse(&o->gidmap, arg + 2, what);
}

static unsigned long
parse_propagation(const char *arg)
{
	if (strcmp(arg, "private") == 0)
		return MS_PRIVATE;
	if (strcmp(arg, "slave") == 0)
		return MS_SLAVE;
	if (strcmp(arg, "shared") == 0)
		return MS_SHARED;
	if (strcmp(arg, "unchanged") == 0)
		return 0;
	die("--propagation '%s': expected private, slave, shared or unchanged",
	    arg);
}

static long
parse_offset(const char *opt, const char *arg)
{
	long v;

	if (parse_long(arg, -(1L << 40), 1L << 40, &v) == -1)
		die("--%s '%s': expected a number of seconds", opt, arg);
	return v;
}

/* An option that sets a namespace up, and implies it: false if C is none. */
static bool
parse_setup(int c, struct opts *o)
{
	switch (c) {
	case OPT_PROPAGATION:
		o->propagation = parse_propagation(optarg);
		return true;
	case OPT_MOUNT_PROC:
		o->mount_proc = true;
		o->flags |= CLONE_NEWNS;
		return true;
	case OPT_HOSTNAME:
		if (strlen(optarg) > 64)
			die("--hostname '%s': longer than 64 bytes", optarg);
		o->hostname = optarg;
		o->flags |= CLONE_NEWUTS;
		return true;
	case OPT_MONOTONIC:
	case OPT_BOOTTIME:
		*(c == OPT_MONOTONIC ? &o->monotonic : &o->boottime) =
		    parse_offset(c == OPT_MONOTONIC ? "monotonic" : "boottime",
		    optarg);
		o->offsets = true;
		o->flags |= CLONE_NEWTIME;
		return true;
	case OPT_NETNS:
		if (optarg[0] == '\0' || optarg[0] == '.' ||
		    strchr(optarg, '/') != NULL)
			die("--netns '%s': expected a name, not a path",
			    optarg);
		o->netns = optarg;
		o->flags |= CLONE_NEWNET;
		return true;
	}
	return false;
}

static void
parse_option(int c, char **argv, struct opts *o)
{
	const struct nstype *t;

	switch (c) {
	case 'a':
		for (t = nstypes; t < nstypes + nstypes_len; t++)
			o->flags |= t->flag;
		break;
	case 'r':
		o->map_root = true;
		break;
	case OPT_MAP_AUTO:
		o->map_auto = true;
		break;
	case OPT_MAP:
		parse_map(o, optarg);
		break;
	case OPT_SETGROUPS:
		if (strcmp(optarg, "allow") != 0 && strcmp(optarg, "deny") != 0)
			die("--setgroups '%s': expected allow or deny", optarg);
		o->setgroups = optarg;
		break;
	case OPT_INIT:
		o->init = true;
		break;
	case OPT_DETACH:
		o->detach = true;
		break;
	case OPT_PIN:
		o->pin = optarg;
		break;
	default:
		if (parse_setup(c, o))
			break;
		if ((t = nstype_byopt(c)) == NULL)
			common_option(c, argv, usage);	/* -v, or none */
		else
			o->flags |= t->flag;
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .propagation = MS_PRIVATE };
	while ((c = getopt_long(argc, argv, "+:UmpunirCTahvV", longopts,
	    NULL)) != -1)
		parse_option(c, argv, o);
	if (o->map_root || o->map_auto || o->uidmap.n || o->gidmap.n ||
	    o->setgroups)
		o->flags |= CLONE_NEWUSER;
	if (o->init && !(o->flags & CLONE_NEWPID))
		die("--init needs a new pid namespace (-p)");
	if (o->detach && !(o->flags & (CLONE_NEWPID | CLONE_NEWTIME)))
		die("--detach needs a new pid or time namespace (-p, -T): "
		    "without them nsnew does not fork");
	if (o->pin != NULL && o->flags == 0)
		die("--pin '%s': no namespace to pin", o->pin);
	o->prog = argv + optind;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct helper h = { -1, -1, -1 };
	struct to_zero z = { 0 };
	pid_t child;

	conch_init("nsnew");
	parse_args(argc, argv, &o);
	interrupt_catch();
	plan_maps(&o);
	unsetenv(IDMOUNT_ENV);	/* ours to set, for pivot alone */
	o.mount_helper = offers_mount_helper(&o);
	if (needs_helper(&o))
		helper_start(&h, &o);
	plan_zero(&o, &z);
	unshare_all(o.flags);
	map(&o, &h, &z);
	set_up(&o);
	/*
	 * Only children enter new pid and time namespaces. Linux 5.19+ lets
	 * exec enter a time namespace, but on some kernels (6.1) the exec'd
	 * process's own children then lose the offsets: fork for both.
	 */
	if (!(o.flags & (CLONE_NEWPID | CLONE_NEWTIME)))
		run_prog(&o, &h);
	child = o.detach ? fork_detached() : fork_child();
	if (child == 0)
		run_child(&o, &h);
	helper_done(&h);
	mount_helper_close(&h);
	if (o.detach)
		exit(0);
	supervise(child, false);
}

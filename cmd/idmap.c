/*
 * idmap: write or show the uid and gid maps of a process's user namespace.
 *
 * Root writes /proc/PID/{uid,gid}_map itself; anyone else has the ranges
 * checked against /etc/subuid and /etc/subgid, then newuidmap and
 * newgidmap write them (the lib's idmap_check and idmap_write).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"

static const char usage[] =
    "Usage: idmap [-u MAP]... [-g MAP]... [--auto] [--setgroups allow|deny] "
    "PID [PROG [ARG]...]\n"
    "       idmap PID\n"
    "Write the uid and gid maps of the user namespace of process PID, then\n"
    "run PROG if given; with no map, print the current maps.\n"
    "MAP is INSIDE:OUTSIDE:COUNT.\n"
    "\n"
    "  -u, --uid MAP           map COUNT uids from INSIDE to OUTSIDE\n"
    "  -g, --gid MAP           map COUNT gids from INSIDE to OUTSIDE\n"
    "  -a, --auto              the caller's /etc/subuid and /etc/subgid ranges:\n"
    "                          from 1 with the caller as 0, for root from 0\n"
    "  -s, --setgroups allow|deny\n"
    "                          setgroups(2) in the namespace, written first\n"
    "  -v, --verbose           print each step\n"
    "  -h, --help              print this help\n"
    "  -V, --version           print the version\n";

static const struct option longopts[] = {
	{ "uid", required_argument, NULL, 'u' },
	{ "gid", required_argument, NULL, 'g' },
	{ "auto", no_argument, NULL, 'a' },
	{ "setgroups", required_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	struct idmap uid, gid;
	bool automatic;
	const char *setgroups;
	pid_t pid;
	char **prog;
	bool writes;		/* any map or setgroups given: else show */
};

/* One option of the getopt loop. */
static void
parse_option(int c, char **argv, struct opts *o)
{
	char what[128];

	switch (c) {
	case 'u':
	case 'g':
		snprintf(what, sizeof(what), "-%c '%s'", c, optarg);
		idmap_parse(c == 'u' ? &o->uid : &o->gid, optarg, what);
		break;
	case 'a':
		o->automatic = true;
		break;
	case 's':
		if (strcmp(optarg, "allow") != 0 && strcmp(optarg, "deny") != 0)
			die("--setgroups '%s': expected allow or deny", optarg);
		o->setgroups = optarg;
		break;
	default:
		common_option(c, argv, usage);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long pid;
	int c;

	while ((c = getopt_long(argc, argv, "+:u:g:as:vhV", longopts,
	    NULL)) != -1)
		parse_option(c, argv, o);
	if (o->automatic && (o->uid.n || o->gid.n))
		die("--auto makes the whole map: no -u or -g with it");
	if (optind == argc)
		die("no PID (see idmap --help)");
	if (parse_ulong(argv[optind], INT_MAX, &pid) == -1 || pid == 0)
		die("'%s': not a PID", argv[optind]);
	o->pid = pid;
	o->prog = argv + optind + 1;
	o->writes = o->uid.n || o->gid.n || o->automatic ||
	    o->setgroups != NULL;
}

/* KIND_map as "KIND INSIDE:OUTSIDE:COUNT" lines, or "KIND none". */
static void
show_map(int procfd, pid_t pid, const char *kind)
{
	static struct idmap m;
	char file[8];
	size_t i;

	snprintf(file, sizeof(file), "%s_map", kind);
	if (idmap_read(procfd, file, &m) == -1)
		die_sys("read /proc/%d/%s", (int)pid, file);
	for (i = 0; i < m.n; i++)
		printf("%s %lu:%lu:%lu\n", kind, m.r[i].inside,
		    m.r[i].outside, m.r[i].count);
	if (m.n == 0)
		printf("%s none\n", kind);
}

/* /proc/PID, or a one-line error if there is no such process. */
static int
open_proc(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		die_err(ESRCH, NULL, "process %d", (int)pid);
	if (fd == -1)
		die_sys("open %s", path);
	return fd;
}

/* What the kernel has, as seen from the caller's user namespace. */
static void
show(pid_t pid, int procfd)
{
	char mode[16];

	show_map(procfd, pid, "uid");
	show_map(procfd, pid, "gid");
	if (read_fileat(procfd, "setgroups", mode, sizeof(mode)) == -1)
		die_sys("read /proc/%d/setgroups", (int)pid);
	printf("setgroups %.*s\n", (int)strcspn(mode, "\n"), mode);
	if (fflush(stdout) == EOF)
		die_sys("write to stdout");
}

static void
write_maps(struct opts *o)
{
	struct passwd_ent pw;

	if (o->automatic) {
		caller_passwd(&pw);
		idmap_auto(&o->uid, 'u', &pw, "--auto");
		idmap_auto(&o->gid, 'g', &pw, "--auto");
	}
	o->setgroups = idmap_check(&o->uid, &o->gid, o->setgroups);
	idmap_write(o->pid, &o->uid, &o->gid, o->setgroups);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	int procfd;

	conch_init("idmap");
	parse_args(argc, argv, &o);
	procfd = open_proc(o.pid);
	if (o.writes)
		write_maps(&o);
	else
		show(o.pid, procfd);
	close(procfd);
	if (o.prog[0] == NULL)
		return 0;
	exec_prog(o.prog, NULL);
}

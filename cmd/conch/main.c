/*
 * conch: an OCI runtime made of the conch tools. runc's command line
 * (global --root, --log, --log-format, the subcommands podman and
 * containerd call), each subcommand in a file of its own; `conch chain`
 * prints the chain of tools a bundle means.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

static const char usage[] =
"Usage: conch [OPTION]... create [CREATE OPTION]... ID\n"
"       conch [OPTION]... run [CREATE OPTION]... [-d] ID\n"
"       conch [OPTION]... start|state|pause|resume ID\n"
"       conch [OPTION]... kill [-a] ID [SIGNAL]\n"
"       conch [OPTION]... delete [-f] ID\n"
"       conch [OPTION]... exec [EXEC OPTION]... ID [PROG [ARG]...]\n"
"       conch [OPTION]... ps [--format table|json] ID\n"
"       conch [OPTION]... update [-r FILE|-] [UPDATE OPTION]... ID\n"
"       conch [OPTION]... list [--format table|json] [-q]\n"
"       conch [OPTION]... features\n"
"       conch [OPTION]... spec [-b DIR] [--rootless]\n"
"       conch [OPTION]... chain [BUNDLE]\n"
"Run OCI containers (runtime-spec bundles) as chains of conch tools.\n"
"\n"
"  --root DIR            the containers' state (default /run/conch, or\n"
"                        $XDG_RUNTIME_DIR/conch unprivileged)\n"
"  --log FILE            append the messages to FILE as well\n"
"  --log-format text|json\n"
"                        one line each, as runc writes them (text)\n"
"  --debug               print each step, of conch and of the chain\n"
"  --systemd-cgroup      refused: conch makes its cgroups with cgmake\n"
"  --cgroup-manager cgroupfs|disabled\n"
"                        as crun's: disabled makes no cgroup (podman\n"
"                        asks so for a container without cgroups)\n"
"  -v, --verbose         the same\n"
"  -h, --help            print this help\n"
"  -V, --version         print the version\n"
"\n"
"CREATE OPTION (create and run):\n"
"  -b, --bundle DIR          the bundle (default: the current directory)\n"
"      --pid-file FILE       write the container's PID (the host's) there\n"
"      --console-socket SOCKET\n"
"                            send the terminal's master to this socket\n"
"      --no-pivot            accepted; pivot picks pivot_root or chroot\n"
"      --no-new-keyring      keep the caller's session keyring\n"
"      --preserve-fds N      pass descriptors 3 to 3+N-1 to PROG\n"
"  -d, --detach              run: return once the container runs\n"
"\n"
"EXEC OPTION:\n"
"  -p, --process FILE        the process, as JSON (process of config.json)\n"
"  -d, --detach              return once it runs\n"
"  -t, --tty                 a terminal (with --console-socket)\n"
"      --console-socket SOCKET, --pid-file FILE, --preserve-fds N\n"
"  -w, --cwd DIR, -e, --env NAME=VALUE, -u, --user UID[:GID],\n"
"      --no-new-privs, -c, --cap CAP (added to every set, as runc's),\n"
"      --apparmor PROFILE, --process-label LABEL\n"
"                            change the container's process (not --process)\n"
"\n"
"UPDATE OPTION (runc's, over the -r, --resources LinuxResources JSON):\n"
"  --memory, --memory-reservation, --memory-swap SIZE, --pids-limit N,\n"
"  --cpu-quota, --cpu-period, --cpu-share N, --cpuset-cpus, --cpuset-mems\n"
"  LIST, --blkio-weight N (-1: no limit)\n"
"\n"
"kill: -a, --all every process of the container; SIGNAL a name or a\n"
"number (default TERM). delete: -f, --force kills it first. list: -q,\n"
"--quiet the IDs alone. spec: --rootless maps the caller to root.\n";

struct command {
	const char *name;
	int (*fn)(const struct global *, int, char **);
};

static const struct command commands[] = {
	{ "create", cmd_create }, { "start", cmd_start }, { "run", cmd_run },
	{ "state", cmd_state }, { "kill", cmd_kill }, { "delete", cmd_delete },
	{ "exec", cmd_exec }, { "pause", cmd_pause }, { "resume", cmd_resume },
	{ "ps", cmd_ps }, { "list", cmd_list }, { "features", cmd_features },
	{ "spec", cmd_spec }, { "chain", cmd_chain }, { "update", cmd_update },
};

enum { G_ROOT = 256, G_LOG, G_LOG_FORMAT, G_DEBUG, G_SYSTEMD, G_CGMGR };

static void
default_root(struct global *g)
{
	static char root[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		g->root = "/run/conch";
	else if (xdg != NULL && xdg[0] == '/') {
		snprintf(root, sizeof(root), "%s/conch", xdg);
		g->root = root;
	}
	/* else NULL: the commands that need a state directory say so */
}

static void
parse_globals(int argc, char **argv, struct global *g)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, G_ROOT },
		{ "log", required_argument, NULL, G_LOG },
		{ "log-format", required_argument, NULL, G_LOG_FORMAT },
		{ "debug", no_argument, NULL, G_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, G_SYSTEMD },
		{ "cgroup-manager", required_argument, NULL, G_CGMGR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+:vhV", longopts, NULL)) != -1) {
		if (c == G_ROOT)
			g->root = optarg;
		else if (c == G_LOG)
			g->log.path = optarg;
		else if (c == G_LOG_FORMAT && (strcmp(optarg, "json") == 0 ||
		    strcmp(optarg, "text") == 0))
			g->log.json = optarg[0] == 'j';
		else if (c == G_LOG_FORMAT)
			die("--log-format '%s': text or json", optarg);
		else if (c == G_DEBUG)
			conch_verbose = 1;
		else if (c == G_SYSTEMD || (c == G_CGMGR &&
		    strcmp(optarg, "systemd") == 0))
			die("%s: there is no systemd cgroup driver here: conch "
			    "makes cgroups itself, with cgmake",
			    c == G_SYSTEMD ? "--systemd-cgroup" :
			    "--cgroup-manager systemd");
		else if (c == G_CGMGR && strcmp(optarg, "disabled") == 0)
			g->no_cgroup = true;
		else if (c == G_CGMGR && strcmp(optarg, "cgroupfs") != 0)
			die("--cgroup-manager '%s': cgroupfs or disabled",
			    optarg);
		else
			common_option(c, argv, usage);
	}
	if (optind == argc)
		die("missing COMMAND (see conch --help)");
	if (g->root == NULL)
		default_root(g);
}

static const struct command *
command_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	die("unknown command '%s' (see conch --help)", name);
}

int
main(int argc, char **argv)
{
	static struct global g;
	const struct command *cmd;
	int rc;

	conch_init("conch");
	/* The chain's own steps: no global options, no log of their own. */
	if (argc > 1 && strcmp(argv[1], "setup") == 0)
		return step_setup(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "init") == 0)
		return step_init(argc - 1, argv + 1);
	parse_globals(argc, argv, &g);
	/* SIGINT, SIGTERM, SIGHUP: undo (create's undo), log, then die of
	 * it: the atexit handlers run in the reverse of this order. */
	interrupt_catch();
	log_open(&g.log);
	cmd = command_lookup(argv[optind]);
	find_tools(&g);
	rc = cmd->fn(&g, argc - optind, argv + optind);
	if (rc == 0)
		log_ok();
	return rc;
}

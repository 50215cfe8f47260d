/*
 * confine: access control for PROG, then run it. Landlock, which any
 * process may apply to itself: paths, TCP ports, signals and abstract
 * sockets; and the mandatory labels of the next exec, an AppArmor
 * profile or an SELinux context. In a chain it comes after capset and
 * before scfilter: its paths are the new root's, and the filter may
 * refuse the calls it makes.
 *
 * The steps: read the rules (options and --rules files) into a
 * request; fit it to this kernel's Landlock ABI; build the ruleset,
 * opening every path; set the exec labels; enforce the ruleset (with
 * no_new_privs where the kernel wants it); exec PROG.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "confine.h"

static const char usage[] =
"Usage: confine [OPTION]... [--] [PROG [ARG]...]\n"
"\n"
"Restrict this process with Landlock and set the AppArmor profile or\n"
"SELinux context of its next exec, then run PROG (default: $SHELL).\n"
"\n"
"Landlock (no privilege needed; each kind of rule used denies the rest of\n"
"its kind, for every right this kernel's Landlock knows):\n"
"      --ro PATH            read files and list directories beneath PATH\n"
"      --rx PATH            read and execute beneath PATH\n"
"      --rw PATH            read, write, create, remove beneath PATH (no\n"
"                           execute); PATH a directory or a file\n"
"      --tcp-bind PORTS     TCP binds to PORTS only: 8080,9000-9010, none, any\n"
"      --tcp-connect PORTS  TCP connects to PORTS only\n"
"      --scope LIST         signal,abstract-unix: none to processes and\n"
"                           abstract sockets outside the sandbox\n"
"      --log                log PROG's Landlock denials to the audit log\n"
"      --best-effort        drop, with a note, what this kernel lacks\n"
"      --rules FILE         read rules from FILE, one a line (ro PATH, ...)\n"
"Mandatory access control, from the next exec:\n"
"      --apparmor PROFILE   run PROG under the AppArmor profile PROFILE\n"
"      --selinux CONTEXT    run PROG in the SELinux context CONTEXT\n"
"\n"
"  -v, --verbose            print each step (the Landlock ABI among them)\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n"
"\n"
"PROG needs --rx on itself, its ELF interpreter and libraries (or #!\n"
"interpreter); nothing is granted that is not named. See confine(1).\n";

enum { OPT_RULES = 256 };

/* Options with val 0 are rules: rule_add() takes their name. */
static const struct option longopts[] = {
	{ "ro", required_argument, NULL, 0 },
	{ "rx", required_argument, NULL, 0 },
	{ "rw", required_argument, NULL, 0 },
	{ "tcp-bind", required_argument, NULL, 0 },
	{ "tcp-connect", required_argument, NULL, 0 },
	{ "scope", required_argument, NULL, 0 },
	{ "log", no_argument, NULL, 0 },
	{ "best-effort", no_argument, NULL, 0 },
	{ "apparmor", required_argument, NULL, 0 },
	{ "selinux", required_argument, NULL, 0 },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(int argc, char **argv, struct request *req)
{
	const struct origin cmdline = { NULL, NULL, 0 };
	int c, i = 0;

	while ((c = getopt_long(argc, argv, "+:vhV", longopts, &i)) != -1) {
		switch (c) {
		case 0:
			rule_add(req, longopts[i].name, optarg, &cmdline);
			break;
		case OPT_RULES:
			rules_read(req, optarg);
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	req->prog = argv + optind;
}

/*
 * exec_prog(), with a hint where Landlock is the likely reason for
 * EACCES: a program it may not execute, or whose interpreter it may not.
 */
static noreturn void
run(char **prog, bool landlocked)
{
	char *shell[2] = { NULL, NULL };

	if (prog[0] == NULL) {
		shell[0] = getenv("SHELL");
		if (shell[0] == NULL || shell[0][0] == '\0')
			shell[0] = "/bin/sh";
		prog = shell;
	}
	if (landlocked) {
		trace("exec %s", prog[0]);
		execvp(prog[0], prog);
		if (errno == EACCES) {
			warn_err(errno, "Landlock executes only beneath --rx "
			    "paths: PROG and its ELF or #! interpreter must be "
			    "there", "exec %s", prog[0]);
			exit(EXIT_CANNOT_EXEC);
		}
	}
	exec_prog(prog, NULL);
}

int
main(int argc, char **argv)
{
	struct request req = { 0 };
	struct landlock ll;

	conch_init("confine");
	parse_args(argc, argv, &req);
	landlock_plan(&req, &ll);
	landlock_build(&req, &ll);
	lsm_set_exec(&req);
	landlock_enforce(&ll);
	run(req.prog, ll.abi != 0);
}

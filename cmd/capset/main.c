/*
 * capset: set credentials and capabilities, then run PROG.
 *
 * Nothing changes until everything has been checked: the wanted state is
 * computed from the current one, and a request the kernel would refuse
 * half way (a cap the process does not hold, an ambient cap that is not
 * both permitted and inheritable, a bounding set that would grow, an
 * unmapped uid, a locked securebit) is refused first, naming the cap and
 * the set that lacks it. Then the steps run in crun's order: bounding
 * drop, keepcaps, groups, gid, uid, capset, ambient, securebits,
 * no_new_privs.
 *
 * The sets are 64-bit masks here (the width of the kernel's); libcap
 * reads the text form and talks to the kernel.
 *
 * main.c reads the command line and runs the steps; state.c reads and
 * prints the credentials, ids.c plans the user and the groups, caps.c
 * the capability sets and securebits, apply.c makes the changes.
 */
#include <getopt.h>

#include "capset.h"

static const char usage[] =
"Usage: capset [OPTION]... [--] [PROG [ARG]...]\n"
"\n"
"Set credentials and capabilities, then run PROG (default: $SHELL).\n"
"\n"
"  -k, --keep CAPS          keep exactly CAPS (comma list, all, none) in the\n"
"                           bounding, permitted, effective and inheritable\n"
"                           sets, and ambient when PROG will not be root\n"
"  -c, --caps TEXT          permitted, effective, inheritable in libcap text\n"
"                           form, e.g. cap_net_raw,cap_chown=eip\n"
"  -b, --bounding LIST      change the bounding set: -all,+net_raw,-chown\n"
"  -i, --inheritable LIST   change the inheritable set (+cap,-cap,all)\n"
"  -a, --ambient LIST       change the ambient set (+cap,-cap,all)\n"
"  -u, --user USER          become USER (name or uid), keeping the caps asked\n"
"  -g, --group GROUP        become GROUP (default: USER's group)\n"
"  -G, --groups LIST        supplementary groups (names or gids)\n"
"      --clear-groups       no supplementary groups\n"
"      --init-groups        USER's groups from /etc/group (default with -u)\n"
"  -s, --securebits LIST    +bit,-bit or a number: noroot, no-setuid-fixup,\n"
"                           keep-caps, no-cap-ambient-raise, exec-restrict-file,\n"
"                           exec-deny-interactive, and their -locked forms\n"
"  -n, --nnp                set no_new_privs\n"
"  -p, --print              print the resulting state, then run PROG if given\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n";

enum { OPT_CLEAR_GROUPS = 256, OPT_INIT_GROUPS };

static const struct option longopts[] = {
	{ "keep", required_argument, NULL, 'k' },
	{ "caps", required_argument, NULL, 'c' },
	{ "bounding", required_argument, NULL, 'b' },
	{ "inheritable", required_argument, NULL, 'i' },
	{ "ambient", required_argument, NULL, 'a' },
	{ "user", required_argument, NULL, 'u' },
	{ "group", required_argument, NULL, 'g' },
	{ "groups", required_argument, NULL, 'G' },
	{ "clear-groups", no_argument, NULL, OPT_CLEAR_GROUPS },
	{ "init-groups", no_argument, NULL, OPT_INIT_GROUPS },
	{ "securebits", required_argument, NULL, 's' },
	{ "nnp", no_argument, NULL, 'n' },
	{ "print", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
list_add(struct listopt **v, size_t *n, const char *opt, const char *arg)
{
	struct listopt *p = xreallocarray(*v, *n + 1, sizeof(**v));

	p[*n].opt = opt;
	p[*n].arg = arg;
	*v = p;
	(*n)++;
}

static void
set_groups_mode(struct request *rq, int mode, const char *groups)
{
	if (rq->groups_mode != GROUPS_UNSET && rq->groups_mode != mode)
		die("--groups, --clear-groups and --init-groups exclude each "
		    "other");
	rq->groups_mode = mode;
	rq->groups = groups;
}

static void
parse_args(int argc, char **argv, struct request *rq)
{
	int c;

	while ((c = getopt_long(argc, argv, "+:k:c:b:i:a:u:g:G:s:npvhV",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			list_add(&rq->keep, &rq->nkeep, "keep", optarg);
			break;
		case 'c':
			list_add(&rq->caps, &rq->ncaps, "caps", optarg);
			break;
		case 'b':
			list_add(&rq->bounding, &rq->nbounding, "bounding",
			    optarg);
			break;
		case 'i':
			list_add(&rq->inheritable, &rq->ninheritable,
			    "inheritable", optarg);
			break;
		case 'a':
			list_add(&rq->ambient, &rq->nambient, "ambient",
			    optarg);
			break;
		case 's':
			list_add(&rq->securebits, &rq->nsecurebits,
			    "securebits", optarg);
			break;
		case 'u':
			rq->user = optarg;
			break;
		case 'g':
			rq->group = optarg;
			break;
		case 'G':
			set_groups_mode(rq, GROUPS_LIST, optarg);
			break;
		case OPT_CLEAR_GROUPS:
			set_groups_mode(rq, GROUPS_CLEAR, NULL);
			break;
		case OPT_INIT_GROUPS:
			set_groups_mode(rq, GROUPS_INIT, NULL);
			break;
		case 'n':
			rq->nnp = true;
			break;
		case 'p':
			rq->print = true;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (rq->groups_mode == GROUPS_INIT && rq->user == NULL)
		die("--init-groups: needs --user (whose groups?)");
	rq->prog = argv + optind;
}

/* The wanted state, from the current one, and every step it takes. */
static void
plan(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	uint64_t keep;

	pl->want = *cur;
	plan_ids(rq, cur, pl);
	keep = plan_sets(rq, cur, pl);
	plan_securebits(rq, cur, &pl->want);
	plan_ambient(rq, cur, &pl->want, keep);
	plan_steps(rq, cur, pl);
}

int
main(int argc, char **argv)
{
	/* Static: they live until exec, or exit after --print. */
	static struct request rq;
	static struct plan pl;
	struct creds cur;

	conch_init("capset");
	parse_args(argc, argv, &rq);
	read_creds(&cur);
	plan(&rq, &cur, &pl);
	apply(&cur, &pl, rq.nnp);
	if (rq.print) {
		print_state();
		if (rq.prog[0] == NULL)
			return 0;
	}
	exec_prog(rq.prog, NULL);
}

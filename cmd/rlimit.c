/*
 * rlimit: set resource limits and the OOM score, then run PROG.
 *
 * prlimit(1) and s6-softlimit do this too; rlimit is the chain's way:
 * one operand per limit, NAME=SOFT:HARD, all of them checked before the
 * first is set, and 125 with the reason when the kernel refuses one.
 * It sits before the user namespace in a chain, while raising a hard
 * limit is still allowed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "conch.h"

static const char usage[] =
"Usage: rlimit [OPTION]... [RESOURCE=LIMIT]... [--] [PROG [ARG]...]\n"
"Set resource limits of this process, then run PROG (default: $SHELL).\n"
"\n"
"  -o, --oom-score-adj N   set the OOM score adjustment (-1000 to 1000)\n"
"  -p, --print             print the resulting limits, then run PROG if\n"
"                          given\n"
"  -v, --verbose           print each step\n"
"  -h, --help              print this help\n"
"  -V, --version           print the version\n"
"\n"
"RESOURCE: as, core, cpu, data, fsize, locks, memlock, msgqueue, nice,\n"
"nofile, nproc, rss, rtprio, rttime, sigpending, stack (any case, with or\n"
"without RLIMIT_). LIMIT: SOFT:HARD, one VALUE for both, SOFT: or :HARD\n"
"for one. VALUE: a number, with K, M, G or T (1024-based), or unlimited.\n";

struct resource {
	const char *name;
	int res;
	const char *unit;	/* for -v and the man page */
};

/* In the order of <asm-generic/resource.h>, which -p prints. */
static const struct resource resources[] = {
	{ "cpu", RLIMIT_CPU, "seconds" },
	{ "fsize", RLIMIT_FSIZE, "bytes" },
	{ "data", RLIMIT_DATA, "bytes" },
	{ "stack", RLIMIT_STACK, "bytes" },
	{ "core", RLIMIT_CORE, "bytes" },
	{ "rss", RLIMIT_RSS, "bytes" },
	{ "nproc", RLIMIT_NPROC, "processes" },
	{ "nofile", RLIMIT_NOFILE, "descriptors" },
	{ "memlock", RLIMIT_MEMLOCK, "bytes" },
	{ "as", RLIMIT_AS, "bytes" },
	{ "locks", RLIMIT_LOCKS, "locks" },
	{ "sigpending", RLIMIT_SIGPENDING, "signals" },
	{ "msgqueue", RLIMIT_MSGQUEUE, "bytes" },
	{ "nice", RLIMIT_NICE, "20 - nice" },
	{ "rtprio", RLIMIT_RTPRIO, "priority" },
	{ "rttime", RLIMIT_RTTIME, "microseconds" },
};

#define MAXLIMITS 64

/* One RESOURCE=LIMIT operand; a side not given keeps its current value. */
struct limit {
	const struct resource *r;
	const char *arg;
	bool set_soft, set_hard;
	rlim_t soft, hard;
	struct rlimit old, new;	/* planned before anything is set */
};

struct opts {
	struct limit limits[MAXLIMITS];
	size_t n;
	bool oom_set;
	long oom;
	bool print;
};

static const struct resource *
resource_byname(const char *name, size_t len)
{
	size_t i;

	if (len > 7 && strncasecmp(name, "rlimit_", 7) == 0) {
		name += 7;
		len -= 7;
	}
	for (i = 0; i < LEN(resources); i++)
		if (strlen(resources[i].name) == len &&
		    strncasecmp(resources[i].name, name, len) == 0)
			return &resources[i];
	return NULL;
}

static int
parse_value(const char *s, rlim_t *out)
{
	unsigned long long v;

	if (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (parse_size(s, &v) == -1 || v >= (unsigned long long)RLIM_INFINITY)
		return -1;
	*out = (rlim_t)v;
	return 0;
}

static noreturn void
die_value(const char *arg, const char *value)
{
	die("%s: '%s' is not a number, a size with K, M, G or T, or "
	    "unlimited", arg, value);
}

/* SOFT:HARD, VALUE, SOFT: or :HARD, into L. */
static void
parse_limit(const char *arg, const char *val, struct limit *l)
{
	char soft[64], *colon;
	const char *hard;

	if (strlen(val) >= sizeof(soft))
		die("%s: value too long", arg);
	strcpy(soft, val);
	colon = strchr(soft, ':');
	hard = colon != NULL ? colon + 1 : soft;
	if (colon != NULL)
		*colon = '\0';
	l->set_soft = soft[0] != '\0';
	l->set_hard = hard[0] != '\0';
	if (!l->set_soft && !l->set_hard)
		die("%s: no value (expected SOFT:HARD, VALUE, SOFT: or :HARD)",
		    arg);
	if (l->set_soft && parse_value(soft, &l->soft) == -1)
		die_value(arg, soft);
	if (l->set_hard && parse_value(hard, &l->hard) == -1)
		die_value(arg, hard);
	if (l->set_soft && l->set_hard && l->soft > l->hard)
		die("%s: the soft limit is above the hard limit", arg);
}

/*
 * The RESOURCE=LIMIT operands from ARGV[optind]; parsing stops at the
 * first word without '=' (PROG), or after --. A word with '=' that names
 * no resource is an error, not PROG: a typo must not run as a command.
 */
static void
parse_operands(int argc, char **argv, struct opts *o)
{
	const char *eq;
	struct limit *l;

	for (; optind < argc; optind++) {
		if (strcmp(argv[optind], "--") == 0) {
			optind++;
			return;
		}
		if ((eq = strchr(argv[optind], '=')) == NULL)
			return;
		if (o->n == MAXLIMITS)
			die("more than %d limits", MAXLIMITS);
		l = &o->limits[o->n++];
		l->arg = argv[optind];
		l->r = resource_byname(argv[optind], eq - argv[optind]);
		if (l->r == NULL)
			die("unknown resource '%.*s' (see rlimit --help)",
			    (int)(eq - argv[optind]), argv[optind]);
		parse_limit(argv[optind], eq + 1, l);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "oom-score-adj", required_argument, NULL, 'o' },
		{ "print", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+:o:pvhV", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'o':
			if (parse_long(optarg, -1000, 1000, &o->oom) == -1)
				die("--oom-score-adj '%s': not a number from "
				    "-1000 to 1000", optarg);
			o->oom_set = true;
			break;
		case 'p':
			o->print = true;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	parse_operands(argc, argv, o);
}

static void
fmt_value(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* Why the kernel refused L's new limits. */
static const char *
set_hint(int err, const struct limit *l, char *hint, size_t size)
{
	char nr_open[32] = "", v[32];

	if (err != EPERM)
		return NULL;
	if (l->r->res == RLIMIT_NOFILE &&
	    read_file("/proc/sys/fs/nr_open", nr_open, sizeof(nr_open)) > 0) {
		nr_open[strcspn(nr_open, "\n")] = '\0';
		if (l->new.rlim_max == RLIM_INFINITY ||
		    l->new.rlim_max > strtoull(nr_open, NULL, 10)) {
			snprintf(hint, size, "nofile cannot exceed fs.nr_open, "
			    "%s", nr_open);
			return hint;
		}
	}
	fmt_value(l->old.rlim_max, v, sizeof(v));
	snprintf(hint, size, "raising the hard limit above %s needs "
	    "CAP_SYS_RESOURCE", v);
	return hint;
}

/*
 * What each operand sets, from the limits as they are or as an earlier
 * operand leaves them: a soft limit above the hard one is refused here,
 * before anything is set.
 */
static void
plan_limits(struct limit *limits, size_t n)
{
	struct rlimit now[RLIM_NLIMITS];
	char soft[32], hard[32];
	struct limit *l;
	size_t i;

	for (i = 0; i < LEN(resources); i++)
		if (getrlimit(resources[i].res, &now[resources[i].res]) == -1)
			die_sys("getrlimit %s", resources[i].name);
	for (l = limits; l < limits + n; l++) {
		l->old = now[l->r->res];
		l->new.rlim_cur = l->set_soft ? l->soft : l->old.rlim_cur;
		l->new.rlim_max = l->set_hard ? l->hard : l->old.rlim_max;
		fmt_value(l->new.rlim_cur, soft, sizeof(soft));
		fmt_value(l->new.rlim_max, hard, sizeof(hard));
		if (l->new.rlim_cur > l->new.rlim_max)
			die("%s: the soft limit %s would be above the hard "
			    "limit %s (give both: %s=SOFT:HARD)", l->arg, soft,
			    hard, l->r->name);
		now[l->r->res] = l->new;
	}
}

static void
set_limit(const struct limit *l)
{
	char soft[32], hard[32], hint[128];

	fmt_value(l->new.rlim_cur, soft, sizeof(soft));
	fmt_value(l->new.rlim_max, hard, sizeof(hard));
	trace("setrlimit %s %s:%s (%s)", l->r->name, soft, hard, l->r->unit);
	if (setrlimit(l->r->res, &l->new) == -1)
		die_err(errno, set_hint(errno, l, hint, sizeof(hint)), "%s",
		    l->arg);
}

/*
 * The kernel refuses a value below oom_score_adj_min, which is 0 until a
 * process with CAP_SYS_RESOURCE writes one (it is inherited).
 */
static void
set_oom_score_adj(long adj)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%ld", adj);
	trace("write /proc/self/oom_score_adj: %s", buf);
	if (write_file("/proc/self/oom_score_adj", buf) == -1)
		die_err(errno, errno != EACCES ? NULL : adj < 0 ? "lowering "
		    "it below 0 needs CAP_SYS_RESOURCE" : "lowering it below "
		    "what a privileged process set needs CAP_SYS_RESOURCE",
		    "--oom-score-adj %s", buf);
}

/* NAME=SOFT:HARD for every resource, as the operands take them back. */
static void
print_limits(void)
{
	struct rlimit rl;
	char soft[32], hard[32], adj[16] = "";
	size_t i;

	for (i = 0; i < LEN(resources); i++) {
		if (getrlimit(resources[i].res, &rl) == -1)
			die_sys("getrlimit %s", resources[i].name);
		fmt_value(rl.rlim_cur, soft, sizeof(soft));
		fmt_value(rl.rlim_max, hard, sizeof(hard));
		printf("%s=%s:%s\n", resources[i].name, soft, hard);
	}
	if (read_file("/proc/self/oom_score_adj", adj, sizeof(adj)) == -1)
		die_sys("read /proc/self/oom_score_adj");
	printf("oom-score-adj=%s", adj);
	if (fflush(stdout) == EOF)
		die_sys("write the limits");
}

int
main(int argc, char **argv)
{
	static struct opts o;
	size_t i;

	conch_init("rlimit");
	parse_args(argc, argv, &o);
	plan_limits(o.limits, o.n);
	for (i = 0; i < o.n; i++)
		set_limit(&o.limits[i]);
	if (o.oom_set)
		set_oom_score_adj(o.oom);
	if (o.print) {
		print_limits();
		if (optind == argc)
			return 0;
	}
	exec_prog(argv + optind, NULL);
}

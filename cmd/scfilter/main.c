/*
 * scfilter: install a seccomp filter, then run PROG.
 *
 * Rules come from built-in profiles, profile files (a short text format,
 * or OCI/Docker JSON) and the command line, in the order given: for each
 * system call the last rule that matches its arguments decides, and the
 * default action takes the rest. A JSON profile is first read as runc
 * reads it (runc.c). That is a list tried in order, which BPF does
 * directly, so the program is generated here, for every architecture
 * the machine runs, each with its own argument width. libseccomp gives
 * the system call tables; its own rule database cannot express "the last
 * match wins" (one comparison per argument in a rule, no per-call
 * fallback, overlapping rules settled by its tree order), costs about a
 * millisecond per architecture, and hangs on some rule sets (2.5.4).
 *
 * The files, each depending only on those before it: names.c (system
 * calls, errno values, constants, architectures), rules.c (the rule set,
 * actions, the verdict), text.c and json.c (the profile readers; runc.c
 * settles a JSON profile's rules as runc does), filter.c (the plan per
 * architecture), bpf.c (the BPF compiler), pfc.c (--dump), prog.c (PROG
 * and noexec); learn.c (--learn and --trace: the supervisor), notif.c
 * (its listener loop) and learned.c (the set learned, FILE); and this
 * one: the options and the steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <seccomp.h>

#include "conch.h"
#include "bpf.h"
#include "json.h"
#include "learn.h"
#include "pfc.h"
#include "prog.h"
#include "text.h"

static const char usage[] =
    "Usage: scfilter [OPTION]... [--] [PROG [ARG]...]\n"
    "       scfilter [OPTION]... --dump|--bpf FILE\n"
    "       scfilter --learn FILE [--learn-args] [--learn-inner] [--] PROG [ARG]...\n"
    "       scfilter --trace [--] PROG [ARG]...\n"
    "       scfilter --list WHAT|--show PROFILE\n"
    "Install a seccomp filter, then run PROG (default: $SHELL).\n"
    "\n"
    "  -f, --profile NAME|FILE  add a built-in profile (default, nonet,\n"
    "                           noexec) or a profile file, text or JSON\n"
    "      --allow LIST         allow these system calls\n"
    "      --deny LIST          make them fail with EPERM\n"
    "      --errno ERR:LIST     make them fail with ERR (name or number)\n"
    "      --kill LIST          kill the process that makes them\n"
    "      --log LIST           allow and log them\n"
    "      --default ACTION     for every other call (default: allow)\n"
    "      --arch LIST          architectures let through (default: all\n"
    "                           this machine runs); others are killed\n"
    "      --keep-privs         load the filter with CAP_SYS_ADMIN, without\n"
    "                           no_new_privs: set-user-ID programs still work\n"
    "      --dump               print the filter (as libseccomp PFC), exit\n"
    "      --bpf FILE           write the filter as raw BPF (- for stdout),\n"
    "                           exit\n"
    "      --learn FILE         run PROG, let every call through, write\n"
    "                           the calls it and its children made to\n"
    "                           FILE (merged into it), text or .json\n"
    "      --learn-args         with --learn: also the socket families,\n"
    "                           clone flags, personalities and prctl\n"
    "                           options used\n"
    "      --learn-inner        with --learn: only the calls made under a\n"
    "                           filter loaded later (an OCI runtime's)\n"
    "      --trace              run PROG, print each call it makes\n"
    "      --list WHAT          print the profiles, syscalls, constants or\n"
    "                           errnos known, exit\n"
    "      --show PROFILE       print a built-in profile, exit\n"
    "  -v, --verbose            print each step\n"
    "  -h, --help               print this help\n"
    "  -V, --version            print the version\n"
    "\n"
    "LIST: system calls separated by commas. ACTION: allow, errno[=ERR],\n"
    "kill, kill-process, trap, log. Later rules win over earlier ones.\n";

enum {
	OPT_ALLOW = 256, OPT_DENY, OPT_ERRNO, OPT_KILL, OPT_LOG, OPT_DEFAULT,
	OPT_ARCH, OPT_DUMP, OPT_BPF, OPT_LIST, OPT_SHOW, OPT_LEARN,
	OPT_LEARN_ARGS, OPT_LEARN_INNER, OPT_TRACE, OPT_KEEP_PRIVS,
};

static const struct option longopts[] = {
	{ "profile", required_argument, NULL, 'f' },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "kill", required_argument, NULL, OPT_KILL },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "default", required_argument, NULL, OPT_DEFAULT },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "keep-privs", no_argument, NULL, OPT_KEEP_PRIVS },
	{ "dump", no_argument, NULL, OPT_DUMP },
	{ "bpf", required_argument, NULL, OPT_BPF },
	{ "list", required_argument, NULL, OPT_LIST },
	{ "show", required_argument, NULL, OPT_SHOW },
	{ "learn", required_argument, NULL, OPT_LEARN },
	{ "learn-args", no_argument, NULL, OPT_LEARN_ARGS },
	{ "learn-inner", no_argument, NULL, OPT_LEARN_INNER },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* ---- -f NAME|FILE, --allow LIST and friends ----------------------------- */

#define PROFILE_MAX (16 << 20)

/* The whole file, NUL-terminated; *len without the NUL. */
static char *
read_profile_file(const char *path, size_t *len)
{
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		die_err(errno, errno == ENOENT && strchr(path, '/') == NULL ?
		    "not a built-in profile either: default, nonet, noexec" :
		    NULL, "open profile %s", path);
	buf = read_all_max(fd, PROFILE_MAX - 1, len);
	if (buf == NULL && errno == EFBIG)
		die("profile %s: larger than %d MiB", path, PROFILE_MAX >> 20);
	if (buf == NULL)
		die_sys("read profile %s", path);
	close(fd);
	return buf;
}

static void
add_profile(struct profile *p, const char *arg)
{
	const struct builtin *b = builtin_byname(arg);
	char *text;
	size_t len, rules = p->n;

	if (b != NULL && strchr(arg, '/') == NULL) {
		text = xstrdup(b->text);
		profile_hold(p, text, free);
		text_profile_read(p, text, b->name);
		trace("profile %s (built-in): %zu rules", arg, p->n - rules);
		return;
	}
	text = read_profile_file(arg, &len);
	if (text[strspn(text, " \t\r\n")] == '{') {
		json_profile_read(p, text, len, arg);
		free(text);
		trace("profile %s (JSON): %zu rules", arg, p->n - rules);
		return;
	}
	if (memchr(text, '\0', len) != NULL)
		die("profile %s: a binary file, neither text nor JSON", arg);
	profile_hold(p, text, free);
	text_profile_read(p, text, arg);
	trace("profile %s (text): %zu rules", arg, p->n - rules);
}

/* --allow LIST and friends: unconditional rules. */
static void
add_call_list(struct profile *p, const char *opt, char *list, uint32_t act)
{
	const struct where w = { opt, 0 };
	struct rule r = { .act = act };
	char *name, *end;

	for (name = list;; name = end + 1) {
		end = strchr(name, ',');
		if (end != NULL)
			*end = '\0';
		if (*name == '\0')
			die_at(&w, "empty system call name in the list");
		profile_add_call(p, name, &r, &w);
		if (end == NULL)
			break;
	}
}

static void
add_errno_list(struct profile *p, char *arg)
{
	const struct where w = { "--errno", 0 };
	char *colon = strchr(arg, ':');

	if (colon == NULL || colon == arg || colon[1] == '\0')
		die("--errno '%s': expected ERR:LIST", arg);
	*colon = '\0';
	add_call_list(p, "--errno", colon + 1,
	    SCMP_ACT_ERRNO(parse_errno(arg, &w)));
}

/* ---- output: --dump, --bpf, --list, --show ------------------------------ */

/* Raw BPF, as bwrap --seccomp and setpriv --seccomp-filter read it. */
static void
write_bpf(const struct sock_fprog *prog, const char *file)
{
	size_t len = prog->len * sizeof(*prog->filter);
	int fd = STDOUT_FILENO, err;
	ssize_t n;

	if (strcmp(file, "-") != 0) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOCTTY, 0644);
		if (fd == -1)
			die_sys("open %s", file);
	}
	n = write(fd, prog->filter, len);
	err = n == -1 ? errno : EIO;
	if ((size_t)n == len && fd != STDOUT_FILENO && close(fd) == -1) {
		err = errno;
		n = -1;
	}
	if ((size_t)n != len) {
		if (fd != STDOUT_FILENO)
			unlink(file);
		die_err(err, NULL, "write the filter to %s", file);
	}
	trace("%u BPF instructions written to %s", prog->len, file);
}

static noreturn void
list_known(const char *what)
{
	if (strcmp(what, "profiles") == 0)
		list_builtins();
	else if (strcmp(what, "syscalls") == 0)
		list_syscalls();
	else if (strcmp(what, "constants") == 0)
		list_constants();
	else if (strcmp(what, "errnos") == 0)
		list_errnos();
	else
		die("--list '%s': expected profiles, syscalls, constants or "
		    "errnos", what);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

static noreturn void
show_builtin(const char *name)
{
	const struct builtin *b = builtin_byname(name);

	if (b == NULL)
		die("--show '%s': not a built-in profile (default, nonet, "
		    "noexec)", name);
	fputs(b->text, stdout);
	exit(fflush(stdout) == 0 ? 0 : EXIT_TOOL);
}

/* ---- main --------------------------------------------------------------- */

struct opts {
	struct profile *profile;	/* the rules the options give */
	bool rules;			/* some were given */
	struct learn_opts learn;
	bool dump;
	bool keep_privs;	/* no no_new_privs: CAP_SYS_ADMIN loads */
	const char *bpf;
	char **prog;
};

/* -f, --allow ... --default, --arch: 1 if c was one of them. */
static int
rule_option(struct profile *p, int c)
{
	const struct where def = { "--default", 0 }, arch = { "--arch", 0 };

	switch (c) {
	case 'f':
		add_profile(p, optarg);
		break;
	case OPT_ALLOW:
		add_call_list(p, "--allow", optarg, SCMP_ACT_ALLOW);
		break;
	case OPT_DENY:
		add_call_list(p, "--deny", optarg, SCMP_ACT_ERRNO(EPERM));
		break;
	case OPT_ERRNO:
		add_errno_list(p, optarg);
		break;
	case OPT_KILL:
		add_call_list(p, "--kill", optarg, SCMP_ACT_KILL_PROCESS);
		break;
	case OPT_LOG:
		add_call_list(p, "--log", optarg, SCMP_ACT_LOG);
		break;
	case OPT_DEFAULT:
		profile_set_default(p, parse_action(optarg, &def));
		break;
	case OPT_ARCH:
		profile_parse_arches(p, optarg, &arch);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Learning runs PROG under its own filter: no rules, no output. */
static void
check_learn(const struct opts *o)
{
	const char *opt = o->learn.file != NULL ? "--learn" : "--trace";

	if (o->learn.args && o->learn.file == NULL)
		die("--learn-args: only with --learn FILE");
	if (o->learn.inner && o->learn.file == NULL)
		die("--learn-inner: only with --learn FILE");
	if (o->learn.file == NULL && !o->learn.trace)
		return;
	if (o->rules)
		die("%s lets every call of PROG through: -f, --allow, "
		    "--default and the other rules enforce, in a run of "
		    "their own", opt);
	if (o->dump || o->bpf != NULL)
		die("%s runs PROG: no filter to --dump or --bpf", opt);
	if (o->learn.file != NULL && o->learn.file[0] == '\0')
		die("--learn '': expected a file name");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "+:f:hvV", longopts, NULL)) != -1) {
		if (rule_option(o->profile, c)) {
			o->rules = true;
			continue;
		}
		switch (c) {
		case OPT_DUMP:
			o->dump = true;
			break;
		case OPT_KEEP_PRIVS:
			o->keep_privs = true;
			break;
		case OPT_BPF:
			o->bpf = optarg;
			break;
		case OPT_LEARN:
			o->learn.file = optarg;
			break;
		case OPT_LEARN_ARGS:
			o->learn.args = true;
			break;
		case OPT_LEARN_INNER:
			o->learn.inner = true;
			break;
		case OPT_TRACE:
			o->learn.trace = true;
			break;
		case OPT_LIST:
			list_known(optarg);
		case OPT_SHOW:
			show_builtin(optarg);
		default:
			common_option(c, argv, usage);
		}
	}
	o->prog = argv + optind;
	check_learn(o);
}

static long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void
trace_filter(const struct filter *flt, const struct sock_fprog *prog, long us)
{
	const struct profile *p = flt->profile;
	char arches[64] = "", act[32];
	size_t i;

	if (!conch_verbose)
		return;
	for (i = 0; i < flt->narch; i++)
		snprintf(arches + strlen(arches), sizeof(arches) -
		    strlen(arches), "%s%s", i ? "," : "",
		    flt->arch[i].arch->name);
	trace("filter: %zu rules, default %s, architectures %s (others "
	    "killed): %u BPF instructions in %ld µs", p->n,
	    action_str(p->def, act, sizeof(act)), arches, prog->len, us);
}

/* The filter planned and compiled into prog (which points into b). */
static void
compile(struct filter *flt, struct bpf *b, struct sock_fprog *prog,
    const struct profile *p, const struct exec_gate *gate)
{
	long start = now_us();

	filter_build(flt, p, gate);
	bpf_compile(b, flt, prog);
	trace_filter(flt, prog, now_us() - start);
}

/* --dump and --bpf FILE: the filter written out instead of loaded. */
static int
write_filter(const struct opts *o)
{
	const struct profile *p = o->profile;
	struct sock_fprog prog;
	struct filter flt;
	struct bpf b;

	if (o->prog[0] != NULL)
		die("--dump and --bpf write the filter instead of running PROG "
		    "('%s')", o->prog[0]);
	if (p->noexec)
		trace("noexec: written out, execve is simply denied (only "
		    "scfilter's own exec of PROG can pass)");
	compile(&flt, &b, &prog, p, NULL);
	if (o->bpf != NULL)
		write_bpf(&prog, o->bpf);
	if (o->dump) {
		pfc_print(stdout, &flt);
		if (fflush(stdout) == EOF)
			die_sys("write the filter to stdout");
	}
	filter_free(&flt);
	return 0;
}

/*
 * no_new_privs, then the filter, with the flags of a JSON profile. With
 * --keep-privs, CAP_SYS_ADMIN is what lets the filter load instead (as
 * runc and crun load an OCI config's filter without noNewPrivileges).
 */
static void
load_filter(const struct profile *p, const struct sock_fprog *prog,
    const char *path, bool keep_privs)
{
	unsigned flags = (p->flag_log ? SECCOMP_FILTER_FLAG_LOG : 0) |
	    (p->flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);

	if (!keep_privs) {
		trace("prctl(PR_SET_NO_NEW_PRIVS): needed to load a filter "
		    "without CAP_SYS_ADMIN; no exec can gain privileges after "
		    "it");
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			die_sys("prctl(PR_SET_NO_NEW_PRIVS)");
	}
	trace("seccomp(SECCOMP_SET_MODE_FILTER), then exec %s", path);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog) == -1)
		die_err(errno, keep_privs && errno == EACCES ? "--keep-privs "
		    "needs CAP_SYS_ADMIN: without it, leave it out" : NULL,
		    "load the filter (%u BPF instructions)", prog->len);
}

int
main(int argc, char **argv)
{
	struct profile profile;
	struct opts o = { .profile = &profile };
	struct exec ex = { .envp = environ };
	struct exec_gate gate, *g = NULL;
	struct sock_fprog prog;
	struct filter flt;
	struct bpf b;

	conch_init("scfilter");
	profile_init(&profile);
	parse_args(argc, argv, &o);
	if (o.dump || o.bpf != NULL)
		return write_filter(&o);

	prog_find(&ex, o.prog[0] ? o.prog : NULL);
	if (o.learn.file != NULL || o.learn.trace)
		learn_run(&o.learn, &ex);
	if (profile.noexec) {
		prog_gate(&ex, &gate);
		g = &gate;
	} else {
		prog_check_allowed(&profile, &ex);
	}
	compile(&flt, &b, &prog, &profile, g);
	load_filter(&profile, &prog, ex.path, o.keep_privs);
	prog_exec(&ex);
}

/*
 * scfilter: install a seccomp filter, then run PROG.
 *
 * Rules come from built-in profiles, profile files (a short text format,
 * or OCI/Docker JSON) and the command line, in the order given: for each
 * system call the last rule that matches its arguments decides, and the
 * default action takes the rest. A JSON profile is first read as runc
 * reads it (json_settle(), json_last_calls()). That is a list tried in order, which BPF
 * does directly, so the program is generated here, for every architecture
 * the machine runs, each with its own argument width. libseccomp gives
 * the system call tables; its own rule database cannot express "the last
 * match wins" (one comparison per argument in a rule, no per-call
 * fallback, overlapping rules settled by its tree order), costs about a
 * millisecond per architecture, and hangs on some rule sets (2.5.4).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <jansson.h>
#include <seccomp.h>
#include <stddef.h>

#include "conch.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static const char usage[] =
    "Usage: scfilter [OPTION]... [--] [PROG [ARG]...]\n"
    "       scfilter [OPTION]... --dump|--bpf FILE\n"
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
    "      --dump               print the filter (as libseccomp PFC), exit\n"
    "      --bpf FILE           write the filter as raw BPF (- for stdout),\n"
    "                           exit\n"
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
	OPT_ARCH, OPT_DUMP, OPT_BPF, OPT_LIST, OPT_SHOW,
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
	{ "dump", no_argument, NULL, OPT_DUMP },
	{ "bpf", required_argument, NULL, OPT_BPF },
	{ "list", required_argument, NULL, OPT_LIST },
	{ "show", required_argument, NULL, OPT_SHOW },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* ---- built-in profiles, in the text format ------------------------------ */

static const char profile_default[] =
    "# default: what Docker's default seccomp profile blocks in a container\n"
    "# with Docker's default capabilities (no CAP_SYS_ADMIN, CAP_SYS_PTRACE,\n"
    "# CAP_SYS_TIME ...), written as a deny-list: every other call is allowed,\n"
    "# newer ones included. Denied calls fail with EPERM, as under Docker.\n"
    "#\n"
    "# Mounts, the root, other namespaces: the container is shaped by now.\n"
    "errno mount umount umount2 pivot_root fsopen fsconfig fsmount fspick\n"
    "errno move_mount open_tree mount_setattr setns\n"
    "# New namespaces: clone and unshare only without CLONE_NEW* flags.\n"
    "# clone3 keeps its flags in memory, out of the filter's sight: it fails\n"
    "# with ENOSYS, and glibc falls back to clone (as under Docker).\n"
    "errno clone arg0 &= CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|"
    "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET != 0\n"
    "errno unshare arg0 &= CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|"
    "CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWTIME != 0\n"
    "errno=ENOSYS clone3\n"
    "# The machine: reboot, kexec, modules, swap, the clock, host names.\n"
    "errno reboot kexec_load kexec_file_load\n"
    "errno init_module finit_module delete_module create_module\n"
    "errno query_module get_kernel_syms\n"
    "errno swapon swapoff\n"
    "errno settimeofday stime clock_settime clock_settime64\n"
    "errno sethostname setdomainname\n"
    "# Kernel interfaces with a record of escapes, or that reach other\n"
    "# processes, the kernel log or the hardware.\n"
    "errno bpf perf_event_open userfaultfd keyctl add_key request_key\n"
    "errno open_by_handle_at lookup_dcookie fanotify_init syslog acct\n"
    "errno quotactl quotactl_fd nfsservctl _sysctl sysfs ustat uselib bdflush\n"
    "errno iopl ioperm vm86 vm86old vhangup\n"
    "errno kcmp pidfd_getfd process_madvise\n"
    "# io_uring runs calls the filter never sees, and has a record of\n"
    "# kernel escapes: Docker denies it since 25.0 (moby#46762).\n"
    "errno io_uring_setup io_uring_enter io_uring_register\n"
    "errno get_mempolicy set_mempolicy set_mempolicy_home_node mbind\n"
    "errno migrate_pages move_pages\n"
    "# Sockets to the hypervisor (the kernel reads only the low 32 bits).\n"
    "errno socket arg0 &= 0xffffffff == AF_VSOCK\n"
    "# personality: only the harmless personas and the query, as under\n"
    "# Docker, judged on the 32 bits the kernel reads.\n"
    "errno personality\n"
    "allow personality arg0 &= 0xffffffff == PER_LINUX\n"
    "allow personality arg0 &= 0xffffffff == PER_LINUX32\n"
    "allow personality arg0 &= 0xffffffff == UNAME26\n"
    "allow personality arg0 &= 0xffffffff == UNAME26|PER_LINUX32\n"
    "allow personality arg0 &= 0xffffffff == 0xffffffff\n";

static const char profile_nonet[] =
    "# nonet: no network. Sockets of the AF_UNIX family only; the others\n"
    "# fail with EAFNOSUPPORT, as on a kernel built without them, so that\n"
    "# programs fall back quietly. io_uring can open sockets without\n"
    "# socket(2): it fails with EPERM. On 32-bit x86, socketcall(2) hides\n"
    "# the family from the filter: there every new socket is refused.\n"
    "errno=EAFNOSUPPORT socket socketpair\n"
    "allow socket socketpair arg0 == AF_UNIX\n"
    "errno io_uring_setup\n";

static const char profile_noexec[] =
    "# noexec: PROG starts, then nothing can start another program:\n"
    "# execve(2) and execveat(2) fail with EPERM. scfilter's own execve of\n"
    "# PROG is let through by its three pointer arguments, put at random\n"
    "# addresses that vanish with that exec (see NOEXEC in scfilter(1)).\n"
    "noexec\n";

static const struct builtin {
	const char *name, *text, *summary;
} builtins[] = {
	{ "default", profile_default,
	  "what Docker's default profile blocks; all else allowed" },
	{ "nonet", profile_nonet, "no sockets but AF_UNIX" },
	{ "noexec", profile_noexec, "no execve or execveat once PROG runs" },
};

/* ---- the rules ---------------------------------------------------------- */

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MEQ, OP_MNE };

/* One comparison: args[arg] OP v, or (args[arg] & v) ==/!= v2. */
struct cmp {
	unsigned arg;
	enum op op;
	uint64_t v, v2;
};

#define RULE_CMPS 8
#define NARGS 6

struct rule {
	const char *name;	/* the system call */
	int nr;			/* libseccomp's number for it (maybe pseudo) */
	uint32_t act;
	unsigned ncmp;		/* none: the rule is unconditional */
	struct cmp cmp[RULE_CMPS];
	unsigned profile;	/* the JSON profile it is from, 1 on; or 0 */
};

#define MAX_ARCH 4

/*
 * runc's ENOSYS stub: on an architecture of a JSON profile, the calls
 * numbered above the last one the profile names fail with ENOSYS instead
 * of the default action (see json_last_calls()).
 */
struct lastcall {
	uint32_t token;		/* the architecture */
	uint32_t nr;		/* the profile's last call there */
};

#define MAX_LAST 24

/* Memory the rules point into: a profile's text, a JSON document. */
struct held {
	void *mem;
	void (*release)(void *);
};

/*
 * The rule set being built, in the order given: options and profiles
 * add to it, and the filter is compiled from it.
 */
struct profile {
	uint32_t def;
	struct lastcall last[MAX_LAST];	/* the stub, with the default */
	size_t nlast;
	unsigned stub_profile;		/* the JSON profile that set it */
	unsigned njson;			/* JSON profiles read so far */
	uint32_t arch[MAX_ARCH];	/* the native one first */
	size_t narch;
	bool noexec;			/* a "noexec" line was read */
	bool flag_log, flag_spec_allow;	/* from a JSON profile's "flags" */
	struct rule *r;
	size_t n, cap;
	struct held *held;
	size_t nheld, heldcap;
};

static size_t machine_arches(uint32_t *out);

/* No rules, the default allows, every architecture the machine runs. */
static void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->def = SCMP_ACT_ALLOW;
	p->narch = machine_arches(p->arch);
}

/* A new default action replaces the old one, and its stub. */
static void
profile_set_default(struct profile *p, uint32_t act)
{
	p->def = act;
	p->nlast = 0;
}

/* The last call of the stub on an architecture; 0 when it has none. */
static uint32_t
profile_last_call(const struct profile *p, uint32_t token)
{
	size_t i;

	for (i = 0; i < p->nlast; i++)
		if (p->last[i].token == token)
			return p->last[i].nr;
	return 0;
}

/*
 * Is the call in runc's ENOSYS stub: above the last call of a JSON
 * profile whose default is not to allow? On s390, call 0 carries the
 * calls beyond the table's end; runc gives it ENOSYS too.
 */
static bool
profile_stubbed(const struct profile *p, uint32_t token, uint32_t nr)
{
	uint32_t last = profile_last_call(p, token);

	return last != 0 && (nr > last || (nr == 0 &&
	    (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X)));
}

/* What a call no rule decides gets: ENOSYS in the stub, else the default. */
static uint32_t
profile_default_for(const struct profile *p, uint32_t token, uint32_t nr)
{
	return profile_stubbed(p, token, nr) ? SCMP_ACT_ERRNO(ENOSYS) : p->def;
}

/* Where a rule was read, for messages: "prof.txt:3: ", "--deny: ". */
struct where {
	const char *origin;
	int line;
};

static noreturn void __attribute__((format(printf, 2, 3)))
die_at(const struct where *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->line > 0)
		die("%s:%d: %s", w->origin, w->line, msg);
	die("%s: %s", w->origin, msg);
}

/* Profile texts and JSON documents: the rules point into them. */
static void
profile_hold(struct profile *p, void *mem, void (*release)(void *))
{
	if (p->nheld == p->heldcap) {
		p->heldcap = p->heldcap ? 2 * p->heldcap : 8;
		p->held = realloc(p->held, p->heldcap * sizeof(*p->held));
		if (p->held == NULL)
			die_sys("realloc");
	}
	p->held[p->nheld++] = (struct held){ mem, release };
}

static void
profile_add_rule(struct profile *p, const struct rule *r)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 128;
		p->r = realloc(p->r, p->cap * sizeof(*p->r));
		if (p->r == NULL)
			die_sys("realloc");
	}
	p->r[p->n++] = *r;
}

/* The libseccomp number of a call, or __NR_SCMP_ERROR if none knows it. */
static int
syscall_nr(const char *name)
{
	return seccomp_syscall_resolve_name(name);
}

/* ---- names: actions, errno values, constants, architectures ------------- */

static const struct errname {
	const char *name;
	int err;
} errno_aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK },
	{ "ENOTSUP", ENOTSUP },
};

#define MAX_ERRNO 4095

/* An errno name (any case) or number; -1 if neither. */
static int
errno_value(const char *s)
{
	unsigned long v;
	const char *name;
	size_t i;
	int e;

	if (parse_ulong(s, MAX_ERRNO, &v) == 0)
		return (int)v;
	for (e = 1; e < 200; e++) {
		name = strerrorname_np(e);
		if (name != NULL && strcasecmp(name, s) == 0)
			return e;
	}
	for (i = 0; i < LEN(errno_aliases); i++)
		if (strcasecmp(errno_aliases[i].name, s) == 0)
			return errno_aliases[i].err;
	return -1;
}

/* The errno of ERR in "errno=ERR" or "--errno ERR:...", or dies. */
static int
parse_errno(const char *s, const struct where *w)
{
	int e = errno_value(s);

	if (e >= 0)
		return e;
	if (isdigit((unsigned char)s[0]))
		die_at(w, "errno value '%s' out of range (0 to %d)", s,
		    MAX_ERRNO);
	die_at(w, "unknown errno name '%s'", s);
}

/* "allow", "errno=EACCES", "kill-process" ...; dies on anything else. */
static uint32_t
parse_action(const char *s, const struct where *w)
{
	const char *arg = strchr(s, '=');
	size_t len = arg ? (size_t)(arg - s) : strlen(s);
	unsigned long v;

	if (arg != NULL)
		arg++;
#define IS(word) (len == strlen(word) && strncmp(s, word, len) == 0)
	if (IS("errno"))
		return SCMP_ACT_ERRNO(arg ? parse_errno(arg, w) : EPERM);
	if (IS("trace")) {
		if (arg == NULL)
			return SCMP_ACT_TRACE(EPERM);
		if (parse_ulong(arg, 0xffff, &v) == -1)
			die_at(w, "trace value '%s': expected 0 to 65535", arg);
		return SCMP_ACT_TRACE(v);
	}
	if (arg == NULL) {
		if (IS("allow"))
			return SCMP_ACT_ALLOW;
		if (IS("deny"))
			return SCMP_ACT_ERRNO(EPERM);
		if (IS("kill") || IS("kill-thread"))
			return SCMP_ACT_KILL;
		if (IS("kill-process"))
			return SCMP_ACT_KILL_PROCESS;
		if (IS("trap"))
			return SCMP_ACT_TRAP;
		if (IS("log"))
			return SCMP_ACT_LOG;
	}
#undef IS
	die_at(w, "unknown action '%s'", s);
}

/* For messages and traces: "errno=EPERM", "kill-process". */
static const char *
action_str(uint32_t act, char *buf, size_t size)
{
	const char *name;

	switch (act & 0xffff0000U) {
	case SCMP_ACT_ERRNO(0):
		name = strerrorname_np(act & 0xffff);
		if (name != NULL)
			snprintf(buf, size, "errno=%s", name);
		else
			snprintf(buf, size, "errno=%u", act & 0xffff);
		return buf;
	case SCMP_ACT_TRACE(0):
		snprintf(buf, size, "trace=%u", act & 0xffff);
		return buf;
	}
	switch (act) {
	case SCMP_ACT_ALLOW: return "allow";
	case SCMP_ACT_LOG: return "log";
	case SCMP_ACT_TRAP: return "trap";
	case SCMP_ACT_KILL: return "kill";
	case SCMP_ACT_KILL_PROCESS: return "kill-process";
	}
	snprintf(buf, size, "0x%08x", act);
	return buf;
}

#define C(name) { #name, (uint64_t)(name) }
static const struct constant {
	const char *name;
	uint64_t value;
} constants[] = {
	C(AF_UNSPEC), C(AF_UNIX), C(AF_LOCAL), C(AF_INET), C(AF_INET6),
	C(AF_NETLINK), C(AF_PACKET), C(AF_KEY), C(AF_BLUETOOTH), C(AF_CAN),
	C(AF_TIPC), C(AF_ALG), C(AF_VSOCK), C(AF_XDP), C(AF_RDS), C(AF_NFC),
	C(AF_APPLETALK), C(AF_AX25), C(AF_X25),
	C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET),
	C(SOCK_RDM), C(SOCK_PACKET), C(SOCK_NONBLOCK), C(SOCK_CLOEXEC),
	C(IPPROTO_IP), C(IPPROTO_ICMP), C(IPPROTO_TCP), C(IPPROTO_UDP),
	C(IPPROTO_IPV6), C(IPPROTO_ICMPV6), C(IPPROTO_SCTP), C(IPPROTO_RAW),
	/* The kernel's O_ACCMODE: musl's also holds O_PATH (O_SEARCH). */
	C(O_RDONLY), C(O_WRONLY), C(O_RDWR), { "O_ACCMODE", 03 }, C(O_CREAT),
	C(O_EXCL), C(O_NOCTTY), C(O_TRUNC), C(O_APPEND), C(O_NONBLOCK),
	C(O_DSYNC), C(O_SYNC), C(O_DIRECT), C(O_DIRECTORY), C(O_NOFOLLOW),
	C(O_NOATIME), C(O_CLOEXEC), C(O_PATH), C(O_TMPFILE),
	C(AT_FDCWD), C(AT_SYMLINK_NOFOLLOW), C(AT_REMOVEDIR),
	C(AT_SYMLINK_FOLLOW), C(AT_NO_AUTOMOUNT), C(AT_EMPTY_PATH),
	C(CLONE_VM), C(CLONE_FS), C(CLONE_FILES), C(CLONE_SIGHAND),
	C(CLONE_PIDFD), C(CLONE_PTRACE), C(CLONE_VFORK), C(CLONE_PARENT),
	C(CLONE_THREAD), C(CLONE_NEWNS), C(CLONE_SYSVSEM), C(CLONE_SETTLS),
	C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID), C(CLONE_UNTRACED),
	C(CLONE_CHILD_SETTID), C(CLONE_NEWCGROUP), C(CLONE_NEWUTS),
	C(CLONE_NEWIPC), C(CLONE_NEWUSER), C(CLONE_NEWPID), C(CLONE_NEWNET),
	C(CLONE_IO), C(CLONE_NEWTIME),
	C(PROT_NONE), C(PROT_READ), C(PROT_WRITE), C(PROT_EXEC),
	C(MAP_SHARED), C(MAP_PRIVATE), C(MAP_FIXED), C(MAP_ANONYMOUS),
	C(MAP_GROWSDOWN), C(MAP_LOCKED), C(MAP_NORESERVE), C(MAP_POPULATE),
	C(MAP_STACK), C(MAP_HUGETLB), C(MAP_FIXED_NOREPLACE),
	C(MS_RDONLY), C(MS_NOSUID), C(MS_NODEV), C(MS_NOEXEC),
	C(MS_REMOUNT), C(MS_BIND), C(MS_MOVE), C(MS_REC), C(MS_PRIVATE),
	C(MS_SLAVE), C(MS_SHARED), C(MNT_FORCE), C(MNT_DETACH),
	C(PER_LINUX), C(PER_LINUX32), C(UNAME26), C(ADDR_NO_RANDOMIZE),
	C(READ_IMPLIES_EXEC), C(ADDR_COMPAT_LAYOUT), C(MMAP_PAGE_ZERO),
	C(ADDR_LIMIT_32BIT), C(ADDR_LIMIT_3GB),
	C(TIOCSTI), C(TIOCLINUX),
	C(PR_SET_NO_NEW_PRIVS), C(PR_SET_SECCOMP), C(PR_SET_DUMPABLE),
	C(PR_CAPBSET_DROP), C(PR_SET_NAME), C(PR_SET_PDEATHSIG),
};
#undef C

/* A number (decimal, 0x hex, 0 octal, or negative) or a constant. */
static int
value_term(const char *s, size_t len, uint64_t *out)
{
	char buf[64], *end;
	const char *sig;
	size_t i;
	int n;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (isdigit((unsigned char)buf[0]) || (buf[0] == '-' &&
	    isdigit((unsigned char)buf[1]))) {
		errno = 0;
		if (buf[0] == '-')
			*out = (uint64_t)strtoll(buf, &end, 0);
		else
			*out = strtoull(buf, &end, 0);
		return errno != 0 || *end != '\0' ? -1 : 0;
	}
	for (i = 0; i < LEN(constants); i++) {
		if (strcmp(constants[i].name, buf) == 0) {
			*out = constants[i].value;
			return 0;
		}
	}
	/* Signals by name, for kill(2) and friends: SIGKILL, SIGTERM ... */
	for (n = 1; n < NSIG && strncmp(buf, "SIG", 3) == 0; n++) {
		sig = sigabbrev_np(n);
		if (sig != NULL && strcmp(sig, buf + 3) == 0) {
			*out = (uint64_t)n;
			return 0;
		}
	}
	return -1;
}

/* VALUE: terms OR'ed with '|', such as O_WRONLY|O_CREAT or 0x10|8. */
static uint64_t
parse_value(const char *s, size_t len, const struct where *w)
{
	uint64_t v = 0, t;
	size_t k;

	while (len > 0) {
		k = 0;
		while (k < len && s[k] != '|')
			k++;
		if (value_term(s, k, &t) == -1) {
			if (k > 0 && !isdigit((unsigned char)s[0]) &&
			    s[0] != '-')
				die_at(w, "unknown value '%.*s'", (int)k, s);
			die_at(w, "bad number '%.*s'", (int)k, s);
		}
		v |= t;
		if (k == len)
			break;
		s += k + 1;
		len -= k + 1;
		if (len == 0)
			die_at(w, "malformed rule: value ends with '|'");
	}
	return v;
}

/* The architectures a machine runs, after Docker's archMap. */
static const struct archinfo {
	const char *name;	/* libseccomp's */
	uint32_t token;
	const char *goarch;	/* what Docker's "arches" say */
	int bits;		/* of a system call argument */
	bool big_endian;
	const char *compat[2];
} archinfo[] = {
	{ "x86_64", SCMP_ARCH_X86_64, "amd64", 64, false, { "x86", "x32" } },
	{ "x86", SCMP_ARCH_X86, "386", 32, false, { NULL, NULL } },
	{ "x32", SCMP_ARCH_X32, "x32", 32, false, { NULL, NULL } },
	{ "aarch64", SCMP_ARCH_AARCH64, "arm64", 64, false, { "arm", NULL } },
	{ "arm", SCMP_ARCH_ARM, "arm", 32, false, { NULL, NULL } },
	{ "mips64", SCMP_ARCH_MIPS64, "mips64", 64, true,
	  { "mips", "mips64n32" } },
	{ "mips64n32", SCMP_ARCH_MIPS64N32, "mips64n32", 32, true,
	  { "mips", "mips64" } },
	{ "mips", SCMP_ARCH_MIPS, "mips", 32, true, { NULL, NULL } },
	{ "mipsel64", SCMP_ARCH_MIPSEL64, "mips64le", 64, false,
	  { "mipsel", "mipsel64n32" } },
	{ "mipsel64n32", SCMP_ARCH_MIPSEL64N32, "mips64len32", 32, false,
	  { "mipsel", "mipsel64" } },
	{ "mipsel", SCMP_ARCH_MIPSEL, "mipsle", 32, false, { NULL, NULL } },
	{ "s390x", SCMP_ARCH_S390X, "s390x", 64, true, { "s390", NULL } },
	{ "s390", SCMP_ARCH_S390, "s390", 32, true, { NULL, NULL } },
	{ "ppc64le", SCMP_ARCH_PPC64LE, "ppc64le", 64, false, { NULL, NULL } },
	{ "ppc64", SCMP_ARCH_PPC64, "ppc64", 64, true, { NULL, NULL } },
	{ "ppc", SCMP_ARCH_PPC, "ppc", 32, true, { NULL, NULL } },
	{ "riscv64", SCMP_ARCH_RISCV64, "riscv64", 64, false, { NULL, NULL } },
};

static const struct archinfo *
arch_byname(const char *name)
{
	static const struct { const char *alias, *name; } aliases[] = {
		{ "amd64", "x86_64" }, { "i386", "x86" }, { "i686", "x86" },
		{ "arm64", "aarch64" },
	};
	size_t i;

	for (i = 0; i < LEN(aliases); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			name = aliases[i].name;
	for (i = 0; i < LEN(archinfo); i++)
		if (strcmp(archinfo[i].name, name) == 0)
			return &archinfo[i];
	return NULL;
}

static const struct archinfo *
arch_bytoken(uint32_t token)
{
	size_t i;

	for (i = 0; i < LEN(archinfo); i++)
		if (archinfo[i].token == token)
			return &archinfo[i];
	return NULL;
}

/*
 * Does the kernel run x32 code? Most kernels are built without it, and
 * then an x32 call is killed as from an unknown architecture instead of
 * going through the rules (the kernel would refuse it anyway), which
 * saves a third of the filter. Probed with an x32 getpid, unless a
 * filter is already there that could kill us for it.
 */
static bool
x32_runs(void)
{
	static int runs = -1;

	if (runs == -1) {
		if (prctl(PR_GET_SECCOMP) != 0)
			runs = 1;
		else
			runs = syscall(0x40000000 | 39) != -1 || errno != ENOSYS;
	}
	return runs;
}

/* The native architecture and those it runs too (x86_64: x86, x32). */
static size_t
machine_arches(uint32_t *out)
{
	const struct archinfo *a = arch_bytoken(seccomp_arch_native());
	const struct archinfo *c;
	size_t n = 0, i;

	if (a == NULL)
		die("this machine's architecture (0x%08x) is unknown to scfilter",
		    seccomp_arch_native());
	out[n++] = a->token;
	for (i = 0; i < LEN(a->compat); i++) {
		c = a->compat[i] ? arch_byname(a->compat[i]) : NULL;
		if (c != NULL && (c->token != SCMP_ARCH_X32 || x32_runs()))
			out[n++] = c->token;
	}
	return n;
}

static bool
runs_here(uint32_t token)
{
	uint32_t all[MAX_ARCH];
	size_t n = machine_arches(all), i;

	for (i = 0; i < n; i++)
		if (all[i] == token)
			return true;
	return false;
}

/*
 * The architectures whose calls go through the rules; the native one must
 * be among them (PROG is native to scfilter's exec). Foreign ones are an
 * error from the command line or a text profile; JSON profiles list every
 * architecture Docker knows, so there they are skipped.
 */
static void
profile_set_arches(struct profile *p, const uint32_t *tokens, size_t n,
    const struct where *w, bool json)
{
	uint32_t native = seccomp_arch_native();
	bool has_native = false;
	size_t i, k;

	p->narch = 1;
	p->arch[0] = native;
	for (i = 0; i < n; i++) {
		if (tokens[i] == native) {
			has_native = true;
			continue;
		}
		if (!runs_here(tokens[i])) {
			if (!json && tokens[i] == SCMP_ARCH_X32 &&
			    runs_here(SCMP_ARCH_X86))
				die_at(w, "architecture 'x32' does not run on "
				    "this kernel (built without x32 support)");
			if (!json)
				die_at(w, "architecture '%s' does not run on "
				    "this machine (%s)",
				    arch_bytoken(tokens[i])->name,
				    arch_bytoken(native)->name);
			trace("%s: architecture %s does not run here: skipped",
			    w->origin, arch_bytoken(tokens[i])->name);
			continue;
		}
		for (k = 1; k < p->narch && p->arch[k] != tokens[i]; k++)
			;
		if (k == p->narch)
			p->arch[p->narch++] = tokens[i];
	}
	if (!has_native)
		die_at(w, "the architectures leave out this machine's own (%s), "
		    "and PROG is of it", arch_bytoken(native)->name);
}

/* "x86_64,x86" (or separated by spaces): to profile_set_arches(). */
static void
profile_parse_arches(struct profile *p, char *list, const struct where *w)
{
	uint32_t tokens[16];
	const struct archinfo *a;
	size_t n = 0;
	char *name, *save = NULL;

	for (name = strtok_r(list, ", \t", &save); name != NULL;
	    name = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(name, "native") == 0)
			a = arch_bytoken(seccomp_arch_native());
		else
			a = arch_byname(name);
		if (a == NULL)
			die_at(w, "unknown architecture '%s'", name);
		if (n == LEN(tokens))
			die_at(w, "too many architectures");
		tokens[n++] = a->token;
	}
	if (n == 0)
		die_at(w, "no architecture given");
	profile_set_arches(p, tokens, n, w, false);
}

/* ---- the text profile format ------------------------------------------- */

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* The length of the word at s, for messages. */
static int
word_len(const char *s)
{
	return (int)strcspn(s, " \t\r");
}

/* VALUE of a condition: up to a blank or an operator character. */
static uint64_t
cond_value(const char **sp, const char *after, const struct where *w)
{
	const char *s = skip_space(*sp);
	size_t len = strcspn(s, " \t\r=!<>&");

	if (len == 0)
		die_at(w, "malformed rule: expected a value after '%s', got "
		    "'%.*s'", after, word_len(s), s);
	*sp = s + len;
	return parse_value(s, len, w);
}

/* "arg0 == AF_INET", "arg1 &= O_ACCMODE == O_RDONLY", "arg0!=1" ... */
static void
parse_conditions(const char *s, struct rule *r, const struct where *w)
{
	static const struct { const char *op; enum op code; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
		{ "&=", OP_MEQ },
	};
	char arg[8], opstr[16];
	struct cmp c;
	size_t i;

	for (s = skip_space(s); *s != '\0'; s = skip_space(s)) {
		if (strncmp(s, "arg", 3) != 0 || !isdigit((unsigned char)s[3]))
			die_at(w, "malformed rule: expected a condition "
			    "(argN OP VALUE), got '%.*s'", word_len(s), s);
		if (isdigit((unsigned char)s[4]) || s[3] > '5')
			die_at(w, "argument '%.*s' out of range (arg0 to arg5)",
			    (int)strspn(s + 3, "0123456789") + 3, s);
		c.arg = s[3] - '0';
		snprintf(arg, sizeof(arg), "arg%u", c.arg);
		s = skip_space(s + 4);
		for (i = 0; i < LEN(ops); i++)
			if (strncmp(s, ops[i].op, strlen(ops[i].op)) == 0)
				break;
		if (i == LEN(ops))
			die_at(w, "malformed rule: expected an operator (== != "
			    "< <= > >= &=) after '%s', got '%.*s'", arg,
			    word_len(s), s);
		c.op = ops[i].code;
		s += strlen(ops[i].op);
		snprintf(opstr, sizeof(opstr), "%s %s", arg, ops[i].op);
		c.v = cond_value(&s, opstr, w);
		c.v2 = 0;
		if (c.op == OP_MEQ) {
			s = skip_space(s);
			if (strncmp(s, "!=", 2) == 0)
				c.op = OP_MNE;
			else if (strncmp(s, "==", 2) != 0)
				die_at(w, "malformed rule: expected == or != "
				    "after '%s &= MASK', got '%.*s'", arg,
				    word_len(s), s);
			s += 2;
			c.v2 = cond_value(&s, "MASK ==", w);
		}
		if (r->ncmp == RULE_CMPS)
			die_at(w, "too many conditions (at most %d)",
			    RULE_CMPS);
		r->cmp[r->ncmp++] = c;
	}
}

/* One name of a rule: a rule per call, all with the same conditions. */
static void
profile_add_call(struct profile *p, const char *name, const struct rule *tmpl,
    const struct where *w)
{
	struct rule r = *tmpl;

	r.name = name;
	r.nr = syscall_nr(name);
	if (r.nr == __NR_SCMP_ERROR)
		die_at(w, "unknown system call '%s'", name);
	profile_add_rule(p, &r);
}

/* "noexec": execve and execveat denied once PROG runs (see main()). */
static void
profile_add_noexec(struct profile *p)
{
	struct rule r = { .act = SCMP_ACT_ERRNO(EPERM) };
	const struct where w = { "noexec", 0 };

	profile_add_call(p, "execve", &r, &w);
	profile_add_call(p, "execveat", &r, &w);
	p->noexec = true;
}

/* ACTION SYSCALL... [argN OP VALUE]...; default ACTION; arch LIST. */
static void
parse_line(struct profile *p, char *line, const struct where *w)
{
	char *s = (char *)skip_space(line), *word, *names[64];
	struct rule r = { .ncmp = 0 };
	size_t n = 0, i, len;

	if (*s == '\0')
		return;
	len = strcspn(s, " \t\r");
	word = s;
	s = (char *)skip_space(s + len);
	word[len] = '\0';
	if (strcmp(word, "default") == 0) {
		len = strcspn(s, " \t\r");
		if (len == 0 || *skip_space(s + len) != '\0')
			die_at(w, "malformed rule: 'default' takes one action");
		s[len] = '\0';
		profile_set_default(p, parse_action(s, w));
		return;
	}
	if (strcmp(word, "arch") == 0) {
		profile_parse_arches(p, s, w);
		return;
	}
	if (strcmp(word, "noexec") == 0) {
		if (*s != '\0')
			die_at(w, "malformed rule: 'noexec' takes nothing");
		profile_add_noexec(p);
		return;
	}
	r.act = parse_action(word, w);
	/* The names, up to the first condition. */
	while (*s != '\0' && !(strncmp(s, "arg", 3) == 0 &&
	    isdigit((unsigned char)s[3]))) {
		len = strcspn(s, " \t\r,");
		if (len == 0) {
			s++;
			s = (char *)skip_space(s);
			continue;
		}
		if (n == LEN(names))
			die_at(w, "too many names on one line (at most %zu)",
			    LEN(names));
		names[n++] = s;
		s += len;
		if (*s != '\0')
			*s++ = '\0';
		s = (char *)skip_space(s);
	}
	if (n == 0)
		die_at(w, "malformed rule: no system call after '%s'", word);
	parse_conditions(s, &r, w);
	for (i = 0; i < n; i++)
		profile_add_call(p, names[i], &r, w);
}

static void
text_profile_read(struct profile *p, char *text, const char *origin)
{
	struct where w = { origin, 0 };
	char *line, *next;

	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		w.line++;
		line[strcspn(line, "#")] = '\0';
		parse_line(p, line, &w);
	}
}

/* ---- OCI and Docker JSON profiles --------------------------------------- */

/* What Docker resolves "includes" and "excludes" against. */
static struct docker_host {
	bool known;
	uint64_t caps;		/* the permitted set */
	unsigned kmajor, kminor;
	const char *goarch;
} docker_host;

static void
host_facts(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct utsname u;

	if (docker_host.known)
		return;
	/* The permitted set: under no_new_privs it bounds what PROG holds. */
	if (syscall(SYS_capget, &hdr, data) == -1)
		die_sys("capget");
	docker_host.caps = data[0].permitted | (uint64_t)data[1].permitted << 32;
	if (uname(&u) == -1)
		die_sys("uname");
	if (sscanf(u.release, "%u.%u", &docker_host.kmajor, &docker_host.kminor) != 2)
		die("kernel release '%s': expected MAJOR.MINOR...", u.release);
	docker_host.goarch = arch_bytoken(seccomp_arch_native())->goarch;
	docker_host.known = true;
	trace("Docker conditions: permitted capabilities 0x%" PRIx64
	    ", kernel %u.%u, arch %s", docker_host.caps, docker_host.kmajor, docker_host.kminor,
	    docker_host.goarch);
}

struct jctx {
	const char *origin;
	char path[128];		/* "syscalls[3].args[0]" */
};

static noreturn void __attribute__((format(printf, 3, 4)))
die_json(const struct jctx *j, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die("%s: %s%s%s: %s", j->origin, j->path, *j->path && field ? "." : "",
	    field ? field : "", msg);
}

static const char *
json_str(const struct jctx *j, json_t *o, const char *field, bool required)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || json_is_null(v)) {
		if (required)
			die_json(j, field, "missing");
		return NULL;
	}
	if (!json_is_string(v))
		die_json(j, field, "expected a string");
	return json_string_value(v);
}

static bool
json_int(const struct jctx *j, json_t *o, const char *field, uint64_t *out)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || json_is_null(v))
		return false;
	if (!json_is_integer(v))
		die_json(j, field, "expected an integer");
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* An array of strings, or NULL when absent; dies on any other type. */
static json_t *
json_strings(const struct jctx *j, json_t *o, const char *field)
{
	json_t *v = json_object_get(o, field), *e;
	size_t i;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_array(v))
		die_json(j, field, "expected an array of strings");
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			die_json(j, field, "expected an array of strings");
	return v;
}

/* SCMP_ACT_*, with errnoRet for ERRNO and TRACE (EPERM without, as runc). */
static uint32_t
json_action(const struct jctx *j, const char *name, json_t *o,
    const char *retfield)
{
	uint64_t ret;
	bool has_ret = json_int(j, o, retfield, &ret);

	if (has_ret && strcmp(name, "SCMP_ACT_ERRNO") != 0 &&
	    strcmp(name, "SCMP_ACT_TRACE") != 0)
		die_json(j, retfield, "only for SCMP_ACT_ERRNO and "
		    "SCMP_ACT_TRACE");
	if (has_ret && ret > (strcmp(name, "SCMP_ACT_ERRNO") == 0 ?
	    MAX_ERRNO : 0xffff))
		die_json(j, retfield, "%" PRIu64 " out of range", ret);
	if (!has_ret)
		ret = EPERM;
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		return SCMP_ACT_ALLOW;
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		return SCMP_ACT_ERRNO(ret);
	if (strcmp(name, "SCMP_ACT_KILL") == 0 ||
	    strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		return SCMP_ACT_KILL;
	if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		return SCMP_ACT_KILL_PROCESS;
	if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		return SCMP_ACT_TRAP;
	if (strcmp(name, "SCMP_ACT_LOG") == 0)
		return SCMP_ACT_LOG;
	if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		return SCMP_ACT_TRACE(ret);
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		die("%s: %s: SCMP_ACT_NOTIFY needs a supervisor listening for "
		    "the filter's notifications; scfilter has none", j->origin,
		    j->path);
	die("%s: %s: unknown action '%s'", j->origin,
	    *j->path ? j->path : "defaultAction", name);
}

static enum op
json_op(const struct jctx *j, const char *name)
{
	static const struct { const char *name; enum op op; } ops[] = {
		{ "SCMP_CMP_EQ", OP_EQ }, { "SCMP_CMP_NE", OP_NE },
		{ "SCMP_CMP_LT", OP_LT }, { "SCMP_CMP_LE", OP_LE },
		{ "SCMP_CMP_GT", OP_GT }, { "SCMP_CMP_GE", OP_GE },
		{ "SCMP_CMP_MASKED_EQ", OP_MEQ },
	};
	size_t i;

	for (i = 0; i < LEN(ops); i++)
		if (strcmp(ops[i].name, name) == 0)
			return ops[i].op;
	die_json(j, "op", "unknown operator '%s'", name);
}

static bool
in_strings(json_t *arr, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (strcmp(json_string_value(e), s) == 0)
			return true;
	return false;
}

/* Docker's "caps": true if all (all_of) or any of them are held. */
static bool
caps_held(const struct jctx *j, json_t *caps, bool all_of)
{
	json_t *e;
	size_t i;
	int c;

	bool held = all_of;

	json_array_foreach(caps, i, e) {
		c = capnum(json_string_value(e));
		if (c < 0)
			die_json(j, "caps", "unknown capability '%s'",
			    json_string_value(e));
		if (((docker_host.caps >> c) & 1) != all_of)
			held = !all_of;
	}
	return held;
}

static bool
kernel_at_least(const struct jctx *j, const char *field, const char *v)
{
	unsigned major, minor;
	int end = 0;

	if (sscanf(v, "%u.%u%n", &major, &minor, &end) != 2 ||
	    v[end] != '\0')
		die_json(j, field, "bad kernel version '%s' (expected "
		    "MAJOR.MINOR)", v);
	return docker_host.kmajor > major || (docker_host.kmajor == major &&
	    docker_host.kminor >= minor);
}

/*
 * Docker resolves "includes" and "excludes" before runc sees the profile:
 * an entry applies when the native arch, every capability and the minimum
 * kernel of "includes" are there, and nothing of "excludes" is.
 */
static bool
docker_applies(struct jctx *j, json_t *sc, const char **why)
{
	json_t *inc = json_object_get(sc, "includes");
	json_t *exc = json_object_get(sc, "excludes");
	json_t *v;
	const char *k;
	size_t len = strlen(j->path);

	*why = NULL;
	if (inc != NULL && !json_is_null(inc) && !json_is_object(inc))
		die_json(j, "includes", "expected an object");
	if (exc != NULL && !json_is_null(exc) && !json_is_object(exc))
		die_json(j, "excludes", "expected an object");
	if (json_is_object(inc) || json_is_object(exc))
		host_facts();
	if (json_is_object(exc)) {
		snprintf(j->path + len, sizeof(j->path) - len, ".excludes");
		if ((v = json_strings(j, exc, "arches")) != NULL &&
		    in_strings(v, docker_host.goarch))
			*why = "excluded on this architecture";
		else if ((v = json_strings(j, exc, "caps")) != NULL &&
		    caps_held(j, v, false))
			*why = "excluded by a capability held";
		else if ((k = json_str(j, exc, "minKernel", false)) != NULL &&
		    kernel_at_least(j, "minKernel", k))
			*why = "excluded from this kernel on";
	}
	if (json_is_object(inc) && *why == NULL) {
		snprintf(j->path + len, sizeof(j->path) - len, ".includes");
		if ((v = json_strings(j, inc, "arches")) != NULL &&
		    !in_strings(v, docker_host.goarch))
			*why = "not for this architecture";
		else if ((v = json_strings(j, inc, "caps")) != NULL &&
		    !caps_held(j, v, true))
			*why = "needs a capability not held";
		else if ((k = json_str(j, inc, "minKernel", false)) != NULL &&
		    !kernel_at_least(j, "minKernel", k))
			*why = "needs a newer kernel";
	}
	j->path[len] = '\0';
	return *why == NULL;
}

/* args[]: the conditions; one index twice means "or", as runc reads it. */
static size_t
json_args(struct jctx *j, json_t *sc, struct cmp *out, bool *repeated)
{
	json_t *args = json_object_get(sc, "args"), *a;
	size_t i, n = 0, len = strlen(j->path);
	unsigned seen = 0;
	uint64_t index;

	*repeated = false;
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args))
		die_json(j, "args", "expected an array");
	json_array_foreach(args, i, a) {
		snprintf(j->path + len, sizeof(j->path) - len, ".args[%zu]", i);
		if (!json_is_object(a))
			die_json(j, NULL, "expected an object");
		if (n == RULE_CMPS)
			die_json(j, NULL, "too many conditions (at most %d)",
			    RULE_CMPS);
		if (!json_int(j, a, "index", &index))
			index = 0;
		if (index >= NARGS)
			die_json(j, "index", "%" PRIu64 " out of range (0 to 5)",
			    index);
		out[n].arg = (unsigned)index;
		out[n].op = json_op(j, json_str(j, a, "op", true));
		out[n].v = out[n].v2 = 0;
		json_int(j, a, "value", &out[n].v);
		json_int(j, a, "valueTwo", &out[n].v2);
		if (seen & 1U << index)
			*repeated = true;
		seen |= 1U << index;
		n++;
	}
	j->path[len] = '\0';
	return n;
}

/* A JSON profile's rules in the order runc hands them to libseccomp. */
struct jrules {
	struct jrule {
		struct rule r;
		size_t entry;	/* its index in syscalls[] */
		size_t seq;	/* its place in the profile */
	} *v;
	size_t n, cap;
};

static void
jrule_add(struct jrules *jr, const struct rule *r, size_t entry)
{
	if (jr->n == jr->cap) {
		jr->cap = jr->cap ? 2 * jr->cap : 256;
		jr->v = realloc(jr->v, jr->cap * sizeof(*jr->v));
		if (jr->v == NULL)
			die_sys("realloc");
	}
	jr->v[jr->n] = (struct jrule){ *r, entry, jr->n };
	jr->n++;
}

static void
json_syscall(struct jctx *j, json_t *sc, struct jrules *jr, size_t entry,
    unsigned profile)
{
	struct rule r = { .ncmp = 0, .profile = profile };
	struct cmp cmps[RULE_CMPS];
	const char *why, *name;
	json_t *names, *e;
	bool repeated;
	size_t i, k, n;

	if (!json_is_object(sc))
		die_json(j, NULL, "expected an object");
	names = json_strings(j, sc, "names");
	name = json_str(j, sc, "name", false);
	if ((names == NULL || json_array_size(names) == 0) && name == NULL)
		die_json(j, "names", "missing");
	r.act = json_action(j, json_str(j, sc, "action", true), sc,
	    "errnoRet");
	n = json_args(j, sc, cmps, &repeated);
	if (!docker_applies(j, sc, &why)) {
		trace("%s: %s (%s...): %s: skipped", j->origin, j->path,
		    name ? name : json_string_value(json_array_get(names, 0)),
		    why);
		return;
	}
	if (repeated)
		trace("%s: %s: an argument compared twice: any comparison "
		    "matches (as runc)", j->origin, j->path);
	for (i = 0; i < (names ? json_array_size(names) : 0) + (name != NULL);
	    i++) {
		e = names ? json_array_get(names, i) : NULL;
		r.name = e ? json_string_value(e) : name;
		r.nr = syscall_nr(r.name);
		if (r.nr == __NR_SCMP_ERROR) {
			/* As runc: a profile outlives the libseccomp it meets. */
			trace("%s: %s: system call '%s' unknown to libseccomp "
			    "%u.%u: skipped", j->origin, j->path, r.name,
			    seccomp_version()->major, seccomp_version()->minor);
			continue;
		}
		if (!repeated) {
			r.ncmp = n;
			memcpy(r.cmp, cmps, n * sizeof(*cmps));
			jrule_add(jr, &r, entry);
			continue;
		}
		for (k = 0; k < n; k++) {
			r.ncmp = 1;
			r.cmp[0] = cmps[k];
			jrule_add(jr, &r, entry);
		}
	}
}

static int
by_jcall(const void *a, const void *b)
{
	const struct jrule *x = a, *y = b;

	if (x->r.nr != y->r.nr)
		return x->r.nr < y->r.nr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The same comparisons, in any order: libseccomp's chains are equal. */
static bool
same_conditions(const struct rule *a, const struct rule *b)
{
	const struct cmp *x, *y;
	size_t i, k;

	if (a->ncmp != b->ncmp)
		return false;
	for (i = 0; i < a->ncmp; i++) {
		x = &a->cmp[i];
		for (k = 0; k < b->ncmp; k++) {
			y = &b->cmp[k];
			if (x->arg == y->arg && x->op == y->op && x->v == y->v &&
			    (x->op != OP_MEQ || x->v2 == y->v2))
				break;
		}
		if (k == b->ncmp)
			return false;
	}
	return true;
}

/* The first unconditional rule of one call, the default's aside. */
static const struct jrule *
first_unconditional(const struct jrule *g, const struct jrule *end,
    uint32_t def)
{
	for (; g < end; g++)
		if (g->r.ncmp == 0 && g->r.act != def)
			return g;
	return NULL;
}

static void
trace_overruled(const char *origin, const struct jrule *g,
    const struct jrule *end, const struct jrule *u)
{
	char a[32], b[32];

	for (; g < end; g++)
		if (g->r.act != u->r.act)
			trace("%s: syscalls[%zu]: %s: %s overruled by "
			    "syscalls[%zu]'s %s, the first unconditional rule "
			    "(libseccomp keeps it and drops the others, as under "
			    "runc)", origin, g->entry, g->r.name,
			    action_str(g->r.act, a, sizeof(a)), u->entry,
			    action_str(u->r.act, b, sizeof(b)));
}

/*
 * runc hands a profile's rules to libseccomp in order, but first drops
 * those whose action is the default one (libcontainer/seccomp/
 * seccomp_linux.go, matchCall). libseccomp (src/db.c, db_rule_add) keeps
 * the first unconditional rule of a call and ignores every rule after it,
 * lets an unconditional rule replace the conditional ones before it, and
 * refuses a rule with the same conditions as an earlier one but another
 * action (EEXIST: runc does not start). Written here as rules that "the
 * last match wins" reads the same way: the first unconditional rule
 * alone; else the default's rules first (they decide only if a later
 * profile or option changes the default), then the others in order.
 */
static void
json_settle(struct profile *p, const char *origin, struct jrules *jr)
{
	uint32_t def = p->def;
	const struct jrule *g, *end, *m, *k, *u;

	qsort(jr->v, jr->n, sizeof(*jr->v), by_jcall);
	for (g = jr->v; g < jr->v + jr->n; g = end) {
		for (end = g; end < jr->v + jr->n && end->r.nr == g->r.nr; end++)
			;
		if ((u = first_unconditional(g, end, def)) != NULL) {
			trace_overruled(origin, g, end, u);
			profile_add_rule(p, &u->r);
			continue;
		}
		for (m = g; m < end; m++)
			if (m->r.act == def)
				profile_add_rule(p, &m->r);
		for (m = g; m < end; m++) {
			if (m->r.act == def)
				continue;
			for (k = g; k < m; k++)
				if (k->r.act != def && k->r.act != m->r.act &&
				    same_conditions(&k->r, &m->r))
					die("%s: syscalls[%zu]: %s: the same "
					    "conditions as in syscalls[%zu], with "
					    "another action (runc refuses such a "
					    "profile too: libseccomp's EEXIST)",
					    origin, m->entry, m->r.name, k->entry);
			profile_add_rule(p, &m->r);
		}
	}
}

/*
 * runc's ENOSYS stub (libcontainer/seccomp/patchbpf/enosys_linux.go,
 * generatePatch and findLastSyscalls): on each architecture the profile
 * lists, a call numbered above the last one the profile names there (by
 * libseccomp's numbers for it, x32's with bit 30 set) fails with ENOSYS
 * rather than the default action, so that a program falls back from a
 * call the profile is too old to know (glibc: clone3 to clone). None when
 * the default allows (allow, log, trace) or already is ENOSYS, for an
 * architecture where the profile names no call, or when it lists none.
 */
static void
json_last_calls(struct profile *p, const char *origin, const struct jrules *jr,
    const uint32_t *tokens, size_t ntokens)
{
	const struct archinfo *a;
	char act[32], num[16], *name;
	uint32_t last;
	size_t i, k;
	int nr;

	if (p->def == SCMP_ACT_ALLOW || p->def == SCMP_ACT_LOG ||
	    (p->def & 0xffff0000U) == SCMP_ACT_TRACE(0) ||
	    p->def == SCMP_ACT_ERRNO(ENOSYS)) {
		trace("%s: default %s: calls newer than the profile get it "
		    "too (runc adds no ENOSYS stub)", origin,
		    action_str(p->def, act, sizeof(act)));
		return;
	}
	if (ntokens == 0)
		trace("%s: no architectures listed: no ENOSYS for calls newer "
		    "than the profile (as runc)", origin);
	for (i = 0; i < ntokens && p->nlast < MAX_LAST; i++) {
		if (profile_last_call(p, tokens[i]) != 0)
			continue;	/* listed twice */
		last = 0;
		for (k = 0; k < jr->n; k++) {
			nr = seccomp_syscall_resolve_name_arch(tokens[i],
			    jr->v[k].r.name);
			if (nr > 0 && (uint32_t)nr > last)
				last = (uint32_t)nr;
		}
		if (last == 0)
			continue;
		p->last[p->nlast++] = (struct lastcall){ tokens[i], last };
		if (!conch_verbose)
			continue;
		a = arch_bytoken(tokens[i]);
		name = seccomp_syscall_resolve_num_arch(tokens[i], (int)last);
		snprintf(num, sizeof(num), last > 0xffff ? "%#x" : "%u", last);
		trace("%s: %s calls above %s (%s) fail with ENOSYS: newer than "
		    "the profile (as runc)", origin, a ? a->name : "?", num,
		    name ? name : "?");
		free(name);
	}
}

/* An architecture of a JSON profile: "SCMP_ARCH_X86_64"; 0 if unknown. */
static uint32_t
json_arch_token(const char *name)
{
	const struct archinfo *a = NULL;
	char lower[32];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) == 0 && strlen(name) < 42) {
		for (i = 0; name[10 + i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)name[10 + i]);
		lower[i] = '\0';
		a = arch_byname(lower);
	}
	return a != NULL ? a->token : 0;
}

static uint32_t
json_arch(const struct jctx *j, const char *field, const char *name)
{
	uint32_t token = json_arch_token(name);

	if (token == 0)
		die_json(j, field, "unknown architecture '%s'", name);
	return token;
}

#define JSON_ARCHES 64

/*
 * "architectures", or Docker's "archMap" entry for the native arch: into
 * tokens (JSON_ARCHES at most), their number returned.
 */
static size_t
json_arches(struct profile *p, struct jctx *j, json_t *root, uint32_t *tokens)
{
	json_t *list = json_strings(j, root, "architectures");
	json_t *map = json_object_get(root, "archMap"), *m, *e, *subs;
	struct where w = { j->origin, 0 };
	uint32_t token;
	size_t n = 0, i, k;

	if (map != NULL && json_is_null(map))
		map = NULL;
	if (map != NULL && !json_is_array(map))
		die_json(j, "archMap", "expected an array");
	if (json_array_size(list) > 0 && json_array_size(map) > 0)
		die("%s: both architectures and archMap are given (Docker "
		    "refuses that too)", j->origin);
	json_array_foreach(list, i, e) {
		if (n < JSON_ARCHES)
			tokens[n++] = json_arch(j, "architectures",
			    json_string_value(e));
	}
	json_array_foreach(map, i, m) {
		snprintf(j->path, sizeof(j->path), "archMap[%zu]", i);
		if (!json_is_object(m))
			die_json(j, NULL, "expected an object");
		/* Docker looks at the native entry only; others may be new. */
		token = json_arch_token(json_str(j, m, "architecture", true));
		subs = json_strings(j, m, "subArchitectures");
		if (token != seccomp_arch_native() || n == JSON_ARCHES)
			continue;
		tokens[n++] = token;
		json_array_foreach(subs, k, e) {
			if (n < JSON_ARCHES)
				tokens[n++] = json_arch(j, "subArchitectures",
				    json_string_value(e));
		}
	}
	j->path[0] = '\0';
	if (n > 0)
		profile_set_arches(p, tokens, n, &w, true);
	return n;
}

static void
json_flags(struct profile *p, struct jctx *j, json_t *root)
{
	json_t *flags = json_strings(j, root, "flags"), *e;
	const char *f;
	size_t i;

	json_array_foreach(flags, i, e) {
		f = json_string_value(e);
		if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
			p->flag_log = true;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			p->flag_spec_allow = true;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") != 0 &&
		    strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") != 0)
			die_json(j, "flags", "unknown flag '%s'", f);
	}
}

static void
json_release(void *root)
{
	json_decref(root);
}

static void
json_profile_read(struct profile *p, const char *buf, size_t len, const char *origin)
{
	struct jctx j = { origin, "" };
	struct jrules jr = { NULL, 0, 0 };
	uint32_t tokens[JSON_ARCHES];
	json_t *root, *calls, *sc;
	json_error_t e;
	size_t i, narch;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL)
		die("%s: line %d, column %d: invalid JSON: %s", origin, e.line,
		    e.column, e.text);
	profile_hold(p, root, json_release);
	if (!json_is_object(root))
		die("%s: expected a JSON object (an OCI seccomp profile)",
		    origin);
	profile_set_default(p, json_action(&j, json_str(&j, root, "defaultAction",
	    true), root, "defaultErrnoRet"));
	p->stub_profile = ++p->njson;
	narch = json_arches(p, &j, root, tokens);
	json_flags(p, &j, root);
	calls = json_object_get(root, "syscalls");
	if (calls != NULL && !json_is_null(calls) && !json_is_array(calls))
		die_json(&j, "syscalls", "expected an array");
	json_array_foreach(calls, i, sc) {
		snprintf(j.path, sizeof(j.path), "syscalls[%zu]", i);
		json_syscall(&j, sc, &jr, i, p->stub_profile);
	}
	json_settle(p, origin, &jr);
	json_last_calls(p, origin, &jr, tokens, narch);
	free(jr.v);
}

/* ---- -f NAME|FILE ------------------------------------------------------- */

static const struct builtin *
builtin_byname(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

#define PROFILE_MAX (16 << 20)

/* The whole file, NUL-terminated; *len without the NUL. */
static char *
read_profile_file(const char *path, size_t *len)
{
	size_t cap = 8192;
	char *buf = NULL;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		die_err(errno, errno == ENOENT && strchr(path, '/') == NULL ?
		    "not a built-in profile either: default, nonet, noexec" :
		    NULL, "open profile %s", path);
	*len = 0;
	for (;;) {
		if (buf == NULL || *len + 1 == cap) {
			if (buf != NULL)
				cap *= 2;
			if (cap > PROFILE_MAX)
				die("profile %s: larger than %d MiB", path,
				    PROFILE_MAX >> 20);
			if ((buf = realloc(buf, cap)) == NULL)
				die_sys("realloc");
		}
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die_sys("read profile %s", path);
		if (n == 0)
			break;
		*len += n;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

static void
add_profile(struct profile *p, const char *arg)
{
	const struct builtin *b = builtin_byname(arg);
	char *text;
	size_t len, rules = p->n;

	if (b != NULL && strchr(arg, '/') == NULL) {
		if ((text = strdup(b->text)) == NULL)
			die_sys("strdup");
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
	add_call_list(p, "--errno", colon + 1, SCMP_ACT_ERRNO(parse_errno(arg, &w)));
}

/* ---- the verdict on one call, for scfilter's own execve ----------------- */

static bool
cmp_holds(const struct cmp *c, const uint64_t *args)
{
	uint64_t x = args[c->arg];

	switch (c->op) {
	case OP_EQ: return x == c->v;
	case OP_NE: return x != c->v;
	case OP_LT: return x < c->v;
	case OP_LE: return x <= c->v;
	case OP_GT: return x > c->v;
	case OP_GE: return x >= c->v;
	case OP_MEQ: return (x & c->v) == c->v2;
	case OP_MNE: return (x & c->v) != c->v2;
	}
	return false;
}

static uint32_t
profile_verdict(const struct profile *p, int nr, const uint64_t *args)
{
	size_t i, k;

	for (i = p->n; i-- > 0;) {
		if (p->r[i].nr != nr)
			continue;
		for (k = 0; k < p->r[i].ncmp; k++)
			if (!cmp_holds(&p->r[i].cmp[k], args))
				break;
		if (k == p->r[i].ncmp)
			return p->r[i].act;
	}
	return profile_default_for(p, seccomp_arch_native(), (uint32_t)nr);
}

/* ---- the filter, per architecture --------------------------------------- */

/*
 * For each architecture, the calls that have rules: the rules in the
 * order they are tried (the last given first, cut after the first
 * unconditional one), and the action when none matches.
 */
struct call {
	const char *name;
	uint32_t nr;			/* on this architecture */
	const struct rule **tried;
	size_t n;
	uint32_t fallback;
};

struct archfilter {
	const struct profile *profile;
	const struct archinfo *arch;
	struct call *calls;		/* sorted by nr */
	size_t ncalls;
	struct rule *extra;		/* the gate, socketcall(2) twins */
	size_t nextra;
	const struct rule **tried;		/* the calls' lists */
};

/* The filter: one archfilter per architecture of the profile. */
struct filter {
	const struct profile *profile;
	struct archfilter arch[MAX_ARCH];
	size_t narch;
};

/* The pointers of scfilter's execve of PROG, let through by noexec. */
struct exec_gate {
	uint64_t path, argv, envp;
};

/*
 * Socket and SysV IPC calls that 32-bit x86 (and s390) also reach through
 * socketcall(2) and ipc(2), by these numbers (<linux/net.h>, <linux/ipc.h>),
 * and their direct numbers on x86 (arch/x86/entry/syscalls/syscall_32.tbl;
 * libseccomp 2.5 names them only by pseudo numbers there).
 */
static const struct muxed {
	const char *name;
	bool ipc;
	unsigned code;
	int x86;
} muxed[] = {
	{ "socket", 0, 1, 359 }, { "bind", 0, 2, 361 },
	{ "connect", 0, 3, 362 }, { "listen", 0, 4, 363 },
	{ "accept", 0, 5, -1 }, { "getsockname", 0, 6, 367 },
	{ "getpeername", 0, 7, 368 }, { "socketpair", 0, 8, 360 },
	{ "send", 0, 9, -1 }, { "recv", 0, 10, -1 },
	{ "sendto", 0, 11, 369 }, { "recvfrom", 0, 12, 371 },
	{ "shutdown", 0, 13, 373 }, { "setsockopt", 0, 14, 366 },
	{ "getsockopt", 0, 15, 365 }, { "sendmsg", 0, 16, 370 },
	{ "recvmsg", 0, 17, 372 }, { "accept4", 0, 18, 364 },
	{ "recvmmsg", 0, 19, 337 }, { "sendmmsg", 0, 20, 345 },
	{ "semop", 1, 1, -1 }, { "semget", 1, 2, 393 },
	{ "semctl", 1, 3, 394 }, { "semtimedop", 1, 4, -1 },
	{ "msgsnd", 1, 11, 400 }, { "msgrcv", 1, 12, 401 },
	{ "msgget", 1, 13, 399 }, { "msgctl", 1, 14, 402 },
	{ "shmat", 1, 21, 397 }, { "shmdt", 1, 22, 398 },
	{ "shmget", 1, 23, 395 }, { "shmctl", 1, 24, 396 },
};

static const struct muxed *
muxed_byname(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(muxed); i++)
		if (strcmp(muxed[i].name, name) == 0)
			return &muxed[i];
	return NULL;
}

static int
by_call(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	/* Later rules first: they win. */
	return x > y ? -1 : x < y;
}

static int
by_nr(const void *a, const void *b)
{
	const struct call *x = a, *y = b;

	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

/* Rules from sorted[i] on, of one call: into tried[], in that order. */
static size_t
take_rules(const struct profile *p, const struct rule **sorted, size_t i,
    size_t k, uint32_t token, uint32_t nr, const struct rule **tried, size_t n)
{
	for (; i < k; i++) {
		/*
		 * runc's stub comes before the filter: the profile that set
		 * it decides no call in it. (Only the direct socket calls of
		 * 32-bit x86, numbered apart by libseccomp, can be there.)
		 */
		if (sorted[i]->profile != 0 &&
		    sorted[i]->profile == p->stub_profile &&
		    profile_stubbed(p, token, nr))
			continue;
		tried[n++] = sorted[i];
		if (sorted[i]->ncmp == 0)
			break;
	}
	return n;
}

static void
add_call(struct archfilter *af, const char *name, uint32_t nr,
    const struct rule **tried, size_t n)
{
	struct call *c = &af->calls[af->ncalls];

	c->name = name;
	c->nr = nr;
	c->tried = tried;
	c->n = n;
	c->fallback = profile_default_for(af->profile, af->arch->token, nr);
	/* An unconditional rule ends the list: it is the fallback. */
	if (n > 0 && tried[n - 1]->ncmp == 0)
		c->fallback = tried[--c->n]->act;
	if (c->n == 0 && c->fallback == profile_default_for(af->profile,
	    af->arch->token, nr))
		return;
	af->ncalls++;
}

/*
 * On an architecture with socketcall(2), a socket call's arguments are
 * out of sight through it: there the call gets the action it has when
 * none of its conditions holds. Its direct system call, where it has
 * one, keeps its conditions. Rules on socketcall itself come first.
 */
static void
mux_twins(struct archfilter *af, const struct rule **sorted, size_t nsorted,
    const struct rule **tried, size_t *nL)
{
	const struct muxed *m;
	struct rule *r;
	size_t i, k, n, start;
	uint32_t fb, def;
	int twin[2], ipc;

	twin[0] = seccomp_syscall_resolve_name_arch(af->arch->token,
	    "socketcall");
	twin[1] = seccomp_syscall_resolve_name_arch(af->arch->token, "ipc");
	if (twin[0] < 0 && twin[1] < 0)
		return;
	for (ipc = 0; ipc <= 1; ipc++) {
		if (twin[ipc] < 0)
			continue;
		start = *nL;
		def = profile_default_for(af->profile, af->arch->token,
		    (uint32_t)twin[ipc]);

		for (i = 0; i < nsorted; i = k) {
			for (k = i; k < nsorted && sorted[k]->nr ==
			    sorted[i]->nr; k++)
				;
			if (strcmp(sorted[i]->name, ipc ? "ipc" :
			    "socketcall") == 0)
				*nL = take_rules(af->profile, sorted, i, k,
				    af->arch->token, (uint32_t)twin[ipc], tried, *nL);
		}
		if (*nL > start && tried[*nL - 1]->ncmp == 0)
			goto add;	/* an unconditional rule wins it all */
		for (i = 0; i < nsorted; i = k) {
			for (k = i; k < nsorted && sorted[k]->nr ==
			    sorted[i]->nr; k++)
				;
			m = muxed_byname(sorted[i]->name);
			if (m == NULL || m->ipc != ipc)
				continue;
			n = take_rules(af->profile, sorted, i, k,
			    af->arch->token, (uint32_t)twin[ipc], tried + *nL, 0);
			fb = n > 0 && tried[*nL + n - 1]->ncmp == 0 ?
			    tried[*nL + n - 1]->act : def;
			if (fb == def)
				continue;
			r = &af->extra[af->nextra++];
			*r = (struct rule){ .name = ipc ? "ipc" : "socketcall",
			    .act = fb, .ncmp = 1 };
			r->cmp[0] = (struct cmp){ 0, ipc ? OP_MEQ : OP_EQ,
			    ipc ? 0xffff : m->code, ipc ? m->code : 0 };
			tried[(*nL)++] = r;
		}
add:
		add_call(af, ipc ? "ipc" : "socketcall", (uint32_t)twin[ipc],
		    tried + start, *nL - start);
	}
}

static void
archfilter_build(struct archfilter *af, const struct profile *p,
    const struct archinfo *arch, const struct rule **sorted,
    const struct exec_gate *gate)
{
	const struct rule **tried;
	struct rule *g;
	size_t i, k, n, nL = 0;
	bool gate_done = false;
	int nr, execve_nr = syscall_nr("execve");

	af->profile = p;
	af->arch = arch;
	af->calls = calloc(p->n + LEN(muxed) + 4, sizeof(*af->calls));
	af->extra = calloc(LEN(muxed) + 1, sizeof(*af->extra));
	/* Each rule once, the gate, socketcall twins, and room to sort. */
	tried = af->tried = malloc((2 * p->n + LEN(muxed) + 2) * sizeof(*tried));
	if (af->calls == NULL || af->extra == NULL || tried == NULL)
		die_sys("malloc");
	if (gate != NULL) {
		g = &af->extra[af->nextra++];
		*g = (struct rule){ .name = "execve", .nr = execve_nr,
		    .act = SCMP_ACT_ALLOW, .ncmp = 3 };
		g->cmp[0] = (struct cmp){ 0, OP_EQ, gate->path, 0 };
		g->cmp[1] = (struct cmp){ 1, OP_EQ, gate->argv, 0 };
		g->cmp[2] = (struct cmp){ 2, OP_EQ, gate->envp, 0 };
	}
	for (i = 0; i < p->n; i = k) {
		for (k = i; k < p->n && sorted[k]->nr == sorted[i]->nr; k++)
			;
		nr = seccomp_syscall_resolve_name_arch(arch->token,
		    sorted[i]->name);
		if (nr < 0 && arch->token == SCMP_ARCH_X86 &&
		    muxed_byname(sorted[i]->name) != NULL)
			nr = muxed_byname(sorted[i]->name)->x86;
		/* Negative: a pseudo number, not a system call here. */
		if (nr < 0 || strcmp(sorted[i]->name, "socketcall") == 0 ||
		    strcmp(sorted[i]->name, "ipc") == 0)
			continue;
		n = 0;
		if (gate != NULL && sorted[i]->nr == execve_nr) {
			tried[nL + n++] = &af->extra[0];
			gate_done = true;
		}
		n = take_rules(p, sorted, i, k, arch->token, (uint32_t)nr,
		    tried + nL, n);
		add_call(af, sorted[i]->name, (uint32_t)nr, tried + nL, n);
		nL += n;
	}
	if (gate != NULL && !gate_done) {
		tried[nL] = &af->extra[0];
		add_call(af, "execve", (uint32_t)seccomp_syscall_resolve_name_arch(
		    arch->token, "execve"), tried + nL, 1);
		nL++;
	}
	mux_twins(af, sorted, p->n, tried, &nL);
	qsort(af->calls, af->ncalls, sizeof(*af->calls), by_nr);
}

/* ---- BPF ---------------------------------------------------------------- */

/*
 * The program is written backwards, from its last instruction: a jump's
 * target is then always known. A label counts instructions from the end.
 * Conditional jumps reach 255 instructions; farther ones go through an
 * unconditional jump put right after them.
 */
struct bpf {
	struct sock_filter ins[BPF_MAXINSNS];	/* filled from the end */
	size_t n;
	struct { uint32_t act; size_t label; } rets[16];	/* to share */
	size_t nrets;
};

/* One instruction before those emitted so far; its label. */
static size_t
bpf_emit(struct bpf *b, struct sock_filter ins)
{
	if (b->n == BPF_MAXINSNS)
		die("the filter needs more than the kernel's %d instructions",
		    BPF_MAXINSNS);
	b->ins[BPF_MAXINSNS - ++b->n] = ins;
	return b->n;
}

/* The jump offset from the next instruction emitted to label. */
static size_t
bpf_offset(const struct bpf *b, size_t label)
{
	return b->n - label;
}

/* "if (A OP k) goto t; else goto f", through a "ja" where t or f is far. */
static size_t
bpf_jump(struct bpf *b, uint16_t op, uint32_t k, size_t t, size_t f)
{
	struct sock_filter ja = BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);

	if (bpf_offset(b, t) > 255) {
		ja.k = bpf_offset(b, t);
		t = bpf_emit(b, ja);
	}
	if (bpf_offset(b, f) > 255) {
		ja.k = bpf_offset(b, f);
		f = bpf_emit(b, ja);
	}
	return bpf_emit(b, (struct sock_filter)BPF_JUMP(BPF_JMP | op | BPF_K,
	    k, bpf_offset(b, t), bpf_offset(b, f)));
}

/* "A = seccomp_data[offset]", one 32-bit word. */
static size_t
bpf_load(struct bpf *b, uint32_t offset)
{
	return bpf_emit(b, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
	    BPF_ABS, offset));
}

static size_t
bpf_load_nr(struct bpf *b)
{
	return bpf_load(b, offsetof(struct seccomp_data, nr));
}

static size_t
bpf_load_arch(struct bpf *b)
{
	return bpf_load(b, offsetof(struct seccomp_data, arch));
}

/* The low or high 32-bit word of an argument, as the architecture lays it. */
static size_t
bpf_load_arg(struct bpf *b, const struct archinfo *a, unsigned arg,
    bool high)
{
	return bpf_load(b, offsetof(struct seccomp_data, args[arg]) +
	    (high != a->big_endian ? 4 : 0));
}

/* "A &= mask" */
static size_t
bpf_and(struct bpf *b, uint32_t mask)
{
	return bpf_emit(b, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND |
	    BPF_K, mask));
}

/* "return ACTION": one near enough is shared. */
static size_t
bpf_ret(struct bpf *b, uint32_t act)
{
	size_t i;

	for (i = 0; i < b->nrets; i++)
		if (b->rets[i].act == act &&
		    bpf_offset(b, b->rets[i].label) < 200)
			return b->rets[i].label;
	i = b->nrets < LEN(b->rets) ? b->nrets++ : act % LEN(b->rets);
	b->rets[i].act = act;
	b->rets[i].label = bpf_emit(b, (struct sock_filter)BPF_STMT(BPF_RET |
	    BPF_K, act));
	return b->rets[i].label;
}

/*
 * Comparisons against a datum that does not fit an argument of a 32-bit
 * architecture are settled here, as the kernel sees the argument (its
 * low 32 bits, zero-extended); a negative int sign-extended (AT_FDCWD)
 * is cut to 32 bits. Returns 1 (always true), -1 (never) or 0 (test it).
 */
static int
cmp_normalize(struct cmp *c, uint64_t top)
{
	int never;

	if (c->op == OP_MEQ || c->op == OP_MNE) {
		never = c->op == OP_MEQ ? -1 : 1;
		c->v &= top;		/* no argument has bits above top */
		if ((c->v2 & ~c->v) != 0)
			return never;
		return c->v == 0 ? -never : 0;
	}
	if (top != UINT64_MAX && c->v > top) {
		if (c->v >> 32 == 0xffffffff && (c->v & 0x80000000))
			c->v &= top;
		else
			switch (c->op) {
			case OP_EQ: case OP_GT: case OP_GE: return -1;
			default: return 1;
			}
	}
	switch (c->op) {
	case OP_LT: return c->v == 0 ? -1 : 0;
	case OP_LE: return c->v == top ? 1 : 0;
	case OP_GT: return c->v == top ? -1 : 0;
	case OP_GE: return c->v == 0 ? 1 : 0;
	default: return 0;
	}
}

/* The comparison c, going on to pass or fail. */
static size_t
emit_cmp(struct bpf *b, const struct archinfo *a, const struct cmp *c,
    size_t pass, size_t fail)
{
	uint32_t lo = (uint32_t)c->v, hi = (uint32_t)(c->v >> 32);
	uint32_t lo2 = (uint32_t)c->v2, hi2 = (uint32_t)(c->v2 >> 32);
	size_t yes = pass, no = fail, t;

	/* A masked "!=" is a masked "==" with its outcomes swapped. */
	if (c->op == OP_MNE || c->op == OP_NE) {
		yes = fail;
		no = pass;
	}
	if (a->bits == 32) {
		switch (c->op) {
		case OP_EQ: case OP_NE: bpf_jump(b, BPF_JEQ, lo, yes, no);
			break;
		case OP_GT: bpf_jump(b, BPF_JGT, lo, pass, fail); break;
		case OP_GE: bpf_jump(b, BPF_JGE, lo, pass, fail); break;
		case OP_LT: bpf_jump(b, BPF_JGE, lo, fail, pass); break;
		case OP_LE: bpf_jump(b, BPF_JGT, lo, fail, pass); break;
		case OP_MEQ: case OP_MNE:
			bpf_jump(b, BPF_JEQ, lo2, yes, no);
			if (lo != UINT32_MAX)
				bpf_and(b, lo);
			break;
		}
		return bpf_load_arg(b, a, c->arg, false);
	}
	switch (c->op) {
	case OP_EQ: case OP_NE:
		bpf_jump(b, BPF_JEQ, lo, yes, no);
		t = bpf_load_arg(b, a, c->arg, false);
		bpf_jump(b, BPF_JEQ, hi, t, no);
		break;
	case OP_GT: case OP_GE: case OP_LT: case OP_LE:
		/* The high words decide, unless they are equal. */
		if (c->op == OP_GT || c->op == OP_GE)
			bpf_jump(b, c->op == OP_GT ? BPF_JGT : BPF_JGE, lo,
			    pass, fail);
		else
			bpf_jump(b, c->op == OP_LT ? BPF_JGE : BPF_JGT, lo,
			    fail, pass);
		t = bpf_load_arg(b, a, c->arg, false);
		if (c->op == OP_GT || c->op == OP_GE)
			bpf_jump(b, BPF_JGT, hi, pass, bpf_jump(b, BPF_JEQ, hi,
			    t, fail));
		else
			bpf_jump(b, BPF_JGT, hi, fail, bpf_jump(b, BPF_JEQ, hi,
			    t, pass));
		break;
	case OP_MEQ: case OP_MNE:
		t = yes;
		if (lo != 0) {
			bpf_jump(b, BPF_JEQ, lo2, yes, no);
			if (lo != UINT32_MAX)
				bpf_and(b, lo);
			t = bpf_load_arg(b, a, c->arg, false);
		}
		if (hi == 0)
			return t;
		bpf_jump(b, BPF_JEQ, hi2, t, no);
		if (hi != UINT32_MAX)
			bpf_and(b, hi);
		break;
	}
	return bpf_load_arg(b, a, c->arg, true);
}

/* A call's rules, tried in order; the fallback when none matches. */
static size_t
emit_call(struct bpf *b, const struct archinfo *a, const struct call *c)
{
	uint64_t top = a->bits == 32 ? 0xffffffffULL : UINT64_MAX;
	size_t next = bpf_ret(b, c->fallback), pass, i, k, m;
	struct cmp cs[RULE_CMPS];
	bool never, plain = true;	/* next only returns the fallback */

	for (i = c->n; i-- > 0;) {
		if (plain && c->tried[i]->act == c->fallback)
			continue;	/* the same outcome either way */
		never = false;
		for (k = m = 0; k < c->tried[i]->ncmp && !never; k++) {
			cs[m] = c->tried[i]->cmp[k];
			switch (cmp_normalize(&cs[m], top)) {
			case 1: break;
			case -1: never = true; break;
			default: m++;
			}
		}
		if (never)
			continue;
		pass = bpf_ret(b, c->tried[i]->act);
		for (k = m; k-- > 0;)
			pass = emit_cmp(b, a, &cs[k], pass, next);
		next = pass;
		plain = false;
	}
	return next;
}

struct entry {
	uint32_t nr;
	size_t label;
};

/*
 * Dispatch on the call number: a binary tree, short lists at its leaves,
 * and def for the calls that have no code of their own.
 */
static size_t
emit_dispatch(struct bpf *b, const struct entry *e, size_t n, uint32_t def)
{
	size_t label, mid, right;

	if (n <= 4) {
		label = bpf_ret(b, def);
		while (n-- > 0)
			label = bpf_jump(b, BPF_JEQ, e[n].nr, e[n].label,
			    label);
		return label;
	}
	mid = n / 2;
	right = emit_dispatch(b, e + mid, n - mid, def);
	return bpf_jump(b, BPF_JGE, e[mid].nr, right, emit_dispatch(b, e, mid,
	    def));
}

/*
 * One architecture's code, for the call numbers from lo to hi: its calls,
 * then the dispatch to them. With runc's ENOSYS stub, the calls above
 * the profile's last one are a dispatch of their own, whose default is
 * ENOSYS (and on s390, call 0 too).
 */
static size_t
emit_arch(struct bpf *b, const struct archfilter *af, uint32_t lo,
    uint32_t hi)
{
	struct entry *e = malloc((af->ncalls + 1) * sizeof(*e));
	uint32_t token = af->arch->token, last = profile_last_call(af->profile, token);
	size_t i, n = 0, k, label;

	if (e == NULL)
		die_sys("malloc");
	for (i = 0; i < af->ncalls; i++) {
		if (af->calls[i].nr < lo || af->calls[i].nr > hi)
			continue;
		e[n].nr = af->calls[i].nr;
		e[n++].label = emit_call(b, af->arch, &af->calls[i]);
	}
	if (last == 0 || last < lo || last >= hi) {
		label = emit_dispatch(b, e, n, af->profile->def);
		free(e);
		return label;
	}
	for (k = 0; k < n && e[k].nr <= last; k++)
		;
	label = emit_dispatch(b, e + k, n - k, SCMP_ACT_ERRNO(ENOSYS));
	label = bpf_jump(b, BPF_JGT, last, label, emit_dispatch(b, e, k,
	    af->profile->def));
	if ((token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X) &&
	    (k == 0 || e[0].nr != 0))
		label = bpf_jump(b, BPF_JEQ, 0, bpf_ret(b,
		    SCMP_ACT_ERRNO(ENOSYS)), label);
	free(e);
	return label;
}

#define X32_BIT 0x40000000U

/*
 * ld arch; one jeq per architecture; else kill. x32 calls come with the
 * x86_64 audit arch and bit 30 in the call number, and nr -1 (a call a
 * tracer skipped) meets the default action, as libseccomp does it.
 */
static void
bpf_compile(struct bpf *b, const struct filter *flt, struct sock_fprog *prog)
{
	const struct archfilter *afs = flt->arch;
	size_t naf = flt->narch;
	size_t entry[MAX_ARCH], next, native, x32;
	const struct archfilter *x32f = NULL;
	size_t i;

	b->n = b->nrets = 0;
	for (i = 0; i < naf; i++)
		if (afs[i].arch->token == SCMP_ARCH_X32)
			x32f = &afs[i];
	for (i = naf; i-- > 0;) {
		if (afs[i].arch->token == SCMP_ARCH_X32)
			continue;
		if (afs[i].arch->token != SCMP_ARCH_X86_64) {
			entry[i] = emit_arch(b, &afs[i], 0, UINT32_MAX);
			entry[i] = bpf_load_nr(b);
			continue;
		}
		x32 = x32f ? emit_arch(b, x32f, X32_BIT, UINT32_MAX - 1) :
		    bpf_ret(b, SCMP_ACT_KILL_PROCESS);
		/* As runc's stub: -1 is above x32's last call. */
		x32 = bpf_jump(b, BPF_JEQ, UINT32_MAX, bpf_ret(b,
		    profile_default_for(flt->profile, SCMP_ARCH_X32, UINT32_MAX)), x32);
		native = emit_arch(b, &afs[i], 0, X32_BIT - 1);
		bpf_jump(b, BPF_JGE, X32_BIT, x32, native);
		entry[i] = bpf_load_nr(b);
	}
	b->nrets = 0;
	next = bpf_ret(b, SCMP_ACT_KILL_PROCESS);
	for (i = naf; i-- > 0;)
		if (afs[i].arch->token != SCMP_ARCH_X32)
			next = bpf_jump(b, BPF_JEQ, afs[i].arch->token,
			    entry[i], next);
	bpf_load_arch(b);
	prog->len = b->n;
	prog->filter = &b->ins[BPF_MAXINSNS - b->n];
}

/* ---- the whole filter --------------------------------------------------- */

static void
filter_build(struct filter *flt, const struct profile *p,
    const struct exec_gate *gate)
{
	const struct rule **sorted;
	size_t i;

	sorted = malloc((p->n ? p->n : 1) * sizeof(*sorted));
	if (sorted == NULL)
		die_sys("malloc");
	for (i = 0; i < p->n; i++)
		sorted[i] = &p->r[i];
	qsort(sorted, p->n, sizeof(*sorted), by_call);
	memset(flt, 0, sizeof(*flt));
	flt->profile = p;
	flt->narch = p->narch;
	for (i = 0; i < p->narch; i++)
		archfilter_build(&flt->arch[i], p, arch_bytoken(p->arch[i]), sorted,
		    p->arch[i] == seccomp_arch_native() ? gate : NULL);
	free(sorted);
}

static void
filter_free(struct filter *flt)
{
	size_t i;

	for (i = 0; i < flt->narch; i++) {
		free(flt->arch[i].calls);
		free(flt->arch[i].extra);
		free(flt->arch[i].tried);
	}
}

/* ---- the filter as libseccomp's pseudo filter code (PFC) --------------- */

static const char *
pfc_action(uint32_t act, char *buf, size_t size)
{
	switch (act & 0xffff0000U) {
	case SCMP_ACT_ERRNO(0):
		snprintf(buf, size, "ERRNO(%u)", act & 0xffff);
		return buf;
	case SCMP_ACT_TRACE(0):
		snprintf(buf, size, "TRACE(%u)", act & 0xffff);
		return buf;
	}
	switch (act) {
	case SCMP_ACT_ALLOW: return "ALLOW";
	case SCMP_ACT_LOG: return "LOG";
	case SCMP_ACT_TRAP: return "TRAP";
	case SCMP_ACT_KILL: return "KILL";
	case SCMP_ACT_KILL_PROCESS: return "KILL_PROCESS";
	}
	snprintf(buf, size, "0x%08x", act);
	return buf;
}

static void
pfc_value(FILE *f, uint64_t v)
{
	fprintf(f, v < 1024 ? "%" PRIu64 : "0x%" PRIx64, v);
}

/* runc's ENOSYS stub, where a JSON profile set one. */
static void
pfc_stub(FILE *f, const struct profile *p, uint32_t token)
{
	uint32_t last = profile_last_call(p, token);

	if (last == 0)
		return;
	fprintf(f, "  # calls newer than the profile's last: ENOSYS, as runc\n");
	if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X)
		fprintf(f, "  if ($syscall == 0)\n    action ERRNO(%d);\n",
		    ENOSYS);
	fprintf(f, "  if ($syscall > %u)\n    action ERRNO(%d);\n", last,
	    ENOSYS);
}

static void
pfc_print(FILE *f, const struct filter *flt)
{
	const struct profile *p = flt->profile;
	const struct archfilter *afs = flt->arch;
	size_t naf = flt->narch;
	static const char *const ops[] = {
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=",
		[OP_GT] = ">", [OP_GE] = ">=", [OP_MEQ] = "==", [OP_MNE] = "!=",
	};
	const struct archfilter *af;
	const struct call *c;
	const struct rule *r;
	struct cmp cs[RULE_CMPS];
	uint64_t top;
	size_t j, k, m, depth;
	char buf[32];
	bool never;

	fprintf(f, "#\n# pseudo filter code start\n#\n");
	for (af = afs; af < afs + naf; af++) {
		top = af->arch->bits == 32 ? 0xffffffffULL : UINT64_MAX;
		fprintf(f, "# filter for arch %s (%u)\n", af->arch->name,
		    af->arch->token);
		fprintf(f, "if ($arch == %u)\n", af->arch->token ==
		    SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : af->arch->token);
		for (c = af->calls; c < af->calls + af->ncalls; c++) {
			fprintf(f, "  # filter for syscall \"%s\" (%u)\n",
			    c->name, c->nr);
			fprintf(f, "  if ($syscall == %u)\n", c->nr);
			for (j = 0; j < c->n; j++) {
				r = c->tried[j];
				never = false;
				for (k = m = 0; k < r->ncmp && !never; k++) {
					cs[m] = r->cmp[k];
					switch (cmp_normalize(&cs[m], top)) {
					case 1: break;
					case -1: never = true; break;
					default: m++;
					}
				}
				if (never)
					continue;
				for (k = 0, depth = 4; k < m; k++, depth += 2) {
					fprintf(f, "%*sif ($a%u", (int)depth, "",
					    cs[k].arg);
					if (cs[k].op == OP_MEQ ||
					    cs[k].op == OP_MNE)
						fprintf(f, " & 0x%" PRIx64,
						    cs[k].v);
					fprintf(f, " %s ", ops[cs[k].op]);
					pfc_value(f, cs[k].op == OP_MEQ ||
					    cs[k].op == OP_MNE ? cs[k].v2 :
					    cs[k].v);
					fprintf(f, ")\n");
				}
				fprintf(f, "%*saction %s;\n", (int)depth, "",
				    pfc_action(r->act, buf, sizeof(buf)));
			}
			if (c->fallback != profile_default_for(p, af->arch->token,
			    c->nr))
				fprintf(f, "    action %s;\n", pfc_action(
				    c->fallback, buf, sizeof(buf)));
		}
		pfc_stub(f, p, af->arch->token);
		fprintf(f, "  # default action\n  action %s;\n",
		    pfc_action(p->def, buf, sizeof(buf)));
	}
	fprintf(f, "# invalid architecture action\naction KILL_PROCESS;\n");
	fprintf(f, "#\n# pseudo filter code end\n#\n");
}

/* ---- PROG --------------------------------------------------------------- */

struct exec {
	const char *path;	/* PROG found in PATH */
	char **argv, **envp;
};

/*
 * PROG is looked up here, before the filter, so that exactly one execve
 * follows it, with arguments known in advance: the filter's verdict on
 * that call is checked, and noexec lets precisely that call through.
 */
static void
prog_find(struct exec *ex, char **argv)
{
	static char buf[PATH_MAX];
	static char *shell[2];
	const char *path, *p, *end;
	struct stat st;
	int err = ENOENT;
	size_t len;

	if (argv == NULL || argv[0] == NULL) {
		shell[0] = getenv("SHELL");
		if (shell[0] == NULL || shell[0][0] == '\0')
			shell[0] = "/bin/sh";
		argv = shell;
	}
	ex->argv = argv;
	if (strchr(argv[0], '/') != NULL) {
		ex->path = argv[0];
		if (stat(ex->path, &st) == 0)
			return;
		err = errno;
		warn_err(err, NULL, "exec %s", argv[0]);
		exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND :
		    EXIT_CANNOT_EXEC);
	}
	path = getenv("PATH");
	if (path == NULL)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		len = (size_t)(end - p);
		if (len == 0) {		/* an empty entry: the directory */
			p = ".";
			len = 1;
		}
		if (len + 1 + strlen(argv[0]) < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p,
			    argv[0]);
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(buf, X_OK) == 0) {
					ex->path = buf;
					return;
				}
				err = EACCES;
			}
		}
		if (*end == '\0')
			break;
	}
	if (err == EACCES) {
		warn_err(err, NULL, "exec %s", argv[0]);
		exit(EXIT_CANNOT_EXEC);
	}
	warn_err(err, "not found in PATH", "exec %s", argv[0]);
	exit(EXIT_NOT_FOUND);
}

/* Fresh memory at a random address; it vanishes with the exec. */
static void *
map_at_random(size_t size, uint64_t rnd)
{
	uint64_t lo = 1ULL << 32, span = (1ULL << 46) - lo;
	size_t len = (size + 2 * 4096) & ~(size_t)4095;
	uint64_t addr;
	void *p;
	int tries;

	for (tries = 0; tries < 32; tries++, rnd = rnd * 6364136223846793005ULL
	    + 1442695040888963407ULL) {
		addr = (lo + rnd % span) & ~4095ULL;
		p = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED) {
			if (errno == EEXIST)
				continue;
			die_sys("mmap");
		}
		if ((uintptr_t)p == addr)
			return (char *)p + ((rnd >> 40) % 4096 & ~(uint64_t)7);
		munmap(p, len);
	}
	die("mmap: no free address found for noexec's exec arguments");
}

/* noexec: the path, argv and envp of the exec moved to random places. */
static void
prog_gate(struct exec *ex, struct exec_gate *g)
{
	uint64_t rnd[3];
	size_t argc = 0, envc = 0;
	char *path, **argv, **envp;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		die_sys("getrandom");
	while (ex->argv[argc] != NULL)
		argc++;
	while (environ[envc] != NULL)
		envc++;
	path = map_at_random(strlen(ex->path) + 1, rnd[0]);
	argv = map_at_random((argc + 1) * sizeof(*argv), rnd[1]);
	envp = map_at_random((envc + 1) * sizeof(*envp), rnd[2]);
	strcpy(path, ex->path);
	memcpy(argv, ex->argv, (argc + 1) * sizeof(*argv));
	memcpy(envp, environ, (envc + 1) * sizeof(*envp));
	ex->path = path;
	ex->argv = argv;
	ex->envp = envp;
	*g = (struct exec_gate){ (uintptr_t)path, (uintptr_t)argv, (uintptr_t)envp };
	trace("noexec: PROG's execve arguments at random addresses; any "
	    "other execve fails");
}

/* A filter that stops scfilter's own exec of PROG would only fail later. */
static void
prog_check_allowed(const struct profile *p, const struct exec *ex)
{
	uint64_t args[NARGS] = {
		(uintptr_t)ex->path, (uintptr_t)ex->argv, (uintptr_t)ex->envp,
	};
	uint32_t act = profile_verdict(p, syscall_nr("execve"), args);
	char buf[32];

	if (act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG)
		return;
	die("refusing a filter whose action on execve is %s: PROG could not "
	    "start (-f noexec forbids exec once PROG runs; --dump and --bpf "
	    "write a filter without running PROG)",
	    action_str(act, buf, sizeof(buf)));
}

static noreturn void
prog_exec(const struct exec *ex)
{
	int err;

	execve(ex->path, ex->argv, ex->envp);
	err = errno;
	if (err == ENOENT && access(ex->path, F_OK) == 0) {
		warn_err(err, "its interpreter or ELF loader is missing",
		    "exec %s", ex->argv[0]);
		exit(EXIT_CANNOT_EXEC);
	}
	warn_err(err, NULL, "exec %s", ex->argv[0]);
	exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND :
	    EXIT_CANNOT_EXEC);
}

/* ---- loading ------------------------------------------------------------ */

static long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static unsigned
filter_flags(const struct profile *p)
{
	return (p->flag_log ? SECCOMP_FILTER_FLAG_LOG : 0) |
	    (p->flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
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

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every call libseccomp knows on the architectures this machine runs. */
static void
list_syscalls(void)
{
	uint32_t arches[MAX_ARCH];
	size_t narch = machine_arches(arches), n = 0, cap = 1024, i;
	char **names = malloc(cap * sizeof(*names)), *s;
	int nr, base;

	if (names == NULL)
		die_sys("malloc");
	for (i = 0; i < narch; i++) {
		base = arches[i] == SCMP_ARCH_X32 ? 0x40000000 : 0;
		for (nr = 0; nr < 1024; nr++) {
			s = seccomp_syscall_resolve_num_arch(arches[i],
			    base + nr);
			if (s == NULL)
				continue;
			if (n == cap && (names = realloc(names,
			    (cap *= 2) * sizeof(*names))) == NULL)
				die_sys("realloc");
			names[n++] = s;
		}
	}
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			puts(names[i]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static noreturn void
list_known(const char *what)
{
	size_t i;
	int e;

	if (strcmp(what, "profiles") == 0) {
		for (i = 0; i < LEN(builtins); i++)
			printf("%-8s %s\n", builtins[i].name,
			    builtins[i].summary);
	} else if (strcmp(what, "syscalls") == 0) {
		list_syscalls();
	} else if (strcmp(what, "constants") == 0) {
		for (i = 0; i < LEN(constants); i++)
			printf("%s %#" PRIx64 "\n", constants[i].name,
			    constants[i].value);
		for (e = 1; e < 32; e++)
			if (sigabbrev_np(e) != NULL)
				printf("SIG%s %d\n", sigabbrev_np(e), e);
	} else if (strcmp(what, "errnos") == 0) {
		for (e = 1; e < 200; e++)
			if (strerrorname_np(e) != NULL)
				printf("%s %d\n", strerrorname_np(e), e);
	} else {
		die("--list '%s': expected profiles, syscalls, constants or "
		    "errnos", what);
	}
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
	bool dump;
	const char *bpf;
	char **prog;
};

static void
parse_args(int argc, char **argv, struct opts *o)
{
	const struct where def = { "--default", 0 }, arch = { "--arch", 0 };
	struct profile *p = o->profile;
	int c;

	while ((c = getopt_long(argc, argv, "+:f:hvV", longopts, NULL)) != -1) {
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
		case OPT_DUMP:
			o->dump = true;
			break;
		case OPT_BPF:
			o->bpf = optarg;
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

int
main(int argc, char **argv)
{
	struct profile profile, *p = &profile;
	struct opts o = { .profile = &profile };
	struct exec ex = { .envp = environ };
	struct filter flt;
	struct bpf bpf;
	struct exec_gate gate, *g = NULL;
	struct sock_fprog prog;
	long start;

	conch_init("scfilter");
	profile_init(&profile);
	parse_args(argc, argv, &o);

	if (o.dump || o.bpf != NULL) {
		if (o.prog[0] != NULL)
			die("--dump and --bpf write the filter instead of "
			    "running PROG ('%s')", o.prog[0]);
		if (p->noexec)
			trace("noexec: written out, execve is simply denied "
			    "(only scfilter's own exec of PROG can pass)");
		start = now_us();
		filter_build(&flt, p, NULL);
		bpf_compile(&bpf, &flt, &prog);
		trace_filter(&flt, &prog, now_us() - start);
		if (o.bpf != NULL)
			write_bpf(&prog, o.bpf);
		if (o.dump) {
			pfc_print(stdout, &flt);
			if (fflush(stdout) == EOF)
				die_sys("write the filter to stdout");
		}
		filter_free(&flt);
		return 0;
	}

	prog_find(&ex, o.prog[0] ? o.prog : NULL);
	if (p->noexec) {
		prog_gate(&ex, &gate);
		g = &gate;
	} else {
		prog_check_allowed(p, &ex);
	}
	start = now_us();
	filter_build(&flt, p, g);
	bpf_compile(&bpf, &flt, &prog);
	trace_filter(&flt, &prog, now_us() - start);

	trace("prctl(PR_SET_NO_NEW_PRIVS): needed to load a filter without "
	    "CAP_SYS_ADMIN; no exec can gain privileges after it");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_NO_NEW_PRIVS)");
	trace("seccomp(SECCOMP_SET_MODE_FILTER), then exec %s", ex.path);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, filter_flags(p),
	    &prog) == -1)
		die_sys("load the filter (%u BPF instructions)", prog.len);
	prog_exec(&ex);
}

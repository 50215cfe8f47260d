/*
 * The names scfilter reads and prints: errno values, the constants a
 * condition may name, the architectures and their traits, the system
 * calls (libseccomp's tables, and the socket and IPC calls 32-bit x86
 * reaches two ways), and --list of them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <seccomp.h>

#include "conch.h"
#include "names.h"

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

void
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

/* ---- errno values ------------------------------------------------------- */

static const struct errname {
	const char *name;
	int err;
} errno_aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK },
	{ "ENOTSUP", ENOTSUP },
};

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
int
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


void
list_errnos(void)
{
	int e;

	for (e = 1; e < 200; e++)
		if (strerrorname_np(e) != NULL)
			printf("%s %d\n", strerrorname_np(e), e);
}

/* ---- constants ---------------------------------------------------------- */

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
uint64_t
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

void
list_constants(void)
{
	size_t i;
	int e;

	for (i = 0; i < LEN(constants); i++)
		printf("%s %#" PRIx64 "\n", constants[i].name,
		    constants[i].value);
	for (e = 1; e < 32; e++)
		if (sigabbrev_np(e) != NULL)
			printf("SIG%s %d\n", sigabbrev_np(e), e);
}

/* ---- architectures ------------------------------------------------------ */

static const struct archinfo archinfo[] = {
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

const struct archinfo *
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

const struct archinfo *
arch_bytoken(uint32_t token)
{
	size_t i;

	for (i = 0; i < LEN(archinfo); i++)
		if (archinfo[i].token == token)
			return &archinfo[i];
	return NULL;
}

/* The largest argument of a system call there. */
uint64_t
arch_arg_max(const struct archinfo *a)
{
	return a->bits == 32 ? 0xffffffffULL : UINT64_MAX;
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
			runs = syscall(0x40000000 | 39) != -1 ||
			    errno != ENOSYS;
	}
	return runs;
}

/* The native architecture and those it runs too (x86_64: x86, x32). */
size_t
machine_arches(uint32_t *out)
{
	const struct archinfo *a = arch_bytoken(seccomp_arch_native());
	const struct archinfo *c;
	size_t n = 0, i;

	if (a == NULL)
		die("this machine's architecture (0x%08x) is unknown to "
		    "scfilter", seccomp_arch_native());
	out[n++] = a->token;
	for (i = 0; i < LEN(a->compat); i++) {
		c = a->compat[i] ? arch_byname(a->compat[i]) : NULL;
		if (c != NULL && (c->token != SCMP_ARCH_X32 || x32_runs()))
			out[n++] = c->token;
	}
	return n;
}

bool
runs_here(uint32_t token)
{
	uint32_t all[MAX_ARCH];
	size_t n = machine_arches(all), i;

	for (i = 0; i < n; i++)
		if (all[i] == token)
			return true;
	return false;
}

/* ---- system calls ------------------------------------------------------- */

/* The libseccomp number of a call, or __NR_SCMP_ERROR if none knows it. */
int
syscall_nr(const char *name)
{
	return seccomp_syscall_resolve_name(name);
}

/*
 * Socket and SysV IPC calls that 32-bit x86 (and s390) also reach through
 * socketcall(2) and ipc(2), by these numbers (<linux/net.h>, <linux/ipc.h>),
 * and their direct numbers on x86 (arch/x86/entry/syscalls/syscall_32.tbl;
 * libseccomp 2.5 names them only by pseudo numbers there).
 */
static const struct muxed muxed[] = {
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

const size_t nmuxed = LEN(muxed);

const struct muxed *
muxed_byname(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(muxed); i++)
		if (strcmp(muxed[i].name, name) == 0)
			return &muxed[i];
	return NULL;
}

/*
 * A call's number on an architecture: libseccomp's, or on 32-bit x86 the
 * direct number of a socket or IPC call; negative where it has none
 * (libseccomp's pseudo numbers).
 */
int
syscall_nr_on(uint32_t token, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(token, name);

	if (nr < 0 && token == SCMP_ARCH_X86 && muxed_byname(name) != NULL)
		nr = muxed_byname(name)->x86;
	return nr;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every call libseccomp knows on the architectures this machine runs. */
void
list_syscalls(void)
{
	uint32_t arches[MAX_ARCH];
	size_t narch = machine_arches(arches), n = 0, cap = 0, i;
	char **names = NULL, *s;
	int nr, base;

	for (i = 0; i < narch; i++) {
		base = arches[i] == SCMP_ARCH_X32 ? 0x40000000 : 0;
		for (nr = 0; nr < 1024; nr++) {
			s = seccomp_syscall_resolve_num_arch(arches[i],
			    base + nr);
			if (s == NULL)
				continue;
			names = grow(names, n, &cap, sizeof(*names));
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

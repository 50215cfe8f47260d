/*
 * scfilter's BPF compiler (cmd/scfilter/filter.c, bpf.c): each compiled
 * program is checked as the kernel checks a filter and run in a BPF
 * interpreter (bpfvm.c) on many system calls, near the rules' numbers
 * and values and not, and what it returns is compared with what the
 * rules decide (scmodel.c): random rule sets, with and without runc's
 * ENOSYS stub and noexec's gate, on x86_64, x86 and x32, and the
 * built-in profiles and the JSON fixtures. The checker itself is
 * compared with the kernel's, which loads (or refuses) mutated programs.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "conch.h"
#include "scfilter/json.h"
#include "scfilter/text.h"
#include "bpfvm.h"
#include "scmodel.h"
#include "unit.h"

#define CALLS 500	/* system calls tried on each program */

static size_t programs;	/* checked by this case */

/* ---- random rule sets --------------------------------------------------- */

static const char *const call_pool[] = {
	"getpgid", "execve", "execveat", "socket", "socketpair", "connect",
	"accept", "accept4", "recvmmsg", "semget", "semop", "shmat", "msgsnd",
	"socketcall", "ipc", "stime", "mmap", "mmap2", "open", "openat",
	"clone", "clone3", "personality", "getpid", "read", "write",
	"io_uring_setup", "futex_waitv", "ioctl", "kill", "rt_sigaction",
};

static uint64_t
pick(const uint64_t *v, size_t n)
{
	return v[unit_random() % n];
}

static uint32_t
random_action(void)
{
	switch (unit_random() % 8) {
	case 0: return SCMP_ACT_ALLOW;
	case 1: return SCMP_ACT_LOG;
	case 2: return SCMP_ACT_KILL;
	case 3: return SCMP_ACT_KILL_PROCESS;
	case 4: return SCMP_ACT_TRAP;
	case 5: return SCMP_ACT_TRACE(unit_random() % 0x10000);
	default: return SCMP_ACT_ERRNO(unit_random() % (MAX_ERRNO + 1));
	}
}

static uint64_t
random_value(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 7, 16, 255, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x100000000, 0x100000005, 0xffffffff00000000,
		0xffffffffffffff9c /* AT_FDCWD */, UINT64_MAX, INT64_MAX,
	};

	switch (unit_random() % 4) {
	case 0: return unit_random();
	case 1: return unit_random() & 0xffffffff;
	default: return pick(v, LEN(v));
	}
}

static void
random_cmp(struct cmp *c)
{
	c->arg = unit_random() % 3 == 0 ? unit_random() % NARGS :
	    unit_random() % 2;
	c->op = (enum op)(unit_random() % (OP_MNE + 1));
	c->v = random_value();
	c->v2 = unit_random() % 2 ? c->v & random_value() : random_value();
}

static const char *
random_call(void)
{
	static char *names[460];	/* kept: the rules point into them */
	int nr = (int)(unit_random() % LEN(names));

	if (unit_random() % 4 != 0)
		return call_pool[unit_random() % LEN(call_pool)];
	/* Any call libseccomp knows here. */
	if (names[nr] == NULL)
		names[nr] = seccomp_syscall_resolve_num_arch(
		    seccomp_arch_native(), nr);
	return names[nr] != NULL ? names[nr] : "getpid";
}

/* A rule set of up to max rules, on the architectures in arches. */
static void
random_profile(struct profile *p, const uint32_t *arches, size_t narch,
    size_t max)
{
	const struct where w = { "random", 0 };
	struct rule r;
	size_t n = 1 + unit_random() % max, i, k;

	profile_init(p);
	memcpy(p->arch, arches, narch * sizeof(*arches));
	p->narch = narch;
	profile_set_default(p, random_action());
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.act = random_action();
		if (unit_random() % 5 < 3)
			r.ncmp = 1 + unit_random() % (unit_random() % 8 ?
			    3 : RULE_CMPS);
		for (k = 0; k < r.ncmp; k++)
			random_cmp(&r.cmp[k]);
		profile_add_call(p, random_call(), &r, &w);
	}
}

/*
 * runc's stub, as a JSON profile sets it: its rules, some of the set,
 * and a last call on the architectures it lists (x32's even where x32 is
 * not let through), near the rules' numbers or anywhere.
 */
static void
random_stub(struct profile *p)
{
	static const uint32_t tokens[] = {
		SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
	};
	uint32_t last;
	size_t i;
	int nr;

	p->stub_profile = p->njson = 1;
	for (i = 0; i < p->n; i++)
		p->r[i].profile = unit_random() % 3 ? 1 : 0;
	for (i = 0; i < LEN(tokens); i++) {
		if (unit_random() % 4 == 0)
			continue;	/* not listed */
		nr = syscall_nr_on(tokens[i], p->r[unit_random() % p->n].name);
		last = nr > 0 && unit_random() % 2 ? (uint32_t)nr :
		    1 + unit_random() % 460;
		if (tokens[i] == SCMP_ARCH_X32)
			last |= 0x40000000;
		p->last[p->nlast++] = (struct lastcall){ tokens[i], last };
	}
}

/* ---- checking ----------------------------------------------------------- */

static bool
check_profile(const struct profile *p, const struct exec_gate *gate,
    size_t calls)
{
	char why[512];

	programs++;
	return CHECK_MSG(scmodel_check(p, gate, unit_random(), calls, why,
	    sizeof(why)) == 0, "program %zu (%zu rules, default %#x): %s",
	    programs, p->n, p->def, why);
}

static const uint32_t x86_64_only[] = { SCMP_ARCH_X86_64 };
static const uint32_t all_three[] = {
	SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
};
static const uint32_t with_x86[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86 };
static const uint32_t with_x32[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X32 };

static void
check_random(const uint32_t *arches, size_t narch, size_t rounds,
    bool stub, bool gate)
{
	struct exec_gate g;
	struct profile p;
	size_t i;

	conch_init("scfilter");
	for (i = 0; i < rounds; i++) {
		random_profile(&p, arches, narch, i % 10 == 0 ? 40 : 12);
		if (stub)
			random_stub(&p);
		g = (struct exec_gate){ unit_random(), unit_random(),
		    unit_random() };
		if (!check_profile(&p, gate ? &g : NULL, CALLS))
			break;
		profile_free(&p);
	}
}

static void
report_programs(void)
{
	printf("%zu random programs, %d calls each\n", programs, CALLS);
}

static void
test_random_rules_x86_64(void)
{
	check_random(x86_64_only, 1, 1000, false, false);
	report_programs();
}

static void
test_random_rules_x86_and_x32(void)
{
	check_random(all_three, 3, 500, false, false);
	check_random(with_x86, 2, 300, false, false);
	check_random(with_x32, 2, 300, false, false);
	report_programs();
}

static void
test_random_rules_with_runc_stub(void)
{
	check_random(all_three, 3, 500, true, false);
	check_random(x86_64_only, 1, 300, true, false);
	report_programs();
}

static void
test_random_rules_with_noexec_gate(void)
{
	check_random(all_three, 3, 300, false, true);
	check_random(with_x86, 2, 300, true, true);
	report_programs();
}

/* ---- the built-in profiles and the fixtures ----------------------------- */

static void
check_builtin(const char *name, const uint32_t *arches, size_t narch,
    bool gate)
{
	struct exec_gate g = { unit_random(), unit_random(), unit_random() };
	struct profile p;
	char *text;

	profile_init(&p);
	text = strdup(builtin_byname(name)->text);
	profile_hold(&p, text, free);
	text_profile_read(&p, text, name);
	memcpy(p.arch, arches, narch * sizeof(*arches));
	p.narch = narch;
	check_profile(&p, gate ? &g : NULL, 20000);
	profile_free(&p);
}

static void
test_builtin_profiles(void)
{
	conch_init("scfilter");
	check_builtin("default", all_three, 3, false);
	check_builtin("default", x86_64_only, 1, false);
	check_builtin("nonet", all_three, 3, false);
	check_builtin("noexec", all_three, 3, false);
	check_builtin("noexec", all_three, 3, true);
}

/* tests/fixtures, from the test program's place in build/tests/unit. */
static char *
read_fixture(const char *name, size_t *len)
{
	char self[PATH_MAX], path[PATH_MAX + 64], *buf;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	FILE *f;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../../../tests/fixtures/%s", self,
	    name);
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf = malloc(1 << 20);
	*len = buf != NULL ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static void
check_fixture(const char *name)
{
	struct profile p;
	size_t len;
	char *doc = read_fixture(name, &len);

	if (doc == NULL)
		unit_skip("tests/fixtures/%s not found", name);
	profile_init(&p);
	json_profile_read(&p, doc, len, name);
	check_profile(&p, NULL, 20000);
	/* x32 too, whose stub the profile set even where x32 does not run. */
	memcpy(p.arch, all_three, sizeof(all_three));
	p.narch = LEN(all_three);
	check_profile(&p, NULL, 20000);
	profile_free(&p);
	free(doc);
}

static void
test_json_fixtures(void)
{
	conch_init("scfilter");
	check_fixture("docker-seccomp-default.json");
	check_fixture("docker-seccomp-2019.json");
	check_fixture("podman-seccomp.json");
}

/* ---- the interpreter and its checker ------------------------------------ */

#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, t, f) ((struct sock_filter)BPF_JUMP(code, k, t, f))

static void
test_bpfvm_runs_and_refuses(void)
{
	struct sock_filter good[] = {
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
		    arch)),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SCMP_ARCH_X86_64, 1, 0),
		STMT(BPF_RET | BPF_K, SCMP_ACT_KILL_PROCESS),
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data,
		    args[1]) + 4),
		STMT(BPF_ST, 3),
		STMT(BPF_LDX | BPF_MEM, 3),
		STMT(BPF_MISC | BPF_TXA, 0),
		STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_data d = { .arch = SCMP_ARCH_X86_64,
	    .args = { 0, 0x1234567800000000ULL } };
	struct sock_filter bad[LEN(good)];

	CHECK(bpfvm_check(good, LEN(good)) == NULL);
	CHECK_UINT(bpfvm_run(good, LEN(good), &d), 0x78);
	d.arch = SCMP_ARCH_X86;
	CHECK_UINT(bpfvm_run(good, LEN(good), &d), SCMP_ACT_KILL_PROCESS);
	CHECK(bpfvm_check(good, LEN(good) - 1) != NULL);	/* no return */
	CHECK(bpfvm_check(good, 0) != NULL);
	memcpy(bad, good, sizeof(good));
	bad[1].jt = 7;		/* past the end */
	CHECK(bpfvm_check(bad, LEN(bad)) != NULL);
	memcpy(bad, good, sizeof(good));
	bad[3].k = 2;		/* not aligned */
	CHECK(bpfvm_check(bad, LEN(bad)) != NULL);
	memcpy(bad, good, sizeof(good));
	bad[3].code = BPF_LD | BPF_H | BPF_ABS;		/* not for seccomp */
	CHECK(bpfvm_check(bad, LEN(bad)) != NULL);
	memcpy(bad, good, sizeof(good));
	bad[5].k = 4;		/* read before written */
	CHECK(bpfvm_check(bad, LEN(bad)) != NULL);
}

/*
 * Does the kernel load prog as a filter? A child sets no_new_privs and
 * tries: 1, 0 (EINVAL) or -1. It says so in shared memory, before any
 * other system call, which the filter it loaded may forbid; then it is
 * killed.
 */
static int
kernel_loads(const struct sock_fprog *prog)
{
	volatile int *said = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st, r;
	pid_t pid;

	if (said == MAP_FAILED)
		return -1;
	*said = -2;
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(1);
		r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
		*said = r == 0 ? 1 : errno == EINVAL ? 0 : -1;
		for (;;)
			_exit(0);
	}
	while (pid > 0 && *said == -2 && waitpid(pid, &st, WNOHANG) == 0)
		usleep(200);
	r = *said;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	munmap((void *)said, 4096);
	return r;
}

/* Opcodes to mutate with: seccomp's, classic BPF's that it refuses, junk. */
static const uint16_t opcodes[] = {
	BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_W | BPF_LEN,
	BPF_LDX | BPF_W | BPF_LEN, BPF_RET | BPF_K, BPF_RET | BPF_A,
	BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_X,
	BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_AND | BPF_K,
	BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_X,
	BPF_ALU | BPF_NEG, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
	BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_LD | BPF_MEM,
	BPF_LDX | BPF_MEM, BPF_ST, BPF_STX, BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_X,
	BPF_JMP | BPF_JSET | BPF_K,
	BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_IND, BPF_ALU | BPF_MOD | BPF_K,
	BPF_LDX | BPF_B | BPF_MSH, 0x07ff, 0xffff,
};

static void
mutate(struct sock_filter *f, size_t *n)
{
	struct sock_filter *i = &f[unit_random() % *n];

	switch (unit_random() % 7) {
	case 0: i->code = opcodes[unit_random() % LEN(opcodes)]; break;
	case 1: i->jt = (uint8_t)(unit_random() % 4 ? unit_random() % 8 :
		    unit_random()); break;
	case 2: i->jf = (uint8_t)(unit_random() % 8); break;
	case 3: i->k = unit_random() % 2 ? unit_random() % 70 :
		    (uint32_t)unit_random(); break;
	case 4: i->k = unit_random() % 20; break;
	case 5: *n -= *n > 1 ? 1 + unit_random() % (*n / 2 + 1) / 2 : 0;
		break;
	default: f[*n - 1].code = opcodes[unit_random() % LEN(opcodes)];
	}
}

static void
test_bpfvm_refuses_what_the_kernel_refuses(void)
{
	struct sock_filter f[64];
	struct sock_fprog prog;
	size_t n, k, round, loads = 0;
	int kernel;

	for (round = 0; round < 400; round++) {
		n = 1 + unit_random() % LEN(f);
		for (k = 0; k < n; k++)
			f[k] = (struct sock_filter){ opcodes[unit_random() % 16],
			    (uint8_t)(unit_random() % (n - k)),
			    (uint8_t)(unit_random() % (n - k)),
			    (uint32_t)(unit_random() % 16 * 4) };
		f[n - 1] = STMT(BPF_RET | BPF_K, SCMP_ACT_ALLOW);
		for (k = unit_random() % 3; k-- > 0;)
			mutate(f, &n);
		prog = (struct sock_fprog){ (unsigned short)n, f };
		kernel = kernel_loads(&prog);
		if (kernel < 0) {
			unit_skip("cannot load a seccomp filter here (%s)",
			    strerror(errno));
		}
		loads += kernel;
		if (!CHECK_MSG((bpfvm_check(f, n) == NULL) == kernel,
		    "program %zu: the kernel %s it, bpfvm %s", round,
		    kernel ? "loads" : "refuses", bpfvm_check(f, n) ?
		    bpfvm_check(f, n) : "accepts it"))
			break;
	}
	printf("400 programs: the kernel loaded %zu\n", loads);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_bpfvm_runs_and_refuses),
	UNIT_CASE(test_bpfvm_refuses_what_the_kernel_refuses),
	UNIT_CASE(test_random_rules_x86_64),
	UNIT_CASE(test_random_rules_x86_and_x32),
	UNIT_CASE(test_random_rules_with_runc_stub),
	UNIT_CASE(test_random_rules_with_noexec_gate),
	UNIT_CASE(test_builtin_profiles),
	UNIT_CASE(test_json_fixtures),
};

UNIT_MAIN("scfilter_bpf", cases)

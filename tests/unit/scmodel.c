/*
 * scmodel.c: the oracle of scfilter's BPF compiler (see scmodel.h).
 *
 * The verdict here is written from what scfilter(1) promises, not from
 * how filter.c and bpf.c lay the program out: the rules are walked from
 * the last, with each architecture's own call numbers and argument
 * width, and only rules.c's rule_matches() and profile_default_for() are
 * shared with the code under test.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "conch.h"
#include "bpfvm.h"
#include "scmodel.h"

#define X32_BIT 0x40000000U

static uint64_t
next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
scmodel_init(struct scmodel *m, const struct profile *p,
    const struct exec_gate *gate)
{
	size_t i, k;

	memset(m, 0, sizeof(*m));
	m->p = p;
	m->gate = gate;
	for (i = 0; i < p->narch; i++) {
		m->arch[i] = arch_bytoken(p->arch[i]);
		m->nr[i] = malloc((p->n + 1) * sizeof(int));
		if (m->nr[i] == NULL)
			abort();
		for (k = 0; k < p->n; k++)
			m->nr[i][k] = syscall_nr_on(p->arch[i], p->r[k].name);
		m->mux[i][0] = seccomp_syscall_resolve_name_arch(p->arch[i],
		    "socketcall");
		m->mux[i][1] = seccomp_syscall_resolve_name_arch(p->arch[i],
		    "ipc");
	}
}

void
scmodel_free(struct scmodel *m)
{
	size_t i;

	for (i = 0; i < m->p->narch; i++)
		free(m->nr[i]);
}

/* ---- the verdict -------------------------------------------------------- */

/* The index of an architecture in the profile's list, or -1. */
static int
arch_index(const struct scmodel *m, uint32_t token)
{
	size_t i;

	for (i = 0; i < m->p->narch; i++)
		if (m->p->arch[i] == token)
			return (int)i;
	return -1;
}

/* runc's stub decides before the profile that set it: none of its rules. */
static bool
stub_keeps_out(const struct profile *p, const struct rule *r,
    uint32_t token, uint32_t nr)
{
	return r->profile != 0 && r->profile == p->stub_profile &&
	    profile_stubbed(p, token, nr);
}

/*
 * The rule, on an argument of the architecture's width (args are cut to
 * it): a negative int given sign-extended (AT_FDCWD) means its 32 bits.
 */
static bool
matches_on(const struct archinfo *a, const struct rule *r,
    const uint64_t *args)
{
	struct rule cut = *r;
	size_t k;

	if (a->bits == 64)
		return rule_matches(r, args);
	for (k = 0; k < cut.ncmp; k++)
		if (cut.cmp[k].op != OP_MEQ && cut.cmp[k].op != OP_MNE &&
		    cut.cmp[k].v >> 32 == 0xffffffff &&
		    (cut.cmp[k].v & 0x80000000))
			cut.cmp[k].v &= 0xffffffff;
	return rule_matches(&cut, args);
}

/* The last rule named name (any, if NULL) numbered nr that matches. */
static const struct rule *
last_match(const struct scmodel *m, int i, uint32_t nr, uint32_t stub_nr,
    const char *name, const uint64_t *args)
{
	const struct profile *p = m->p;
	const struct rule *r;
	size_t k;

	for (k = p->n; k-- > 0;) {
		r = &p->r[k];
		if (name != NULL ? strcmp(r->name, name) != 0 :
		    m->nr[i][k] < 0 || (uint32_t)m->nr[i][k] != nr)
			continue;
		if (stub_keeps_out(p, r, m->arch[i]->token, stub_nr))
			continue;
		if (args == NULL ? r->ncmp == 0 :
		    matches_on(m->arch[i], r, args))
			return r;
	}
	return NULL;
}

/*
 * socketcall(2) or ipc(2): their own rules; else the call they carry
 * gets the action it has when none of its conditions holds (its last
 * unconditional rule), since its arguments are out of the filter's sight.
 */
static uint32_t
mux_verdict(const struct scmodel *m, int i, bool ipc, uint32_t nr,
    const uint64_t *args)
{
	uint32_t token = m->arch[i]->token;
	uint32_t def = profile_default_for(m->p, token, nr);
	uint32_t code = ipc ? args[0] & 0xffff : args[0];
	const struct muxed *mx;
	const struct rule *r;
	size_t k;

	r = last_match(m, i, nr, nr, ipc ? "ipc" : "socketcall", args);
	if (r != NULL)
		return r->act;
	/* The call carried, if it has rules. */
	for (k = 0; k < m->p->n; k++) {
		mx = muxed_byname(m->p->r[k].name);
		if (mx != NULL && mx->ipc == ipc && mx->code == code)
			break;
	}
	if (k == m->p->n)
		return def;
	r = last_match(m, i, nr, nr, mx->name, NULL);
	return r != NULL ? r->act : def;
}

static uint32_t
arch_verdict(const struct scmodel *m, int i, uint32_t nr,
    const uint64_t *raw)
{
	const struct archinfo *a = m->arch[i];
	const struct exec_gate *g = m->gate;
	const struct rule *r;
	uint64_t args[NARGS];
	size_t k;

	for (k = 0; k < NARGS; k++)
		args[k] = raw[k] & arch_arg_max(a);
	if (g != NULL && a->token == seccomp_arch_native() &&
	    (int)nr == syscall_nr_on(a->token, "execve") &&
	    args[0] == g->path && args[1] == g->argv && args[2] == g->envp)
		return SCMP_ACT_ALLOW;
	if (m->mux[i][0] >= 0 && nr == (uint32_t)m->mux[i][0])
		return mux_verdict(m, i, false, nr, args);
	if (m->mux[i][1] >= 0 && nr == (uint32_t)m->mux[i][1])
		return mux_verdict(m, i, true, nr, args);
	r = last_match(m, i, nr, nr, NULL, args);
	return r != NULL ? r->act : profile_default_for(m->p, a->token, nr);
}

/*
 * The architectures of the profile go through its rules, others are
 * killed; x32's calls come as x86_64's with bit 30 set, and call -1 (a
 * call a tracer skipped) meets the default, or x32's ENOSYS stub.
 */
uint32_t
scmodel_expect(const struct scmodel *m, const struct seccomp_data *d)
{
	uint32_t nr = (uint32_t)d->nr;
	int i = arch_index(m, d->arch);
	uint64_t args[NARGS];
	size_t k;

	for (k = 0; k < NARGS; k++)
		args[k] = d->args[k];

	if (i < 0 || d->arch == SCMP_ARCH_X32)
		return SCMP_ACT_KILL_PROCESS;
	if (d->arch == SCMP_ARCH_X86_64 && nr >= X32_BIT) {
		if (nr == UINT32_MAX)
			return profile_default_for(m->p, SCMP_ARCH_X32, nr);
		if ((i = arch_index(m, SCMP_ARCH_X32)) < 0)
			return SCMP_ACT_KILL_PROCESS;
	}
	return arch_verdict(m, i, nr, args);
}

/* ---- the calls tried ---------------------------------------------------- */

/* A value near what the rule compares arg with, or anywhere. */
static uint64_t
arg_near(const struct rule *r, unsigned arg, uint64_t *rng)
{
	uint64_t x = next_random(rng), v, v2;
	size_t k;

	for (k = r != NULL ? r->ncmp : 0; k-- > 0;) {
		if (r->cmp[k].arg != arg || x % 3 == 0)
			continue;
		v = r->cmp[k].v;
		v2 = r->cmp[k].v2;
		switch ((x >> 8) % 8) {
		case 0: return v;
		case 1: return v + 1;
		case 2: return v - 1;
		case 3: return v2 | (next_random(rng) & ~v);	/* masked == */
		case 4: return v2;
		case 5: return v & 0xffffffff;
		case 6: return v ^ 1ULL << 32;
		default: return v ^ 1ULL << (x >> 16) % 64;
		}
	}
	switch (x % 8) {
	case 0: return 0;
	case 1: return 0xffffffff;
	case 2: return UINT64_MAX;
	case 3: return 0x80000000;
	case 4: return next_random(rng) & 0xffffffff;
	default: return next_random(rng);
	}
}

/* A call number on arch i: near the rules', the mux, the stub, or any. */
static uint32_t
nr_near(const struct scmodel *m, int i, uint64_t *rng, const struct rule **r)
{
	uint32_t token = m->p->arch[i], last = profile_last_call(m->p, token);
	uint32_t base = token == SCMP_ARCH_X32 ? X32_BIT : 0;
	uint64_t x = next_random(rng);
	size_t k;

	*r = NULL;
	if (m->p->n > 0 && x % 10 < 6) {
		k = (x >> 8) % m->p->n;
		if (m->nr[i][k] >= 0) {
			*r = &m->p->r[k];
			return (uint32_t)m->nr[i][k] + ((x >> 4) % 8 == 0) -
			    ((x >> 4) % 8 == 1);
		}
	}
	switch (x % 10) {
	case 6: return m->mux[i][(x >> 8) & 1] >= 0 ?
		    (uint32_t)m->mux[i][(x >> 8) & 1] : base;
	case 7: return last + ((x >> 8) & 1);
	case 8: return (x >> 8) & 1 ? UINT32_MAX :
		    (uint32_t)syscall_nr_on(token, "execve");
	default: return base + (uint32_t)((x >> 8) % 1000);
	}
}

void
scmodel_call(const struct scmodel *m, uint64_t *rng, struct seccomp_data *d)
{
	uint64_t x = next_random(rng);
	const struct rule *r = NULL;
	int i = (int)(x % (m->p->narch + 1));
	unsigned k;

	memset(d, 0, sizeof(*d));
	d->instruction_pointer = next_random(rng);
	if (i == (int)m->p->narch) {	/* an architecture not let through */
		d->arch = (x >> 8) & 1 ? SCMP_ARCH_AARCH64 : SCMP_ARCH_X32;
		d->nr = (int)(next_random(rng) % 500);
		return;
	}
	d->arch = m->p->arch[i] == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 :
	    m->p->arch[i];
	d->nr = (int)nr_near(m, i, rng, &r);
	for (k = 0; k < NARGS; k++)
		d->args[k] = arg_near(r, k, rng);
	if (m->gate != NULL && (x >> 12) % 4 == 0) {
		d->args[0] = m->gate->path;
		d->args[1] = m->gate->argv;
		d->args[2] = m->gate->envp;
	}
	/* socketcall(2) and ipc(2): the call carried, and other bits. */
	if (m->mux[i][0] >= 0 && (x >> 14) % 2 == 0)
		d->args[0] = (x >> 16) % 25 | ((x >> 32) % 2 ?
		    1ULL << (x >> 40) % 64 : 0);
	/* The kernel gives a 32-bit call's arguments zero-extended. */
	if (m->arch[i]->bits == 32 && (x >> 20) % 4 != 0)
		for (k = 0; k < NARGS; k++)
			d->args[k] &= 0xffffffff;
}

/* ---- the comparison ----------------------------------------------------- */

static void
describe(char *why, size_t size, const struct seccomp_data *d,
    uint32_t got, uint32_t want)
{
	const struct archinfo *a = arch_bytoken(d->arch);
	uint32_t token = d->arch == SCMP_ARCH_X86_64 &&
	    (uint32_t)d->nr >= X32_BIT ? SCMP_ARCH_X32 : d->arch;
	char *name = seccomp_syscall_resolve_num_arch(token, d->nr);

	snprintf(why, size, "arch %s, call %#x (%s), args %#llx %#llx %#llx "
	    "%#llx %#llx %#llx: the BPF returns %#x, the rules say %#x",
	    a ? a->name : "?", (uint32_t)d->nr, name ? name : "?",
	    (unsigned long long)d->args[0], (unsigned long long)d->args[1],
	    (unsigned long long)d->args[2], (unsigned long long)d->args[3],
	    (unsigned long long)d->args[4], (unsigned long long)d->args[5],
	    got, want);
	free(name);
}

int
scmodel_check(const struct profile *p, const struct exec_gate *gate,
    uint64_t seed, size_t ncalls, char *why, size_t size)
{
	struct bpf *b = malloc(sizeof(*b));
	struct seccomp_data d;
	struct sock_fprog prog;
	struct scmodel m;
	struct filter flt;
	const char *bad;
	uint32_t got, want;
	int rc = 0;
	size_t k;

	if (b == NULL)
		abort();
	filter_build(&flt, p, gate);
	bpf_compile(b, &flt, &prog);
	if ((bad = bpfvm_check(prog.filter, prog.len)) != NULL) {
		snprintf(why, size, "the kernel would refuse the program: %s",
		    bad);
		rc = -1;
	}
	scmodel_init(&m, p, gate);
	for (k = 0; k < ncalls && rc == 0; k++) {
		scmodel_call(&m, &seed, &d);
		got = bpfvm_run(prog.filter, prog.len, &d);
		want = scmodel_expect(&m, &d);
		if (got != want) {
			describe(why, size, &d, got, want);
			rc = -1;
		}
	}
	scmodel_free(&m);
	filter_free(&flt);
	free(b);
	return rc;
}

int
scmodel_check_all(const struct profile *p, uint64_t seed, size_t ncalls,
    char *why, size_t size)
{
	static const uint32_t all[] = {
		SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
	};
	struct exec_gate gate = { next_random(&seed), next_random(&seed),
	    next_random(&seed) };
	struct profile q = *p;	/* the same rules, on other architectures */

	if (scmodel_check(p, NULL, seed, ncalls, why, size) != 0)
		return -1;
	if (p->noexec &&
	    scmodel_check(p, &gate, seed + 1, ncalls, why, size) != 0)
		return -1;
	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return 0;
	memcpy(q.arch, all, sizeof(all));
	q.narch = LEN(all);
	return scmodel_check(&q, NULL, seed + 2, ncalls, why, size);
}

uint64_t
scmodel_seed(const void *data, size_t size)
{
	const unsigned char *s = data;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (size-- > 0)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

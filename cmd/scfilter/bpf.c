/*
 * The BPF compiler: the filter, planned per architecture (filter.c),
 * compiled to the classic BPF program the kernel runs on each system
 * call: the architecture, then a binary search on the call number, then
 * each call's rules, tried in order, with 64-bit comparisons made of
 * 32-bit ones. The program is written backwards, from its last
 * instruction, so that a jump's target is always known; conditional
 * jumps reach 255 instructions, farther ones go through an unconditional
 * jump put right after them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <linux/seccomp.h>

#include <seccomp.h>

#include "conch.h"
#include "bpf.h"

/* ---- instructions ------------------------------------------------------- */

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

/* The comparison c, going on to pass or fail. */
/* ---- a call's rules ----------------------------------------------------- */

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
	size_t next = bpf_ret(b, c->fallback), pass, i, k, m;
	struct cmp cs[RULE_CMPS];
	bool plain = true;	/* next only returns the fallback */

	for (i = c->n; i-- > 0;) {
		if (plain && c->tried[i]->act == c->fallback)
			continue;	/* the same outcome either way */
		if (!rule_settle(c->tried[i], arch_arg_max(a), cs, &m))
			continue;
		pass = bpf_ret(b, c->tried[i]->act);
		for (k = m; k-- > 0;)
			pass = emit_cmp(b, a, &cs[k], pass, next);
		next = pass;
		plain = false;
	}
	return next;
}

/* ---- the dispatch on the architecture and the call number --------------- */

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
	struct entry *e = xreallocarray(NULL, af->ncalls + 1, sizeof(*e));
	uint32_t token = af->arch->token;
	uint32_t last = profile_last_call(af->profile, token);
	size_t i, n = 0, k, label;

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
void
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
		    profile_default_for(flt->profile, SCMP_ARCH_X32,
		    UINT32_MAX)), x32);
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

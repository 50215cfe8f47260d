/*
 * A JSON profile's rules as runc and libseccomp settle them: runc drops
 * the rules of the default action and hands the others to libseccomp in
 * order, whose rule database keeps some and drops or refuses others
 * (runc_settle()); and runc's ENOSYS stub for the calls newer than the
 * profile (runc_last_calls()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <seccomp.h>

#include "conch.h"
#include "runc.h"

/* One more rule of the profile, from its syscalls[entry]. */
void
jrule_add(struct jrules *jr, const struct rule *r, size_t entry)
{
	jr->v = grow(jr->v, jr->n, &jr->cap, sizeof(*jr->v));
	jr->v[jr->n] = (struct jrule){ *r, entry, jr->n };
	jr->n++;
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
			if (x->arg == y->arg && x->op == y->op &&
			    x->v == y->v && (x->op != OP_MEQ || x->v2 == y->v2))
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
			    "(libseccomp keeps it and drops the others, as "
			    "under runc)", origin, g->entry, g->r.name,
			    action_str(g->r.act, a, sizeof(a)), u->entry,
			    action_str(u->r.act, b, sizeof(b)));
}

/* libseccomp's EEXIST: the conditions of an earlier rule, another action. */
static void
refuse_conflict(const char *origin, const struct jrule *g,
    const struct jrule *m, uint32_t def)
{
	const struct jrule *k;

	for (k = g; k < m; k++)
		if (k->r.act != def && k->r.act != m->r.act &&
		    same_conditions(&k->r, &m->r))
			die("%s: syscalls[%zu]: %s: the same conditions as in "
			    "syscalls[%zu], with another action (runc refuses "
			    "such a profile too: libseccomp's EEXIST)", origin,
			    m->entry, m->r.name, k->entry);
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
void
runc_settle(struct profile *p, const char *origin, struct jrules *jr)
{
	const struct jrule *g, *end, *m, *u;
	uint32_t def = p->def;

	if (jr->n == 0)
		return;		/* and jr->v is NULL: no qsort of it */
	qsort(jr->v, jr->n, sizeof(*jr->v), by_jcall);
	for (g = jr->v; g < jr->v + jr->n; g = end) {
		for (end = g; end < jr->v + jr->n && end->r.nr == g->r.nr;
		    end++)
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
			refuse_conflict(origin, g, m, def);
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
void
runc_last_calls(struct profile *p, const char *origin, const struct jrules *jr,
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

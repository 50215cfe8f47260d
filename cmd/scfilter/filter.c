/*
 * The filter planned from a profile, for each of its architectures: the
 * calls that have rules there, by their numbers there, each with its
 * rules in the order they are tried (the last given first, cut after
 * the first unconditional one) and the action when none matches. Here
 * too: runc's stub keeps a JSON profile's rules from the calls in it,
 * noexec's gate lets scfilter's own execve through, and on 32-bit x86
 * socketcall(2) and ipc(2) stand for the calls they multiplex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "conch.h"
#include "filter.h"

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

/* The end of the rules of sorted[i]'s call, from sorted[i] on. */
static size_t
same_call_end(const struct rule **sorted, size_t i, size_t n)
{
	size_t k;

	for (k = i; k < n && sorted[k]->nr == sorted[i]->nr; k++)
		;
	return k;
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

/* The rule "socketcall(code) gets fb" for m (for ipc(2), its low 16 bits). */
static const struct rule *
twin_rule(struct archfilter *af, const struct muxed *m, uint32_t fb)
{
	struct rule *r = &af->extra[af->nextra++];

	*r = (struct rule){ .name = m->ipc ? "ipc" : "socketcall", .act = fb,
	    .ncmp = 1 };
	r->cmp[0] = (struct cmp){ 0, m->ipc ? OP_MEQ : OP_EQ,
	    m->ipc ? 0xffff : m->code, m->ipc ? m->code : 0 };
	return r;
}

/*
 * On an architecture with socketcall(2), a socket call's arguments are
 * out of sight through it: there the call gets the action it has when
 * none of its conditions holds. Its direct system call, where it has
 * one, keeps its conditions. Rules on socketcall itself come first.
 * The same for ipc(2) and the SysV IPC calls.
 */
static void
mux_rules(struct archfilter *af, bool ipc, uint32_t mux_nr,
    const struct rule **sorted, size_t nsorted, const struct rule **tried,
    size_t *ntried)
{
	const char *mux = ipc ? "ipc" : "socketcall";
	uint32_t token = af->arch->token, fb;
	uint32_t def = profile_default_for(af->profile, token, mux_nr);
	size_t i, k, n, start = *ntried;
	const struct muxed *m;
	bool won;

	for (i = 0; i < nsorted; i = k) {
		k = same_call_end(sorted, i, nsorted);
		if (strcmp(sorted[i]->name, mux) == 0)
			*ntried = take_rules(af->profile, sorted, i, k, token,
			    mux_nr, tried, *ntried);
	}
	/* An unconditional rule on the mux wins it all. */
	won = *ntried > start && tried[*ntried - 1]->ncmp == 0;
	for (i = 0; !won && i < nsorted; i = k) {
		k = same_call_end(sorted, i, nsorted);
		m = muxed_byname(sorted[i]->name);
		if (m == NULL || m->ipc != ipc)
			continue;
		n = take_rules(af->profile, sorted, i, k, token, mux_nr,
		    tried + *ntried, 0);
		fb = n > 0 && tried[*ntried + n - 1]->ncmp == 0 ?
		    tried[*ntried + n - 1]->act : def;
		if (fb != def)
			tried[(*ntried)++] = twin_rule(af, m, fb);
	}
	add_call(af, mux, mux_nr, tried + start, *ntried - start);
}

/* socketcall(2) and ipc(2), where the architecture has them. */
static void
mux_twins(struct archfilter *af, const struct rule **sorted, size_t nsorted,
    const struct rule **tried, size_t *ntried)
{
	int nr;

	nr = seccomp_syscall_resolve_name_arch(af->arch->token, "socketcall");
	if (nr >= 0)
		mux_rules(af, false, (uint32_t)nr, sorted, nsorted, tried,
		    ntried);
	nr = seccomp_syscall_resolve_name_arch(af->arch->token, "ipc");
	if (nr >= 0)
		mux_rules(af, true, (uint32_t)nr, sorted, nsorted, tried,
		    ntried);
}

static void
archfilter_build(struct archfilter *af, const struct profile *p,
    const struct archinfo *arch, const struct rule **sorted,
    const struct exec_gate *gate)
{
	const struct rule **tried;
	struct rule *g;
	size_t i, k, n, ntried = 0;
	bool gate_done = false;
	int nr, execve_nr = syscall_nr("execve");

	af->profile = p;
	af->arch = arch;
	af->calls = xcalloc(p->n + nmuxed + 4, sizeof(*af->calls));
	af->extra = xcalloc(nmuxed + 1, sizeof(*af->extra));
	/* Each rule once, the gate, socketcall twins, and room to sort. */
	tried = af->tried = xreallocarray(NULL, 2 * p->n + nmuxed + 2,
	    sizeof(*tried));
	if (gate != NULL) {
		g = &af->extra[af->nextra++];
		*g = (struct rule){ .name = "execve", .nr = execve_nr,
		    .act = SCMP_ACT_ALLOW, .ncmp = 3 };
		g->cmp[0] = (struct cmp){ 0, OP_EQ, gate->path, 0 };
		g->cmp[1] = (struct cmp){ 1, OP_EQ, gate->argv, 0 };
		g->cmp[2] = (struct cmp){ 2, OP_EQ, gate->envp, 0 };
	}
	for (i = 0; i < p->n; i = k) {
		k = same_call_end(sorted, i, p->n);
		nr = syscall_nr_on(arch->token, sorted[i]->name);
		/* Negative: a pseudo number, not a system call here. */
		if (nr < 0 || strcmp(sorted[i]->name, "socketcall") == 0 ||
		    strcmp(sorted[i]->name, "ipc") == 0)
			continue;
		n = 0;
		if (gate != NULL && sorted[i]->nr == execve_nr) {
			tried[ntried + n++] = &af->extra[0];
			gate_done = true;
		}
		n = take_rules(p, sorted, i, k, arch->token, (uint32_t)nr,
		    tried + ntried, n);
		add_call(af, sorted[i]->name, (uint32_t)nr, tried + ntried,
		    n);
		ntried += n;
	}
	if (gate != NULL && !gate_done) {
		tried[ntried] = &af->extra[0];
		add_call(af, "execve", (uint32_t)syscall_nr_on(arch->token,
		    "execve"), tried + ntried, 1);
		ntried++;
	}
	mux_twins(af, sorted, p->n, tried, &ntried);
	qsort(af->calls, af->ncalls, sizeof(*af->calls), by_nr);
}

/* ---- the whole filter --------------------------------------------------- */

void
filter_build(struct filter *flt, const struct profile *p,
    const struct exec_gate *gate)
{
	const struct rule **sorted;
	size_t i;

	sorted = xreallocarray(NULL, p->n, sizeof(*sorted));
	for (i = 0; i < p->n; i++)
		sorted[i] = &p->r[i];
	qsort(sorted, p->n, sizeof(*sorted), by_call);
	memset(flt, 0, sizeof(*flt));
	flt->profile = p;
	flt->narch = p->narch;
	for (i = 0; i < p->narch; i++)
		archfilter_build(&flt->arch[i], p, arch_bytoken(p->arch[i]),
		    sorted, p->arch[i] == seccomp_arch_native() ? gate : NULL);
	free(sorted);
}

void
filter_free(struct filter *flt)
{
	size_t i;

	for (i = 0; i < flt->narch; i++) {
		free(flt->arch[i].calls);
		free(flt->arch[i].extra);
		free(flt->arch[i].tried);
	}
}

/*
 * The rule set: profiles and options add rules to it in the order given,
 * and for each system call the last rule that matches its arguments
 * decides; what no rule decides gets the default action, or, in runc's
 * ENOSYS stub, ENOSYS. Also the actions, by name, and the verdict on
 * one call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "conch.h"
#include "rules.h"

/* ---- the rule set ------------------------------------------------------- */

/* No rules, the default allows, every architecture the machine runs. */
void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->def = SCMP_ACT_ALLOW;
	p->narch = machine_arches(p->arch);
}

/* The rules, and what they point into. */
void
profile_free(struct profile *p)
{
	size_t i;

	for (i = 0; i < p->nheld; i++)
		p->held[i].release(p->held[i].mem);
	free(p->held);
	free(p->r);
	memset(p, 0, sizeof(*p));
}

/* A new default action replaces the old one, and its stub. */
void
profile_set_default(struct profile *p, uint32_t act)
{
	p->def = act;
	p->nlast = 0;
}

/* The last call of the stub on an architecture; 0 when it has none. */
uint32_t
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
bool
profile_stubbed(const struct profile *p, uint32_t token, uint32_t nr)
{
	uint32_t last = profile_last_call(p, token);

	return last != 0 && (nr > last || (nr == 0 &&
	    (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X)));
}

/* What a call no rule decides gets: ENOSYS in the stub, else the default. */
uint32_t
profile_default_for(const struct profile *p, uint32_t token, uint32_t nr)
{
	return profile_stubbed(p, token, nr) ? SCMP_ACT_ERRNO(ENOSYS) : p->def;
}

/* Profile texts and JSON documents: the rules point into them. */
void
profile_hold(struct profile *p, void *mem, void (*release)(void *))
{
	p->held = grow(p->held, p->nheld, &p->heldcap, sizeof(*p->held));
	p->held[p->nheld++] = (struct held){ mem, release };
}

void
profile_add_rule(struct profile *p, const struct rule *r)
{
	p->r = grow(p->r, p->n, &p->cap, sizeof(*p->r));
	p->r[p->n++] = *r;
}

/* ---- actions ------------------------------------------------------------ */

/* "allow", "errno=EACCES", "kill-process" ...; dies on anything else. */
uint32_t
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
const char *
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

/* ---- architectures ------------------------------------------------------ */

/*
 * The architectures whose calls go through the rules; the native one must
 * be among them (PROG is native to scfilter's exec). Foreign ones are an
 * error from the command line or a text profile; JSON profiles list every
 * architecture Docker knows, so there they are skipped.
 */
void
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
		die_at(w, "the architectures leave out this machine's own "
		    "(%s), and PROG is of it", arch_bytoken(native)->name);
}

/* "x86_64,x86" (or separated by spaces): to profile_set_arches(). */
void
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

/* ---- rules -------------------------------------------------------------- */

/* One name of a rule: a rule per call, all with the same conditions. */
void
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

/* "noexec": execve and execveat denied once PROG runs (see prog_gate()). */
void
profile_add_noexec(struct profile *p)
{
	struct rule r = { .act = SCMP_ACT_ERRNO(EPERM) };
	const struct where w = { "noexec", 0 };

	profile_add_call(p, "execve", &r, &w);
	profile_add_call(p, "execveat", &r, &w);
	p->noexec = true;
}

/* ---- the verdict on one call -------------------------------------------- */

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

/* All of the rule's conditions hold for these arguments. */
bool
rule_matches(const struct rule *r, const uint64_t *args)
{
	size_t k;

	for (k = 0; k < r->ncmp; k++)
		if (!cmp_holds(&r->cmp[k], args))
			return false;
	return true;
}

/* What the rules decide on a native call (scfilter's own execve). */
uint32_t
profile_verdict(const struct profile *p, int nr, const uint64_t *args)
{
	size_t i;

	for (i = p->n; i-- > 0;)
		if (p->r[i].nr == nr && rule_matches(&p->r[i], args))
			return p->r[i].act;
	return profile_default_for(p, seccomp_arch_native(), (uint32_t)nr);
}

/*
 * Comparisons against a datum that does not fit an argument of a 32-bit
 * architecture are settled here, as the kernel sees the argument (its
 * low 32 bits, zero-extended); a negative int sign-extended (AT_FDCWD)
 * is cut to 32 bits. Returns 1 (always true), -1 (never) or 0 (test it).
 */
static int
cmp_settle(struct cmp *c, uint64_t top)
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

/*
 * The conditions of r left to test where no argument exceeds top (a
 * 32-bit architecture's), into out (RULE_CMPS of them) and *n; false if
 * the rule can never match there.
 */
bool
rule_settle(const struct rule *r, uint64_t top, struct cmp *out, size_t *n)
{
	size_t k;

	*n = 0;
	for (k = 0; k < r->ncmp; k++) {
		out[*n] = r->cmp[k];
		switch (cmp_settle(&out[*n], top)) {
		case 1: break;
		case -1: return false;
		default: (*n)++;
		}
	}
	return true;
}

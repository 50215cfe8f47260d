/*
 * --dump: the filter as libseccomp's pseudo filter code (PFC), as
 * seccomp_export_pfc() prints it, and as the filter decides: for each
 * architecture its calls, each with its rules in the order tried, their
 * conditions as the architecture's argument width leaves them, and the
 * action when none matches; then runc's stub and the default action.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <seccomp.h>

#include "conch.h"
#include "pfc.h"

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
	fprintf(f, "  # calls newer than the profile's last: ENOSYS, as "
	    "runc\n");
	if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X)
		fprintf(f, "  if ($syscall == 0)\n    action ERRNO(%d);\n",
		    ENOSYS);
	fprintf(f, "  if ($syscall > %u)\n    action ERRNO(%d);\n", last,
	    ENOSYS);
}

/* One rule, its conditions nested as libseccomp prints them. */
static void
pfc_rule(FILE *f, const struct rule *r, uint64_t top)
{
	static const char *const ops[] = {
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=",
		[OP_GT] = ">", [OP_GE] = ">=", [OP_MEQ] = "==", [OP_MNE] = "!=",
	};
	struct cmp cs[RULE_CMPS];
	size_t k, m, depth;
	char buf[32];
	bool masked;

	if (!rule_settle(r, top, cs, &m))
		return;
	for (k = 0, depth = 4; k < m; k++, depth += 2) {
		masked = cs[k].op == OP_MEQ || cs[k].op == OP_MNE;
		fprintf(f, "%*sif ($a%u", (int)depth, "", cs[k].arg);
		if (masked)
			fprintf(f, " & 0x%" PRIx64, cs[k].v);
		fprintf(f, " %s ", ops[cs[k].op]);
		pfc_value(f, masked ? cs[k].v2 : cs[k].v);
		fprintf(f, ")\n");
	}
	fprintf(f, "%*saction %s;\n", (int)depth, "",
	    pfc_action(r->act, buf, sizeof(buf)));
}

static void
pfc_arch(FILE *f, const struct archfilter *af)
{
	const struct profile *p = af->profile;
	const struct call *c;
	char buf[32];
	size_t j;

	fprintf(f, "# filter for arch %s (%u)\n", af->arch->name,
	    af->arch->token);
	fprintf(f, "if ($arch == %u)\n", af->arch->token == SCMP_ARCH_X32 ?
	    SCMP_ARCH_X86_64 : af->arch->token);
	for (c = af->calls; c < af->calls + af->ncalls; c++) {
		fprintf(f, "  # filter for syscall \"%s\" (%u)\n", c->name,
		    c->nr);
		fprintf(f, "  if ($syscall == %u)\n", c->nr);
		for (j = 0; j < c->n; j++)
			pfc_rule(f, c->tried[j], arch_arg_max(af->arch));
		if (c->fallback != profile_default_for(p, af->arch->token,
		    c->nr))
			fprintf(f, "    action %s;\n", pfc_action(c->fallback,
			    buf, sizeof(buf)));
	}
	pfc_stub(f, p, af->arch->token);
	fprintf(f, "  # default action\n  action %s;\n",
	    pfc_action(p->def, buf, sizeof(buf)));
}

void
pfc_print(FILE *f, const struct filter *flt)
{
	size_t i;

	fprintf(f, "#\n# pseudo filter code start\n#\n");
	for (i = 0; i < flt->narch; i++)
		pfc_arch(f, &flt->arch[i]);
	fprintf(f, "# invalid architecture action\naction KILL_PROCESS;\n");
	fprintf(f, "#\n# pseudo filter code end\n#\n");
}

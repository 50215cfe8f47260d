/*
 * filter.h: the filter planned from a profile, one part per architecture:
 * the calls that have rules there, each with its rules in the order they
 * are tried and the action when none matches. bpf.h compiles it, pfc.h
 * prints it.
 */
#ifndef SCFILTER_FILTER_H
#define SCFILTER_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

struct call {
	const char *name;
	uint32_t nr;			/* on this architecture */
	const struct rule **tried;	/* the last given first */
	size_t n;
	uint32_t fallback;		/* when none of them matches */
};

struct archfilter {
	const struct profile *profile;
	const struct archinfo *arch;
	struct call *calls;		/* sorted by nr */
	size_t ncalls;
	struct rule *extra;		/* the gate, socketcall(2) twins */
	size_t nextra;
	const struct rule **tried;	/* the calls' lists */
};

struct filter {
	const struct profile *profile;
	struct archfilter arch[MAX_ARCH];	/* as the profile's arch[] */
	size_t narch;
};

/* The pointers of scfilter's execve of PROG, let through by noexec. */
struct exec_gate {
	uint64_t path, argv, envp;
};

/* gate: NULL, or the one execve let through on the native arch. */
void filter_build(struct filter *flt, const struct profile *p,
    const struct exec_gate *gate);
void filter_free(struct filter *flt);

#endif

/*
 * runc.h: a JSON profile's rules as runc and libseccomp settle them, and
 * runc's ENOSYS stub for the calls newer than the profile.
 */
#ifndef SCFILTER_RUNC_H
#define SCFILTER_RUNC_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* A JSON profile's rules in the order runc hands them to libseccomp. */
struct jrules {
	struct jrule {
		struct rule r;
		size_t entry;	/* its index in syscalls[] */
		size_t seq;	/* its place in the profile */
	} *v;
	size_t n, cap;
};

void jrule_add(struct jrules *jr, const struct rule *r, size_t entry);
void runc_settle(struct profile *p, const char *origin, struct jrules *jr);
void runc_last_calls(struct profile *p, const char *origin,
    const struct jrules *jr, const uint32_t *tokens, size_t ntokens);

#endif

/*
 * rules.h: the rule set scfilter builds from profiles and options (struct
 * profile), its actions, and what it decides on a call. The readers
 * (text.h, json.h) add to it; the filter (filter.h) is planned from it.
 */
#ifndef SCFILTER_RULES_H
#define SCFILTER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MEQ, OP_MNE };

/* One comparison: args[arg] OP v, or (args[arg] & v) ==/!= v2. */
struct cmp {
	unsigned arg;
	enum op op;
	uint64_t v, v2;
};

#define RULE_CMPS 8
#define NARGS 6

struct rule {
	const char *name;	/* the system call */
	int nr;			/* libseccomp's number for it (maybe pseudo) */
	uint32_t act;
	unsigned ncmp;		/* none: the rule is unconditional */
	struct cmp cmp[RULE_CMPS];
	unsigned profile;	/* the JSON profile it is from, 1 on; or 0 */
};

/*
 * runc's ENOSYS stub: on an architecture of a JSON profile, the calls
 * numbered above the last one the profile names fail with ENOSYS instead
 * of the default action (see runc_last_calls()).
 */
struct lastcall {
	uint32_t token;		/* the architecture */
	uint32_t nr;		/* the profile's last call there */
};

#define MAX_LAST 24

/* Memory the rules point into: a profile's text, a JSON document. */
struct held {
	void *mem;
	void (*release)(void *);
};

/*
 * The rule set being built, in the order given: options and profiles
 * add to it, and the filter is compiled from it. For each system call
 * the last rule that matches its arguments decides.
 */
struct profile {
	uint32_t def;
	struct lastcall last[MAX_LAST];	/* the stub, with the default */
	size_t nlast;
	unsigned stub_profile;		/* the JSON profile that set it */
	unsigned njson;			/* JSON profiles read so far */
	uint32_t arch[MAX_ARCH];	/* the native one first */
	size_t narch;
	bool noexec;			/* a "noexec" line was read */
	bool flag_log, flag_spec_allow;	/* from a JSON profile's "flags" */
	struct rule *r;
	size_t n, cap;
	struct held *held;
	size_t nheld, heldcap;
};

void profile_init(struct profile *p);
void profile_free(struct profile *p);
void profile_hold(struct profile *p, void *mem, void (*release)(void *));

void profile_set_default(struct profile *p, uint32_t act);
uint32_t profile_last_call(const struct profile *p, uint32_t token);
bool profile_stubbed(const struct profile *p, uint32_t token, uint32_t nr);
uint32_t profile_default_for(const struct profile *p, uint32_t token,
    uint32_t nr);

void profile_set_arches(struct profile *p, const uint32_t *tokens, size_t n,
    const struct where *w, bool json);
void profile_parse_arches(struct profile *p, char *list,
    const struct where *w);

void profile_add_rule(struct profile *p, const struct rule *r);
void profile_add_call(struct profile *p, const char *name,
    const struct rule *tmpl, const struct where *w);
void profile_add_noexec(struct profile *p);

uint32_t parse_action(const char *s, const struct where *w);
const char *action_str(uint32_t act, char *buf, size_t size);

bool rule_matches(const struct rule *r, const uint64_t *args);
uint32_t profile_verdict(const struct profile *p, int nr,
    const uint64_t *args);
bool rule_settle(const struct rule *r, uint64_t top, struct cmp *out,
    size_t *n);

#endif

/*
 * capset.h: what the files of capset share: the request of the command
 * line, credentials as read or wanted, the plan that takes one to the
 * other, and the steps each file offers.
 */
#ifndef CAPSET_H
#define CAPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "conch.h"

#define BIT(c) ((uint64_t)1 << (c))
#define ALLBITS (~(uint64_t)0)

enum { GROUPS_UNSET, GROUPS_LIST, GROUPS_CLEAR, GROUPS_INIT };

/* One option whose argument is a list, kept to be applied in order. */
struct listopt {
	const char *opt;
	const char *arg;
};

/* The command line. */
struct request {
	struct listopt *keep, *caps, *bounding, *inheritable, *ambient;
	struct listopt *securebits;
	size_t nkeep, ncaps, nbounding, ninheritable, nambient, nsecurebits;
	const char *user, *group, *groups;
	int groups_mode;	/* GROUPS_* */
	bool nnp, print;
	char **prog;
};

/* A process's credentials, as read, or as wanted. */
struct creds {
	uid_t uid[3];		/* real, effective, saved */
	gid_t gid[3];
	uint64_t bnd, prm, eff, inh, amb;
	unsigned secbits;
};

/* The plan: what changes, computed and checked before any change. */
struct plan {
	struct creds want;
	bool set_uid, set_gid, set_groups;
	gid_t *groups;
	size_t ngroups, groups_cap;
	bool keepcaps;		/* PR_SET_KEEPCAPS around the uid change */
	uint64_t raise;		/* caps made effective for the steps */
	uint64_t setpcap_tmp;	/* cap_setpcap held until securebits are set */
};

/* The securebits of capabilities(7); each lock bit follows its bit. */
#define SECBITS 12
extern const char *const secbit_names[SECBITS];
enum {
	SB_NOROOT = 1 << 0,
	SB_NO_SETUID_FIXUP = 1 << 2,
	SB_KEEP_CAPS = 1 << 4,
	SB_NO_CAP_AMBIENT_RAISE = 1 << 6,
	SB_LOCKS = 0xaaa,
};

/* state.c: masks and credentials, read and printed. */
const char *capstr(int cap);
const char *first_cap(uint64_t m);
const char *mask_str(uint64_t m, char *buf, size_t size);
const char *secbits_str(unsigned bits, char *buf, size_t size);
uint64_t flag_mask(cap_t c, cap_flag_t flag);
void read_creds(struct creds *cr);
void print_state(void);

/* caps.c: the capability sets and securebits planned. */
bool next_item(const char **list, char *item, size_t size,
    const struct listopt *o);
void need_cap(const struct creds *cur, int cap, const char *what);
bool dropping_root(const struct plan *pl, const struct creds *cur);
uint64_t plan_sets(const struct request *rq, const struct creds *cur,
    struct plan *pl);
void plan_securebits(const struct request *rq, const struct creds *cur,
    struct creds *w);
void plan_ambient(const struct request *rq, const struct creds *cur,
    struct creds *w, uint64_t keep);

/* ids.c: the user, the group and the supplementary groups planned. */
bool among(unsigned long id, const unsigned *ids);
void plan_ids(const struct request *rq, const struct creds *cur,
    struct plan *pl);

/* apply.c: the steps on the way, and the steps in crun's order. */
void plan_steps(const struct request *rq, const struct creds *cur,
    struct plan *pl);
void apply(const struct creds *cur, const struct plan *pl, bool nnp);

#endif

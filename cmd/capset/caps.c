/*
 * capset's capability plan: --keep, --caps, --bounding, --inheritable,
 * --ambient and --securebits applied in order to the current sets, each
 * request the kernel would refuse half way refused first, naming the
 * capability and the set that lacks it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "capset.h"

/* The next comma-separated item of *list, or false at its end. */
bool
next_item(const char **list, char *item, size_t size, const struct listopt *o)
{
	const char *p = *list, *end;
	size_t len;

	if (p == NULL)
		return false;
	if (*p == '\0' && p == o->arg)
		die("--%s: empty list", o->opt);
	end = strchr(p, ',');
	len = end != NULL ? (size_t)(end - p) : strlen(p);
	if (len == 0)
		die("--%s %s: empty item in the list", o->opt, o->arg);
	if (len >= size)
		die("--%s %s: item too long: '%.*s...'", o->opt, o->arg, 32, p);
	memcpy(item, p, len);
	item[len] = '\0';
	*list = end != NULL ? end + 1 : NULL;
	return true;
}

/* A capability of the running kernel, by name or number; -1 for all. */
static int
cap_item(const struct listopt *o, const char *item)
{
	int c;

	if (strcasecmp(item, "all") == 0)
		return -1;
	c = capnum(item);
	if (c < 0)
		die("--%s %s: unknown capability '%s'", o->opt, o->arg, item);
	if (c > caplast())
		die("--%s %s: capability '%s' is past this kernel's last (%d)",
		    o->opt, o->arg, item, caplast());
	return c;
}

/*
 * +cap,-cap,+all,-all applied in order to *set. "+all" adds what `all`
 * allows without complaint; a cap named with + lands in *added, for the
 * caller to check that it can be had.
 */
static void
apply_signed(const struct listopt *o, uint64_t *set, uint64_t all,
    uint64_t *added)
{
	const char *p = o->arg;
	char item[64];
	uint64_t m;
	int c;

	*added = 0;
	while (next_item(&p, item, sizeof(item), o)) {
		if (item[0] != '+' && item[0] != '-')
			die("--%s %s: '%s' needs a + or - in front "
			    "(e.g. -all,+net_raw)", o->opt, o->arg, item);
		c = cap_item(o, item + 1);
		if (item[0] == '-') {
			m = c < 0 ? ALLBITS : BIT(c);
			*set &= ~m;
			*added &= ~m;
		} else if (c < 0) {
			*set |= all;
		} else {
			*set |= BIT(c);
			*added |= BIT(c);
		}
	}
}

void
need_cap(const struct creds *cur, int cap, const char *what)
{
	if (!(cur->prm & BIT(cap)))
		die("%s: needs %s, which is not in the permitted set", what,
		    capname(cap));
}

static void
plan_keep(const struct request *rq, const struct creds *cur, uint64_t *keep)
{
	const struct listopt *o;
	char item[64];
	const char *p;
	size_t i;
	int c;

	for (i = 0; i < rq->nkeep; i++) {
		o = &rq->keep[i];
		if (strcasecmp(o->arg, "none") == 0)
			continue;
		p = o->arg;
		while (next_item(&p, item, sizeof(item), o)) {
			if ((c = cap_item(o, item)) < 0) {
				*keep |= cur->bnd & cur->prm;
				continue;
			}
			if (!(cur->bnd & BIT(c)))
				die("--keep %s: %s is not in the bounding set",
				    o->arg, capstr(c));
			if (!(cur->prm & BIT(c)))
				die("--keep %s: %s is not in the permitted set",
				    o->arg, capstr(c));
			*keep |= BIT(c);
		}
	}
}

static void
plan_text(const struct listopt *o, const struct creds *cur, struct creds *w)
{
	uint64_t bad;
	cap_t c;

	c = cap_from_text(o->arg);
	if (c == NULL)
		die("--caps %s: not valid libcap text (see cap_from_text(3))",
		    o->arg);
	w->prm = flag_mask(c, CAP_PERMITTED);
	w->eff = flag_mask(c, CAP_EFFECTIVE);
	w->inh = flag_mask(c, CAP_INHERITABLE);
	cap_free(c);
	if ((bad = (w->prm | w->eff | w->inh) & ~(BIT(caplast()) * 2 - 1)) != 0)
		die("--caps %s: capability %s is past this kernel's last (%d)",
		    o->arg, first_cap(bad), caplast());
	if ((bad = w->prm & ~cur->prm) != 0)
		die("--caps %s: %s is not in the permitted set", o->arg,
		    first_cap(bad));
	if ((bad = w->eff & ~w->prm) != 0)
		die("--caps %s: %s is effective but not permitted", o->arg,
		    first_cap(bad));
}

static bool
secbit_name_is(const char *item, const char *name)
{
	if (strncasecmp(item, "secbit_", 7) == 0)
		item += 7;
	for (; *item != '\0' && *name != '\0'; item++, name++)
		if (!(tolower((unsigned char)*item) == *name ||
		    (*item == '_' && *name == '-')))
			return false;
	return *item == *name;
}

/* One --securebits: a number for them all, or +bit,-bit on W's. */
static void
securebits_apply(const struct listopt *o, struct creds *w)
{
	unsigned long n;
	char item[64], *end;
	const char *p = o->arg;
	size_t b;

	errno = 0;
	n = strtoul(o->arg, &end, 0);
	if (isdigit((unsigned char)o->arg[0]) && *end == '\0' && errno == 0) {
		if (n >= BIT(SECBITS))
			die("--securebits %s: unknown bits %#lx", o->arg,
			    n & ~(BIT(SECBITS) - 1));
		w->secbits = n;
		return;
	}
	while (next_item(&p, item, sizeof(item), o)) {
		if (item[0] != '+' && item[0] != '-')
			die("--securebits %s: '%s' needs a + or - in front "
			    "(e.g. +noroot,+noroot-locked)", o->arg, item);
		for (b = 0; b < SECBITS; b++)
			if (secbit_name_is(item + 1, secbit_names[b]))
				break;
		if (b == SECBITS)
			die("--securebits %s: unknown securebit '%s'", o->arg,
			    item + 1);
		if (item[0] == '+')
			w->secbits |= 1U << b;
		else
			w->secbits &= ~(1U << b);
	}
}

void
plan_securebits(const struct request *rq, const struct creds *cur,
    struct creds *w)
{
	unsigned changed, lock;
	size_t i, b;

	for (i = 0; i < rq->nsecurebits; i++)
		securebits_apply(&rq->securebits[i], w);
	/* A set lock bit freezes itself and the bit below it. */
	changed = w->secbits ^ cur->secbits;
	lock = cur->secbits & SB_LOCKS;
	for (b = 0; b < SECBITS; b++) {
		if (!(changed & (1U << b)) || !(lock & (1U << (b | 1))))
			continue;
		if (b & 1)
			die("--securebits: %s cannot be cleared",
			    secbit_names[b]);
		die("--securebits: %s is locked (%s is set)",
		    secbit_names[b], secbit_names[b | 1]);
	}
	if (changed != 0)
		need_cap(cur, CAP_SETPCAP, "--securebits");
}

bool
dropping_root(const struct plan *pl, const struct creds *cur)
{
	const uid_t *u = pl->want.uid;

	return pl->set_uid && !(cur->secbits & SB_NO_SETUID_FIXUP) &&
	    (cur->uid[0] == 0 || cur->uid[1] == 0 || cur->uid[2] == 0) &&
	    u[0] != 0 && u[1] != 0 && u[2] != 0;
}

/*
 * Permitted, effective, inheritable and bounding: --keep, then --caps,
 * then the lists of changes. Returns the --keep set, for ambient.
 */
uint64_t
plan_sets(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	struct creds *w = &pl->want;
	uint64_t keep = 0, added, bad;
	size_t i;

	if (dropping_root(pl, cur) && rq->nkeep + rq->ncaps +
	    rq->ninheritable + rq->nambient == 0) {
		/* No cap asked for: what setuid(2) alone leaves, nothing. */
		w->prm = w->eff = w->amb = 0;
	}
	plan_keep(rq, cur, &keep);
	if (rq->nkeep > 0)
		w->bnd = w->prm = w->eff = w->inh = keep;
	for (i = 0; i < rq->ncaps; i++)
		plan_text(&rq->caps[i], cur, w);

	for (i = 0; i < rq->nbounding; i++) {
		apply_signed(&rq->bounding[i], &w->bnd, cur->bnd, &added);
		if ((bad = added & ~cur->bnd) != 0)
			die("--bounding %s: cannot add %s: a bounding set "
			    "only shrinks", rq->bounding[i].arg,
			    first_cap(bad));
	}
	if (w->bnd != cur->bnd)
		need_cap(cur, CAP_SETPCAP, "changing the bounding set");

	for (i = 0; i < rq->ninheritable; i++) {
		apply_signed(&rq->inheritable[i], &w->inh,
		    cur->inh | (cur->prm & w->bnd), &added);
		if ((bad = added & ~(cur->inh | cur->prm)) != 0)
			die("--inheritable %s: cannot add %s: not in the "
			    "permitted set", rq->inheritable[i].arg,
			    first_cap(bad));
		if ((bad = added & ~(cur->inh | w->bnd)) != 0)
			die("--inheritable %s: cannot add %s: not in the "
			    "bounding set", rq->inheritable[i].arg,
			    first_cap(bad));
	}
	/* capset(2)'s rules, for what --caps asked. */
	if ((bad = w->inh & ~(cur->inh | cur->prm)) != 0)
		die("cannot add %s to the inheritable set: not in the "
		    "permitted set", first_cap(bad));
	if ((bad = w->inh & ~(cur->inh | w->bnd)) != 0)
		die("cannot add %s to the inheritable set: not in the "
		    "bounding set", first_cap(bad));
	return keep;
}

/*
 * --keep reaches a PROG that is not root only through the ambient set:
 * execve(2) gives root its caps back from bounding and inheritable,
 * anyone else keeps only ambient ones. Needs the final uid and
 * securebits.
 */
void
plan_ambient(const struct request *rq, const struct creds *cur,
    struct creds *w, uint64_t keep)
{
	uint64_t added, bad;
	size_t i;

	if (rq->nkeep > 0) {
		if (w->uid[1] == 0 && !(w->secbits & SB_NOROOT))
			w->amb = cur->amb & keep;
		else
			w->amb = keep;
		if ((bad = w->amb & ~(w->prm & w->inh)) != 0)
			die("--keep: cannot raise %s in the ambient set: "
			    "not both permitted and inheritable after --caps",
			    first_cap(bad));
	}
	for (i = 0; i < rq->nambient; i++) {
		apply_signed(&rq->ambient[i], &w->amb, w->prm & w->inh,
		    &added);
		if ((bad = added & ~w->prm) != 0)
			die("--ambient %s: cannot raise %s: not in the "
			    "permitted set", rq->ambient[i].arg,
			    first_cap(bad));
		if ((bad = added & ~w->inh) != 0)
			die("--ambient %s: cannot raise %s: not in the "
			    "inheritable set (add --inheritable +%s)",
			    rq->ambient[i].arg, first_cap(bad),
			    first_cap(bad) + (capname(__builtin_ctzll(bad)) !=
			    NULL ? 4 : 0));
	}
	/* Ambient caps leave with their permitted or inheritable bit. */
	w->amb &= w->prm & w->inh;
	if ((bad = w->amb & ~cur->amb) != 0 &&
	    (cur->secbits & SB_NO_CAP_AMBIENT_RAISE))
		die("cannot raise %s in the ambient set: securebit "
		    "no-cap-ambient-raise is set", first_cap(bad));
}

/*
 * capset: set credentials and capabilities, then run PROG.
 *
 * Nothing changes until everything has been checked: the wanted state is
 * computed from the current one, and a request the kernel would refuse
 * half way (a cap the process does not hold, an ambient cap that is not
 * both permitted and inheritable, a bounding set that would grow, an
 * unmapped uid, a locked securebit) is refused first, naming the cap and
 * the set that lacks it. Then the steps run in crun's order: bounding
 * drop, keepcaps, groups, gid, uid, capset, ambient, securebits,
 * no_new_privs.
 *
 * The sets are 64-bit masks here (the width of the kernel's); libcap
 * reads the text form and talks to the kernel.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "conch.h"

#define BIT(c) ((uint64_t)1 << (c))
#define ALLBITS (~(uint64_t)0)

static const char usage[] =
"Usage: capset [OPTION]... [--] [PROG [ARG]...]\n"
"\n"
"Set credentials and capabilities, then run PROG (default: $SHELL).\n"
"\n"
"  -k, --keep CAPS          keep exactly CAPS (comma list, all, none) in the\n"
"                           bounding, permitted, effective and inheritable\n"
"                           sets, and ambient when PROG will not be root\n"
"  -c, --caps TEXT          permitted, effective, inheritable in libcap text\n"
"                           form, e.g. cap_net_raw,cap_chown=eip\n"
"  -b, --bounding LIST      change the bounding set: -all,+net_raw,-chown\n"
"  -i, --inheritable LIST   change the inheritable set (+cap,-cap,all)\n"
"  -a, --ambient LIST       change the ambient set (+cap,-cap,all)\n"
"  -u, --user USER          become USER (name or uid), keeping the caps asked\n"
"  -g, --group GROUP        become GROUP (default: USER's group)\n"
"  -G, --groups LIST        supplementary groups (names or gids)\n"
"      --clear-groups       no supplementary groups\n"
"      --init-groups        USER's groups from /etc/group (default with -u)\n"
"  -s, --securebits LIST    +bit,-bit or a number: noroot, no-setuid-fixup,\n"
"                           keep-caps, no-cap-ambient-raise, exec-restrict-file,\n"
"                           exec-deny-interactive, and their -locked forms\n"
"  -n, --nnp                set no_new_privs\n"
"  -p, --print              print the resulting state, then run PROG if given\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n";

enum { OPT_CLEAR_GROUPS = 256, OPT_INIT_GROUPS };

static const struct option longopts[] = {
	{ "keep", required_argument, NULL, 'k' },
	{ "caps", required_argument, NULL, 'c' },
	{ "bounding", required_argument, NULL, 'b' },
	{ "inheritable", required_argument, NULL, 'i' },
	{ "ambient", required_argument, NULL, 'a' },
	{ "user", required_argument, NULL, 'u' },
	{ "group", required_argument, NULL, 'g' },
	{ "groups", required_argument, NULL, 'G' },
	{ "clear-groups", no_argument, NULL, OPT_CLEAR_GROUPS },
	{ "init-groups", no_argument, NULL, OPT_INIT_GROUPS },
	{ "securebits", required_argument, NULL, 's' },
	{ "nnp", no_argument, NULL, 'n' },
	{ "print", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The securebits of capabilities(7); each lock bit follows its bit. */
static const char *const secbit_names[] = {
	"noroot", "noroot-locked",
	"no-setuid-fixup", "no-setuid-fixup-locked",
	"keep-caps", "keep-caps-locked",
	"no-cap-ambient-raise", "no-cap-ambient-raise-locked",
	"exec-restrict-file", "exec-restrict-file-locked",	/* Linux 6.14 */
	"exec-deny-interactive", "exec-deny-interactive-locked",
};
enum {
	SB_NOROOT = 1 << 0,
	SB_NO_SETUID_FIXUP = 1 << 2,
	SB_KEEP_CAPS = 1 << 4,
	SB_NO_CAP_AMBIENT_RAISE = 1 << 6,
	SB_LOCKS = 0xaaa,
};

/* "noroot,noroot-locked", or "none". */
static const char *
secbits_str(unsigned bits, char *buf, size_t size)
{
	size_t b, len = 0;

	buf[0] = '\0';
	for (b = 0; b < 32 && len < size; b++) {
		if (!(bits & (1U << b)))
			continue;
		if (b < LEN(secbit_names))
			len += snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? "," : "", secbit_names[b]);
		else
			len += snprintf(buf + len, size - len, "%s%#x",
			    len > 0 ? "," : "", 1U << b);
	}
	return len > 0 ? buf : "none";
}

enum { GROUPS_UNSET, GROUPS_LIST, GROUPS_CLEAR, GROUPS_INIT };

/* One option whose argument is a list, kept to be applied in order. */
struct listopt {
	const char *opt;
	const char *arg;
};

struct request {
	struct listopt *keep, *caps, *bounding, *inheritable, *ambient;
	struct listopt *securebits;
	size_t nkeep, ncaps, nbounding, ninheritable, nambient, nsecurebits;
	const char *user, *group, *groups;
	int groups_mode;	/* GROUPS_* */
	bool nnp, print;
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
	size_t ngroups;
	bool keepcaps;		/* PR_SET_KEEPCAPS around the uid change */
	uint64_t raise;		/* caps made effective for the steps */
	uint64_t setpcap_tmp;	/* cap_setpcap held until securebits are set */
};

static void
list_add(struct listopt **v, size_t *n, const char *opt, const char *arg)
{
	struct listopt *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (p == NULL)
		die_sys("--%s %s", opt, arg);
	p[*n].opt = opt;
	p[*n].arg = arg;
	*v = p;
	(*n)++;
}

static void
set_groups_mode(struct request *rq, int mode, const char *groups)
{
	if (rq->groups_mode != GROUPS_UNSET && rq->groups_mode != mode)
		die("--groups, --clear-groups and --init-groups exclude each other");
	rq->groups_mode = mode;
	rq->groups = groups;
}

static void
parse_options(int argc, char **argv, struct request *rq)
{
	int c;

	while ((c = getopt_long(argc, argv, "+:k:c:b:i:a:u:g:G:s:npvhV",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			list_add(&rq->keep, &rq->nkeep, "keep", optarg);
			break;
		case 'c':
			list_add(&rq->caps, &rq->ncaps, "caps", optarg);
			break;
		case 'b':
			list_add(&rq->bounding, &rq->nbounding, "bounding",
			    optarg);
			break;
		case 'i':
			list_add(&rq->inheritable, &rq->ninheritable,
			    "inheritable", optarg);
			break;
		case 'a':
			list_add(&rq->ambient, &rq->nambient, "ambient",
			    optarg);
			break;
		case 's':
			list_add(&rq->securebits, &rq->nsecurebits,
			    "securebits", optarg);
			break;
		case 'u':
			rq->user = optarg;
			break;
		case 'g':
			rq->group = optarg;
			break;
		case 'G':
			set_groups_mode(rq, GROUPS_LIST, optarg);
			break;
		case OPT_CLEAR_GROUPS:
			set_groups_mode(rq, GROUPS_CLEAR, NULL);
			break;
		case OPT_INIT_GROUPS:
			set_groups_mode(rq, GROUPS_INIT, NULL);
			break;
		case 'n':
			rq->nnp = true;
			break;
		case 'p':
			rq->print = true;
			break;
		default:
			common_option(c, argv, usage);
		}
	}
	if (rq->groups_mode == GROUPS_INIT && rq->user == NULL)
		die("--init-groups: needs --user (whose groups?)");
}

/* --- capability sets as masks ---------------------------------------- */

/* "cap_chown", or "41" for a cap newer than the name table. */
static const char *
capstr(int cap)
{
	static char num[4][12];
	static int i;

	if (capname(cap) != NULL)
		return capname(cap);
	i = (i + 1) % 4;
	snprintf(num[i], sizeof(num[i]), "%d", cap);
	return num[i];
}

/* The lowest cap of a non-empty mask, for messages. */
static const char *
first_cap(uint64_t m)
{
	return capstr(__builtin_ctzll(m));
}

/* "cap_chown,cap_kill", or "none". */
static const char *
mask_str(uint64_t m, char *buf, size_t size)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 64 && len < size; c++)
		if (m & BIT(c))
			len += snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? "," : "", capstr(c));
	return len > 0 ? buf : "none";
}

static uint64_t
flag_mask(cap_t c, cap_flag_t flag)
{
	cap_flag_value_t v;
	uint64_t m = 0;
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (cap_get_flag(c, cap, flag, &v) == 0 && v == CAP_SET)
			m |= BIT(cap);
	return m;
}

static void
read_creds(struct creds *cr)
{
	cap_t c;
	int cap, r;

	if (getresuid(&cr->uid[0], &cr->uid[1], &cr->uid[2]) == -1)
		die_sys("getresuid");
	if (getresgid(&cr->gid[0], &cr->gid[1], &cr->gid[2]) == -1)
		die_sys("getresgid");
	c = cap_get_proc();
	if (c == NULL)
		die_sys("capget");
	cr->prm = flag_mask(c, CAP_PERMITTED);
	cr->eff = flag_mask(c, CAP_EFFECTIVE);
	cr->inh = flag_mask(c, CAP_INHERITABLE);
	cap_free(c);
	cr->bnd = cr->amb = 0;
	for (cap = 0; cap <= caplast(); cap++) {
		if ((r = cap_get_bound(cap)) == -1)
			die_sys("reading the bounding set (cap %d)", cap);
		if (r)
			cr->bnd |= BIT(cap);
		/* Before Linux 4.3 there is no ambient set: it is empty. */
		if ((r = cap_get_ambient(cap)) == -1 && errno != EINVAL)
			die_sys("reading the ambient set (cap %d)", cap);
		if (r == 1)
			cr->amb |= BIT(cap);
	}
	r = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (r == -1)
		die_sys("prctl(PR_GET_SECUREBITS)");
	cr->secbits = r;
}

/* --- parsing lists ---------------------------------------------------- */

/* The next comma-separated item of *list, or false at its end. */
static bool
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

/* --- credentials ------------------------------------------------------ */

static bool
setgroups_denied(void)
{
	char buf[16];

	return read_file("/proc/self/setgroups", buf, sizeof(buf)) > 0 &&
	    strncmp(buf, "deny", 4) == 0;
}

static void
groups_add(struct plan *pl, gid_t gid)
{
	gid_t *g;
	size_t i;

	for (i = 0; i < pl->ngroups; i++)
		if (pl->groups[i] == gid)
			return;
	g = realloc(pl->groups, (pl->ngroups + 1) * sizeof(*g));
	if (g == NULL)
		die_sys("supplementary groups");
	g[pl->ngroups++] = gid;
	pl->groups = g;
}

static void
lookup_group(const char *opt, const char *arg, const char *name, gid_t *gid)
{
	if (group_lookup(name, gid) == 0)
		return;
	if (errno == ENOENT && strcmp(name, arg) == 0)
		die("--%s %s: no such group in /etc/group", opt, arg);
	if (errno == ENOENT)
		die("--%s %s: no such group '%s' in /etc/group", opt, arg, name);
	if (errno == ERANGE)
		die("--%s %s: gid out of range", opt, arg);
	die_sys("--%s %s: reading /etc/group", opt, arg);
}

static void
groups_from_list(struct plan *pl, const char *list)
{
	const struct listopt o = { "groups", list };
	const char *p = list;
	char item[256];
	gid_t gid;

	while (next_item(&p, item, sizeof(item), &o)) {
		lookup_group("groups", list, item, &gid);
		groups_add(pl, gid);
	}
}

/*
 * What initgroups(3) gives, without NSS: GID, then every group of
 * /etc/group that names USER among its members.
 */
static void
groups_of_user(struct plan *pl, const char *user, gid_t gid)
{
	char *line = NULL, *f[4], *p, *m;
	unsigned long id;
	size_t cap = 0;
	FILE *fp;
	int n;

	groups_add(pl, gid);
	fp = fopen("/etc/group", "re");
	if (fp == NULL) {
		if (errno == ENOENT)
			return;
		die_sys("--init-groups: reading /etc/group");
	}
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		for (n = 0, p = line; n < 4 && p != NULL; n++) {
			f[n] = p;
			if ((p = strchr(p, ':')) != NULL)
				*p++ = '\0';
		}
		if (n < 4 || parse_ulong(f[2], (gid_t)-2, &id) == -1)
			continue;
		for (p = f[3]; (m = strsep(&p, ",")) != NULL;)
			if (strcmp(m, user) == 0)
				groups_add(pl, id);
	}
	if (ferror(fp))
		die_sys("--init-groups: reading /etc/group");
	free(line);
	fclose(fp);
}

/* Is ID one of real, effective, saved: settable without privilege? */
static bool
among(unsigned long id, const unsigned *ids)
{
	return id == ids[0] || id == ids[1] || id == ids[2];
}

static void
need_cap(const struct creds *cur, int cap, const char *what)
{
	if (!(cur->prm & BIT(cap)))
		die("%s: needs %s, which is not in the permitted set", what,
		    capname(cap));
}

/*
 * --user, --group and the groups: resolved, checked against the maps of
 * this user namespace and the caps they need.
 */
static void
plan_ids(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	struct passwd_ent pw = { .gid = (gid_t)-1 };
	struct creds *w = &pl->want;
	char what[128];
	size_t i;

	if (rq->user != NULL) {
		if (user_lookup(rq->user, &pw) == -1) {
			if (errno == ENOENT)
				die("--user %s: no such user in /etc/passwd",
				    rq->user);
			if (errno == ERANGE)
				die("--user %s: uid out of range", rq->user);
			die_sys("--user %s: reading /etc/passwd", rq->user);
		}
		pl->set_uid = true;
		w->uid[0] = w->uid[1] = w->uid[2] = pw.uid;
		if (id_mapped('u', pw.uid) == 0)
			die("--user %s: uid %lu is not mapped in this user "
			    "namespace (see /proc/self/uid_map)", rq->user,
			    (unsigned long)pw.uid);
		if (!among(pw.uid, cur->uid)) {
			snprintf(what, sizeof(what), "--user %s", rq->user);
			need_cap(cur, CAP_SETUID, what);
		}
	}
	if (rq->group != NULL) {
		lookup_group("group", rq->group, rq->group, &w->gid[0]);
		pl->set_gid = true;
	} else if (rq->user != NULL) {
		if (pw.gid == (gid_t)-1)
			die("--user %s: no /etc/passwd entry to take the "
			    "group from (give --group)", rq->user);
		w->gid[0] = pw.gid;
		pl->set_gid = true;
	}
	if (pl->set_gid) {
		w->gid[1] = w->gid[2] = w->gid[0];
		if (id_mapped('g', w->gid[0]) == 0)
			die("--%s %s: gid %lu is not mapped in this user "
			    "namespace (see /proc/self/gid_map)",
			    rq->group != NULL ? "group" : "user",
			    rq->group != NULL ? rq->group : rq->user,
			    (unsigned long)w->gid[0]);
		if (!among(w->gid[0], cur->gid)) {
			snprintf(what, sizeof(what), "--%s %s",
			    rq->group != NULL ? "group" : "user",
			    rq->group != NULL ? rq->group : rq->user);
			need_cap(cur, CAP_SETGID, what);
		}
	}

	switch (rq->groups_mode) {
	case GROUPS_LIST:
		groups_from_list(pl, rq->groups);
		break;
	case GROUPS_CLEAR:
		break;
	case GROUPS_INIT:
		groups_of_user(pl, pw.name, w->gid[0]);
		break;
	case GROUPS_UNSET:
		if (rq->user == NULL)
			return;
		/*
		 * A new user takes its own groups, never the caller's. Where
		 * this user namespace denies setgroups(2) they cannot be
		 * changed by anyone in it, so the default leaves them.
		 */
		if (setgroups_denied()) {
			trace("setgroups is denied in this user namespace: "
			    "supplementary groups left as they are");
			return;
		}
		if (pw.gid != (gid_t)-1)	/* a passwd entry: a name */
			groups_of_user(pl, pw.name, w->gid[0]);
		break;
	}
	pl->set_groups = true;
	for (i = 0; i < pl->ngroups; i++)
		if (id_mapped('g', pl->groups[i]) == 0)
			die("supplementary group %lu is not mapped in this user "
			    "namespace (see /proc/self/gid_map)",
			    (unsigned long)pl->groups[i]);
	if (rq->groups_mode != GROUPS_UNSET && setgroups_denied())
		die("%s%s%s: setgroups is denied in this user namespace (its "
		    "gid_map was written without privilege; map it with "
		    "nsnew --map-auto)", rq->groups_mode == GROUPS_LIST ?
		    "--groups" : rq->groups_mode == GROUPS_CLEAR ?
		    "--clear-groups" : "--init-groups",
		    rq->groups != NULL ? " " : "",
		    rq->groups != NULL ? rq->groups : "");
	need_cap(cur, CAP_SETGID, "setting the supplementary groups");
}

/* --- capabilities ----------------------------------------------------- */

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

static void
plan_securebits(const struct request *rq, const struct creds *cur,
    struct creds *w)
{
	const struct listopt *o;
	unsigned long n;
	char item[64], *end;
	const char *p;
	unsigned changed, lock;
	size_t i, b;

	for (i = 0; i < rq->nsecurebits; i++) {
		o = &rq->securebits[i];
		errno = 0;
		n = strtoul(o->arg, &end, 0);
		if (isdigit((unsigned char)o->arg[0]) && *end == '\0' &&
		    errno == 0) {
			if (n >= BIT(LEN(secbit_names)))
				die("--securebits %s: unknown bits %#lx", o->arg,
				    n & ~(BIT(LEN(secbit_names)) - 1));
			w->secbits = n;
			continue;
		}
		p = o->arg;
		while (next_item(&p, item, sizeof(item), o)) {
			if (item[0] != '+' && item[0] != '-')
				die("--securebits %s: '%s' needs a + or - in "
				    "front (e.g. +noroot,+noroot-locked)",
				    o->arg, item);
			for (b = 0; b < LEN(secbit_names); b++)
				if (secbit_name_is(item + 1, secbit_names[b]))
					break;
			if (b == LEN(secbit_names))
				die("--securebits %s: unknown securebit '%s'",
				    o->arg, item + 1);
			if (item[0] == '+')
				w->secbits |= 1U << b;
			else
				w->secbits &= ~(1U << b);
		}
	}
	/* A set lock bit freezes itself and the bit below it. */
	changed = w->secbits ^ cur->secbits;
	lock = cur->secbits & SB_LOCKS;
	for (b = 0; b < LEN(secbit_names); b++) {
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

static bool
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
static uint64_t
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
static void
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

/* What the steps need on the way, beyond the wanted state. */
static void
plan_steps(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	const struct creds *w = &pl->want;

	/* Securebits need cap_setpcap in effect, after the final capset. */
	if (w->secbits != cur->secbits && !(w->eff & BIT(CAP_SETPCAP)))
		pl->setpcap_tmp = BIT(CAP_SETPCAP);
	if (dropping_root(pl, cur) && (w->prm | pl->setpcap_tmp) != 0 &&
	    !(cur->secbits & SB_KEEP_CAPS)) {
		if (cur->secbits & (SB_KEEP_CAPS << 1))
			die("--user %s: cannot keep capabilities across the "
			    "uid change: keep-caps-locked is set without "
			    "keep-caps", rq->user);
		pl->keepcaps = true;
	}
	/* Caps the steps use, made effective from permitted first. */
	if (w->bnd != cur->bnd || w->secbits != cur->secbits)
		pl->raise |= BIT(CAP_SETPCAP);
	if (pl->set_uid && !among(w->uid[0], cur->uid))
		pl->raise |= BIT(CAP_SETUID);
	if ((pl->set_gid && !among(w->gid[0], cur->gid)) || pl->set_groups)
		pl->raise |= BIT(CAP_SETGID);
	pl->raise &= ~cur->eff;
}

/* --- the steps -------------------------------------------------------- */

static void
set_proc(uint64_t prm, uint64_t eff, uint64_t inh)
{
	char b1[1024], b2[1024], b3[1024];
	cap_value_t v;
	cap_t c;

	trace("capset permitted=%s effective=%s inheritable=%s",
	    mask_str(prm, b1, sizeof(b1)), mask_str(eff, b2, sizeof(b2)),
	    mask_str(inh, b3, sizeof(b3)));
	c = cap_init();
	if (c == NULL)
		die_sys("cap_init");
	for (v = 0; v < 64; v++) {
		if ((prm & BIT(v)) &&
		    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
		if ((eff & BIT(v)) &&
		    cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
		if ((inh & BIT(v)) &&
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
	}
	if (cap_set_proc(c) == -1)
		die_sys("capset(permitted=%s)", b1);
	cap_free(c);
}

static void
raise_effective(const struct creds *cur, uint64_t raise)
{
	if (raise == 0)
		return;
	set_proc(cur->prm, cur->eff | raise, cur->inh);
}

static void
drop_bounding(const struct creds *cur, const struct creds *w)
{
	uint64_t drop = cur->bnd & ~w->bnd;
	char buf[1024];
	int c;

	if (drop == 0)
		return;
	trace("drop from the bounding set: %s", mask_str(drop, buf,
	    sizeof(buf)));
	for (c = 0; c < 64; c++)
		if ((drop & BIT(c)) && cap_drop_bound(c) == -1)
			die_sys("dropping %s from the bounding set",
			    capstr(c));
}

static void
set_keepcaps(bool on)
{
	trace("prctl(PR_SET_KEEPCAPS, %d)", on);
	if (prctl(PR_SET_KEEPCAPS, on, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_KEEPCAPS, %d)", on);
}

static void
set_groups(const struct plan *pl)
{
	char buf[1024];
	size_t i, len = 0;

	if (!pl->set_groups)
		return;
	buf[0] = '\0';
	for (i = 0; i < pl->ngroups && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%lu",
		    i > 0 ? "," : "", (unsigned long)pl->groups[i]);
	trace("setgroups(%s)", len > 0 ? buf : "none");
	if (setgroups(pl->ngroups, pl->groups) == -1)
		die_err(errno, errno == EPERM ? "setgroups is denied in this "
		    "user namespace, or cap_setgid is missing" : NULL,
		    "setgroups(%s)", len > 0 ? buf : "none");
}

static void
set_ids(const struct plan *pl)
{
	gid_t g = pl->want.gid[0];
	uid_t u = pl->want.uid[0];

	if (pl->set_gid) {
		trace("setresgid(%lu)", (unsigned long)g);
		if (setresgid(g, g, g) == -1)
			die_err(errno, errno == EINVAL ? "not mapped in this "
			    "user namespace" : NULL, "setresgid(%lu)",
			    (unsigned long)g);
	}
	if (pl->set_uid) {
		trace("setresuid(%lu)", (unsigned long)u);
		if (setresuid(u, u, u) == -1)
			die_err(errno, errno == EINVAL ? "not mapped in this "
			    "user namespace" : NULL, "setresuid(%lu)",
			    (unsigned long)u);
	}
}

static void
set_ambient(const struct creds *cur, const struct creds *w)
{
	char buf[1024];
	int c;

	/*
	 * Cleared, then raised one by one: a uid change or capset may have
	 * dropped some since cur was read.
	 */
	if (w->amb == 0 && cur->amb == 0)
		return;
	trace("ambient=%s", mask_str(w->amb, buf, sizeof(buf)));
	if (cur->amb != 0 && cap_reset_ambient() == -1)
		die_sys("clearing the ambient set");
	for (c = 0; c < 64; c++)
		if ((w->amb & BIT(c)) && cap_set_ambient(c, CAP_SET) == -1)
			die_sys("raising %s in the ambient set",
			    capstr(c));
}

static void
set_securebits(const struct creds *cur, const struct creds *w)
{
	char buf[256];

	if (w->secbits == cur->secbits)
		return;
	trace("securebits=%s", secbits_str(w->secbits, buf, sizeof(buf)));
	/* Bits this kernel does not know are refused with EPERM. */
	if (prctl(PR_SET_SECUREBITS, w->secbits, 0, 0, 0) == -1)
		die_err(errno, errno == EPERM && w->secbits > 0xff ?
		    "the exec-* securebits need Linux 6.14" : NULL,
		    "prctl(PR_SET_SECUREBITS, %s)", buf);
}

static void
set_nnp(void)
{
	trace("prctl(PR_SET_NO_NEW_PRIVS, 1)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_NO_NEW_PRIVS)");
}

/* --- --print ---------------------------------------------------------- */

/*
 * One "key: value" a line, in a fixed order; lists are comma-separated,
 * "none" when empty. See capset(1).
 */
static void
print_state(void)
{
	static const char *const seccomp[] = { "disabled", "strict", "filter" };
	char buf[2048];
	struct creds cr;
	gid_t *groups;
	size_t len = 0;
	int n, i, mode;

	read_creds(&cr);
	printf("uid: %lu\neuid: %lu\nsuid: %lu\nfsuid: %lu\n",
	    (unsigned long)cr.uid[0], (unsigned long)cr.uid[1],
	    (unsigned long)cr.uid[2], (unsigned long)(unsigned)setfsuid(-1));
	printf("gid: %lu\negid: %lu\nsgid: %lu\nfsgid: %lu\n",
	    (unsigned long)cr.gid[0], (unsigned long)cr.gid[1],
	    (unsigned long)cr.gid[2], (unsigned long)(unsigned)setfsgid(-1));
	if ((n = getgroups(0, NULL)) == -1 ||
	    (groups = calloc(n + 1, sizeof(*groups))) == NULL ||
	    (n = getgroups(n, groups)) == -1)
		die_sys("getgroups");
	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%lu",
		    i > 0 ? "," : "", (unsigned long)groups[i]);
	free(groups);
	printf("groups: %s\n", n > 0 ? buf : "none");
	printf("bounding: %s\n", mask_str(cr.bnd, buf, sizeof(buf)));
	printf("permitted: %s\n", mask_str(cr.prm, buf, sizeof(buf)));
	printf("effective: %s\n", mask_str(cr.eff, buf, sizeof(buf)));
	printf("inheritable: %s\n", mask_str(cr.inh, buf, sizeof(buf)));
	printf("ambient: %s\n", mask_str(cr.amb, buf, sizeof(buf)));
	printf("securebits: %s\n", secbits_str(cr.secbits, buf, sizeof(buf)));
	if ((n = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) == -1)
		die_sys("prctl(PR_GET_NO_NEW_PRIVS)");
	printf("no_new_privs: %d\n", n);
	/* Safe to ask: in strict mode capset could not have been exec'd. */
	mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (mode == -1 && errno != EINVAL)
		die_sys("prctl(PR_GET_SECCOMP)");
	printf("seccomp: %s\n", mode >= 0 && mode < 3 ? seccomp[mode] :
	    "unsupported");
	if (fflush(stdout) == EOF)
		die_sys("--print: writing to stdout");
}

int
main(int argc, char **argv)
{
	/* Static: they live until exec, or exit after --print. */
	static struct request rq;
	static struct plan pl;
	struct creds cur;
	uint64_t keep;

	conch_init("capset");
	parse_options(argc, argv, &rq);
	read_creds(&cur);
	pl.want = cur;
	plan_ids(&rq, &cur, &pl);
	keep = plan_sets(&rq, &cur, &pl);
	plan_securebits(&rq, &cur, &pl.want);
	plan_ambient(&rq, &cur, &pl.want, keep);
	plan_steps(&rq, &cur, &pl);

	raise_effective(&cur, pl.raise);
	drop_bounding(&cur, &pl.want);
	if (pl.keepcaps)
		set_keepcaps(true);
	set_groups(&pl);
	set_ids(&pl);
	if (pl.keepcaps)
		set_keepcaps(false);
	if (pl.want.prm != cur.prm || pl.want.eff != cur.eff ||
	    pl.want.inh != cur.inh || pl.raise != 0 || pl.set_uid ||
	    pl.setpcap_tmp != 0)
		set_proc(pl.want.prm | pl.setpcap_tmp,
		    pl.want.eff | pl.setpcap_tmp, pl.want.inh);
	set_ambient(&cur, &pl.want);
	set_securebits(&cur, &pl.want);
	if (pl.setpcap_tmp != 0)
		set_proc(pl.want.prm, pl.want.eff, pl.want.inh);
	if (rq.nnp)
		set_nnp();

	if (rq.print) {
		print_state();
		if (optind == argc)
			return 0;
	}
	exec_prog(argv + optind, NULL);
}

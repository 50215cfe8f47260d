/*
 * capset's ID plan: --user, --group and the supplementary groups
 * (--groups, --clear-groups, --init-groups, or the user's own), resolved
 * from /etc/passwd and /etc/group without NSS, and checked before
 * anything changes: mapped in this user namespace, allowed by setgroups,
 * and within the capabilities the process holds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "capset.h"

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
	size_t i;

	for (i = 0; i < pl->ngroups; i++)
		if (pl->groups[i] == gid)
			return;
	pl->groups = grow(pl->groups, pl->ngroups, &pl->groups_cap,
	    sizeof(*pl->groups));
	pl->groups[pl->ngroups++] = gid;
}

static void
lookup_group(const char *opt, const char *arg, const char *name, gid_t *gid)
{
	if (group_lookup(name, gid) == 0)
		return;
	if (errno == ENOENT && strcmp(name, arg) == 0)
		die("--%s %s: no such group in /etc/group", opt, arg);
	if (errno == ENOENT)
		die("--%s %s: no such group '%s' in /etc/group", opt, arg,
		    name);
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

/* GID of each line of /etc/group that names USER among its members. */
struct members {
	struct plan *pl;
	const char *user;
};

static int
member_of(char **f, int n, void *arg)
{
	struct members *a = arg;
	unsigned long id;
	char *p, *m;

	if (n < 4 || parse_ulong(f[2], (gid_t)-2, &id) == -1)
		return 0;
	for (p = f[3]; (m = strsep(&p, ",")) != NULL;)
		if (strcmp(m, a->user) == 0)
			groups_add(a->pl, id);
	return 0;
}

/*
 * What initgroups(3) gives, without NSS: GID, then every group of
 * /etc/group that names USER among its members.
 */
static void
groups_of_user(struct plan *pl, const char *user, gid_t gid)
{
	struct members a = { pl, user };

	groups_add(pl, gid);
	if (colon_each("/etc/group", 4, member_of, &a) == -1)
		die_sys("--init-groups: reading /etc/group");
}

/* Is ID one of real, effective, saved: settable without privilege? */
bool
among(unsigned long id, const unsigned *ids)
{
	return id == ids[0] || id == ids[1] || id == ids[2];
}

/* --user: its passwd entry into PW, mapped here, and settable. */
static void
plan_user(const struct request *rq, const struct creds *cur,
    struct plan *pl, struct passwd_ent *pw)
{
	struct creds *w = &pl->want;
	char what[128];

	if (rq->user == NULL)
		return;
	if (user_lookup(rq->user, pw) == -1) {
		if (errno == ENOENT)
			die("--user %s: no such user in /etc/passwd", rq->user);
		if (errno == ERANGE)
			die("--user %s: uid out of range", rq->user);
		die_sys("--user %s: reading /etc/passwd", rq->user);
	}
	pl->set_uid = true;
	w->uid[0] = w->uid[1] = w->uid[2] = pw->uid;
	if (id_mapped('u', pw->uid) == 0)
		die("--user %s: uid %lu is not mapped in this user namespace "
		    "(see /proc/self/uid_map)", rq->user,
		    (unsigned long)pw->uid);
	if (!among(pw->uid, cur->uid)) {
		snprintf(what, sizeof(what), "--user %s", rq->user);
		need_cap(cur, CAP_SETUID, what);
	}
}

/* --group, else the group of --user's passwd entry. */
static void
plan_group(const struct request *rq, const struct creds *cur,
    struct plan *pl, const struct passwd_ent *pw)
{
	const char *opt = rq->group != NULL ? "group" : "user";
	const char *arg = rq->group != NULL ? rq->group : rq->user;
	struct creds *w = &pl->want;
	char what[128];

	if (rq->group != NULL) {
		lookup_group("group", rq->group, rq->group, &w->gid[0]);
	} else if (rq->user != NULL) {
		if (pw->gid == (gid_t)-1)
			die("--user %s: no /etc/passwd entry to take the "
			    "group from (give --group)", rq->user);
		w->gid[0] = pw->gid;
	} else {
		return;
	}
	pl->set_gid = true;
	w->gid[1] = w->gid[2] = w->gid[0];
	if (id_mapped('g', w->gid[0]) == 0)
		die("--%s %s: gid %lu is not mapped in this user namespace "
		    "(see /proc/self/gid_map)", opt, arg,
		    (unsigned long)w->gid[0]);
	if (!among(w->gid[0], cur->gid)) {
		snprintf(what, sizeof(what), "--%s %s", opt, arg);
		need_cap(cur, CAP_SETGID, what);
	}
}

/* Which supplementary groups; false: they are left as they are. */
static bool
choose_groups(const struct request *rq, struct plan *pl,
    const struct passwd_ent *pw)
{
	switch (rq->groups_mode) {
	case GROUPS_LIST:
		groups_from_list(pl, rq->groups);
		break;
	case GROUPS_CLEAR:
		break;
	case GROUPS_INIT:
		groups_of_user(pl, pw->name, pl->want.gid[0]);
		break;
	case GROUPS_UNSET:
		if (rq->user == NULL)
			return false;
		/*
		 * A new user takes its own groups, never the caller's. Where
		 * this user namespace denies setgroups(2) they cannot be
		 * changed by anyone in it, so the default leaves them.
		 */
		if (setgroups_denied()) {
			trace("setgroups is denied in this user namespace: "
			    "supplementary groups left as they are");
			return false;
		}
		if (pw->gid != (gid_t)-1)	/* a passwd entry: a name */
			groups_of_user(pl, pw->name, pl->want.gid[0]);
		break;
	}
	return true;
}

/* The supplementary groups: mapped here, and settable. */
static void
plan_groups(const struct request *rq, const struct creds *cur,
    struct plan *pl, const struct passwd_ent *pw)
{
	size_t i;

	if (!choose_groups(rq, pl, pw))
		return;
	pl->set_groups = true;
	for (i = 0; i < pl->ngroups; i++)
		if (id_mapped('g', pl->groups[i]) == 0)
			die("supplementary group %lu is not mapped in this "
			    "user namespace (see /proc/self/gid_map)",
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

/*
 * --user, --group and the groups: resolved, checked against the maps of
 * this user namespace and the caps they need.
 */
void
plan_ids(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	struct passwd_ent pw = { .gid = (gid_t)-1 };

	plan_user(rq, cur, pl, &pw);
	plan_group(rq, cur, pl, &pw);
	plan_groups(rq, cur, pl, &pw);
}

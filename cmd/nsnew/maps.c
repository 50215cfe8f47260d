/*
 * nsnew's ID maps: --map-root, --map-auto and --map made one map each
 * for uids and gids, written by the process itself where it may (its own
 * IDs), else by the helper in the parent namespaces; and the switch to 0
 * of the new user namespace, as runc and podman make it.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "nsnew.h"

/* The complete maps, from --map-root, --map-auto and --map. */
static void
build_maps(struct opts *o)
{
	struct passwd_ent pw;

	if (!o->map_root && !o->map_auto)
		return;
	caller_passwd(&pw);
	if (o->map_root && pw.uid == 0)
		trace("--map-root as root: the container's root is the host's "
		    "root (for an unprivileged range: --map-auto, or --map "
		    "b:0:FIRST:COUNT)");
	if (o->map_root) {
		idmap_add(&o->uidmap, (struct idrange){ 0, pw.uid, 1 },
		    "--map-root");
		idmap_add(&o->gidmap, (struct idrange){ 0, pw.gid, 1 },
		    "--map-root");
	}
	if (o->map_auto) {
		idmap_auto(&o->uidmap, 'u', &pw, "--map-auto");
		idmap_auto(&o->gidmap, 'g', &pw, "--map-auto");
	}
}

/* Only --map-root: the process maps itself, as unshare -r does. */
static bool
maps_self(const struct opts *o)
{
	return o->map_root && !o->map_auto && o->uidmap.n == 1 &&
	    o->gidmap.n == 1 && (o->setgroups == NULL ||
	    strcmp(o->setgroups, "deny") == 0);
}

bool
maps_by_helper(const struct opts *o)
{
	return (o->uidmap.n || o->gidmap.n || o->setgroups) && !maps_self(o);
}

/*
 * The maps, complete, and checked before anything is written: a map is
 * written once.
 */
void
plan_maps(struct opts *o)
{
	build_maps(o);
	if (maps_by_helper(o))
		o->setgroups = idmap_check(&o->uidmap, &o->gidmap,
		    o->setgroups);
}

/* Maps the process may write for itself: its own IDs, setgroups denied. */
static void
map_self(const struct opts *o)
{
	pid_t self = getpid();

	setgroups_write(self, "deny");
	idmap_write_direct(self, 'u', &o->uidmap);
	idmap_write_direct(self, 'g', &o->gidmap);
}

/* Whether M has ID among its outside IDs (OUTSIDE), or its inside ones. */
static bool
map_has(const struct idmap *m, unsigned long id, bool outside)
{
	unsigned long first;
	size_t i;

	for (i = 0; i < m->n; i++) {
		first = outside ? m->r[i].outside : m->r[i].inside;
		if (id >= first && id - first < m->r[i].count)
			return true;
	}
	return false;
}

/*
 * As runc and podman: when a map leaves out the caller's own ID (root
 * with --map b:0:100000:65536), PROG starts as 0 of the namespace, for
 * exec keeps the capabilities only of a process that is root there. The
 * caller's ID, unmapped, would show as the overflow ID 65534 and lose
 * them all. Where 0 is not mapped either, that is what happens (-v
 * says so): no other ID of the map is a better guess than the one the
 * kernel gives.
 */
static bool
switches_to_zero(const struct idmap *m, unsigned long own, char kind)
{
	if (m->n == 0 || map_has(m, own, true))
		return false;
	if (map_has(m, 0, false))
		return true;
	if (own == 0)
		trace("%cid 0 is not mapped: PROG runs as the overflow %cid%s",
		    kind, kind, kind == 'u' ? " and loses its capabilities at "
		    "exec" : "");
	else
		trace("neither %cid 0 nor the caller's %cid %lu is mapped: "
		    "PROG keeps the overflow %cid%s", kind, kind, own, kind,
		    kind == 'u' ? " and loses its capabilities at exec" : "");
	return false;
}

/*
 * The switch to 0, planned before unshare. The caller's supplementary
 * groups are host groups (root's include gid 0) that PROG must not keep.
 * Root drops them now, which works whatever setgroups the new namespace
 * allows, unless this one denies it (root of another user namespace):
 * then the new one does too, and they stay. Anyone else drops them
 * inside when setgroups is allowed there, as runc does for a process
 * without additionalGids; else they stay, as the kernel then requires.
 */
void
plan_zero(const struct opts *o, struct to_zero *z)
{
	uid_t uid = geteuid();

	z->uid = switches_to_zero(&o->uidmap, uid, 'u');
	z->gid = switches_to_zero(&o->gidmap, getegid(), 'g');
	if (!z->uid && !z->gid)
		return;
	if (uid == 0) {
		trace("setgroups: none (the caller's groups stay outside)");
		if (setgroups(0, NULL) == 0)
			return;
		if (errno != EPERM)
			die_sys("setgroups(0)");
		trace("setgroups: denied in this user namespace, and so in the "
		    "new one: the caller's groups stay");
		return;
	}
	z->groups = o->gidmap.n > 0 && (o->setgroups == NULL ||
	    strcmp(o->setgroups, "allow") == 0);
}

/* Once the maps are written: gid first, while we may still change it. */
static void
become_zero(const struct to_zero *z)
{
	if (z->groups) {
		trace("setgroups: none");
		if (setgroups(0, NULL) == -1)
			die_sys("setgroups(0)");
	}
	if (z->gid) {
		trace("setresgid 0");
		if (setresgid(0, 0, 0) == -1)
			die_sys("setresgid(0)");
	}
	if (z->uid) {
		trace("setresuid 0");
		if (setresuid(0, 0, 0) == -1)
			die_sys("setresuid(0)");
	}
}

/*
 * Once unshared: the maps written (by the helper, or by ourselves), then
 * the switch to 0. The helper stays only for the pins.
 */
void
map(const struct opts *o, struct helper *h, const struct to_zero *z)
{
	if (h->tx != -1)
		helper_step(h, 'u');
	if (maps_self(o))
		map_self(o);
	become_zero(z);
	if (o->pin == NULL && o->netns == NULL)
		helper_done(h);
}

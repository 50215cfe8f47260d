/*
 * landlock.c: the Landlock ruleset of a request, for the ABI this kernel
 * offers. Each kind of rule the request uses (paths, TCP binds, TCP
 * connects, scopes) is handled in full: every access right of that kind
 * the kernel knows is denied but what a rule grants. What the ABI lacks
 * is an error naming the rule and the ABI it needs, or with --best-effort
 * a note, and the rule is dropped. Paths are opened (O_PATH) while the
 * ruleset is built, before anything is enforced: a missing one changes
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "confine.h"

#ifndef __NR_landlock_create_ruleset	/* the same on every architecture */
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define ABI_KNOWN 7	/* the last ABI whose rights confine knows */

/* The first Linux release of each ABI. */
static const char *const abi_linux[ABI_KNOWN + 1] = {
	NULL, "5.13", "5.19", "6.2", "6.7", "6.10", "6.12", "6.15",
};

static const struct {
	const char *what;
	int abi;
} features[NFEAT] = {
	[FEAT_FS] = { "filesystem rules need", 1 },
	[FEAT_NET] = { "TCP port rules need", 4 },
	[FEAT_SCOPE] = { "scopes need", 6 },
	[FEAT_LOG] = { "logging PROG's denials needs", 7 },
};

/* The rights a rule on a file, not a directory, may carry. */
#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static long
ll_create_ruleset(const struct ll_ruleset_attr *attr, size_t size,
    uint32_t flags)
{
	return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static long
ll_add_rule(int fd, int type, const void *attr)
{
	return syscall(__NR_landlock_add_rule, fd, type, attr, 0);
}

static long
ll_restrict_self(int fd, uint32_t flags)
{
	return syscall(__NR_landlock_restrict_self, fd, flags);
}

/* Every filesystem access right of ABI ABI. */
static uint64_t
fs_rights(int abi)
{
	uint64_t rights = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

	if (abi >= 2)
		rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return rights;
}

/* What a grant means, before the ABI and the kind of file cut it down. */
static uint64_t
grant_rights(enum grant grant)
{
	uint64_t ro = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

	switch (grant) {
	case GRANT_RO:
		return ro;
	case GRANT_RX:
		return ro | LANDLOCK_ACCESS_FS_EXECUTE;
	case GRANT_RW:
		break;
	}
	return ~LANDLOCK_ACCESS_FS_EXECUTE;	/* writable is not executable */
}

/* This kernel's ABI; 0 (after a note) when --best-effort goes without. */
static int
query_abi(const struct origin *first, bool best_effort)
{
	char where[ORIGIN_MAX];
	const char *hint = NULL;
	long abi;
	int err;

	abi = ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi > 0)
		return (int)abi;
	err = errno;
	if (err == EOPNOTSUPP)
		hint = "Landlock is disabled: add landlock to the kernel's lsm= "
		    "boot parameter";
	else if (err == ENOSYS)
		hint = "this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK), "
		    "or a seccomp filter refuses it: confine goes before scfilter";
	origin_str(first, where, sizeof(where));
	if (!best_effort)
		die_err(err, hint, "%s: Landlock", where);
	warnm("%s: Landlock: %s (%s): every Landlock rule dropped "
	    "(--best-effort)", where, strerror(err), hint ? hint : "?");
	return 0;
}

/* Feature F of REQ needs a later ABI: an error, or a note and it is dropped. */
static void
abi_lacks(struct request *req, enum feature f, int abi)
{
	char where[ORIGIN_MAX];

	origin_str(&req->asked[f], where, sizeof(where));
	if (!req->best_effort)
		die("%s: %s Landlock ABI %d (Linux %s), and this kernel "
		    "offers ABI %d (with --best-effort, confine runs without)",
		    where, features[f].what, features[f].abi,
		    abi_linux[features[f].abi], abi);
	warnm("%s: %s Landlock ABI %d (Linux %s), this kernel offers ABI %d: "
	    "running without (--best-effort)", where, features[f].what,
	    features[f].abi, abi_linux[features[f].abi], abi);
	req->asked[f].rule = NULL;
}

static void
trace_abi(int abi)
{
	if (abi > ABI_KNOWN)
		trace("Landlock ABI %d (confine knows ABI %d: what later ABIs "
		    "add is not restricted)", abi, ABI_KNOWN);
	else
		trace("Landlock ABI %d (Linux %s or later)", abi, abi_linux[abi]);
	if (abi == 1)
		trace("Landlock ABI 1: links and renames across directories "
		    "are always refused (EXDEV)");
}

/*
 * What the ruleset will handle: every right of each kind of rule REQ
 * uses, as far as this kernel's ABI reaches. LL->abi stays 0 when no
 * Landlock rule is asked (or --best-effort dropped them all).
 */
void
landlock_plan(struct request *req, struct landlock *ll)
{
	const struct origin *first = NULL;
	uint64_t net = req->net_named & ~req->net_any;
	char where[ORIGIN_MAX];
	int f;

	memset(ll, 0, sizeof(*ll));
	ll->fd = -1;
	for (f = NFEAT - 1; f >= 0; f--)
		if (req->asked[f].rule != NULL && (f != FEAT_NET || net != 0))
			first = &req->asked[f];
	if (first == NULL || (ll->abi = query_abi(first, req->best_effort)) == 0)
		return;
	trace_abi(ll->abi);
	for (f = 0; f < NFEAT; f++)
		if (req->asked[f].rule != NULL && (f != FEAT_NET || net != 0) &&
		    ll->abi < features[f].abi)
			abi_lacks(req, f, ll->abi);
	ll->fs = req->asked[FEAT_FS].rule ? fs_rights(ll->abi) : 0;
	ll->net = req->asked[FEAT_NET].rule ? net : 0;
	ll->scoped = req->asked[FEAT_SCOPE].rule ? req->scopes : 0;
	if (req->asked[FEAT_LOG].rule != NULL)
		ll->flags = LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON;
	if (ll->fs == 0 && ll->net == 0 && ll->scoped == 0) {
		if (ll->flags != 0)
			die("%s: logs what Landlock rules deny, and there is "
			    "none", origin_str(&req->asked[FEAT_LOG], where,
			    sizeof(where)));
		ll->abi = 0;
	}
}

/* Beneath R's path, what its grant gives of HANDLED. */
static void
add_path_rule(int fd, const struct path_rule *r, uint64_t handled)
{
	struct landlock_path_beneath_attr attr;
	char where[ORIGIN_MAX];
	struct stat st;

	origin_str(&r->at, where, sizeof(where));
	trace("%s %s", where, r->path);
	attr.parent_fd = open(r->path, O_PATH | O_CLOEXEC);
	if (attr.parent_fd == -1)
		die_sys("%s %s", where, r->path);
	if (fstat(attr.parent_fd, &st) == -1)
		die_sys("%s %s", where, r->path);
	attr.allowed_access = grant_rights(r->grant) & handled;
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= FILE_RIGHTS;
	if (ll_add_rule(fd, LANDLOCK_RULE_PATH_BENEATH, &attr) == -1)
		die_sys("%s %s: landlock_add_rule", where, r->path);
	close(attr.parent_fd);
}

/* One rule a port: a range of N ports is N rules. */
static void
add_port_rule(int fd, const struct port_rule *r)
{
	struct ll_net_port_attr attr = { r->access, 0 };
	char where[ORIGIN_MAX];
	unsigned long port;

	origin_str(&r->at, where, sizeof(where));
	if (r->first == r->last)
		trace("%s %u", where, r->first);
	else
		trace("%s %u-%u", where, r->first, r->last);
	for (port = r->first; port <= r->last; port++) {
		attr.port = port;
		if (ll_add_rule(fd, LL_RULE_NET_PORT, &attr) == -1)
			die_sys("%s %lu: landlock_add_rule", where, port);
	}
}

void
landlock_build(const struct request *req, struct landlock *ll)
{
	struct ll_ruleset_attr attr = { ll->fs, ll->net, ll->scoped };
	size_t i;

	if (ll->abi == 0)
		return;
	trace("landlock_create_ruleset(fs 0x%llx, net 0x%llx, scoped 0x%llx)",
	    (unsigned long long)ll->fs, (unsigned long long)ll->net,
	    (unsigned long long)ll->scoped);
	/* The kernel's own descriptor is close-on-exec. */
	ll->fd = (int)ll_create_ruleset(&attr, sizeof(attr), 0);
	if (ll->fd == -1)
		die_sys("landlock_create_ruleset");
	for (i = 0; i < req->npaths && ll->fs != 0; i++)
		add_path_rule(ll->fd, &req->paths[i], ll->fs);
	for (i = 0; i < req->nports; i++)
		if (req->ports[i].access & ll->net)
			add_port_rule(ll->fd, &req->ports[i]);
}

/* Whether this process holds CAP_SYS_ADMIN in its user namespace. */
static bool
cap_sys_admin(void)
{
	struct __user_cap_header_struct head = {
		_LINUX_CAPABILITY_VERSION_3, 0
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &head, data) == -1)
		die_sys("capget");
	return data[CAP_SYS_ADMIN / 32].effective &
	    (1U << (CAP_SYS_ADMIN % 32));
}

/*
 * The kernel enforces a ruleset for a process that holds CAP_SYS_ADMIN
 * or has no_new_privs, so that a sandbox cannot mislead a set-user-ID
 * program it runs: without the capability, no_new_privs is set.
 */
void
landlock_enforce(struct landlock *ll)
{
	if (ll->abi == 0)
		return;
	if (!cap_sys_admin() && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		trace("set no_new_privs (without CAP_SYS_ADMIN, Landlock "
		    "needs it)");
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			die_sys("set no_new_privs");
	}
	trace("landlock_restrict_self(%s)", ll->flags ? "log new exec on" :
	    "0");
	if (ll_restrict_self(ll->fd, ll->flags) == -1)
		die_err(errno, errno == E2BIG ? "16 Landlock domains are "
		    "stacked already, the most the kernel allows" : NULL,
		    "landlock_restrict_self");
	close(ll->fd);
	ll->fd = -1;
}

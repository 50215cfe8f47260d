/*
 * confine.h: what the files of confine share. The request (what the
 * command line and --rules files ask, in rules.c), the Landlock
 * ruleset built from it for this kernel's ABI (landlock.c), and the
 * exec labels of AppArmor and SELinux (lsm.c).
 */
#ifndef CONFINE_H
#define CONFINE_H

#include <linux/landlock.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The Landlock API of Linux 6.15 (ABI 7). Debian's headers may be older
 * than the running kernel: what they lack is defined here, as the
 * kernel's samples/landlock/sandboxer.c does. The attributes have names
 * of our own, for a header that has them would clash.
 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)		/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)	/* ABI 4 */
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)	/* ABI 6 */
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)	/* ABI 7 */
#endif
#define LL_RULE_NET_PORT 2	/* LANDLOCK_RULE_NET_PORT, ABI 4 */

struct ll_ruleset_attr {	/* struct landlock_ruleset_attr */
	uint64_t handled_access_fs;
	uint64_t handled_access_net;	/* ABI 4 */
	uint64_t scoped;		/* ABI 6 */
};

struct ll_net_port_attr {	/* struct landlock_net_port_attr */
	uint64_t allowed_access;
	uint64_t port;
};

/*
 * Where a rule was asked: "--ro" on the command line (file NULL), or
 * "FILE:LINE: ro" in a --rules file. Every message about a rule starts
 * with it.
 */
struct origin {
	const char *rule;	/* the rule's name, as in rules[]; NULL: none */
	const char *file;
	unsigned line;
};
const char *origin_str(const struct origin *at, char *buf, size_t size);
#define ORIGIN_MAX 4200	/* a buffer for origin_str(): a path, a line */

/* The Landlock features a request can need, by the ABI that brought them. */
enum feature {
	FEAT_FS,		/* --ro, --rx, --rw: ABI 1 */
	FEAT_NET,		/* --tcp-bind, --tcp-connect: ABI 4 */
	FEAT_SCOPE,		/* --scope: ABI 6 */
	FEAT_LOG,		/* --log: ABI 7 */
	NFEAT
};

/* What a path rule grants beneath PATH, before the ABI cuts it down. */
enum grant {
	GRANT_RO,		/* read files, list directories */
	GRANT_RX,		/* and execute */
	GRANT_RW,		/* and write, make, remove, rename, truncate */
};

struct path_rule {
	const char *path;
	enum grant grant;
	struct origin at;
};

struct port_rule {
	uint64_t access;	/* LANDLOCK_ACCESS_NET_BIND_TCP or _CONNECT_TCP */
	unsigned first, last;
	struct origin at;
};

struct request {
	struct path_rule *paths;
	size_t npaths;
	struct port_rule *ports;
	size_t nports;
	uint64_t net_named;	/* the TCP accesses a rule named (none too) */
	uint64_t net_any;	/* those that were given as "any": not restricted */
	uint64_t scopes;	/* LANDLOCK_SCOPE_* */
	struct origin asked[NFEAT];	/* the first rule needing each, or .rule NULL */
	bool best_effort;
	const char *apparmor, *selinux;
	struct origin apparmor_at, selinux_at;
	char **texts;		/* the --rules files read, which rules point into */
	size_t ntexts;
	char **prog;
};

/* rules.c: the rules of the command line and of --rules files. */
void rule_add(struct request *req, const char *name, const char *arg,
    const struct origin *at);
void rules_read(struct request *req, const char *file);
void request_free(struct request *req);

/* landlock.c: the ruleset, for the ABI this kernel offers. */
struct landlock {
	int abi;		/* this kernel's; 0: Landlock is not used */
	uint64_t fs, net, scoped;	/* what the ruleset handles */
	uint32_t flags;		/* of landlock_restrict_self() */
	int fd;
};
void landlock_plan(struct request *req, struct landlock *ll);
void landlock_build(const struct request *req, struct landlock *ll);
void landlock_enforce(struct landlock *ll);

/* lsm.c: the AppArmor profile and SELinux context of the next exec. */
void lsm_set_exec(const struct request *req);

#endif

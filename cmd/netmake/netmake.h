/*
 * netmake.h: what the files of netmake share: the options, the state a
 * network leaves for -s and -d, and the steps each file offers main().
 */
#ifndef NETMAKE_H
#define NETMAKE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conch.h"

#define NAME_LEN 64		/* a NAME: [A-Za-z0-9_.-], from a letter or digit */
#define PUBLISH_MAX 64
#define DNS_MAX 3		/* what resolv.conf(5) reads */
#define HOSTNAME_LEN 64

#define DEFAULT_BRIDGE "conch0"
/* podman's default network, or the next /16 no route of the host has. */
#define DEFAULT_SUBNET "10.88.0.1/16"
#define DEFAULT_SUBNETS 12	/* 10.88.0.0/16 to 10.99.0.0/16 */
#define NETNS_DIR "/run/netns"		/* ip-netns(8)'s */
#define STATE_DIR "/run/netmake"	/* its own: /run/conch is the runtime's */
#define BRIDGE_ALIAS "conch: made by netmake"

/* addr.c: IPv4 addresses, subnets, published ports. */
struct cidr {
	struct in_addr addr;	/* network order */
	unsigned int prefix;	/* 0..32 */
};

struct publish {
	struct in_addr hostip;	/* 0.0.0.0: every address of the host */
	uint16_t hostport, port;
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

int cidr_parse(const char *s, struct cidr *c);
int addr_parse(const char *s, struct in_addr *a);
void cidr_str(const struct cidr *c, char *buf, size_t size);
bool cidr_contains(const struct cidr *net, struct in_addr a);
uint32_t cidr_mask(unsigned int prefix);
int publish_parse(const char *s, struct publish *p);
void publish_str(const struct publish *p, char *buf, size_t size);
void publish_check_free(const struct publish *p, size_t n);

/* main.c: the command line. */
enum mode { CREATE, SHOW, DELETE, PRINT_ETC };

struct opts {
	enum mode mode;
	const char *name;
	const char *bridge;	/* --bridge, or conch0 */
	bool addr_given;
	struct cidr addr;	/* --addr */
	bool nat, isolate;
	struct publish publish[PUBLISH_MAX];
	size_t npublish;
	struct in_addr dns[DNS_MAX];
	size_t ndns;
	const char *hostname;	/* --hostname, or NULL */
	const char *etcdir;	/* --print-etc's DIR */
	char **prog;		/* after --, or NULL */
};

/*
 * state.c: what one network is, as its state file says (written
 * atomically, read by -s and -d): /run/netmake/NAME as root,
 * $XDG_RUNTIME_DIR/netmake/NAME rootless.
 */
struct proc_ref {
	pid_t pid;
	unsigned long long start;	/* /proc/PID/stat's starttime */
};

struct netstate {
	char name[NAME_LEN + 1];
	bool rootless;
	char bridge[IFNAMSIZ];
	char veth[IFNAMSIZ];	/* the host's end */
	struct cidr addr;
	struct in_addr gateway;
	bool nat, isolate;
	struct publish publish[PUBLISH_MAX];
	size_t npublish;
	struct in_addr dns[DNS_MAX];
	size_t ndns;
	char hostname[HOSTNAME_LEN + 1];
	struct proc_ref holder, pasta;	/* rootless */
};

struct paths {
	char statedir[4096];	/* where state files are */
	char state[4200];	/* this NAME's */
	char pin[4200];		/* /run/netns/NAME, or a directory rootless */
	int lockfd;
};

void paths_init(struct paths *p, const char *name, bool rootless);
void state_lock(struct paths *p);
void state_write(const struct paths *p, const struct netstate *s);
int state_read(const char *path, struct netstate *s);
void state_from_opts(struct netstate *s, const struct opts *o);
int state_each(const char *dir, int (*fn)(const struct netstate *, void *),
    void *arg);
int proc_start(pid_t pid, unsigned long long *start);
bool proc_alive(const struct proc_ref *r);

/* pin.c: the network namespace, pinned as /run/netns/NAME (root). */
int netns_create(const char *pin);	/* the namespace's fd; undo logged */
int netns_open(const char *pin);
void netns_enter(int nsfd, const char *what);
void netns_remove(const char *pin);

/* link.c: netlink (libmnl): links, addresses, routes. */
struct nl;
struct nl *nl_open(void);	/* in the caller's network namespace */
void nl_close(struct nl *nl);
struct nlmsghdr;
int nl_dump(struct nl *nl, int type, int family,
    int (*cb)(const struct nlmsghdr *, void *), void *data);
int link_index(struct nl *nl, const char *name);	/* 0: none */
void bridge_make(struct nl *nl, const char *name, const struct cidr *addr);
int bridge_addr(struct nl *nl, int index, struct cidr *out);
bool bridge_ours(const char *name);
bool subnet_free(struct nl *nl, const struct cidr *net);
size_t bridge_ports(const char *name);
void veth_make(struct nl *nl, const char *host, int nsfd);
void link_up(struct nl *nl, int index, int master, bool isolated);
void addr_add(struct nl *nl, int index, const struct cidr *c);
void route_default(struct nl *nl, int index, struct in_addr via);
int link_del(struct nl *nl, const char *name);

/* wire.c: the root network: bridge, veth, addresses, routes, sysctls. */
void wire_root(struct netstate *s, const struct opts *o, int nsfd,
    const char *statedir);
void sysctl_write(const char *path, const char *value);
void unwire_root(const struct netstate *s);

/* nft.c: the rules, in the table inet conch, chains NAME-*. */
void nft_add(const struct netstate *s);
int nft_del(const struct netstate *s, bool quiet);
char *nft_list(const struct netstate *s);

/* pasta.c: the rootless network, through pasta. */
void rootless_make(struct netstate *s, const struct paths *p,
    const struct opts *o);
void rootless_remove(const struct netstate *s, const struct paths *p);

/* show.c: -s. */
void show(const struct netstate *s, const struct paths *p);

/* etc.c: resolv.conf and hosts. */
void etc_print(const struct netstate *s, const char *dir);

#endif

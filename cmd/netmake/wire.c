/*
 * The root network: the bridge (made when missing, with the default
 * subnet or --addr's), the container's address (--addr, or the next free
 * one of the bridge's subnet), a veth pair whose eth0 is made straight
 * in the namespace, and inside: lo and eth0 up, the address, the
 * default route via the bridge, unprivileged ports from 0 (as docker
 * sets it: the container's root binds port 80 with no host capability).
 *
 * The namespace belongs to the host's user namespace, so a container
 * that joins it from a user namespace of its own holds no
 * CAP_NET_ADMIN over it: it can change neither its address, nor its
 * routes, nor the rules, which is what makes --isolate and the NAT
 * rules hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netmake.h"

void
sysctl_write(const char *path, const char *value)
{
	trace("%s = %s", path, value);
	if (write_file(path, value) == -1)
		die_sys("write %s to %s", value, path);
}

struct used {
	const char *bridge;
	struct in_addr addr;	/* looked for; 0: any */
	const char *by;		/* the network that holds it */
};

static int
addr_used(const struct netstate *s, void *arg)
{
	struct used *u = arg;
	static char by[NAME_LEN + 1];

	if (s->rootless || strcmp(s->bridge, u->bridge) != 0 ||
	    s->addr.addr.s_addr != u->addr.s_addr)
		return 0;
	snprintf(by, sizeof(by), "%s", s->name);
	u->by = by;
	return 1;
}

/* Neither the subnet's own address, nor its broadcast, nor the bridge's. */
static const char *
addr_refused(const struct cidr *net, struct in_addr a)
{
	uint32_t host = ntohl(a.s_addr) & ~ntohl(cidr_mask(net->prefix));
	uint32_t last = ~ntohl(cidr_mask(net->prefix));

	if (!cidr_contains(net, a))
		return "outside";
	if (a.s_addr == net->addr.s_addr)
		return "the bridge's own address";
	if (net->prefix < 31 && (host == 0 || host == last))
		return host == 0 ? "the subnet's network address" :
		    "the subnet's broadcast address";
	return NULL;
}

static void
addr_choose(struct netstate *s, const struct opts *o, const struct cidr *br,
    const char *statedir)
{
	struct used u = { .bridge = s->bridge };
	struct cidr subnet;
	uint32_t first, n, i;
	char net[32], a[32];
	const char *why;

	subnet = (struct cidr){ { br->addr.s_addr & cidr_mask(br->prefix) },
	    br->prefix };
	cidr_str(&subnet, net, sizeof(net));
	if (o->addr_given) {
		cidr_str(&o->addr, a, sizeof(a));
		if ((why = addr_refused(br, o->addr.addr)) != NULL)
			die("--addr %s: %s %sbridge %s's subnet %s", a, why,
			    strcmp(why, "outside") == 0 ? "" : "of ",
			    s->bridge, net);
		if (o->addr.prefix != br->prefix)
			die("--addr %s: bridge %s's subnet is %s: the prefix "
			    "must be /%u", a, s->bridge, net, br->prefix);
		u.addr = o->addr.addr;
		if (state_each(statedir, addr_used, &u) != 0)
			die("--addr %s: network %s has it", a, u.by);
		s->addr = o->addr;
		return;
	}
	first = ntohl(br->addr.s_addr & cidr_mask(br->prefix));
	n = br->prefix >= 31 ? 0 : (~ntohl(cidr_mask(br->prefix))) - 1;
	for (i = 1; i <= n; i++) {
		u.addr.s_addr = htonl(first + i);
		if (u.addr.s_addr == br->addr.s_addr ||
		    state_each(statedir, addr_used, &u) != 0)
			continue;
		s->addr = (struct cidr){ u.addr, br->prefix };
		return;
	}
	die("bridge %s: no free address left in %s", s->bridge, net);
}

static void
default_subnet(struct nl *nl, struct cidr *br)
{
	int i;

	cidr_parse(DEFAULT_SUBNET, br);
	for (i = 0; i < DEFAULT_SUBNETS; i++) {
		if (subnet_free(nl, br))
			return;
		br->addr.s_addr = htonl(ntohl(br->addr.s_addr) + (1 << 16));
	}
	die("no free subnet from 10.88.0.0/16 to 10.99.0.0/16 for a new "
	    "bridge (give one: --addr A.B.C.D/N)");
}

/* The bridge, made when missing; its address is the gateway. */
static int
bridge_ensure(struct nl *nl, struct netstate *s, const struct opts *o,
    struct cidr *br)
{
	char path[128];
	uint32_t m;
	int index;

	if ((index = link_index(nl, s->bridge)) == 0) {
		if (!o->addr_given) {
			default_subnet(nl, br);
		} else {
			m = cidr_mask(o->addr.prefix);
			*br = o->addr;
			br->addr.s_addr = (br->addr.s_addr & m) | htonl(1);
		}
		bridge_make(nl, s->bridge, br);
		index = link_index(nl, s->bridge);
	} else {
		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge",
		    s->bridge);
		if (access(path, F_OK) == -1)
			die("--bridge %s: a link that is not a bridge",
			    s->bridge);
		if (bridge_addr(nl, index, br) == -1)
			die("bridge %s has no IPv4 address (give it one, or "
			    "let netmake make a bridge of its own)", s->bridge);
	}
	if (index == 0)
		die_sys("bridge %s", s->bridge);
	s->gateway = br->addr;
	return index;
}

/* veth + 8 hex digits, as docker names them: 12 bytes, under IFNAMSIZ. */
static void
veth_name(char *buf, size_t size)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		die_sys("getrandom");
	snprintf(buf, size, "veth%08x", r);
}

/* lo and eth0 up, the address, the route, the sysctl, from inside. */
static void
wire_inside(const struct netstate *s, int nsfd)
{
	const char *port = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
	int hostns, lo, eth0, err;
	struct nl *nl;

	hostns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostns == -1)
		die_sys("open /proc/thread-self/ns/net");
	netns_enter(nsfd, s->name);
	nl = nl_open();
	lo = if_nametoindex("lo");
	eth0 = if_nametoindex("eth0");
	err = write_file(port, "0") == -1 ? errno : 0;
	netns_enter(hostns, "the host's");
	close(hostns);
	if (err != 0)
		die_err(err, NULL, "write 0 to %s in %s", port, s->name);
	if (lo == 0 || eth0 == 0)
		die("%s: no lo or eth0 in the namespace", s->name);
	link_up(nl, lo, 0, false);
	addr_add(nl, eth0, &s->addr);
	link_up(nl, eth0, 0, false);
	route_default(nl, eth0, s->gateway);
	nl_close(nl);
}

static int
undo_forward(const void *data)
{
	(void)data;
	return write_file("/proc/sys/net/ipv4/ip_forward", "0");
}

/* docker's way: on, and left on when the network goes. */
static void
forward_on(void)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char buf[8];

	if (read_file(path, buf, sizeof(buf)) == -1)
		die_sys("read %s", path);
	if (buf[0] == '1')
		return;
	sysctl_write(path, "1");
	undo_push(undo_forward, "", 1, "write 0 to %s", path);
}

void
wire_root(struct netstate *s, const struct opts *o, int nsfd,
    const char *statedir)
{
	struct nl *nl = nl_open();
	struct cidr br;
	int brindex;

	brindex = bridge_ensure(nl, s, o, &br);
	addr_choose(s, o, &br, statedir);
	veth_name(s->veth, sizeof(s->veth));
	veth_make(nl, s->veth, nsfd);
	wire_inside(s, nsfd);
	link_up(nl, link_index(nl, s->veth), brindex, s->isolate);
	if (s->nat)
		forward_on();
	nl_close(nl);
}

/* -d: the veth (its peer goes with it), the bridge with its last port. */
void
unwire_root(const struct netstate *s)
{
	struct nl *nl = nl_open();

	trace("delete veth %s", s->veth);
	if (link_del(nl, s->veth) == -1 && errno != ENODEV)
		die_sys("delete veth %s", s->veth);
	if (bridge_ours(s->bridge) && bridge_ports(s->bridge) == 0) {
		trace("delete bridge %s, its last port gone", s->bridge);
		if (link_del(nl, s->bridge) == -1 && errno != ENODEV)
			die_sys("delete bridge %s", s->bridge);
	}
	nl_close(nl);
}

/*
 * Netlink, through libmnl: links (bridge, veth), addresses and routes,
 * each a request the kernel acknowledges or refuses with an errno.
 *
 * libmnl rather than libnl-route-3: netmake sends a handful of fixed
 * messages and reads one dump; libmnl is 20 KB of buffer and attribute
 * helpers over the kernel's own structures (what ip(8) itself does),
 * with no object cache, no allocation per attribute, and no threads of
 * its own, and it is small enough for a static build.
 *
 * A netlink socket belongs to the network namespace it was opened in:
 * one opened after setns() into the container's namespace configures
 * that namespace, whatever namespace the thread is in afterwards.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netmake.h"

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	char buf[32768];	/* MNL_SOCKET_BUFFER_SIZE is not constant */
};

struct nl *
nl_open(void)
{
	struct nl *nl = xcalloc(1, sizeof(*nl));

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		die_sys("netlink: socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) == -1)
		die_sys("netlink: bind");
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return nl;
}

void
nl_close(struct nl *nl)
{
	if (nl == NULL)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

static struct nlmsghdr *
nl_msg(struct nl *nl, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* A change is acknowledged; a dump (RTM_GET*: type % 4 == 2) ends
	 * with NLMSG_DONE. (NLM_F_DUMP's bits are NLM_F_EXCL's too.) */
	if ((type & 3) != 2)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Send NLH, read until its ack or its dump's end: 0, or -1 with errno. */
static int
nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n == -1)
			return -1;
		ret = mnl_cb_run(nl->buf, n, seq, nl->portid, cb, data);
	} while (ret > 0);
	return ret == -1 ? -1 : 0;
}

/* A dump of TYPE (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE) to CB. */
int
nl_dump(struct nl *nl, int type, int family, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, NLM_F_DUMP);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->rtgen_family = family;
	return nl_talk(nl, nlh, cb, data);
}

static struct ifinfomsg *
link_msg(struct nlmsghdr *nlh, int family, int index)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = index;
	return ifi;
}

int
link_index(struct nl *nl, const char *name)
{
	(void)nl;
	return if_nametoindex(name);
}

static int
undo_link_del(const void *data)
{
	struct nl *nl = nl_open();
	int ret = link_del(nl, data);

	nl_close(nl);
	return ret;
}

/* The bridge, named as ours (its alias), its address, up. */
void
bridge_make(struct nl *nl, const char *name, const struct cidr *addr)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;
	char path[128], a[32];
	int index;

	trace("bridge %s", name);
	nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	link_msg(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_err(errno, errno == EOPNOTSUPP ? "this kernel has no "
		    "bridge driver: modprobe bridge" : NULL,
		    "make bridge %s", name);
	undo_push(undo_link_del, name, strlen(name) + 1, "delete bridge %s",
	    name);
	index = link_index(nl, name);
	nlh = nl_msg(nl, RTM_NEWLINK, 0);
	link_msg(nlh, AF_UNSPEC, index);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, BRIDGE_ALIAS);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_sys("set the alias of bridge %s", name);
	addr_add(nl, index, addr);
	/* Published ports answer on 127.0.0.1 too: the host's own DNAT
	 * sends 127.0.0.1-sourced packets out of the bridge (docker's
	 * and netavark's way, guarded by nft.c's input rule). */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/"
	    "route_localnet", name);
	sysctl_write(path, "1");
	link_up(nl, index, 0, false);
	cidr_str(addr, a, sizeof(a));
	trace("bridge %s: %s", name, a);
}

struct addr_find {
	int index;
	struct cidr *out;
	bool found;
};

static int
addr_attr(const struct nlattr *attr, void *data)
{
	struct addr_find *f = data;

	if (mnl_attr_get_type(attr) == IFA_LOCAL && !f->found &&
	    mnl_attr_get_payload_len(attr) == 4) {
		memcpy(&f->out->addr, mnl_attr_get_payload(attr), 4);
		f->found = true;
	}
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_find *f = data;

	if (ifa->ifa_family != AF_INET || (int)ifa->ifa_index != f->index ||
	    f->found)
		return MNL_CB_OK;
	f->out->prefix = ifa->ifa_prefixlen;
	return mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, data);
}

/* The first IPv4 address of link INDEX: 0, or -1 (none). */
int
bridge_addr(struct nl *nl, int index, struct cidr *out)
{
	struct addr_find f = { .index = index, .out = out };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (nl_talk(nl, nlh, addr_cb, &f) == -1)
		die_sys("netlink: list addresses");
	return f.found ? 0 : -1;
}

struct overlap {
	const struct cidr *net;
	bool found;
};

static int
overlap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct overlap *o = data;
	struct nlattr *a;
	struct in_addr dst;
	uint32_t m;

	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len == 0)
		return MNL_CB_OK;
	m = cidr_mask(rtm->rtm_dst_len < o->net->prefix ? rtm->rtm_dst_len :
	    o->net->prefix);
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) != RTA_DST ||
		    mnl_attr_get_payload_len(a) != 4)
			continue;
		memcpy(&dst, mnl_attr_get_payload(a), 4);
		if ((dst.s_addr & m) == (o->net->addr.s_addr & m))
			o->found = true;
	}
	return MNL_CB_OK;
}

/* Whether no route of the host (but the default) overlaps NET. */
bool
subnet_free(struct nl *nl, const struct cidr *net)
{
	struct overlap o = { .net = net };

	if (nl_dump(nl, RTM_GETROUTE, AF_INET, overlap_cb, &o) == -1)
		die_sys("netlink: list routes");
	return !o.found;
}

/* Whether netmake made bridge NAME: its alias says so. */
bool
bridge_ours(const char *name)
{
	char path[128], buf[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifalias", name);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, BRIDGE_ALIAS) == 0;
}

size_t
bridge_ports(const char *name)
{
	char path[128];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", name);
	if ((dir = opendir(path)) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* HOST here, its peer eth0 made straight in the namespace NSFD. */
void
veth_make(struct nl *nl, const char *host, int nsfd)
{
	struct nlattr *info, *data, *peer;
	struct nlmsghdr *nlh;

	trace("veth %s, peer eth0 in the namespace", host);
	nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	link_msg(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, nsfd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_err(errno, errno == EOPNOTSUPP ? "this kernel has no "
		    "veth driver: modprobe veth" : NULL, "make veth %s", host);
	undo_push(undo_link_del, host, strlen(host) + 1, "delete veth %s",
	    host);
}

static void
port_isolate(struct nl *nl, int index)
{
	struct nlmsghdr *nlh;
	struct nlattr *prot;

	nlh = nl_msg(nl, RTM_SETLINK, 0);
	link_msg(nlh, AF_BRIDGE, index);
	prot = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(nlh, prot);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_err(errno, errno == EINVAL || errno == EOPNOTSUPP ?
		    "this kernel has no isolated bridge ports (Linux 4.18)" :
		    NULL, "isolate bridge port %d", index);
}

/* Link INDEX up, in bridge MASTER (0: none), an isolated port or not. */
void
link_up(struct nl *nl, int index, int master, bool isolated)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = nl_msg(nl, RTM_NEWLINK, 0);
	ifi = link_msg(nlh, AF_UNSPEC, index);
	if (master != 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_sys("set link %d in bridge %d", index, master);
	if (isolated)
		port_isolate(nl, index);
	nlh = nl_msg(nl, RTM_NEWLINK, 0);
	ifi = link_msg(nlh, AF_UNSPEC, index);
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_sys("set link %d up", index);
}

void
addr_add(struct nl *nl, int index, const struct cidr *c)
{
	struct in_addr brd = { c->addr.s_addr | ~cidr_mask(c->prefix) };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	char a[32];

	cidr_str(c, a, sizeof(a));
	trace("address %s on link %d", a, index);
	nlh = nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = c->prefix;
	ifa->ifa_index = index;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &c->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &c->addr);
	if (c->prefix < 31)
		mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_sys("add address %s", a);
}

void
route_default(struct nl *nl, int index, struct in_addr via)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &via, a, sizeof(a));
	trace("default route via %s", a);
	nlh = nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &via);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	if (nl_talk(nl, nlh, NULL, NULL) == -1)
		die_sys("add the default route via %s", a);
}

/* 0, or -1 with errno (ENODEV: no such link). */
int
link_del(struct nl *nl, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = nl_msg(nl, RTM_DELLINK, 0);
	link_msg(nlh, AF_UNSPEC, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL);
}

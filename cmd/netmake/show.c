/*
 * -s NAME: what the state file says (bridge, host veth, published ports,
 * NAT, the pasta and holder processes), then, seen from inside the
 * namespace, its links, addresses and routes as netlink dumps them, and
 * the rules of its chains as nftables lists them.
 *
 * The namespace is read by a child that enters it (rootless, its user
 * namespace first, which a process cannot leave again), so netmake
 * itself never changes namespace here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netmake.h"

static int
link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;
	const char *name = "?";
	unsigned int mtu = 0;

	(void)data;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_MTU)
			mtu = mnl_attr_get_u32(a);
	}
	printf("link %s %s mtu %u\n", name, ifi->ifi_flags & IFF_UP ? "up" :
	    "down", mtu);
	return MNL_CB_OK;
}

static int
addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	char name[IF_NAMESIZE] = "?", a[INET_ADDRSTRLEN];
	struct nlattr *at;

	(void)data;
	if (ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	if_indextoname(ifa->ifa_index, name);
	mnl_attr_for_each(at, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(at) != IFA_LOCAL)
			continue;
		inet_ntop(AF_INET, mnl_attr_get_payload(at), a, sizeof(a));
		printf("addr %s %s/%u\n", name, a, ifa->ifa_prefixlen);
	}
	return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	char dst[INET_ADDRSTRLEN] = "default", via[64] = "";
	char dev[IF_NAMESIZE + 8] = "", name[IF_NAMESIZE] = "?";
	struct nlattr *a;
	int t;

	(void)data;
	if (rtm->rtm_family != AF_INET || rtm->rtm_table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		t = mnl_attr_get_type(a);
		if (t == RTA_DST)
			inet_ntop(AF_INET, mnl_attr_get_payload(a), dst,
			    sizeof(dst));
		else if (t == RTA_GATEWAY) {
			strcpy(via, " via ");
			inet_ntop(AF_INET, mnl_attr_get_payload(a), via + 5,
			    sizeof(via) - 5);
		} else if (t == RTA_OIF) {
			if_indextoname(mnl_attr_get_u32(a), name);
			snprintf(dev, sizeof(dev), " dev %s", name);
		}
	}
	if (rtm->rtm_dst_len > 0)
		printf("route %s/%u%s%s\n", dst, rtm->rtm_dst_len, via, dev);
	else
		printf("route default%s%s\n", via, dev);
	return MNL_CB_OK;
}

static int
enter(const char *dir, const char *type, int flag)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, type);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    setns(fd, flag) == -1)
		return -1;
	close(fd);
	return 0;
}

/* In a child: the namespace's links, addresses and routes. */
static void
show_inside(const struct netstate *s, const struct paths *p)
{
	struct nl *nl;
	pid_t pid;
	int fd, ws;

	fflush(stdout);
	if ((pid = fork()) == -1)
		die_sys("fork");
	if (pid == 0) {
		if (s->rootless ? enter(p->pin, "user", CLONE_NEWUSER) == -1 ||
		    enter(p->pin, "net", CLONE_NEWNET) == -1 :
		    (fd = netns_open(p->pin)) == -1 ||
		    setns(fd, CLONE_NEWNET) == -1)
			die_sys("enter the namespace %s", p->pin);
		nl = nl_open();
		if (nl_dump(nl, RTM_GETLINK, AF_UNSPEC, link_cb, NULL) == -1 ||
		    nl_dump(nl, RTM_GETADDR, AF_INET, addr_cb, NULL) == -1 ||
		    nl_dump(nl, RTM_GETROUTE, AF_INET, route_cb, NULL) == -1)
			die_sys("netlink: dump %s", p->pin);
		fflush(stdout);
		_exit(0);
	}
	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			die_sys("waitpid");
	if (ws != 0)
		exit(EXIT_TOOL);
}

static void
show_proc(const char *what, const struct proc_ref *r)
{
	printf("%s %d %s\n", what, (int)r->pid, proc_alive(r) ? "running" :
	    "gone");
}

static void
show_state(const struct netstate *s, const struct paths *p)
{
	char buf[64], fwd[8] = "?";
	size_t i;

	printf("network %s %s\npin %s\n", s->name, s->rootless ? "pasta" :
	    "root", p->pin);
	cidr_str(&s->addr, buf, sizeof(buf));
	printf("address %s\n", buf);
	inet_ntop(AF_INET, &s->gateway, buf, sizeof(buf));
	printf("gateway %s\n", buf);
	if (s->rootless) {
		show_proc("holder", &s->holder);
		show_proc("pasta", &s->pasta);
	} else {
		printf("bridge %s\nveth %s\n", s->bridge, s->veth);
		read_file("/proc/sys/net/ipv4/ip_forward", fwd, sizeof(fwd));
		fwd[strcspn(fwd, "\n")] = '\0';
		printf("nat %s (net.ipv4.ip_forward=%s)\n"
		    "isolate %s\n", s->nat ? "on" : "off", fwd,
		    s->isolate ? "on" : "off");
	}
	for (i = 0; i < s->npublish; i++) {
		publish_str(&s->publish[i], buf, sizeof(buf));
		printf("publish %s\n", buf);
	}
	for (i = 0; i < s->ndns; i++) {
		inet_ntop(AF_INET, &s->dns[i], buf, sizeof(buf));
		printf("dns %s\n", buf);
	}
	if (s->hostname[0] != '\0')
		printf("hostname %s\n", s->hostname);
}

void
show(const struct netstate *s, const struct paths *p)
{
	char *rules;

	show_state(s, p);
	show_inside(s, p);
	if (s->rootless)
		return;
	rules = nft_list(s);
	fputs(rules, stdout);
	free(rules);
	if (fflush(stdout) == EOF)
		die_sys("write the output");
}

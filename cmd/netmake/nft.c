/*
 * The rules, through libnftables: one table of conch's own, inet conch,
 * and in it base chains of each network's own, NAME-pre, NAME-out,
 * NAME-post, NAME-in and NAME-fwd, on the hooks their rules need.
 * Several base chains may share a hook, so a network's rules are added
 * and deleted as whole chains: no rule handles to keep, and -d cannot
 * take another network's rule. The whole set is one nftables
 * transaction: all of it is made, or none. The table goes with its last
 * chain; no other table is ever named.
 *
 * What each rule is for:
 *   NAME-pre   a published port, for packets from other hosts and from
 *              containers: DNAT to the container (only to addresses of
 *              this host: fib daddr type local, docker's addrtype LOCAL)
 *   NAME-out   the same for the host's own connections, 127.0.0.1 too
 *   NAME-post  --nat: masquerade what leaves by another link than the
 *              bridge; a published port reached on 127.0.0.1: masquerade
 *              to the bridge's address (the container could not answer
 *              127.0.0.1), as docker without userland-proxy and netavark
 *   NAME-in    the bridge has route_localnet (for the line above): drop
 *              what a container sends to 127.0.0.0/8 that is not a reply
 *   NAME-fwd   --isolate: nothing routed from the bridge back into it to
 *              or from the container (and switched traffic too, where
 *              br_netfilter passes it through this hook)
 *   NAME-iso   --isolate, on the ingress of the host's veth: what the
 *              container sends to its subnet goes to the gateway only
 *              (the bridge port is isolated too, link.c, but that stops
 *              only traffic between isolated ports)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmake.h"

#define TABLE "inet conch"

struct text {
	char *buf;
	size_t len, cap;
};

static void
add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	while (t->len + n + 1 > t->cap)
		t->buf = grow(t->buf, t->cap, &t->cap, 1);
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += n;
}

static const struct chain {
	const char *suffix, *type, *hook, *prio;
} chains[] = {
	{ "pre", "nat", "prerouting", "dstnat" },
	{ "out", "nat", "output", "-100" },
	{ "post", "nat", "postrouting", "srcnat" },
	{ "in", "filter", "input", "filter" },
	{ "fwd", "filter", "forward", "filter" },
	{ "iso", "filter", "ingress", "filter" },	/* on the host's veth */
};

/* Which chains network S has: bit i for chains[i]. */
static unsigned int
chains_of(const struct netstate *s)
{
	unsigned int bits = 1 << 3;	/* in: the bridge's localnet guard */

	if (s->npublish > 0)
		bits |= 1 << 0 | 1 << 1 | 1 << 2;
	if (s->nat)
		bits |= 1 << 2;
	if (s->isolate)
		bits |= 1 << 4 | 1 << 5;
	return bits;
}

static void
publish_rules(struct text *t, const struct netstate *s, const char *addr)
{
	const struct publish *p;
	const char *proto;
	char hostip[64];
	size_t i, c;

	for (i = 0; i < s->npublish; i++) {
		p = &s->publish[i];
		proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
		hostip[0] = '\0';
		if (p->hostip.s_addr != 0) {
			strcpy(hostip, "ip daddr ");
			inet_ntop(AF_INET, &p->hostip, hostip + 9,
			    sizeof(hostip) - 9);
		}
		for (c = 0; c < 2; c++)
			add(t, "add rule " TABLE " %s-%s fib daddr type local "
			    "%s %s dport %u dnat ip to %s:%u\n", s->name,
			    chains[c].suffix, hostip, proto, p->hostport, addr,
			    p->port);
	}
	if (s->npublish > 0)
		add(t, "add rule " TABLE " %s-post oifname \"%s\" ip saddr "
		    "127.0.0.0/8 ip daddr %s masquerade\n", s->name,
		    s->bridge, addr);
}

/*
 * What the container sends, before the bridge switches it: to the
 * subnet, only the gateway (the host); no IPv6, which netmake does not
 * configure but which link-local addresses would carry to the members.
 * The isolated port flag alone stops only isolated-to-isolated traffic;
 * the forward chain sees switched traffic only where br_netfilter is.
 */
static void
isolate_rules(struct text *t, const struct netstate *s)
{
	struct cidr net = { { s->addr.addr.s_addr & cidr_mask(s->addr.prefix) },
	    s->addr.prefix };
	char subnet[32], gw[INET_ADDRSTRLEN];

	cidr_str(&net, subnet, sizeof(subnet));
	inet_ntop(AF_INET, &s->gateway, gw, sizeof(gw));
	add(t, "add rule " TABLE " %s-iso ip daddr %s ip daddr != %s drop\n"
	    "add rule " TABLE " %s-iso meta nfproto ipv6 drop\n", s->name,
	    subnet, gw, s->name);
}

static char *
ruleset(const struct netstate *s)
{
	struct text t = { 0 };
	unsigned int bits = chains_of(s);
	char addr[INET_ADDRSTRLEN];
	size_t i;

	inet_ntop(AF_INET, &s->addr.addr, addr, sizeof(addr));
	add(&t, "add table " TABLE "\n");
	for (i = 0; i < LEN(chains); i++)
		if (bits & 1 << i)
			add(&t, "add chain " TABLE " %s-%s { type %s hook %s%s%s%s "
			    "priority %s; policy accept; }\n", s->name,
			    chains[i].suffix, chains[i].type, chains[i].hook,
			    strcmp(chains[i].hook, "ingress") == 0 ?
			    " device \"" : "", strcmp(chains[i].hook,
			    "ingress") == 0 ? s->veth : "", strcmp(chains[i].hook,
			    "ingress") == 0 ? "\"" : "", chains[i].prio);
	publish_rules(&t, s, addr);
	if (s->nat)
		add(&t, "add rule " TABLE " %s-post ip saddr %s oifname != "
		    "\"%s\" masquerade\n", s->name, addr, s->bridge);
	add(&t, "add rule " TABLE " %s-in iifname \"%s\" ip daddr "
	    "127.0.0.0/8 ct state != { established, related } drop\n",
	    s->name, s->bridge);
	if (s->isolate)
		add(&t, "add rule " TABLE " %s-fwd iifname \"%s\" oifname "
		    "\"%s\" ip saddr %s drop\nadd rule " TABLE " %s-fwd "
		    "iifname \"%s\" oifname \"%s\" ip daddr %s drop\n",
		    s->name, s->bridge, s->bridge, addr, s->name, s->bridge,
		    s->bridge, addr);
	if (s->isolate)
		isolate_rules(&t, s);
	return t.buf;
}

/*
 * Run CMDS as one transaction: 0, or -1 with the first line of
 * nftables' own message in WHY. OUT, when not NULL, gets the output.
 */
static int
nft_run(const char *cmds, char *why, size_t size, char **out)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *err;
	int ret;

	if (ctx == NULL)
		die("nftables: cannot make a context (out of memory)");
	if (nft_ctx_buffer_output(ctx) == -1 ||
	    nft_ctx_buffer_error(ctx) == -1)
		die("nftables: cannot buffer its output");
	ret = nft_run_cmd_from_buffer(ctx, cmds);
	err = nft_ctx_get_error_buffer(ctx);
	if (why != NULL)
		snprintf(why, size, "%.*s", (int)strcspn(err, "\n"), err);
	if (out != NULL)
		*out = xstrdup(nft_ctx_get_output_buffer(ctx));
	nft_ctx_free(ctx);
	return ret == 0 ? 0 : -1;
}

static int
undo_rules(const void *data)
{
	const struct netstate *s = data;

	return nft_del(s, true);
}

void
nft_add(const struct netstate *s)
{
	char *cmds = ruleset(s), why[512];

	trace("nftables: table " TABLE ", chains %s-*", s->name);
	if (nft_run(cmds, why, sizeof(why), NULL) == -1)
		die("nftables: add the rules of %s: %s", s->name, why[0] ?
		    why : "refused (is nf_tables in this kernel?)");
	free(cmds);
	undo_push(undo_rules, s, sizeof(*s), "delete the chains %s-* of "
	    "table " TABLE, s->name);
}

/* The chains of S, then the table if it has no chain left. */
int
nft_del(const struct netstate *s, bool quiet)
{
	struct text t = { 0 };
	unsigned int bits = chains_of(s);
	char why[512], cmd[256], *out;
	size_t i;
	int ret;

	for (i = 0; i < LEN(chains); i++)
		if (bits & 1 << i)
			add(&t, "delete chain " TABLE " %s-%s\n", s->name,
			    chains[i].suffix);
	ret = nft_run(t.buf, why, sizeof(why), NULL);
	free(t.buf);
	/* One is gone already (a flush by hand): the others, one by one. */
	for (i = 0; ret == -1 && i < LEN(chains); i++) {
		if (!(bits & 1 << i))
			continue;
		snprintf(cmd, sizeof(cmd), "delete chain " TABLE " %s-%s",
		    s->name, chains[i].suffix);
		if (nft_run(cmd, why, sizeof(why), NULL) == -1 &&
		    strstr(why, "No such file") == NULL)
			break;
	}
	if (i == LEN(chains))
		ret = 0;
	if (ret == -1 && !quiet)
		die("nftables: delete the chains of %s: %s", s->name, why);
	if (nft_run("list table " TABLE, NULL, 0, &out) == 0 &&
	    strstr(out, "chain ") == NULL)
		nft_run("delete table " TABLE, NULL, 0, NULL);
	free(out);
	if (ret == -1)
		errno = EINVAL;
	return ret;
}

/* The chains of S as nft(8) lists them ("" when none is there). */
char *
nft_list(const struct netstate *s)
{
	unsigned int bits = chains_of(s);
	struct text all = { 0 };
	char cmd[256], *out;
	size_t i;

	add(&all, "%s", "");
	for (i = 0; i < LEN(chains); i++) {
		if (!(bits & 1 << i))
			continue;
		snprintf(cmd, sizeof(cmd), "list chain " TABLE " %s-%s",
		    s->name, chains[i].suffix);
		if (nft_run(cmd, NULL, 0, &out) == 0)
			add(&all, "%s", out);
		free(out);
	}
	return all.buf;
}

/*
 * netmake: create, wire, show or remove a network namespace.
 *
 * As root: the namespace is pinned as /run/netns/NAME (pin.c), wired to
 * a bridge with a veth pair, an address and a default route (wire.c,
 * through netlink: link.c), its NAT and published ports made as rules
 * of the table inet conch (nft.c). Unprivileged: a user and network
 * namespace held outside the container, and pasta for the traffic
 * (pasta.c). What a network is stays in a state file (state.c) for -s
 * (show.c) and -d; resolv.conf and hosts come from etc.c.
 *
 * Everything made is in the undo log (lib/undo.c) as it is made: a
 * failure, or SIGINT, SIGTERM or SIGHUP half way, leaves nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netmake.h"

static const char usage[] =
"Usage: netmake [OPTION]... NAME [-- PROG [ARG]...]\n"
"       netmake -s NAME\n"
"       netmake -d NAME\n"
"       netmake --print-etc NAME DIR\n"
"Make the network namespace NAME, pinned as /run/netns/NAME, and wire\n"
"it: as root to a bridge through a veth pair; unprivileged through pasta\n"
"(a user and network namespace under $XDG_RUNTIME_DIR/netns/NAME). Then\n"
"run PROG, or exit. A container joins it through nsjoin: the file\n"
"/run/netns/NAME (rootless: the directory $XDG_RUNTIME_DIR/netns/NAME).\n"
"\n"
"  -b, --bridge BR          the bridge (root; default conch0, made with\n"
"                           10.88.0.1/16 when missing)\n"
"  -a, --addr A.B.C.D/N     the container's address (root; default: the\n"
"                           next free one of the bridge's subnet)\n"
"  -n, --nat                masquerade its traffic out of the host, and\n"
"                           turn on net.ipv4.ip_forward (root)\n"
"  -p, --publish [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]\n"
"                           forward the host's HOSTPORT to the container's\n"
"                           PORT, from other hosts and from this one\n"
"                           (127.0.0.1 included); repeatable\n"
"      --isolate            no traffic with the other members of the bridge\n"
"      --dns ADDR           a nameserver for resolv.conf (up to 3)\n"
"      --hostname NAME      the container's name in hosts (default: NAME)\n"
"  -s, --show               print NAME's links, addresses, routes, ports\n"
"                           and NAT state\n"
"  -d, --delete             remove everything netmake made for NAME\n"
"      --print-etc          write NAME's resolv.conf, hosts and hostname\n"
"                           into DIR/etc (a root mkrootfs made)\n"
"  -v, --verbose            print each step\n"
"  -h, --help               print this help\n"
"  -V, --version            print the version\n";

enum { OPT_ISOLATE = 256, OPT_DNS, OPT_HOSTNAME, OPT_PRINT_ETC };

static const struct option longopts[] = {
	{ "bridge", required_argument, NULL, 'b' },
	{ "addr", required_argument, NULL, 'a' },
	{ "nat", no_argument, NULL, 'n' },
	{ "publish", required_argument, NULL, 'p' },
	{ "isolate", no_argument, NULL, OPT_ISOLATE },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "show", no_argument, NULL, 's' },
	{ "delete", no_argument, NULL, 'd' },
	{ "print-etc", no_argument, NULL, OPT_PRINT_ETC },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* Letters, digits, '_', '.', '-', from a letter (a digit too when
 * DIGIT_FIRST): NAME is a file name and, as NAME-pre, an nftables
 * chain name, which nft(8) wants from a letter. */
static bool
name_ok(const char *s, size_t max, bool digit_first)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || strchr(ALNUM, s[0]) == NULL ||
	    (!digit_first && s[0] >= '0' && s[0] <= '9'))
		return false;
	return s[strspn(s, ALNUM "_.-")] == '\0';
}

static void
set_mode(struct opts *o, enum mode m)
{
	if (o->mode != CREATE && o->mode != m)
		die("--show, --delete and --print-etc exclude each other");
	o->mode = m;
}

static void
bridge_opt(struct opts *o, const char *arg)
{
	if (strlen(arg) >= IFNAMSIZ)
		die("--bridge '%s': longer than %d bytes (IFNAMSIZ)", arg,
		    IFNAMSIZ - 1);
	if (!name_ok(arg, IFNAMSIZ - 1, true))
		die("--bridge '%s': not a link name (letters, digits, '_', "
		    "'.', '-')", arg);
	o->bridge = arg;
}

static void
wiring_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'a':
		if (cidr_parse(arg, &o->addr) == -1)
			die("--addr '%s': not an IPv4 address with its prefix "
			    "(A.B.C.D/N)", arg);
		o->addr_given = true;
		break;
	case 'p':
		if (o->npublish == PUBLISH_MAX)
			die("--publish: more than %d", PUBLISH_MAX);
		if (publish_parse(arg, &o->publish[o->npublish++]) == -1)
			die("--publish '%s': expected [HOSTIP:]HOSTPORT:PORT"
			    "[/tcp|/udp], ports 1 to 65535", arg);
		break;
	case OPT_DNS:
		if (o->ndns == DNS_MAX)
			die("--dns: more than %d (resolv.conf reads no more)",
			    DNS_MAX);
		if (addr_parse(arg, &o->dns[o->ndns++]) == -1)
			die("--dns '%s': not an IPv4 address", arg);
		break;
	case OPT_HOSTNAME:
		if (!name_ok(arg, HOSTNAME_LEN, true) || strchr(arg, '_'))
			die("--hostname '%s': not a host name (letters, "
			    "digits, '.', '-'; %d at most)", arg,
			    HOSTNAME_LEN);
		o->hostname = arg;
		break;
	}
}

static void
parse_options(int argc, char **argv, struct opts *o)
{
	int c;

	/* Not "+": the options follow NAME (netmake box --nat), and PROG
	 * follows "--", where getopt stops. */
	while ((c = getopt_long(argc, argv, ":b:a:np:sdvhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'b':
			bridge_opt(o, optarg);
			break;
		case 'n':
			o->nat = true;
			break;
		case OPT_ISOLATE:
			o->isolate = true;
			break;
		case 'a':
		case 'p':
		case OPT_DNS:
		case OPT_HOSTNAME:
			wiring_opt(o, c, optarg);
			break;
		case 's':
			set_mode(o, SHOW);
			break;
		case 'd':
			set_mode(o, DELETE);
			break;
		case OPT_PRINT_ETC:
			set_mode(o, PRINT_ETC);
			break;
		default:
			common_option(c, argv, usage);
		}
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .mode = CREATE, .bridge = DEFAULT_BRIDGE };
	parse_options(argc, argv, o);
	if (optind == argc)
		die("missing NAME (see netmake --help)");
	o->name = argv[optind++];
	if (!name_ok(o->name, NAME_LEN, false))
		die("NAME '%s': a letter, then letters, digits, '_', '.' or "
		    "'-' (%d at most)", o->name, NAME_LEN);
	if (o->mode == PRINT_ETC) {
		if (optind == argc)
			die("--print-etc: missing DIR");
		o->etcdir = argv[optind++];
	}
	if (optind < argc)
		o->prog = argv + optind;
	if (o->mode != CREATE && (o->addr_given || o->nat || o->isolate ||
	    o->npublish || o->ndns || o->hostname ||
	    strcmp(o->bridge, DEFAULT_BRIDGE) != 0))
		die("the wiring options are for making a network, not with "
		    "-s, -d or --print-etc");
}

static int
port_taken(const struct netstate *other, void *arg)
{
	const struct publish *p = arg;
	size_t i;

	for (i = 0; i < other->npublish; i++)
		if (other->publish[i].hostport == p->hostport &&
		    other->publish[i].proto == p->proto)
			die("--publish %u: network %s publishes that port",
			    p->hostport, other->name);
	return 0;
}

static void
create(const struct opts *o, struct paths *p)
{
	struct netstate s;
	size_t i;
	int nsfd;

	state_lock(p);
	if (access(p->state, F_OK) == 0 || access(p->pin, F_OK) == 0)
		die("network %s exists (%s is there; netmake -d %s removes "
		    "what netmake made)", o->name, access(p->state, F_OK) ==
		    0 ? p->state : p->pin, o->name);
	state_from_opts(&s, o);
	for (i = 0; i < o->npublish; i++)
		state_each(p->statedir, port_taken, (void *)&o->publish[i]);
	publish_check_free(o->publish, o->npublish);
	if (geteuid() != 0) {
		rootless_make(&s, p, o);
	} else {
		nsfd = netns_create(p->pin);
		interrupt_check();
		wire_root(&s, o, nsfd, p->statedir);
		interrupt_check();
		nft_add(&s);
	}
	state_write(p, &s);
	undo_commit();
}

static void
delete(struct paths *p, const char *name)
{
	struct netstate s;

	state_lock(p);
	if (state_read(p->state, &s) == -1) {
		if (errno == ENOENT)
			die("-d %s: no such network (no %s)", name, p->state);
		die_sys("read %s", p->state);
	}
	if (s.rootless) {
		rootless_remove(&s, p);
	} else {
		nft_del(&s, false);
		unwire_root(&s);
		netns_remove(p->pin);
	}
	if (unlink(p->state) == -1)
		die_sys("remove %s", p->state);
}

static void
load(const struct paths *p, const char *name, struct netstate *s)
{
	if (state_read(p->state, s) == -1) {
		if (errno == ENOENT)
			die("%s: no such network (no %s)", name, p->state);
		die_sys("read %s", p->state);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct paths p;
	struct netstate s;

	conch_init("netmake");
	interrupt_catch();	/* before the undo: it runs first at exit */
	parse_args(argc, argv, &o);
	paths_init(&p, o.name, geteuid() != 0);
	switch (o.mode) {
	case CREATE:
		create(&o, &p);
		break;
	case DELETE:
		delete(&p, o.name);
		break;
	case SHOW:
		load(&p, o.name, &s);
		show(&s, &p);
		break;
	case PRINT_ETC:
		load(&p, o.name, &s);
		etc_print(&s, o.etcdir);
		break;
	}
	if (o.prog == NULL)
		return 0;
	exec_prog(o.prog, NULL);
}

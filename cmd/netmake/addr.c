/*
 * IPv4 addresses, subnets and published ports: parsed strictly (no
 * inet_aton() shorthands like "10.1" or octal "010.0.0.1"), and a
 * published port checked free on the host before any rule is made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netmake.h"

/* Dotted quad only: inet_pton(AF_INET) takes nothing else. */
int
addr_parse(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

uint32_t
cidr_mask(unsigned int prefix)
{
	return prefix == 0 ? 0 : htonl(~0U << (32 - prefix));
}

/* A.B.C.D/N, N in 1..32. */
int
cidr_parse(const char *s, struct cidr *c)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (addr_parse(buf, &c->addr) == -1 ||
	    parse_ulong(slash + 1, 32, &n) == -1 || n == 0)
		return -1;
	c->prefix = n;
	return 0;
}

void
cidr_str(const struct cidr *c, char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, c->prefix);
}

bool
cidr_contains(const struct cidr *net, struct in_addr a)
{
	uint32_t m = cidr_mask(net->prefix);

	return (a.s_addr & m) == (net->addr.s_addr & m);
}

static int
port_parse(const char *s, size_t n, uint16_t *port)
{
	char buf[8];
	unsigned long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_ulong(buf, 65535, &v) == -1 || v == 0)
		return -1;
	*port = v;
	return 0;
}

/* [HOSTIP:]HOSTPORT:PORT[/tcp|/udp] */
int
publish_parse(const char *s, struct publish *p)
{
	char buf[64], *proto, *c1, *c2;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*p = (struct publish){ .proto = IPPROTO_TCP };
	if ((proto = strchr(buf, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "udp") == 0)
			p->proto = IPPROTO_UDP;
		else if (strcmp(proto, "tcp") != 0)
			return -1;
	}
	if ((c2 = strrchr(buf, ':')) == NULL)
		return -1;
	if (port_parse(c2 + 1, strlen(c2 + 1), &p->port) == -1)
		return -1;
	*c2 = '\0';
	if ((c1 = strrchr(buf, ':')) != NULL) {
		*c1++ = '\0';
		if (addr_parse(buf, &p->hostip) == -1)
			return -1;
	} else {
		c1 = buf;
	}
	return port_parse(c1, strlen(c1), &p->hostport);
}

void
publish_str(const struct publish *p, char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->hostip, a, sizeof(a));
	snprintf(buf, size, "%s:%u:%u/%s", a, p->hostport, p->port,
	    p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

/*
 * A port that a host program holds would be taken from it by the DNAT
 * for other hosts, yet not for the host's own connections: refuse, as
 * docker does ("port is already allocated"). Binding says it exactly.
 */
void
publish_check_free(const struct publish *p, size_t n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char what[64];
	size_t i;
	int fd, err;

	for (i = 0; i < n; i++) {
		publish_str(&p[i], what, sizeof(what));
		fd = socket(AF_INET, (p[i].proto == IPPROTO_UDP ? SOCK_DGRAM :
		    SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd == -1)
			die_sys("--publish %s: socket", what);
		sin.sin_addr = p[i].hostip;
		sin.sin_port = htons(p[i].hostport);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			err = errno;
			close(fd);
			if (err == EADDRINUSE)
				die("--publish %s: host port %u is in use",
				    what, p[i].hostport);
			if (err == EADDRNOTAVAIL)
				die("--publish %s: not an address of this host",
				    what);
			if (err != EACCES)	/* rootless, below 1024 */
				die_err(err, NULL, "--publish %s: bind", what);
		}
		close(fd);
	}
}

/*
 * --print-etc NAME DIR: the network's resolv.conf, hosts and hostname,
 * written into DIR/etc, the root a container will pivot into (mkrootfs
 * made it, or an image was unpacked there). netmake writes them rather
 * than mkrootfs taking options for them, because only netmake knows the
 * address it gave and the nameservers it was told.
 *
 * DIR/etc is an image's: nothing in it is followed. Each file is
 * written to a temporary name in DIR/etc and renamed over the old one,
 * so a symbolic link there (Debian's resolv.conf often is one) is
 * replaced, never written through.
 *
 * Nameservers: --dns; without it, the host's own that are not loopback
 * addresses (a 127.0.0.53 stub is not reachable from the container),
 * as docker does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netmake.h"

static void
put(int etc, const char *dir, const char *name, const char *text)
{
	char tmp[64];
	size_t len = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.netmake", name);
	fd = openat(etc, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1)
		die_sys("write %s/etc/%s", dir, tmp);
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) == -1 ||
	    close(fd) == -1) {
		unlinkat(etc, tmp, 0);
		die_sys("write %s/etc/%s", dir, tmp);
	}
	if (renameat(etc, tmp, etc, name) == -1) {
		unlinkat(etc, tmp, 0);
		die_sys("rename %s/etc/%s", dir, name);
	}
	trace("wrote %s/etc/%s", dir, name);
}

/* The host's nameservers that a container can reach. */
static void
host_dns(char *out, size_t size)
{
	char buf[8192], *line, *save = NULL, a[64];
	struct in_addr in;
	size_t len = 0;

	if (read_file("/etc/resolv.conf", buf, sizeof(buf)) == -1)
		return;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "nameserver %63s", a) != 1 ||
		    addr_parse(a, &in) == -1 ||
		    (ntohl(in.s_addr) >> 24) == 127)
			continue;
		len += snprintf(out + len, size - len, "nameserver %s\n", a);
		if (len >= size)
			break;
	}
}

void
etc_print(const struct netstate *s, const char *dir)
{
	char resolv[1024] = "", hosts[512], host[128], a[INET_ADDRSTRLEN];
	const char *name = s->hostname[0] ? s->hostname : s->name;
	size_t i, len = 0;
	int root, etc;

	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root == -1)
		die_sys("open %s", dir);
	etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (etc == -1)
		die_err(errno, errno == ENOENT ? "mkrootfs DIR makes it" :
		    NULL, "open %s/etc", dir);
	for (i = 0; i < s->ndns; i++) {
		inet_ntop(AF_INET, &s->dns[i], a, sizeof(a));
		len += snprintf(resolv + len, sizeof(resolv) - len,
		    "nameserver %s\n", a);
	}
	if (s->ndns == 0)
		host_dns(resolv, sizeof(resolv));
	if (s->rootless)
		strcpy(a, "127.0.1.1");
	else
		inet_ntop(AF_INET, &s->addr.addr, a, sizeof(a));
	snprintf(hosts, sizeof(hosts), "127.0.0.1\tlocalhost\n"
	    "::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", a, name);
	snprintf(host, sizeof(host), "%s\n", name);
	put(etc, dir, "resolv.conf", resolv);
	put(etc, dir, "hosts", hosts);
	put(etc, dir, "hostname", host);
	close(etc);
	close(root);
}

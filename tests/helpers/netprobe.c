/*
 * netprobe: what Landlock lets a program do, tried for real and printed
 * as "ok" or the errno name (EACCES ...); exit 0 if it worked, 1 if not,
 * 2 on misuse. Built static by make testprogs, so that it runs in any
 * root.
 *
 *   netprobe abi                 this kernel's Landlock ABI (a number)
 *   netprobe bind PORT           bind a TCP socket to 127.0.0.1:PORT
 *   netprobe connect PORT        connect to 127.0.0.1:PORT
 *   netprobe listen PORT         bind and listen, print "listening", and
 *                                accept until killed
 *   netprobe unix-listen NAME    the same on the abstract Unix socket @NAME
 *   netprobe unix-connect NAME   connect to @NAME
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif

static int
result(int ret)
{
	if (ret == -1) {
		puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
		return 1;
	}
	puts("ok");
	return 0;
}

/* The address of PORT on 127.0.0.1, or of the abstract socket @NAME. */
static socklen_t
address(const char *what, const char *arg, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strncmp(what, "unix-", 5) == 0) {
		un->sun_family = AF_UNIX;
		strncpy(un->sun_path + 1, arg, sizeof(un->sun_path) - 2);
		return offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(un->sun_path + 1);
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((unsigned short)atoi(arg));
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*in);
}

static _Noreturn void
serve(int fd)
{
	int c;

	puts("listening");
	fflush(stdout);
	for (;;) {
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c != -1)
			close(c);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long abi;
	int fd, one = 1;

	if (argc == 2 && strcmp(argv[1], "abi") == 0) {
		abi = syscall(__NR_landlock_create_ruleset, NULL, 0, 1);
		if (abi == -1)
			return result(-1);
		printf("%ld\n", abi);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: netprobe abi | bind|connect|listen PORT "
		    "| unix-listen|unix-connect NAME\n");
		return 2;
	}
	len = address(argv[1], argv[2], &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return result(-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (strcmp(argv[1], "bind") == 0)
		return result(bind(fd, (struct sockaddr *)&ss, len));
	if (strcmp(argv[1], "connect") == 0 ||
	    strcmp(argv[1], "unix-connect") == 0)
		return result(connect(fd, (struct sockaddr *)&ss, len));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, 64) == -1)
		return result(-1);
	serve(fd);
}

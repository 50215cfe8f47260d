/*
 * The two steps of a chain that are conch's own.
 *
 * conch setup runs once the namespaces exist, before pivot: it tells
 * conch (create or run) the container's PID and waits while conch runs
 * the prestart and createRuntime hooks, then joins a new session
 * keyring, writes the sysctls (in the container's own namespaces: a
 * key of /proc/sys is the namespace's of the writer), runs the
 * createContainer hooks, and executes pivot.
 *
 * conch init is the last step, after scfilter: umask, working
 * directory, PROG found in the container's PATH (so that a missing one
 * fails create, with runc's words), the terminal, "ready" to conch,
 * then the wait on exec.fifo until `conch start`, the startContainer
 * hooks, the container's own standard error back, every descriptor of
 * conch closed, and PROG executed with process.env alone.
 *
 * Both talk to conch over FD_SYNC, a SOCK_SEQPACKET socket, with their
 * PID in SCM_CREDENTIALS: the kernel translates it into conch's PID
 * namespace, so conch learns the host PID of the container's init.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

int
sync_send(int sock, const char *msg, bool creds)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))] = { 0 };
	struct iovec iov = { (void *)msg, strlen(msg) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct ucred uc = { getpid(), getuid(), getgid() };
	struct cmsghdr *cm;

	if (creds) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	}
	while (sendmsg(sock, &m, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* One message into BUF (NUL-ended), the sender's PID in *PID; 0 at EOF. */
ssize_t
sync_recv(int sock, char *buf, size_t size, pid_t *pid)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, size - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct ucred uc;
	ssize_t n;

	while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) == -1)
		if (errno != EINTR)
			return -1;
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_CREDENTIALS && pid != NULL) {
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			*pid = uc.pid;
		}
	return n;
}

/* The info descriptor: {"state": "...", "hooks": {...}}. */
static json_t *
info_read(int fd)
{
	json_error_t e;
	json_t *o;

	if (lseek(fd, 0, SEEK_SET) == -1)
		die_sys("read the container's state");
	o = json_loadfd(fd, JSON_REJECT_DUPLICATES, &e);
	if (o == NULL)
		die("the container's state: %s", e.text);
	return o;
}

void
info_hooks(int fd, enum hook_kind kind)
{
	json_t *info;

	if (fd == -1)
		return;
	info = info_read(fd);
	hooks_run(json_object_get(info, "hooks"), kind,
	    json_string_value(json_object_get(info, "state")), true);
	json_decref(info);
}

static int
fd_arg(const char *opt, const char *s)
{
	unsigned long v;

	if (parse_ulong(s, INT_MAX, &v) == -1)
		die("--%s '%s': not a descriptor", opt, s);
	return (int)v;
}

static void
write_sysctl(const char *kv)
{
	char path[PATH_MAX], *p;
	const char *eq = strchr(kv, '=');

	if (eq == NULL)
		die("sysctl '%s': not KEY=VALUE", kv);
	snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - kv), kv);
	for (p = path + 10; *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
	trace("write %s: %s", path, eq + 1);
	if (write_file(path, eq + 1) == -1)
		die_sys("write %s", path);
}

int
step_setup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sync", required_argument, NULL, 's' },
		{ "info", required_argument, NULL, 'i' },
		{ "keyring", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c, sync = -1, info = -1;
	const char *keyring = NULL;
	char buf[64];

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		if (c == 's')
			sync = fd_arg("sync", optarg);
		else if (c == 'i')
			info = fd_arg("info", optarg);
		else if (c == 'k')
			keyring = optarg;
		else
			die_usage(c, argv);
	}
	if (sync != -1 && (sync_send(sync, SYNC_NS, true) == -1 ||
	    sync_recv(sync, buf, sizeof(buf), NULL) <= 0))
		die("setup: conch went away");
	if (sync != -1 && strcmp(buf, SYNC_GO) != 0)
		exit(EXIT_TOOL);	/* conch said why */
	if (keyring != NULL && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING,
	    keyring) == -1 && errno != ENOSYS)
		die_sys("join a new session keyring %s", keyring);
	for (; optind < argc && strchr(argv[optind], '=') != NULL; optind++)
		write_sysctl(argv[optind]);
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	info_hooks(info, HOOK_CREATE_CONTAINER);
	exec_prog(argv + optind, NULL);
}

/*
 * process.terminal: the container's last step makes a pseudo-terminal
 * in the container's own devpts (pivot's /dev/pts, /dev/ptmx a link to
 * its ptmx), makes it the controlling terminal of a new session and its
 * standard input, output and error, and sends its master to whoever
 * listens on --console-socket: one message on a connected unix socket,
 * the pty's name as data and the master in SCM_RIGHTS, as runc and
 * crun send it and conmon and containerd's shim receive it.
 *
 * conch connects to the socket before the chain starts, since its path
 * is the host's and the chain's last step runs in the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime.h"

int
console_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock, fd = -1;

	/* A path longer than sun_path is reached through its descriptor. */
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd == -1)
			die_sys("--console-socket %s", path);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d",
		    fd);
	} else {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock == -1)
		die_sys("socket for --console-socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		die_sys("--console-socket %s: connect", path);
	if (fd != -1)
		close(fd);
	return sock;
}

void
console_send(int sock, int master, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			die_sys("send the terminal to the console socket");
}

/*
 * The pty, made the controlling terminal of a new session and stdin,
 * stdout and stderr; its master goes to SOCK, then is closed here.
 */
void
console_make(int sock, unsigned rows, unsigned cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	char name[64];
	int master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master == -1)
		die_sys("open /dev/ptmx for process.terminal");
	if (unlockpt(master) == -1 || ptsname_r(master, name, sizeof(name)))
		die_sys("unlock the terminal");
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave == -1)
		die_sys("open %s", name);
	if (rows > 0 && cols > 0 && ioctl(slave, TIOCSWINSZ, &ws) == -1)
		die_sys("set the size of %s", name);
	if (setsid() == -1)
		die_sys("setsid for the terminal");
	if (ioctl(slave, TIOCSCTTY, 0) == -1)
		die_sys("make %s the controlling terminal", name);
	if (dup2(slave, STDIN_FILENO) == -1 ||
	    dup2(slave, STDOUT_FILENO) == -1 ||
	    dup2(slave, STDERR_FILENO) == -1)
		die_sys("dup2 %s", name);
	close(slave);
	trace("terminal %s, master sent to the console socket", name);
	console_send(sock, master, name);
	close(master);
	close(sock);
}

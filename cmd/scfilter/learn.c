/*
 * --learn FILE and --trace: PROG under a filter whose every verdict is
 * SECCOMP_RET_USER_NOTIF, on every architecture (a 32-bit call is
 * notified, not killed), with a supervisor that lets each call continue.
 *
 * Who is who. scfilter keeps its PID and becomes PROG by exec, as every
 * step of a chain does, so its exit status is PROG's because it is PROG.
 * The supervisor is forked before the filter exists, so it is not
 * filtered, and forked twice, so that it is no child of PROG: a shell's
 * `wait` never waits for it, and PROG never reaps it. It learns that
 * PROG and its children are gone from the listener, which reports
 * POLLHUP when no process uses the filter any more.
 *
 * The listener comes from SECCOMP_FILTER_FLAG_NEW_LISTENER here, in the
 * process the filter is for, and goes to the supervisor over a
 * socketpair (SCM_RIGHTS). That sendmsg(2) is already under the filter,
 * and nobody could answer it yet: it alone, on this socket, is let
 * through, as is the close(2) of the listener should it fail. Both
 * descriptors are O_CLOEXEC: PROG gets neither, and closing them makes
 * no system call. So between the filter and PROG's first instruction
 * there is one call, the execve(2) of PROG, and it is in the profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "conch.h"
#include "learn.h"

#define ARG0_LO(be) (offsetof(struct seccomp_data, args[0]) + ((be) ? 4 : 0))
#define ARG0_HI(be) (offsetof(struct seccomp_data, args[0]) + ((be) ? 0 : 4))

struct notify_filter {
	struct sock_filter ins[24];
	unsigned short n;
};

static void
emit(struct notify_filter *f, struct sock_filter ins)
{
	f->ins[f->n++] = ins;
}

/*
 * "nr == NR and arg0 == FD, 64 bits": allow; another call: to next;
 * another descriptor: notify.
 */
static void
emit_exception(struct notify_filter *f, int nr, int fd, bool be,
    unsigned short next, unsigned short allow, unsigned short notify)
{
	unsigned short at = f->n;

	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    (unsigned)nr, 0, next - (at + 2)));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG0_LO(be)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    (unsigned)fd, 0, notify - (at + 4)));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG0_HI(be)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0,
	    allow - (at + 6), notify - (at + 6)));
}

/*
 * Every call notified, but on the native architecture sendmsg(sock)
 * and close(listener): 2 + 6 + 6 tests, then allow (14), notify (15).
 */
static void
build_filter(struct notify_filter *f, int sock, int listener)
{
	uint32_t native = seccomp_arch_native();
	bool be = arch_bytoken(native)->big_endian;
	const unsigned short allow = 14, notify = 15;

	f->n = 0;
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    native, 0, notify - 2));
	emit_exception(f, syscall_nr("sendmsg"), sock, be, 8, allow, notify);
	emit_exception(f, syscall_nr("close"), listener, be, notify, allow,
	    notify);
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_USER_NOTIF));
}

/* The listener from scfilter, or -1 (EOF: scfilter failed and said so). */
static int
recv_listener(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		warn_err(errno, NULL, "--learn: receive the listener");
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static noreturn void
supervisor(int sock, int other, struct learned *l)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	    SIGPIPE };
	int listener, rc = 0;
	size_t i;

	close(other);
	/*
	 * Gone, PROG's calls would fail with ENOSYS: Ctrl-C and hangups
	 * are for PROG. Only its end ends the supervisor.
	 */
	setsid();
	for (i = 0; i < LEN(ignored); i++)
		signal(ignored[i], SIG_IGN);
	syscall(SYS_close_range, 3U, (unsigned)sock - 1, 0U);
	syscall(SYS_close_range, (unsigned)sock + 1, ~0U, 0U);
	if ((listener = recv_listener(sock)) == -1)
		_exit(EXIT_TOOL);
	close(sock);
	notif_serve(listener, l);
	if (l->opts->file != NULL && (l->dirty || !l->written))
		rc = learned_write(l);
	_exit(rc == 0 ? 0 : EXIT_TOOL);
}

/* Forked twice: an orphan, no child of PROG. Returns its PID. */
static pid_t
spawn_supervisor(int sv[2], struct learned *l)
{
	pid_t mid, sup;
	int status;

	fflush(stdout);
	fflush(stderr);
	if ((mid = fork()) == -1)
		die_sys("--learn: fork the supervisor");
	if (mid == 0) {
		if ((sup = fork()) == 0)
			supervisor(sv[1], sv[0], l);
		_exit(sup == -1 || write(sv[1], &sup, sizeof(sup)) !=
		    sizeof(sup) ? EXIT_TOOL : 0);
	}
	close(sv[1]);
	while (waitpid(mid, &status, 0) == -1)
		if (errno != EINTR)
			die_sys("--learn: wait for PID %d", (int)mid);
	if (status != 0 || read(sv[0], &sup, sizeof(sup)) != sizeof(sup))
		die("--learn: fork the supervisor: failed");
	return sup;
}

/* The descriptor the next open would get: the listener's, to let close. */
static int
next_fd(void)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

	if (fd == -1 && (fd = open("/", O_PATH | O_CLOEXEC)) == -1)
		die_sys("--learn: open /");
	close(fd);
	return fd;
}

static int
load_notifying(const struct notify_filter *f)
{
	struct sock_fprog prog = { f->n, (struct sock_filter *)f->ins };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_NO_NEW_PRIVS)");
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd == -1 && errno == EBUSY)
		die_err(errno, "a filter already in place has a listener: "
		    "learning cannot nest", "load the notifying filter");
	if (fd == -1)
		die_err(errno, errno == EINVAL ? "user notification needs "
		    "Linux 5.5" : NULL, "load the notifying filter");
	return fd;
}

/*
 * Under the filter already, with nobody to answer but this sendmsg: on
 * failure (it has none to expect) the listener is closed, which is let
 * through; every later call then fails with ENOSYS, so scfilter cannot
 * even say why, and dies by abort().
 */
static void
send_listener(int sock, int listener)
{
	char data = 'L', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1) {
		close(listener);
		abort();
	}
}

noreturn void
learn_run(const struct learn_opts *o, const struct exec *ex)
{
	struct notify_filter f;
	struct learned l;
	int sv[2], listener;
	pid_t sup;

	learned_init(&l, o);
	if (o->file != NULL) {
		learned_load(&l);
		learned_check_writable(&l);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		die_sys("--learn: socketpair");
	sup = spawn_supervisor(sv, &l);
	trace("supervisor PID %d; filter: every call notified, then exec %s",
	    (int)sup, ex->path);
	build_filter(&f, sv[0], next_fd());
	listener = load_notifying(&f);
	send_listener(sv[0], listener);
	prog_exec(ex);
}

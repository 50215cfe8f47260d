/*
 * The listener loop of --learn and --trace: each notification is
 * recorded (learned.c), printed under --trace, and answered with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel then runs the call as if
 * no filter were there. The loop ends at POLLHUP, when no process uses
 * the filter any more (the last filtered one has exited and was reaped).
 *
 * FILE is written when a process calls exit or exit_group and the set
 * has grown: before the call continues, so when PROG is gone its
 * profile is on disk, and the shell that ran scfilter can read it at
 * once. What nobody exits from (a kill -9) is written at POLLHUP.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "conch.h"
#include "learn.h"

#define X32_BIT 0x40000000U

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS	/* Linux 6.6 */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

struct notif {
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t reqsize, respsize;
};

/* Buffers of the sizes this kernel's structures have. */
static void
notif_init(struct notif *n, int fd)
{
	struct seccomp_notif_sizes sz;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) == -1)
		die_sys("seccomp(SECCOMP_GET_NOTIF_SIZES)");
	n->fd = fd;
	n->reqsize = sz.seccomp_notif > sizeof(*n->req) ? sz.seccomp_notif :
	    sizeof(*n->req);
	n->respsize = sz.seccomp_notif_resp > sizeof(*n->resp) ?
	    sz.seccomp_notif_resp : sizeof(*n->resp);
	n->req = xcalloc(1, n->reqsize);
	n->resp = xcalloc(1, n->respsize);
	/*
	 * PROG waits for each answer: the kernel then switches straight
	 * to the supervisor and back, on one CPU, as for a call (Linux
	 * 6.6). Older kernels wake it as any waiter: slower, as correct.
	 */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		trace("--learn: the supervisor is woken synchronously");
}

/* The notification's architecture: x32 is x86_64's with x32's bit. */
static struct archslot *
call_slot(struct learned *l, const struct seccomp_data *d)
{
	uint32_t token = d->arch;

	if (token == AUDIT_ARCH_X86_64 && ((uint32_t)d->nr & X32_BIT))
		token = SCMP_ARCH_X32;
	return learned_slot(l, token);
}

/* --trace: "scfilter: [PID] NAME", and the arch when it is not native. */
static void
trace_call(struct archslot *s, const struct seccomp_notif *req)
{
	char line[128], buf[32];
	const char *name = s == NULL ? NULL : learned_name(s,
	    (uint32_t)req->data.nr, buf, sizeof(buf));
	int len;

	if (s == NULL)
		len = snprintf(line, sizeof(line), "%s: [%u] #%d (arch %#x)\n",
		    conch_tool, req->pid, req->data.nr, req->data.arch);
	else if (s->token != seccomp_arch_native())
		len = snprintf(line, sizeof(line), "%s: [%u] %s (%s)\n",
		    conch_tool, req->pid, name, arch_bytoken(s->token)->name);
	else
		len = snprintf(line, sizeof(line), "%s: [%u] %s\n", conch_tool,
		    req->pid, name);
	/* One write a line: lines of several processes do not mix. */
	if (len > 0 && write(STDERR_FILENO, line, (size_t)len) == -1)
		return;		/* stderr gone: the calls still continue */
}

static bool
is_exit(const struct archslot *s, uint32_t nr)
{
	return (s->exitnr[0] >= 0 && (uint32_t)s->exitnr[0] == nr) ||
	    (s->exitnr[1] >= 0 && (uint32_t)s->exitnr[1] == nr);
}

/* One call: recorded, maybe printed and written, then let continue. */
static void
serve_one(struct notif *n, struct learned *l)
{
	struct archslot *s;
	bool exiting;

	memset(n->req, 0, n->reqsize);
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) == -1) {
		/* ENOENT: the caller was killed before we got to it. */
		if (errno != EINTR && errno != ENOENT)
			warn_err(errno, NULL, "--learn: receive a notification");
		return;
	}
	s = call_slot(l, &n->req->data);
	exiting = s != NULL && is_exit(s, (uint32_t)n->req->data.nr);
	if (s != NULL && (!l->opts->inner ||
	    learned_inner(l, (int)n->req->pid, exiting)))
		learned_add(l, s, (uint32_t)n->req->data.nr,
		    (const uint64_t *)n->req->data.args);
	if (l->opts->trace)
		trace_call(s, n->req);
	if (l->opts->file != NULL && l->dirty && exiting)
		learned_write(l);
	memset(n->resp, 0, n->respsize);
	n->resp->id = n->req->id;
	n->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, n->resp) == -1 &&
	    errno != ENOENT)
		warn_err(errno, NULL, "--learn: answer PID %u", n->req->pid);
}

void
notif_serve(int listener, struct learned *l)
{
	struct pollfd pfd = { .fd = listener, .events = POLLIN };
	struct notif n;

	notif_init(&n, listener);
	for (;;) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			die_sys("--learn: poll the listener");
		}
		if (pfd.revents & POLLIN)
			serve_one(&n, l);
		else if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
	}
	free(n.req);
	free(n.resp);
}

/*
 * decompress.c: the bytes of a tar archive, for tar.c: read from a file,
 * a pipe or memory, through gzip, xz, zstd or bzip2 when its first bytes
 * say it is compressed. A decompressor that fails explains a bad stream:
 * its last line is what tar_fail() reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "tarread.h"

extern char **environ;

/*
 * Wait for the decompressor. A failure there explains a bad stream: it
 * is reported with the last line the decompressor said, as one line.
 */
static void
filter_wait(struct tar *t)
{
	char err[512], *line;
	ssize_t n;
	int st;

	if (t->filter == 0)
		return;
	close(t->fd);	/* no writer blocks on us any more */
	t->fd = -1;
	while (waitpid(t->filter, &st, 0) == -1) {
		if (errno != EINTR)
			die_sys("waitpid(%s)", t->filtername);
		interrupt_check();
	}
	t->filter = 0;
	if (st == 0)
		return;
	n = pread(t->errfd, err, sizeof(err) - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	while (n > 0 && err[n - 1] == '\n')
		err[--n] = '\0';
	line = strrchr(err, '\n') ? strrchr(err, '\n') + 1 : err;
	if (*line != '\0')
		die("--tar %s: %s exited with status %d: %s", t->name,
		    t->filtername, status_code(st), line);
	die("--tar %s: %s exited with status %d (a damaged archive?)",
	    t->name, t->filtername, status_code(st));
}

void
tar_fail(struct tar *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	filter_wait(t);
	die("--tar %s: %s", t->name, msg);
}

/* Bytes in the buffer, read when it is empty; 0 at the end. */
size_t
tar_fill(struct tar *t)
{
	ssize_t r;

	while (t->pos == t->len && !t->eof) {
		/* A pipe or a FIFO may make us wait: a signal must end it. */
		if (interrupt_poll(t->fd, POLLIN, -1) == -1) {
			if (errno == EINTR)
				continue;
			die_sys("--tar %s: poll", t->name);
		}
		r = read(t->fd, t->buf, sizeof(t->buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_sys("--tar %s: read", t->name);
		t->eof = r == 0;
		t->pos = 0;
		t->len = r;
	}
	return t->len - t->pos;
}

/* N bytes (to DST, or skipped when DST is NULL), fewer at the end. */
size_t
tar_read(struct tar *t, void *dst, size_t n)
{
	size_t got = 0, k;

	while (got < n && tar_fill(t) > 0) {
		k = t->len - t->pos < n - got ? t->len - t->pos : n - got;
		if (dst != NULL)
			memcpy((char *)dst + got, t->data + t->pos, k);
		t->pos += k;
		got += k;
	}
	t->off += got;
	return got;
}

void
tar_need(struct tar *t, void *dst, uint64_t n)
{
	while (n > 0) {
		size_t k = n > SIZE_MAX / 2 ? SIZE_MAX / 2 : n;

		if (tar_read(t, dst, k) != k)
			tar_fail(t, "truncated archive");
		n -= k;
	}
}

/* Which decompressor, by the archive's first bytes M. */
static const char *const *
tar_filter(const unsigned char m[6])
{
	static const char *const gz[] = { "gzip", "-dc", NULL };
	static const char *const xz[] = { "xz", "-dc", NULL };
	static const char *const zst[] = { "zstd", "-dcq", NULL };
	static const char *const bz[] = { "bzip2", "-dc", NULL };

	if (m[0] == 0x1f && m[1] == 0x8b)
		return gz;
	if (memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
		return xz;
	if (memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return zst;
	if (memcmp(m, "BZh", 3) == 0)
		return bz;
	return NULL;
}

/* Up to N bytes from a pipe, fewer only at its end. */
static size_t
read_some(int fd, unsigned char *buf, size_t n, const char *name)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if (interrupt_poll(fd, POLLIN, -1) == -1 && errno != EINTR)
			die_sys("--tar %s: poll", name);
		r = read(fd, buf + got, n - got);
		if (r == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_sys("--tar %s: read", name);
		got += r;
	}
	return got;
}

/*
 * A process that feeds HEAD, then the rest of FD, into a new pipe: a
 * pipe (--tar -, <(curl ...)) cannot be read twice, and the bytes read to
 * choose the decompressor must reach it first.
 */
static pid_t
feed_pipe(int fd, const unsigned char *head, size_t n, int *out)
{
	char buf[1 << 16];
	ssize_t r, w;
	size_t k;
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		die_sys("pipe2");
	if ((pid = fork()) == -1)
		die_sys("fork");
	if (pid > 0) {
		close(p[1]);
		*out = p[0];
		return pid;
	}
	/* The child: _exit() only, our atexit undo is not its to run. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(p[0]);
	memcpy(buf, head, n);
	r = n;
	for (;;) {
		for (k = 0; k < (size_t)r; k += w) {
			w = write(p[1], buf + k, r - k);
			if (w == -1 && errno != EINTR)
				_exit(1);
			if (w == -1)
				w = 0;
		}
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			_exit(0);
		if (r == -1 && errno != EINTR)
			_exit(1);
		if (r == -1)
			r = 0;
	}
}

/* The decompressor FILTER, reading IN; the tar stream is its output. */
static void
spawn_filter(struct tar *t, const char *const *filter, int in)
{
	posix_spawn_file_actions_t fa;
	int p[2], err;

	t->filtername = filter[0];
	trace("--tar %s: %s %s", t->name, filter[0], filter[1]);
	if (pipe2(p, O_CLOEXEC) == -1)
		die_sys("pipe2");
	t->errfd = memfd_create("stderr", MFD_CLOEXEC);
	if (t->errfd == -1)
		die_sys("memfd_create");
	if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, in, 0)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, t->errfd, 2)) != 0)
		die_err(err, NULL, "posix_spawn_file_actions");
	err = posix_spawnp(&t->filter, filter[0], &fa, NULL,
	    (char *const *)filter, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err != 0)
		die_err(err, err == ENOENT ? "install it, or unpack "
		    "the archive first" : NULL, "--tar %s: run %s",
		    t->name, filter[0]);
	t->fd = p[0];
}

static void
tar_init(struct tar *t, const char *name)
{
	t->name = name;
	t->archive = t->fd = t->errfd = -1;
	t->filter = t->feeder = 0;
	t->filtername = NULL;
	t->data = t->buf;
	t->pos = t->len = 0;
	t->off = 0;
	t->eof = false;
	t->left = t->pad = 0;
}

/* The archive FD (a file or a pipe, which tar_close() closes). */
void
tar_open(struct tar *t, const char *name, int fd)
{
	const char *const *filter;
	unsigned char head[6] = { 0 };
	bool stream;
	size_t n = 0;
	int in = fd;

	tar_init(t, name);
	t->archive = t->fd = fd;
	stream = lseek(fd, 0, SEEK_CUR) == -1 && errno == ESPIPE;
	if (stream)
		n = read_some(fd, head, sizeof(head), name);
	else if (pread(fd, head, sizeof(head), 0) == -1)
		die_sys("--tar %s: read", name);
	filter = tar_filter(head);
	if (stream && filter == NULL) {
		/* Plain tar: the bytes read are the first of the buffer. */
		memcpy(t->buf, head, n);
		t->len = n;
	} else if (stream) {
		t->feeder = feed_pipe(fd, head, n, &in);
	}
	if (filter != NULL)
		spawn_filter(t, filter, in);
	else
		trace("--tar %s: plain tar", name);
	if (t->feeder != 0)
		close(in);
}

/* SIZE bytes at DATA, a plain tar archive (tests, fuzzing). */
void
tar_open_mem(struct tar *t, const char *name, const void *data, size_t size)
{
	tar_init(t, name);
	t->data = data;
	t->len = size;
	t->eof = true;
}

void
tar_close(struct tar *t)
{
	if (t->filtername != NULL) {
		filter_wait(t);
		close(t->errfd);
	}
	if (t->feeder != 0)	/* it ends with the input or the decompressor */
		while (waitpid(t->feeder, NULL, 0) == -1 && errno == EINTR)
			interrupt_check();
	if (t->archive != -1)
		close(t->archive);
}

/*
 * filter.c: xz and bzip2 tarballs (--tar), decompressed by those
 * programs: they come only as whole archives, never as image layers, and
 * the program reads the file itself, on another core. A decompressor
 * that fails explains a bad stream: its last line is what the message
 * says.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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
void
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
		die("%s: %s exited with status %d: %s", t->what,
		    t->filtername, status_code(st), line);
	die("%s: %s exited with status %d (a damaged archive?)", t->what,
	    t->filtername, status_code(st));
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
	trace("%s: %s %s", t->what, filter[0], filter[1]);
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
		    "the archive first" : NULL, "%s: run %s", t->what,
		    filter[0]);
	t->fd = p[0];
}

/*
 * The archive t->fd, whose first bytes HEAD (N of them) say xz or
 * bzip2, through that program; a STREAM (a pipe) has given HEAD already,
 * and a feeder hands it on.
 */
void
filter_start(struct tar *t, const unsigned char *head, size_t n,
    bool stream)
{
	static const char *const xz[] = { "xz", "-dc", NULL };
	static const char *const bz[] = { "bzip2", "-dc", NULL };
	int in = t->fd;

	if (stream)
		t->feeder = feed_pipe(t->fd, head, n, &in);
	spawn_filter(t, head[0] == 'B' ? bz : xz, in);
	if (t->feeder != 0)
		close(in);
}

/*
 * --log FILE and --log-format text|json, as runc writes them and podman
 * and containerd read them: one line per message, an error as
 * {"msg":"...","level":"error","time":"..."}. Engines read the last error
 * of the file when a command fails, and podman maps "executable file not
 * found" to 127 and "permission denied" to 126 by that text.
 *
 * Every message still goes to standard error as the other tools write it
 * (TOOL: what: why). With --log, conch's standard error is a memfd until
 * conch exits or flushes, so that the messages of lib/ (die() and
 * friends) and of the tools of a chain that failed reach the file too:
 * the last line of a failure is the error, the lines before it warnings
 * (or debug lines under --debug).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

/*
 * The one piece of state kept outside a parameter: exit() calls the
 * flush, and atexit(3) passes nothing to its function.
 */
static struct {
	int logfd;	/* the --log file, or -1 */
	int realerr;	/* the standard error conch was given */
	bool json;
	bool ok;	/* log_ok(): the command succeeded */
} L = { -1, -1, false, false };

static void log_at_exit_flush(void);

void
iso_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", sec, ts.tv_nsec);
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* a log that cannot be written: nowhere to say */
		buf += n;
		len -= n;
	}
}

static void
log_line(const char *line, size_t len, const char *level)
{
	char when[64], *out;
	json_t *o;

	iso_time(when, sizeof(when));
	if (L.json) {
		o = json_pack("{s:s%,s:s,s:s}", "msg", line, len, "level",
		    level, "time", when);
		out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (out == NULL)
			return;
		write_all(L.logfd, out, strlen(out));
		write_all(L.logfd, "\n", 1);
		free(out);
		return;
	}
	if (asprintf(&out, "time=\"%s\" level=%s msg=\"%.*s\"\n", when, level,
	    (int)len, line) == -1)
		return;
	write_all(L.logfd, out, strlen(out));
	free(out);
}

void
log_open(const struct logopts *lo)
{
	int fd;

	if (lo->path == NULL)
		return;
	L.json = lo->json;
	L.logfd = open(lo->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0644);
	if (L.logfd == -1)
		die_sys("open the log %s", lo->path);
	L.realerr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (L.realerr == -1)
		die_sys("dup standard error");
	fd = memfd_create("conch-messages", MFD_CLOEXEC);
	if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
		die_sys("memfd_create for the messages");
	close(fd);
	if (atexit(log_at_exit_flush) != 0)
		die("atexit: cannot register the log flush");
}

/* Each line of what was written to standard error, to both places. */
void
log_flush(bool failed)
{
	char *buf, *line, *nl;
	off_t len;
	const char *level;

	if (L.logfd == -1)
		return;
	len = lseek(STDERR_FILENO, 0, SEEK_CUR);
	if (len <= 0)
		return;
	buf = malloc(len + 1);
	if (buf == NULL || pread(STDERR_FILENO, buf, len, 0) != len) {
		free(buf);
		return;
	}
	buf[len] = '\0';
	write_all(L.realerr, buf, len);
	for (line = buf; *line != '\0'; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (failed && (*nl == '\0' || nl[1] == '\0'))
			level = "error";
		else
			level = conch_verbose ? "debug" : "warning";
		log_line(line, nl - line, level);
		if (*nl == '\0')
			break;
	}
	free(buf);
	if (ftruncate(STDERR_FILENO, 0) == 0)
		lseek(STDERR_FILENO, 0, SEEK_SET);
}

static void
log_at_exit_flush(void)
{
	log_flush(!L.ok);
}

/* The standard error conch was given (the memfd took its place). */
int
log_stderr(void)
{
	return L.realerr != -1 ? L.realerr : STDERR_FILENO;
}

void
log_ok(void)
{
	L.ok = true;
}

/* What a chain wrote on its standard error (the memfd FD), as our own. */
void
log_copy(int fd, bool failed)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		write_all(STDERR_FILENO, buf, n);
		off += n;
	}
	if (failed)
		log_flush(true);
}

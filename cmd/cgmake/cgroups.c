/*
 * What cgmake's steps share: waiting on cgroup.events, a cgroup's files
 * listed and read whole, and whether a cgroup holds this process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgmake.h"

/*
 * Does REL hold this process, itself or below? Freezing or killing it
 * would stop cgmake half way. `abs` gets our cgroup, for the message.
 */
bool
holds_self(const struct target *t, const char *rel, char *abs,
    size_t size)
{
	char me[PATH_MAX];
	size_t n = strlen(rel);

	if (cgroup_of_pid(&t->fs, 0, me, sizeof(me), abs, size) == -1)
		return 0;
	return n == 0 || (strncmp(me, rel, n) == 0 &&
	    (me[n] == '\0' || me[n] == '/'));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Until cgroup.events says "KEY WANT": the kernel marks the file with
 * POLLPRI on every change, so this sleeps in poll(2) between reads.
 * Returns -1 with errno ETIMEDOUT after TIMEOUT_MS.
 */
int
wait_events(int dirfd, const char *key, const char *want, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms, left;
	char buf[512], line[64], *p;
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	snprintf(line, sizeof(line), "%s %s", key, want);
	for (;;) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n == -1)
			break;
		buf[n] = '\0';
		p = strstr(buf, line);
		if (p != NULL && (p == buf || p[-1] == '\n')) {
			close(fd);
			return 0;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		if (interrupt_poll(fd, POLLPRI, left) == -1 && errno != EINTR)
			break;
	}
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

const char *
busy_hint(int fd, char *hint, size_t size)
{
	char procs[64] = "";

	read_fileat(fd, "cgroup.procs", procs, sizeof(procs));
	procs[strcspn(procs, "\n")] = '\0';
	snprintf(hint, size, "it has processes (%s%s) and a cgroup with "
	    "processes cannot enable controllers for its children: move them "
	    "into a child cgroup first (cgput -p)", procs,
	    strlen(procs) >= sizeof(procs) - 2 ? "..." : "");
	return hint;
}

/*
 * The whole file, however long (cgroup.procs of a busy cgroup), its
 * trailing newlines cut; NULL with errno.
 */
char *
read_text(int dirfd, const char *name)
{
	size_t len;
	char *buf;

	buf = read_allat(dirfd, name, &len);
	if (buf == NULL)
		return NULL;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return buf;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a cgroup directory, sorted. */
size_t
list_files(int fd, const char *path, char ***names, unsigned char type)
{
	struct dirent *d;
	size_t n = 0, size = 0;
	char **v = NULL;
	DIR *dir;
	int dfd;

	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || (dir = fdopendir(dfd)) == NULL)
		die_sys("open %s", path);
	while ((errno = 0, d = readdir(dir)) != NULL) {
		if (d->d_type != type || strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		v = grow(v, n, &size, sizeof(*v));
		v[n++] = xstrdup(d->d_name);
	}
	if (errno != 0)
		die_sys("read %s", path);
	closedir(dir);
	if (n > 0)
		qsort(v, n, sizeof(*v), by_name);
	*names = v;
	return n;
}

void
free_list(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/*
 * Files: small ones of /proc, /sys and cgroupfs with one read(2) or one
 * write(2), because the kernel takes a map or a limit in a single write;
 * and whole files of any size (mountinfo, /etc/group, cgroup.procs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"

ssize_t
read_fileat(int dirfd, const char *path, char *buf, size_t size)
{
	ssize_t n = 0, len = 0;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	while ((size_t)len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	err = errno;
	close(fd);
	if (n == -1) {
		errno = err;
		return -1;
	}
	buf[len] = '\0';
	return len;
}

ssize_t
read_file(const char *path, char *buf, size_t size)
{
	return read_fileat(AT_FDCWD, path, buf, size);
}

int
write_fileat(int dirfd, const char *path, const char *buf)
{
	size_t len = strlen(buf);
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	n = write(fd, buf, len);
	err = errno;
	if (close(fd) == -1 && n != -1) {
		err = errno;
		n = -1;
	}
	if (n == -1) {
		errno = err;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
write_file(const char *path, const char *buf)
{
	return write_fileat(AT_FDCWD, path, buf);
}

/*
 * Everything left to read on FD, however long (a pipe, /proc, a file),
 * NUL-terminated; its length in *LEN unless LEN is NULL. NULL with errno
 * on a read error. The buffer doubles as it fills: its size is checked.
 */
char *
read_all(int fd, size_t *len)
{
	return read_all_max(fd, SIZE_MAX - 1, len);
}

/*
 * read_all() of at most MAX bytes: more is NULL with errno EFBIG, so that
 * a file given on the command line (a FIFO, /dev/zero) cannot grow the
 * buffer without end.
 */
char *
read_all_max(int fd, size_t max, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = xrealloc(NULL, cap);
	ssize_t r;
	int err;

	for (;;) {
		if (n + 1 >= cap)
			buf = grow(buf, n + 1, &cap, 1);
		r = read(fd, buf + n, cap - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
		if (n > max) {
			r = -1;
			errno = EFBIG;
			break;
		}
	}
	if (r == -1) {
		err = errno;
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* The whole file DIRFD/PATH, as read_all() gives it. */
char *
read_allat(int dirfd, const char *path, size_t *len)
{
	char *buf;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return NULL;
	buf = read_all(fd, len);
	err = errno;
	close(fd);
	errno = err;
	return buf;
}

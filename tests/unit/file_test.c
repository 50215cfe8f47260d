/* lib/file.c: read_all() of large files and of pipes; read_all_max(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "unit.h"

/* A file of SIZE pseudo-random bytes, NULs included; its fd, at 0. */
static int
random_file(size_t size, char **copy)
{
	char path[] = "/tmp/conch-unit-file.XXXXXX";
	char *buf = xrealloc(NULL, size);
	size_t i;
	int fd;

	for (i = 0; i < size; i++)
		buf[i] = (char)unit_random();
	fd = mkstemp(path);
	if (fd == -1 || write(fd, buf, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		unit_skip("cannot write %s", path);
	}
	unlink(path);
	*copy = buf;
	return fd;
}

static void
test_large_file_whole(void)
{
	size_t sizes[] = { 0, 1, 4095, 4096, 4097, 3 << 20 };
	size_t i, len;
	char *want, *got;
	int fd;

	for (i = 0; i < LEN(sizes); i++) {
		fd = random_file(sizes[i], &want);
		len = 12345;
		got = read_all(fd, &len);
		close(fd);
		if (!CHECK(got != NULL))
			continue;
		CHECK_UINT(len, sizes[i]);
		CHECK(memcmp(got, want, sizes[i]) == 0);
		CHECK_INT(got[sizes[i]], '\0');
		free(got);
		free(want);
	}
}

/* A pipe gives little at a time: a writer in a child, 1 MiB in lines. */
static void
test_pipe_whole(void)
{
	size_t len, i, lines = 65536;
	char line[32], *got;
	int p[2];
	pid_t pid;

	if (pipe(p) == -1)
		unit_skip("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (i = 0; i < lines; i++) {
			snprintf(line, sizeof(line), "%015zu\n", i);
			if (write(p[1], line, 16) != 16)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	got = read_all(p[0], &len);
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (!CHECK(got != NULL))
		return;
	CHECK_UINT(len, 16 * lines);
	CHECK_UINT(strlen(got), 16 * lines);
	snprintf(line, sizeof(line), "%015zu\n", lines - 1);
	CHECK(len >= 16 && strcmp(got + len - 16, line) == 0);
	free(got);
}

/* Up to MAX bytes read whole; one more is EFBIG, and no buffer. */
static void
test_max(void)
{
	size_t sizes[] = { 0, 1, 4095, 4096, 4097, 70000 };
	size_t i, len;
	char *want, *got;
	int fd;

	for (i = 0; i < LEN(sizes); i++) {
		fd = random_file(sizes[i], &want);
		got = read_all_max(fd, sizes[i], &len);
		if (CHECK(got != NULL)) {
			CHECK_UINT(len, sizes[i]);
			CHECK(memcmp(got, want, sizes[i]) == 0);
		}
		free(got);
		if (sizes[i] > 0 && lseek(fd, 0, SEEK_SET) == 0) {
			errno = 0;
			CHECK(read_all_max(fd, sizes[i] - 1, &len) == NULL);
			CHECK_INT(errno, EFBIG);
		}
		close(fd);
		free(want);
	}
	/* /dev/zero never ends: the bound alone stops it. */
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		unit_skip("no /dev/zero: %s", strerror(errno));
	CHECK(read_all_max(fd, 1 << 20, NULL) == NULL);
	CHECK_INT(errno, EFBIG);
	close(fd);
}

static void
test_errors(void)
{
	errno = 0;
	CHECK(read_allat(AT_FDCWD, "/nonexistent/conch", NULL) == NULL);
	CHECK_INT(errno, ENOENT);
	CHECK(read_all(-1, NULL) == NULL);
	CHECK_INT(errno, EBADF);
	/* A directory opens, and its read fails: EISDIR, no buffer. */
	CHECK(read_allat(AT_FDCWD, "/", NULL) == NULL);
	CHECK_INT(errno, EISDIR);
}

static void
test_proc_file(void)
{
	size_t len;
	char *s = read_allat(AT_FDCWD, "/proc/self/status", &len);

	if (s == NULL)
		unit_skip("no /proc/self/status: %s", strerror(errno));
	CHECK(strncmp(s, "Name:", 5) == 0);
	CHECK_UINT(strlen(s), len);
	free(s);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_large_file_whole),
	UNIT_CASE(test_pipe_whole),
	UNIT_CASE(test_max),
	UNIT_CASE(test_errors),
	UNIT_CASE(test_proc_file),
};

UNIT_MAIN("file", cases)

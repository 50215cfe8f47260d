/*
 * writeprobe: try to open every file under each PATH for writing, and say
 * which opened. Nothing is ever written: a file that opens for writing is
 * reported and closed, so a probe run where it should not have succeeded
 * changes nothing on the host. Built static by make testprogs, to run in
 * any container root.
 *
 *   writeprobe PATH...
 *
 * Prints "writable: FILE" for each file that opened, then "tried N,
 * writable M"; exits 0 when none opened, 1 when some did, 2 on misuse.
 * Directories are walked without following symbolic links, across mount
 * points (a mount below /sys is part of /sys). Only regular files are
 * tried: a FIFO or device would block or act on open.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned long tried, writable;

static int
try_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int fd;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	tried++;
	fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	close(fd);
	writable++;
	printf("writable: %s\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: writeprobe PATH...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (nftw(argv[i], try_one, 32, FTW_PHYS) == -1) {
			fprintf(stderr, "writeprobe: %s: %s\n", argv[i],
			    strerror(errno));
			return 2;
		}
	printf("tried %lu, writable %lu\n", tried, writable);
	return writable != 0;
}

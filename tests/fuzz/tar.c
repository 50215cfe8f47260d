/*
 * mkrootfs --tar on any bytes: the tar reader and the unpacker
 * (cmd/mkrootfs/tar.c, unpack.c, root.c) unpack each input into ROOT,
 * an empty directory, and what they made is then undone as a failed
 * mkrootfs undoes it. The oracle:
 *   - nothing outside ROOT is ever made, removed or changed: ROOT's
 *     parent, grandparent and great-grandparent, and a file beside them,
 *     keep their inode, link count, mtime and ctime (an entry made or
 *     removed in a directory changes its times, a hard link to a file
 *     its count); four lstat() calls an input, not a tree walk;
 *   - ROOT is empty again after the undo.
 * Where it may (root), the harness works in a mount namespace of its own
 * on a tmpfs mounted nodev: device nodes an archive makes there open
 * nothing, no other process touches the watched directories, and
 * nothing is left behind, even by a crash.
 */
/* fuzz: -detect_leaks=0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "fuzz.h"
#include "mkrootfs/mkrootfs.h"
#include "mkrootfs/tarread.h"

static char top[] = "/tmp/conch-fuzz-tar.XXXXXX";
static bool own_mount;		/* top is a tmpfs in our mount namespace */
static char rootpath[64];
static struct root root;
static char watched[4][64];	/* top, top/1, top/1/2, top/sentinel */
static struct stat baseline[4];
static dev_t scratch_dev;
static int lowfd;		/* the lowest descriptor free between inputs */

/*
 * A die() jumps past the frees of what the unpacker held (fuzz.h), so
 * there is no leak check at exit either; a leak of the good path would
 * still show, as growth, against libFuzzer's -rss_limit_mb.
 */
int
__lsan_is_turned_off(void)
{
	return 1;
}

static noreturn void
fail(const char *what, const char *path)
{
	fprintf(stderr, "tar harness: %s: %s\n", what, path);
	abort();
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A tmpfs of our own goes with our mount namespace; a directory not. */
static void
remove_scratch(void)
{
	if (!own_mount)
		nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * top: where we may, a nodev tmpfs on /mnt in a mount namespace of our
 * own (nothing in the host's view, even after a crash); else a new
 * directory in /tmp. The tree inside it.
 */
static void
make_scratch(void)
{
	static const char *const dirs[] = { "/1", "/1/2", "/1/2/root" };
	struct stat st;
	size_t i;
	int fd;

	if (unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("tmpfs", "/mnt", "tmpfs", MS_NODEV | MS_NOSUID,
	    "mode=0700") == 0) {
		snprintf(top, sizeof(top), "/mnt");
		own_mount = true;
	} else if (mkdtemp(top) == NULL) {
		fail("mkdtemp", top);
	}
	atexit(remove_scratch);
	for (i = 0; i < LEN(dirs); i++) {
		snprintf(rootpath, sizeof(rootpath), "%s%s", top, dirs[i]);
		if (mkdir(rootpath, 0755) == -1)
			fail("mkdir", rootpath);
	}
	snprintf(watched[0], sizeof(watched[0]), "%s", top);
	snprintf(watched[1], sizeof(watched[1]), "%s/1", top);
	snprintf(watched[2], sizeof(watched[2]), "%s/1/2", top);
	snprintf(watched[3], sizeof(watched[3]), "%s/sentinel", top);
	if ((fd = creat(watched[3], 0644)) == -1 || close(fd) == -1)
		fail("create", watched[3]);
	if (stat(top, &st) == -1)
		fail("stat", top);
	scratch_dev = st.st_dev;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	conch_init("mkrootfs");
	make_scratch();
	root_open(&root, rootpath);
	/* Past the coarse clock's tick, so that a change shows in times. */
	usleep(50000);
	for (i = 0; i < LEN(watched); i++)
		if (lstat(watched[i], &baseline[i]) == -1)
			fail("lstat", watched[i]);
	fuzz_mute(true);	/* its descriptors, opened once, are kept */
	fuzz_mute(false);
	if ((lowfd = fcntl(0, F_DUPFD_CLOEXEC, 0)) == -1)
		fail("fcntl", "F_DUPFD");
	close(lowfd);
	return 0;
}

static bool
same_times(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void
check_outside(void)
{
	struct stat st;
	size_t i;

	for (i = 0; i < LEN(watched); i++) {
		const struct stat *b = &baseline[i];

		if (lstat(watched[i], &st) == -1)
			fail("outside the root: gone", watched[i]);
		if (st.st_ino != b->st_ino || st.st_nlink != b->st_nlink ||
		    st.st_mode != b->st_mode ||
		    !same_times(&st.st_mtim, &b->st_mtim) ||
		    !same_times(&st.st_ctim, &b->st_ctim))
			fail("outside the root: changed", watched[i]);
	}
}

static void
check_empty(void)
{
	struct dirent *d;
	DIR *dp = opendir(rootpath);

	if (dp == NULL)
		fail("opendir", rootpath);
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			fail("left in the root after the undo", d->d_name);
	closedir(dp);
}

/* What a die() left open in the scratch tree: the jump skipped close(). */
static void
close_leaked(void)
{
	struct stat st;
	int fd, misses = 0;

	for (fd = lowfd; misses < 8; fd++) {
		if (fstat(fd, &st) == -1) {
			misses++;
			continue;
		}
		misses = 0;
		if (fd != root.fd && st.st_dev == scratch_dev)
			close(fd);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tar t;

	tar_open_mem(&t, "fuzz.tar", data, size);
	FUZZ_TRY(unpack_members(&root, &t));
	close_leaked();
	root_undo(&root);
	check_outside();
	check_empty();
	/* A "./" member gives the root its mode and owner: taken back. */
	if (chmod(rootpath, 0755) == -1 ||
	    chown(rootpath, geteuid(), getegid()) == -1)
		fail("reset", rootpath);
	return 0;
}

/* lib/exec.c: prog_lookup()'s PATH rules, on a crafted tree. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "unit.h"

static char top[64];

static int
remove_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
remove_tree(void)
{
	if (top[0] != '\0')
		nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* TOP/DIR/NAME with MODE (a directory when MODE has S_IFDIR). */
static void
make(const char *dir, const char *name, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", top, dir, name);
	if (S_ISDIR(mode)) {
		mkdir(path, mode & 07777);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || fchmod(fd, mode) == -1) {
		remove_tree();
		unit_skip("cannot make %s", path);
	}
	close(fd);
}

/* A tree of candidates, with PATH set from the ":"-list of its dirs. */
static void
tree(const char *dirs)
{
	char path[4 * PATH_MAX], *p = path;
	const char *d, *end;

	remove_tree();
	snprintf(top, sizeof(top), "/tmp/conch-unit-exec.XXXXXX");
	if (mkdtemp(top) == NULL)
		unit_skip("mkdtemp: %s", strerror(errno));

	make("a", "prog", 0644);		/* not executable */
	make("b", "prog", 0755);
	make("c", "prog", S_IFDIR | 0755);	/* a directory */
	make("d", "only-here", 0755);
	make("e", "noexec-only", 0600);
	path[0] = '\0';
	for (d = dirs;; d = end + 1) {
		end = strchrnul(d, ':');
		if (end == d)
			p += sprintf(p, "%s", d == dirs ? "" : ":");
		else
			p += sprintf(p, "%s%s/%.*s", d == dirs ? "" : ":", top,
			    (int)(end - d), d);
		if (*end == '\0')
			break;
	}
	setenv("PATH", path, 1);
}

static void
test_first_executable_wins(void)
{
	char got[PATH_MAX], want[PATH_MAX];

	tree("a:c:b:d");
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), 0);
	snprintf(want, sizeof(want), "%s/b/prog", top);
	CHECK_STR(got, want);
	CHECK_INT(prog_lookup("only-here", got, sizeof(got)), 0);
	snprintf(want, sizeof(want), "%s/d/only-here", top);
	CHECK_STR(got, want);
	remove_tree();
}

/* Found, but nowhere runnable: EACCES, as execvp says; else ENOENT. */
static void
test_eacces_remembered(void)
{
	char got[PATH_MAX];

	tree("a:c:e");
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(prog_lookup("noexec-only", got, sizeof(got)), -1);
	CHECK_INT(errno, EACCES);
	CHECK_INT(prog_lookup("nowhere", got, sizeof(got)), -1);
	CHECK_INT(errno, ENOENT);
	/* A directory alone is not runnable either. */
	tree("c");
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), -1);
	CHECK_INT(errno, EACCES);
	remove_tree();
}

/* An empty element is the working directory, as ./NAME. */
static void
test_empty_element_is_cwd(void)
{
	char got[PATH_MAX], dir[PATH_MAX];

	tree("a::d");
	snprintf(dir, sizeof(dir), "%s/b", top);
	if (chdir(dir) == -1) {
		remove_tree();
		unit_skip("chdir %s", dir);
	}
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), 0);
	CHECK_STR(got, "./prog");
	setenv("PATH", "", 1);
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), 0);
	CHECK_STR(got, "./prog");
	setenv("PATH", ":", 1);
	CHECK_INT(prog_lookup("prog", got, sizeof(got)), 0);
	CHECK_STR(got, "./prog");
	remove_tree();
}

static void
test_unset_path_is_bin_usr_bin(void)
{
	char got[PATH_MAX];

	unsetenv("PATH");
	CHECK_INT(prog_lookup("sh", got, sizeof(got)), 0);
	CHECK_STR(got, "/bin/sh");
	remove_tree();
}

/* A slash: the name itself, unchecked (execve says the rest). */
static void
test_slash_is_itself(void)
{
	char got[PATH_MAX], small[8];

	tree("a");
	CHECK_INT(prog_lookup("./nonexistent", got, sizeof(got)), 0);
	CHECK_STR(got, "./nonexistent");
	CHECK_INT(prog_lookup("a/b", got, sizeof(got)), 0);
	CHECK_STR(got, "a/b");
	CHECK_INT(prog_lookup("/bin/longer-than-8", small, sizeof(small)), -1);
	CHECK_INT(errno, ENAMETOOLONG);
	CHECK_INT(prog_lookup("", got, sizeof(got)), -1);
	CHECK_INT(errno, ENOENT);
	remove_tree();
}

/* A candidate too long for the buffer is passed over. */
static void
test_long_candidates_skipped(void)
{
	char got[PATH_MAX];
	size_t size;

	tree("b");
	size = strlen(top) + strlen("/b/prog") + 1;
	CHECK_INT(prog_lookup("prog", got, size - 1), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(prog_lookup("prog", got, size), 0);
	remove_tree();
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_first_executable_wins),
	UNIT_CASE(test_eacces_remembered),
	UNIT_CASE(test_empty_element_is_cwd),
	UNIT_CASE(test_unset_path_is_bin_usr_bin),
	UNIT_CASE(test_slash_is_itself),
	UNIT_CASE(test_long_candidates_skipped),
};

UNIT_MAIN("exec", cases)

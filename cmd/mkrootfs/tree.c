/*
 * tree.c: --copy DIR: a host directory into the root at the same path,
 * whole: its directories with their modes, its symlinks as they are, its
 * files copied, and every ELF program or library in it with its loader
 * and library closure (closure.c), so that an interpreter's library tree
 * (python3's /usr/lib/python3.11, perl's module tree) follows the
 * interpreter, with its compiled modules' libraries. A symlink that
 * leads to a file outside the tree brings that file too (at its own
 * path); one that leads to a directory outside does not bring the
 * directory. Scripts in a tree are copied as they are, their #!
 * interpreters not followed: a library tree holds scripts that name
 * interpreters which are not installed (python's cgi.py names
 * /usr/local/bin/python).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "elfread.h"
#include "mkrootfs.h"

/* One tree being copied. */
struct tree {
	struct installer *in;
	const char *what;		/* "--copy DIR", for messages */
	char top[PATH_MAX];		/* its canonical host path */
	size_t files, elves, links, outside, skipped;
};

/* Is the host file FD an ELF program or shared library? */
static bool
is_elf_object(int fd)
{
	struct elf e = { 0 };

	return elf_ident_fd(fd, &e) && (e.type == ET_EXEC || e.type == ET_DYN);
}

/* The host file PATH into the root: with its closure when it is ELF. */
static void
tree_file(struct tree *tw, const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	bool elf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		die_sys("%s: open %s", tw->what, path);
	elf = is_elf_object(fd);
	close(fd);
	tw->files++;
	if (elf) {
		tw->elves++;
		install_program(tw->in, path, path, tw->what);
		return;
	}
	fd = place_host_file(tw->in->root, path, path, real, &st, tw->what);
	close(fd);
}

/* Is PATH (canonical) inside the tree? */
static bool
in_tree(const struct tree *tw, const char *path)
{
	size_t n = strlen(tw->top);

	return strncmp(path, tw->top, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0' || n == 1);
}

/* The symlink PATH, as it is; the file it leads to, if outside. */
static void
tree_link(struct tree *tw, int dfd, const char *name, const char *path)
{
	char target[PATH_MAX], real[PATH_MAX];
	struct stat st;
	ssize_t n;

	n = readlinkat(dfd, name, target, sizeof(target));
	if (n == -1 || (size_t)n >= sizeof(target))
		die_err(n == -1 ? errno : ENAMETOOLONG, NULL,
		    "%s: readlink %s", tw->what, path);
	target[n] = '\0';
	make_link(tw->in->root, path, target);
	tw->links++;
	/* Where it leads, when that is a file outside the tree. */
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    realpath(path, real) == NULL || in_tree(tw, real))
		return;
	tw->outside++;
	tree_file(tw, path);
}

static void walk(struct tree *tw, const char *dir);

/* The entry NAME of the directory DFD, at PATH. */
static void
tree_entry(struct tree *tw, int dfd, const char *name, const char *path)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		die_sys("%s: %s", tw->what, path);
	if (S_ISDIR(st.st_mode)) {
		make_dir(tw->in->root, path, st.st_mode & 07777);
		walk(tw, path);
	} else if (S_ISLNK(st.st_mode)) {
		tree_link(tw, dfd, name, path);
	} else if (S_ISREG(st.st_mode)) {
		tree_file(tw, path);
	} else {
		trace("%s: %s: not a file, a directory or a link: skipped",
		    tw->what, path);
		tw->skipped++;
	}
}

/* Every entry of the host directory DIR, depth first. */
static void
walk(struct tree *tw, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int fd;

	interrupt_check();
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || (dp = fdopendir(fd)) == NULL)
		die_sys("%s: %s", tw->what, dir);
	for (errno = 0; (d = readdir(dp)) != NULL; errno = 0) {
		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		pathf(path, sizeof(path), "%s%s%s", dir,
		    strcmp(dir, "/") == 0 ? "" : "/", d->d_name);
		tree_entry(tw, dirfd(dp), d->d_name, path);
	}
	if (errno != 0)
		die_sys("%s: read %s", tw->what, dir);
	closedir(dp);
}

/* The host directory DIR (absolute), whole, into the root. */
void
copy_tree(struct installer *in, const char *dir, const char *what)
{
	struct tree tw = { .in = in, .what = what };

	mirror_dir(in->root, dir, tw.top);
	walk(&tw, tw.top);
	trace("%s: %zu files (%zu ELF, with their closure), %zu links (%zu "
	    "to files outside), %zu skipped", what, tw.files, tw.elves,
	    tw.links, tw.outside, tw.skipped);
}

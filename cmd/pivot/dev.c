/*
 * pivot's /dev: a tmpfs with the host's basic nodes bound in (a user
 * namespace cannot make device nodes), the terminal on stdin as
 * /dev/console, a devpts instance of its own with ptmx, shm, and the
 * links to /proc/self/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"
#include "pivot.h"

static const char *const pts_options[] = {
	"newinstance", NULL, "ptmxmode", "0666", "mode", "620", NULL,
};

/* Bind the host's /dev/NAME on NAME in our new /dev. */
static void
bind_dev_node(int dev, const char *name)
{
	char host[32];
	int tree;

	snprintf(host, sizeof(host), "/dev/%s", name);
	trace("bind %s on %s", host, host);
	tree = clone_tree(AT_FDCWD, host, 0, false, 0);
	if (tree == -1)
		die_mount("bind %s", host);
	if (mknodat(dev, name, S_IFREG | 0644, 0) == -1)
		die_sys("make %s", host);
	attach(tree, dev, name, host);
	close(tree);
}

/*
 * /dev/console is the terminal on stdin. It is bound by its path: a
 * mount of the namespace the terminal was opened in (fd 0's) cannot be
 * cloned; and the file found must be that terminal.
 */
static void
bind_console(int dev)
{
	struct stat in, st;
	char tty[PATH_MAX];
	ssize_t n;
	int tree;

	if (!isatty(STDIN_FILENO))
		return;
	n = readlink("/proc/self/fd/0", tty, sizeof(tty) - 1);
	if (n == -1 || fstat(STDIN_FILENO, &in) == -1)
		die_sys("find the terminal on stdin");
	tty[n] = '\0';
	tree = clone_tree(AT_FDCWD, tty, 0, false, 0);
	if (tree == -1 || fstat(tree, &st) == -1 || st.st_rdev != in.st_rdev ||
	    !S_ISCHR(st.st_mode)) {
		trace("no /dev/console: stdin's terminal %s is not in this "
		    "mount namespace", tty);
		if (tree != -1)
			close(tree);
		return;
	}
	trace("bind %s on /dev/console", tty);
	if (mknodat(dev, "console", S_IFREG | 0600, 0) == -1)
		die_sys("make /dev/console");
	attach(tree, dev, "console", "/dev/console");
	close(tree);
}

/*
 * A tmpfs with the host's basic nodes bound in (a user namespace cannot
 * make device nodes), a devpts instance of our own with ptmx, shm, and
 * the links to /proc/self/fd.
 */
void
mount_dev(const struct newroot *r, bool mqueue, const char *shm_size)
{
	/* Empty files and links: 64 MiB as every runtime's /dev; shm 64 MiB
	 * by default, as docker's and containerd's. */
	static const char *const dev_options[] = { "mode", "755", "size",
		"65536k", NULL };
	const char *const shm_options[] = { "mode", "1777", "size",
		shm_size != NULL ? shm_size : "65536k", NULL };
	static const char *const nodes[] = {
		"null", "zero", "full", "random", "urandom", "tty",
	};
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	size_t i;
	int dev;

	dev = mount_fs(r, "/dev", "tmpfs", dev_options, ATTR_DEV);
	for (i = 0; i < LEN(nodes); i++)
		bind_dev_node(dev, nodes[i]);
	bind_console(dev);
	mount_fs_in(dev, "pts", "/dev/pts", 0755, "devpts", pts_options,
	    ATTR_PTS);
	mount_fs_in(dev, "shm", "/dev/shm", 01777, "tmpfs", shm_options,
	    ATTR_SHM);
	if (mqueue)
		mount_fs_in(dev, "mqueue", "/dev/mqueue", 0755, "mqueue",
		    (const char *const[]){ NULL }, ATTR_PROC);
	for (i = 0; i < LEN(links); i++) {
		trace("link /dev/%s -> %s", links[i][0], links[i][1]);
		if (symlinkat(links[i][1], dev, links[i][0]) == -1)
			die_sys("link /dev/%s", links[i][0]);
	}
	close(dev);
}

/*
 * install.c: what mkrootfs puts into every root, and what it installs on
 * request besides host programs: the skeleton (merged /usr, /etc files),
 * the conch tools (--tools) and busybox with its applet links
 * (--busybox).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"

extern char **environ;

/* The conch tools that --tools installs. */
static const char *const conch_tools[] = {
	"capset", "cgmake", "cgput", "confine", "idmap", "mkrootfs", "nsjoin",
	"nsnew", "pivot", "scfilter",
};

static const char etc_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char etc_group[] =
	"root:x:0:\n"
	"tty:x:5:\n"
	"nobody:x:65534:\n";
static const char etc_hosts[] =
	"127.0.0.1\tlocalhost\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";
static const char etc_nsswitch[] =
	"passwd:\t\tfiles\n"
	"group:\t\tfiles\n"
	"shadow:\t\tfiles\n"
	"hosts:\t\tfiles dns\n"
	"networks:\tfiles\n"
	"protocols:\tfiles\n"
	"services:\tfiles\n"
	"ethers:\t\tfiles\n"
	"rpc:\t\tfiles\n";

static const struct skel {
	const char *path;
	mode_t mode;		/* S_IFDIR, S_IFLNK or S_IFREG; permissions */
	const char *data;	/* link target or file content */
} skeleton[] = {
	{ "usr", S_IFDIR | 0755, NULL },
	{ "usr/bin", S_IFDIR | 0755, NULL },
	{ "usr/sbin", S_IFDIR | 0755, NULL },
	{ "usr/lib", S_IFDIR | 0755, NULL },
	{ "bin", S_IFLNK, "usr/bin" },
	{ "sbin", S_IFLNK, "usr/sbin" },
	{ "lib", S_IFLNK, "usr/lib" },
	{ "dev", S_IFDIR | 0755, NULL },
	{ "etc", S_IFDIR | 0755, NULL },
	{ "home", S_IFDIR | 0755, NULL },
	{ "mnt", S_IFDIR | 0755, NULL },
	{ "opt", S_IFDIR | 0755, NULL },
	{ "proc", S_IFDIR | 0555, NULL },
	{ "root", S_IFDIR | 0700, NULL },
	{ "run", S_IFDIR | 0755, NULL },
	{ "run/lock", S_IFDIR | 01777, NULL },
	{ "srv", S_IFDIR | 0755, NULL },
	{ "sys", S_IFDIR | 0555, NULL },
	{ "tmp", S_IFDIR | 01777, NULL },
	{ "var", S_IFDIR | 0755, NULL },
	{ "var/cache", S_IFDIR | 0755, NULL },
	{ "var/lib", S_IFDIR | 0755, NULL },
	{ "var/log", S_IFDIR | 0755, NULL },
	{ "var/tmp", S_IFDIR | 01777, NULL },
	{ "var/run", S_IFLNK, "../run" },
	{ "var/lock", S_IFLNK, "../run/lock" },
	{ "etc/passwd", S_IFREG | 0644, etc_passwd },
	{ "etc/group", S_IFREG | 0644, etc_group },
	{ "etc/hosts", S_IFREG | 0644, etc_hosts },
	{ "etc/hostname", S_IFREG | 0644, "localhost\n" },
	{ "etc/nsswitch.conf", S_IFREG | 0644, etc_nsswitch },
	{ "etc/resolv.conf", S_IFREG | 0644, NULL },	/* the host's */
	{ "etc/mtab", S_IFLNK, "../proc/self/mounts" },
};

void
make_skeleton(struct root *r)
{
	static char resolv[1 << 16];
	const struct skel *s;

	for (s = skeleton; s < skeleton + LEN(skeleton); s++) {
		if (S_ISDIR(s->mode)) {
			make_dir(r, s->path, s->mode & 07777);
		} else if (S_ISLNK(s->mode)) {
			make_link(r, s->path, s->data);
		} else if (s->data != NULL) {
			make_file(r, s->path, s->data, s->mode & 07777);
		} else {
			/* The host's resolver setup, or none. */
			if (read_file("/etc/resolv.conf", resolv,
			    sizeof(resolv)) == -1) {
				trace("read /etc/resolv.conf: %s: left empty",
				    strerror(errno));
				resolv[0] = '\0';
			}
			make_file(r, s->path, resolv, s->mode & 07777);
		}
	}
}

void
install_tools(struct installer *in, const char *dir)
{
	char self[PATH_MAX], path[PATH_MAX], dest[PATH_MAX], what[64];
	struct stat st;
	ssize_t n;
	size_t i, found = 0;

	if (dir == NULL) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n == -1)
			die_sys("--tools: readlink /proc/self/exe");
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		dir = self;
	}
	for (i = 0; i < LEN(conch_tools); i++) {
		pathf(path, sizeof(path), "%s/%s", dir, conch_tools[i]);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) == -1)
			continue;
		pathf(dest, sizeof(dest), "/bin/%s", conch_tools[i]);
		snprintf(what, sizeof(what), "--tools %s", conch_tools[i]);
		install_program(in, path, dest, what);
		found++;
	}
	if (found == 0)
		die("--tools: no conch tools in %s", dir);
}

/*
 * Run PROG with stdout into a buffer of at most MAX bytes; dies unless
 * it exits 0.
 */
static char *
run_capture(char *const argv[], size_t max, size_t *len)
{
	posix_spawn_file_actions_t fa;
	char *buf = xrealloc(NULL, max + 1);
	int p[2], err, st;
	ssize_t n;
	pid_t pid;

	*len = 0;
	if (pipe2(p, O_CLOEXEC) == -1)
		die_sys("pipe2");
	if ((err = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
		die_err(err, NULL, "posix_spawn_file_actions");
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err != 0)
		die_err(err, NULL, "run %s %s", argv[0], argv[1]);
	while ((n = read(p[0], buf + *len, max - *len)) != 0) {
		if (n == -1 && errno == EINTR) {
			interrupt_check();
			continue;
		}
		if (n == -1)
			die_sys("read from %s", argv[0]);
		*len += n;
		if (*len == max)
			die("%s %s: output too long", argv[0], argv[1]);
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			die_sys("waitpid(%s)", argv[0]);
		interrupt_check();
	}
	if (st != 0)
		die("%s %s: exited with status %d", argv[0], argv[1],
		    status_code(st));
	buf[*len] = '\0';
	return buf;
}

/* The relative path from directory FROM to TO, both canonical in the root. */
static void
relative_path(const char *from, const char *to, char *out)
{
	size_t common = 0, i, o = 0;

	/* The longest common prefix of whole components. */
	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (from[i] == '\0' && (to[i] == '/' || to[i] == '\0'))
		common = i;
	for (i = common; from[i]; i++)
		if (from[i] == '/')
			o += snprintf(out + o, PATH_MAX - o, "../");
	pathf(out + o, PATH_MAX - o, "%s", to + common + (to[common] == '/'));
}

/*
 * bin/busybox, and a relative link to it for each applet, where busybox
 * itself would install it. The applet list comes from running the host
 * busybox with --list-full: it is the program going into the root, which
 * the user named, and it is the only authority on its own applets (the
 * name table inside it has no stable format to parse).
 */
void
install_busybox(struct installer *in, const char *path)
{
	char canon[PATH_MAX], parent[PATH_MAX], name[NAME_MAX + 1];
	char target[PATH_MAX], *list, *line, *rest;
	char *argv[] = { (char *)path, "--list-full", NULL };
	struct root *r = in->root;
	size_t len, made = 0;
	int fd, pfd;

	install_program(in, path, "/bin/busybox", "--busybox");
	if ((fd = in_root(r, "bin/busybox", R_FOLLOW, canon)) == -1)
		die_sys("--busybox: %s", inside(r, "bin/busybox"));
	close(fd);
	list = run_capture(argv, 1 << 20, &len);
	for (rest = list; (line = strsep(&rest, "\n")) != NULL;) {
		interrupt_check();
		if (*line == '\0')
			continue;
		if (*line == '/' || strstr(line, "..") != NULL ||
		    strlen(line) >= PATH_MAX)
			die("--busybox: %s --list-full: unexpected line "
			    "'%.64s'", path, line);
		if ((pfd = in_root_parent(r, line, R_MKDIR, parent,
		    name)) == -1)
			die_sys("--busybox: %s", inside(r, line));
		relative_path(parent, canon, target);
		if (symlinkat(target, pfd, name) == 0) {
			undo_add(r, U_FILE, parent, name);
			made++;
		} else if (errno != EEXIST) {
			die_sys("--busybox: symlink %s/%s",
			    inside(r, parent), name);
		}
		close(pfd);
	}
	trace("--busybox: %zu applet links made", made);
	free(list);
}

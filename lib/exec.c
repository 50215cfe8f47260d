/*
 * Become PROG, with the exit statuses of env(1): 126 and 127; and find
 * a program in PATH as execvp(3) does, for the tools that must know the
 * file before they exec it (scfilter, nsnew) or copy it (mkrootfs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conch.h"

/* What execve(2) would say of PATH, without running it: 0 or an errno. */
static int
exec_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) == 0 ? 0 : errno;
}

/*
 * NAME as execvp(3) finds it, glibc's policy: a NAME with a slash is
 * itself; else each directory of PATH in turn (unset: /bin:/usr/bin),
 * an empty one being the working directory ("./NAME"). A file that is
 * there but cannot be run (not regular, no x bit, a directory on the
 * way closed) is passed over and remembered: nothing found then is
 * EACCES rather than ENOENT, as execvp says it.
 */
int
prog_lookup(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH"), *dir, *end;
	int err, seen = ENOENT, n;

	if (strchr(name, '/') != NULL || name[0] == '\0') {
		if ((size_t)snprintf(path, size, "%s", name) >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (name[0] == '\0')
			errno = ENOENT;
		return name[0] == '\0' ? -1 : 0;
	}
	if (dirs == NULL)
		dirs = "/bin:/usr/bin";
	for (dir = dirs;; dir = end + 1) {
		end = strchrnul(dir, ':');
		n = snprintf(path, size, "%.*s/%s", end == dir ? 1 : (int)(end -
		    dir), end == dir ? "." : dir, name);
		if (n >= 0 && (size_t)n < size) {
			err = exec_check(path);
			if (err == 0)
				return 0;
			if (err == EACCES)
				seen = EACCES;
		}
		if (*end == '\0')
			break;
	}
	errno = seen;
	return -1;
}

static noreturn void
exec_failed(const char *name, const char *path, int err, const char *hint)
{
	if (err != ENOENT && err != ENOTDIR) {
		warn_err(err, NULL, "exec %s", name);
		exit(EXIT_CANNOT_EXEC);
	}
	/* ENOENT for a file that is there: its #! or ELF loader is not. */
	if (path != NULL && access(path, F_OK) == 0) {
		warn_err(err, "its interpreter or ELF loader is missing",
		    "exec %s", name);
		exit(EXIT_CANNOT_EXEC);
	}
	warn_err(err, hint, "exec %s", name);
	exit(EXIT_NOT_FOUND);
}

void
exec_prog(char **argv, const char *notfound_hint)
{
	char *shell[2] = { NULL, NULL }, path[4096];

	interrupt_end();	/* no undo past this point */
	if (argv == NULL || argv[0] == NULL) {
		shell[0] = getenv("SHELL");
		if (shell[0] == NULL || shell[0][0] == '\0')
			shell[0] = "/bin/sh";
		argv = shell;
	}
	trace("exec %s", argv[0]);
	if (prog_lookup(argv[0], path, sizeof(path)) == -1)
		exec_failed(argv[0], NULL, errno, notfound_hint != NULL ||
		    strchr(argv[0], '/') != NULL ? notfound_hint :
		    "not found in PATH");
	/* With a slash, execvp() runs PATH itself, and a script without
	 * #! with /bin/sh, as POSIX asks (glibc; musl does not). */
	execvp(path, argv);
	exec_failed(argv[0], path, errno, notfound_hint);
}

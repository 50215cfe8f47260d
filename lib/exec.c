/* Become PROG, with the exit statuses of env(1): 126 and 127. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"

void
exec_prog(char **argv, const char *notfound_hint)
{
	char *shell[2] = { NULL, NULL };
	int err;

	interrupt_end();	/* no undo past this point */
	if (argv == NULL || argv[0] == NULL) {
		shell[0] = getenv("SHELL");
		if (shell[0] == NULL || shell[0][0] == '\0')
			shell[0] = "/bin/sh";
		argv = shell;
	}
	trace("exec %s", argv[0]);
	execvp(argv[0], argv);
	err = errno;
	if (err != ENOENT && err != ENOTDIR) {
		warn_err(err, NULL, "exec %s", argv[0]);
		exit(EXIT_CANNOT_EXEC);
	}
	/* ENOENT for a file that is there: its #! or ELF loader is not. */
	if (strchr(argv[0], '/') != NULL && access(argv[0], F_OK) == 0) {
		warn_err(err, "its interpreter or ELF loader is missing",
		    "exec %s", argv[0]);
		exit(EXIT_CANNOT_EXEC);
	}
	if (notfound_hint == NULL && strchr(argv[0], '/') == NULL)
		notfound_hint = "not found in PATH";
	warn_err(err, notfound_hint, "exec %s", argv[0]);
	exit(EXIT_NOT_FOUND);
}

/*
 * subreaper CMD [ARG]...: run CMD as a child subreaper does, as conmon
 * and containerd's shim do, and report every process that ends as our
 * child: "CMD STATUS" for CMD, "orphan STATUS" for each process that a
 * detached descendant left to us (nsnew --detach, nsjoin --detach).
 * STATUS is the exit status, or 128+N for signal N. Exits 0 once none
 * is left.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t cmd, pid;
	int status;

	if (argc < 2) {
		fputs("usage: subreaper CMD [ARG]...\n", stderr);
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		perror("subreaper: prctl");
		return 125;
	}
	if ((cmd = fork()) == -1) {
		perror("subreaper: fork");
		return 125;
	}
	if (cmd == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	while ((pid = wait(&status)) != -1) {
		printf("%s %d\n", pid == cmd ? "CMD" : "orphan",
		    WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
		    WEXITSTATUS(status));
		fflush(stdout);
	}
	return errno == ECHILD ? 0 : 125;
}

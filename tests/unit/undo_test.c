/*
 * lib/undo.c: entries run last first at a failure's exit, a failed one
 * is said and passed over, a commit keeps all, and an interrupt or a
 * failed exec undoes too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conch.h"
#include "unit.h"

/* An entry that says its name on stderr, and fails when told to. */
struct step {
	char name[16];
	int err;
};

static int
step(const void *data)
{
	const struct step *s = data;

	fprintf(stderr, "ran %s\n", s->name);
	if (s->err == 0)
		return 0;
	errno = s->err;
	return -1;
}

static void
push_step(const char *name, int err)
{
	struct step s = { .err = err };

	snprintf(s.name, sizeof(s.name), "%s", name);
	undo_push(step, &s, sizeof(s), "step %s", name);
}

static void
three_then_die(void *arg)
{
	(void)arg;
	conch_init("unit");
	conch_verbose = 1;
	push_step("a", 0);
	push_step("b", EPERM);
	push_step("c", 0);
	die("failed");
}

static void
test_last_first_and_warn(void)
{
	char err[4096];

	CHECK_INT(unit_run(three_then_die, NULL, err, sizeof(err)), 125);
	CHECK_STR(err, "unit: failed\n"
	    "unit: undo: step c\nran c\n"
	    "unit: undo: step b\nran b\n"
	    "unit: undo: step b: Operation not permitted\n"
	    "unit: undo: step a\nran a");
}

/* Not verbose: only the failure is said. */
static void
quiet_then_die(void *arg)
{
	(void)arg;
	conch_init("unit");
	conch_verbose = 0;
	push_step("a", ENOENT);
	push_step("b", 0);
	exit(EXIT_TOOL);
}

static void
test_quiet_policy(void)
{
	char err[4096];

	CHECK_INT(unit_run(quiet_then_die, NULL, err, sizeof(err)), 125);
	CHECK_STR(err, "ran b\nran a\n"
	    "unit: undo: step a: No such file or directory");
}

static void
commit_then_die(void *arg)
{
	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	undo_commit();
	push_step("b", 0);	/* a new entry after a commit is armed */
	die("failed");
}

static void
test_commit_keeps(void)
{
	char err[4096];

	CHECK_INT(unit_run(commit_then_die, NULL, err, sizeof(err)), 125);
	CHECK_STR(err, "unit: failed\nran b");
}

/* Success exits undo nothing only once committed: exit 0 undoes too. */
static void
commit_then_exit(void *arg)
{
	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	undo_commit();
	exit(0);
}

static void
test_commit_then_exit(void)
{
	char err[4096];

	CHECK_INT(unit_run(commit_then_exit, NULL, err, sizeof(err)), 0);
	CHECK_STR(err, "");
}

static char dir[] = "/tmp/conch-unit-undo.XXXXXX";

/* Made through a descriptor that is closed at once: the log has its own. */
static void
make_then_die(void *arg)
{
	int fd, f;

	(void)arg;
	conch_init("unit");
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || mkdirat(fd, "d", 0755) == -1)
		exit(3);
	undo_unlink(fd, "d", true, "remove %s/d", dir);
	f = openat(fd, "d/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (f == -1)
		exit(3);
	close(f);
	undo_unlink(fd, "d/f", false, "remove %s/d/f", dir);
	undo_unlink(fd, "never-made", false, "remove never-made");
	close(fd);
	die("failed");
}

static void
test_unlink_entries(void)
{
	char err[4096], path[64];

	if (mkdtemp(dir) == NULL)
		unit_skip("mkdtemp: %s", strerror(errno));
	CHECK_INT(unit_run(make_then_die, NULL, err, sizeof(err)), 125);
	CHECK_STR(err, "unit: failed\n"
	    "unit: undo: remove never-made: No such file or directory");
	snprintf(path, sizeof(path), "%s/d", dir);
	CHECK_MSG(access(path, F_OK) == -1, "%s left behind", path);
	rmdir(path);
	rmdir(dir);
}

/* A child's exit is not the tool's failure. */
static void
child_exits(void *arg)
{
	pid_t pid;
	int st;

	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	pid = fork();
	if (pid == 0)
		exit(EXIT_TOOL);
	waitpid(pid, &st, 0);
	fprintf(stderr, "child %d\n", WEXITSTATUS(st));
	undo_commit();
}

static void
test_child_does_not_undo(void)
{
	char err[4096];

	CHECK_INT(unit_run(child_exits, NULL, err, sizeof(err)), 0);
	CHECK_STR(err, "child 125");
}

/*
 * SIGINT: the handler notes it, the next check dies, the log runs, and
 * the process ends killed by the signal (lib/signal.c's order).
 */
static void
interrupted_then_check(void *arg)
{
	(void)arg;
	conch_init("unit");
	interrupt_catch();
	push_step("a", 0);
	raise(SIGINT);
	fprintf(stderr, "still here\n");
	interrupt_check();
}

static void
test_interrupt_undoes(void)
{
	char err[4096];

	CHECK_INT(unit_run(interrupted_then_check, NULL, err, sizeof(err)),
	    128 + SIGINT);
	CHECK_STR(err, "still here\nunit: interrupted by SIGINT\nran a");
}

/* Without interrupt_catch() first: the log's first entry does it. */
static void
interrupted_uncaught(void *arg)
{
	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	raise(SIGTERM);
	interrupt_check();
}

static void
test_log_catches_interrupts(void)
{
	char err[4096];

	CHECK_INT(unit_run(interrupted_uncaught, NULL, err, sizeof(err)),
	    128 + SIGTERM);
	CHECK_STR(err, "unit: interrupted by SIGTERM\nran a");
}

/* Armed at exec_prog(): a failed exec undoes (127), a good one keeps. */
static void
exec_missing(void *arg)
{
	char *argv[] = { "/nonexistent/conch-prog", NULL };

	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	exec_prog(argv, NULL);
}

static void
exec_true(void *arg)
{
	char *argv[] = { "true", NULL };

	(void)arg;
	conch_init("unit");
	push_step("a", 0);
	exec_prog(argv, NULL);
}

static void
test_exec_and_the_log(void)
{
	char err[4096];

	CHECK_INT(unit_run(exec_missing, NULL, err, sizeof(err)), 127);
	CHECK_STR(err, "unit: exec /nonexistent/conch-prog: No such file or "
	    "directory\nran a");
	CHECK_INT(unit_run(exec_true, NULL, err, sizeof(err)), 0);
	CHECK_STR(err, "");
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_last_first_and_warn),
	UNIT_CASE(test_quiet_policy),
	UNIT_CASE(test_commit_keeps),
	UNIT_CASE(test_commit_then_exit),
	UNIT_CASE(test_unlink_entries),
	UNIT_CASE(test_child_does_not_undo),
	UNIT_CASE(test_interrupt_undoes),
	UNIT_CASE(test_log_catches_interrupts),
	UNIT_CASE(test_exec_and_the_log),
};

UNIT_MAIN("undo", cases)

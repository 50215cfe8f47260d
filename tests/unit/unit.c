/*
 * unit.c: the harness of unit.h. Each case is forked: the child runs it
 * and exits 0 (passed), 1 (a check failed) or 77 (skipped); anything else,
 * a signal included, is a failure of that case, named with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

enum { CASE_PASS = 0, CASE_FAIL = 1, CASE_SKIP = 77 };

static bool case_failed;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

bool
unit_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	case_failed = true;
	fprintf(stderr, "  %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

bool
unit_check_int(long long got, long long want, const char *file, int line,
    const char *what)
{
	return unit_check(got == want, file, line, "%s is %lld, expected %lld",
	    what, got, want);
}

bool
unit_check_uint(unsigned long long got, unsigned long long want,
    const char *file, int line, const char *what)
{
	return unit_check(got == want, file, line,
	    "%s is %llu (%#llx), expected %llu (%#llx)", what, got, got, want,
	    want);
}

bool
unit_check_str(const char *got, const char *want, const char *file,
    int line, const char *what)
{
	bool same = got != NULL && want != NULL ? strcmp(got, want) == 0 :
	    got == want;

	return unit_check(same, file, line, "%s is \"%s\", expected \"%s\"",
	    what, got != NULL ? got : "(null)", want != NULL ? want : "(null)");
}

void
unit_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP-REASON ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	_exit(CASE_SKIP);
}

static int
wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

int
unit_run(void (*fn)(void *), void *arg, char *err, size_t size)
{
	int p[2], st;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		fn(arg);
		exit(0);
	}
	close(p[1]);
	while (len + 1 < size &&
	    (n = read(p[0], err + len, size - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += n;
	}
	close(p[0]);
	while (len > 0 && err[len - 1] == '\n')
		len--;
	err[len] = '\0';
	st = wait_status(pid);
	return st;
}

bool
unit_check_dies(void (*fn)(void *), void *arg, const char *msg,
    const char *file, int line)
{
	char err[4096];
	int st = unit_run(fn, arg, err, sizeof(err));

	return unit_check(st == 125 && strcmp(err, msg) == 0, file, line,
	    "expected status 125 and \"%s\", got %d and \"%s\"", msg, st, err);
}

void
unit_seed(uint64_t seed)
{
	rng_state = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t
unit_random(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Runs one case in a child; its outcome, and a skip's reason in why. */
static int
run_case(const struct unit_case *c, char *why, size_t size)
{
	char buf[4096];
	int p[2], st;
	ssize_t n;
	pid_t pid;

	why[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1)
		return CASE_FAIL;
	fflush(NULL);
	pid = fork();
	if (pid == -1)
		return CASE_FAIL;
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		case_failed = false;
		c->fn();
		fflush(NULL);
		_exit(case_failed ? CASE_FAIL : CASE_PASS);
	}
	close(p[1]);
	n = read(p[0], why, size - 1);
	why[n > 0 ? n : 0] = '\0';
	while (read(p[0], buf, sizeof(buf)) > 0)
		;	/* more than a reason: drained, so the case never blocks */
	close(p[0]);
	why[strcspn(why, "\n")] = '\0';
	if (strncmp(why, "SKIP-REASON ", 12) == 0)
		memmove(why, why + 12, strlen(why + 12) + 1);
	st = wait_status(pid);
	if (st == CASE_PASS || st == CASE_SKIP)
		return st;
	if (st != CASE_FAIL)
		snprintf(why, size, "exited with status %d", st);
	return CASE_FAIL;
}

/* Runs the cases named on the command line, or all; 0 if none failed. */
int
unit_main(const char *suite, const struct unit_case *cases, size_t n,
    int argc, char **argv)
{
	const char *results = getenv("CONCH_RESULTS");
	const char *seed = getenv("UNIT_SEED");
	size_t i, pass = 0, fail = 0, skip = 0;
	FILE *out = NULL;
	char why[512];
	int k, r;

	uint64_t s = seed != NULL ? strtoull(seed, NULL, 0) :
	    (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;

	unit_seed(s);
	printf("unit-%s: UNIT_SEED=%#llx\n", suite, (unsigned long long)s);
	if (results != NULL && (out = fopen(results, "ae")) == NULL) {
		perror(results);
		return 2;
	}
	for (i = 0; i < n; i++) {
		for (k = 1; k < argc && strcmp(argv[k], cases[i].name) != 0;)
			k++;
		if (argc > 1 && k == argc)
			continue;
		printf("%s\n", cases[i].name);
		fflush(stdout);
		r = run_case(&cases[i], why, sizeof(why));
		const char *word = r == CASE_PASS ? "PASS" :
		    r == CASE_SKIP ? "SKIP" : "FAIL";
		if (r == CASE_PASS)
			pass++;
		else if (r == CASE_SKIP)
			skip++;
		else
			fail++;
		if (why[0] != '\0')
			printf("  %s: %s\n", word, why);
		if (out != NULL)
			fprintf(out, "%s unit-%s %s%s%s%s\n", word, suite,
			    cases[i].name, why[0] != '\0' ? " (" : "", why,
			    why[0] != '\0' ? ")" : "");
	}
	if (out != NULL)
		fclose(out);
	printf("unit-%s: %zu passed, %zu failed, %zu skipped\n", suite, pass,
	    fail, skip);
	return fail != 0;
}

/*
 * unit.h: a small harness for the unit tests of tests/unit/, whose
 * results join the shunit2 suites' in tests/run's closing line.
 *
 * A unit test is tests/unit/NAME_test.c: static void test_x(void)
 * functions that CHECK what they expect, listed in a table given to
 * unit_main(). Each case runs in a child of its own, so that a crash, an
 * abort or a die() of the code under test fails that case only. Results
 * go to $CONCH_RESULTS as "PASS|FAIL|SKIP unit-NAME test_x" lines, and a
 * summary to stdout.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

#define UNIT_CASE(fn) { #fn, fn }

/* Checks: record a failure (with the file and line) and go on. */
#define CHECK(cond) unit_check((cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) unit_check((cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_INT(a, b) unit_check_int((long long)(a), (long long)(b), \
	__FILE__, __LINE__, #a)
#define CHECK_UINT(a, b) unit_check_uint((unsigned long long)(a), \
	(unsigned long long)(b), __FILE__, __LINE__, #a)
#define CHECK_STR(a, b) unit_check_str((a), (b), __FILE__, __LINE__, #a)

bool unit_check(bool ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool unit_check_int(long long got, long long want, const char *file,
    int line, const char *what);
bool unit_check_uint(unsigned long long got, unsigned long long want,
    const char *file, int line, const char *what);
bool unit_check_str(const char *got, const char *want, const char *file,
    int line, const char *what);

/* The case is skipped, with the reason; the caller returns. */
void unit_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Runs fn(arg) in a child and gives its exit status (or 128+N for a
 * signal) and what it wrote to stderr (trailing newline cut), in err: for
 * the messages of code that dies.
 */
int unit_run(void (*fn)(void *), void *arg, char *err, size_t size);

/* Expects fn(arg) to die with status 125 and exactly the message MSG. */
#define CHECK_DIES(fn, arg, msg) unit_check_dies((fn), (arg), (msg), \
	__FILE__, __LINE__)
bool unit_check_dies(void (*fn)(void *), void *arg, const char *msg,
    const char *file, int line);

/* A small, seedable random source for property tests (xorshift64*). */
uint64_t unit_random(void);
void unit_seed(uint64_t seed);

int unit_main(const char *suite, const struct unit_case *cases, size_t n,
    int argc, char **argv);

#define UNIT_MAIN(suite, cases) \
	int main(int argc, char **argv) \
	{ \
		return unit_main(suite, cases, sizeof(cases) / \
		    sizeof((cases)[0]), argc, argv); \
	}

#endif

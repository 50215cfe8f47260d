/*
 * cgmake's settings (cmd/cgmake/settings.c): the first byte of the input
 * picks the interface file, the rest is its VALUE. Two oracles:
 * - a model, written here, of what a size (K, M, G, T, max), a count
 *   and cpu.max's PERCENT% become;
 * - the kernel form is a fixed point: whatever FILE=VALUE became,
 *   FILE=that must be accepted and stay the same (a value cgmake writes
 *   is one it would take).
 * A die() on bad input is an answer, for which the model must agree.
 */
/* fuzz: -detect_leaks=0 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgmake/cgmake.h"
#include "fuzz.h"

static const char *const files[] = {
	"memory.max", "memory.swap.high", "hugetlb.1GB.max", "pids.max",
	"cgroup.max.depth", "cpu.max", "io.max", "cgroup.type",
	"cpuset.cpus", "cgroup.procs",
};

enum { SIZE, COUNT, CPU, OTHER };

static int
kind(const char *file)
{
	if (strstr(file, "memory.") == file || strstr(file, "hugetlb.") == file)
		return SIZE;
	if (strcmp(file, "pids.max") == 0 || strcmp(file, "cgroup.max.depth") == 0)
		return COUNT;
	return strcmp(file, "cpu.max") == 0 ? CPU : OTHER;
}

/* A size as the model reads it: 0 and OUT, or -1. */
static int
model_size(const char *v, char *out, size_t size)
{
	unsigned long long n = 0;
	const char *p = v, *u;
	int shift = 0;

	if (strcmp(v, "max") == 0)
		return snprintf(out, size, "max") < 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (~0ULL - (*p - '0')) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (*p != '\0') {
		u = strchr("KMGT", toupper((unsigned char)*p));
		if (u == NULL || *u == '\0' || p[1] != '\0')
			return -1;
		shift = 10 * (int)(u - "KMGT" + 1);
		if (n > ~0ULL >> shift)
			return -1;
	}
	snprintf(out, size, "%llu", n << shift);
	return 0;
}

/* PERCENT%: 1 and OUT, 0 when it is no percentage, -1 when bad. */
static int
model_percent(const char *v, char *out, size_t size)
{
	unsigned long long whole = 0, milli = 0;
	int digits = 0;

	if (strchr(v, '%') == NULL)
		return 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	for (; isdigit((unsigned char)*v); v++)
		if ((whole = whole * 10 + (*v - '0')) > 1000000)
			return -1;
	if (*v == '.') {
		for (v++; isdigit((unsigned char)*v) && digits < 3; v++, digits++)
			milli = milli * 10 + (*v - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			milli *= 10;
	}
	if (strcmp(v, "%") != 0 || whole * 1000 + milli == 0)
		return -1;
	snprintf(out, size, "%llu 100000", whole * 1000 + milli);
	return 1;
}

/* What the model says FILE=V gives: 1 with OUT, 0 if unknown, -1 bad. */
static int
model(const char *file, const char *v, char *out, size_t size)
{
	if (strcmp(file, "cgroup.procs") == 0)
		return -1;
	switch (kind(file)) {
	case SIZE:
	case COUNT:
		return model_size(v, out, size) == 0 ? 1 : -1;
	case CPU:
		return model_percent(v, out, size);
	default:
		return 0;
	}
}

static struct setting s, again;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conch_init("cgmake");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char arg[8192], want[4200], second[8192];
	const char *file;
	int st, m;

	if (size == 0 || size > 4500 || memchr(data, '\0', size) != NULL)
		return 0;
	file = files[data[0] % (sizeof(files) / sizeof(files[0]))];
	snprintf(arg, sizeof(arg), "%s=%.*s", file, (int)size - 1,
	    (const char *)data + 1);
	st = FUZZ_TRY(setting_parse(&s, arg));
	m = model(file, arg + strlen(file) + 1, want, sizeof(want));
	if ((m == -1 && st == 0) || (m == 1 && st != 0))
		abort();
	if (m == 1 && strcmp(s.value, want) != 0)
		abort();
	if (st != 0)
		return 0;
	snprintf(second, sizeof(second), "%s=%s", file, s.value);
	if (FUZZ_TRY(setting_parse(&again, second)) != 0 ||
	    strcmp(again.value, s.value) != 0)
		abort();
	return 0;
}

/* lib/mem.c: allocations that die, and sizes that cannot wrap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"
#include "unit.h"

static void
test_grow_doubles_from_16(void)
{
	size_t cap = 0, len;
	int *v = NULL;

	for (len = 0; len < 1000; len++) {
		v = grow(v, len, &cap, sizeof(*v));
		v[len] = (int)len;
		CHECK(cap > len);
	}
	CHECK_UINT(cap, 1024);
	for (len = 0; len < 1000; len++)
		if (!CHECK_INT(v[len], len))
			break;
	free(v);
}

static void
test_grow_keeps_room(void)
{
	size_t cap = 32;
	char *p = xrealloc(NULL, cap), *q;

	q = grow(p, 31, &cap, 1);
	CHECK(q == p);
	CHECK_UINT(cap, 32);
	free(q);
}

static void
grow_huge(void *arg)
{
	size_t cap = SIZE_MAX / 2 + 1;

	(void)arg;
	conch_init("unit");
	grow(NULL, cap, &cap, 1);
}

static void
grow_wraps(void *arg)
{
	size_t cap = SIZE_MAX / 16;

	(void)arg;
	conch_init("unit");
	/* 2 * cap elements of 16 bytes: more than SIZE_MAX bytes. */
	grow(NULL, cap, &cap, 16);
}

static void
reallocarray_wraps(void *arg)
{
	(void)arg;
	conch_init("unit");
	xreallocarray(NULL, SIZE_MAX / 8 + 1, 8);
}

static void
realloc_too_much(void *arg)
{
	(void)arg;
	conch_init("unit");
	xrealloc(NULL, SIZE_MAX - 4096);
}

static void
test_overflow_dies(void)
{
	CHECK_DIES(grow_huge, NULL, "unit: out of memory");
	CHECK_DIES(grow_wraps, NULL, "unit: out of memory");
	CHECK_DIES(reallocarray_wraps, NULL, "unit: out of memory");
	CHECK_DIES(realloc_too_much, NULL, "unit: out of memory");
}

static void
test_copies(void)
{
	char *s = xstrdup("abc"), *t = xstrndup("abcdef", 4);
	int *z = xcalloc(8, sizeof(*z));
	size_t i;

	CHECK_STR(s, "abc");
	CHECK_STR(t, "abcd");
	for (i = 0; i < 8; i++)
		CHECK_INT(z[i], 0);
	/* Zero sizes still give memory to free, never NULL. */
	free(xrealloc(NULL, 0));
	free(xcalloc(0, 0));
	free(xreallocarray(NULL, 0, 8));
	free(s);
	free(t);
	free(z);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_grow_doubles_from_16),
	UNIT_CASE(test_grow_keeps_room),
	UNIT_CASE(test_overflow_dies),
	UNIT_CASE(test_copies),
};

UNIT_MAIN("mem", cases)

/*
 * Memory that cannot fail: a tool that runs out has nothing sensible
 * left to do but say so and stop (its undo runs at exit). Every size is
 * checked for overflow before it is asked for, so a count read from an
 * archive or a command line can never wrap into a small allocation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"

static noreturn void
out_of_memory(void)
{
	die("out of memory");
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size != 0 ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

/* realloc() of N elements of SIZE bytes, N * SIZE checked. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		out_of_memory();
	return xrealloc(p, n * size);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		out_of_memory();
	return d;
}

char *
xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		out_of_memory();
	return d;
}

/*
 * Room for one element more in LIST, which holds LEN of *CAP allocated,
 * each SIZE bytes: *CAP doubles (from 16) when LEN reaches it. Returns the
 * list, moved or not.
 */
void *
grow(void *list, size_t len, size_t *cap, size_t size)
{
	if (len < *cap)
		return list;
	if (*cap > SIZE_MAX / 2)
		out_of_memory();
	*cap = *cap != 0 ? 2 * *cap : 16;
	return xreallocarray(list, *cap, size);
}

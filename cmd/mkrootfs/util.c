/*
 * util.c: allocation, path formatting and writes that die rather than
 * fail, for every file of mkrootfs. Stand-ins for lib/mem.c and
 * lib/file.c, which take their place once those exist (issue 10).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conch.h"
#include "mkrootfs.h"

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL && n != 0)
		die("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die("out of memory");
	return d;
}

/* Grow *list (of *len elements, *cap allocated) for one more element. */
void *
grow(void *list, size_t len, size_t *cap, size_t size)
{
	if (len < *cap)
		return list;
	*cap = *cap ? 2 * *cap : 16;
	return xrealloc(list, *cap * size);
}

/* snprintf that refuses to truncate a path. */
void
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("path too long: %.64s...", buf);
}

/* DIR/NAME, or DIR when NAME is NULL, into PATH (PATH_MAX bytes). */
void
path_join(char *path, const char *dir, const char *name)
{
	if (name != NULL)
		pathf(path, PATH_MAX, "%s/%s", dir, name);
	else
		pathf(path, PATH_MAX, "%s", dir);
}

void
write_all(int fd, const char *buf, size_t len, const char *what)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR) {
			interrupt_check();
			continue;
		}
		if (n == -1)
			die_sys("write %s", what);
		buf += n;
		len -= n;
	}
}

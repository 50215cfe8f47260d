/*
 * Argument vectors that grow, as the chain is built one tool at a time,
 * and the shell quoting with which `conch chain` prints them. Memory
 * that cannot be had ends the runtime (lib/mem.c): nothing is made
 * before the chain is complete, so there is nothing to undo.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/*
 * A subcommand's getopt loop ends here: -h, -v and -V are not its own
 * (they are conch's), so anything left is an unknown or incomplete
 * option, said as every tool says it.
 */
void
die_usage(int c, char **argv)
{
	common_option(c == 'h' || c == 'v' || c == 'V' ? '?' : c, argv, "");
	exit(EXIT_TOOL);	/* not reached: common_option dies */
}

static void
strv_grow(struct strv *s)
{
	if (s->n + 2 <= s->cap)
		return;
	s->cap = s->cap == 0 ? 16 : s->cap * 2;
	s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
}

void
strv_add(struct strv *s, const char *arg)
{
	strv_grow(s);
	s->v[s->n++] = xstrdup(arg);
	s->v[s->n] = NULL;
}

void
strv_addf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) == -1)
		die("out of memory");
	va_end(ap);
	strv_grow(s);
	s->v[s->n++] = p;
	s->v[s->n] = NULL;
}

void
strv_addv(struct strv *s, const struct strv *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		strv_add(s, from->v[i]);
}

bool
strv_has(const struct strv *s, const char *arg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], arg) == 0)
			return true;
	return false;
}

void
strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/*
 * ARG as one shell word: as it is when it holds only characters no shell
 * treats specially, else in single quotes ('\'' for a quote).
 */
void
shell_quote(const char *arg, char *buf, size_t size)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+./:=,%@";
	size_t o = 0;

	if (arg[0] != '\0' && arg[strspn(arg, plain)] == '\0') {
		snprintf(buf, size, "%s", arg);
		return;
	}
	if (size < 3)
		die("shell_quote: no room");
	buf[o++] = '\'';
	for (; *arg != '\0' && o + 6 < size; arg++) {
		if (*arg == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *arg;
		}
	}
	if (*arg != '\0')
		die("argument too long to print: %.40s...", arg);
	buf[o++] = '\'';
	buf[o] = '\0';
}

/*
 * mountinfo lines (lib/mountinfo.c), round trip through the escapes:
 * - the input, split at NUL bytes, gives a mount's root, mount point,
 *   type and source; written as the kernel writes them (space, tab,
 *   newline and backslash as \ooo) into a line with options and tags,
 *   they must be parsed back exactly, with the numbers;
 * - the input as mountinfo text: every mount parsed from it, written
 *   back the same way, must parse to the same fields again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "conch.h"
#include "fuzz.h"

/* S with the kernel's escapes (fs/proc_namespace.c: " \t\n\\"). */
static char *
escape(const char *s)
{
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	if (out == NULL)
		abort();
	for (; *s != '\0'; s++) {
		if (strchr(" \t\n\\", *s) != NULL)
			o += sprintf(o, "\\%03o", (unsigned char)*s);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* M as the kernel writes it; free it. */
static char *
format(const struct mountent *m)
{
	char *root = escape(m->root), *point = escape(m->point);
	char *type = escape(m->fstype), *source = escape(m->source), *line;
	size_t size = strlen(root) + strlen(point) + strlen(type) +
	    strlen(source) + strlen(m->options) + strlen(m->tags) +
	    strlen(m->superopts) + 128;

	line = malloc(size);
	if (line == NULL)
		abort();
	snprintf(line, size, "%lu %lu %u:%u %s %s %s%s%s - %s %s%s%s\n",
	    m->id, m->parent, major(m->dev), minor(m->dev), root, point,
	    m->options, m->tags[0] != '\0' ? " " : "", m->tags, type, source,
	    m->superopts[0] != '\0' ? " " : "", m->superopts);
	free(root);
	free(point);
	free(type);
	free(source);
	return line;
}

static int
same(const struct mountent *a, const struct mountent *b)
{
	return a->id == b->id && a->parent == b->parent && a->dev == b->dev &&
	    strcmp(a->root, b->root) == 0 && strcmp(a->point, b->point) == 0 &&
	    strcmp(a->options, b->options) == 0 &&
	    strcmp(a->tags, b->tags) == 0 &&
	    strcmp(a->fstype, b->fstype) == 0 &&
	    strcmp(a->source, b->source) == 0 &&
	    strcmp(a->superopts, b->superopts) == 0;
}

/* The one mount of LINE must be WANT. */
static int
check_one(const struct mountent *m, void *arg)
{
	const struct mountent *want = arg;

	if (!same(m, want))
		abort();
	return 1;
}

/* Each mount of the text, written back, must read as itself. */
static int
round_trip(const struct mountent *m, void *arg)
{
	char *line = format(m);

	(void)arg;
	if (mountinfo_parse(line, check_one, (void *)m) != 1)
		abort();
	free(line);
	return 0;
}

static void
from_fields(const uint8_t *data, size_t size)
{
	const char *f[4] = { "/", "/mnt", "tmpfs", "none" };
	char *copy = fuzz_string(data, size), *p = copy, *line;
	struct mountent m = {
		.id = size, .parent = 1, .dev = makedev(size % 4096, 7),
		.options = "rw,noatime", .tags = size % 2 ? "shared:1" : "",
		.superopts = "rw,mode=755",
	};
	size_t i;

	for (i = 0; i < 4 && p < copy + size; i++) {
		if (*p != '\0')
			f[i] = p;
		p += strlen(p) + 1;
	}
	m.root = (char *)f[0];
	m.point = (char *)f[1];
	m.fstype = (char *)f[2];
	m.source = (char *)f[3];
	line = format(&m);
	if (mountinfo_parse(line, check_one, &m) != 1)
		abort();
	free(line);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	from_fields(data, size);
	text = fuzz_string(data, size);
	if (text == NULL)
		return 0;
	mountinfo_parse(text, round_trip, NULL);
	free(text);
	return 0;
}

/*
 * /proc/PID/mountinfo, read whole (a host with thousands of mounts has a
 * file of hundreds of KiB) and parsed one line at a time into the fields
 * of proc(5):
 *
 *   ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER
 *
 * The kernel escapes space, tab, newline and backslash in the names as
 * \ooo; ROOT, POINT, FSTYPE and SOURCE come decoded. OPTIONS and SUPER
 * stay as written: there, a decoded "\054" would read as a separator.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conch.h"

/* \ooo to its byte, in place; a backslash not followed so stays. */
static void
unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* The next space-separated field of *REST, or NULL. */
static char *
field(char **rest)
{
	char *f = *rest;

	if (f == NULL)
		return NULL;
	*rest = strchr(f, ' ');
	if (*rest != NULL)
		*(*rest)++ = '\0';
	return f;
}

static int
parse_number(const char *s, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
parse_dev(char *s, dev_t *dev)
{
	unsigned long major, minor;
	char *colon = s != NULL ? strchr(s, ':') : NULL;

	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (parse_number(s, &major) == -1 || parse_number(colon + 1,
	    &minor) == -1)
		return -1;
	*dev = makedev(major, minor);
	return 0;
}

/*
 * The optional tags of REST, up to the field "-": the tags are cut
 * there, and *REST moved past it. The separator is looked for after
 * the mount point only: a root or a mount point may be "-".
 */
static char *
tags(char **rest)
{
	char *t = *rest, *sep;

	if (t == NULL)
		return NULL;
	if (t[0] == '-' && (t[1] == ' ' || t[1] == '\0')) {
		*rest = t[1] != '\0' ? t + 2 : NULL;
		return "";
	}
	sep = strstr(t, " - ");
	if (sep == NULL)
		return NULL;
	*sep = '\0';
	*rest = sep + 3;
	return t;
}

/* One line, split in place; -1 for a line that is not one of the kernel's. */
static int
parse_line(char *line, struct mountent *m)
{
	char *rest = line;

	if (parse_number(field(&rest), &m->id) == -1 ||
	    parse_number(field(&rest), &m->parent) == -1 ||
	    parse_dev(field(&rest), &m->dev) == -1 ||
	    (m->root = field(&rest)) == NULL ||
	    (m->point = field(&rest)) == NULL ||
	    (m->options = field(&rest)) == NULL ||
	    (m->tags = tags(&rest)) == NULL ||
	    (m->fstype = field(&rest)) == NULL ||
	    (m->source = field(&rest)) == NULL)
		return -1;
	m->superopts = rest != NULL ? rest : "";
	unescape(m->root);
	unescape(m->point);
	unescape(m->fstype);
	unescape(m->source);
	return 0;
}

/*
 * Calls FN for each mount of TEXT (changed in place) until it returns
 * non-zero, and returns that; lines that are not the kernel's are
 * passed over.
 */
int
mountinfo_parse(char *text, mountinfo_fn *fn, void *arg)
{
	struct mountent m;
	char *line, *rest = text;
	int r = 0;

	while (r == 0 && (line = strsep(&rest, "\n")) != NULL)
		if (parse_line(line, &m) == 0)
			r = fn(&m, arg);
	return r;
}

/* The same for all that is left to read on FD; WHAT names it if it fails. */
int
mountinfo_read(int fd, const char *what, mountinfo_fn *fn, void *arg)
{
	char *text;
	int r;

	text = read_all(fd, NULL);
	if (text == NULL)
		die_sys("read %s", what);
	r = mountinfo_parse(text, fn, arg);
	free(text);
	return r;
}

/* The same for our own: /proc/self/mountinfo. */
int
mountinfo_each(mountinfo_fn *fn, void *arg)
{
	const char *path = "/proc/self/mountinfo";
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		die_sys("read %s", path);
	r = mountinfo_read(fd, path, fn, arg);
	close(fd);
	return r;
}

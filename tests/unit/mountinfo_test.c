/* lib/mountinfo.c: crafted files, escapes, many lines, the real one. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "conch.h"
#include "unit.h"

/* TEXT in a file, opened at its start. */
static int
text_fd(const char *text)
{
	char path[] = "/tmp/conch-unit-mountinfo.XXXXXX";
	size_t len = strlen(text);
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, text, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) == -1)
		unit_skip("cannot write %s", path);
	unlink(path);
	return fd;
}

struct copy {
	struct mountent m[4];
	char buf[4][8][256];
	size_t n;
};

static int
keep(const struct mountent *m, void *arg)
{
	struct copy *c = arg;
	char *const *from[] = { &m->root, &m->point, &m->options, &m->tags,
	    &m->fstype, &m->source, &m->superopts };
	char **to[] = { &c->m[c->n].root, &c->m[c->n].point,
	    &c->m[c->n].options, &c->m[c->n].tags, &c->m[c->n].fstype,
	    &c->m[c->n].source, &c->m[c->n].superopts };
	size_t i;

	c->m[c->n] = *m;
	for (i = 0; i < LEN(from); i++) {
		snprintf(c->buf[c->n][i], sizeof(c->buf[0][0]), "%s", *from[i]);
		*to[i] = c->buf[c->n][i];
	}
	return ++c->n == LEN(c->m);
}

static void
test_fields_and_escapes(void)
{
	static struct copy c;
	int fd = text_fd(
	    "36 35 98:0 /mnt\\040a\\011b /my\\134dir rw,noatime master:1 "
	    "shared:7 - ext3 /dev/root\\040x rw,errors=continue,a\\054b\n"
	    "not a mountinfo line\n"
	    "1 1 0:1 / / rw - rootfs rootfs rw\n"
	    "40 36 0:5 / /x\\ rw - tmpfs none \n"
	    "41 1 0:6 - - rw - - - -\n");

	CHECK_INT(mountinfo_read(fd, "crafted", keep, &c), 1);
	close(fd);
	if (!CHECK_UINT(c.n, 4))
		return;
	CHECK_UINT(c.m[0].id, 36);
	CHECK_UINT(c.m[0].parent, 35);
	CHECK_UINT(major(c.m[0].dev), 98);
	CHECK_UINT(minor(c.m[0].dev), 0);
	CHECK_STR(c.m[0].root, "/mnt a\tb");
	CHECK_STR(c.m[0].point, "/my\\dir");
	CHECK_STR(c.m[0].options, "rw,noatime");
	CHECK_STR(c.m[0].tags, "master:1 shared:7");
	CHECK_STR(c.m[0].fstype, "ext3");
	CHECK_STR(c.m[0].source, "/dev/root x");
	/* Options stay escaped: a decoded comma would split them. */
	CHECK_STR(c.m[0].superopts, "rw,errors=continue,a\\054b");
	CHECK_UINT(c.m[1].id, 1);
	CHECK_UINT(c.m[1].parent, 1);
	CHECK_STR(c.m[1].tags, "");
	CHECK_STR(c.m[1].fstype, "rootfs");
	/* A backslash that starts no escape stays itself. */
	CHECK_STR(c.m[2].point, "/x\\");
	CHECK_STR(c.m[2].superopts, "");
	/* "-" as a root or a mount point is a name, not the separator. */
	CHECK_STR(c.m[3].root, "-");
	CHECK_STR(c.m[3].point, "-");
	CHECK_STR(c.m[3].tags, "");
	CHECK_STR(c.m[3].fstype, "-");
	CHECK_STR(c.m[3].source, "-");
	CHECK_STR(c.m[3].superopts, "-");
}

static void
test_malformed_lines_passed_over(void)
{
	static const char *const bad[] = {
		"", "-", " - ", "x 1 0:1 / / rw - t s o", "1 x 0:1 / / rw - t s o",
		"1 1 01 / / rw - t s o", "1 1 0:x / / rw - t s o",
		"1 1 0:1 / / - t s o", "1 1 0:1 / / rw - t", "1 1 0:1 / / rw -",
		"18446744073709551616 1 0:1 / / rw - t s o",
	};
	static struct copy c;
	size_t i;
	char line[128];

	for (i = 0; i < LEN(bad); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		c.n = 0;
		CHECK_INT(mountinfo_parse(line, keep, &c), 0);
		CHECK_MSG(c.n == 0, "\"%s\" was taken", bad[i]);
	}
}

struct count {
	unsigned long n, last, stop_at;
	bool ordered;
};

static int
count(const struct mountent *m, void *arg)
{
	struct count *c = arg;

	c->ordered &= m->id == c->last + 1;
	c->last = m->id;
	c->n++;
	return c->stop_at != 0 && m->id == c->stop_at ? 7 : 0;
}

/* Thousands of mounts: far past any line or file buffer of old. */
static void
test_many_lines(void)
{
	size_t size = 0, len = 0, i, lines = 20000;
	char *text = NULL;
	struct count c = { .ordered = true };
	int fd, n;

	for (i = 1; i <= lines; i++) {
		while (size < len + 256)
			text = grow(text, size, &size, 1);
		n = snprintf(text + len, 256, "%zu 1 0:%zu / /srv/a\\040long"
		    "\\040name/%zu rw shared:%zu - tmpfs tmpfs rw\n", i, i, i,
		    i);
		len += n;
	}
	fd = text_fd(text);
	CHECK_INT(mountinfo_read(fd, "crafted", count, &c), 0);
	CHECK_UINT(c.n, lines);
	CHECK(c.ordered);
	lseek(fd, 0, SEEK_SET);
	c = (struct count){ .ordered = true, .stop_at = 12345 };
	CHECK_INT(mountinfo_read(fd, "crafted", count, &c), 7);
	CHECK_UINT(c.n, 12345);
	close(fd);
	free(text);
}

struct find_root {
	unsigned long id;
	bool found;
};

static int
find_root(const struct mountent *m, void *arg)
{
	struct find_root *f = arg;

	if (m->id != f->id)
		return 0;
	f->found = strcmp(m->point, "/") == 0;
	return 1;
}

/* Ours lists the mount our root is on, at "/". */
static void
test_own_mountinfo(void)
{
	struct find_root f = { 0 };
	struct statx st;

	if (statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &st) == -1 ||
	    !(st.stx_mask & STATX_MNT_ID))
		unit_skip("statx gives no mount ID");
	f.id = st.stx_mnt_id;
	CHECK_INT(mountinfo_each(find_root, &f), 1);
	CHECK(f.found);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_fields_and_escapes),
	UNIT_CASE(test_malformed_lines_passed_over),
	UNIT_CASE(test_many_lines),
	UNIT_CASE(test_own_mountinfo),
};

UNIT_MAIN("mountinfo", cases)

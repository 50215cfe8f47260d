/*
 * lib/passwd.c: user and group lookup on crafted /etc/passwd and
 * /etc/group, bound over the real ones in a mount namespace of the
 * case's own (each case runs in a child of its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "conch.h"
#include "unit.h"

static void
bind_text(const char *target, const char *text)
{
	char path[] = "/tmp/conch-unit-passwd.XXXXXX";
	size_t len = strlen(text);
	int fd = mkstemp(path);

	if (fd == -1 || write(fd, text, len) != (ssize_t)len)
		unit_skip("cannot write %s", path);
	close(fd);
	if (mount(path, target, NULL, MS_BIND, NULL) == -1) {
		unlink(path);
		unit_skip("bind %s on %s: %s", path, target, strerror(errno));
	}
	unlink(path);	/* the mount keeps it */
}

static void
fake_etc(const char *passwd, const char *group)
{
	if (unshare(CLONE_NEWNS) == -1 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNS) == -1)
		unit_skip("no mount namespace of our own: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		unit_skip("make / private: %s", strerror(errno));
	bind_text("/etc/passwd", passwd);
	bind_text("/etc/group", group);
}

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"\n"
	"daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
	"short:x:5:5\n"
	"bad:x:notanumber:5:::\n"
	"alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
	"dup:x:2000:2000::/first:/bin/sh\n"
	"dup:x:2001:2001::/second:/bin/sh\n"
	"last:x:3000:3001::/home/last:/bin/sh";	/* no newline */

static const char group[] =
	"root:x:0:\n"
	"wheel:x:10:alice,bob\n"
	"nogid:x:\n"
	"badgid:x:x1:\n"
	"users:x:100:";

static void
test_user_by_name(void)
{
	struct passwd_ent pw;

	fake_etc(passwd, group);
	CHECK_INT(user_lookup("alice", &pw), 0);
	CHECK_STR(pw.name, "alice");
	CHECK_UINT(pw.uid, 1000);
	CHECK_UINT(pw.gid, 1000);
	CHECK_STR(pw.home, "/home/alice");
	CHECK_INT(user_lookup("last", &pw), 0);
	CHECK_UINT(pw.gid, 3001);
	/* The first line of a name counts, as getpwnam(3) has it. */
	CHECK_INT(user_lookup("dup", &pw), 0);
	CHECK_STR(pw.home, "/first");
	errno = 0;
	CHECK_INT(user_lookup("nobody-here", &pw), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(user_lookup("short", &pw), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(user_lookup("bad", &pw), -1);
	CHECK_INT(errno, EINVAL);
}

static void
test_user_by_number(void)
{
	struct passwd_ent pw;

	fake_etc(passwd, group);
	CHECK_INT(user_lookup("1", &pw), 0);
	CHECK_STR(pw.name, "daemon");
	CHECK_INT(user_by_uid(3000, &pw), 0);
	CHECK_STR(pw.name, "last");
	/* A number without a line is a user still, of no group. */
	CHECK_INT(user_lookup("4242", &pw), 0);
	CHECK_STR(pw.name, "4242");
	CHECK_UINT(pw.uid, 4242);
	CHECK_UINT(pw.gid, (gid_t)-1);
	CHECK_STR(pw.home, "");
	CHECK_INT(user_by_uid(4242, &pw), -1);
	CHECK_INT(errno, ENOENT);
	/* (uid_t)-1 is no uid. */
	CHECK_INT(user_lookup("4294967295", &pw), -1);
	CHECK_INT(errno, ERANGE);
	CHECK_INT(user_lookup("4294967294", &pw), 0);
}

static void
test_group(void)
{
	gid_t gid = 0;

	fake_etc(passwd, group);
	CHECK_INT(group_lookup("wheel", &gid), 0);
	CHECK_UINT(gid, 10);
	CHECK_INT(group_lookup("users", &gid), 0);
	CHECK_UINT(gid, 100);
	CHECK_INT(group_lookup("77", &gid), 0);
	CHECK_UINT(gid, 77);
	CHECK_INT(group_lookup("nosuch", &gid), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(group_lookup("nogid", &gid), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(group_lookup("badgid", &gid), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(group_lookup("4294967295", &gid), -1);
	CHECK_INT(errno, ERANGE);
}

/* A line longer than any fixed buffer is one line, not two. */
static void
test_long_lines(void)
{
	static char big[200000];
	size_t len = 0;
	gid_t gid;
	int i;

	len += snprintf(big + len, sizeof(big) - len, "crowd:x:500:");
	for (i = 0; i < 10000; i++)
		len += snprintf(big + len, sizeof(big) - len, "%smember%d",
		    i ? "," : "", i);
	/* What a cut at 1024 or 4096 bytes would take for a line. */
	len += snprintf(big + len, sizeof(big) - len,
	    ",evil:x:0:\nafter:x:501:\n");
	fake_etc(passwd, big);
	CHECK_INT(group_lookup("crowd", &gid), 0);
	CHECK_UINT(gid, 500);
	CHECK_INT(group_lookup("after", &gid), 0);
	CHECK_UINT(gid, 501);
	CHECK_INT(group_lookup("evil", &gid), -1);
	CHECK_INT(errno, ENOENT);
}

struct fields {
	int lines, max_n;
	char last[64];
};

static int
count_fields(char **f, int n, void *arg)
{
	struct fields *a = arg;

	a->lines++;
	if (n > a->max_n)
		a->max_n = n;
	snprintf(a->last, sizeof(a->last), "%s", f[n - 1]);
	return 0;
}

/* At most MAX fields: the last keeps the rest, colons and all. */
static void
test_colon_each(void)
{
	struct fields a = { 0 };

	fake_etc(passwd, "a:b:c:d:e:f\n\n\nx\n");
	CHECK_INT(colon_each("/etc/group", 4, count_fields, &a), 0);
	CHECK_INT(a.lines, 2);
	CHECK_INT(a.max_n, 4);
	CHECK_STR(a.last, "x");
	a = (struct fields){ 0 };
	CHECK_INT(colon_each("/etc/group", 3, count_fields, &a), 0);
	CHECK_INT(a.max_n, 3);
	CHECK_INT(colon_each("/nonexistent/conch", 4, count_fields, &a), 0);
	CHECK_INT(colon_each("/", 4, count_fields, &a), -1);
	CHECK_INT(errno, EISDIR);
}

static const struct unit_case cases[] = {
	UNIT_CASE(test_user_by_name),
	UNIT_CASE(test_user_by_number),
	UNIT_CASE(test_group),
	UNIT_CASE(test_long_lines),
	UNIT_CASE(test_colon_each),
};

UNIT_MAIN("passwd", cases)

/*
 * Users and groups from /etc/passwd and /etc/group, read directly: NSS
 * does not work in a static binary, and inside a container root these
 * files are the whole truth anyway. colon_each() reads every file of
 * that shape (/etc/subuid too), whole: a line of any length is one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"

/* Split a colon-separated line in place; returns the field count. */
static int
split_fields(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, ':');
		if (line == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/*
 * Calls FN with the fields (at most MAX, the last holding the rest) of
 * each line of the colon file PATH until it returns non-zero, and
 * returns that. A missing file has no lines; -1 with errno when it
 * cannot be read.
 */
int
colon_each(const char *path, int max, colon_fn *fn, void *arg)
{
	char *text, *rest, *line, *f[16];
	int r = 0, n;

	if (max > (int)LEN(f))
		max = LEN(f);
	text = read_allat(AT_FDCWD, path, NULL);
	if (text == NULL)
		return errno == ENOENT ? 0 : -1;
	for (rest = text; r == 0 && (line = strsep(&rest, "\n")) != NULL;) {
		if (*line == '\0')
			continue;
		n = split_fields(line, f, max);
		r = fn(f, n, arg);
	}
	free(text);
	return r;
}

static int
is_number(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The first line whose field KEY is WANT, into PW: 1, or 0 if none. */
struct passwd_find {
	int key;
	const char *want;
	struct passwd_ent *pw;
	int err;		/* EINVAL: that line is not a passwd line */
};

static int
passwd_match(char **f, int n, void *arg)
{
	struct passwd_find *a = arg;
	struct passwd_ent *pw = a->pw;
	unsigned long uid, gid;

	if (n <= a->key || strcmp(f[a->key], a->want) != 0)
		return 0;
	if (n < 7 || parse_ulong(f[2], (uid_t)-2, &uid) == -1 ||
	    parse_ulong(f[3], (gid_t)-2, &gid) == -1) {
		a->err = EINVAL;
		return 1;
	}
	snprintf(pw->name, sizeof(pw->name), "%s", f[0]);
	snprintf(pw->home, sizeof(pw->home), "%s", f[5]);
	pw->uid = uid;
	pw->gid = gid;
	return 1;
}

static int
passwd_find(int key, const char *want, struct passwd_ent *pw)
{
	struct passwd_find a = { key, want, pw, 0 };
	int r;

	r = colon_each("/etc/passwd", 7, passwd_match, &a);
	if (r == 0)
		errno = ENOENT;
	else if (a.err != 0)
		errno = a.err;
	return r == 1 && a.err == 0 ? 0 : -1;
}

int
user_by_uid(uid_t uid, struct passwd_ent *pw)
{
	char want[32];

	snprintf(want, sizeof(want), "%lu", (unsigned long)uid);
	return passwd_find(2, want, pw);
}

/*
 * A name from /etc/passwd, or a number. A number without a passwd line
 * is still a user: its name is the number, its group is unknown (-1).
 */
int
user_lookup(const char *name_or_id, struct passwd_ent *pw)
{
	unsigned long id;

	if (!is_number(name_or_id))
		return passwd_find(0, name_or_id, pw);
	if (parse_ulong(name_or_id, (uid_t)-2, &id) == -1) {
		errno = ERANGE;
		return -1;
	}
	if (user_by_uid(id, pw) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	snprintf(pw->name, sizeof(pw->name), "%lu", id);
	pw->home[0] = '\0';
	pw->uid = id;
	pw->gid = (gid_t)-1;
	return 0;
}

struct group_find {
	const char *want;
	gid_t *gid;
	int err;
};

static int
group_match(char **f, int n, void *arg)
{
	struct group_find *a = arg;
	unsigned long id;

	if (strcmp(f[0], a->want) != 0)
		return 0;
	if (n < 3 || parse_ulong(f[2], (gid_t)-2, &id) == -1)
		a->err = EINVAL;
	else
		*a->gid = id;
	return 1;
}

int
group_lookup(const char *name_or_id, gid_t *gid)
{
	struct group_find a = { name_or_id, gid, 0 };
	unsigned long id;
	int r;

	if (is_number(name_or_id)) {
		if (parse_ulong(name_or_id, (gid_t)-2, &id) == -1) {
			errno = ERANGE;
			return -1;
		}
		*gid = id;
		return 0;
	}
	r = colon_each("/etc/group", 4, group_match, &a);
	if (r == 0)
		errno = ENOENT;
	else if (a.err != 0)
		errno = a.err;
	return r == 1 && a.err == 0 ? 0 : -1;
}

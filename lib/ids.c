/*
 * Users and groups from /etc/passwd and /etc/group, read directly: NSS
 * does not work in a static binary, and inside a container root these
 * files are the whole truth anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conch.h"

/* Split a colon-separated line in place; returns the field count. */
static int
split_fields(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		line = strchr(line, ':');
		if (line == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static int
is_number(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

/*
 * Find the first line of a colon file whose field `key` equals `want`;
 * fills f[] with its fields. Returns the field count, 0 if none matched,
 * -1 if the file could not be read (errno set).
 */
static int
colon_find(const char *path, int key, const char *want, char *line,
    size_t size, char **f, int max)
{
	FILE *fp;
	int n, found = 0, err;

	fp = fopen(path, "re");
	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, size, fp) != NULL) {
		n = split_fields(line, f, max);
		if (n > key && strcmp(f[key], want) == 0) {
			found = n;
			break;
		}
	}
	err = ferror(fp) ? errno : 0;
	fclose(fp);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return found;
}

static int
fill_passwd(char **f, int n, struct passwd_ent *pw)
{
	unsigned long uid, gid;

	if (n < 7 || parse_ulong(f[2], (uid_t)-2, &uid) == -1 ||
	    parse_ulong(f[3], (gid_t)-2, &gid) == -1) {
		errno = EINVAL;
		return -1;
	}
	snprintf(pw->name, sizeof(pw->name), "%s", f[0]);
	snprintf(pw->home, sizeof(pw->home), "%s", f[5]);
	pw->uid = uid;
	pw->gid = gid;
	return 0;
}

int
user_by_uid(uid_t uid, struct passwd_ent *pw)
{
	char line[1024], want[32], *f[7];
	int n;

	snprintf(want, sizeof(want), "%lu", (unsigned long)uid);
	n = colon_find("/etc/passwd", 2, want, line, sizeof(line), f, 7);
	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		return -1;
	}
	return fill_passwd(f, n, pw);
}

/*
 * A name from /etc/passwd, or a number. A number without a passwd line
 * is still a user: its name is the number, its group is unknown (-1).
 */
int
user_lookup(const char *name_or_id, struct passwd_ent *pw)
{
	char line[1024], *f[7];
	unsigned long id;
	int n;

	if (is_number(name_or_id)) {
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
	n = colon_find("/etc/passwd", 0, name_or_id, line, sizeof(line), f, 7);
	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		return -1;
	}
	return fill_passwd(f, n, pw);
}

int
group_lookup(const char *name_or_id, gid_t *gid)
{
	char line[4096], *f[4];
	unsigned long id;
	int n;

	if (is_number(name_or_id)) {
		if (parse_ulong(name_or_id, (gid_t)-2, &id) == -1) {
			errno = ERANGE;
			return -1;
		}
		*gid = id;
		return 0;
	}
	n = colon_find("/etc/group", 0, name_or_id, line, sizeof(line), f, 4);
	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		return -1;
	}
	if (n < 3 || parse_ulong(f[2], (gid_t)-2, &id) == -1) {
		errno = EINVAL;
		return -1;
	}
	*gid = id;
	return 0;
}

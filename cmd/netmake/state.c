/*
 * The state file of a network: what -s shows and what -d must remove
 * (the bridge, the host's veth, the pasta and holder processes), one
 * "KEY VALUE" a line, written to a temporary name and renamed, so that
 * a reader sees the whole of it or nothing. The rules need no handles:
 * they live in chains named after NAME (nft.c).
 *
 * A lock file in the same directory serialises netmake runs: choosing
 * the next free address and making the bridge must not race.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netmake.h"

static void
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			die_sys("mkdir %s", path);
		*p = '/';
	}
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		die_sys("mkdir %s", path);
}

void
paths_init(struct paths *p, const char *name, bool rootless)
{
	const char *run = getenv("XDG_RUNTIME_DIR");

	*p = (struct paths){ .lockfd = -1 };
	if (!rootless) {
		snprintf(p->statedir, sizeof(p->statedir), "%s", STATE_DIR);
		snprintf(p->pin, sizeof(p->pin), "%s/%s", NETNS_DIR, name);
	} else {
		if (run == NULL || run[0] != '/')
			die("XDG_RUNTIME_DIR is not set (rootless networks "
			    "live there: log in through pam_systemd, or set "
			    "it to a directory of your own, mode 0700)");
		snprintf(p->statedir, sizeof(p->statedir), "%s/netmake",
		    run);
		snprintf(p->pin, sizeof(p->pin), "%s/netns/%s", run, name);
	}
	snprintf(p->state, sizeof(p->state), "%s/%s", p->statedir, name);
}

/* Held until exit (or exec: the descriptor is close-on-exec). */
void
state_lock(struct paths *p)
{
	char dir[4096], lock[4200];

	snprintf(dir, sizeof(dir), "%s", p->statedir);
	mkdirs(dir);
	snprintf(lock, sizeof(lock), "%s/.lock", p->statedir);
	p->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (p->lockfd == -1)
		die_sys("open %s", lock);
	while (flock(p->lockfd, LOCK_EX) == -1) {
		if (errno != EINTR)
			die_sys("lock %s", lock);
		interrupt_check();
	}
}

static void
put_addr(FILE *f, const char *key, struct in_addr a)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	fprintf(f, "%s %s\n", key, buf);
}

static void
state_print(FILE *f, const struct netstate *s)
{
	char buf[64];
	size_t i;

	fprintf(f, "mode %s\n", s->rootless ? "pasta" : "root");
	cidr_str(&s->addr, buf, sizeof(buf));
	fprintf(f, "addr %s\n", buf);
	put_addr(f, "gateway", s->gateway);
	if (!s->rootless) {
		fprintf(f, "bridge %s\nveth %s\n", s->bridge, s->veth);
		fprintf(f, "nat %s\nisolate %s\n", s->nat ? "yes" : "no",
		    s->isolate ? "yes" : "no");
	}
	for (i = 0; i < s->npublish; i++) {
		publish_str(&s->publish[i], buf, sizeof(buf));
		fprintf(f, "publish %s\n", buf);
	}
	for (i = 0; i < s->ndns; i++)
		put_addr(f, "dns", s->dns[i]);
	if (s->hostname[0] != '\0')
		fprintf(f, "hostname %s\n", s->hostname);
	if (s->holder.pid > 0)
		fprintf(f, "holder %d %llu\n", (int)s->holder.pid,
		    s->holder.start);
	if (s->pasta.pid > 0)
		fprintf(f, "pasta %d %llu\n", (int)s->pasta.pid,
		    s->pasta.start);
}

static int
undo_state(const void *data)
{
	return unlink(data);
}

void
state_write(const struct paths *p, const struct netstate *s)
{
	char tmp[4200];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", p->statedir, s->name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL)
		die_sys("write %s", tmp);
	state_print(f, s);
	if (fflush(f) == EOF || fsync(fd) == -1 || fclose(f) == EOF) {
		unlink(tmp);
		die_sys("write %s", tmp);
	}
	if (rename(tmp, p->state) == -1) {
		unlink(tmp);
		die_sys("rename %s to %s", tmp, p->state);
	}
	undo_push(undo_state, p->state, strlen(p->state) + 1, "remove %s",
	    p->state);
}

static int
state_line(struct netstate *s, const char *key, const char *v)
{
	int n = 0;

	if (strcmp(key, "mode") == 0)
		s->rootless = strcmp(v, "pasta") == 0;
	else if (strcmp(key, "bridge") == 0)
		snprintf(s->bridge, sizeof(s->bridge), "%s", v);
	else if (strcmp(key, "veth") == 0)
		snprintf(s->veth, sizeof(s->veth), "%s", v);
	else if (strcmp(key, "addr") == 0)
		return cidr_parse(v, &s->addr);
	else if (strcmp(key, "gateway") == 0)
		return addr_parse(v, &s->gateway);
	else if (strcmp(key, "nat") == 0)
		s->nat = strcmp(v, "yes") == 0;
	else if (strcmp(key, "isolate") == 0)
		s->isolate = strcmp(v, "yes") == 0;
	else if (strcmp(key, "publish") == 0 && s->npublish < PUBLISH_MAX)
		return publish_parse(v, &s->publish[s->npublish++]);
	else if (strcmp(key, "dns") == 0 && s->ndns < DNS_MAX)
		return addr_parse(v, &s->dns[s->ndns++]);
	else if (strcmp(key, "hostname") == 0)
		snprintf(s->hostname, sizeof(s->hostname), "%s", v);
	else if (strcmp(key, "holder") == 0)
		n = sscanf(v, "%d %llu", &s->holder.pid, &s->holder.start);
	else if (strcmp(key, "pasta") == 0)
		n = sscanf(v, "%d %llu", &s->pasta.pid, &s->pasta.start);
	return n == 0 || n == 2 ? 0 : -1;
}

/* 0; -1 with errno (ENOENT: no such network; EINVAL: a bad line). */
int
state_read(const char *path, struct netstate *s)
{
	const char *base = strrchr(path, '/');
	char *text, *line, *next, *sp;
	size_t len;

	*s = (struct netstate){ 0 };
	snprintf(s->name, sizeof(s->name), "%s", base ? base + 1 : path);
	if ((text = read_allat(AT_FDCWD, path, &len)) == NULL)
		return -1;
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		if (state_line(s, line, sp + 1) == -1) {
			free(text);
			errno = EINVAL;
			return -1;
		}
	}
	free(text);
	return 0;
}

void
state_from_opts(struct netstate *s, const struct opts *o)
{
	*s = (struct netstate){ .nat = o->nat, .isolate = o->isolate,
	    .npublish = o->npublish, .ndns = o->ndns, .addr = o->addr };
	snprintf(s->name, sizeof(s->name), "%s", o->name);
	snprintf(s->bridge, sizeof(s->bridge), "%s", o->bridge);
	memcpy(s->publish, o->publish, sizeof(s->publish));
	memcpy(s->dns, o->dns, sizeof(s->dns));
	if (o->hostname != NULL)
		snprintf(s->hostname, sizeof(s->hostname), "%s", o->hostname);
}

/* FN for each network of DIR, until it returns non-zero. */
int
state_each(const char *dir, int (*fn)(const struct netstate *, void *),
    void *arg)
{
	struct netstate s;
	char path[4400];
	struct dirent *d;
	DIR *dp;
	int ret = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (ret == 0 && (d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (state_read(path, &s) == 0)
			ret = fn(&s, arg);
	}
	closedir(dp);
	return ret;
}

/* Field 22 of /proc/PID/stat, after the command's closing paren. */
int
proc_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) == -1)
		return -1;
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 2; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", start) != 1)
		return -1;
	return 0;
}

/* The process R names, and not another that took its PID since. */
bool
proc_alive(const struct proc_ref *r)
{
	unsigned long long start;

	return r->pid > 0 && proc_start(r->pid, &start) == 0 &&
	    start == r->start;
}

/*
 * The state of a container: a directory --root/ID (mode 0700) holding
 * state.json (conch's own record: the PID of the container's process
 * and its start time, so that a reused PID is never taken for it, the
 * bundle, the cgroup, the annotations), config.json (the bundle's, as
 * it was at create, for exec and the poststop hooks) and, between
 * create and start, exec.fifo, on which the container's last step
 * waits. The directory is locked (flock) by each command that changes
 * it. The status is never stored: it is what the process is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

const char *const status_names[] = { "creating", "created", "running",
	"paused", "stopped" };

/* runc's rule: letters, digits, _ + - and ., and not . or .. */
void
id_check(const char *id)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.";

	if (id[0] == '\0' || id[strspn(id, ok)] != '\0' ||
	    strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 200)
		die("invalid container ID '%s' (letters, digits, _ + - and ., "
		    "at most 200)", id);
}

static void
root_check(const char *root)
{
	if (root == NULL)
		die("no --root, and no XDG_RUNTIME_DIR for a user's "
		    "containers");
}

/* --root, made (0700) with its parents when missing. */
void
state_root(const char *root)
{
	char path[PATH_MAX];
	size_t i;

	root_check(root);
	if (strlen(root) >= sizeof(path))
		die("--root %s: too long", root);
	snprintf(path, sizeof(path), "%s", root);
	for (i = 1; ; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			die_sys("make the state directory %s", path);
		if (root[i] == '\0')
			return;
		path[i] = '/';
	}
}

static void
state_lock(struct state *st)
{
	st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd == -1) {
		if (errno == ENOENT)
			die("container %s does not exist", st->id);
		die_sys("open %s", st->dir);
	}
	while (flock(st->dirfd, LOCK_EX) == -1)
		if (errno != EINTR)
			die_sys("lock %s", st->dir);
}

/*
 * A new state directory for ST (zeroed by the caller, its cgroup already
 * set); -1 with errno EEXIST when the ID is taken.
 */
int
state_new(const char *root, const char *id, struct state *st)
{
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", root, id);
	if (mkdir(st->dir, 0700) == -1)
		return -1;
	state_lock(st);
	iso_time(st->created, sizeof(st->created));
	return 0;
}

static void
str_field(json_t *o, const char *key, char *buf, size_t size)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, size, "%s", s != NULL ? s : "");
}

void
state_open(const char *root, const char *id, struct state *st)
{
	char path[PATH_MAX + 16];
	json_error_t e;
	json_t *o;

	root_check(root);
	id_check(id);
	memset(st, 0, sizeof(*st));
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", root, id);
	state_lock(st);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	o = json_read(path, &e);
	if (o == NULL)
		die("container %s: %s: %s", id, path, e.text);
	st->pid = json_integer_value(json_object_get(o, "pid"));
	st->start = json_integer_value(json_object_get(o, "start"));
	str_field(o, "bundle", st->bundle, sizeof(st->bundle));
	str_field(o, "rootfs", st->rootfs, sizeof(st->rootfs));
	str_field(o, "created", st->created, sizeof(st->created));
	str_field(o, "cgroup", st->cgroup, sizeof(st->cgroup));
	str_field(o, "cgroupTop", st->cgroup_top, sizeof(st->cgroup_top));
	if (json_is_object(json_object_get(o, "annotations")))
		st->annotations = json_incref(json_object_get(o,
		    "annotations"));
	json_decref(o);
}

/* state.json, written whole to a new file and renamed over the old. */
void
state_save(const struct state *st)
{
	char tmp[PATH_MAX + 16], path[PATH_MAX + 16];
	json_t *o;

	o = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:O?}", "id", st->id,
	    "pid", (json_int_t)st->pid, "start", (json_int_t)st->start,
	    "bundle", st->bundle, "rootfs", st->rootfs, "created",
	    st->created, "cgroup", st->cgroup, "cgroupTop", st->cgroup_top,
	    "annotations", st->annotations);
	if (o == NULL)
		die("state.json: cannot build it");
	snprintf(tmp, sizeof(tmp), "%s/state.json.new", st->dir);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	if (json_write(o, tmp) == -1)
		die_sys("write %s", tmp);
	json_decref(o);
	if (rename(tmp, path) == -1)
		die_sys("rename %s", tmp);
}

/* The directory and what is in it (no subdirectories are made there). */
void
state_remove(struct state *st)
{
	struct dirent *de;
	DIR *d;

	d = opendir(st->dir);
	if (d == NULL) {
		warn_err(errno, NULL, "remove %s", st->dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == -1)
			warn_err(errno, NULL, "remove %s/%s", st->dir,
			    de->d_name);
	}
	closedir(d);
	if (rmdir(st->dir) == -1)
		warn_err(errno, NULL, "remove %s", st->dir);
}

void
state_close(struct state *st)
{
	if (st->dirfd > 0)
		close(st->dirfd);
	st->dirfd = -1;
	json_decref(st->annotations);
	st->annotations = NULL;
}

/*
 * Field 22 of /proc/PID/stat, the start time in clock ticks after boot,
 * and field 3, the state; -1 when there is no such process.
 */
int
proc_start_time(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p, state;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) == -1)
		return -1;
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%c", &state) != 1)
		return -1;
	for (i = 0, p += 2; i < 19 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", start) != 1)
		return -1;
	return state == 'Z' || state == 'X' ? -1 : 0;
}

/* A pidfd of the container's process, or -1 once it has ended. */
int
state_pidfd(const struct state *st)
{
	unsigned long long start;
	int fd;

	if (st->pid <= 0)
		return -1;
	fd = syscall(SYS_pidfd_open, st->pid, 0);
	if (fd == -1)
		return -1;
	/* Opened first, then checked: the PID cannot be reused between. */
	if (proc_start_time(st->pid, &start) == -1 || start != st->start) {
		close(fd);
		return -1;
	}
	return fd;
}

enum status
state_status(const struct state *st)
{
	int fd;

	if (st->pid == 0)
		return ST_CREATING;
	fd = state_pidfd(st);
	if (fd == -1)
		return ST_STOPPED;
	close(fd);
	if (faccessat(st->dirfd, "exec.fifo", F_OK, 0) == 0)
		return ST_CREATED;
	if (st->cgroup[0] != '\0' && cgroup_frozen(st->cgroup))
		return ST_PAUSED;
	return ST_RUNNING;
}

/* The config.json saved at create. */
json_t *
state_config(const struct state *st)
{
	char path[PATH_MAX + 16];
	json_error_t e;
	json_t *o;

	snprintf(path, sizeof(path), "%s/config.json", st->dir);
	o = json_read(path, &e);
	if (o == NULL)
		die("container %s: %s: %s", st->id, path, e.text);
	return o;
}

/* The runtime spec's state: what hooks get on stdin and `state` prints. */
char *
state_json(const struct state *st, enum status s)
{
	json_t *o;
	char *out;

	o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:o}", "ociVersion", OCI_VERSION,
	    "id", st->id, "status", status_names[s], "pid",
	    (json_int_t)(s == ST_STOPPED ? 0 : st->pid), "bundle", st->bundle,
	    "annotations", st->annotations != NULL ?
	    json_incref(st->annotations) : json_object());
	if (o == NULL)
		die("state: cannot build it");
	out = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (out == NULL)
		die("state: cannot print it");
	return out;
}

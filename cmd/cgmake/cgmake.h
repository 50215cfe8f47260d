/*
 * cgmake.h: what the files of cgmake share: the settings, the options,
 * and the steps each file offers main().
 */
#ifndef CGMAKE_H
#define CGMAKE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conch.h"
#include "devices.h"

/* settings.c: FILE=VALUE, checked and converted before anything is made. */
struct setting {
	const char *arg;	/* FILE=VALUE as given */
	char file[NAME_MAX + 1];
	char value[4096];	/* as written to the kernel */
};

#define CONTROLLERS_MAX 16
typedef char controller[32];

void setting_parse(struct setting *s, const char *arg);
size_t controllers_needed(const struct setting *s, size_t n,
    controller *out, size_t max);

/* main.c: the command line. */
enum mode { CREATE, SHOW, DELETE, WAIT };

struct owner {
	uid_t uid;
	gid_t gid;
	const char *arg;	/* USER[:GROUP] as given; NULL: no --owner */
};

#define SETTINGS_MAX 128

struct opts {
	enum mode mode;
	struct owner owner;
	const char *root;	/* --root, or NULL */
	int timeout_ms;		/* -1: none given */
	const char *cgroup;
	struct setting *settings;
	size_t nsettings;
	struct devrules *devices;	/* devices.allow and devices.deny */
	char **prog;		/* after --, or NULL */
};

/* The cgroup the command line names, in its file system. */
struct target {
	struct cgroupfs fs;
	char rel[PATH_MAX];	/* from the cgroup2 root */
	char path[PATH_MAX];	/* its path, for messages */
};

/* cgroups.c: what creating, showing and deleting share. */
bool holds_self(const struct target *t, const char *rel, char *abs,
    size_t size);
int wait_events(int dirfd, const char *key, const char *want, int timeout_ms);
const char *busy_hint(int fd, char *hint, size_t size);
size_t list_files(int fd, const char *path, char ***names,
    unsigned char type);
void free_list(char **v, size_t n);
char *read_text(int dirfd, const char *name);

/* create.c: the cgroup and its parents, delegated, its settings written. */
void create(const struct target *t, const struct opts *o, controller *ctrl,
    size_t nctrl);

/* show.c */
void show(int fd, const char *path);

/* delete.c */
void delete(const struct target *t, int timeout_ms);

/* wait.c: timeout_ms -1 waits as long as it takes. */
void wait_empty(const struct target *t, int timeout_ms);

#endif

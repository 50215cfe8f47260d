/*
 * conch, the OCI runtime: what its files share (runtime.h, since lib/
 * has conch.h).
 *
 * A container is a chain of conch tools, as a person would type it:
 * config.c and its section readers (process.c, linux.c, mounts.c) turn
 * config.json into the arguments of each tool (struct chain), chain.c
 * puts them in order, create.c runs them, and the steps that only a
 * runtime needs (a sync point once the namespaces exist, the wait for
 * `start`, the console) are conch's own subcommands in the chain
 * (steps.c). The state of a container lives under --root/ID (state.c).
 */
#ifndef CONCH_RUNTIME_H
#define CONCH_RUNTIME_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conch.h"

#define OCI_VERSION "1.1.0"	/* of the runtime spec conch implements */

/* argv.c: a growing NULL-terminated argument vector. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_add(struct strv *s, const char *arg);
void strv_addf(struct strv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strv_addv(struct strv *s, const struct strv *from);
bool strv_has(const struct strv *s, const char *arg);
void strv_free(struct strv *s);
void shell_quote(const char *arg, char *buf, size_t size);
noreturn void die_usage(int c, char **argv);

/* log.c: --log, --log-format; conch's own messages reach it too. */
struct logopts {
	const char *path;
	bool json;
	bool debug;
};
void log_open(const struct logopts *lo);
void log_flush(bool failed);
void log_ok(void);
void log_copy(int fd, bool failed);
void iso_time(char *buf, size_t size);

/* The global options, and what every subcommand is given. */
struct global {
	const char *root;	/* --root: the state directories */
	struct logopts log;
	const char *self;	/* conch's own executable, for the chain */
	char tooldir[PATH_MAX];	/* where the other tools are */
	char chaindir[2 * PATH_MAX];	/* the chain's: their static builds */
	bool no_cgroup;		/* --cgroup-manager disabled */
};

/* hooks.c */
enum hook_kind {
	HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_KINDS
};
extern const char *const hook_names[HOOK_KINDS];
int hooks_run(json_t *hooks, enum hook_kind kind, const char *state,
    bool fatal);
void hooks_check(json_t *hooks);

/*
 * config.c and the section readers: the tools' arguments that
 * config.json means. A field that no tool can express is a 125 error
 * naming it, before anything is made.
 */
struct chain {
	json_t *config;		/* the whole document */
	char bundle[PATH_MAX];	/* absolute */
	char rootfs[PATH_MAX];	/* absolute */
	char cgroup[PATH_MAX];	/* cgmake's CGROUP, "" for none */
	struct strv cgmake;	/* FILE=VALUE */
	struct strv devices;	/* cgmake's devices.allow=, devices.deny= */
	struct strv rlimit;	/* RESOURCE=LIMIT, --oom-score-adj */
	struct strv nsjoin;	/* --TYPE=FILE */
	struct strv nsnew;	/* flags, maps, hostname */
	struct strv sysctl;	/* KEY=VALUE */
	struct strv pivot;	/* options; the root is added last */
	struct strv capset;
	struct strv confine;	/* --apparmor, --selinux */
	json_t *seccomp;	/* linux.seccomp, for scfilter */
	struct strv init;	/* conch init: --env, --cwd, --umask */
	struct strv args;	/* process.args */
	json_t *hooks;
	json_t *annotations;
	const char *keyring;	/* a new session keyring of this name */
	bool terminal;
	unsigned rows, cols;	/* process.consoleSize */
	int nsflags;		/* CLONE_NEW* of the new namespaces */
	bool pidns;		/* a pid namespace, new or joined */
	bool detach;		/* nsnew --detach: the caller reaps init */
};
/*
 * Reading JSON with the field's path in every message. The outermost
 * may name the document instead (its index JPATH_DOC): config.json
 * without one.
 */
struct jpath {
	const struct jpath *up;
	const char *key;	/* or NULL with an index */
	size_t index;
};
#define JPATH_DOC ((size_t)-1)
void jpath_str(const struct jpath *p, char *buf, size_t size);
noreturn void die_field(const struct jpath *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
json_t *jget(json_t *obj, const char *key, const struct jpath *p,
    struct jpath *child, int type);
const char *jstr(json_t *obj, const char *key, const struct jpath *p);
bool jbool(json_t *obj, const char *key, const struct jpath *p);
bool jint(json_t *obj, const char *key, const struct jpath *p, long long min,
    long long max, long long *out);
void jknown(json_t *obj, const struct jpath *p, const char *const *handled,
    const char *const *unsupported);
json_t *json_read(const char *path, json_error_t *e);
int json_write(json_t *o, const char *path);
json_t *config_load(const char *bundle, struct chain *c);
void config_read(struct chain *c, bool create);
void config_free(struct chain *c);
void config_cgroup(struct chain *c, const char *id, bool no_cgroup);

void process_read(json_t *proc, const struct jpath *p, struct chain *c);
void linux_read(json_t *lx, const struct jpath *p, struct chain *c);
void resources_read(json_t *res, const struct jpath *p, struct chain *c);
void mounts_read(json_t *config, struct chain *c);
void sysctl_check(const char *key, const struct chain *c,
    const struct jpath *p);

/* chain.c: the chain in order, as conch runs it or a person types it. */
enum { FD_SYNC, FD_INFO, FD_FIFO, FD_STDERR, FD_CONSOLE, FD_SECCOMP,
	FD_CAPSET, FD_CONFINE, FD_SCFILTER, FD_CONCH, FD_MAX };
struct chainfds {
	int fd[FD_MAX];		/* -1: none; in the chain at base + i */
	int base;		/* the first number above the preserved fds */
};
void chain_argv(const struct global *g, const struct chain *c,
    const struct chainfds *f, struct strv *argv);
void chain_exec_argv(const struct global *g, const struct chain *c,
    const struct chainfds *f, pid_t pid, struct strv *argv);
void chain_print(const struct chain *c);
void chain_carry(const struct global *g, const struct chain *c,
    struct chainfds *f);
void find_tools(struct global *g);
int run_tool(const struct global *g, char *const argv[]);

/* state.c: --root/ID. */
enum status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };
extern const char *const status_names[];
struct state {
	char id[256];
	char dir[PATH_MAX];	/* --root/ID */
	int dirfd;		/* O_PATH of dir, locked */
	pid_t pid;
	unsigned long long start;	/* of pid, in clock ticks after boot */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[64];
	char cgroup[PATH_MAX];	/* absolute from the cgroup2 root, or "" */
	char cgroup_top[PATH_MAX];	/* the first of it conch made, or "" */
	json_t *annotations;
};
void id_check(const char *id);
void state_root(const char *root);
int state_new(const char *root, const char *id, struct state *st);
void state_open(const char *root, const char *id, struct state *st);
void state_save(const struct state *st);
void state_remove(struct state *st);
void state_close(struct state *st);
enum status state_status(const struct state *st);
char *state_json(const struct state *st, enum status s);
int state_pidfd(const struct state *st);
json_t *state_config(const struct state *st);
int proc_start_time(pid_t pid, unsigned long long *start);

/* cgroups.c: through cgmake, and lib/cgroup.c */
void cgroup_abs(const char *arg, char *abs, size_t size, char *top,
    size_t top_size);
void cgroup_remove(const struct global *g, const struct state *st);
int cgroup_dir_exists(const char *cg);
int cgroup_freeze(const struct global *g, const char *cgroup, bool frozen);
bool cgroup_frozen(const char *cgroup);
size_t cgroup_pids(const char *cgroup, pid_t *pids, size_t max);
size_t container_pids(const struct state *st, pid_t *pids, size_t max);

/* console.c */
int console_connect(const char *path);
void console_send(int sock, int master, const char *name);
void console_make(int sock, unsigned rows, unsigned cols);

/* steps.c: the steps of the chain that are conch's own. */
int step_setup(int argc, char **argv);
int step_init(int argc, char **argv);
void info_hooks(int fd, enum hook_kind kind);
/* sync messages between conch and its chain, on FD_SYNC */
#define SYNC_NS "ns"
#define SYNC_GO "go"
#define SYNC_READY "ready"
int sync_send(int sock, const char *msg, bool creds);
ssize_t sync_recv(int sock, char *buf, size_t size, pid_t *pid);

/* The subcommands: argc/argv from the subcommand's name on. */
int cmd_create(const struct global *g, int argc, char **argv);
int cmd_run(const struct global *g, int argc, char **argv);
int cmd_start(const struct global *g, int argc, char **argv);
int cmd_state(const struct global *g, int argc, char **argv);
int cmd_kill(const struct global *g, int argc, char **argv);
int cmd_delete(const struct global *g, int argc, char **argv);
int cmd_pause(const struct global *g, int argc, char **argv);
int cmd_resume(const struct global *g, int argc, char **argv);
int cmd_ps(const struct global *g, int argc, char **argv);
int cmd_list(const struct global *g, int argc, char **argv);
int cmd_exec(const struct global *g, int argc, char **argv);
int cmd_features(const struct global *g, int argc, char **argv);
int cmd_spec(const struct global *g, int argc, char **argv);
int cmd_chain(const struct global *g, int argc, char **argv);
int cmd_update(const struct global *g, int argc, char **argv);

/*
 * launch.c: a chain started, followed to "ready", and undone when it
 * fails (shared by create, run and exec).
 */
struct launch {
	const struct global *g;
	struct chainfds fds;
	pid_t child;		/* the process followed: the chain's first */
	pid_t first;		/* the chain's first process */
	int childfd;		/* its pidfd */
	int errfd;		/* the chain's stderr until PROG runs */
	int sync;		/* conch's end of FD_SYNC */
	pid_t pid;		/* the container's (or exec's) process */
	bool detach;		/* the chain's first process exits 0 early:
				 * conch, a subreaper, then waits for pid */
	struct state *st;	/* create: removed on failure */
	bool armed;		/* undo at exit */
};
void launch_init(struct launch *l, const struct global *g, int preserve);
int fd_high(int fd, int min);
int memfd_text(const char *name, const char *text);
void launch_console(struct launch *l, const char *socket);
void launch_start(struct launch *l, char **argv);
pid_t launch_wait(struct launch *l, const char *want);
void launch_go(struct launch *l);
void launch_done(struct launch *l);
noreturn void launch_fail(struct launch *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int log_stderr(void);
int wait_child(pid_t pid);
int wait_forwarding(pid_t pid);
void write_pidfile(const char *path, pid_t pid);
int parse_signal(const char *s);
void container_cleanup(const struct global *g, struct state *st);

#endif

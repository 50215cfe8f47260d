/*
 * conch: the small library shared by the tools (libconch.a).
 *
 * Only what two or more tools need lives here: messages and tracing,
 * interrupts, exec of PROG, fork-and-supervise, strict parsing, /etc/passwd and
 * /etc/group lookup without NSS, /proc file I/O, the namespace table
 * and ID-map writing.
 */
#ifndef CONCH_H
#define CONCH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#ifndef CONCH_VERSION
#define CONCH_VERSION "0"
#endif

/* Exit statuses, as env(1), chroot(1) and docker run. */
enum {
	EXIT_TOOL = 125,	/* the tool itself failed; nothing of PROG ran */
	EXIT_CANNOT_EXEC = 126,	/* PROG found but not executable */
	EXIT_NOT_FOUND = 127,	/* PROG not found */
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* msg.c: one line on stderr, "TOOL: what: why". */
extern const char *conch_tool;
extern int conch_verbose;

void conch_init(const char *tool);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_err(int err, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die_err(int err, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define die_sys(...) die_err(errno, NULL, __VA_ARGS__)
noreturn void die_option(int c, char **argv);
void common_option(int c, char **argv, const char *usage);
noreturn void print_version(void);
noreturn void print_help(const char *text);

/*
 * signal.c: SIGINT, SIGTERM and SIGHUP interrupt a tool that undoes.
 * interrupt_catch() (before atexit(undo)) makes them set a flag; blocking
 * calls then fail with EINTR. interrupt_check() in loops, and die*(),
 * then say "TOOL: interrupted by SIGINT", exit() (the undo runs), and the
 * process ends killed by that signal. interrupt_poll() waits on a
 * descriptor without losing a signal that comes just before. At the
 * point of no undo, interrupt_end() checks a last time and gives the
 * signals back their actions (exec_prog() calls it too).
 */
void interrupt_catch(void);
int interrupted(void);		/* the signal that came, or 0 */
void interrupt_check(void);
noreturn void interrupt_die(void);
int interrupt_poll(int fd, short events, int timeout_ms);
void interrupt_end(void);

/* exec.c: become PROG; argv NULL or empty runs $SHELL, else /bin/sh. */
noreturn void exec_prog(char **argv, const char *notfound_hint);

/* child.c: fork a child that dies with us; supervise it. */
pid_t fork_child(void);
pid_t fork_detached(void);
noreturn void supervise(pid_t child, bool reap_all);
int status_code(int wstatus);

/* parse.c: strict numbers; 0 on success, -1 on error. */
int parse_ulong(const char *s, unsigned long max, unsigned long *out);
int parse_long(const char *s, long min, long max, long *out);
int parse_size(const char *s, unsigned long long *out);

/* file.c: whole-file I/O with one system call each way. */
ssize_t read_file(const char *path, char *buf, size_t size);
ssize_t read_fileat(int dirfd, const char *path, char *buf, size_t size);
int write_file(const char *path, const char *buf);
int write_fileat(int dirfd, const char *path, const char *buf);
void xwrite_file(const char *path, const char *buf);

/* ids.c: /etc/passwd and /etc/group, read directly (static builds). */
struct passwd_ent {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[256];
};
int user_lookup(const char *name_or_id, struct passwd_ent *pw);
int user_by_uid(uid_t uid, struct passwd_ent *pw);
int group_lookup(const char *name_or_id, gid_t *gid);

/* ns.c: the namespace types, user first; the host's mount namespace. */
struct nstype {
	const char *name;	/* as in /proc/PID/ns, and on the command line */
	int flag;		/* CLONE_NEW* */
	char opt;		/* nsnew/nsjoin short option */
};
extern const struct nstype nstypes[];
extern const size_t nstypes_len;
const struct nstype *nstype_byname(const char *name);
const struct nstype *nstype_byopt(int opt);
int ns_flags_parse(const char *list, int *flags);
void ns_flags_str(int flags, char *buf, size_t size);
/* The fixed inodes of the initial namespaces (linux/nsfs.h). */
#define USER_NS_INIT_INO 0xEFFFFFFDU
#define PID_NS_INIT_INO 0xEFFFFFFCU
#define CGROUP_NS_INIT_INO 0xEFFFFFFBU
#define MNT_NS_INIT_INO 0xEFFFFFF8U	/* since Linux 6.18 */
bool host_mntns(unsigned long *ino);

/* idmap.c: uid_map/gid_map ranges, subordinate IDs, writing maps. */
#define IDMAP_MAX 340	/* lines the kernel accepts since Linux 4.15 */
struct idrange {
	unsigned long inside, outside, count;
};
struct idmap {
	size_t n;
	size_t bytes;		/* of its text form */
	struct idrange r[IDMAP_MAX];
};
void caller_passwd(struct passwd_ent *pw);
void idmap_parse(struct idmap *m, const char *spec, const char *what);
void idmap_add(struct idmap *m, struct idrange r, const char *what);
int subid_ranges(const char *file, const struct passwd_ent *pw,
    struct idrange *out, size_t max);
void idmap_auto(struct idmap *m, char kind, const struct passwd_ent *pw,
    const char *what);
void idmap_check_subid(const struct idmap *m, char kind,
    const struct passwd_ent *pw);
const char *idmap_check(const struct idmap *uid, const struct idmap *gid,
    const char *setgroups);
void idmap_write(pid_t pid, const struct idmap *uid, const struct idmap *gid,
    const char *setgroups);
void idmap_write_direct(pid_t pid, char kind, const struct idmap *m);
void setgroups_write(pid_t pid, const char *mode);
void idmap_format(const struct idmap *m, char *buf, size_t size);
int idmap_read(int dirfd, const char *path, struct idmap *m);
int id_mapped(char kind, unsigned long id);

/* capnames.c: capability names <-> numbers, without libcap. */
#define CAPNAMES_LEN 41	/* cap_chown (0) .. cap_checkpoint_restore (40) */
const char *capname(int cap);	/* "cap_net_raw"; NULL past the table */
int capnum(const char *name);	/* with or without cap_, any case, or 0..63 */
int caplast(void);		/* the running kernel's last capability */

/* cgroup.c: the cgroup v2 file system, for cgmake, cgput and nsjoin. */
struct mountent {
	unsigned long id;	/* the mount ID, as statx STATX_MNT_ID gives */
	char *root;		/* the mounted directory, from the fs's root */
	char *point;		/* where it is mounted */
	char *fstype;
	char *superopts;
};
int mountinfo_each(int (*fn)(const struct mountent *, void *), void *arg);
struct cgroupfs {
	int fd;			/* O_PATH of the root, the mount or --root */
	char dir[4096];		/* its path */
	char cgpath[4096];	/* its cgroup as /proc/PID/cgroup says, or "" */
};
void cgroupfs_open(struct cgroupfs *fs, const char *root);
void cgroup_resolve(const struct cgroupfs *fs, const char *arg, char *rel,
    size_t size);
void cgroup_path(const struct cgroupfs *fs, const char *rel, char *buf,
    size_t size);
int cgroup_of_pid(const struct cgroupfs *fs, pid_t pid, char *rel,
    size_t size, char *abs, size_t abs_size);
int cgroup_of_procfd(const struct cgroupfs *fs, int procfd, char *rel,
    size_t size, char *abs, size_t abs_size);
int cgroup_open(const struct cgroupfs *fs, const char *rel);
int cgroup_xopen(const struct cgroupfs *fs, const char *rel);
void cgroup_common(const char *a, const char *b, char *out, size_t size);

/*
 * idmount.c: idmapped mounts made by nsnew's helper for pivot, over the
 * socket whose descriptor CONCH_IDMAP_FD names.
 */
#define IDMOUNT_ENV "CONCH_IDMAP_FD"
noreturn void idmount_serve(int sock, int userns, int mntns);
int idmount_take(void);
int idmount_tree(int sock, int fd, const char *what);

#endif

/*
 * conch: the small library shared by the tools (libconch.a).
 *
 * Only what two or more files need lives here, one topic a file:
 * messages and tracing, interrupts, exec of PROG and the PATH lookup,
 * the undo log, the new mount API, fork-and-supervise, strict parsing,
 * files of any size, memory, mountinfo, /etc/passwd and /etc/group
 * without NSS, the namespace table, ID maps, capability names, the
 * cgroup v2 file system and idmapped mounts for pivot.
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
void common_option(int c, char **argv, const char *usage);

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

/*
 * exec.c: become PROG; argv NULL or empty runs $SHELL, else /bin/sh.
 * prog_lookup() finds NAME as execvp(3) would (see exec.c): 0 and its
 * path, or -1 with errno ENOENT, EACCES or ENAMETOOLONG.
 */
noreturn void exec_prog(char **argv, const char *notfound_hint);
int prog_lookup(const char *name, char *path, size_t size);

/*
 * undo.c: what a tool made, undone last first if it fails (at exit: a
 * die(), an interrupt, a failed exec), each failure of an undo said as
 * "TOOL: undo: WHAT: why" and passed over. WHAT (a printf format) says
 * the step: "remove /a/b", "detach /newroot". The first entry registers
 * the log's atexit handler after interrupt_catch()'s, as signal.c
 * requires. Descriptors given are duplicated: the caller closes its own.
 *
 * Exec and the log: a tool that keeps what it made whatever PROG does
 * (cgmake, pivot, mkrootfs) calls undo_commit() at its point of no
 * return, before exec_prog(): the log is disarmed and emptied, and the
 * interrupts end. A log still armed at exec_prog() stays so: if the exec
 * fails, exit(126 or 127) undoes; if it succeeds, the log is gone with
 * the process image and what it held is kept. undo_now() runs the log
 * at once and goes on (a harness that unmakes scratch tree after tree).
 */
typedef int undo_fn(const void *data);	/* 0, or -1 with errno */
void undo_push(undo_fn *fn, const void *data, size_t size,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void undo_unlink(int dirfd, const char *name, bool dir, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void undo_umount(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void undo_detach(int mnt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void undo_commit(void);
void undo_now(void);

/*
 * mount.c: the new mount API; -1 with errno, as the calls. mount_new()
 * and mount_fserror() give the kernel's own words for a failure.
 */
struct mount_attr;
int mount_fsopen(const char *type);
int mount_fsconfig(int fsfd, const char *key, const char *value);
int mount_fscreate(int fsfd);
int mount_fsmount(int fsfd, unsigned int attr);
const char *mount_fserror(int fsfd, char *buf, size_t size);
int mount_new(const char *type, const char *source,
    const char *const *options, unsigned int attr, char *why, size_t size);
int mount_set(int mnt, bool recursive, const struct mount_attr *attr);
int mount_tree(int dirfd, const char *path, unsigned int flags,
    bool recursive, const struct mount_attr *attr, const char **call);
int mount_attach(int mnt, int dirfd, const char *name);

/* child.c: fork a child that dies with us; supervise it. */
pid_t fork_child(void);
pid_t fork_detached(void);
noreturn void supervise(pid_t child, bool reap_all);
int status_code(int wstatus);

/* parse.c: strict numbers; 0 on success, -1 on error. */
int parse_ulong(const char *s, unsigned long max, unsigned long *out);
int parse_long(const char *s, long min, long max, long *out);
int parse_size(const char *s, unsigned long long *out);

/* file.c: whole-file I/O with one system call each way; any size. */
ssize_t read_file(const char *path, char *buf, size_t size);
ssize_t read_fileat(int dirfd, const char *path, char *buf, size_t size);
int write_file(const char *path, const char *buf);
int write_fileat(int dirfd, const char *path, const char *buf);
char *read_all(int fd, size_t *len);	/* NUL-terminated; NULL, errno */
char *read_all_max(int fd, size_t max, size_t *len);	/* EFBIG past MAX */
char *read_allat(int dirfd, const char *path, size_t *len);

/* mem.c: allocations that die ("TOOL: out of memory"), sizes checked. */
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *grow(void *list, size_t len, size_t *cap, size_t size);

/*
 * mountinfo.c: /proc/PID/mountinfo, whole. FN is called for each mount
 * until it returns non-zero, which is then returned. The strings are
 * valid during the call only.
 */
struct mountent {
	unsigned long id;	/* the mount ID, as statx STATX_MNT_ID gives */
	unsigned long parent;	/* its parent's ID (its own: no parent) */
	dev_t dev;		/* MAJ:MIN of its file system */
	char *root;		/* the mounted directory, from the fs's root */
	char *point;		/* where it is mounted */
	char *options;		/* per mount: "rw,nosuid,relatime" */
	char *tags;		/* "shared:1 master:2", or "" */
	char *fstype;
	char *source;
	char *superopts;	/* per file system */
};
typedef int mountinfo_fn(const struct mountent *, void *);
int mountinfo_each(mountinfo_fn *fn, void *arg);	/* our own */
int mountinfo_read(int fd, const char *what, mountinfo_fn *fn, void *arg);
int mountinfo_parse(char *text, mountinfo_fn *fn, void *arg);

/*
 * passwd.c: /etc/passwd and /etc/group, read directly (static builds);
 * colon_each() calls FN with the fields of each line of such a file.
 */
typedef int colon_fn(char **fields, int n, void *arg);
int colon_each(const char *path, int max, colon_fn *fn, void *arg);
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
const struct nstype *nstype_byopt(int opt);
void ns_flags_str(int flags, char *buf, size_t size);
/* The fixed inode of the initial user namespace (linux/nsfs.h). */
#define USER_NS_INIT_INO 0xEFFFFFFDU
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
/* /etc/subuid or /etc/subgid ranges of PW: idmap, and netmake's holder. */
int subid_ranges(const char *file, const struct passwd_ent *pw,
    struct idrange *out, size_t max);
void idmap_auto(struct idmap *m, char kind, const struct passwd_ent *pw,
    const char *what);
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

/*
 * idmount.c: idmapped mounts made by nsnew's helper for pivot, over the
 * socket whose descriptor CONCH_IDMAP_FD names.
 */
#define IDMOUNT_ENV "CONCH_IDMAP_FD"
noreturn void idmount_serve(int sock, int userns, int mntns);
int idmount_take(void);
int idmount_tree(int sock, int fd, const char *what);

#endif

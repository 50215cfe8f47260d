/*
 * The chain, in DESIGN.md's order: cgmake, rlimit, cgput, nsjoin, nsnew,
 * conch setup (once the namespaces exist), pivot, capset, confine,
 * scfilter, conch init (the last step), PROG.
 *
 * As conch runs it, the tools before pivot are those beside conch,
 * by their paths. Those after pivot cannot be looked up in the
 * container's root, which need not hold them and is not modified: conch
 * carries them across as descriptors of sealed memfd copies of their
 * static builds (so that no process of the container can write to the
 * host's binary through /proc/PID/exe, as in CVE-2019-5736), runs them
 * as /proc/self/fd/N, and conch init closes every one of them before
 * PROG. As `conch chain` prints it, every tool is named as a person
 * types it, and the steps after pivot are those of the root (mkrootfs
 * --tools).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Where the static builds are: make install's, else the build tree's. */
static const char *const static_dirs[] = { "../libexec/conch", "../static" };

/*
 * The tools beside conch; the chain runs their static builds when there
 * are (a static program starts in a tenth of the time of a dynamic one,
 * which a chain of eight pays eight times).
 */
void
find_tools(struct global *g)
{
	static char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char path[2 * PATH_MAX];
	size_t i;

	if (n == -1)
		die_sys("readlink /proc/self/exe");
	self[n] = '\0';
	g->self = self;
	snprintf(g->tooldir, sizeof(g->tooldir), "%s", self);
	*strrchr(g->tooldir, '/') = '\0';
	snprintf(g->chaindir, sizeof(g->chaindir), "%s", g->tooldir);
	for (i = 0; i < LEN(static_dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s/nsnew", g->tooldir,
		    static_dirs[i]);
		if (access(path, X_OK) == 0) {
			snprintf(g->chaindir, sizeof(g->chaindir), "%s/%s",
			    g->tooldir, static_dirs[i]);
			break;
		}
	}
}

int
run_tool(const struct global *g, char *const argv[])
{
	char path[PATH_MAX + 64];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", g->tooldir, argv[0]);
	trace("run %s", path);
	pid = fork();
	if (pid == -1)
		die_sys("fork for %s", argv[0]);
	if (pid == 0) {
		execv(path, argv);
		warn_err(errno, NULL, "exec %s", path);
		_exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
	}
	return wait_child(pid);
}

/* Whether the ELF file FD asks for an ELF loader (a dynamic program). */
static bool
elf_dynamic(int fd, const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		die("%s: not a 64-bit ELF program", path);
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i *
		    eh.e_phentsize) != sizeof(ph))
			die("%s: truncated ELF program headers", path);
		if (ph.p_type == PT_INTERP)
			return true;
	}
	return false;
}

/* A sealed, executable memfd copy of the static build of NAME. */
static int
carry(const struct global *g, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat sb;
	size_t i;
	int fd = -1, mfd;

	/* Beside conch last: a static conch's tools (an initramfs's). */
	for (i = 0; i <= LEN(static_dirs) && fd == -1; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", g->tooldir, i <
		    LEN(static_dirs) ? static_dirs[i] : ".", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd == -1)
		die("no static build of %s in %s/../libexec/conch or "
		    "%s/../static (make static, or make install): the steps "
		    "after pivot cannot come from the container's root",
		    name, g->tooldir, g->tooldir);
	if (fstat(fd, &sb) == -1)
		die_sys("stat %s", path);
	if (elf_dynamic(fd, path))
		die("%s: not a static program: after pivot, its ELF loader "
		    "would be looked up in the container's root", path);
	mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd == -1 && errno == EINVAL)
		mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd == -1)
		die_sys("memfd_create for %s", name);
	if (sendfile(mfd, fd, NULL, sb.st_size) != sb.st_size)
		die_sys("copy %s", path);
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1)
		die_sys("seal the copy of %s", path);
	close(fd);
	trace("carry %s (%lld bytes, sealed)", path, (long long)sb.st_size);
	return mfd;
}

/*
 * The copies of conch, and of capset, confine and scfilter when the
 * chain has them.
 */
void
chain_carry(const struct global *g, const struct chain *c,
    struct chainfds *f)
{
	f->fd[FD_CONCH] = carry(g, "conch");
	if (c->capset.n > 0)
		f->fd[FD_CAPSET] = carry(g, "capset");
	if (c->confine.n > 0)
		f->fd[FD_CONFINE] = carry(g, "confine");
	if (c->seccomp != NULL)
		f->fd[FD_SCFILTER] = carry(g, "scfilter");
}

/* How each step is named: by path, by descriptor, or as a person types. */
struct namer {
	const struct global *g;
	const struct chainfds *f;	/* NULL: print */
};

/* In print mode, a step's first word is marked (STEP_MARK) for chain_print. */
#define STEP_MARK '\001'

static void
tool(struct strv *v, const struct namer *n, const char *name, int late)
{
	if (n->f == NULL)
		strv_addf(v, "%c%s", STEP_MARK, name);
	else if (late >= 0)
		strv_addf(v, "/proc/self/fd/%d", n->f->base + late);
	else
		strv_addf(v, "%s/%s", n->g->chaindir, name);
}

static void
fdopt(struct strv *v, const struct namer *n, const char *opt, int which)
{
	if (n->f != NULL && n->f->fd[which] != -1)
		strv_addf(v, "--%s=%d", opt, n->f->base + which);
}

static void
steps_outside(const struct chain *c, const struct namer *n, struct strv *v)
{
	if (c->cgroup[0] != '\0') {
		tool(v, n, "cgmake", -1);
		strv_add(v, c->cgroup);
		strv_addv(v, &c->cgmake);
		strv_addv(v, &c->devices);
		strv_add(v, "--");
	}
	if (c->rlimit.n > 0) {
		tool(v, n, "rlimit", -1);
		strv_addv(v, &c->rlimit);
		strv_add(v, "--");
	}
	if (c->cgroup[0] != '\0') {
		tool(v, n, "cgput", -1);
		strv_add(v, c->cgroup);
	}
	if (c->nsjoin.n > 0) {
		tool(v, n, "nsjoin", -1);
		strv_addv(v, &c->nsjoin);
	}
	if (c->nsnew.n > 0) {
		tool(v, n, "nsnew", -1);
		if (c->detach && (c->nsflags & (CLONE_NEWPID | CLONE_NEWTIME)))
			strv_add(v, "--detach");
		strv_addv(v, &c->nsnew);
	}
}

static void
steps_setup_pivot(const struct chain *c, const struct namer *n,
    struct strv *v)
{
	if (n->f != NULL || c->sysctl.n > 0 || c->keyring != NULL) {
		tool(v, n, "conch", -1);
		strv_add(v, "setup");
		fdopt(v, n, "sync", FD_SYNC);
		fdopt(v, n, "info", FD_INFO);
		if (c->keyring != NULL)
			strv_addf(v, "--keyring=%s", c->keyring);
		strv_addv(v, &c->sysctl);
		strv_add(v, "--");
	}
	tool(v, n, "pivot", -1);
	strv_addv(v, &c->pivot);
	strv_add(v, c->rootfs);
}

static void
step_scfilter(const struct chain *c, const struct namer *n, struct strv *v,
    bool keep_privs)
{
	tool(v, n, "scfilter", FD_SCFILTER);
	if (keep_privs)
		strv_add(v, "--keep-privs");
	strv_add(v, "-f");
	if (n->f != NULL)
		strv_addf(v, "/proc/self/fd/%d", n->f->base + FD_SECCOMP);
	else
		strv_addf(v, "<(jq -c .linux.seccomp %s/config.json)",
		    c->bundle);
	strv_add(v, "--");
}

/*
 * capset, confine, then scfilter; without noNewPrivileges, the filter is
 * loaded first, while capset has not yet dropped the CAP_SYS_ADMIN that
 * loading it without no_new_privs takes, as runc does: then it holds for
 * capset's and confine's own calls too.
 *
 * confine sets the AppArmor profile or SELinux context of the next exec
 * (the kernel forgets it at that exec): the steps after it, scfilter and
 * conch init, already run under the label, as PROG does. runc sets it
 * for PROG's exec alone; here the profile must also let them execute
 * the carried copies (a memfd's /proc/self/fd/N), which `file,` does.
 */
static void
steps_late(const struct chain *c, const struct namer *n, struct strv *v)
{
	bool nnp = strv_has(&c->capset, "--nnp");

	if (c->seccomp != NULL && !nnp)
		step_scfilter(c, n, v, true);
	if (c->capset.n > 0) {
		tool(v, n, "capset", FD_CAPSET);
		strv_addv(v, &c->capset);
		strv_add(v, "--");
	}
	if (c->confine.n > 0) {
		tool(v, n, "confine", FD_CONFINE);
		strv_addv(v, &c->confine);
		strv_add(v, "--");
	}
	if (c->seccomp != NULL && nnp)
		step_scfilter(c, n, v, false);
}

static void
step_last(const struct chain *c, const struct namer *n, struct strv *v)
{
	tool(v, n, "conch", FD_CONCH);
	strv_add(v, "init");
	fdopt(v, n, "sync", FD_SYNC);
	fdopt(v, n, "info", FD_INFO);
	fdopt(v, n, "fifo", FD_FIFO);
	fdopt(v, n, "stderr", FD_STDERR);
	fdopt(v, n, "console", FD_CONSOLE);
	if (c->terminal && c->rows > 0 && c->cols > 0)
		strv_addf(v, "--console-size=%ux%u", c->rows, c->cols);
	if (n->f != NULL)
		strv_addf(v, "--keep-fds=%d", n->f->base - 3);
	strv_addv(v, &c->init);
	strv_add(v, "--");
	strv_addv(v, &c->args);
}

void
chain_argv(const struct global *g, const struct chain *c,
    const struct chainfds *f, struct strv *argv)
{
	struct namer n = { g, f };

	steps_outside(c, &n, argv);
	steps_setup_pivot(c, &n, argv);
	steps_late(c, &n, argv);
	step_last(c, &n, argv);
}

/*
 * exec's chain: rlimit, nsjoin into the namespaces, cgroup and root of
 * the container's process PID, then as create's after pivot.
 */
void
chain_exec_argv(const struct global *g, const struct chain *c,
    const struct chainfds *f, pid_t pid, struct strv *argv)
{
	struct namer n = { g, f };

	if (c->rlimit.n > 0) {
		tool(argv, &n, "rlimit", -1);
		strv_addv(argv, &c->rlimit);
		strv_add(argv, "--");
	}
	tool(argv, &n, "nsjoin", -1);
	if (c->detach)
		strv_add(argv, "--detach");
	strv_add(argv, "--cgroup");
	strv_add(argv, "--root");
	strv_addf(argv, "%d", (int)pid);
	steps_late(c, &n, argv);
	step_last(c, &n, argv);
}

/* One line per tool, quoted for a shell, joined by backslashes. */
void
chain_print(const struct chain *c)
{
	struct strv v = { NULL, 0, 0 };
	char q[8192];
	const char *arg;
	size_t i;

	chain_argv(NULL, c, NULL, &v);
	for (i = 0; i < v.n; i++) {
		arg = v.v[i];
		if (i > 0)
			fputs(arg[0] == STEP_MARK ? " \\\n" : " ", stdout);
		if (arg[0] == STEP_MARK)
			arg++;
		if (strncmp(arg, "<(", 2) == 0) {
			fputs(arg, stdout);
			continue;
		}
		shell_quote(arg, q, sizeof(q));
		fputs(q, stdout);
	}
	putchar('\n');
	strv_free(&v);
}

/*
 * PROG is looked up here, before the filter, so that exactly one execve
 * follows it, with arguments known in advance: the filter's verdict on
 * that call is checked (prog_check_allowed()), and noexec lets precisely
 * that call through (prog_gate(): its arguments moved to random
 * addresses that vanish with the exec).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "conch.h"
#include "prog.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/*
 * PROG (argv NULL: $SHELL, else /bin/sh) found as exec_prog() would find
 * it (prog_lookup(), execvp's policy), or exits 126 or 127.
 */
void
prog_find(struct exec *ex, char **argv)
{
	bool slash;
	struct stat st;
	int err;

	if (argv == NULL || argv[0] == NULL) {
		ex->shell[0] = getenv("SHELL");
		if (ex->shell[0] == NULL || ex->shell[0][0] == '\0')
			ex->shell[0] = "/bin/sh";
		ex->shell[1] = NULL;
		argv = ex->shell;
	}
	ex->argv = argv;
	slash = strchr(argv[0], '/') != NULL;
	if (prog_lookup(argv[0], ex->found, sizeof(ex->found)) == 0 &&
	    (!slash || stat(ex->found, &st) == 0)) {
		ex->path = ex->found;
		return;
	}
	err = errno;
	if (!slash && err == ENOENT) {
		warn_err(err, "not found in PATH", "exec %s", argv[0]);
		exit(EXIT_NOT_FOUND);
	}
	warn_err(err, NULL, "exec %s", argv[0]);
	exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND :
	    EXIT_CANNOT_EXEC);
}

/* Fresh memory at a random address; it vanishes with the exec. */
static void *
map_at_random(size_t size, uint64_t rnd)
{
	uint64_t lo = 1ULL << 32, span = (1ULL << 46) - lo;
	size_t len = (size + 2 * 4096) & ~(size_t)4095;
	uint64_t addr;
	void *p;
	int tries;

	for (tries = 0; tries < 32; tries++, rnd = rnd * 6364136223846793005ULL
	    + 1442695040888963407ULL) {
		addr = (lo + rnd % span) & ~4095ULL;
		p = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED) {
			if (errno == EEXIST)
				continue;
			die_sys("mmap");
		}
		if ((uintptr_t)p == addr)
			return (char *)p + ((rnd >> 40) % 4096 & ~(uint64_t)7);
		munmap(p, len);
	}
	die("mmap: no free address found for noexec's exec arguments");
}

/* noexec: the path, argv and envp of the exec moved to random places. */
void
prog_gate(struct exec *ex, struct exec_gate *g)
{
	uint64_t rnd[3];
	size_t argc = 0, envc = 0;
	char *path, **argv, **envp;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		die_sys("getrandom");
	while (ex->argv[argc] != NULL)
		argc++;
	while (environ[envc] != NULL)
		envc++;
	path = map_at_random(strlen(ex->path) + 1, rnd[0]);
	argv = map_at_random((argc + 1) * sizeof(*argv), rnd[1]);
	envp = map_at_random((envc + 1) * sizeof(*envp), rnd[2]);
	strcpy(path, ex->path);
	memcpy(argv, ex->argv, (argc + 1) * sizeof(*argv));
	memcpy(envp, environ, (envc + 1) * sizeof(*envp));
	ex->path = path;
	ex->argv = argv;
	ex->envp = envp;
	*g = (struct exec_gate){ (uintptr_t)path, (uintptr_t)argv,
	    (uintptr_t)envp };
	trace("noexec: PROG's execve arguments at random addresses; any "
	    "other execve fails");
}

/* A filter that stops scfilter's own exec of PROG would only fail later. */
void
prog_check_allowed(const struct profile *p, const struct exec *ex)
{
	uint64_t args[NARGS] = {
		(uintptr_t)ex->path, (uintptr_t)ex->argv, (uintptr_t)ex->envp,
	};
	uint32_t act = profile_verdict(p, syscall_nr("execve"), args);
	char buf[32];

	if (act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG)
		return;
	die("refusing a filter whose action on execve is %s: PROG could not "
	    "start (-f noexec forbids exec once PROG runs; --dump and --bpf "
	    "write a filter without running PROG)",
	    action_str(act, buf, sizeof(buf)));
}

noreturn void
prog_exec(const struct exec *ex)
{
	int err;

	execve(ex->path, ex->argv, ex->envp);
	err = errno;
	if (err == ENOENT && access(ex->path, F_OK) == 0) {
		warn_err(err, "its interpreter or ELF loader is missing",
		    "exec %s", ex->argv[0]);
		exit(EXIT_CANNOT_EXEC);
	}
	warn_err(err, NULL, "exec %s", ex->argv[0]);
	exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND :
	    EXIT_CANNOT_EXEC);
}

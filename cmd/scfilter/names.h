/*
 * names.h: the names scfilter reads and prints (system calls, errno
 * values, the constants of conditions, architectures), and where a rule
 * was read, for the messages of those who read it.
 */
#ifndef SCFILTER_NAMES_H
#define SCFILTER_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* Where a rule was read, for messages: "prof.txt:3: ", "--deny: ". */
struct where {
	const char *origin;
	int line;
};

noreturn void die_at(const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* errno values: by name (any case) or number, up to MAX_ERRNO. */
#define MAX_ERRNO 4095
int parse_errno(const char *s, const struct where *w);

/* A condition's VALUE: numbers and constants OR'ed with '|'. */
uint64_t parse_value(const char *s, size_t len, const struct where *w);

/* The architectures a machine runs, after Docker's archMap. */
struct archinfo {
	const char *name;	/* libseccomp's */
	uint32_t token;
	const char *goarch;	/* what Docker's "arches" say */
	int bits;		/* of a system call argument */
	bool big_endian;
	const char *compat[2];
};

#define MAX_ARCH 4	/* that one machine runs */

const struct archinfo *arch_byname(const char *name);
const struct archinfo *arch_bytoken(uint32_t token);
size_t machine_arches(uint32_t *out);
bool runs_here(uint32_t token);
uint64_t arch_arg_max(const struct archinfo *a);

/* System calls: libseccomp's numbers, and the numbers on an arch. */
int syscall_nr(const char *name);
int syscall_nr_on(uint32_t token, const char *name);

/* Socket and SysV IPC calls that socketcall(2) and ipc(2) multiplex. */
struct muxed {
	const char *name;
	bool ipc;	/* through ipc(2), else socketcall(2) */
	unsigned code;	/* its number there */
	int x86;	/* its own number on 32-bit x86, or -1 */
};

extern const size_t nmuxed;
const struct muxed *muxed_byname(const char *name);

/* --list syscalls, constants, errnos */
void list_syscalls(void);
void list_constants(void);
void list_errnos(void);

#endif

/*
 * sysprobe: make one system call and print its outcome, "ok" or the errno
 * name (EPERM ...); exit 0 if it succeeded, 1 if it failed, 2 on misuse.
 * Built static, 64-bit and -m32, by make testprogs, so that a
 * filter is seen exactly as a program meets it.
 *
 *   sysprobe [--x32] NAME [ARG]... [-- NAME [ARG]...]...
 *
 * NAME: a call of the table below, or a number (1000: a call no kernel has).
 * With several calls, one line each; the exit status is the last one's.
 * ARG: a number (12, 0x1f, 0755, -100), a list [1,2,3] (the address of
 * those longs, for socketcall), or any other string (its address).
 * --x32: the x32 ABI's number of NAME (the 64-bit one, bit 30 set).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(name) { #name, SYS_##name }
static const struct {
	const char *name;
	long nr;
} calls[] = {
	S(getpid), S(getpgid), S(mkdir), S(openat), S(socket), S(socketpair),
	S(mount), S(umount2), S(reboot), S(kexec_load), S(init_module),
	S(unshare), S(clone), S(personality), S(execve), S(execveat),
	S(ptrace), S(setns), S(io_uring_setup), S(bpf), S(keyctl),
	S(swapon), S(chroot), S(kcmp), S(sethostname), S(setdomainname),
	S(mknodat), S(pivot_root), S(kill), S(renameat), S(truncate),
	S(linkat), S(io_uring_enter), S(io_uring_register), S(perf_event_open),
	S(quotactl), S(acct), S(open_by_handle_at), S(pidfd_open),
	S(pidfd_send_signal), S(open_tree), S(close_range), S(openat2),
	S(faccessat2), S(finit_module), S(delete_module), S(process_madvise),
	S(quotactl_fd), S(clock_settime), S(settimeofday), S(ioctl),
#ifdef SYS_ioperm
	S(ioperm), S(iopl),
#endif
#ifdef SYS_landlock_create_ruleset
	S(landlock_create_ruleset),
#endif
#ifdef SYS_memfd_secret
	S(memfd_secret),
#endif
#ifdef SYS_lookup_dcookie
	S(lookup_dcookie),
#endif
#ifdef SYS_socketcall
	S(socketcall),
#endif
#ifdef SYS_clone3
	S(clone3),
#endif
};

static long
arg(const char *s)
{
	static long lists[6][8];
	static int nlists;
	char *end;
	long v;
	int i;

	if (s[0] == '[') {
		long *l = lists[nlists++ % 6];

		for (i = 0, s++; i < 8 && *s != ']' && *s != '\0'; i++) {
			l[i] = strtol(s, &end, 0);
			s = *end == ',' ? end + 1 : end;
		}
		return (long)l;
	}
	/* 64-bit, cut to a long: what a 32-bit caller puts in a register. */
	errno = 0;
	v = (long)strtoll(s, &end, 0);
	if (errno == 0 && end != s && *end == '\0')
		return v;
	errno = 0;
	v = (long)strtoull(s, &end, 0);
	if (errno == 0 && end != s && *end == '\0')
		return v;
	return (long)s;
}

/* One call: argv[0] is its name, up to "--" or the end. */
static int
probe(char **argv, int argc, int x32)
{
	long a[6] = { 0 }, nr = -1, ret;
	size_t k;
	int i;

	if (argc < 1 || argc > 7) {
		fprintf(stderr, "usage: sysprobe [--x32] NAME [ARG]... "
		    "[-- NAME [ARG]...]...\n");
		exit(2);
	}
	for (k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
		if (strcmp(calls[k].name, argv[0]) == 0)
			nr = calls[k].nr;
	if (nr == -1 && argv[0][0] != '\0' &&
	    argv[0][strspn(argv[0], "0123456789")] == '\0')
		nr = strtol(argv[0], NULL, 10);
	if (nr == -1) {
		fprintf(stderr, "sysprobe: unknown system call '%s'\n", argv[0]);
		exit(2);
	}
	for (i = 1; i < argc; i++)
		a[i - 1] = arg(argv[i]);
	if (x32)
		nr |= 0x40000000;
	ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret == 0 && strcmp(argv[0], "clone") == 0)
		_exit(0);	/* the child */
	if (ret > 0 && strcmp(argv[0], "clone") == 0)
		waitpid((pid_t)ret, NULL, __WALL);	/* gone with us */
	if (ret == -1) {
		puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
		return 1;
	}
	puts("ok");
	return 0;
}

int
main(int argc, char **argv)
{
	int x32 = 0, i, start, rc = 2;

	if (argc > 1 && strcmp(argv[1], "--x32") == 0) {
		x32 = 1;
		argv++;
		argc--;
	}
	for (start = i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--") != 0)
			continue;
		rc = probe(argv + start, i - start, x32);
		start = i + 1;
	}
	fflush(stdout);
	return rc;
}

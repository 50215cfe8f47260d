/*
 * The text profile format: ACTION SYSCALL... [argN OP VALUE]... a line,
 * "default ACTION", "arch LIST", "noexec", and # comments; and the
 * built-in profiles (-f default, nonet, noexec), written in it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <seccomp.h>

#include "conch.h"
#include "text.h"

/* ---- built-in profiles, in the text format ------------------------------ */

static const char profile_default[] =
    "# default: what Docker's default seccomp profile blocks in a container\n"
    "# with Docker's default capabilities (no CAP_SYS_ADMIN, CAP_SYS_PTRACE,\n"
    "# CAP_SYS_TIME ...), written as a deny-list: every other call is "
    "allowed,\n"
    "# newer ones included. Denied calls fail with EPERM, as under Docker.\n"
    "#\n"
    "# Mounts, the root, other namespaces: the container is shaped by now.\n"
    "errno mount umount umount2 pivot_root fsopen fsconfig fsmount fspick\n"
    "errno move_mount open_tree mount_setattr setns\n"
    "# New namespaces: clone and unshare only without CLONE_NEW* flags.\n"
    "# clone3 keeps its flags in memory, out of the filter's sight: it fails\n"
    "# with ENOSYS, and glibc falls back to clone (as under Docker).\n"
    "errno clone arg0 &= CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|"
    "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET != 0\n"
    "errno unshare arg0 &= CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|"
    "CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWTIME != 0\n"
    "errno=ENOSYS clone3\n"
    "# The machine: reboot, kexec, modules, swap, the clock, host names.\n"
    "errno reboot kexec_load kexec_file_load\n"
    "errno init_module finit_module delete_module create_module\n"
    "errno query_module get_kernel_syms\n"
    "errno swapon swapoff\n"
    "errno settimeofday stime clock_settime clock_settime64\n"
    "errno sethostname setdomainname\n"
    "# Kernel interfaces with a record of escapes, or that reach other\n"
    "# processes, the kernel log or the hardware.\n"
    "errno bpf perf_event_open userfaultfd keyctl add_key request_key\n"
    "errno open_by_handle_at lookup_dcookie fanotify_init syslog acct\n"
    "errno quotactl quotactl_fd nfsservctl _sysctl sysfs ustat uselib bdflush\n"
    "errno iopl ioperm vm86 vm86old vhangup\n"
    "errno kcmp pidfd_getfd process_madvise\n"
    "# io_uring runs calls the filter never sees, and has a record of\n"
    "# kernel escapes: Docker denies it since 25.0 (moby#46762).\n"
    "errno io_uring_setup io_uring_enter io_uring_register\n"
    "errno get_mempolicy set_mempolicy set_mempolicy_home_node mbind\n"
    "errno migrate_pages move_pages\n"
    "# Sockets to the hypervisor (the kernel reads only the low 32 bits).\n"
    "errno socket arg0 &= 0xffffffff == AF_VSOCK\n"
    "# personality: only the harmless personas and the query, as under\n"
    "# Docker, judged on the 32 bits the kernel reads.\n"
    "errno personality\n"
    "allow personality arg0 &= 0xffffffff == PER_LINUX\n"
    "allow personality arg0 &= 0xffffffff == PER_LINUX32\n"
    "allow personality arg0 &= 0xffffffff == UNAME26\n"
    "allow personality arg0 &= 0xffffffff == UNAME26|PER_LINUX32\n"
    "allow personality arg0 &= 0xffffffff == 0xffffffff\n";

static const char profile_nonet[] =
    "# nonet: no network. Sockets of the AF_UNIX family only; the others\n"
    "# fail with EAFNOSUPPORT, as on a kernel built without them, so that\n"
    "# programs fall back quietly. io_uring can open sockets without\n"
    "# socket(2): it fails with EPERM. On 32-bit x86, socketcall(2) hides\n"
    "# the family from the filter: there every new socket is refused.\n"
    "errno=EAFNOSUPPORT socket socketpair\n"
    "allow socket socketpair arg0 == AF_UNIX\n"
    "errno io_uring_setup\n";

static const char profile_noexec[] =
    "# noexec: PROG starts, then nothing can start another program:\n"
    "# execve(2) and execveat(2) fail with EPERM. scfilter's own execve of\n"
    "# PROG is let through by its three pointer arguments, put at random\n"
    "# addresses that vanish with that exec (see NOEXEC in scfilter(1)).\n"
    "noexec\n";

static const struct builtin builtins[] = {
	{ "default", profile_default,
	  "what Docker's default profile blocks; all else allowed" },
	{ "nonet", profile_nonet, "no sockets but AF_UNIX" },
	{ "noexec", profile_noexec, "no execve or execveat once PROG runs" },
};

const struct builtin *
builtin_byname(const char *name)
{
	size_t i;

	for (i = 0; i < LEN(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* --list profiles */
void
list_builtins(void)
{
	size_t i;

	for (i = 0; i < LEN(builtins); i++)
		printf("%-8s %s\n", builtins[i].name, builtins[i].summary);
}

/* ---- the text profile format -------------------------------------------- */

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* The length of the word at s, for messages. */
static int
word_len(const char *s)
{
	return (int)strcspn(s, " \t\r");
}

/* VALUE of a condition: up to a blank or an operator character. */
static uint64_t
cond_value(const char **sp, const char *after, const struct where *w)
{
	const char *s = skip_space(*sp);
	size_t len = strcspn(s, " \t\r=!<>&");

	if (len == 0)
		die_at(w, "malformed rule: expected a value after '%s', got "
		    "'%.*s'", after, word_len(s), s);
	*sp = s + len;
	return parse_value(s, len, w);
}

/* "arg0 == AF_INET", "arg1 &= O_ACCMODE == O_RDONLY", "arg0!=1" ... */
static void
parse_conditions(const char *s, struct rule *r, const struct where *w)
{
	static const struct { const char *op; enum op code; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT },
		{ "&=", OP_MEQ },
	};
	char arg[8], opstr[16];
	struct cmp c;
	size_t i;

	for (s = skip_space(s); *s != '\0'; s = skip_space(s)) {
		if (strncmp(s, "arg", 3) != 0 || !isdigit((unsigned char)s[3]))
			die_at(w, "malformed rule: expected a condition "
			    "(argN OP VALUE), got '%.*s'", word_len(s), s);
		if (isdigit((unsigned char)s[4]) || s[3] > '5')
			die_at(w, "argument '%.*s' out of range (arg0 to arg5)",
			    (int)strspn(s + 3, "0123456789") + 3, s);
		c.arg = s[3] - '0';
		snprintf(arg, sizeof(arg), "arg%u", c.arg);
		s = skip_space(s + 4);
		for (i = 0; i < LEN(ops); i++)
			if (strncmp(s, ops[i].op, strlen(ops[i].op)) == 0)
				break;
		if (i == LEN(ops))
			die_at(w, "malformed rule: expected an operator (== != "
			    "< <= > >= &=) after '%s', got '%.*s'", arg,
			    word_len(s), s);
		c.op = ops[i].code;
		s += strlen(ops[i].op);
		snprintf(opstr, sizeof(opstr), "%s %s", arg, ops[i].op);
		c.v = cond_value(&s, opstr, w);
		c.v2 = 0;
		if (c.op == OP_MEQ) {
			s = skip_space(s);
			if (strncmp(s, "!=", 2) == 0)
				c.op = OP_MNE;
			else if (strncmp(s, "==", 2) != 0)
				die_at(w, "malformed rule: expected == or != "
				    "after '%s &= MASK', got '%.*s'", arg,
				    word_len(s), s);
			s += 2;
			c.v2 = cond_value(&s, "MASK ==", w);
		}
		if (r->ncmp == RULE_CMPS)
			die_at(w, "too many conditions (at most %d)",
			    RULE_CMPS);
		r->cmp[r->ncmp++] = c;
	}
}

/* One name of a rule: a rule per call, all with the same conditions. */

/* ACTION SYSCALL... [argN OP VALUE]...; default ACTION; arch LIST. */
static void
parse_line(struct profile *p, char *line, const struct where *w)
{
	char *s = (char *)skip_space(line), *word, *names[64];
	struct rule r = { .ncmp = 0 };
	size_t n = 0, i, len;

	if (*s == '\0')
		return;
	len = strcspn(s, " \t\r");
	word = s;
	s = (char *)skip_space(s + len);
	word[len] = '\0';
	if (strcmp(word, "default") == 0) {
		len = strcspn(s, " \t\r");
		if (len == 0 || *skip_space(s + len) != '\0')
			die_at(w, "malformed rule: 'default' takes one action");
		s[len] = '\0';
		profile_set_default(p, parse_action(s, w));
		return;
	}
	if (strcmp(word, "arch") == 0) {
		profile_parse_arches(p, s, w);
		return;
	}
	if (strcmp(word, "noexec") == 0) {
		if (*s != '\0')
			die_at(w, "malformed rule: 'noexec' takes nothing");
		profile_add_noexec(p);
		return;
	}
	r.act = parse_action(word, w);
	/* The names, up to the first condition. */
	while (*s != '\0' && !(strncmp(s, "arg", 3) == 0 &&
	    isdigit((unsigned char)s[3]))) {
		len = strcspn(s, " \t\r,");
		if (len == 0) {
			s++;
			s = (char *)skip_space(s);
			continue;
		}
		if (n == LEN(names))
			die_at(w, "too many names on one line (at most %zu)",
			    LEN(names));
		names[n++] = s;
		s += len;
		if (*s != '\0')
			*s++ = '\0';
		s = (char *)skip_space(s);
	}
	if (n == 0)
		die_at(w, "malformed rule: no system call after '%s'", word);
	parse_conditions(s, &r, w);
	for (i = 0; i < n; i++)
		profile_add_call(p, names[i], &r, w);
}

void
text_profile_read(struct profile *p, char *text, const char *origin)
{
	struct where w = { origin, 0 };
	char *line, *next;

	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		w.line++;
		line[strcspn(line, "#")] = '\0';
		parse_line(p, line, &w);
	}
}

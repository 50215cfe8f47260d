/*
 * capset's view of a process: capability sets as 64-bit masks (the width
 * of the kernel's), named; the securebits named; the credentials read,
 * and printed for --print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "capset.h"

const char *const secbit_names[SECBITS] = {
	"noroot", "noroot-locked",
	"no-setuid-fixup", "no-setuid-fixup-locked",
	"keep-caps", "keep-caps-locked",
	"no-cap-ambient-raise", "no-cap-ambient-raise-locked",
	"exec-restrict-file", "exec-restrict-file-locked",	/* Linux 6.14 */
	"exec-deny-interactive", "exec-deny-interactive-locked",
};

/* "noroot,noroot-locked", or "none". */
const char *
secbits_str(unsigned bits, char *buf, size_t size)
{
	size_t b, len = 0;

	buf[0] = '\0';
	for (b = 0; b < 32 && len < size; b++) {
		if (!(bits & (1U << b)))
			continue;
		if (b < SECBITS)
			len += snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? "," : "", secbit_names[b]);
		else
			len += snprintf(buf + len, size - len, "%s%#x",
			    len > 0 ? "," : "", 1U << b);
	}
	return len > 0 ? buf : "none";
}

/* "cap_chown", or "41" for a cap newer than the name table. */
const char *
capstr(int cap)
{
	static char num[4][12];
	static int i;

	if (capname(cap) != NULL)
		return capname(cap);
	i = (i + 1) % 4;
	snprintf(num[i], sizeof(num[i]), "%d", cap);
	return num[i];
}

/* The lowest cap of a non-empty mask, for messages. */
const char *
first_cap(uint64_t m)
{
	return capstr(__builtin_ctzll(m));
}

/* "cap_chown,cap_kill", or "none". */
const char *
mask_str(uint64_t m, char *buf, size_t size)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 64 && len < size; c++)
		if (m & BIT(c))
			len += snprintf(buf + len, size - len, "%s%s",
			    len > 0 ? "," : "", capstr(c));
	return len > 0 ? buf : "none";
}

uint64_t
flag_mask(cap_t c, cap_flag_t flag)
{
	cap_flag_value_t v;
	uint64_t m = 0;
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (cap_get_flag(c, cap, flag, &v) == 0 && v == CAP_SET)
			m |= BIT(cap);
	return m;
}

void
read_creds(struct creds *cr)
{
	cap_t c;
	int cap, r;

	if (getresuid(&cr->uid[0], &cr->uid[1], &cr->uid[2]) == -1)
		die_sys("getresuid");
	if (getresgid(&cr->gid[0], &cr->gid[1], &cr->gid[2]) == -1)
		die_sys("getresgid");
	c = cap_get_proc();
	if (c == NULL)
		die_sys("capget");
	cr->prm = flag_mask(c, CAP_PERMITTED);
	cr->eff = flag_mask(c, CAP_EFFECTIVE);
	cr->inh = flag_mask(c, CAP_INHERITABLE);
	cap_free(c);
	cr->bnd = cr->amb = 0;
	for (cap = 0; cap <= caplast(); cap++) {
		if ((r = cap_get_bound(cap)) == -1)
			die_sys("reading the bounding set (cap %d)", cap);
		if (r)
			cr->bnd |= BIT(cap);
		/* Before Linux 4.3 there is no ambient set: it is empty. */
		if ((r = cap_get_ambient(cap)) == -1 && errno != EINVAL)
			die_sys("reading the ambient set (cap %d)", cap);
		if (r == 1)
			cr->amb |= BIT(cap);
	}
	r = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (r == -1)
		die_sys("prctl(PR_GET_SECUREBITS)");
	cr->secbits = r;
}

/*
 * One "key: value" a line, in a fixed order; lists are comma-separated,
 * "none" when empty. See capset(1).
 */
void
print_state(void)
{
	static const char *const seccomp[] = { "disabled", "strict", "filter" };
	char buf[2048];
	struct creds cr;
	gid_t *groups;
	size_t len = 0;
	int n, i, mode;

	read_creds(&cr);
	printf("uid: %lu\neuid: %lu\nsuid: %lu\nfsuid: %lu\n",
	    (unsigned long)cr.uid[0], (unsigned long)cr.uid[1],
	    (unsigned long)cr.uid[2], (unsigned long)(unsigned)setfsuid(-1));
	printf("gid: %lu\negid: %lu\nsgid: %lu\nfsgid: %lu\n",
	    (unsigned long)cr.gid[0], (unsigned long)cr.gid[1],
	    (unsigned long)cr.gid[2], (unsigned long)(unsigned)setfsgid(-1));
	if ((n = getgroups(0, NULL)) == -1)
		die_sys("getgroups");
	groups = xcalloc(n + 1, sizeof(*groups));
	if ((n = getgroups(n, groups)) == -1)
		die_sys("getgroups");
	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%lu",
		    i > 0 ? "," : "", (unsigned long)groups[i]);
	free(groups);
	printf("groups: %s\n", n > 0 ? buf : "none");
	printf("bounding: %s\n", mask_str(cr.bnd, buf, sizeof(buf)));
	printf("permitted: %s\n", mask_str(cr.prm, buf, sizeof(buf)));
	printf("effective: %s\n", mask_str(cr.eff, buf, sizeof(buf)));
	printf("inheritable: %s\n", mask_str(cr.inh, buf, sizeof(buf)));
	printf("ambient: %s\n", mask_str(cr.amb, buf, sizeof(buf)));
	printf("securebits: %s\n", secbits_str(cr.secbits, buf, sizeof(buf)));
	if ((n = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) == -1)
		die_sys("prctl(PR_GET_NO_NEW_PRIVS)");
	printf("no_new_privs: %d\n", n);
	/* Safe to ask: in strict mode capset could not have been exec'd. */
	mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (mode == -1 && errno != EINVAL)
		die_sys("prctl(PR_GET_SECCOMP)");
	printf("seccomp: %s\n", mode >= 0 && mode < 3 ? seccomp[mode] :
	    "unsupported");
	if (fflush(stdout) == EOF)
		die_sys("--print: writing to stdout");
}

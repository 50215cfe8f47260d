/*
 * lsm.c: the AppArmor profile (aa-exec's change_onexec) and the SELinux
 * context (runcon's setexeccon) that PROG is to run under, written to
 * /proc/self/attr/ for the next exec, as libapparmor and libselinux do,
 * without them. Where that security module is not active, the message
 * says so and names those that are.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conch.h"
#include "confine.h"

#ifndef __NR_lsm_list_modules	/* Linux 6.8, the same on every architecture */
#define __NR_lsm_list_modules 461
#endif

/* The LSM_ID_* numbers of <linux/lsm.h>, from 100. */
static const char *const lsm_names[] = {
	"capability", "selinux", "smack", "tomoyo", "apparmor", "yama",
	"loadpin", "safesetid", "lockdown", "bpf", "landlock", "ima", "evm",
	"ipe",
};

/*
 * The active security modules, "lockdown,capability,landlock,bpf", or ""
 * where the kernel does not say: lsm_list_modules(2) came in Linux 6.8,
 * and securityfs may not be mounted.
 */
static void
lsm_active(char *buf, size_t size)
{
	uint64_t ids[32];
	uint32_t n = sizeof(ids);
	size_t len = 0;
	long i, count;

	buf[0] = '\0';
	count = syscall(__NR_lsm_list_modules, ids, &n, 0);
	for (i = 0; i < count && len < size; i++) {
		if (ids[i] >= 100 && ids[i] < 100 + LEN(lsm_names))
			len += snprintf(buf + len, size - len, "%s%s",
			    i ? "," : "", lsm_names[ids[i] - 100]);
		else
			len += snprintf(buf + len, size - len, "%slsm%llu",
			    i ? "," : "", (unsigned long long)ids[i]);
	}
	if (count > 0)
		return;
	if (read_file("/sys/kernel/security/lsm", buf, size) == -1)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool
lsm_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	for (; *s != '\0'; s += strcspn(s, ","), s += *s == ',')
		if (strncmp(s, name, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

/*
 * TEXT to /proc/self/attr/LSM/exec (Linux 5.8, for AppArmor), else to
 * /proc/self/attr/exec, which the first major LSM of the kernel reads.
 */
static int
attr_write(const char *lsm, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/attr/%s/exec", lsm);
	if (access(path, F_OK) == -1)
		snprintf(path, sizeof(path), "/proc/self/attr/exec");
	trace("write '%s' to %s", text, path);
	return write_file(path, text);
}

static const char *
apparmor_hint(int err)
{
	switch (err) {
	case ENOENT:
		if (access("/proc/self/attr", F_OK) == -1)
			return "no /proc/self/attr: is /proc mounted?";
		return "no profile of this name is loaded: apparmor_parser -r "
		    "FILE loads one, /sys/kernel/security/apparmor/profiles "
		    "lists them";
	case EINVAL:
		return "AppArmor is not enabled in this kernel";
	case EACCES:
	case EPERM:
		return "the caller's profile may not change to it, or "
		    "no_new_privs forbids the change";
	}
	return NULL;
}

static const char *
selinux_hint(int err, bool known)
{
	switch (err) {
	case ENOENT:
		return "no /proc/self/attr: is /proc mounted?";
	case EINVAL:
		return known ? "not a context of the loaded policy" :
		    "SELinux is not enabled, or this is not a context of its "
		    "policy";
	case EACCES:
	case EPERM:
		return "the policy does not let this domain set an exec "
		    "context (process setexec)";
	}
	return NULL;
}

static void
apparmor_exec(const char *profile, const struct origin *at,
    const char *lsms)
{
	char where[ORIGIN_MAX], cmd[4096];

	origin_str(at, where, sizeof(where));
	if (*lsms != '\0' && !lsm_listed(lsms, "apparmor"))
		die("%s %s: AppArmor is not enabled in this kernel (its "
		    "security modules: %s)", where, profile, lsms);
	snprintf(cmd, sizeof(cmd), "exec %s", profile);
	if (attr_write("apparmor", cmd) == -1)
		die_err(errno, apparmor_hint(errno), "%s %s", where, profile);
}

static void
selinux_exec(const char *context, const struct origin *at,
    const char *lsms)
{
	char where[ORIGIN_MAX];

	origin_str(at, where, sizeof(where));
	if (*lsms != '\0' && !lsm_listed(lsms, "selinux"))
		die("%s %s: SELinux is not enabled in this kernel (its "
		    "security modules: %s)", where, context, lsms);
	if (attr_write("selinux", context) == -1)
		die_err(errno, selinux_hint(errno, *lsms != '\0'), "%s %s",
		    where, context);
}

void
lsm_set_exec(const struct request *req)
{
	char lsms[512];

	if (req->apparmor == NULL && req->selinux == NULL)
		return;
	lsm_active(lsms, sizeof(lsms));
	trace("security modules: %s", *lsms ? lsms : "(the kernel does "
	    "not say)");
	if (req->apparmor != NULL)
		apparmor_exec(req->apparmor, &req->apparmor_at, lsms);
	if (req->selinux != NULL)
		selinux_exec(req->selinux, &req->selinux_at, lsms);
}

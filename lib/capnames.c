/*
 * Capability names and numbers without libcap: scfilter resolves the
 * "CAP_SYS_ADMIN" of Docker profiles with it, capset its short names.
 * Names as in capabilities(7), lower case with the cap_ prefix.
 */
#include <strings.h>
#include <sys/prctl.h>

#include "conch.h"

static const char *const names[CAPNAMES_LEN] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search",
	"cap_fowner", "cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid",
	"cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
	"cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
	"cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
	"cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
	"cap_sys_nice", "cap_sys_resource", "cap_sys_time",
	"cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
	"cap_audit_control", "cap_setfcap", "cap_mac_override",
	"cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend",
	"cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
};

const char *
capname(int cap)
{
	return cap >= 0 && cap < CAPNAMES_LEN ? names[cap] : NULL;
}

/*
 * "net_raw", "CAP_NET_RAW", "Cap_Net_Raw" or "13": the number, or -1.
 * Numbers go up to 63 (the width of the kernel's masks) so that a cap
 * newer than this table still has a name; callers check caplast().
 */
int
capnum(const char *name)
{
	unsigned long n;
	int i;

	if (parse_ulong(name, 63, &n) == 0)
		return (int)n;
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	for (i = 0; i < CAPNAMES_LEN; i++)
		if (strcasecmp(name, names[i] + 4) == 0)
			return i;
	return -1;
}

/*
 * The running kernel's highest capability, as /proc/sys/kernel/cap_last_cap
 * but without /proc (an initramfs may not have it mounted yet): the
 * bounding set answers EINVAL past the last one. Asked once.
 */
int
caplast(void)
{
	static int last = -1;
	int n = CAPNAMES_LEN - 1;

	if (last >= 0)
		return last;
	if (prctl(PR_CAPBSET_READ, n, 0, 0, 0) >= 0) {
		while (n < 63 && prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0)
			n++;
	} else {
		while (n > 0 && prctl(PR_CAPBSET_READ, n, 0, 0, 0) < 0)
			n--;
	}
	last = n;
	return last;
}

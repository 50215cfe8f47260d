/*
 * cgmake --wait: until CGROUP is empty, the release notification of
 * cgroup v2. cgroup.events says "populated 0" once no process is left in
 * the cgroup or below it, and the kernel wakes poll(2) with POLLPRI at
 * each change of the file (wait_events()): no busy loop, and the wait
 * ends within the scheduler's latency of the last exit.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cgmake.h"

void
wait_empty(const struct target *t, int timeout_ms)
{
	char procs[64] = "", *p;
	int fd = cgroup_xopen(&t->fs, t->rel);

	trace("wait for %s/cgroup.events: populated 0%s", t->path,
	    timeout_ms < 0 ? "" : " (with a timeout)");
	if (wait_events(fd, "populated", "0", timeout_ms < 0 ? INT_MAX :
	    timeout_ms) == 0) {
		close(fd);
		return;
	}
	if (errno != ETIMEDOUT)
		die_sys("wait for %s: read cgroup.events", t->path);
	read_fileat(fd, "cgroup.procs", procs, sizeof(procs));
	for (p = procs; (p = strchr(p, '\n')) != NULL; *p = ' ')
		;
	for (p = procs + strlen(procs); p > procs && p[-1] == ' ';)
		*--p = '\0';
	die("wait for %s: still populated after %g s%s%s%s", t->path,
	    timeout_ms / 1000.0, procs[0] ? " (PIDs " : "",
	    procs, procs[0] ? ")" : "");
}

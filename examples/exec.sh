#!/bin/bash
# A second shell (or CMD) in the container examples/container.sh started:
# the same namespaces, root, cgroup, capabilities and seccomp filter.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v nsjoin >/dev/null || PATH=$here/../bin:$PATH

# nsnew stays outside as the pid namespace's supervisor; its child is PID 1.
nsnew=$(pgrep -u "$(id -u)" -nf -- '^nsnew -a .*--hostname conch-demo ') ||
	{ echo "$0: no conch-demo container of yours is running" >&2; exit 1; }
pid1=$(pgrep -P "$nsnew")
join=(nsjoin --root --wd)
[ "$(id -u)" -ne 0 ] || join+=(--cgroup)
[ $# -gt 0 ] || set -- /bin/sh
exec "${join[@]}" "$pid1" capset --keep net_bind_service scfilter -f default "$@"

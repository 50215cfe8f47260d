#!/bin/bash
# A second shell (or CMD) in the container examples/container.sh started:
# the same namespaces, root, cgroup, capabilities, Landlock rules (the
# container's /etc/confine.rules) and seccomp filter.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v nsjoin >/dev/null || PATH=$here/../bin:$PATH

# nsnew stays outside as the pid namespace's supervisor; its child is the
# reaper (PID 1 inside, --init), whose child is the container's program:
# the one to join, for the reaper's root is still the host's.
# (As root, nsnew runs as the container's root: a uid of root's range.)
mine=(-u "$(id -u)")
[ "$(id -u)" -ne 0 ] || mine=()
nsnew=$(pgrep "${mine[@]}" -of -- '^nsnew -a .*--hostname conch-demo ') ||
	{ echo "$0: no conch-demo container of yours is running" >&2; exit 1; }
prog=$(pgrep -P "$(pgrep -P "$nsnew")")
join=(nsjoin --root --wd)
[ "$(id -u)" -ne 0 ] || join+=(--cgroup)
[ $# -gt 0 ] || set -- /bin/sh
exec "${join[@]}" "$prog" capset --keep net_bind_service \
	confine --rules /etc/confine.rules scfilter -f default "$@"

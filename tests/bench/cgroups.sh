#!/bin/bash
# What cgmake and cgput cost before PROG runs: each against the bare exec
# of /bin/true. Needs root and a cgroup2 mount; makes and removes
# conch-bench-PID under the cgroup2 root. Moving a process between cgroups
# takes a lock global to the machine (cgroup_threadgroup_rwsem): while
# other work makes namespaces and cgroups, cgput's one write can wait for
# an RCU grace period (milliseconds), so run this on a quiet machine.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: cgroups: needs root" >&2; exit 1; }
root=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
[ -n "$root" ] || { echo "bench: cgroups: no cgroup2 mount" >&2; exit 1; }
cg=/conch-bench-$$
trap 'cgmake -d "$cg" 2>/dev/null' EXIT
cgmake "$cg" || exit 1

medians "/bin/true" /bin/true \
	"cgput CG true" "cgput $cg /bin/true" \
	"cgmake CG FILE=VALUE -- true" "cgmake $cg cgroup.max.depth=5 -- /bin/true" \
	"cgmake -s CG" "cgmake -s $cg" \
	"cgmake CG/a/b/c -- cgmake -d CG/a" "cgmake $cg/a/b/c -- cgmake -d $cg/a" || exit 1
echo "cgput step over true: $((MEDIANS[1] - MEDIANS[0])) µs"
echo "cgmake step over true: $((MEDIANS[2] - MEDIANS[0])) µs"

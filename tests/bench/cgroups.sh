#!/bin/bash
# What cgmake and cgput cost before PROG runs: each against the bare exec
# of /bin/true (hyperfine, no shell). Needs root and a cgroup2 mount; makes
# and removes conch-bench-PID under the cgroup2 root.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CONCH_BIN:-$top/bin}
root=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
[ -n "$root" ] || { echo "no cgroup2 mount" >&2; exit 1; }
cg=/conch-bench-$$
trap '"$bin/cgmake" -d "$cg" 2>/dev/null || true' EXIT
"$bin/cgmake" "$cg"
hyperfine -N --warmup 20 --export-markdown /dev/stdout \
	"/bin/true" \
	"$bin/cgput $cg /bin/true" \
	"$bin/cgmake $cg cgroup.max.depth=5 -- /bin/true" \
	"$bin/cgmake -s $cg" \
	"$bin/cgmake $cg/a/b/c -- $bin/cgmake -d $cg/a"

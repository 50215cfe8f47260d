#!/bin/bash
# conch run against runc run and crun run (Debian's) on the same bundle,
# the same busybox root, conch spec's default config with process.args
# true; as root. The targets: 0.3 of runc's median or below, and below
# crun's. crun refuses a hybrid cgroup host ("cgroups in hybrid mode not
# supported"), so on one the script reruns itself in a mount namespace
# of its own where /sys/fs/cgroup is the host's cgroup2: all three
# runtimes then see a pure cgroup v2 host, the host's mounts untouched.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: conch: needs root"; exit 0; }
command -v runc >/dev/null || { echo "bench: conch: needs runc"; exit 0; }
cg2=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] && [ -n "$cg2" ] &&
    [ -z "${CONCH_BENCH_V2:-}" ]; then
	echo "bench: conch: /sys/fs/cgroup is not cgroup2; binding $cg2 there" \
		"in a mount namespace of the benchmark's own"
	CONCH_BENCH_V2=1 exec unshare -m --propagation private bash -c \
		'mount --bind "$1" /sys/fs/cgroup && exec bash "$2"' sh "$cg2" "$0"
fi
dir=$(mktemp -d /tmp/conch-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkrootfs --busybox "$dir/rootfs" >/dev/null || exit 1
conch spec --bundle "$dir" || exit 1
jq '.process.args = ["true"] | .linux.cgroupsPath = "/conch-bench-'$$'"' \
	"$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
# conch as make install puts it: the static build, when there is one.
conch=$(command -v conch)
[ -x "${conch%/*}/../static/conch" ] && conch=${conch%/*}/../static/conch
cmds=("runc run" "runc --root $dir/runc run --bundle $dir r$$"
	"conch run" "$conch --root $dir/conch run --bundle $dir c$$")
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && command -v crun >/dev/null; then
	cmds+=("crun run" "crun --root $dir/crun run --bundle $dir k$$")
fi
medians "${cmds[@]}" || exit 1
echo "conch/runc: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}")"
[ ${#MEDIANS[@]} -gt 2 ] && echo "conch/crun: $(ratio "${MEDIANS[1]}" "${MEDIANS[2]}")"
exit 0

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
# fstype_at DIR: the type of what is mounted on DIR (the last mount).
fstype_at() {
	awk -v d="$1" '$5 == d { for (i = 7; $i != "-"; i++); t = $(i + 1) }
		END { print t }' /proc/self/mountinfo
}
cgfs=$(fstype_at /sys/fs/cgroup)
if [ "$cgfs" != cgroup2 ] && [ -n "$cg2" ] && [ -z "${CONCH_BENCH_V2:-}" ]; then
	echo "bench: conch: /sys/fs/cgroup is not cgroup2; binding $cg2 there" \
		"in a mount namespace of the benchmark's own"
	# shellcheck disable=SC2016 # expanded by the inner bash
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
# From an initramfs (the VM's /), pivot_root(2) cannot work: runc and
# crun are told --no-pivot, as pivot falls back to move and chroot.
run=run
[ "$(fstype_at /)" = rootfs ] && run="run --no-pivot"
cmds=("runc run" "runc --root $dir/runc $run --bundle $dir r$$"
	"conch run" "$conch --root $dir/conch run --bundle $dir c$$")
if [ "$cgfs" = cgroup2 ] && command -v crun >/dev/null; then
	cmds+=("crun run" "crun --root $dir/crun $run --bundle $dir k$$")
fi
# Each once first: a runtime that fails says why, not only hyperfine.
for ((i = 1; i < ${#cmds[@]}; i += 2)); do
	# shellcheck disable=SC2086 # one command line, split as hyperfine does
	out=$(${cmds[i]} 2>&1) || { echo "bench: conch: ${cmds[i - 1]}: $out"; exit 1; }
done
medians "${cmds[@]}" || exit 1
echo "conch/runc: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}")"
[ ${#MEDIANS[@]} -gt 2 ] && echo "conch/crun: $(ratio "${MEDIANS[1]}" "${MEDIANS[2]}")"
exit 0

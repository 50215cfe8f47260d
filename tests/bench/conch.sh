#!/bin/bash
# conch run against runc run (Debian's) on the same bundle, the same busybox
# root, conch spec's default config with process.args true; as root. The
# target is 0.3 of runc's median or below. crun refuses a hybrid cgroup
# host: where it runs (cgroup v2 only), it is measured too.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: conch: needs root"; exit 0; }
command -v runc >/dev/null || { echo "bench: conch: needs runc"; exit 0; }
dir=$(mktemp -d /tmp/conch-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkrootfs --busybox "$dir/rootfs" >/dev/null || exit 1
conch spec --bundle "$dir" || exit 1
jq '.process.args = ["true"] | .linux.cgroupsPath = "/conch-bench-'$$'"' \
	"$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
cmds=("runc run" "runc --root $dir/runc run --bundle $dir r$$"
	"conch run" "conch --root $dir/conch run --bundle $dir c$$")
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && command -v crun >/dev/null; then
	cmds+=("crun run" "crun --root $dir/crun run --bundle $dir k$$")
fi
medians "${cmds[@]}" || exit 1
echo "conch/runc: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}")"
[ ${#MEDIANS[@]} -gt 2 ] && echo "conch/crun: $(ratio "${MEDIANS[1]}" "${MEDIANS[2]}")"
exit 0

#!/bin/bash
# podman run --rm --network none IMG true, with --runtime conch against
# --runtime runc (Debian's podman 4.3.1, a busybox image made by podman
# import, podman's storage in a private --root and --runroot). On this
# hybrid cgroup host conch runs under --cgroups=disabled (podman's cgroups
# are v1 ones); runc cannot (it has no --cgroup-manager disabled), so it
# runs with podman's cgroups, under a parent named after this shell,
# removed at the end, as tests/bench/conch.sh's runc run makes its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../podman.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: podman: needs root"; exit 0; }
for c in podman conmon runc; do
	command -v $c >/dev/null || { echo "bench: podman: needs $c"; exit 0; }
done
dir=$(mktemp -d /tmp/conch-bench-podman.XXXXXX)
parent=conch-bench-$$
P() {
	podman_at "$dir" "$@"
}
# wait_for_empty CGROUP: up to 5 s for its processes to be gone.
wait_for_empty() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -z "$(cat "$1/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "bench: podman: $1 still holds processes" >&2
	return 1
}
cleanup() {
	P rm -a -f -t 0 >/dev/null 2>&1
	P rmi -a -f >/dev/null 2>&1
	grep -o " $dir[^ ]*" /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf "$dir"
	# The cgroups podman and runc made for runc's runs, once empty.
	local d
	for d in /sys/fs/cgroup/*/"$parent"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d | while read -r d; do
			wait_for_empty "$d" && rmdir "$d"
		done
	done
}
trap cleanup EXIT
podman_store "$dir" bench:1 || exit 1
pm="env CONTAINERS_CONF=$dir/containers.conf podman --root $dir/root --runroot $dir/run --tmpdir $dir/tmp --cgroup-manager cgroupfs --events-backend file run --rm --network none"
BENCH_RUNS=${BENCH_RUNS:-40} BENCH_ROUNDS=${BENCH_ROUNDS:-4} medians \
	"podman run --runtime runc" "$pm --runtime runc --cgroup-parent /$parent bench:1 true" \
	"podman run --runtime conch" "$pm --runtime conch --cgroups=disabled bench:1 true" || exit 1
echo "podman conch/runc: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}")"
exit 0

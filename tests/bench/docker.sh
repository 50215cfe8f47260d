#!/bin/bash
# docker run --rm --network none IMG true, with --runtime conch against
# --runtime runc (Debian's docker.io 20.10, a dockerd of this part's own,
# as tests/docker.sh starts it): both through containerd's runc shim,
# both with cgroup2 cgroups under a parent named after this shell,
# removed at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../docker.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: docker: needs root"; exit 0; }
for c in dockerd runc; do
	command -v $c >/dev/null || { echo "bench: docker: needs $c"; exit 0; }
done
dir=$(mktemp -d /tmp/conch-bench-docker.XXXXXX)
parent=conch-bench-$$-docker
cg2=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
trap 'dockerd_stop "$dir" "$cg2" "$parent"' EXIT
dockerd_start "$dir" "$cg2" "$parent" || exit 1
client=/usr/bin/docker
[ -x "$client" ] || client=$(command -v docker)
dk="env DOCKER_CONFIG=$dir/client $client --host unix://$dir/docker.sock run --rm --network none"
BENCH_RUNS=${BENCH_RUNS:-20} BENCH_ROUNDS=${BENCH_ROUNDS:-4} medians \
	"docker run --runtime runc" "$dk --runtime runc conch-busybox:1 true" \
	"docker run --runtime conch" "$dk --runtime conch conch-busybox:1 true" || exit 1
echo "docker conch/runc: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}")"
exit 0

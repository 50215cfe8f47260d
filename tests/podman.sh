# shellcheck shell=bash
# A podman of its own, for tests/podman_test.sh and tests/bench/podman.sh:
# storage, runroot and containers.conf under one directory, conch
# registered, a busybox image imported. The host's podman is not touched.

# podman_at DIR ARG...: podman on DIR's storage and configuration.
podman_at() {
	local dir=$1
	shift
	CONTAINERS_CONF=$dir/containers.conf podman --root "$dir/root" \
		--runroot "$dir/run" --tmpdir "$dir/tmp" --cgroup-manager cgroupfs \
		--events-backend file "$@"
}

# podman_store DIR IMAGE: DIR's containers.conf (conch registered; the
# ulimits this host's podman needs, since root's bounding set lacks
# CAP_SYS_RESOURCE; no default pids limit, since this host's cgroup2
# has no pids controller) and a busybox root imported as IMAGE.
podman_store() {
	local dir=$1
	mkrootfs --busybox "$dir/rootfs" >/dev/null || return 1
	tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" . || return 1
	cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
pids_limit = 0
[engine]
runtime_supports_json = ["crun", "runc", "conch"]
runtime_supports_nocgroup = ["crun", "conch"]
[engine.runtimes]
conch = ["$CONCH_BIN/conch"]
EOF
	podman_at "$dir" import "$dir/rootfs.tar" "$2" >/dev/null 2>&1
}

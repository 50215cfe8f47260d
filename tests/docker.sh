# shellcheck shell=bash
# A dockerd of its own, for tests/docker_test.sh and tests/bench/docker.sh:
# socket, data-root, exec-root and the containerd it starts under one
# directory, conch added with --add-runtime, a busybox image imported.
# The host's network is left as it is: no bridge, no iptables, no
# ip_forward. dockerd reads the cgroup version off /sys/fs/cgroup: on a
# hybrid host it runs in a mount namespace of its own where that is the
# host's cgroup2 (so its containers' cgroups are cgroup2 ones), and a
# containerd socket of the host's is hidden there, so that it starts its
# own.

# docker_at DIR ARG...: docker.io's client (another, newer one may come
# first in PATH) on DIR's dockerd, with its configuration in DIR too.
docker_at() {
	local dir=$1 client=/usr/bin/docker
	shift
	[ -x "$client" ] || client=docker
	DOCKER_CONFIG=$dir/client "$client" --host "unix://$dir/docker.sock" "$@"
}

# dockerd_ns CGROUP2 ARG...: ARG... (dockerd) with CGROUP2 on
# /sys/fs/cgroup and no host containerd, in a private mount namespace;
# it is the caller's child, as $!.
dockerd_ns() {
	exec unshare -m --propagation private sh -c '
		if [ "$1" != /sys/fs/cgroup ]; then
			mount --bind "$1" /sys/fs/cgroup || exit 125
		fi
		if [ -d /run/containerd ]; then
			mount -t tmpfs -o mode=700 conch-test /run/containerd ||
				exit 125
		fi
		shift
		exec "$@"' dockerd-ns "$@"
}

# dockerd_start DIR CGROUP2 PARENT: DIR's dockerd in the background (its
# PID in DIR/docker.pid once up), containers' cgroups under PARENT of
# CGROUP2, conch as runtime "conch"; then a busybox image, conch-busybox:1.
dockerd_start() {
	local dir=$1 i
	echo '{}' >"$dir/daemon.json"
	dockerd_ns "$2" dockerd --config-file "$dir/daemon.json" \
		--data-root "$dir/data" --exec-root "$dir/exec" \
		--pidfile "$dir/docker.pid" --host "unix://$dir/docker.sock" \
		--bridge none --iptables=false --ip6tables=false \
		--ip-forward=false --ip-masq=false --userland-proxy=false \
		--storage-driver vfs --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "$3" --add-runtime "conch=$CONCH_BIN/conch" \
		>"$dir/dockerd.log" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		docker_at "$dir" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	if [ "$i" -eq 100 ]; then
		echo "dockerd did not start:" >&2
		tail -5 "$dir/dockerd.log" >&2
		return 1
	fi
	mkrootfs --busybox "$dir/rootfs" >/dev/null &&
		tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" . &&
		docker_at "$dir" import "$dir/rootfs.tar" conch-busybox:1 >/dev/null
}

# dockerd_stop DIR CGROUP2 PARENT: its containers, dockerd (and with it
# its containerd), DIR and the cgroups under PARENT go.
dockerd_stop() {
	local dir=$1 ids pid i
	mapfile -t ids < <(docker_at "$dir" ps -aq 2>/dev/null)
	[ "${#ids[@]}" -eq 0 ] || docker_at "$dir" rm -f "${ids[@]}" >/dev/null 2>&1
	if pid=$(cat "$dir/docker.pid" 2>/dev/null); then
		kill "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ "$i" -lt 100 ] || kill -9 "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
	[ ! -d "$2/$3" ] || find "$2/$3" -depth -type d -exec rmdir {} +
}

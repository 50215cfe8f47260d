#!/bin/bash
# docker (Debian's docker.io 20.10, offline) runs its containers with
# conch: a dockerd of this suite's own (tests/docker.sh says how it is
# kept from the host's network and cgroups), conch added with
# --add-runtime, a busybox image made by docker import. Its containers'
# cgroups are cgroup2 ones under a parent named after this shell.
# shellcheck disable=SC2016 # expanded by the sh of the container
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker.sh"
. "$(dirname "$0")/engine.sh"

DK=
CONCH_ROOT=
PARENT=conch-test-$$-docker

oneTimeSetUp() {
	command -v dockerd >/dev/null || return 0
	is_root || return 0
	DK=$(mktemp -d /tmp/conch-docker.XXXXXX) || return 1
	CONCH_ROOT=$DK/exec/runtime-runc/moby
	dockerd_start "$DK" "$(cgroup2_root)" "$PARENT" || {
		echo "oneTimeSetUp: dockerd or docker import failed" >&2
		return 1
	}
}

one_time_tear_down() {
	[ -z "$DK" ] || dockerd_stop "$DK" "$(cgroup2_root)" "$PARENT"
}

# D ARG...: docker on this suite's dockerd.
D() {
	docker_at "$DK" "$@"
}

# R ARG...: docker run with conch.
R() {
	D run --runtime conch --network none "$@"
}

set_up() {
	need_root || return 0
	[ -n "$DK" ] || skip "dockerd is not installed (Debian's docker.io)"
}

# nothing_of ID: no container, no conch state, no cgroup of ID left.
nothing_of() {
	assertEquals "docker lists none" "" "$(D ps -aq)"
	assertEquals "conch lists none" "" \
		"$(conch --root "$CONCH_ROOT" list -q 2>/dev/null)"
	assertFalse "cgroup of $1 left" "[ -e '$(cgroup2_root)/$PARENT/$1' ]"
}

# --- run: the status passed through ------------------------------------------

test_run_status() {
	[ -z "$_skipped" ] || return 0
	engine_run_status R
	nothing_of none
}

# --- run -d: exec, logs, stop, kill, rm -f ------------------------------------

test_detached_lifecycle() {
	[ -z "$_skipped" ] || return 0
	local id
	engine_lifecycle D R
	id=$(R -d conch-busybox:1 sleep 100)
	assertEquals "in its cgroup" "0::/" "$(D exec "$id" cat /proc/self/cgroup |
		grep '^0::')"
	assertNotNull "its cgroup2 cgroup" \
		"$(cat "$(cgroup2_root)/$PARENT/$id/cgroup.procs")"
	# docker prints the runtime's error on its standard output.
	run D exec "$id" nosuch
	assert_rc 126
	assert_contains "$OUT" 'exec: "nosuch": executable file not found'
	# rm -f of a running one.
	assert_ok D rm -f "$id"
	nothing_of "$id"
}

# --- -it: the pty, sent to containerd's shim ----------------------------------

# The shim reads create's output to its end before it starts the
# container: a create whose container held it would hang here.
test_terminal() {
	[ -z "$_skipped" ] || return 0
	need_cmd script || return 0
	local d="DOCKER_CONFIG=$DK/client /usr/bin/docker --host unix://$DK/docker.sock" id
	run timeout 60 script -qec "$d run --rm -it --runtime conch --network none \
		conch-busybox:1 sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both; exit 4'" \
		/dev/null </dev/null
	assert_rc 4
	assert_contains "$OUT" "/dev/pts/0"
	assert_contains "$OUT" "both"
	id=$(R -d conch-busybox:1 sleep 100)
	run timeout 60 script -qec "$d exec -it $id sh -c 'tty; exit 6'" \
		/dev/null </dev/null
	assert_rc 6
	assert_contains "$OUT" "/dev/pts/"
	assert_ok D rm -f "$id"
	nothing_of "$id"
}

# --- what docker's options ask of conch ---------------------------------------

test_capabilities_user_env() {
	[ -z "$_skipped" ] || return 0
	engine_caps_user_env R
}

# docker's tmpfs are noexec unless asked with exec; its /dev/shm has the
# size of --shm-size, in bytes.
test_read_only_tmpfs_shm_volume() {
	[ -z "$_skipped" ] || return 0
	mkdir -p "$T/vol"
	echo host >"$T/vol/f"
	run R --rm --read-only --tmpfs /scratch --tmpfs /run:exec,size=4m,mode=700 \
		--shm-size 2m -v "$T/vol:/vol" conch-busybox:1 sh -c '
		touch /x 2>&1; touch /scratch/y && echo scratch
		cp /bin/busybox /scratch && /scratch/busybox true 2>&1
		cp /bin/busybox /run && /run/busybox echo exec
		for m in /scratch /run /dev/shm; do
			grep " $m " /proc/self/mountinfo | awk "{ printf \"%s \", \$6 }"
			grep " $m " /proc/self/mountinfo | grep -o "size=[0-9a-z]*" || echo none
		done
		stat -c %a /run; cat /vol/f; echo c >/vol/g'
	assert_rc 0
	assert_out "$(printf '%s\n' 'touch: /x: Read-only file system' scratch \
		'sh: /scratch/busybox: Permission denied' exec \
		'rw,nosuid,nodev,noexec,relatime none' \
		'rw,nosuid,nodev,relatime size=4096k' \
		'rw,nosuid,nodev,noexec,relatime size=2048k' 700 host)"
	assertEquals "written through the volume" c "$(cat "$T/vol/g")"
}

test_seccomp_and_no_new_privileges() {
	[ -z "$_skipped" ] || return 0
	engine_seccomp R
	# docker's default profile refuses a user namespace, with no_new_privs.
	run R --rm --security-opt no-new-privileges conch-busybox:1 unshare -U true
	assert_rc 1
	assert_contains "$ERR" "Operation not permitted"
}

# --hostname, --network none, --init (docker's tini, bound in as PID 1),
# and the device rule: a node made is not opened.
test_hostname_init_devices() {
	[ -z "$_skipped" ] || return 0
	assert_ok R --rm --hostname boxy --init conch-busybox:1 sh -c \
		'hostname; ls /sys/class/net; tr "\0" " " </proc/1/cmdline; echo'
	assert_out "$(printf 'boxy\nlo\n/sbin/docker-init -- sh -c %s ' \
		'hostname; ls /sys/class/net; tr "\0" " " </proc/1/cmdline; echo')"
	run R --rm conch-busybox:1 sh -c 'mknod /tmp/mem c 1 1 && head -c1 /tmp/mem'
	assert_rc 1
	assert_contains "$ERR" "Operation not permitted"
}

# A user network of docker's (a bridge it makes; no iptables): the
# container joins, by path, the network namespace docker made, docker's
# prestart hook runs, and docker's embedded DNS names the peer.
test_user_network() {
	[ -z "$_skipped" ] || return 0
	local net=cdt$$ id
	if ip link show "$net" >/dev/null 2>&1 || ip route | grep -q '^10\.213\.0\.'; then
		skip "$net or 10.213.0.0/24 is in use here"
		return 0
	fi
	assert_ok D network create --driver bridge --subnet 10.213.0.0/24 \
		-o com.docker.network.bridge.name="$net" "$net"
	defer "D network rm $net >/dev/null 2>&1"
	id=$(D run -d --runtime conch --network "$net" --name "peer$$" \
		conch-busybox:1 sleep 100)
	defer "D rm -f $id >/dev/null 2>&1"
	assert_ok D run --rm --runtime conch --network "$net" conch-busybox:1 sh -c \
		'ip -4 -o addr show eth0 | cut -d" " -f7; ping -c1 -W2 peer'"$$"' >/dev/null && echo reached'
	assert_out "$(printf '10.213.0.3/24\nreached')"
	assert_ok D rm -f "$id"
	assert_ok D network rm "$net"
	assertFalse "the bridge left" "ip link show $net"
}

# --- pause and unpause: cgroup.freeze -----------------------------------------

test_pause_unpause() {
	[ -z "$_skipped" ] || return 0
	local id cg ticks n
	id=$(R -d conch-busybox:1 sh -c 'while :; do echo tick >>/tmp/ticks; sleep 0.05; done')
	cg=$(cgroup2_root)/$PARENT/$id
	assert_ok D pause "$id"
	assertEquals "docker's status" paused "$(D inspect -f '{{.State.Status}}' "$id")"
	assertEquals "conch's status" paused "$(conch --root \
		"$DK/exec/runtime-runc/moby" state "$id" | jq -r .status)"
	assertEquals "frozen" "frozen 1" "$(grep frozen "$cg/cgroup.events")"
	ticks=/proc/$(head -1 "$cg/cgroup.procs")/root/tmp/ticks
	n=$(wc -l <"$ticks")
	sleep 0.3
	assertEquals "no tick while paused" "$n" "$(wc -l <"$ticks")"
	assert_ok D unpause "$id"
	assertEquals "thawed" "frozen 0" "$(grep frozen "$cg/cgroup.events")"
	sleep 0.3
	assertNotEquals "ticks again" "$n" "$(wc -l <"$ticks")"
	assert_ok D rm -f "$id"
	nothing_of "$id"
}

. shunit2

#!/bin/bash
# podman (Debian's 4.3.1, offline) runs its containers with conch: a
# busybox image made by podman import, conch registered in a
# containers.conf this suite writes, podman's storage in a private
# --root and --runroot. On this hybrid cgroup host podman itself uses
# cgroup v1, so it runs with --cgroups=disabled (conch then makes no
# cgroup but the one its device program needs), but for pause, which
# podman does only with cgroups: that test shows podman the host's
# cgroup2 on /sys/fs/cgroup in a mount namespace of its own (PC).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/podman.sh"
. "$(dirname "$0")/engine.sh"

PM=
CONCH_ROOT=/run/conch

oneTimeSetUp() {
	command -v podman >/dev/null && command -v conmon >/dev/null || return 0
	PM=$(mktemp -d /tmp/conch-podman.XXXXXX) || return 1
	podman_store "$PM" conch-busybox:1 || {
		echo "oneTimeSetUp: podman store or import failed" >&2
		return 1
	}
}

one_time_tear_down() {
	[ -n "$PM" ] || return 0
	P rm -a -f -t 0 >/dev/null 2>&1
	P rmi -a -f >/dev/null 2>&1
	umount -R "$PM/root/overlay" 2>/dev/null
	rm -rf "$PM"
}

# P ARG...: podman on this suite's own storage and configuration.
P() {
	podman_at "$PM" "$@"
}

# R ARG...: podman run with conch, as this host allows it.
R() {
	P run --runtime conch --cgroups=disabled --network none "$@"
}

set_up() {
	need_root || return 0
	[ -n "$PM" ] || skip "podman or conmon is not installed"
}

# nothing_of ID: no state, no cgroup and no mount of container ID left.
nothing_of() {
	assertFalse "state of $1 left" "[ -e /run/conch/$1 ]"
	assertFalse "cgroup of $1 left" "[ -e '$(cgroup2_root)/conch/$1' ]"
	assertFalse "mounts of $1 left" "grep -q '$1' /proc/self/mountinfo"
}

# --- run: the status passed through ------------------------------------------

test_run_status() {
	[ -z "$_skipped" ] || return 0
	engine_run_status R
	assertEquals "podman lists none" "" "$(P ps -aq)"
	assertEquals "conch lists none" "" "$(conch list -q 2>/dev/null)"
}

# --- run -d: exec, logs, stop, kill, rm -f ------------------------------------

test_detached_lifecycle() {
	[ -z "$_skipped" ] || return 0
	local id
	engine_lifecycle P R
	# rm -f of a running one; sleep, PID 1, ignores SIGTERM: no timeout.
	id=$(R -d conch-busybox:1 sleep 100)
	assert_ok P rm -f -t 0 "$id"
	nothing_of "$id"
}

# --- -it: a pty inside the container's devpts, sent to conmon -----------------

test_terminal() {
	[ -z "$_skipped" ] || return 0
	need_cmd script || return 0
	run script -qec "CONTAINERS_CONF=$PM/containers.conf podman --root $PM/root \
		--runroot $PM/run --tmpdir $PM/tmp --cgroup-manager cgroupfs \
		--events-backend file run --rm -it --runtime conch --cgroups=disabled \
		--network none conch-busybox:1 sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both; exit 4'" \
		/dev/null </dev/null
	assert_rc 4
	assert_contains "$OUT" "/dev/pts/0"
	assert_contains "$OUT" "both"
}

# --- what podman's options ask of conch ---------------------------------------

test_capabilities_user_env() {
	[ -z "$_skipped" ] || return 0
	engine_caps_user_env R
}

test_read_only_tmpfs_volume() {
	[ -z "$_skipped" ] || return 0
	mkdir -p "$T/vol"
	echo host >"$T/vol/f"
	# podman's --read-only tmpfs on /run copies the image's /run up
	# (tmpcopyup): its /run/lock is there.
	run R --rm --read-only --tmpfs /scratch -v "$T/vol:/vol" \
		conch-busybox:1 sh -c 'touch /x 2>&1; touch /scratch/y && echo scratch
		touch /tmp/z /var/tmp/w && echo tmp; cat /vol/f; echo c >/vol/g
		touch /run/lock/l && grep " /run " /proc/self/mountinfo | cut -d" " -f9'
	assert_rc 0
	assert_out "$(printf 'touch: /x: Read-only file system\nscratch\ntmp\nhost\ntmpfs')"
	assertEquals "written through the volume" c "$(cat "$T/vol/g")"
}

test_seccomp_and_no_new_privileges() {
	[ -z "$_skipped" ] || return 0
	engine_seccomp R
}

test_hostname_network_devices() {
	[ -z "$_skipped" ] || return 0
	assert_ok R --rm --hostname boxy conch-busybox:1 sh -c 'hostname; ls /sys/class/net'
	assert_out "$(printf 'boxy\nlo')"
	# podman's device rule refuses every node pivot's /dev lacks, even
	# to a root with CAP_MKNOD: made, not opened.
	run R --rm conch-busybox:1 sh -c 'mknod /tmp/mem c 1 1 && head -c1 /tmp/mem'
	assert_rc 1
	assert_contains "$ERR" "Operation not permitted"
	run R --rm conch-busybox:1 sh -c 'head -c1 /dev/zero | wc -c'
	assert_out 1
}

# What podman's CNI plugins leave on the host when the first container of
# its default network goes: the firewall plugin's chains in the filter
# table (which iptables-nft keeps in nft's "ip filter").
cni_chains_remove() {
	iptables -D FORWARD -m comment --comment "CNI firewall plugin rules" \
		-j CNI-FORWARD
	iptables -F CNI-FORWARD && iptables -X CNI-FORWARD
	iptables -F CNI-ADMIN && iptables -X CNI-ADMIN
}

test_default_network() {
	[ -z "$_skipped" ] || return 0
	# podman's CNI bridge, its firewall chains and the ip_forward its
	# bridge plugin turns on outlive its containers: the host gets back
	# what it had.
	ip link show cni-podman0 >/dev/null 2>&1 ||
		defer "ip link del cni-podman0 2>/dev/null"
	defer "echo $(cat /proc/sys/net/ipv4/ip_forward) >/proc/sys/net/ipv4/ip_forward"
	if command -v iptables >/dev/null && ! iptables -S CNI-FORWARD >/dev/null 2>&1; then
		defer "cni_chains_remove >/dev/null 2>&1"
	fi
	run P run --rm --runtime conch --cgroups=disabled conch-busybox:1 ls /sys/class/net
	if [ "$RC" -ne 0 ]; then
		skip "podman's default network does not work offline here: ${ERR%%$'\n'*}"
		return 0
	fi
	assert_contains "$OUT" "eth0"
}

# --- pause and unpause ----------------------------------------------------------

# PC ARG...: podman with cgroups, as on a pure cgroup v2 host. podman
# takes this hybrid host's /sys/fs/cgroup for v1 and refuses pause
# without cgroups, so it runs in a private mount namespace where
# /sys/fs/cgroup is the host's cgroup2. The host's mounts are untouched;
# conmon keeps that namespace while its container lives.
PC() {
	unshare -m --propagation private bash -c '
		mount --bind "$1" /sys/fs/cgroup || exit 125
		. "$2" && shift 2 && podman_at "$@"' PC "$(cgroup2_root)" \
		"$TOP/tests/podman.sh" "$PM" "$@"
}

test_pause_unpause() {
	[ -z "$_skipped" ] || return 0
	local id cg ticks n parent=conch-test-$$-podman
	id=$(PC run -d --runtime conch --network none \
		--cgroup-parent "/$parent" conch-busybox:1 \
		sh -c 'while :; do echo tick >>/tmp/ticks; sleep 0.05; done')
	assertNotNull "podman run -d with cgroups" "$id" || return
	cg=$(cgroup2_root)/$parent/libpod-$id
	assertTrue "the container's cgroup $cg" "[ -d '$cg' ]"
	assert_ok PC pause "$id"
	assertEquals "podman's status" paused \
		"$(PC inspect -f '{{.State.Status}}' "$id")"
	assertEquals "conch's status" paused "$(conch state "$id" | jq -r .status)"
	assertEquals "frozen" "frozen 1" "$(grep frozen "$cg/cgroup.events")"
	ticks=/proc/$(head -1 "$cg/cgroup.procs")/root/tmp/ticks
	n=$(wc -l <"$ticks")
	sleep 0.3
	assertEquals "no tick while paused" "$n" "$(wc -l <"$ticks")"
	assert_ok PC unpause "$id"
	assertEquals "thawed" "frozen 0" "$(grep frozen "$cg/cgroup.events")"
	assertEquals "running again" running \
		"$(PC inspect -f '{{.State.Status}}' "$id")"
	sleep 0.3
	assertNotEquals "ticks again" "$n" "$(wc -l <"$ticks")"
	assert_ok PC exec "$id" true
	assert_ok PC rm -f -t 0 "$id"
	assertFalse "the container's cgroup left" "[ -e '$cg' ]"
	# podman made the parent, and conmon's cgroup in it.
	find "$(cgroup2_root)/$parent" -depth -type d -exec rmdir {} +
	assertFalse "state of $id left" "[ -e /run/conch/$id ]"
}

. shunit2

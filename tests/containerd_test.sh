#!/bin/bash
# containerd (Debian's 1.6) runs its tasks with conch through its runc
# shim: a containerd of this suite's own (socket, root and state in a
# temporary directory, CRI off), ctr run --runc-binary conch with a
# private --runc-root, in a containerd namespace named after this shell,
# which names the tasks' cgroups (/NAMESPACE/ID in cgroup2).
. "$(dirname "$0")/lib.sh"

CD=
CD_PID=
NS=conch-test-$$

oneTimeSetUp() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		return 0
	is_root || return 0
	CD=$(mktemp -d /tmp/conch-containerd.XXXXXX) || return 1
	mkrootfs --busybox "$CD/rootfs" >/dev/null || return 1
	cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
EOF
	containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
	CD_PID=$!
	wait_for "ctr --address '$CD/containerd.sock' version >/dev/null 2>&1" || {
		echo "oneTimeSetUp: containerd did not start" >&2
		return 1
	}
}

one_time_tear_down() {
	[ -n "$CD" ] || return 0
	local t
	for t in $(CTR task ls -q 2>/dev/null); do
		CTR task kill -s KILL "$t" >/dev/null 2>&1
		CTR task delete -f "$t" >/dev/null 2>&1
	done
	for t in $(CTR container ls -q 2>/dev/null); do
		CTR container delete "$t" >/dev/null 2>&1
	done
	[ -n "$CD_PID" ] && kill "$CD_PID" && wait "$CD_PID" 2>/dev/null
	grep -o " $CD[^ ]*" /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf "$CD"
	rmdir "$(cgroup2_root)/$NS" 2>/dev/null
}

# CTR ARG...: ctr on this suite's containerd, in its namespace.
CTR() {
	ctr --address "$CD/containerd.sock" --namespace "$NS" "$@"
}

# RUN OPTION ID CMD...: ctr run with conch, on the busybox root. No cpu
# shares: cpu is bound to cgroup v1 on this host, and conch applies no
# limit it cannot (125).
RUN() {
	local opt=$1
	shift
	CTR run --runc-binary "$CONCH_BIN/conch" --runc-root "$CD/runc" \
		--cpu-shares 0 "$opt" --rootfs "$CD/rootfs" "$@"
}

set_up() {
	need_root || return 0
	[ -n "$CD" ] || skip "containerd or ctr is not installed"
}

# nothing_of ID: no task, no conch state, no cgroup left.
nothing_of() {
	assertEquals "tasks" "" "$(CTR task ls -q)"
	assertFalse "conch state of $1 left" "[ -e '$CD/runc/$NS/$1' ]"
	assertFalse "cgroup of $1 left" "[ -e '$(cgroup2_root)/$NS/$1' ]"
}

test_run_status() {
	[ -z "$_skipped" ] || return 0
	assert_ok RUN --rm t1 echo hello
	assert_out "hello"
	run RUN --rm t2 sh -c 'exit 7'
	assert_rc 7
	run RUN --rm t3 nosuch
	assert_rc 1
	assert_contains "$ERR" 'exec: "nosuch": executable file not found in $PATH'
	nothing_of t3
}

test_exec_kill_delete() {
	[ -z "$_skipped" ] || return 0
	assert_ok RUN -d t4 sh -c 'echo $$ >/tmp/pid; exec sleep 100'
	wait_for "CTR task ls | grep -q '^t4 .*RUNNING'" || fail "not running"
	assertEquals "conch's state" running \
		"$(conch --root "$CD/runc/$NS" state t4 | jq -r .status)"
	assertNotNull "in its cgroup" "$(cat "$(cgroup2_root)/$NS/t4/cgroup.procs")"
	run CTR task exec --exec-id e1 t4 sh -c 'cat /tmp/pid; exit 3'
	assert_rc 3
	assert_out 1
	run CTR task exec --exec-id e2 t4 nosuch
	assert_contains "$ERR" 'executable file not found'
	# pause and resume: the task's cgroup, frozen and thawed.
	assert_ok CTR task pause t4
	assertEquals "paused" PAUSED "$(CTR task ls | awk '$1 == "t4" { print $3 }')"
	assertEquals "frozen" "frozen 1" "$(grep frozen "$(cgroup2_root)/$NS/t4/cgroup.events")"
	assert_ok CTR task resume t4
	assert_ok CTR task kill -s KILL t4
	wait_for "CTR task ls | grep -q '^t4 .*STOPPED'" || fail "not stopped"
	assert_ok CTR task delete t4
	assert_ok CTR container delete t4
	nothing_of t4
}

. shunit2

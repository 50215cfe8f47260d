#!/bin/bash
# cgmake on the real cgroup2 tree: create, nest, configure, show, freeze,
# kill and delete; every refusal's exact message, with nothing left behind.
# Controller limits (pids, memory, cpu) run where cgroup2 has them (the VM).
. "$(dirname "$0")/lib.sh"

# cputime PID: user+system clock ticks of PID.
cputime() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# --- creating ---------------------------------------------------------------

test_create_nested() {
	need_cg || return 0
	cg_new A nest
	assert_ok cgmake "/$A/b/c"
	assert_out ""
	assert_err ""
	assertTrue "c made" "[ -f $R/$A/b/c/cgroup.procs ]"
	assertEquals "mode" 755 "$(stat -c %a "$R/$A/b/c")"
	# Again: the tree is there, nothing to do.
	assert_ok cgmake "/$A/b/c"
}

test_create_mode_ignores_umask() {
	need_cg || return 0
	cg_new A umask
	run sh -c "umask 077; exec cgmake /$A"
	assert_rc 0
	assertEquals "mode" 755 "$(stat -c %a "$R/$A")"
}

test_values_in_order_with_sizes() {
	need_cg || return 0
	cg_new A values
	assert_ok cgmake "/$A" cgroup.max.descendants=1K cgroup.max.depth=3 \
		cgroup.max.depth=max cgroup.max.depth=2
	assertEquals 1024 "$(cat "$R/$A/cgroup.max.descendants")"
	assertEquals 2 "$(cat "$R/$A/cgroup.max.depth")"
}

test_trailing_slash_and_dot() {
	need_cg || return 0
	cg_new A dots
	assert_ok cgmake "/$A/./b/"
	assertTrue "[ -d $R/$A/b ]"
	assert_ok cgmake "/$A/b/../c"
	assertTrue "[ -d $R/$A/c ]"
}

test_relative_to_own_cgroup() {
	need_cg || return 0
	cg_new A relative
	assert_ok cgmake "/$A"
	run cgput "/$A" sh -c 'cgmake b/c cgroup.max.depth=1 &&
		cgput b/c cat /proc/self/cgroup && cgmake -s ./b/c/.. >/dev/null'
	assert_rc 0
	assert_contains "$OUT" "0::/$A/b/c"
	assertEquals 1 "$(cat "$R/$A/b/c/cgroup.max.depth")"
}

test_root_option() {
	need_cg || return 0
	cg_new A root
	assert_ok cgmake "/$A"
	assert_ok cgmake --root "$R/$A" /b cgroup.max.depth=4
	assertEquals 4 "$(cat "$R/$A/b/cgroup.max.depth")"
	# Relative, from a process in $A: its cgroup is the --root itself.
	run cgput "/$A" cgmake --root "$R/$A" c
	assert_rc 0
	assertTrue "[ -d $R/$A/c ]"
	assert_fails 125 "cgmake: $T: not a cgroup2 file system (see --root)" \
		cgmake --root "$T" /x
	assert_fails 125 "cgmake: --root $T/nope: No such file or directory" \
		cgmake --root "$T/nope" /x
}

# --owner: the directory and the delegation files change owner, the
# limits stay root's; then the user builds below it alone.
test_owner_delegates() {
	need_cg || return 0
	need_user || return 0
	cg_new A owner
	assert_ok cgmake --owner "$TEST_USER" "/$A" cgroup.max.depth=3
	local f
	for f in . cgroup.procs cgroup.subtree_control cgroup.threads; do
		assertEquals "$f" "$TEST_USER:$TEST_USER" \
			"$(stat -c %U:%G "$R/$A/$f")"
	done
	assertEquals "limits stay root's" root "$(stat -c %U "$R/$A/cgroup.max.depth")"
	# Root moves the user's shell in; the user does the rest, relative.
	run cgput "/$A" "${AS_USER[@]}" sh -c 'cgmake sub && cgput sub grep ^0:: /proc/self/cgroup'
	assert_rc 0
	assert_out "0::/$A/sub"
	assertEquals "$TEST_USER" "$(stat -c %U "$R/$A/sub")"
}

test_owner_group() {
	need_cg || return 0
	need_user || return 0
	cg_new A ownergroup
	assert_ok cgmake --owner "$TEST_UID:root" "/$A"
	assertEquals "$TEST_USER:root" "$(stat -c %U:%G "$R/$A/cgroup.procs")"
}

test_owner_errors() {
	assert_fails 125 "cgmake: --owner 'nosuchuser': no such user 'nosuchuser' in /etc/passwd" \
		cgmake --owner nosuchuser /x
	assert_fails 125 "cgmake: --owner 'root:nosuchgroup': no such group 'nosuchgroup' in /etc/group" \
		cgmake --owner root:nosuchgroup /x
	assert_fails 125 "cgmake: --owner ':root': expected USER[:GROUP]" \
		cgmake --owner :root /x
	assert_fails 125 "cgmake: --owner is for creating, not with --show" \
		cgmake -s --owner root /x
}

test_create_without_delegation() {
	need_cg || return 0
	need_user || return 0
	cg_new A nodelegation
	assert_ok cgmake "/$A"
	assert_fails 125 "cgmake: create $R/$A/x: Permission denied (no write access to $R/$A: run as root, or below a cgroup delegated to you (cgmake --owner))" \
		as_user cgmake "/$A/x"
	assertFalse "[ -e $R/$A/x ]"
}

# --- device rules: a BPF_CGROUP_DEVICE program --------------------------------

# devices_probe CGROUP: opens /dev/null, reads /dev/zero, writes /dev/zero
# and reads /dev/urandom inside CGROUP; prints which succeeded.
devices_probe() {
	cgput "$1" sh -c 'for t in "r /dev/null" "r /dev/zero" "w /dev/zero" "r /dev/urandom"; do
		set -- $t
		if [ "$1" = r ]; then head -c1 "$2" >/dev/null 2>&1; else echo x 2>/dev/null >"$2"; fi &&
			printf "%s " "$1$2"
	done'
}

test_devices_allow_list() {
	need_cg || return 0
	cg_new A devices
	assert_ok cgmake "/$A" devices.deny=a "devices.allow=c 1:3 rwm" \
		"devices.allow=c 1:5 r"
	assert_out ""
	assert_err ""
	run devices_probe "/$A"
	assert_out "r/dev/null r/dev/zero "
	# mknod is m: allowed for 1:3 only.
	run cgput "/$A" sh -c "mknod $T/null c 1 3 && echo made; mknod $T/zero c 1 5"
	assert_out "made"
	assert_contains "$ERR" "Operation not permitted"
	assertFalse "[ -e $T/zero ]"
	# Again: the new program replaces the old one (which denied
	# writing /dev/zero). The last rule that matches decides.
	assert_ok cgmake "/$A" "devices.allow=c 1:* rw" "devices.deny=c 1:9 w"
	run devices_probe "/$A"
	assert_out "r/dev/null r/dev/zero w/dev/zero r/dev/urandom "
	run cgput "/$A" sh -c "echo x >/dev/urandom"
	assertNotEquals "writing /dev/urandom fails" 0 "$RC"
	assert_contains "$ERR" "Operation not permitted"
}

test_devices_default_allow_and_children() {
	need_cg || return 0
	cg_new A devdefault
	# Without a, what no rule names is allowed (v1's default).
	assert_ok cgmake "/$A" "devices.deny=c 1:5 rwm"
	run devices_probe "/$A"
	assert_out "r/dev/null r/dev/urandom "
	# A child allowing everything is still held by its parent's program.
	assert_ok cgmake "/$A/child" devices.allow=a
	run devices_probe "/$A/child"
	assert_out "r/dev/null r/dev/urandom "
	# a alone forgets the rules before it.
	assert_ok cgmake "/$A" "devices.deny=c 1:3 rwm" devices.allow=a
	run devices_probe "/$A"
	assert_out "r/dev/null r/dev/zero w/dev/zero r/dev/urandom "
}

test_devices_bad_rules() {
	local why="(TYPE MAJOR:MINOR ACCESS, as 'c 1:3 rwm': TYPE a, b or c, * for any number, ACCESS of r, w and m; or a for every device)"
	local r
	for r in "c 1" "x 1:3 r" "c 1:3 rr" "c 1:3 " "c a:3 r" "c 1:99999999999 r" "" "c 1:3 rwx"; do
		assert_fails 125 "cgmake: devices.allow=$r: bad device rule '$r' $why" \
			cgmake /conch-test-$$-never "devices.allow=$r"
	done
	need_cg || return 0
	assertFalse "nothing made" "[ -e $R/conch-test-$$-never ]"
}

test_devices_rootless_refused() {
	need_cg || return 0
	need_user || return 0
	cg_new A devuser
	assert_ok cgmake --owner "$TEST_USER" "/$A"
	run as_user cgmake "/$A/sub" devices.deny=a
	assert_rc 125
	assert_contains "$ERR" "cgmake: "
	assert_contains "$ERR" "$R/$A/sub: Operation not permitted"
	assertFalse "sub undone" "[ -e $R/$A/sub ]"
}

# --- PROG ---------------------------------------------------------------------

test_prog_runs_outside() {
	need_cg || return 0
	cg_new A prog
	local mine
	mine=$(grep '^0::' /proc/self/cgroup)
	assert_ok cgmake "/$A" -- grep '^0::' /proc/self/cgroup
	assert_out "$mine"
	run cgmake "/$A" -- sh -c 'exit 7'
	assert_rc 7
}

test_prog_not_found() {
	need_cg || return 0
	cg_new A notfound
	assert_fails 127 "cgmake: exec /nonexistent: No such file or directory" \
		cgmake "/$A" -- /nonexistent
	assert_fails 127 "cgmake: exec no-such-prog-here: No such file or directory (not found in PATH)" \
		cgmake "/$A" -- no-such-prog-here
	assert_fails 126 "cgmake: exec /etc/passwd: Permission denied" \
		cgmake "/$A" -- /etc/passwd
	# The cgroup was made before PROG failed, and stays: it is done.
	assertTrue "[ -d $R/$A ]"
}

test_prog_sees_only_012() {
	need_cg || return 0
	cg_new A fds
	assert_ok closed_fds cgmake "/$A" cgroup.freeze=0 -- ls /proc/self/fd
	# 3 is ls's own directory.
	assert_out "$(printf '0\n1\n2\n3')"
}

# --- showing ------------------------------------------------------------------

test_show() {
	need_cg || return 0
	cg_new A show
	assert_ok cgmake "/$A/b" cgroup.max.depth=3
	assert_ok cgmake -s "/$A/b"
	assert_contains "$OUT" "cgroup.controllers="
	assert_contains "$OUT" "cgroup.subtree_control="
	assert_contains "$OUT" "cgroup.events.populated=0"
	assert_contains "$OUT" "cgroup.events.frozen=0"
	assert_contains "$OUT" "cgroup.max.depth=3"
	assert_contains "$OUT" "cpu.stat.usage_usec="
	# Limits at their default are not shown.
	assert_not_contains "$OUT" "cgroup.max.descendants="
	assert_not_contains "$OUT" "cgroup.freeze="
	# FILE=VALUE or FILE.KEY=VALUE, every line.
	assertEquals "malformed lines" "" \
		"$(echo "$OUT" | grep -Ev '^[a-z][a-z0-9_.]*=' || true)"
}

test_show_populated() {
	need_cg || return 0
	cg_new A showpop
	assert_ok cgmake "/$A"
	sleep 100 &
	local pid=$!
	echo "$pid" >"$R/$A/cgroup.procs"
	assert_ok cgmake -s "/$A"
	assert_contains "$OUT" "cgroup.procs=$pid"
	assert_contains "$OUT" "cgroup.events.populated=1"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

# --- waiting until empty ------------------------------------------------------

# cgmake --wait wakes on cgroup.events (POLLPRI), not by polling on a
# clock: it returns within 100 ms of the last exit, and burns no CPU.
test_wait_returns_when_the_last_process_exits() {
	need_cg || return 0
	cg_new A wait
	assert_ok cgmake "/$A"
	assert_ok cgmake --wait "/$A"	# empty: at once
	sh -c "echo \$\$ >'$R/$A/cgroup.procs'; exec sleep 100" &
	local pid=$! waiter t0 t1
	wait_for "grep -qx $pid '$R/$A/cgroup.procs'"
	# The times from bash itself ($EPOCHREALTIME): no date(1) to fork.
	(cgmake --wait "/$A"; echo $? >"$T/rc"; echo "$EPOCHREALTIME" >"$T/t1") &
	waiter=$!
	sleep 0.3
	assertFalse "cgmake --wait returned while populated" "[ -e '$T/rc' ]"
	# No CPU while it sleeps (its start-up may cost a tick, in a VM).
	local c1 c2
	c1=$(cputime "$(pgrep -P $waiter cgmake)")
	sleep 0.3
	c2=$(cputime "$(pgrep -P $waiter cgmake)")
	assertEquals "CPU ticks used while waiting" "$c1" "$c2"
	t0=$EPOCHREALTIME
	kill "$pid"
	wait "$pid" 2>/dev/null
	wait "$waiter"
	t1=$(cat "$T/t1")
	assertEquals 0 "$(cat "$T/rc")"
	local ms
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
	assertTrue "returned $ms ms after the exit" "[ $ms -lt 100 ]"
}

test_wait_rootless() {
	need_cg || return 0
	need_user || return 0
	cg_new A waitu
	assert_ok cgmake "/$A"
	# cgroup.events is world-readable: anyone may wait; nothing is changed.
	assert_ok as_user cgmake --wait --timeout 1 "/$A"
	assert_fails 125 "cgmake: open $R/$A-none: No such file or directory (no such cgroup; cgmake creates it)" \
		as_user cgmake --wait "/$A-none"
}

test_wait_times_out_with_125() {
	need_cg || return 0
	cg_new A waitto
	assert_ok cgmake "/$A"
	mkdir "$R/$A/sub"
	sh -c "echo \$\$ >'$R/$A/sub/cgroup.procs'; exec sleep 100" &
	local pid=$!
	defer "kill $pid 2>/dev/null"
	wait_for "grep -qx $pid '$R/$A/sub/cgroup.procs'"
	# A process below CGROUP counts: populated is about the subtree.
	assert_fails 125 "cgmake: wait for $R/$A: still populated after 0.5 s" \
		cgmake --wait --timeout 0.5 "/$A"
}

test_show_missing() {
	need_cg || return 0
	cg_new A showmissing
	assert_fails 125 "cgmake: open $R/$A: No such file or directory (no such cgroup; cgmake creates it)" \
		cgmake -s "/$A"
}

# --- freezing, killing, deleting ------------------------------------------

test_freeze_stops_busy_loop() {
	need_cg || return 0
	cg_new A freeze
	assert_ok cgmake "/$A"
	spawn loop cgput "/$A" sh -c 'while :; do :; done'
	local pid t1 t2
	wait_for 'grep -q "^populated 1" "$R/$A/cgroup.events"'
	pid=$(cat "$R/$A/cgroup.procs")
	assert_ok cgmake "/$A" cgroup.freeze=1
	# cgmake returns once the kernel says frozen.
	assertEquals "frozen 1" "$(grep frozen "$R/$A/cgroup.events")"
	t1=$(cputime "$pid")
	sleep 0.5
	t2=$(cputime "$pid")
	assertEquals "CPU time while frozen" "$t1" "$t2"
	assert_ok cgmake "/$A" cgroup.freeze=0
	assertEquals "frozen 0" "$(grep frozen "$R/$A/cgroup.events")"
	wait_for '[ "$(cputime "$pid")" -gt "$t2" ]'
	assertTrue "runs again" "[ $(cputime "$pid") -gt $t2 ]"
	kill -9 "$pid"
	assertEquals "status" 137 "$(status_of loop)"
}

test_kill_file() {
	need_cg || return 0
	cg_new A kill
	assert_ok cgmake "/$A/b"
	spawn p1 cgput "/$A" sleep 100
	spawn p2 cgput "/$A/b" sleep 100
	wait_for 'grep -q . "$R/$A/b/cgroup.procs"'
	wait_for 'grep -q . "$R/$A/cgroup.procs"'
	assert_ok cgmake "/$A" cgroup.kill=1
	# cgmake returns once the kernel says empty.
	assertEquals "populated 0" "$(grep populated "$R/$A/cgroup.events")"
	assertEquals "status" 137 "$(status_of p1)"
	assertEquals "status" 137 "$(status_of p2)"
}

delete_populated_tree() {
	cg_new A "delete$1"
	assert_ok cgmake "/$A/b/c"
	local p
	spawn p1 cgput "/$A" sleep 100
	spawn p2 cgput "/$A/b" sh -c 'sleep 100 & sleep 100'
	spawn p3 cgput "/$A/b/c" sleep 100
	wait_for 'grep -q . "$R/$A/cgroup.procs"'
	wait_for 'grep -q . "$R/$A/b/c/cgroup.procs"'
	wait_for '[ "$(wc -l <"$R/$A/b/cgroup.procs")" -ge 2 ]'
	assert_ok cgmake -d "/$A"
	assert_err ""
	assertFalse "removed" "[ -e $R/$A ]"
	for p in p1 p2 p3; do
		assertEquals "status of $p" 137 "$(status_of $p)"
	done
}

test_delete_populated_tree() {
	need_cg || return 0
	delete_populated_tree kill
}

# As on kernels before 5.14: freeze, kill every process, thaw.
test_delete_without_cgroup_kill() {
	need_cg || return 0
	CONCH_CGMAKE_FREEZE_KILL=1 delete_populated_tree freeze
}

test_delete_refusals() {
	need_cg || return 0
	cg_new A deleteself
	assert_ok cgmake "/$A/b"
	assert_fails 125 "cgmake: delete $R/$A: this process is inside it (in /$A/b)" \
		cgput "/$A/b" cgmake -d "/$A"
	assertTrue "[ -d $R/$A/b ]"
	assert_fails 125 "cgmake: cgroup.freeze=1: $R/$A holds this process (in /$A/b)" \
		cgput "/$A/b" cgmake "/$A" cgroup.freeze=1
	assert_fails 125 "cgmake: cgroup.kill=1: $R/$A/b holds this process (in /$A/b)" \
		cgput "/$A/b" cgmake . cgroup.kill=1
	assert_fails 125 "cgmake: delete $R: the cgroup2 root cannot be removed" \
		cgmake -d /
	assert_fails 125 "cgmake: open $R/$A/nope: No such file or directory (no such cgroup; cgmake creates it)" \
		cgmake -d "/$A/nope"
}

# --- refusals: exact message, exit 125, nothing left -----------------------

test_bad_values() {
	need_cg || return 0
	cg_new A badvalues
	assert_fails 125 "cgmake: memory.max=12Q: bad size '12Q' (a number with an optional K, M, G or T suffix, or max)" \
		cgmake "/$A" memory.max=12Q
	assert_fails 125 "cgmake: memory.high=: bad size '' (a number with an optional K, M, G or T suffix, or max)" \
		cgmake "/$A" memory.high=
	assert_fails 125 "cgmake: pids.max=-1: bad number '-1' (a number, or max)" \
		cgmake "/$A" pids.max=-1
	assert_fails 125 "cgmake: cpu.max=0%: bad value '0%' (PERCENT% of one CPU, QUOTA [PERIOD] in microseconds, or max [PERIOD])" \
		cgmake "/$A" cpu.max=0%
	assert_fails 125 "cgmake: cpu.max=fast: bad value 'fast' (PERCENT% of one CPU, QUOTA [PERIOD] in microseconds, or max [PERIOD])" \
		cgmake "/$A" cpu.max=fast
	assert_fails 125 "cgmake: io.max=8:0 rbps=1X: bad size '1X' (a number with an optional K, M, G or T suffix, or max)" \
		cgmake "/$A" "io.max=8:0 rbps=1X"
	assert_fails 125 "cgmake: =1: '' is not an interface file name" \
		cgmake "/$A" =1
	assert_fails 125 "cgmake: ../cgroup.procs=1: '../cgroup.procs' is not an interface file name" \
		cgmake "/$A" ../cgroup.procs=1
	assert_fails 125 "cgmake: 'true': not FILE=VALUE (put -- before PROG)" \
		cgmake "/$A" true
	assertFalse "nothing made" "[ -e $R/$A ]"
}

# Writing a PID to cgroup.procs would move any process, the host's PID 1
# too: cgput moves, on purpose; cgmake refuses before making anything. (A
# sleeper stands for PID 1 here: a failing run must not move the host's.)
test_refuses_to_move_processes() {
	need_cg || return 0
	cg_new A nomove
	local pid before f
	pid=$(sleeper s)
	defer "kill $pid"
	before=$(cat "/proc/$pid/cgroup")
	for f in cgroup.procs cgroup.threads; do
		assert_fails 125 "cgmake: $f=$pid: refusing to move processes (that is cgput's job: cgput -p PID CGROUP)" \
			cgmake "/$A/sub" cgroup.max.depth=2 "$f=$pid"
		assertFalse "$f: nothing made" "[ -e $R/$A ]"
	done
	# Also into a cgroup that exists already.
	mkdir "$R/$A"
	assert_fails 125 "cgmake: cgroup.procs=$pid: refusing to move processes (that is cgput's job: cgput -p PID CGROUP)" \
		cgmake "/$A" "cgroup.procs=$pid"
	assertEquals "not moved" "$before" "$(cat "/proc/$pid/cgroup")"
}

# A SIGINT, SIGTERM or SIGHUP once the first cgroup is made: strace
# delivers it as mkdirat(2) starts, so that it comes at this known point.
# What was made goes, as on any failure, and cgmake dies of the signal.
test_interrupted_undoes() {
	need_cg || return 0
	need_cmd strace || return 0
	cg_new A interrupted
	local sig n
	for sig in INT TERM HUP; do
		n=$(kill -l $sig)
		run strace -qq -o /dev/null -e trace=mkdirat \
			-e inject=mkdirat:signal=SIG$sig:when=1 \
			cgmake "/$A/b/c" cgroup.max.depth=2
		assert_rc $((128 + n))
		assert_err "cgmake: interrupted by SIG$sig"
		assertFalse "$sig: nothing left" "[ -e $R/$A ]"
	done
}

test_bad_paths() {
	need_cg || return 0
	assert_fails 125 "cgmake: empty cgroup path" cgmake ""
	assert_fails 125 "cgmake: /a//b: empty component in cgroup path" cgmake /a//b
	assert_fails 125 "cgmake: /a/../..: goes above the cgroup2 root $R" \
		cgmake /a/../..
}

test_unknown_file_undoes_tree() {
	need_cg || return 0
	cg_new A undo
	assert_fails 125 "cgmake: write cgroup.nosuch=1 in $R/$A/b/c: No such file or directory (this cgroup has no such interface file)" \
		cgmake "/$A/b/c" cgroup.max.depth=2 cgroup.nosuch=1
	assertFalse "half-made tree removed" "[ -e $R/$A ]"
}

test_refused_value_keeps_what_was_there() {
	need_cg || return 0
	cg_new A keep
	assert_ok cgmake "/$A"
	assert_fails 125 "cgmake: write cgroup.type=bogus in $R/$A/b: Invalid argument" \
		cgmake "/$A/b" cgroup.type=bogus
	assertTrue "existing parent kept" "[ -d $R/$A ]"
	assertFalse "new child removed" "[ -e $R/$A/b ]"
}

# On a hybrid host the controller is there, but bound to cgroup v1.
test_controller_bound_to_v1() {
	need_cg || return 0
	local v1
	v1=$(awk '$0 ~ / - cgroup / && $NF ~ /(^|,)pids(,|$)/ { print $5; exit }' \
		/proc/self/mountinfo)
	if [ -z "$v1" ]; then
		skip "pids is not bound to cgroup v1 here"
		return
	fi
	cg_new A v1
	assert_fails 125 "cgmake: enable pids in $R/cgroup.subtree_control: No such file or directory (pids is bound to the cgroup v1 hierarchy at $v1)" \
		cgmake "/$A/b" pids.max=5
	assertFalse "nothing made" "[ -e $R/$A ]"
}

test_unknown_controller() {
	need_cg || return 0
	cg_new A unknownctl
	assert_fails 125 "cgmake: enable nosuchctl in $R/cgroup.subtree_control: Invalid argument (this kernel has no nosuchctl controller)" \
		cgmake "/$A" nosuchctl.max=1
	assertFalse "nothing made" "[ -e $R/$A ]"
}

test_no_cgroup2_mount() {
	need_cg || return 0
	need_cmd unshare || return 0
	assert_fails 125 "cgmake: no cgroup2 file system is mounted (a cgroup v1 only system: mount one, e.g. mount -t cgroup2 none /sys/fs/cgroup/unified, or boot with systemd.unified_cgroup_hierarchy=1)" \
		unshare -m sh -c "umount -l '$R' && exec cgmake /x"
}

# A cgroup2 mount that another mount hides (podman's view of a hybrid
# host: the host's cgroup2 bound over /sys/fs/cgroup) is still listed in
# mountinfo; cgmake takes the one that can be reached.
test_hidden_cgroup2_mount_skipped() {
	need_cg || return 0
	cg_new A hidden
	local d
	d=$(mktemp -d /tmp/conch-cg2.XXXXXX)
	defer "rmdir '$d'"
	run unshare -m --propagation private sh -c 'mount --bind "$1" "$2" &&
		mount -t tmpfs none "$1" && cgmake -v "/$3"' sh "$R" "$d" "$A"
	assert_rc 0
	assert_contains "$ERR" "cgmake: cgroup2 root $d "
	assertTrue "made in the host's cgroup2" "[ -d '$R/$A' ]"
}

test_usage() {
	assert_fails 125 "cgmake: missing CGROUP (see cgmake --help)" cgmake
	assert_fails 125 "cgmake: unknown option '-x' (see cgmake --help)" cgmake -x /a
	assert_fails 125 "cgmake: option '--owner' needs an argument (see cgmake --help)" \
		cgmake --owner
	assert_fails 125 "cgmake: --show and --delete exclude each other" \
		cgmake -s -d /a
	assert_fails 125 "cgmake: 'x=1': --show takes no FILE=VALUE" \
		cgmake -s /a x=1
	assert_fails 125 "cgmake: 'x=1': --delete takes no FILE=VALUE" \
		cgmake -d /a x=1
	assert_fails 125 "cgmake: --timeout 'x': not a number of seconds" \
		cgmake -t x -d /a
	assert_fails 125 "cgmake: --show and --wait exclude each other" \
		cgmake -s --wait /a
	assert_fails 125 "cgmake: 'x=1': --wait takes no FILE=VALUE" \
		cgmake -w /a x=1
	assert_ok cgmake --help
	assert_contains "$OUT" "Usage: cgmake [OPTION]... CGROUP [FILE=VALUE]..."
	assert_ok cgmake -V
	assert_contains "$OUT" "cgmake (conch) "
}

test_verbose() {
	need_cg || return 0
	cg_new A verbose
	run env CONCH_VERBOSE=1 cgmake "/$A" cgroup.max.depth=1
	assert_rc 0
	assert_contains "$ERR" "cgmake: mkdir $R/$A"
	assert_contains "$ERR" "cgmake: write $R/$A/cgroup.max.depth: 1"
}

# --- controllers: where cgroup2 has them (the VM) --------------------------

test_ancestors_enabled() {
	need_cg || return 0
	need_controller pids memory || return 0
	cg_new A ancestors
	assert_ok cgmake "/$A/b/c" pids.max=10 memory.max=64M
	assert_contains "$(cat "$R/$A/cgroup.subtree_control")" pids
	assert_contains "$(cat "$R/$A/cgroup.subtree_control")" memory
	assert_contains "$(cat "$R/$A/b/cgroup.subtree_control")" pids
	assert_contains "$(cat "$R/$A/b/cgroup.subtree_control")" memory
	assertEquals "" "$(cat "$R/$A/b/c/cgroup.subtree_control")"
	assertEquals 10 "$(cat "$R/$A/b/c/pids.max")"
	assertEquals 67108864 "$(cat "$R/$A/b/c/memory.max")"
	assert_ok cgmake -s "/$A/b/c"
	assert_contains "$OUT" "pids.max=10"
	assert_contains "$OUT" "memory.max=67108864"
	assert_contains "$OUT" "pids.current=0"
	assert_contains "$OUT" "memory.events.oom_kill=0"
}

test_undo_also_disables_controllers() {
	need_cg || return 0
	need_controller pids || return 0
	cg_new A undoctl
	assert_ok cgmake "/$A"
	assert_fails 125 "cgmake: write cgroup.nosuch=1 in $R/$A/b: No such file or directory (this cgroup has no such interface file)" \
		cgmake "/$A/b" pids.max=5 cgroup.nosuch=1
	assertFalse "[ -e $R/$A/b ]"
	assertEquals "subtree_control of the kept parent" "" \
		"$(cat "$R/$A/cgroup.subtree_control")"
}

# memory is a domain controller: the rule applies (pids, threaded, not).
test_no_internal_processes() {
	need_cg || return 0
	need_controller memory || return 0
	cg_new A internal
	assert_ok cgmake "/$A"
	local pid
	pid=$(sleeper s1)
	echo "$pid" >"$R/$A/cgroup.procs"
	assert_fails 125 "cgmake: enable memory in $R/$A/cgroup.subtree_control: Device or resource busy (it has processes ($pid) and a cgroup with processes cannot enable controllers for its children: move them into a child cgroup first (cgput -p))" \
		cgmake "/$A/b" memory.max=64M
	assertFalse "[ -e $R/$A/b ]"
}

test_pids_max_stops_fork_bomb() {
	need_cg || return 0
	need_controller pids || return 0
	cg_new A forkbomb
	assert_ok cgmake "/$A/bomb" pids.max=5
	spawn bomb cgput "/$A/bomb" bash -c 'while :; do sleep 1000 & done'
	wait_for '[ "$(awk "{ print \$2 }" "$R/$A/bomb/pids.events")" -gt 0 ]'
	assertTrue "pids.events max > 0" \
		"[ $(awk '{ print $2 }' "$R/$A/bomb/pids.events") -gt 0 ]"
	assertTrue "pids.current <= 5" \
		"[ $(cat "$R/$A/bomb/pids.current") -le 5 ]"
	# Outside, forks still work, and at once.
	run timeout 10 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; echo ok'
	assert_rc 0
	assert_out ok
	assert_ok cgmake -d "/$A"
	wait "$pid" 2>/dev/null || true
}

test_memory_max_oom_kills_inside_only() {
	need_cg || return 0
	need_controller memory || return 0
	cg_new A oom
	assert_ok cgmake "/$A/hog" memory.max=32M
	[ -f "$R/$A/hog/memory.swap.max" ] && cgmake "/$A/hog" memory.swap.max=0
	# bash holds the whole command substitution in memory: 48 MB.
	{ run cgput "/$A/hog" bash -c \
		'x=$(head -c 50331648 /dev/zero | tr "\0" x); echo survived ${#x}'; } 2>/dev/null
	assert_rc 137
	assert_not_contains "$OUT" survived
	assertTrue "memory.events oom_kill >= 1" \
		"[ $(awk '$1 == "oom_kill" { print $2 }' "$R/$A/hog/memory.events") -ge 1 ]"
	# This shell, outside, is alive to check it.
	assertTrue "outside survives" "kill -0 $$"
}

test_cpu_max_throttles() {
	need_cg || return 0
	need_controller cpu || return 0
	cg_new A cpu
	assert_ok cgmake "/$A/busy" cpu.max=20%
	assertEquals "20000 100000" "$(cat "$R/$A/busy/cpu.max")"
	local t0 t1 usage wall pct
	t0=$(cut -d' ' -f1 /proc/uptime)
	{ cgput "/$A/busy" timeout 3 sh -c 'while :; do :; done'; } 2>/dev/null
	t1=$(cut -d' ' -f1 /proc/uptime)
	usage=$(awk '$1 == "usage_usec" { print $2 }' "$R/$A/busy/cpu.stat")
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000000 }')
	pct=$((usage * 100 / wall))
	echo "cpu.max=20%: usage ${pct}% of wall time"
	assertTrue "nr_throttled > 0" \
		"[ $(awk '$1 == "nr_throttled" { print $2 }' "$R/$A/busy/cpu.stat") -gt 0 ]"
	# 20% of wall time, give or take what TCG does to timing.
	assertTrue "usage ${pct}% of wall time, not about 20%" \
		"[ $pct -ge 10 ] && [ $pct -le 30 ]"
}

. shunit2

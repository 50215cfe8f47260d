#!/bin/bash
# cgput on the real cgroup2 tree: moves itself (then runs PROG) or other
# processes, absolute or relative, and explains the kernel's refusals (gone
# PID, threaded cgroups, delegation, no internal processes) exactly.
. "$(dirname "$0")/lib.sh"

# moved PID CGROUP: is PID listed in CGROUP's cgroup.procs?
moved() {
	grep -qx "$1" "$R$2/cgroup.procs"
}

test_moves_self_then_runs_prog() {
	need_cg || return 0
	cg_new A self
	assert_ok cgmake "/$A"
	assert_ok cgput "/$A" grep '^0::' /proc/self/cgroup
	assert_out "0::/$A"
	assert_err ""
	run cgput "/$A" sh -c 'exit 3'
	assert_rc 3
}

test_no_prog_runs_shell() {
	need_cg || return 0
	cg_new A shell
	assert_ok cgmake "/$A"
	run env SHELL=/bin/sh cgput "/$A" <<<'grep "^0::" /proc/self/cgroup'
	assert_rc 0
	assert_out "0::/$A"
}

test_moves_other_pids() {
	need_cg || return 0
	cg_new A others
	assert_ok cgmake "/$A"
	local p1 p2
	p1=$(sleeper s1)
	p2=$(sleeper s2)
	assert_ok cgput -p "$p1" -p "$p2" "/$A"
	assert_out ""
	assert_err ""
	assertTrue "p1 moved" "moved $p1 /$A"
	assertTrue "p2 moved" "moved $p2 /$A"
	# -p and PROG: PROG runs, and stays where it was.
	assert_ok cgput -p "$p1" "/$A" grep '^0::' /proc/self/cgroup
	assert_out "$(grep '^0::' /proc/self/cgroup)"
}

test_gone_pid() {
	need_cg || return 0
	cg_new A gone
	assert_ok cgmake "/$A"
	local gone
	gone=$(sh -c 'echo $$')
	assert_fails 125 "cgput: move $gone to $R/$A: No such process (it exited, or is not in this PID namespace)" \
		cgput -p "$gone" "/$A"
}

# All or none: a refusal half way moves the ones already moved back.
test_refusal_moves_back() {
	need_cg || return 0
	cg_new A back
	assert_ok cgmake "/$A"
	local p1 from
	p1=$(sleeper s1)
	from=$(grep '^0::' "/proc/$p1/cgroup")
	# PID 2 is kthreadd: kernel threads stay in the root.
	assert_fails 125 "cgput: move 2 to $R/$A: Invalid argument (a kernel thread, or exiting)" \
		cgput -p "$p1" -p 2 "/$A"
	assertEquals "moved back" "$from" "$(grep '^0::' "/proc/$p1/cgroup")"
	assertEquals "empty" "" "$(cat "$R/$A/cgroup.procs")"
}

# All or none, interrupted too: strace delivers the signal as the first
# PID is moved (its write(2)); it goes back, and cgput dies of the signal.
test_interrupt_moves_back() {
	need_cg || return 0
	need_cmd strace || return 0
	cg_new A intr
	assert_ok cgmake "/$A"
	local p1 p2 from sig n
	p1=$(sleeper s1)
	p2=$(sleeper s2)
	from=$(grep '^0::' "/proc/$p1/cgroup")
	for sig in INT TERM HUP; do
		n=$(kill -l $sig)
		run strace -qq -o /dev/null -e trace=write \
			-e inject=write:signal=SIG$sig:when=1 \
			cgput -p "$p1" -p "$p2" "/$A"
		assert_rc $((128 + n))
		assert_err "cgput: interrupted by SIG$sig"
		assertEquals "$sig: moved back" "$from" "$(grep '^0::' "/proc/$p1/cgroup")"
		assertEquals "$sig: empty" "" "$(cat "$R/$A/cgroup.procs")"
	done
}

test_relative_paths() {
	need_cg || return 0
	cg_new A relative
	assert_ok cgmake "/$A/b/c"
	run cgput "/$A/b" sh -c 'cgput c grep ^0:: /proc/self/cgroup;
		cgput ./c/.. grep ^0:: /proc/self/cgroup;
		cgput .. grep ^0:: /proc/self/cgroup'
	assert_rc 0
	assert_out "$(printf '0::/%s\n0::/%s\n0::/%s' "$A/b/c" "$A/b" "$A")"
	# A shell moved in first, then relative names from it.
	local p1
	p1=$(sleeper s1)
	run cgput "/$A" sh -c "cgput -p $p1 b/c"
	assert_rc 0
	assertTrue "moved relative" "moved $p1 /$A/b/c"
}

test_missing_cgroup() {
	need_cg || return 0
	cg_new A missing
	assert_fails 125 "cgput: open $R/$A: No such file or directory (no such cgroup; cgmake creates it)" \
		cgput "/$A" true
	assertFalse "not made" "[ -e $R/$A ]"
}

test_bad_paths() {
	need_cg || return 0
	assert_fails 125 "cgput: /a//b: empty component in cgroup path" cgput /a//b true
	assert_fails 125 "cgput: /a/../../..: goes above the cgroup2 root $R" \
		cgput /a/../../.. true
	assert_fails 125 "cgput: empty cgroup path" cgput "" true
}

# A threaded cgroup takes whole processes too; its domain-invalid sibling
# takes none.
test_threaded() {
	need_cg || return 0
	cg_new A threaded
	assert_ok cgmake "/$A/t" cgroup.type=threaded
	assert_ok cgmake "/$A/d"
	assertEquals "domain invalid" "$(cat "$R/$A/d/cgroup.type")"
	assert_ok cgput "/$A/t" grep '^0::' /proc/self/cgroup
	assert_out "0::/$A/t"
	run sh -c "echo \$\$; exec cgput /$A/d true"
	assert_rc 125
	assert_err "cgput: move $OUT to $R/$A/d: Operation not supported (it is 'domain invalid', below a threaded domain: make it threaded (cgroup.type=threaded))"
	# The threaded domain itself takes the process.
	assert_ok cgput "/$A" true
}

# Moving needs write access to the common ancestor's cgroup.procs.
test_delegation() {
	need_cg || return 0
	need_user || return 0
	cg_new A delegation
	assert_ok cgmake --owner "$TEST_USER" "/$A/box"
	assert_ok cgmake "/$A/other"
	# From a cgroup of root's: the common ancestor $A is not the user's.
	run cgput "/$A/other" "${AS_USER[@]}" sh -c "echo \$\$; exec cgput /$A/box true"
	assert_rc 125
	assert_err "cgput: move $OUT to $R/$A/box: Permission denied (moving from /$A/other needs write access to cgroup.procs here and in $R/$A, the common ancestor: run as root, or let root move it into your delegated subtree first)"
	# Moved in by root first, the user moves freely below.
	run cgput "/$A/box" "${AS_USER[@]}" sh -c 'cgmake leaf && cgput leaf grep ^0:: /proc/self/cgroup'
	assert_rc 0
	assert_out "0::/$A/box/leaf"
}

test_no_cgroup2_mount() {
	need_cg || return 0
	need_cmd unshare || return 0
	assert_fails 125 "cgput: no cgroup2 file system is mounted (a cgroup v1 only system: mount one, e.g. mount -t cgroup2 none /sys/fs/cgroup/unified, or boot with systemd.unified_cgroup_hierarchy=1)" \
		unshare -m sh -c "umount -l '$R' && exec cgput /x true"
}

test_root_option() {
	need_cg || return 0
	cg_new A root
	assert_ok cgmake "/$A/b"
	assert_ok cgput --root "$R/$A" /b grep '^0::' /proc/self/cgroup
	assert_out "0::/$A/b"
	assert_fails 125 "cgput: $T: not a cgroup2 file system (see --root)" \
		cgput --root "$T" /b true
}

test_exec_errors() {
	need_cg || return 0
	cg_new A exec
	assert_ok cgmake "/$A"
	assert_fails 127 "cgput: exec /nonexistent: No such file or directory" \
		cgput "/$A" /nonexistent
	assert_fails 126 "cgput: exec /etc/passwd: Permission denied" \
		cgput "/$A" /etc/passwd
}

test_prog_sees_only_012() {
	need_cg || return 0
	cg_new A fds
	assert_ok cgmake "/$A"
	assert_ok closed_fds cgput "/$A" ls /proc/self/fd
	# 3 is ls's own directory.
	assert_out "$(printf '0\n1\n2\n3')"
}

test_usage() {
	assert_fails 125 "cgput: missing CGROUP (see cgput --help)" cgput
	assert_fails 125 "cgput: missing CGROUP (see cgput --help)" cgput -p 1
	assert_fails 125 "cgput: -p 'abc': not a PID" cgput -p abc /x
	assert_fails 125 "cgput: -p '0': not a PID" cgput -p 0 /x
	assert_fails 125 "cgput: unknown option '-x' (see cgput --help)" cgput -x /x
	assert_fails 125 "cgput: option '-p' needs an argument (see cgput --help)" cgput -p
	assert_ok cgput --help
	assert_contains "$OUT" "Usage: cgput [OPTION]... CGROUP [PROG [ARG]...]"
	assert_ok cgput --version
	assert_contains "$OUT" "cgput (conch) "
}

test_verbose() {
	need_cg || return 0
	cg_new A verbose
	assert_ok cgmake "/$A"
	run env CONCH_VERBOSE=1 cgput "/$A" true
	assert_rc 0
	assert_contains "$ERR" "cgput: move "
	assert_contains "$ERR" " to $R/$A"
	assert_contains "$ERR" "cgput: exec true"
}

# --- where cgroup2 has controllers (the VM) ---------------------------------

test_no_internal_processes() {
	need_cg || return 0
	need_controller memory || return 0
	cg_new A internal
	assert_ok cgmake "/$A/b" memory.max=64M
	run sh -c "echo \$\$; exec cgput /$A true"
	assert_rc 125
	assert_err "cgput: move $OUT to $R/$A: Device or resource busy (it enables controllers for its children (memory), and then it may hold no processes: use a child cgroup)"
	assert_ok cgput "/$A/b" true
}

# Put in a cgroup before its cgroup namespace is made, PROG sees its
# cgroup as the root.
test_cgroup_namespace() {
	need_cg || return 0
	need_cmd nsnew || return 0
	cg_new A cgroupns
	assert_ok cgmake "/$A/box"
	assert_ok cgput "/$A/box" nsnew -C grep '^0::' /proc/self/cgroup
	assert_out "0::/"
}

. shunit2

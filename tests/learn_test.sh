#!/bin/bash
# scfilter --learn and --trace against the real kernel: real programs
# (a busybox script, python3 with threads and a socket, a 32-bit probe)
# are learned, then enforced with --default kill, and what they did not
# do is killed; rootless, in a chain, under runc with the JSON; runs
# merge; --trace names each call and process; the supervisor leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"

oneTimeSetUp() {
	PROBES=$(mktemp -d "${TMPDIR:-/tmp}/conch-learnprobe.XXXXXX")
	local src=$TOP/tests/helpers/sysprobe.c
	if command -v sysprobe32 >/dev/null 2>&1; then
		cp "$(command -v sysprobe32)" "$PROBES/"
	elif command -v cc >/dev/null 2>&1; then
		cc -O2 -static -m32 -o "$PROBES/sysprobe32" "$src" 2>/dev/null
	fi
	NO32=$(runs_32bit "$PROBES/sysprobe32") || rm -f "$PROBES/sysprobe32"
	chmod 755 "$PROBES"
	PATH=$PROBES:$PATH
}

one_time_tear_down() {
	rm -rf "$PROBES"
}

# The script of the issue: ls, cat, a pipe, a subshell.
SCRIPT='ls / | cat >/dev/null; (cat /etc/hostname) >/dev/null; echo done'

need_busybox() {
	need_cmd busybox || return 1
	BB=$(command -v busybox)
}

# learned FILE ARCH: the calls allowed on ARCH in the text profile FILE,
# one a line, sorted ("socket arg0 == 1" for a condition).
learned() {
	awk -v a="$2" '$1 == "on" { on = $2; next }
		on == a && $1 == "allow" && $3 != "arg0" {
			for (i = 2; i <= NF; i++) print $i; next }
		on == a && $1 == "allow" { $1 = ""; print substr($0, 2) }' "$1" | sort
}

# --- learn, then enforce ----------------------------------------------------

test_busybox_script_learned_then_enforced_with_kill() {
	need_busybox || return 0
	assert_ok scfilter --learn "$T/p" "$BB" sh -c "$SCRIPT"
	assert_out done
	assert_ok scfilter -f "$T/p" --default kill "$BB" sh -c "$SCRIPT"
	assert_out done
	# The same with a mkdir, which it never made: killed by SIGSYS.
	run scfilter -f "$T/p" --default kill "$BB" sh -c "$SCRIPT; mkdir $T/d"
	assert_rc $((128 + 31))
	assertFalse "mkdir ran" "[ -e '$T/d' ]"
	# Text: one part per architecture, a default that denies.
	assert_contains "$(cat "$T/p")" "default errno
on x86_64
allow "
	assertEquals "every learned profile holds PROG's execve" execve \
		"$(learned "$T/p" x86_64 | grep -x execve)"
	assertEquals "" "$(learned "$T/p" x86_64 | grep -x mkdir)"
}

test_enforced_with_errno_and_log() {
	need_busybox || return 0
	assert_ok scfilter --learn "$T/p" "$BB" sh -c "$SCRIPT"
	run scfilter -f "$T/p" "$BB" sh -c "$SCRIPT; mkdir $T/d"
	assert_rc 1
	assert_contains "$ERR" "Operation not permitted"
	# --default log: a trial period, nothing refused.
	assert_ok scfilter -f "$T/p" --default log "$BB" sh -c "$SCRIPT; mkdir $T/d"
	assertTrue "[ -d '$T/d' ]"
}

# Threads (clone3), a socket of one family, and a fork (a plain clone,
# with its flags): python's own calls, whichever python3 PATH gives.
PY='import os, socket, threading
def work():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.close()
t = threading.Thread(target=work); t.start(); t.join()
pid = os.fork()
if pid == 0: os._exit(0)
os.waitpid(pid, 0)
print("ok")'

test_python_threads_and_a_socket() {
	need_cmd python3 || return 0
	assert_ok scfilter --learn "$T/p" --learn-args python3 -c "$PY"
	assert_out ok
	local calls
	calls=$(learned "$T/p" x86_64)
	assert_contains "$calls" "clone3" "the threads"
	assert_contains "$calls" "socket arg0 == 10" "AF_INET6"
	assert_contains "$calls" "clone arg0 == " "clone, with its flags"
	assert_ok scfilter -f "$T/p" --default kill python3 -c "$PY"
	assert_out ok
	# Another family than the one learned: refused by the default.
	run scfilter -f "$T/p" python3 -c "${PY/AF_INET6/AF_INET}"
	assert_contains "$ERR" "PermissionError: [Errno 1] Operation not permitted"
}

# A 32-bit program's calls are learned as x86, apart from x86_64.
test_32bit_calls_learned_apart() {
	if [ ! -x "$PROBES/sysprobe32" ]; then
		skip "${NO32:-cannot build a -m32 static program (gcc-multilib)}"
		return 0
	fi
	assert_ok scfilter --learn "$T/p" sysprobe32 getpgid 0
	assert_out ok
	assert_contains "$(learned "$T/p" x86)" getpgid
	assertEquals "only PROG's execve is 64-bit" execve \
		"$(learned "$T/p" x86_64)"
	assert_ok scfilter -f "$T/p" --default kill sysprobe32 getpgid 0
	assert_out ok
	run scfilter -f "$T/p" --default kill sysprobe32 getpid
	assert_rc $((128 + 31))
}

# --- rootless, in a chain, under runc -------------------------------------

test_rootless_under_nsnew() {
	need_user || return 0
	need_busybox || return 0
	chmod 777 "$T"
	run as_user nsnew -U --map-root scfilter --learn "$T/p" "$BB" sh -c "$SCRIPT"
	assert_out done
	assertEquals "owned by the user" "$TEST_UID" "$(stat -c %u "$T/p")"
	run as_user nsnew -U --map-root scfilter -f "$T/p" --default kill \
		"$BB" sh -c "$SCRIPT; mkdir $T/d"
	assert_rc $((128 + 31))
}

# The chain of the README, rootless: namespaces, no capabilities left,
# then learning as the last step.
test_in_the_chain_after_capset() {
	need_user || return 0
	need_busybox || return 0
	chmod 777 "$T"
	run as_user nsnew -U --map-root -mpiu --hostname box \
		capset --keep none \
		scfilter --learn "$T/p" "$BB" sh -c "hostname; $SCRIPT"
	assert_out "box
done"
	run as_user nsnew -U --map-root -mpiu --hostname box \
		capset --keep none \
		scfilter -f "$T/p" --default kill "$BB" sh -c "hostname; $SCRIPT"
	assert_out "box
done"
}

# runc_bundle ARGS_JSON SECCOMP_JSON: the bundle's config.json.
runc_bundle() {
	jq --argjson args "$1" --argjson sc "$2" --arg cg "/$RUNC_CG-$RUNC_N" \
		'.process.terminal = false | .process.args = $args
		| .linux.seccomp = $sc | .linux.namespaces = [{type: "mount"}]
		| del(.hostname) | .mounts |= map(select(.type != "cgroup"))
		| .linux.cgroupsPath = $cg' "$T/bundle/spec.json" \
		>"$T/bundle/config.json"
}

# runc_run [PREFIX...]: runc runs the bundle, in a mount namespace whose
# /sys/fs/cgroup is this test's cgroup.
runc_run() {
	RUNC_N=$((RUNC_N + 1))
	# shellcheck disable=SC2016 # sh's own arguments
	run unshare -m --propagation private sh -c 'mount --bind "$1" /sys/fs/cgroup &&
		shift && exec "$@"' sh "$R/$RUNC_CG" "$@" \
		runc --root "$T/runc" run --bundle "$T/bundle" "conch-$$-$RUNC_N"
	runc --root "$T/runc" delete -f "conch-$$-$RUNC_N" >/dev/null 2>&1
}

# runc loads the profile, then still runs (fstatfs of /proc/self/fd, its
# Go runtime) before it execs the process: --learn-inner learns those
# too, and only those, with runc under --learn and a permissive profile.
test_runc_runs_the_learned_json() {
	need_root || return 0
	need_busybox || return 0
	need_cmd runc jq unshare || return 0
	R=$(cgroup2_root)
	[ -n "$R" ] || { skip "no cgroup2 file system mounted (for runc)"; return 0; }
	mkdir -p "$T/bundle/rootfs/bin"
	cp "$BB" "$T/bundle/rootfs/bin/busybox"
	(cd "$T/bundle" && runc spec && mv config.json spec.json) || fail "runc spec"
	cg_new RUNC_CG runc
	mkdir "$R/$RUNC_CG"
	RUNC_N=0
	local args i
	args=$(jq -cn --arg s "$SCRIPT" '["/bin/busybox", "sh", "-c", $s]')
	runc_bundle "$args" '{"defaultAction": "SCMP_ACT_ALLOW"}'
	# Go schedules its own calls: a few runs, merged.
	for i in 1 2 3; do
		runc_run scfilter --learn "$T/p.json" --learn-inner
		assert_out done
	done
	assertEquals SCMP_ACT_ERRNO "$(jq -r .defaultAction "$T/p.json")"
	assertEquals "runc's own set-up is not learned" "" \
		"$(jq -r '.syscalls[].names[]' "$T/p.json" | grep -x -e mount -e pivot_root -e unshare)"
	runc_bundle "$args" "$(cat "$T/p.json")"
	runc_run
	assertEquals "runc with the learned profile (stderr: $ERR)" done "$OUT"
	runc_bundle "$(jq -cn --arg s "$SCRIPT; mkdir /tmp/d && echo made" \
		'["/bin/busybox", "sh", "-c", $s]')" "$(cat "$T/p.json")"
	runc_run
	assert_not_contains "$OUT" made
}

# --- merging --------------------------------------------------------------

test_runs_merge_into_the_union() {
	need_busybox || return 0
	local f
	for f in "$T/p" "$T/p.json"; do
		assert_ok scfilter --learn "$f" "$BB" cat /etc/hostname
		assert_ok scfilter --learn "$f" "$BB" mkdir "$T/d"
		rmdir "$T/d"
		assert_ok scfilter -f "$f" --default kill "$BB" cat /etc/hostname
		assert_ok scfilter -f "$f" --default kill "$BB" mkdir "$T/d"
		rmdir "$T/d"
		run scfilter -f "$f" --default kill "$BB" rmdir "$T"
		assert_rc $((128 + 31))
	done
	assertEquals 1 "$(grep -c '^ *"mkdir",\?$' "$T/p.json")"
	assertEquals 1 "$(learned "$T/p" x86_64 | grep -cx mkdir)"
}

test_merge_refuses_a_profile_it_did_not_write() {
	need_busybox || return 0
	echo 'errno mkdir' >"$T/p"
	assert_fails 125 "scfilter: --learn $T/p: the rule on mkdir is not one --learn writes (allow, alone or with arg0 == VALUE): merge only into a learned profile" \
		scfilter --learn "$T/p" "$BB" true
	assertEquals "errno mkdir" "$(cat "$T/p")"
}

# --- --trace ----------------------------------------------------------------

test_trace_names_each_call() {
	need_busybox || return 0
	run scfilter --trace "$BB" true
	assert_rc 0
	local pid
	pid=$(sed -n '1s/^scfilter: \[\([0-9]*\)\] execve$/\1/p' <<<"$ERR")
	assertNotEquals "first line: PROG's execve ($ERR)" "" "$pid"
	assert_contains "$ERR" "scfilter: [$pid] getuid"
	assertEquals "scfilter: [$pid] exit_group" "$(tail -n 1 <<<"$ERR")"
}

test_trace_follows_children() {
	need_busybox || return 0
	run scfilter --trace "$BB" sh -c "$BB true & echo \$\$ \$!; wait"
	assert_rc 0
	local parent child
	read -r parent child <<<"$OUT"
	assert_contains "$ERR" "scfilter: [$parent] wait4"
	assert_contains "$ERR" "scfilter: [$child] execve"
	assert_contains "$ERR" "scfilter: [$child] exit_group"
}

test_trace_32bit_names_the_arch() {
	if [ ! -x "$PROBES/sysprobe32" ]; then
		skip "${NO32:-cannot build a -m32 static program (gcc-multilib)}"
		return 0
	fi
	run scfilter --trace sysprobe32 getpgid 0
	assert_contains "$ERR" "] getpgid (x86)"
	assert_contains "$ERR" "] execve
"
}

# --- nothing left behind ----------------------------------------------------

test_supervisor_exits_with_the_last_process() {
	need_busybox || return 0
	run scfilter -v --learn "$T/p" "$BB" sh -c "$BB sleep 1 & exit 0"
	assert_rc 0
	local sup
	sup=$(sed -n 's/^scfilter: supervisor PID \([0-9]*\);.*/\1/p' <<<"$ERR")
	assertNotEquals "$ERR" "" "$sup"
	# The orphaned sleep still runs: so does the supervisor, for it.
	assertTrue "supervisor gone before the child" "[ -d /proc/$sup ]"
	# Gone after it (a zombie where init does not reap).
	wait_for "! [ -d /proc/$sup ] || [ \"\$(status_field State $sup)\" = Z ]" ||
		fail "supervisor $sup still running"
	assert_contains "$(learned "$T/p" x86_64)" clock_nanosleep
}

test_supervisor_is_no_child_of_prog() {
	need_busybox || return 0
	run scfilter -v --learn "$T/p" "$BB" sh -c 'cat /proc/$$/task/*/children; echo'
	local sup
	sup=$(sed -n 's/^scfilter: supervisor PID \([0-9]*\);.*/\1/p' <<<"$ERR")
	assertNotEquals "" "$sup"
	assert_not_contains " $OUT " " $sup "
}

test_no_descriptor_leaks_into_prog() {
	need_busybox || return 0
	local plain
	plain=$(closed_fds "$BB" ls /proc/self/fd)
	run closed_fds scfilter --learn "$T/p" "$BB" ls /proc/self/fd
	assert_out "$plain"
	run closed_fds scfilter --trace "$BB" ls /proc/self/fd
	assert_out "$plain"
}

test_kill_9_still_writes_the_file() {
	need_busybox || return 0
	spawn prog scfilter --learn "$T/p" "$BB" sh -c "echo \$\$ >'$T/pid'; exec $BB sleep 100"
	wait_for "[ -s '$T/pid' ]"
	# Killed once sleep sleeps (in nanosleep, 35, or clock_nanosleep, 230,
	# as its libc has it), not while the shell is still becoming sleep.
	wait_for "grep -Eq '^(35|230) ' /proc/$(cat "$T/pid")/syscall" ||
		fail "sleep never slept"
	kill -9 "$(cat "$T/pid")"
	assertEquals 137 "$(status_of prog)"
	wait_for "[ -s '$T/p' ]" || fail "no $T/p"
	assert_contains "$(learned "$T/p" x86_64)" nanosleep
}

# Under the filter, the first call is PROG's execve: nothing of scfilter's
# own after the filter but the handing over of the listener.
test_first_call_is_progs_execve() {
	need_busybox || return 0
	run scfilter --trace "$BB" true
	assertEquals "scfilter: [" "$(head -n 1 <<<"$ERR" | cut -c1-11)"
	assertEquals execve "$(head -n 1 <<<"$ERR" | awk '{ print $3 }')"
}

# --- usage --------------------------------------------------------------------

test_usage_errors() {
	assert_fails 125 "scfilter: --learn lets every call of PROG through: -f, --allow, --default and the other rules enforce, in a run of their own" \
		scfilter --learn "$T/p" -f default true
	assert_fails 125 "scfilter: --trace lets every call of PROG through: -f, --allow, --default and the other rules enforce, in a run of their own" \
		scfilter --trace --deny mkdir true
	assert_fails 125 "scfilter: --learn-args: only with --learn FILE" \
		scfilter --learn-args --trace true
	assert_fails 125 "scfilter: --learn-inner: only with --learn FILE" \
		scfilter --learn-inner true
	assert_fails 125 "scfilter: --learn runs PROG: no filter to --dump or --bpf" \
		scfilter --learn "$T/p" --dump
	assert_fails 125 "scfilter: --learn: create a file next to $T/no/p: No such file or directory" \
		scfilter --learn "$T/no/p" true
	assert_fails 127 "scfilter: exec no-such-prog-here: No such file or directory (not found in PATH)" \
		scfilter --learn "$T/p" no-such-prog-here
	assertFalse "nothing written" "[ -e '$T/p' ]"
}

test_unprivileged_cannot_write_elsewhere() {
	need_user || return 0
	run as_user scfilter --learn /etc/conch-learned true
	assert_rc 125
	assert_err "scfilter: --learn: create a file next to /etc/conch-learned: Permission denied"
}

test_exit_status_is_progs() {
	assert_fails 3 "" scfilter --learn "$T/p" sh -c 'exit 3'
	run scfilter --trace sh -c 'kill -TERM $$'
	assert_rc $((128 + 15))
}

. shunit2

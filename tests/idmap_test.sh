#!/bin/bash
# idmap against the real kernel: maps written into a process's new user
# namespace are what that process sees in /proc/self/uid_map, as root and
# rootless through newuidmap/newgidmap; bad maps are refused whole, before
# anything is written.
. "$(dirname "$0")/lib.sh"

# userns [as_user]: a process in a new user namespace without maps (nsnew
# -U), which prints its PID, then, once its gid_map is written, its maps
# and setgroups as it sees them, and "done", into $T/maps, and sleeps.
# Sets UPID.
userns() {
	local as=''
	[ "$1" = as_user ] && as=as_user
	rm -f "$T/maps"
	# shellcheck disable=SC2016
	$as nsnew -U sh -c 'echo $$
		while ! grep -q . /proc/self/gid_map; do sleep 0.01; done
		awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map /proc/self/gid_map
		cat /proc/self/setgroups; echo done; exec sleep 1000' >"$T/maps" 2>&1 &
	defer "kill $! 2>/dev/null; wait $! 2>/dev/null; :"
	wait_until 50 test -s "$T/maps" || fail "no process from nsnew -U"
	read -r UPID <"$T/maps"
	defer "kill $UPID 2>/dev/null; :"
	wait_until 50 in_new_userns "$UPID" || fail "$UPID is in no new user namespace"
}

in_new_userns() {
	[ "$(ns_inode user "$1" 2>/dev/null)" != "$(ns_inode user)" ]
}

# What the process printed after its maps were written.
maps_inside() {
	wait_until 50 grep -qx "done" "$T/maps" || fail "the process saw no gid_map"
	sed '1d; $d' "$T/maps"
}

test_show() {
	assert_ok idmap $$
	assert_out "uid 0:0:4294967295
gid 0:0:4294967295
setgroups allow"
}

test_root_writes_maps() {
	need_root || return 0
	userns
	assert_ok idmap $UPID
	assert_out "uid none
gid none
setgroups allow"
	assert_ok idmap -u 0:100000:1000 --gid 0:200000:10 -g 5000:300000:1 $UPID
	assert_out ""
	assertEquals "maps inside" "0 100000 1000
0 200000 10
5000 300000 1
allow" "$(maps_inside)"
	assert_ok idmap $UPID
	assert_out "uid 0:100000:1000
gid 0:200000:10
gid 5000:300000:1
setgroups allow"
}

test_root_setgroups_deny() {
	need_root || return 0
	userns
	assert_ok idmap --setgroups deny -u 0:0:1 -g 0:0:1 $UPID
	assertEquals "maps inside" "0 0 1
0 0 1
deny" "$(maps_inside)"
}

test_auto_rootless() {
	need_user || return 0
	need_cmd newuidmap newgidmap || return 0
	local u g
	u=$(subid /etc/subuid)
	g=$(subid /etc/subgid)
	userns as_user
	assert_ok as_user idmap --auto $UPID
	assertEquals "maps inside" "0 $TEST_UID 1
1 ${u% *} ${u#* }
0 $TEST_GID 1
1 ${g% *} ${g#* }
allow" "$(maps_inside)"
}

test_auto_as_root() {
	need_root || return 0
	root_subids 4000000:65536 || return 0
	userns
	# Root's own 0 is never mapped: its range starts at 0.
	assert_ok idmap --auto $UPID
	assertEquals "maps inside" "0 4000000 65536
0 4000000 65536
allow" "$(maps_inside)"
}

test_auto_as_root_without_subids() {
	need_root || return 0
	if grep -qs '^root:' /etc/subuid; then
		skip "root has subordinate IDs here"
		return
	fi
	assert_fails 125 'idmap: --auto: root has no range in /etc/subuid (add one, e.g. "root:1000000:65536", or run: usermod --add-subuids 1000000-1065535 root)' \
		idmap --auto $$
}

test_ranges_rootless() {
	need_user || return 0
	need_cmd newuidmap newgidmap || return 0
	local u
	u=$(subid /etc/subuid)
	userns as_user
	assert_ok as_user idmap -u 0:$TEST_UID:1 -u "1:${u% *}:10" \
		-g 0:$TEST_GID:1 -s deny $UPID
	assertEquals "maps inside" "0 $TEST_UID 1
1 ${u% *} 10
0 $TEST_GID 1
deny" "$(maps_inside)"
}

test_own_ids_rootless_deny_setgroups() {
	need_user || return 0
	userns as_user
	# Only its own gid: the kernel wants setgroups denied first.
	assert_fails 125 "idmap: --setgroups allow: without privilege, a gid map of one's own gid needs setgroups deny" \
		as_user idmap -u 0:$TEST_UID:1 -g 0:$TEST_GID:1 -s allow $UPID
	assert_ok as_user idmap -u 0:$TEST_UID:1 -g 0:$TEST_GID:1 $UPID
	assertEquals "maps inside" "0 $TEST_UID 1
0 $TEST_GID 1
deny" "$(maps_inside)"
}

test_range_outside_subids_rootless() {
	need_user || return 0
	userns as_user
	assert_fails 125 "idmap: gid range 1:5000:10 is not allowed for user $TEST_USER by /etc/subgid ($TEST_USER has $(subid /etc/subgid | tr ' ' :))" \
		as_user idmap -u 0:$TEST_UID:1 -g 0:$TEST_GID:1 -g 1:5000:10 $UPID
	# Nothing was written, not even the uid map that was fine.
	assert_ok idmap $UPID
	assert_out "uid none
gid none
setgroups allow"
}

test_map_written_once() {
	need_root || return 0
	userns
	assert_ok idmap -u 0:100000:1 $UPID
	assert_fails 125 "idmap: write /proc/$UPID/uid_map: Operation not permitted (a map is written once; without privilege, only for the caller's own ID, and a gid_map only after setgroups deny)" \
		idmap -u 0:200000:1 $UPID
}

test_then_prog() {
	need_root || return 0
	userns
	assert_ok idmap -u 0:100000:1 $UPID cat /proc/$UPID/uid_map
	assert_out "$(cat /proc/$UPID/uid_map)"
	assert_contains "$OUT" "100000"
	run idmap $$ sh -c 'exit 9'
	assert_rc 9
	assert_out "uid 0:0:4294967295
gid 0:0:4294967295
setgroups allow"
}

test_exec_failures() {
	assert_fails 127 "idmap: exec no-such-prog: No such file or directory (not found in PATH)" \
		idmap $$ no-such-prog
	touch "$T/noexec"
	assert_fails 126 "idmap: exec $T/noexec: Permission denied" idmap $$ "$T/noexec"
}

test_fd_hygiene() {
	need_user || return 0
	need_cmd newuidmap newgidmap || return 0
	userns
	assert_ok closed_fds idmap -u 0:100000:1 -g 0:100000:1 $UPID ls /proc/self/fd
	assert_out "0
1
2
3"
	# Through newuidmap and newgidmap (closed_fds execs: as_user, a
	# function, needs a bash).
	userns as_user
	export -f as_user
	export TEST_UID TEST_GID TEST_USER
	assert_ok closed_fds bash -c 'as_user idmap --auto "$1" ls /proc/self/fd' - $UPID
	assert_out "0
1
2
3"
}

test_verbose() {
	need_user || return 0
	need_cmd newuidmap newgidmap || return 0
	userns as_user
	CONCH_VERBOSE=1 assert_ok as_user idmap -a $UPID true
	assert_contains "$ERR" "idmap: run newuidmap $UPID"
	assert_contains "$ERR" "idmap: run newgidmap $UPID"
	assert_contains "$ERR" "idmap: exec true"
	userns
	assert_ok idmap -v -s deny -u 0:100000:1 $UPID
	assert_contains "$ERR" "idmap: write /proc/$UPID/setgroups: deny
idmap: write /proc/$UPID/uid_map"
}

test_no_such_process() {
	local dead
	dead=$(sh -c 'echo $$')
	assert_fails 125 "idmap: process $dead: No such process" idmap "$dead"
	assert_fails 125 "idmap: process $dead: No such process" idmap -u 0:0:1 "$dead"
}

test_bad_maps() {
	assert_fails 125 "idmap: -u '0:1000': expected INSIDE:OUTSIDE:COUNT" idmap -u 0:1000 1
	assert_fails 125 "idmap: -g '0:1000:1:2': expected INSIDE:OUTSIDE:COUNT" idmap -g 0:1000:1:2 1
	assert_fails 125 "idmap: -u 'a:b:c': 'a' is not an ID or count" idmap -u a:b:c 1
	assert_fails 125 "idmap: -u '0:1000:0': count must be at least 1" idmap -u 0:1000:0 1
	assert_fails 125 "idmap: -u '5:2000:1': overlaps range 0:1000:10" \
		idmap -u 0:1000:10 -u 5:2000:1 1
	assert_fails 125 "idmap: -g '20:1005:1': overlaps range 0:1000:10" \
		idmap -g 0:1000:10 -g 20:1005:1 1
	assert_fails 125 "idmap: -u '4294967290:0:10': range goes past the last ID 4294967294" \
		idmap -u 4294967290:0:10 1
	local args=() i
	for i in $(seq 0 340); do args+=(-u "$i:$i:1"); done
	assert_fails 125 "idmap: -u '340:340:1': more than 340 ranges (the kernel's limit)" \
		idmap "${args[@]}" 1
}

test_340_ranges() {
	need_root || return 0
	local args=() i
	for i in $(seq 0 339); do args+=(-u "$i:$((i * 2)):1"); done
	userns
	assert_ok idmap "${args[@]}" $UPID
	assertEquals "ranges in uid_map" 340 "$(wc -l <"/proc/$UPID/uid_map")"
	assertEquals "ranges shown" 340 "$(idmap $UPID | grep -c '^uid ')"
	assertEquals "the last one" "uid 339:678:1" "$(idmap $UPID | grep '^uid ' | tail -1)"
}

test_bad_usage() {
	assert_fails 125 "idmap: unknown option '--bogus' (see idmap --help)" idmap --bogus 1
	assert_fails 125 "idmap: option '-u' needs an argument (see idmap --help)" idmap -u
	assert_fails 125 "idmap: no PID (see idmap --help)" idmap -u 0:0:1
	assert_fails 125 "idmap: 'self': not a PID" idmap self
	assert_fails 125 "idmap: '0': not a PID" idmap 0
	assert_fails 125 "idmap: --setgroups 'maybe': expected allow or deny" idmap --setgroups maybe 1
	assert_fails 125 "idmap: --auto makes the whole map: no -u or -g with it" idmap --auto -u 0:0:1 1
}

test_help_and_version() {
	assert_ok idmap --help
	assert_contains "$OUT" "Usage: idmap [-u MAP]... [-g MAP]... [--auto] [--setgroups allow|deny] PID [PROG [ARG]...]"
	assert_ok idmap -V
	assert_contains "$OUT" "idmap (conch) "
}

. shunit2

#!/bin/bash
# nsnew against the real kernel: every namespace type is new (inodes), the
# maps are what was asked (uid_map), signals and statuses go through the
# pid namespace fork, pins outlive PROG, and bad input is refused whole.
. "$(dirname "$0")/lib.sh"

# inode_differs TYPE OPTION...: /proc/self/ns/TYPE is new under nsnew.
inode_differs() {
	local type=$1 outside
	shift
	outside=$(ns_inode "$type")
	run nsnew "$@" stat -L -c %i "/proc/self/ns/$type"
	assert_rc 0
	assertNotEquals "$type namespace is new" "$outside" "$OUT"
	[ -n "$OUT" ] || fail "no inode printed for $type"
}

test_every_type_is_new() {
	need_root || return 0
	inode_differs user -U
	inode_differs mnt -m
	inode_differs uts -u
	inode_differs net -n
	inode_differs ipc -i
	inode_differs cgroup -C
	inode_differs time -T
	inode_differs pid -p
}

test_all_types_rootless() {
	need_user || return 0
	local t inside
	for t in user mnt uts net ipc cgroup time pid; do
		inside=$(as_user nsnew -r -a stat -L -c %i "/proc/self/ns/$t")
		assertNotEquals "$t is new" "$(ns_inode "$t")" "$inside"
	done
}

test_hostname() {
	need_root || return 0
	assert_ok nsnew --hostname box hostname
	assert_out box
	assertNotEquals "host keeps its name" box "$(hostname)"
}

test_loopback_up() {
	need_root || return 0
	assert_ok nsnew -n cat /sys/class/net/lo/operstate /proc/net/dev
	# A new net namespace has only lo; its flags say UP through ip(8).
	assert_ok nsnew -n ip -o link show lo
	assert_contains "$OUT" "<LOOPBACK,UP,LOWER_UP>"
	assert_ok nsnew -n sh -c 'grep -c : /proc/net/dev'
	assert_out 1
}

test_pid1() {
	need_root || return 0
	assert_ok nsnew -p --mount-proc sh -c 'echo $$ /proc/[0-9]*'
	assert_out "1 /proc/1"
}

test_map_root_rootless() {
	need_user || return 0
	assert_ok as_user nsnew -U --map-root -m -p --mount-proc sh -c '
		id -u; id -g
		awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map /proc/self/gid_map
		cat /proc/self/setgroups
		grep ^CapEff /proc/self/status
		mount -t tmpfs none /mnt && grep -c " /mnt " /proc/self/mountinfo
		echo pid $$'
	local last full
	last=$(cat /proc/sys/kernel/cap_last_cap)
	full=$(printf '%016x' $(((1 << (last + 1)) - 1)))
	assert_out "0
0
0 $TEST_UID 1
0 $TEST_GID 1
deny
CapEff:	$full
1
pid 1"
}

test_map_auto_rootless() {
	need_user || return 0
	local sub
	sub=$(subid /etc/subuid)
	assert_ok as_user nsnew --map-auto awk '{ print $1, $2, $3 }' \
		/proc/self/uid_map /proc/self/gid_map
	assert_out "0 $TEST_UID 1
1 ${sub% *} ${sub#* }
0 $TEST_GID 1
1 $(subid /etc/subgid | cut -d' ' -f1) $(subid /etc/subgid | cut -d' ' -f2)"
}

test_map_auto_without_subids() {
	need_root || return 0
	if grep -q '^root:' /etc/subuid 2>/dev/null; then
		skip "root has subordinate IDs here"
		return
	fi
	assert_fails 125 'nsnew: --map-auto: root has no range in /etc/subuid (add one, e.g. "root:1000000:65536", or run: usermod --add-subuids 1000000-1065535 root)' \
		nsnew --map-auto true
}

# The facts of a process inside, one a line: uid, gid, groups, the
# capability sets, and its maps.
WHO='id -u; id -g; echo "groups: $(awk "\$1 == \"Groups:\" { \$1 = \"\"; print }" /proc/self/status)"
	grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status
	awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map /proc/self/gid_map'

# What WHO prints for root of the namespace with full capabilities, over
# the uid and gid maps $1. A new user namespace has every capability in
# its bounding set, even where the caller's lacks some.
who_root() {
	local full
	full=$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
	printf '0\n0\ngroups: \nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\n%s' \
		"$full" "$full" "$full" "$1"
}

test_unmapped_root_starts_as_zero() {
	need_root || return 0
	# Root's groups (gid 0 among them) do not follow it inside either.
	assert_ok setpriv --groups 0,100 nsnew -U --map b:0:100000:65536 -mp sh -c "$WHO"
	assert_out "$(who_root "0 100000 65536
0 100000 65536")"
	assert_ok nsnew -U --map b:0:100000:65536 --setgroups deny sh -c "$WHO; cat /proc/self/setgroups"
	assert_out "$(who_root "0 100000 65536
0 100000 65536
deny")"
	# The caller's gid mapped, its uid not: only the uid switches.
	chmod 755 "$T"
	mkdir -m 1777 "$T/w"
	assert_ok nsnew --map u:0:100000:65536 --map g:0:0:1 touch "$T/w/f"
	assertEquals "written by 0 inside" "100000:0" "$(stat -c %u:%g "$T/w/f")"
}

test_unmapped_caller_starts_as_zero_rootless() {
	need_user || return 0
	local u g
	u=$(subid /etc/subuid)
	g=$(subid /etc/subgid)
	assert_ok as_user nsnew --map "u:0:${u% *}:${u#* }" --map "g:0:${g% *}:${g#* }" -m sh -c "$WHO"
	assert_out "$(who_root "0 ${u% *} ${u#* }
0 ${g% *} ${g#* }")"
}

test_zero_not_mapped_stays_overflow() {
	need_root || return 0
	assert_ok nsnew -v --map b:10:100000:100 sh -c 'id -u; id -g; grep ^CapEff /proc/self/status'
	assert_out "65534
65534
CapEff:	0000000000000000"
	assert_contains "$ERR" "nsnew: uid 0 is not mapped: PROG runs as the overflow uid and loses its capabilities at exec"
	assert_contains "$ERR" "nsnew: gid 0 is not mapped: PROG runs as the overflow gid"
}

test_map_auto_as_root() {
	need_root || return 0
	root_subids 4000000:65536 4100000:1000 || return 0
	chmod 755 "$T"
	mkdir -m 1777 "$T/w"
	assert_ok nsnew --map-auto -m sh -c "$WHO; touch $T/w/f"
	# Root's own 0 is never mapped: 0 inside is 4000000 outside.
	assert_out "$(who_root "0 4000000 65536
65536 4100000 1000
0 4000000 65536
65536 4100000 1000")"
	assertEquals "written by 0 inside" "4000000:4000000" "$(stat -c %u:%g "$T/w/f")"
}

test_map_root_as_root_says_what_it_gives_away() {
	need_root || return 0
	assert_ok nsnew -v -Ur id -u
	assert_out 0
	assert_contains "$ERR" "nsnew: --map-root as root: the container's root is the host's root (for an unprivileged range: --map-auto, or --map b:0:FIRST:COUNT)"
}

test_map_ranges_as_root() {
	need_root || return 0
	assert_ok nsnew --map u:0:100000:1000 --map g:0:200000:10 \
		--map b:5000:300000:1 sh -c 'awk "{ print \$1, \$2, \$3 }" \
		/proc/self/uid_map /proc/self/gid_map; cat /proc/self/setgroups'
	assert_out "0 100000 1000
5000 300000 1
0 200000 10
5000 300000 1
allow"
}

test_map_outside_subids_refused() {
	need_user || return 0
	assert_fails 125 "nsnew: uid range 1:5000:10 is not allowed for user $TEST_USER by /etc/subuid ($TEST_USER has $(subid /etc/subuid | tr ' ' :))" \
		as_user nsnew -r --map u:1:5000:10 true
}

test_own_ids_by_map_rootless() {
	need_user || return 0
	# The same as --map-root, spelled out: setgroups is denied for it.
	assert_ok as_user nsnew --map "u:0:$TEST_UID:1" --map "g:0:$TEST_GID:1" \
		cat /proc/self/setgroups
	assert_out deny
	assert_fails 125 "nsnew: --setgroups allow: without privilege, a gid map of one's own gid needs setgroups deny" \
		as_user nsnew --map "g:0:$TEST_GID:1" --setgroups allow true
}

test_exit_status() {
	need_root || return 0
	run nsnew -p sh -c 'exit 7'
	assert_rc 7
	run nsnew -p --init sh -c 'exit 9'
	assert_rc 9
	run nsnew -p --init sh -c 'kill -TERM $$; sleep 5'
	assert_rc 143
	run nsnew -u sh -c 'exit 3'
	assert_rc 3
}

test_signal_forwarding() {
	need_root || return 0
	local pid
	# PID 1 gets only the signals it handles: the trap sees the forward.
	nsnew -p sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	assertEquals "forwarded TERM ran PID 1's trap" 42 $?
	# With --init, PROG is PID 2 and dies of it: 128+15.
	nsnew -p --init sleep 100 &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	assertEquals "PROG killed by SIGTERM" 143 $?
	nsnew -p --init sleep 100 &
	pid=$!
	sleep 0.3
	kill -USR1 "$pid"
	wait "$pid"
	assertEquals "PROG killed by SIGUSR1" $((128 + 10)) $?
}

test_terminal_signal_delivered_once() {
	need_root || return 0
	need_cmd script || return 0
	# ^C on a terminal signals nsnew and PID 1 together: no forward.
	local out
	out=$( (sleep 0.5; printf '\003'; sleep 1.5) | script -qfec \
		"nsnew -p sh -c 'trap \"echo INT\" INT; sleep 0.3; sleep 0.3; sleep 0.3; exit 3'" /dev/null |
		tr -d '\r')
	assertEquals "one SIGINT" "^CINT" "$out"
}

# All processes whose pid namespace is inode $1.
procs_in_pidns() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/pid" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
}

test_container_dies_with_nsnew() {
	need_root || return 0
	local pid child ns
	nsnew -p sh -c 'sleep 300 & sleep 300 & wait' &
	pid=$!
	wait_until 30 pgrep -P "$pid" >/dev/null || fail "no child of nsnew"
	child=$(pgrep -P "$pid")
	ns=$(stat -L -c %i "/proc/$child/ns/pid")
	wait_until 30 test "$(procs_in_pidns "$ns" | wc -l)" -eq 3
	assertEquals "sh and two sleeps run" 3 "$(procs_in_pidns "$ns" | wc -l)"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	wait_until 30 test -z "$(procs_in_pidns "$ns")"
	assertEquals "nothing of the container is left" "" "$(procs_in_pidns "$ns")"
}

test_init_reaps_orphans() {
	need_root || return 0
	# PROG becomes a sleep that never reaps; the orphan of the inner sh
	# goes to PID 1. With --init it is reaped; without, it stays a zombie.
	local prog='(sh -c "sleep 0.1 & exit 0"; sleep 0.5
		grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l) & exec sleep 1'
	assert_ok nsnew -p --init --mount-proc sh -c "$prog"
	assert_out 0
	assert_ok nsnew -p --mount-proc sh -c "$prog"
	assert_out 1
}

test_propagation() {
	need_root || return 0
	# In a namespace of our own whose / is shared, see what the inner
	# nsnew makes of it.
	local show='awk '\''$5 == "/" { print ($7 ~ /^shared/) ? "shared" : ($7 ~ /^master/) ? "slave" : "private" }'\'' /proc/self/mountinfo'
	assert_ok nsnew -m sh -c "mount --make-rshared / && $show &&
		nsnew -m $show &&
		nsnew -m --propagation private $show &&
		nsnew -m --propagation unchanged $show &&
		nsnew -m --propagation slave $show &&
		nsnew -m --propagation shared $show"
	assert_out "shared
private
private
shared
slave
shared"
}

test_mount_proc_rootless_needs_pid() {
	need_user || return 0
	assert_fails 125 "nsnew: mount proc on /proc: Operation not permitted (without root, a new /proc needs a new pid namespace too (-p))" \
		as_user nsnew -r --mount-proc true
}

test_time_offsets() {
	need_root || return 0
	local up
	# PROG and its own children (6.1 lost them there) see the offsets.
	assert_ok nsnew --monotonic 1000 --boottime 86400 sh -c \
		'cat /proc/self/timens_offsets; sh -c "cut -d. -f1 /proc/uptime"'
	up=$(cut -d. -f1 /proc/uptime)
	assertEquals "offsets" "monotonic 1000 0
boottime 86400 0" "$(echo "$OUT" | head -2 | awk '{ print $1, $2, $3 }')"
	up=$(( $(echo "$OUT" | tail -1) - up ))
	[ "$up" -ge 86399 ] && [ "$up" -le 86402 ] || fail "uptime moved by $up s, not 86400"
	run nsnew -T sh -c 'exit 5'
	assert_rc 5
}

# nsnew --netns, like ip netns add, makes /run/netns a shared mount of its
# own: undo that too when it was not one before the test.
# (From mountinfo: busybox, in the VM, has no mountpoint(1).)
netns_dir_restore() {
	local mounted='awk '"'"'$5 == "/run/netns" { f = 1 } END { exit !f }'"'"' /proc/self/mountinfo'
	if ! eval "$mounted"; then
		defer "$mounted && umount /run/netns"
	fi
}

test_pin_and_join() {
	need_root || return 0
	netns_dir_restore
	local net
	assert_ok nsnew -Ur -mpuin --pin "$T/pin" --netns "conch-test-$$" \
		stat -L -c %i /proc/self/ns/net
	net=$OUT
	defer "umount '$T'/pin/* /run/netns/conch-test-$$; rm -f /run/netns/conch-test-$$"
	assertEquals "pins" "ipc mnt net pid user uts" "$(ls "$T/pin" | tr '\n' ' ' | sed 's/ $//')"
	assertEquals "pinned net outlives PROG" "$net" "$(stat -L -c %i "$T/pin/net")"
	assertEquals "pinned as /run/netns" "$net" "$(stat -L -c %i "/run/netns/conch-test-$$")"
	assert_ok ip netns exec "conch-test-$$" stat -L -c %i /proc/self/ns/net
	assert_out "$net"
	assert_ok nsenter --user="$T/pin/user" --mount="$T/pin/mnt" --uts="$T/pin/uts" \
		stat -L -c %i /proc/self/ns/mnt /proc/self/ns/uts
	assert_out "$(stat -L -c %i "$T/pin/mnt" "$T/pin/uts")"
}

test_pin_undone_when_exec_fails() {
	need_root || return 0
	netns_dir_restore
	assert_fails 127 "nsnew: exec no-such-prog: No such file or directory (not found in PATH)" \
		nsnew -n -u --pin "$T/pin" --netns "conch-test-$$" no-such-prog
	assertFalse "pin dir removed" "[ -e '$T/pin' ]"
	assertFalse "netns pin removed" "[ -e /run/netns/conch-test-$$ ]"
	assert_not_contains "$(cat /proc/self/mountinfo)" "$T/pin"
}

# A signal as nsnew tells its helper to pin (strace delivers it as the
# second write(2) starts: "u", then "p"): the pins are made, and undone,
# as when the exec fails; nsnew dies of the signal.
test_pin_undone_when_interrupted() {
	need_root || return 0
	need_cmd strace || return 0
	local sig n
	for sig in INT TERM HUP; do
		n=$(kill -l $sig)
		run strace -qq -o /dev/null -e trace=write \
			-e inject=write:signal=SIG$sig:when=2 \
			nsnew -u --pin "$T/pin" true
		assert_rc $((128 + n))
		assert_err "nsnew: interrupted by SIG$sig"
		# The helper, not ours to wait for, unpins on its own.
		wait_for "[ ! -e '$T/pin' ]"
		assertFalse "$sig: pin dir removed" "[ -e '$T/pin' ]"
		assert_not_contains "$(cat /proc/self/mountinfo)" "$T/pin"
	done
}

test_pin_rootless_refused() {
	need_user || return 0
	mkdir "$T/u"
	chown "$TEST_UID" "$T/u"
	chmod 755 "$T"
	run as_user nsnew -r -n --pin "$T/u/pin" true
	assert_rc 125
	assert_contains "$ERR" "(pinning needs CAP_SYS_ADMIN in the caller's mount namespace)"
}

test_fd_hygiene() {
	need_root || return 0
	exec 7>"$T/leak"
	assert_ok closed_fds nsnew -Ur -mpuinCT --pin "$T/pin" --hostname x ls /proc/self/fd
	defer "umount '$T'/pin/*"
	exec 7>&-
	assert_out "0
1
2
3"
	# What the caller passes on is PROG's to have.
	assert_ok nsnew -u sh -c 'ls /proc/self/fd' 5</dev/null
	assert_contains "$OUT" 5
}

# The mount helper idmaps any tree it is sent, the host's /etc too: its
# socket must reach nothing but the pivot beside nsnew.
test_mount_helper_only_for_our_pivot() {
	need_root || return 0
	local show='ls /proc/self/fd; echo "[${CONCH_IDMAP_FD-unset}]"'
	# Another PROG gets neither the socket nor the variable, not even one
	# the caller set (3 is ls's own).
	assert_ok closed_fds env CONCH_IDMAP_FD=0 nsnew -U --map b:0:100000:65536 -m sh -c "$show"
	assert_out "0
1
2
3
[unset]"
	# Nor does a program that is only named pivot.
	chmod 755 "$T"
	mkdir "$T/fake"
	ln -s "$(command -v bash)" "$T/fake/pivot"	# busybox would want an applet
	assert_ok closed_fds env PATH="$T/fake:$PATH" nsnew -v -U --map b:0:100000:65536 -m pivot -c "$show"
	assert_out "0
1
2
3
[unset]"
	assert_contains "$ERR" "nsnew: no mount helper for $T/fake/pivot: not the pivot beside nsnew ("
	assert_not_contains "$ERR" "mount helper for pivot --idmap"
}

test_exec_failures() {
	assert_fails 127 "nsnew: exec no-such-prog: No such file or directory (not found in PATH)" \
		nsnew no-such-prog
	touch "$T/noexec"
	assert_fails 126 "nsnew: exec $T/noexec: Permission denied" nsnew "$T/noexec"
	printf '#!/no/such/interp\n' >"$T/script"
	chmod +x "$T/script"
	assert_fails 126 "nsnew: exec $T/script: No such file or directory (its interpreter or ELF loader is missing)" \
		nsnew "$T/script"
	assert_fails 127 "nsnew: exec no-such-prog: No such file or directory (not found in PATH)" \
		nsnew -p no-such-prog
}

test_shell_by_default() {
	need_root || return 0
	echo 'echo from-shell' >"$T/rc"
	SHELL=/bin/sh run nsnew -u <"$T/rc"
	assert_rc 0
	assert_out from-shell
}

# --detach: nsnew exits 0 once forked; PID 1 is the subreaper's to reap,
# with its own status, as conch create leaves a container to conmon.
test_detach() {
	run subreaper nsnew -p --detach sh -c 'sleep 0.3; echo "pid $$"; exit 7'
	assert_rc 0
	assert_out "CMD 0
pid 1
orphan 7"
	run subreaper nsnew -p --init --detach sh -c 'sleep 0.3; kill -9 $$'
	assert_out "CMD 0
orphan 137"
	assert_fails 125 "nsnew: --detach needs a new pid or time namespace (-p, -T): without them nsnew does not fork" \
		nsnew -m --detach true
	need_user || return 0
	run as_user subreaper nsnew -U --map-root -p --detach sh -c 'sleep 0.3; id -u; exit 3'
	assert_out "CMD 0
0
orphan 3"
}

test_bad_usage() {
	assert_fails 125 "nsnew: unknown option '--bogus' (see nsnew --help)" nsnew --bogus
	assert_fails 125 "nsnew: unknown option '-x' (see nsnew --help)" nsnew -x
	assert_fails 125 "nsnew: option '--map' needs an argument (see nsnew --help)" nsnew --map
	assert_fails 125 "nsnew: --propagation 'bogus': expected private, slave, shared or unchanged" \
		nsnew -m --propagation bogus
	assert_fails 125 "nsnew: --setgroups 'maybe': expected allow or deny" nsnew --setgroups maybe
	assert_fails 125 "nsnew: --init needs a new pid namespace (-p)" nsnew --init
	assert_fails 125 "nsnew: --monotonic '1h': expected a number of seconds" nsnew --monotonic 1h
	assert_fails 125 "nsnew: --netns 'a/b': expected a name, not a path" nsnew --netns a/b
	local long
	long=$(printf 'h%.0s' $(seq 65))
	assert_fails 125 "nsnew: --hostname '$long': longer than 64 bytes" nsnew --hostname "$long"
}

test_bad_maps() {
	assert_fails 125 "nsnew: --map 'u:0:1000': expected INSIDE:OUTSIDE:COUNT" nsnew --map u:0:1000
	assert_fails 125 "nsnew: --map 'u:a:b:c': 'a' is not an ID or count" nsnew --map u:a:b:c
	assert_fails 125 "nsnew: --map 'x:0:0:1': expected u|g|b:INSIDE:OUTSIDE:COUNT" nsnew --map x:0:0:1
	assert_fails 125 "nsnew: --map 'u:0:1000:0': count must be at least 1" nsnew --map u:0:1000:0
	assert_fails 125 "nsnew: --map 'u:0:1000:1:2': expected INSIDE:OUTSIDE:COUNT" nsnew --map u:0:1000:1:2
	assert_fails 125 "nsnew: --map 'u:5:2000:1': overlaps range 0:1000:10" \
		nsnew --map u:0:1000:10 --map u:5:2000:1
	assert_fails 125 "nsnew: --map 'g:7:1005:1': overlaps range 0:1000:10" \
		nsnew --map g:0:1000:10 --map g:7:1005:1
	assert_fails 125 "nsnew: --map 'u:4294967290:0:10': range goes past the last ID 4294967294" \
		nsnew --map u:4294967290:0:10
	local args=() i
	for i in $(seq 0 340); do args+=(--map "u:$((i * 2)):$((2000 + i)):1"); done
	assert_fails 125 "nsnew: --map 'u:680:2340:1': more than 340 ranges (the kernel's limit)" \
		nsnew "${args[@]}" true
	# 340 ranges are fine, and land in uid_map.
	unset 'args[-1]' 'args[-1]'
	if is_root; then
		assert_ok nsnew "${args[@]}" wc -l /proc/self/uid_map
		assert_out "340 /proc/self/uid_map"
	fi
	# The other limit: one page of text.
	args=()
	for i in $(seq 0 200); do args+=(--map "u:$((i * 2 + 1000000000)):$((1000000000 + i)):1"); done
	assert_fails 125 "nsnew: --map 'u:1000000340:1000000170:1': the map would be longer than the 4095 bytes the kernel accepts" \
		nsnew "${args[@]}" true
}

test_help_and_version() {
	assert_ok nsnew --help
	assert_contains "$OUT" "Usage: nsnew [OPTION]... [--] [PROG [ARG]...]"
	assert_ok nsnew -V
	assert_contains "$OUT" "nsnew (conch) "
}

test_verbose_traces_steps() {
	need_root || return 0
	assert_ok env CONCH_VERBOSE=1 nsnew -u -n --hostname box true
	assert_contains "$ERR" "nsnew: unshare(uts,net)"
	assert_contains "$ERR" "nsnew: sethostname box"
	assert_contains "$ERR" "nsnew: ip link set lo up"
	assert_contains "$ERR" "nsnew: exec true"
	assert_ok nsnew -u true
	assert_err ""
}

. shunit2

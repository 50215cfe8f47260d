#!/bin/bash
# nsjoin against the real kernel: entering a running nsnew container by PID,
# a pinned DIR or namespace files gives its inodes and shows its processes,
# as root and rootless; statuses go through the pid namespace fork; bad
# targets are refused with one line and 125.
. "$(dirname "$0")/lib.sh"

ALL=(user cgroup ipc uts net pid mnt time)

# container [as_user] NSNEW-OPTION...: a sleep as PID 1 of new namespaces
# (-p and --mount-proc added), killed with its nsnew at tearDown. Sets
# CPID, its PID as seen from here.
container() {
	local as='' job
	if [ "$1" = as_user ]; then
		as=as_user
		shift
	fi
	$as nsnew "$@" -p --mount-proc sleep 1000 2>"$T/nsnew.err" &
	job=$!
	CPID=
	wait_until 50 find_sleep "$job" ||
		fail "no container from nsnew $*: $(cat "$T/nsnew.err")"
	# nsnew is the parent of its PID 1, however deep as_user put it.
	defer "kill -KILL $(awk '$1 == "PPid:" { print $2 }' "/proc/$CPID/status"); wait $job 2>/dev/null; :"
}

# find_sleep PID: sets CPID to the first sleep below PID.
find_sleep() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		if comm_is "$c" sleep; then
			CPID=$c
			return 0
		fi
		find_sleep "$c" && return 0
	done
	return 1
}

comm_is() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

has_child() {
	[ -n "$(cat "/proc/$1/task/$1/children")" ]
}

cwd_is() {
	[ "$(readlink "/proc/$1/cwd")" = "$2" ]
}

# The script that prints the inodes of TYPES from inside, and the same
# list read from outside for PID (or DIR, with stat -L of its files).
inodes_inside() {
	echo "for t in $*; do stat -L -c %i /proc/self/ns/\$t; done"
}

inodes_of() {
	local where=$1 t
	shift
	for t; do
		if [ -d "$where" ]; then stat -L -c %i "$where/$t"; else ns_inode "$t" "$where"; fi
	done
}

test_pid_enters_every_namespace() {
	need_root || return 0
	container -Ur -muinCT
	assert_ok nsjoin "$CPID" sh -c "$(inodes_inside "${ALL[@]}")"
	assert_out "$(inodes_of "$CPID" "${ALL[@]}")"
}

test_pid_namespace_shows_the_container() {
	need_root || return 0
	container -Ur -mn
	# PID 1 is the container's sleep; we are the next one, PID 2.
	assert_ok nsjoin "$CPID" sh -c 'cat /proc/1/comm; echo $$; ls -d /proc/[0-9]*'
	assert_out "sleep
2
/proc/1
/proc/2"
}

test_pid_rootless() {
	need_user || return 0
	container as_user -r -mun
	assert_ok as_user nsjoin "$CPID" sh -c "id -u; id -g; $(inodes_inside user mnt uts net pid)"
	assert_out "0
0
$(inodes_of "$CPID" user mnt uts net pid)"
}

test_files_rootless_user_namespace_first() {
	need_user || return 0
	container as_user -r -n
	local ns="/proc/$CPID/ns"
	assert_ok as_user nsjoin -v --user="$ns/user" --net="$ns/net" sh -c \
		"id -u; $(inodes_inside user net)"
	assert_out "0
$(inodes_of "$CPID" user net)"
	# net alone is refused, then entered once we are in its user namespace.
	assert_contains "$ERR" "nsjoin: setns($ns/net): Operation not permitted
nsjoin: setns($ns/user)
nsjoin: setns($ns/net)
nsjoin: in the user namespace: uid 0, gid 0, 0 supplementary groups"
}

test_root_enters_user_namespace_last() {
	need_root || return 0
	# The net namespace belongs to ours, the user namespace is the
	# container's: root must enter the net namespace before dropping
	# into the user namespace.
	nsnew -n nsnew -Ur sleep 1000 &
	local pid=$!
	defer "kill $pid; wait $pid 2>/dev/null; :"
	wait_until 50 comm_is "$pid" sleep || fail "no sleep from nsnew"
	assert_ok nsjoin "$pid" sh -c "id -u; $(inodes_inside user net)"
	assert_out "0
$(inodes_of "$pid" user net)"
	assert_ok nsjoin --user="/proc/$pid/ns/user" --net="/proc/$pid/ns/net" \
		sh -c "$(inodes_inside user net)"
	assert_out "$(inodes_of "$pid" user net)"
}

test_dir_pinned_by_nsnew() {
	need_root || return 0
	# nsnew pins just before it execs PID 1: once it sleeps, they are there.
	container -Ur -muinCT --pin "$T/pin"
	defer "umount '$T'/pin/*"
	assert_ok nsjoin "$T/pin" sh -c "$(inodes_inside "${ALL[@]}"); cat /proc/1/comm"
	assert_out "$(inodes_of "$CPID" "${ALL[@]}")
sleep"
}

test_dir_with_some_namespaces() {
	need_root || return 0
	nsnew -U -n --pin "$T/pin" true
	defer "umount '$T'/pin/*"
	assert_ok nsjoin -l "$T/pin"
	OUT=$(cut -d' ' -f1-3 <<<"$OUT")
	assert_out "user $(inodes_of "$T/pin" user) different
net $(inodes_of "$T/pin" net) different"
	assert_ok nsjoin "$T/pin" readlink /proc/self/ns/uts
	assert_out "uts:[$(ns_inode uts)]"
	assert_fails 125 "nsjoin: $T/pin/uts: No such file or directory" \
		nsjoin -u "$T/pin" true
}

test_dir_pid_namespace_without_init() {
	need_root || return 0
	nsnew -U -p --pin "$T/pin" true
	defer "umount '$T'/pin/*"
	assert_fails 125 "nsjoin: fork: Cannot allocate memory (out of memory, or a pid namespace entered whose PID 1 has exited)" \
		nsjoin "$T/pin" true
}

test_list() {
	need_root || return 0
	container -Ur -muinCT
	local t expected=
	for t in "${ALL[@]}"; do
		expected+="$t $(ns_inode "$t" "$CPID") different"$'\n'
	done
	assert_ok nsjoin -l "$CPID"
	OUT=$(cut -d' ' -f1-3 <<<"$OUT")
	assert_out "${expected%$'\n'}"
	assert_ok nsjoin --list -n --ns uts "$CPID"
	OUT=$(cut -d' ' -f1-3 <<<"$OUT")
	assert_out "uts $(ns_inode uts "$CPID") different
net $(ns_inode net "$CPID") different"
	expected=
	for t in "${ALL[@]}"; do
		expected+="$t $(ns_inode "$t") same"$'\n'
	done
	assert_ok nsjoin -l $$
	OUT=$(cut -d' ' -f1-3 <<<"$OUT")
	assert_out "${expected%$'\n'}"
}

# lsns_of PID: "TYPE INODE OWNER PARENT" a line, as util-linux's lsns
# sees them (its ONS and PNS columns), sorted.
lsns_of() {
	lsns -n -p "$1" -o TYPE,NS,ONS,PNS | awk '{ print $1, $2, $3, $4 }' | sort
}

# Owner and parent against lsns, for user namespaces two deep (nsnew in
# nsnew), as root and rootless: the owner of the outer namespaces is
# hidden from inside (EPERM), which both print as 0.
test_list_owner_and_parent_as_lsns() {
	need_root || return 0
	need_cmd lsns pgrep || return 0
	local inner outer
	# An outer user namespace owning a mount and a net namespace, and an
	# inner one in it, owning a uts and a pid namespace.
	nsnew -Ur -m -n sh -c 'exec nsnew -Ur -u -p sleep 1001' &
	defer "kill -9 $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for 'inner=$(pgrep -x -f "sleep 1001")' || fail "no nested container"
	assert_ok nsjoin -l "$inner"
	assertEquals "$(lsns_of "$inner")" \
		"$(awk '{ print $1, $2, $4, $5 }' <<<"$OUT" | sort)"
	outer=$(awk '$1 == "user" { print $4 }' <<<"$OUT")
	assertNotEquals 0 "$outer"
	assertNotEquals "$(ns_inode user)" "$outer"
	assert_contains "$OUT" "user $(ns_inode user "$inner") different $outer $outer"
	assert_ok nsjoin -l --tree "$inner"
	assert_out "user $(ns_inode user) (initial)
├─ cgroup $(ns_inode cgroup)
├─ ipc $(ns_inode ipc)
├─ time $(ns_inode time)
└─ user $outer
   ├─ net $(ns_inode net "$inner")
   ├─ mnt $(ns_inode mnt "$inner")
   └─ user $(ns_inode user "$inner") (the target's)
      ├─ uts $(ns_inode uts "$inner")
      └─ pid $(ns_inode pid "$inner")"
}

test_list_owner_and_parent_rootless() {
	need_user || return 0
	need_cmd lsns || return 0
	# As the user, inside its own user namespace: lsns and nsjoin both see
	# the namespace above as hidden.
	run as_user nsnew -Ur sh -c 'nsnew -Ur -u sleep 100 & p=$!
		while [ "$(readlink /proc/$p/ns/uts)" = "$(readlink /proc/self/ns/uts)" ]; do sleep 0.05; done
		nsjoin -l $p | awk "{ print \$1, \$2, \$4, \$5 }" | sort; echo --
		lsns -n -p $p -o TYPE,NS,ONS,PNS | awk "{ print \$1, \$2, \$3, \$4 }" | sort; echo --
		nsjoin -l --tree $p; kill $p'
	assert_rc 0
	assertEquals "nsjoin -l and lsns (stderr: $ERR)" "$(sed -n '/^--$/q;p' <<<"$OUT")" \
		"$(sed -n '/^--$/,/^--$/p' <<<"$OUT" | sed '/^--$/d')"
	assert_contains "$OUT" "(above: user namespaces hidden from here, owning cgroup"
	assert_contains "$OUT" "(the target's)
   └─ uts "
}

test_chosen_namespaces_only() {
	need_root || return 0
	container -Ur -muinCT
	local want
	want="$(inodes_of "$CPID" net uts)
$(ns_inode ipc)"
	assert_ok nsjoin -n -u "$CPID" sh -c "$(inodes_inside net uts ipc)"
	assert_out "$want"
	assert_ok nsjoin --ns net,uts "$CPID" sh -c "$(inodes_inside net uts ipc)"
	assert_out "$want"
	assert_ok nsjoin --net="/proc/$CPID/ns/net" --uts="/proc/$CPID/ns/uts" \
		sh -c "$(inodes_inside net uts ipc)"
	assert_out "$want"
	# Choosing every type is -a: all the target has, ours skipped.
	assert_ok nsjoin --ns all "$CPID" sh -c "$(inodes_inside "${ALL[@]}")"
	assert_out "$(inodes_of "$CPID" "${ALL[@]}")"
}

test_exit_status() {
	need_root || return 0
	container -Ur -mu
	run nsjoin "$CPID" sh -c 'exit 7'
	assert_rc 7
	run nsjoin "$CPID" sh -c 'kill -TERM $$'
	assert_rc 143
	# No pid namespace, no fork: the status is PROG's own.
	run nsjoin -u "$CPID" sh -c 'exit 3'
	assert_rc 3
}

test_signal_forwarded_into_pid_namespace() {
	need_root || return 0
	container -Ur
	nsjoin "$CPID" sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' &
	local pid=$!
	wait_until 30 has_child "$pid" || fail "nsjoin did not fork"
	sleep 0.2	# for sh to set its trap
	kill -TERM "$pid"
	wait "$pid"
	assertEquals "TERM forwarded to PROG's trap" 42 $?
}

test_root_and_wd() {
	need_root || return 0
	need_cmd busybox || return 0
	mkdir -p "$T/root/bin" "$T/root/here"
	cp "$(command -v busybox)" "$T/root/bin/busybox"
	echo inside >"$T/root/marker"
	chroot "$T/root" /bin/busybox sh -c 'cd /here && exec /bin/busybox sleep 1000' &
	local pid=$!
	defer "kill $pid; wait $pid 2>/dev/null; :"
	wait_until 50 cwd_is "$pid" "$T/root/here" || fail "no chrooted sleep"
	assert_ok nsjoin --root --wd "$pid" /bin/busybox sh -c '/bin/busybox cat /marker; /bin/busybox pwd'
	assert_out "inside
/here"
	assert_ok nsjoin -w "$pid" pwd
	assert_out "$T/root/here"
	assert_ok nsjoin -r "$pid" /bin/busybox pwd
	assert_out "/"
}

test_cgroup() {
	need_root || return 0
	local root cg
	root=$(cgroup2_root)
	[ -n "$root" ] || { skip "no cgroup2 mount"; return; }
	cg=conch-test-$$-nsjoin
	mkdir "$root/$cg" || { fail "mkdir $root/$cg"; return; }
	defer "rmdir '$root/$cg'"
	sleep 1000 &
	local pid=$!
	defer "kill $pid; wait $pid 2>/dev/null; :"
	echo "$pid" >"$root/$cg/cgroup.procs"
	assert_ok nsjoin --cgroup "$pid" cat /proc/self/cgroup
	assert_contains "$OUT" "0::/$cg"
}

# From a cgroup namespace rooted beside the target's cgroup, with a
# cgroup2 mount of its own, the target's cgroup is "/../NAME": outside.
test_cgroup_outside_our_cgroup_namespace() {
	need_cg || return 0
	local a b pid
	cg_new a nsjoin-a
	cg_new b nsjoin-b
	mkdir "$R/$a" "$R/$b" || { fail "mkdir"; return; }
	sleep 1000 &
	pid=$!
	defer "kill $pid; wait $pid 2>/dev/null; :"
	echo "$pid" >"$R/$b/cgroup.procs"
	assert_fails 125 "nsjoin: --cgroup: cgroup /../$b of process $pid is outside the cgroup2 mount $R (its root is /)" \
		sh -c 'echo $$ >"$1/cgroup.procs" && exec nsnew -mC sh -c \
		"umount -l $2 && mount -t cgroup2 none $2 && exec nsjoin --cgroup $3 true"' \
		- "$R/$a" "$R" "$pid"
	assert_out ""
}

test_verbose() {
	need_root || return 0
	container -Ur -u
	assert_ok nsjoin -v "$CPID" true
	assert_contains "$ERR" "nsjoin: pidfd_open($CPID)
nsjoin: /proc/$CPID/ns/cgroup: already ours, skipped"
	assert_contains "$ERR" "nsjoin: setns($CPID, user,uts,pid,mnt)
nsjoin: in the user namespace: uid 0, gid 0, 0 supplementary groups"
	assert_contains "$ERR" "nsjoin: exec true"
	assert_ok nsjoin "$CPID" true
	assert_err ""
}

test_fd_hygiene() {
	need_root || return 0
	container -Ur -n
	local ns=/proc/$CPID/ns
	assert_ok closed_fds nsjoin "$CPID" ls /proc/self/fd
	assert_out "0
1
2
3"
	assert_ok closed_fds nsjoin --user="$ns/user" --pid="$ns/pid" --mount="$ns/mnt" \
		ls /proc/self/fd
	assert_out "0
1
2
3"
	# What the caller passes on is PROG's to have.
	assert_ok nsjoin "$CPID" sh -c 'ls /proc/self/fd' 5</dev/null
	assert_contains "$OUT" 5
}

test_exec_failures() {
	need_root || return 0
	container -Ur
	assert_fails 127 "nsjoin: exec no-such-prog: No such file or directory (not found in PATH)" \
		nsjoin "$CPID" no-such-prog
	touch "$T/noexec"
	assert_fails 126 "nsjoin: exec $T/noexec: Permission denied" nsjoin $$ "$T/noexec"
}

test_shell_by_default() {
	need_root || return 0
	container -Ur -u --hostname box
	echo 'hostname' >"$T/rc"
	SHELL=/bin/sh run nsjoin "$CPID" <"$T/rc"
	assert_rc 0
	assert_out box
}

test_no_such_process() {
	local dead
	dead=$(sh -c 'echo $$')
	assert_fails 125 "nsjoin: pidfd_open($dead): No such process" nsjoin "$dead" true
}

test_other_users_process() {
	need_user || return 0
	assert_fails 125 "nsjoin: /proc/1/ns/user: Permission denied" as_user nsjoin 1 true
}

test_bad_targets() {
	mkdir "$T/empty" "$T/stale"
	assert_fails 125 "nsjoin: $T/empty: no pinned namespace in it (nsnew --pin DIR makes them)" \
		nsjoin "$T/empty" true
	# An unmounted pin leaves an empty file behind.
	touch "$T/stale/net" "$T/file"
	assert_fails 125 "nsjoin: $T/stale/net: not a namespace file" nsjoin "$T/stale" true
	assert_fails 125 "nsjoin: $T/file: not a namespace file" nsjoin --net="$T/file" true
	assert_fails 125 "nsjoin: /proc/self/ns/uts: a uts namespace, not net" \
		nsjoin --net=/proc/self/ns/uts true
	assert_fails 125 "nsjoin: open $T/missing: No such file or directory" \
		nsjoin --ipc="$T/missing" true
	assert_fails 125 "nsjoin: open $T/missing: No such file or directory" nsjoin "$T/missing" true
	assert_fails 125 "nsjoin: open $T/file: Not a directory (a target is a PID or a directory pinned by nsnew --pin)" \
		nsjoin "$T/file" true
}

# --detach: PROG's process in the pid namespace is the subreaper's, as
# conch exec --detach leaves it to conmon.
test_detach() {
	need_root || return 0
	nsnew -p sleep 100 &
	local np=$! sp
	defer "kill -9 $np 2>/dev/null; wait $np 2>/dev/null"
	wait_for "pgrep -P $np >/dev/null" || { fail "no sleep in its pid namespace"; return; }
	sp=$(pgrep -P "$np")
	run subreaper nsjoin --detach -p "$sp" sh -c 'sleep 0.3; [ $$ -ne 1 ] && echo inside; exit 3'
	assert_rc 0
	assert_out "CMD 0
inside
orphan 3"
	# Without a pid namespace to enter there is no fork: PROG is CMD.
	run subreaper nsjoin --detach -u "$sp" sh -c 'exit 4'
	assert_out "CMD 4"
}

test_bad_usage() {
	assert_fails 125 "nsjoin: unknown option '--bogus' (see nsjoin --help)" nsjoin --bogus 1
	assert_fails 125 "nsjoin: unknown option '-x' (see nsjoin --help)" nsjoin -x 1
	assert_fails 125 "nsjoin: option '--ns' needs an argument (see nsjoin --help)" nsjoin --ns
	assert_fails 125 "nsjoin: --ns 'net,bogus': unknown namespace type (known: user,mnt,pid,uts,net,ipc,cgroup,time,all)" \
		nsjoin --ns net,bogus 1
	assert_fails 125 "nsjoin: no target: give a PID, a DIR pinned by nsnew --pin or --TYPE=FILE (see nsjoin --help)" \
		nsjoin -n
	assert_fails 125 "nsjoin: mnt: no PID or DIR target to take it from (namespace files were given: give this one as --TYPE=FILE too)" \
		nsjoin -m --net=/proc/self/ns/net true
	assert_fails 125 "nsjoin: --list: unexpected argument 'true'" nsjoin -l $$ true
	assert_fails 125 "nsjoin: --root needs a PID target" nsjoin --root --net=/proc/self/ns/net true
	mkdir "$T/d"
	assert_fails 125 "nsjoin: --cgroup needs a PID target" nsjoin --cgroup "$T/d" true
}

test_help_and_version() {
	assert_ok nsjoin --help
	assert_contains "$OUT" "Usage: nsjoin [OPTION]... PID|DIR [PROG [ARG]...]"
	assert_ok nsjoin -V
	assert_contains "$OUT" "nsjoin (conch) "
}

. shunit2

#!/bin/bash
# capset against the real kernel: what PROG holds afterwards is read from its
# own /proc/self/status and prctl(2) (through capset --print as PROG), what it
# can do is tried (bind port 80, mount), as root and rootless in a user
# namespace; every refusal comes before any change, with its exact message.
. "$(dirname "$0")/lib.sh"

NBS=0000000000000400	# cap_net_bind_service alone, as /proc/PID/status shows it

# PROG for the port test: listens on port 80 and reports whether the socket
# reached LISTEN (seen in /proc/net/tcp*) or nc died of its bind error.
# Polls: fast when it works, and never mistakes slowness for failure.
# shellcheck disable=SC2016 # expanded by the sh of PROG
BIND80='busybox nc -l -p 80 </dev/null >/dev/null & pid=$!
i=0
while [ $i -lt 1000 ]; do
	if grep -qE ": [0-9A-F]+:0050 [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
		kill $pid; wait $pid 2>/dev/null; echo listening; exit 0
	fi
	kill -0 $pid 2>/dev/null || { wait $pid; echo "nc failed: $?"; exit 1; }
	sleep 0.01
	i=$((i + 1))
done
kill $pid; echo timeout; exit 1'

# PROG for the mount test: a tmpfs mount (inside the test's own mount
# namespace, so even a wrong success touches nothing of the host).
MOUNT='busybox mount -t tmpfs tmpfs /mnt && echo mounted || echo refused'

# out_field FIELD: that line of $OUT (a /proc/PID/status), value only.
out_field() {
	printf '%s\n' "$OUT" | awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }'
}

# assert_caps BND PRM EFF INH AMB: the masks in $OUT.
assert_caps() {
	local f want
	for f in CapBnd CapPrm CapEff CapInh CapAmb; do
		want=$1
		shift
		assertEquals "$f of: $LASTCMD" "$want" "$(out_field $f)"
	done
}

need_busybox() {
	need_cmd busybox || return 1
	busybox nc --help >/dev/null 2>&1 || { skip "busybox has no nc"; return 1; }
}

# --- what PROG holds ------------------------------------------------------

test_keep_user_status() {
	need_root || return 0
	assert_ok capset --keep net_bind_service --user nobody -- cat /proc/self/status
	assert_caps $NBS $NBS $NBS $NBS $NBS
	assertEquals "65534 65534 65534 65534" "$(out_field Uid)"
	assertEquals "65534 65534 65534 65534" "$(out_field Gid)"
	assertEquals "0" "$(out_field NoNewPrivs)"
}

test_keep_user_binds_port_80_but_cannot_mount() {
	need_root || return 0
	need_busybox || return 0
	assert_ok nsnew -m -n capset --keep net_bind_service --user nobody -- sh -c "$BIND80"
	assert_out listening
	assert_ok nsnew -m -n capset --keep net_bind_service --user nobody -- sh -c "$MOUNT"
	assert_out refused
	assert_contains "$ERR" "permission denied"
}

# The control: the same port test fails without the cap, so it can fail.
test_user_without_caps_cannot_bind_port_80() {
	need_root || return 0
	need_busybox || return 0
	run nsnew -m -n capset --user nobody -- sh -c "$BIND80"
	assert_rc 1
	assert_out "nc failed: 1"
	assert_contains "$ERR" "Permission denied"
}

# Without a cap option, a uid change leaves what setuid(2) leaves: nothing.
test_user_alone_drops_all_caps() {
	need_root || return 0
	local bnd
	bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
	assert_ok capset --user nobody -- cat /proc/self/status
	assert_caps "$bnd" 0000000000000000 0000000000000000 0000000000000000 0000000000000000
}

test_keep_as_root_needs_no_ambient() {
	need_root || return 0
	assert_ok capset --keep net_bind_service -- cat /proc/self/status
	assert_caps $NBS $NBS $NBS $NBS 0000000000000000
	assertEquals "0 0 0 0" "$(out_field Uid)"
}

test_names_any_case_with_or_without_prefix_or_number() {
	need_root || return 0
	local name
	for name in net_bind_service NET_BIND_SERVICE Cap_Net_Bind_Service CAP_NET_BIND_SERVICE 10; do
		assert_ok capset --keep "$name" --user nobody -- cat /proc/self/status
		assert_caps $NBS $NBS $NBS $NBS $NBS
	done
}

test_keep_none_and_all() {
	need_root || return 0
	local bnd
	bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
	assert_ok capset --keep none --user nobody -- cat /proc/self/status
	assert_caps 0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000
	# all: every cap the process has, whatever this host's bounding set is.
	assert_ok capset --keep ALL --user nobody -- cat /proc/self/status
	assert_caps "$bnd" "$bnd" "$bnd" "$bnd" "$bnd"
}

test_caps_text_form_with_ambient() {
	need_root || return 0
	assert_ok capset --caps cap_net_raw,cap_chown=eip --ambient +net_raw,+chown \
		--bounding -all,+net_raw,+chown --user nobody -- cat /proc/self/status
	assert_caps 0000000000002001 0000000000002001 0000000000002001 0000000000002001 0000000000002001
}

test_inheritable_and_ambient_lists() {
	need_root || return 0
	assert_ok capset --inheritable +kill,+chown,-chown --ambient +kill --user nobody -- cat /proc/self/status
	assertEquals 0000000000000020 "$(out_field CapAmb)"
	assertEquals 0000000000000020 "$(out_field CapPrm)"
	assertEquals 0000000000000020 "$(out_field CapInh)"
}

test_nnp() {
	assert_ok capset --nnp -- cat /proc/self/status
	assertEquals 1 "$(out_field NoNewPrivs)"
}

test_groups_list_and_clear() {
	need_root || return 0
	assert_ok capset --user nobody --groups nogroup,1,2 -- cat /proc/self/status
	assertEquals "1 2 65534" "$(out_field Groups)"
	assert_ok capset --user nobody --clear-groups -- cat /proc/self/status
	assertEquals "" "$(out_field Groups)"
	# A uid without a passwd line, its group given: no groups at all.
	assert_ok capset --user 4321 --group 4322 -- cat /proc/self/status
	assertEquals "4321 4321 4321 4321" "$(out_field Uid)"
	assertEquals "4322 4322 4322 4322" "$(out_field Gid)"
	assertEquals "" "$(out_field Groups)"
}

# /etc/passwd and /etc/group of our own, bound over the host's in a mount
# namespace: names resolve without NSS, --init-groups reads memberships.
test_names_and_init_groups_from_etc_files() {
	need_root || return 0
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:2000:2100::/home/alice:/bin/sh\n' >"$T/passwd"
	printf 'root:x:0:\nstaff:x:2100:\nwheel:x:2200:root,alice\naudio:x:2300:bob\nvideo:x:2400:bob,alice,carol\n' >"$T/group"
	local etc="mount -o bind $T/passwd /etc/passwd && mount -o bind $T/group /etc/group && exec \"\$@\""
	assert_ok nsnew -m sh -c "$etc" sh capset --user alice -- cat /proc/self/status
	assertEquals "2000 2000 2000 2000" "$(out_field Uid)"
	assertEquals "2100 2100 2100 2100" "$(out_field Gid)"
	assertEquals "2100 2200 2400" "$(out_field Groups)"
	assert_ok nsnew -m sh -c "$etc" sh capset --user alice --group wheel --init-groups -- cat /proc/self/status
	assertEquals "2200 2200 2200 2200" "$(out_field Gid)"
	assertEquals "2200 2400" "$(out_field Groups)"
	assert_ok nsnew -m sh -c "$etc" sh capset --user 2000 --groups staff,audio -- cat /proc/self/status
	assertEquals "2100 2300" "$(out_field Groups)"
}

# --- --print --------------------------------------------------------------

test_print_decodes_a_known_state() {
	need_root || return 0
	local seccomp
	case $(awk '$1 == "Seccomp:" { print $2 }' /proc/self/status) in
	2) seccomp=filter ;;
	*) seccomp=disabled ;;
	esac
	assert_ok capset --keep net_raw,chown --user nobody --groups 1,2 \
		--securebits +noroot,+noroot-locked --nnp --print
	assert_out "uid: 65534
euid: 65534
suid: 65534
fsuid: 65534
gid: 65534
egid: 65534
sgid: 65534
fsgid: 65534
groups: 1,2
bounding: cap_chown,cap_net_raw
permitted: cap_chown,cap_net_raw
effective: cap_chown,cap_net_raw
inheritable: cap_chown,cap_net_raw
ambient: cap_chown,cap_net_raw
securebits: noroot,noroot-locked
no_new_privs: 1
seccomp: $seccomp"
}

# --print as PROG: what the kernel left after exec, through capget, prctl.
test_print_as_prog_sees_the_exec_result() {
	need_root || return 0
	assert_ok capset --user nobody --keep net_raw -- capset --print
	assert_contains "$OUT" "
bounding: cap_net_raw
permitted: cap_net_raw
effective: cap_net_raw
inheritable: cap_net_raw
ambient: cap_net_raw
securebits: none
"
}

test_print_then_exec_prog() {
	assert_ok capset --print -- echo PROG ran
	assert_contains "$OUT" "seccomp: "
	assertEquals "PROG ran" "$(printf '%s\n' "$OUT" | tail -n 1)"
}

# --- securebits -----------------------------------------------------------

# Read back in PROG with prctl(PR_GET_SECUREBITS), by capset --print.
# keep-caps is cleared by execve(2), as capabilities(7) says; its lock is not.
test_securebits_seen_by_prog() {
	need_root || return 0
	assert_ok capset --securebits +noroot,+keep-caps,+keep-caps-locked,+no-cap-ambient-raise -- capset --print
	assert_contains "$OUT" "securebits: noroot,keep-caps-locked,no-cap-ambient-raise
"
	assert_ok capset --securebits +SECBIT_NO_SETUID_FIXUP,+Keep_Caps_Locked -- capset --print
	assert_contains "$OUT" "securebits: no-setuid-fixup,keep-caps-locked
"
	assert_ok capset --securebits 0x5 -- capset --print
	assert_contains "$OUT" "securebits: noroot,no-setuid-fixup
"
}

test_securebits_locked_are_refused_before_anything() {
	need_root || return 0
	assert_fails 125 "capset: --securebits: noroot is locked (noroot-locked is set)" \
		capset --securebits +noroot,+noroot-locked -- capset -v --nnp --securebits -noroot true
	assert_fails 125 "capset: --securebits: noroot-locked cannot be cleared" \
		capset --securebits +noroot,+noroot-locked -- capset -v --nnp --securebits -noroot-locked true
}

# noroot: root's exec no longer brings caps back, so --keep goes through
# the ambient set even for root.
test_securebits_noroot_keeps_through_ambient() {
	need_root || return 0
	assert_ok capset --keep net_bind_service --securebits +noroot,+noroot-locked -- cat /proc/self/status
	assert_caps $NBS $NBS $NBS $NBS $NBS
}

# --- the order of the steps -----------------------------------------------

test_verbose_shows_crun_order() {
	need_root || return 0
	assert_ok capset -v --keep net_raw --user nobody --securebits +noroot --nnp true
	local steps
	steps=$(printf '%s\n' "$ERR" | sed 's/^capset: //; s/[ (=].*//' | tr '\n' ' ')
	assertEquals "drop prctl setgroups setresgid setresuid prctl capset ambient securebits capset prctl exec " "$steps"
	assert_contains "$ERR" "capset: prctl(PR_SET_KEEPCAPS, 1)
capset: setgroups(65534)
capset: setresgid(65534)
capset: setresuid(65534)
capset: prctl(PR_SET_KEEPCAPS, 0)
capset: capset permitted=cap_setpcap,cap_net_raw effective=cap_setpcap,cap_net_raw inheritable=cap_net_raw
capset: ambient=cap_net_raw
capset: securebits=noroot
capset: capset permitted=cap_net_raw effective=cap_net_raw inheritable=cap_net_raw
capset: prctl(PR_SET_NO_NEW_PRIVS, 1)
capset: exec true"
}

# --- rootless, in a user namespace -----------------------------------------

test_rootless_keep_map_root() {
	need_user || return 0
	need_busybox || return 0
	run as_user nsnew -U --map-root -m -n capset --keep net_bind_service -- cat /proc/self/status
	assert_rc 0
	assert_caps $NBS $NBS $NBS $NBS 0000000000000000
	assertEquals "0 0 0 0" "$(out_field Uid)"
	run as_user nsnew -U --map-root -m -n capset --keep net_bind_service --nnp -- sh -c "$BIND80"
	assert_rc 0
	assert_out listening
	run as_user nsnew -U --map-root -m -n capset --keep net_bind_service -- sh -c "$MOUNT"
	assert_out refused
	# The control: root of the namespace without the cap cannot bind 80.
	run as_user nsnew -U --map-root -m -n capset --keep none -- sh -c "$BIND80"
	assert_out "nc failed: 1"
}

test_rootless_keep_user_nobody() {
	need_user || return 0
	need_busybox || return 0
	grep -q "^$TEST_USER:" /etc/subuid || { skip "no subordinate uids for $TEST_USER"; return; }
	run as_user nsnew -U --map-auto -m -n capset --keep net_bind_service --user nobody -- cat /proc/self/status
	assert_rc 0
	assert_caps $NBS $NBS $NBS $NBS $NBS
	assertEquals "65534 65534 65534 65534" "$(out_field Uid)"
	assertEquals "65534 65534 65534 65534" "$(out_field Gid)"
	run as_user nsnew -U --map-auto -m -n capset --keep net_bind_service --user nobody -- sh -c "$BIND80"
	assert_rc 0
	assert_out listening
	run as_user nsnew -U --map-auto -m -n capset --keep net_bind_service --user nobody -- sh -c "$MOUNT"
	assert_out refused
}

test_rootless_nnp_securebits_print() {
	need_user || return 0
	run as_user nsnew -U --map-root capset --keep net_raw --nnp --securebits +noroot,+noroot-locked -- capset --print
	assert_rc 0
	assert_contains "$OUT" "uid: 0
"
	assert_contains "$OUT" "bounding: cap_net_raw
permitted: cap_net_raw
effective: cap_net_raw
inheritable: cap_net_raw
ambient: cap_net_raw
securebits: noroot,noroot-locked
no_new_privs: 1
"
}

test_rootless_refusals() {
	need_user || return 0
	assert_fails 125 "capset: --user nobody: uid 65534 is not mapped in this user namespace (see /proc/self/uid_map)" \
		as_user nsnew -U --map-root capset --user nobody true
	assert_fails 125 "capset: --groups 0: setgroups is denied in this user namespace (its gid_map was written without privilege; map it with nsnew --map-auto)" \
		as_user nsnew -U --map-root capset --groups 0 true
	# Not root in any namespace: nothing to drop from.
	assert_fails 125 "capset: --keep net_raw: cap_net_raw is not in the permitted set" \
		as_user capset --keep net_raw true
	assert_fails 125 "capset: changing the bounding set: needs cap_setpcap, which is not in the permitted set" \
		as_user capset --bounding -net_raw true
	assert_fails 125 "capset: --user root: needs cap_setuid, which is not in the permitted set" \
		as_user capset --user root true
}

# --- refusals, before anything changes --------------------------------------

test_bad_names_and_lists() {
	assert_fails 125 "capset: --keep net_raw,foo: unknown capability 'foo'" capset --keep net_raw,foo true
	assert_fails 125 "capset: --keep net_raw,,chown: empty item in the list" capset --keep net_raw,,chown true
	assert_fails 125 "capset: --keep: empty list" capset --keep '' true
	assert_fails 125 "capset: --keep 63: capability '63' is past this kernel's last ($(cat /proc/sys/kernel/cap_last_cap))" \
		capset --keep 63 true
	assert_fails 125 "capset: --bounding net_raw: 'net_raw' needs a + or - in front (e.g. -all,+net_raw)" \
		capset --bounding net_raw true
	assert_fails 125 "capset: --ambient +net_raw,: empty item in the list" capset --ambient +net_raw, true
	assert_fails 125 "capset: --inheritable +cap_nope: unknown capability 'cap_nope'" capset --inheritable +cap_nope true
	assert_fails 125 "capset: --caps cap_nope=ep: not valid libcap text (see cap_from_text(3))" \
		capset --caps cap_nope=ep true
	assert_fails 125 "capset: --securebits +noroot,+nope: unknown securebit 'nope'" \
		capset --securebits +noroot,+nope true
	assert_fails 125 "capset: --securebits noroot: 'noroot' needs a + or - in front (e.g. +noroot,+noroot-locked)" \
		capset --securebits noroot true
	assert_fails 125 "capset: --securebits 0x1000: unknown bits 0x1000" capset --securebits 0x1000 true
}

test_bad_users_and_groups() {
	assert_fails 125 "capset: --user nosuchuser: no such user in /etc/passwd" capset --user nosuchuser true
	assert_fails 125 "capset: --user 99999999999: uid out of range" capset --user 99999999999 true
	assert_fails 125 "capset: --user 4321: no /etc/passwd entry to take the group from (give --group)" \
		capset --user 4321 true
	assert_fails 125 "capset: --group nosuchgroup: no such group in /etc/group" capset --group nosuchgroup true
	assert_fails 125 "capset: --groups 0,nosuchgroup: no such group 'nosuchgroup' in /etc/group" \
		capset --groups 0,nosuchgroup true
	assert_fails 125 "capset: --init-groups: needs --user (whose groups?)" capset --init-groups true
	assert_fails 125 "capset: --groups, --clear-groups and --init-groups exclude each other" \
		capset --groups 0 --clear-groups true
}

test_impossible_requests() {
	need_root || return 0
	assert_fails 125 "capset: --bounding +net_raw: cannot add cap_net_raw: a bounding set only shrinks" \
		capset --bounding -net_raw -- capset --bounding +net_raw true
	assert_fails 125 "capset: --keep chown: cap_chown is not in the bounding set" \
		capset --bounding -chown -- capset --keep chown true
	assert_fails 125 "capset: --keep kill: cap_kill is not in the permitted set" \
		capset --inheritable +chown --ambient +chown --user nobody -- capset --keep kill true
	assert_fails 125 "capset: --ambient +net_raw: cannot raise cap_net_raw: not in the inheritable set (add --inheritable +net_raw)" \
		capset --ambient +net_raw true
	assert_fails 125 "capset: --ambient +chown: cannot raise cap_chown: not in the permitted set" \
		capset --caps cap_chown=i --ambient +chown true
	assert_fails 125 "capset: --caps cap_chown=e: cap_chown is effective but not permitted" \
		capset --caps cap_chown=e true
	assert_fails 125 "capset: --inheritable +chown: cannot add cap_chown: not in the bounding set" \
		capset --bounding -chown --inheritable +chown true
	assert_fails 125 "capset: cannot raise cap_chown in the ambient set: securebit no-cap-ambient-raise is set" \
		capset --securebits +no-cap-ambient-raise -- capset --inheritable +chown --ambient +chown true
}

# The host's own limits are named: here root's bounding set may lack some.
test_keep_a_cap_the_bounding_set_lacks() {
	need_root || return 0
	local bnd c last
	bnd=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
	last=$(cat /proc/sys/kernel/cap_last_cap)
	for ((c = 0; c <= last; c++)); do
		((bnd & (1 << c))) && continue
		run capset --keep "$c" true
		assert_rc 125
		assert_contains "$ERR" "is not in the bounding set"
		return
	done
	skip "root's bounding set lacks no capability on this host"
}

# A refused request changes nothing first: no step is traced.
test_refusal_comes_before_any_step() {
	need_root || return 0
	assert_fails 125 "capset: --ambient +chown: cannot raise cap_chown: not in the inheritable set (add --inheritable +chown)" \
		capset -v --bounding -net_raw --user nobody --ambient +chown --nnp true
}

# --- exec and fds --------------------------------------------------------------

test_exec_failures() {
	assert_fails 127 "capset: exec /nonexistent/prog: No such file or directory" capset /nonexistent/prog
	assert_fails 127 "capset: exec no-such-prog-here: No such file or directory (not found in PATH)" \
		capset no-such-prog-here
	assert_fails 126 "capset: exec $T: Permission denied" capset -- "$T"
}

test_prog_status_is_its_own() {
	run capset --nnp -- sh -c 'exit 7'
	assert_rc 7
}

test_no_prog_runs_shell() {
	SHELL=/bin/sh run capset --nnp <<<'echo from shell; grep NoNewPrivs /proc/self/status'
	assert_rc 0
	assert_out "from shell
NoNewPrivs:	1"
	# --print alone prints and exits, it runs no shell.
	run capset --print </dev/null
	assert_rc 0
	assert_contains "$OUT" "uid: "
}

# PROG receives only the caller's fds (0, 1, 2 and the 3 given here), after
# every path that opens files (/etc/passwd, /etc/group, the ID maps).
test_fd_hygiene() {
	local args=(--print)
	is_root && args+=(--keep net_raw --user nobody --init-groups)
	run closed_fds capset "${args[@]}" -- sh -c 'cd /proc/self/fd && echo *' 3</dev/null
	assert_rc 0
	assertEquals "0 1 2 3" "$(printf '%s\n' "$OUT" | tail -n 1)"
}

test_help_and_version() {
	assert_ok capset --help
	assertEquals "Usage: capset [OPTION]... [--] [PROG [ARG]...]" "$(printf '%s\n' "$OUT" | head -n 1)"
	assert_ok capset -V
	assert_contains "$OUT" "capset (conch) "
	assert_fails 125 "capset: option '--keep' needs an argument (see capset --help)" capset --keep
	assert_fails 125 "capset: unknown option '-x' (see capset --help)" capset -x
}

. shunit2

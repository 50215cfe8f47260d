#!/bin/bash
# The whole container, as examples/container.sh builds it (cgroup, every
# namespace, pivot --ro, capset --keep net_bind_service, confine --rules
# /etc/confine.rules, scfilter -f default), as root and rootless, looked
# at from inside: what the host lets through, and what the caller gets
# back.
. "$(dirname "$0")/lib.sh"

DEMO=$TOP/examples/container.sh

# What the container sees, one "key: value" a line (busybox sh inside).
# shellcheck disable=SC2016 # expanded inside the container
LOOK='
echo "self: $$"
echo pids: /proc/[0-9]*
echo "host: $(hostname)"
awk "{ print \"map:\", \$1, \$2, \$3 }" /proc/self/uid_map
grep -E "^(Cap(Bnd|Prm|Eff|Inh|Amb)|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t" | sed "s/:/: /"
echo "mount: $(sysprobe mount none /mnt tmpfs 0 0)"
echo "reboot: $(sysprobe reboot 0xfee1dead 0x28121969 0 0)"
echo "userns: $(sysprobe unshare 0x10000000)"
echo "points: $(awk "{ print \$5 }" /proc/self/mountinfo | sort | tr "\n" " ")"
echo "exe: $(readlink /proc/self/exe)"
echo "owner: $(stat -c %u:%g /bin/busybox)"
[ "$(ls /proc/$$/root/)" = "$(ls /)" ] && echo "root: the container'"'"'s"
[ -e "/proc/1/root$HOSTMARK" ] || [ -e "$HOSTMARK" ] || echo "host: unseen"
touch /etc/x 2>/dev/null || echo "etc: read-only"
touch /tmp/x && echo "tmp: writable"
cp /bin/busybox /tmp/bb && { /tmp/bb true 2>/dev/null && echo "exec tmp: allowed" || echo "exec tmp: refused"; }
touch /dev/shm/x 2>/dev/null && echo "shm: writable" || echo "shm: refused"
echo x >/dev/null && echo "null: writable"
echo "fds: $(ls /proc/self/fd | tr "\n" " ")"
'

# The demo makes its busybox root itself (as root, the way this kernel
# can give it to the container's root), with sysprobe to try calls with.
export CONCH_DEMO_COPY=sysprobe

# Whether this kernel has Landlock, which the demo uses where it can.
landlock_here() {
	case $(netprobe abi 2>/dev/null) in
	[1-9]*) return 0 ;;
	esac
	return 1
}

# The answers every container gives, whoever made it.
check_look() {
	assert_rc 0
	# PID 1 is nsnew's reaper (--init), PROG is PID 2.
	assert_contains "$OUT" "self: 2"
	assert_contains "$OUT" "pids: /proc/1 /proc/2"
	assert_contains "$OUT" "host: conch-demo"
	local set
	for set in Bnd Prm Eff Inh; do
		assert_contains "$OUT" "Cap$set: 0000000000000400"
	done
	assert_contains "$OUT" "CapAmb: 0000000000000000"
	assert_contains "$OUT" "NoNewPrivs: 1"
	assert_contains "$OUT" "Seccomp: 2"
	assert_contains "$OUT" "mount: EPERM"
	assert_contains "$OUT" "reboot: EPERM"
	assert_contains "$OUT" "userns: EPERM"
	assert_contains "$OUT" "exe: /usr/bin/busybox"
	assert_contains "$OUT" "owner: 0:0"
	assert_contains "$OUT" "root: the container's"
	assert_contains "$OUT" "host: unseen"
	assert_contains "$OUT" "etc: read-only"
	assert_contains "$OUT" "tmp: writable"
	assert_contains "$OUT" "null: writable"
	# Landlock (confine --rules /etc/confine.rules): nothing written is
	# executable, nothing but /tmp and a few devices writable.
	if landlock_here; then
		assert_contains "$OUT" "exec tmp: refused"
		assert_contains "$OUT" "shm: refused"
	fi
	assert_contains "$OUT" "fds: 0 1 2 3 "
	# Every mount point is one pivot made; none of the host's is left.
	# Those below /proc and /sys are its masked and read-only paths.
	local p
	assert_contains " $(sed -n 's/^points: //p' <<<"$OUT") " " /proc/sys "
	for p in $(sed -n 's/^points: //p' <<<"$OUT"); do
		case $p in
		/ | /proc | /sys | /sys/fs/cgroup | /tmp | /dev | /dev/pts | /dev/shm | \
			/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty) ;;
		/proc/acpi | /proc/asound | /proc/kcore | /proc/keys | /proc/latency_stats | \
			/proc/timer_list | /proc/timer_stats | /proc/sched_debug | /proc/scsi | \
			/sys/firmware | /sys/devices/virtual/powercap | /proc/bus | /proc/fs | \
			/proc/irq | /proc/sys | /proc/sysrq-trigger) ;;
		*) fail "a mount the container should not have: $p" ;;
		esac
	done
	assert_contains "$OUT" "points: / /dev "
}

# As root, the container's root is an unprivileged uid of the host: the
# image must be reachable for it.
set_up() {
	chmod 755 "$T"
}

test_as_root() {
	need_root || return 0
	HOSTMARK=$T run closed_fds env CONCH_DEMO_ROOT="$T/root" HOSTMARK="$T" \
		"$DEMO" /bin/sh -c "$LOOK"
	check_look
	# uid 0 inside is an unprivileged range outside, the image root's.
	local map
	map=$(sed -n 's/^map: //p' <<<"$OUT")
	case $map in
	"0 0 "*) fail "the container's root is the host's: $map" ;;
	"0 "*" 65536") ;;
	*) fail "unexpected uid_map: $map" ;;
	esac
	assert_not_contains "$(ls /sys/fs/cgroup/unified 2>/dev/null)" conch-demo
}

test_rootless() {
	need_user || return 0
	chmod 755 "$T"
	mkdir "$T/u"
	chown "$TEST_UID:$TEST_GID" "$T/u"
	run closed_fds as_user env PATH="$PATH" CONCH_DEMO_ROOT="$T/u/root" \
		HOSTMARK="$T" "$DEMO" /bin/sh -c "$LOOK"
	check_look
	# uid 0 inside is the caller outside, its subordinate IDs from 1.
	assert_contains "$OUT" "map: 0 $TEST_UID 1"
	assert_contains "$OUT" "map: 1 $(subid /etc/subuid)"
}

test_status_goes_through_every_tool() {
	need_root || return 0
	run env CONCH_DEMO_ROOT="$T/root" "$DEMO" /bin/sh -c 'exit 7'
	assert_rc 7
	run env CONCH_DEMO_ROOT="$T/root" "$DEMO" /no/such/prog
	assert_rc 127
	assert_contains "$ERR" "scfilter: "
}

test_look_around_without_a_terminal() {
	need_root || return 0
	# The demo's netmake --nat leaves ip_forward on, as docker does.
	defer "echo $(cat /proc/sys/net/ipv4/ip_forward) >/proc/sys/net/ipv4/ip_forward"
	run env CONCH_DEMO_ROOT="$T/root" "$DEMO" </dev/null
	assert_rc 0
	assert_contains "$OUT" "on conch-demo"
	assert_contains "$OUT" "NoNewPrivs:	1"
}

# The demo's program has written /tmp/pid1: the chain (pivot, capset,
# confine, scfilter) is done, and exec.sh joins the container, not a
# tool of the chain still in the host's root.
demo_started() {
	local nsnew reaper prog
	nsnew=$(pgrep -of -- '^nsnew -a .*--hostname conch-demo ') || return 1
	reaper=$(pgrep -P "$nsnew" | head -n 1) || return 1
	prog=$(pgrep -P "$reaper" | head -n 1) || return 1
	[ -s "/proc/$prog/root/tmp/pid1" ]
}

test_second_shell_joins() {
	need_root || return 0
	CONCH_DEMO_ROOT="$T/root" "$DEMO" /bin/sh -c 'echo $$ >/tmp/pid1; sleep 30' &
	local demo=$!
	wait_until 100 demo_started
	run "$TOP/examples/exec.sh" /bin/sh -c 'hostname; cat /tmp/pid1; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"; echo /proc/[0-9]*
		cp /bin/busybox /tmp/bb2 && { /tmp/bb2 true 2>/dev/null && echo "exec tmp: allowed" || echo "exec tmp: refused"; }'
	# nsnew and its reaper (--init) both match: the oldest is nsnew,
	# with which the container dies.
	kill -KILL "$(pgrep -of -- '^nsnew -a .*--hostname conch-demo ')"
	wait "$demo" 2>/dev/null
	assert_rc 0
	local tmp="exec tmp: allowed"
	landlock_here && tmp="exec tmp: refused"
	assert_out "conch-demo
2
NoNewPrivs:1
Seccomp:2
/proc/1 /proc/2 /proc/3
$tmp"
}

# The limits cgmake set, seen and enforced from inside (a pure cgroup v2
# system: the VM run).
test_cgroup_limits_inside() {
	need_root || return 0
	local cg2
	cg2=$(cgroup2_root)
	if ! grep -qw pids "$cg2/cgroup.controllers" 2>/dev/null; then
		skip "no pids controller on cgroup2 here (bound to v1): runs in the VM"
		return 0
	fi
	# A failed fork ends a busybox sh script: fork in a subshell, and
	# read the events with builtins only (no fork left to make).
	run env CONCH_DEMO_ROOT="$T/root" "$DEMO" /bin/sh -c '
		cat /sys/fs/cgroup/pids.max
		(i=0; while [ $i -lt 80 ]; do sleep 60 & i=$((i + 1)); done) 2>/dev/null
		while read -r k v; do [ "$k" = max ] && echo "max $v"; done \
			</sys/fs/cgroup/pids.events'
	assertEquals "pids.max inside" 64 "$(head -n 1 <<<"$OUT")"
	local max
	max=$(sed -n 's/^max //p' <<<"$OUT")
	[ "${max:-0}" -gt 0 ] || fail "pids.max was not enforced: $OUT"
	assert_not_contains "$(ls "$cg2")" conch-demo
}

. shunit2

#!/bin/bash
# Escapes: the README's demo container (examples/container.sh: a cgroup,
# every namespace, pivot --ro, capset --keep net_bind_service, confine
# --rules /etc/confine.rules, scfilter -f default), as root and rootless,
# tries from inside every way out to the host it knows; the host then
# checks that nothing of it changed. Writes are tried with the value
# already there, and writeprobe only opens: a way out that opens shows as
# a failure, it does not change the host.
. "$(dirname "$0")/lib.sh"

DEMO=$TOP/examples/container.sh

# What the container tries, one "what: outcome" a line (busybox sh).
# HOSTPID is a host process (not in the container's PID namespace).
# shellcheck disable=SC2016 # expanded inside the container
PROBE='
paths="/proc/sys /sys"
[ -e /proc/sysrq-trigger ] && paths="$paths /proc/sysrq-trigger"
writeprobe $paths >/tmp/w
echo "write: $(tail -n 1 /tmp/w)"
grep "^writable: " /tmp/w | head -n 5
echo "cgroupfs: $(writeprobe /sys/fs/cgroup | tail -n 1)"
for f in kernel/core_pattern vm/swappiness kernel/hostname kernel/domainname; do
	v=$(cat /proc/sys/$f)
	if (printf "%s\n" "$v" >/proc/sys/$f) 2>/dev/null; then
		echo "sysctl $f: written"
	else
		echo "sysctl $f: refused"
	fi
done
for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug \
	/proc/latency_stats /proc/timer_stats; do
	[ -e $p ] && echo "masked $p: $(head -c 4096 $p | wc -c) bytes"
done
for d in /proc/acpi /proc/asound /proc/scsi /sys/firmware \
	/sys/devices/virtual/powercap; do
	[ -e $d ] && echo "masked $d: $(ls -A $d | wc -l) entries"
done
echo "mknod: $(sysprobe mknodat -100 /tmp/null 0x21b6 0x103)"
echo "mount: $(sysprobe mount none /tmp tmpfs 0 0)"
echo "umount: $(sysprobe umount2 /proc/sys 2)"
echo "pivot_root: $(sysprobe pivot_root /tmp /)"
echo "userns: $(sysprobe unshare 0x10000000)"
echo "ptrace 1: $(sysprobe ptrace 16 1 0 0)"
echo "kill host: $(sysprobe kill $HOSTPID 9)"
echo "sethostname: $(sysprobe sethostname x 1)"
for l in /proc/[0-9]*/root /proc/[0-9]*/cwd /proc/[0-9]*/exe /proc/[0-9]*/fd/*; do
	case $l in */fd/[012]) continue ;; esac	# the caller gave those
	t=$(readlink $l 2>/dev/null) || continue
	case $t in
	/*) [ "$(stat -L -c %d:%i $l 2>/dev/null)" = "$(stat -c %d:%i "$t" 2>/dev/null)" ] ||
		echo "outside: $l -> $t" ;;
	esac
done
echo "links: looked"
echo "root 1: $(ls /proc/1/root/ 2>&1 | head -n 1)"
echo "fds: $(ls /proc/self/fd | tr "\n" " ")"
echo "map: $(head -n 1 /proc/self/uid_map | tr -s " " | sed "s/^ //")"
echo "owner: $(stat -c %u:%g /bin/busybox /etc/passwd | tr "\n" " ")"
'

# The host's state that the container tries to change.
host_state() {
	local f
	for f in kernel/core_pattern vm/swappiness kernel/hostname \
		kernel/domainname; do
		echo "$f=$(cat /proc/sys/$f)"
	done
}

set_up() {
	need_root || return 0
	BEFORE=$(host_state)
	HOSTPID=$(sleeper host)
	chmod 755 "$T"
}

tear_down() {
	[ -n "${HOSTPID:-}" ] && kill "$HOSTPID" 2>/dev/null
	return 0
}

# The demo makes its busybox root itself, with the probes in it.
export CONCH_DEMO_COPY="sysprobe writeprobe"

# rootfs DIR: such a root for the chains written out here.
rootfs() {
	mkrootfs --busybox --tools -c sysprobe -c writeprobe "$1"
}

# need_idmap || return 0: the kernel idmaps the file system of $T (tmpfs
# only since Linux 6.3: the VM's root is one).
need_idmap() {
	mkdir "$T/probe"
	run nsnew -U --map "b:0:$(free_range):65536" -m pivot --idmap \
		--no-proc --no-sys --no-dev --no-tmp --unmask all "$T/probe" /.none
	rmdir "$T/probe"
	[ "$RC" -eq 127 ] && return 0
	skip "${ERR#pivot: --idmap "$T/probe": } on this kernel"
	return 1
}

# What every run of the probe must show, whoever ran the container.
check_no_way_out() {
	assert_rc 0
	assert_contains "$OUT" "write: tried "
	assert_contains "$OUT" ", writable 0"
	assert_not_contains "$OUT" "writable: "
	[ "$(sed -n 's/^write: tried \([0-9]*\),.*/\1/p' <<<"$OUT")" -gt 1000 ] ||
		fail "too few files tried under /proc/sys and /sys: $OUT"
	assert_contains "$OUT" "cgroupfs: tried "
	assert_not_contains "$OUT" "sysctl kernel/core_pattern: written"
	assert_contains "$OUT" "sysctl kernel/core_pattern: refused"
	assert_contains "$OUT" "sysctl vm/swappiness: refused"
	assert_contains "$OUT" "sysctl kernel/hostname: refused"
	assert_contains "$OUT" "sysctl kernel/domainname: refused"
	local line
	while read -r line; do
		case $line in
		"masked "*": 0 bytes" | "masked "*": 0 entries") ;;
		"masked "*) fail "not masked: $line" ;;
		esac
	done <<<"$OUT"
	assert_contains "$OUT" "masked /sys/firmware: 0 entries"
	assert_contains "$OUT" "mknod: EPERM"
	assert_contains "$OUT" "mount: EPERM"
	assert_contains "$OUT" "umount: EPERM"
	assert_contains "$OUT" "pivot_root: EPERM"
	assert_contains "$OUT" "userns: EPERM"
	assert_contains "$OUT" "ptrace 1: EPERM"
	assert_contains "$OUT" "kill host: ESRCH"
	assert_contains "$OUT" "sethostname: EPERM"
	assert_not_contains "$OUT" "outside: "
	assert_contains "$OUT" "links: looked"
	assert_contains "$OUT" "root 1: ls: /proc/1/root/: Permission denied"
	# ls, a program of the container, has 0, 1, 2 and its own
	# directory: all a tool of the chain leaked would be there too.
	assert_contains "$OUT" "fds: 0 1 2 3 "
	assert_contains "$OUT" "owner: 0:0 0:0 "
	# And from the host: nothing changed, the host process lives.
	assertEquals "the host's sysctls" "$BEFORE" "$(host_state)"
	assertTrue "the host's process $HOSTPID lives" "kill -0 $HOSTPID"
	# (This test's container: its command line names its root in $T.)
	assertEquals "no container left" "" \
		"$(pgrep -f -- "--hostname conch-demo .*$T/")"
}

test_as_root() {
	need_root || return 0
	run closed_fds env CONCH_DEMO_ROOT="$T/root" HOSTPID="$HOSTPID" \
		"$DEMO" /bin/sh -c "$PROBE"
	check_no_way_out
	# Root inside is an unprivileged uid outside.
	local map
	map=$(sed -n 's/^map: //p' <<<"$OUT")
	case $map in
	"0 0 "* | "") fail "the container's root is the host's root: $map" ;;
	"0 "*" 65536") ;;
	*) fail "unexpected map: $map" ;;
	esac
}

test_rootless() {
	need_user || return 0
	mkdir "$T/u"
	chown "$TEST_UID:$TEST_GID" "$T/u"
	run closed_fds as_user env PATH="$PATH" CONCH_DEMO_ROOT="$T/u/root" \
		HOSTPID="$HOSTPID" "$DEMO" /bin/sh -c "$PROBE"
	check_no_way_out
	assert_contains "$OUT" "map: 0 $TEST_UID 1"
}

# A container with CAP_SYS_PTRACE still cannot reach the reaper, whose
# root and working directory are the host's.
test_reaper_unreachable_with_sys_ptrace() {
	need_root || return 0
	rootfs "$T/root"
	run nsnew -a --init --map "b:0:$(free_range):65536" \
		pivot --ro "$T/root" capset --keep sys_ptrace \
		/bin/sh -c 'ls /proc/1/root/ /proc/1/cwd/ 2>&1; sysprobe ptrace 16 1 0 0'
	assert_contains "$OUT" "ls: /proc/1/root/: Permission denied"
	assert_contains "$OUT" "ls: /proc/1/cwd/: Permission denied"
	assert_contains "$OUT" "EPERM"
	assert_not_contains "$OUT" "$(ls / | head -n 1)"
}

# The idmapped root: the image (the host root's) is the container root's
# inside, and what container root writes lands as the image's owner.
test_idmapped_root_owns_the_image() {
	need_root || return 0
	need_idmap || return 0
	rootfs "$T/root"
	local first
	first=$(free_range)
	run nsnew -a --map "b:0:$first:65536" pivot --idmap "$T/root" \
		/bin/sh -c 'stat -c %u:%g /etc/passwd; echo x >/etc/made;
			touch /etc/by1000; chown 1000:1000 /etc/by1000; id -u'
	assert_rc 0
	assert_out "0:0
0"
	assertEquals "a file written by the container's root, on the host" \
		"0:0" "$(stat -c %u:%g "$T/root/etc/made")"
	assertEquals "chown 1000 inside, on the host" \
		"1000:1000" "$(stat -c %u:%g "$T/root/etc/by1000")"
	# Without --idmap, the image is nobody's inside, and not writable.
	run nsnew -a --map "b:0:$first:65536" pivot "$T/root" \
		/bin/sh -c 'stat -c %u:%g /etc/passwd; echo x >/etc/made2'
	assert_contains "$OUT" "65534:65534"
	assertFalse "written without --idmap" "[ -e '$T/root/etc/made2' ]"
}

# A range of IDs that no line of /etc/subuid or /etc/subgid uses.
free_range() {
	awk -F: '{ e = $2 + $3; if (e > m) m = e }
		END { b = 1000000; while (b < m) b += 65536; print b }' \
		/etc/subuid /etc/subgid
}

. shunit2

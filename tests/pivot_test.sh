#!/bin/bash
# pivot: after it, as root and rootless, the process sees only the new root,
# with a fresh /proc, a read-only /sys, a minimal working /dev and a tmpfs /tmp;
# a hostile image cannot make it mount on host paths; failures leave nothing.
. "$(dirname "$0")/lib.sh"

# A terminal on stdin would add /dev/console: only the test for it has one.
exec </dev/null

APPLETS="sh ls cat echo head wc touch grep stat readlink mkdir test id true
	printf pwd sort tr awk sed"
DEV_NODES="fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"

# A busybox root filesystem, built once; each test gets its own copy.
oneTimeSetUp() {
	BASE=$(mktemp -d /tmp/conch-pivot-base.XXXXXX) || return 1
	make_rootfs "$BASE/root"
}

one_time_tear_down() {
	rm -rf "$BASE"
}

make_rootfs() {
	if [ -x "$CONCH_BIN/mkrootfs" ]; then
		mkrootfs --busybox "$1" >/dev/null
		return
	fi
	local d a
	for d in bin etc proc sys dev tmp root; do mkdir -p "$1/$d" || return 1; done
	chmod 1777 "$1/tmp"
	cp "$(command -v busybox)" "$1/bin/busybox" || return 1
	for a in $APPLETS; do ln -s busybox "$1/bin/$a" || return 1; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
}

# $R: this test's root filesystem, readable by the test user.
set_up() {
	R=$T/root
	cp -a "$BASE/root" "$R"
	chmod 755 "$T"
}

# mntns [-p] CMD...: CMD in a new mount namespace (and PID namespace).
mntns() {
	if [ "$1" = -p ]; then
		shift
		nsnew -mp "$@"
	else
		nsnew -m "$@"
	fi
}

# userns CMD...: CMD as the test user, root of new user, mount, PID, UTS
# and net namespaces.
userns() {
	as_user nsnew -U --map-root -mpun "$@"
}

# Mount points as seen in the mountinfo text $1, one a line, sorted.
mountpoints() {
	awk '{ print $5 }' <<<"$1" | sort | tr '\n' ' '
}

# Checks run inside the new root; each prints one line of facts.
INSIDE='
echo "pids:" /proc/[0-9]*
echo "dev:" $(ls -A /dev | sort)
echo x >/dev/null && echo "null: ok"
echo "urandom:" $(head -c 16 /dev/urandom | wc -c)
echo "zero:" $(head -c 4 /dev/zero | wc -c)
exec 3<>/dev/ptmx && echo "pts:" $(ls /dev/pts)
touch /sys/x 2>&1 | sed "s/^touch: //"
echo "sys:" $(awk "\$5 == \"/sys\" { print substr(\$6, 1, 2) }" /proc/self/mountinfo)
echo t >/tmp/t && echo "tmp:" $(cat /tmp/t) $(stat -c %a /tmp) \
	$(awk "\$5 == \"/tmp\" { print \$9 }" /proc/self/mountinfo)
echo "shm:" $(stat -c %a /dev/shm)
echo "ptmx:" $(readlink /dev/ptmx)
echo "cwd:" $(pwd)
'

check_inside() {
	assert_rc 0
	assert_contains "$OUT" "pids: /proc/1
"
	assert_contains "$OUT" "dev: $DEV_NODES
"
	assert_contains "$OUT" "null: ok"
	assert_contains "$OUT" "urandom: 16"
	assert_contains "$OUT" "zero: 4"
	assert_contains "$OUT" "pts: 0 ptmx"
	assert_contains "$OUT" "/sys/x: Read-only file system"
	assert_contains "$OUT" "sys: ro"
	assert_contains "$OUT" "tmp: t 1777 tmpfs"
	assert_contains "$OUT" "shm: 1777"
	assert_contains "$OUT" "ptmx: pts/ptmx"
	assert_contains "$OUT" "cwd: /"
}

# --- usage ------------------------------------------------------------------

test_help() {
	assert_ok pivot --help
	assert_contains "$(head -1 <<<"$OUT")" "Usage: pivot [OPTION]... NEWROOT [PROG [ARG]...]"
	assert_ok pivot -V
	assert_contains "$OUT" "pivot (conch) "
}

test_usage_errors() {
	assert_fails 125 "pivot: missing NEWROOT (see pivot --help)" pivot
	assert_fails 125 "pivot: missing NEWROOT (see pivot --help)" pivot -v --ro
	assert_fails 125 "pivot: unknown option '--bogus' (see pivot --help)" \
		pivot --bogus "$R"
	assert_fails 125 "pivot: option '--bind' needs an argument (see pivot --help)" \
		pivot --bind
}

test_malformed_mounts() {
	assert_fails 125 "pivot: --bind foo: expected SRC:DST" pivot --bind foo "$R"
	assert_fails 125 "pivot: --bind :/x: expected SRC:DST" pivot --bind :/x "$R"
	assert_fails 125 "pivot: --ro-bind /etc:: expected SRC:DST" pivot --ro-bind /etc: "$R"
	assert_fails 125 "pivot: --bind /etc:/: DST is the new root itself" \
		pivot -b /etc:/ "$R"
	assert_fails 125 "pivot: --tmpfs: empty path" pivot --tmpfs '' "$R"
}

# --- refusals and bad input -------------------------------------------------

test_refuses_host_mount_namespace() {
	need_root || return 0
	local ino
	ino=$(ns_inode mnt)
	assert_fails 125 "pivot: refusing to pivot the host's mount namespace (mnt:[$ino], that of PID 1): run inside a new one, e.g. nsnew -m pivot ..." \
		pivot "$R" /bin/true
	need_user || return 0
	run as_user pivot "$R" /bin/true
	assert_rc 125
	assert_contains "$ERR" "pivot: refusing to pivot the host's mount namespace"
	assert_not_contains "$(cat /proc/self/mountinfo)" "$R"
}

test_refuses_host_mount_namespace_without_all_capabilities() {
	need_root || return 0
	need_cmd setpriv || return 0
	# Fewer capabilities than PID 1: its /proc/1/ns/mnt is closed to us.
	run setpriv --bounding-set=-sys_resource,-sys_ptrace pivot "$R" /bin/true
	assert_rc 125
	assert_contains "$ERR" "pivot: refusing to pivot the host's mount namespace"
	run setpriv --bounding-set=-sys_resource,-sys_ptrace nsnew -m pivot "$R" /bin/true
	assert_rc 0
}

test_runs_beside_the_init_of_its_container() {
	need_root || return 0
	# PID 1 of the new PID namespace is nsnew's init, in the same mounts.
	run nsnew -mp --init --mount-proc pivot "$R" /bin/true
	assert_rc 0
}

test_refuses_beside_host_init_in_pid_namespace() {
	need_root || return 0
	# PID 1 of a new PID namespace, but still in the host's mounts.
	run nsnew -p pivot "$R" /bin/true
	assert_rc 125
	assert_contains "$ERR" "pivot: refusing to pivot the host's mount namespace"
}

test_newroot_missing_or_not_a_directory() {
	need_root || return 0
	assert_fails 125 "pivot: new root $T/nope: No such file or directory" \
		mntns pivot "$T/nope" /bin/true
	touch "$T/file"
	assert_fails 125 "pivot: new root $T/file: Not a directory" \
		mntns pivot "$T/file" /bin/true
}

# A newline or a terminal escape in a name cannot break the one line.
test_newroot_name_escaped() {
	need_root || return 0
	assert_fails 125 "pivot: new root $T/new\\nroot\\x1b[0m: No such file or directory" \
		mntns pivot "$T/new"$'\n'"root"$'\e'"[0m" /bin/true
}

test_bind_missing_source_undoes_everything() {
	need_root || return 0
	mkdir -p "$T/data"
	run mntns sh -c "pivot --bind $T/data:/new/dir --bind $T/nope:/x $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --bind $T/nope:/x: $T/nope: No such file or directory"
	# The mount point it made for the first --bind is gone again.
	assertFalse "$R/new left behind" "[ -e '$R/new' ]"
}

# pivot never waits, so strace delivers the signal at a known point: as
# the new /proc is attached (the second move_mount(2), after the bind of
# NEWROOT). pivot goes on to the point of no return, and undoes there.
test_interrupted_undoes_everything() {
	need_root || return 0
	need_cmd strace || return 0
	local sig n
	mkdir -p "$T/data"
	for sig in INT TERM HUP; do
		n=$(kill -l $sig)
		run mntns bash -c "strace -qq -o /dev/null -e trace=move_mount \
			-e inject=move_mount:signal=SIG$sig:when=2 \
			pivot --bind $T/data:/new/dir $R /bin/true 2>$T/err
			echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
		assert_out "rc=$((128 + n))
0"
		assertEquals "pivot: interrupted by SIG$sig" "$(cat "$T/err")"
		assertFalse "$sig: $R/new left behind" "[ -e '$R/new' ]"
	done
}

test_failure_undoes_everything_rootless() {
	need_user || return 0
	mkdir -p "$T/data"
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run as_user nsnew -U --map-root -mp sh -c "pivot --bind $T/data:/new/dir \
		--tmpfs /scratch/run --bind $T/nope:/x $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --bind $T/nope:/x: $T/nope: No such file or directory"
	assertFalse "$R/new left behind" "[ -e '$R/new' ]"
	assertFalse "$R/scratch left behind" "[ -e '$R/scratch' ]"
}

test_bad_chdir_undoes_everything() {
	need_root || return 0
	run mntns sh -c "pivot --chdir /nope $R /bin/true; echo rc=\$?
		grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --chdir /nope: No such file or directory"
}

test_proc_without_pid_namespace_rootless() {
	need_user || return 0
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run as_user nsnew -U --map-root -m pivot "$R" /bin/true
	assert_rc 125
	assert_err "pivot: mount proc on /proc: Operation not permitted (a new procfs needs a PID namespace owned by this user namespace: run under nsnew -p, or give --no-proc)"
}

test_unprivileged_without_user_namespace() {
	need_user || return 0
	assert_fails 125 "pivot: make / private: Operation not permitted (not privileged in this mount namespace: run inside nsnew -U --map-root -m)" \
		as_user nsnew -U --map-root pivot "$R" /bin/true
}

# --- the new root, as root --------------------------------------------------

test_root_after_pivot() {
	need_root || return 0
	run mntns -p pivot "$R" /bin/sh -c "$INSIDE"
	check_inside
}

test_no_mount_refers_to_old_root() {
	need_root || return 0
	run mntns -p pivot "$R" /bin/cat /proc/self/mountinfo
	assert_rc 0
	assertEquals "mount points" \
		"/ /dev /dev/full /dev/null /dev/pts /dev/random /dev/shm /dev/tty /dev/urandom /dev/zero /proc /sys /tmp " \
		"$(mountpoints "$OUT")"
	# Only the root itself is a piece of the old root's filesystems.
	assertEquals "mounts of the old root's tree" "1" \
		"$(awk '$4 != "/" && $5 !~ /^\/dev\//' <<<"$OUT" | wc -l)"
}

# In a cgroup namespace, /sys/fs/cgroup is the container's own cgroup2.
test_sys_fs_cgroup_with_a_cgroup_namespace() {
	need_root || return 0
	local show='grep " /sys/fs/cgroup " /proc/self/mountinfo | cut -d" " -f4-6,9; test -r /sys/fs/cgroup/cgroup.procs && echo readable; touch /sys/fs/cgroup/x'
	run nsnew -mpC pivot "$R" /bin/sh -c "$show"
	assert_out "/ /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2
readable"
	assert_contains "$ERR" "Read-only file system"
	run nsnew -mp pivot "$R" /bin/sh -c "$show"
	assert_out ""
	if need_user; then
		run userns -C pivot "$R" /bin/sh -c "$show"
		assert_out "/ /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2
readable"
	fi
}

test_mounts_do_not_propagate_to_host() {
	need_root || return 0
	# Propagation unchanged: / stays shared; pivot must make it private.
	run nsnew -m --propagation unchanged pivot "$R" /bin/true
	assert_rc 0
	assert_not_contains "$(cat /proc/self/mountinfo)" "$R"
}

test_verbose_traces_every_mount() {
	need_root || return 0
	run mntns -p pivot -v "$R" /bin/true
	assert_rc 0
	assert_contains "$ERR" "pivot: make / private (recursive)
pivot: bind $R on itself (recursive)
pivot: mount proc on /proc
pivot: mount sysfs on /sys (read-only)
pivot: no /sys/fs/cgroup: this is the host's cgroup namespace (nsnew -C makes one)
pivot: mount tmpfs on /dev
pivot: bind /dev/null on /dev/null"
	assert_contains "$ERR" "pivot: mount devpts on /dev/pts
pivot: mount tmpfs on /dev/shm
pivot: link /dev/ptmx -> pts/ptmx"
	if root_is_initramfs; then
		assert_contains "$ERR" "pivot: mount tmpfs on /tmp
pivot: pivot_root $R
pivot: pivot_root $R: Invalid argument: / is the initramfs; move $R onto / and chroot instead
pivot: chdir /
pivot: exec /bin/true"
	else
		assert_contains "$ERR" "pivot: mount tmpfs on /tmp
pivot: pivot_root $R
pivot: detach the old root
pivot: chdir /
pivot: exec /bin/true"
	fi
	run env CONCH_VERBOSE=1 nsnew -m pivot --no-proc "$R" /bin/true
	assert_contains "$ERR" "pivot: mount tmpfs on /tmp"
	assert_not_contains "$ERR" "mount proc"
}

test_switches_off() {
	need_root || return 0
	run mntns pivot --no-proc --no-sys --no-dev --no-tmp "$R" /bin/sh -c \
		'ls -A /dev /proc /sys /tmp; echo end'
	assert_rc 0
	assert_out "/dev:

/proc:

/sys:

/tmp:
end"
}

test_ro_root() {
	need_root || return 0
	run mntns -p pivot --ro "$R" /bin/sh -c \
		'touch /x 2>&1; touch /tmp/x && echo tmp ok; echo >/dev/null && echo dev ok'
	assert_rc 0
	assert_out "touch: /x: Read-only file system
tmp ok
dev ok"
	assertFalse "[ -e '$R/x' ]"
}

test_bind_ro_bind_tmpfs() {
	need_root || return 0
	mkdir -p "$T/rw" "$T/ro/sub"
	echo host >"$T/ro/file"
	echo file >"$T/onefile"
	# A mount below the --ro-bind source must turn read-only too.
	run mntns -p sh -c "mount -t tmpfs sub $T/ro/sub && exec pivot \
		--bind $T/rw:/mnt/rw --ro-bind $T/ro:/mnt/ro \
		--ro-bind $T/onefile:/etc/onefile --tmpfs /run \
		--bind $T/rw:/tmp/rw $R /bin/sh -c '
		echo in >/mnt/rw/f && echo rw ok
		cat /mnt/ro/file; echo x 2>&1 >/mnt/ro/file
		touch /mnt/ro/sub/x 2>&1
		cat /etc/onefile; echo x 2>&1 >/etc/onefile
		awk \"\\\$5 == \\\"/run\\\" { print \\\$9 }\" /proc/self/mountinfo
		stat -c %a /run; ls /tmp/rw'"
	assert_rc 0
	assert_out "rw ok
host
/bin/sh: can't create /mnt/ro/file: Read-only file system
touch: /mnt/ro/sub/x: Read-only file system
file
/bin/sh: can't create /etc/onefile: Read-only file system
tmpfs
755
f"
	assertEquals "written through the bind" "in" "$(cat "$T/rw/f")"
	assertTrue "file mount point made" "[ -f '$R/etc/onefile' ]"
}

test_chdir() {
	need_root || return 0
	mkdir -p "$R/home/box"
	assert_ok mntns pivot -w /home/box "$R" /bin/pwd
	assert_out /home/box
	assert_ok mntns pivot --chdir /tmp "$R" /bin/sh -c 'pwd; stat -f -c %T .'
	assert_out "/tmp
tmpfs"
}

test_exec_failures() {
	need_root || return 0
	assert_fails 127 "pivot: exec nosuch: No such file or directory (programs are now looked up inside the new root $R: put them there, e.g. with mkrootfs --copy PROG, or mkrootfs --tools for the conch tools)" \
		mntns pivot "$R" nosuch
	assert_fails 126 "pivot: exec /etc/passwd: Permission denied" \
		mntns pivot "$R" /etc/passwd
}

test_fd_hygiene() {
	need_root || return 0
	# 3 is ls's own, of the directory it lists.
	assert_ok closed_fds nsnew -m pivot "$R" /bin/ls /proc/self/fd
	assert_out "0
1
2
3"
}

test_console_is_the_terminal_on_stdin() {
	need_root || return 0
	need_cmd script || return 0
	run script -qec "nsnew -m pivot $R /bin/sh -c \
		'stat -c %t:%T /dev/console; stat -L -c %t:%T /proc/self/fd/0'" /dev/null
	assert_rc 0
	local lines
	lines=$(tr -d '\r' <<<"$OUT")
	assertEquals "console and stdin" "$(sed -n 1p <<<"$lines")" "$(sed -n 2p <<<"$lines")"
	assert_not_contains "$lines" "No such file"
}

# --- hostile images -----------------------------------------------------------

# hostile_run PIVOT_ARGS...: pivot with a last --bind that fails after every
# other mount (so that the namespace outlives it), then the mounts of that
# namespace; then the same pivot, successful, running $HOSTILE_INSIDE.
hostile_run() {
	run mntns -p sh -c "pivot $* --bind $T/absent:/zz $R /bin/true 2>/dev/null
		echo rc=\$?; cat /proc/self/mountinfo >$T/ns-mountinfo
		exec pivot $* $R /bin/sh -c '$HOSTILE_INSIDE'"
}

# Nothing of the namespace or the host is mounted on, or made in, a host
# path: /etc and the canary directory.
assert_host_untouched() {
	local mi
	mi=$(cat "$T/ns-mountinfo")
	assert_contains "$OUT" "rc=125"
	assertEquals "mounts on host paths in the namespace" "" \
		"$(awk -v c="$CANARY" '$5 == "/etc" || index($5, c) == 1' <<<"$mi")"
	assertEquals "mounts on host paths in the host" "" \
		"$(awk -v c="$CANARY" '$5 == "/etc" || index($5, c) == 1' /proc/self/mountinfo)"
	assertEquals "canary directory" "" "$(ls -A "$CANARY")"
	assertFalse "host /etc/null" "[ -e /etc/null ]"
	assertFalse "host /etc/self" "[ -e /etc/self ]"
	assertFalse "host /etc/pts" "[ -e /etc/pts ]"
}

set_up_hostile() {
	CANARY=$T/host-canary
	mkdir "$CANARY"
}

test_hostile_proc_link_to_etc() {
	need_root || return 0
	set_up_hostile
	rmdir "$R/proc" && ln -s /etc "$R/proc"
	HOSTILE_INSIDE='readlink /proc; cat /etc/self/comm'
	hostile_run
	assert_host_untouched
	assert_contains "$OUT" "/etc
cat"
}

test_hostile_sys_relative_escape() {
	need_root || return 0
	set_up_hostile
	rmdir "$R/sys" && ln -s ../../../../../../../../etc "$R/sys"
	HOSTILE_INSIDE='test -d /etc/kernel && echo sysfs on /etc'
	hostile_run
	assert_host_untouched
	assert_contains "$OUT" "sysfs on /etc"
}

test_hostile_dev_link_to_canary() {
	need_root || return 0
	set_up_hostile
	rmdir "$R/dev" && ln -s "$CANARY" "$R/dev"
	# The link leads to a path missing inside the root: a clear failure.
	HOSTILE_INSIDE='echo unreachable'
	hostile_run --no-tmp
	assert_host_untouched
	assert_err "pivot: mount point /dev in $R: No such file or directory (a symbolic link to a path missing inside the new root?)"
	# Where the link leads inside the root exists: /dev is mounted there.
	mkdir -p "$R$CANARY"
	HOSTILE_INSIDE='ls /dev/null /dev/pts/ptmx'
	hostile_run --no-tmp
	assert_host_untouched
	assert_contains "$OUT" "/dev/null
/dev/pts/ptmx"
}

test_hostile_tmp_link_loops() {
	need_root || return 0
	set_up_hostile
	rmdir "$R/tmp" && ln -s "$CANARY" "$R/tmp"
	# $CANARY is under /tmp: inside the root, /tmp leads back to the link.
	HOSTILE_INSIDE='echo unreachable'
	hostile_run
	assert_host_untouched
	assert_rc 125
	assert_err "pivot: mount point /tmp in $R: Too many levels of symbolic links (symbolic links resolve inside the new root)"
}

test_hostile_bind_target_link() {
	need_root || return 0
	set_up_hostile
	mkdir "$T/src" && echo bound >"$T/src/marker"
	ln -s /etc "$R/data"
	ln -s ../../../../../../../../tmp "$R/data2"
	HOSTILE_INSIDE='cat /etc/marker /tmp/marker'
	hostile_run --bind "$T/src:/data" --bind "$T/src:/data2"
	assert_host_untouched
	assert_contains "$OUT" "bound
bound"
	# A link to a host path missing inside the root: a clear failure.
	ln -s "$CANARY" "$R/data3"
	hostile_run --bind "$T/src:/data3"
	assert_host_untouched
	assert_err "pivot: mount point /data3 in $R: No such file or directory (a symbolic link to a path missing inside the new root?)"
}

test_hostile_rootless() {
	need_user || return 0
	set_up_hostile
	chmod 777 "$CANARY"
	rmdir "$R/proc" "$R/dev" && ln -s /etc "$R/proc" && ln -s "$CANARY" "$R/dev"
	mkdir -p "$R$CANARY"
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run userns pivot --no-tmp "$R" /bin/sh -c 'cat /etc/self/comm; ls /dev/null'
	assert_rc 0
	assert_out "cat
/dev/null"
	assertEquals "canary directory" "" "$(ls -A "$CANARY")"
	assertFalse "host /etc/self" "[ -e /etc/self ]"
}

# --- rootless ---------------------------------------------------------------

test_rootless_after_pivot() {
	need_user || return 0
	run userns pivot "$R" /bin/sh -c "$INSIDE"
	check_inside
	# With a net namespace of its own, /sys is a new sysfs: no submounts.
	run userns pivot "$R" /bin/cat /proc/self/mountinfo
	assertEquals "mount points" \
		"/ /dev /dev/full /dev/null /dev/pts /dev/random /dev/shm /dev/tty /dev/urandom /dev/zero /proc /sys /tmp " \
		"$(mountpoints "$OUT")"
}

test_rootless_sys_without_net_namespace() {
	need_user || return 0
	run as_user nsnew -U --map-root -mp pivot -v "$R" /bin/sh -c \
		'touch /sys/x 2>&1; awk "\$5 ~ /^\/sys/ { print \$6 }" /proc/self/mountinfo | sort -u'
	assert_rc 0
	assert_contains "$ERR" "pivot: mount sysfs: Operation not permitted (the net namespace is not this user namespace's): bind the host's /sys instead, read-only"
	# Every mount below /sys is read-only, the host's cgroup mounts too.
	assert_out "touch: /sys/x: Read-only file system
ro,nosuid,nodev,noexec,relatime"
}

test_rootless_ro_and_binds() {
	need_user || return 0
	mkdir -p "$T/rw" "$T/ro"
	chown "$TEST_UID:$TEST_GID" "$T/rw" "$T/ro"
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run userns pivot --ro --bind "$T/rw:/mnt/rw" --ro-bind "$T/ro:/mnt/ro" \
		--tmpfs /run "$R" /bin/sh -c \
		'touch /x 2>&1; touch /mnt/rw/f && echo rw ok; touch /mnt/ro/f 2>&1; touch /run/f && echo run ok'
	assert_rc 0
	assert_out "touch: /x: Read-only file system
rw ok
touch: /mnt/ro/f: Read-only file system
run ok"
	assertTrue "[ -e '$T/rw/f' ]"
}

# --- initramfs ----------------------------------------------------------------

root_is_initramfs() {
	awk '$5 == "/" { split($0, a, " - "); split(a[2], t, " ");
		if (t[1] == "rootfs" || $1 == $2) found = 1 }
		END { exit !found }' /proc/self/mountinfo
}

test_initramfs_falls_back_to_move_and_chroot() {
	need_root || return 0
	if ! root_is_initramfs; then
		skip "/ is not an initramfs here (runs in the qemu VM)"
		return
	fi
	run mntns -p pivot -v "$R" /bin/sh -c 'ls /bin/busybox; cat /proc/self/mountinfo'
	assert_rc 0
	assert_contains "$ERR" "pivot: pivot_root $R: Invalid argument: / is the initramfs; move $R onto / and chroot instead"
	assert_contains "$OUT" "/bin/busybox"
	assert_not_contains "$OUT" " - rootfs "
}

. shunit2

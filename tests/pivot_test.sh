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
	# The masks, binds of the old root's /dev/null among them, have tests
	# of their own below.
	run mntns -p pivot --unmask all "$R" /bin/cat /proc/self/mountinfo
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
	# Then the read-only and masked paths, the last of them just before
	# the switch.
	assert_contains "$ERR" "pivot: mount tmpfs on /tmp
pivot: read-only /proc/bus"
	assertEquals "the step before pivot_root" "/sys/devices/virtual/powercap" \
		"$(sed -n '/^pivot: pivot_root/{x;p;q};h' <<<"$ERR" | grep -o '/sys/[a-z/]*')"
	if root_is_initramfs; then
		assert_contains "$ERR" "pivot: pivot_root $R
pivot: pivot_root $R: Invalid argument: / is the initramfs; move $R onto / and chroot instead
pivot: chdir /
pivot: exec /bin/true"
	else
		assert_contains "$ERR" "pivot: pivot_root $R
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

# What an OCI config's mounts ask beyond that: bind flags, a tmpfs mode,
# a noexec tmpfs, /dev/mqueue, a noexec /dev of 64 MiB, a /dev/shm of
# docker's --shm-size; and as rootless.
test_bind_flags_tmpfs_mode_mqueue() {
	need_root || return 0
	mkdir -p "$T/rw"
	cp "$R/bin/busybox" "$T/rw/prog"
	run mntns -p -i pivot --mqueue --bind "$T/rw:/mnt/rw:nosuid,noexec" \
		--ro-bind "$T/rw:/mnt/ro:nodev" --tmpfs /run:1777:1m \
		--tmpfs /srv:755::noexec --shm-size 2m "$R" /bin/sh -c '
		for m in /mnt/rw /mnt/ro /dev /dev/mqueue /srv; do
			grep " $m " /proc/self/mountinfo | cut -d" " -f5,6; done
		grep -E " /(dev|dev/shm|run) " /proc/self/mountinfo | grep -o "size=[0-9a-z]*"
		stat -c %a /run; /mnt/rw/prog true 2>&1 | sed "s/.*: //"
		cp /mnt/rw/prog /srv && /srv/prog true 2>&1 | sed "s/.*: //"'
	assert_rc 0
	assert_out "/mnt/rw rw,nosuid,noexec,relatime
/mnt/ro ro,nodev,relatime
/dev rw,nosuid,nodev,noexec,relatime
/dev/mqueue rw,nosuid,nodev,noexec,relatime
/srv rw,nosuid,nodev,noexec,relatime
size=65536k
size=2048k
size=1024k
1777
Permission denied
Permission denied"
	need_user || return 0
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run as_user nsnew -U --map-root -mpi pivot --mqueue --tmpfs /run:700 "$R" \
		/bin/sh -c 'grep -c " /dev/mqueue " /proc/self/mountinfo; stat -c %a /run'
	assert_rc 0
	assert_out "1
700"
}

test_bind_flags_tmpfs_mode_mqueue_errors() {
	assert_fails 125 "pivot: --bind /a:/b:nosuid,bad: unknown flag 'bad' (nosuid, nodev, noexec)" \
		pivot --bind /a:/b:nosuid,bad /x
	assert_fails 125 "pivot: --ro-bind /a:/b:: unknown flag '' (nosuid, nodev, noexec)" \
		pivot --ro-bind /a:/b: /x
	assert_fails 125 "pivot: --tmpfs /run:999: bad mode '999' (octal, as 1777)" \
		pivot --tmpfs /run:999 /x
	assert_fails 125 "pivot: --tmpfs /run:: bad mode '' (octal, as 1777)" \
		pivot --tmpfs /run: /x
	assert_fails 125 "pivot: --tmpfs /run:755:1x: bad size '1x' (a number with k, m or g, as 64m)" \
		pivot --tmpfs /run:755:1x /x
	assert_fails 125 "pivot: --tmpfs /run:755::exec: unknown flag 'exec' (nosuid, nodev, noexec)" \
		pivot --tmpfs /run:755::exec /x
	assert_fails 125 "pivot: --tmpfs-copyup /run:::: unknown flag '' (nosuid, nodev, noexec)" \
		pivot --tmpfs-copyup /run::: /x
	assert_fails 125 "pivot: --shm-size 1x: bad size (a number with k, m or g, as 64m)" \
		pivot --shm-size 1x /x
	assert_fails 125 "pivot: --shm-size with --no-dev: /dev/shm is pivot's /dev's" \
		pivot --no-dev --shm-size 1m /x
	assert_fails 125 "pivot: --mqueue with --no-dev: the queues are mounted in pivot's /dev" \
		pivot --no-dev --mqueue /x
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
# --- --tmpfs-copyup ----------------------------------------------------------

# A /run in the image with a file of another owner, set-user-ID and old,
# a directory, a link out of the root, a FIFO.
copyup_image() {
	mkdir -p "$R/run/sub/deep"
	echo hi >"$R/run/sub/f"
	chown 7:8 "$R/run/sub/f"
	chmod 4750 "$R/run/sub/f"
	touch -d 2001-02-03 "$R/run/sub/f"
	ln -s /etc/shadow "$R/run/link"
	mkfifo "$R/run/fifo"
	chmod 710 "$R/run"
}

COPYUP_INSIDE='stat -c "%n %a %u:%g %F" /run /run/sub /run/sub/f /run/link \
	/run/fifo /run/sub/deep; stat -c %y /run/sub/f | cut -c1-10
readlink /run/link; cat /run/sub/f
awk "\$5 == \"/run\" { print \$9, \$6 }" /proc/self/mountinfo
echo new >/run/new'

test_tmpfs_copyup() {
	need_root || return 0
	copyup_image
	run mntns pivot --tmpfs-copyup /run --ro "$R" /bin/sh -c "$COPYUP_INSIDE"
	assert_rc 0
	assert_out "/run 710 0:0 directory
/run/sub 755 0:0 directory
/run/sub/f 4750 7:8 regular file
/run/link 777 0:0 symbolic link
/run/fifo 644 0:0 fifo
/run/sub/deep 755 0:0 directory
2001-02-03
/etc/shadow
hi
tmpfs rw,nosuid,nodev,relatime"
	assertFalse "the image is not written" "[ -e '$R/run/new' ]"
	# MODE and SIZE as --tmpfs takes them.
	run mntns pivot --tmpfs-copyup /run:1777:1m "$R" /bin/sh -c \
		'stat -c %a /run; grep " /run " /proc/self/mountinfo | grep -o "size=[0-9a-z]*"'
	assert_out "1777
size=1024k"
	# Nothing there: an empty tmpfs, made where it is missing.
	run mntns pivot --tmpfs-copyup /var/empty "$R" /bin/sh -c 'ls -A /var/empty; stat -c %a /var/empty'
	assert_rc 0
	assert_out "755"
}

test_tmpfs_copyup_rootless() {
	need_user || return 0
	copyup_image
	chown -hR "$TEST_UID:$TEST_GID" "$R/run" "$R/var"
	chmod 4750 "$R/run/sub/f"
	run userns pivot --tmpfs-copyup /run "$R" /bin/sh -c "$COPYUP_INSIDE"
	assert_rc 0
	assert_contains "$OUT" "/run/sub/f 4750 0:0 regular file"
	assert_contains "$OUT" "/etc/shadow
hi"
	# A file whose owner the user namespace does not map cannot be
	# copied with its owner: a clear 125, nothing mounted.
	chown 7 "$R/run/sub/f"
	run userns pivot --tmpfs-copyup /run "$R" /bin/true
	assert_rc 125
	assert_err "pivot: --tmpfs-copyup /run: chown sub/f: Invalid argument (its owner is not mapped in this user namespace)"
}

test_tmpfs_copyup_failures() {
	need_root || return 0
	copyup_image
	head -c 200000 /dev/zero >"$R/run/big"
	run mntns pivot --tmpfs-copyup /run::64k "$R" /bin/true
	assert_rc 125
	assert_err "pivot: --tmpfs-copyup /run: copy big: No space left on device (the tmpfs is full: give it a larger SIZE)"
	assert_fails 125 "pivot: --tmpfs-copyup /run:8: bad mode '8' (octal, as 1777)" \
		pivot --tmpfs-copyup /run:8 /x
	assert_fails 125 "pivot: --tmpfs-copyup: empty path" pivot --tmpfs-copyup "" /x
	# A device node in the image: made anew as root; a user namespace
	# cannot, and says so.
	rm "$R/run/big"
	mknod "$R/run/null" c 1 3
	run mntns pivot --tmpfs-copyup /run "$R" /bin/sh -c 'stat -c "%F %t:%T" /run/null'
	assert_out "character special file 1:3"
	need_user || return 0
	chown -hR "$TEST_UID:$TEST_GID" "$R/run"
	run userns pivot --tmpfs-copyup /run "$R" /bin/true
	assert_rc 125
	assert_err "pivot: --tmpfs-copyup /run: mknod null: Operation not permitted (a user namespace cannot make device nodes)"
}

# The directory is resolved inside the root: a link to /etc copies the
# image's /etc, never the host's; a link to a file is refused.
test_hostile_tmpfs_copyup_links() {
	need_root || return 0
	set_up_hostile
	rm -rf "$R/run" && ln -s /etc "$R/run"
	echo image >"$R/etc/mine"
	assertNotEquals "the host's /etc is not the image's" "$(ls /etc)" "$(ls "$R/etc")"
	HOSTILE_INSIDE='ls /run; cat /run/mine'
	hostile_run --tmpfs-copyup /run
	assert_host_untouched
	assert_contains "$OUT" "$(ls "$R/etc")
image"
	ln -s /etc/passwd "$R/file"
	hostile_run --tmpfs-copyup /file
	assert_err "pivot: --tmpfs-copyup /file: open /file: Not a directory"
}

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
	# With a net namespace of its own, /sys is a new sysfs: no submounts
	# but the masks, tested on their own below.
	run userns pivot --unmask all "$R" /bin/cat /proc/self/mountinfo
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

# --- masked and read-only paths ---------------------------------------------

MASKED="/proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats
	/proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi
	/sys/firmware /sys/devices/virtual/powercap"

# What each masked path holds, seen from inside: "PATH dir N" (N entries),
# "PATH file N" (N of its first byte), or "PATH none".
SHOW_MASKED='for p in '$(echo $MASKED)'; do
	if [ -d $p ]; then echo "$p dir $(ls -A $p | wc -l)"
	elif [ -e $p ]; then echo "$p file $(head -c 1 $p | wc -c)"
	else echo "$p none"; fi
done'

# The same, as it must be: what this kernel has, all of it empty.
masked_empty() {
	local p
	for p in $MASKED; do
		if [ -d "$p" ]; then echo "$p dir 0"
		elif [ -e "$p" ]; then echo "$p file 0"
		else echo "$p none"; fi
	done
}

# need_masked_content || return 0: a masked path with something in it
# here, so that reading it empty inside proves the mask.
need_masked_content() {
	[ -n "$(ls -A /sys/firmware 2>/dev/null)" ] && return 0
	skip "/sys/firmware is empty on this host: no mask would show"
	return 1
}

# The mount points below /proc and /sys, as seen from inside, on one line.
SHOW_MASK_MOUNTS='awk "\$5 ~ /^\/(proc|sys)\// { print \$5 }" /proc/self/mountinfo | sort | tr "\n" " "; echo'

# As root in a user namespace, pivot is an unprivileged uid of the host:
# a 0700 directory on the way to NEWROOT stops it, and it says why.
test_newroot_unreachable_for_the_container_root() {
	need_root || return 0
	mkdir -m 700 "$T/private"
	mkrootfs "$T/private/root" || fail "mkrootfs"
	assert_fails 125 "pivot: new root $T/private/root: Permission denied (uid 0 here is uid 4200000 of the host, which every directory on the way must let through: chmod o+x, or keep the image elsewhere)" \
		nsnew -U --map b:0:4200000:65536 -m pivot "$T/private/root" true
}

test_masked_paths_read_empty() {
	need_root || return 0
	need_masked_content || return 0
	mkdir -p "$R/srv/dir"
	echo secret >"$R/srv/dir/file"
	run mntns -p pivot --mask /srv "$R" /bin/sh -c "$SHOW_MASKED
		touch /sys/firmware/x /srv/x 2>&1
		awk '\$5 == \"/sys/firmware\" || \$5 == \"/srv\" {
			if (!(\$3 in dev)) { dev[\$3]; n++ }; print \$6, \$9 }
			END { print n, \"superblock\" }' /proc/self/mountinfo | sort -u"
	assert_rc 0
	# An empty read-only tmpfs on each directory, all of one superblock.
	assert_out "$(masked_empty)
touch: /sys/firmware/x: Read-only file system
touch: /srv/x: Read-only file system
1 superblock
ro,nosuid,nodev,noexec,relatime tmpfs"
}

test_masked_paths_read_empty_rootless() {
	need_user || return 0
	need_masked_content || return 0
	# A new sysfs (own net namespace), then the host's /sys bound.
	run userns pivot "$R" /bin/sh -c "$SHOW_MASKED"
	assert_rc 0
	assert_out "$(masked_empty)"
	run as_user nsnew -U --map-root -mp pivot -v "$R" /bin/sh -c "$SHOW_MASKED"
	assert_rc 0
	assert_contains "$ERR" "bind the host's /sys instead, read-only"
	assert_out "$(masked_empty)"
}

# Run as root in a new UTS namespace: a write that succeeds changes only
# the container's hostname, and the host's swappiness is put back if the
# read-only mount failed to hold.
test_readonly_paths_refuse_writes() {
	need_root || return 0
	local swap host
	swap=$(cat /proc/sys/vm/swappiness)
	host=$(hostname)
	defer "echo $swap >/proc/sys/vm/swappiness"
	run nsnew -mpu pivot "$R" /bin/sh -c '
		echo box 2>&1 >/proc/sys/kernel/hostname; hostname
		echo '$((swap == 7 ? 8 : 7))' 2>&1 >/proc/sys/vm/swappiness
		awk "\$5 ~ /^\/proc\/(bus|fs|irq|sys)\$/ { print \$5, substr(\$6, 1, 3) }" /proc/self/mountinfo'
	assert_rc 0
	assert_out "/bin/sh: can't create /proc/sys/kernel/hostname: Read-only file system
$host
/bin/sh: can't create /proc/sys/vm/swappiness: Read-only file system
$(for d in bus fs irq sys; do [ -e /proc/$d ] && echo "/proc/$d ro,"; done)"
	assertEquals "host swappiness" "$swap" "$(cat /proc/sys/vm/swappiness)"
	# It was the read-only mount, not a permission: without it, the
	# container's own hostname changes, and the host's does not.
	run nsnew -mpu pivot --unmask /proc/sys "$R" /bin/sh -c \
		'echo box >/proc/sys/kernel/hostname && hostname'
	assert_rc 0
	assert_out box
	assertEquals "host name" "$host" "$(hostname)"
}

test_readonly_paths_refuse_writes_rootless() {
	need_user || return 0
	local fwd
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	run userns pivot "$R" /bin/sh -c '
		echo box 2>&1 >/proc/sys/kernel/hostname
		echo 1 2>&1 >/proc/sys/net/ipv4/ip_forward; true'
	assert_rc 0
	assert_out "/bin/sh: can't create /proc/sys/kernel/hostname: Read-only file system
/bin/sh: can't create /proc/sys/net/ipv4/ip_forward: Read-only file system"
	# Unmasked: the kernel's own checks decide. The hostname is the host
	# root's to write, the net namespace's sysctls its owner's.
	run userns pivot --unmask /proc/sys "$R" /bin/sh -c '
		echo box 2>&1 >/proc/sys/kernel/hostname
		echo 1 >/proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward'
	assert_rc 0
	assert_out "/bin/sh: can't create /proc/sys/kernel/hostname: Permission denied
1"
	assertEquals "host ip_forward" "$fwd" "$(cat /proc/sys/net/ipv4/ip_forward)"
}

test_sysrq_trigger_read_only() {
	need_root || return 0
	if [ ! -e /proc/sysrq-trigger ]; then
		skip "no /proc/sysrq-trigger in this kernel (CONFIG_MAGIC_SYSRQ); the VM suite has one"
		return 0
	fi
	# h only prints the help to the kernel log, should the mount not hold.
	run mntns -p pivot "$R" /bin/sh -c 'echo h 2>&1 >/proc/sysrq-trigger; true'
	assert_rc 0
	assert_out "/bin/sh: can't create /proc/sysrq-trigger: Read-only file system"
	if need_user; then
		run userns pivot "$R" /bin/sh -c 'echo h 2>&1 >/proc/sysrq-trigger; true'
		assert_out "/bin/sh: can't create /proc/sysrq-trigger: Read-only file system"
	fi
}

test_unmask() {
	need_root || return 0
	need_masked_content || return 0
	run mntns -p pivot --unmask all "$R" /bin/sh -c "$SHOW_MASK_MOUNTS"
	assert_rc 0
	assert_out ""
	# A path is compared as written, less doubled and trailing slashes.
	run mntns -p pivot --unmask /proc/sys --unmask sys//firmware/ "$R" \
		/bin/sh -c "$SHOW_MASK_MOUNTS; ls /sys/firmware | wc -l"
	assert_rc 0
	assert_contains "$OUT" "/proc/bus /proc/fs /proc/irq "
	assert_not_contains "$OUT" "/proc/sys "
	assert_not_contains "$OUT" "/sys/firmware "
	assertNotEquals "entries of /sys/firmware" 0 "$(tail -1 <<<"$OUT")"
	# Options apply in order: all, then one of our own; a mask given and
	# taken back is no mask.
	run mntns -p pivot --unmask all --ro-path /proc/sys --mask /proc/cpuinfo \
		--mask /proc/version --unmask /proc/version "$R" /bin/sh -c \
		"$SHOW_MASK_MOUNTS; wc -c </proc/cpuinfo; head -c 5 /proc/version"
	assert_rc 0
	assert_out "/proc/cpuinfo /proc/sys 
0
Linux"
	# A path given twice, once of each kind, is of the last kind.
	run mntns -p pivot --unmask all --mask /proc/sys --ro-path /proc/sys "$R" \
		/bin/sh -c "$SHOW_MASK_MOUNTS; ls /proc/sys | wc -l"
	assert_out "/proc/sys 
$(ls /proc/sys | wc -l)"
}

test_mask_and_ro_path_in_the_image() {
	need_root || return 0
	mkdir -p "$R/srv/dir/sub" "$R/srv/rw"
	echo secret >"$R/srv/secret"
	echo secret >"$R/srv/dir/file"
	run mntns -p pivot --mask /srv/secret --mask srv/dir/ --ro-path /srv/rw \
		--ro-path /etc/passwd -v "$R" /bin/sh -c '
		cat /srv/secret; ls -A /srv/dir; touch /srv/dir/x 2>&1
		touch /srv/rw/x 2>&1; echo x 2>&1 >>/etc/passwd
		touch /etc/x && echo etc ok'
	assert_rc 0
	assert_out "touch: /srv/dir/x: Read-only file system
touch: /srv/rw/x: Read-only file system
/bin/sh: can't create /etc/passwd: Read-only file system
etc ok"
	assert_contains "$ERR" "pivot: read-only /srv/rw"
	assert_contains "$ERR" "pivot: read-only /etc/passwd"
	assert_contains "$ERR" "pivot: mask /srv/secret (bind /dev/null)"
	assert_contains "$ERR" "pivot: mask /srv/dir (read-only tmpfs)"
	assertEquals "the image's file" secret "$(cat "$R/srv/secret")"
	assertFalse "[ -e '$R/srv/rw/x' ]"
}

# Masks come after the --bind mounts, and cover them.
test_masks_cover_binds() {
	need_root || return 0
	local swap
	mkdir -p "$T/fakeproc/acpi" "$T/fakeproc/sys" "$T/data"
	echo host >"$T/fakeproc/keys"
	echo host >"$T/fakeproc/acpi/file"
	echo host >"$T/data/secret"
	run mntns -p pivot --no-proc --bind "$T/fakeproc:/proc" \
		--bind "$T/data:/srv" --mask /srv/secret "$R" /bin/sh -c '
		cat /proc/keys /srv/secret; ls -A /proc/acpi
		touch /proc/sys/x 2>&1; true'
	assert_rc 0
	assert_out "touch: /proc/sys/x: Read-only file system"
	assertEquals "host file" host "$(cat "$T/data/secret")"
	# The host's own procfs, bound: its sysctls are read-only too.
	swap=$(cat /proc/sys/vm/swappiness)
	defer "echo $swap >/proc/sys/vm/swappiness"
	run mntns -p pivot --no-proc --bind /proc:/proc "$R" /bin/sh -c '
		echo '$((swap == 7 ? 8 : 7))' 2>&1 >/proc/sys/vm/swappiness; true'
	assert_rc 0
	assert_out "/bin/sh: can't create /proc/sys/vm/swappiness: Read-only file system"
	assertEquals "host swappiness" "$swap" "$(cat /proc/sys/vm/swappiness)"
}

# Defaults missing from the image are skipped, as runc skips them.
test_missing_defaults_skipped() {
	need_root || return 0
	run mntns pivot -v --no-proc --no-sys "$R" /bin/sh -c "$SHOW_MASK_MOUNTS"
	assert_rc 0
	assert_out ""
	assert_contains "$ERR" "pivot: no /proc/sys to make read-only"
	assert_contains "$ERR" "pivot: no /proc/kcore to mask"
	assert_contains "$ERR" "pivot: no /sys/firmware to mask"
	assert_not_contains "$ERR" "pivot: mask "
}

test_mask_bad_input() {
	assert_fails 125 "pivot: option '--mask' needs an argument (see pivot --help)" \
		pivot --mask
	assert_fails 125 "pivot: --mask: empty path" pivot --mask '' "$R"
	assert_fails 125 "pivot: --ro-path /: the new root itself (--ro makes it read-only)" \
		pivot --ro-path / "$R"
	assert_fails 125 "pivot: --mask //./: the new root itself (--ro makes it read-only)" \
		pivot --mask //./ "$R"
	assert_fails 125 "pivot: --ro-path /proc/../etc: a path through '..' (name the path itself)" \
		pivot --ro-path /proc/../etc "$R"
	assert_fails 125 "pivot: --unmask /proc/nope: not a masked or read-only path" \
		pivot --unmask /proc/nope "$R"
	assert_fails 125 "pivot: --unmask /proc/keys: not a masked or read-only path" \
		pivot --unmask all --unmask /proc/keys "$R"
	need_root || return 0
	# A path given must be there; nothing made before is left.
	mkdir -p "$T/data"
	run mntns sh -c "pivot --bind $T/data:/new/dir --mask /nope $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --mask /nope: No such file or directory"
	assertFalse "$R/new left behind" "[ -e '$R/new' ]"
	assert_fails 125 "pivot: --ro-path /etc/passwd/x: Not a directory" \
		mntns pivot --ro-path /etc/passwd/x "$R" /bin/true
}

test_failure_after_masks_undoes_them() {
	need_root || return 0
	run mntns sh -c "pivot --mask /etc/passwd --chdir /nope $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --chdir /nope: No such file or directory"
	need_user || return 0
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run as_user nsnew -U --map-root -mp sh -c "pivot --mask /etc/passwd \
		--mask /nope $R /bin/true; echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: --mask /nope: No such file or directory"
}

# A file is masked with the null device only: a /dev/null that is not one
# would show what it is, not hide what it covers.
test_mask_needs_the_null_device() {
	need_root || return 0
	echo host >"$T/fakenull"
	run mntns sh -c "mount --bind $T/fakenull /dev/null &&
		pivot --no-dev --mask /etc/passwd $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: open /dev/null: not the null device (character 1:3): it would show, not mask"
}

# A masked path that is a link in the image: never mounted through.
test_hostile_masked_path_links() {
	need_root || return 0
	set_up_hostile
	echo host >"$T/host-file"
	local target
	for target in ../../etc/passwd "$T/host-file"; do
		ln -sfn "$target" "$R/proc/kcore"
		run mntns sh -c "pivot --no-proc $R /bin/true; echo rc=\$?
			cat /proc/self/mountinfo >$T/ns-mountinfo"
		assert_out "rc=125"
		assert_err "pivot: mask /proc/kcore: a symbolic link in $R, not followed (--unmask /proc/kcore leaves it as it is)"
		assert_host_untouched
		assertEquals "mounts on /etc/passwd" "" \
			"$(awk '$5 == "/etc/passwd"' "$T/ns-mountinfo" /proc/self/mountinfo)"
	done
	# Left as it is, the link leads where it leads inside the root.
	run mntns pivot --no-proc --unmask /proc/kcore "$R" /bin/readlink /proc/kcore
	assert_out "$T/host-file"
	ln -s /etc "$R/sys/firmware"
	assert_fails 125 "pivot: mask /sys/firmware: a symbolic link in $R, not followed (--unmask /sys/firmware leaves it as it is)" \
		mntns pivot --no-sys "$R" /bin/true
	ln -s /etc/passwd "$R/srv-link"
	assert_fails 125 "pivot: --mask /srv-link: a symbolic link in $R, not followed (name the path it leads to)" \
		mntns pivot --mask /srv-link "$R" /bin/true
	assertEquals "host /etc/passwd" "" "$(awk '$5 == "/etc/passwd"' /proc/self/mountinfo)"
}

# A link on the way resolves inside the root, as for every mount point.
test_hostile_masked_path_through_link() {
	need_root || return 0
	set_up_hostile
	rmdir "$R/proc" && ln -s /etc "$R/proc"
	mkdir -p "$R/etc/sys"
	run mntns pivot --no-proc "$R" /bin/sh -c 'touch /etc/sys/x 2>&1; true'
	assert_rc 0
	assert_out "touch: /etc/sys/x: Read-only file system"
	assertFalse "host /etc/sys" "[ -e /etc/sys ]"
	assertEquals "mounts on host /etc" "" "$(awk '$5 ~ /^\/etc/' /proc/self/mountinfo)"
}

test_hostile_masked_path_links_rootless() {
	need_user || return 0
	ln -s ../../etc/passwd "$R/proc/kcore"
	chown -R "$TEST_UID:$TEST_GID" "$R"
	run as_user nsnew -U --map-root -m sh -c "pivot --no-proc $R /bin/true
		echo rc=\$?; grep -c '$R' /proc/self/mountinfo"
	assert_out "rc=125
0"
	assert_err "pivot: mask /proc/kcore: a symbolic link in $R, not followed (--unmask /proc/kcore leaves it as it is)"
}

# The kernel grants a new procfs only where a full one is in sight: the
# masks that cover parts of the container's keep a container inside it
# from making its own, until they are off.
test_nested_container_needs_unmask_all() {
	need_root || return 0
	need_cmd mkrootfs || return 0
	if root_is_initramfs; then
		skip "/ is the initramfs: pivot chroots, and the full /proc of the initramfs stays in the namespace, in sight for the kernel"
		return 0
	fi
	mkrootfs --tools "$R" >/dev/null && make_rootfs "$R/inner" || return 1
	run mntns -p pivot "$R" /bin/nsnew -U --map-root -mp pivot /inner /bin/true
	assert_rc 125
	assert_contains "$ERR" "pivot: mount proc on /proc: Operation not permitted"
	run mntns -p pivot --unmask all "$R" /bin/nsnew -U --map-root -mp pivot /inner /bin/true
	assert_rc 0
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

# --- --idmap: an image of the host's root, seen by a container whose root
# is uid 100000 of the host, through nsnew's mount helper.

IDMAP_NS=(nsnew -U --map b:0:100000:65536 -mp)

# need_idmap || return 0: root, and a kernel that idmaps the file system
# $R is on (tmpfs only since Linux 6.3: the VM's root is one).
need_idmap() {
	need_root || return 1
	run "${IDMAP_NS[@]}" pivot --idmap --no-proc --no-sys --no-dev --no-tmp "$R" true
	case $ERR in
	*"cannot be idmapped"*)
		skip "${ERR#pivot: --idmap "$R": } on this kernel"
		return 1 ;;
	esac
}

test_idmap_image_owned_by_host_root() {
	need_idmap || return 0
	echo x >"$R/owned"
	chown 5:7 "$R/owned"
	assert_ok "${IDMAP_NS[@]}" pivot --idmap "$R" sh -c '
		stat -c "%u:%g %n" / /etc/passwd /owned
		echo new >/root/new && mkdir /made && touch /f && chown 1000:1000 /f
		id -u'
	assert_out "0:0 /
0:0 /etc/passwd
5:7 /owned
0"
	# Through the idmapped mount, what the container's root writes lands
	# as the image's owner, the host's uid 0, and its uid N as host uid N:
	# the image stays as the host made it, not shifted to 100000.
	assertEquals "written inside" "0:0 0:0 1000:1000" \
		"$(stat -c %u:%g "$R/root/new" "$R/made" "$R/f" | tr '\n' ' ' | sed 's/ $//')"
	# Without --idmap, the same image is nobody's inside, and read-only
	# to the container's root.
	assert_ok "${IDMAP_NS[@]}" pivot "$R" sh -c '
		stat -c "%u:%g" / /owned; echo x 2>&1 >/root/x | sed "s/.*: //"'
	assert_out "65534:65534
65534:65534
Permission denied"
}

test_idmap_binds() {
	need_idmap || return 0
	mkdir "$T/src"
	echo data >"$T/src/file"
	assert_ok "${IDMAP_NS[@]}" pivot --idmap --bind "$T/src:/mnt/rw" \
		--ro-bind "$T/src:/mnt/ro" --bind "$T/src/file:/mnt/file" "$R" sh -c '
		stat -c "%u:%g %n" /mnt/rw/file /mnt/ro/file /mnt/file
		echo new >/mnt/rw/new
		echo no 2>&1 >/mnt/ro/no | sed "s/.*: //"'
	assert_out "0:0 /mnt/rw/file
0:0 /mnt/ro/file
0:0 /mnt/file
Read-only file system"
	assertEquals "written through the bind" "0:0 new" \
		"$(stat -c %u:%g "$T/src/new") $(cat "$T/src/new")"
}

test_idmap_where_the_file_system_cannot_be() {
	need_idmap || return 0
	# procfs has no FS_ALLOW_IDMAP: as a bind source...
	assert_fails 125 "pivot: --idmap /proc: proc cannot be idmapped (Invalid argument)" \
		"${IDMAP_NS[@]}" pivot --idmap --bind /proc:/mnt/p "$R" true
	assertFalse "no mount point left" "[ -e '$R/mnt/p' ]"
	# ... and mounted below NEWROOT (in a mount namespace of the test's own).
	mkdir "$R/mnt/p"
	assert_fails 125 "pivot: --idmap $R: proc on $R/mnt/p cannot be idmapped (Invalid argument)" \
		nsnew -m sh -c 'mount -t proc proc "$1" && shift && exec "$@"' - \
		"$R/mnt/p" "${IDMAP_NS[@]}" pivot --idmap "$R" true
}

test_idmap_needs_the_helper_of_a_root_nsnew() {
	local msg="pivot: --idmap $R: no mount helper from nsnew (idmapped mounts need root in the parent user namespace: as root, run the pivot beside nsnew as the PROG of nsnew -U -m --map b:0:100000:65536, or --map-auto; rootless, unpack the image shifted with mkrootfs --tar under nsnew -U --map-auto instead)"
	if is_root; then
		assert_fails 125 "$msg" mntns -p pivot --idmap "$R" true
		# --map-root: the container's root is the host's, nothing to idmap.
		assert_fails 125 "$msg" nsnew -Ur -mp pivot --idmap "$R" true
		# Only nsnew's PROG gets it, not a pivot further down the chain.
		assert_fails 125 "$msg" "${IDMAP_NS[@]}" env pivot --idmap "$R" true
	fi
	need_user || return 0
	assert_fails 125 "$msg" userns pivot --idmap "$R" true
	assert_fails 125 "$msg" as_user nsnew --map-auto -mp pivot --idmap "$R" true
	# A descriptor named by the variable that is no helper's socket is
	# ignored, and left alone (stdout still works).
	assert_fails 125 "$msg" userns env CONCH_IDMAP_FD=1 pivot --idmap "$R" true
	assert_ok userns env CONCH_IDMAP_FD=1 pivot "$R" echo out
	assert_out out
}

test_idmap_helper_reaches_no_prog() {
	need_idmap || return 0
	# Neither the socket nor the variable outlives pivot, with --idmap or
	# without (3 is ls's own).
	assert_ok closed_fds "${IDMAP_NS[@]}" pivot --idmap "$R" sh -c \
		'ls /proc/self/fd; echo "[${CONCH_IDMAP_FD-unset}]"'
	assert_out "0
1
2
3
[unset]"
	assert_ok closed_fds "${IDMAP_NS[@]}" pivot "$R" sh -c \
		'ls /proc/self/fd; echo "[${CONCH_IDMAP_FD-unset}]"'
	assert_out "0
1
2
3
[unset]"
}

# Processes of the host's PID namespace in mount namespace inode $1.
host_procs_in_mntns() {
	local p pidns
	pidns=$(ns_inode pid)
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/mnt" 2>/dev/null)" = "$1" ] &&
			[ "$(stat -L -c %i "$p/ns/pid" 2>/dev/null)" = "$pidns" ] &&
			echo "${p#/proc/}"
	done
}

test_idmap_helper_is_gone_when_prog_runs() {
	need_idmap || return 0
	local mnt
	spawn c "${IDMAP_NS[@]}" pivot --idmap "$R" sh -c \
		'stat -L -c %i /proc/self/ns/mnt >/root/mntns; exec sleep 100'
	wait_for "[ -s '$R/root/mntns' ]" || fail "the container did not start"
	mnt=$(cat "$R/root/mntns")
	# The helper joined that mount namespace; once PROG runs only nsnew,
	# waiting outside the PID namespace, is left there.
	wait_until 30 test "$(host_procs_in_mntns "$mnt" | wc -l)" -eq 1
	assertEquals "processes of the host in the container's mount namespace" \
		1 "$(host_procs_in_mntns "$mnt" | wc -l)"
	# nsnew's death takes the container with it.
	kill -KILL "$(host_procs_in_mntns "$mnt")"
	status_of c >/dev/null
}

. shunit2

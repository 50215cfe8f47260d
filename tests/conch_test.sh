#!/bin/bash
# conch, the OCI runtime, on bundles that `conch spec` makes and jq edits,
# with a busybox root: every config field looked at from inside, as the
# other suites look (uid_map, /proc/self/status, mountinfo, limits, the
# forbidden call tried), the lifecycle create/start/state/kill/delete,
# exec, hooks, the console socket, the log as podman reads it, bad bundles
# that must leave nothing behind, and runc side by side.
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2016 # expanded by the sh of the container

ROOTFS_TEMPLATE=
# sysprobe, where mkrootfs --copy puts it in the root: at its own path.
SP=$(command -v sysprobe)

oneTimeSetUp() {
	ROOTFS_TEMPLATE=$(mktemp -d /tmp/conch-conch-root.XXXXXX)
	chmod 755 "$ROOTFS_TEMPLATE"
	mkrootfs --busybox --copy "$SP" "$ROOTFS_TEMPLATE/r" >/dev/null ||
		echo "oneTimeSetUp: mkrootfs failed" >&2
}

one_time_tear_down() {
	[ -n "$ROOTFS_TEMPLATE" ] && rm -rf "$ROOTFS_TEMPLATE"
}

# The runtime with its state and its JSON log in the test's directory.
C() {
	conch --root "$T/state" --log "$T/log" --log-format json "$@"
}

# bundle NAME: $T/NAME from conch spec, a copy of the busybox root, its
# own cgroup (removed at tearDown), and no terminal.
bundle() {
	local b=$T/$1 cg
	mkdir -p "$b"
	cp -a "$ROOTFS_TEMPLATE/r" "$b/rootfs"
	conch spec --bundle "$b" || fail "conch spec"
	cg_new cg "$1"
	jqset "$1" --arg cg "/$cg" '.linux.cgroupsPath = $cg'
	eval "CG_$1=\$cg"
}

# jqset NAME [jq option]... FILTER: edits $T/NAME/config.json in place.
jqset() {
	local f=$T/$1/config.json
	shift
	jq "$@" "$f" >"$f.new" && mv "$f.new" "$f" || fail "jq $*"
}

# args NAME ARG...: process.args (after --, or jq takes a -c as its own).
args() {
	local b=$1 a
	shift
	a=$(jq -nc '$ARGS.positional' --args -- "$@")
	jqset "$b" --argjson a "$a" '.process.args = $a'
}

# probe NAME SCRIPT: process.args = sh -c SCRIPT.
probe() {
	args "$1" sh -c "$2"
}

# The log's lines at level error, and all its lines.
log_errors() {
	jq -r 'select(.level == "error") | .msg' "$T/log" 2>/dev/null
}

# nothing_left NAME ID: no state, no cgroup, no mount of the bundle.
nothing_left() {
	local cg
	eval "cg=\$CG_$1"
	assertFalse "state of $2 left" "[ -e '$T/state/$2' ]"
	assertFalse "cgroup $cg left" "[ -e '$(cgroup2_root)/$cg' ]"
	assertFalse "mounts of $T/$1 left" "grep -qF ' $T/$1' /proc/self/mountinfo"
}

set_up() {
	need_cg || return 0
	[ -n "$ROOTFS_TEMPLATE" ] && [ -d "$ROOTFS_TEMPLATE/r" ] || skip "no busybox root"
}

# --- run: the process ---------------------------------------------------

test_run_passes_the_status() {
	[ -z "$_skipped" ] || return 0
	bundle b
	probe b 'echo hello; exit 7'
	run C run --bundle "$T/b" c1
	assert_rc 7
	assert_out hello
	nothing_left b c1
	args b no-such-program
	run C run --bundle "$T/b" c2
	assert_rc 127
	assert_err 'conch: exec: "no-such-program": executable file not found in $PATH'
	assertEquals "the error in the log" 'conch: exec: "no-such-program": executable file not found in $PATH' "$(log_errors)"
	nothing_left b c2
	chmod 644 "$T/b/rootfs/bin/busybox"
	args b /bin/true
	run C run --bundle "$T/b" c3
	assert_rc 126
	assert_err 'conch: exec: "/bin/true": permission denied'
	nothing_left b c3
}

test_process_args_env_cwd_umask() {
	[ -z "$_skipped" ] || return 0
	bundle b
	mkdir -p "$T/b/rootfs/srv/app"
	# umask is a number in JSON: 23 is 0o27.
	jqset b '.process.env = ["PATH=/bin:/sbin", "A=one two", "EMPTY=", "HOME=/h"] |
		.process.cwd = "/srv/app" | .process.user.umask = 23'
	args b sh -c 'env | grep -v ^SHLVL= | sort; pwd; umask; echo "$0|$1"' zero 'one arg'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' 'A=one two' EMPTY= HOME=/h PATH=/bin:/sbin PWD=/srv/app /srv/app 0027 'zero|one arg')"
	# No HOME: the user's from the container's /etc/passwd, as runc sets it.
	jqset b '.process.env = ["PATH=/bin"] | .process.user.uid = 0'
	probe b 'echo $HOME'
	assert_ok C run -b "$T/b" c2
	assert_out /root
}

test_process_user_and_groups() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 1002]}'
	probe b 'id -u; id -g; id -G; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'
	assert_ok C run -b "$T/b" c1
	assert_contains "$OUT" $'1000\n1001\n1001 5 1002\n'
	# A non-root PROG keeps no capability it was not given in ambient.
	assert_contains "$OUT" $'CapEff:\t0000000000000000'
	jqset b '.process.user = {uid: 0, gid: 0}'
	probe b 'id -G'
	assert_ok C run -b "$T/b" c2
	assert_out 0
}

test_process_capabilities_exactly() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
		effective: ["CAP_KILL"],
		permitted: ["CAP_KILL", "CAP_NET_RAW"],
		inheritable: ["CAP_NET_RAW"],
		ambient: ["CAP_NET_RAW"]} | .process.noNewPrivileges = false'
	# Read before exec changes them: the shell's own, by its builtin read.
	probe b 'while read -r k v; do case $k in Cap*|NoNew*) echo "$k $v";; esac; done </proc/self/status'
	assert_ok C run -b "$T/b" c1
	# chown 0, kill 5, setuid 7, net_raw 13; exec as root raises
	# permitted and effective to bounding's (no securebits asked).
	assert_contains "$OUT" "CapBnd: 00000000000020a1"
	assert_contains "$OUT" "CapInh: 0000000000002000"
	assert_contains "$OUT" "CapAmb: 0000000000002000"
	assert_contains "$OUT" "NoNewPrivs: 0"
	# As uid 1000, exec keeps only the ambient set.
	jqset b '.process.user = {uid: 1000, gid: 1000}'
	assert_ok C run -b "$T/b" c2
	assert_contains "$OUT" "CapEff: 0000000000002000"
	assert_contains "$OUT" "CapPrm: 0000000000002000"
	# Ambient without inheritable: the kernel cannot raise it.
	jqset b '.process.capabilities.ambient = ["CAP_KILL"]'
	assert_fails 125 "conch: config.json: process.capabilities.ambient: cap_kill is not both permitted and inheritable, and the kernel cannot raise it" \
		C run -b "$T/b" c3
	nothing_left b c3
	jqset b '.process.capabilities.ambient = ["CAP_NO_SUCH"]'
	assert_fails 125 "conch: config.json: process.capabilities.ambient[0]: unknown capability 'CAP_NO_SUCH'" \
		C run -b "$T/b" c4
}

test_process_rlimits_and_oom_score() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_CORE", soft: 0, hard: 0},
		{type: "RLIMIT_CPU", soft: 18446744073709551615, hard: 18446744073709551615}] |
		.process.oomScoreAdj = 300'
	probe b 'grep -E "^Max (open files|core|cpu)" /proc/self/limits | tr -s " "; cat /proc/self/oom_score_adj'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' 'Max cpu time unlimited unlimited seconds ' 'Max core file size 0 0 bytes ' 'Max open files 100 200 files ' 300)"
	jqset b '.process.rlimits = [{type: "RLIMIT_FILES", soft: 1, hard: 1}]'
	assert_fails 125 "conch: config.json: process.rlimits[0].type: unknown resource 'RLIMIT_FILES'" \
		C run -b "$T/b" c2
	jqset b '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 10, hard: 5}]'
	run C run -b "$T/b" c3
	assert_rc 125
	assert_err "rlimit: nofile=10:5: the soft limit is above the hard limit"
	assertEquals "the tool's error in the log" "rlimit: nofile=10:5: the soft limit is above the hard limit" "$(log_errors | tail -1)"
	nothing_left b c3
}

test_no_new_privileges() {
	[ -z "$_skipped" ] || return 0
	bundle b
	probe b 'grep NoNewPrivs /proc/self/status'
	assert_ok C run -b "$T/b" c1
	assert_out $'NoNewPrivs:\t1'
	jqset b '.process.noNewPrivileges = false'
	assert_ok C run -b "$T/b" c2
	assert_out $'NoNewPrivs:\t0'
}

# --- run: namespaces, hostname, maps, sysctl -----------------------------

test_namespaces_new_and_joined() {
	[ -z "$_skipped" ] || return 0
	bundle b
	local t probe=
	for t in pid net ipc uts mnt cgroup; do
		probe="$probe echo $t \$(readlink /proc/self/ns/$t);"
	done
	probe b "$probe hostname"
	assert_ok C run -b "$T/b" c1
	for t in pid net ipc uts mnt cgroup; do
		assert_not_contains "$OUT" "$t $(readlink /proc/self/ns/$t)"
	done
	assert_contains "$OUT" "conch"
	# A network namespace given by path is joined, not made.
	local holder
	unshare -n sleep 100 >/dev/null 2>&1 &
	holder=$!
	defer "kill $holder 2>/dev/null; wait $holder 2>/dev/null; true"
	wait_for "[ \"\$(readlink /proc/$holder/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]" ||
		fail "no network namespace to join"
	jqset b --arg p "/proc/$holder/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	probe b 'readlink /proc/self/ns/net'
	assert_ok C run -b "$T/b" c2
	assert_out "$(readlink "/proc/$holder/ns/net")"
}

test_hostname_needs_uts() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.hostname = "box1"'
	probe b hostname
	assert_ok C run -b "$T/b" c1
	assert_out box1
	jqset b '.linux.namespaces |= map(select(.type != "uts"))'
	assert_fails 125 "conch: config.json: hostname: a hostname needs a new uts namespace in linux.namespaces" \
		C run -b "$T/b" c2
}

test_user_namespace_maps() {
	[ -z "$_skipped" ] || return 0
	bundle b
	chmod 755 "$T"
	jqset b '.linux.namespaces += [{type: "user"}] |
		.linux.uidMappings = [{containerID: 0, hostID: 200000, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
	probe b 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " "; id -u'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' ' 0 200000 65536' ' 0 200000 65536' 0)"
	jqset b 'del(.linux.uidMappings)'
	assert_fails 125 "conch: config.json: linux.uidMappings: missing: a new user namespace needs them" \
		C run -b "$T/b" c2
}

test_sysctl() {
	[ -z "$_skipped" ] || return 0
	bundle b
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	jqset b --arg v "$((1 - host))" '.linux.sysctl = {"net.ipv4.ip_forward": $v, "kernel.shmmni": "1000"}'
	probe b 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' $((1 - host)) 1000)"
	assertEquals "the host's" "$host" "$(cat /proc/sys/net/ipv4/ip_forward)"
	jqset b '.linux.sysctl = {"vm.swappiness": "10"}'
	assert_fails 125 "conch: config.json: linux.sysctl.vm.swappiness: not a namespaced sysctl: it would change the host" \
		C run -b "$T/b" c2
	jqset b '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
	assert_fails 125 "conch: config.json: linux.sysctl.net.ipv4.ip_forward: needs a network namespace of the container's own" \
		C run -b "$T/b" c3
}

# --- run: the root and its mounts ---------------------------------------

test_root_mounts_masks() {
	[ -z "$_skipped" ] || return 0
	bundle b
	mkdir -p "$T/host-rw" "$T/host-ro"
	echo data >"$T/host-ro/f"
	jqset b --arg rw "$T/host-rw" --arg ro "$T/host-ro" '.mounts += [
		{destination: "/mnt/rw", type: "bind", source: $rw, options: ["rbind", "rw"]},
		{destination: "/mnt/ro", type: "none", source: $ro, options: ["bind", "ro"]},
		{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}]'
	probe b 'touch /x 2>/dev/null || echo "root: ro"
		echo w >/mnt/rw/f && echo "rw: ok"
		cat /mnt/ro/f; touch /mnt/ro/g 2>/dev/null || echo "ro: ro"
		touch /scratch/x && echo "tmpfs: ok"
		(echo 1 >/proc/sys/kernel/domainname) 2>/dev/null || echo "proc/sys: ro"
		grep -q " /proc/keys " /proc/self/mountinfo && echo "keys: masked"
		awk "{ print \$5 }" /proc/self/mountinfo | grep -c "^/tmp$"; true'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' 'root: ro' 'rw: ok' data 'ro: ro' 'tmpfs: ok' 'proc/sys: ro' 'keys: masked' 0)"
	assertEquals "written through the bind" w "$(cat "$T/host-rw/f")"
	# The config's own masked and read-only paths, not pivot's.
	jqset b '.linux.maskedPaths = ["/proc/timer_list", "/etc/hostname"] | .linux.readonlyPaths = ["/var"] |
		.root.readonly = false'
	probe b '[ -s /etc/hostname ] || echo "hostname: masked"; grep -q " /proc/keys " /proc/self/mountinfo || echo "keys: seen"
		touch /var/x 2>/dev/null || echo "var: ro"; touch /x && echo "root: rw"'
	assert_ok C run -b "$T/b" c2
	assert_out "$(printf '%s\n' 'hostname: masked' 'keys: seen' 'var: ro' 'root: rw')"
}

# The mounts podman's configs hold: /dev/mqueue, a noexec /dev of 64 MiB,
# binds with nosuid, nodev, noexec, tmpfs modes, rprivate.
test_mounts_as_podman_gives_them() {
	[ -z "$_skipped" ] || return 0
	bundle b
	echo data >"$T/f"
	jqset b --arg f "$T/f" '.mounts[1].options += ["noexec", "size=65536k"] |
		.mounts += [{destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
		{destination: "/etc/f", type: "bind", source: $f, options: ["bind", "rprivate", "nosuid", "noexec", "nodev"]},
		{destination: "/opt", type: "tmpfs", source: "tmpfs", options: ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]},
		{destination: "/srv", type: "tmpfs", source: "tmpfs", options: ["mode=700"]}]'
	probe b 'for m in /dev /dev/mqueue /etc/f; do grep " $m " /proc/self/mountinfo | cut -d" " -f5,6; done
		grep " /dev " /proc/self/mountinfo | grep -o "size=[0-9a-z]*"
		stat -c "%n %a" /opt /srv; cat /etc/f'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' '/dev rw,nosuid,nodev,noexec,relatime' \
		'/dev/mqueue rw,nosuid,nodev,noexec,relatime' \
		'/etc/f rw,nosuid,nodev,noexec,relatime' size=65536k \
		'/opt 755' '/srv 700' data)"
}

# tmpcopyup, as runc and crun give it: the image's files at the
# destination are copied into the tmpfs, /tmp too; the image is not
# written.
test_tmpcopyup() {
	[ -z "$_skipped" ] || return 0
	bundle b
	echo kept >"$T/b/rootfs/tmp/left"
	jqset b '.mounts += [{destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["nosuid", "tmpcopyup"]},
		{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["mode=1777", "tmpcopyup"]}]'
	probe b 'grep -c ^root: /etc/passwd; echo new >/etc/new && cat /tmp/left
		stat -c "%n %a" /etc /tmp; grep -E " /(etc|tmp) " /proc/self/mountinfo | cut -d" " -f5,9'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' 1 kept '/etc 755' '/tmp 1777' '/etc tmpfs' '/tmp tmpfs')"
	assertFalse "the image is not written" "[ -e '$T/b/rootfs/etc/new' ]"
	C chain "$T/b" >"$T/chain"
	assert_contains "$(cat "$T/chain")" "--tmpfs-copyup=/etc --tmpfs-copyup=/tmp:1777"
}

# docker's mounts: tmpfs noexec unless asked with exec (the last of the
# two wins), a size in bytes on /dev/shm (--shm-size), pivot's --shm-size
# when it is not pivot's 64 MiB.
test_tmpfs_noexec_and_shm_size() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.mounts |= map(if .destination == "/dev/shm" then
			.options = ["nosuid", "noexec", "nodev", "mode=1777", "size=2097152"]
		else . end) |
		.mounts += [{destination: "/x", type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", "size=4m"]},
		{destination: "/y", type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", "exec"]}]'
	probe b 'for m in /x /y /dev/shm; do
			grep " $m " /proc/self/mountinfo | awk "{ printf \"%s %s \", \$5, \$6 }"
			grep " $m " /proc/self/mountinfo | grep -o "size=[0-9a-z]*" || echo none
		done
		cp /bin/busybox /x && /x/busybox true 2>&1
		cp /bin/busybox /y && /y/busybox echo exec'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' '/x rw,nosuid,nodev,noexec,relatime size=4096k' \
		'/y rw,nosuid,nodev,relatime none' \
		'/dev/shm rw,nosuid,nodev,noexec,relatime size=2048k' \
		'sh: /x/busybox: Permission denied' exec)"
	C chain "$T/b" >"$T/chain"
	assert_contains "$(cat "$T/chain")" "--shm-size=2097152 --tmpfs=/x:1777:4m:noexec --tmpfs=/y:1777"
	# 64 MiB, however written, is pivot's own.
	jqset b '.mounts |= map(if .destination == "/dev/shm" then
		.options = ["mode=1777", "size=67108864"] else . end)'
	C chain "$T/b" >"$T/chain"
	assert_not_contains "$(cat "$T/chain")" "--shm-size"
	jqset b '.mounts |= map(if .destination == "/dev/shm" then
		.options = ["mode=1777", "size=1q"] else . end)'
	assert_fails 125 "conch: config.json: mounts[3].options[1]: 'size=1q': pivot cannot give tmpfs on /dev/shm this option" \
		C run -b "$T/b" c2
	nothing_left b c2
}

test_mount_errors() {
	[ -z "$_skipped" ] || return 0
	bundle b
	cp "$T/b/config.json" "$T/config.orig"
	jqset b '.mounts += [{destination: "/dev/mqueue", type: "mqueue", source: "mqueue"}] | del(.mounts[1])'
	assert_fails 125 "conch: config.json: mounts: /dev/pts, /dev/shm or /dev/mqueue without a tmpfs on /dev: pivot makes them in its own /dev" \
		C run -b "$T/b" c1
	cp "$T/config.orig" "$T/b/config.json"
	jqset b '.mounts[1].options += ["size=1m"]'
	assert_fails 125 "conch: config.json: mounts[1].options[3]: 'size=1m': pivot cannot give tmpfs on /dev this option" \
		C run -b "$T/b" c2
	cp "$T/config.orig" "$T/b/config.json"
	jqset b '.mounts += [{destination: "/x", type: "bind", source: "/etc", options: ["bind", "nosymfollow"]}]'
	assert_fails 125 "conch: config.json: mounts[6].options[1]: 'nosymfollow': pivot cannot give a bind this option" \
		C run -b "$T/b" c3
	cp "$T/config.orig" "$T/b/config.json"
	jqset b 'del(.mounts[0])'
	assert_fails 125 "conch: config.json: mounts: no proc on /proc: conch runs the steps after pivot through /proc/self/fd" \
		C run -b "$T/b" c4
	nothing_left b c4
}

# --- run: seccomp, resources ----------------------------------------------

test_seccomp() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
			{names: ["reboot"], action: "SCMP_ACT_ERRNO", errnoRet: 38}]}'
	probe b "grep Seccomp: /proc/self/status; $SP mkdir /tmp/x 0755; $SP reboot 0 0 0 0; $SP getpid"
	assert_ok C run -b "$T/b" c1
	assert_contains "$OUT" $'Seccomp:\t2'
	assert_contains "$OUT" "EPERM"
	assert_contains "$OUT" "ENOSYS"
	jqset b '.linux.seccomp.listenerPath = "/run/x.sock"'
	assert_fails 125 "conch: config.json: linux.seccomp.listenerPath: not supported: no conch tool applies it yet" \
		C run -b "$T/b" c2
	# Without noNewPrivileges: loaded while CAP_SYS_ADMIN is still held.
	jqset b 'del(.linux.seccomp.listenerPath) | .process.noNewPrivileges = false'
	probe b "grep -E 'Seccomp:|NoNewPrivs:' /proc/self/status; $SP mkdir /tmp/x 0755; true"
	assert_ok C run -b "$T/b" c3
	assert_contains "$OUT" $'NoNewPrivs:\t0'
	assert_contains "$OUT" $'Seccomp:\t2'
	assert_contains "$OUT" "EPERM"
	chain=$(conch chain "$T/b")
	assert_contains "$chain" "scfilter --keep-privs -f <(jq -c .linux.seccomp $T/b/config.json) -- \\
capset "
}

# linux.resources.devices: cgmake's device program on the container's
# cgroup. The host's /dev/loop-control, bound in, is no node pivot's
# /dev has, and root may open it.
test_device_rules() {
	[ -z "$_skipped" ] || return 0
	[ -c /dev/loop-control ] || { skip "no /dev/loop-control here"; return 0; }
	bundle b
	jqset b '.mounts += [{destination: "/loop", type: "bind", source: "/dev/loop-control", options: ["bind"]}] |
		.linux.resources.devices = [{allow: false, access: "rwm"}]'
	probe b 'head -c0 /loop && echo loop; head -c1 /dev/zero >/dev/null && echo zero'
	run C run -b "$T/b" c1
	assert_rc 0
	assert_out "zero"
	assert_contains "$ERR" "Operation not permitted"
	local chain
	chain=$(conch chain "$T/b")
	assert_contains "$chain" "devices.deny=a 'devices.deny=a *:* rwm' 'devices.allow=c *:* m' 'devices.allow=b *:* m' 'devices.allow=c 1:3 rwm'"
	jqset b '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 237, access: "r"}]'
	assert_ok C run -b "$T/b" c2
	assert_out "$(printf 'loop\nzero')"
	jqset b '.linux.resources.devices[1].type = "x"'
	assert_fails 125 "conch: config.json: linux.resources.devices[1]: type 'x': a, b or c" \
		C run -b "$T/b" c3
	nothing_left b c3
}

test_resources_need_controllers() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.linux.resources = {pids: {limit: 32}, memory: {limit: 67108864}, cpu: {quota: 50000, period: 100000, shares: 1024}}'
	local cg=$CG_b chain
	chain=$(conch chain "$T/b")
	assert_contains "$chain" "cgmake /$cg memory.max=67108864 cpu.weight=39 'cpu.max=50000 100000' pids.max=32 -- \\"
	need_controller pids memory cpu || return 0
	probe b 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '%s\n' 32 67108864 '50000 100000' 39)"
}

test_unsupported_fields() {
	[ -z "$_skipped" ] || return 0
	bundle b
	local f
	for f in '.linux.mountLabel = "system_u:object_r:container_file_t:s0"|linux.mountLabel' \
		'.linux.intelRdt = {closID: "x"}|linux.intelRdt' \
		'.domainname = "d"|domainname'; do
		cp "$T/b/config.json" "$T/config.orig"
		jqset b "${f%|*}"
		run C run -b "$T/b" c1
		assert_rc 125
		assert_contains "$ERR" "conch: config.json: ${f#*|}"
		nothing_left b c1
		cp "$T/config.orig" "$T/b/config.json"
	done
	# Unknown to the spec: ignored, as the spec asks.
	jqset b '.someFutureField = 1 | .process.other = "x"'
	args b true
	assert_ok C run -b "$T/b" c2
}

# linux.devices beyond pivot's /dev: the host's node of that path, bound.
test_linux_devices() {
	[ -z "$_skipped" ] || return 0
	[ -c /dev/loop-control ] || { skip "no /dev/loop-control here"; return 0; }
	bundle b
	local mode
	mode=$(stat -c %a /dev/loop-control)
	jqset b '.linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 3},
		{path: "/dev/loop-control", type: "c", major: 10, minor: 237}]'
	probe b 'stat -c "%n %t:%T %F" /dev/loop-control; head -c0 /dev/loop-control && echo opened'
	assert_ok C run -b "$T/b" c1
	assert_out "$(printf '/dev/loop-control a:ed character special file\nopened')"
	jqset b '.linux.devices[1].minor = 1'
	assert_fails 125 "conch: config.json: linux.devices[1]: /dev/loop-control: the host's node is not c 10:1" \
		C run -b "$T/b" c2
	jqset b '.linux.devices[1] = {path: "/dev/loop-control", type: "c", major: 10, minor: 237, fileMode: 511}'
	assert_fails 125 "conch: config.json: linux.devices[1]: /dev/loop-control: fileMode 0777, the host's node has 0$mode" \
		C run -b "$T/b" c3
	jqset b '.linux.devices[1] = {path: "/dev/conch-none", type: "c", major: 1, minor: 3}'
	assert_fails 125 "conch: config.json: linux.devices[1]: /dev/conch-none: No such file or directory (pivot binds the host's node of that path)" \
		C run -b "$T/b" c4
	nothing_left b c4
}

# --- bad bundles: 125, one JSON error line, nothing left -------------------

# bad NAME ID 'message': create fails with status 125 and the message, one
# error line in the log, and leaves nothing.
bad() {
	: >"$T/log"
	run C create --bundle "$T/$1" "$2"
	assert_rc 125
	assert_err "$3"
	assertEquals "one line in the log" 1 "$(wc -l <"$T/log")"
	assertEquals "as JSON, at level error" "$3" "$(jq -r 'select(.level == "error") | .msg' "$T/log")"
	assertTrue "with a time" "jq -e '.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\")' '$T/log' >/dev/null"
	nothing_left "$1" "$2"
}

test_bad_bundles() {
	[ -z "$_skipped" ] || return 0
	bundle b
	rm "$T/b/config.json"
	bad b x1 "conch: open $T/b/config.json: No such file or directory"
	echo '{"ociVersion": "1.0.2",' >"$T/b/config.json"
	bad b x2 "conch: $T/b/config.json: line 2, column 0: invalid JSON: string or '}' expected near end of file"
	rm "$T/b/config.json"
	conch spec -b "$T/b"
	jqset b --arg cg "/$CG_b" '.linux.cgroupsPath = $cg'
	cp "$T/b/config.json" "$T/config.orig"
	jqset b '.linux.namespaces += [{type: "mnt"}]'
	bad b x3 "conch: config.json: linux.namespaces[6].type: unknown namespace type 'mnt'"
	cp "$T/config.orig" "$T/b/config.json"
	ln -s /etc "$T/b/rootfs/evil"
	jqset b '.mounts += [{destination: "/evil/x", type: "tmpfs", source: "tmpfs"}]'
	bad b x4 "conch: config.json: mounts[6].destination: /evil/x: a symbolic link on the way leads out of the root"
	ln -s ../../../../../../etc "$T/b/rootfs/evil2"
	jqset b '.mounts[6].destination = "/evil2/y"'
	bad b x5 "conch: config.json: mounts[6].destination: /evil2/y: a symbolic link on the way leads out of the root"
	cp "$T/config.orig" "$T/b/config.json"
	jqset b '.process.scheduler = {policy: "SCHED_FIFO"}'
	bad b x6 "conch: config.json: process.scheduler: not supported: no conch tool applies it yet"
	assertFalse "the host's /etc untouched" "grep -q ' /etc/x ' /proc/self/mountinfo"
}

# A chain that fails half way (pivot, after cgmake made the cgroup and
# nsnew the namespaces): the tool's message, and nothing left.
test_failure_half_way_leaves_nothing() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.mounts += [{destination: "/mnt/x", type: "bind", source: "/etc/hostname", options: ["rbind"]}]'
	mkdir -p "$T/b/rootfs/mnt/x"
	run C create -b "$T/b" x1
	assert_rc 125
	assert_contains "$ERR" "pivot: "
	assertEquals "the last line is the error" "$(tail -1 <<<"$ERR")" "$(log_errors)"
	nothing_left b x1
}

# --- AppArmor and SELinux: confine's labels ------------------------------------

# lsm_refused NAME ID TEXT: create fails with 125 and confine's message,
# containing TEXT, as the one error line of the log; nothing is left.
lsm_refused() {
	: >"$T/log"
	run C create --bundle "$T/$1" "$2"
	assert_rc 125
	assert_contains "$ERR" "$3"
	assertEquals "one line in the log" 1 "$(wc -l <"$T/log")"
	assertEquals "as JSON, at level error" "$ERR" "$(log_errors)"
	nothing_left "$1" "$2"
}

# After capset, before scfilter (or, without no_new_privs, after both);
# no step for an empty label; a label that is not a string is refused.
test_lsm_labels_in_the_chain() {
	[ -z "$_skipped" ] || return 0
	bundle b
	local sel=system_u:system_r:container_t:s0:c1,c2 chain
	jqset b --arg s "$sel" '.process.apparmorProfile = "conch-p" | .process.selinuxLabel = $s'
	chain=$(conch chain "$T/b")
	assert_contains "$chain" " --nnp -- \\
confine --apparmor=conch-p --selinux=$sel -- \\
conch init "
	jqset b '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}'
	chain=$(conch chain "$T/b")
	assert_contains "$chain" " --nnp -- \\
confine --apparmor=conch-p --selinux=$sel -- \\
scfilter -f <(jq -c .linux.seccomp $T/b/config.json) -- \\
conch init "
	jqset b '.process.noNewPrivileges = false'
	chain=$(conch chain "$T/b")
	assert_contains "$chain" "scfilter --keep-privs -f <(jq -c .linux.seccomp $T/b/config.json) -- \\
capset "
	assert_contains "$chain" " --ambient=-all -- \\
confine --apparmor=conch-p --selinux=$sel -- \\
conch init "
	jqset b '.process.apparmorProfile = "" | .process.selinuxLabel = ""'
	chain=$(conch chain "$T/b")
	assert_not_contains "$chain" "confine"
	jqset b '.process.apparmorProfile = 1'
	assert_fails 125 "conch: config.json: process.apparmorProfile: expected a string" \
		C run -b "$T/b" c1
	nothing_left b c1
}

# Where AppArmor is off, confine's 125 is the runtime's: the chain had
# made the cgroup, the namespaces and the state, and undoes them.
test_apparmor_absent() {
	[ -z "$_skipped" ] || return 0
	if apparmor_active; then
		skip "AppArmor is active here"
		return 0
	fi
	bundle b
	jqset b '.process.apparmorProfile = "conch-none"'
	lsm_refused b a1 "confine: --apparmor conch-none: AppArmor is not enabled in this kernel"
	run C run -b "$T/b" a2
	assert_rc 125
	assert_contains "$ERR" "confine: --apparmor conch-none: AppArmor is not enabled in this kernel"
	nothing_left b a2
	need_user || return 0
	local u=$T/rl
	mkdir -p "$u"
	cp -a "$ROOTFS_TEMPLATE/r" "$u/rootfs"
	chown -R "$TEST_USER" "$u"
	chmod 755 "$T"
	assert_ok as_user conch spec --rootless --bundle "$u"
	jq '.process.apparmorProfile = "conch-none" | .process.args = ["true"]' "$u/config.json" >"$u/c" &&
		mv "$u/c" "$u/config.json" && chown "$TEST_USER" "$u/config.json"
	run as_user conch --root "$u/state" run --bundle "$u" a3
	assert_rc 125
	assert_contains "$ERR" "confine: --apparmor conch-none: AppArmor is not enabled in this kernel"
	assertFalse "no state left" "[ -e '$u/state/a3' ]"
	# exec --apparmor: confine's 125 too, and the container goes on.
	bundle d
	args d sleep 100
	assert_ok C run -d -b "$T/d" a4
	run C exec --apparmor conch-none a4 true
	assert_rc 125
	assert_contains "$ERR" "confine: --apparmor conch-none: AppArmor is not enabled in this kernel"
	assertEquals "still running" running "$(C state a4 | jq -r .status)"
	assert_ok C delete -f a4
}

test_selinux_absent() {
	[ -z "$_skipped" ] || return 0
	case ,$(active_lsms), in
	*,selinux,*) skip "SELinux is enabled here"; return 0 ;;
	esac
	bundle b
	jqset b '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	lsm_refused b s1 "confine: --selinux system_u:system_r:container_t:s0: "
	assert_contains "$ERR" "SELinux is not enabled"
	bundle d
	args d sleep 100
	assert_ok C run -d -b "$T/d" s2
	run C exec --process-label system_u:system_r:container_t:s0 s2 true
	assert_rc 125
	assert_contains "$ERR" "confine: --selinux system_u:system_r:container_t:s0: "
	assert_contains "$ERR" "SELinux is not enabled"
	assert_ok C delete -f s2
}

# In the VM: a loaded profile that denies one file of the root. PROG runs
# under it (after scfilter and conch init, carried copies, ran under it
# too), and cannot read that file; a profile not loaded is confine's 125.
test_apparmor_profile_applies() {
	[ -z "$_skipped" ] || return 0
	need_apparmor || return 0
	local profile=conch-oci-$$
	cat >"$T/profile" <<-EOF
	profile $profile flags=(attach_disconnected,mediate_deleted) {
	  file,
	  network,
	  capability,
	  signal,
	  deny /etc/conch-secret r,
	}
	EOF
	run apparmor_parser --config-file=/dev/null -r -K "$T/profile"
	assert_rc 0
	defer "apparmor_parser --config-file=/dev/null -R -K '$T/profile'"
	bundle b
	echo secret >"$T/b/rootfs/etc/conch-secret"
	echo public >"$T/b/rootfs/etc/conch-public"
	jqset b --arg p "$profile" '.process.apparmorProfile = $p |
		.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}'
	probe b 'cat /proc/self/attr/current /etc/conch-public; cat /etc/conch-secret'
	run C run -b "$T/b" p1
	assert_rc 1
	assert_out "$(printf '%s\n' "$profile (enforce)" public)"
	assert_contains "$ERR" "Permission denied"
	# exec: the process given runs under its own profile, or none.
	probe b 'exec sleep 100'
	assert_ok C run -d -b "$T/b" p2
	jq -n --arg p "$profile" '{args: ["cat", "/proc/self/attr/current"], cwd: "/",
		env: ["PATH=/bin"], apparmorProfile: $p}' >"$T/process.json"
	assert_ok C exec --process "$T/process.json" p2
	assert_out "$profile (enforce)"
	jq '.apparmorProfile = ""' "$T/process.json" >"$T/p.json"
	assert_ok C exec --process "$T/p.json" p2
	assert_out "unconfined"
	# runc's exec --apparmor: the container's process, another profile.
	assert_ok C exec --apparmor "$profile" p2 cat /proc/self/attr/current
	assert_out "$profile (enforce)"
	assert_ok C delete -f p2
	nothing_left b p2
	jqset b '.process.apparmorProfile = "conch-no-such-profile"'
	lsm_refused b p3 "confine: --apparmor conch-no-such-profile: No such file or directory (no profile of this name is loaded: apparmor_parser -r FILE loads one, /sys/kernel/security/apparmor/profiles lists them)"
}

# --- lifecycle ------------------------------------------------------------

status_of_container() {
	C state "$1" | jq -r .status
}

test_create_start_state_kill_delete() {
	[ -z "$_skipped" ] || return 0
	bundle b
	probe b 'echo started >/tmp/started 2>/dev/null; exec sleep 100'
	jqset b '.annotations = {"org.example/a": "1"} | .root.readonly = false'
	assert_ok C create -b "$T/b" --pid-file "$T/pid" c1
	local pid
	pid=$(cat "$T/pid")
	assertTrue "the pid file's process lives" "kill -0 $pid"
	run C state c1
	assert_rc 0
	assertEquals "state" "{\"ociVersion\":\"1.1.0\",\"id\":\"c1\",\"status\":\"created\",\"pid\":$pid,\"bundle\":\"$T/b\",\"annotations\":{\"org.example/a\":\"1\"}}" "$(jq -c . <<<"$OUT")"
	assertTrue "exec.fifo" "[ -p '$T/state/c1/exec.fifo' ]"
	assertFalse "not started" "[ -e '$T/b/rootfs/tmp/started' ]"
	assert_fails 125 "conch: container c1 already exists" C create -b "$T/b" c1
	assert_ok C start c1
	wait_for "[ -e '$T/b/rootfs/tmp/started' ]" || fail "not started"
	assertEquals running "$(status_of_container c1)"
	assertFalse "exec.fifo gone" "[ -e '$T/state/c1/exec.fifo' ]"
	assert_fails 125 "conch: cannot start container c1: it is running, not created" C start c1
	assert_fails 125 "conch: cannot delete container c1 that is not stopped: running" C delete c1
	# Another tool's directory under the same root is no container.
	mkdir "$T/state/net"
	run C list
	assertTrue "listed: $OUT" "grep -qE '^c1 +$pid +running +$T/b ' <<<\"\$OUT\""
	assertEquals c1 "$(C list -q)"
	rmdir "$T/state/net"
	assertEquals "[$pid]" "$(C ps --format json c1)"
	assert_ok C kill c1 KILL
	wait_for "[ \"\$(status_of_container c1)\" = stopped ]" || fail "not stopped"
	assertEquals 0 "$(C state c1 | jq .pid)"
	assert_fails 125 "conch: container c1 is not running" C kill c1
	assert_ok C delete c1
	nothing_left b c1
	assert_fails 125 "conch: container c1 does not exist" C state c1
	assert_ok C delete --force c1
}

test_delete_force_and_kill_all() {
	[ -z "$_skipped" ] || return 0
	bundle b
	probe b 'sleep 100 & sleep 100 & exec sleep 100'
	assert_ok C run -d -b "$T/b" --pid-file "$T/pid" c1
	wait_for "[ \"\$(C ps --format json c1 | jq length)\" = 3 ]" || fail "not 3 processes: $(C ps c1)"
	assert_ok C kill --all c1 STOP
	local p
	for p in $(C ps --format json c1 | jq '.[]'); do
		assertEquals "stopped" T "$(awk '{ print $3 }' "/proc/$p/stat")"
	done
	assert_ok C kill -a c1 CONT
	assert_ok C delete --force c1
	nothing_left b c1
	# A created container goes without --force.
	assert_ok C create -b "$T/b" c2
	assert_ok C delete c2
	nothing_left b c2
}

test_pause_resume() {
	[ -z "$_skipped" ] || return 0
	bundle b
	args b sleep 100
	assert_ok C run -d -b "$T/b" c1
	assert_ok C pause c1
	assertEquals paused "$(status_of_container c1)"
	assertEquals "frozen 1" "$(grep frozen "$(cgroup2_root)/$CG_b/cgroup.events")"
	assert_fails 125 "conch: cannot pause container c1: it is paused" C pause c1
	assert_ok C resume c1
	assertEquals running "$(status_of_container c1)"
	assert_ok C delete -f c1
	nothing_left b c1
}

# update, as runc's: a LinuxResources object (on the standard input, as
# containerd's shim gives it), runc's flags over it, through cgmake into
# the container's cgroup. hugetlb here; memory, pids and cpu where
# cgroup2 has them (the VM).
test_update() {
	[ -z "$_skipped" ] || return 0
	bundle b
	args b sleep 100
	assert_ok C run -d -b "$T/b" c1
	defer "C delete -f c1 >/dev/null 2>&1"
	local cg
	cg=$(cgroup2_root)/$CG_b
	assert_fails 125 "conch: update: --memory '1x': expected a size (as 512M), or -1 for none" \
		C update --memory 1x c1
	echo '{"devices": [{"allow": true, "access": "rwm"}]}' >"$T/res.json"
	assert_fails 125 "conch: update: devices: conch update changes no device rule (nor does runc's)" \
		C update -r "$T/res.json" c1
	echo '{"memory": {"swap": 1}}' >"$T/res.json"
	assert_fails 125 "conch: update: memory.swap: a swap limit needs a memory limit" \
		C update -r "$T/res.json" c1
	if [ -e "$cg/hugetlb.2MB.max" ]; then
		echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' >"$T/res.json"
		assert_ok C update --resources "$T/res.json" c1
		assertEquals "hugetlb.2MB.max" 4194304 "$(cat "$cg/hugetlb.2MB.max")"
	fi
	need_controller pids memory cpu || return 0
	run sh -c 'echo "{\"memory\": {\"limit\": 33554432}, \"pids\": {\"limit\": 20},
		\"cpu\": {\"quota\": 20000, \"period\": 100000}}" |
		"$@" update -r - --pids-limit 16 c1' sh conch --root "$T/state"
	assert_rc 0
	assert_ok C exec c1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max
	assert_out "$(printf '%s\n' 33554432 16 '20000 100000')"
	assert_ok C update --memory -1 --cpu-quota -1 c1
	assertEquals "memory.max" max "$(cat "$cg/memory.max")"
	assertEquals "cpu.max" "max 100000" "$(cat "$cg/cpu.max")"
	assert_ok C kill c1 KILL
	wait_for '[ "$(status_of_container c1)" = stopped ]' || fail "not stopped"
	assert_fails 125 "conch: cannot update container c1: it is stopped" \
		C update --pids-limit 8 c1
}

test_exec() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.hostname = "in-box" | .process.env += ["FROM=config"]'
	args b sleep 100
	assert_ok C run -d -b "$T/b" c1
	run C exec c1 sh -c 'hostname; echo $FROM; exit 3'
	assert_rc 3
	assert_out $'in-box\nconfig'
	jq -n '{args: ["sh", "-c", "id -u; pwd; echo $X; grep NoNewPrivs /proc/self/status"],
		env: ["X=process-file", "PATH=/bin"], cwd: "/etc", user: {uid: 1000, gid: 1000},
		noNewPrivileges: true}' >"$T/process.json"
	run C exec --process "$T/process.json" c1
	assert_rc 0
	assert_out "$(printf '%s\n' 1000 /etc process-file $'NoNewPrivs:\t1')"
	assert_ok C exec -d --pid-file "$T/xpid" c1 sleep 50
	assertTrue "exec's pid file" "[ -s '$T/xpid' ]"
	assertEquals "in the container's pid namespace" "$(readlink "/proc/$(C state c1 | jq .pid)/ns/pid")" \
		"$(readlink "/proc/$(cat "$T/xpid")/ns/pid")"
	assert_fails 127 'conch: exec: "nope": executable file not found in $PATH' C exec c1 nope
	# --cap: added to every set of the container's (kill,
	# net_bind_service, audit_write; ambient none), as runc 1.1's exec adds it.
	run C exec --cap CAP_NET_RAW -c CAP_KILL c1 grep -E '^Cap(Eff|Bnd|Amb)' /proc/self/status
	assert_rc 0
	assert_out "$(printf 'CapEff:\t0000000020002420\nCapBnd:\t0000000020002420\nCapAmb:\t0000000000002020')"
	assert_fails 125 "conch: config.json: process.capabilities.bounding[3]: unknown capability 'CAP_NOPE'" \
		C exec --cap CAP_NOPE c1 true
	assert_fails 125 "conch: exec: --process gives the whole process: no PROG, --cwd, --env, --user, --cap, --no-new-privs, --apparmor or --process-label with it" \
		C exec --process "$T/process.json" -e X=1 c1
	assert_ok C delete -f c1
	nothing_left b c1
}

# --- hooks ----------------------------------------------------------------

# A hook script that appends its name, the state it read and its mount
# namespace to $T/hooks.
hook_script() {
	cat >"$T/hook" <<-EOF
	#!/bin/sh
	echo "\$1 \$(cat | jq -c '{id, status, pid: (.pid > 0)}') \$(readlink /proc/self/ns/mnt)" >>"$T/hooks"
	EOF
	chmod 755 "$T/hook"
}

test_hooks_in_order_with_state() {
	[ -z "$_skipped" ] || return 0
	bundle b
	hook_script
	local h k
	h='{}'
	for k in prestart createRuntime createContainer poststart poststop; do
		h=$(jq -c --arg k "$k" --arg p "$T/hook" '.[$k] = [{path: $p, args: ["hook", $k], env: ["PATH=/usr/bin:/bin"]}]' <<<"$h")
	done
	jqset b --argjson h "$h" '.hooks = $h'
	args b true
	assert_ok C run -b "$T/b" c1
	local host
	host=$(readlink /proc/self/ns/mnt)
	run cut -d' ' -f1,2 "$T/hooks"
	assert_out "$(printf '%s\n' 'prestart {"id":"c1","status":"creating","pid":true}' \
		'createRuntime {"id":"c1","status":"creating","pid":true}' \
		'createContainer {"id":"c1","status":"creating","pid":true}' \
		'poststart {"id":"c1","status":"running","pid":true}' \
		'poststop {"id":"c1","status":"stopped","pid":false}')"
	assertEquals "createRuntime in the runtime's namespace" "$host" "$(awk '$1 == "createRuntime" { print $3 }' "$T/hooks")"
	assertNotEquals "createContainer in the container's" "$host" "$(awk '$1 == "createContainer" { print $3 }' "$T/hooks")"
}

test_hook_failure_and_timeout() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.hooks = {createRuntime: [{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}]}'
	run C create -b "$T/b" c1
	assert_rc 125
	assert_contains "$ERR" "conch: hook createRuntime[0]: /bin/sh: exited with status 3"
	assertEquals "conch: a createRuntime hook failed: the container is not made" "$(log_errors)"
	nothing_left b c1
	jqset b '.hooks = {prestart: [{path: "/bin/sleep", args: ["sleep", "10"], timeout: 1}]}'
	run C create -b "$T/b" c2
	assert_rc 125
	assert_contains "$ERR" "conch: hook prestart[0]: /bin/sleep: timed out after 1 s, killed"
	nothing_left b c2
	jqset b '.hooks = {createContainer: [{path: "/bin/false"}]}'
	run C create -b "$T/b" c3
	assert_rc 125
	assert_contains "$ERR" "conch: createContainer hook failed: the container is not made"
	nothing_left b c3
	jqset b '.hooks = {prestart: [{path: "relative"}]}'
	assert_fails 125 "conch: config.json: hooks.prestart[0].path: expected an absolute path" C create -b "$T/b" c4
}

# Interrupted while a hook runs, create kills the hook and the chain and
# removes what it made, and dies of the signal.
test_interrupted_create_undoes() {
	[ -z "$_skipped" ] || return 0
	bundle b
	jqset b '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "31.25"]}]}'
	spawn create C create -b "$T/b" c1
	wait_for "pgrep -f '^sleep 31.25$' >/dev/null" || fail "no hook running"
	pkill -INT -f "^conch --root $T/state --log"
	assertEquals "died of SIGINT" 130 "$(status_of create)"
	assertFalse "the hook is gone" "pgrep -f '^sleep 31.25$'"
	assertEquals "conch: interrupted by SIGINT" "$(log_errors)"
	nothing_left b c1
}

# --- what PROG can reach --------------------------------------------------

# The container's process holds no conch binary, descriptor, mount or
# variable, and the bundle's root is as it was, with no conch in it.
test_prog_reaches_no_conch() {
	[ -z "$_skipped" ] || return 0
	bundle b
	local before
	before=$(cd "$T/b/rootfs" && find . -exec stat -c '%n %s %a' {} + | sort)
	jqset b '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW"}'
	probe b 'ls /proc/self/fd | tr "\n" " "; echo
		cat /proc/self/mountinfo
		tr "\0" "\n" </proc/self/environ
		readlink /proc/1/exe; ls -l /proc/1/fd | grep -c memfd; true'
	assert_ok C run -b "$T/b" c1 </dev/null
	assert_contains "$OUT" "0 1 2 3 "
	assert_not_contains "$OUT" "0 1 2 3 4"
	# The root's own path (mountinfo shows it from its file system's
	# root: /tmp's, when that is a tmpfs) is the one that may say conch.
	local clean=${OUT//$T/}
	clean=${clean//${T#/tmp}/}
	assert_not_contains "$clean" "$TOP/"
	assert_not_contains "$clean" "conch"
	assert_not_contains "$OUT" "CONCH"
	assert_contains "$OUT" "/bin/busybox"
	assertEquals "memfds of PID 1" 0 "$(tail -1 <<<"$OUT")"
	assertEquals "the root, unchanged" "$before" "$(cd "$T/b/rootfs" && find . -exec stat -c '%n %s %a' {} + | sort)"
}

test_preserve_fds() {
	[ -z "$_skipped" ] || return 0
	bundle b
	echo kept >"$T/f"
	probe b 'cat <&3; ls /proc/self/fd | tr "\n" " "'
	run C run -b "$T/b" --preserve-fds 1 c1 3<"$T/f" 4<"$T/f"
	assert_rc 0
	assert_out "kept
0 1 2 3 4 "
}

# --- the terminal ---------------------------------------------------------

# A console socket that receives the master, writes to it and prints
# what comes back, as conmon and containerd's shim do.
console_receiver() {
	python3 - "$1" <<-'EOF' &
	import os, socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen(1)
	c, _ = s.accept()
	name, fds, _, _ = socket.recv_fds(c, 1024, 1)
	print("name:", name.decode())
	out = b""
	end = time.time() + 10
	while time.time() < end and b"done" not in out:
	    try:
	        out += os.read(fds[0], 4096)
	    except OSError:
	        break
	print(out.decode(errors="replace").replace("\r", ""))
	EOF
	wait_for "[ -S '$1' ]"
}

test_terminal_console_socket() {
	[ -z "$_skipped" ] || return 0
	need_cmd python3 || return 0
	bundle b
	jqset b '.process.terminal = true | .process.consoleSize = {height: 30, width: 100}'
	probe b 'tty; stty size; [ -t 0 ] && echo "stdin: tty"; echo done'
	console_receiver "$T/console.sock" >"$T/console.out"
	run C run -b "$T/b" --console-socket "$T/console.sock" c1
	assert_rc 0
	wait
	run cat "$T/console.out"
	assert_contains "$OUT" "name: /dev/pts/0"
	assert_contains "$OUT" $'/dev/pts/0\n30 100\nstdin: tty\ndone'
	jqset b '.process.terminal = false'
	assert_fails 125 "conch: --console-socket without process.terminal: there is no terminal to send" \
		C create -b "$T/b" --console-socket "$T/console.sock" c2
	jqset b '.process.terminal = true'
	assert_fails 125 "conch: process.terminal: the terminal's master needs --console-socket" \
		C create -b "$T/b" c3
	nothing_left b c3
	# The process's stderr is the pty: create's own (a pipe that
	# containerd's shim reads to its end before start) is not held.
	console_receiver "$T/console4.sock" >/dev/null
	{ C create -b "$T/b" --console-socket "$T/console4.sock" c4 2>&1; } |
		{ timeout 10 cat; echo "read to the end: $?"; } >"$T/pipe.out"
	assertEquals "create's stderr" "read to the end: 0" "$(tail -1 "$T/pipe.out")"
	assertEquals "created" created "$(C state c4 | jq -r .status)"
	assert_ok C delete -f c4
	wait
}

# --- the chain --------------------------------------------------------------

# conch chain prints what a person would type; typed (the tools after
# pivot in the root, as mkrootfs --tools puts them), it does the same.
test_chain_is_what_runs() {
	[ -z "$_skipped" ] || return 0
	need_cmd jq || return 0
	bundle b
	mkrootfs --tools "$T/b/rootfs" >/dev/null || { fail "mkrootfs --tools"; return; }
	# conch in the root, as the person's chain runs it there: static.
	if [ -x "$TOP/static/conch" ]; then
		cp "$TOP/static/conch" "$T/b/rootfs/bin/conch"
	else
		cp "$(command -v conch)" "$T/b/rootfs/bin/conch"
	fi
	jqset b '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["reboot"], action: "SCMP_ACT_ERRNO"}]} |
		.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .hostname = "typed"'
	probe b "hostname; id; cat /proc/sys/net/ipv4/ip_forward; grep -E '^(Cap|NoNew|Seccomp:)' /proc/self/status; $SP reboot 0 0 0 0; ulimit -n"
	local chain
	chain=$(conch chain "$T/b")
	assert_contains "$chain" "cgmake /$CG_b -- \\
rlimit nofile=1024:1024 -- \\
cgput /$CG_b \\
nsnew -pniumC --hostname=typed \\
conch setup --keyring=b net.ipv4.ip_forward=1 -- \\
pivot --ro --no-tmp $T/b/rootfs \\
capset --user=0 --group=0 --clear-groups"
	assert_contains "$chain" "scfilter -f <(jq -c .linux.seccomp $T/b/config.json) -- \\
conch init --env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env=TERM=xterm --cwd=/ -- sh -c "
	assert_ok C run -b "$T/b" c1
	local ran=$OUT
	run bash -c "$chain"
	assert_rc 0
	assertEquals "typed as printed" "$ran" "$OUT"
}

# --- runc, side by side -----------------------------------------------------

test_as_runc_does() {
	[ -z "$_skipped" ] || return 0
	need_cmd runc || return 0
	bundle b
	jqset b '.process.user = {uid: 1000, gid: 1000, additionalGids: [10]} |
		.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.ambient = ["CAP_KILL"] |
		.process.rlimits += [{type: "RLIMIT_CORE", soft: 0, hard: 0}] | .process.oomScoreAdj = 100 |
		.linux.cgroupsPath = "" | .process.cwd = "/tmp" | .process.env += ["X=1"]'
	probe b 'id; pwd; env | sort; grep -E "^(Cap|NoNew|Seccomp:)" /proc/self/status; grep -E "^Max (open|core)" /proc/self/limits;
		cat /proc/self/oom_score_adj /proc/self/uid_map; hostname; echo $$'
	run runc --root "$T/runc" run -b "$T/b" "r-$$"
	local theirs=$OUT rc=$RC
	assertEquals "runc ran" 0 "$rc"
	jqset b --arg cg "/$CG_b" '.linux.cgroupsPath = $cg'
	assert_ok C run -b "$T/b" c1
	assertEquals "as runc" "$theirs" "$OUT"
}

# --- rootless ---------------------------------------------------------------

test_rootless() {
	[ -z "$_skipped" ] || return 0
	need_user || return 0
	local b=$T/rl
	mkdir -p "$b"
	cp -a "$ROOTFS_TEMPLATE/r" "$b/rootfs"
	chown -R "$TEST_USER" "$b"
	chmod 755 "$T"
	run as_user conch --root "$b/state" spec --rootless --bundle "$b"
	assert_rc 0
	jq '.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map | tr -s \" \"; hostname"]' "$b/config.json" >"$b/c" &&
		mv "$b/c" "$b/config.json" && chown "$TEST_USER" "$b/config.json"
	run as_user conch --root "$b/state" run --bundle "$b" u1
	assert_rc 0
	assert_out "$(printf '%s\n' 0 " 0 $TEST_UID 1" conch)"
	assertFalse "no state left" "[ -e '$b/state/u1' ]"
	# Nothing of the host's: a mapping it may not make is refused.
	jq '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]' "$b/config.json" >"$b/c" &&
		mv "$b/c" "$b/config.json" && chown "$TEST_USER" "$b/config.json"
	run as_user conch --root "$b/state" run --bundle "$b" u2
	assert_rc 125
	assertFalse "no state left" "[ -e '$b/state/u2' ]"
}

# --- the command line -------------------------------------------------------

test_command_line() {
	assert_fails 125 "conch: --systemd-cgroup: there is no systemd cgroup driver here: conch makes cgroups itself, with cgmake" \
		conch --systemd-cgroup create x
	assert_fails 125 "conch: unknown command 'frobnicate' (see conch --help)" conch --root "$T/s" frobnicate
	assert_fails 125 "conch: missing COMMAND (see conch --help)" conch
	assert_fails 125 "conch: --log-format 'xml': text or json" conch --log-format xml list
	assert_fails 125 "conch: invalid container ID '../x' (letters, digits, _ + - and ., at most 200)" conch --root "$T/s" state ../x
	run conch --root "$T/s" list
	assert_rc 0
	assert_contains "$OUT" "ID                   PID      STATUS"
	run conch features
	assert_rc 0
	assertEquals "features" '1.1.0 true false' "$(jq -r '"\(.ociVersionMax) \(.linux.cgroup.v2) \(.linux.cgroup.systemd)"' <<<"$OUT")"
	mkdir "$T/sp"
	assert_ok conch spec -b "$T/sp"
	assert_fails 125 "conch: $T/sp/config.json exists: remove it first" conch spec -b "$T/sp"
	# The text log, as runc writes it.
	run conch --root "$T/s" --log "$T/text.log" state nope
	assert_rc 125
	assertTrue "text log" "grep -q '^time=\"[0-9T:.-]*Z\" level=error msg=\"conch: container nope does not exist\"$' '$T/text.log'"
}

. shunit2

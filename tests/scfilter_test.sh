#!/bin/bash
# scfilter against the real kernel: a small static program (sysprobe, built
# here 64-bit and -m32) makes the system call under the filter and prints the
# errno name it got; random rule sets are checked against a first-match
# evaluation written here; Docker's own profile is checked as `docker run`
# resolves it; --bpf output is loaded by bwrap; bad input fails with its
# exact message.
. "$(dirname "$0")/lib.sh"

FIXTURE=$TOP/tests/fixtures/docker-seccomp-default.json

oneTimeSetUp() {
	PROBES=$(mktemp -d "${TMPDIR:-/tmp}/conch-sysprobe.XXXXXX")
	local src=$TOP/tests/helpers/sysprobe.c p
	# make testprogs builds them; else build them here, if we can.
	if command -v sysprobe >/dev/null 2>&1; then
		cp "$(command -v sysprobe)" "$PROBES/"
	elif command -v cc >/dev/null 2>&1; then
		cc -O2 -static -o "$PROBES/sysprobe" "$src" 2>/dev/null
	fi
	if command -v sysprobe32 >/dev/null 2>&1; then
		cp "$(command -v sysprobe32)" "$PROBES/"
	elif command -v cc >/dev/null 2>&1; then
		cc -O2 -static -m32 -o "$PROBES/sysprobe32" "$src" 2>/dev/null
	fi
	# Built is not runnable: a kernel without IA32 emulation (or a
	# hypervisor that does not run 32-bit code) refuses to exec it.
	NO32=$(runs_32bit "$PROBES/sysprobe32") || rm -f "$PROBES/sysprobe32"
	chmod 755 "$PROBES"	# for the unprivileged user too
	PATH=$PROBES:$PATH
}

one_time_tear_down() {
	rm -rf "$PROBES"
}

need_probe() {
	[ -x "$PROBES/sysprobe" ] && return 0
	skip "needs cc (and static glibc) to build tests/helpers/sysprobe.c"
	return 1
}

need_probe32() {
	need_probe || return 1
	[ -x "$PROBES/sysprobe32" ] && return 0
	skip "${NO32:-cannot build a -m32 static program (gcc-multilib)}"
	return 1
}

# The call under the filter gives EXPECTED (an errno name, or ok).
# probe_is EXPECTED SCFILTER-ARGS... -- PROBE CALL ARGS...
probe_is() {
	local want=$1
	shift
	run scfilter "$@"
	assertEquals "$LASTCMD (stderr: $ERR)" "$want" "$OUT"
}

# --- the command-line rules -------------------------------------------

test_deny_mkdir_fails_with_eperm() {
	need_probe || return 0
	probe_is EPERM --deny mkdir,mkdirat sysprobe mkdir "$T/d" 0755
	assert_rc 1
	assertFalse "no directory made" "[ -e '$T/d' ]"
	# And as a program meets it, through libc.
	run scfilter --deny mkdir,mkdirat mkdir "$T/d"
	assert_rc 1
	assert_contains "$ERR" "Operation not permitted"
}

test_kill_dies_of_sigsys() {
	need_probe || return 0
	run scfilter --kill mkdir,mkdirat sysprobe mkdir "$T/d" 0755
	assert_rc 159
	assert_out ""
	assertFalse "no directory made" "[ -e '$T/d' ]"
}

test_errno_by_name_or_number() {
	need_probe || return 0
	probe_is EACCES --errno EACCES:openat sysprobe openat -100 /etc/hostname 0
	probe_is EACCES --errno eacces:openat sysprobe openat -100 /etc/hostname 0
	probe_is EHWPOISON --errno 133:openat sysprobe openat -100 /etc/hostname 0
	# errno=0 makes the call a no-op that succeeds.
	probe_is ok --errno 0:mkdir sysprobe mkdir "$T/d" 0755
	assertFalse "no directory made" "[ -e '$T/d' ]"
}

test_log_allows() {
	need_probe || return 0
	probe_is ok --log getpid sysprobe getpid
}

test_later_rules_win() {
	need_probe || return 0
	probe_is EPERM --allow mkdir --deny mkdir sysprobe mkdir "$T/d" 0755
	probe_is ok --deny mkdir --allow mkdir sysprobe mkdir "$T/d" 0755
	probe_is ENOENT -f default --allow mount sysprobe mount none "$T/none" tmpfs 0 0
}

test_default_action_and_its_rules() {
	need_probe || return 0
	# Everything dies but the exec of PROG itself: PROG dies at once.
	run scfilter --default kill-process --allow execve sysprobe getpid
	assert_rc 159
}

test_refuses_a_filter_that_stops_prog() {
	assert_fails 125 "scfilter: refusing a filter whose action on execve is errno=EPERM: PROG could not start (-f noexec forbids exec once PROG runs; --dump and --bpf write a filter without running PROG)" \
		scfilter --deny execve true
	assert_fails 125 "scfilter: refusing a filter whose action on execve is kill-process: PROG could not start (-f noexec forbids exec once PROG runs; --dump and --bpf write a filter without running PROG)" \
		scfilter --kill execve true
	assert_fails 125 "scfilter: refusing a filter whose action on execve is kill: PROG could not start (-f noexec forbids exec once PROG runs; --dump and --bpf write a filter without running PROG)" \
		scfilter --default kill true
	assert_ok scfilter --deny execve --dump
	# execveat is not scfilter's own way to PROG: denying it is fine.
	assert_ok scfilter --deny execveat true
}

# --- conditions --------------------------------------------------------

test_argument_rule_denies_inet_allows_unix() {
	need_probe || return 0
	echo 'errno=EAFNOSUPPORT socket arg0 == AF_INET' >"$T/p"
	probe_is EAFNOSUPPORT -f "$T/p" sysprobe socket 2 1 0
	probe_is ok -f "$T/p" sysprobe socket 1 1 0
	probe_is ok -f "$T/p" sysprobe socket 10 1 0
}

test_conditions_ranges_masks_and_overlaps() {
	need_probe || return 0
	cat >"$T/p" <<-'E'
		# getpgid ignores its second argument; the filter sees it.
		errno=EDOM getpgid arg0 > 10
		errno=ERANGE getpgid arg0>=20 arg0 <= 30   # both on arg0
		allow getpgid arg0 == 25
		errno=EXDEV getpgid arg1 &= 0xf0 == 0x30
		errno=ENOTTY getpgid arg1 &= O_ACCMODE != O_RDONLY arg1 < 0x10
		errno=E2BIG getpgid arg1 == 0x100000005
		errno=EBADE getpgid arg1 == AT_FDCWD
	E
	run scfilter -f "$T/p" sysprobe getpgid 5 0 -- getpgid 11 0 -- getpgid 20 0 \
		-- getpgid 25 0 -- getpgid 31 0 -- getpgid 0 0x35 -- getpgid 0 0x45 \
		-- getpgid 0 0x1 -- getpgid 0 0x12 -- getpgid 0 0x100000005 -- getpgid 0 5 \
		-- getpgid 0 -100
	assertEquals "$LASTCMD" "$(printf '%s\n' ok EDOM ERANGE ok EDOM EXDEV ok ENOTTY ok E2BIG ENOTTY EBADE)" \
		"${OUT//ESRCH/ok}"
}

test_conditions_on_32bit_arguments() {
	need_probe32 || return 0
	cat >"$T/p" <<-'E'
		errno=E2BIG getpgid arg1 == 0x100000005
		errno=EDOM getpgid arg1 >= 0x100000000
		errno=EBADE getpgid arg1 == AT_FDCWD
		errno=EXDEV getpgid arg1 &= 0xff == 0x30
	E
	# The 32-bit caller's register holds the low half: 5, 0, -100, 0x30.
	run scfilter -f "$T/p" sysprobe32 getpgid 0 0x100000005 -- getpgid 0 0x100000000 \
		-- getpgid 0 -100 -- getpgid 0 0x7700000030
	assertEquals "$LASTCMD" "$(printf '%s\n' ok ok EBADE EXDEV)" \
		"${OUT//ESRCH/ok}"
}

# Random rule sets on getpgid: the verdict of the kernel running the filter
# against a first-match evaluation of the same rules, 64-bit and 32-bit.
test_random_rules_against_the_kernel() {
	need_probe || return 0
	local vals=(0 1 2 3 5 7 8 9 15 16 17 31 32 48 53 63 64 100 255 256 0x35 0x45
		0x7fffffff 0x80000000 0xfffffffe 0xffffffff 0x100000000 0x100000005
		0x7fffffffffffffff)
	local acts=(allow errno=EDOM errno=ERANGE errno=EXDEV)
	local marks=(- EDOM ERANGE EXDEV)
	local ops=('==' '!=' '<' '<=' '>' '>=' '&=')
	local round r c k probe nrules line rule a op v m eq v2 res ok got want
	local -a prof calls want_all X
	RANDOM=42
	for round in $(seq 40); do
		nrules=$((RANDOM % 6 + 1))
		prof=()
		: >"$T/p"
		for ((r = 0; r < nrules; r++)); do
			a=$((RANDOM % 4))
			line="${acts[a]} getpgid"
			rule=$a
			for ((c = RANDOM % 4; c > 0; c--)); do
				k=$((RANDOM % 2))
				op=${ops[RANDOM % 7]}
				v=${vals[RANDOM % ${#vals[@]}]}
				if [ "$op" = '&=' ]; then
					m=${vals[RANDOM % ${#vals[@]}]}
					eq='=='; ((RANDOM % 2)) && eq='!='
					v2=$v; ((RANDOM % 2)) && v2=$((m & v))
					line+=" arg$k &= $m $eq $v2"
					rule+=" $k &$eq $((m)) $((v2))"
				else
					line+=" arg$k $op $v"
					rule+=" $k $op $((v)) 0"
				fi
			done
			echo "$line" >>"$T/p"
			prof+=("$rule")
		done
		for probe in sysprobe sysprobe32; do
			[ -x "$PROBES/$probe" ] || continue
			calls=()
			want_all=()
			for ((c = 0; c < 30; c++)); do
				X=("${vals[RANDOM % ${#vals[@]}]}" "${vals[RANDOM % ${#vals[@]}]}")
				calls+=(-- getpgid "${X[0]}" "${X[1]}")
				X=($((X[0])) $((X[1])))
				[ $probe = sysprobe32 ] && X=($((X[0] & 0xffffffff)) $((X[1] & 0xffffffff)))
				res=-
				for ((r = nrules - 1; r >= 0; r--)); do
					# shellcheck disable=SC2086 # fields of the rule
					set -- ${prof[r]}
					a=$1
					shift
					ok=1
					while [ $# -gt 0 ]; do
						_holds "${X[$1]}" "$2" "$3" "$4" || { ok=0; break; }
						shift 4
					done
					if [ $ok = 1 ]; then res=${marks[a]}; break; fi
				done
				want_all+=("$res")
			done
			got=$(scfilter -f "$T/p" "$probe" "${calls[@]:1}" |
				sed -e 's/^\(EDOM\|ERANGE\|EXDEV\)$/&/;t' -e 's/.*/-/')
			want=$(printf '%s\n' "${want_all[@]}")
			if [ "$got" != "$want" ]; then
				fail "round $round ($probe): $(tr '\n' ';' <"$T/p") calls ${calls[*]}: got ${got//$'\n'/ } want ${want//$'\n'/ }"
				return 0
			fi
		done
	done
}

# _holds X OP V V2: the comparison, unsigned 64-bit.
_holds() {
	local x=$1 op=$2 v=$3 v2=$4 ux uv
	ux=$((x ^ (1 << 63)))
	uv=$((v ^ (1 << 63)))
	case $op in
	'==') ((x == v)) ;;
	'!=') ((x != v)) ;;
	'<') ((ux < uv)) ;;
	'<=') ((ux <= uv)) ;;
	'>') ((ux > uv)) ;;
	'>=') ((ux >= uv)) ;;
	'&==') (((x & v) == v2)) ;;
	'&!=') (((x & v) != v2)) ;;
	esac
}

# --- built-in profiles ------------------------------------------------

test_default_blocks_what_docker_blocks() {
	need_root || return 0
	need_probe || return 0
	local call want base got
	# Each call also runs unfiltered, as root, on the host: its arguments
	# must make it fail there (sethostname's length is over 64).
	while IFS='|' read -r want call; do
		# shellcheck disable=SC2086 # the call's words
		base=$(sysprobe $call)
		if [ "$base" = "$want" ]; then
			echo "note: $call gives $want without a filter too: not a proof"
			continue
		fi
		# shellcheck disable=SC2086
		got=$(scfilter -f default sysprobe $call)
		assertEquals "-f default: $call (without: $base)" "$want" "$got"
	done <<-E
		EPERM|mount none $T/none tmpfs 0 0
		EPERM|umount2 $T/none 0
		EPERM|reboot 0 0 0 0
		EPERM|kexec_load 0 0 0 0xdeadbeef
		EPERM|init_module 0 0 x
		EPERM|unshare 0x10000000
		EPERM|unshare 0x20000
		EPERM|setns 99 0
		EPERM|clone 0x10000011 0
		EPERM|personality 0x40000
		EPERM|swapon $T/none 0
		EPERM|bpf 0 0 0
		EPERM|keyctl 0 0
		EPERM|sethostname x 100
		EPERM|socket 40 1 0
		ENOSYS|clone3 0 0
	E
}

test_default_lets_the_rest_through() {
	need_probe || return 0
	local call
	for call in "personality 0xffffffff" "personality 8" "personality 0" \
		"unshare 0x400" "socket 2 1 0" "socket 1 1 0" "getpid" "chroot /"; do
		# shellcheck disable=SC2086
		probe_is ok -f default sysprobe $call
	done
}

test_default_runs_ordinary_programs() {
	need_cmd busybox || return 0
	mkdir "$T/src"
	echo hello >"$T/src/file"
	# shellcheck disable=SC2016 # expanded by PROG's sh
	assert_ok scfilter -f default busybox sh -c '
		cd "$1" && ls src >/dev/null && cat src/file &&
		busybox tar -cf t.tar src && busybox tar -tf t.tar >/dev/null &&
		mkdir d && rm -r d && busybox sed s/h/j/ src/file |
		busybox awk "{ print \$1 }" && (sleep 0; echo sub) && busybox ps >/dev/null' sh "$T"
	assert_out "$(printf 'hello\njello\nsub')"
	# The tools of this suite, and a filter loaded under the filter.
	assert_ok scfilter -f default bash -c "mktemp -d -p '$T' >/dev/null && grep -c . /etc/passwd >/dev/null && scfilter -f nonet true && echo ok"
	assert_out ok
}

test_default_denies_io_uring() {
	need_probe || return 0
	local calls=(io_uring_setup 1 0 -- io_uring_enter -1 0 0 0 0 0 -- io_uring_register -1 0 0 0)
	# Unfiltered, each reaches the kernel and fails on its arguments
	# (EFAULT, EBADF, EINVAL or EBADF by kernel version), not with EPERM.
	run sysprobe "${calls[@]}"
	assert_not_contains "$OUT" EPERM "io_uring without a filter"
	# As under Docker 25 and later: EPERM, the profile's defaultErrnoRet.
	run scfilter -f default sysprobe "${calls[@]}"
	assert_out "$(printf '%s\n' EPERM EPERM EPERM)"
}

test_nonet() {
	need_probe || return 0
	probe_is EAFNOSUPPORT -f nonet sysprobe socket 2 1 0
	probe_is EAFNOSUPPORT -f nonet sysprobe socket 10 2 0
	probe_is EAFNOSUPPORT -f nonet sysprobe socket 16 3 0
	probe_is ok -f nonet sysprobe socket 1 1 0
	probe_is ok -f nonet sysprobe socketpair 1 1 0 "[0,0]"
	probe_is EPERM -f nonet sysprobe io_uring_setup 1 0
	[ -x "$PROBES/sysprobe32" ] || return 0
	probe_is EAFNOSUPPORT -f nonet sysprobe32 socket 2 1 0
	probe_is ok -f nonet sysprobe32 socket 1 1 0
	# Through socketcall(2) the family is out of the filter's sight.
	probe_is EAFNOSUPPORT -f nonet sysprobe32 socketcall 1 "[1,1,0]"
}

test_noexec() {
	need_probe || return 0
	# PROG starts (found in PATH), then cannot exec anything.
	probe_is EPERM -f noexec sysprobe execve /bin/true 0 0
	probe_is EPERM -f noexec sysprobe execveat -100 /bin/true 0 0 0
	probe_is ok -f noexec sysprobe getpid
	need_cmd busybox || return 0
	run scfilter -f noexec busybox sh -c 'echo started; /bin/true'
	assert_rc 126
	assert_out started
	if [ -x "$PROBES/sysprobe32" ]; then
		probe_is EPERM -f noexec sysprobe32 execve /bin/true 0 0
	fi
}

test_noexec_written_out_is_a_plain_denial() {
	run scfilter -f noexec --dump
	assert_rc 0
	# shellcheck disable=SC2016 # PFC's own $syscall
	assert_contains "$OUT" "$(printf '  # filter for syscall "execve" (59)\n  if ($syscall == 59)\n    action ERRNO(1);')"
}

test_show_and_list() {
	run scfilter --show noexec
	assert_rc 0
	assertEquals noexec "$(grep -v '^#' <<<"$OUT")"
	assert_ok scfilter --list profiles
	assert_contains "$OUT" "default "
	assert_contains "$OUT" "nonet "
	assert_ok scfilter --list syscalls
	assert_contains "$OUT" "$(printf 'mkdir\nmkdirat')"
	assert_contains "$OUT" "socketcall"	# x86's
	assert_ok scfilter --list constants
	assert_contains "$OUT" "AF_INET 0x2"
	assert_ok scfilter --list errnos
	assert_contains "$OUT" "EPERM 1"
}

# --- architectures -----------------------------------------------------

test_32bit_calls_are_filtered() {
	need_probe32 || return 0
	probe_is EPERM --deny mkdir sysprobe32 mkdir "$T/d" 0755
	assertFalse "no directory made" "[ -e '$T/d' ]"
	probe_is EPERM -f default sysprobe32 mount none "$T/none" tmpfs 0 0
	probe_is EPERM -f default sysprobe32 unshare 0x10000000
	# An architecture left out is killed.
	run scfilter --arch x86_64 sysprobe32 getpid
	assert_rc 159
	run scfilter --arch native sysprobe getpid
	assert_rc 0
}

test_x32_calls_are_filtered_or_killed() {
	need_probe || return 0
	[ "$(uname -m)" = x86_64 ] || { skip "x32 is an x86_64 ABI"; return 0; }
	if [ "$(sysprobe --x32 getpid)" = ENOSYS ]; then
		# The kernel runs no x32 code: such calls are killed, not let by.
		run scfilter --deny mkdir sysprobe --x32 getpid
		assert_rc 159
		assert_fails 125 "scfilter: --arch: architecture 'x32' does not run on this kernel (built without x32 support)" \
			scfilter --arch x86_64,x32 true
	else
		probe_is EPERM --deny getpid sysprobe --x32 getpid
	fi
}

# --- profile files -----------------------------------------------------

test_json_profile_and_its_text_twin() {
	need_probe || return 0
	cat >"$T/p.json" <<-'E'
		{
			"defaultAction": "SCMP_ACT_ALLOW",
			"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			"syscalls": [
				{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 },
				{ "names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
				  "args": [ { "index": 0, "value": 2, "op": "SCMP_CMP_EQ" } ] },
				{ "names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
				  "args": [ { "index": 1, "value": 240, "valueTwo": 48, "op": "SCMP_CMP_MASKED_EQ" },
				            { "index": 0, "value": 10, "op": "SCMP_CMP_GT" } ] },
				{ "names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS" }
			]
		}
	E
	cat >"$T/p.txt" <<-'E'
		default allow
		arch x86_64 x86 x32
		errno=EACCES mkdir,mkdirat
		errno=EAFNOSUPPORT socket arg0 == AF_INET
		errno=EDOM getpgid arg1 &= 0xf0 == 0x30 arg0 > 10
		kill-process reboot
	E
	if [ "$(sysprobe --x32 getpid)" = ENOSYS ]; then
		sed -i 's/ x32$//' "$T/p.txt"
	fi
	run scfilter -f "$T/p.json" --dump
	assert_rc 0
	local json=$OUT
	run scfilter -f "$T/p.txt" --dump
	assert_rc 0
	assertEquals "the same filter" "$json" "$OUT"
	# getpgid(9) passes the filter: the kernel's answer depends on
	# whether there is a PID 9 (a kernel thread in the VM, none here).
	local calls=(mkdir "$T/d" 0755 -- socket 2 1 0 -- socket 1 1 0 -- getpgid 11 0x35 -- getpgid 9 0x35)
	local pid9=ESRCH
	[ -d /proc/9 ] && pid9=ok
	run scfilter -f "$T/p.json" sysprobe "${calls[@]}"
	assert_out "$(printf '%s\n' EACCES EAFNOSUPPORT ok EDOM "$pid9")"
	run scfilter -f "$T/p.txt" sysprobe "${calls[@]}"
	assert_out "$(printf '%s\n' EACCES EAFNOSUPPORT ok EDOM "$pid9")"
}

test_json_args_on_one_index_are_alternatives_as_in_runc() {
	need_probe || return 0
	cat >"$T/p.json" <<-'E'
		{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{ "names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
			  "args": [ { "index": 0, "value": 7, "op": "SCMP_CMP_EQ" },
			            { "index": 0, "value": 9, "op": "SCMP_CMP_EQ" } ] } ] }
	E
	run scfilter -f "$T/p.json" sysprobe getpgid 7 -- getpgid 9 -- getpgid 8
	assertEquals "$(printf '%s\n' EDOM EDOM -)" "$(sed 's/^ESRCH$/-/; s/^ok$/-/' <<<"$OUT")"
}

# Docker's profile, as `docker run` resolves it: the caps held decide.
test_docker_profile() {
	need_root || return 0
	need_probe || return 0
	# All caps: mount, clone3 are allowed; the kernel answers.
	probe_is ok -f "$FIXTURE" sysprobe getpid
	probe_is ENOENT -f "$FIXTURE" sysprobe mount none "$T/none" tmpfs 0 0
	probe_is EINVAL -f "$FIXTURE" sysprobe clone3 0 0
	# minKernel 4.8: ptrace allowed (no such tracee: ESRCH).
	probe_is ESRCH -f "$FIXTURE" sysprobe ptrace 0x7fffffff 0 0 0
	# Not in any list: EPERM, the profile's defaultErrnoRet.
	probe_is EPERM -f "$FIXTURE" sysprobe personality 0x40000
	probe_is EPERM -f "$FIXTURE" sysprobe socket 40 1 0
	probe_is ok -f "$FIXTURE" sysprobe socket 2 1 0
	# Docker's default capabilities: no CAP_SYS_ADMIN, no CAP_SYS_PTRACE.
	# shellcheck disable=SC2054 # commas of a capability list
	local drop=(capset --keep chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write --)
	# shellcheck disable=SC2054
	command -v capset >/dev/null || drop=(setpriv --bounding-set=-sys_admin,-sys_ptrace --)
	run "${drop[@]}" scfilter -f "$FIXTURE" sysprobe mount none "$T/none" tmpfs 0 0 \
		-- clone3 0 0 -- getpid -- chroot / -- kcmp 0 0 0 0 0
	assert_out "$(printf '%s\n' EPERM ENOSYS ok ok EPERM)"
	need_cmd busybox || return 0
	run "${drop[@]}" scfilter -f "$FIXTURE" busybox sh -c 'ls / >/dev/null && echo fine'
	assert_out fine
}

# "on ARCH" (what --learn writes) scopes the rules after it to ARCH.
test_on_arch_scopes_rules() {
	need_probe || return 0
	printf 'default allow\non x86\nerrno mkdir\non all\nerrno getpgid\n' >"$T/p"
	assert_ok scfilter -f "$T/p" --dump
	assert_contains "$OUT" '# filter for arch x86_64 (3221225534)
if ($arch == 3221225534)
  # filter for syscall "getpgid" (121)'
	assert_contains "$OUT" '# filter for arch x86 (1073741827)
if ($arch == 1073741827)
  # filter for syscall "mkdir" (39)'
	probe_is ok -f "$T/p" -- sysprobe mkdir "$T/d" 0755
	probe_is EPERM -f "$T/p" -- sysprobe getpgid 0
	printf 'on arm9\n' >"$T/q"
	assert_fails 125 "scfilter: $T/q:1: unknown architecture 'arm9'" scfilter -f "$T/q" true
	printf 'on\n' >"$T/q"
	assert_fails 125 "scfilter: $T/q:1: malformed rule: 'on' takes one architecture or all" scfilter -f "$T/q" true
}

test_profiles_merge_in_order() {
	need_probe || return 0
	# Docker's allow-list, then nonet on top: later rules win.
	probe_is EAFNOSUPPORT -f "$FIXTURE" -f nonet sysprobe socket 2 1 0
	probe_is ok -f "$FIXTURE" -f nonet sysprobe socket 1 1 0
	probe_is EPERM -f "$FIXTURE" -f nonet sysprobe personality 0x40000
	# A profile that sets the default replaces it: nonet's denials stay.
	probe_is EAFNOSUPPORT -f nonet -f default sysprobe socket 2 1 0
}

# --- JSON profiles decide as runc does ----------------------------------

FIXTURES=$TOP/tests/fixtures
# Docker's default capabilities (moby's oci/caps/defaults.go).
DOCKER_CAPS=chown,dac_override,fsetid,fowner,mknod,net_raw,setgid,setuid,setfcap,setpcap,net_bind_service,sys_chroot,kill,audit_write

# Debian's python3, not a shim of a version manager found first in PATH.
need_python3() {
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3) && [ -n "$PY" ] && return 0
	skip "needs python3"
	return 1
}

test_old_profile_threads_fall_back_to_clone() {
	need_root || return 0
	need_probe || return 0
	local old=$FIXTURES/docker-seccomp-2019.json
	# clone3 (435) is newer than the last call the profile names
	# (io_uring_register, 427): ENOSYS, so glibc falls back to clone.
	# pidfd_send_signal (424) is not: the default, EPERM.
	run capset --keep chown scfilter -f "$old" sysprobe clone3 0 0 -- pidfd_open 0 0 \
		-- 1000 -- pidfd_send_signal -1 0 0 0 -- getpid
	assert_out "$(printf '%s\n' ENOSYS ENOSYS ENOSYS EPERM ok)"
	# 32-bit x86 has its own last call (io_uring_register, 427 too).
	if [ -x "$PROBES/sysprobe32" ]; then
		run capset --keep chown scfilter -f "$old" sysprobe32 clone3 0 0 -- 1000 \
			-- pidfd_send_signal -1 0 0 0 -- getpid
		assert_out "$(printf '%s\n' ENOSYS ENOSYS EPERM ok)"
	fi
	if need_user; then
		run as_user scfilter -f "$old" sysprobe clone3 0 0 -- getpid
		assert_out "$(printf '%s\n' ENOSYS ok)"
	fi
	need_python3 || return 0
	# shellcheck disable=SC2016 # Python's code
	local threads='import threading
t = threading.Thread(target=print, args=("in the thread",))
t.start(); t.join(); print("joined")'
	run capset --keep chown scfilter -f "$old" "$PY" -c "$threads"
	assert_rc 0
	assert_out "$(printf 'in the thread\njoined')"
	[ -n "$TEST_UID" ] || return 0
	run as_user scfilter -f "$old" "$PY" -c "$threads"
	assert_out "$(printf 'in the thread\njoined')"
}

# Docker's 2019 profile (its last call: io_uring_register, 427), with
# JQ's changes.
old_profile() {
	jq "$1" "$FIXTURES/docker-seccomp-2019.json"
}

test_enosys_stub_when_and_where() {
	need_probe || return 0
	# Above the last call: ENOSYS (open_tree, 428); below: the default
	# (pidfd_send_signal, 424, is not in the profile).
	cp "$FIXTURES/docker-seccomp-2019.json" "$T/p.json"
	run scfilter -f "$T/p.json" sysprobe 1000 -- 428 -- 424 -- getpid
	assert_out "$(printf '%s\n' ENOSYS ENOSYS EPERM ok)"
	# Later rules still win for the calls they name; a later default
	# replaces the stub with it.
	run scfilter -f "$T/p.json" --errno EDOM:clone3 sysprobe clone3 0 0 -- 1000
	assert_out "$(printf '%s\n' EDOM ENOSYS)"
	run scfilter -f "$T/p.json" --default errno=EACCES sysprobe 1000 -- 424
	assert_out "$(printf '%s\n' EACCES EACCES)"
	run scfilter -f "$T/p.json" --default allow sysprobe 1000 -- clone3 0 0
	assert_out "$(printf '%s\n' ENOSYS EINVAL)"	# the kernel's answers
	# Written out: the stub in the PFC of each architecture.
	run scfilter -f "$T/p.json" --dump
	# shellcheck disable=SC2016 # PFC's own $syscall
	assert_contains "$OUT" "$(printf '  # calls newer than the profile'"'"'s last: ENOSYS, as runc\n  if ($syscall > 427)\n    action ERRNO(38);\n  # default action\n  action ERRNO(1);')"
	run scfilter -v -f "$T/p.json" --dump
	assert_contains "$ERR" "scfilter: $T/p.json: x86_64 calls above 427 (io_uring_register) fail with ENOSYS: newer than the profile (as runc)"
	assert_contains "$ERR" "scfilter: $T/p.json: x86 calls above 427 (io_uring_register) fail with ENOSYS: newer than the profile (as runc)"
	need_cmd jq || return 0
	# A killing default gets the stub too, as under runc (rseq, which
	# glibc 2.35 calls at start, is younger than the profile's list).
	old_profile '.defaultAction = "SCMP_ACT_KILL_PROCESS"
		| .syscalls += [{names: ["rseq"], action: "SCMP_ACT_ALLOW"}]' >"$T/p.json"
	run scfilter -f "$T/p.json" sysprobe 1000
	assert_out ENOSYS
	run scfilter -f "$T/p.json" sysprobe 424
	assert_rc 159
	# No stub where runc makes none: no architectures listed, a default
	# that lets calls through, or one that already is ENOSYS.
	old_profile 'del(.archMap)' >"$T/p.json"
	run scfilter -f "$T/p.json" sysprobe 1000 -- getpid
	assert_out "$(printf '%s\n' EPERM ok)"
	run scfilter -v -f "$T/p.json" --dump
	assert_contains "$ERR" "scfilter: $T/p.json: no architectures listed: no ENOSYS for calls newer than the profile (as runc)"
	old_profile '.defaultAction = "SCMP_ACT_LOG"' >"$T/p.json"
	run scfilter -f "$T/p.json" --dump
	assert_not_contains "$OUT" "newer than the profile"
	old_profile '.defaultErrnoRet = 38' >"$T/p.json"
	run scfilter -v -f "$T/p.json" --dump
	assert_not_contains "$OUT" "newer than the profile"
	assert_contains "$ERR" "scfilter: $T/p.json: default errno=ENOSYS: calls newer than the profile get it too (runc adds no ENOSYS stub)"
}

# runc's stub comes before libseccomp's filter: a profile's own rules never
# decide a call above its last one. On 32-bit x86 that can be a direct
# socket call: libseccomp gives socket a pseudo number there, so it does
# not count as the last; socketcall (102) is above it too.
test_enosys_stub_before_the_profiles_own_rules() {
	cat >"$T/p.json" <<-'E'
		{ "defaultAction": "SCMP_ACT_ERRNO",
		  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		  "syscalls": [{ "names": ["read", "socket"], "action": "SCMP_ACT_ALLOW" }] }
	E
	# shellcheck disable=SC2016 # PFC's own $arch and $syscall
	local x86='# filter for arch x86 (1073741827)
if ($arch == 1073741827)
  # filter for syscall "read" (3)
  if ($syscall == 3)
    action ALLOW;' stub='  # calls newer than the profile'"'"'s last: ENOSYS, as runc
  if ($syscall > 3)
    action ERRNO(38);
  # default action'
	run scfilter -f "$T/p.json" --dump
	assert_contains "$OUT" "$x86
$stub"
	# A rule given later is not the profile's: it decides.
	run scfilter -f "$T/p.json" --allow socket --dump
	# shellcheck disable=SC2016
	assert_contains "$OUT" "$x86
  # filter for syscall \"socketcall\" (102)
  if (\$syscall == 102)
    if (\$a0 == 1)
      action ALLOW;
  # filter for syscall \"socket\" (359)
  if (\$syscall == 359)
    action ALLOW;
$stub"
}

# Entries that name a call twice, as podman's do, in a profile that
# allows the rest (the default's rules are the allow ones).
overlap_profile() {
	cat <<-'E'
		{ "defaultAction": "SCMP_ACT_ALLOW",
		  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		  "syscalls": [
			{ "names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
			  "args": [{ "index": 1, "value": 100, "op": "SCMP_CMP_EQ" }] },
			{ "names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34 },
			{ "names": ["setdomainname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34 },
			{ "names": ["setdomainname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
			  "args": [{ "index": 1, "value": 100, "op": "SCMP_CMP_EQ" }] },
			{ "names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34 },
			{ "names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33 },
			{ "names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
			  "args": [{ "index": 1, "value": 5, "op": "SCMP_CMP_EQ" }] },
			{ "names": ["getpgid"], "action": "SCMP_ACT_ALLOW" } ] }
	E
}
# Its calls; the host keeps its name if one were let through (over 64).
OVERLAP_CALLS=(sethostname x 100 -- sethostname x 101 -- setdomainname x 100
	-- setdomainname x 101 -- acct /nonexistent-conch -- getpgid 0 5 -- getpgid 0 6)

test_doubled_entries_as_libseccomp_keeps_them() {
	need_probe || return 0
	overlap_profile >"$T/p.json"
	# sethostname: an unconditional rule replaces the conditional one
	# before it. setdomainname, acct: the first unconditional rule
	# stays, the later ones are dropped. getpgid: a rule with the
	# default action is skipped (runc), the conditional one decides.
	run scfilter -f "$T/p.json" sysprobe "${OVERLAP_CALLS[@]}"
	assert_out "$(printf '%s\n' ERANGE ERANGE ERANGE ERANGE ERANGE EDOM ok)"
	run scfilter -v -f "$T/p.json" true
	assert_contains "$ERR" "scfilter: $T/p.json: syscalls[3]: setdomainname: errno=EDOM overruled by syscalls[2]'s errno=ERANGE, the first unconditional rule (libseccomp keeps it and drops the others, as under runc)"
	# The same conditions with another action: libseccomp's EEXIST.
	cat >"$T/p.json" <<-'E'
		{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
			{ "names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 33,
			  "args": [{ "index": 1, "value": 5, "op": "SCMP_CMP_EQ" },
			           { "index": 0, "value": 1, "op": "SCMP_CMP_GT" }] },
			{ "names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34,
			  "args": [{ "index": 0, "value": 1, "op": "SCMP_CMP_GT" },
			           { "index": 1, "value": 5, "op": "SCMP_CMP_EQ" }] } ] }
	E
	assert_fails 125 "scfilter: $T/p.json: syscalls[1]: getpgid: the same conditions as in syscalls[0], with another action (runc refuses such a profile too: libseccomp's EEXIST)" \
		scfilter -f "$T/p.json" true
}

# --- the same verdicts as runc -------------------------------------------

# need_runc || return 0: root, runc, jq, busybox; then an OCI bundle in
# $T/bundle (`runc spec`, busybox and sysprobe in its root) and a cgroup
# of this test's own for runc to make its containers' cgroups in.
need_runc() {
	need_root || return 1
	need_probe || return 1
	need_cmd runc jq busybox unshare || return 1
	R=$(cgroup2_root)
	if [ -z "$R" ]; then
		skip "no cgroup2 file system mounted (for runc's cgroups)"
		return 1
	fi
	mkdir -p "$T/bundle/rootfs/bin"
	cp "$(command -v busybox)" "$PROBES/sysprobe" "$T/bundle/rootfs/bin/"
	(cd "$T/bundle" && runc spec && mv config.json spec.json) ||
		{ fail "runc spec"; return 1; }
	cg_new RUNC_CG runc
	mkdir "$R/$RUNC_CG"
	RUNC_N=0
}

# Docker's and podman's own work before runc sees a profile (moby's and
# containers/common's setupSeccomp): the archMap entry of this machine
# (x86_64) becomes "architectures", and an entry is kept when amd64, the
# kernel version and the container's capabilities (CAPS, as JSON) meet
# its includes and none of its excludes.
# shellcheck disable=SC2016 # jq's own $caps and $kernel
RESOLVE_JQ='def ver: split(".") | map(tonumber);
	(if .archMap then .architectures = [.archMap[]
		| select(.architecture == "SCMP_ARCH_X86_64")
		| .architecture, (.subArchitectures // [])[]] else . end)
	| del(.archMap)
	| .syscalls = [(.syscalls // [])[]
		| select(((.excludes.arches // []) | index(["amd64"]) | not)
		and (((.excludes.caps // []) - $caps) == (.excludes.caps // []))
		and ((.excludes.minKernel // null) == null
			or ($kernel | ver) < (.excludes.minKernel | ver))
		and ((.includes.arches // []) == []
			or ((.includes.arches // []) | index(["amd64"])) != null)
		and (((.includes.caps // []) - $caps) == [])
		and ((.includes.minKernel // null) == null
			or ($kernel | ver) >= (.includes.minKernel | ver)))
		| del(.includes, .excludes)]'

# runc_probes PROFILE CAPS CALL [ARG]... [-- CALL...]: sysprobe's lines
# under `runc run`, the profile resolved for CAPS (capset's list) in
# linux.seccomp, CAPS in every set of process.capabilities. The container
# has a mount namespace only, the others are the host's as for scfilter,
# and its cgroup is under RUNC_CG: in a mount namespace of its own, runc
# sees that directory as /sys/fs/cgroup, and touches no other cgroup.
runc_probes() {
	local profile=$1 caps=$2 capj argj kernel id
	shift 2
	capj=$(jq -cn --arg c "$caps" '$c | ascii_upcase | split(",") | map("CAP_" + .)')
	argj=$(printf '%s\n' sysprobe "$@" | jq -R . | jq -sc .)
	kernel=$(uname -r | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
	jq --argjson caps "$capj" --arg kernel "$kernel" "$RESOLVE_JQ" "$profile" \
		>"$T/bundle/seccomp.json" || return 1
	RUNC_N=$((RUNC_N + 1))
	id=conch-$$-$RUNC_N
	jq --slurpfile sc "$T/bundle/seccomp.json" --argjson caps "$capj" \
		--argjson args "$argj" --arg cg "/$id" '.process.terminal = false
		| .process.args = $args | .linux.seccomp = $sc[0]
		| .process.capabilities = {bounding: $caps, effective: $caps,
			permitted: $caps, inheritable: $caps}
		| .linux.namespaces = [{type: "mount"}] | del(.hostname)
		| .mounts |= map(select(.type != "cgroup"))
		| .linux.cgroupsPath = $cg' "$T/bundle/spec.json" >"$T/bundle/config.json" ||
		return 1
	# shellcheck disable=SC2016 # sh's own arguments
	unshare -m --propagation private sh -c 'mount --bind "$1" /sys/fs/cgroup &&
		exec runc --root "$2" run --bundle "$3" "$4"' sh \
		"$R/$RUNC_CG" "$T/runc" "$T/bundle" "$id" 2>"$T/runc.err"
	runc --root "$T/runc" delete -f "$id" >/dev/null 2>&1
	return 0
}

# as_runc PROFILE CAPS CALL [ARG]... [-- CALL...]: every call gets the same
# errno name under runc as under `capset --keep CAPS scfilter -f PROFILE`.
as_runc() {
	local profile=$1 caps=$2 names want got
	shift 2
	names=$(printf '%s\n' "$@" | awk 'n == 0 { print } { n = $0 != "--" }')
	want=$(runc_probes "$profile" "$caps" "$@")
	got=$(capset --keep "$caps" scfilter -f "$profile" sysprobe "$@")
	assertEquals "$(basename "$profile") with $caps: call, runc's answer, scfilter's (runc: $(head -c 300 "$T/runc.err"))" \
		"$(paste -d' ' <(echo "$names") <(echo "$want"))" \
		"$(paste -d' ' <(echo "$names") <(echo "$got"))"
}

# Calls new and old, allowed, denied and conditional, whose arguments make
# them fail harmlessly when allowed (nothing named exists, host names are
# too long to set); the namespace and persona changes come last.
RUNC_CALLS=(clone3 0 0 -- io_uring_setup 1 0 -- io_uring_enter -1 0 0 0 0 0
	-- io_uring_register -1 0 0 0 -- setns 1000 0 -- openat2 -100 / 0 0 -- pidfd_open 0 0
	-- close_range 5 4 0 -- faccessat2 -100 /nonexistent-conch 0 0x8000
	-- landlock_create_ruleset 0 0 1 -- memfd_secret 0xffff -- pidfd_send_signal -1 0 0 0
	-- open_tree -100 /nonexistent-conch 0 -- mount none /nonexistent-conch tmpfs 0 0
	-- umount2 /nonexistent-conch 0 -- chroot /nonexistent-conch -- acct /nonexistent-conch
	-- sethostname x 100 -- setdomainname x 100 -- perf_event_open 0 0 -1 -1 0 -- bpf 0 0 0
	-- quotactl 0 0 0 0 -- open_by_handle_at -1 0 0 -- kcmp 0 0 0 0 0
	-- ptrace 0x7fffffff 0 0 0 -- kexec_load 0 0 0 0xdeadbeef -- socket 2 1 0 -- socket 40 1 0
	-- socket 16 3 9 -- socket 16 3 0 -- socket 0x100000010 3 9 -- clone 0x11 0
	-- clone 0x10000011 0 -- getpgid 0 -- 451 -1 0 -- 1000 -- personality 0xffffffff
	-- personality 0x40000 -- unshare 0x20000 -- unshare 0x10000000)

test_fixtures_decide_as_runc() {
	need_runc || return 0
	local fx caps
	for fx in docker-seccomp-default docker-seccomp-2019 podman-seccomp; do
		for caps in "$DOCKER_CAPS" "$DOCKER_CAPS,sys_admin"; do
			as_runc "$FIXTURES/$fx.json" "$caps" "${RUNC_CALLS[@]}"
		done
	done
}

# podman's profile allows setns, perf_event_open and others in some
# entries and denies them in others, by the capabilities held.
test_podman_doubled_entries_as_runc() {
	need_runc || return 0
	local fx=$FIXTURES/podman-seccomp.json caps
	local calls=(setns 1000 0 -- bpf 0 0 0 -- perf_event_open 0 0 -1 -1 0
		-- lookup_dcookie 0 0 0 -- quotactl 0 0 0 0 -- quotactl_fd -1 0 0 0
		-- sethostname x 100 -- setdomainname x 100 -- open_by_handle_at -1 0 0
		-- chroot /nonexistent-conch -- init_module 0 0 x -- finit_module -1 0 0
		-- delete_module conch-no-such-module 0 -- acct /nonexistent-conch
		-- kcmp 0 0 0 0 0 -- process_madvise -1 0 0 0 0 -- ioperm 0 0 0 -- iopl 0
		-- clock_settime 0x7fffffff 0 -- socket 16 3 9 -- socket 16 3 0 -- socket 2 1 0)
	for caps in "$DOCKER_CAPS" "$DOCKER_CAPS,sys_admin" "$DOCKER_CAPS,perfmon,bpf" \
		"chown"; do
		as_runc "$fx" "$caps" "${calls[@]}"
	done
	# Without CAP_SYS_ADMIN too, setns is allowed (fd 1000 is not open):
	# the allow-list comes first, and libseccomp keeps its rule.
	run capset --keep "$DOCKER_CAPS" scfilter -f "$fx" sysprobe setns 1000 0
	assert_out EBADF
	# With CAP_PERFMON but not CAP_SYS_ADMIN, perf_event_open's first
	# entry is the EPERM one: it stays.
	run capset --keep "$DOCKER_CAPS,perfmon" scfilter -f "$fx" sysprobe perf_event_open 0 0 -1 -1 0
	assert_out EPERM
}

test_doubled_entries_of_our_own_as_runc() {
	need_runc || return 0
	overlap_profile >"$T/p.json"
	as_runc "$T/p.json" "$DOCKER_CAPS" "${OVERLAP_CALLS[@]}"
}

# --- --bpf for other loaders -------------------------------------------

test_bpf_loaded_by_bwrap() {
	need_root || return 0
	need_probe || return 0
	need_cmd bwrap || return 0
	assert_ok scfilter --deny mkdir,mkdirat --bpf "$T/f.bpf"
	assert_out ""
	run bwrap --dev-bind / / --seccomp 3 sysprobe mkdir "$T/d" 0755 3<"$T/f.bpf"
	assert_out EPERM
	assertFalse "no directory made" "[ -e '$T/d' ]"
	run bwrap --dev-bind / / --seccomp 3 sysprobe getpid 3<"$T/f.bpf"
	assert_out ok
	# The same bytes to stdout.
	scfilter --deny mkdir,mkdirat --bpf - >"$T/g.bpf"
	assertTrue "--bpf - writes the same program" "cmp -s '$T/f.bpf' '$T/g.bpf'"
}

test_bpf_loaded_by_setpriv() {
	need_probe || return 0
	# Debian 12's setpriv (2.38) predates --seccomp-filter: make testprogs
	# builds a newer one (tests/helpers/setpriv.sh) when it can.
	local setpriv=setpriv why
	if ! setpriv --help 2>/dev/null | grep -q -- --seccomp-filter; then
		setpriv=setpriv-seccomp
		if ! command -v "$setpriv" >/dev/null; then
			why=$(cat "$TOP/build/util-linux/why" 2>/dev/null)
			skip "setpriv from util-linux $(setpriv --version | awk '{ print $NF }') has no --seccomp-filter (2.40 has), and tests/helpers/setpriv.sh built none${why:+: $why}"
			return 0
		fi
	fi
	assert_ok scfilter --deny mkdir,mkdirat --bpf "$T/f.bpf"
	run "$setpriv" --seccomp-filter "$T/f.bpf" sysprobe mkdir "$T/d" 0755
	assert_out EPERM
	run "$setpriv" --seccomp-filter "$T/f.bpf" sysprobe getpid
	assert_out ok
}

test_dump_prints_pfc() {
	run scfilter --deny mkdir --dump
	assert_rc 0
	# shellcheck disable=SC2016 # PFC's own $arch and $syscall
	assert_contains "$OUT" "$(printf '#\n# pseudo filter code start\n#\n# filter for arch x86_64 (3221225534)\nif ($arch == 3221225534)\n  # filter for syscall "mkdir" (83)\n  if ($syscall == 83)\n    action ERRNO(1);\n  # default action\n  action ALLOW;')"
	assert_contains "$OUT" "$(printf '# invalid architecture action\naction KILL_PROCESS;')"
}

# --- the process ---------------------------------------------------------

test_prog_has_no_new_privs_and_a_filter() {
	run scfilter --deny mkdir cat /proc/self/status
	assert_rc 0
	assertEquals "NoNewPrivs: 1" "$(grep ^NoNewPrivs: <<<"$OUT" | tr -s '\t ' ' ')"
	assertEquals "Seccomp: 2" "$(grep ^Seccomp: <<<"$OUT" | tr -s '\t ' ' ')"
}

test_unprivileged_user() {
	need_user || return 0
	need_probe || return 0
	run as_user scfilter -v --deny mkdir,mkdirat sysprobe mkdir "$T/d" 0755
	assert_out EPERM
	assert_contains "$ERR" "PR_SET_NO_NEW_PRIVS"
}

test_verbose_says_each_step() {
	run scfilter -v -f default true
	assert_rc 0
	assert_contains "$ERR" "scfilter: profile default (built-in): "
	assert_contains "$ERR" "scfilter: filter: "
	assert_contains "$ERR" "scfilter: prctl(PR_SET_NO_NEW_PRIVS): needed to load a filter without CAP_SYS_ADMIN"
	run env CONCH_VERBOSE=1 scfilter true
	assert_contains "$ERR" "), then exec "
	run scfilter true
	assert_err ""
}

test_exec_failures_126_127() {
	assert_fails 127 "scfilter: exec no-such-prog-here: No such file or directory (not found in PATH)" \
		scfilter --deny mkdir no-such-prog-here
	assert_fails 127 "scfilter: exec $T/nope: No such file or directory" scfilter "$T/nope"
	echo 'echo hi' >"$T/noexec"
	assert_fails 126 "scfilter: exec $T/noexec: Permission denied" scfilter "$T/noexec"
	printf '#!/nonexistent/interp\n' >"$T/script"
	chmod +x "$T/script"
	assert_fails 126 "scfilter: exec $T/script: No such file or directory (its interpreter or ELF loader is missing)" \
		scfilter "$T/script"
	printf '#!/bin/sh\necho "shell $*"\n' >"$T/sh"
	chmod +x "$T/sh"
	run env SHELL="$T/sh" scfilter
	assert_rc 0
	assert_out "shell "
}

test_prog_sees_only_its_fds() {
	echo 'errno mkdir' >"$T/p.txt"
	echo '{"defaultAction": "SCMP_ACT_ALLOW"}' >"$T/p.json"
	run closed_fds scfilter -f "$T/p.txt" -f "$T/p.json" -f noexec --bpf "$T/f.bpf"
	assert_rc 0
	run closed_fds scfilter -f "$T/p.txt" -f "$T/p.json" -f default ls /proc/self/fd
	assert_rc 0
	assert_out "$(printf '0\n1\n2\n3')"	# 3: ls's own directory
	run closed_fds scfilter -f noexec ls /proc/self/fd
	assert_out "$(printf '0\n1\n2\n3')"
}

# --- completions: names from the installed scfilter -----------------------

# complete WORD...: what the bash completion offers for the last WORD.
complete_scfilter() {
	complete_words scfilter "$@"
}

test_bash_completion() {
	[ -f "$BASH_COMPLETION" ] || { skip "needs bash-completion"; return 0; }
	assertEquals "$(printf 'mkdir\nmkdirat')" "$(complete_scfilter --deny mkd)"
	assertEquals "mkdir,rmdir" "$(complete_scfilter --deny mkdir,rmd)"
	assertEquals "$(printf 'noexec\nnonet')" "$(complete_scfilter -f no)"
	assertEquals "$(printf "EACCES:openat\nEACCES:openat2")" "$(complete_scfilter --errno EACCES:opena)"
	assertEquals "errno=EPERM" "$(complete_scfilter --default errno=EPER)"
	assertEquals "x86_64,x32" "$(complete_scfilter --arch x86_64,x3)"
	assertEquals "syscalls" "$(complete_scfilter --list sy)"
	assertEquals "--profile" "$(complete_scfilter --prof)"
	assertEquals "echo" "$(complete_scfilter -f default ech)"
}

test_zsh_completion_loads() {
	need_cmd zsh || return 0
	run zsh -fc "fpath=('$CONCH_ZSHCOMPDIR' \$fpath); autoload -U compinit && compinit -u -d '$T/zcd' && autoload +X _scfilter"
	assert_rc 0
	assert_err ""
}

# --- bad input: 125 and the value or file:line --------------------------

test_bad_command_line() {
	assert_fails 125 "scfilter: --deny: unknown system call 'mkdri'" scfilter --deny mkdri true
	assert_fails 125 "scfilter: --allow: empty system call name in the list" scfilter --allow mkdir,,rmdir true
	assert_fails 125 "scfilter: --errno: unknown errno name 'EFOO'" scfilter --errno EFOO:mkdir true
	assert_fails 125 "scfilter: --errno: errno value '5000' out of range (0 to 4095)" scfilter --errno 5000:mkdir true
	assert_fails 125 "scfilter: --errno 'EPERM': expected ERR:LIST" scfilter --errno EPERM true
	assert_fails 125 "scfilter: --default: unknown action 'frob'" scfilter --default frob true
	assert_fails 125 "scfilter: --arch: unknown architecture 'sparc'" scfilter --arch sparc true
	assert_fails 125 "scfilter: --arch: architecture 'aarch64' does not run on this machine (x86_64)" scfilter --arch x86_64,aarch64 true
	assert_fails 125 "scfilter: --arch: the architectures leave out this machine's own (x86_64), and PROG is of it" scfilter --arch x86 true
	assert_fails 125 "scfilter: --list 'frob': expected profiles, syscalls, constants or errnos" scfilter --list frob
	assert_fails 125 "scfilter: --show 'frob': not a built-in profile (default, nonet, noexec)" scfilter --show frob
	assert_fails 125 "scfilter: --dump and --bpf write the filter instead of running PROG ('true')" scfilter --dump true
	assert_fails 125 "scfilter: option '--deny' needs an argument (see scfilter --help)" scfilter --deny
	assert_fails 125 "scfilter: unknown option '--frob' (see scfilter --help)" scfilter --frob
}

# --keep-privs: loaded with CAP_SYS_ADMIN, without no_new_privs, as runc
# loads a config's filter when noNewPrivileges is false.
test_keep_privs() {
	need_root || return 0
	run scfilter --keep-privs --deny mkdir,mkdirat sh -c "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; mkdir $T/d"
	assert_rc 1
	assert_out "$(printf 'NoNewPrivs:\t0\nSeccomp:\t2')"
	assert_contains "$ERR" "Operation not permitted"
	need_user || return 0
	assert_fails 125 "scfilter: load the filter (13 BPF instructions): Permission denied (--keep-privs needs CAP_SYS_ADMIN: without it, leave it out)" \
		as_user scfilter --keep-privs --deny reboot true
}

test_bad_text_profile() {
	local p=$T/p
	_bad() { printf '%s\n' "# a comment" "$1" >"$p"; assert_fails 125 "scfilter: $p:2: $2" scfilter -f "$p" true; }
	_bad "errno mkdri" "unknown system call 'mkdri'"
	_bad "frob mkdir" "unknown action 'frob'"
	_bad "errno=EFOO mkdir" "unknown errno name 'EFOO'"
	_bad "arch sparc" "unknown architecture 'sparc'"
	_bad "errno" "malformed rule: no system call after 'errno'"
	_bad "errno socket arg0 => 2" "malformed rule: expected an operator (== != < <= > >= &=) after 'arg0', got '=>'"
	_bad "errno socket arg9 == 2" "argument 'arg9' out of range (arg0 to arg5)"
	_bad "errno socket arg0 == AF_FOO" "unknown value 'AF_FOO'"
	_bad "errno socket arg0 == 12z" "bad number '12z'"
	_bad "errno socket arg0 ==" "malformed rule: expected a value after 'arg0 ==', got ''"
	_bad "errno socket arg0 &= 0xff < 2" "malformed rule: expected == or != after 'arg0 &= MASK', got '<'"
	_bad "errno socket flags == 2" "unknown system call 'flags'"
	_bad "errno socket arg0 == 2 trailing" "malformed rule: expected a condition (argN OP VALUE), got 'trailing'"
	_bad "default" "malformed rule: 'default' takes one action"
	_bad "default allow kill" "malformed rule: 'default' takes one action"
	_bad "noexec now" "malformed rule: 'noexec' takes nothing"
}

test_bad_json_profile() {
	local p=$T/p.json
	printf '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n}\n' >"$p"
	assert_fails 125 "scfilter: $p: line 3, column 1: invalid JSON: string or '}' expected near '}'" scfilter -f "$p" true
	echo '{"syscalls": []}' >"$p"
	assert_fails 125 "scfilter: $p: defaultAction: missing" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_FROB"}' >"$p"
	assert_fails 125 "scfilter: $p: defaultAction: unknown action 'SCMP_ACT_FROB'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0]: unknown action 'SCMP_ACT_NOPE'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}' >"$p"
	assert_fails 125 "scfilter: $p: architectures: unknown architecture 'SCMP_ARCH_VAX'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "op": "SCMP_CMP_EQ"}]}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0].args[0].index: 7 out of range (0 to 5)" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_LIKE"}]}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0].args[0].op: unknown operator 'SCMP_CMP_LIKE'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_FLY"]}}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0].includes.caps: unknown capability 'CAP_FLY'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0].includes.minKernel: bad kernel version 'four' (expected MAJOR.MINOR)" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_LOG"}' >"$p"
	assert_fails 125 "scfilter: $p: line 1, column 51: invalid JSON: duplicate object key near '\"defaultAction\"'" scfilter -f "$p" true
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' >"$p"
	assert_fails 125 "scfilter: $p: syscalls[0]: SCMP_ACT_NOTIFY needs a supervisor listening for the filter's notifications; scfilter has none" scfilter -f "$p" true
	# Names libseccomp does not know are skipped, as runc does.
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_call", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}' >"$p"
	run scfilter -v -f "$p" true
	assert_rc 0
	assert_contains "$ERR" "system call 'no_such_call' unknown to libseccomp"
}

test_missing_profile() {
	assert_fails 125 "scfilter: open profile $T/nope: No such file or directory" scfilter -f "$T/nope" true
	assert_fails 125 "scfilter: open profile nope: No such file or directory (not a built-in profile either: default, nonet, noexec)" \
		scfilter -f nope true
	printf 'errno mkdir\0' >"$T/bin"
	assert_fails 125 "scfilter: profile $T/bin: a binary file, neither text nor JSON" scfilter -f "$T/bin" true
}

. shunit2

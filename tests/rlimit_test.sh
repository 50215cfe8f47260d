#!/bin/bash
# rlimit: each limit is read back from /proc/self/limits in PROG, as the
# kernel enforces it; the OOM score from /proc/self/oom_score_adj; every
# refusal is 125 with its exact message, and nothing is set then.
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2016 # expanded by the sh of PROG

# The row of /proc/self/limits for each resource name.
declare -A ROW=([cpu]='Max cpu time' [fsize]='Max file size'
	[data]='Max data size' [stack]='Max stack size'
	[core]='Max core file size' [rss]='Max resident set'
	[nproc]='Max processes' [nofile]='Max open files'
	[memlock]='Max locked memory' [as]='Max address space'
	[locks]='Max file locks' [sigpending]='Max pending signals'
	[msgqueue]='Max msgqueue size' [nice]='Max nice priority'
	[rtprio]='Max realtime priority' [rttime]='Max realtime timeout')

# limits_of NAME [FILE]: "SOFT HARD" of NAME in FILE (default: $OUT, the
# /proc/self/limits that PROG printed).
limits_of() {
	local row=${ROW[$1]}
	awk -v r="$row" 'substr($0, 1, length(r)) == r && substr($0, length(r) + 1, 1) == " " {
		$0 = substr($0, length(r) + 1); print $1, $2; exit }' "${2:-/dev/stdin}" <<<"$OUT"
}

# The hard limit of NAME here, in the form rlimit takes.
hard_of() {
	OUT=$(cat /proc/self/limits) limits_of "$1" | cut -d' ' -f2
}

# bytes VALUE: a size with K, M or G as a number (busybox has no numfmt).
bytes() {
	case $1 in
	*K) echo $((${1%K} << 10)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*G) echo $((${1%G} << 30)) ;;
	*) echo "$1" ;;
	esac
}

has_cap_sys_resource() {
	(($(printf '%d' "0x$(status_field CapEff)") >> 24 & 1))
}

test_soft_and_hard() {
	assert_ok rlimit nofile=100:200 cat /proc/self/limits
	assertEquals "100 200" "$(limits_of nofile)"
	assert_err ""
}

test_one_value_sets_both() {
	assert_ok rlimit nproc=512 core=0 cat /proc/self/limits
	assertEquals "512 512" "$(limits_of nproc)"
	assertEquals "0 0" "$(limits_of core)"
}

test_one_side_keeps_the_other() {
	local hard
	hard=$(hard_of stack)
	assert_ok rlimit stack=1M: cat /proc/self/limits
	assertEquals "1048576 $hard" "$(limits_of stack)"
	assert_ok rlimit nofile=64: nofile=:5000 cat /proc/self/limits
	assertEquals "64 5000" "$(limits_of nofile)"
}

test_sizes_and_unlimited() {
	assert_ok rlimit fsize=64K:2G data=3M:unlimited cat /proc/self/limits
	assertEquals "65536 2147483648" "$(limits_of fsize)"
	assertEquals "3145728 unlimited" "$(limits_of data)"
	[ "$(hard_of as)" = unlimited ] || return 0
	assert_ok rlimit as=1t:1T cat /proc/self/limits
	assertEquals "1099511627776 1099511627776" "$(limits_of as)"
	assert_ok rlimit as=1G:infinity as=unlimited cat /proc/self/limits
	assertEquals "unlimited unlimited" "$(limits_of as)"
}

# The names of OCI's config.json, as they come: any case, RLIMIT_.
test_names_as_oci_writes_them() {
	assert_ok rlimit RLIMIT_NOFILE=300:400 Rlimit_Core=0 CPU=7:8 cat /proc/self/limits
	assertEquals "300 400" "$(limits_of nofile)"
	assertEquals "0 0" "$(limits_of core)"
	assertEquals "7 8" "$(limits_of cpu)"
}

# Every resource, lowered to a value of its own, read back in one PROG
# (cat must still run: room for its memory, descriptors and output).
test_every_resource() {
	local -A want=([cpu]=17:18 [fsize]=1M:2M [data]=1G:2G [stack]=8M:9M
		[core]=23:24 [rss]=9:10 [nproc]=1000:1001 [nofile]=64:65
		[memlock]=5:6 [as]=3G:4G [locks]=19:20 [sigpending]=11:12
		[msgqueue]=3:4 [nice]=0:0 [rtprio]=0:0 [rttime]=25:26)
	local r ops=() hard v
	for r in "${!ROW[@]}"; do
		# Below the hard limit: raising it may need CAP_SYS_RESOURCE.
		hard=$(hard_of "$r")
		v=$(bytes "${want[$r]#*:}")
		if [ "$hard" != unlimited ] && [ "$hard" -lt "$v" ]; then
			want[$r]=$hard:$hard
		fi
		ops+=("$r=${want[$r]}")
	done
	assert_ok rlimit "${ops[@]}" cat /proc/self/limits
	for r in "${!ROW[@]}"; do
		v="$(bytes "${want[$r]%:*}") $(bytes "${want[$r]#*:}")"
		assertEquals "$r" "$v" "$(limits_of "$r")"
	done
}

test_print() {
	assert_ok rlimit -p nofile=128:256 core=0:0
	assert_contains "$OUT" $'nofile=128:256\n'
	assert_contains "$OUT" $'core=0:0\n'
	assertEquals "17 lines" 17 "$(wc -l <<<"$OUT")"
	assertEquals "as first" "cpu=" "$(head -1 <<<"$OUT" | cut -c1-4)"
	assertEquals "oom-score-adj=$(cat /proc/self/oom_score_adj)" "$(tail -1 <<<"$OUT")"
	# The output is the input: fed back, it sets the same limits.
	local again
	# shellcheck disable=SC2046
	again=$(rlimit $(grep -v oom <<<"$OUT") rlimit -p)
	assertEquals "$OUT" "$again"
	# -p with PROG: prints, then runs it.
	assert_ok rlimit -p nofile=99 echo ran
	assert_contains "$OUT" $'nofile=99:99\n'
	assertEquals "ran" "$(tail -1 <<<"$OUT")"
}

test_oom_score_adj() {
	assert_ok rlimit --oom-score-adj 500 cat /proc/self/oom_score_adj
	assert_out 500
	assert_ok rlimit -o 1000 rlimit -o 1000 cat /proc/self/oom_score_adj
	assert_out 1000
	# Lowering it needs CAP_SYS_RESOURCE, which root lacks on some hosts.
	if has_cap_sys_resource; then
		assert_ok rlimit -o 200 rlimit -o -1000 cat /proc/self/oom_score_adj
		assert_out -1000
	else
		assert_fails 125 "rlimit: --oom-score-adj -1000: Permission denied (lowering it below 0 needs CAP_SYS_RESOURCE)" \
			rlimit -o 200 rlimit -o -1000 true
	fi
}

test_unprivileged() {
	need_user || return 0
	run as_user rlimit -o 300 nofile=50:60 cat /proc/self/limits /proc/self/oom_score_adj
	assert_rc 0
	assertEquals "50 60" "$(limits_of nofile)"
	assertEquals 300 "$(tail -1 <<<"$OUT")"
	# Lowered, a hard limit stays down: no way back up without the cap.
	run as_user rlimit nofile=50:60 rlimit nofile=50:61 true
	assert_rc 125
	assert_err "rlimit: nofile=50:61: Operation not permitted (raising the hard limit above 60 needs CAP_SYS_RESOURCE)"
	# Down to 0 (the floor a privileged writer may lower), not below.
	run as_user rlimit -o 300 rlimit -o 0 cat /proc/self/oom_score_adj
	assert_out 0
	run as_user rlimit -o -1 true
	assert_rc 125
	assert_err "rlimit: --oom-score-adj -1: Permission denied (lowering it below 0 needs CAP_SYS_RESOURCE)"
}

# Before a user namespace, as a chain puts it: root raises a hard limit
# that the namespace's root could not.
test_before_the_user_namespace() {
	need_root || return 0
	has_cap_sys_resource || { skip "root lacks CAP_SYS_RESOURCE here (CapEff $(status_field CapEff))"; return 0; }
	local hard
	hard=$(hard_of nofile)
	[ "$hard" != unlimited ] || return 0
	run rlimit nofile=10:10 rlimit nofile=$((hard + 1)) cat /proc/self/limits
	assert_rc 0
	assertEquals "$((hard + 1)) $((hard + 1))" "$(limits_of nofile)"
	assert_fails 125 "rlimit: nofile=10:11: Operation not permitted (raising the hard limit above 10 needs CAP_SYS_RESOURCE)" \
		rlimit nofile=10 nsnew -r rlimit nofile=10:11 true
}

test_nofile_above_nr_open() {
	local max
	max=$(cat /proc/sys/fs/nr_open)
	assert_fails 125 "rlimit: nofile=$((max + 1)): Operation not permitted (nofile cannot exceed fs.nr_open, $max)" \
		rlimit nofile=$((max + 1)) true
	assert_fails 125 "rlimit: nofile=unlimited: Operation not permitted (nofile cannot exceed fs.nr_open, $max)" \
		rlimit nofile=unlimited true
}

test_bad_operands() {
	assert_fails 125 "rlimit: unknown resource 'files' (see rlimit --help)" rlimit files=10 true
	assert_fails 125 "rlimit: unknown resource 'RLIMIT_' (see rlimit --help)" rlimit RLIMIT_=10 true
	assert_fails 125 "rlimit: unknown resource '' (see rlimit --help)" rlimit =10 true
	assert_fails 125 "rlimit: nofile=: no value (expected SOFT:HARD, VALUE, SOFT: or :HARD)" rlimit nofile= true
	assert_fails 125 "rlimit: nofile=:: no value (expected SOFT:HARD, VALUE, SOFT: or :HARD)" rlimit nofile=: true
	assert_fails 125 "rlimit: nofile=ten: 'ten' is not a number, a size with K, M, G or T, or unlimited" rlimit nofile=ten true
	assert_fails 125 "rlimit: nofile=10:1:2: '1:2' is not a number, a size with K, M, G or T, or unlimited" rlimit nofile=10:1:2 true
	assert_fails 125 "rlimit: core=-1: '-1' is not a number, a size with K, M, G or T, or unlimited" rlimit core=-1 true
	assert_fails 125 "rlimit: core=1X: '1X' is not a number, a size with K, M, G or T, or unlimited" rlimit core=1X true
	assert_fails 125 "rlimit: core=99999999999999999999: '99999999999999999999' is not a number, a size with K, M, G or T, or unlimited" \
		rlimit core=99999999999999999999 true
	assert_fails 125 "rlimit: core=16777216T: '16777216T' is not a number, a size with K, M, G or T, or unlimited" \
		rlimit core=16777216T true
	assert_fails 125 "rlimit: nofile=20:10: the soft limit is above the hard limit" rlimit nofile=20:10 true
	assert_fails 125 "rlimit: --oom-score-adj '1001': not a number from -1000 to 1000" rlimit --oom-score-adj 1001 true
	assert_fails 125 "rlimit: --oom-score-adj 'x': not a number from -1000 to 1000" rlimit -o x true
	assert_fails 125 "rlimit: option '--oom-score-adj' needs an argument (see rlimit --help)" rlimit --oom-score-adj
}

# A soft limit left above a new hard one is refused before anything is
# set: -v shows no setrlimit at all.
test_checked_before_set() {
	local soft
	soft=$(OUT=$(cat /proc/self/limits) limits_of nofile | cut -d' ' -f1)
	assert_fails 125 "rlimit: nofile=:2: the soft limit $soft would be above the hard limit 2 (give both: nofile=SOFT:HARD)" \
		rlimit core=0 nofile=:2 true
	run rlimit -v core=0 nofile=:2 true
	assert_not_contains "$ERR" "setrlimit"
	run rlimit -v core=0:0 nofile=1:2 true
	assert_contains "$ERR" "rlimit: setrlimit core 0:0 (bytes)"
}

test_operands_end_at_prog() {
	# A word without '=' is PROG; after --, PROG may have one.
	assert_ok rlimit nofile=100 -- env A=b sh -c 'echo $A; ulimit -n'
	assert_out $'b\n100'
	# Options come first: after an operand, -p is PROG.
	assert_fails 127 "rlimit: exec -p: No such file or directory (not found in PATH)" rlimit core=0 -p
	assert_ok rlimit -- true
}

test_no_prog_runs_shell() {
	run env SHELL=/bin/sh rlimit nofile=77 <<<'ulimit -n'
	assert_rc 0
	assert_out 77
}

test_exec_failures() {
	assert_fails 127 "rlimit: exec no-such-prog-x: No such file or directory (not found in PATH)" \
		rlimit core=0 no-such-prog-x
	touch "$T/noexec"
	assert_fails 126 "rlimit: exec $T/noexec: Permission denied" rlimit "$T/noexec"
}

test_status_passes_through() {
	run rlimit core=0 sh -c 'exit 7'
	assert_rc 7
}

test_fd_hygiene() {
	run closed_fds rlimit -o 10 -p nofile=100 ls /proc/self/fd
	assert_rc 0
	assertEquals "0 1 2 3" "$(tail -4 <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
}

. shunit2

# shellcheck shell=bash
# Sourced by every tests/NAME_test.sh, before shunit2. It gives each test a
# scratch directory ($T), deferred cleanups, exact-result assertions, an
# unprivileged user to run as, and skip-with-a-reason. Results are recorded
# as PASS/FAIL/SKIP lines in $CONCH_RESULTS for tests/run to total.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CONCH_BIN:=$TOP/bin}"
# The test programs (make testprogs), after the tools.
: "${CONCH_TESTPROGS:=$TOP/build/tests}"
PATH=$CONCH_BIN:$CONCH_TESTPROGS:$PATH
export PATH
SUITE=$(basename "$0" .sh)
SUITE=${SUITE%_test}
unset CONCH_VERBOSE
export LC_ALL=C

TEST_USER=conchtest
TEST_UID=
TEST_GID=

# --- shunit2 hooks: wrap the suite's own set_up/tear_down ---------------

setUp() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/conch-$SUITE.XXXXXX")
	_deferred=()
	_skipped=
	if declare -F set_up >/dev/null; then set_up; fi
	return 0
}

tearDown() {
	# shunit2 2.1.8 calls tearDown once more at exit: ignore that one.
	[ -n "${_shunit_test_:-}" ] || return 0
	if declare -F tear_down >/dev/null; then tear_down; fi
	local i
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[i]}" || echo "cleanup failed: ${_deferred[i]}" >&2
	done
	_deferred=()
	# Never reach through a mount left under $T into what it covers.
	if awk -v t="$T" '$5 == t || index($5, t "/") == 1 { f = 1 }
	    END { exit !f }' /proc/self/mountinfo 2>/dev/null; then
		echo "tearDown: mounts left under $T: not removed" >&2
	else
		rm -rf "$T"
	fi
	local result=FAIL
	if [ -n "$_skipped" ]; then
		result=SKIP
	elif [ "${__shunit_testSuccess:-1}" -eq "${SHUNIT_TRUE:-0}" ]; then
		result=PASS
	fi
	if [ -n "${CONCH_RESULTS:-}" ]; then
		echo "$result $SUITE $_shunit_test_${_skipped:+ ($_skipped)}" \
			>>"$CONCH_RESULTS"
	fi
	return 0
}

oneTimeTearDown() {
	if declare -F one_time_tear_down >/dev/null; then one_time_tear_down; fi
	if [ -n "${_made_test_user:-}" ]; then test_user_remove; fi
	return 0
}

# defer CMD: run CMD (a shell string) at tearDown, last deferred first.
defer() {
	_deferred+=("$*")
}

# skip REASON: the test is counted as skipped; the caller then returns 0
# (a test returning non-zero is an error to shunit2): need_root || return 0.
skip() {
	_skipped=$*
	echo "SKIP: ${_shunit_test_:-?}: $*"
	startSkipping
}

# --- running commands -----------------------------------------------------

# run CMD...: sets RC, OUT and ERR (stdout and stderr, trailing newlines cut).
run() {
	LASTCMD=$*
	"$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	return 0
}

# Assertions that say what ran and what it printed when they fail.
assert_rc() {
	assertEquals "exit status of: $LASTCMD (stderr: $ERR)" "$1" "$RC"
}

assert_ok() {
	run "$@"
	assert_rc 0
}

assert_err() {
	assertEquals "stderr of: $LASTCMD" "$1" "$ERR"
}

assert_out() {
	assertEquals "stdout of: $LASTCMD" "$1" "$OUT"
}

# assert_fails RC 'exact stderr' CMD...
assert_fails() {
	local rc=$1 msg=$2
	shift 2
	run "$@"
	assert_rc "$rc"
	assert_err "$msg"
}

# assert_contains TEXT NEEDLE [what]
assert_contains() {
	case $1 in
	*"$2"*) assertTrue 0 ;;
	*) fail "${3:-text} does not contain '$2': $1" ;;
	esac
}

assert_not_contains() {
	case $1 in
	*"$2"*) fail "${3:-text} contains '$2': $1" ;;
	*) assertTrue 0 ;;
	esac
}

# --- the machine ----------------------------------------------------------

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# need_root || return 0: skips the test when not running as root.
need_root() {
	is_root && return 0
	skip "needs root"
	return 1
}

need_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 && continue
		skip "needs $c"
		return 1
	done
}

# runs_32bit PROG: whether this kernel executes the 32-bit static PROG
# (run with no arguments); when not, prints why, for skip. IA32 emulation
# can be compiled out, off (ia32_emulation=0), or not offered by the
# hypervisor (this project's PVM host: execve gives ENOEXEC).
runs_32bit() {
	[ -x "$1" ] || return 0
	local err
	err=$("$1" 2>&1 >/dev/null </dev/null)
	[ $? -ne 126 ] && return 0
	echo "this kernel does not run 32-bit x86 programs (${err##*: }); the VM suite runs it"
	return 1
}

# The active security modules as the kernel lists them (securityfs,
# mounted in a mount namespace of our own where it is not mounted), or "".
active_lsms() {
	cat /sys/kernel/security/lsm 2>/dev/null && return 0
	is_root && nsnew -m sh -c 'mount -t securityfs securityfs /sys/kernel/security &&
		cat /sys/kernel/security/lsm' 2>/dev/null
}

apparmor_active() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]
}

# need_apparmor || return 0: AppArmor active, apparmor_parser to load a
# test profile, and securityfs where it loads it (the VM; skipped here).
need_apparmor() {
	if ! apparmor_active; then
		skip "AppArmor is not active in this kernel ($(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo "no /sys/module/apparmor: not built in"))"
		return 1
	fi
	need_cmd apparmor_parser || return 1
	[ -e /sys/kernel/security/apparmor/profiles ] && return 0
	skip "securityfs is not mounted at /sys/kernel/security"
	return 1
}

# ns_inode TYPE [PID]
ns_inode() {
	stat -L -c %i "/proc/${2:-self}/ns/$1"
}

# The cgroup2 mount point, from mountinfo (empty when there is none).
cgroup2_root() {
	awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo
}

# --- an unprivileged user -------------------------------------------------

# The test user, with a subordinate uid/gid range. Made here when missing
# (as root), and removed again by whoever made it.
test_user_ensure() {
	if ! id -u "$TEST_USER" >/dev/null 2>&1; then
		is_root || return 1
		useradd -M -U -s /bin/sh -d / "$TEST_USER" || return 1
		_made_test_user=1
	fi
	TEST_UID=$(id -u "$TEST_USER")
	TEST_GID=$(id -g "$TEST_USER")
	if ! grep -q "^$TEST_USER:" /etc/subuid 2>/dev/null; then
		usermod --add-subuids 3000000-3065535 "$TEST_USER" || return 1
	fi
	if ! grep -q "^$TEST_USER:" /etc/subgid 2>/dev/null; then
		usermod --add-subgids 3000000-3065535 "$TEST_USER" || return 1
	fi
}

test_user_remove() {
	userdel "$TEST_USER" 2>/dev/null
	sed -i "/^$TEST_USER:/d" /etc/subuid /etc/subgid
	unset _made_test_user
}

# need_user || return 0: skips when there is no way to be unprivileged.
need_user() {
	test_user_ensure && is_root && command -v setpriv >/dev/null && return 0
	skip "needs root to become the unprivileged $TEST_USER (setpriv)"
	return 1
}

# as_user CMD...: CMD as the unprivileged test user, with no capabilities.
as_user() {
	setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups \
		--inh-caps=-all -- env HOME=/ USER="$TEST_USER" "$@"
}

# subid FILE: the test user's "FIRST COUNT" from /etc/subuid or /etc/subgid.
subid() {
	awk -F: -v u="$TEST_USER" '$1 == u { print $2, $3; exit }' "$1"
}

# root_subids FIRST:COUNT...: gives root these lines in /etc/subuid and
# /etc/subgid for this test (root has none on a test host: skips when it
# does), removed again at tearDown.
root_subids() {
	if grep -qs '^root:' /etc/subuid /etc/subgid; then
		skip "root has subordinate IDs here already"
		return 1
	fi
	local r
	for r; do
		echo "root:$r" >>/etc/subuid
		echo "root:$r" >>/etc/subgid
		defer "sed -i '/^root:$r\$/d' /etc/subuid /etc/subgid"
	done
}

# --- fd hygiene -----------------------------------------------------------

# closed_fds CMD...: CMD with every descriptor above 2 closed, so that what
# CMD's PROG sees open is only what the tools under test leaked.
closed_fds() {
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		if declare -F "$1" >/dev/null; then
			"$@"	# as_user and the like
		else
			exec "$@"
		fi
	)
}

# The first line of /proc/PID/status field KEY (e.g. CapEff).
status_field() {
	awk -v k="$1:" '$1 == k { print $2; exit }' "/proc/${2:-self}/status"
}

# Waits up to $2 tenths of a second for a command to succeed.
wait_until() {
	local tries=$1
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# --- documentation --------------------------------------------------------

CONCH_TOOLS="nsnew nsjoin idmap capset cgmake cgput scfilter mkrootfs pivot confine netmake rlimit conch"
# Where the man pages and completions under test are: the source tree by
# default, an installed tree (man1/, man7/ below CONCH_MANDIR) when set.
: "${CONCH_MANDIR:=$TOP/man}"
: "${CONCH_BASHCOMPDIR:=$TOP/completions/bash}"
: "${CONCH_ZSHCOMPDIR:=$TOP/completions/zsh}"

# man_page NAME SECTION: the file of that page.
man_page() {
	if [ -f "$CONCH_MANDIR/man$2/$1.$2" ]; then
		echo "$CONCH_MANDIR/man$2/$1.$2"
	else
		echo "$CONCH_MANDIR/$1.$2"
	fi
}

# --- cgroups (cgmake, cgput) ------------------------------------------------

# need_cg || return 0: root and a cgroup2 mount, at $R.
need_cg() {
	need_root || return 1
	R=$(cgroup2_root)
	[ -n "$R" ] && return 0
	skip "no cgroup2 file system mounted"
	return 1
}

# cg_new VAR NAME: VAR=conch-test-PID-NAME, a cgroup name for the cgroup2
# root; what gets made there is killed and removed at tearDown.
cg_new() {
	local name=conch-test-$$-$2
	printf -v "$1" %s "$name"
	defer "cg_remove '$(cgroup2_root)/$name'"
}

# cg_remove DIR: kills what runs in the cgroup DIR and below and removes
# it bottom-up, without the tools under test.
cg_remove() {
	local i
	[ -d "$1" ] || return 0
	if ! echo 1 >"$1/cgroup.kill" 2>/dev/null; then
		find "$1" -name cgroup.procs -exec cat {} + |
			while read -r i; do kill -9 "$i"; done 2>/dev/null
	fi
	for ((i = 0; i < 100; i++)); do
		grep -q '^populated 0' "$1/cgroup.events" && break
		sleep 0.1
	done
	find "$1" -depth -type d -exec rmdir {} \;
}

# need_controller NAME... || return: skips unless the cgroup2 root offers
# each controller NAME, saying where it is instead (a v1 hierarchy).
need_controller() {
	local c r v1
	r=$(cgroup2_root)
	for c; do
		case " $(cat "$r/cgroup.controllers" 2>/dev/null) " in
		*" $c "*) continue ;;
		esac
		v1=$(awk -v c="$c" '$0 ~ / - cgroup / {
			n = split($NF, o, ","); for (i = 1; i <= n; i++)
			if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
		if [ -n "$v1" ]; then
			skip "$c is bound to cgroup v1 here ($v1)"
		else
			skip "no $c controller in cgroup2 here"
		fi
		return 1
	done
}

# The argv of as_user, for a tool to exec (cgput ... "${AS_USER[@]}" CMD).
AS_USER=(setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups
	--inh-caps=-all -- env HOME=/ USER="$TEST_USER")

# wait_for 'SHELL CODE': up to 10 s for it to succeed (evaluated each time).
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		eval "$1" && return 0
		sleep 0.1
	done
	return 1
}

# spawn NAME CMD...: CMD in the background; a subshell waits for it and
# writes its status to $T/NAME (so bash reports no "Killed" job).
spawn() {
	local name=$1
	shift
	("$@"; echo $? >"$T/$name") >/dev/null 2>&1 &
}

# status_of NAME: the status of spawn NAME, once it has ended.
status_of() {
	wait_for "[ -s '$T/$1' ]"
	cat "$T/$1"
}

# sleeper NAME: starts "sleep 100" in the background, prints its PID.
sleeper() {
	spawn "$1" sh -c "echo \$\$ >'$T/$1.pid'; exec sleep 100"
	wait_for "[ -s '$T/$1.pid' ]"
	cat "$T/$1.pid"
}

# --- bash completions -----------------------------------------------------

BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# complete TOOL WORD...: what bash offers for the last WORD, sorted, one a line.
complete_words() {
	local tool=$1
	shift
	bash -c '
		. "$1"
		. "$2/$3"
		compopt() { :; }	# only valid inside a real completion
		shift 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u
	' complete "$BASH_COMPLETION" "$CONCH_BASHCOMPDIR" "$tool" "$tool" "$@" 2>/dev/null
}

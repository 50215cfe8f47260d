#!/bin/bash
# confine against the real kernel: Landlock rules tried from inside (a
# write, an exec, a bind, a connect, a signal, an abstract socket), as
# root and rootless, alone and in a chain after pivot; what this kernel's
# ABI lacks (the VM's Debian 6.1 kernel offers ABI 2); AppArmor where it
# is active (the VM), SELinux's and AppArmor's clear errors where not;
# bad input, descriptors, exit statuses.
. "$(dirname "$0")/lib.sh"

# This kernel's Landlock ABI (a number), or why there is none (EOPNOTSUPP).
ABI=$(netprobe abi 2>/dev/null)

abi_linux() {
	case $1 in
	1) echo 5.13 ;; 2) echo 5.19 ;; 3) echo 6.2 ;; 4) echo 6.7 ;;
	5) echo 6.10 ;; 6) echo 6.12 ;; 7) echo 6.15 ;;
	esac
}

# need_abi N || return 0: skips below Landlock ABI N, saying why.
need_abi() {
	case $ABI in
	[1-9]*) ;;
	*) skip "no Landlock in this kernel (${ABI:-netprobe abi failed})"; return 1 ;;
	esac
	[ "$ABI" -ge "$1" ] && return 0
	skip "needs Landlock ABI $1 (Linux $(abi_linux "$1")), and this kernel offers ABI $ABI"
	return 1
}

# What the suite's programs need: read everything, and execute the
# system's programs (with their loader and libraries) and those under
# test. Nothing under $T (in /tmp) is executable.
RUN=(--ro /)
for d in /bin /sbin /usr /lib /lib64 "$CONCH_BIN" "$CONCH_TESTPROGS"; do
	[ -e "$d" ] && RUN+=(--rx "$d")
done

set_up() {
	chmod 755 "$T"
}

# mine DIR...: directories under $T for whoever runs the test (the test
# user when the first argument is as_user).
mine() {
	local as=$1 d
	shift
	for d; do
		mkdir -p "$T/$d"
		[ "$as" = as_user ] && chown "$TEST_UID:$TEST_GID" "$T/$d"
	done
	return 0
}

# --- the filesystem ---------------------------------------------------------

# check_rw_only AS: under --rw IN, a file or directory is made in IN and
# refused (EACCES) in OUT, which the caller may write.
check_rw_only() {
	local as=$1
	mine "$as" in out
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/in" sysprobe \
		openat -100 "$T/out/x" 0x41 0644 -- openat -100 "$T/in/x" 0x41 0644 -- \
		mkdir "$T/out/d" 0755 -- mkdir "$T/in/d" 0755
	assert_rc 0
	assert_out "EACCES
ok
EACCES
ok"
	assertFalse "made outside --rw" "[ -e '$T/out/x' ] || [ -e '$T/out/d' ]"
	# A shell sees the same.
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/in" sh -c \
		"echo a >'$T/in/y' && echo in; echo b >'$T/out/y'"
	assert_out in
	assert_contains "$ERR" "Permission denied"
	# Nor is anything removed outside (files made before, as the caller).
	${as:+"$as"} sh -c "touch '$T/out/old' '$T/in/old' && mkdir '$T/out/e'"
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/in" sh -c \
		"rm '$T/in/old' && echo in; rm -f '$T/out/old'; rmdir '$T/out/e'"
	assert_out in
	assertTrue "removed outside --rw" "[ -e '$T/out/old' ] && [ -d '$T/out/e' ]"
}

test_rw_only_beneath_rw() {
	need_root || return 0
	need_abi 1 || return 0
	check_rw_only ""
	# /etc too, where root's file modes would let it write.
	local f=/etc/conch-confine-$$
	defer "rm -f $f"
	run confine "${RUN[@]}" --rw "$T/in" sysprobe openat -100 "$f" 0x41 0644
	assert_out EACCES
	assertFalse "$f made" "[ -e $f ]"
}

test_rw_only_beneath_rw_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	check_rw_only as_user
}

# check_exec_only_rx AS: a program outside --rx does not run, named with
# the hint; under --rx it does.
check_exec_only_rx() {
	local as=$1
	mine "$as" x
	cp "$(command -v netprobe)" "$T/x/prog"
	chmod 755 "$T/x/prog"
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/x" "$T/x/prog" abi
	assert_rc 126
	assert_err "confine: exec $T/x/prog: Permission denied (Landlock executes only beneath --rx paths: PROG and its ELF or #! interpreter must be there)"
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/x" sh -c "'$T/x/prog' abi"
	assert_rc 126
	assert_contains "$ERR" "Permission denied"
	run ${as:+"$as"} confine "${RUN[@]}" --rx "$T/x" "$T/x/prog" abi
	assert_rc 0
	assert_out "$ABI"
}

test_exec_only_beneath_rx() {
	need_root || return 0
	need_abi 1 || return 0
	check_exec_only_rx ""
}

test_exec_only_beneath_rx_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	check_exec_only_rx as_user
}

# A rule on a file gives that file alone, and only the rights a file can
# have (--rw on a file carries no make or remove right: no EINVAL).
test_rule_on_a_file() {
	need_abi 1 || return 0
	mine "" d
	touch "$T/d/one" "$T/d/two"
	run confine "${RUN[@]}" --rw "$T/d/one" sysprobe \
		openat -100 "$T/d/one" 1 0 -- openat -100 "$T/d/two" 1 0 -- \
		openat -100 "$T/d/three" 0x41 0644
	assert_rc 1
	assert_out "ok
EACCES
EACCES"
}

# Renames across directories (refer, ABI 2) under --rw, not out of it.
test_rename_across_rw_directories() {
	need_abi 2 || return 0
	mine "" a b r
	echo x >"$T/a/f"
	run confine "${RUN[@]}" --rw "$T/a" --rw "$T/b" sysprobe \
		renameat -100 "$T/a/f" -100 "$T/b/f" -- \
		renameat -100 "$T/b/f" -100 "$T/r/g"
	assert_out "ok
EACCES"
}

# Truncate (ABI 3): under --rw, not under --ro.
test_truncate_only_under_rw() {
	need_abi 3 || return 0
	mine "" w r
	echo x >"$T/w/f"
	echo x >"$T/r/f"
	run confine "${RUN[@]}" --rw "$T/w" sysprobe truncate "$T/r/f" 0 -- \
		truncate "$T/w/f" 0
	assert_out "EACCES
ok"
	assertEquals "untruncated" x "$(cat "$T/r/f")"
}

# Landlock checks at open: what was open before confine stays usable.
test_files_opened_before_stay_usable() {
	need_abi 1 || return 0
	mine "" in out
	run sh -c "exec 3>>'$T/out/before'; confine ${RUN[*]} --rw '$T/in' \
		sh -c 'echo kept >&3; echo new >\"$T/out/after\"'"
	assert_contains "$ERR" "Permission denied"
	assertEquals "written through the old descriptor" kept "$(cat "$T/out/before")"
	assertFalse "opened after" "[ -e '$T/out/after' ]"
}

# --- escapes: a confined process reaching a path outside --rw -------------

# check_escapes AS: with --rw IN only, $T/out/f is reached through
# /proc/self/root, through another process's /proc/PID/root, through a
# symbolic link in IN made before, by a new hard link into IN, and by a
# second confine that grants OUT (rulesets only stack). A hard link made
# before is a path beneath IN: Landlock allows it, as confine(1) says.
check_escapes() {
	local as=$1 pid
	mine "$as" in out
	${as:+"$as"} sh -c "echo x >'$T/out/f' && ln -s '$T/out/f' '$T/in/sym' &&
		ln '$T/out/f' '$T/in/hard'" || fail "set-up"
	pid=$(${as:+"$as"} sh -c 'sleep 100 >/dev/null 2>&1 & echo $!')
	defer "kill $pid"
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/in" sysprobe \
		openat -100 "/proc/self/root$T/out/f" 1 0 -- \
		openat -100 "/proc/$pid/root$T/out/f" 1 0 -- \
		openat -100 "$T/in/sym" 1 0 -- \
		linkat -100 "$T/out/f" -100 "$T/in/new" 0 -- \
		openat -100 "$T/in/hard" 1 0
	assert_out "EACCES
EACCES
EACCES
EXDEV
ok"
	run ${as:+"$as"} confine "${RUN[@]}" --rw "$T/in" \
		confine "${RUN[@]}" --rw "$T/in" --rw "$T/out" sysprobe \
		openat -100 "$T/out/f" 1 0 -- openat -100 "$T/in/x" 0x41 0644
	assert_out "EACCES
ok"
	assertEquals "untouched" x "$(cat "$T/out/f")"
}

test_escapes_from_inside() {
	need_root || return 0
	need_abi 1 || return 0
	check_escapes ""
}

test_escapes_from_inside_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	check_escapes as_user
}

# check_no_mounts AS PREFIX...: in a mount namespace of its own, where
# it could otherwise, a confined process may not bind OUT over IN.
check_no_mounts() {
	local as=$1
	shift
	mine "$as" in out
	mkdir -p "$T/in/m"
	run ${as:+"$as"} "$@" sh -c "
		sysprobe mount '$T/out' '$T/in/m' 0 4096 0 && umount '$T/in/m'
		confine ${RUN[*]} --rw '$T/in' sysprobe mount '$T/out' '$T/in/m' 0 4096 0"
	assert_out "ok
EPERM"
}

test_no_mounts_inside() {
	need_root || return 0
	need_abi 1 || return 0
	check_no_mounts "" nsnew -m
}

test_no_mounts_inside_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	check_no_mounts as_user nsnew -U --map-root -m
}

# --- the chain: after pivot, the paths are the new root's ----------------

# check_chain AS PREFIX...: /inside exists only in the new root; /tmp,
# pivot's tmpfs, is writable by mode but not granted.
check_chain() {
	local as=$1 probe
	shift
	probe=$(command -v sysprobe)
	run ${as:+"$as"} "$@" nsnew -U --map-root -mpu pivot "$T/u/root" \
		capset --keep none \
		confine --ro / --rx /usr --rx "${probe%/*}" --rw /inside \
		scfilter -f default \
		sysprobe openat -100 /inside/x 0x41 0644 -- openat -100 /tmp/x 0x41 0644
	assert_rc 1
	assert_out "ok
EACCES"
	assertTrue "written inside the new root" "[ -e '$T/u/root/inside/x' ]"
}

test_chain_after_pivot() {
	need_root || return 0
	need_abi 1 || return 0
	[ ! -e /inside ] || { skip "/inside exists on this host"; return 0; }
	mkdir "$T/u"
	mkrootfs --busybox --tools -c sysprobe "$T/u/root" || fail "mkrootfs"
	mkdir "$T/u/root/inside"
	check_chain ""
}

test_chain_after_pivot_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	[ ! -e /inside ] || { skip "/inside exists on this host"; return 0; }
	mine as_user u
	as_user env PATH="$PATH" mkrootfs --busybox --tools -c sysprobe \
		"$T/u/root" || fail "mkrootfs"
	as_user mkdir "$T/u/root/inside"
	check_chain as_user env PATH="$PATH"
}

# --- TCP ports (ABI 4), in a network namespace of the test's own ----------

# check_tcp AS: binds and connects on 127.0.0.1 with listeners on 8080
# and 8081 started outside confine.
check_tcp() {
	local as=$1
	# shellcheck disable=SC2016 # expanded by the inner shell
	run ${as:+"$as"} nsnew -U --map-root -n sh -c '
		echo bind: $(confine --tcp-bind 8080 sh -c "netprobe bind 8081; netprobe bind 8080")
		netprobe listen 8080 >/dev/null & a=$!
		netprobe listen 8081 >/dev/null & b=$!
		until netprobe connect 8081 >/dev/null; do sleep 0.05; done
		until netprobe connect 8080 >/dev/null; do sleep 0.05; done
		echo connect: $(confine --tcp-connect 8080 sh -c "netprobe connect 8081; netprobe connect 8080")
		echo "range: $(confine --tcp-connect 80,8079-8080 netprobe connect 8080)"
		echo "none: $(confine --tcp-connect none netprobe connect 8080)"
		echo "bind only: $(confine --tcp-bind 9 netprobe connect 8081)"
		echo "bind any: $(confine --tcp-bind any --tcp-connect none netprobe bind 8082)"
		kill $a $b'
	assert_rc 0
	assert_out "bind: EACCES ok
connect: EACCES ok
range: ok
none: EACCES
bind only: ok
bind any: ok"
}

test_tcp_bind_and_connect() {
	need_root || return 0
	need_abi 4 || return 0
	check_tcp ""
}

test_tcp_bind_and_connect_rootless() {
	need_user || return 0
	need_abi 4 || return 0
	check_tcp as_user
}

# --- ioctl on devices (ABI 5) -------------------------------------------------

# TIOCGPTN (0x80045430) on /dev/ptmx, opened inside the sandbox: refused
# without a writable grant of the device, as the right is --rw's; FIONBIO
# (0x5421), which Landlock never denies, goes; a device opened before
# confine keeps its rights.
check_ioctl_dev() {
	local as=$1
	# shellcheck disable=SC2016 # expanded by the inner shell
	run ${as:+"$as"} confine --rx / sh -c 'sysprobe ioctl 3 0x80045430 [0] 3</dev/ptmx
		sysprobe ioctl 3 0x5421 [0] 3</dev/ptmx'
	assert_out "EACCES
ok"
	run ${as:+"$as"} confine --rx / --rw /dev/ptmx sh -c \
		'sysprobe ioctl 3 0x80045430 [0] 3</dev/ptmx'
	assert_out ok
	run ${as:+"$as"} sh -c 'exec 3</dev/ptmx; confine --rx / sysprobe ioctl 3 0x80045430 [0]'
	assert_out ok
}

test_ioctl_on_devices() {
	need_root || return 0
	need_abi 5 || return 0
	check_ioctl_dev ""
}

test_ioctl_on_devices_rootless() {
	need_user || return 0
	need_abi 5 || return 0
	check_ioctl_dev as_user
}

# --- scopes (ABI 6) -----------------------------------------------------------

check_scope_signal() {
	local as=$1 pid
	pid=$(${as:+"$as"} sh -c 'sleep 100 >/dev/null 2>&1 & echo $!')
	defer "kill $pid"
	run ${as:+"$as"} confine sysprobe kill "$pid" 0
	assert_out ok
	run ${as:+"$as"} confine --scope signal sysprobe kill "$pid" 0
	assert_out EPERM
	# Inside the sandbox, signals still go.
	# shellcheck disable=SC2016 # expanded by the inner shell
	run ${as:+"$as"} confine --scope signal sh -c 'sleep 100 & sysprobe kill $! 15'
	assert_out ok
}

test_scope_signal() {
	need_root || return 0
	need_abi 6 || return 0
	check_scope_signal ""
}

test_scope_signal_rootless() {
	need_user || return 0
	need_abi 6 || return 0
	check_scope_signal as_user
}

check_scope_abstract() {
	local as=$1
	# shellcheck disable=SC2016 # expanded by the inner shell
	run ${as:+"$as"} nsnew -U --map-root -n sh -c '
		netprobe unix-listen conch-confine >/dev/null & a=$!
		until netprobe unix-connect conch-confine >/dev/null; do sleep 0.05; done
		echo "plain: $(confine netprobe unix-connect conch-confine)"
		echo "scoped: $(confine --scope abstract-unix netprobe unix-connect conch-confine)"
		echo "signal only: $(confine --scope signal netprobe unix-connect conch-confine)"
		kill $a'
	assert_out "plain: ok
scoped: EPERM
signal only: ok"
}

test_scope_abstract_unix() {
	need_root || return 0
	need_abi 6 || return 0
	check_scope_abstract ""
}

test_scope_abstract_unix_rootless() {
	need_user || return 0
	need_abi 6 || return 0
	check_scope_abstract as_user
}

# --- the ABI ----------------------------------------------------------------------

test_abi_printed_under_verbose() {
	need_abi 1 || return 0
	run confine -v "${RUN[@]}" true
	assert_rc 0
	assertEquals "the first line" \
		"confine: Landlock ABI $ABI (Linux $(abi_linux "$ABI") or later)" \
		"$(head -n 1 <<<"$ERR")"
	run env CONCH_VERBOSE=1 confine --tcp-connect none true
	assert_contains "$ERR" "confine: Landlock ABI $ABI "
}

# Each feature past this kernel's ABI: 125 naming it and the ABI it
# needs; with --best-effort a one-line note, and the filesystem rules
# still hold.
test_feature_missing_from_the_abi() {
	need_abi 1 || return 0
	if [ "$ABI" -ge 7 ]; then
		skip "this kernel's Landlock (ABI $ABI) has every feature confine knows; the VM (ABI 2) runs this"
		return 0
	fi
	mine "" in out
	local opt need what n=0
	for opt in --tcp-bind=80 --tcp-connect=443 --scope=signal --log; do
		case $opt in
		--tcp-*) need=4 what="TCP port rules need" ;;
		--scope=*) need=6 what="scopes need" ;;
		--log) need=7 what="logging PROG's denials needs" ;;
		esac
		[ "$ABI" -lt "$need" ] || continue
		n=$((n + 1))
		assert_fails 125 "confine: ${opt%%=*}: $what Landlock ABI $need (Linux $(abi_linux $need)), and this kernel offers ABI $ABI (with --best-effort, confine runs without)" \
			confine "${RUN[@]}" "$opt" true
		run confine --best-effort "${RUN[@]}" --rw "$T/in" "$opt" \
			sh -c "echo >'$T/in/x' && echo in; echo >'$T/out/x'"
		assert_out in
		assertEquals "the note, then the shell's refusal" \
			"confine: ${opt%%=*}: $what Landlock ABI $need (Linux $(abi_linux $need)), this kernel offers ABI $ABI: running without (--best-effort)" \
			"$(head -n 1 <<<"$ERR")"
		assert_contains "$(tail -n 1 <<<"$ERR")" "Permission denied"
	done
	assertTrue "a feature was tried" "[ $n -gt 0 ]"
	# In a rules file, the message names the file and line.
	printf 'ro /\nrx /\ntcp-bind 80\n' >"$T/r"
	assert_fails 125 "confine: $T/r:3: tcp-bind: TCP port rules need Landlock ABI 4 (Linux 6.7), and this kernel offers ABI $ABI (with --best-effort, confine runs without)" \
		confine --rules "$T/r" true
}

# What this kernel's ABI has works, without a note.
test_features_of_this_abi() {
	need_abi 1 || return 0
	local opts=()
	[ "$ABI" -ge 4 ] && opts+=(--tcp-bind 80 --tcp-connect 443)
	[ "$ABI" -ge 6 ] && opts+=(--scope "signal,abstract-unix")
	[ "$ABI" -ge 7 ] && opts+=(--log)
	run confine --best-effort "${RUN[@]}" "${opts[@]}" true
	assert_rc 0
	assert_err ""
}

# --- no_new_privs -------------------------------------------------------------------

test_no_new_privs_only_without_cap_sys_admin() {
	need_root || return 0
	need_abi 1 || return 0
	run confine -v "${RUN[@]}" grep NoNewPrivs /proc/self/status
	assert_out "NoNewPrivs:	0"
	assert_not_contains "$ERR" "no_new_privs"
	run capset --keep none confine -v "${RUN[@]}" grep NoNewPrivs /proc/self/status
	assert_out "NoNewPrivs:	1"
	assert_contains "$ERR" "confine: set no_new_privs (without CAP_SYS_ADMIN, Landlock needs it)"
	# No Landlock rule, no no_new_privs.
	run capset --keep none confine grep NoNewPrivs /proc/self/status
	assert_out "NoNewPrivs:	0"
}

test_no_new_privs_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	run as_user confine -v "${RUN[@]}" grep NoNewPrivs /proc/self/status
	assert_out "NoNewPrivs:	1"
	assert_contains "$ERR" "confine: set no_new_privs (without CAP_SYS_ADMIN, Landlock needs it)"
}

# --- rules files ----------------------------------------------------------------------

test_rules_file_says_what_options_say() {
	need_abi 1 || return 0
	mine "" "in dir" out
	{
		echo "# the suite's programs"
		printf '%s %s\n' "${RUN[@]}" | sed 's/^--//'
		echo
		printf '  rw\t%s  \r\n' "$T/in dir"
		echo "   # indented comment"
	} >"$T/rules"
	run confine --rules "$T/rules" sysprobe \
		openat -100 "$T/in dir/x" 0x41 0644 -- openat -100 "$T/out/x" 0x41 0644
	assert_out "ok
EACCES"
	# Options and files add up, in order.
	printf 'rw %s\n' "$T/out" >"$T/more"
	run confine --rules "$T/rules" --rules "$T/more" sysprobe \
		openat -100 "$T/out/y" 0x41 0644
	assert_out ok
}

# --- AppArmor and SELinux ----------------------------------------------------------------

# active_lsms, apparmor_active and need_apparmor are in lib.sh: the
# runtime's suite (conch_test.sh) gives confine its labels too.

test_apparmor_not_enabled() {
	need_root || return 0
	if apparmor_active; then
		skip "AppArmor is enabled here"
		return 0
	fi
	local lsms
	lsms=$(active_lsms)
	[ -n "$lsms" ] || { skip "cannot list the security modules here"; return 0; }
	assert_fails 125 "confine: --apparmor conch-test: AppArmor is not enabled in this kernel (its security modules: $lsms)" \
		confine --apparmor conch-test true
	need_user || return 0
	run as_user confine --apparmor conch-test true
	assert_rc 125
	assert_err "confine: --apparmor conch-test: AppArmor is not enabled in this kernel (its security modules: $lsms)"
}

test_selinux_not_enabled() {
	need_root || return 0
	local lsms
	lsms=$(active_lsms)
	[ -n "$lsms" ] || { skip "cannot list the security modules here"; return 0; }
	case ,$lsms, in
	*,selinux,*) skip "SELinux is enabled here"; return 0 ;;
	esac
	assert_fails 125 "confine: --selinux system_u:system_r:conch_t:s0: SELinux is not enabled in this kernel (its security modules: $lsms)" \
		confine --selinux system_u:system_r:conch_t:s0 true
	printf 'selinux unconfined_u:unconfined_r:unconfined_t:s0\n' >"$T/r"
	assert_fails 125 "confine: $T/r:1: selinux unconfined_u:unconfined_r:unconfined_t:s0: SELinux is not enabled in this kernel (its security modules: $lsms)" \
		confine --rules "$T/r" true
	need_user || return 0
	run as_user confine --selinux system_u:system_r:conch_t:s0 true
	assert_rc 125
	assert_err "confine: --selinux system_u:system_r:conch_t:s0: SELinux is not enabled in this kernel (its security modules: $lsms)"
}

# A profile that denies reading one file: cat under it cannot, cat
# without it can, and under it reads another file.
check_apparmor() {
	local as=$1 profile=conch-confine-$$
	run ${as:+"$as"} cat "$T/secret"
	assert_out secret
	run ${as:+"$as"} confine --apparmor "$profile" cat "$T/secret"
	assert_rc 1
	assert_contains "$ERR" "Permission denied"
	run ${as:+"$as"} confine --apparmor "$profile" cat "$T/public"
	assert_out public
	run ${as:+"$as"} confine --apparmor "$profile" cat /proc/self/attr/current
	assert_out "$profile (enforce)"
	# With Landlock rules too (and, rootless, no_new_privs), the
	# profile is entered all the same.
	run ${as:+"$as"} confine --apparmor "$profile" "${RUN[@]}" sh -c \
		"cat /proc/self/attr/current; cat '$T/secret'"
	assert_out "$profile (enforce)"
	assert_contains "$ERR" "Permission denied"
}

test_apparmor_profile_applies() {
	need_root || return 0
	need_apparmor || return 0
	echo secret >"$T/secret"
	echo public >"$T/public"
	chmod 644 "$T/secret" "$T/public"
	cat >"$T/profile" <<-EOF
	profile conch-confine-$$ {
	  file,
	  deny $T/secret r,
	}
	EOF
	# No parser.conf in the VM: none is needed.
	run apparmor_parser --config-file=/dev/null -r -K "$T/profile"
	assert_rc 0
	defer "apparmor_parser --config-file=/dev/null -R -K '$T/profile'"
	check_apparmor ""
	need_user || return 0
	check_apparmor as_user
	# A profile that is not loaded: the kernel's ENOENT, explained.
	run confine --apparmor conch-no-such-profile true
	assert_rc 125
	assert_err "confine: --apparmor conch-no-such-profile: No such file or directory (no profile of this name is loaded: apparmor_parser -r FILE loads one, /sys/kernel/security/apparmor/profiles lists them)"
}

# --- bad input: 125 and one line ------------------------------------------------------------

test_bad_options() {
	assert_fails 125 "confine: unknown option '--ro-bind' (see confine --help)" confine --ro-bind / true
	assert_fails 125 "confine: option '--rw' needs an argument (see confine --help)" confine --rw
	assert_fails 125 "confine: --ro '': an empty path" confine --ro "" true
	assert_fails 125 "confine: --rules $T/none: No such file or directory" confine --rules "$T/none" true
	assert_fails 125 "confine: --scope 'signal,ptrace': unknown scope (signal, abstract-unix)" \
		confine --scope signal,ptrace true
	assert_fails 125 "confine: --apparmor b: one AppArmor profile only (a was given)" \
		confine --apparmor a --apparmor b true
	local list
	for list in 80x 65536 90-80 "" "1,,2" ",80" "80," "any,80" -80 80- 1-2-3 "8 0"; do
		assert_fails 125 "confine: --tcp-bind '$list': not a port list (PORT or FIRST-LAST, comma-separated, 0 to 65535; none; any)" \
			confine --tcp-bind "$list" true
	done
}

test_missing_path() {
	need_abi 1 || return 0
	assert_fails 125 "confine: --rx $T/nowhere: No such file or directory" \
		confine --ro / --rx "$T/nowhere" true
	printf 'ro /\n\nrw %s/gone\n' "$T" >"$T/r"
	assert_fails 125 "confine: $T/r:3: rw $T/gone: No such file or directory" \
		confine --rules "$T/r" true
}

# The same errors for a user, and a path the user may not reach.
test_failures_rootless() {
	need_user || return 0
	need_abi 1 || return 0
	assert_fails 125 "confine: --rx $T/nowhere: No such file or directory" \
		as_user confine --ro / --rx "$T/nowhere" true
	mkdir -m 700 "$T/closed"
	assert_fails 125 "confine: --ro $T/closed/x: Permission denied" \
		as_user confine --ro "$T/closed/x" true
	printf 'ro /\nscope ptrace\n' >"$T/r"
	chmod 644 "$T/r"
	assert_fails 125 "confine: $T/r:2: scope 'ptrace': unknown scope (signal, abstract-unix)" \
		as_user confine --rules "$T/r" true
}

test_bad_rules_lines() {
	local line msg
	while IFS='|' read -r line msg; do
		printf 'ro /\n# a comment\n%s\n' "$line" >"$T/r"
		assert_fails 125 "confine: $T/r:3: $msg" confine --rules "$T/r" true
	done <<-'EOF'
	rox /usr|unknown rule 'rox' (see confine(1))
	--ro /usr|unknown rule '--ro' (see confine(1))
	rules /etc/x|unknown rule 'rules' (see confine(1))
	ro|ro needs a PATH
	tcp-bind  |tcp-bind needs PORTS
	best-effort yes|best-effort takes no argument ('yes')
	tcp-connect 44x|tcp-connect '44x': not a port list (PORT or FIRST-LAST, comma-separated, 0 to 65535; none; any)
	scope all|scope 'all': unknown scope (signal, abstract-unix)
	EOF
	printf 'ro /\nrw /tmp\0\n' >"$T/r"
	assert_fails 125 "confine: $T/r:2: a NUL byte (not a text file?)" confine --rules "$T/r" true
}

# --- descriptors and exit statuses -------------------------------------------------------------

test_no_descriptor_leaks() {
	need_abi 1 || return 0
	printf 'ro /\n' >"$T/r"
	run closed_fds confine --rules "$T/r" "${RUN[@]}" ls /proc/self/fd
	assert_rc 0
	assert_out "0
1
2
3"
}

test_exit_statuses() {
	assert_fails 127 "confine: exec no-such-prog: No such file or directory (not found in PATH)" \
		confine no-such-prog
	touch "$T/plain"
	run confine "$T/plain"
	assert_rc 126
	run confine sh -c 'exit 7'
	assert_rc 7
	need_abi 1 || return 0
	run confine "${RUN[@]}" no-such-prog
	assert_rc 127
	run confine "${RUN[@]}" sh -c 'exit 9'
	assert_rc 9
}

. shunit2

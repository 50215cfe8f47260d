#!/bin/bash
# mkrootfs builds a root that runs: the skeleton, --copy with the library
# closure read from the ELF files, --busybox, --tools, --tar and --overlay,
# as root and rootless, and never writes outside DIR however hostile it is.
. "$(dirname "$0")/lib.sh"

# --- helpers ----------------------------------------------------------------

# A directory the unprivileged test user may build in: $T/u.
user_dir() {
	chmod 755 "$T"
	mkdir -p "$T/u"
	chown "$TEST_UID:$TEST_GID" "$T/u"
}

# tree DIR [PATH...]: one line per entry (type, mode, owner, size, mtime,
# link target), for the given relative paths or all of DIR.
tree() {
	local d=$1 f all
	shift
	if [ $# -eq 0 ]; then
		mapfile -t all < <(cd "$d" && find . | sort)
		set -- "${all[@]}"
	fi
	for f; do
		if [ -L "$d/$f" ]; then
			echo "$f -> $(readlink "$d/$f")"
		elif [ -d "$d/$f" ]; then
			echo "$f $(stat -c '%F %a %u:%g %Y' "$d/$f")"
		else
			echo "$f $(stat -c '%F %a %u:%g %s %Y %h' "$d/$f")"
		fi
	done
}

# tar_member FILE NAME TYPE [LINK [DATA]]: append a ustar member to FILE,
# written by hand so that hostile names are possible.
tar_member() {
	local out=$1 name=$2 type=$3 link=${4:-} data=${5:-} h=$T/.hdr sum
	{
		printf '%s' "$name"
		head -c $((100 - ${#name})) /dev/zero
		printf '%07o\0%07o\0%07o\0%011o\0%011o\0' 420 0 0 ${#data} 0
		printf '        %s%s' "$type" "$link"
		head -c $((100 - ${#link})) /dev/zero
		printf 'ustar\0%s' 00
		head -c 247 /dev/zero
	} >"$h"
	sum=$(od -An -tu1 -v "$h" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
	printf '%06o\0 ' "$sum" | dd of="$h" bs=1 seek=148 conv=notrunc 2>/dev/null
	cat "$h" >>"$out"
	if [ -n "$data" ]; then
		printf '%s' "$data" >>"$out"
		head -c $(((512 - ${#data} % 512) % 512)) /dev/zero >>"$out"
	fi
}

tar_end() {
	head -c 1024 /dev/zero >>"$1"
}

# The dynamic loader lists what a program needs (glibc hosts only).
needed_paths() {
	ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

build_origin_prog() {
	mkdir -p "$1/src" "$1/lib" "$1/bin"
	echo 'int foo(void) { return 42; }' >"$1/src/foo.c"
	printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("foo=%%d\\n", foo()); return 0; }\n' >"$1/src/main.c"
	gcc -shared -fPIC -o "$1/lib/libfoo.so" "$1/src/foo.c" &&
		gcc -o "$1/bin/prog" "$1/src/main.c" -L"$1/lib" -lfoo \
			-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib' &&
		gcc -o "$1/bin/prog-rpath" "$1/src/main.c" -L"$1/lib" -lfoo \
			-Wl,--disable-new-dtags,-rpath,'$ORIGIN/../lib'
}

# --- usage --------------------------------------------------------------------

test_help() {
	assert_ok mkrootfs --help
	assertEquals "Usage: mkrootfs [OPTION]... DIR [PROG [ARG]...]" "$(echo "$OUT" | head -n 1)"
	assert_contains "$OUT" "--overlay LOWER[:LOWER...]"
	assert_ok mkrootfs -V
	assert_contains "$OUT" "mkrootfs (conch)"
}

test_usage_errors() {
	assert_fails 125 "mkrootfs: missing DIR (see mkrootfs --help)" mkrootfs
	assert_fails 125 "mkrootfs: unknown option '--bogus' (see mkrootfs --help)" mkrootfs --bogus "$T/d"
	assert_fails 125 "mkrootfs: option '-c' needs an argument (see mkrootfs --help)" mkrootfs -c
	assert_fails 125 "mkrootfs: --upper needs --overlay" mkrootfs --upper "$T/up" "$T/d"
	assert_fails 125 "mkrootfs: mkdir $T/no/d: No such file or directory" mkrootfs "$T/no/d"
	assertFalse "nothing made" "[ -e $T/d ]"
}

# --- the skeleton -------------------------------------------------------------

test_skeleton() {
	umask 077
	assert_ok mkrootfs "$T/d"
	assert_out ""
	assert_err ""
	assertEquals "tmp 1777" "1777" "$(stat -c %a "$T/d/tmp")"
	assertEquals "var/tmp 1777" "1777" "$(stat -c %a "$T/d/var/tmp")"
	assertEquals "root 700" "700" "$(stat -c %a "$T/d/root")"
	assertEquals "proc 555" "555" "$(stat -c %a "$T/d/proc")"
	assertEquals "usr 755 despite the umask" "755" "$(stat -c %a "$T/d/usr")"
	local d
	for d in dev etc home mnt opt run srv sys usr/bin usr/sbin usr/lib var/lib var/log; do
		assertTrue "$d is a directory" "[ -d $T/d/$d ] && [ ! -L $T/d/$d ]"
	done
	assertEquals "usr/bin" "$(readlink "$T/d/bin")"
	assertEquals "usr/sbin" "$(readlink "$T/d/sbin")"
	assertEquals "usr/lib" "$(readlink "$T/d/lib")"
	assertEquals "../run" "$(readlink "$T/d/var/run")"
	assertEquals "644" "$(stat -c %a "$T/d/etc/passwd")"
	assertEquals "root:x:0:0:root:/root:/bin/sh" "$(grep ^root: "$T/d/etc/passwd")"
	assert_contains "$(cat "$T/d/etc/passwd")" "nobody:x:65534:65534:"
	assert_contains "$(cat "$T/d/etc/group")" "root:x:0:"
	assert_contains "$(cat "$T/d/etc/group")" "nobody:x:65534:"
	assert_contains "$(cat "$T/d/etc/hosts")" "127.0.0.1	localhost"
	assert_contains "$(cat "$T/d/etc/nsswitch.conf")" "hosts:		files dns"
	assertEquals "localhost" "$(cat "$T/d/etc/hostname")"
	if [ -r /etc/resolv.conf ]; then
		assertEquals "resolv.conf is the host's" "$(cat /etc/resolv.conf)" "$(cat "$T/d/etc/resolv.conf")"
	fi
}

test_skeleton_keeps_what_exists() {
	mkdir -p "$T/d/etc" "$T/d/bin" "$T/d/tmp"
	chmod 755 "$T/d/tmp"
	echo mine >"$T/d/etc/passwd"
	echo mine >"$T/d/etc/hosts"
	assert_ok mkrootfs "$T/d"
	assertEquals "mine" "$(cat "$T/d/etc/passwd")"
	assertEquals "mine" "$(cat "$T/d/etc/hosts")"
	assertTrue "bin stays a directory" "[ -d $T/d/bin ] && [ ! -L $T/d/bin ]"
	assertEquals "tmp keeps its mode" "755" "$(stat -c %a "$T/d/tmp")"
	# A second run changes nothing.
	local before
	before=$(tree "$T/d")
	assert_ok mkrootfs "$T/d"
	assertEquals "rerun is harmless" "$before" "$(tree "$T/d")"
}

test_verbose() {
	assert_ok mkrootfs -v "$T/d"
	assert_contains "$ERR" "mkrootfs: mkdir $T/d/tmp"
	assert_contains "$ERR" "mkrootfs: symlink $T/d/bin -> usr/bin"
	rm -rf "$T/d"
	CONCH_VERBOSE=1 run mkrootfs "$T/d"
	assert_contains "$ERR" "mkrootfs: write $T/d/etc/passwd"
}

# --- running PROG ---------------------------------------------------------------

test_exec_prog() {
	assert_ok mkrootfs "$T/d" echo built
	assert_out "built"
	assert_fails 127 "mkrootfs: exec no-such-prog-$$: No such file or directory (not found in PATH)" \
		mkrootfs "$T/d" no-such-prog-$$
	echo 'echo x' >"$T/noexec"
	assert_fails 126 "mkrootfs: exec $T/noexec: Permission denied" mkrootfs "$T/d" "$T/noexec"
	umask 027
	assert_ok mkrootfs "$T/d" sh -c umask
	assert_out "0027"
}

test_fd_hygiene() {
	tar_member "$T/a.tar" f 0 "" hello
	tar_end "$T/a.tar"
	gzip -c "$T/a.tar" >"$T/a.tgz"
	assert_ok closed_fds mkrootfs -c /bin/ls -x "$T/a.tgz" "$T/d" ls /proc/self/fd
	assertEquals "PROG sees only 0, 1, 2 (and ls its own 3)" "0 1 2 3" "$(echo $OUT)"
	if is_root; then
		mkdir "$T/lower" "$T/m"
		assert_ok closed_fds unshare -m mkrootfs -o "$T/lower" "$T/m" ls /proc/self/fd
		assertEquals "the same with --overlay" "0 1 2 3" "$(echo $OUT)"
	fi
}

# --- --copy -------------------------------------------------------------------

test_copy_ls() {
	need_root || return 0
	assert_ok mkrootfs -c /bin/ls "$T/d"
	assertTrue "bin/ls copied" "[ -f $T/d/usr/bin/ls ] || [ -f $T/d/bin/ls ]"
	assertEquals "$(stat -c %a /bin/ls)" "$(stat -L -c %a "$T/d/bin/ls")"
	assert_ok chroot "$T/d" /bin/ls /
	assert_contains "$OUT" "usr"
	# Every library the loader loads, under the name it loads it by.
	local p
	for p in $(needed_paths /bin/ls); do
		assert_ok chroot "$T/d" /bin/ls -L "$p"
	done
}

test_copy_ls_rootless() {
	need_user || return 0
	user_dir
	assert_ok as_user unshare -Ur sh -c "mkrootfs -c /bin/ls $T/u/d && chroot $T/u/d /bin/ls /"
	assert_contains "$OUT" "usr"
	assertEquals "owned by the user" "$TEST_UID" "$(stat -c %u "$T/u/d/usr/bin")"
}

test_copy_symlinks_recreated() {
	need_root || return 0
	local p=/lib64/ld-linux-x86-64.so.2 dir
	[ -e $p ] || { skip "no $p on this host"; return 0; }
	# The host's links on the way to the loader are links in the copy too.
	assert_ok mkrootfs -c /bin/ls "$T/d"
	assert_ok chroot "$T/d" /bin/ls -L $p
	if [ -L /lib64 ]; then
		assertEquals "lib64 link" "$(readlink /lib64)" "$(readlink "$T/d/lib64")"
	fi
	dir=$(readlink -f /lib64)
	if [ -L "$dir/${p##*/}" ]; then
		assertEquals "loader link" "$(readlink "$dir/${p##*/}")" "$(readlink "$T/d$dir/${p##*/}")"
	fi
}

test_copy_runpath_origin() {
	need_root || return 0
	need_cmd gcc || return 0
	build_origin_prog "$T/app" || { fail "gcc failed"; return; }
	assert_ok mkrootfs -c "$T/app/bin/prog" -c "$T/app/bin/prog-rpath" "$T/d"
	assertTrue "libfoo.so at \$ORIGIN/../lib" "[ -f $T/d$T/app/lib/libfoo.so ]"
	# ld.so finds a program's $ORIGIN through /proc/self/exe.
	assert_ok unshare -m sh -c "mount -t proc proc $T/d/proc && chroot $T/d $T/app/bin/prog && chroot $T/d $T/app/bin/prog-rpath"
	assert_out "foo=42
foo=42"
}

test_copy_32bit() {
	need_root || return 0
	need_cmd gcc || return 0
	echo 'int main(void) { return 7; }' >"$T/m32.c"
	if ! gcc -m32 -o "$T/m32" "$T/m32.c" 2>/dev/null; then
		skip "gcc -m32 cannot link (no gcc-multilib)"
		return 0
	fi
	assert_ok mkrootfs -c "$T/m32" "$T/d"
	local interp
	interp=$(readelf -l "$T/m32" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	assertTrue "the 32-bit loader $interp is in the root" "[ -e '$T/d$interp' ]"
	local why
	why=$(runs_32bit "$T/m32") || { skip "$why"; return 0; }
	run chroot "$T/d" "$T/m32"
	assert_rc 7
}

test_copy_relative_and_path_lookup() {
	echo data >"$T/plain"
	assert_ok sh -c "cd $T && mkrootfs -c ./plain -c ls d"
	assertTrue "a relative FILE lands at its absolute path" "[ -f $T/d$T/plain ]"
	assertTrue "a name is looked up in PATH" "[ -f $T/d$(command -v ls) ] || [ -L $T/d$(command -v ls) ]"
}

test_copy_nonelf() {
	printf 'not\0an elf\n' >"$T/data"
	chmod 640 "$T/data"
	assert_ok mkrootfs -c "$T/data" "$T/d"
	assertTrue "copied as is" "cmp -s $T/data $T/d$T/data"
	assertEquals "640" "$(stat -c %a "$T/d$T/data")"
}

test_copy_script() {
	need_root || return 0
	printf '#!/bin/sh\necho script ran\n' >"$T/script"
	printf '#!/usr/bin/env sh\necho env script ran\n' >"$T/envscript"
	chmod 755 "$T/script" "$T/envscript"
	assert_ok mkrootfs -c "$T/script" -c "$T/envscript" "$T/d"
	assert_ok chroot "$T/d" "$T/script"
	assert_out "script ran"
	assert_ok chroot "$T/d" /usr/bin/env PATH=/usr/bin:/bin "$T/envscript"
	assert_out "env script ran"
}

test_copy_missing() {
	assert_fails 125 "mkrootfs: --copy $T/nope: No such file or directory" mkrootfs -c "$T/nope" "$T/d"
	assertFalse "DIR not made" "[ -e $T/d ]"
	assert_fails 125 "mkrootfs: --copy no-such-prog-$$: not found in PATH" mkrootfs -c no-such-prog-$$ "$T/d"
	mkfifo "$T/fifo"
	assert_fails 125 "mkrootfs: --copy $T/fifo: not a regular file or a directory" mkrootfs -c "$T/fifo" "$T/d"
}

test_copy_missing_library() {
	need_cmd gcc || return 0
	build_origin_prog "$T/app" || { fail "gcc failed"; return; }
	rm "$T/app/lib/libfoo.so"
	mkdir "$T/d"
	echo keep >"$T/d/mine"
	assert_fails 125 "mkrootfs: --copy $T/app/bin/prog: library libfoo.so needed by $T/app/bin/prog: not found" \
		mkrootfs -c "$T/app/bin/prog" "$T/d"
	assertEquals "what the run made is removed, the rest kept" "mine" "$(ls "$T/d")"
}

# A truncated or corrupt ELF file is refused or copied, never a crash.
test_copy_malformed_elf() {
	local n
	{
		printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0'
		printf '\3\0\76\0\1\0\0\0'
		head -c 8 /dev/zero
		printf '\377\377\377\377\0\0\0\0'
		head -c 14 /dev/zero
		printf '\70\0\1\0'
		head -c 6 /dev/zero
	} >"$T/bad"
	assert_fails 125 "mkrootfs: --copy $T/bad: $T/bad: malformed ELF (program headers out of bounds)" \
		mkrootfs -c "$T/bad" "$T/d"
	for n in 4 20 52 63 64 100 300 1000 5000 20000 60000; do
		head -c "$n" /bin/ls >"$T/cut"
		run mkrootfs -c "$T/cut" "$T/d"
		case $RC in
		0 | 125) ;;
		*) fail "truncated at $n: status $RC: $ERR" ;;
		esac
	done
}

test_copy_ld_so_conf() {
	need_root || return 0
	need_cmd gcc || return 0
	# A library found only through an ld.so.conf include.
	mkdir -p "$T/conf.d" "$T/libdir"
	echo 'int bar(void) { return 1; }' >"$T/bar.c"
	echo 'int bar(void); int main(void) { return bar(); }' >"$T/main.c"
	gcc -shared -fPIC -o "$T/libdir/libbar.so" "$T/bar.c" &&
		gcc -o "$T/prog" "$T/main.c" -L"$T/libdir" -lbar || { fail "gcc failed"; return; }
	printf '# test\ninclude %s/conf.d/*.conf\n' "$T" >"$T/ld.so.conf"
	echo "$T/libdir" >"$T/conf.d/x.conf"
	assert_ok unshare -m sh -c "mount --bind $T/ld.so.conf /etc/ld.so.conf && mkrootfs -c $T/prog $T/d"
	assertTrue "libbar.so copied" "[ -f $T/d$T/libdir/libbar.so ]"
	if [ -f /etc/ld.so.cache ]; then
		assertTrue "the cache that finds it came along" "[ -f $T/d/etc/ld.so.cache ]"
	fi
}

test_copy_keeps_existing() {
	mkdir -p "$T/d$T"
	echo mine >"$T/d$T/data"
	echo theirs >"$T/data"
	assert_ok mkrootfs -c "$T/data" "$T/d"
	assertEquals "mine" "$(cat "$T/d$T/data")"
}

# --- --copy DIR and --extras -----------------------------------------------------

# A tree: directories with their modes, links as they are (one to a file
# outside brings the file, one to a directory outside does not bring
# it), files copied, an ELF file with its closure, a script's #! not
# followed, a FIFO skipped.
test_copy_tree() {
	mkdir -p "$T/src/sub/deep" "$T/out/dir"
	chmod 750 "$T/src/sub"
	echo data >"$T/src/sub/deep/file"
	echo outside >"$T/out/file"
	echo inside >"$T/out/dir/inside"
	ln -s deep/file "$T/src/sub/rel"
	ln -s "$T/out/file" "$T/src/tofile"
	ln -s ../out/dir "$T/src/todir"
	cp /bin/true "$T/src/sub/prog"
	printf '#!/no/such/interpreter\n' >"$T/src/script"
	chmod 755 "$T/src/script"
	mkfifo "$T/src/fifo"
	assert_ok mkrootfs -c "$T/src" "$T/d"
	assertEquals "750" "$(stat -c %a "$T/d$T/src/sub")"
	assertEquals "data" "$(cat "$T/d$T/src/sub/rel")"
	assertEquals "a link's file outside comes too" "outside" "$(cat "$T/d$T/src/tofile")"
	assertEquals "a link's directory outside does not" "../out/dir" "$(readlink "$T/d$T/src/todir")"
	assertFalse "[ -e $T/d$T/out/dir ]"
	assertFalse "no FIFO" "[ -e $T/d$T/src/fifo ]"
	assertTrue "the script, as it is" "cmp -s $T/src/script $T/d$T/src/script"
	local p
	for p in $(needed_paths /bin/true); do
		assertTrue "$p of the ELF file" "[ -e $T/d$p ]"
	done
}

# An interpreter with its library tree runs in an empty root, through
# the chain: python3 (the system's: the first in PATH may be a shim)
# imports modules of C with libraries of their own; perl loads POSIX.
test_copy_tree_interpreters() {
	need_user || return 0
	need_cmd nsnew pivot || return 0
	local py=/usr/bin/python3 lib pm
	[ -x $py ] || { skip "no /usr/bin/python3"; return 0; }
	user_dir
	lib=$($py -c 'import os, sysconfig; print(os.path.dirname(sysconfig.get_path("stdlib") + "/"))')
	assert_ok as_user mkrootfs -c $py -c "$lib" "$T/u/py"
	assert_ok as_user nsnew -U --map-root -mpuin pivot "$T/u/py" \
		$py -c 'import json, ssl, sqlite3; print(json.dumps([ssl.OPENSSL_VERSION[:7], sqlite3.sqlite_version_info[0]]))'
	assert_out '["OpenSSL", 3]'
	if [ -x /usr/bin/perl ] && pm=$(/usr/bin/perl -MPOSIX -e 'print $INC{"POSIX.pm"}'); then
		assert_ok as_user mkrootfs -c /usr/bin/perl -c "${pm%/POSIX.pm}" "$T/u/pl"
		assert_ok as_user nsnew -U --map-root -mpuin pivot "$T/u/pl" \
			/usr/bin/perl -e 'use POSIX qw(floor); print floor(2.5), "\n"'
		assert_out "2"
	fi
}

# gconv modules cannot be seen in ELF headers: iconv needs --extras.
test_extras_gconv() {
	need_root || return 0
	local iconv
	iconv=$(command -v iconv) || { skip "needs iconv"; return 0; }
	assert_ok mkrootfs -c "$iconv" "$T/bare"
	run sh -c "printf 'caf\351\n' | chroot $T/bare $iconv -f latin1 -t utf8"
	assert_rc 1
	assert_ok mkrootfs -c "$iconv" --extras gconv "$T/d"
	run sh -c "printf 'caf\351\n' | chroot $T/d $iconv -f latin1 -t utf8"
	assert_rc 0
	assert_out "café"
}

test_extras() {
	assert_ok mkrootfs --extras nss,certs,terminfo,locale "$T/d"
	# The host's nsswitch.conf, or mkrootfs's own where the host has none
	# (the VM's busybox system).
	if [ -f /etc/nsswitch.conf ]; then
		assertEquals "the host's nsswitch.conf" "$(cat /etc/nsswitch.conf)" "$(cat "$T/d/etc/nsswitch.conf")"
	else
		assertTrue "an nsswitch.conf" "[ -s $T/d/etc/nsswitch.conf ]"
	fi
	local s f
	for s in $(sed 's/#.*//; /:/!d; s/^[^:]*://; s/\[[^]]*\]//g' "$T/d/etc/nsswitch.conf" | tr ' \t' '\n\n' | sort -u); do
		for f in /lib/*/libnss_"$s".so.2; do
			[ -e "$f" ] && assertTrue "$f" "[ -e $T/d$f ]"
		done
	done
	if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		assertTrue "CA bundle" "cmp -s /etc/ssl/certs/ca-certificates.crt $T/d/etc/ssl/certs/ca-certificates.crt"
	fi
	for f in /lib/terminfo/x/xterm /usr/share/terminfo/x/xterm; do
		[ -e "$f" ] && assertTrue "$f" "[ -e $T/d$f ]"
	done
	assert_fails 125 "mkrootfs: --extras gconv,fonts: no extra 'fonts' (gconv, nss, certs, terminfo, locale, all)" \
		mkrootfs --extras gconv,fonts "$T/d2"
	assertFalse "nothing made" "[ -e $T/d2 ]"
}

# An image's nsswitch.conf, read for --extras nss, is resolved inside the
# root: a symlink to a host file does not reach it, a FIFO does not hang.
test_extras_nss_hostile() {
	printf 'passwd: files\n' >"$T/host.conf"
	mkdir -p "$T/d/etc"
	ln -s "$T/host.conf" "$T/d/etc/nsswitch.conf"
	assert_fails 125 "mkrootfs: --extras nss: read $T/d/etc/nsswitch.conf: No such file or directory" \
		mkrootfs --extras nss "$T/d"
	mkdir -p "$T/d$T"
	printf 'passwd: files\n' >"$T/d$T/host.conf"
	assert_ok mkrootfs --extras nss "$T/d"
	mkdir -p "$T/f/etc"
	mkfifo "$T/f/etc/nsswitch.conf"
	assert_fails 125 "mkrootfs: --extras nss: $T/f/etc/nsswitch.conf: not a regular file" \
		timeout 10 mkrootfs --extras nss "$T/f"
}

# A tree and the extras into a hostile DIR, as root and rootless:
# nothing lands outside it.
test_copy_tree_hostile_dir() {
	hostile_tree() {
		mkdir -p "$1/d" "$1/hostusr" "$1/hostetc"
		ln -s "$1/hostusr" "$1/d/usr"
		ln -s ../../hostetc "$1/d/etc"
		mkdir -p "$1/src/a"
		echo x >"$1/src/a/x"
		mkrootfs -c "$1/src" -c "$(command -v true)" --extras certs,terminfo "$1/d" &&
			[ -z "$(ls -A "$1/hostusr")$(ls -A "$1/hostetc")" ]
	}
	assertTrue "root: nothing outside" "hostile_tree $T"
	need_user || return 0
	user_dir
	export -f hostile_tree
	assertTrue "rootless: nothing outside" "as_user bash -c 'hostile_tree $T/u'"
}

# --- hostile DIR: nothing is written outside it -------------------------------

test_hostile_dir() {
	mkdir -p "$T/d" "$T/hostusr" "$T/hostetc" "$T/hostlib"
	ln -s "$T/hostusr" "$T/d/usr"
	ln -s ../../hostetc "$T/d/etc"
	ln -s /../../..$T/hostlib "$T/d/lib"
	local bb=
	command -v busybox >/dev/null && bb=--busybox
	assert_ok mkrootfs -c /bin/ls $bb "$T/d"
	assertEquals "host usr untouched" "" "$(ls -A "$T/hostusr")"
	assertEquals "host etc untouched" "" "$(ls -A "$T/hostetc")"
	assertEquals "host lib untouched" "" "$(ls -A "$T/hostlib")"
	assertTrue "written inside instead" "[ -d $T/d$T/hostusr/bin ] && [ -f $T/d/hostetc/passwd ]"
}

# --- --busybox ------------------------------------------------------------------

test_busybox() {
	need_cmd busybox || return 0
	need_root || return 0
	mkdir -p "$T/d/usr/bin"
	echo mine >"$T/d/usr/bin/ls"
	assert_ok mkrootfs --busybox "$T/d"
	assertEquals "existing file kept" "mine" "$(cat "$T/d/usr/bin/ls")"
	assertEquals "busybox" "$(readlink "$T/d/bin/sh")"
	local l bad=
	while read -r l; do
		case $(readlink "$l") in /*busybox) bad="$bad $l" ;; esac
	done < <(find "$T/d" -type l)
	assertEquals "no absolute applet link" "" "$bad"
	assertEquals "relative links resolve" "$T/d/usr/bin/busybox" \
		"$(cd "$T/d/usr/sbin" && readlink -f chroot)"
	rm "$T/d/usr/bin/ls"
	ln -s busybox "$T/d/usr/bin/ls"
	assert_ok chroot "$T/d" /bin/sh -c 'ls /'
	assert_contains "$OUT" "proc"
	assert_ok chroot "$T/d" /usr/sbin/chroot / /bin/true
}

test_busybox_rootless() {
	need_cmd busybox || return 0
	need_user || return 0
	user_dir
	assert_ok as_user unshare -Ur sh -c "mkrootfs --busybox $T/u/d && chroot $T/u/d /bin/sh -c 'ls /'"
	assert_contains "$OUT" "usr"
}

test_busybox_path() {
	need_cmd busybox || return 0
	assert_ok mkrootfs --busybox="$(command -v busybox)" "$T/d"
	assertTrue "[ -f $T/d/usr/bin/busybox ]"
	assert_fails 125 "mkrootfs: --busybox $T/nope: No such file or directory" mkrootfs --busybox="$T/nope" "$T/d2"
	assert_fails 125 "mkrootfs: --busybox: nobusybox-$$ not found in PATH (install busybox-static, or give --busybox=PATH)" \
		mkrootfs --busybox=nobusybox-$$ "$T/d2"
	assertFalse "nothing made" "[ -e $T/d2 ]"
}

# --- --tools ------------------------------------------------------------------

test_tools() {
	need_root || return 0
	assert_ok mkrootfs --tools "$T/d"
	assertTrue "mkrootfs installed" "[ -x $T/d/usr/bin/mkrootfs ]"
	# /proc inside, for a sanitizer build that needs it
	assert_ok unshare -m sh -c "mount -t proc proc $T/d/proc && chroot $T/d /bin/mkrootfs --version"
	assert_contains "$OUT" "mkrootfs (conch)"
	assert_ok mkrootfs --tools="$CONCH_BIN" "$T/d2"
	assertTrue "[ -x $T/d2/usr/bin/mkrootfs ]"
	mkdir "$T/empty"
	assert_fails 125 "mkrootfs: --tools: no conch tools in $T/empty" mkrootfs --tools="$T/empty" "$T/d3"
	assertFalse "undone" "[ -e $T/d3 ]"
}

# --- --tar ----------------------------------------------------------------------

make_tree() {
	local s=$1
	mkdir -p "$s/dir/sub" "$s/ro" "$s/sticky"
	echo hello >"$s/dir/file"
	chmod 640 "$s/dir/file"
	printf '#!/bin/sh\n' >"$s/dir/exe"
	chmod 755 "$s/dir/exe"
	ln -s file "$s/dir/rel"
	ln -s /nowhere/abs "$s/abs"
	ln "$s/dir/file" "$s/dir/hard"
	mkfifo "$s/fifo"
	echo x >"$s/ro/x"
	chmod 555 "$s/ro"
	chmod 1777 "$s/sticky"
	local long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	mkdir -p "$s/$long"
	echo long >"$s/$long/$long"
	if is_root; then
		chown 1234:5678 "$s/dir/exe"
		chmod 4755 "$s/dir/exe"
		mknod "$s/null" c 1 3
	fi
	touch -t 200109090146.40 "$s/dir/file" "$s/dir"
}

test_tar_roundtrip() {
	make_tree "$T/src"
	tar -C "$T/src" -cf "$T/img.tar" .
	local paths z
	mapfile -t paths < <(cd "$T/src" && find . -mindepth 1 | sort)
	assert_ok mkrootfs -x "$T/img.tar" "$T/d"
	assertEquals "plain" "$(tree "$T/src" "${paths[@]}")" "$(tree "$T/d" "${paths[@]}")"
	for z in gzip xz zstd bzip2; do
		command -v $z >/dev/null || { echo "no $z: not tested"; continue; }
		# (busybox xz only decompresses)
		if ! $z -c "$T/img.tar" >"$T/img.$z" 2>/dev/null || [ ! -s "$T/img.$z" ]; then
			echo "$z cannot compress here: not tested"
			continue
		fi
		rm -rf "$T/d"
		assert_ok mkrootfs -x "$T/img.$z" "$T/d"
		assertEquals "$z" "$(tree "$T/src" "${paths[@]}")" "$(tree "$T/d" "${paths[@]}")"
	done
	# From a pipe, where the magic bytes cannot be read twice.
	rm -rf "$T/d"
	assert_ok sh -c "cat $T/img.tar | mkrootfs -x - $T/d"
	assertEquals "stdin" "$(tree "$T/src" "${paths[@]}")" "$(tree "$T/d" "${paths[@]}")"
	if command -v gzip >/dev/null; then
		rm -rf "$T/d"
		assert_ok sh -c "cat $T/img.gzip | mkrootfs -x - $T/d"
		assertEquals "gzip from a pipe" "$(tree "$T/src" "${paths[@]}")" "$(tree "$T/d" "${paths[@]}")"
	fi
	# The image wins over the skeleton.
	assertTrue "skeleton added" "[ -f $T/d/etc/passwd ]"
}

test_tar_rootless() {
	need_user || return 0
	user_dir
	make_tree "$T/src"
	tar -C "$T/src" -cf "$T/img.tar" .
	chmod 644 "$T/img.tar"
	assert_ok as_user unshare -Ur mkrootfs -v -x "$T/img.tar" "$T/u/d"
	assert_contains "$ERR" "mkrootfs: --tar $T/img.tar: skip device null (mknod: Operation not permitted)"
	assert_contains "$ERR" "owners not kept"
	assertEquals "root's files are the user's" "$TEST_UID" "$(stat -c %u "$T/u/d/dir/file")"
	assertEquals "unmapped owners are the user's" "$TEST_UID" "$(stat -c %u "$T/u/d/dir/exe")"
	assertEquals "modes kept" "640" "$(stat -c %a "$T/u/d/dir/file")"
	assertEquals "555" "$(stat -c %a "$T/u/d/ro")"
	assertEquals "file" "$(readlink "$T/u/d/dir/rel")"
	assertFalse "no device node" "[ -e $T/u/d/null ]"
}

# setid_tree DIR: setuid and setgid files and directories, owned by root
# and by IDs no user namespace of the tests maps (1234:5678).
setid_tree() {
	mkdir -p "$1/sgiddir" "$1/sgiddir-other" "$1/sticky"
	touch "$1/suid-root" "$1/sgid-root" "$1/suid-other" "$1/sgid-other"
	chown 1234:5678 "$1/suid-other" "$1/sgid-other" "$1/sgiddir-other"
	chmod 4755 "$1/suid-root" "$1/suid-other"
	chmod 2755 "$1/sgid-root" "$1/sgid-other"
	chmod 2775 "$1/sgiddir" "$1/sgiddir-other"
	chmod 1777 "$1/sticky"
}

# modes DIR: "NAME MODE UID" for the entries of setid_tree.
modes() {
	local f
	for f in suid-root sgid-root suid-other sgid-other sgiddir sgiddir-other sticky; do
		echo "$f $(stat -c '%a %u' "$1/$f")"
	done
}

# Where the owner is not kept, setuid and setgid go, of files and of
# directories (as GNU tar does); the sticky bit stays. Root keeps all.
test_tar_setid_bits() {
	need_user || return 0
	user_dir
	setid_tree "$T/src"
	tar -C "$T/src" -cf "$T/img.tar" .
	chmod 644 "$T/img.tar"
	assert_ok mkrootfs -x "$T/img.tar" "$T/d"
	assertEquals "as root, all kept" "suid-root 4755 0
sgid-root 2755 0
suid-other 4755 1234
sgid-other 2755 1234
sgiddir 2775 0
sgiddir-other 2775 1234
sticky 1777 0" "$(modes "$T/d")"
	assert_ok as_user mkrootfs -x "$T/img.tar" "$T/u/d"
	assertEquals "rootless, no owner kept" "suid-root 755 $TEST_UID
sgid-root 755 $TEST_UID
suid-other 755 $TEST_UID
sgid-other 755 $TEST_UID
sgiddir 775 $TEST_UID
sgiddir-other 775 $TEST_UID
sticky 1777 $TEST_UID" "$(modes "$T/u/d")"
	# In a user namespace, root's files keep their owner (the user) and
	# their bits; the unmapped ones do not.
	assert_ok as_user unshare -Ur mkrootfs -x "$T/img.tar" "$T/u/n"
	assertEquals "in a user namespace" "suid-root 4755 $TEST_UID
sgid-root 2755 $TEST_UID
suid-other 755 $TEST_UID
sgid-other 755 $TEST_UID
sgiddir 2775 $TEST_UID
sgiddir-other 775 $TEST_UID
sticky 1777 $TEST_UID" "$(modes "$T/u/n")"
}

# A directory listed twice gets the later entry's mode, owner and time,
# as with GNU tar, even when more is unpacked into it afterwards. The
# archive is three cut together: d/ d/f, then d/ again, then d/g (any tar
# makes those; busybox's has no -r).
test_tar_directory_twice() {
	mkdir -p "$T/1/d" "$T/2/d" "$T/3/d"
	echo f >"$T/1/d/f"
	echo g >"$T/3/d/g"
	chmod 700 "$T/1/d"
	touch -d @1000000000 "$T/1/d"
	chown 1234:5678 "$T/2/d"
	chmod 2750 "$T/2/d"
	touch -d @1200000000 "$T/2/d"
	tar -C "$T/1" -cf "$T/1.tar" d
	tar -C "$T/2" -cf "$T/2.tar" d
	tar -C "$T/3" -cf "$T/3.tar" d/g
	{ head -c 1536 "$T/1.tar"; head -c 512 "$T/2.tar"; head -c 1024 "$T/3.tar"; } >"$T/twice.tar"
	tar_end "$T/twice.tar"
	assertEquals "d/ d/f d/ d/g" "$(tar -tf "$T/twice.tar" | xargs)"
	assert_ok mkrootfs -x "$T/twice.tar" "$T/dd"
	assertEquals "the last entry wins" "2750 1234:5678 1200000000" \
		"$(stat -c '%a %u:%g %Y' "$T/dd/d")"
	assertEquals "g" "$(cat "$T/dd/d/g")"
}

# File capabilities (set after the chown, which clears them) and times to
# the nanosecond, from the pax records GNU tar --xattrs writes.
test_tar_capabilities_and_nanoseconds() {
	need_root || return 0
	need_cmd setcap getcap || return 0
	tar --help | grep -q -- --xattrs || { skip "this tar has no --xattrs"; return 0; }
	mkdir "$T/src"
	cp "$(type -P true)" "$T/src/ping"
	chown 1234:5678 "$T/src/ping"
	setcap cap_net_raw+ep "$T/src/ping"
	touch -d '2001-09-09 01:46:40.123456789' "$T/src/ping"
	tar --xattrs --format=pax -C "$T/src" -cf "$T/cap.tar" ping
	chmod 644 "$T/cap.tar"
	assert_ok mkrootfs -x "$T/cap.tar" "$T/d"
	assertEquals "capability kept" "$T/d/ping cap_net_raw=ep" "$(getcap "$T/d/ping")"
	assertEquals "owner kept" "1234:5678" "$(stat -c %u:%g "$T/d/ping")"
	assertEquals "nanosecond times" \
		"2001-09-09 01:46:40.123456789 +0000 2001-09-09 01:46:40.123456789 +0000" \
		"$(TZ=UTC stat -c '%x %y' "$T/d/ping")"

	need_user || return 0
	user_dir
	# Rootless, no user namespace: no capability can be set.
	assert_ok as_user mkrootfs -v -x "$T/cap.tar" "$T/u/d"
	assert_contains "$ERR" "mkrootfs: --tar $T/cap.tar: ping: xattr security.capability not kept: Operation not permitted"
	assertEquals "none set" "" "$(getcap "$T/u/d/ping")"
	assertEquals "nanoseconds rootless" "2001-09-09 01:46:40.123456789 +0000" \
		"$(TZ=UTC stat -c %y "$T/u/d/ping")"
	# Root of a user namespace: the kernel writes a namespaced (v3)
	# capability whose root is the user: it holds in that namespace (and
	# those whose root is the user), never on the host.
	tar --xattrs --format=pax --owner=0 --group=0 -C "$T/src" -cf "$T/root.tar" ping
	chmod 644 "$T/root.tar"
	assert_ok as_user unshare -Ur sh -c "mkrootfs -x $T/root.tar $T/u/n && getcap $T/u/n/ping"
	assert_out "$T/u/n/ping cap_net_raw=ep"
	assertEquals "namespaced, root is the user" \
		"$T/u/n/ping cap_net_raw=ep [rootid=$TEST_UID]" "$(getcap -n "$T/u/n/ping")"
}

# Names are escaped in messages (\n, \t, \r, \\, else \xHH): a newline or
# a terminal escape cannot break the line or move the cursor; printable
# UTF-8 stays, a C1 control or a stray byte does not.
test_messages_escaped() {
	tar_member "$T/esc.tar" "../x"$'\n'"y"$'\e'"[1m" 0 "" evil
	tar_end "$T/esc.tar"
	assert_fails 125 "mkrootfs: --tar $T/esc.tar: member '../x\\ny\\x1b[1m': refusing a path with '..'" \
		mkrootfs -x "$T/esc.tar" "$T/d"
	assert_fails 125 "mkrootfs: mkdir $T/no/d\\n\\x1b[2J\\t\\r\\\\: No such file or directory" \
		mkrootfs "$T/no/d"$'\n\e[2J\t\r\\'
	assert_fails 125 "mkrootfs: mkdir $T/no/é\\xc2\\x9b\\x9b\\x7f: No such file or directory" \
		mkrootfs "$T/no/é"$'\xc2\x9b\x9b\x7f'
	assertFalse "nothing made" "[ -e $T/d ] || [ -e $T/no ]"
}

# interrupt_tar SIG DIR [feed]: mkrootfs -x FIFO DIR, fed the first MiB
# of a bigger archive, signalled once the big member is being written (it
# then waits for more, or soon will: no timing matters); with feed, the
# rest follows. Prints its exit status.
interrupt_tar() {
	local sig=$1 dir=$2
	rm -f "$T/fifo" "$T/st" "$T/pid" "$T/err"
	mkfifo "$T/fifo"
	(sh -c 'echo $$ >"$1"; exec mkrootfs -x "$2" "$3" 2>"$4"' sh \
		"$T/pid" "$T/fifo" "$dir" "$T/err"; echo $? >"$T/st") 2>/dev/null &
	exec 3>"$T/fifo"
	head -c 1048576 "$T/big.tar" >&3
	wait_for "[ -s $dir/a/big ]" || fail "$sig: $dir/a/big never appeared"
	kill -s "$sig" "$(cat "$T/pid")"
	if [ "${3:-}" = feed ]; then
		tail -c +1048577 "$T/big.tar" >&3
	fi
	exec 3>&-
	status_of st
	wait
}

# SIGINT, SIGTERM and SIGHUP undo, as any failure does: the half-made
# tree goes, DIR is as it was; the message says why; the process dies of
# the signal (128+N), so that a shell loop running it stops too.
test_tar_interrupted_undoes() {
	local sig n before
	mkdir -p "$T/src/a"
	echo small >"$T/src/a/small"
	head -c 8388608 /dev/zero >"$T/src/a/big"
	tar -C "$T/src" -cf "$T/big.tar" a/small a/big
	for sig in INT TERM HUP; do
		n=$(kill -l "$sig")
		# A DIR that did not exist, then one that did, with a file.
		assertEquals "$sig: killed by it" $((128 + n)) "$(interrupt_tar "$sig" "$T/new")"
		assertEquals "$sig: message" "mkrootfs: interrupted by SIG$sig" "$(cat "$T/err")"
		assertFalse "$sig: nothing left" "[ -e $T/new ]"
		# (Its own mtime changes: entries were made and removed.)
		mkdir -p "$T/old/etc"
		echo mine >"$T/old/etc/keep"
		before=$(tree "$T/old" | grep -v '^\. ')
		assertEquals "$sig: killed by it" $((128 + n)) "$(interrupt_tar "$sig" "$T/old")"
		assertEquals "$sig: DIR as it was" "$before" "$(tree "$T/old" | grep -v '^\. ')"
		rm -rf "$T/old"
	done
	# A signal ignored from the start (nohup) stays ignored.
	assertEquals "SIGHUP ignored" 0 "$(trap '' HUP; interrupt_tar HUP "$T/nohup" feed)"
	assertEquals "completed" 8388608 "$(stat -c %s "$T/nohup/a/big")"
}

test_tar_hostile() {
	mkdir "$T/outside"
	tar_member "$T/h.tar" /abs/evil 0 "" abs
	tar_member "$T/h.tar" link 2 "$T/outside"
	tar_member "$T/h.tar" link/evil 0 "" through-link
	tar_member "$T/h.tar" up 2 ../../../../../../..$T/outside
	tar_member "$T/h.tar" up/evil2 0 "" through-up
	tar_member "$T/h.tar" hard 1 /abs/evil
	tar_end "$T/h.tar"
	assert_ok mkrootfs -x "$T/h.tar" "$T/d"
	assertEquals "nothing outside" "" "$(ls -A "$T/outside")"
	assertEquals "abs" "$(cat "$T/d/abs/evil")"
	assertEquals "through-link" "$(cat "$T/d$T/outside/evil")"
	assertEquals "through-up" "$(cat "$T/d$T/outside/evil2")"
	assertEquals "2" "$(stat -c %h "$T/d/hard")"

	tar_member "$T/dots.tar" ok 0 "" ok
	tar_member "$T/dots.tar" ../evil 0 "" evil
	tar_end "$T/dots.tar"
	assert_fails 125 "mkrootfs: --tar $T/dots.tar: member '../evil': refusing a path with '..'" \
		mkrootfs -x "$T/dots.tar" "$T/d2"
	assertFalse "undone" "[ -e $T/d2 ] || [ -e $T/evil ]"

	tar_member "$T/hl.tar" hl 1 ../../etc/passwd
	tar_end "$T/hl.tar"
	assert_fails 125 "mkrootfs: --tar $T/hl.tar: hard link target '../../etc/passwd': refusing a path with '..'" \
		mkrootfs -x "$T/hl.tar" "$T/d2"
}

test_tar_bad() {
	assert_fails 125 "mkrootfs: --tar $T/nope: No such file or directory" mkrootfs -x "$T/nope" "$T/d"
	head -c 2048 /bin/ls >"$T/notar"
	assert_fails 125 "mkrootfs: --tar $T/notar: bad header checksum at byte 0 (not a tar archive?)" \
		mkrootfs -x "$T/notar" "$T/d"
	assertFalse "undone" "[ -e $T/d ]"
	tar_member "$T/t.tar" f 0 "" "$(head -c 2000 /dev/zero | tr '\0' x)"
	head -c 1000 "$T/t.tar" >"$T/cut.tar"
	assert_fails 125 "mkrootfs: --tar $T/cut.tar: truncated archive" mkrootfs -x "$T/cut.tar" "$T/d"
	if command -v gzip >/dev/null; then
		tar_end "$T/t.tar"
		gzip -c "$T/t.tar" | head -c 40 >"$T/cut.tgz"
		assert_fails 125 "mkrootfs: --tar $T/cut.tgz: gzip: unexpected end of the compressed data" \
			mkrootfs -x "$T/cut.tgz" "$T/d"
	fi
	# busybox's xz (the VM's) only decompresses.
	if command -v xz >/dev/null && xz -c "$T/t.tar" >"$T/t.txz" 2>/dev/null; then
		head -c 40 "$T/t.txz" >"$T/cut.txz"
		run mkrootfs -x "$T/cut.txz" "$T/d"
		assert_rc 125
		assert_contains "$ERR" "mkrootfs: --tar $T/cut.txz: xz exited with status 1: "
		assertEquals "one line" 1 "$(echo "$ERR" | wc -l)"
	fi
	assertFalse "undone" "[ -e $T/d ]"
	: >"$T/empty.tar"
	assert_fails 125 "mkrootfs: --tar $T/empty.tar: empty archive" mkrootfs -x "$T/empty.tar" "$T/d"
}

# --- --overlay ------------------------------------------------------------------

overlay_fixture() {
	mkdir -p "$1/lower" "$1/lower2" "$1/m"
	echo base >"$1/lower/base"
	echo two >"$1/lower2/two"
}

test_overlay() {
	need_root || return 0
	overlay_fixture "$T"
	assert_ok unshare -m mkrootfs -o "$T/lower:$T/lower2" --upper "$T/up" "$T/m" \
		sh -c "echo new >$T/m/new && echo more >>$T/m/base && cat $T/m/two && grep -c ' $T/m .* overlay ' /proc/self/mountinfo"
	assert_out "two
1"
	assertEquals "writes land in upper" "new" "$(cat "$T/up/new")"
	assertEquals "base
more" "$(cat "$T/up/base")"
	assertEquals "lower unchanged" "base" "$(cat "$T/lower/base")"
	assertFalse "[ -e $T/lower/new ] || [ -e $T/lower/etc ]"
	assertTrue "the skeleton went to upper" "[ -f $T/up/etc/passwd ]"
	assertTrue "work dir next to upper" "[ -d $T/up.work ]"
	assertEquals "mount point untouched" "" "$(ls -A "$T/m")"
	# Without --upper: a tmpfs, gone with the namespace.
	assert_ok unshare -m mkrootfs -o "$T/lower" "$T/m" sh -c "echo x >$T/m/x && cat $T/m/x $T/m/base"
	assert_out "x
base"
	assertEquals "" "$(ls -A "$T/m")"
	# An image made writable in place: LOWER is DIR.
	assert_ok unshare -m mkrootfs -o "$T/lower" "$T/lower" sh -c "echo y >$T/lower/y && cat $T/lower/base"
	assert_out "base"
	assertFalse "[ -e $T/lower/y ]"
}

test_overlay_rootless() {
	need_user || return 0
	user_dir
	overlay_fixture "$T/u"
	chown -R "$TEST_UID:$TEST_GID" "$T/u"
	assert_ok as_user unshare -Urm mkrootfs -o "$T/u/lower" --upper "$T/u/up" "$T/u/m" \
		sh -c "echo new >$T/u/m/new && rm $T/u/m/base && grep ' $T/u/m ' /proc/self/mountinfo"
	assert_contains "$OUT" "userxattr"
	assertEquals "new" "$(cat "$T/u/up/new")"
	assertEquals "lower unchanged" "base" "$(cat "$T/u/lower/base")"
	assertEquals "whiteout in upper" "character special file" "$(stat -c %F "$T/u/up/base")"
	assert_ok as_user unshare -Urm mkrootfs -o "$T/u/lower" "$T/u/m" cat "$T/u/m/base"
	assert_out "base"
}

test_overlay_refused_on_host() {
	need_root || return 0
	overlay_fixture "$T"
	assert_fails 125 "mkrootfs: --overlay: refusing to mount in the host's mount namespace (run inside nsnew -m or unshare -m)" \
		mkrootfs -o "$T/lower" "$T/m"
	assert_fails 125 "mkrootfs: --overlay: $T/m is on a shared mount: the overlay would appear in other mount namespaces (make it private: nsnew -m does, or mount --make-rprivate /)" \
		unshare -m sh -c "mount --bind $T $T && mount --make-shared $T && exec mkrootfs -o $T/lower $T/m"
	assertFalse "nothing mounted on the host" "grep -q ' $T/m ' /proc/self/mountinfo"
	assertEquals "nothing made in the mount point" "" "$(ls -A "$T/m")"
}

# Fewer capabilities than PID 1: its /proc/1/ns/mnt is closed to us, and
# before Linux 6.18 (no fixed inode for the host's) its mountinfo tells.
test_overlay_refused_on_host_without_all_capabilities() {
	need_root || return 0
	need_cmd setpriv || return 0
	overlay_fixture "$T"
	assert_fails 125 "mkrootfs: --overlay: refusing to mount in the host's mount namespace (run inside nsnew -m or unshare -m)" \
		setpriv --bounding-set=-sys_resource,-sys_ptrace mkrootfs -o "$T/lower" "$T/m"
	assertFalse "nothing mounted on the host" "grep -q ' $T/m ' /proc/self/mountinfo"
	assert_ok setpriv --bounding-set=-sys_resource,-sys_ptrace unshare -m mkrootfs -o "$T/lower" "$T/m" cat "$T/m/base"
	assert_out "base"
}

test_overlay_undone_on_failure() {
	need_root || return 0
	overlay_fixture "$T"
	echo garbage >"$T/bad.tar"
	assert_ok unshare -m sh -c "mkrootfs -o $T/lower --upper $T/up -x $T/bad.tar $T/m 2>$T/err; echo \$?; grep -c ' $T/m ' /proc/self/mountinfo || :"
	assert_out "125
0"
	assertEquals "mkrootfs: --tar $T/bad.tar: truncated archive" "$(cat "$T/err")"
	assertFalse "upper and work removed" "[ -e $T/up ] || [ -e $T/up.work ]"
	assertEquals "lower unchanged" "base" "$(ls "$T/lower")"
}

test_overlay_errors() {
	assert_fails 125 "mkrootfs: --overlay $T/nope: No such file or directory" mkrootfs -o "$T/nope" "$T/m"
	mkdir "$T/l"
	assert_fails 125 "mkrootfs: --overlay $T/l:: empty layer" mkrootfs -o "$T/l:" "$T/m"
	assertFalse "nothing made" "[ -e $T/m ]"
}

# --- in a chain: the DESIGN's container, rootless -----------------------------

test_chain_busybox_pivot() {
	need_cmd busybox nsnew pivot || return 0
	need_user || return 0
	user_dir
	assert_ok as_user mkrootfs --busybox --tools "$T/u/root"
	assert_ok as_user nsnew -U --map-root -mpun pivot "$T/u/root" /bin/sh -c 'ls /; mkrootfs --version'
	assert_contains "$OUT" "proc"
	assert_contains "$OUT" "mkrootfs (conch)"
}

test_chain_overlay_pivot() {
	need_cmd busybox nsnew pivot || return 0
	need_user || return 0
	user_dir
	assert_ok as_user mkrootfs --busybox "$T/u/root"
	# The image made writable in place for one run, the conch tools added
	# to its upper layer (DESIGN: "without touching the image").
	assert_ok as_user nsnew -U --map-root -mpun mkrootfs -o "$T/u/root" --tools "$T/u/root" \
		pivot "$T/u/root" /bin/sh -c 'echo hi >/x && cat /x && rm /bin/ls && mkrootfs --version'
	assert_out "hi
mkrootfs (conch) $(sed -n 's/^VERSION = //p' "$TOP/Makefile")"
	assertFalse "the image is unchanged" "[ -e $T/u/root/x ] || [ -e $T/u/root/usr/bin/mkrootfs ]"
	assertTrue "the image is unchanged" "[ -L $T/u/root/usr/bin/ls ]"
}

# --- completions ----------------------------------------------------------------

# offers WORD...: what the bash completion offers for the last WORD.
offers() {
	complete_words mkrootfs "$@" | tr '\n' ' '
}

test_bash_completion() {
	[ -f "$BASH_COMPLETION" ] || { skip "needs bash-completion"; return 0; }
	mkdir -p "$T/aa" "$T/ab"
	touch "$T/img.tar.zst" "$T/notes.txt"
	assert_contains "$(offers --ov)" "--overlay"
	assert_contains "$(offers --bu)" "--busybox="
	assertEquals "lower dirs after a colon" "$T/aa/ $T/ab/ " "$(offers --overlay "$T/aa:$T/a")"
	assertEquals "tarballs" "$T/aa $T/ab $T/img.tar.zst " "$(offers -x "$T/")"
	assert_contains "$(offers -c mkroo)" "mkrootfs"
	assertEquals "--busybox=PATH" "$T/notes.txt " "$(offers "--busybox=$T/no")"
	assertEquals "DIR after --busybox" "$T/aa $T/ab " "$(offers --busybox "$T/a")"
	assert_contains "$(offers --busybox "$T/aa" ech)" "echo"
}

. shunit2

#!/bin/bash
# examples/initramfs.sh packs busybox, the static tools and an /init into a
# cpio the kernel reads; where tests/vm has a kernel cached, the image is
# booted under qemu and the container inside must report its layers.
. "$(dirname "$0")/lib.sh"

STATIC=$TOP/static
EXAMPLE=$TOP/examples/initramfs.sh

# The example (the VM has only tests/), and for most tests the static tools.
need_example() {
	[ -x "$EXAMPLE" ] && return 0
	skip "no $EXAMPLE here"
	return 1
}

need_static() {
	need_example || return 1
	[ -x "$STATIC/mkrootfs" ] && return 0
	skip "no static tools in $STATIC (make static)"
	return 1
}

# The kernel tests/vm/run caches, if it ran here.
cached_kernel() {
	local cache=${CONCH_VM_CACHE:-$TOP/tests/vm/cache} kver k
	kver=$(cat "$cache/kernel" 2>/dev/null) || return 1
	for k in "$cache/$kver/vmlinux" "$cache/$kver/vmlinuz"; do
		[ -s "$k" ] && { echo "$k"; return 0; }
	done
	return 1
}

test_cpio() {
	need_static || return 0
	need_cmd cpio gzip busybox || return 0
	assert_ok "$EXAMPLE" "$T/img.cpio.gz"
	gzip -dc "$T/img.cpio.gz" >"$T/img.cpio"
	run cpio -it --quiet <"$T/img.cpio"
	assert_rc 0
	local f
	for f in init usr/bin/busybox usr/bin/sh usr/bin/nsnew usr/bin/pivot \
	    usr/bin/capset usr/bin/scfilter usr/bin/cgput usr/bin/cgmake \
	    usr/bin/mkrootfs usr/bin/confine etc/passwd; do
		assert_contains "$OUT" "$(printf '\n%s\n' "$f")" "the archive's list"
	done
	# Every file is root's, whoever packed it; /init runs.
	run cpio -itv --quiet <"$T/img.cpio"
	assertEquals "files not owned by root:root" "" \
		"$(echo "$OUT" | awk '$3 != "root" || $4 != "root"')"
	assert_contains "$(echo "$OUT" | awk '$NF == "init"')" "-rwxr-xr-x"
}

test_no_static_tools() {
	need_example || return 0
	assert_fails 1 "$EXAMPLE: no static tools in $T/none (make static)" \
		env CONCH_STATIC="$T/none" "$EXAMPLE" "$T/x.cpio.gz"
	[ ! -e "$T/x.cpio.gz" ] || fail "an archive was written"
}

test_boot() {
	need_static || return 0
	need_cmd qemu-system-x86_64 cpio gzip busybox || return 0
	local kernel
	kernel=$(cached_kernel) || { skip "no kernel cached in tests/vm/cache (make check-vm)"; return 0; }
	assert_ok "$EXAMPLE" "$T/img.cpio.gz"
	run timeout -k 5 120 qemu-system-x86_64 -accel tcg -nographic -no-reboot \
		-m 256M -smp 1 -nic none -kernel "$kernel" -initrd "$T/img.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet" </dev/null
	OUT=$(echo "$OUT" | tr -d '\r')
	assert_contains "$OUT" "in the container: uid=0(root) gid=0(root), on box, processes: /proc/1"
	assert_contains "$OUT" "$(printf 'CapEff:\t0000000000000400')"
	assert_contains "$OUT" "$(printf 'NoNewPrivs:\t1')"
	assert_contains "$OUT" "$(printf 'Seccomp:\t2')"
	assert_contains "$OUT" "pids.max=64"
	assert_contains "$OUT" "tmpfs on / type tmpfs (ro,"
	assert_contains "$OUT" "Landlock: what is written to /tmp does not run"
	assert_contains "$OUT" "conch-initramfs: the container exited with status 0"
}

. shunit2

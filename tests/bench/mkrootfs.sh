#!/bin/bash
# mkrootfs computes a program's library closure by reading the ELF files;
# ldd runs the dynamic loader on the program instead. Both on a warm root
# (mkrootfs finds everything in place and copies nothing), so that what is
# timed is the closure, not the filesystem. Then a whole busybox root.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/conch-bench-mkrootfs.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
for prog in /usr/bin/python3 /bin/bash; do [ -x "$prog" ] && break; done
mkrootfs -c "$prog" "$dir/root" || exit 1

if command -v ldd >/dev/null; then
	medians "mkrootfs -c ${prog##*/} (warm root)" "mkrootfs -c $prog $dir/root" \
		"ldd ${prog##*/}" "ldd $prog" || exit 1
	echo "mkrootfs/ldd: $(ratio "${MEDIANS[@]}")"
else
	median "mkrootfs -c ${prog##*/} (warm root)" mkrootfs -c "$prog" "$dir/root" || exit 1
fi
if command -v busybox >/dev/null; then
	mkrootfs --busybox "$dir/bb" || exit 1
	median "mkrootfs --busybox (warm root)" mkrootfs --busybox "$dir/bb" || exit 1
fi

#!/bin/bash
# Builds util-linux's setpriv with --seccomp-filter (2.40 and later; Debian
# 12 ships 2.38) as build/tests/setpriv-seccomp, for the test that loads
# scfilter --bpf output with it. The source is Debian's own (the newest
# stable's util-linux, from deb.debian.org, checked against the sha256 of
# its Sources index). Best effort: when it cannot, it says why and leaves
# no binary, and the test is skipped with that reason.
set -u
# The project's flags are not util-linux's: CI's CFLAGS=-Werror (exported,
# and in MAKEFLAGS when given to make) fails its build on warnings.
unset CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS MAKELEVEL
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/tests/setpriv-seccomp
work=$top/build/util-linux
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ -x "$out" ] && exit 0
mkdir -p "$work" "$(dirname "$out")"
cd "$work" || exit 0
say() { echo "setpriv.sh: $*" >&2; echo "$*" >"$work/why"; exit 0; }

# (awk stops reading early: curl's "failure writing output" is no error.)
entry=$(curl -fsS -m 60 "$mirror/dists/stable/main/source/Sources.xz" 2>/dev/null | xz -dc |
	awk '/^Package: util-linux$/ { p = 1 } p && /^$/ { exit } p') ||
	say "cannot read $mirror's Sources index"
read -r sum _ file < <(sed -n '/^Checksums-Sha256:/,/^[A-Z]/p' <<<"$entry" | grep '\.orig\.tar\.xz$')
[ -n "${file:-}" ] || say "no util-linux source in $mirror's Sources index"
if [ ! -f "$file" ]; then
	curl -fsS -m 300 -o "$file.part" "$mirror/pool/main/u/util-linux/$file" ||
		say "cannot download $file"
	mv "$file.part" "$file"
fi
echo "$sum  $file" | sha256sum -c --quiet - || { rm -f "$file"; say "$file: bad sha256"; }
# A fresh tree each time: an interrupted configure leaves a broken one.
dir=$(tar -tf "$file" | head -n 1 | cut -d/ -f1)
rm -rf "${dir:?}"
tar -xf "$file" || say "cannot unpack $file"
cd "$dir" || exit 0
./configure -q --disable-all-programs --enable-setpriv \
	--disable-nls --without-python --without-systemd --without-udev \
	--without-ncursesw --without-tinfo --without-readline >/dev/null 2>&1 ||
	say "configure failed (libcap-ng-dev missing?)"
make -s -j2 setpriv >/dev/null 2>&1 || say "building setpriv failed"
cp setpriv "$out" && rm -f "$work/why"

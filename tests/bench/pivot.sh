#!/bin/bash
# pivot against bubblewrap: a container on the same busybox root, with a
# new /proc, a /dev and a tmpfs /tmp. pivot's own work (about 60 system
# calls, and detaching the old root) should vanish in the namespaces'.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/conch-bench-pivot.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
root=$dir/root
if command -v mkrootfs >/dev/null; then
	mkrootfs --busybox "$root" >/dev/null || exit 1
else
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" &&
		cp "$(command -v busybox)" "$root/bin/busybox" &&
		ln -s busybox "$root/bin/true" || exit 1
fi
chmod 755 "$dir"

medians "nsnew -U --map-root -mpuin pivot" \
	"nsnew -U --map-root -mpuin pivot $root /bin/true" \
	"nsnew ... pivot --ro" "nsnew -U --map-root -mpuin pivot --ro $root /bin/true" \
	"bwrap --unshare-all --ro-bind ROOT / ..." \
	"bwrap --unshare-all --ro-bind $root / --proc /proc --dev /dev --tmpfs /tmp /bin/true" ||
	exit 1
a=${MEDIANS[0]} ro=${MEDIANS[1]} b=${MEDIANS[2]}
echo "pivot/bwrap: $(ratio "$a" "$b")"
echo "pivot --ro/bwrap: $(ratio "$ro" "$b")"

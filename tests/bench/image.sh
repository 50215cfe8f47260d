#!/bin/bash
# mkrootfs --image against umoci unpack, on the same multi-layer OCI
# layout, built here with umoci from this host's files: a busybox root
# with python3 and its library tree, perl's module tree (about 33 MB of
# gzip layers, 2,600 entries), a whiteout of a directory and an opaque
# one. Each run unpacks into a fresh directory (removed, untimed, before
# it). Then the CPU time and peak RSS of one run of each (GNU time). umoci also
# writes an mtree manifest of the tree it unpacked (it hashes every
# file again): that is part of what `umoci unpack` costs.
. "$(dirname "$0")/lib.sh"

for c in umoci /usr/bin/time /usr/bin/python3; do
	command -v "$c" >/dev/null || { echo "bench: image: needs $c" >&2; exit 0; }
done
dir=$(mktemp -d /tmp/conch-bench-image.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT

# The layout: four layers, gzip, as umoci writes them.
pylib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
pm=$(/usr/bin/perl -MPOSIX -e 'print $INC{"POSIX.pm"}' 2>/dev/null)
mkrootfs --busybox -c /usr/bin/python3 -c "$pylib" "$dir/l1" >/dev/null || exit 1
mkrootfs -c /usr/bin/perl ${pm:+-c "${pm%/POSIX.pm}"} "$dir/l2" >/dev/null || exit 1
mkdir -p "$dir/l4"
echo new >"$dir/l4/only"
(
	cd "$dir" || exit 1
	umoci init --layout oci &&
		umoci new --image oci:bench &&
		umoci insert --image oci:bench l1 / &&
		umoci insert --image oci:bench l2 / &&
		umoci insert --image oci:bench --whiteout "$pylib/email" &&
		umoci insert --image oci:bench --opaque l4 /usr/share
) >"$dir/log" 2>&1 || { cat "$dir/log" >&2; exit 1; }
echo "layout: $(du -sh "$dir/oci" | cut -f1) in $(find "$dir/oci/blobs" -type f | wc -l) blobs," \
	"$(find "$dir/l1" "$dir/l2" | wc -l) entries"

# A few runs: each is a whole unpack, not a system call (umoci takes
# seconds). The layout was just written: its blobs are in the page cache.
export BENCH_RUNS=${BENCH_IMAGE_RUNS:-6} BENCH_ROUNDS=2 BENCH_WARMUP=0
export BENCH_PREPARE="rm -rf $dir/m $dir/u"
medians "mkrootfs --image" "mkrootfs --image $dir/oci:bench $dir/m" \
	"umoci unpack" "umoci unpack --image $dir/oci:bench $dir/u" || exit 1
echo "mkrootfs/umoci: $(ratio "${MEDIANS[@]}")"

# One run of each under GNU time: the CPU time (user + system), which a
# busy machine inflates less than the wall clock, and the peak RSS.
rm -rf "$dir/m" "$dir/u"
m=$(/usr/bin/time -f '%U %S %M' mkrootfs --image "$dir/oci:bench" "$dir/m" 2>&1 >/dev/null) &&
	u=$(/usr/bin/time -f '%U %S %M' umoci unpack --image "$dir/oci:bench" "$dir/u" 2>&1 >/dev/null |
		tail -n 1) || exit 1
read -r mu ms mr <<<"$m"
read -r uu us ur <<<"$u"
awk -v mu="$mu" -v ms="$ms" -v uu="$uu" -v us="$us" 'BEGIN {
	printf "CPU time: mkrootfs --image %.2f s, umoci unpack %.2f s, ratio %.2f\n",
	    mu + ms, uu + us, (mu + ms) / (uu + us) }'
echo "peak RSS: mkrootfs --image $mr KB, umoci unpack $ur KB"

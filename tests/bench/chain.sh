#!/bin/bash
# The whole container, conch against bubblewrap, as root:
#   cgput CG nsnew -U --map-root -a pivot ROOT capset --keep none \
#       scfilter -f default /bin/true
#   bwrap --unshare-all --ro-bind ROOT / --proc /proc --dev /dev \
#       --tmpfs /tmp --cap-drop ALL --seccomp 3 /bin/true
# with the conch tools dynamic (bin/) and static (static/, or CONCH_STATIC),
# each chain on a busybox ROOT from mkrootfs whose tools are of the same
# build. Even as root, bwrap --unshare-all makes a user namespace (uid_map
# "0 0 1", as --map-root here) and all the others but time. bwrap gets
# the BPF that scfilter compiles for the same profile; since it reads the
# file to its end, every run starts with fd 3 rewound (hyperfine --prepare,
# untimed, for all the commands alike).
#
# What differs. The conch chain does more: it moves into a cgroup, makes a
# time namespace too, mounts a read-only /sys and a tmpfs on /dev/shm, and
# compiles its filter at run time. bwrap does more: a read-only root, ro
# binds over /proc/sys & co, and one more process (its PID 1 waits for
# PROG). Two more lines make the same work on both sides: the conch chain
# without the cgroup, the time namespace and /sys, with a read-only root;
# and bwrap run under cgput.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/bin static=${CONCH_STATIC:-$top/static}

[ "$(id -u)" -eq 0 ] || { echo "bench: chain: needs root" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "bench: chain: needs bwrap" >&2; exit 1; }
[ -x "$static/scfilter" ] || { echo "bench: chain: run make static first" >&2; exit 1; }
command -v perl >/dev/null || { echo "bench: chain: needs perl (to rewind fd 3)" >&2; exit 1; }

dir=$(mktemp -d /tmp/conch-bench-chain.XXXXXX) || exit 1
cg=/conch-bench-chain-$$
trap '"$bin/cgmake" -d "$cg" 2>/dev/null; rm -rf "$dir"' EXIT
"$bin/mkrootfs" --busybox --tools="$bin" "$dir/dyn" &&
	"$bin/mkrootfs" --busybox --tools="$static" "$dir/static" &&
	"$bin/scfilter" -f default --bpf "$dir/default.bpf" &&
	"$bin/cgmake" "$cg" || exit 1
chmod 755 "$dir"
exec 3<"$dir/default.bpf"
export BENCH_PREPARE="perl -e 'open(F, \"<&=3\") && sysseek(F, 0, 0) or die'"
# After pivot, capset and scfilter are looked up in ROOT's PATH: a plain one.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

tail="capset --keep none scfilter -f default /bin/true"
bwrap="bwrap --unshare-all --ro-bind $dir/static / --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL --seccomp 3 /bin/true"

medians "conch chain, dynamic" \
	"$bin/cgput $cg $bin/nsnew -U --map-root -a $bin/pivot $dir/dyn $tail" \
	"conch chain, static" \
	"$static/cgput $cg $static/nsnew -U --map-root -a $static/pivot $dir/static $tail" \
	"bwrap" "$bwrap" \
	"static, bwrap's work (no cgroup...)" \
	"$static/nsnew -U --map-root -mpuinC $static/pivot --ro --no-sys $dir/static $tail" \
	"cgput CG bwrap" "$static/cgput $cg $bwrap" || exit 1
dyn=${MEDIANS[0]} st=${MEDIANS[1]} bw=${MEDIANS[2]} same=${MEDIANS[3]} cgbw=${MEDIANS[4]}
echo "static/bwrap: $(ratio "$st" "$bw")"
echo "dynamic/bwrap: $(ratio "$dyn" "$bw")"
echo "static/dynamic: $(ratio "$st" "$dyn")"
echo "same work: static without cgroup/bwrap: $(ratio "$same" "$bw"), static/(cgput bwrap): $(ratio "$st" "$cgbw")"

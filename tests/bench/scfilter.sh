#!/bin/bash
# scfilter: what compiling and loading a filter costs before PROG starts
# (hyperfine, against PROG alone and against an empty filter), and what
# the filter costs each system call afterwards (a getpid loop, in C,
# timed inside the process, without and with the filter).
. "$(dirname "$0")/lib.sh"
fixture=$(dirname "$0")/../fixtures/docker-seccomp-default.json

# Most of what dynamic scfilter costs is loading libseccomp and libjansson:
# the static build shows scfilter's own work.
static=$(cd "$(dirname "$0")/../.." && pwd)/static
cmds=("/bin/true" /bin/true \
	"scfilter /bin/true (no rule)" "scfilter /bin/true" \
	"scfilter -f default /bin/true" "scfilter -f default /bin/true" \
	"scfilter -f docker.json /bin/true" "scfilter -f $fixture /bin/true")
if [ -x "$static/scfilter" ] && [ "$static" != "${CONCH_BIN:-}" ]; then
	cmds+=("static scfilter -f default /bin/true" "$static/scfilter -f default /bin/true")
fi
medians "${cmds[@]}" || exit 1
t=${MEDIANS[0]} e=${MEDIANS[1]} d=${MEDIANS[2]} j=${MEDIANS[3]}
echo "-f default: $((d - t)) µs more than /bin/true alone, $((d - e)) µs more than an empty filter"
echo "-f docker.json: $((j - t)) µs more than /bin/true alone"
[ ${#MEDIANS[@]} -lt 5 ] || echo "-f default, static: $((MEDIANS[4] - t)) µs more than /bin/true alone"
echo "scfilter's own count (-v), -f default: $(scfilter -v -f default /bin/true 2>&1 | sed -n 's/.*: \([0-9]* BPF instructions in [0-9]* µs\)/\1/p')"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/loop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000, i, best = -1, ns;
	struct timespec a, b;
	int round;

	for (round = 0; round < 5; round++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n; i++)
			syscall(SYS_getpid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec;
		if (best < 0 || ns < best)
			best = ns;
	}
	printf("%.1f\n", (double)best / n);
	return 0;
}
C
if ! cc -O2 -o "$dir/loop" "$dir/loop.c"; then
	echo "bench: no C compiler for the getpid loop" >&2
	exit 1
fi
plain=$("$dir/loop")
empty=$(scfilter "$dir/loop")
filtered=$(scfilter -f default "$dir/loop")
docker=$(scfilter -f "$fixture" "$dir/loop")
# An argument rule on getpid itself: the kernel cannot cache the verdict.
echo "errno getpid arg0 == 12345" >"$dir/arg.scf"
argrule=$(scfilter -f "$dir/arg.scf" "$dir/loop")
printf '%-40s %6s ns\n' "getpid, no filter" "$plain"
printf '%-40s %6s ns\n' "getpid, empty filter" "$empty"
printf '%-40s %6s ns\n' "getpid, -f default" "$filtered"
printf '%-40s %6s ns\n' "getpid, -f docker.json" "$docker"
printf '%-40s %6s ns\n' "getpid, an argument rule on it" "$argrule"
awk -v a="$plain" -v e="$empty" -v b="$filtered" -v c="$docker" -v r="$argrule" \
	'BEGIN { printf "per call: +%.1f ns (any filter), +%.1f ns (default), +%.1f ns (docker.json), +%.1f ns (BPF run each call)\n", e - a, b - a, c - a, r - a }'

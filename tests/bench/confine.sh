#!/bin/bash
# confine: what making and enforcing a Landlock ruleset costs before PROG
# starts (hyperfine: against PROG alone, and against setpriv setting
# no_new_privs, the floor of any one-exec sandboxer; landrun, the
# reference Landlock runner, is not in Debian), and what the ruleset costs
# each open(2) afterwards (an open and close loop, in C, timed in the
# thread's CPU time, without and under a ten-rule ruleset, 9 runs each).
. "$(dirname "$0")/lib.sh"

# PROG must be executable under the rules: --rx /usr for /bin/true.
rules="--ro / --rx /usr --rw /tmp"
static=$(cd "$(dirname "$0")/../.." && pwd)/static
cmds=("/bin/true" /bin/true \
	"setpriv --no-new-privs true" "setpriv --no-new-privs /bin/true" \
	"confine $rules true" "confine $rules /bin/true")
if [ -x "$static/confine" ] && [ "$static" != "${CONCH_BIN:-}" ]; then
	cmds+=("static confine $rules true" "$static/confine $rules /bin/true")
fi
medians "${cmds[@]}" || exit 1
t=${MEDIANS[0]} s=${MEDIANS[1]} c=${MEDIANS[2]}
echo "confine/setpriv: $(ratio "$c" "$s")"
echo "confine step over true: $((c - t)) µs, setpriv's: $((s - t)) µs"
[ ${#MEDIANS[@]} -lt 4 ] || {
	echo "static confine/setpriv: $(ratio "${MEDIANS[3]}" "$s")"
	echo "static confine step over true: $((MEDIANS[3] - t)) µs"
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/opens.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/*
 * ns per open(PATH) and close, the best of 5 rounds of N, in the
 * thread's CPU time: the kernel's work, whatever else the machine runs.
 */
int
main(int argc, char **argv)
{
	long n = 200000, i, best = -1, ns;
	struct timespec a, b;
	int round, fd;

	if (argc < 2)
		return 2;
	for (round = 0; round < 5; round++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (i = 0; i < n; i++) {
			fd = open(argv[1], O_RDONLY | O_CLOEXEC);
			if (fd == -1) {
				perror(argv[1]);
				return 1;
			}
			close(fd);
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec;
		if (best < 0 || ns < best)
			best = ns;
	}
	printf("%.1f\n", (double)best / n);
	return 0;
}
C
if ! cc -O2 -o "$dir/opens" "$dir/opens.c"; then
	echo "bench: no C compiler for the open loop" >&2
	exit 1
fi
# Ten rules, as a sandbox for a real program has.
ten=(--ro / --rx /usr --rx "$dir" --ro /etc --ro /var --ro /proc --ro /sys
	--rw /tmp --rw /dev/null --rw /run)
# The median of 9 runs each, taking turns.
median9() {
	sort -g | sed -n 5p
}
for f in /etc/passwd /usr/share/zoneinfo/Europe/Paris; do
	[ -e "$f" ] || continue
	for _ in 1 2 3 4 5 6 7 8 9; do
		echo "plain $("$dir/opens" "$f")"
		echo "confined $(confine "${ten[@]}" "$dir/opens" "$f")"
	done >"$dir/runs"
	plain=$(awk '$1 == "plain" { print $2 }' "$dir/runs" | median9)
	confined=$(awk '$1 == "confined" { print $2 }' "$dir/runs" | median9)
	printf '%-40s %6s ns\n' "open+close $f" "$plain"
	printf '%-40s %6s ns\n' "  under ten Landlock rules" "$confined"
	awk -v a="$plain" -v b="$confined" -v f="$f" \
		'BEGIN { printf "Landlock per open of %s: +%.0f ns\n", f, b - a }'
done

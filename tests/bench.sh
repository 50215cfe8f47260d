#!/bin/bash
# Benchmarks (not timed tests): runs tests/bench/*.sh, or those named.
# Each part prints its medians and ratios; figures go into the README.
# CONCH_BIN selects the binaries (default bin/); static ones are in static/.
set -u
cd "$(dirname "$0")/.." || exit 1
export CONCH_BIN=${CONCH_BIN:-$PWD/bin}
export PATH=$CONCH_BIN:$PATH
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [ $# -eq 0 ]; then
	for f in tests/bench/*.sh; do
		[ "$f" = tests/bench/lib.sh ] || set -- "$@" "$f"
	done
fi
# Medians mean little on a busy machine: say how busy it was.
echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
for part; do
	echo "=== $part"
	bash "$part" || echo "bench: $part failed with status $?" >&2
done
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"

#!/bin/bash
# Benchmarks (not timed tests): runs tests/bench/*.sh, or those named.
# Each part prints its medians and ratios; figures go into the README.
# CONCH_BIN selects the binaries (default bin/); static ones are in static/.
set -u
cd "$(dirname "$0")/.." || exit 1
export CONCH_BIN=${CONCH_BIN:-$PWD/bin}
export PATH=$CONCH_BIN:$PATH
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ $# -gt 0 ] || set -- tests/bench/*.sh
for part; do
	echo "=== $part"
	bash "$part" || echo "bench: $part failed with status $?" >&2
done

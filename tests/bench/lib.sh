# shellcheck shell=bash
# Sourced by tests/bench/*.sh: hyperfine medians and their ratio.
# BENCH_RUNS: runs per command (default 300); BENCH_PREPARE: a command
# hyperfine runs before each run, untimed.

# median NAME CMD: prints and returns (in MEDIAN_US) the median in µs.
median() {
	local name=$1 json
	shift
	json=$(mktemp)
	hyperfine -N --warmup 20 --min-runs "${BENCH_RUNS:-300}" --export-json "$json" \
		${BENCH_PREPARE:+--prepare "$BENCH_PREPARE"} \
		--style none "$*" >/dev/null 2>&1 || { echo "bench: $name failed: $*" >&2; rm -f "$json"; return 1; }
	MEDIAN_US=$(sed -n 's/.*"median": *\([0-9.e+-]*\).*/\1/p' "$json" | head -1 |
		awk '{ printf "%.0f", $1 * 1000000 }')
	rm -f "$json"
	printf '%-40s median %6d µs\n' "$name" "$MEDIAN_US"
}

# ratio A B: A/B of two medians.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "ratio %.2f\n", a / b }'
}

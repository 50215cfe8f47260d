# shellcheck shell=bash
# Sourced by tests/bench/*.sh: hyperfine medians and their ratio.
# BENCH_RUNS: runs per command (default 300), in BENCH_ROUNDS rounds
# (default 10), after BENCH_WARMUP runs (default 20; then 3 a round);
# BENCH_PREPARE: a command hyperfine runs, untimed, before each run.

# medians NAME CMD [NAME CMD]...: each CMD one string (hyperfine splits it,
# no shell). The commands take turns, a round of each after a round of the
# other, so that the machine's drifts (other work, the kernel's deferred
# cleanup of earlier namespaces) touch all of them alike; each median is
# over all its runs. Prints one line per command; sets MEDIANS (µs, in
# order) and MEDIAN_US (the last).
medians() {
	local rounds=${BENCH_ROUNDS:-10} warm=${BENCH_WARMUP:-20} runs dir r i
	local names=() cmds=()
	while [ $# -ge 2 ]; do
		names+=("$1") cmds+=("$2")
		shift 2
	done
	runs=$(((${BENCH_RUNS:-300} + rounds - 1) / rounds))
	dir=$(mktemp -d) || return 1
	for ((r = 0; r < rounds; r++)); do
		# shellcheck disable=SC2086 # the --prepare pair, or nothing
		if ! hyperfine -N --warmup $((r == 0 ? warm : warm < 3 ? warm : 3)) --runs "$runs" \
		    ${BENCH_PREPARE:+--prepare "$BENCH_PREPARE"} --style none \
		    --export-json "$dir/$r.json" "${cmds[@]}" >/dev/null 2>"$dir/err"; then
			echo "bench: ${names[*]}: $(grep -v '^ *$' "$dir/err" | tail -n 1)" >&2
			rm -rf "$dir"
			return 1
		fi
	done
	# "times" of the Nth result of every round: "N seconds" lines.
	awk '/"command":/ { n++ } /"times": \[/ { t = 1; next }
	    t && /\]/ { t = 0 } t { sub(/,/, ""); print n, $1 }' "$dir"/*.json >"$dir/times"
	MEDIANS=()
	for i in "${!cmds[@]}"; do
		MEDIAN_US=$(awk -v n=$((i + 1)) '$1 == n { print $2 }' "$dir/times" | sort -g |
			awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			    printf "%.0f", m * 1000000 }')
		MEDIANS+=("$MEDIAN_US")
		printf '%-40s median %6d µs\n' "${names[i]}" "$MEDIAN_US"
	done
	rm -rf "$dir"
}

# median NAME CMD...: one command, its words as arguments.
median() {
	local name=$1
	shift
	medians "$name" "$*"
}

# ratio A B: A/B of two medians.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "ratio %.2f\n", a / b }'
}

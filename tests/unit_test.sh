#!/bin/bash
# The unit tests (tests/unit/*_test.c, built by make testprogs into
# build/tests/unit/): the subsystems through their own interfaces. Each
# program records its own cases in $CONCH_RESULTS, so that tests/run's
# closing line counts them with the suites'. Not a shunit2 suite.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
dir=${CONCH_UNITS:-$TOP/build/tests/unit}
results=${CONCH_RESULTS:-/dev/null}

shopt -s nullglob
units=("$dir"/*_test)
if [ ${#units[@]} -eq 0 ]; then
	echo "SKIP unit all (no unit test programs in $dir: make testprogs builds them; the VM runs none)" >>"$results"
	echo "no unit test programs in $dir"
	exit 0
fi
rc=0
for u in "${units[@]}"; do
	name=$(basename "$u" _test)
	before=$(grep -c " unit-$name " "$results" 2>/dev/null)
	"$u"
	st=$?
	after=$(grep -c " unit-$name " "$results" 2>/dev/null)
	# A program that died before recording its cases fails as a whole.
	if [ "$st" -gt 1 ] || { [ "$st" -ne 0 ] && [ "$after" -eq "$before" ]; }; then
		echo "FAIL unit-$name all (exited with status $st)" >>"$results"
	fi
	[ "$st" -eq 0 ] || rc=1
done
exit $rc

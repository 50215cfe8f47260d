#!/bin/bash
# scfilter --learn: what learning costs a busybox script (ls, cat, a pipe,
# a subshell, a few forks and execs), against running it plainly (target:
# below 3x) and against strace -f -c, the usual way to find the calls
# (target: faster). Each call of PROG waits for the supervisor's answer.
. "$(dirname "$0")/lib.sh"
bb=$(command -v busybox) || { echo "bench: needs busybox" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
script='for i in 1 2 3; do ls / | cat >/dev/null; (cat /etc/hostname) >/dev/null; done'
printf '%s\n' "$script" >"$dir/s.sh"
cmds=("busybox script" "$bb sh $dir/s.sh"
	"scfilter --learn" "scfilter --learn $dir/p $bb sh $dir/s.sh")
if command -v strace >/dev/null; then
	cmds+=("strace -f -c" "strace -f -c -o /dev/null $bb sh $dir/s.sh")
fi
medians "${cmds[@]}" || exit 1
echo "learning/plain: $(ratio "${MEDIANS[1]}" "${MEDIANS[0]}") (target below 3)"
[ ${#MEDIANS[@]} -lt 3 ] ||
	echo "learning/strace -f -c: $(ratio "${MEDIANS[1]}" "${MEDIANS[2]}") (target below 1)"
echo "calls notified per run: $(scfilter --trace "$bb" sh "$dir/s.sh" 2>&1 | grep -c '^scfilter: \[')"

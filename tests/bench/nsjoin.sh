#!/bin/bash
# nsjoin against util-linux nsenter, as root, entering every namespace of a
# running container (and forking for its pid namespace): our own work
# before exec should vanish in the kernel's.
. "$(dirname "$0")/lib.sh"
nsnew -Ur -mpuinCT --mount-proc sleep 1000 &
parent=$!
trap 'kill -KILL $parent' EXIT
for _ in $(seq 50); do
	read -r pid _ <"/proc/$parent/task/$parent/children" 2>/dev/null
	[ "$(cat "/proc/${pid:-0}/comm" 2>/dev/null)" = sleep ] && break
	sleep 0.1
done
medians "nsjoin PID true" "nsjoin $pid /bin/true" \
	"nsenter -t PID -a true" "nsenter -t $pid -a /bin/true" || exit 1
a=${MEDIANS[0]} b=${MEDIANS[1]}
echo "nsjoin/nsenter: $(ratio "$a" "$b")"

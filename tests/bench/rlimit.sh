#!/bin/bash
# rlimit against its peers, prlimit(1) (util-linux) and s6-softlimit (s6),
# setting the same soft limits before /bin/true: one execve more than
# PROG alone, and a setrlimit per limit. s6-softlimit sets soft limits
# only, so the request is soft limits below the hard ones.
. "$(dirname "$0")/lib.sh"
medians "true" /bin/true \
	"rlimit nofile=512: core=0: true" "rlimit nofile=512: core=0: /bin/true" \
	"prlimit --nofile=512: --core=0: true" "prlimit --nofile=512: --core=0: /bin/true" \
	"s6-softlimit -o 512 -c 0 true" "s6-softlimit -o 512 -c 0 /bin/true" || exit 1
t=${MEDIANS[0]} r=${MEDIANS[1]} p=${MEDIANS[2]} s=${MEDIANS[3]}
echo "rlimit/prlimit: $(ratio "$r" "$p")"
echo "rlimit/s6-softlimit: $(ratio "$r" "$s")"
echo "rlimit step over true: $((r - t)) µs"

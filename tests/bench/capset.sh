#!/bin/bash
# capset against setpriv(1) making the same request, as root: one execve
# more than PROG alone, plus capset's own work, most of which is the
# kernel's (each bounding-set drop and credential change is a commit_creds).
. "$(dirname "$0")/lib.sh"
median "true" /bin/true
t=$MEDIAN_US
median "capset --nnp true" capset --nnp /bin/true
median "capset --keep X --user nobody true" capset --keep net_bind_service --user nobody /bin/true
c=$MEDIAN_US
median "setpriv (same request) true" setpriv --reuid=nobody --regid=nogroup --init-groups \
	--inh-caps=-all,+net_bind_service --ambient-caps=+net_bind_service \
	--bounding-set=-all,+net_bind_service /bin/true
s=$MEDIAN_US
echo "capset/setpriv: $(ratio "$c" "$s")"
echo "capset step over true: $((c - t)) µs"

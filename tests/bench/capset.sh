#!/bin/bash
# capset against setpriv(1) making the same request, as root: one execve
# more than PROG alone, plus capset's own work, most of which is the
# kernel's (each bounding-set drop and credential change is a commit_creds).
. "$(dirname "$0")/lib.sh"
setpriv="setpriv --reuid=nobody --regid=nogroup --init-groups"
setpriv="$setpriv --inh-caps=-all,+net_bind_service --ambient-caps=+net_bind_service"
setpriv="$setpriv --bounding-set=-all,+net_bind_service /bin/true"
medians "true" /bin/true \
	"capset --nnp true" "capset --nnp /bin/true" \
	"capset --keep X --user nobody true" \
	"capset --keep net_bind_service --user nobody /bin/true" \
	"setpriv (same request) true" "$setpriv" || exit 1
t=${MEDIANS[0]} c=${MEDIANS[2]} s=${MEDIANS[3]}
echo "capset/setpriv: $(ratio "$c" "$s")"
echo "capset step over true: $((c - t)) µs"

#!/bin/bash
# capset's cost: a whole `capset --keep X --user nobody PROG` against PROG
# alone and against setpriv(1) doing the same, with hyperfine. The difference
# to /bin/true is one more execve plus capset's own work, most of which is
# the kernel's (each bounding-set drop and each credential change is a
# commit_creds()). Needs root; CONCH_BIN selects the binaries (e.g. static/).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CONCH_BIN:-$top/bin}
command -v hyperfine >/dev/null || { echo "capset bench: needs hyperfine" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "capset bench: needs root" >&2; exit 1; }

hyperfine -N --warmup 50 --runs "${RUNS:-500}" \
	-n true '/bin/true' \
	-n 'capset --nnp' "$bin/capset --nnp /bin/true" \
	-n 'capset --keep net_bind_service --user nobody' \
	"$bin/capset --keep net_bind_service --user nobody /bin/true" \
	-n 'setpriv (same request)' \
	'setpriv --reuid=nobody --regid=nogroup --init-groups --inh-caps=-all,+net_bind_service --ambient-caps=+net_bind_service --bounding-set=-all,+net_bind_service /bin/true'

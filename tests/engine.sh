# shellcheck shell=bash
# What tests/podman_test.sh and tests/docker_test.sh both ask of conch
# through their engine: the same commands, the same answers. ENGINE is
# the suite's function for the engine's command line (P, D), RUN its
# `run --runtime conch` (R), CONCH_ROOT the --root the engine gives conch.
# shellcheck disable=SC2016 # expanded by the sh of the container

# engine_run_status RUN: run --rm, the status passed through: 127 and 126
# by the error's text, as the engine reads conch's log.
engine_run_status() {
	local run=$1
	assert_ok "$run" --rm conch-busybox:1 echo hello
	assert_out "hello"
	run "$run" --rm conch-busybox:1 sh -c 'exit 7'
	assert_rc 7
	run "$run" --rm conch-busybox:1 nosuch
	assert_rc 127
	assert_contains "$ERR" 'exec: "nosuch": executable file not found in $PATH'
	run "$run" --rm conch-busybox:1 /etc/passwd
	assert_rc 126
}

# engine_lifecycle ENGINE RUN: run -d, exec (its status, -u, -w, -e),
# stop (SIGTERM, then SIGKILL after the timeout), logs, kill.
engine_lifecycle() {
	local e=$1 run=$2 id
	id=$("$run" -d conch-busybox:1 sh -c 'echo started; trap "echo term; exit 3" TERM
		while :; do sleep 0.1; done')
	assertEquals "runs" running "$("$e" inspect -f '{{.State.Status}}' "$id")"
	assertEquals "conch's state" running \
		"$(conch --root "$CONCH_ROOT" state "$id" | jq -r .status)"
	run "$e" exec "$id" sh -c 'echo "in $(hostname)"; exit 5'
	assert_rc 5
	assert_out "in ${id:0:12}"
	run "$e" exec -u 1000:1000 -w /tmp -e X=y "$id" sh -c 'id -u; pwd; echo $X'
	assert_out "$(printf '1000\n/tmp\ny')"
	# stop: SIGTERM, which the trap turns into status 3.
	assert_ok "$e" stop -t 5 "$id"
	assertEquals "status" 3 "$("$e" inspect -f '{{.State.ExitCode}}' "$id")"
	run "$e" logs "$id"
	assert_out "$(printf 'started\nterm')"
	assert_ok "$e" rm "$id"
	nothing_of "$id"
	# stop when SIGTERM is ignored: SIGKILL after the timeout.
	id=$("$run" -d conch-busybox:1 sh -c 'trap "" TERM; while :; do sleep 0.1; done')
	assert_ok "$e" stop -t 1 "$id"
	assertEquals "killed" 137 "$("$e" inspect -f '{{.State.ExitCode}}' "$id")"
	assert_ok "$e" rm "$id"
	id=$("$run" -d conch-busybox:1 sleep 100)
	assert_ok "$e" kill "$id"
	assertEquals "killed" 137 "$("$e" inspect -f '{{.State.ExitCode}}' "$id")"
	assert_ok "$e" rm "$id"
	nothing_of "$id"
}

# engine_caps_user_env RUN: --cap-drop/--cap-add, --user, -w, -e.
engine_caps_user_env() {
	local run=$1
	assert_ok "$run" --rm --cap-drop all --cap-add net_raw conch-busybox:1 \
		grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status
	assert_out "$(printf 'CapPrm:\t0000000000002000\nCapEff:\t0000000000002000\nCapBnd:\t0000000000002000')"
	assert_ok "$run" --rm --cap-drop chown conch-busybox:1 sh -c 'chown 1 /tmp 2>&1; echo $?'
	assert_contains "$OUT" "Operation not permitted"
	assert_ok "$run" --rm --user 1000:1000 -w /tmp -e FOO=bar conch-busybox:1 \
		sh -c 'id -u; id -g; pwd; echo $FOO; grep ^CapEff /proc/self/status'
	assert_out "$(printf '1000\n1000\n/tmp\nbar\nCapEff:\t0000000000000000')"
}

# engine_seccomp RUN: --security-opt seccomp=PROFILE, and the engine's
# default profile with no-new-privileges.
engine_seccomp() {
	local run=$1
	cat >"$T/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
	run "$run" --rm --security-opt seccomp="$T/profile.json" conch-busybox:1 \
		sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/d'
	assert_rc 1
	assert_out "$(printf 'NoNewPrivs:\t0\nSeccomp:\t2')"
	assert_contains "$ERR" "Operation not permitted"
	assert_ok "$run" --rm --security-opt no-new-privileges conch-busybox:1 \
		grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status
	assert_out "$(printf 'NoNewPrivs:\t1\nSeccomp:\t2')"
}

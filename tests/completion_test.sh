#!/bin/bash
# The bash completions, driven as bash drives them (COMP_WORDS, COMP_CWORD,
# the function that `complete -p TOOL` names), and the zsh ones loaded by a
# real zsh. Values are completed, not just option names.
. "$(dirname "$0")/lib.sh"

# assert_offers TOOL WORD... '::' EXPECTED...: each EXPECTED is offered.
assert_offers() {
	local words=() got w
	while [ $# -gt 0 ] && [ "$1" != "::" ]; do words+=("$1"); shift; done
	shift
	got=$(complete_words "${words[@]}")
	for w; do
		grep -qxF -- "$w" <<<"$got" || fail "[${words[*]}] does not offer '$w' (offers: $(echo $got | cut -c1-200))"
	done
}

# assert_not_offers TOOL WORD... '::' UNEXPECTED...
assert_not_offers() {
	local words=() got w
	while [ $# -gt 0 ] && [ "$1" != "::" ]; do words+=("$1"); shift; done
	shift
	got=$(complete_words "${words[@]}")
	for w; do
		grep -qxF -- "$w" <<<"$got" && fail "[${words[*]}] offers '$w'"
	done
	return 0
}

set_up() {
	[ -f "$BASH_COMPLETION" ] || skip "needs bash-completion"
}

test_nsnew() {
	[ -z "$_skipped" ] || return 0
	assert_offers nsnew --prop :: --propagation
	assert_offers nsnew -- :: --map-root --map-auto --map --pin --netns --init --hostname
	assert_offers nsnew --propagation "" :: private slave shared unchanged
	assert_offers nsnew --setgroups "" :: allow deny
	assert_offers nsnew --map "" :: u: g: b:
	mkdir "$T/dir1" "$T/dir2"
	touch "$T/file"
	assert_offers nsnew --pin "$T/di" :: "$T/dir1" "$T/dir2"
	assert_not_offers nsnew --pin "$T/" :: "$T/file"
	# After the options, PROG is a command, then its own arguments.
	assert_offers nsnew -U --map-root ech :: echo
	assert_not_offers nsnew -U echo --pr :: --propagation
}

test_cgmake() {
	[ -z "$_skipped" ] || return 0
	assert_offers cgmake --o :: --owner
	assert_offers cgmake -- :: --show --delete --owner --root --timeout
	assert_offers cgmake --owner "" :: root
	assert_offers cgmake /x cgroup.freeze= :: cgroup.freeze=0 cgroup.freeze=1
	assert_offers cgmake /x -- ech :: echo
	need_cg || return 0
	local A
	cg_new A comp
	mkdir -p "$R/$A/sub"
	# Cgroup paths, absolute and relative to this shell's cgroup (the root's).
	assert_offers cgmake "/$A/" :: "/$A/sub/"
	assert_offers cgmake "$A/s" :: "$A/sub/"
	assert_offers cgmake -s "/${A%?}" :: "/$A/"
	# After CGROUP: its interface files, with '='; for a new one, those
	# of the nearest that exists, and the limits its controllers bring.
	assert_offers cgmake "/$A/sub" cgroup.max.d :: cgroup.max.depth=
	assert_offers cgmake "/$A/new/deeper" mem :: memory.max= memory.high=
	assert_not_offers cgmake "/$A/sub" cgroup. :: cgroup.controllers= cgroup.events=
	assert_not_offers cgmake "/$A/sub" c :: cpu.pressure=
	assert_not_offers cgmake -s "/$A/sub" cgroup. :: cgroup.max.depth=
}

test_cgput() {
	[ -z "$_skipped" ] || return 0
	assert_offers cgput --p :: --pid
	assert_offers cgput -- :: --pid --root --verbose
	assert_offers cgput -p "$$" :: "$$"
	assert_offers cgput /x ech :: echo
	need_cg || return 0
	local A
	cg_new A compput
	mkdir -p "$R/$A/sub"
	assert_offers cgput "/$A/" :: "/$A/sub/"
	assert_offers cgput -p 1 "/$A/s" :: "/$A/sub/"
}

test_nsjoin() {
	[ -z "$_skipped" ] || return 0
	assert_offers nsjoin --cgr :: --cgroup --cgroupns
	assert_offers nsjoin --ns net,u :: net,user net,uts
	assert_offers nsjoin "$$" :: "$$"
	mkdir "$T/pin"
	assert_offers nsjoin "$T/pi" :: "$T/pin"
	assert_offers nsjoin --net=/proc/self/ns/n :: /proc/self/ns/net
	assert_offers nsjoin -n "$$" ech :: echo
	assert_offers nsjoin --net=/proc/self/ns/net ech :: echo
	assert_not_offers nsjoin "$$" echo --cg :: --cgroup
}

test_idmap() {
	[ -z "$_skipped" ] || return 0
	assert_offers idmap --set :: --setgroups
	assert_offers idmap --setgroups "" :: allow deny
	assert_offers idmap -u "" :: "0:$(id -u):1"
	assert_offers idmap "$$" :: "$$"
	assert_offers idmap -a "$$" ech :: echo
}

test_capset() {
	[ -z "$_skipped" ] || return 0
	assert_offers capset --keep net_b :: net_bind_service net_broadcast
	assert_offers capset --keep net_bind_service,sys_ch :: net_bind_service,sys_chroot
	assert_offers capset --user nob :: nobody
	assert_offers capset --securebits +no :: +noroot +no-setuid-fixup
	assert_offers capset --bounding -al :: -all
	assert_offers capset --ca :: --caps
	assert_offers capset -k all ech :: echo
}

test_pivot() {
	[ -z "$_skipped" ] || return 0
	assert_offers pivot --no :: --no-dev --no-proc --no-sys --no-tmp
	assert_offers pivot --unm :: --unmask
	assert_offers pivot --unmask /proc/k :: /proc/kcore /proc/keys
	assert_offers pivot --unmask a :: all
	assert_offers pivot --mask /proc/sys "$T" ech :: echo
	assert_offers pivot --id :: --idmap
	mkdir "$T/dir"
	touch "$T/file"
	assert_offers pivot --chdir "$T/d" :: "$T/dir"
	assert_offers pivot "$T/" :: "$T/dir"
	assert_not_offers pivot "$T/" :: "$T/file"
	assert_offers pivot --bind "$T/fi" :: "$T/file"
	assert_offers pivot "$T" ech :: echo
}

test_mkrootfs() {
	[ -z "$_skipped" ] || return 0
	assert_offers mkrootfs --im :: --image
	assert_offers mkrootfs --print :: --print-config --print-config=
	assert_offers mkrootfs --print-config=w :: workdir
	assert_offers mkrootfs --extras gconv,ce :: gconv,certs
	assert_offers mkrootfs -e te :: terminfo
	mkdir "$T/dir"
	touch "$T/img.tar"
	assert_offers mkrootfs --image "$T/im" :: "$T/img.tar"
	assert_offers mkrootfs --image "$T/img.tar" "$T/d" :: "$T/dir"
	assert_offers mkrootfs -e all "$T/dir" ech :: echo
}

test_rlimit() {
	[ -z "$_skipped" ] || return 0
	assert_offers rlimit --oom :: --oom-score-adj
	assert_offers rlimit no :: nofile=
	assert_offers rlimit nofile= :: nofile=unlimited
	assert_offers rlimit -o "" :: 0 1000
	# After the first word without '=', PROG and its own arguments.
	assert_offers rlimit core=0 ech :: echo
	assert_not_offers rlimit core=0 echo no :: nofile=
}

test_conch() {
	[ -z "$_skipped" ] || return 0
	assert_offers conch --lo :: --log --log-format
	assert_offers conch --log-format "" :: text json
	assert_offers conch cr :: create
	assert_offers conch --root /x ru :: run
	assert_offers conch create --b :: --bundle
	assert_offers conch run -- :: --detach --preserve-fds --no-new-keyring
	assert_offers conch exec -- :: --process --tty --console-socket --cap --apparmor --process-label
	assert_offers conch --root "$T/root" exec --cap CAP_KILL box1 ech :: echo
	assert_offers conch list --format "" :: table json
	mkdir -p "$T/root/box1" "$T/root/box2"
	assert_offers conch --root "$T/root" state b :: box1 box2
	assert_offers conch --root "$T/root" kill box1 "" :: KILL TERM
	assert_offers conch --root "$T/root" exec box1 ech :: echo
	assert_not_offers conch --root "$T/root" exec box1 echo -- :: --tty
}

test_confine() {
	[ -z "$_skipped" ] || return 0
	assert_offers confine --tcp :: --tcp-bind --tcp-connect
	assert_offers confine -- :: --ro --rx --rw --scope --rules --best-effort --apparmor
	assert_offers confine --tcp-bind "" :: none any
	assert_offers confine --scope sig :: signal
	assert_offers confine --scope signal,ab :: signal,abstract-unix
	mkdir "$T/dir"
	touch "$T/file"
	assert_offers confine --rw "$T/di" :: "$T/dir"
	assert_offers confine --rules "$T/fi" :: "$T/file"
	assert_offers confine --ro / --rw /tmp ech :: echo
	assert_not_offers confine --ro / echo --r :: --rw
}

test_netmake() {
	[ -z "$_skipped" ] || return 0
	assert_offers netmake --pu :: --publish
	assert_offers netmake -- :: --bridge --addr --nat --isolate --dns --hostname --show --delete --print-etc
	assert_offers netmake box -- ech :: echo
	mkdir -p "$T/d"
	assert_offers netmake --print-etc box "$T/" :: "$T/d"
	# NAME from the pins in /run/netns.
	if is_root && [ -d /run/netns ]; then
		ip netns add "comp$$" || return 0
		defer "ip netns del comp$$"
		assert_offers netmake -s "comp$$" :: "comp$$"
		assert_offers netmake -d "comp" :: "comp$$"
	fi
	if is_root && ip link add "cbr$$" type bridge 2>/dev/null; then
		defer "ip link del cbr$$"
		assert_offers netmake box --bridge "cbr" :: "cbr$$"
	fi
}

test_zsh_completions_load() {
	need_cmd zsh || return 0
	local f t
	for f in "$CONCH_ZSHCOMPDIR"/_*; do
		t=${f##*/_}
		run zsh -fc "fpath=('$CONCH_ZSHCOMPDIR' \$fpath)
			autoload -U compinit && compinit -u -d $T/zcompdump &&
			[ \"\${_comps[$t]}\" = _$t ] && autoload +X _$t"
		assertEquals "zsh loads _$t (stderr: $ERR)" 0 "$RC"
		assertEquals "zsh loads _$t quietly" "" "$ERR"
	done
}

. shunit2

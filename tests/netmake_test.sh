#!/bin/bash
# netmake on the real kernel: namespaces wired to bridges of the test's
# own, published ports answered by busybox httpd, NAT out through an
# "uplink" namespace the test makes, isolation, -s and -d. iproute2 and
# nftables are the oracles: `ip -o link`, `nft list ruleset` and
# /run/netns are compared before and after. Traffic stays on this host.
. "$(dirname "$0")/lib.sh"

# Subnets 10.231.X.0/24 and names with our PID: nothing of the host's.
P=$$

# netmake, like ip netns add, makes /run/netns a shared mount (a bind on
# itself) and leaves it; the suites after this one find it as they would
# have: undone at the end when it was no mount point before.
NETNS_MOUNTED=$(awk '$5 == "/run/netns"' /proc/self/mountinfo)
# --nat leaves net.ipv4.ip_forward on, as docker does; the host gets
# back what it had.
IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
one_time_tear_down() {
	if is_root && [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$IP_FORWARD" ]; then
		echo "$IP_FORWARD" >/proc/sys/net/ipv4/ip_forward
	fi
	if [ -z "$NETNS_MOUNTED" ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
		while awk '$5 == "/run/netns" { f = 1 } END { exit !f }' /proc/self/mountinfo; do
			umount /run/netns || break
		done
	fi
}

need_net() {
	need_root || return 1
	need_cmd curl || return 1
	need_cmd busybox || return 1
	if ! ip link add "nmprobe$P" type bridge 2>/dev/null; then
		skip "this kernel makes no bridge (modprobe bridge veth nf_tables)"
		return 1
	fi
	ip link del "nmprobe$P"
}

# snapshot: the host's links (names), tables, the rules of conch's and
# the pins. Other suites may run beside this one: their links and pins
# (no veth*, and without our PID) are not looked at.
snapshot() {
	ip -o link | awk '{ print $2 }' | sed 's/@.*//; s/:$//' |
		grep -E "^veth|$P" | sort
	nft list tables 2>&1
	nft list table inet conch 2>/dev/null
	ls /run/netns 2>/dev/null | grep "$P"
	ls /run/netmake 2>/dev/null
}

# net NAME ARG...: netmake NAME ARG..., removed at tearDown.
net() {
	local name=$1
	shift
	defer "netmake -d $name 2>/dev/null; true"
	assert_ok netmake "$name" "$@"
}

# httpd NAME PORT: busybox httpd in network NAME on PORT, as the test
# user (an unprivileged process binds port 80 there), serving $T/www.
httpd() {
	mkdir -p "$T/www/cgi-bin"
	chmod 755 "$T" "$T/www" "$T/www/cgi-bin"
	echo "hello from $1" >"$T/www/index.html"
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
		>"$T/www/cgi-bin/ip"
	chmod 755 "$T/www/cgi-bin/ip"
	spawn "httpd-$1" nsjoin --net="/run/netns/$1" setpriv --reuid="$TEST_UID" \
		--regid="$TEST_GID" --clear-groups busybox httpd -f -p "$2" -h "$T/www"
	defer "kill \$(ip netns pids $1) 2>/dev/null; true"
	wait_for "[ -n \"\$(ip netns pids $1)\" ]"
	sleep 0.2
}

# inside NAME CMD...: CMD in network NAME.
inside() {
	local name=$1
	shift
	nsjoin --net="/run/netns/$name" "$@"
}

fetch() {
	curl -s -m 3 "$@"
}

test_publish_answers_on_loopback_and_bridge() {
	need_net || return 0
	need_user || return 0
	net "web$P" -b "nb$P" --addr 10.231.1.2/24 -p 18080:80
	httpd "web$P" 80
	assertEquals "127.0.0.1" "hello from web$P" "$(fetch http://127.0.0.1:18080/)"
	assertEquals "bridge" "hello from web$P" "$(fetch http://10.231.1.1:18080/)"
	local host
	host=$(ip -4 -o addr show scope global | awk '$2 != "nb'$P'" { sub("/.*", "", $4); print $4; exit }')
	if [ -n "$host" ]; then
		assertEquals "$host" "hello from web$P" "$(fetch "http://$host:18080/")"
	fi
	# Another port of the host is not the container's.
	assertEquals "" "$(fetch http://127.0.0.1:18089/)"
}

test_udp_and_hostip() {
	need_net || return 0
	net "udp$P" -b "nb$P" --addr 10.231.6.2/24 -p 127.0.0.1:18084:80/udp \
		-p 127.0.0.1:18085:80
	run netmake -s "udp$P"
	assert_contains "$OUT" "publish 127.0.0.1:18084:80/udp"
	assert_contains "$OUT" "ip daddr 127.0.0.1 udp dport 18084 dnat ip to 10.231.6.2:80"
}

test_members_reach_each_other_unless_isolated() {
	need_net || return 0
	need_user || return 0
	net "a$P" -b "nb$P" --addr 10.231.2.2/24
	net "b$P" -b "nb$P"
	net "c$P" -b "nb$P" --isolate
	httpd "a$P" 80
	assertEquals "b -> a" "hello from a$P" "$(inside "b$P" curl -s -m 3 http://10.231.2.2/)"
	run inside "c$P" curl -s -m 2 http://10.231.2.2/
	assertEquals "c (isolated) -> a" 28 "$RC"
	# The isolated one still reaches the host.
	run inside "c$P" curl -s -m 2 -o /dev/null http://10.231.2.1:1/
	assertEquals "c -> host: refused, not dropped" 7 "$RC"
}

test_isolated_is_not_reached() {
	need_net || return 0
	need_user || return 0
	net "d$P" -b "nb$P" --addr 10.231.3.2/24 --isolate
	net "e$P" -b "nb$P"
	httpd "d$P" 80
	run inside "e$P" curl -s -m 2 http://10.231.3.2/
	assertEquals "e -> d (isolated)" 28 "$RC"
	assertEquals "host -> d" "hello from d$P" "$(fetch http://10.231.3.2/)"
}

# An "uplink": namespace up$P, reached from the host by a veth, with a
# server that prints the address it sees.
uplink() {
	ip netns add "up$P" || return 1
	defer "ip netns del up$P"
	ip link add "nu$P" type veth peer name eth0 netns "up$P" || return 1
	defer "ip link del nu$P 2>/dev/null; true"
	ip addr add 198.51.100.1/24 dev "nu$P"
	ip link set "nu$P" up
	ip -n "up$P" addr add 198.51.100.2/24 dev eth0
	ip -n "up$P" link set eth0 up
	ip -n "up$P" link set lo up
	mkdir -p "$T/www/cgi-bin"
	chmod 755 "$T" "$T/www" "$T/www/cgi-bin"
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
		>"$T/www/cgi-bin/ip"
	chmod 755 "$T/www/cgi-bin/ip"
	spawn uplink ip netns exec "up$P" busybox httpd -f -p 8080 -h "$T/www"
	defer "kill \$(ip netns pids up$P) 2>/dev/null; true"
	wait_for "fetch http://198.51.100.2:8080/cgi-bin/ip >/dev/null"
}

test_nat_through_uplink() {
	need_net || return 0
	uplink || { fail "uplink"; return 0; }
	net "nat$P" -b "nb$P" --addr 10.231.4.2/24 --nat
	assertEquals "forwarding on" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
	assertEquals "the source the server sees: the host's" "[::ffff:198.51.100.1]" \
		"$(inside "nat$P" curl -s -m 3 http://198.51.100.2:8080/cgi-bin/ip)"
	# Without --nat the answer has no way back.
	net "nonat$P" -b "nb$P"
	run inside "nonat$P" curl -s -m 2 http://198.51.100.2:8080/cgi-bin/ip
	assertNotEquals "no NAT, no answer" 0 "$RC"
}

test_show() {
	need_net || return 0
	net "sh$P" -b "nb$P" --addr 10.231.5.7/24 --nat -p 18081:80 --isolate
	run netmake -s "sh$P"
	assert_rc 0
	local want
	for want in "network sh$P root" "pin /run/netns/sh$P" "bridge nb$P" \
		"address 10.231.5.7/24" "gateway 10.231.5.1" "nat on" "isolate on" \
		"publish 0.0.0.0:18081:80/tcp" "link eth0 up" "addr eth0 10.231.5.7/24" \
		"route default via 10.231.5.1 dev eth0" "link lo up" \
		"chain sh$P-pre" "dnat ip to 10.231.5.7:80" "masquerade"; do
		assert_contains "$OUT" "$want"
	done
	local veth
	veth=$(awk '$1 == "veth" { print $2 }' <<<"$OUT")
	assertEquals "the veth is in the bridge" "nb$P" \
		"$(basename "$(readlink "/sys/class/net/$veth/master")")"
	assertEquals "port isolated" 1 "$(cat "/sys/class/net/$veth/brport/isolated")"
	assertEquals "unprivileged ports from 0" 0 \
		"$(inside "sh$P" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)"
}

# PROG runs once the network is made, outside it; its status is ours,
# and the network stays whatever PROG does.
test_prog_after_the_network() {
	need_net || return 0
	defer "netmake -d p$P 2>/dev/null; true"
	run netmake "p$P" -b "nb$P" --addr 10.231.13.2/24 -- \
		sh -c "nsjoin --net=/run/netns/p$P ip -o -4 addr show eth0 | awk '{ print \$4 }'; exit 7"
	assert_rc 7
	assert_out "10.231.13.2/24"
	assertTrue "kept" "[ -e /run/netmake/p$P ]"
	assert_fails 127 "netmake: exec nosuchprog$P: No such file or directory (not found in PATH)" \
		netmake "q$P" -b "nb$P" -- "nosuchprog$P"
	defer "netmake -d q$P 2>/dev/null; true"
}

# The default bridge is made with a free subnet, and goes with its last
# member; a bridge netmake did not make stays.
test_delete_leaves_nothing() {
	need_net || return 0
	local before
	before=$(snapshot)
	assert_ok netmake "x$P" -b "nb$P" --nat -p 18082:80 --isolate --dns 192.0.2.53
	assert_ok netmake "y$P" -b "nb$P" -p 18083:80/udp
	assertNotEquals "made" "$before" "$(snapshot)"
	assertTrue "pinned" "[ -e /run/netns/x$P ]"
	assert_ok ip netns exec "x$P" true
	assert_ok netmake -d "x$P"
	assertTrue "bridge kept for y" "[ -e /sys/class/net/nb$P ]"
	assert_ok netmake -d "y$P"
	assert_out ""
	assert_err ""
	assertEquals "links, rules, pins" "$before" "$(snapshot)"
	# A bridge of the host's own stays.
	ip link add "hb$P" type bridge
	ip addr add 10.231.9.1/24 dev "hb$P"
	defer "ip link del hb$P"
	before=$(snapshot)
	assert_ok netmake "z$P" -b "hb$P"
	assert_ok netmake -d "z$P"
	assertEquals "host bridge kept" "$before" "$(snapshot)"
}

test_other_tables_survive() {
	need_net || return 0
	nft -f - <<-EOF
	table inet keep$P {
		chain input { type filter hook input priority 0; policy accept; tcp dport 1 counter accept; }
	}
	EOF
	defer "nft delete table inet keep$P"
	local before
	before=$(nft list table inet "keep$P")
	net "k$P" -b "nb$P" --addr 10.231.8.2/24 --nat -p 18086:80
	assert_ok netmake -d "k$P"
	assertEquals "table keep$P untouched" "$before" "$(nft list table inet "keep$P")"
	run nft list table inet conch
	assertNotEquals "table conch gone" 0 "$RC"
}

# The container cannot rewire what netmake made: its user namespace holds
# no capability over a namespace the host's root owns.
test_container_cannot_rewire() {
	need_net || return 0
	net "r$P" -b "nb$P" --addr 10.231.7.2/24 --isolate
	run inside "r$P" nsnew -U --map-root ip addr add 10.231.7.3/24 dev eth0
	assertNotEquals "address" 0 "$RC"
	assert_contains "$ERR" "Operation not permitted"
	run inside "r$P" nsnew -U --map-root ip route add 10.231.2.0/24 via 10.231.7.1
	assertNotEquals "route" 0 "$RC"
	run inside "r$P" nsnew -U --map-root nft add table inet evil
	assertNotEquals "nftables" 0 "$RC"
	run inside "r$P" nsnew -U --map-root ip link set eth0 nomaster
	assertNotEquals "link" 0 "$RC"
	assertEquals "address unchanged" "10.231.7.2/24" \
		"$(ip -n "r$P" -4 -o addr show eth0 | awk '{ print $4 }')"
}

test_bad_input() {
	need_net || return 0
	local before
	net "bad$P" -b "nb$P" --addr 10.231.10.2/24
	before=$(snapshot)
	assert_fails 125 "netmake: --addr '10.0.0.300/24': not an IPv4 address with its prefix (A.B.C.D/N)" \
		netmake "n$P" --addr 10.0.0.300/24
	assert_fails 125 "netmake: --addr '10.0.0.3': not an IPv4 address with its prefix (A.B.C.D/N)" \
		netmake "n$P" --addr 10.0.0.3
	assert_fails 125 "netmake: --addr 10.232.0.5/24: outside bridge nb$P's subnet 10.231.10.0/24" \
		netmake "n$P" -b "nb$P" --addr 10.232.0.5/24
	assert_fails 125 "netmake: --addr 10.231.10.1/24: the bridge's own address of bridge nb$P's subnet 10.231.10.0/24" \
		netmake "n$P" -b "nb$P" --addr 10.231.10.1/24
	assert_fails 125 "netmake: --addr 10.231.10.2/24: network bad$P has it" \
		netmake "n$P" -b "nb$P" --addr 10.231.10.2/24
	assert_fails 125 "netmake: network bad$P exists (/run/netmake/bad$P is there; netmake -d bad$P removes what netmake made)" \
		netmake "bad$P"
	assert_fails 125 "netmake: --bridge 'abcdefghijklmnop': longer than 15 bytes (IFNAMSIZ)" \
		netmake "n$P" -b abcdefghijklmnop
	assert_fails 125 "netmake: -d nope$P: no such network (no /run/netmake/nope$P)" \
		netmake -d "nope$P"
	assert_fails 125 "netmake: NAME '1x': a letter, then letters, digits, '_', '.' or '-' (64 at most)" \
		netmake 1x
	assert_fails 125 "netmake: --publish '80': expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp], ports 1 to 65535" \
		netmake "n$P" -p 80
	mkdir -p "$T/www"
	spawn listener sh -c "echo \$\$ >$T/listener.pid; exec busybox httpd -f -p 18087 -h $T/www"
	wait_for "fetch -o /dev/null http://127.0.0.1:18087/"
	assert_fails 125 "netmake: --publish 0.0.0.0:18087:80/tcp: host port 18087 is in use" \
		netmake "n$P" -p 18087:80
	kill "$(cat "$T/listener.pid")"
	assertEquals "nothing left" "$before" "$(snapshot)"
}

# A signal as the veth is asked for (the second netlink request that
# makes a link: the bridge was the first): the bridge, the pin and all
# go, and netmake dies of the signal.
test_interrupted_leaves_nothing() {
	need_net || return 0
	need_cmd strace || return 0
	local before sig n
	before=$(snapshot)
	for sig in INT TERM HUP; do
		n=$(kill -l $sig)
		run strace -qq -o /dev/null -e trace=sendto \
			-e inject=sendto:signal=SIG$sig:when=5 \
			netmake "i$P" -b "nb$P" --addr 10.231.11.2/24 --nat -p 18088:80
		assert_rc $((128 + n))
		assert_contains "$ERR" "netmake: interrupted by SIG$sig"
		assertEquals "$sig: nothing left" "$before" "$(snapshot)"
	done
}

# resolv.conf, hosts and hostname into a root; a link there is replaced,
# never written through.
test_print_etc() {
	need_net || return 0
	net "etc$P" -b "nb$P" --addr 10.231.12.2/24 --dns 192.0.2.53 --dns 192.0.2.54 \
		--hostname web
	mkdir -p "$T/root/etc"
	echo keep >"$T/target"
	ln -s "$T/target" "$T/root/etc/resolv.conf"
	assert_ok netmake --print-etc "etc$P" "$T/root"
	assertEquals "resolv.conf" "$(printf 'nameserver 192.0.2.53\nnameserver 192.0.2.54')" \
		"$(cat "$T/root/etc/resolv.conf")"
	assertFalse "a file now" "[ -L $T/root/etc/resolv.conf ]"
	assertEquals "link target untouched" keep "$(cat "$T/target")"
	assert_contains "$(cat "$T/root/etc/hosts")" "$(printf '10.231.12.2\tweb')"
	assertEquals "hostname" web "$(cat "$T/root/etc/hostname")"
	mkdir "$T/none"
	assert_fails 125 "netmake: open $T/none/etc: No such file or directory (mkrootfs DIR makes it)" \
		netmake --print-etc "etc$P" "$T/none"
	assert_fails 125 "netmake: --dns '1.2.3': not an IPv4 address" \
		netmake "n$P" --dns 1.2.3
	assert_fails 125 "netmake: the wiring options are for making a network, not with -s, -d or --print-etc" \
		netmake -s "etc$P" --nat
}

# --- rootless, through pasta ------------------------------------------------

# need_pasta: the test user with a runtime directory ($T/run), and a tun
# device node of mode 0666 ($T/tun) that as_rootless binds over
# /dev/net/tun in a private mount namespace: the host's own stays as it is.
need_pasta() {
	need_user || return 1
	need_cmd pasta || return 1
	if [ ! -c /dev/net/tun ]; then
		skip "no /dev/net/tun in this kernel (modprobe tun)"
		return 1
	fi
	if [ -z "$(ip route show default)" ]; then
		skip "pasta needs a route out of the host, and there is none"
		return 1
	fi
	chmod 755 "$T"
	mkdir -p "$T/run"
	chown "$TEST_UID:$TEST_GID" "$T/run"
	chmod 700 "$T/run"
	mknod "$T/tun" c 10 200 && chmod 666 "$T/tun"
}

# as_rootless CMD...: CMD as the test user, with XDG_RUNTIME_DIR and a
# usable /dev/net/tun.
as_rootless() {
	unshare -m sh -c 'mount --bind "$0" /dev/net/tun && exec "$@"' "$T/tun" \
		setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups \
		--inh-caps=-all -- env HOME=/ XDG_RUNTIME_DIR="$T/run" PATH="$PATH" "$@"
}

test_rootless_pasta() {
	need_pasta || return 0
	local pin=$T/run/netns/rl$P host
	assert_ok as_rootless netmake "rl$P" -p 18092:80
	defer "as_rootless netmake -d rl$P 2>/dev/null; true"
	assertTrue "pin: user" "[ -L $pin/user ]"
	assertTrue "pin: net" "[ -L $pin/net ]"
	mkdir -p "$T/www"
	echo "hello rootless" >"$T/www/index.html"
	chmod -R 755 "$T/www"
	# A server in the container, on port 80, published as 18092.
	spawn rlhttpd as_rootless sh -c "echo \$\$ >$T/run/rlhttpd.pid; exec nsjoin $pin busybox httpd -f -p 80 -h $T/www"
	wait_for "[ -s $T/run/rlhttpd.pid ]"
	defer "kill \$(cat $T/run/rlhttpd.pid) 2>/dev/null; true"
	wait_for "fetch http://127.0.0.1:18092/ >/dev/null"
	assertEquals "published" "hello rootless" "$(fetch http://127.0.0.1:18092/)"
	# A server on the host, reached from the container through pasta.
	spawn hosthttpd sh -c "echo \$\$ >$T/hosthttpd.pid; exec busybox httpd -f -p 18093 -h $T/www"
	wait_for "[ -s $T/hosthttpd.pid ]"
	defer "kill \$(cat $T/hosthttpd.pid) 2>/dev/null; true"
	host=$(ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
	wait_for "fetch http://$host:18093/ >/dev/null"
	assertEquals "container -> host" "hello rootless" \
		"$(as_rootless nsjoin "$pin" curl -s -m 3 "http://$host:18093/")"
	# Not the host's loopback through the gateway (--no-map-gw).
	spawn lohttpd sh -c "echo \$\$ >$T/lohttpd.pid; exec busybox httpd -f -p 127.0.0.1:18094 -h $T/www"
	wait_for "[ -s $T/lohttpd.pid ]"
	defer "kill \$(cat $T/lohttpd.pid) 2>/dev/null; true"
	run as_rootless nsjoin "$pin" curl -s -m 2 http://10.0.2.2:18094/
	assert_not_contains "$OUT" "hello" "the host's loopback through the gateway"
	run as_rootless netmake -s "rl$P"
	assert_contains "$OUT" "network rl$P pasta"
	assert_contains "$OUT" "addr eth0 10.0.2.100/24"
	assert_contains "$OUT" "route default via 10.0.2.2 dev eth0"
	local pasta
	pasta=$(awk '$1 == "pasta" { print $2 }' <<<"$OUT")
	assert_contains "$OUT" "pasta $pasta running"
	assert_ok as_rootless netmake -d "rl$P"
	assertFalse "pin gone" "[ -e $pin ]"
	assertEquals "state gone" "" "$(ls "$T/run/netmake")"
	wait_for "! [ -d /proc/$pasta ] || grep -q '^State:.*Z' /proc/$pasta/status"
	assertTrue "pasta gone" "! [ -d /proc/$pasta ] || grep -q '^State:.*Z' /proc/$pasta/status"
}

test_rootless_refusals() {
	need_pasta || return 0
	local mode
	mode=$(stat -c %a /dev/net/tun)
	if [ "$mode" != 666 ]; then
		run setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups \
			--inh-caps=-all -- env XDG_RUNTIME_DIR="$T/run" netmake "rl$P"
		assert_rc 125
		assert_err "netmake: open /dev/net/tun: Permission denied (pasta needs it, and it is mode 0$mode here: as root, chmod 0666 /dev/net/tun, Debian's default, and keep it with a udev rule KERNEL==\"tun\", MODE=\"0666\")"
	fi
	assert_fails 125 "netmake: --addr: only as root (a rootless network is pasta's, with no bridge: 10.0.2.100/24, gateway 10.0.2.2)" \
		as_rootless netmake "rl$P" --addr 10.0.2.5/24
	assert_fails 125 "netmake: XDG_RUNTIME_DIR is not set (rootless networks live there: log in through pam_systemd, or set it to a directory of your own, mode 0700)" \
		as_rootless env -u XDG_RUNTIME_DIR netmake "rl$P"
	assertEquals "nothing left" "" "$(ls -A "$T/run" 2>/dev/null | grep -v '^netmake$')"
}

. shunit2

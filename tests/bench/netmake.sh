#!/bin/bash
# netmake against the same wiring done by ip(8) and nft(8) from a script:
# a namespace pinned in /run/netns, a bridge with its address, a veth
# pair, addresses, routes, the sysctl, NAT and one published port, then
# all of it removed. One process and two netlink families against a dozen
# processes. Then throughput, container to host, with iperf3: veth into
# the bridge against the host's loopback, and rootless pasta against
# slirp4netns. Needs root; makes and removes bench-PID networks.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench: netmake: needs root" >&2; exit 1; }
for c in ip nft iperf3; do
	command -v $c >/dev/null || { echo "bench: netmake: needs $c" >&2; exit 1; }
done
n=bn$$ br=bnb$$ dir=$(mktemp -d)
trap 'netmake -d $n 2>/dev/null; ip netns del ${n}r 2>/dev/null; ip link del ${br}r 2>/dev/null; nft delete table inet bench$$ 2>/dev/null; rm -rf "$dir"' EXIT

cat >"$dir/netmake.sh" <<EOF
netmake $n -b $br --addr 10.232.1.2/24 --nat -p 18180:80 && netmake -d $n
EOF
cat >"$dir/ip.sh" <<EOF
set -e
ip netns add ${n}r
ip link add ${br}r type bridge
ip addr add 10.232.2.1/24 dev ${br}r
ip link set ${br}r up
ip link add v$$ type veth peer name eth0 netns ${n}r
ip link set v$$ master ${br}r up
ip -n ${n}r link set lo up
ip -n ${n}r addr add 10.232.2.2/24 dev eth0
ip -n ${n}r link set eth0 up
ip -n ${n}r route add default via 10.232.2.1
ip netns exec ${n}r sysctl -q net.ipv4.ip_unprivileged_port_start=0
sysctl -q net.ipv4.ip_forward=1
nft -f - <<NFT
table inet bench$$ {
	chain pre { type nat hook prerouting priority dstnat; fib daddr type local tcp dport 18181 dnat ip to 10.232.2.2:80; }
	chain out { type nat hook output priority -100; fib daddr type local tcp dport 18181 dnat ip to 10.232.2.2:80; }
	chain post { type nat hook postrouting priority srcnat; ip saddr 10.232.2.2 oifname != "${br}r" masquerade; }
}
NFT
nft delete table inet bench$$
ip link del v$$
ip link del ${br}r
ip netns del ${n}r
EOF
BENCH_RUNS=${BENCH_RUNS:-40} BENCH_ROUNDS=${BENCH_ROUNDS:-4} \
medians "netmake NAME --nat -p, netmake -d" "bash $dir/netmake.sh" \
	"the same with ip(8) and nft(8)" "bash $dir/ip.sh" || exit 1
ratio "${MEDIANS[0]}" "${MEDIANS[1]}"

# iperf3 -c ADDR from CMD...: the sender's rate, in Gbit/s.
rate() {
	local addr=$1
	shift
	"$@" iperf3 -c "$addr" -t "${BENCH_IPERF_SECONDS:-3}" -J 2>/dev/null |
		awk -F'[:,]' '/"sum_sent"/ { s = 1 } s && /"bits_per_second"/ {
		    printf "%.1f", $2 / 1e9; exit }'
}
# serve ADDR: a one-off iperf3 server on ADDR, in the background.
serve() {
	iperf3 -s -1 -p 5201 -B "$1" >/dev/null 2>&1 &
	sleep 0.5
}
netmake $n -b $br --addr 10.232.1.2/24 || exit 1
serve 10.232.1.1
echo "iperf3 container -> host over veth and the bridge: $(rate 10.232.1.1 nsjoin --net=/run/netns/$n) Gbit/s"
wait
netmake -d $n
serve 127.0.0.1
echo "iperf3 host loopback:                              $(rate 127.0.0.1) Gbit/s"
wait

# Rootless: the suite's user, a 0666 tun node bound over /dev/net/tun in a
# private mount namespace (the host's may be 0600).
user=conchtest
host=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
if ! id -u $user >/dev/null 2>&1 || [ -z "$host" ] || ! command -v pasta >/dev/null; then
	echo "bench: rootless: needs the user $user, pasta and a route out" >&2
	exit 0
fi
uid=$(id -u $user)
mkdir -p "$dir/run" && chown $user "$dir/run" && chmod 700 "$dir/run"
chmod 755 "$dir"
mknod "$dir/tun" c 10 200 && chmod 666 "$dir/tun"
as() {
	unshare -m sh -c 'mount --bind "$0" /dev/net/tun && exec "$@"' "$dir/tun" \
		setpriv --reuid=$uid --regid=$uid --clear-groups --inh-caps=-all -- \
		env HOME=/ XDG_RUNTIME_DIR="$dir/run" PATH="$PATH" "$@"
}
as netmake $n || exit 1
serve "$host"
echo "iperf3 rootless, pasta:       $(rate "$host" as nsjoin "$dir/run/netns/$n") Gbit/s"
wait
as netmake -d $n
# slirp4netns on a user and network namespace of the user's, kept by a
# sleep; the client joins it with nsenter.
if command -v slirp4netns >/dev/null; then
	as sh -c 'unshare -Urn sleep 60 & echo $! >"$0/run/slirp.pid"; wait' "$dir" &
	sleep 0.5
	pid=$(cat "$dir/run/slirp.pid")
	as slirp4netns --configure --mtu=65520 "$pid" tap0 >/dev/null 2>&1 &
	slirp=$!
	sleep 1
	serve "$host"
	echo "iperf3 rootless, slirp4netns: $(rate "$host" as nsenter -t "$pid" -U -n --preserve-credentials) Gbit/s"
	kill "$slirp" "$pid" 2>/dev/null
	wait
fi

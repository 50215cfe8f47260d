#!/bin/bash
# A container with every conch layer, in a few readable steps:
#   examples/container.sh            an interactive shell inside (or, when
#                                    stdin is no terminal, a look around)
#   examples/container.sh CMD...     CMD inside; its status is ours
# As root the container gets a cgroup under the cgroup2 root and runs in
# root's subordinate ID range, never as the host's root; without root, a
# user namespace (with your /etc/subuid range when you have one) and a
# cgroup only where you own a delegated subtree.
set -eu

# The tools of this checkout when they are built and none are on PATH.
here=$(cd "$(dirname "$0")" && pwd)
command -v nsnew >/dev/null || PATH=$here/../bin:$PATH
root=${CONCH_DEMO_ROOT:-${TMPDIR:-/tmp}/conch-demo-$(id -u)}
name=conch-demo

# 1. Who is root inside. Never the host's root: as root, the container's
# IDs 0.. are root's subordinate range (/etc/subuid, /etc/subgid). Without
# root: the caller is root inside, with its subordinate IDs if it has some.
if [ "$(id -u)" -eq 0 ]; then
	if grep -qs '^root:' /etc/subuid && grep -qs '^root:' /etc/subgid; then
		map=(--map-auto)
		first=$(awk -F: '$1 == "root" { print $2; exit }' /etc/subuid)
		firstgid=$(awk -F: '$1 == "root" { print $2; exit }' /etc/subgid)
	else	# a free block for this run; nsnew --map-auto says how to keep one
		first=$(awk -F: '{ e = $2 + $3; if (e > m) m = e }
			END { b = 1000000; while (b < m) b += 65536; print b }' \
			/etc/subuid /etc/subgid 2>/dev/null)
		echo "$0: root has no range in /etc/subuid and /etc/subgid: using" \
			"$first-$((first + 65535)) for this run (add \"root:$first:65536\"" \
			"to both files to keep it)" >&2
		map=(--map "b:0:$first:65536")
		firstgid=$first
	fi
elif grep -qs "^$(id -un):" /etc/subuid; then
	map=(--map-auto)
else
	map=(--map-root)
fi

# Can this kernel show a directory of root's filesystem through an
# idmapped mount (ext4, xfs, btrfs; tmpfs since Linux 6.3)? Tried on an
# empty directory beside the root: pivot gets as far as running a missing
# program (127) only if it could.
can_idmap() {
	local probe rc
	probe=$(mktemp -d "$(dirname "$root")/.conch-idmap.XXXXXX")
	chmod 755 "$probe"
	set +e
	nsnew -U "${map[@]}" -m pivot --idmap --no-proc --no-sys --no-dev \
		--no-tmp --unmask all "$probe" /.missing 2>/dev/null
	rc=$?
	set -e
	rmdir "$probe"
	[ "$rc" -eq 127 ]
}

# 2. A busybox root filesystem, with the conch tools that run after pivot
# (and the programs named in CONCH_DEMO_COPY), and the Landlock rules of
# examples/confine.rules as its /etc/confine.rules. As root, the image
# belongs to the host's root and pivot --idmap shows it as the container
# root's; where the kernel cannot idmap its filesystem, mkrootfs makes it
# under the container's map instead, owned by the container's root.
copy=()
for prog in ${CONCH_DEMO_COPY:-}; do copy+=(--copy "$prog"); done
idmap=() shifted=()
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$(dirname "$root")"
	if can_idmap; then
		idmap=(--idmap)
	else
		echo "$0: this kernel cannot idmap $(stat -f -c %T "$(dirname "$root")"):" \
			"the root is made under the container's map instead" >&2
		shifted=(nsnew -U "${map[@]}")
		mkdir -p "$root"
		chown "$first:$firstgid" "$root"
	fi
fi
"${shifted[@]}" mkrootfs --busybox --tools "${copy[@]}" "$root"
# The rules, and the programs copied in made executable where they are.
rules=$(cat "$here/confine.rules")
for prog in ${CONCH_DEMO_COPY:-}; do rules+=$'\n'"rx $(command -v "$prog")"; done
printf '%s\n' "$rules" >"$root/etc/confine.rules"

# 3. A cgroup with the limits this kernel's cgroup2 tree offers.
cgtree=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
if [ "$(id -u)" -eq 0 ]; then
	cg=/$name-$$ avail=$cgtree/cgroup.controllers
else	# without root: only below our own cgroup, if it was delegated to us
	cg=$name-$$ avail=$cgtree$(sed -n 's/^0:://p' /proc/self/cgroup)/cgroup.controllers
fi
limits=()
grep -qsw pids "$avail" && limits+=(pids.max=64)
grep -qsw memory "$avail" && limits+=(memory.max=256M)
grep -qsw cpu "$avail" && limits+=(cpu.max=50%)
[ ${#limits[@]} -gt 0 ] || echo "$0: no pids, memory or cpu controller in cgroup2 here: no limits" >&2
cgput=()
if cgmake "$cg" "${limits[@]}" 2>/dev/null; then
	cgput=(cgput "$cg")
else
	echo "$0: cannot make cgroup $cg (no delegated subtree?): running without one" >&2
fi

# 4. A network, port 80 of the container published as the host's $port,
# for the shell and the web server (a CMD gets it with CONCH_DEMO_NET=1).
# As root: a veth into the bridge conch0, NAT out, the port published for
# the host (127.0.0.1 too) and other hosts. Without root: pasta, where
# /dev/net/tun and pasta let it. Otherwise none, and why. (The network
# namespace is not the container's user namespace's, so pivot cannot
# mount a sysfs of its own: /sys is the host's, bound read-only.)
port=${CONCH_DEMO_PORT:-8080}
net=$name-$$ join=() ns=(-a) url='' why="not asked for (CONCH_DEMO_NET=1)"
cleanup() {
	[ -z "$url" ] || netmake -d "$net"
	[ ${#cgput[@]} -eq 0 ] || cgmake -d "$cg"
}
trap cleanup EXIT
if { [ $# -eq 0 ] || [ "${CONCH_DEMO_NET:-}" = 1 ]; } &&
	why=$(netmake "$net" --nat --publish "$port:80" --hostname "$name" 2>&1); then
	url=http://127.0.0.1:$port/
	netmake --print-etc "$net" "$root"
	if [ "$(id -u)" -eq 0 ]; then
		join=(nsjoin --net="/run/netns/$net") ns=(-mpuiCT "${map[@]}")
	else	# pasta's user namespace holds the network: join it, make no other
		join=(nsjoin "$XDG_RUNTIME_DIR/netns/$net") ns=(-mpuiCT) idmap=()
	fi
	echo "$0: network $net: $url on this host reaches the container's port 80 (netmake -s $net shows it)" >&2
else
	[ $# -gt 0 ] && [ -z "${CONCH_DEMO_NET:-}" ] ||
		echo "$0: no network for the container: $why" >&2
	ns=(-a "${map[@]}")
fi

# 5. The command: a shell, or a look from inside when nobody types, and
# then a web server whose page the host fetches through the published port.
# shellcheck disable=SC2016 # expanded inside the container
look='echo "I am $(id), on $(hostname)"; echo "processes:" /proc/[0-9]*
	grep -E "^(Cap(Eff|Bnd)|NoNewPrivs|Seccomp):" /proc/self/status
	echo "cgroup: $(cat /proc/self/cgroup)"; mount | cut -d" " -f1-3
	ip -4 -o addr 2>/dev/null | sed "s/^/net: /"'
# shellcheck disable=SC2016 # expanded inside the container
serve='mkdir -p /tmp/www; echo "hello from $(hostname), a conch container" >/tmp/www/index.html
	exec httpd -f -p 80 -h /tmp/www'
background=
if [ $# -eq 0 ] && [ -t 0 ]; then
	set -- /bin/sh
elif [ $# -eq 0 ] && [ -n "$url" ]; then
	set -- /bin/sh -c "$look; $serve"
	background=1
elif [ $# -eq 0 ]; then
	set -- /bin/sh -c "$look"
fi

# 6. The container, one layer per line; each tool execs the next.
container() {
	"${cgput[@]}" \
	"${join[@]}" \
	nsnew "${ns[@]}" --init --hostname "$name" \
	pivot "${idmap[@]}" --ro "$root" \
	capset --keep net_bind_service \
	confine --rules /etc/confine.rules \
	scfilter -f default \
	"$@"
}
if [ -z "$background" ]; then
	container "$@"
	exit
fi
container "$@" &
pid=$!
for _ in $(seq 50); do
	page=$(curl -s -m 1 "$url") && break
	sleep 0.1
done
echo "$0: from the host, curl $url: ${page:-no answer}"
kill "$pid"
wait "$pid" 2>/dev/null || true

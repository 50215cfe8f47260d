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
	trap 'cgmake -d "$cg"' EXIT
else
	echo "$0: cannot make cgroup $cg (no delegated subtree?): running without one" >&2
fi

# 4. The command: a shell, or a look from inside when nobody types.
if [ $# -eq 0 ] && [ -t 0 ]; then
	set -- /bin/sh
elif [ $# -eq 0 ]; then
	# shellcheck disable=SC2016 # expanded inside the container
	set -- /bin/sh -c 'echo "I am $(id), on $(hostname)"; echo "processes:" /proc/[0-9]*
		grep -E "^(Cap(Eff|Bnd)|NoNewPrivs|Seccomp):" /proc/self/status
		echo "cgroup: $(cat /proc/self/cgroup)"; mount | cut -d" " -f1-3'
fi

# 5. The container, one layer per line; each tool execs the next.
"${cgput[@]}" \
nsnew -a --init "${map[@]}" --hostname "$name" \
pivot "${idmap[@]}" --ro "$root" \
capset --keep net_bind_service \
confine --rules /etc/confine.rules \
scfilter -f default \
"$@"

#!/bin/bash
# An initramfs that boots straight into a container: a busybox root made by
# mkrootfs with the static conch tools, and an /init that mounts what a
# system needs, makes a cgroup with limits and a root for the container on
# a tmpfs, starts the container with every layer, then powers off.
#   make static && examples/initramfs.sh [OUT]   (OUT: conch-initramfs.cpio.gz)
#   qemu-system-x86_64 -nographic -no-reboot -m 256M -kernel VMLINUZ \
#       -initrd conch-initramfs.cpio.gz -append "console=ttyS0 panic=-1"
# Any distribution kernel will do (namespaces, cgroup v2 and seccomp).
# Needs no root: cpio records every file as root's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
static=${CONCH_STATIC:-$here/../static}
out=${1:-conch-initramfs.cpio.gz}
[ -x "$static/mkrootfs" ] || { echo "$0: no static tools in $static (make static)" >&2; exit 1; }
tree=$(mktemp -d "${TMPDIR:-/tmp}/conch-initramfs.XXXXXX")
trap 'rm -rf "$tree"' EXIT

# 1. The initramfs's own root: busybox with its applets, the static tools.
"$static/mkrootfs" --busybox --tools="$static" "$tree"

# 2. Its /init (busybox sh): the system, then the container.
cat >"$tree/init" <<'INIT'
#!/bin/sh
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=755 tmpfs /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
done

# The container's root, on a tmpfs: busybox and the tools again, from ours.
mkrootfs --busybox --tools /run/box
cgmake /box pids.max=64 memory.max=64M
cgmake -s /box | grep -E '^(pids|memory)\.max='

cgput /box \
nsnew -a --map-root --hostname box \
pivot --ro /run/box \
capset --keep net_bind_service \
confine --best-effort --ro / --rx /usr --rw /tmp --rw /dev/null \
scfilter -f default \
/bin/sh -c 'echo "in the container: $(id), on $(hostname), processes:" /proc/[0-9]*
	grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; mount
	cp /bin/busybox /tmp/bb && { /tmp/bb true 2>/dev/null ||
		echo "Landlock: what is written to /tmp does not run"; }'
echo "conch-initramfs: the container exited with status $?"
poweroff -f
INIT
chmod 755 "$tree/init"

# 3. The archive: newc, as the kernel reads it, every file root's.
(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out"
echo "$out: $(du -k "$out" | cut -f1) KiB"

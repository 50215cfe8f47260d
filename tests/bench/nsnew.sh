#!/bin/bash
# nsnew against util-linux unshare, same namespaces, as root: the cost of
# making them (the kernel's work dominates; ours should vanish in it).
# nsnew also brings lo up in the new net namespace, which unshare does not.
. "$(dirname "$0")/lib.sh"
medians "nsnew -U --map-root -mpuin true" "nsnew -U --map-root -mpuin /bin/true" \
	"unshare -Urmpfiun true" "unshare -Urmpfiun /bin/true" || exit 1
echo "nsnew/unshare: $(ratio "${MEDIANS[@]}")"

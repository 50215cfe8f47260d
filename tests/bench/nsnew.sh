#!/bin/bash
# nsnew against util-linux unshare, same namespaces, as root: the cost of
# making them (the kernel's work dominates; ours should vanish in it).
. "$(dirname "$0")/lib.sh"
median "nsnew -U --map-root -mpuin true" nsnew -U --map-root -mpuin /bin/true
a=$MEDIAN_US
median "unshare -Urmpfiun true" unshare -Urmpfiun /bin/true
b=$MEDIAN_US
echo "nsnew/unshare: $(ratio "$a" "$b")"

#!/bin/bash
# mkrootfs --image against the image tools themselves, offline: a
# multi-layer OCI layout built from a busybox root with umoci (a layer
# that deletes a file, one that replaces a directory opaquely, one that
# adds a file with a capability), converted by skopeo to an oci-archive
# and a docker-archive. Each format must give exactly the tree `umoci
# unpack` gives; the image's own command then runs through the chain.
# Hostile images (a blob that does not match its digest, ../ names, a
# symlink out, a missing blob, two images and no tag) each fail with one
# line and leave nothing behind, as root and rootless.
. "$(dirname "$0")/lib.sh"

# Debian's python3 (tarfile writes any member name; os.listxattr): the
# first python3 in PATH may be a pyenv shim, much slower to start.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

# need_python || return 0
need_python() {
	[ -n "$PYTHON" ] && return 0
	skip "needs python3"
	return 1
}

# --- the fixture, built once --------------------------------------------------

# What the image runs: Cmd in WorkingDir as User, with Env.
# shellcheck disable=SC2016 # expanded inside the container
IMAGE_SH='echo "$GREETING from $(pwd) as $(id -u):$(id -g)"'

fixture_tools() {
	command -v umoci >/dev/null && command -v skopeo >/dev/null &&
		command -v busybox >/dev/null && [ -n "$PYTHON" ] &&
		command -v setcap >/dev/null && is_root
}

# $FIX/oci (tag "app"), $FIX/app.oci.tar, $FIX/app.docker.tar, and
# $FIX/peer/rootfs, what `umoci unpack` makes of the image.
build_fixture() {
	local r=$FIX/root
	mkrootfs --busybox "$r" >/dev/null || return 1
	echo doomed >"$r/etc/doomed"
	mkdir -p "$r/opt/app/sub" "$FIX/newapp"
	echo old >"$r/opt/app/old"
	echo deep >"$r/opt/app/sub/deep"
	echo owned >"$r/opt/owned"
	chown 1234:5678 "$r/opt/owned"
	chmod 4750 "$r/opt/owned"
	echo new >"$FIX/newapp/new"
	cp "$(command -v busybox)" "$FIX/ping"
	setcap cap_net_raw+ep "$FIX/ping" || return 1
	(
		cd "$FIX" || exit 1
		umoci init --layout oci &&
			umoci new --image oci:app &&
			umoci insert --image oci:app root / &&
			umoci insert --image oci:app --whiteout /etc/doomed &&
			umoci insert --image oci:app --opaque newapp /opt/app &&
			umoci insert --image oci:app ping /usr/bin/ping &&
			umoci config --image oci:app --config.cmd sh \
				--config.cmd -c --config.cmd "$IMAGE_SH" \
				--config.env 'GREETING=hi there' \
				--config.workingdir /opt/app --config.user 1000:1001 &&
			skopeo copy -q oci:oci:app oci-archive:app.oci.tar &&
			skopeo copy -q oci:oci:app docker-archive:app.docker.tar:conch/app:1 &&
			umoci unpack --image oci:app peer
	) >"$FIX/log" 2>&1 || { cat "$FIX/log" >&2; return 1; }
	chmod -R go+rX "$FIX/oci" "$FIX"/*.tar
	listing "$FIX/peer/rootfs" >"$FIX/peer.list"
	listing "$FIX/peer/rootfs" nox >"$FIX/peer.nox"
}

oneTimeSetUp() {
	FIX=
	fixture_tools || return 0
	FIX=$(mktemp -d /tmp/conch-image-fixture.XXXXXX) || return 1
	chmod 755 "$FIX"
	build_fixture || { echo "image fixture: build failed" >&2; FIX=; }
}

one_time_tear_down() {
	[ -n "${FIX:-}" ] && rm -rf "$FIX"
}

# need_fixture || return 0
need_fixture() {
	need_root || return 1
	need_cmd umoci skopeo busybox setcap || return 1
	need_python || return 1
	[ -n "$FIX" ] && return 0
	fail "the image fixture could not be built"
	return 1
}

# --- helpers ------------------------------------------------------------------

user_dir() {
	chmod 755 "$T"
	mkdir -p "$T/u"
	chown "$TEST_UID:$TEST_GID" "$T/u"
}

# listing DIR [nox]: one line per entry below DIR: path, type, mode,
# owner, link target or content digest, and (unless nox) its xattrs.
listing() {
	$PYTHON - "$1" "${2:-}" <<'EOF'
import hashlib, os, stat, sys
top, nox = sys.argv[1], sys.argv[2] == "nox"
out = []
for d, dirs, files in os.walk(top):
    for n in dirs + files:
        p = os.path.join(d, n)
        st = os.lstat(p)
        m = st.st_mode
        what = ""
        if stat.S_ISLNK(m):
            what = "-> " + os.readlink(p)
        elif stat.S_ISREG(m):
            with open(p, "rb") as f:
                what = hashlib.sha256(f.read()).hexdigest()[:16]
        xs = ""
        if not nox:
            xs = " ".join(sorted(x + "=" + os.getxattr(p, x, follow_symlinks=False).hex()
                                 for x in os.listxattr(p, follow_symlinks=False)))
        out.append("%s %s %o %d:%d %s %s" % (os.path.relpath(p, top), stat.filemode(m)[0],
                   stat.S_IMODE(m), st.st_uid, st.st_gid, what, xs))
print("\n".join(sorted(out)))
EOF
}

# sha256 FILE: its hex digest.
sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

# blob DIR FILE: FILE moved into the layout DIR's blobs; prints
# "DIGEST SIZE".
blob() {
	local h s
	h=$(sha256 "$2")
	s=$(stat -c %s "$2")
	mkdir -p "$1/blobs/sha256"
	mv "$2" "$1/blobs/sha256/$h"
	echo "$h $s"
}

# layout DIR LAYER.tar[:gzip|:zstd]...: a one-image OCI layout of those
# layers (plain tar, or compressed so), written by hand, so that anything
# can be in them.
layout() {
	local dir=$1 l z h s ids="" descs="" cfg man
	shift
	mkdir -p "$dir"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	for l; do
		z=
		case $l in
		*:gzip | *:zstd) z=${l##*:} l=${l%:*} ;;
		esac
		ids="$ids${ids:+,}\"sha256:$(sha256 "$l")\""
		if [ -n "$z" ]; then
			$z -q -c "$l" >"$l.$z" && mv "$l.$z" "$l" || return 1
		fi
		read -r h s < <(blob "$dir" "$l")
		descs="$descs${descs:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar${z:++$z}\",\"digest\":\"sha256:$h\",\"size\":$s}"
	done
	printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
		"$ids" >"$dir/.config"
	read -r h s < <(blob "$dir" "$dir/.config")
	cfg="{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$h\",\"size\":$s}"
	printf '{"schemaVersion":2,"config":%s,"layers":[%s]}' "$cfg" "$descs" >"$dir/.man"
	read -r h s < <(blob "$dir" "$dir/.man")
	man="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$h\",\"size\":$s}"
	printf '{"schemaVersion":2,"manifests":[%s]}' "$man" >"$dir/index.json"
	chmod -R go+rX "$dir"
}

# hostile_tar FILE SPEC...: a tar with members NAME=file:DATA,
# NAME=link:TARGET or NAME=dir, in order, written by python's tarfile
# (which writes any name).
hostile_tar() {
	$PYTHON - "$@" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        name, _, rest = spec.partition("=")
        kind, _, arg = rest.partition(":")
        i = tarfile.TarInfo(name)
        i.mode = 0o755 if kind != "file" else 0o644
        if kind == "link":
            i.type, i.linkname = tarfile.SYMTYPE, arg
            t.addfile(i)
        elif kind == "dir":
            i.type = tarfile.DIRTYPE
            t.addfile(i)
        else:
            data = arg.encode()
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
EOF
}

# assert_nothing_left DIR: the failed run left no DIR behind.
assert_nothing_left() {
	assertFalse "nothing left at $1" "[ -e '$1' ]"
}

# hostile_one SRC 'MESSAGE': refused as root and rootless, nothing left.
hostile_one() {
	assert_fails 125 "$2" mkrootfs --image "$1" "$T/d"
	assert_nothing_left "$T/d"
	need_user || return 0
	user_dir
	assert_fails 125 "$2" as_user mkrootfs --image "$1" "$T/u/d"
	assert_nothing_left "$T/u/d"
}

# hostile SRC 'MESSAGE': the same for the directory SRC and for SRC.tar,
# the archive of it (an oci-archive, or a docker save archive), which
# must fail with the same message.
hostile() {
	hostile_one "$1" "$2"
	[ -d "$1" ] || return 0
	tar -C "$1" -cf "$1.tar" . || { fail "tar $1"; return; }
	hostile_one "$1.tar" "${2//"--image $1:"/"--image $1.tar:"}"
}

# --- each format gives umoci's tree ---------------------------------------------

check_format() {
	local src=$1 d=$T/${2}
	assert_ok mkrootfs --image "$src" "$d"
	assertEquals "$src gives umoci's tree" "$(cat "$FIX/peer.list")" "$(listing "$d")"
	# The whiteouts took effect, the capability came along.
	assertFalse "$src: etc/doomed deleted" "[ -e $d/etc/doomed ]"
	assertEquals "$src: opt/app replaced opaquely" "new" "$(ls "$d/opt/app")"
	assertEquals "$src: capability" "$d/usr/bin/ping cap_net_raw=ep" "$(getcap "$d/usr/bin/ping")"
	assertEquals "$src: owner and setuid kept" "4750 1234:5678" "$(stat -c '%a %u:%g' "$d/opt/owned")"
	assertEquals "$src: no whiteout file left" "" "$(find "$d" -name '.wh.*')"
}

test_oci_layout() {
	need_fixture || return 0
	check_format "$FIX/oci:app" oci
	check_format "$FIX/oci" oci-untagged
}

test_oci_archive() {
	need_fixture || return 0
	check_format "$FIX/app.oci.tar" ocitar
}

test_docker_archive() {
	need_fixture || return 0
	check_format "$FIX/app.docker.tar" docker
	check_format "$FIX/app.docker.tar:conch/app:1" docker-tagged
	check_format "$FIX/app.docker.tar:docker.io/conch/app:1" docker-full
}

# --- the config, and the chain that runs it as docker would ------------------------

test_print_config() {
	need_fixture || return 0
	assert_ok mkrootfs --image "$FIX/oci:app" --print-config
	assert_out "IMAGE_ENV=('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'GREETING=hi there')
IMAGE_ENTRYPOINT=()
IMAGE_CMD=('sh' '-c' 'echo \"\$GREETING from \$(pwd) as \$(id -u):\$(id -g)\"')
IMAGE_ARGV=('sh' '-c' 'echo \"\$GREETING from \$(pwd) as \$(id -u):\$(id -g)\"')
IMAGE_WORKDIR='/opt/app'
IMAGE_USER=('--user' '1000' '--group' '1001')"
	local f
	for f in "$FIX/app.oci.tar" "$FIX/app.docker.tar"; do
		assert_ok mkrootfs --image "$f" --print-config=argv
		assert_out "'sh' '-c' 'echo \"\$GREETING from \$(pwd) as \$(id -u):\$(id -g)\"'"
		assert_ok mkrootfs --image "$f" --print-config=workdir
		assert_out "'/opt/app'"
	done
	# A quote in a word, for eval.
	eval "set -- $(mkrootfs --image "$FIX/oci:app" --print-config=env)"
	assertEquals "GREETING=hi there" "$2"
}

test_print_config_usage() {
	assert_fails 125 "mkrootfs: --print-config needs --image" mkrootfs --print-config
	assert_fails 125 "mkrootfs: --print-config=bogus: no such field (env, entrypoint, cmd, argv, workdir, user)" \
		mkrootfs --print-config=bogus --image x
	need_fixture || return 0
	assert_fails 125 "mkrootfs: --print-config takes no DIR" \
		mkrootfs --image "$FIX/oci" --print-config "$T/d"
	assert_fails 125 "mkrootfs: --print-config takes no other option than --image" \
		mkrootfs --image "$FIX/oci" --print-config -x "$FIX/app.oci.tar"
	assert_nothing_left "$T/d"
}

# The README's chain, rootless, for each format: the image unpacked
# shifted, then its own Cmd run in its WorkingDir as its User with its
# Env, as docker run would. (nsnew by its path: env -i leaves the image's
# PATH, where conch is not installed.)
test_chain_runs_image_cmd() {
	need_fixture || return 0
	need_user || return 0
	need_cmd nsnew pivot capset || return 0
	user_dir
	local src root n=0
	for src in "$FIX/oci:app" "$FIX/app.oci.tar" "$FIX/app.docker.tar"; do
		root=$T/u/root$((n += 1))
		assert_ok as_user nsnew -U --map-auto mkrootfs --image "$src" --tools "$root"
		eval "$(mkrootfs --image "$src" --print-config)"
		assert_ok as_user env -i "${IMAGE_ENV[@]}" "$CONCH_BIN/nsnew" -U --map-auto -mpuin \
			"$CONCH_BIN/pivot" --chdir "$IMAGE_WORKDIR" "$root" \
			capset "${IMAGE_USER[@]}" "${IMAGE_ARGV[@]}"
		assert_out "hi there from /opt/app as 1000:1001"
	done
}

# --- rootless: owners shifted as --tar shifts them ----------------------------------

test_rootless_owners_shifted() {
	need_fixture || return 0
	need_user || return 0
	user_dir
	local sub want
	sub=$(subid /etc/subuid | cut -d' ' -f1)
	assert_ok as_user nsnew -U --map-auto mkrootfs --image "$FIX/app.oci.tar" "$T/u/d"
	# Inside, 0 is the user, N is the N-th subordinate ID.
	want=$(awk -v u="$TEST_UID" -v s="$sub" '{
		split($4, o, ":")
		$4 = (o[1] == 0 ? u : s + o[1] - 1) ":" (o[2] == 0 ? u : s + o[2] - 1)
		print }' "$FIX/peer.nox" | sed 's/ *$//')
	assertEquals "owners shifted" "$want" "$(listing "$T/u/d" nox | sed 's/ *$//')"
	assertEquals "a namespaced capability, root the user" \
		"$T/u/d/usr/bin/ping cap_net_raw=ep [rootid=$TEST_UID]" "$(getcap -n "$T/u/d/usr/bin/ping")"
}

# --- choosing the image ------------------------------------------------------------

test_two_images_need_a_tag() {
	need_fixture || return 0
	cp -a "$FIX/oci" "$T/two"
	(cd "$T" && umoci config --image two:app --tag other --config.cmd true) || { fail "umoci config"; return; }
	chmod -R go+rX "$T/two"
	hostile "$T/two" "mkrootfs: --image $T/two: 2 images and no tag: add :TAG (it has: app, other)"
	assert_fails 125 "mkrootfs: --image $T/two: no image tagged 'nope' (it has: app, other)" \
		mkrootfs --image "$T/two:nope" "$T/d"
	assert_ok mkrootfs --image "$T/two:other" --print-config=argv
	assert_out "'true'"
	assert_nothing_left "$T/d"
}

test_not_an_image() {
	mkdir "$T/empty"
	assert_fails 125 "mkrootfs: --image $T/empty: neither an OCI image layout (no index.json) nor a docker save archive (no manifest.json)" \
		mkrootfs --image "$T/empty" "$T/d"
	assert_fails 125 "mkrootfs: --image $T/nope: No such file or directory" \
		mkrootfs --image "$T/nope" "$T/d"
	assert_fails 125 "mkrootfs: --image $T/nope:tag: No such file or directory" \
		mkrootfs --image "$T/nope:tag" "$T/d"
	gzip -c /dev/null >"$T/x.tar.gz"
	assert_fails 125 "mkrootfs: --image $T/x.tar.gz: a compressed archive (decompress it first: docker save and skopeo write plain tar)" \
		mkrootfs --image "$T/x.tar.gz" "$T/d"
	assert_nothing_left "$T/d"
}

# --- hostile images ------------------------------------------------------------------

# A layer's gzip header time changed: a valid layer, not the one named.
test_hostile_digest_mismatch() {
	need_fixture || return 0
	cp -a "$FIX/oci" "$T/bad"
	local l
	# shellcheck disable=SC2012 # digests: no odd names
	l=$(ls -S "$T/bad/blobs/sha256" | head -n 1)	# the big first layer
	printf '\1' | dd of="$T/bad/blobs/sha256/$l" bs=1 seek=4 conv=notrunc 2>/dev/null
	hostile "$T/bad" "mkrootfs: --image $T/bad: blobs/sha256/$l: the content does not match its digest"
}

# A docker archive's layer is checked against the config's diff_id.
test_hostile_diff_id_mismatch() {
	need_fixture || return 0
	mkdir "$T/dk"
	tar -C "$T/dk" -xf "$FIX/app.docker.tar"
	local l
	# shellcheck disable=SC2012 # digests: no odd names
	l=$(cd "$T/dk" && ls -S ./*.tar | head -n 1)
	l=${l#./}
	# One byte of a file's content: still a valid tar.
	$PYTHON -c '
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = next(m for m in t if m.isfile() and m.size > 100)
    print(m.offset_data + 10)' "$T/dk/$l" >"$T/off"
	printf 'X' | dd of="$T/dk/$l" bs=1 seek="$(cat "$T/off")" conv=notrunc 2>/dev/null
	chmod -R go+rX "$T/dk"
	hostile "$T/dk" "mkrootfs: --image $T/dk: $l: the unpacked layer does not match the config's diff_id"
}

test_hostile_dotdot() {
	need_python || return 0
	hostile_tar "$T/l.tar" ok=file:ok ../evil=file:evil
	layout "$T/img" "$T/l.tar"
	hostile "$T/img" "mkrootfs: --image $T/img: layer 1: member '../evil': refusing a path with '..'"
	assertFalse "nothing outside" "[ -e $T/evil ]"
}

# A symlink that climbs out, then a file through it: refused, as Docker
# refuses it. One that is absolute leads to the container's own root.
test_hostile_symlink_out() {
	need_python || return 0
	mkdir "$T/outside"
	chmod 777 "$T/outside"
	hostile_tar "$T/l.tar" "link=link:../../../../../../..$T/outside" link/evil=file:evil
	layout "$T/img" "$T/l.tar"
	hostile "$T/img" "mkrootfs: --image $T/img: layer 1: symlink 'link' -> '../../../../../../..$T/outside' leads out of the root"
	assertEquals "nothing outside" "" "$(ls -A "$T/outside")"
	hostile_tar "$T/a.tar" "abs=link:$T/outside" abs/evil=file:evil
	layout "$T/abs" "$T/a.tar"
	assert_ok mkrootfs --image "$T/abs" "$T/d"
	assertEquals "written inside" "evil" "$(cat "$T/d$T/outside/evil")"
	assertEquals "nothing outside" "" "$(ls -A "$T/outside")"
}

test_hostile_missing_blob() {
	need_python || return 0
	hostile_tar "$T/l.tar" f=file:x
	layout "$T/img" "$T/l.tar"
	local l
	l=$($PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:])' \
		"$T/img/blobs/sha256/$($PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$T/img/index.json")")
	rm "$T/img/blobs/sha256/$l"
	hostile "$T/img" "mkrootfs: --image $T/img: blobs/sha256/$l: No such file or directory"
}

# --- compressed layers ---------------------------------------------------------------

# gzip and zstd layers (umoci writes only gzip) are decoded in mkrootfs
# itself: with no gzip or zstd in PATH, as in a static initramfs.
test_gzip_and_zstd_layers() {
	need_python || return 0
	need_cmd gzip zstd || return 0
	hostile_tar "$T/1.tar" a=dir a/x=file:one a/y=file:y
	hostile_tar "$T/2.tar" a/.wh.y=file: a/z=file:zstd
	layout "$T/img" "$T/1.tar:gzip" "$T/2.tar:zstd"
	assert_ok env PATH=/nonexistent "$CONCH_BIN/mkrootfs" --image "$T/img" "$T/d"
	assertEquals "a/x:one a/z:zstd" \
		"$(cd "$T/d" && for f in a/*; do echo "$f:$(cat "$f")"; done | xargs)"
}

# --- layered tarballs ---------------------------------------------------------------

test_tar_layers_whiteouts() {
	need_python || return 0
	hostile_tar "$T/1.tar" a=dir a/x=file:x a/y=file:y a/sub=dir a/sub/s=file:s d=dir d/z=file:z f=file:f
	hostile_tar "$T/2.tar" a/.wh.x=file: .wh.d=file: .wh.nothere=file: f=dir f/in=file:in
	# The opaque marker after its own layer's entries: they stay.
	hostile_tar "$T/3.tar" a/sub=dir a/sub/new=file:new a/.wh..wh..opq=file:
	assert_ok mkrootfs -x "$T/1.tar" -x "$T/2.tar" -x "$T/3.tar" "$T/r"
	assertEquals "a a/sub a/sub/new f f/in" "$(cd "$T/r" && find a d f 2>/dev/null | sort | xargs)"
	# A single tarball without whiteouts is unpacked as before; with
	# them, its whiteouts delete from what DIR holds.
	hostile_tar "$T/4.tar" .wh.f=file: etc/.wh.hosts=file:
	assert_ok mkrootfs -x "$T/4.tar" "$T/r"
	assertFalse "f deleted" "[ -e $T/r/f ]"
	assertTrue "etc/hosts made again by the skeleton" "[ -f $T/r/etc/hosts ]"
	assertEquals "no whiteout file" "" "$(find "$T/r" -name '.wh.*')"
	# The same layers rootless.
	need_user || return 0
	user_dir
	chmod 644 "$T"/[123].tar
	assert_ok as_user mkrootfs -x "$T/1.tar" -x "$T/2.tar" -x "$T/3.tar" "$T/u/r"
	assertEquals "rootless" "a a/sub a/sub/new f f/in" \
		"$(cd "$T/u/r" && find a d f 2>/dev/null | sort | xargs)"
}

. shunit2

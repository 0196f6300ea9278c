#!/bin/bash
# tests/integration/image_store.sh - the image store end to end, with a
# running daemon in network namespaces.
#
# bootsrv image import of a directory and of a tar.zst (hard link,
# root-only file, xattr, numeric owners kept); image list (table and
# --json); a running daemon serves an image imported after it started
# through its rsync module, and stops serving one removed; rm refused
# while a host is armed with the image; tarballs with "../x" or "/etc/x"
# members refused before extraction, nothing left under images/; a name
# clashing with a config image refused; a broken NAME.conf reported with
# file:line (list, log, bootsrv check) while the other images are served.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_config "$T/bootsrv.conf" \
	"{ name = \"node01\"; mac = \"52:54:00:00:00:11\"; ip = \"192.0.2.11\"; image = \"base\"; }"
CONF=$T/bootsrv.conf
STORE=$T/state/images
cli() { in_srv "$BOOTSRV" "$@" -c "$CONF"; }
# modules MODULE: the files of rsync module MODULE seen from the client
modules() { in_cli rsync --list-only -r "rsync://$SRV/$1/" 2>&1; }
served() { modules "$1" | grep -q "etc/motd"; }
# only images and the import lock under images/: nothing half-written
store_clean() {
	local extra
	extra=$(ls -A "$STORE" | grep -Ev "^($1)(\.conf)?\$|^\.lock\$" || true)
	[ -z "$extra" ] || fail "left under images/: $extra"
}

# --- a golden tree: hard link, root-only file, xattr, numeric owners
SRC=$T/src
mkdir -p "$SRC/etc" "$SRC/usr/bin" "$SRC/home/u"
echo golden >"$SRC/etc/motd"
echo secret >"$SRC/etc/shadow" && chmod 0600 "$SRC/etc/shadow"
echo tool >"$SRC/usr/bin/a" && ln "$SRC/usr/bin/a" "$SRC/usr/bin/b"
ln -s /usr/share/zoneinfo/UTC "$SRC/etc/localtime"
chown 1234:5678 "$SRC/home/u" && echo x >"$SRC/home/u/f" && chown 1234:5678 "$SRC/home/u/f"
setfattr -n user.bootsrv -v kept "$SRC/etc/motd" || skip "no user xattrs on $T's filesystem"
check_tree() { # DIR WHAT
	local d=$1
	[ "$(cat "$d/etc/motd")" = golden ] || fail "$2: motd"
	[ "$(stat -c %a "$d/etc/shadow")" = 600 ] || fail "$2: shadow mode"
	[ "$(stat -c %u:%g "$d/etc/shadow")" = 0:0 ] || fail "$2: shadow owner"
	[ "$(stat -c %i "$d/usr/bin/a")" = "$(stat -c %i "$d/usr/bin/b")" ] || fail "$2: hard link lost"
	[ "$(stat -c %u:%g "$d/home/u/f")" = 1234:5678 ] || fail "$2: numeric owner lost"
	[ "$(readlink "$d/etc/localtime")" = /usr/share/zoneinfo/UTC ] || fail "$2: symlink"
	[ "$(getfattr --only-values -n user.bootsrv "$d/etc/motd" 2>/dev/null)" = kept ] ||
		fail "$2: xattr lost"
}

bootsrv_start "$CONF"
wait_rsync

# --- import a directory while the daemon runs: served without a restart
cli image import "$SRC" img1 --layout small --exclude '/home/*' >"$T/out" ||
	fail "import DIR: $(cat "$T/out")"
check_tree "$STORE/img1" "import DIR"
grep -q '"/home/\*"' "$STORE/img1.conf" || fail "exclude not in img1.conf: $(cat "$STORE/img1.conf")"
wait_for 10 "img1 served over rsync" served img1

# --- import a tar.zst
tar --numeric-owner --xattrs --acls --xattrs-include='*' -C "$SRC" -cf - . | zstd -q >"$T/img2.tar.zst"
cli image import "$T/img2.tar.zst" img2 --layout small --flavor default >"$T/out" 2>&1 ||
	fail "import tar.zst: $(cat "$T/out")"
check_tree "$STORE/img2" "import tar.zst"
wait_for 10 "img2 served over rsync" served img2

# --- an existing name needs --replace; --replace swaps the tree in
rc=0; cli image import "$SRC" img2 --layout small 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "import over an existing image: exit $rc"
grep -q "already exists" "$T/err" || fail "message: $(cat "$T/err")"
echo new >"$SRC/etc/issue"
cli image import "$SRC" img2 --layout small --replace >/dev/null || fail "import --replace"
[ -f "$STORE/img2/etc/issue" ] || fail "--replace did not swap the tree in"
rm "$SRC/etc/issue"

# --- list
cli image list >"$T/list" || fail "image list"
grep -Eq "^img1 +store " "$T/list" || fail "list table: $(cat "$T/list")"
grep -Eq "^base +config .* node01" "$T/list" || fail "list table (base): $(cat "$T/list")"
cli image list --json >"$T/list.json" || fail "image list --json"
jq -e '(.images | map(.name) | sort) == ["base", "img1", "img2"]' "$T/list.json" >/dev/null ||
	fail "listed: $(cat "$T/list.json")"
jq -e '.images[] | select(.name == "img1") | .source == "store" and .layout == "small"
	and .files >= 9 and .size_bytes > 0 and .last_change > 0 and .path == "'"$STORE/img1"'"' \
	"$T/list.json" >/dev/null || fail "img1 entry: $(cat "$T/list.json")"
jq -e '.images[] | select(.name == "base") | .source == "config" and .hosts == ["node01"]' \
	"$T/list.json" >/dev/null || fail "base entry: $(cat "$T/list.json")"

# --- rm refused while a host is armed with the image, then done
cli netboot --hosts node01 --image img1 >/dev/null || fail "netboot with a store image"
rc=0; cli image rm img1 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "rm of an armed image: exit $rc"
grep -q "node01 is armed with image img1" "$T/err" || fail "message: $(cat "$T/err")"
cli image list --json | jq -e '.images[] | select(.name == "img1") | .hosts == ["node01"]' \
	>/dev/null || fail "armed host not listed"
served img1 || fail "img1 no longer served after a refused rm"
cli localboot --hosts node01 >/dev/null
rc=0; cli image rm base 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q "bootsrv.conf" "$T/err" || fail "rm of a config image: $rc $(cat "$T/err")"
# an import or capture holding the store's lock: refused, not waited for
exec 8>"$STORE/.lock"
flock 8
rc=0; cli image rm img1 2>"$T/err" || rc=$?
exec 8>&-
[ "$rc" = 1 ] && grep -q "import or capture is running" "$T/err" ||
	fail "rm under the store's lock: $rc $(cat "$T/err")"
served img1 || fail "img1 no longer served after a refused rm"
cli image rm img1 >/dev/null || fail "rm img1"
! served img1 || fail "img1 still served after rm"
served img2 || fail "img2 not served after removing img1"
wait_for 10 "img1's trash deleted" sh -c "! ls -A '$STORE' | grep -q trash"
store_clean "img2"
rc=0; cli image rm img1 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "rm of a missing image: exit $rc"

# --- bad tarballs: refused before extraction, nothing left
python3 - "$T" <<'PY'
import io, sys, tarfile
for name, member in (("dotdot", "../x"), ("abs", "/etc/x")):
    with tarfile.open(f"{sys.argv[1]}/{name}.tar", "w") as t:
        for n in ("etc/ok", member):
            data = b"x\n"
            ti = tarfile.TarInfo(n)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
PY
for bad in dotdot abs; do
	rc=0; cli image import "$T/$bad.tar" "bad$bad" --layout small 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] || fail "$bad.tar: exit $rc"
	grep -q "member \"$([ $bad = abs ] && echo /etc/x || echo ../x)\"" "$T/err" ||
		fail "$bad.tar message: $(cat "$T/err")"
	[ ! -e "$T/x" ] || fail "$bad.tar wrote outside"
done
store_clean "img2"

# --- a name of the config
rc=0; cli image import "$SRC" base --layout small 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q "already in $CONF" "$T/err" || fail "config name: $rc $(cat "$T/err")"
store_clean "img2"
# --- an unknown layout, a bad name
rc=0; cli image import "$SRC" img9 --layout nope 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'unknown layout "nope"' "$T/err" || fail "bad layout: $rc $(cat "$T/err")"
rc=0; cli image import "$SRC" .hidden --layout small 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "bad name: exit $rc"
store_clean "img2"

# --- a stale temporary tree (a crashed import) is cleaned by the next
mkdir -p "$STORE/.import-999999-old/etc"
cli image import "$SRC" img3 --layout small >/dev/null || fail "import img3"
[ ! -e "$STORE/.import-999999-old" ] || fail "stale temporary tree not cleaned"
wait_for 10 "img3 served" served img3

# --- an import interrupted by SIGTERM: the whole image or nothing
mkdir -p "$T/big"
for i in $(seq 1 400); do head -c 262144 /dev/urandom >"$T/big/f$i"; done
mkdir -p "$T/big/etc" && echo golden >"$T/big/etc/motd"
# ip netns exec execs bootsrv: $! is the import itself
ip netns exec "$SRV_NS" "$BOOTSRV" image import "$T/big" big --layout small -c "$CONF" >"$T/out" 2>&1 &
IMPORT=$!
sleep 0.3
kill -TERM "$IMPORT" 2>/dev/null || true
rc=0; wait "$IMPORT" || rc=$?
if [ "$rc" = 0 ]; then # it was done before the signal: all of it is there
	[ -f "$STORE/big.conf" ] && [ "$(ls "$STORE/big" | wc -l)" = 401 ] || fail "partial import"
	cli image rm big >/dev/null
	wait_for 10 "big's trash deleted" sh -c "! ls -A '$STORE' | grep -q trash"
else
	grep -q "interrupted" "$T/out" || fail "interrupted import: $(cat "$T/out")"
	log "import interrupted: $(cat "$T/out")"
fi
store_clean "img2|img3"

# --- a broken conf: file:line, left out, the others still served
mkdir -p "$STORE/broken"
printf 'layout = "small";\nflavor = ;\n' >"$STORE/broken.conf"
wait_for 10 "broken.conf logged" grep -q "broken.conf:2:" "$T/bootsrv.log"
cli image list --json >"$T/list.json"
jq -e '.errors[] | select(.name == "broken") | .error | test("broken.conf:2: ")' \
	"$T/list.json" >/dev/null || fail "broken conf not listed: $(cat "$T/list.json")"
jq -e '.images | map(.name) | index("broken") == null' "$T/list.json" >/dev/null ||
	fail "broken image served"
served img2 && served img3 || fail "other images not served beside a broken conf"
! modules broken | grep -q motd || fail "broken image has a module"
rc=0; in_srv "$BOOTSRV" check -c "$CONF" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "broken.conf:2:" "$T/out" || fail "check: $rc $(cat "$T/out")"
# a store image named like a config image: reported, the config one served
mkdir -p "$STORE/base" && echo 'layout = "small";' >"$STORE/base.conf"
cli image list --json >"$T/list.json"
jq -e '.errors[] | select(.name == "base") | .error | test("also in")' "$T/list.json" \
	>/dev/null || fail "clash not reported: $(cat "$T/list.json")"
jq -e '.images[] | select(.name == "base") | .source == "config"' "$T/list.json" >/dev/null ||
	fail "config image base not served"
grep -q 'image "base" is also in' "$T/bootsrv.log" || fail "clash not logged"

bootsrv_stop
# --- list and rm need the daemon (it knows the hosts): exit 3 without it
rc=0; cli image list 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || fail "image list with no daemon: exit $rc ($(cat "$T/err"))"
rc=0; cli image rm img2 2>"$T/err" || rc=$?
[ "$rc" = 3 ] || fail "image rm with no daemon: exit $rc"
# import works without it
cli image import "$T/img2.tar.zst" img4 --layout small >/dev/null || fail "import without daemon"
check_tree "$STORE/img4" "import without daemon"
echo "image_store: ok"

#!/bin/bash
# tests/integration/image_frozen.sh - every install reads one frozen version
# of its image (DESIGN.md), with a running daemon in network namespaces.
#
# A host armed with a store image gets a version IMAGE@GEN of it, served as
# its own rsync module and named by its plan. The image is then rewritten
# the ways tools do it (a file added, one removed, one replaced by rename, a
# directory entry renamed, the whole tree swapped by import --replace):
# the real rsync client pulling the plan's URL from the client namespace,
# and the real installer against a loop device, both get exactly the tree
# as it was at the arm (file list and checksums), while a host armed after
# the change gets the new tree, and a third armed with no change since
# shares the second's version. A version nobody uses and not the newest is
# deleted and its module goes; a restart serves the versions kept and
# still reuses the newest. A version that cannot be made (the frozen
# directory a tiny tmpfs: a config image must be copied in full there)
# fails the host with the reason (and `bootsrv netboot` with it), serves
# nothing, leaves nothing behind.
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, loop devices, mounts)"
[ -x "$BOOTSRV" ] || skip "$BOOTSRV not built"
for t in rsync jq curl losetup sfdisk /sbin/mke2fs /usr/bin/extlinux; do
	command -v "$t" >/dev/null || skip "$t not installed"
done

SRV=192.0.2.1
lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
BIG=$T/images/big
mkdir -p "$BIG/etc" && head -c 2M /dev/urandom >"$BIG/etc/blob"
LAB_IMAGES="{ name = \"base\"; path = \"$T/images/base\"; layout = \"small\"; },
{ name = \"big\"; path = \"$BIG\"; layout = \"small\"; }"
LAB_LAYOUTS='{ name = "small"; disk = "/dev/vda"; label = "msdos";
  partitions = ( { size = "64M"; fs = "ext3"; mount = "/boot"; flags = [ "boot" ]; },
                 { size = "*"; fs = "ext4"; mount = "/"; } ); }'
host() { echo "{ name = \"$1\"; mac = \"52:54:00:00:00:$2\"; ip = \"192.0.2.$2\"; },"; }
lab_config "$T/bootsrv.conf" "$(host node01 11) $(host node02 12) $(host node03 13)
	{ name = \"node04\"; mac = \"52:54:00:00:00:14\"; ip = \"192.0.2.14\"; }"
CONF=$T/bootsrv.conf
STORE=$T/state/images
FROZEN=$T/state/frozen
cli() { in_srv "$BOOTSRV" "$@" -c "$CONF"; }
api() { in_srv curl -sf -H "Authorization: Bearer $(cat "$T/state/admin.token")" \
	"http://$SRV:8080/api/v1/hosts/$1"; }
frozen_of() { api "$1" | jq -r '.frozen'; }
has_frozen() { [ -n "$(frozen_of "$1")" ]; }
modules() { in_cli rsync "rsync://$SRV/" 2>/dev/null | awk '{ print $1 }'; }
# manifest DIR: every entry with its type, mode and owner, every file's sum
manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %U:%G\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}
pull() { # URL DIR
	rm -rf "$2"
	in_cli rsync -a --numeric-ids "$1" "$2/" || fail "rsync pull of $1"
}

# --- the golden tree (with what the installer's extlinux step needs)
SRC=$T/src
mkdir -p "$SRC"/{boot,etc,usr/bin,var/lib,dir}
echo kernel9 >"$SRC/boot/vmlinuz-6.1.0-9-amd64"
echo initrd9 >"$SRC/boot/initrd.img-6.1.0-9-amd64"
printf 'proc /proc proc defaults 0 0\n' >"$SRC/etc/fstab"
echo golden >"$SRC/etc/hostname"
printf '127.0.0.1\tlocalhost\n' >"$SRC/etc/hosts"
echo v1 >"$SRC/etc/motd"
echo secret >"$SRC/etc/shadow" && chmod 0600 "$SRC/etc/shadow"
echo tool >"$SRC/usr/bin/tool" && ln "$SRC/usr/bin/tool" "$SRC/usr/bin/tool2"
echo old >"$SRC/var/lib/old"
echo a >"$SRC/dir/a"

bootsrv_start "$CONF"
wait_rsync
cli image import "$SRC" img --layout small >"$T/out" || fail "import: $(cat "$T/out")"

# --- node01 armed: its version is taken now
lab_arm node01 img
wait_for 10 "node01's frozen version" has_frozen node01
F1=$(frozen_of node01)
[[ $F1 =~ ^img@[1-9][0-9]*$ ]] || fail "frozen version name: $F1"
[ -d "$FROZEN/$F1" ] || fail "no $FROZEN/$F1"
modules | grep -qx "$F1" || fail "module $F1 not served: $(modules)"
manifest "$STORE/img" >"$T/old.list"
in_cli curl -sf -H "Authorization: Bearer $TOKEN" "http://$SRV:8080/api/v1/install/node01/plan" \
	>"$T/plan1.json" || fail "plan of node01"
URL1=$(jq -r .rsync_url "$T/plan1.json")
[ "$URL1" = "rsync://$SRV:873/$F1/" ] || fail "plan's rsync URL: $URL1"
jq -e '.image == "img"' "$T/plan1.json" >/dev/null || fail "plan's image: $(cat "$T/plan1.json")"
TOKEN1=$TOKEN

# --- the image rewritten in place, as dpkg, editors and rsync do
echo added >"$STORE/img/etc/added"
rm "$STORE/img/var/lib/old"
echo v2 >"$STORE/img/etc/motd.new" && mv "$STORE/img/etc/motd.new" "$STORE/img/etc/motd"
mv "$STORE/img/dir/a" "$STORE/img/dir/b"
pull "$URL1" "$T/pull1"
manifest "$T/pull1" >"$T/pull1.list"
diff -u "$T/old.list" "$T/pull1.list" >&2 || fail "node01's pull after in-place edits is not the armed version"

# --- and swapped whole by import --replace
echo v3 >"$SRC/etc/motd" && echo r >"$SRC/etc/replaced"
cli image import "$SRC" img --layout small --replace >/dev/null || fail "import --replace"
pull "$URL1" "$T/pull2"
manifest "$T/pull2" >"$T/pull2.list"
diff -u "$T/old.list" "$T/pull2.list" >&2 || fail "node01's pull after --replace is not the armed version"

# --- the real installer of node01 installs the armed version
if [ -x "$INSTALLER" ] && [ -f /usr/lib/syslinux/mbr/mbr.bin ]; then
	lab_loop DISK 256M
	TOKEN=$TOKEN1 LAB_HOST=node01
	lab_installer "$DISK" >"$T/installer.log" 2>&1 || fail "installer: $(tail -20 "$T/installer.log")"
	mkdir -p "$T/check"
	mount -o ro "${DISK}p2" "$T/check"
	[ "$(cat "$T/check/etc/motd")" = v1 ] || fail "installed motd: $(cat "$T/check/etc/motd")"
	for f in etc/added etc/replaced dir/b; do
		[ ! -e "$T/check/$f" ] || fail "installed $f: from a later version"
	done
	[ -f "$T/check/var/lib/old" ] && [ -f "$T/check/dir/a" ] || fail "installed tree lacks the armed files"
	umount "$T/check"
	lab_host node01
	host_expect '.state == "installed"' "node01 installed"
else
	log "no installer or syslinux: the installer part is left out"
	cli localboot --hosts node01 >/dev/null
fi

# --- node02 armed after the change gets the new tree; node03 shares it
lab_arm node02 img
wait_for 10 "node02's frozen version" has_frozen node02
F2=$(frozen_of node02)
[ "$F2" != "$F1" ] || fail "node02 got node01's version $F1 after the image changed"
manifest "$STORE/img" >"$T/new.list"
pull "rsync://$SRV:873/$F2/" "$T/pull3"
manifest "$T/pull3" >"$T/pull3.list"
diff -u "$T/new.list" "$T/pull3.list" >&2 || fail "node02's version is not the current image"
lab_arm node03 img
wait_for 10 "node03's frozen version" has_frozen node03
[ "$(frozen_of node03)" = "$F2" ] || fail "node03 got $(frozen_of node03), not the unchanged $F2"
[ "$(ls "$FROZEN" | grep -c '^img@[0-9]*$')" -le 2 ] || fail "versions: $(ls "$FROZEN")"

# --- node01 is done with F1 and a newer version exists: F1 is collected
wait_for 20 "$F1 deleted" bash -c "[ ! -e '$FROZEN/$F1' ]"
modules | grep -qx "$F1" && fail "module $F1 still served"
[ -d "$FROZEN/$F2" ] || fail "$F2 deleted while node02 and node03 are armed with it"
wait_for 20 "trash removed" bash -c "! ls -A '$FROZEN' | grep -q '^\.trash-'"

# --- a restart keeps the versions in use and still shares the newest
bootsrv_stop
bootsrv_start "$CONF"
wait_rsync
modules | grep -qx "$F2" || fail "$F2 not served after a restart: $(modules)"
cli netboot --hosts node01 --image img >/dev/null || fail "netboot node01 after the restart"
[ "$(frozen_of node01)" = "$F2" ] || fail "after a restart node01 got $(frozen_of node01), not $F2"
cli localboot --hosts node01 >/dev/null

# --- a version that cannot be made: the frozen directory full
bootsrv_stop
mount -t tmpfs -o size=256k tmpfs "$FROZEN"
at_exit "umount '$FROZEN'"
bootsrv_start "$CONF"
wait_rsync
rc=0; cli netboot --hosts node04 --image big >/dev/null 2>"$T/cli.err" || rc=$?
[ "$rc" = 1 ] || fail "netboot with a version that cannot be made: exit $rc"
grep -q "node04: cannot freeze image big: .*[Nn]o space left" "$T/cli.err" ||
	fail "netboot's message: $(cat "$T/cli.err")"
[ "$(api node04 | jq -r .state)" = failed ] || fail "node04 not failed"
api node04 | jq -r .error >"$T/err"
grep -q "cannot freeze image big" "$T/err" && grep -qi "no space left" "$T/err" ||
	fail "node04's error: $(cat "$T/err")"
grep -q "cannot freeze image big" "$T/bootsrv.log" || fail "the failure is not logged"
modules | grep -q '^big@' && fail "a half-made version is served: $(modules)"
[ -z "$(ls -A "$FROZEN")" ] || fail "left in frozen/: $(ls -A "$FROZEN")"
rc=$(in_cli curl -s -o /dev/null -w '%{http_code}' "http://$SRV:8080/api/v1/install/node04/plan")
[ "$rc" = 401 ] || fail "plan of a failed host: HTTP $rc"
echo "image_frozen: ok"

#!/bin/bash
# tests/integration/image_capture.sh - `bootsrv image capture` from a
# running golden client without a VM (TESTING.md "A golden client without
# a VM"): the cached Debian 12 test tree (qemu-tests/debian-image.sh) as an
# overlay (its upper layer holds this run's identity files), its own sshd
# chrooted in a client namespace on the lab bridge, the test key in its
# authorized_keys.
#
# Checked: the captured tree keeps root-only files (mode, numeric owner), a
# hard link and an xattr; has none of the identity (machine-id emptied, SSH
# host keys, DHCP leases, udev net rules) and empty /proc /dev /run /tmp
# mount points; the client's key was learnt into state_dir/ssh/known_hosts;
# a chroot has no disks, so the layout is refused by name and the tree still
# stored; --layout L gives a usable conf. Refused, nothing left under
# images/: an unreachable address, a wrong key, a client without rsync, an
# existing name without --replace; usage errors exit 2.
. "$(dirname "$0")/../lib.sh"

CACHE=${BOOTSRV_TEST_CACHE:-/var/cache/bootsrv-tests}
# built once per machine (tests/run.sh starts it early; this waits on its lock)
TREE=$("$TOP/qemu-tests/debian-image.sh" bios) || fail "building the cached Debian tree"
KEY=$CACHE/id_ed25519
[ -f "$KEY" ] || skip "no test key $KEY"
command -v setfattr >/dev/null || skip "no setfattr"

lab_setup
GOLD=192.0.2.41 BARE=192.0.2.42
ip -n "$CLI_NS" addr add $GOLD/24 dev eth0
NORSYNC_NS="bs${RUN_ID}n"
lab_add_client "$NORSYNC_NS" 52:54:00:00:00:12
ip -n "$NORSYNC_NS" addr add $BARE/24 dev eth0
lab_config "$T/bootsrv.conf" ""
CONF=$T/bootsrv.conf
STORE=$T/state/images
cli() { in_srv "$BOOTSRV" image capture "$@" -c "$CONF"; }
store_clean() {
	local extra
	extra=$(ls -A "$STORE" 2>/dev/null | grep -Ev "^($1)(\.conf)?\$|^\.lock\$" || true)
	[ -z "$extra" ] || fail "left under images/: $extra"
}

# golden NS DIR: the tree as an overlay with DIR/upper on top, its sshd
# chrooted in namespace NS (a mount namespace of its own: the mounts go
# with it).
golden() {
	local ns=$1 d=$2
	mkdir -p "$d/upper" "$d/work" "$d/root"
	ip netns exec "$ns" unshare -m --propagation private sh -c "
		mount -t overlay overlay -o lowerdir=$TREE,upperdir=$d/upper,workdir=$d/work $d/root &&
		mount -t proc proc $d/root/proc && mount --rbind /dev $d/root/dev &&
		mkdir -p $d/root/run/sshd &&
		exec chroot $d/root /usr/sbin/sshd -D -e -o PermitRootLogin=prohibit-password" \
		>"$d/sshd.log" 2>&1 &
	LAB_PIDS+=($!)
}

U=$T/gold/upper
mkdir -p "$U/etc/udev/rules.d" "$U/var/lib/dhcp" "$U/var/lib/dbus" "$U/tmp" "$U/root" "$U/home/u"
echo 0123456789abcdef0123456789abcdef >"$U/etc/machine-id"
echo 0123456789abcdef0123456789abcdef >"$U/var/lib/dbus/machine-id"
echo 'lease { fixed-address 192.0.2.41; }' >"$U/var/lib/dhcp/dhclient.eth0.leases"
echo 'SUBSYSTEM=="net", ATTR{address}=="52:54:00:00:00:11", NAME="eth0"' \
	>"$U/etc/udev/rules.d/70-persistent-net.rules"
echo scratch >"$U/tmp/scratch"
echo secret >"$U/root/only-root" && chmod 0600 "$U/root/only-root"
echo tool >"$U/root/a" && ln "$U/root/a" "$U/root/b"
echo x >"$U/home/u/f" && chown -R 1234:5678 "$U/home/u"
XATTR=1
setfattr -n user.bootsrv -v kept "$U/root/a" 2>/dev/null || XATTR=
golden "$CLI_NS" "$T/gold"
# the client without rsync: an overlay whiteout (a 0/0 char device) hides it
mkdir -p "$T/bare/upper/usr/bin"
mknod "$T/bare/upper/usr/bin/rsync" c 0 0
golden "$NORSYNC_NS" "$T/bare"
wait_for 20 "sshd of the golden client" in_srv bash -c "exec 3<>/dev/tcp/$GOLD/22"
wait_for 20 "sshd of the client without rsync" in_srv bash -c "exec 3<>/dev/tcp/$BARE/22"

# --- usage
rc=0 && cli gold >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "no --from: exit $rc, want 2"
rc=0 && cli --from root@$GOLD >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "no NAME: exit $rc, want 2"

# --- the capture
cli --from root@$GOLD --identity "$KEY" gold >"$T/out" 2>"$T/err" ||
	fail "capture: $(cat "$T/out" "$T/err")"
IMG=$STORE/gold
grep -q "running: ssh .*-oBatchMode=yes" "$T/err" || fail "the ssh command line is not logged"
grep -q "running: rsync -aHAXS --numeric-ids" "$T/err" || fail "the rsync command line is not logged"
grep -q "layout not captured: .*lsblk" "$T/err" || fail "no layout refusal: $(cat "$T/err")"
grep -q "not usable until it has a layout" "$T/out" || fail "no hint: $(cat "$T/out")"
ssh-keygen -F $GOLD -f "$T/state/ssh/known_hosts" >/dev/null || fail "the client's host key was not learnt"
[ -f "$STORE/gold.conf" ] || fail "no gold.conf"
# the tree: close to the client's, root-only files, links, owners, xattrs
[ -x "$IMG/usr/sbin/sshd" ] && [ -f "$IMG/etc/passwd" ] || fail "the tree is not there"
n_src=$(find "$TREE" -xdev | wc -l) n_img=$(find "$IMG" | wc -l)
[ "$n_img" -gt $((n_src * 9 / 10)) ] || fail "only $n_img entries of $n_src"
[ "$(stat -c %a:%u:%g "$IMG/etc/shadow")" = "$(stat -c %a:%u:%g "$TREE/etc/shadow")" ] ||
	fail "/etc/shadow: mode or owner"
[ "$(stat -c %a:%u "$IMG/root/only-root")" = 600:0 ] || fail "root-only file"
[ "$(stat -c %i "$IMG/root/a")" = "$(stat -c %i "$IMG/root/b")" ] || fail "hard link lost"
[ "$(stat -c %u:%g "$IMG/home/u/f")" = 1234:5678 ] || fail "numeric owner lost"
if [ -n "$XATTR" ]; then
	[ "$(getfattr --only-values -n user.bootsrv "$IMG/root/a" 2>/dev/null)" = kept ] ||
		fail "xattr lost"
fi
# the identity: gone, machine-id kept empty
[ -f "$IMG/etc/machine-id" ] && [ ! -s "$IMG/etc/machine-id" ] || fail "machine-id not emptied"
[ ! -e "$IMG/var/lib/dbus/machine-id" ] || fail "dbus machine-id copied"
ls "$IMG/etc/ssh/" | grep -q ssh_host_ && fail "SSH host keys copied"
[ -z "$(ls -A "$IMG/var/lib/dhcp")" ] || fail "DHCP leases copied"
[ ! -e "$IMG/etc/udev/rules.d/70-persistent-net.rules" ] || fail "udev net rules copied"
for m in proc dev run tmp sys; do
	[ -d "$IMG/$m" ] || fail "/$m mount point lost"
	[ -z "$(ls -A "$IMG/$m")" ] || fail "/$m not empty: $(ls -A "$IMG/$m" | head -3)"
done
store_clean gold

# --- an existing name: refused without --replace, swapped with it
cli --from root@$GOLD --identity "$KEY" gold >"$T/out" 2>&1 && fail "existing name accepted"
grep -q "already exists" "$T/out" || fail "existing name: $(cat "$T/out")"
cli --from root@$GOLD --identity "$KEY" --replace --layout small gold >"$T/out" 2>&1 ||
	fail "--replace: $(cat "$T/out")"
grep -q 'layout = "small"' "$STORE/gold.conf" || fail "--layout not in gold.conf"
store_clean gold
# --layout-only: a chroot has no layout, nothing stored
cli --from root@$GOLD --identity "$KEY" --layout-only other >"$T/out" 2>&1 &&
	fail "--layout-only without a layout: exit 0"
grep -q "layout not captured" "$T/out" || fail "--layout-only: $(cat "$T/out")"
store_clean gold

# --- refusals: a one-line reason, quickly, nothing left
t0=$(date +%s)
cli --from root@192.0.2.99 --identity "$KEY" nohost >"$T/out" 2>&1 && fail "unreachable host accepted"
grep -q "cannot reach root@192.0.2.99 over ssh: " "$T/out" || fail "unreachable: $(cat "$T/out")"
[ $(($(date +%s) - t0)) -lt 30 ] || fail "unreachable host took $(($(date +%s) - t0)) s"
ssh-keygen -q -t ed25519 -N '' -f "$T/wrong" >/dev/null
cli --from root@$GOLD --identity "$T/wrong" wrongkey >"$T/out" 2>&1 && fail "wrong key accepted"
grep -q "cannot reach root@$GOLD over ssh: .*Permission denied" "$T/out" ||
	fail "wrong key: $(cat "$T/out")"
cli --from root@$BARE --identity "$KEY" bare >"$T/out" 2>&1 && fail "client without rsync accepted"
grep -q "root@$BARE has no rsync: install it on the golden client" "$T/out" ||
	fail "no rsync: $(cat "$T/out")"
store_clean gold
echo "ok: captured $n_img entries of $n_src from a running golden client; refusals clean"

#!/bin/bash
# tests/integration/installer_update.sh - `installer-init update` (like
# si_updateclient) against a real `rsync --daemon` serving a changed image:
# a dry run lists the changes and changes nothing; the real run adds,
# changes and deletes files while the default excludes (home, tmp, puppet,
# modprobe.d, machine-id, SSH host keys, fstab, hostname, lost+found) and
# the host's update.local.exclude stay untouched; the boot loader step
# retargets extlinux.conf at the newest kernel.
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces)"
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
command -v rsync >/dev/null || skip "rsync not installed"

IMG=$T/image ROOT=$T/root
mkdir -p "$IMG"/{etc/ssh,etc/modprobe.d,usr/bin,home/alice,var/lib/puppet,opt/site,boot} \
	"$ROOT"/{etc/ssh,etc/modprobe.d,etc/bootsrv,usr/bin,home/alice,var/lib/puppet,opt/site,boot,lost+found,tmp}
# the installed host (as the installer left it, then lived in)
echo v1 >"$ROOT/usr/bin/tool" && touch -d 2020-01-01 "$ROOT/usr/bin/tool"
echo obsolete >"$ROOT/usr/bin/gone"
echo same >"$ROOT/usr/bin/same"
echo host-notes >"$ROOT/home/alice/notes"
echo host-puppet >"$ROOT/var/lib/puppet/state"
echo "options host-nic" >"$ROOT/etc/modprobe.d/local.conf"
echo host-machine-id >"$ROOT/etc/machine-id"
echo host-key >"$ROOT/etc/ssh/ssh_host_ed25519_key"
echo "UUID=host / ext4 defaults 0 1" >"$ROOT/etc/fstab"
echo node01 >"$ROOT/etc/hostname"
echo "host-only" >"$ROOT/opt/site/local"
echo "host scratch" >"$ROOT/tmp/scratch"
echo "role: compute" >"$ROOT/etc/bootsrv/host.txt"
printf '# site files\n\n/opt/site/\n' >"$ROOT/etc/bootsrv/update.local.exclude"
echo k1 >"$ROOT/boot/vmlinuz-6.1.0-9-amd64"
echo i1 >"$ROOT/boot/initrd.img-6.1.0-9-amd64"
printf 'DEFAULT linux\nLABEL linux\n\tKERNEL /boot/vmlinuz-6.1.0-9-amd64\n\tINITRD /boot/initrd.img-6.1.0-9-amd64\n\tAPPEND root=UUID=x rw\n' \
	>"$ROOT/boot/extlinux.conf"
# the image, changed since
echo v2 >"$IMG/usr/bin/tool"
echo same >"$IMG/usr/bin/same"
echo new >"$IMG/usr/bin/added"
echo "image notes" >"$IMG/home/alice/notes"
echo image-puppet >"$IMG/var/lib/puppet/state"
echo golden-machine-id >"$IMG/etc/machine-id"
echo golden-key >"$IMG/etc/ssh/ssh_host_ed25519_key"
echo "UUID=golden / ext4 defaults 0 1" >"$IMG/etc/fstab"
echo golden >"$IMG/etc/hostname"
echo "image-site" >"$IMG/opt/site/fromimage"
cp "$ROOT/boot/vmlinuz-6.1.0-9-amd64" "$ROOT/boot/initrd.img-6.1.0-9-amd64" "$IMG/boot/"
echo k2 >"$IMG/boot/vmlinuz-6.1.0-10-amd64"
echo i2 >"$IMG/boot/initrd.img-6.1.0-10-amd64"

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_rsyncd "$IMG"

tree_sum() { (cd "$ROOT" && find . -printf '%p %s %m\n' | sort && find . -type f -exec cat {} + | sha256sum); }

# --- dry run ------------------------------------------------------------------
before=$(tree_sum)
in_cli "$INSTALLER" update --server 192.0.2.1 --image base --root "$ROOT" --dry-run \
	>"$T/dry.out" 2>"$T/dry.err" || { cat "$T/dry.err" >&2; fail "dry run failed"; }
[ "$(tree_sum)" = "$before" ] || fail "the dry run changed the root"
grep -q '^>f.* usr/bin/added$' "$T/dry.out" || { cat "$T/dry.out" >&2; fail "dry run: no 'added'"; }
grep -q '^>f.* usr/bin/tool$' "$T/dry.out" || fail "dry run: no 'tool' change"
grep -q '^\*deleting *usr/bin/gone$' "$T/dry.out" || fail "dry run: no deletion listed"
grep -q 'home/\|machine-id\|fstab\|ssh_host\|puppet\|opt/site\|hostname\|modprobe' "$T/dry.out" &&
	{ cat "$T/dry.out" >&2; fail "dry run lists excluded paths"; }

# --- the update ---------------------------------------------------------------
# extlinux --update needs a real filesystem on a block device: a stand-in
# records how it was called
printf '#!/bin/sh\necho "$@" >%s\n' "$T/extlinux.args" >"$T/extlinux" && chmod 0755 "$T/extlinux"
in_cli "$INSTALLER" update --server rsync://192.0.2.1:873 --image base --root "$ROOT" \
	--extlinux "$T/extlinux" \
	>"$T/upd.out" 2>"$T/upd.err" || { cat "$T/upd.err" >&2; fail "update failed"; }
[ "$(cat "$ROOT/usr/bin/added")" = new ] || fail "added file missing"
[ "$(cat "$ROOT/usr/bin/tool")" = v2 ] || fail "changed file not updated"
[ ! -e "$ROOT/usr/bin/gone" ] || fail "deleted file kept"
check() { [ "$(cat "$ROOT/$1")" = "$2" ] || fail "excluded $1 was touched: $(cat "$ROOT/$1")"; }
check home/alice/notes host-notes
check var/lib/puppet/state host-puppet
check etc/modprobe.d/local.conf "options host-nic"
check etc/machine-id host-machine-id
check etc/ssh/ssh_host_ed25519_key host-key
check etc/fstab "UUID=host / ext4 defaults 0 1"
check etc/hostname node01
check opt/site/local host-only
check tmp/scratch "host scratch"
check etc/bootsrv/host.txt "role: compute"
[ ! -e "$ROOT/opt/site/fromimage" ] || fail "update.local.exclude ignored"
[ -d "$ROOT/lost+found" ] || fail "lost+found deleted"
# boot loader: extlinux.conf now boots the newest kernel, ldlinux refreshed
[ "$(cat "$T/extlinux.args")" = "--update $ROOT/boot" ] || fail "extlinux --update not run"
grep -qP '^\tKERNEL /boot/vmlinuz-6.1.0-10-amd64$' "$ROOT/boot/extlinux.conf" ||
	{ cat "$ROOT/boot/extlinux.conf" "$T/upd.err" >&2; fail "extlinux.conf not retargeted"; }
grep -qP '^\tINITRD /boot/initrd.img-6.1.0-10-amd64$' "$ROOT/boot/extlinux.conf" || fail "INITRD"
grep -qP '^\tAPPEND root=UUID=x rw$' "$ROOT/boot/extlinux.conf" || fail "APPEND changed"

# --no-bootloader, and a second run changes nothing
before=$(tree_sum)
in_cli "$INSTALLER" update --server 192.0.2.1 --image base --root "$ROOT" --no-bootloader \
	>"$T/upd2.out" 2>&1 || { cat "$T/upd2.out" >&2; fail "second update failed"; }
[ "$(tree_sum)" = "$before" ] || fail "a second update changed something"
grep -q "boot loader left alone (--no-bootloader)" "$T/upd2.out" || fail "--no-bootloader"

# refusals: usage errors exit 2, an unknown module exits 1
rc=0; "$INSTALLER" update --image base >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "missing --server: exit $rc"
rc=0; in_cli "$INSTALLER" update --server 192.0.2.1 --image nosuch --root "$ROOT" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "unknown image: exit $rc"

# --- a failed update leaves the boot loader a kernel to boot ------------------
# the image moves on to kernel 11 and grows a file that does not fit: rsync
# fails after /boot was brought over; extlinux.conf still names kernel 10,
# which must still be there
ROOT2=$T/root2
mkdir -p "$ROOT2"
mount -t tmpfs -o size=6m tmpfs "$ROOT2"
at_exit "umount '$ROOT2'"
cp -a "$ROOT/." "$ROOT2/"
rm "$IMG"/boot/*-6.1.0-9-amd64 "$IMG"/boot/*-6.1.0-10-amd64
echo k3 >"$IMG/boot/vmlinuz-6.1.0-11-amd64"
echo i3 >"$IMG/boot/initrd.img-6.1.0-11-amd64"
head -c 8M /dev/urandom >"$IMG/usr/bin/huge"
rc=0
in_cli "$INSTALLER" update --server 192.0.2.1 --image base --root "$ROOT2" --extlinux "$T/extlinux" \
	>"$T/upd3.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T/upd3.out" >&2; fail "an update that ran out of space: exit $rc"; }
[ -f "$ROOT2/boot/vmlinuz-6.1.0-11-amd64" ] || fail "the new kernel did not arrive before the failure"
for kw in KERNEL INITRD; do
	f=$(awk -v k=$kw '$1 == k {print $2}' "$ROOT2/boot/extlinux.conf")
	[ "$f" = "/boot/$([ $kw = KERNEL ] && echo vmlinuz || echo initrd.img)-6.1.0-10-amd64" ] ||
		fail "a failed update changed $kw to $f"
	[ -f "$ROOT2$f" ] || fail "after a failed update extlinux.conf names $f, which was deleted"
done
# with room again: the config names kernel 11, then the old kernels go
rm "$IMG/usr/bin/huge"
in_cli "$INSTALLER" update --server 192.0.2.1 --image base --root "$ROOT2" --extlinux "$T/extlinux" \
	>"$T/upd4.out" 2>&1 || { cat "$T/upd4.out" >&2; fail "the update after the failure failed"; }
grep -qP '^\tKERNEL /boot/vmlinuz-6.1.0-11-amd64$' "$ROOT2/boot/extlinux.conf" ||
	{ cat "$ROOT2/boot/extlinux.conf" >&2; fail "extlinux.conf not moved to kernel 11"; }
grep -qP '^\tINITRD /boot/initrd.img-6.1.0-11-amd64$' "$ROOT2/boot/extlinux.conf" || fail "INITRD 11"
for v in 9 10; do
	[ ! -e "$ROOT2/boot/vmlinuz-6.1.0-$v-amd64" ] && [ ! -e "$ROOT2/boot/initrd.img-6.1.0-$v-amd64" ] ||
		fail "kernel $v, gone from the image, was kept"
done
[ -f "$ROOT2/boot/extlinux.conf" ] && [ -f "$ROOT2/etc/hostname" ] || fail "the cleanup deleted other files"
log "failed update: extlinux.conf kept a kernel that exists; the next update moved on and removed it"
log "update mode ok"

#!/bin/bash
# tests/integration/installer_grub_safety.sh - the boot loader is decided
# for the firmware the disk must boot with, and before the disk is touched
# whenever the plan says enough; the image's symlinks never lead the chroot
# mounts out of the target. On loop devices, with the golden image with
# grub (make golden-grub), the plan from a file and the image from a local
# path (no network):
#   - bootloader auto, gpt without bios_grub, BIOS: extlinux instead of
#     grub, with the reason logged, and the install succeeds
#   - bootloader grub on that layout: refused at step plan, disk untouched
#   - BIOS-only layout on a UEFI machine: refused at step plan
#   - "image_grub" without i386-pc on msdos, forced grub: refused at plan
#   - an image with dev -> /dev: the private /dev is not mounted over the
#     installer's own /dev; the install fails with the reason
#   - update mode on a grub install whose image has no grub.d: the
#     installer's block in /etc/default/grub survives the transfer, and
#     update-grub runs with a /dev of its own (root=UUID= kept)
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (loop devices, mounts)"
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
need_golden_grub
for t in losetup sfdisk blkid rsync unshare /sbin/mke2fs /usr/bin/extlinux; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
MNT=$T/check
mkdir -p "$MNT"
IMG=$T/images/base
mkdir -p "$T/images"
cp -a "$GOLDEN_GRUB" "$IMG"

plan() { # LABEL BOOTLOADER PARTITIONS-JSON [EXTRA-MEMBERS]
	cat >"$T/plan.json" <<JSON
{"host":"node01","hostname":"node01","image":"base","bootloader":"$2",${4:-}
 "rsync_url":"$IMG/","excludes":[],"console":"ttyS0,115200",
 "layout":{"name":"l","disk":"/dev/vda","label":"$1","partitions":[$3]}}
JSON
}
ROOT='{"size_bytes":0,"fill":true,"fs":"ext4","mount":"/","label":"root"}'

# installer DISK FIRMWARE: in a mount namespace of its own; the mount table
# before and after is kept ($T/mounts-before, $T/mounts-after)
installer() {
	unshare -m bash -c 'mount --make-rprivate /; cat /proc/self/mounts >"$1"
		"${@:3}"; rc=$?; cat /proc/self/mounts >"$2"; exit $rc' _ \
		"$T/mounts-before" "$T/mounts-after" \
		"$INSTALLER" --no-net --no-reboot --allow-loop --plan "$T/plan.json" \
		--disk "$1" --target "$T/target" --firmware "$2" console=ttyS0,115200
}

refused_at_plan() { # NAME FIRMWARE REASON
	local disk
	lab_loop disk 256M noise
	head -c 2M "$disk" | sha256sum >"$T/before"
	installer "$disk" "$2" >"$T/$1.log" 2>&1 && fail "$1: installed"
	grep -q "INSTALL FAILED at step plan: bad plan: .*$3" "$T/$1.log" ||
		{ tail -n 20 "$T/$1.log" >&2; fail "$1: not refused at step plan"; }
	[ "$(head -c 2M "$disk" | sha256sum)" = "$(cat "$T/before")" ] || fail "$1: the disk was modified"
	log "$1: refused at step plan, disk untouched"
}

# --- auto, gpt without bios_grub, BIOS: extlinux, not a failure -------------
plan gpt auto "$ROOT"
lab_loop DISK 256M noise
installer "$DISK" bios >"$T/fallback.log" 2>&1 ||
	{ tail -n 30 "$T/fallback.log" >&2; fail "fallback: install failed"; }
grep -q "extlinux, not the image's grub: gpt layout without a bios_grub partition" "$T/fallback.log" ||
	fail "fallback: the reason for extlinux not logged"
grep -q "grub-install" "$T/fallback.log" && fail "fallback: grub-install ran"
mount "${DISK}p1" "$MNT"
[ -f "$MNT/boot/extlinux.conf" ] || fail "fallback: no extlinux.conf"
[ ! -e "$MNT/boot/grub/grub.cfg" ] || fail "fallback: grub.cfg written"
umount "$MNT"
log "auto on gpt without bios_grub: extlinux, reason logged"

# --- refused before the disk is touched -------------------------------------
plan gpt grub "$ROOT"
refused_at_plan forced bios "gpt layout without a bios_grub partition"
plan msdos auto "$ROOT"
refused_at_plan uefi-msdos uefi "no esp partition"
plan msdos extlinux "$ROOT"
refused_at_plan uefi-extlinux uefi "extlinux boots BIOS only"
plan msdos grub "$ROOT" '"image_grub":["x86_64-efi"],'
refused_at_plan efi-only-grub bios "no i386-pc modules"

# --- dev -> /dev in the image: not followed ----------------------------------
rm -rf "$IMG/dev" && ln -s /dev "$IMG/dev"
plan msdos grub "$ROOT"
lab_loop LDISK 256M noise
installer "$LDISK" bios >"$T/link.log" 2>&1 && fail "link: installed through dev -> /dev"
grep -q "INSTALL FAILED at step .*dev.*(a symlink in the image)" "$T/link.log" ||
	{ tail -n 20 "$T/link.log" >&2; fail "link: no reason naming the symlink"; }
# the installer's own /dev is as it was: nothing mounted on it or under it
diff <(grep -E ' /dev(/| )' "$T/mounts-before") <(grep -E ' /dev(/| )' "$T/mounts-after") >&2 ||
	fail "link: the installer's /dev changed"
grep -q " $T/target/\(proc\|sys\|dev\)" "$T/mounts-after" && fail "link: chroot mounts left behind"
log "dev -> /dev in the image: refused, the installer's /dev untouched"
# --- update: the block in /etc/default/grub kept -----------------------------
rm -f "$IMG/dev" && mkdir "$IMG/dev"
rm -rf "$IMG/etc/default/grub.d"
plan msdos grub "$ROOT"
lab_loop UDISK 512M noise
installer "$UDISK" bios >"$T/upd-install.log" 2>&1 ||
	{ tail -n 30 "$T/upd-install.log" >&2; fail "update: the install failed"; }
grep -q 'settings in /etc/default/grub$' "$T/upd-install.log" || fail "update: no block in /etc/default/grub"
echo "# a newer image" >>"$IMG/etc/default/grub"
PORT=$((20000 + RANDOM % 20000))
cat >"$T/rsyncd.conf" <<RSYNCD
pid file = $T/rsyncd.pid
[base]
	path = $IMG
	read only = yes
	uid = root
	gid = root
RSYNCD
rsync --daemon --no-detach --address=127.0.0.1 --port=$PORT --config="$T/rsyncd.conf" \
	>>"$T/rsyncd.log" 2>&1 &
at_exit "kill $!"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
mount "${UDISK}p1" "$MNT"
uuid=$(blkid -o value -s UUID "${UDISK}p1")
unshare -m "$INSTALLER" update --server "rsync://127.0.0.1:$PORT" --image base --root "$MNT" \
	>"$T/upd.out" 2>"$T/upd.err" || { tail -n 30 "$T/upd.err" >&2; fail "update failed"; }
grep -q '# a newer image' "$MNT/etc/default/grub" || fail "update: /etc/default/grub not the image's"
grep -q '^GRUB_CMDLINE_LINUX=.*console=ttyS0,115200' "$MNT/etc/default/grub" ||
	fail "update: the installer's block in /etc/default/grub lost"
grep -q "the chroot's /dev holds .*${UDISK#/dev/}p1 (UUID $uuid)" "$T/upd.err" ||
	{ tail -n 20 "$T/upd.err" >&2; fail "update: no private /dev for update-grub"; }
grep -qP "^\tlinux\t/boot/vmlinuz-\S+ root=UUID=$uuid ro .*console=ttyS0,115200" "$MNT/boot/grub/grub.cfg" ||
	{ grep -P '^\s*linux' "$MNT/boot/grub/grub.cfg" >&2; fail "update: grub.cfg lost root=UUID or the console"; }
umount "$MNT"
log "update: the block in /etc/default/grub kept, update-grub with a private /dev"
log "all grub safety checks passed"

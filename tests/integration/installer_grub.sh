#!/bin/bash
# tests/integration/installer_grub.sh - the image's own grub, installed by
# the installer on loop devices (the golden image with grub, make
# golden-grub): grub-install for BIOS into the MBR and the gap after it
# (msdos) or the bios_grub partition (gpt), update-grub in the chroot with
# root=UUID= of the root filesystem and the console on the kernel line,
# kept in /etc/default/grub.d for later update-grub runs. The "bootloader"
# image option forces extlinux. A gpt layout without bios_grub and without
# an ESP cannot boot grub on BIOS: with "auto" the installer says so and
# installs extlinux instead, and with bootloader "grub" it is refused at
# step plan, before the disk is touched (a plan bootsrv never sends:
# tests/test_installer_steps.c). A failing grub-install fails
# the install with its output, the chroot unmounted. The server is bootsrv
# itself: each case an image of its config (layout, "bootloader"), armed
# with `bootsrv netboot`, the outcome checked in the daemon's view of the
# host.
# (UEFI needs vfat, which this host's kernel lacks: qemu-tests/grub_e2e.sh
# installs and boots the ESP.)
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (loop devices, mounts)"
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
[ -x "$BOOTSRV" ] || skip "$BOOTSRV not built"
need_golden_grub
for t in losetup sfdisk blkid rsync jq /sbin/mke2fs /usr/bin/extlinux; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
DISKBOOT=$GOLDEN_GRUB/usr/lib/grub/i386-pc/diskboot.img
MNT=$T/check

IMG=$T/images/base
mkdir -p "$T/images"
cp -a "$GOLDEN_GRUB" "$IMG"
mkdir -p "$IMG/etc/bootsrv/post-install.d"
printf '#!/bin/sh\necho ran >/root/hook-ran\n' >"$IMG/etc/bootsrv/post-install.d/10-mark"
chmod 0755 "$IMG/etc/bootsrv/post-install.d/10-mark"

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0

# one image per case over the same tree, each with its layout
ROOT='{ size = "*"; fs = "ext4"; mount = "/"; label = "root"; }'
BOOT='{ size = "64M"; fs = "ext3"; mount = "/boot"; flags = [ "boot" ]; }'
BIOS_GRUB='{ size = "1M"; flags = [ "bios_grub" ]; }'
ESP_RAW='{ size = "32M"; flags = [ "esp" ]; }' # unformatted: this kernel has no vfat
# /srv/data is not in the image: rsync --delete must keep its mount point
DATA='{ size = "32M"; fs = "ext4"; mount = "/srv/data"; }'
LAB_IMAGES=$(cat <<EOF
{ name = "msdos"; path = "$IMG"; layout = "msdos"; },
{ name = "gpt"; path = "$IMG"; layout = "gpt"; },
{ name = "extlinux"; path = "$IMG"; layout = "msdos"; bootloader = "extlinux"; },
{ name = "none"; path = "$IMG"; layout = "msdos"; bootloader = "none"; },
{ name = "nobios"; path = "$IMG"; layout = "gpt-root"; }
EOF
)
LAB_LAYOUTS=$(cat <<EOF
{ name = "msdos"; disk = "/dev/vda"; label = "msdos"; partitions = ( $BOOT, $ROOT ); },
{ name = "gpt"; disk = "/dev/vda"; label = "gpt"; partitions = ( $BIOS_GRUB, $ESP_RAW, $ROOT, $DATA ); },
{ name = "gpt-root"; disk = "/dev/vda"; label = "gpt"; partitions = ( $ROOT ); }
EOF
)
lab_config "$T/bootsrv.conf" '{ name = "node01"; mac = "52:54:00:00:00:11"; image = "msdos"; }'
in_srv "$BOOTSRV" check -c "$T/bootsrv.conf" >/dev/null || fail "bootsrv check refuses the config"
bootsrv_start "$T/bootsrv.conf"
wait_rsync

# every report the installer sent was accepted by the daemon (200)
reports_accepted() { # LOG
	! grep "report .*: server answered HTTP" "$1" >&2 || fail "bootsrv refused a report: see above"
}

install_ok() { # IMAGE DISK
	lab_arm node01 "$1"
	lab_installer "$2" >"$T/$1.log" 2>&1 || { tail -n 40 "$T/$1.log" >&2; fail "$1: install failed"; }
	reports_accepted "$T/$1.log"
	lab_host node01
	host_expect '.state == "installed" and .image == $i and .error == "" and any(.events[]; .event == "done")' \
		"$1: the daemon does not have node01 installed" --arg i "$1"
	grep -q "^${2}p\\| $T/target" "$T/mounts-after" && fail "$1: the installer left mounts behind"
	return 0
}

# a failed install: the daemon has the reason, and no step after the failure
install_fails() { # IMAGE DISK LOG
	lab_arm node01 "$1"
	lab_installer "$2" >"$T/$3.log" 2>&1 && fail "$3: installed"
	reports_accepted "$T/$3.log"
	lab_host node01
	host_expect '.state == "failed" and (.step as $s | .error | startswith("step " + $s + ": "))' \
		"$3: the daemon does not have node01 failed at the failing step"
	host_expect 'any(.events[]; .event == "failed" and (.detail | startswith("step ")))' \
		"$3: no failed event naming the step"
	host_expect 'all(.events[]; .event != "step" or (.detail | startswith("hooks ") | not))' \
		"$3: the hooks step ran after the failure"
}

# grub's boot.img in the MBR (its "GRUB " message string), the partition
# table and disk signature untouched by it
mbr_is_grub() { head -c 440 "$1" | grep -aq 'GRUB '; }
# core.img starts with diskboot.img (its block list at the end differs)
core_at() { # DISK SECTOR
	cmp -s -n 256 <(dd if="$1" bs=512 skip="$2" count=1 status=none) "$DISKBOOT"
}

check_grub_cfg() { # NAME ROOT-DEVICE
	local uuid cfg=$MNT/boot/grub/grub.cfg
	uuid=$(blkid -o value -s UUID "$2")
	[ -f "$cfg" ] || fail "$1: no /boot/grub/grub.cfg"
	grep -qP "^\tlinux\t/boot/vmlinuz-\S+ root=UUID=$uuid ro .*console=ttyS0,115200" "$cfg" ||
		{ grep -P '^\s*linux' "$cfg" >&2; fail "$1: kernel line without root=UUID=$uuid and the console"; }
	grep -q "^serial --unit=0 --speed=115200" "$cfg" || fail "$1: grub's menu not on the serial port"
	grep -q 'console=ttyS0,115200' "$MNT/etc/default/grub.d/bootsrv.cfg" || fail "$1: no drop-in"
	[ -f "$MNT/boot/grub/i386-pc/normal.mod" ] || fail "$1: no i386-pc modules in /boot/grub"
	[ -f "$MNT/boot/grub/i386-pc/core.img" ] || fail "$1: no core.img in /boot/grub"
	[ ! -e "$MNT/boot/extlinux.conf" ] || fail "$1: extlinux.conf with grub"
	[ "$(cat "$MNT/root/hook-ran")" = ran ] || fail "$1: hooks did not run after grub"
}

# --- 1. msdos, BIOS: boot.img in the MBR, core.img in the gap ---------------
lab_loop DISK 512M noise
install_ok msdos "$DISK"
grep -q "grub-install --target=i386-pc $DISK" "$T/msdos.log" || fail "msdos: no grub-install for BIOS"
mbr_is_grub "$DISK" || fail "msdos: no GRUB boot code in the MBR"
core_at "$DISK" 1 || fail "msdos: core.img not embedded after the MBR"
mkdir -p "$MNT"
mount "${DISK}p2" "$MNT" && mount "${DISK}p1" "$MNT/boot"
# /boot is its own filesystem: the kernel is /vmlinuz-... there
uuid=$(blkid -o value -s UUID "${DISK}p2")
grep -qP "^\tlinux\t/vmlinuz-\S+ root=UUID=$uuid ro .*console=ttyS0,115200" "$MNT/boot/grub/grub.cfg" ||
	{ grep -P '^\s*linux' "$MNT/boot/grub/grub.cfg" >&2; fail "msdos: kernel line"; }
[ -f "$MNT/boot/grub/i386-pc/core.img" ] && [ -f "$MNT/etc/default/grub.d/bootsrv.cfg" ] ||
	fail "msdos: grub files"
[ "$(cat "$MNT/root/hook-ran")" = ran ] || fail "msdos: hooks did not run after grub"
umount "$MNT/boot" "$MNT"
log "msdos: grub for BIOS, root=UUID=$uuid"

# --- 2. gpt with bios_grub (and an ESP this host cannot format) --------------
lab_loop GDISK 512M noise
install_ok gpt "$GDISK"
mbr_is_grub "$GDISK" || fail "gpt: no GRUB boot code in the protective MBR"
start=$(sfdisk -d "$GDISK" | sed -n "s|^${GDISK}p1 : start= *\([0-9]*\),.*|\1|p")
core_at "$GDISK" "$start" || fail "gpt: core.img not in the bios_grub partition (sector $start)"
mount "${GDISK}p3" "$MNT"
check_grub_cfg gpt "${GDISK}p3"
[ -d "$MNT/srv/data" ] || fail "gpt: the mount point /srv/data was deleted"
umount "$MNT"
log "gpt: grub for BIOS in the bios_grub partition"

# --- 3. the image option forces extlinux ---------------------------------------
lab_loop XDISK 256M noise
install_ok extlinux "$XDISK"
cmp -n 440 "$XDISK" /usr/lib/syslinux/mbr/mbr.bin || fail "extlinux: MBR is not syslinux's"
mount "${XDISK}p1" "$MNT"
[ -f "$MNT/extlinux.conf" ] && [ ! -e "$MNT/grub/grub.cfg" ] || fail "extlinux: wrong boot loader"
umount "$MNT"
log "bootloader = extlinux: extlinux despite the image's grub"

# --- 3b. bootloader = none: no boot loader, done all the same ------------------
lab_loop ODISK 256M noise
install_ok none "$ODISK"
# the boot code is libparted's own, from the new label: neither grub's nor syslinux's
mbr_is_grub "$ODISK" && fail "none: GRUB boot code written"
cmp -s -n 440 "$ODISK" /usr/lib/syslinux/mbr/mbr.bin && fail "none: syslinux MBR written"
mount "${ODISK}p1" "$MNT"
[ ! -e "$MNT/extlinux.conf" ] && [ ! -e "$MNT/grub/grub.cfg" ] && [ ! -e "$MNT/ldlinux.sys" ] ||
	fail "none: a boot loader was installed"
umount "$MNT"
log "bootloader = none: nothing installed, done ok"

# --- 4. gpt, no bios_grub, no ESP: grub cannot boot it on BIOS ------------------
# with bootloader "auto" the installer says why and installs extlinux, which
# boots a gpt disk on BIOS from syslinux's gptmbr.bin
lab_loop NDISK 256M noise
install_ok nobios "$NDISK"
grep -q "extlinux" "$T/nobios.log" || { tail -n 20 "$T/nobios.log" >&2; fail "nobios: no word of extlinux"; }
grep -qi "bios_grub" "$T/nobios.log" || fail "nobios: the reason for not using grub is not logged"
cmp -s -n 440 "$NDISK" /usr/lib/syslinux/mbr/gptmbr.bin || fail "nobios: MBR is not syslinux's gptmbr"
mount "${NDISK}p1" "$MNT"
[ -f "$MNT/boot/extlinux.conf" ] && [ ! -e "$MNT/boot/grub/grub.cfg" ] ||
	fail "nobios: not extlinux ($(ls "$MNT/boot"))"
umount "$MNT"
log "gpt without bios_grub: grub cannot boot it on BIOS, extlinux installed instead"

# --- 5. forced grub on that layout: refused before the disk is touched -----------
# bootsrv never sends that plan: `bootsrv check` refuses bootloader = "grub"
# on a gpt layout grub cannot boot (tests/test_config.c); the installer's
# own refusal at step plan, before the disk, is tests/test_installer_steps.c
# (and its reason tests/test_installer_boot.c).

# --- 6. a failing grub-install: its output on the server, mounts gone --------
# (a broken image: its i386-pc modules lack modinfo.sh)
rm "$IMG/usr/lib/grub/i386-pc/modinfo.sh"
lab_loop EDISK 256M noise
install_fails msdos "$EDISK" grubfail
host_expect '.error | test("^step bootloader: /usr/sbin/grub-install --target=i386-pc " + $d
	+ " exited 1: .*modinfo.sh doesn.t exist")' "grubfail: grub-install's output not reported" \
	--arg d "$EDISK"
grep -q " $T/target/\(proc\|sys\|dev\)" "$T/mounts-after" &&
	fail "grubfail: the chroot's /proc, /sys or /dev left mounted after the failure"
grep -q " $T/target " "$T/mounts-after" || fail "grubfail: the target itself should stay for inspection"
log "failing grub-install: reported with its output, chroot mounts gone"
bootsrv_stop
log "all grub installer checks passed"

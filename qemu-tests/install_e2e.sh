#!/bin/bash
# End to end: a QEMU guest PXE-boots from bootsrv, is installed from the
# golden image, flips itself to localboot, reboots and boots from its own
# disk. Then a second guest, in localboot, PXE-boots and is sent straight to
# its disk without touching the installer.
source "$(dirname "$0")/lab.sh"

[ -d "$GOLDEN" ] || skip "no golden image (make golden)"
[ -f "$TOP/build/boot/default/initrd.img" ] || skip "no installer initramfs (make initramfs)"

MAC1=52:54:00:b0:07:01
MAC2=52:54:00:b0:07:02
lab_setup
lab_e2e_config "
  { name = \"vm1\"; mac = \"$MAC1\"; ip = \"192.0.2.11\"; image = \"base\"; },
  { name = \"vm2\"; mac = \"$MAC2\"; ip = \"192.0.2.12\"; image = \"base\"; }"
lab_boot_files
bootsrv_start "$T/bootsrv.conf"

[ "$(host_state vm1)" = localboot ] || fail "vm1 should start in localboot"
bootsrv_cli netboot --hosts 'vm[1]' --image base || fail "netboot refused"
[ "$(host_state vm1)" = netboot ] || fail "vm1 not armed"

truncate -s 1G "$T/vm1.img"
vm_start vm1 "$MAC1" "$T/vm1.img"
log "vm1: waiting for the installer"
wait_console vm1 'bootsrv-installer' 240
log "vm1: installer running; waiting for the installed system"
wait_console vm1 'BOOTSRV-GOLDEN-BOOTED host=vm1' 600 'INSTALL FAILED'
grep -aq 'bootsrv-installer.*done' "$T/vm1.console" || log "note: no done line on console"
st=$(host_state vm1)
[ "$st" = installed ] || [ "$st" = localboot ] || fail "vm1 state after install: $st"
vm_stop vm1
log "vm1: installed and booted from disk (state $st)"

# What landed on the disk: files, excludes, fstab by UUID, hostname.
loopdev=$(losetup -f --show "$T/vm1.img")
at_exit "losetup -d $loopdev"
partx -a "$loopdev" 2>/dev/null || true
at_exit "partx -d $loopdev"
mkdir -p "$T/mnt"
mount -o ro "${loopdev}p2" "$T/mnt"
at_exit "umount $T/mnt"
ok=1
[ -f "$T/mnt/root/payload.txt" ] || { ok=0; log "payload missing"; }
[ ! -e "$T/mnt/home/user/excluded.txt" ] || { ok=0; log "excluded file copied"; }
grep -q '^UUID=' "$T/mnt/etc/fstab" || { ok=0; log "fstab not by UUID"; }
[ "$(cat "$T/mnt/etc/hostname")" = vm1 ] || { ok=0; log "hostname not vm1"; }
umount "$T/mnt"
mount -o ro "${loopdev}p1" "$T/mnt"
[ -f "$T/mnt/ldlinux.sys" ] || { ok=0; log "extlinux not installed on /boot"; }
grep -q 'root=UUID=' "$T/mnt/extlinux.conf" || { ok=0; log "extlinux.conf lacks root=UUID"; }
umount "$T/mnt"
cmp -n 440 "$loopdev" /usr/lib/syslinux/mbr/mbr.bin || { ok=0; log "MBR boot code not written"; }
cp --sparse=always "$T/vm1.img" "$T/vm2.img"
partx -d "$loopdev" 2>/dev/null || true
losetup -d "$loopdev"
[ "$ok" = 1 ] || fail "installed disk content is wrong"

# Scenario 2: a host in localboot is sent to its local disk.
[ "$(host_state vm2)" = localboot ] || fail "vm2 should be in localboot"
vm_start vm2 "$MAC2" "$T/vm2.img"
wait_console vm2 'BOOTSRV-GOLDEN-BOOTED' 300 'bootsrv-installer'
grep -aq 'bootsrv-installer' "$T/vm2.console" && fail "vm2 ran the installer"
[ "$(host_state vm2)" = localboot ] || fail "vm2 state changed"
vm_stop vm2
bootsrv_stop
log "ok: install + boot from disk; localboot host booted its disk"

#!/bin/bash
# End to end, gpt: a guest is installed on a gpt disk (BIOS boot partition,
# separate /boot with the legacy-BIOS-bootable attribute, swap, root) -
# syslinux's gptmbr.bin + extlinux - and boots from it. Meanwhile a second
# guest with a 64 MiB disk, too small for the layout, must end `failed`
# with the reason, its disk untouched (first MiB unchanged).
source "$(dirname "$0")/lab.sh"

[ -d "$GOLDEN" ] || skip "no golden image (make golden)"
[ -f "$TOP/build/boot/default/initrd.img" ] || skip "no installer initramfs (make initramfs)"
[ -f /usr/lib/syslinux/mbr/gptmbr.bin ] || skip "syslinux gptmbr.bin not installed"

MAC1=52:54:00:b0:08:01
MAC2=52:54:00:b0:08:02
lab_setup
lab_e2e_config "{ name = \"gpt1\"; mac = \"$MAC1\"; ip = \"192.0.2.21\"; image = \"base\"; },
                { name = \"tiny1\"; mac = \"$MAC2\"; ip = \"192.0.2.22\"; image = \"base\"; }" \
	'{ name = "gpt-boot-swap-root"; disk = "/dev/vda"; label = "gpt";
	   partitions = ( { size = "1M";  fs = ""; flags = [ "bios_grub" ]; },
	                  { size = "64M"; fs = "ext3"; mount = "/boot"; label = "boot";
	                    flags = [ "boot" ]; },
	                  { size = "32M"; fs = "swap"; },
	                  { size = "*";   fs = "ext4"; mount = "/"; label = "root"; } ); }'
lab_boot_files
bootsrv_start "$T/bootsrv.conf"
bootsrv_cli netboot --hosts 'gpt1,tiny1' --image base || fail "netboot refused"

truncate -s 1G "$T/gpt1.img"
# random bytes up front so "untouched" means something
head -c 2M /dev/urandom >"$T/tiny1.img"
truncate -s 64M "$T/tiny1.img"
tiny_before=$(head -c 1M "$T/tiny1.img" | sha256sum)

vm_start gpt1 "$MAC1" "$T/gpt1.img"
vm_start tiny1 "$MAC2" "$T/tiny1.img"
log "waiting for the too-small guest to fail"
wait_console tiny1 'INSTALL FAILED' 300
grep -aq 'INSTALL FAILED at step disk: .*too small' "$T/tiny1.console" ||
	{ grep -a 'INSTALL FAILED' "$T/tiny1.console" >&2; fail "tiny1: not refused as too small"; }
for _ in $(seq 20); do [ "$(host_state tiny1)" = failed ] && break; sleep 1; done
[ "$(host_state tiny1)" = failed ] || fail "tiny1 state: $(host_state tiny1)"
bootsrv_cli status --json --hosts tiny1 >"$T/tiny1.json"
grep -q 'too small' "$T/tiny1.json" || { cat "$T/tiny1.json" >&2; fail "tiny1: reason not on the server"; }
vm_stop tiny1
[ "$(head -c 1M "$T/tiny1.img" | sha256sum)" = "$tiny_before" ] || fail "tiny1: the disk was modified"
log "tiny1: failed (too small), disk untouched"

log "gpt1: waiting for the installed system"
wait_console gpt1 'BOOTSRV-GOLDEN-BOOTED host=gpt1' 600 'INSTALL FAILED'
st=$(host_state gpt1)
[ "$st" = installed ] || [ "$st" = localboot ] || fail "gpt1 state after install: $st"
vm_stop gpt1

# what landed on the disk
sfdisk -d "$T/gpt1.img" >"$T/gpt1.sfdisk"
grep -q '^label: gpt' "$T/gpt1.sfdisk" || fail "no gpt label"
grep -q 'gpt1.img1 : .*type=21686148-6449-6E6F-744E-656564454649' "$T/gpt1.sfdisk" ||
	{ cat "$T/gpt1.sfdisk" >&2; fail "no BIOS boot partition"; }
grep -q 'gpt1.img2 : .*attrs="LegacyBIOSBootable"' "$T/gpt1.sfdisk" || fail "/boot not legacy-bootable"
grep -q 'gpt1.img3 : .*type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F' "$T/gpt1.sfdisk" || fail "no swap partition"
cmp -n 440 "$T/gpt1.img" /usr/lib/syslinux/mbr/gptmbr.bin || fail "MBR boot code is not gptmbr.bin"
log "ok: gpt install booted from disk; a too-small disk failed untouched"
bootsrv_stop

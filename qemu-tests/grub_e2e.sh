#!/bin/bash
# End to end with the image's own grub: a BIOS guest is installed from the
# golden image with grub (make golden-grub) on a gpt disk with a bios_grub
# partition and an ESP, so the installer runs grub-install for BIOS and for
# UEFI (removable path, no NVRAM entry). The guest reboots into its disk
# (SeaBIOS -> grub -> kernel with root=UUID=) and prints the golden marker;
# then the same disk boots under OVMF with no NIC and a fresh variable
# store: only EFI/BOOT/BOOTX64.EFI on the ESP can boot it. Meanwhile a
# second guest gets an image whose layout has an ESP but no bios_grub: grub
# for UEFI only (the MBR keeps libparted's empty boot code), and its disk
# boots under OVMF.
source "$(dirname "$0")/lab.sh"

need_grub_uefi_e2e

MAC1=52:54:00:b0:09:01
MAC2=52:54:00:b0:09:02
lab_setup
E2E_SERVER_EXTRA=$E2E_GRUB_EFI lab_e2e_config "{ name = \"grub1\"; mac = \"$MAC1\"; ip = \"192.0.2.31\"; image = \"base\"; },
                { name = \"efi1\"; mac = \"$MAC2\"; ip = \"192.0.2.32\"; image = \"efionly\"; }" \
	'{ name = "gpt-grub"; disk = "/dev/vda"; label = "gpt";
	   partitions = ( { size = "1M";  fs = ""; flags = [ "bios_grub" ]; },
	                  { size = "32M"; fs = "vfat"; mount = "/boot/efi"; flags = [ "esp" ]; },
	                  { size = "*";   fs = "ext4"; mount = "/"; label = "root"; } ); }'
# the second image: the same tree, a layout without bios_grub
perl -0pi -e 's|\} \);\nlayouts = \( |}, { name = "efionly"; path = "'"$GOLDEN"'"; layout = "gpt-efi-only"; } );
layouts = ( { name = "gpt-efi-only"; disk = "/dev/vda"; label = "gpt";
  partitions = ( { size = "32M"; fs = "vfat"; mount = "/boot/efi"; flags = [ "esp" ]; },
                 { size = "*"; fs = "ext4"; mount = "/"; } ); }, |' "$T/bootsrv.conf"
lab_boot_files
lab_grub_efi_netboot
bootsrv_start "$T/bootsrv.conf"
bootsrv_cli netboot --hosts grub1 --image base || fail "netboot refused"
bootsrv_cli netboot --hosts efi1 --image efionly || fail "netboot efi1 refused"

truncate -s 1G "$T/grub1.img" "$T/efi1.img"
vm_start grub1 "$MAC1" "$T/grub1.img"
VM_FIRMWARE=uefi vm_start efi1 "$MAC2" "$T/efi1.img"
log "grub1: installing (BIOS), then booting from disk"
wait_console grub1 'BOOTSRV-GOLDEN-BOOTED host=grub1' 600 'INSTALL FAILED'
grep -aq 'grub-install --target=i386-pc /dev/vda' "$T/grub1.console" ||
	fail "grub1: the installer did not run grub-install for BIOS"
grep -aq 'grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram' \
	"$T/grub1.console" || fail "grub1: the installer did not run grub-install for UEFI"
grep -aq 'GNU GRUB' "$T/grub1.console" || fail "grub1: the disk did not boot through grub"
uuid=$(sed -n 's/.*BOOTSRV-GOLDEN-BOOTED host=grub1 root=UUID=\([0-9a-f-]*\).*/\1/p' \
	"$T/grub1.console" | tr -d '\r' | head -n1)
[ -n "$uuid" ] || fail "grub1: not booted with root=UUID= ($(grep -a BOOTSRV-GOLDEN "$T/grub1.console"))"
assert_installed grub1
vm_stop grub1
log "grub1: booted from disk via grub on BIOS, root=UUID=$uuid"

wait_console efi1 'BOOTSRV-GOLDEN-BOOTED host=efi1 root=UUID=' 300 'INSTALL FAILED'
assert_installed efi1
vm_stop efi1
grep -aq 'mounted efivarfs read-only on .*/sys/firmware/efi/efivars' "$T/efi1.console" ||
	fail "efi1: no efivarfs in the chroot of an EFI-booted installer"
grep -aq 'grub-install --target=x86_64-efi --efi-directory=/boot/efi --removable --no-nvram' \
	"$T/efi1.console" || fail "efi1: no grub-install for UEFI"
grep -aq 'grub-install --target=i386-pc' "$T/efi1.console" && fail "efi1: grub for BIOS without bios_grub"
cmp -s -n 440 "$T/efi1.img" /dev/zero || fail "efi1: boot code in the MBR"
log "efi1: installed under OVMF, grub for UEFI only, booted from its disk"

VM_FIRMWARE=uefi VM_NET=none vm_start grub1-uefi "$MAC1" "$T/grub1.img"
log "grub1: the same disk under OVMF, no NIC, empty NVRAM"
wait_console grub1-uefi "BOOTSRV-GOLDEN-BOOTED host=grub1 root=UUID=$uuid" 300
grep -aq 'GNU GRUB' "$T/grub1-uefi.console" || fail "grub1-uefi: not booted through grub"
vm_stop grub1-uefi
bootsrv_stop
log "ok: grub installed for BIOS and UEFI, the disk boots both ways; an ESP-only disk boots UEFI"

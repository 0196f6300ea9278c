#!/bin/bash
# End to end under UEFI with GRUB: an OVMF guest PXE-boots, DHCP answers
# its client architecture (option 93 = 7, x64 UEFI) with GRUB's network
# image (grub-mknetdir --subdir=grub), GRUB fetches its per-host config
# grub/grub.cfg-01-<mac> over TFTP and loads the installer, which installs
# and reports done. The next PXE boot of the same guest gets the local-boot
# GRUB config (exit back to the firmware); a second guest in localboot gets
# it on its first boot. Neither may reach the installer again.
source "$(dirname "$0")/lab.sh"

# the installer runs under UEFI: the disk must boot by UEFI too, so the
# image brings grub and the layout an ESP (extlinux would be refused at
# step plan)
need_grub_uefi_e2e

MAC1=52:54:00:e0:0f:01
MAC2=52:54:00:e0:0f:02
lab_setup
E2E_SERVER_EXTRA=$E2E_GRUB_EFI lab_e2e_config "
  { name = \"uefi1\"; mac = \"$MAC1\"; ip = \"192.0.2.21\"; image = \"base\"; },
  { name = \"uefi2\"; mac = \"$MAC2\"; ip = \"192.0.2.22\"; image = \"base\"; }" \
	'{ name = "gpt-efi"; disk = "/dev/vda"; label = "gpt";
	   partitions = ( { size = "32M"; fs = "vfat"; mount = "/boot/efi"; flags = [ "esp" ]; },
	                  { size = "*";   fs = "ext4"; mount = "/"; label = "root"; } ); }'
lab_boot_files
lab_grub_efi_netboot
bootsrv_start "$T/bootsrv.conf"

bootsrv_cli netboot --hosts uefi1 --image base || fail "netboot refused"
export VM_FIRMWARE=uefi
truncate -s 1G "$T/uefi1.img"
vm_start uefi1 "$MAC1" "$T/uefi1.img"
log "uefi1: waiting for the installer (OVMF -> GRUB -> TFTP)"
wait_console uefi1 'bootsrv-installer' 420
grep -q '52:54:00:e0:0f:01 .*grub/x86_64-efi/core.efi' "$T/bootsrv.log" ||
	fail "DHCP did not hand uefi1 the UEFI loader"
grep -q 'event=boot-config .*host=uefi1 .*detail="grub install flavor default"' \
	"$T/bootsrv.log" || fail "uefi1 did not get its GRUB install config"
log "uefi1: installer running; waiting for done"
end=$((SECONDS + 600))
until st=$(host_state uefi1) && { [ "$st" = installed ] || [ "$st" = localboot ]; }; do
	[ "$st" != failed ] || fail "uefi1 install failed: $(bootsrv_cli status uefi1)"
	[ "$SECONDS" -lt "$end" ] || fail "uefi1: no done within 600 s (state $st)"
	grep -aq 'INSTALL FAILED' "$T/uefi1.console" && fail "uefi1: installer failed on the console"
	sleep 2
done
log "uefi1: installed (state $st); rebooting into the network again"
vm_stop uefi1
: >"$T/uefi1.console"
vm_start uefi1 "$MAC1" "$T/uefi1.img"
wait_console uefi1 'bootsrv: booting from local disk' 300 'bootsrv-installer'
grep -q 'event=boot-config .*host=uefi1 .*detail="grub local"' "$T/bootsrv.log" ||
	fail "uefi1's reboot did not fetch the local-boot GRUB config"
vm_stop uefi1

# A host in localboot gets the local-boot config on its first boot.
truncate -s 1G "$T/uefi2.img"
vm_start uefi2 "$MAC2" "$T/uefi2.img"
wait_console uefi2 'bootsrv: booting from local disk' 300 'bootsrv-installer'
grep -q 'event=boot-config .*host=uefi2 .*detail="grub local"' "$T/bootsrv.log" ||
	fail "uefi2 did not get the local-boot GRUB config"
[ "$(host_state uefi2)" = localboot ] || fail "uefi2 state changed"
vm_stop uefi2
bootsrv_stop
log "ok: UEFI + GRUB install; local-boot GRUB config for installed and localboot hosts"

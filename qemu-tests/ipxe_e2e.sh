#!/bin/bash
# End to end over iPXE and HTTP: QEMU's iPXE ROM asks bootsrv's DHCP, is
# told (ipxe_http = true) to fetch http://192.0.2.1:8080/ipxe/01-<mac>, runs
# that per-host script (kernel + initrd over HTTP, no TFTP), installs, flips
# to localboot, reboots, PXE-boots again, gets a script that `exit`s back to
# SeaBIOS, which boots the next device in `-boot order=nc`: the disk.
# A second guest in localboot goes the same way straight to its disk.
source "$(dirname "$0")/lab.sh"

[ -d "$GOLDEN" ] || skip "no golden image (make golden)"
[ -f "$TOP/build/boot/default/initrd.img" ] || skip "no installer initramfs (make initramfs)"

MAC1=52:54:00:b0:08:01
MAC2=52:54:00:b0:08:02
URL=http://192.0.2.1:8080
lab_setup
IPXE_HTTP=true lab_e2e_config "
  { name = \"vm1\"; mac = \"$MAC1\"; ip = \"192.0.2.11\"; image = \"base\"; },
  { name = \"vm2\"; mac = \"$MAC2\"; ip = \"192.0.2.12\"; image = \"base\"; }"
lab_boot_files
bootsrv_start "$T/bootsrv.conf"

# metric NAME{LABELS}: its value, 0 when absent
metric() {
	in_srv curl -s "$URL/metrics" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}

[ "$(host_state vm1)" = localboot ] || fail "vm1 should start in localboot"
bootsrv_cli netboot --hosts vm1 --image base || fail "netboot refused"
in_srv curl -sf "$URL/ipxe/01-${MAC1//:/-}" >"$T/vm1.ipxe"
grep -q "^kernel $URL/boot/default/vmlinuz .* BOOTIF=01-${MAC1//:/-} " "$T/vm1.ipxe" ||
	fail "armed iPXE script: $(cat "$T/vm1.ipxe")"
tftp_before=$(metric bootsrv_tftp_requests_total)

truncate -s 1G "$T/vm1.img"
vm_start vm1 "$MAC1" "$T/vm1.img"
log "vm1: waiting for the installer (iPXE over HTTP)"
wait_console vm1 'bootsrv-installer' 300
log "vm1: installer running; waiting for the installed system"
wait_console vm1 'BOOTSRV-GOLDEN-BOOTED host=vm1' 600 'INSTALL FAILED'
st=$(host_state vm1)
[ "$st" = installed ] || [ "$st" = localboot ] || fail "vm1 state after install: $st"
vm_stop vm1
grep -q 'event=boot-config .*host=vm1 .*detail="ipxe install' "$T/bootsrv.log" ||
	fail "vm1 never fetched its iPXE install script"
grep -q 'event=boot-config .*host=vm1 .*detail="ipxe local' "$T/bootsrv.log" ||
	fail "vm1's reboot did not fetch the local-boot iPXE script"
[ "$(metric bootsrv_tftp_requests_total)" = "$tftp_before" ] ||
	fail "the iPXE path used TFTP"
log "vm1: installed over iPXE/HTTP and booted from disk (state $st)"

# A host in localboot: the script exits to the BIOS, the disk boots.
[ "$(host_state vm2)" = localboot ] || fail "vm2 should be in localboot"
cp --sparse=always "$T/vm1.img" "$T/vm2.img"
vm_start vm2 "$MAC2" "$T/vm2.img"
wait_console vm2 'BOOTSRV-GOLDEN-BOOTED' 300 'bootsrv-installer'
[ "$(host_state vm2)" = localboot ] || fail "vm2 state changed"
grep -q 'event=boot-config .*host=vm2 .*detail="ipxe local' "$T/bootsrv.log" ||
	fail "vm2 did not get the local-boot iPXE script"
vm_stop vm2
bootsrv_stop
log "ok: iPXE/HTTP install + boot from disk; localboot host exited to its disk"

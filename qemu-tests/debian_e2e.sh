#!/bin/bash
# End to end with a real distribution: Debian 12 golden images
# (qemu-tests/debian-image.sh: mmdebstrap minbase, the distribution's own
# kernel, initramfs-tools initrd, grub, systemd, sshd, ifupdown) installed
# over PXE on two guests at once:
#   deb1  BIOS (SeaBIOS + iPXE), msdos, grub-pc
#   deb2  UEFI (OVMF, GRUB's network image), gpt with an ESP, grub-efi-amd64
# Each boots from its disk through its own grub into multi-user, and from
# the lab namespace `ssh` with the test's key logs in; the hostname, the
# address from `hosts`, a fresh machine-id and fresh SSH host keys (not the
# golden tree's) are checked there. deb2 is then power-cycled with the
# network still first in its boot order: it gets the local-boot GRUB
# config, goes back to its disk and comes up the same system (same
# machine-id), never reaching the installer again.
# SystemImager's workflow on top: the running deb1 is the golden client;
# `bootsrv image capture` pulls it with its disk layout into the image
# store; deb3 is enrolled with `bootsrv host add` (no config edit, no
# restart), installed from the captured image, logged into, captured too,
# and the two captures differ only in what makes each host itself.
source "$(dirname "$0")/lab.sh"

[ -f "$TOP/build/boot/default/initrd.img" ] || skip "no installer initramfs (make initramfs)"
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "no OVMF (package ovmf)"
command -v ssh >/dev/null || skip "no ssh client (package openssh-client)"
TREE_BIOS=$("$TOP/qemu-tests/debian-image.sh" bios) || fail "building the BIOS Debian image"
TREE_UEFI=$("$TOP/qemu-tests/debian-image.sh" uefi) || fail "building the UEFI Debian image"
KEY=${BOOTSRV_TEST_CACHE:-/var/cache/bootsrv-tests}/id_ed25519

MAC1=52:54:00:de:b1:01
MAC2=52:54:00:de:b1:02
MAC3=52:54:00:de:b1:03
MAC4=52:54:00:de:b1:04
IP1=192.0.2.41
IP2=192.0.2.42
IP3=192.0.2.43
lab_setup
E2E_IMAGES="{ name = \"deb12\"; path = \"$TREE_BIOS\"; layout = \"deb-msdos\"; bootloader = \"grub\";
              excludes = [ \"/tmp/*\", \"/var/tmp/*\" ]; },
            { name = \"deb12-efi\"; path = \"$TREE_UEFI\"; layout = \"deb-gpt-efi\"; bootloader = \"grub\";
              excludes = [ \"/tmp/*\", \"/var/tmp/*\" ]; }" \
E2E_LAYOUTS='{ name = "deb-gpt-efi"; disk = "/dev/vda"; label = "gpt";
               partitions = ( { size = "64M"; fs = "vfat"; mount = "/boot/efi"; flags = [ "esp" ]; },
                              { size = "*";   fs = "ext4"; mount = "/"; label = "root"; } ); }' \
E2E_SERVER_EXTRA=$E2E_GRUB_EFI \
	lab_e2e_config "{ name = \"deb1\"; mac = \"$MAC1\"; ip = \"$IP1\"; image = \"deb12\"; },
                { name = \"deb2\"; mac = \"$MAC2\"; ip = \"$IP2\"; image = \"deb12-efi\"; },
                { name = \"loc1\"; mac = \"$MAC4\"; ip = \"192.0.2.44\"; image = \"deb12-efi\"; }" \
	'{ name = "deb-msdos"; disk = "/dev/vda"; label = "msdos";
	   partitions = ( { size = "*";    fs = "ext4"; mount = "/"; flags = [ "boot" ]; },
	                  { size = "256M"; fs = "swap"; } ); }'
lab_boot_files
lab_grub_efi_netboot
bootsrv_start "$T/bootsrv.conf"
bootsrv_cli netboot --hosts deb1 --image deb12 || fail "netboot deb1 refused"
bootsrv_cli netboot --hosts deb2 --image deb12-efi || fail "netboot deb2 refused"

truncate -s 4G "$T/deb1.img" "$T/deb2.img"
start=$SECONDS
VM_MEM=1536 vm_start deb1 "$MAC1" "$T/deb1.img"
VM_MEM=1536 VM_FIRMWARE=uefi vm_start deb2 "$MAC2" "$T/deb2.img"

# guest_ssh NAME IP CMD...: as root on the installed system, with the
# test's key; its host key is kept in $T/NAME.known_hosts
guest_ssh() {
	local name=$1 ip=$2
	shift 2
	in_srv ssh -i "$KEY" -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new \
		-o UserKnownHostsFile="$T/$name.known_hosts" -o LogLevel=ERROR "root@$ip" "$@"
}

# wait_ssh NAME IP SECONDS: until the installed system answers ssh
wait_ssh() {
	local name=$1 ip=$2 end=$((SECONDS + $3)) st
	until guest_ssh "$name" "$ip" true 2>/dev/null; do
		grep -aq 'INSTALL FAILED' "$T/$name.console" && {
			tail -n 30 "$T/$name.console" | tr -d '\r' >&2
			fail "$name: the installer failed"
		}
		st=$(host_state "$name")
		[ "$st" != failed ] || fail "$name install failed: $(bootsrv_cli status --hosts "$name")"
		kill -0 "${VM_PIDS[$name]}" 2>/dev/null || fail "$name: QEMU exited"
		if [ "$SECONDS" -ge "$end" ]; then
			tail -n 30 "$T/$name.console" | tr -d '\r' >&2
			fail "$name: no ssh within $3 s (state $st)"
		fi
		sleep 3
	done
}

# check_installed NAME IP TREE [OTHER]: the installed system is this host's,
# not a copy of the golden tree's identity (nor OTHER's, a host checked
# before); its machine-id and host key are kept in $T/NAME.id, $T/NAME.key
check_installed() {
	local name=$1 ip=$2 tree=$3 other=${4:-} v golden
	assert_installed "$name"
	v=$(guest_ssh "$name" "$ip" hostname) || fail "$name: ssh hostname"
	[ "$v" = "$name" ] || fail "$name: hostname is '$v'"
	guest_ssh "$name" "$ip" ip -4 -o addr show | grep -q " inet $ip/24 " ||
		fail "$name: $ip not on an interface: $(guest_ssh "$name" "$ip" ip -4 -o addr show)"
	v=$(guest_ssh "$name" "$ip" cat /etc/machine-id)
	golden=$(cat "$tree/etc/machine-id" 2>/dev/null || true)
	[[ $v =~ ^[0-9a-f]{32}$ ]] || fail "$name: machine-id '$v'"
	[ "$v" != "$golden" ] || fail "$name: machine-id is the golden tree's"
	[ -z "$other" ] || [ "$v" != "$(cat "$T/$other.id")" ] || fail "$name: machine-id is $other's"
	echo "$v" >"$T/$name.id"
	v=$(guest_ssh "$name" "$ip" cat /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f1-2)
	[ -n "$v" ] || fail "$name: no SSH host key"
	golden=$(cut -d' ' -f1-2 "$tree/etc/ssh/ssh_host_ed25519_key.pub" 2>/dev/null || true)
	[ "$v" != "$golden" ] || fail "$name: SSH host key is the golden tree's"
	[ -z "$other" ] || [ "$v" != "$(cat "$T/$other.key")" ] || fail "$name: SSH host key is $other's"
	echo "$v" >"$T/$name.key"
	grep -qF "${v#* }" "$T/$name.known_hosts" || fail "$name: sshd presented another host key"
	v=$(guest_ssh "$name" "$ip" systemctl is-active multi-user.target) ||
		fail "$name: multi-user.target is '$v'"
	v=$(guest_ssh "$name" "$ip" cat /proc/cmdline)
	[[ $v == *BOOT_IMAGE=/boot/vmlinuz-*root=UUID=* ]] ||
		fail "$name: not booted by its grub with root=UUID= ($v)"
	guest_ssh "$name" "$ip" 'test -f "/boot/initrd.img-$(uname -r)"' ||
		fail "$name: no initramfs-tools initrd for the running kernel"
	log "$name: ssh ok after $((SECONDS - start)) s: hostname, $ip, fresh machine-id and host keys, $v"
}

# capture NAME IP: bootsrv image capture of the running guest at IP
capture() {
	in_srv "$BOOTSRV" image capture -c "$T/bootsrv.conf" --from "root@$2" --identity "$KEY" "$1" \
		>"$T/capture-$1.out" 2>"$T/capture-$1.err" ||
		fail "capture $1 from $2: $(tail -n 3 "$T/capture-$1.err")"
}

log "deb1 (BIOS) and deb2 (UEFI): installing Debian 12"
wait_ssh deb1 "$IP1" 1100
check_installed deb1 "$IP1" "$TREE_BIOS"
guest_ssh deb1 "$IP1" test ! -d /sys/firmware/efi || fail "deb1: booted by UEFI"

log "deb1 is the golden client: capture, enroll deb3, install it from the capture"
capture golden1 "$IP1"
conf=$T/state/images/golden1.conf
[ -f "$conf" ] || fail "no $conf after the capture"
flat=$(grep -v '^#' "$conf" | tr -d ' \n')
for want in 'label="msdos"' 'size="*";fs="ext4";mount="/"' 'flags=["boot"]' 'size="256M";fs="swap"'; do
	[[ $flat == *"$want"* ]] || fail "captured layout lacks $want: $(cat "$conf")"
done
G1=$T/state/images/golden1
[ ! -s "$G1/etc/machine-id" ] || fail "the capture kept deb1's machine-id"
ls "$G1"/etc/ssh/ssh_host_* >/dev/null 2>&1 && fail "the capture kept deb1's SSH host keys"
[ "$(cat "$G1/etc/hostname")" = deb1 ] || fail "captured /etc/hostname: $(cat "$G1/etc/hostname")"
vm_stop deb1
in_srv "$BOOTSRV" host add deb3 --mac "$MAC3" --ip "$IP3" --image golden1 -c "$T/bootsrv.conf" ||
	fail "host add deb3"
bootsrv_cli netboot --hosts deb3 --image golden1 || fail "netboot deb3 refused"
truncate -s 4G "$T/deb3.img"
VM_MEM=1536 vm_start deb3 "$MAC3" "$T/deb3.img"

wait_ssh deb2 "$IP2" 1100
check_installed deb2 "$IP2" "$TREE_UEFI"
grep -q "$MAC2 .*grub/x86_64-efi/core.efi" "$T/bootsrv.log" ||
	fail "DHCP did not hand deb2 the UEFI loader"
grep -q 'event=boot-config .*host=deb2 .*detail="grub install flavor default"' "$T/bootsrv.log" ||
	fail "deb2 did not get its GRUB install config"
guest_ssh deb2 "$IP2" test -d /sys/firmware/efi || fail "deb2: not booted by UEFI"
id_before=$(guest_ssh deb2 "$IP2" cat /etc/machine-id)

log "deb2: power cycle, network still first"
vm_stop deb2
: >"$T/deb2.console"
VM_MEM=1536 VM_FIRMWARE=uefi vm_start deb2 "$MAC2" "$T/deb2.img"
wait_console deb2 'bootsrv: booting from local disk' 300 'bootsrv-installer'
wait_ssh deb2 "$IP2" 400
[ "$(guest_ssh deb2 "$IP2" cat /etc/machine-id)" = "$id_before" ] ||
	fail "deb2: another system after the reboot"
grep -aq 'bootsrv-installer' "$T/deb2.console" && fail "deb2: reached the installer again"
[ "$(grep -c 'event=boot-config .*host=deb2 .*detail="grub local"' "$T/bootsrv.log")" -ge 1 ] ||
	fail "deb2's reboot did not fetch the local-boot GRUB config"
assert_installed deb2
vm_stop deb2

log "loc1 (UEFI, in localboot): its first boot goes to its disk"
[ "$(host_state loc1)" = localboot ] || fail "loc1 should start in localboot"
truncate -s 1G "$T/loc1.img"
VM_FIRMWARE=uefi vm_start loc1 "$MAC4" "$T/loc1.img"
wait_console loc1 'bootsrv: booting from local disk' 300 'bootsrv-installer'
grep -q 'event=boot-config .*host=loc1 .*detail="grub local"' "$T/bootsrv.log" ||
	fail "loc1 did not get the local-boot GRUB config"
[ "$(host_state loc1)" = localboot ] || fail "loc1's state changed"
vm_stop loc1

wait_ssh deb3 "$IP3" 900
check_installed deb3 "$IP3" "$G1" deb1
capture golden3 "$IP3"
vm_stop deb3
# Two captures of two hosts installed from one image: the same system but
# for each host's own identity (hostname, fstab UUIDs, network and boot
# configs naming them) and what a running system writes by itself.
rsync -ainc --delete --exclude='/var/log/***' --exclude='/var/cache/***' \
	"$G1/" "$T/state/images/golden3/" | grep -v '^\.d' >"$T/capture-diff" || true
allowed='^[^ ]+ +(etc/hostname|etc/machine-id|etc/default/grub\.d/bootsrv\.cfg|etc/hosts|etc/fstab|etc/network/interfaces|etc/bootsrv/host\.txt|etc/resolv\.conf|etc/initramfs-tools/[^ ]+|boot/grub/[^ ]+|boot/initrd\.img-[^ ]+|var/lib/systemd/[^ ]+|var/lib/dpkg/triggers/[^ ]+|var/lib/initramfs-tools/[^ ]+|var/lib/apt/[^ ]+|var/lib/sudo/[^ ]+|root/\.bash_history|root/\.ssh/known_hosts|etc/ssh/ssh_host_[^ ]+)$'
if grep -Ev "$allowed" "$T/capture-diff" >"$T/capture-diff.bad"; then
	cat "$T/capture-diff" >&2
	fail "captures of deb1 and deb3 differ beyond the per-host files: $(head -n 20 "$T/capture-diff.bad" | tr '\n' ' ')"
fi
log "golden1 vs golden3: $(wc -l <"$T/capture-diff") per-host entries differ: $(sed 's/^[^ ]* *//; s|^boot/grub/.*|boot/grub/*|' "$T/capture-diff" | sort -u | tr '\n' ' ')"
bootsrv_stop
log "ok: Debian 12 installed and logged into on BIOS and UEFI; UEFI localboot returns to the disk, and is where a never-armed host goes; a capture of a running host installs an enrolled one that differs only in its identity"

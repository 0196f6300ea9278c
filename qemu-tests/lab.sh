# qemu-tests/lab.sh — QEMU guests on the tests/lib.sh lab (sourced).
#
#   lab_boot_files         copy the installer kernel+initrd into the state dir
#   need_grub_uefi_e2e     the grub image ($GOLDEN), installer initramfs and
#                          OVMF, or skip
#   vm_start NAME MAC DISK start a TCG guest (SeaBIOS + iPXE ROM, virtio-net,
#                          virtio-blk, boot order network then disk); serial
#                          console in $T/NAME.console. VM_FIRMWARE=uefi: q35
#                          with OVMF (its own copy of the variable store).
#                          VM_NET=none: no NIC, the disk is all it can boot.
#                          VM_MEM: MiB of memory (1024)
#   vm_stop NAME
#   wait_console NAME REGEX SECONDS [FAILREGEX]
#   assert_installed NAME  the host reached done (installed, or localboot)
#   lab_grub_efi_netboot   GRUB's x86_64-efi network image in the TFTP root,
#                          for UEFI PXE clients (with E2E_GRUB_EFI in
#                          E2E_SERVER_EXTRA)
#   need_guest_run         what guest_run needs (build/kernel, mkinitramfs,
#                          QEMU, busybox), or skip
#   guest_run NAME SECONDS CMD [ARGS]
#                          CMD (a program on this host, relative to $TOP or
#                          absolute) as root in a TCG guest under Debian's
#                          kernel whose root is this host's / (read-only
#                          over 9p, a tmpfs overlay on top: writes stay in
#                          the guest; its own /tmp, /run, /var/tmp, but
#                          $TOP stays visible wherever it is), for
#                          tests needing kernel features this host lacks.
#                          ASAN_OPTIONS, UBSAN_OPTIONS, BOOTSRV and
#                          INSTALLER go along when exported. CMD's output is
#                          the console, $T/NAME.console; returns its exit
#                          status, fails when the guest reports none within
#                          SECONDS
source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

GOLDEN=${GOLDEN:-$TOP/build/golden}
declare -A VM_PIDS=()
VM_COUNT=0

lab_boot_files() {
	local dst=$T/state/tftp/boot/default
	mkdir -p "$dst"
	cp "$TOP/build/boot/default/vmlinuz" "$TOP/build/boot/default/initrd.img" "$dst/"
}

# need_grub_uefi_e2e: what a guest installing the grub image under OVMF
# needs (the image in $GOLDEN, the installer initramfs, OVMF), or skip.
need_grub_uefi_e2e() {
	need_golden_grub
	GOLDEN=$GOLDEN_GRUB
	[ -f "$TOP/build/boot/default/initrd.img" ] || skip "no installer initramfs (make initramfs)"
	[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "no OVMF (package ovmf)"
}

vm_start() {
	local name=$1 mac=$2 disk=$3 tap net=()
	VM_COUNT=$((VM_COUNT + 1))
	if [ "${VM_NET:-}" != none ]; then
		tap="t${RUN_ID}x${VM_COUNT}"
		tap=${tap:0:15}
		lab_add_tap "$tap"
		net=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1")
	fi
	: >"$T/$name.console"
	# network first, then the disk, for SeaBIOS and OVMF alike (OVMF takes
	# the order from bootindex, not -boot: a disk with a removable-path
	# BOOTX64.EFI would otherwise boot before the network)
	local fw=(-boot order=nc)
	if [ "${VM_FIRMWARE:-bios}" = uefi ]; then
		[ -f "$T/$name.vars" ] || cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/$name.vars"
		fw=(-machine q35 -boot order=nc
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
			-drive "if=pflash,format=raw,unit=1,file=$T/$name.vars")
	fi
	ip netns exec "$SRV_NS" qemu-system-x86_64 -accel tcg -m "${VM_MEM:-1024}" -smp 1 \
		-name "$name" -nodefaults -no-user-config -display none \
		-serial "file:$T/$name.console" "${fw[@]}" "${net[@]}" \
		-drive "file=$disk,if=none,id=d0,format=raw,cache=unsafe" \
		-device "virtio-blk-pci,drive=d0,bootindex=2" \
		-vga none >"$T/$name.qemu.log" 2>&1 &
	VM_PIDS[$name]=$!
	LAB_PIDS+=("$!")
}

vm_stop() {
	local pid=${VM_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "VM_PIDS[$1]"
}

# wait_console NAME REGEX SECONDS [FAILREGEX]
wait_console() {
	local name=$1 re=$2 secs=$3 failre=${4:-} end=$((SECONDS + $3))
	while ! grep -aqE "$re" "$T/$name.console"; do
		if [ -n "$failre" ] && grep -aqE "$failre" "$T/$name.console"; then
			echo "--- $name console (last 30 lines) ---" >&2
			tail -n 30 "$T/$name.console" | tr -d '\r' >&2
			fail "$name: console shows /$failre/"
		fi
		if [ -n "${VM_PIDS[$name]:-}" ] && ! kill -0 "${VM_PIDS[$name]}" 2>/dev/null; then
			cat "$T/$name.qemu.log" >&2
			fail "$name: QEMU exited before /$re/"
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "--- $name console (last 30 lines) ---" >&2
			tail -n 30 "$T/$name.console" | tr -d '\r' >&2
			fail "$name: no /$re/ on the console within ${secs}s"
		fi
		sleep 1
	done
}

# assert_installed NAME: see the header.
assert_installed() {
	local st
	st=$(host_state "$1")
	[ "$st" = installed ] || [ "$st" = localboot ] || fail "$1 state after install: $st"
}

# lab_grub_efi_netboot: see the header (grub-mknetdir, package grub-efi-amd64-bin).
E2E_GRUB_EFI='efi64_loader = "grub/x86_64-efi/core.efi";'
lab_grub_efi_netboot() {
	[ -d /usr/lib/grub/x86_64-efi ] || skip "no GRUB EFI modules (package grub-efi-amd64-bin)"
	grub-mknetdir --net-directory="$T/state/tftp" --subdir=grub -d /usr/lib/grub/x86_64-efi \
		>"$T/mknetdir.log" 2>&1 || fail "grub-mknetdir: $(cat "$T/mknetdir.log")"
}

# need_guest_run: see the header.
need_guest_run() {
	[ -f "$TOP/build/kernel/.done" ] || skip "no Debian kernel in build/kernel (make kernel)"
	[ -x "$TOP/build/mkinitramfs" ] || skip "no build/mkinitramfs (make)"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	[ -x /bin/busybox ] || skip "busybox not installed"
}

# guest_run NAME SECONDS CMD [ARGS...]: see the header. The guest's /init is
# qemu-tests/hostroot-init, the job a script in its initramfs; the guest
# powers itself off after printing GUEST-RC=<status> (or GUEST-RC=init
# when it could not start the job).
guest_run() {
	local name=$1 secs=$2 dir=$T/$1.guest v qrc=0 rc
	shift 2
	mkdir -p "$dir"
	{
		echo '#!/bin/bash'
		echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
		for v in ASAN_OPTIONS UBSAN_OPTIONS BOOTSRV INSTALLER; do
			printenv "$v" >/dev/null && printf 'export %s=%q\n' "$v" "$(printenv "$v")"
		done
		printf 'cd %q || exit 1\nexec' "$TOP"
		printf ' %q' "$@"
		echo
	} >"$dir/job"
	printf '%s\n' "$TOP" >"$dir/job-dir"
	{
		cat "$TOP/initramfs/hostroot.conf"
		printf 'files = ( { src = "%s"; dst = "/job"; mode = "0755"; },\n' "$dir/job"
		printf '          { src = "%s"; dst = "/etc/job-dir"; mode = "0644"; } );\n' "$dir/job-dir"
	} >"$dir/spec.conf"
	"$TOP/build/mkinitramfs" -c "$dir/spec.conf" --kernel-root "$TOP/build/kernel/root" \
		--flavor "$name" --init "$TOP/qemu-tests/hostroot-init" -o "$dir" \
		>"$dir/mkinitramfs.log" 2>&1 || { cat "$dir/mkinitramfs.log" >&2; fail "guest initramfs"; }
	: >"$T/$name.console"
	# -cpu max: RDRAND seeds the guest's RNG at once; multidevs=remap: the
	# host's / spans several filesystems, their inode numbers could clash
	timeout "$secs" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 \
		-name "$name" -nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$T/$name.console" \
		-kernel "$dir/$name/vmlinuz" -initrd "$dir/$name/initrd.img" \
		-append "console=ttyS0 panic=-1 quiet" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		>"$T/$name.qemu.log" 2>&1 &
	LAB_PIDS+=("$!")
	wait "$!" || qrc=$?
	rc=$(tr -d '\r' <"$T/$name.console" | sed -n 's/^GUEST-RC=//p' | tail -n 1)
	if ! [[ $rc =~ ^[0-9]+$ ]]; then
		echo "--- $name console (last 40 lines) ---" >&2
		tail -n 40 "$T/$name.console" | tr -d '\r' >&2
		cat "$T/$name.qemu.log" >&2
		[ "$qrc" -ne 124 ] || fail "$name: no GUEST-RC within ${secs}s"
		[ "$rc" != init ] || fail "$name: the guest could not start the job"
		fail "$name: the guest reported no exit status (QEMU exit $qrc)"
	fi
	return "$rc"
}

# bootsrv_cli ARGS...: the CLI against the lab daemon
bootsrv_cli() { in_srv "$BOOTSRV" "$1" -c "$T/bootsrv.conf" "${@:2}"; }

# host_state NAME: the state word from `bootsrv status --json`
host_state() {
	bootsrv_cli status --json --hosts "$1" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["hosts"][0] if isinstance(d,dict) else d[0]; print(h["state"])'
}

# The default layout of the end-to-end tests: msdos, /boot, root, swap.
E2E_LAYOUT='{ name = "vda-boot-root"; disk = "/dev/vda"; label = "msdos";
              partitions = ( { size = "64M"; fs = "ext3"; mount = "/boot"; flags = [ "boot" ]; },
                             { size = "*";   fs = "ext4"; mount = "/"; },
                             { size = "32M"; fs = "swap"; } ); }'

# lab_e2e_config HOSTS [LAYOUT]: bootsrv.conf serving the golden image with
# LAYOUT (a libconfig layout group; default $E2E_LAYOUT).
# E2E_SERVER_EXTRA: more settings for the server group (e.g. efi64_loader).
# IPXE_HTTP=true|false chooses how iPXE clients (QEMU's ROM) are served:
# an HTTP iPXE script, or pxelinux.0 over TFTP like any PXE ROM.
# E2E_IMAGES: the images list instead of "base" ($GOLDEN with LAYOUT);
# E2E_LAYOUTS: more layout groups.
lab_e2e_config() {
	local layout=${2:-$E2E_LAYOUT} lname images layouts
	lname=$(sed -n 's/^{ *name = "\([^"]*\)".*/\1/p' <<<"$layout" | head -n1)
	images=${E2E_IMAGES:-}
	[ -n "$images" ] || images="{ name = \"base\"; path = \"$GOLDEN\"; layout = \"$lname\";
             excludes = [ \"/home/*\", \"/tmp/*\" ]; }"
	layouts=$layout${E2E_LAYOUTS:+, $E2E_LAYOUTS}
	mkdir -p "$T/state"
	cat >"$T/bootsrv.conf" <<CONF
server = { interface = "br0"; address = "192.0.2.1"; state_dir = "$T/state";
           http_port = 8080; console = "ttyS0,115200"; ${E2E_SERVER_EXTRA:-} };
dhcp   = { mode = "authoritative"; subnet = "192.0.2.0/24";
           range = [ "192.0.2.100", "192.0.2.199" ];
           router = "192.0.2.1"; dns = [ "192.0.2.1" ]; lease_time = 3600;
           ipxe_http = ${IPXE_HTTP:-false}; };
images = ( $images );
layouts = ( $layouts );
hosts = ( $1 );
CONF
}

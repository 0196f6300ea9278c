#!/bin/bash
# tests/integration/installer_loopdev.sh - the installer's real steps against
# a loop device: plan fetched over HTTP with the bearer token, libparted
# partitioning, mke2fs/mkswap, rsync from bootsrv's `rsync --daemon`, fstab
# by UUID, hostname, extlinux + MBR, hooks (a background job, a failing one,
# the image's time limit); a gpt layout (bios_grub, xfs /, an ESP) for a
# host named by its FQDN, from a bootsrv restarted without a console
# setting; the refusals (disk too small, a mounted partition, a partition given
# as the disk, a loop device without --allow-loop, the host's zram device)
# that must leave the disk byte-for-byte untouched.
#
# The server is bootsrv itself (install API and its rsync daemon) in the
# server namespace 192.0.2.1: every case is an image and layout of its
# config, armed with `bootsrv netboot`; the installer, in the client
# namespace (192.0.2.50, --no-net), gets the one-time token of the host's
# boot config, and what it reported is checked in the daemon's view of the
# host (state, step, error, events). Plans bootsrv never sends (a partition
# of size 0, which `bootsrv check` refuses) are refused by the installer at
# step plan: tests/test_installer_steps.c. The host kernel has no partition
# parsers: the partition nodes come from libparted's BLKPG calls (losetup -P
# allows them).
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (loop devices, mounts)"
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
[ -x "$BOOTSRV" ] || skip "$BOOTSRV not built"
for t in losetup sfdisk blkid rsync jq /sbin/mke2fs /sbin/mkswap /usr/bin/extlinux; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || skip "syslinux mbr.bin not installed"

MNT=$T/check
first_mib_hash() { head -c 1M "$1" | sha256sum | cut -d' ' -f1; }

# --- golden image -----------------------------------------------------------
IMG=$T/images/base
mkdir -p "$IMG"/{boot,etc,home/alice,tmp,usr/bin,var/lib/dpkg}
echo kernel9 >"$IMG/boot/vmlinuz-6.1.0-9-amd64"
# a run of zeros that rsync -S turns into a hole: extlinux cannot load a
# kernel with holes from ext4, the installer must rewrite it in full
{ echo kernel10; head -c 1M /dev/zero; echo end; } >"$IMG/boot/vmlinuz-6.1.0-10-amd64"
echo initrd9 >"$IMG/boot/initrd.img-6.1.0-9-amd64"
echo initrd10 >"$IMG/boot/initrd.img-6.1.0-10-amd64"
printf 'UUID=0000 / ext4 defaults 0 1\n/dev/sda1 /boot ext3 defaults 0 2\nproc /proc proc defaults 0 0\n' \
	>"$IMG/etc/fstab"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tgolden\n::1\tlocalhost ip6-localhost\n' >"$IMG/etc/hosts"
echo golden >"$IMG/etc/hostname"
echo secret >"$IMG/home/alice/notes"
echo scratch >"$IMG/tmp/junk"
echo tool >"$IMG/usr/bin/tool"
ln "$IMG/usr/bin/tool" "$IMG/usr/bin/tool-hardlink"
ln -s tool "$IMG/usr/bin/tool-symlink"
echo lock >"$IMG/var/lib/dpkg/lock" && chmod 0640 "$IMG/var/lib/dpkg/lock" && chown 0:42 "$IMG/var/lib/dpkg/lock"
head -c 3M /dev/urandom >"$IMG/usr/bin/big"
# personalisation: what the golden client must not pass on
mkdir -p "$IMG"/{bin,root,var/lib/dbus,etc/ssh,etc/network,etc/bootsrv/post-install.d}
cp /bin/busybox "$IMG/bin/busybox" # static: hooks run in a chroot of the image
ln -s busybox "$IMG/bin/sh"
echo 0123456789abcdef0123456789abcdef >"$IMG/etc/machine-id"
echo 0123456789abcdef0123456789abcdef >"$IMG/var/lib/dbus/machine-id"
echo golden-rsa >"$IMG/etc/ssh/ssh_host_rsa_key" && echo golden-rsa-pub >"$IMG/etc/ssh/ssh_host_rsa_key.pub"
# the image's "ssh-keygen": records how it was run (in a chroot, with -A)
cat >"$IMG/usr/bin/ssh-keygen" <<'KEYGEN'
#!/bin/sh
[ "$1" = -A ] || exit 9
[ -e /proc/self ] || exit 8
ls /etc/ssh >/etc/ssh/keys-seen-by-keygen
echo fresh >/etc/ssh/ssh_host_ed25519_key
KEYGEN
chmod 0755 "$IMG/usr/bin/ssh-keygen"
printf 'source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\nallow-hotplug ens3\niface ens3 inet static\n\taddress 10.9.9.9/24\n' \
	>"$IMG/etc/network/interfaces"
HOOKS=$IMG/etc/bootsrv/post-install.d
cat >"$HOOKS/20-second" <<'HOOK'
#!/bin/sh
echo second >>/root/hook-order
HOOK
cat >"$HOOKS/10-first" <<'HOOK'
#!/bin/sh
echo first >>/root/hook-order
{ echo "host=$BOOTSRV_HOST image=$BOOTSRV_IMAGE server=$BOOTSRV_SERVER"
  cat "$BOOTSRV_TXT_FILE"; [ -e /proc/self/status ] && echo proc-mounted
  [ -c /dev/null ] && echo dev-mounted; } >/root/hook-ran
echo "hook one done"
HOOK
# a background job holding the hook's stdout must not hang the install;
# it is killed when the hook exits, and reaped as an orphan
cat >"$HOOKS/30-background" <<'HOOK'
#!/bin/sh
sleep 1000 &
echo "background job started"
HOOK
echo "not a hook" >"$HOOKS/README"
chmod 0755 "$HOOKS/10-first" "$HOOKS/20-second" "$HOOKS/30-background"

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0

# --- bootsrv: one image per case over the same tree ---------------------------
# gpt: xfs /, and a vfat ESP when this kernel can mount vfat (else the ESP
# stays an unformatted partition)
HAVE_XFS=
command -v mkfs.xfs >/dev/null && grep -qw xfs /proc/filesystems && HAVE_XFS=1
if command -v mkfs.vfat >/dev/null && grep -qw vfat /proc/filesystems; then
	ESP='fs = "vfat"; mount = "/boot/efi"; label = "ESP"; options = "umask=0077";'
else
	ESP=''
	log "no vfat in this kernel: the ESP stays unformatted"
fi
LAB_IMAGES=$(cat <<EOF
{ name = "base"; path = "$IMG"; layout = "small"; excludes = [ "/home/*", "/tmp/*" ]; },
{ name = "hooklimit"; path = "$IMG"; layout = "small"; excludes = [ "/home/*", "/tmp/*" ];
  hook_timeout = 2; },
{ name = "gpt"; path = "$IMG"; layout = "gpt4"; }
EOF
)
LAB_LAYOUTS=$(cat <<EOF
{ name = "small"; disk = "/dev/vda"; label = "msdos";
  partitions = ( { size = "64M"; fs = "ext3"; mount = "/boot"; flags = [ "boot" ]; },
                 { size = "*"; fs = "ext4"; mount = "/"; label = "root"; options = "defaults,noatime"; },
                 { size = "32M"; fs = "swap"; } ); },
{ name = "gpt4"; disk = "/dev/sda"; label = "gpt";
  partitions = ( { size = "1M"; flags = [ "bios_grub" ]; },
                 { size = "128M"; fs = "ext4"; mount = "/boot"; flags = [ "boot" ]; },
                 { size = "*"; fs = "xfs"; mount = "/"; label = "ROOT"; },
                 { size = "32M"; $ESP flags = [ "esp" ]; } ); }
EOF
)
# the host's name is the installed system's hostname: an FQDN for the gpt case
HOSTS='{ name = "node01"; mac = "52:54:00:00:00:11"; image = "base"; txt = [ "role: compute" ]; },
       { name = "node01.example.org"; mac = "52:54:00:00:00:12"; }'
lab_config "$T/bootsrv.conf" "$HOSTS"
in_srv "$BOOTSRV" check -c "$T/bootsrv.conf" >/dev/null || fail "bootsrv check refuses the config"
bootsrv_start "$T/bootsrv.conf"
wait_rsync

run_installer() { lab_installer "$@"; }
# every report the installer sent was accepted by the daemon (200)
reports_accepted() { # LOG
	! grep "report .*: server answered HTTP" "$1" >&2 || fail "bootsrv refused a report: see above"
}
STEPS="plan inventory disk partition mkfs mount image fstab hostname personalise bootloader hooks done"

# --- 1. a full install ------------------------------------------------------
lab_arm node01 base
lab_loop DISK 512M noise
log "installing on $DISK"
# first up to the image step only: the daemon's last report from it is then
# the image's byte count; the full run after it starts over with the same
# token, as an installer rebooted mid-install does
run_installer "$DISK" --steps "$(echo $STEPS | sed 's/ fstab.*//; s/ /,/g')" >"$T/install0.log" 2>&1 ||
	{ cat "$T/install0.log" >&2; fail "install up to the image failed"; }
reports_accepted "$T/install0.log"
lab_host node01
host_expect '.state == "installing" and .step == "image" and .percent == 100 and .bytes > 0
	and .message == "image copied"' "no image byte count reported"
host_expect '.inventory.cpus > 0 and .inventory.mem > 0 and (.inventory.nics[0] | type) == "object"' \
	"no inventory posted"
run_installer "$DISK" >"$T/install1.log" 2>&1 || { cat "$T/install1.log" >&2; fail "install failed"; }
reports_accepted "$T/install1.log"
lab_host node01
host_expect '.state == "installed" and .step == "done" and .error == "" and .next_boot_installs == false
	and .message == "installed image base on \($disk)"' "the daemon does not have node01 installed" \
	--arg disk "$DISK"
host_expect 'any(.events[]; .event == "done")' "no done event"
# the step events of the second run, oldest first: one per step, in order
host_expect '[.events[] | select(.event == "step") | .detail | split(" ")[0]][:($s | length)] | reverse
	== $s' "not every step reported, in order" --argjson s "$(printf '%s\n' $STEPS | jq -R . | jq -sc .)"

sfdisk -d "$DISK" >"$T/sfdisk.txt"
grep -q "^${DISK}p1 : start= *2048, size= *131072, type=83, bootable" "$T/sfdisk.txt" ||
	{ cat "$T/sfdisk.txt" >&2; fail "partition 1 wrong"; }
grep -q "^${DISK}p2 : start= *133120, .*type=83$" "$T/sfdisk.txt" || fail "partition 2 wrong"
grep -q "^${DISK}p3 : .*size= *65536, type=82$" "$T/sfdisk.txt" || fail "partition 3 wrong"
# fill: partition 2 runs up to partition 3
p2end=$(awk -F'[=,]' -v d="${DISK}p2" '$1 ~ d {gsub(/ /,""); print $2 + $4}' "$T/sfdisk.txt")
p3start=$(awk -F'[=,]' -v d="${DISK}p3" '$1 ~ d {gsub(/ /,""); print $2}' "$T/sfdisk.txt")
[ "$p2end" = "$p3start" ] || fail "fill partition ends at $p2end, swap starts at $p3start"
[ -b "${DISK}p1" ] && [ -b "${DISK}p3" ] || fail "partition nodes missing"

[ "$(blkid -o value -s TYPE "${DISK}p1")" = ext3 ] || fail "p1 is not ext3"
[ "$(blkid -o value -s TYPE "${DISK}p2")" = ext4 ] || fail "p2 is not ext4"
[ "$(blkid -o value -s LABEL "${DISK}p2")" = root ] || fail "p2 label is not root"
[ "$(blkid -o value -s TYPE "${DISK}p3")" = swap ] || fail "p3 is not swap"
U1=$(blkid -o value -s UUID "${DISK}p1")
U2=$(blkid -o value -s UUID "${DISK}p2")
U3=$(blkid -o value -s UUID "${DISK}p3")
cmp -n 440 "$DISK" /usr/lib/syslinux/mbr/mbr.bin || fail "MBR boot code is not syslinux's mbr.bin"
# the installer's mounts live in its own mount namespace (ip netns exec
# makes one): look there, as it was when the installer exited
[ -s "$T/mounts-after" ] || fail "no mount table of the installer's namespace"
grep -q "^${DISK}p\| $T/target" "$T/mounts-after" && fail "the installer left filesystems mounted"

mkdir -p "$MNT"
mount "${DISK}p2" "$MNT"
mount "${DISK}p1" "$MNT/boot"
grep -qP "^UUID=$U2\t/\text4\tdefaults,noatime\t0\t1$" "$MNT/etc/fstab" || fail "fstab: / by UUID"
grep -qP "^UUID=$U1\t/boot\text3\tdefaults\t0\t2$" "$MNT/etc/fstab" || fail "fstab: /boot by UUID"
# (swap with the options bootsrv sends when the layout names none)
grep -qP "^UUID=$U3\tnone\tswap\tdefaults\t0\t0$" "$MNT/etc/fstab" || fail "fstab: swap by UUID"
grep -q "^proc /proc proc" "$MNT/etc/fstab" || fail "fstab: the image's proc line was dropped"
grep -q "/dev/sda1\|UUID=0000" "$MNT/etc/fstab" && fail "fstab: the image's disk lines were kept"
[ "$(cat "$MNT/etc/hostname")" = node01 ] || fail "hostname"
grep -qP "^127.0.1.1\tnode01$" "$MNT/etc/hosts" || fail "hosts: 127.0.1.1 line"
grep -q golden "$MNT/etc/hosts" && fail "hosts: the golden client's name survived"
[ -f "$MNT/usr/bin/big" ] && cmp -s "$IMG/usr/bin/big" "$MNT/usr/bin/big" || fail "image content"
[ "$(stat -c %i "$MNT/usr/bin/tool")" = "$(stat -c %i "$MNT/usr/bin/tool-hardlink")" ] ||
	fail "hard link not preserved"
[ "$(readlink "$MNT/usr/bin/tool-symlink")" = tool ] || fail "symlink not preserved"
[ "$(stat -c '%a %u %g' "$MNT/var/lib/dpkg/lock")" = "640 0 42" ] || fail "owner/mode not preserved"
[ -d "$MNT/home" ] && [ -z "$(ls -A "$MNT/home")" ] || fail "/home/* was not excluded"
[ -z "$(ls -A "$MNT/tmp")" ] || fail "/tmp/* was not excluded"
[ -d "$MNT/lost+found" ] && [ -d "$MNT/boot/lost+found" ] || fail "lost+found deleted by rsync"
# personalisation and hooks
[ -f "$MNT/etc/machine-id" ] && [ ! -s "$MNT/etc/machine-id" ] || fail "machine-id not emptied"
[ ! -e "$MNT/var/lib/dbus/machine-id" ] || fail "dbus machine-id kept"
[ ! -e "$MNT/etc/ssh/ssh_host_rsa_key" ] && [ ! -e "$MNT/etc/ssh/ssh_host_rsa_key.pub" ] ||
	fail "the golden client's SSH host keys were kept"
[ "$(cat "$MNT/etc/ssh/ssh_host_ed25519_key")" = fresh ] || fail "ssh-keygen -A did not run in the target"
grep -q ssh_host "$MNT/etc/ssh/keys-seen-by-keygen" && fail "old keys present when ssh-keygen ran"
grep -qx "source /etc/network/interfaces.d/\*" "$MNT/etc/network/interfaces" || fail "interfaces: source line"
grep -qx "auto eth0" "$MNT/etc/network/interfaces" && grep -qx "iface eth0 inet dhcp" "$MNT/etc/network/interfaces" ||
	{ cat "$MNT/etc/network/interfaces" >&2; fail "interfaces: no DHCP stanza for eth0"; }
grep -q "10.9.9.9" "$MNT/etc/network/interfaces" && fail "interfaces: the golden client's address kept"
[ "$(cat "$MNT/etc/bootsrv/host.txt")" = "role: compute" ] || fail "host.txt"
[ "$(cat "$MNT/root/hook-order" | tr '\n' ' ')" = "first second " ] || fail "hooks order"
[ "$(cat "$MNT/root/hook-ran")" = "$(printf 'host=node01 image=base server=http://192.0.2.1:8080\nrole: compute\nproc-mounted\ndev-mounted')" ] ||
	{ cat "$MNT/root/hook-ran" >&2; fail "hook environment"; }
grep -q "hook 10-first: hook one done" "$T/install1.log" || fail "hook output not logged"
grep -q "hook 30-background: background job started" "$T/install1.log" || fail "background hook output"
grep -q "left processes running in its process group: killing them" "$T/install1.log" ||
	fail "the background job of 30-background was not killed"
grep -q "reaped orphan process [0-9]* (signal 9)" "$T/install1.log" || fail "orphan not reaped"
grep -q " $T/target/\(proc\|sys\|dev\)" "$T/mounts-after" && fail "chroot mounts left behind"
set -- $(stat -c '%b %B %s' "$MNT/boot/vmlinuz-6.1.0-10-amd64")
[ $(($1 * $2)) -ge "$3" ] || fail "the kernel on the target has holes"
cmp -s "$IMG/boot/vmlinuz-6.1.0-10-amd64" "$MNT/boot/vmlinuz-6.1.0-10-amd64" || fail "kernel content"
[ -f "$MNT/boot/ldlinux.sys" ] && [ -f "$MNT/boot/ldlinux.c32" ] || fail "extlinux not installed"
conf=$MNT/boot/extlinux.conf
grep -qP "^\tKERNEL /vmlinuz-6.1.0-10-amd64$" "$conf" || fail "extlinux.conf: KERNEL"
grep -qP "^\tINITRD /initrd.img-6.1.0-10-amd64$" "$conf" || fail "extlinux.conf: INITRD"
grep -qP "^\tAPPEND root=UUID=$U2 console=ttyS0,115200 rw$" "$conf" || fail "extlinux.conf: APPEND"
grep -q "^DEFAULT linux$" "$conf" || fail "extlinux.conf: DEFAULT"
umount "$MNT/boot" "$MNT"

# --- 2. refusals leave the disk untouched ------------------------------------
# the daemon has the host failed, with the installer's reason, its "failed"
# progress and no done ok:true (which would have made it installed, its
# token dead for the done ok:false after it)
expect_refusal() { # NAME DISK PATTERN [extra args]
	local name=$1 disk=$2 pattern=$3 before after
	shift 3
	lab_arm node01 base
	before=$(first_mib_hash "$disk")
	if run_installer "$disk" "$@" >"$T/$name.log" 2>&1; then
		cat "$T/$name.log" >&2
		fail "$name: the installer did not refuse"
	fi
	grep -q "$pattern" "$T/$name.log" || { cat "$T/$name.log" >&2; fail "$name: no \"$pattern\""; }
	after=$(first_mib_hash "$disk")
	[ "$before" = "$after" ] || fail "$name: the disk was modified"
	reports_accepted "$T/$name.log"
	lab_host node01
	host_expect '.state == "failed" and (.error | startswith("step disk: ") and contains($p))' \
		"$name: the daemon does not have node01 failed with the reason" --arg p "$pattern"
	host_expect '.step == "disk" and any(.events[]; .event == "failed" and (.detail | startswith("step disk: ")))' \
		"$name: the daemon does not have the failing step"
	host_expect 'any(.events[]; .event == "failed") and all(.events[]; .event != "done")' \
		"$name: no failure, or a done ok:true, in the daemon's events"
	log "$name: refused, disk untouched"
}

lab_loop SMALL 96M noise
expect_refusal too_small "$SMALL" "is too small"

mount "${DISK}p2" "$MNT"
expect_refusal mounted "$DISK" "refusing"
umount "$MNT"

expect_refusal partition_as_disk "${DISK}p1" "not a whole disk"
NO_ALLOW_LOOP=1 expect_refusal loop_not_allowed "$DISK" \
	"is a loop device, not a disk: refusing (--allow-loop installs onto one)"
# the host's zram swap device, when it has one: named explicitly, still refused
if [ -b /dev/zram0 ] && [ -e /sys/block/zram0/comp_algorithm ]; then
	expect_refusal zram /dev/zram0 "is a compressed RAM disk (zram), not a disk: refusing"
fi

# --- 3. a failing hook fails the install with its output ---------------------
cat >"$HOOKS/50-fail" <<'HOOK'
#!/bin/sh
echo "configuring widgets"
echo "widget server unreachable" >&2
exit 3
HOOK
chmod 0755 "$HOOKS/50-fail"
lab_arm node01 base
# a disk this shell never mounted: namespaces other tests create meanwhile
# copy the host's mounts and can keep an earlier disk busy
lab_loop HDISK 256M noise
if run_installer "$HDISK" >"$T/hookfail.log" 2>&1; then fail "a failing hook did not fail the install"; fi
grep -q "INSTALL FAILED at step hooks: hook 50-fail exited 3: configuring widgets | widget server unreachable" \
	"$T/hookfail.log" || { tail -n 20 "$T/hookfail.log" >&2; fail "hook failure message"; }
reports_accepted "$T/hookfail.log"
lab_host node01
host_expect '.state == "failed"
	and .error == "step hooks: hook 50-fail exited 3: configuring widgets | widget server unreachable"' \
	"hook failure not reported"
grep -q " $T/target/\(proc\|sys\|dev\)" "$T/mounts-after" &&
	fail "a failing hook left the chroot mounts behind"
rm "$HOOKS/50-fail"
log "failing hook: install failed with its output"

# --- 4. a hook that never ends is killed at its time limit --------------------
# (the image's hook_timeout = 2, in the plan)
cat >"$HOOKS/60-hang" <<'HOOK'
#!/bin/sh
echo "waiting for the license server"
sleep 1000 &
sleep 1000
HOOK
chmod 0755 "$HOOKS/60-hang"
lab_arm node01 hooklimit
lab_loop TDISK 256M noise
if run_installer "$TDISK" >"$T/hookhang.log" 2>&1; then fail "a hanging hook did not fail"; fi
grep -q "INSTALL FAILED at step hooks: hook 60-hang timed out after 2 s: waiting for the license server" \
	"$T/hookhang.log" || { tail -n 20 "$T/hookhang.log" >&2; fail "hook timeout message"; }
reports_accepted "$T/hookhang.log"
lab_host node01
host_expect '.state == "failed" and .image == "hooklimit"
	and .error == "step hooks: hook 60-hang timed out after 2 s: waiting for the license server"' \
	"hook timeout not reported"
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/root" 2>/dev/null)" = "$T/target" ] &&
		fail "process ${p#/proc/} of the hanging hook survived: $(tr '\0' ' ' <"$p/cmdline")"
done
grep -q " $T/target/\(proc\|sys\|dev\)" "$T/mounts-after" &&
	fail "a hook killed at its limit left the chroot mounts behind"
rm "$HOOKS/60-hang"
log "hanging hook: killed with its process group at its time limit"

# --- 5. gpt: BIOS boot partition, ext4 /boot, xfs /, vfat ESP under /boot ----
# as host node01.example.org, from a bootsrv without a console setting: the
# plan has no console, the installer's own console= is used
if [ -n "$HAVE_XFS" ]; then
	bootsrv_stop
	LAB_SERVER_EXTRA='install_from_host_ip = false; console = "";' lab_config "$T/noconsole.conf" "$HOSTS"
	bootsrv_start "$T/noconsole.conf"
	wait_rsync
	lab_arm node01.example.org gpt
	lab_loop GDISK 700M noise
	run_installer "$GDISK" --mkfs-vfat "$(command -v mkfs.vfat)" --mkfs-xfs "$(command -v mkfs.xfs)" \
		>"$T/install2.log" 2>&1 || { cat "$T/install2.log" >&2; fail "gpt install failed"; }
	reports_accepted "$T/install2.log"
	lab_host node01.example.org
	host_expect '.state == "installed" and .image == "gpt"' "gpt: the daemon does not have the host installed"
	sfdisk -d "$GDISK" >"$T/sfdisk2.txt"
	grep -q "^label: gpt" "$T/sfdisk2.txt" || fail "gpt: no gpt label"
	grep -q "^${GDISK}p1 : start= *2048, size= *2048, type=21686148-6449-6E6F-744E-656564454649" \
		"$T/sfdisk2.txt" || { cat "$T/sfdisk2.txt" >&2; fail "gpt: bios_grub partition"; }
	grep -q "^${GDISK}p2 : .*attrs=\"LegacyBIOSBootable\"" "$T/sfdisk2.txt" ||
		{ cat "$T/sfdisk2.txt" >&2; fail "gpt: legacy_boot"; }
	grep -q "^${GDISK}p4 : .*type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B" "$T/sfdisk2.txt" ||
		fail "gpt: ESP type"
	[ "$(blkid -o value -s TYPE "${GDISK}p3")" = xfs ] || fail "gpt: p3 is not xfs"
	cmp -n 440 "$GDISK" /usr/lib/syslinux/mbr/gptmbr.bin || fail "gpt: MBR is not gptmbr.bin"
	mount "${GDISK}p3" "$MNT"
	mount "${GDISK}p2" "$MNT/boot"
	for p in 2 3; do
		u=$(blkid -o value -s UUID "${GDISK}p$p")
		grep -q "^UUID=$u" "$MNT/etc/fstab" || { cat "$MNT/etc/fstab" >&2; fail "gpt: p$p not in fstab"; }
	done
	if [[ $ESP == *vfat* ]]; then
		[ "$(blkid -o value -s TYPE "${GDISK}p4")" = vfat ] || fail "gpt: p4 is not vfat"
		grep -qP "^UUID=$(blkid -o value -s UUID "${GDISK}p4")\t/boot/efi\tvfat\tumask=0077\t0\t2$" \
			"$MNT/etc/fstab" || fail "gpt: ESP fstab line"
	fi
	grep -qP "^127.0.1.1\tnode01.example.org node01$" "$MNT/etc/hosts" || fail "gpt: FQDN hosts line"
	# no console in the plan: the installer's own console= is used
	grep -qP "^\tAPPEND root=UUID=$(blkid -o value -s UUID "${GDISK}p3") console=ttyS0,115200 rw$" \
		"$MNT/boot/extlinux.conf" || fail "gpt: APPEND"
	[ -f "$MNT/boot/ldlinux.sys" ] || fail "gpt: extlinux not installed"
	umount "$MNT/boot" "$MNT"
	log "gpt layout (bios_grub, legacy_boot, xfs root, ESP) installed"
	bootsrv_stop
else
	log "no xfs here: gpt/xfs case skipped"
fi

log "all installer loop-device checks passed"

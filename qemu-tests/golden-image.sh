#!/bin/bash
# golden-image.sh OUTDIR — build the small golden test image: a bootable
# Linux tree (busybox, the Debian kernel, a boot initramfs made by
# mkinitramfs whose init loads virtio_blk/ext4 and switch_roots). Once
# installed on a disk and booted, it prints BOOTSRV-GOLDEN-BOOTED on the
# serial console, which is how tests know a guest booted from its own disk.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$1
KROOT=$TOP/build/kernel/root
BUSYBOX=/bin/busybox

[ -x "$TOP/build/mkinitramfs" ] || { echo "golden-image: build mkinitramfs first" >&2; exit 1; }
[ -x "$TOP/build/bootinit" ] || { echo "golden-image: build bootinit first" >&2; exit 1; }
vmlinuz=$(ls "$KROOT"/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$vmlinuz" ] || { echo "golden-image: no kernel in $KROOT (make kernel)" >&2; exit 1; }
kver=${vmlinuz##*/vmlinuz-}

tmp=$OUT.tmp
rm -rf "$tmp"
mkdir -p "$tmp"/{bin,sbin,etc/init.d,proc,sys,dev,tmp,run,root,boot,var/log,home/user,usr/bin,usr/sbin}
chmod 1777 "$tmp/tmp"

install -m 0755 "$BUSYBOX" "$tmp/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
	[ -e "$tmp/$applet" ] || ln -s /bin/busybox "$tmp/$applet"
done
ln -sf /bin/busybox "$tmp/sbin/init"

cat >"$tmp/etc/inittab" <<'TAB'
::sysinit:/etc/init.d/rcS
ttyS0::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
TAB
cat >"$tmp/etc/init.d/rcS" <<'RCS'
#!/bin/sh
# the boot initramfs moved /proc, /sys and /dev here already
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mount -o remount,rw / 2>/dev/null
mount -a 2>/dev/null
hostname -F /etc/hostname 2>/dev/null
root=$(sed -n 's/.*root=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "BOOTSRV-GOLDEN-BOOTED host=$(hostname) root=$root"
RCS
chmod 0755 "$tmp/etc/init.d/rcS"
echo "golden" >"$tmp/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tmp/etc/passwd"
printf 'root:x:0:\n' >"$tmp/etc/group"
echo "a file the installer must copy" >"$tmp/root/payload.txt"
echo "excluded by the image's exclude list" >"$tmp/home/user/excluded.txt"

cp "$vmlinuz" "$tmp/boot/vmlinuz-$kver"
"$TOP/build/mkinitramfs" -c "$TOP/initramfs/boot.conf" --kernel-root "$KROOT" \
	--flavor golden --init "$TOP/build/bootinit" -o "$tmp/.mki" >&2
mv "$tmp/.mki/golden/initrd.img" "$tmp/boot/initrd.img-$kver"
rm -rf "$tmp/.mki"

rm -rf "$OUT"
mv "$tmp" "$OUT"
echo "golden image: $OUT ($(du -sh "$OUT" | cut -f1), kernel $kver)"

#!/bin/bash
# golden-image.sh OUTDIR [--grub] — build the small golden test image: a
# bootable Linux tree (busybox, the Debian kernel, a boot initramfs made by
# mkinitramfs whose init loads virtio_blk/ext4 and switch_roots). Once
# installed on a disk and booted, it prints BOOTSRV-GOLDEN-BOOTED on the
# serial console, which is how tests know a guest booted from its own disk.
#
# --grub: the image also carries this host's Debian grub (packages
# grub-common, grub2-common, grub-pc-bin, grub-efi-amd64-bin): grub-install,
# update-grub and the tools grub-mkconfig runs, the i386-pc and x86_64-efi
# modules, /etc/grub.d, /etc/default/grub, with their shared libraries, and
# udev's udevadm (grub asks it for sysfs paths). The installer then
# installs it with the image's own grub-install.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$1
WITH_GRUB=${2:-}
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

# copy_libs ELF: the shared libraries (and loader) ldd finds for it.
copy_libs() {
	local lib
	file -L "$1" | grep -q 'ELF.*dynamic' || return 0
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		[ -e "$tmp$lib" ] || cp -L --parents "$lib" "$tmp/"
	done
}
# copy_with_libs FILE...: each file at its path in the image, with its libs.
copy_with_libs() {
	local f
	for f in "$@"; do
		rm -f "$tmp$f" # a busybox link: cp would write through it
		cp -a --parents "$f" "$tmp/"
		copy_libs "$f"
	done
}

if [ "$WITH_GRUB" = --grub ]; then
	for d in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi /etc/grub.d /usr/share/grub; do
		[ -d "$d" ] || { echo "golden-image: no $d (make deps: grub-pc-bin, grub-efi-amd64-bin, grub-common)" >&2; exit 1; }
	done
	copy_with_libs /usr/sbin/grub-install /usr/bin/grub-mkimage /usr/sbin/grub-probe \
		/usr/sbin/grub-mkconfig /usr/sbin/update-grub /usr/bin/grub-mkrelpath \
		/usr/bin/grub-editenv /usr/bin/grub-script-check
	tar -C / -cf - usr/lib/grub/i386-pc usr/lib/grub/x86_64-efi etc/grub.d usr/share/grub |
		tar -C "$tmp" -xf -
	# grub-probe finds where a partition starts with `udevadm info` (else
	# HDIO_GETGEO, which loop devices do not answer); real images with
	# grub have udev. From the udev package, extracted, never installed on
	# this host (a running udevd would change what every test sees).
	debs=$TOP/build/debs
	mkdir -p "$debs"
	if ! ls "$debs"/udev_*.deb >/dev/null 2>&1 && ! (cd "$debs" && apt-get download udev >&2); then
		echo "golden-image: apt-get download udev failed (grub needs udevadm in the image;" \
			"check the apt sources and network, or put a udev_*.deb in $debs)" >&2
		exit 1
	fi
	# the newest of the downloaded versions, whatever order ls gives
	udeb=$(printf '%s\n' "$debs"/udev_*.deb | sort -V | tail -n1)
	rm -rf "$debs/udev"
	dpkg-deb -x "$udeb" "$debs/udev"
	install -m 0755 "$debs/udev/bin/udevadm" "$tmp/bin/udevadm"
	copy_libs "$debs/udev/bin/udevadm"
	mkdir -p "$tmp/etc/default/grub.d" "$tmp/boot/grub" "$tmp/usr/share/locale"
	cp /usr/share/grub/default/grub "$tmp/etc/default/grub"
	echo "golden image: with grub $(/usr/sbin/grub-install --version | awk '{print $NF}')"
fi

rm -rf "$OUT"
mv "$tmp" "$OUT"
echo "golden image: $OUT ($(du -sh "$OUT" | cut -f1), kernel $kver)"

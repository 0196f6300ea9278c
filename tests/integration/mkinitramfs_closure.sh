#!/bin/bash
# tests/integration/mkinitramfs_closure.sh - build the installer initramfs
# for real (Debian kernel, initramfs/installer.conf), unpack it, and check
# it the way the kernel and the loader will use it:
#   - /init, /bin/sh -> busybox, the mkfs links;
#   - every ELF program's PT_INTERP and DT_NEEDED (read by binutils'
#     readelf, independently of mkinitramfs's own reader) are in the tree,
#     and, as root, the programs actually start inside it (chroot);
#   - every module listed in /etc/modules.load exists and comes after all
#     its dependencies from the kernel's modules.dep, and the shipped
#     modules.dep names only shipped files;
#   - two builds of the same inputs are byte-identical.
. "$(dirname "$0")/../lib.sh"

MKI=${MKINITRAMFS:-$TOP/build/san/mkinitramfs}
[ -x "$MKI" ] || MKI=$TOP/build/mkinitramfs
[ -x "$MKI" ] || skip "mkinitramfs not built"
command -v readelf >/dev/null || skip "readelf (binutils) not installed"
command -v bsdcpio >/dev/null || command -v cpio >/dev/null || skip "no cpio unpacker"
if [ ! -f "$TOP/build/kernel/.done" ]; then
	log "no downloaded kernel: make kernel"
	make -C "$TOP" kernel >&2 || skip "cannot fetch the Debian kernel"
fi
KROOT=$TOP/build/kernel/root
KVER=$(cat "$TOP/build/kernel/version")
# The installer init when it is built; any dynamic program exercises the
# same closure logic otherwise.
INIT=${INIT:-$TOP/build/installer-init}
[ -x "$INIT" ] || INIT=/usr/bin/rsync

build() { # OUTDIR
	"$MKI" -c "$TOP/initramfs/installer.conf" --kernel-root "$KROOT" --flavor default \
		--init "$INIT" -o "$1" || fail "mkinitramfs failed"
}
build "$T/out1"
build "$T/out2"
IMG=$T/out1/default/initrd.img
[ -s "$T/out1/default/vmlinuz" ] || fail "no vmlinuz"
cmp -s "$IMG" "$T/out2/default/initrd.img" || fail "two builds of the same inputs differ"

U=$T/unpacked
mkdir -p "$U"
if command -v bsdcpio >/dev/null; then
	(cd "$U" && zcat "$IMG" | bsdcpio -i --quiet) || fail "bsdcpio cannot unpack the image"
else
	(cd "$U" && zcat "$IMG" | cpio -i --quiet) || fail "cpio cannot unpack the image"
fi

[ -x "$U/init" ] || fail "/init missing or not executable"
[ "$(readlink "$U/bin/sh")" = busybox ] || fail "/bin/sh is not busybox"
[ -x "$U/bin/busybox" ] || fail "/bin/busybox missing"
[ "$(readlink "$U/sbin/mkfs.ext4")" = mke2fs ] || fail "/sbin/mkfs.ext4 link missing"
for p in /usr/bin/rsync /sbin/mke2fs /sbin/mkswap /sbin/mkfs.vfat /usr/bin/extlinux /sbin/blkid \
	/usr/lib/syslinux/mbr/mbr.bin /etc/mke2fs.conf /etc/modules.load; do
	[ -e "$U$p" ] || fail "$p missing"
done

# lib_present SONAME: where the loader looks when there is no ld.so.cache.
lib_present() {
	local d
	for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
		[ -e "$U$d/$1" ] && return 0
	done
	return 1
}

nprog=0
while IFS= read -r f; do
	head -c 4 "$f" | grep -q 'ELF' || continue
	# modules are loaded by the kernel, .c32 files by syslinux: not ld.so's
	case $f in *.ko | */syslinux/*) continue ;; esac
	interp=$(readelf -lW "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ]; then
		[ -e "$U$interp" ] || fail "${f#"$U"}: loader $interp missing"
	fi
	for lib in $(readelf -dW "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		lib_present "$lib" || fail "${f#"$U"}: needs $lib, not in the image"
	done
	nprog=$((nprog + 1))
done < <(find "$U" -type f)
log "checked $nprog ELF files"

# As root, run the real tools inside the tree: the loader resolves the
# libraries from the image alone.
if [ "$(id -u)" -eq 0 ]; then
	for cmd in "/usr/bin/rsync --version" "/sbin/mke2fs -V" "/sbin/blkid -V" \
		"/usr/bin/extlinux --version" "/sbin/mkswap -V" "/bin/busybox true"; do
		# shellcheck disable=SC2086 # the words are the command and its argument
		chroot "$U" $cmd >/dev/null 2>&1 || fail "chroot: '$cmd' does not run inside the image"
	done
fi

# Modules: present, and loaded only after everything they depend on.
MODDIR=$KROOT/lib/modules/$KVER
[ -s "$U/etc/modules.load" ] || fail "/etc/modules.load is empty"
for m in virtio_pci virtio_net virtio_blk virtio_scsi e1000 e1000e ahci sd_mod nvme ext4 xfs vfat; do
	grep -Eq "/${m}\.ko$" "$U/etc/modules.load" || fail "module $m not in modules.load"
done
declare -A seen=()
while IFS= read -r path; do
	[ -f "$U$path" ] || fail "$path listed but missing"
	rel=${path#/lib/modules/"$KVER"/}
	deps=$(awk -F': *' -v k="$rel" '$1 == k { print $2 }' "$MODDIR/modules.dep")
	for d in $deps; do
		[ -n "${seen[$d]:-}" ] || fail "$rel is loaded before its dependency $d"
	done
	seen[$rel]=1
done <"$U/etc/modules.load"
log "checked ${#seen[@]} modules"
while IFS=: read -r key deps; do
	for f in $key $deps; do
		[ -f "$U/lib/modules/$KVER/$f" ] || fail "image modules.dep names $f, not shipped"
	done
done <"$U/lib/modules/$KVER/modules.dep"

echo "PASS: $(stat -c %s "$IMG") byte initrd, $nprog ELF files, ${#seen[@]} modules"

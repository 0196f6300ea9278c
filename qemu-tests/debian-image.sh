#!/bin/bash
# qemu-tests/debian-image.sh bios|uefi — a real Debian 12 golden image for
# the end-to-end tests: mmdebstrap --variant=minbase with the kernel, the
# firmware's grub (grub-pc or grub-efi-amd64: they conflict, one tree
# each), systemd, sshd, ifupdown + dhclient, rsync; the test's SSH key in
# /root/.ssh. Prints the tree's path.
#
# Built once per machine and cached outside the clone, in
# $BOOTSRV_TEST_CACHE (default /var/cache/bootsrv-tests), keyed by this
# script's contents (the package list and options are in it): a changed
# script builds a new tree, a repeated run reuses it (~70 s to build, ~720
# MB). Built under a temporary name and renamed into place, under a lock:
# a half-built tree is never used (the marker beside it, $tree.complete,
# comes last and stays out of the image), parallel runs build it once.
#
# The tree is left as mmdebstrap makes it, with what an install must
# replace: the build machine's /etc/hostname, the SSH host keys made at
# build time, its machine-id; nothing is added for the installer's sake
# (the serial console on the installed kernel's command line is the
# installer's doing, from server.console).
#
# The test key: $BOOTSRV_TEST_CACHE/id_ed25519 (made once).
set -euo pipefail

fw=${1:-}
case $fw in
bios) grub=grub-pc ;;
uefi) grub=grub-efi-amd64 ;;
*) echo "usage: $0 bios|uefi" >&2; exit 2 ;;
esac
PKGS="linux-image-amd64,$grub,systemd-sysv,openssh-server,ifupdown,isc-dhcp-client,rsync,iproute2"

cache=${BOOTSRV_TEST_CACHE:-/var/cache/bootsrv-tests}
mkdir -p "$cache"
key=$(sha256sum "$0" | cut -c1-16)
tree=$cache/debian12-$fw-$key

exec 9>"$cache/.lock"
flock 9
[ -f "$cache/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C bootsrv-test -f "$cache/id_ed25519"
if [ -f "$tree.complete" ]; then
	echo "$tree"
	exit 0
fi
command -v mmdebstrap >/dev/null || { echo "debian-image: mmdebstrap not installed" >&2; exit 1; }

# older versions of this flavor: replaced by this one
for old in "$cache"/debian12-"$fw"-*; do
	[ "$old" = "$tree" ] || [ "$old" = "$tree.complete" ] || rm -rf --one-file-system "$old"
done
tmp=$cache/.build-$fw-$$
rm -rf --one-file-system "$tmp"
trap 'rm -rf --one-file-system "$tmp"' EXIT
pub=$(cat "$cache/id_ed25519.pub")
echo "debian-image: building Debian 12 ($fw) in $tmp" >&2
start=$SECONDS
# no mirror argument: the machine's configured one (Debian's archive)
mmdebstrap --variant=minbase --mode=root --include="$PKGS" \
	--customize-hook='mkdir -p -m 0700 "$1/root/.ssh"' \
	--customize-hook="echo '$pub' >\"\$1/root/.ssh/authorized_keys\"" \
	--customize-hook='chmod 0600 "$1/root/.ssh/authorized_keys"' \
	bookworm "$tmp" >&2
[ -x "$tmp/usr/sbin/sshd" ] && ls "$tmp"/boot/vmlinuz-* >/dev/null ||
	{ echo "debian-image: $tmp lacks sshd or a kernel" >&2; exit 1; }
mv "$tmp" "$tree"
touch "$tree.complete"
trap - EXIT
echo "debian-image: $tree in $((SECONDS - start)) s, $(du -sh "$tree" | cut -f1)" >&2
echo "$tree"

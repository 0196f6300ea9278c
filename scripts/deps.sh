#!/bin/sh
# Install every Debian package that building, testing and the demo need.
# Idempotent: does nothing (and needs no network) when all are present.
set -eu

PKGS="
build-essential pkg-config clang clang-format
libconfig-dev libnl-3-dev libnl-route-3-dev libpcap-dev libparted-dev
libmicrohttpd-dev libjansson-dev libkmod-dev libarchive-dev
libcurl4-openssl-dev libcmocka-dev
busybox-static rsync e2fsprogs dosfstools xfsprogs kmod cpio libarchive-tools
syslinux syslinux-common syslinux-efi pxelinux extlinux
qemu-system-x86 qemu-utils ipxe-qemu ovmf grub-efi-amd64-bin grub-common
grub-pc-bin grub2-common
iproute2 iptables util-linux fdisk parted procps psmisc
curl atftp tftp-hpa isc-dhcp-client udhcpc file jq python3 tcpdump
tar zstd attr acl mmdebstrap openssh-client
kea-dhcp4-server kea-admin dnsmasq atftpd nginx wrk
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install packages (run as root or: sudo make deps)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# (tftpd-hpa conflicts with atftpd; bench/ extracts it with apt-get download.)
# The peer servers (dnsmasq, kea, atftpd, nginx) are only run by
# tests and benchmarks inside their own namespaces: keep the packages from
# starting services on this host's interfaces.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	made_policy=1
fi
trap '[ -z "$made_policy" ] || rm -f "$policy"' EXIT
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

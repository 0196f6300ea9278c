#!/bin/sh
# fetch-kernel.sh DIR - fetch Debian's installer kernel without installing it.
#
# Resolves the versioned image package that linux-image-amd64 depends on,
# downloads it into DIR (kept as a cache), extracts it into DIR/root, runs
# depmod there (the package ships no modules.dep), writes DIR/version and
# touches DIR/.done. Running it again with everything in place does nothing;
# remove DIR to move to the kernel the archive offers now.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$1
META=${KERNEL_META:-linux-image-amd64}

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

if [ -f "$DIR/.done" ] && [ -s "$DIR/version" ] &&
	[ -d "$DIR/root/lib/modules/$(cat "$DIR/version")" ]; then
	echo "fetch-kernel: $(cat "$DIR/version") already in $DIR"
	exit 0
fi

# The first "Depends: linux-image-X.Y.Z-N-amd64" of the meta package.
resolve_pkg() {
	apt-cache depends "$META" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

PKG=$(resolve_pkg)
if [ -z "$PKG" ]; then
	# The package lists may simply be missing (fresh container): refresh once.
	apt-get update -qq
	PKG=$(resolve_pkg)
fi
[ -n "$PKG" ] || { echo "fetch-kernel: cannot resolve $META's kernel package" >&2; exit 1; }
VERSION=${PKG#linux-image-}

# cached_deb: the downloaded package in DIR, if any.
cached_deb() {
	for f in "${PKG}"_*.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

cd "$DIR"
DEB=$(cached_deb)
if [ -z "$DEB" ]; then
	# apt-get download writes into the current directory and installs nothing.
	if ! apt-get download "$PKG"; then
		apt-get update -qq
		apt-get download "$PKG"
	fi
	DEB=$(cached_deb)
	[ -n "$DEB" ] || { echo "fetch-kernel: download of $PKG left no .deb" >&2; exit 1; }
fi
echo "fetch-kernel: $DEB"

# Extract into a fresh tree so a half-finished earlier run leaves nothing behind.
rm -rf "$DIR/root.tmp"
mkdir -p "$DIR/root.tmp"
dpkg-deb -x "$DEB" "$DIR/root.tmp"
[ -d "$DIR/root.tmp/lib/modules/$VERSION" ] ||
	{ echo "fetch-kernel: $DEB has no lib/modules/$VERSION" >&2; exit 1; }
depmod -b "$DIR/root.tmp" "$VERSION"
rm -rf "$DIR/root"
mv "$DIR/root.tmp" "$DIR/root"

printf '%s\n' "$VERSION" >"$DIR/version.tmp"
mv "$DIR/version.tmp" "$DIR/version"
touch "$DIR/.done"
echo "fetch-kernel: $VERSION ready in $DIR/root"

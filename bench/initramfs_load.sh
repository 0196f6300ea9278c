#!/bin/bash
# bench/initramfs_load.sh - how long the installer's kernel and initramfs
# take to load: their sizes, then the time to fetch both over TFTP (atftp,
# blksize 1468 lock-step as pxelinux loads, and windowsize 16) and over
# HTTP (curl, as iPXE and lpxelinux load) from bootsrv, and over TFTP from
# atftpd serving the same files, in the same run, median of REPS (5).
# Needs root (builds bootsrv and the initramfs itself); uses the test lab (tests/lib.sh,
# 192.0.2.0/24 in its own namespaces). Benchmarks are not tests.
. "$(dirname "$0")/../tests/lib.sh"
BOOTSRV=${BOOTSRV_BENCH:-$TOP/build/bootsrv}
REPS=${REPS:-5}
FLAVOR=${FLAVOR:-default}
SRC=$TOP/build/boot/$FLAVOR
command -v atftp >/dev/null || skip "atftp missing"
command -v atftpd >/dev/null || skip "atftpd missing"
# the default flavor is what make initramfs builds; another must exist
if [ "$FLAVOR" = default ]; then
	make -s -C "$TOP" build/bootsrv initramfs
else
	make -s -C "$TOP" build/bootsrv
	[ -f "$SRC/initrd.img" ] || skip "no $SRC/initrd.img"
fi

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
mkdir -p "$T/state/tftp/boot/$FLAVOR"
chmod 755 "$T" "$T/state"
cp "$SRC/vmlinuz" "$SRC/initrd.img" "$T/state/tftp/boot/$FLAVOR/"
chmod -R a+rX "$T/state/tftp"
lab_config "$T/c.conf" ""
bootsrv_start "$T/c.conf"
in_srv atftpd --daemon --no-fork --bind-address 192.0.2.1 --port 6969 --maxthread 100 \
	--logfile "$T/atftpd.log" "$T/state/tftp" >"$T/atftpd.out" 2>&1 &
LAB_PIDS+=($!)
sleep 1

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# fetch_tftp PORT OPTS...: both files, seconds
fetch_tftp() {
	local port=$1 s f
	shift
	s=$EPOCHREALTIME
	for f in vmlinuz initrd.img; do
		in_cli atftp "$@" --get -r "boot/$FLAVOR/$f" -l "$T/got-$f" 192.0.2.1 "$port" \
			>/dev/null 2>&1 || { echo "atftp $* $f failed" >&2; exit 1; }
	done
	awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", e - s }'
}
fetch_http() {
	local s f
	s=$EPOCHREALTIME
	for f in vmlinuz initrd.img; do
		in_cli curl -sf -o "$T/got-$f" "http://192.0.2.1:8080/boot/$FLAVOR/$f" ||
			{ echo "curl $f failed" >&2; exit 1; }
	done
	awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", e - s }'
}
check() { for f in vmlinuz initrd.img; do cmp -s "$T/got-$f" "$SRC/$f" || fail "$1: $f differs"; done; }

k=$(stat -c %s "$SRC/vmlinuz")
i=$(stat -c %s "$SRC/initrd.img")
echo "# installer flavor $FLAVOR: vmlinuz $k bytes, initrd.img $i bytes" \
	"($(awk -v n=$((k + i)) 'BEGIN { printf "%.1f", n / 1048576 }') MiB together)," \
	"$(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-33s %-9s %10s %9s %s\n' how server seconds MiB/s "atftpd/bootsrv (time)"
row() { # LABEL SERVER SECONDS [PEER-SECONDS]
	printf '%-33s %-9s %10.3f %9.1f' "$1" "$2" "$3" \
		"$(awk -v n=$((k + i)) -v t="$3" 'BEGIN { print n / 1048576 / t }')"
	[ -z "${4:-}" ] || printf ' %.2fx' "$(awk -v a="$4" -v b="$3" 'BEGIN { print a / b }')"
	echo
}
for opts in "blksize 1468" "blksize 1468|windowsize 16"; do
	: >"$T/b"; : >"$T/a"
	IFS='|' read -ra o <<<"$opts"
	args=()
	for x in "${o[@]}"; do args+=(--option "$x"); done
	for _ in $(seq "$REPS"); do # interleaved
		fetch_tftp 69 "${args[@]}" >>"$T/b"; check bootsrv
		fetch_tftp 6969 "${args[@]}" >>"$T/a"; check atftpd
	done
	b=$(median <"$T/b"); a=$(median <"$T/a")
	row "tftp ${opts//|/, }" atftpd "$a"
	row "tftp ${opts//|/, }" bootsrv "$b" "$a"
done
: >"$T/h"
for _ in $(seq "$REPS"); do fetch_http >>"$T/h"; check http; done
row "http (curl)" bootsrv "$(median <"$T/h")"

#!/bin/bash
# bench/tftp_bench.sh - bootsrv's TFTP server side by side with atftpd 0.8,
# dnsmasq and tftpd-hpa: same client (atftp), same file, same run.
#
#   bench/tftp_bench.sh              full run (a few minutes)
#   REPS=5 bench/tftp_bench.sh       more repetitions (median is reported)
#   BLKSIZES= WINDOWS= ...           empty: skip part 1; CONC=0: skip part 2
#   SERVERS="bootsrv atftpd" BLKSIZES="1468" WINDOWS="1 16" CONC=0 bench/tftp_bench.sh
#   KEEP=1 ...                       keep the work dir (server and client logs) in /dev/shm
#   CONC_OPTS="blksize 1468" CONC_TIMEOUT=300 CONC_NICE=19 ...
#                                    part 2 lock-step, per-client limit, clients niced
#
# Every server gets its own pair of namespaces joined by a veth (MTU 1500):
# server 198.18.N.1, client 198.18.N.2. Part 1: a SIZE_MB (64) MiB file at
# every blksize x windowsize (windowsize > 1 only for servers that support
# RFC 7440: bootsrv and atftpd), median of REPS seconds, and the ratio
# peer/bootsrv (> 1: bootsrv is faster). Every transfer is checked (size and
# sha256) outside the timed part. Part 2: CONC (500) concurrent transfers of
# a CONC_SIZE_MB (16) MiB file from one client namespace: wall time,
# aggregate throughput, failed transfers, and the peak of the summed RSS of
# everything running in the server namespace, minus its idle RSS, per
# transfer.
#
# bootsrv runs with tftp = { blksize_max = 65464; } so that it follows the
# client's blksize as atftpd and tftpd-hpa do; with the default cap (1468)
# it keeps blocks within the MTU, as dnsmasq does.
#
# Needs root, atftp, atftpd, dnsmasq; tftpd-hpa conflicts with atftpd as a
# package, so its in.tftpd is taken from build/peers (apt-get download +
# dpkg-deb -x, done here when missing). Benchmarks are not tests.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-3}
SIZE_MB=${SIZE_MB:-64}
CONC=${CONC:-500}
CONC_SIZE_MB=${CONC_SIZE_MB:-16}
CONC_OPTS=${CONC_OPTS:-"blksize 1468,windowsize 16"}
SERVERS=${SERVERS:-"bootsrv atftpd dnsmasq tftpd-hpa"}
BLKSIZES=${BLKSIZES-"512 1468 8192"}
WINDOWS=${WINDOWS-"1 16 64"}
XFER_TIMEOUT=${XFER_TIMEOUT:-60}
CONC_TIMEOUT=${CONC_TIMEOUT:-300}
CONC_NICE=${CONC_NICE:-0}
BOOTSRV=${BOOTSRV:-$TOP/build/bootsrv}
PEERS=$TOP/build/peers
HPA=$PEERS/tftpd-hpa/usr/sbin/in.tftpd
RUN=${RUN_ID:-$$}

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 77; }
for t in atftp atftpd dnsmasq; do
	command -v $t >/dev/null || { echo "missing $t" >&2; exit 77; }
done
if [ ! -x "$HPA" ]; then
	mkdir -p "$PEERS"
	(cd "$PEERS" && apt-get download tftpd-hpa >/dev/null 2>&1 &&
		dpkg-deb -x tftpd-hpa_*.deb tftpd-hpa)
fi
[ "$BOOTSRV" != "$TOP/build/bootsrv" ] || make -s -C "$TOP" build/bootsrv

# tmpfs: the disk under /tmp must not be part of what is measured.
W=$(mktemp -d /dev/shm/bootsrv-tftp-bench.XXXXXX)
chmod 755 "$W"
NAMESPACES=()
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
	for ns in "${NAMESPACES[@]:-}"; do
		[ -n "$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ROOT=$W/root
mkdir -p "$ROOT" "$W/state"
head -c $((SIZE_MB << 20)) /dev/urandom >"$ROOT/big"
head -c $((CONC_SIZE_MB << 20)) /dev/urandom >"$ROOT/initrd"
echo ready >"$ROOT/ready"
chmod -R a+rX "$ROOT"
BIG_SHA=$(sha256sum "$ROOT/big" | cut -d' ' -f1)

srv_ns() { echo "tb${RUN}s$1"; }
cli_ns() { echo "tb${RUN}c$1"; }
srv_ip() { echo "198.18.$1.1"; }

# net N: namespaces tbRUNsN / tbRUNcN joined by a veth pair.
net() {
	local n=$1 s c
	s=$(srv_ns "$n")
	c=$(cli_ns "$n")
	ip netns add "$s"
	NAMESPACES+=("$s")
	ip netns add "$c"
	NAMESPACES+=("$c")
	ip link add "tb${RUN}a$n" netns "$s" type veth peer name "tb${RUN}b$n" netns "$c"
	ip -n "$s" link set lo up
	ip -n "$c" link set lo up
	ip -n "$s" addr add "$(srv_ip "$n")/24" dev "tb${RUN}a$n"
	ip -n "$c" addr add "198.18.$n.2/24" dev "tb${RUN}b$n"
	ip -n "$s" link set "tb${RUN}a$n" up
	ip -n "$c" link set "tb${RUN}b$n" up
}

bootsrv_conf() {
	cat <<CONF
server = { interface = "tb${RUN}a1"; address = "$(srv_ip 1)"; state_dir = "$W/state";
           tftp_root = "$ROOT"; http_port = 8080; };
dhcp   = { mode = "authoritative"; subnet = "198.18.1.0/24";
           range = [ "198.18.1.100", "198.18.1.199" ]; lease_time = 3600; };
tftp   = { blksize_max = 65464; windowsize_max = 64; max_transfers = 1024; };
images = ( { name = "base"; path = "$W/state"; layout = "small"; } );
layouts = ( { name = "small"; disk = "/dev/vda"; label = "msdos";
              partitions = ( { size = "*"; fs = "ext4"; mount = "/"; } ); } );
hosts = ( );
CONF
}

# start SERVER N: run it in the foreground in its namespace.
start() {
	local name=$1 n=$2 s ip
	s=$(srv_ns "$n")
	ip=$(srv_ip "$n")
	case $name in
	bootsrv)
		bootsrv_conf >"$W/bootsrv.conf"
		ip netns exec "$s" "$BOOTSRV" serve -c "$W/bootsrv.conf" >"$W/bootsrv.log" 2>&1 & ;;
	atftpd)
		ip netns exec "$s" atftpd --daemon --no-fork --bind-address "$ip" --port 69 \
			--maxthread 1000 --logfile "$W/atftpd.log" "$ROOT" >/dev/null 2>&1 & ;;
	dnsmasq)
		ip netns exec "$s" dnsmasq -d --conf-file=/dev/null --port=0 --enable-tftp \
			--tftp-root="$ROOT" --tftp-max=1000 --listen-address="$ip" \
			--bind-interfaces --user=root --pid-file="$W/dnsmasq.pid" \
			>"$W/dnsmasq.log" 2>&1 & ;;
	tftpd-hpa)
		ip netns exec "$s" "$HPA" -L -s "$ROOT" -a "$ip:69" -u nobody \
			>"$W/tftpd-hpa.log" 2>&1 & ;;
	esac
	PIDS+=($!)
	eval "PID_${name//-/_}=$!"
	for _ in $(seq 50); do
		if ip netns exec "$(cli_ns "$n")" timeout 2 atftp --get -r ready -l "$W/ready.$n" \
			"$ip" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	echo "$name did not come up" >&2
	exit 1
}

# fetch N BLKSIZE WINDOW: one timed transfer of "big"; prints seconds or "fail".
fetch() {
	local n=$1 b=$2 w=$3 out=$W/out.$1 opts t
	opts=(--option "blksize $b")
	[ "$w" -le 1 ] || opts+=(--option "windowsize $w")
	rm -f "$out"
	t=$(ip netns exec "$(cli_ns "$n")" bash -c 's=$EPOCHREALTIME
		timeout '"$XFER_TIMEOUT"' atftp "$@" >/dev/null 2>&1 || exit 1
		e=$EPOCHREALTIME; echo "$s $e"' _ "${opts[@]}" --get -r big -l "$out" \
		"$(srv_ip "$n")") || { echo fail; return; }
	if [ "$(stat -c %s "$out" 2>/dev/null)" != $((SIZE_MB << 20)) ] ||
		[ "$(sha256sum "$out" | cut -d' ' -f1)" != "$BIG_SHA" ]; then
		echo fail
		return
	fi
	echo "$t" | awk '{ printf "%.3f\n", $2 - $1 }'
}

median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END {
	if (NR == 0) print "-"; else if (a[1] == "fail") print "fail"; else print a[int((NR + 1) / 2)] }'; }

supports_window() { [ "$1" = bootsrv ] || [ "$1" = atftpd ]; }

declare -A NUM
i=0
for s in $SERVERS; do
	i=$((i + 1))
	NUM[$s]=$i
	net "$i"
	start "$s" "$i"
done

echo "# TFTP benchmark $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r)"
echo "# ${SIZE_MB} MiB file, client atftp $(atftp -V 2>&1 | head -1 | awk '{print $NF}'), median of $REPS, seconds"
printf '%-8s %-6s' blksize window
for s in $SERVERS; do printf ' %10s' "$s"; done
for s in $SERVERS; do [ "$s" = bootsrv ] || printf ' %14s' "$s/bootsrv"; done
echo
for b in $BLKSIZES; do
	for w in $WINDOWS; do
		declare -A T=()
		for r in $(seq "$REPS"); do
			# Interleaved, so that noise from other load hits all alike.
			for s in $SERVERS; do
				[ "$w" -le 1 ] || supports_window "$s" || continue
				T[$s]="${T[$s]:-} $(fetch "${NUM[$s]}" "$b" "$w")"
			done
		done
		printf '%-8s %-6s' "$b" "$w"
		for s in $SERVERS; do printf ' %10s' "$(echo "${T[$s]:-}" | median)"; done
		bs=$(echo "${T[bootsrv]:-}" | median)
		for s in $SERVERS; do
			[ "$s" = bootsrv ] && continue
			m=$(echo "${T[$s]:-}" | median)
			if [[ $bs =~ ^[0-9.]+$ && $m =~ ^[0-9.]+$ ]]; then
				printf ' %14s' "$(awk -v a="$m" -v b="$bs" 'BEGIN { printf "%.2fx", a / b }')"
			else
				printf ' %14s' -
			fi
		done
		echo
		unset T
	done
done

[ "$CONC" -gt 0 ] || exit 0

# rss_sum NS: summed RSS (KiB) of everything running in the namespace.
rss_sum() {
	local sum=0 p v
	for p in $(ip netns pids "$1" 2>/dev/null); do
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# udp_drops NS: UDP datagrams the namespace's sockets dropped for lack of
# receive buffer (RcvbufErrors, /proc/net/snmp).
udp_drops() {
	ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RcvbufErrors"] }' /proc/net/snmp
}
# backlog_drops: packets dropped by every CPU's input backlog (softnet_stat
# column 2, hex; netdev_max_backlog), machine-wide.
backlog_drops() { local s=0 a b; while read -r a b _; do s=$((s + 0x$b)); done </proc/net/softnet_stat; echo "$s"; }

IFS=, read -r -a copts <<<"$CONC_OPTS"
conc_args=()
for o in "${copts[@]}"; do conc_args+=(--option "$o"); done
echo
echo "# $CONC concurrent transfers of a ${CONC_SIZE_MB} MiB file (atftp ${CONC_OPTS//,/, }; servers without windowsize ignore it)"
printf '%-10s %8s %10s %7s %12s %14s\n' server seconds MiB/s failed "peak RSS MiB" "KiB/transfer"
for s in $SERVERS; do
	n=${NUM[$s]}
	ns=$(srv_ns "$n")
	idle=$(rss_sum "$ns")
	(
		peak=0
		while :; do
			v=$(rss_sum "$ns")
			[ "$v" -le "$peak" ] || { peak=$v; echo "$peak" >"$W/peak.$n"; }
			sleep 0.1
		done
	) &
	sampler=$!
	PIDS+=("$sampler")
	echo 0 >"$W/peak.$n"
	d0=("$(udp_drops "$ns")" "$(udp_drops "$(cli_ns "$n")")" "$(backlog_drops)")
	res=$(ip netns exec "$(cli_ns "$n")" bash -c '
		n=$1 ip=$2 limit=$3 logs=$4 CONC_NICE='"$CONC_NICE"'; shift 4
		s=$EPOCHREALTIME
		pids=()
		for i in $(seq "$n"); do
			nice -n "$CONC_NICE" timeout "$limit" atftp "$@" --get -r initrd -l /dev/null "$ip" \
				>"$logs.$i" 2>&1 &
			pids+=($!)
		done
		failed=0
		for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
		echo "$s $EPOCHREALTIME $failed"' _ "$CONC" "$(srv_ip "$n")" "$CONC_TIMEOUT" "$W/conc-$s" "${conc_args[@]}")
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	peak=$(cat "$W/peak.$n")
	d1=("$(udp_drops "$ns")" "$(udp_drops "$(cli_ns "$n")")" "$(backlog_drops)")
	echo "$res" | awk -v srv="$s" -v n="$CONC" -v mb="$CONC_SIZE_MB" -v peak="$peak" -v idle="$idle" '{
		t = $2 - $1; ok = n - $3
		printf "%-10s %8.2f %10.1f %7d %12.1f %14.1f\n", srv, t, ok * mb / t, $3, peak / 1024,
			(peak - idle) / n }'
	echo "#   $s: UDP receive-buffer drops: server side $((d1[0] - d0[0])), client side" \
		"$((d1[1] - d0[1])); input backlog drops $((d1[2] - d0[2]))"
done

#!/bin/bash
# bench/tftp_lockstep_cpu.sh - where the time of a lock-step transfer goes:
# wall time of one atftp download (64 MiB, blksize 1468, windowsize 1) next
# to the CPU time the server used (utime + stime from /proc/PID/stat) and
# the CPU time the client used (/usr/bin/time), for bootsrv and atftpd in
# the same run, REPS (3) times each. In lock-step the two sides take turns,
# so wall time is close to server CPU + client CPU. Needs root; uses the
# test lab (tests/lib.sh, 192.0.2.0/24 in its own namespaces).
#
# PERF=1 also records one more transfer per server with `perf record -g`
# on the server process and prints the top of `perf report` (children
# cost, by symbol), so the split between the server's own code and the
# kernel's UDP/veth path is visible.
. "$(dirname "$0")/../tests/lib.sh"
BOOTSRV=${BOOTSRV_BENCH:-$TOP/build/bootsrv}
REPS=${REPS:-3}
command -v atftpd >/dev/null || skip "atftpd missing"
[ -x /usr/bin/time ] || skip "/usr/bin/time missing (package time)"
make -s -C "$TOP" build/bootsrv

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
mkdir -p "$T/state/tftp"
chmod 755 "$T" "$T/state"
head -c $((64 << 20)) /dev/urandom >"$T/state/tftp/big"
chmod -R a+rX "$T/state/tftp"
lab_config "$T/c.conf" "" 'tftp = { blksize_max = 65464; };'
bootsrv_start "$T/c.conf"
in_srv atftpd --daemon --no-fork --bind-address 192.0.2.1 --port 6969 --maxthread 100 \
	--logfile "$T/atftpd.log" "$T/state/tftp" >"$T/atftpd.out" 2>&1 &
LAB_PIDS+=($!)
sleep 1
apid=$(pgrep -n -x atftpd) || fail "atftpd did not start"
bpid=$(pgrep -n -f "serve -c $T/c.conf") || fail "bootsrv pid"

tk=$(getconf CLK_TCK)
# measure NAME PID PORT
measure() {
	local a b s e out
	for _ in $(seq "$REPS"); do
		a=$(cpu_ticks "$2")
		s=$EPOCHREALTIME
		out=$(in_cli /usr/bin/time -f "%U %S" atftp --option "blksize 1468" --get -r big \
			-l /dev/null 192.0.2.1 "$3" 2>&1 | tail -1)
		e=$EPOCHREALTIME
		b=$(cpu_ticks "$2")
		awk -v n="$1" -v s="$s" -v e="$e" -v a="$a" -v b="$b" -v t="$tk" -v c="$out" 'BEGIN {
			split(c, u, " ")
			printf "%-8s wall %.2f s  server cpu %.2f s  client cpu %.2f s\n",
				n, e - s, (b - a) / t, u[1] + u[2] }'
	done
}
# profile NAME PID PORT: one transfer under perf record, top symbols
profile() {
	local data=$T/perf-$1.data
	perf record -q -g -o "$data" -p "$2" >"$T/perf-$1.out" 2>&1 &
	local ppid=$!
	sleep 0.5
	in_cli atftp --option "blksize 1468" --get -r big -l /dev/null 192.0.2.1 "$3"
	kill -INT "$ppid"
	wait "$ppid" || true
	echo "== perf: $1 (children %, self %, symbol; top 25)"
	perf report -i "$data" --stdio --children --sort symbol >"$T/perf-$1.txt" 2>/dev/null
	awk '/^ +[0-9.]+%/ && n++ < 25 { print }' "$T/perf-$1.txt"
	echo "== perf: $1 (self %, by object)"
	perf report -i "$data" --stdio --no-children --sort dso 2>/dev/null |
		awk '/^ +[0-9.]+%/ { print }'
}
measure bootsrv "$bpid" 69
measure atftpd "$apid" 6969
if [ "${PERF:-0}" = 1 ]; then
	command -v perf >/dev/null || skip "perf missing"
	profile bootsrv "$bpid" 69
	profile atftpd "$apid" 6969
fi

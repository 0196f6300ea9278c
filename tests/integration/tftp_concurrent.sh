#!/bin/bash
# tests/integration/tftp_concurrent.sh - the TFTP server's configured limits
# and many transfers at once.
#
# Part 1, tftp = { blksize_max = 1024; windowsize_max = 8; max_transfers = 20; }:
# atftp asking for more gets both negotiated down in the OACK (atftp
# --trace) and a byte-exact file; the per-client cap (half the slots) and
# the global cap answer ERROR 0 with a log line each, without disturbing the
# transfers already running, and slots free up again when transfers end.
# Part 2, tftp = { blksize_max = 8192; max_transfers = 200; }: a cap above
# what Ethernet carries is honoured as is (no MTU clamp); then CONC (100)
# concurrent atftp downloads with mixed blksize/windowsize all arrive
# byte-exact, each logged as sent, none failed, and /metrics counts them.
# Before them, a lost ACK 0 must not make the server resend its OACK (atftp
# aborts on a second one).
# No timing assertions.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
CONC=${CONC:-100}

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_add_client "${CLI_NS}2" 52:54:00:00:00:12
ip -n "${CLI_NS}2" addr add 192.0.2.51/24 dev eth0
lab_add_client "${CLI_NS}3" 52:54:00:00:00:13
ip -n "${CLI_NS}3" addr add 192.0.2.52/24 dev eth0

ROOT=$T/state/tftp
mkdir -p "$ROOT" "$T/out"
head -c 300000 /dev/urandom >"$ROOT/small"
head -c $((2 << 20)) /dev/urandom >"$ROOT/initrd"

sha() { sha256sum "$1" | cut -d' ' -f1; }
same() {
	[ -f "$2" ] || fail "$1: nothing received"
	[ "$(sha "$1")" = "$(sha "$2")" ] || fail "$2: content differs from $1"
}

# ---- part 1: limits from the config ----
lab_config "$T/p1.conf" "" \
	'tftp = { blksize_max = 1024; windowsize_max = 8; max_transfers = 20; };'
bootsrv_start "$T/p1.conf"
grep -q 'blksize <= 1024, windowsize <= 8, transfers <= 20, <= 10 per client' \
	"$T/bootsrv.log" || fail "configured limits not in the start-up line"

trace=$(timeout 60 ip netns exec "$CLI_NS" atftp --trace --option "blksize 1468" \
	--option "windowsize 16" --get -r small -l "$T/out/small" "$SRV" 2>&1) ||
	fail "atftp with options above the caps: $trace"
echo "$trace" | grep -i oack | grep -q 'blksize' || fail "no OACK in the trace: $trace"
echo "$trace" | grep -i oack | grep -q '1024' || fail "blksize not lowered to 1024: $trace"
echo "$trace" | grep -i oack | grep -q 'windowsize: 8\|windowsize 8\|windowsize=8' ||
	fail "windowsize not lowered to 8: $trace"
same "$ROOT/small" "$T/out/small"
log "ok OACK lowers blksize 1468 -> 1024 and windowsize 16 -> 8"

cat >"$T/caps.py" <<'PY'
# caps.py SERVER N: start N transfers (RRQ, one socket each) and keep them
# open; print, one per line, what the first reply to each was: "data" or
# "error <code> <message>". Then wait for a line on stdin, abort the held
# transfers with ERROR, and print "released".
import socket, sys
srv, n = (sys.argv[1], 69), int(sys.argv[2])
held = []
for _ in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.sendto(b"\0\1small\0octet\0", srv)
    s.settimeout(3)
    try:
        d, peer = s.recvfrom(70000)
    except socket.timeout:
        print("timeout", flush=True)
        continue
    if d[:2] == b"\0\3":
        print("data", flush=True)
        held.append((s, peer))
    else:
        print("error", int.from_bytes(d[2:4], "big"), d[4:-1].decode(), flush=True)
sys.stdin.readline()
for s, peer in held:
    s.sendto(b"\0\5\0\0bye\0", peer)
print("released", flush=True)
PY

coproc_out() { grep -c "^$2" "$1" || true; }
lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }
mkfifo "$T/go1" "$T/go2"
ip netns exec "$CLI_NS" python3 "$T/caps.py" "$SRV" 11 <"$T/go1" >"$T/caps1" 2>&1 &
c1=$!
LAB_PIDS+=("$c1")
exec 7>"$T/go1"
wait_for 20 "client 1 to hold its transfers" lines_ge "$T/caps1" 11
[ "$(coproc_out "$T/caps1" data)" -eq 10 ] || fail "client 1: $(cat "$T/caps1")"
grep -q '^error 0 server busy' "$T/caps1" || fail "11th from one client: $(cat "$T/caps1")"
grep -q 'refused: too many transfers from this client' "$T/bootsrv.log" ||
	fail "per-client refusal not logged"
log "ok per-client cap: 10 of 20 slots, the 11th refused"

ip netns exec "${CLI_NS}2" python3 "$T/caps.py" "$SRV" 10 <"$T/go2" >"$T/caps2" 2>&1 &
c2=$!
LAB_PIDS+=("$c2")
exec 8>"$T/go2"
wait_for 20 "client 2 to hold its transfers" lines_ge "$T/caps2" 10
[ "$(coproc_out "$T/caps2" data)" -eq 10 ] || fail "client 2: $(cat "$T/caps2")"
out=$(timeout 20 ip netns exec "${CLI_NS}3" python3 "$T/caps.py" "$SRV" 1 </dev/null)
[[ $out == "error 0 server busy"* ]] || fail "21st transfer: $out"
grep -q 'refused: too many transfers$' "$T/bootsrv.log" || fail "global refusal not logged"
log "ok global cap: the 21st transfer refused"

echo >&7
wait_for 20 "client 1 to release" grep -q released "$T/caps1"
out=$(timeout 60 ip netns exec "${CLI_NS}3" atftp --get -r small -l "$T/out/small3" "$SRV" 2>&1) ||
	fail "after a release: $out"
same "$ROOT/small" "$T/out/small3"
echo >&8
wait_for 20 "client 2 to release" grep -q released "$T/caps2"
exec 7>&- 8>&-
log "ok slots free again after transfers end"
bootsrv_stop

# ---- part 2: many at once ----
lab_config "$T/p2.conf" "" 'tftp = { blksize_max = 8192; max_transfers = 200; };'
: >"$T/bootsrv.log"
bootsrv_start "$T/p2.conf"
cat >"$T/oack.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"\0\1small\0octet\0blksize\0008192\0", (sys.argv[1], 69))
d, peer = s.recvfrom(70000)
s.sendto(b"\0\5\0\0bye\0", peer)
sys.exit(0 if d == b"\0\6blksize\x008192\0" else f"OACK {d!r}")
PY
in_cli python3 "$T/oack.py" "$SRV" || fail "blksize cap above Ethernet not honoured"
log "ok blksize_max 8192 > Ethernet: no MTU clamp"

# A late ACK 0 (a client starved of CPU among hundreds of others, or an
# ACK 0 lost): a second OACK makes atftp abort ("unexpected OACK"), which
# is how transfers failed at 500 concurrent. The server must not resend
# the OACK on its own; atftp repeats its ACK 0 and the transfer goes on.
# iptables in the server namespace drops the first ACK 0 it sees.
ack0='0>>22&0x3C@8=0x00040000' # UDP payload starts with opcode 4, block 0
in_srv iptables -I INPUT -p udp --dport 1024:65535 -m u32 --u32 "$ack0" \
	-m statistic --mode nth --every 1000000 --packet 0 -j DROP
out=$(timeout 60 ip netns exec "$CLI_NS" atftp --option "blksize 1468" --get -r small \
	-l "$T/out/late-ack0" "$SRV" 2>&1) || fail "atftp after a lost ACK 0: $out"
in_srv iptables -D INPUT -p udp --dport 1024:65535 -m u32 --u32 "$ack0" \
	-m statistic --mode nth --every 1000000 --packet 0 -j DROP
same "$ROOT/small" "$T/out/late-ack0"
grep -q '"small" sent 300000 bytes in [0-9]* ms, 0 retransmits' "$T/bootsrv.log" ||
	fail "the OACK was resent by the timer"
log "ok a late ACK 0: no second OACK, atftp completes"

opts=("blksize 512" "blksize 1468" "blksize 8192" "blksize 1468,windowsize 16"
	"blksize 8192,windowsize 8" "")
pids=()
for i in $(seq "$CONC"); do
	IFS=, read -r -a o <<<"${opts[$((i % ${#opts[@]}))]}"
	args=()
	for x in "${o[@]}"; do args+=(--option "$x"); done
	timeout 300 ip netns exec "$CLI_NS" atftp "${args[@]}" --get -r initrd \
		-l "$T/out/c$i" "$SRV" >"$T/out/c$i.log" 2>&1 &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
[ "$failed" -eq 0 ] || fail "$failed of $CONC concurrent transfers failed"
want=$(sha "$ROOT/initrd")
for i in $(seq "$CONC"); do
	[ "$(sha "$T/out/c$i")" = "$want" ] || fail "concurrent transfer $i: content differs"
done
sent=$(grep -c '"initrd" sent 2097152 bytes' "$T/bootsrv.log" || true)
[ "$sent" -eq "$CONC" ] || fail "$sent of $CONC transfers logged as sent"
! grep -q '"initrd" failed' "$T/bootsrv.log" || fail "a transfer failed on the server side"
log "ok $CONC concurrent transfers, byte-exact"

# /metrics add the same up: every transfer of this daemon is one "sent"
# line; none is running any more.
in_srv curl -s http://$SRV:8080/metrics >"$T/metrics"
metric() { sed -n "s/^$1 //p" "$T/metrics"; }
done_n=$(metric bootsrv_tftp_completed_total)
[ "$done_n" -ge "$CONC" ] || fail "metrics: $done_n completed, $CONC at least"
[ "$(metric bootsrv_tftp_transfer_duration_seconds_count)" = "$done_n" ] ||
	fail "metrics: duration count is not the completed count"
[ "$(metric bootsrv_tftp_in_flight)" = 0 ] || fail "metrics: transfers still in flight"
[ "$(metric bootsrv_tftp_started_total)" -ge "$done_n" ] || fail "metrics: fewer started than completed"
[ "$(metric bootsrv_tftp_completed_bytes_total)" -ge $((CONC * 2097152)) ] ||
	fail "metrics: completed bytes below $CONC x 2 MiB"
[ "$(metric bootsrv_tftp_sent_bytes_total)" -ge "$(metric bootsrv_tftp_completed_bytes_total)" ] ||
	fail "metrics: fewer bytes sent than completed"
awk '/^bootsrv_tftp_transfer_duration_seconds_sum / { exit !($2 > 0) }' "$T/metrics" ||
	fail "metrics: no transfer time summed"
log "ok /metrics: $done_n transfers completed, none in flight, bytes and durations summed"

bootsrv_stop
log "PASS tftp_concurrent"

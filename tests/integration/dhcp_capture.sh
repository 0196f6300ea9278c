#!/bin/bash
# tests/integration/dhcp_capture.sh - `bootsrv capture` records one host's
# boot traffic and nothing of another's.
#
# While the capture runs on the server, node1 (a pool client: its address
# is learnt from the DHCPACK) and node2 each get a lease with busybox
# udhcpc and fetch a file over TFTP with atftp. tcpdump reads the pcap
# back: DISCOVER, OFFER, REQUEST and ACK of node1 and its TFTP transfer are
# there, node2's MAC and address are not. --count and --duration end a
# capture by themselves; SIGINT ends it and it says what it wrote.
. "$(dirname "$0")/../lib.sh"

MAC1=52:54:00:00:00:11
MAC2=52:54:00:00:00:99
OTHER_NS="bs${RUN_ID}o"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v busybox >/dev/null || skip "busybox not installed"
command -v atftp >/dev/null || skip "atftp not installed"

lab_setup
lab_add_client "$OTHER_NS" $MAC2
lab_config "$T/bootsrv.conf" \
	"{ name = \"node1\"; mac = \"$MAC1\"; image = \"base\"; },
	 { name = \"node2\"; mac = \"$MAC2\"; image = \"base\"; }"
mkdir -p "$T/state/tftp"
head -c 100000 /dev/urandom >"$T/state/tftp/hello.bin"
bootsrv_start "$T/bootsrv.conf"

cat >"$T/udhcpc.script" <<'SCRIPT'
#!/bin/sh
case "$1" in bound|renew) ip addr add "$ip/24" dev "$interface"; echo "ip=$ip" ;; esac
exit 0
SCRIPT
chmod +x "$T/udhcpc.script"
boot() { # NS OUT: lease + TFTP, like a PXE ROM
	timeout 30 ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 5 -T 2 \
		-s "$T/udhcpc.script" >"$2" 2>&1 || fail "udhcpc in $1 got no lease"
	timeout 30 ip netns exec "$1" atftp --get -r hello.bin -l "$2.file" 192.0.2.1 ||
		fail "atftp in $1 failed"
	cmp -s "$2.file" "$T/state/tftp/hello.bin" || fail "TFTP in $1: wrong file"
}
capture_start() { # OUT ARGS...: start in the background, wait until it listens
	local out=$1
	shift
	ip netns exec "$SRV_NS" "$BOOTSRV" capture -c "$T/bootsrv.conf" -o "$out" "$@" >"$out.stdout" 2>"$out.stderr" &
	CAP_PID=$!
	wait_for 10 "capture to start" grep -q "capturing" "$out.stderr"
}

# 1. node1 and node2 boot while node1 is captured; SIGINT ends it.
capture_start "$T/node1.pcap" --hosts node1
boot "$CLI_NS" "$T/node1.out"
boot "$OTHER_NS" "$T/node2.out"
IP1=$(sed -n 's/^ip=//p' "$T/node1.out")
IP2=$(sed -n 's/^ip=//p' "$T/node2.out")
log "node1 got $IP1, node2 got $IP2"
kill -INT $CAP_PID
wait $CAP_PID || fail "capture exited with $?: $(cat "$T/node1.pcap.stderr")"
cat "$T/node1.pcap.stdout" >&2
N=$(sed -n 's/^bootsrv capture: wrote \([0-9]*\) packets to .*/\1/p' "$T/node1.pcap.stdout")
[ -n "$N" ] && [ "$N" -gt 0 ] || fail "capture did not say how many packets it wrote"
tcpdump -r "$T/node1.pcap" -n -e -vv >"$T/node1.txt" 2>"$T/tcpdump.err" || fail "tcpdump cannot read the pcap: $(cat "$T/tcpdump.err")"
READ=$(tcpdump -r "$T/node1.pcap" -n 2>/dev/null | wc -l)
[ "$READ" -eq "$N" ] || fail "capture said $N packets, tcpdump reads $READ"
for m in Discover Offer Request ACK; do
	grep -q "DHCP-Message (53), length 1: $m" "$T/node1.txt" || fail "no DHCP $m in the capture"
done
grep -q "Client-Ethernet-Address $MAC1" "$T/node1.txt" || fail "node1's chaddr not in the capture"
grep -q "$IP1.* > 192.0.2.1.69: .*RRQ \"hello.bin\"" "$T/node1.txt" || fail "node1's TFTP RRQ not in the capture"
DATA=$(grep -c "192.0.2.1.[0-9]* > $IP1.[0-9]*: .*UDP, length 516\|192.0.2.1.[0-9]* > $IP1.[0-9]*: \[.*\] UDP, length 516" "$T/node1.txt" || true)
[ "$DATA" -ge 100 ] || fail "only $DATA TFTP data blocks of node1 in the capture"
grep -qi "$MAC2" "$T/node1.txt" && fail "node2's MAC is in node1's capture"
grep -q "$IP2[.:]" "$T/node1.txt" && fail "node2's address is in node1's capture"
log "ok node1: DORA + RRQ + $DATA TFTP blocks in $N packets; nothing of node2"

# 2. --count ends the capture by itself (node2 renews its lease now that
#    it is listed; address known from the lease journal).
capture_start "$T/count.pcap" --hosts node2 --count 3
ip -n "$OTHER_NS" addr flush dev eth0
boot "$OTHER_NS" "$T/node2b.out"
timeout 20 tail --pid=$CAP_PID -f /dev/null || fail "--count 3 did not end the capture"
wait $CAP_PID || fail "capture --count exited non-zero"
grep -q "wrote 3 packets" "$T/count.pcap.stdout" || fail "--count 3: $(cat "$T/count.pcap.stdout")"
[ "$(tcpdump -r "$T/count.pcap" -n 2>/dev/null | wc -l)" -eq 3 ] || fail "--count 3: pcap does not hold 3 packets"
log "ok --count 3 ended the capture with 3 packets"

# 3. --duration ends it too, and unknown hosts are refused by name.
capture_start "$T/dur.pcap" --hosts node1 --duration 1
timeout 20 tail --pid=$CAP_PID -f /dev/null || fail "--duration 1 did not end the capture"
wait $CAP_PID || fail "capture --duration exited non-zero"
grep -q "wrote [0-9]* packets\? to" "$T/dur.pcap.stdout" || fail "--duration: no summary"
if in_srv "$BOOTSRV" capture -c "$T/bootsrv.conf" --hosts node9 -o "$T/x.pcap" 2>"$T/err"; then
	fail "unknown host accepted"
fi
grep -q "unknown host 'node9'" "$T/err" || fail "unknown host not named: $(cat "$T/err")"
log "ok --duration and unknown hosts"
bootsrv_stop
echo "PASS: dhcp_capture"

#!/bin/bash
# tests/integration/dhcp_rogue_link.sh - the rogue-server watch follows the
# serving interface when it is deleted and created again.
#
# bootsrv starts alone on br0 (authoritative, a probe every 2 s) and
# serves. br0 is deleted: the watch closes its capture and says so once;
# while br0 is gone neither the log nor bootsrv's CPU time grows (nothing
# spins on a dead capture). br0 is created again (another ifindex): the
# watch captures on the new br0 and probes at once. Only THEN does a
# dnsmasq start on the segment: bootsrv must find it (named in the log,
# /metrics other_servers 1, serving 0) and answer no client. Then br0 goes
# down and up: bootsrv keeps refusing throughout. Last, bootsrv starts
# while br0 is down, then while it has no carrier: the watch waits for the
# link, answers nobody meanwhile and probes once it is up.
. "$(dirname "$0")/../lib.sh"

MAC=52:54:00:00:00:11
ROGUE_MAC=52:54:00:00:00:02
DNS_NS="bs${RUN_ID}d"
TOOL=("/usr/bin/python3" "$TOP/tests/integration/dhcp_tool.py")
INTERVAL=2
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
[ -x /usr/bin/python3 ] || skip "python3 not installed"

lab_setup
lab_add_client "$DNS_NS" $ROGUE_MAC
ip -n "$DNS_NS" addr add 192.0.2.2/24 dev eth0

metric() { in_srv curl -s http://192.0.2.1:8080/metrics | sed -n "s/^$1 //p"; }
offers_from() { grep -c "\"from\": \"$1:67\"" "$T/offers" || true; }
count() { grep -c -- "$1" "$T/bootsrv.log" || true; }

LAB_DHCP_EXTRA="rogue_check_interval = $INTERVAL;" lab_config "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"
[ "$(cat "/proc/$BOOTSRV_PID/comm")" = bootsrv ] || fail "\$BOOTSRV_PID is not bootsrv"
grep -q "dhcp: no other DHCP server answered the probe on br0" "$T/bootsrv.log" ||
	fail "start-up probe round not logged"
[ "$(metric bootsrv_dhcp_serving)" = 1 ] || fail "metrics: serving should be 1 at start"
[ "$(metric bootsrv_dhcp_rogue_watch_active)" = 1 ] || fail "metrics: watch should be active"
log "ok alone on br0: serving, watch active"

# 1. br0 goes away: the capture is closed, said once; nothing spins.
PEERS=$(in_srv ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
old=$(in_srv cat /sys/class/net/br0/ifindex)
in_srv ip link del br0
wait_for 10 "link gone logged" grep -q "dhcp: br0 is gone" "$T/bootsrv.log"
wait_for 10 "watch paused logged" grep -q "dhcp: rogue-server detection on br0 paused" \
	"$T/bootsrv.log"
lines=$(wc -l <"$T/bootsrv.log")
ticks=$(cpu_ticks "$BOOTSRV_PID")
sleep $((4 * INTERVAL)) # four probe intervals without an interface
grown=$(($(wc -l <"$T/bootsrv.log") - lines))
spent=$(($(cpu_ticks "$BOOTSRV_PID") - ticks))
[ "$grown" -le 2 ] || fail "the log grew by $grown lines while br0 was gone"
# An idle daemon uses next to nothing; a loop spinning on a dead capture
# would use all of one core (100 ticks a second).
[ "$spent" -le 50 ] || fail "bootsrv used $spent CPU ticks while br0 was gone"
[ "$(count 'rogue-server detection on br0 paused')" -eq 1 ] || fail "pause logged more than once"
log "ok br0 gone: capture closed, $grown log lines and $spent CPU ticks in $((4 * INTERVAL)) s"

# 2. br0 comes back with another ifindex: the watch follows it at once.
# shellcheck disable=SC2086 # one port name per word
lab_bridge $PEERS
new=$(in_srv cat /sys/class/net/br0/ifindex)
[ "$new" != "$old" ] || fail "br0 kept its ifindex $old"
wait_for 10 "re-bind logged" grep -q "dhcp: br0 is back (ifindex $new, was $old)" "$T/bootsrv.log"
wait_for 10 "watch resumed logged" \
	grep -q "dhcp: rogue-server detection on br0 resumed (ifindex $new)" "$T/bootsrv.log"
[ "$(metric bootsrv_dhcp_rogue_watch_active)" = 1 ] || fail "metrics: watch should be active again"
[ "$(metric bootsrv_dhcp_serving)" = 1 ] || fail "metrics: serving should still be 1"
log "ok br0 back as ifindex $new: watch resumed"

# 3. Only now another server appears on the new br0: found within a few
# probe intervals, named, and bootsrv stops answering.
lab_dnsmasq "$DNS_NS" 192.0.2.200 192.0.2.210
wait_for $((4 * INTERVAL + 5)) "bootsrv to find dnsmasq on the new br0" grep -q \
	"another DHCP server on the segment (server-id 192.0.2.2, MAC $ROGUE_MAC, IP 192.0.2.2, offered 192.0.2.2[01][0-9]): not serving" \
	"$T/bootsrv.log"
[ "$(metric bootsrv_dhcp_other_servers)" = 1 ] || fail "metrics: other_servers should be 1"
[ "$(metric bootsrv_dhcp_serving)" = 0 ] || fail "metrics: serving should be 0"
in_srv curl -s http://192.0.2.1:8080/metrics >"$T/metrics"
grep -q "bootsrv_dhcp_other_server{server_id=\"192.0.2.2\",mac=\"$ROGUE_MAC\",ip=\"192.0.2.2\"} 1" \
	"$T/metrics" || fail "metrics do not name the other server"
in_cli "${TOOL[@]}" discover eth0 $MAC --wait 2 >"$T/offers" || true
[ "$(offers_from 192.0.2.2)" -ge 1 ] || fail "dnsmasq did not answer"
[ "$(offers_from 192.0.2.1)" -eq 0 ] || fail "bootsrv answered beside another server"
log "ok dnsmasq on the recreated br0 found: bootsrv refuses"

# 4. br0 down and up while refusing: the verdict stays (not hearing the
# server while the link is down is not seeing it go), and the round run
# when br0 is up again finds it again.
paused=$(count 'rogue-server detection on br0 paused')
in_srv ip link set br0 down
wait_for 10 "watch paused on link down" \
	sh -c "[ \$(grep -c 'rogue-server detection on br0 paused' '$T/bootsrv.log') -gt $paused ]"
sleep $((2 * INTERVAL))
resumed=$(count "rogue-server detection on br0 resumed (ifindex $new)")
in_srv ip link set br0 up
wait_for 10 "watch resumed on link up" \
	sh -c "[ \$(grep -c 'rogue-server detection on br0 resumed (ifindex $new)' '$T/bootsrv.log') -gt $resumed ]"
# a second probe goes out only after the round of the first has ended
probes=$(metric bootsrv_dhcp_rogue_probes_total)
wait_for $((3 * INTERVAL + 5)) "a whole probe round after br0 came up" \
	sh -c "[ \$(ip netns exec $SRV_NS curl -s http://192.0.2.1:8080/metrics |
		sed -n 's/^bootsrv_dhcp_rogue_probes_total //p') -ge $((probes + 2)) ]"
[ "$(count 'no other DHCP server answers any more')" -eq 0 ] || fail "bootsrv served again while dnsmasq was there"
[ "$(metric bootsrv_dhcp_other_servers)" = 1 ] || fail "metrics: other_servers should still be 1"
[ "$(metric bootsrv_dhcp_serving)" = 0 ] || fail "metrics: serving should still be 0"
log "ok br0 down and up: still refusing"
bootsrv_stop

# 5. bootsrv started while br0 is down (a cable plugged in later): no
# capture can be opened yet; the watch waits for the link instead of
# being off for good, and probes as soon as br0 is up.
in_srv ip link set br0 down
: >"$T/bootsrv.log"
ip netns exec "$SRV_NS" "$BOOTSRV" serve -c "$T/bootsrv.conf" >>"$T/bootsrv.log" 2>&1 &
BOOTSRV_PID=$!
LAB_PIDS+=("$BOOTSRV_PID")
wait_for 20 "watch waiting for the link" \
	grep -q "dhcp: rogue-server detection on br0 waits for the link" "$T/bootsrv.log"
grep -q "rogue-server detection off" "$T/bootsrv.log" && fail "detection off for good at a down br0"
in_srv ip link set br0 up
wait_for 10 "watch resumed when br0 came up" \
	grep -q "dhcp: rogue-server detection on br0 resumed (ifindex $new)" "$T/bootsrv.log"
wait_for $((2 * INTERVAL + 5)) "bootsrv to find dnsmasq once br0 is up" grep -q \
	"another DHCP server on the segment (server-id 192.0.2.2, .*): not serving" "$T/bootsrv.log"
[ "$(metric bootsrv_dhcp_rogue_watch_active)" = 1 ] || fail "metrics: watch should be active"
[ "$(metric bootsrv_dhcp_serving)" = 0 ] || fail "metrics: serving should be 0"
log "ok started with br0 down: the watch waited, probed when br0 came up, found dnsmasq"
bootsrv_stop

# 6. The same with br0 up but without carrier (every port down: the usual
# unplugged cable; pcap would open and probe into nothing). Alone on the
# segment this time: nobody is answered until the round run when the
# carrier comes has found no other server; then bootsrv serves.
kill "$DNSMASQ_PID"
wait "$DNSMASQ_PID" 2>/dev/null || true
PORTS=$(in_srv ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
for p in $PORTS; do in_srv ip link set "$p" down; done
wait_for 10 "br0 without carrier" sh -c "! ip netns exec $SRV_NS ip link show br0 | grep -q LOWER_UP"
: >"$T/bootsrv.log"
bootsrv_start "$T/bootsrv.conf" # HTTP answers: br0 is administratively up
grep -q "dhcp: rogue-server detection on br0 waits for the link: it is down" "$T/bootsrv.log" ||
	fail "no wait for the carrier logged"
grep -q "no other DHCP server answered the probe" "$T/bootsrv.log" &&
	fail "a probe without carrier was taken for an answer"
[ "$(metric bootsrv_dhcp_serving)" = 0 ] || fail "metrics: serving before any round"
[ "$(metric bootsrv_dhcp_rogue_watch_active)" = 0 ] || fail "metrics: watch active without carrier"
for p in $PORTS; do in_srv ip link set "$p" up; done
wait_for $((2 * INTERVAL + 5)) "serving once a round found nobody" grep -q \
	"dhcp: no other DHCP server answered the probe on br0: serving" "$T/bootsrv.log"
[ "$(metric bootsrv_dhcp_serving)" = 1 ] || fail "metrics: serving after the round"
in_cli "${TOOL[@]}" discover eth0 $MAC --wait 2 >"$T/offers" || true
[ "$(offers_from 192.0.2.1)" -ge 1 ] || fail "bootsrv did not answer once verified"
log "ok started without carrier: refused until a round ran, then served"
bootsrv_stop
echo "PASS: dhcp_rogue_link"

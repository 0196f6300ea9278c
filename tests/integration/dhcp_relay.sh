#!/bin/bash
# tests/integration/dhcp_relay.sh - relayed requests are served from the
# network behind the relay (dhcp.subnets), chosen by giaddr.
#
# bootsrv serves its interface's network (192.0.2.0/24) and one behind a
# relay (198.18.5.0/24, router 198.18.5.1, lease_time 900). perfdhcp is the
# relay agent (giaddr 198.18.5.1, replies to its port 67, routed through
# 192.0.2.254 on the bridge):
#   - every exchange completes (no drops) and every lease it got is in
#     198.18.5.100-199, with that network's router and lease time;
#   - a listed host reserved in the interface's network asking through the
#     relay gets a pool address of the relayed network, logged;
#   - a relay whose giaddr is in no configured network (198.18.6.1) gets no
#     answer, and its requests are dropped with a log line;
#   - a direct client (udhcpc) still gets its interface-network reservation.
. "$(dirname "$0")/../lib.sh"

command -v perfdhcp >/dev/null || skip "perfdhcp (kea-admin) not installed"
command -v busybox >/dev/null || skip "busybox not installed"
RELAY_NS="bs${RUN_ID}r"
LISTED=52:54:00:00:00:11
CLIENTS=30

lab_setup # $CLI_NS has the listed MAC
lab_add_relay "$RELAY_NS" 52:54:00:00:00:fe 192.0.2.254/24 198.18.5.1 198.18.6.1
in_srv ip route add 198.18.5.0/24 via 192.0.2.254
in_srv ip route add 198.18.6.0/24 via 192.0.2.254
LAB_DHCP_EXTRA='subnets = ( { subnet = "198.18.5.0/24"; range = [ "198.18.5.100", "198.18.5.199" ];
                             router = "198.18.5.1"; lease_time = 900; } );' \
	lab_config "$T/bootsrv.conf" \
	"{ name = \"node1\"; mac = \"$LISTED\"; ip = \"192.0.2.11\"; image = \"base\"; }"
bootsrv_start "$T/bootsrv.conf"
wait_for 10 "DHCP serving" grep -q "dhcp: serving on" "$T/bootsrv.log"
grep -q "dhcp: relayed network 198.18.5.0/24" "$T/bootsrv.log" || fail "relayed network not logged"

# Relayed DORA, 20 exchanges a second for 2 s over $CLIENTS clients (perfdhcp
# ends on -p, not -n, so that -W lets the last ACKs arrive).
lab_perfdhcp "$RELAY_NS" 198.18.5.1 192.0.2.1 "$T/p1" -r 20 -p 2 -R $CLIENTS
cat "$T/p1" >&2
[ "$(cat "$T/p1.rc")" = 0 ] || fail "perfdhcp through the relay: exit $(cat "$T/p1.rc")"
acks=$(perf_stat "$T/p1" REQUEST-ACK "received packets")
[ "$acks" -ge 30 ] || fail "only $acks exchanges completed"
[ "$acks" = "$(perf_stat "$T/p1" DISCOVER-OFFER "sent packets")" ] || fail "not every DISCOVER got its ACK"
[ "$(perf_stat "$T/p1" DISCOVER-OFFER drops)" = 0 ] || fail "DISCOVERs dropped"
[ "$(perf_stat "$T/p1" REQUEST-ACK drops)" = 0 ] || fail "REQUESTs dropped"
# the leases, as bootsrv recorded them: one per client, all in the relayed pool
wait_for 10 "leases journaled" sh -c "[ \$(awk '\$4 == \"bound\"' '$T/state/leases.journal' | wc -l) -ge 30 ]"
bound=$(awk '$4 == "bound" { print $2 }' "$T/state/leases.journal" | sort -u)
macs=$(awk '$4 == "bound" { print $1 }' "$T/state/leases.journal" | sort -u | wc -l)
[ "$(echo "$bound" | wc -l)" = "$macs" ] || fail "$macs clients but leases: $bound"
echo "$bound" | grep -qv '^198\.18\.5\.1[0-9][0-9]$' && fail "lease outside the relayed pool: $bound"
grep -q "DHCPREQUEST .* -> DHCPACK 198\.18\.5\.1[0-9][0-9]" "$T/bootsrv.log" || fail "no relayed ACK logged"
log "ok $acks relayed exchanges, $macs clients, all in 198.18.5.100-199"

# What a relayed client is told: router and lease time of its network.
lab_capture CAP "$SRV_NS" br0 "$T/relayed.pcap" udp dst port 67 and dst host 198.18.5.1
lab_perfdhcp "$RELAY_NS" 198.18.5.1 192.0.2.1 "$T/p3" -r 1 -p 1 -R 1 -b mac=52:54:00:00:05:98
lab_capture_stop "$CAP"
tcpdump -n -vv -c 1 -r "$T/relayed.pcap" >"$T/offer.txt" 2>/dev/null
cat "$T/offer.txt" >&2
grep -q "Default-Gateway.*198\.18\.5\.1" "$T/offer.txt" || fail "relayed reply without its network's router"
grep -q "Lease-Time.*900" "$T/offer.txt" || fail "relayed reply without its network's lease time"
grep -q "Server-ID.*192\.0\.2\.1" "$T/offer.txt" || fail "relayed reply without our server id"
log "ok router, lease time and server id of the relayed network"

# A listed host behind the relay: not its reservation of the other network.
lab_perfdhcp "$RELAY_NS" 198.18.5.1 192.0.2.1 "$T/p4" -r 1 -p 1 -R 1 -b mac=$LISTED
[ "$(cat "$T/p4.rc")" = 0 ] || { cat "$T/p4" >&2; fail "listed host behind the relay got nothing"; }
wait_for 10 "listed host's relayed lease" grep -q "^$LISTED 198\.18\.5\.1[0-9][0-9] .* bound" \
	"$T/state/leases.journal"
grep -q "dhcp: $LISTED node1: reserved 192.0.2.11 is not in 198.18.5.0/24 where it asks" \
	"$T/bootsrv.log" || fail "reservation mismatch not logged"
# its DISCOVER and its REQUEST both asked from the wrong network: one line
[ "$(grep -c "dhcp: $LISTED node1: reserved 192.0.2.11 is not in" "$T/bootsrv.log")" = 1 ] ||
	fail "reservation mismatch logged per request, not once"
log "ok listed host behind the relay: relayed pool address, logged once"

# A relay in a network we do not serve.
lab_perfdhcp "$RELAY_NS" 198.18.6.1 192.0.2.1 "$T/p5" -r 5 -p 1 -R 5
[ "$(perf_stat "$T/p5" DISCOVER-OFFER "received packets")" = 0 ] || fail "unknown relay answered"
wait_for 10 "unknown relay logged" grep -q \
	"dhcp: dropped .* from 198.18.6.1:67: relayed from a network not configured (giaddr in no dhcp subnet)" \
	"$T/bootsrv.log"
log "ok unknown giaddr dropped and logged"

# The interface's own network is served as before.
timeout 30 ip netns exec "$CLI_NS" busybox udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true \
	>"$T/u1" 2>&1 || { cat "$T/u1" >&2; fail "direct client got no lease"; }
grep -q "lease of 192.0.2.11 obtained" "$T/u1" || { cat "$T/u1" >&2; fail "direct client: not 192.0.2.11"; }
log "ok direct client -> 192.0.2.11"

# /metrics per network, labelled with the network.
in_srv curl -s http://192.0.2.1:8080/metrics >"$T/metrics"
metric() { sed -n "s|^$1{network=\"$2\"} ||p" "$T/metrics"; }
R=198.18.5.0/24 L=192.0.2.0/24
[ "$(metric bootsrv_dhcp_network_pool_addresses $R)" = 100 ] || fail "metrics: relayed pool size"
[ "$(metric bootsrv_dhcp_network_acks_total $R)" -ge "$acks" ] || fail "metrics: relayed acks"
[ "$(metric bootsrv_dhcp_network_misplaced_total $R)" -ge 2 ] || fail "metrics: misplaced"
[ "$(metric bootsrv_dhcp_network_misplaced_total $L)" = 0 ] || fail "metrics: misplaced on $L"
# the journal's last row per MAC is that client's lease now
bound_in() {
	awk -v net="$1" '{ last[$1] = $2 " " $4 } END {
		for (m in last) { split(last[m], f, " "); if (f[2] == "bound" && index(f[1], net) == 1) n++ }
		print n + 0 }' "$T/state/leases.journal"
}
[ "$(metric bootsrv_dhcp_network_leases $R)" = "$(bound_in 198.18.5.)" ] || fail "metrics: relayed leases"
[ "$(metric bootsrv_dhcp_network_leases $L)" = "$(bound_in 192.0.2.)" ] || fail "metrics: leases on $L"
[ "$(metric bootsrv_dhcp_network_acks_total $L)" -ge 1 ] || fail "metrics: acks on $L"
log "ok /metrics per network"
bootsrv_stop
echo "PASS: dhcp_relay"

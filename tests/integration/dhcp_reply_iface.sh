#!/bin/bash
# tests/integration/dhcp_reply_iface.sh - a reply leaves by the interface
# its request came in on, from the address the request was sent to.
#
# The server namespace has two interfaces: br0 (192.0.2.1, the serving
# interface) and up0 (198.18.9.1), a link to a router namespace where the
# relay agent for 198.18.5.0/24 lives (perfdhcp, giaddr 198.18.5.1). The
# routing table prefers br0 for 198.18.5.0/24 (via 192.0.2.254, where
# nothing answers): a reply routed by the table would be lost. The relay
# sends to 198.18.9.1; every exchange must complete, the replies must be
# seen on up0 from 198.18.9.1 and none on br0.
. "$(dirname "$0")/../lib.sh"

command -v perfdhcp >/dev/null || skip "perfdhcp (kea-admin) not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
UP_NS="bs${RUN_ID}u"
CLIENTS=20

lab_setup
in_srv sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip netns add "$UP_NS"
LAB_NAMESPACES+=("$UP_NS")
ip -n "$UP_NS" link set lo up
ip -n "$SRV_NS" link add up0 type veth peer name eth0 netns "$UP_NS"
ip -n "$SRV_NS" addr add 198.18.9.1/24 dev up0
ip -n "$SRV_NS" link set up0 up
ip -n "$UP_NS" addr add 198.18.9.2/24 dev eth0
ip -n "$UP_NS" addr add 198.18.5.1/32 dev eth0 # perfdhcp sends out of the interface holding it
ip -n "$UP_NS" link set eth0 up
in_srv ip route add 198.18.5.0/24 via 192.0.2.254 metric 10
in_srv ip route add 198.18.5.0/24 via 198.18.9.2 metric 100

LAB_DHCP_EXTRA='subnets = ( { subnet = "198.18.5.0/24"; range = [ "198.18.5.100", "198.18.5.199" ];
                             router = "198.18.5.1"; } );' \
	lab_config "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"
wait_for 10 "DHCP serving" grep -q "dhcp: serving on" "$T/bootsrv.log"

lab_capture CAP_UP "$SRV_NS" up0 "$T/up0.pcap" udp port 67
lab_capture CAP_BR "$SRV_NS" br0 "$T/br0.pcap" udp port 67

lab_perfdhcp "$UP_NS" 198.18.5.1 198.18.9.1 "$T/p1" -r 10 -p 2 -R $CLIENTS
cat "$T/p1" >&2
lab_capture_stop "$CAP_UP"
lab_capture_stop "$CAP_BR"
[ "$(cat "$T/p1.rc")" = 0 ] || fail "perfdhcp through up0: exit $(cat "$T/p1.rc")"
acks=$(perf_stat "$T/p1" REQUEST-ACK "received packets")
[ "$acks" -ge 15 ] || fail "only $acks exchanges completed"
[ "$(perf_stat "$T/p1" DISCOVER-OFFER drops)" = 0 ] || fail "DISCOVERs dropped"
[ "$(perf_stat "$T/p1" REQUEST-ACK drops)" = 0 ] || fail "REQUESTs dropped"

tcpdump -n -r "$T/up0.pcap" 2>/dev/null >"$T/up0.txt"
tcpdump -n -r "$T/br0.pcap" 2>/dev/null >"$T/br0.txt"
cat "$T/up0.txt" >&2
replies=$(grep -c ' > 198\.18\.5\.1\.67:' "$T/up0.txt" || true)
[ "$replies" -ge $((2 * acks)) ] || fail "expected $((2 * acks)) replies on up0, saw $replies"
grep ' > 198\.18\.5\.1\.67:' "$T/up0.txt" | grep -qv '198\.18\.9\.1\.67 >' &&
	fail "a reply on up0 not from 198.18.9.1"
grep -q '198\.18\.5\.1' "$T/br0.txt" && { cat "$T/br0.txt" >&2; fail "a reply left by br0"; }
log "ok $replies replies out of up0 from 198.18.9.1, none on br0"
bootsrv_stop
echo "PASS: dhcp_reply_iface"

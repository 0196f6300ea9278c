#!/bin/bash
# tests/integration/dhcp_unicast.sh - RFC 2131 4.1 delivery to a client
# that has no address yet.
#
# busybox udhcpc without -B leaves the broadcast bit clear: its OFFER and
# ACK must be unicast to its MAC and to the address handed out, after
# bootsrv entered that address into the server's neighbour table (libnl).
# With -B (broadcast bit set) they must be broadcast. Seen with tcpdump on
# the server's bridge.
. "$(dirname "$0")/../lib.sh"

command -v busybox >/dev/null || skip "busybox not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
MAC=52:54:00:00:00:11

lab_setup # $CLI_NS has $MAC
lab_config "$T/bootsrv.conf" "{ name = \"node1\"; mac = \"$MAC\"; ip = \"192.0.2.11\"; }"
bootsrv_start "$T/bootsrv.conf"

# capture TAG UDHCPC-ARGS...: one udhcpc DORA, the server's replies as
# tcpdump -e lines in $T/TAG.txt.
capture() {
	local tag=$1 cap
	shift
	lab_capture cap "$SRV_NS" br0 "$T/$tag.pcap" udp src port 67
	timeout 30 ip netns exec "$CLI_NS" busybox udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true "$@" \
		>"$T/$tag.udhcpc" 2>&1 || { cat "$T/$tag.udhcpc" >&2; fail "udhcpc $* got no lease"; }
	grep -q "lease of 192.0.2.11 obtained" "$T/$tag.udhcpc" || fail "udhcpc $*: not 192.0.2.11"
	lab_capture_stop "$cap"
	tcpdump -e -n -r "$T/$tag.pcap" 2>/dev/null >"$T/$tag.txt"
	cat "$T/$tag.txt" >&2
	[ "$(wc -l <"$T/$tag.txt")" -ge 2 ] || fail "udhcpc $*: expected an OFFER and an ACK"
}

capture unicast
grep -v "> $MAC, .* 192\.0\.2\.1\.67 > 192\.0\.2\.11\.68:" "$T/unicast.txt" &&
	fail "a reply to a client without the broadcast bit was not unicast to its MAC and address"
in_srv ip neigh show 192.0.2.11 dev br0 | grep -q "lladdr $MAC" || fail "no neighbour entry"
log "ok broadcast bit clear: OFFER and ACK unicast to $MAC at 192.0.2.11"

capture broadcast -B
grep -v "> ff:ff:ff:ff:ff:ff, .* 192\.0\.2\.1\.67 > 255\.255\.255\.255\.68:" "$T/broadcast.txt" &&
	fail "a reply to a client with the broadcast bit was not broadcast"
log "ok broadcast bit set: OFFER and ACK broadcast"
bootsrv_stop
echo "PASS: dhcp_unicast"

#!/bin/bash
# tests/integration/dhcp_vlan.sh - server.vlan: bootsrv creates the VLAN
# sub-interface and follows its link state.
#
# The server namespace has only a veth "vp0" (no address); its peer in the
# client namespace carries the tagged VLAN eth0.42. With
# server.vlan = { parent = "vp0"; id = 42; } bootsrv creates vp0.42 with
# 192.0.2.1/24, brings it up and says so; a client on the tagged side gets
# a lease; vp0.42 going down and up is logged and the client still gets a
# lease afterwards (dhcp_link.sh covers an interface created again).
# On a kernel without 802.1Q support only the refusal is checked (bootsrv
# stops at start-up with the kernel's reason) and the test skips. The
# success path runs in qemu-tests/vlan_e2e.sh, which runs this test under
# Debian's kernel in a QEMU guest and fails if it skips there.
. "$(dirname "$0")/../lib.sh"

command -v busybox >/dev/null || skip "busybox not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"

for ns in "$SRV_NS" "$CLI_NS"; do
	ip netns add "$ns"
	LAB_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
done
# expect_refused CONF LINE: bootsrv serve -c CONF stops at start-up and
# logs LINE.
expect_refused() {
	local rc=0
	in_srv timeout 20 "$BOOTSRV" serve -c "$1" >"$1.log" 2>&1 || rc=$?
	cat "$1.log" >&2
	[ "$rc" -ne 0 ] || fail "bootsrv started with $1"
	grep -qF "$2" "$1.log" || fail "start-up did not say: $2"
}

# A parent that does not exist: refused at start-up, with the reason.
LAB_IFACE=nope0.42 LAB_SERVER_EXTRA='vlan = { parent = "nope0"; id = 42; };' \
	lab_config "$T/nope.conf"
expect_refused "$T/nope.conf" "vlan: parent interface nope0 of nope0.42 does not exist"
log "ok missing parent refused"

ip -n "$SRV_NS" link add vp0 type veth peer name eth0 netns "$CLI_NS"
ip -n "$SRV_NS" link set vp0 up
ip -n "$CLI_NS" link set eth0 up
LAB_IFACE=vp0.42 LAB_SERVER_EXTRA='vlan = { parent = "vp0"; id = 42; }; install_from_host_ip = false;' \
	LAB_DHCP_EXTRA='rogue_check_interval = 0;' lab_config "$T/bootsrv.conf"
if ! ip -n "$CLI_NS" link add link eth0 name eth0.42 type vlan id 42 2>"$T/vlan.err"; then
	# No 802.1Q here: bootsrv's request must fail cleanly, saying why.
	expect_refused "$T/bootsrv.conf" "vlan: cannot create vp0.42 (VLAN 42 on vp0): Operation not supported"
	log "ok VLAN creation refused by the kernel, start-up stopped with the reason"
	skip "kernel without 802.1Q VLANs: $(cat "$T/vlan.err")"
fi
ip -n "$CLI_NS" link set eth0.42 address 52:54:00:00:00:42 up
bootsrv_start "$T/bootsrv.conf"
grep -q "vlan: created vp0.42 (VLAN 42 on vp0), address 192.0.2.1/24, up" "$T/bootsrv.log" ||
	fail "VLAN creation not logged"
in_srv ip -d link show vp0.42 | grep -q "vlan protocol 802.1Q id 42" || fail "vp0.42 is not VLAN 42"
log "ok vp0.42 created"

lease() { # WHAT
	timeout 30 ip netns exec "$CLI_NS" busybox udhcpc -i eth0.42 -n -q -t 5 -T 2 -s /bin/true \
		>"$T/u.out" 2>&1 || { cat "$T/u.out" >&2; fail "no lease $1"; }
	grep -q "lease of 192.0.2.1[0-9][0-9] obtained" "$T/u.out" || { cat "$T/u.out" >&2; fail "lease $1"; }
	log "ok lease $1"
}
lease "on the created VLAN"

in_srv ip link set dev vp0.42 down
wait_for 10 "link down logged" grep -q "dhcp: link vp0.42 down" "$T/bootsrv.log"
in_srv ip link set dev vp0.42 up
wait_for 10 "link up logged" grep -q "dhcp: link vp0.42 up" "$T/bootsrv.log"
lease "after down/up"

bootsrv_stop
echo "PASS: dhcp_vlan"

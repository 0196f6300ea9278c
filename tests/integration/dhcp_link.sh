#!/bin/bash
# tests/integration/dhcp_link.sh - bootsrv follows the serving interface's
# link state (rtnetlink) without a restart.
#
# br0 goes down and up: both logged, a client still gets a lease. br0 is
# deleted (logged) and created again by hand, with another ifindex: the
# DHCP socket, bound to the old one, is bound again (logged) and a client
# gets a lease through the new br0.
. "$(dirname "$0")/../lib.sh"

command -v busybox >/dev/null || skip "busybox not installed"

lab_setup
LAB_DHCP_EXTRA='rogue_check_interval = 0;' lab_config "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"
PEER=$(in_srv ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)

lease() { # WHAT
	timeout 30 ip netns exec "$CLI_NS" busybox udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true \
		>"$T/u.out" 2>&1 || { cat "$T/u.out" >&2; fail "no lease $1"; }
	grep -q "lease of 192.0.2.1[0-9][0-9] obtained" "$T/u.out" || { cat "$T/u.out" >&2; fail "lease $1"; }
	log "ok lease $1"
}
lease "at start"

in_srv ip link set dev br0 down
wait_for 10 "link down logged" grep -q "dhcp: link br0 down" "$T/bootsrv.log"
in_srv ip link set dev br0 up
wait_for 10 "link up logged" grep -q "dhcp: link br0 up" "$T/bootsrv.log"
lease "after down/up"

old=$(in_srv cat /sys/class/net/br0/ifindex)
in_srv ip link del br0
wait_for 10 "link gone logged" grep -q "dhcp: br0 is gone" "$T/bootsrv.log"
lab_bridge "$PEER"
new=$(in_srv cat /sys/class/net/br0/ifindex)
[ "$new" != "$old" ] || fail "br0 kept its ifindex $old"
wait_for 10 "re-bind logged" grep -q "dhcp: br0 is back (ifindex $new, was $old)" "$T/bootsrv.log"
lease "through br0 created again"
bootsrv_stop
echo "PASS: dhcp_link"

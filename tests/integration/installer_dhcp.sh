#!/bin/bash
# tests/integration/installer_dhcp.sh - the installer's "net" step: find the
# BOOTIF interface by MAC, bring it up, DISCOVER/OFFER/REQUEST/ACK with
# lib/dhcp_codec.h, configure address, netmask and default route. The DHCP
# server is a real peer (busybox udhcpd), and bootsrv itself when built.
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
MAC=52:54:00:00:00:11
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
command -v busybox >/dev/null || skip "busybox not installed"

lab_setup # $CLI_NS: eth0 with $MAC, down-ish and without an address
ip -n "$CLI_NS" link set eth0 down
# a second Ethernet interface that must not be picked
ip -n "$CLI_NS" link add dummy0 type veth peer name dummy1
ip -n "$CLI_NS" link set dummy0 address 52:54:00:00:00:99

cat >"$T/udhcpd.conf" <<EOF
start 192.0.2.100
end 192.0.2.110
interface br0
lease_file $T/udhcpd.leases
pidfile $T/udhcpd.pid
option subnet 255.255.255.0
option router 192.0.2.1
option dns 192.0.2.1
option lease 3600
EOF
: >"$T/udhcpd.leases"
in_srv busybox udhcpd -f "$T/udhcpd.conf" >>"$T/udhcpd.log" 2>&1 &
LAB_PIDS+=($!)

run_net() { # BOOTIF-MAC
	in_cli timeout 60 "$INSTALLER" --steps net --no-reboot "BOOTIF=01-${1//:/-}"
}

run_net "$MAC" >"$T/net.log" 2>&1 || { cat "$T/net.log" "$T/udhcpd.log" >&2; fail "net step failed"; }
addr=$(ip -n "$CLI_NS" -4 -o addr show dev eth0 | awk '{print $4}')
case $addr in
192.0.2.1[0-1][0-9]/24) log "eth0 got $addr" ;;
*) cat "$T/net.log" >&2; fail "eth0 has \"$addr\", expected a 192.0.2.100-110/24 address" ;;
esac
ip -n "$CLI_NS" route show default | grep -q "via 192.0.2.1 dev eth0" || fail "no default route"
ip -n "$CLI_NS" -o link show eth0 | grep -q "UP" || fail "eth0 not up"
[ -z "$(ip -n "$CLI_NS" -4 -o addr show dev dummy0)" ] || fail "dummy0 was configured"
in_cli busybox ping -c1 -W2 192.0.2.1 >/dev/null || fail "no connectivity to the server"

# an unknown BOOTIF is a clear error, not a hang
if run_net 52:54:00:00:00:77 >"$T/nomac.log" 2>&1; then fail "unknown MAC accepted"; fi
grep -q "no network interface with MAC 52:54:00:00:00:77" "$T/nomac.log" ||
	{ cat "$T/nomac.log" >&2; fail "unknown MAC: wrong message"; }

# bootsrv's own DHCP server: the host's reservation, its router
if [ -x "$BOOTSRV" ]; then
	udhcpd_pid=$(cat "$T/udhcpd.pid")
	kill "$udhcpd_pid"
	wait_for 10 "udhcpd to exit" bash -c "! kill -0 $udhcpd_pid"
	ip -n "$CLI_NS" addr flush dev eth0
	lab_config "$T/bootsrv.conf" "{ name = \"node1\"; mac = \"$MAC\"; ip = \"192.0.2.11\"; image = \"base\"; }"
	bootsrv_start "$T/bootsrv.conf"
	run_net "$MAC" >"$T/net2.log" 2>&1 || { cat "$T/net2.log" >&2; fail "net step failed with bootsrv"; }
	addr=$(ip -n "$CLI_NS" -4 -o addr show dev eth0 | awk '{print $4}')
	[ "$addr" = 192.0.2.11/24 ] || { cat "$T/net2.log" >&2; fail "bootsrv: eth0 has \"$addr\""; }
	ip -n "$CLI_NS" route show default | grep -q "via 192.0.2.1 dev eth0" || fail "bootsrv: no default route"
	bootsrv_stop
	log "bootsrv's DHCP server gave the reservation 192.0.2.11"
else
	log "no $BOOTSRV: bootsrv DHCP case skipped"
fi
log "installer DHCP client checks passed"

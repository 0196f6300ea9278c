#!/bin/bash
# tests/integration/dhcp_clients.sh - bootsrv's DHCP server against real
# clients (busybox udhcpc, ISC dhclient) in network namespaces.
#
# A listed MAC gets its reserved address, an unlisted one a pool address;
# every reply carries the boot file and the server as next-server; leases
# survive a daemon restart (same pool address again); RELEASE is honoured;
# one log line per exchange.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
LISTED=52:54:00:00:00:11
UNLISTED=52:54:00:00:00:99
OTHER_NS="bs${RUN_ID}o"
command -v busybox >/dev/null || skip "busybox not installed"
command -v dhclient >/dev/null || skip "dhclient not installed"

lab_setup # $CLI_NS has the listed MAC
lab_add_client "$OTHER_NS" "$UNLISTED"
lab_config "$T/bootsrv.conf" \
	"{ name = \"node1\"; mac = \"$LISTED\"; ip = \"192.0.2.11\"; image = \"base\"; }"
bootsrv_start "$T/bootsrv.conf"

# udhcpc's script prints what the server handed out, one KEY=VALUE a line.
cat >"$T/udhcpc.script" <<'EOF'
#!/bin/sh
[ "$1" = bound ] || exit 0
for k in ip subnet router dns serverid siaddr boot_file lease hostname; do
	eval "echo $k=\${$k:-}"
done
EOF
# dhclient's script configures the address (needed to send RELEASE) and
# nothing else: the real dhclient-script would rewrite the host's resolv.conf.
cat >"$T/dhclient.script" <<'EOF'
#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
	ip addr replace "$new_ip_address/24" dev "$interface" ;;
RELEASE|STOP|EXPIRE|FAIL)
	ip addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$T/udhcpc.script" "$T/dhclient.script"

# udhcpc NS OUT: one DORA, the handed-out values in OUT.
udhcpc_run() {
	timeout 30 ip netns exec "$1" busybox udhcpc -i eth0 -n -q -t 5 -T 2 \
		-s "$T/udhcpc.script" >"$2" 2>"$2.err" || { cat "$2.err" >&2; fail "udhcpc in $1 got no lease"; }
}
val() { sed -n "s/^$2=//p" "$1"; }

expect_udhcpc() { # OUT IP-PATTERN
	local ip
	ip=$(val "$1" ip)
	[[ $ip =~ $2 ]] || fail "udhcpc: got address '$ip', wanted $2"
	[ "$(val "$1" boot_file)" = pxelinux.0 ] || fail "udhcpc: boot file '$(val "$1" boot_file)'"
	[ "$(val "$1" siaddr)" = $SRV ] || fail "udhcpc: next-server '$(val "$1" siaddr)'"
	[ "$(val "$1" serverid)" = $SRV ] || fail "udhcpc: server id '$(val "$1" serverid)'"
	[ "$(val "$1" subnet)" = 255.255.255.0 ] || fail "udhcpc: mask '$(val "$1" subnet)'"
	[ "$(val "$1" router)" = $SRV ] || fail "udhcpc: router '$(val "$1" router)'"
	[ "$(val "$1" lease)" = 3600 ] || fail "udhcpc: lease '$(val "$1" lease)'"
}

udhcpc_run "$CLI_NS" "$T/u1"
expect_udhcpc "$T/u1" '^192\.0\.2\.11$'
[ "$(val "$T/u1" hostname)" = node1 ] || fail "udhcpc: host name '$(val "$T/u1" hostname)'"
log "ok udhcpc listed -> 192.0.2.11"

udhcpc_run "$OTHER_NS" "$T/u2"
expect_udhcpc "$T/u2" '^192\.0\.2\.1[0-9][0-9]$'
POOL_IP=$(val "$T/u2" ip)
log "ok udhcpc unlisted -> $POOL_IP"

# dhclient NS TAG: one DORA, leaves its lease file in $T/TAG.leases.
dhclient_run() {
	timeout 40 ip netns exec "$1" dhclient -1 -v -sf "$T/dhclient.script" \
		-lf "$T/$2.leases" -pf "$T/$2.pid" eth0 >"$T/$2.out" 2>&1 ||
		{ cat "$T/$2.out" >&2; fail "dhclient in $1 got no lease"; }
}
expect_dhclient() { # TAG IP
	local f=$T/$1.leases
	grep -q "fixed-address $2;" "$f" || { cat "$f" >&2; fail "dhclient: wanted $2"; }
	grep -q 'filename "pxelinux.0";' "$f" || fail "dhclient: no boot file in the reply"
	grep -q "option dhcp-server-identifier $SRV;" "$f" || fail "dhclient: server id"
	grep -q 'option bootfile-name "pxelinux.0";' "$f" || fail "dhclient: no option 67"
}

dhclient_run "$CLI_NS" d1
expect_dhclient d1 192.0.2.11
log "ok dhclient listed -> 192.0.2.11"
dhclient_run "$OTHER_NS" d2
expect_dhclient d2 "$POOL_IP"
log "ok dhclient unlisted -> $POOL_IP (same as udhcpc's: lease by MAC)"

# RELEASE (unicast from the configured address) reaches the server.
timeout 20 ip netns exec "$OTHER_NS" dhclient -r -sf "$T/dhclient.script" \
	-lf "$T/d2.leases" -pf "$T/d2.pid" eth0 >/dev/null 2>&1 || true
wait_for 10 "RELEASE logged" grep -q "DHCPRELEASE $UNLISTED .* released $POOL_IP -$" "$T/bootsrv.log"
timeout 20 ip netns exec "$CLI_NS" dhclient -x -sf "$T/dhclient.script" \
	-lf "$T/d1.leases" -pf "$T/d1.pid" eth0 >/dev/null 2>&1 || true
log "ok release"

grep -q "DHCPREQUEST $LISTED node1 arch=- -> DHCPACK 192.0.2.11 pxelinux.0" "$T/bootsrv.log" ||
	fail "no exchange log line for the listed host"
[ -s "$T/state/leases.journal" ] || fail "no lease journal"

# Leases survive a restart: the unlisted client gets its address back.
bootsrv_stop
bootsrv_start "$T/bootsrv.conf"
grep -q "2 leases loaded" "$T/bootsrv.log" || fail "leases not reloaded after restart"
udhcpc_run "$OTHER_NS" "$T/u3"
expect_udhcpc "$T/u3" "^${POOL_IP//./\\.}\$"
log "ok restart keeps $POOL_IP"
bootsrv_stop
echo "PASS: dhcp_clients"

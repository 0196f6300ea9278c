#!/bin/bash
# tests/integration/dhcp_rogue.sh - another DHCP server (a real dnsmasq) on
# bootsrv's bridge.
#
# Authoritative mode: bootsrv's probe DISCOVER finds dnsmasq at start-up,
# bootsrv names it (server id, MAC, IP) and answers no client; /metrics
# says so. When dnsmasq stops, a later probe goes unanswered and bootsrv
# serves again (a real udhcpc gets its lease). With
# dhcp.allow_other_servers = true it serves beside dnsmasq. In proxy mode
# the other server is expected: logged at info, and bootsrv keeps serving.
. "$(dirname "$0")/../lib.sh"

MAC=52:54:00:00:00:11
ROGUE_MAC=52:54:00:00:00:02
DNS_NS="bs${RUN_ID}d"
TOOL=("/usr/bin/python3" "$TOP/tests/integration/dhcp_tool.py")
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v busybox >/dev/null || skip "busybox not installed"
[ -x /usr/bin/python3 ] || skip "python3 not installed"

lab_setup
lab_add_client "$DNS_NS" $ROGUE_MAC
ip -n "$DNS_NS" addr add 192.0.2.2/24 dev eth0

DNSMASQ_PID=
rogue_start() { lab_dnsmasq "$DNS_NS" 192.0.2.200 192.0.2.210; }
rogue_stop() {
	kill "$DNSMASQ_PID"
	wait "$DNSMASQ_PID" 2>/dev/null || true
}
metric() { in_srv curl -s http://192.0.2.1:8080/metrics | sed -n "s/^$1 //p"; }
# offers_from ADDR: the DISCOVER's replies that came from ADDR:67
offers_from() { grep -c "\"from\": \"$1:67\"" "$T/offers" || true; }
discover() { in_cli "${TOOL[@]}" discover eth0 $MAC --wait 2 >"$T/offers" || true; }
conf() { # MODE ALLOW
	lab_config "$T/bootsrv.conf"
	sed -i "s/mode = \"authoritative\"/mode = \"$1\"/; s/lease_time = 3600;/lease_time = 3600; rogue_check_interval = 1; allow_other_servers = $2;/" \
		"$T/bootsrv.conf"
}

# 1. Authoritative, dnsmasq already running: refuse and name it.
rogue_start
conf authoritative false
bootsrv_start "$T/bootsrv.conf"
grep -q "another DHCP server on the segment (server-id 192.0.2.2, MAC $ROGUE_MAC, IP 192.0.2.2, offered 192.0.2.2[01][0-9]): not serving" \
	"$T/bootsrv.log" || fail "start-up did not name the other server"
discover
[ "$(offers_from 192.0.2.2)" -ge 1 ] || fail "dnsmasq did not answer"
[ "$(offers_from 192.0.2.1)" -eq 0 ] || fail "bootsrv answered beside another server"
[ "$(metric bootsrv_dhcp_serving)" = 0 ] || fail "metrics: serving should be 0"
[ "$(metric bootsrv_dhcp_other_servers)" = 1 ] || fail "metrics: other_servers should be 1"
in_srv curl -s http://192.0.2.1:8080/metrics |
	grep -q "bootsrv_dhcp_other_server{server_id=\"192.0.2.2\",mac=\"$ROGUE_MAC\",ip=\"192.0.2.2\"} 1" ||
	fail "metrics do not name the other server"
[ "$(metric bootsrv_dhcp_refused_total)" -ge 1 ] || fail "metrics: nothing refused"
log "ok refused while dnsmasq answers, named in log and /metrics"

# 2. dnsmasq goes away: the next silent round resumes serving.
rogue_stop
wait_for 15 "bootsrv to resume" grep -q "no other DHCP server answers any more: serving again" \
	"$T/bootsrv.log"
grep -q "server-id 192.0.2.2, MAC $ROGUE_MAC, IP 192.0.2.2 did not answer the last probe: gone" \
	"$T/bootsrv.log" || fail "no log line for the server going"
cat >"$T/udhcpc.script" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip serverid=$serverid"
exit 0
SCRIPT
chmod +x "$T/udhcpc.script"
timeout 30 ip netns exec "$CLI_NS" busybox udhcpc -i eth0 -n -q -t 5 -T 2 -s "$T/udhcpc.script" >"$T/udhcpc.out" 2>&1 ||
	fail "udhcpc got no lease after the other server left"
grep -q "ip=192.0.2.1[0-9][0-9] serverid=192.0.2.1" "$T/udhcpc.out" || fail "lease not from bootsrv: $(cat "$T/udhcpc.out")"
[ "$(metric bootsrv_dhcp_serving)" = 1 ] || fail "metrics: serving should be 1"
[ "$(metric bootsrv_dhcp_other_servers)" = 0 ] || fail "metrics: other_servers should be 0"
log "ok serving again once dnsmasq stopped: $(cat "$T/udhcpc.out")"

# 2b. It comes back while we serve: the periodic probe stops us again.
rogue_start
wait_for 15 "bootsrv to notice the server again" \
	sh -c "[ \$(grep -c 'another DHCP server on the segment (server-id 192.0.2.2' '$T/bootsrv.log') -ge 2 ]"
discover
[ "$(offers_from 192.0.2.1)" -eq 0 ] || fail "bootsrv answered after the server came back"
log "ok a server that appears while serving stops bootsrv again"
bootsrv_stop

# 3. allow_other_servers = true: serve beside it.
conf authoritative true
bootsrv_start "$T/bootsrv.conf"
grep -q "another DHCP server on the segment (server-id 192.0.2.2, .*): serving anyway" "$T/bootsrv.log" ||
	fail "allow_other_servers: no warning naming the server"
discover
[ "$(offers_from 192.0.2.1)" -ge 1 ] || fail "allow_other_servers: bootsrv did not answer"
[ "$(offers_from 192.0.2.2)" -ge 1 ] || fail "dnsmasq did not answer"
[ "$(metric bootsrv_dhcp_serving)" = 1 ] || fail "allow_other_servers: serving should be 1"
log "ok allow_other_servers: both answer"
bootsrv_stop

# 4. Proxy mode: expected, info line, PXE clients still served.
conf proxy false
bootsrv_start "$T/bootsrv.conf"
grep -q "INFO.*DHCP server on the segment (server-id 192.0.2.2, .*): expected in proxy mode" \
	"$T/bootsrv.log" || grep -q "DHCP server on the segment (server-id 192.0.2.2, .*): expected in proxy mode" \
	"$T/bootsrv.log" || fail "proxy mode: other server not logged"
in_cli "${TOOL[@]}" discover eth0 $MAC --pxe --arch 0 --wait 2 >"$T/offers" || true
[ "$(offers_from 192.0.2.1)" -ge 1 ] || fail "proxy mode: bootsrv did not answer the PXE client"
log "ok proxy mode: other server expected, PXE client served"
bootsrv_stop
echo "PASS: dhcp_rogue"

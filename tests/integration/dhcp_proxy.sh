#!/bin/bash
# tests/integration/dhcp_proxy.sh - bootsrv in proxyDHCP mode beside a
# running dnsmasq: dnsmasq hands out addresses, bootsrv only the boot file.
#
# A PXE DISCOVER gets two OFFERs: dnsmasq's with an address, bootsrv's with
# none (yiaddr 0) but siaddr, the boot file, option 60 PXEClient and option
# 43 (PXE discovery control: use the boot file). A non-PXE client gets
# nothing from bootsrv. The PXE REQUEST to port 4011 is answered by unicast
# with the loader for the client's architecture.
. "$(dirname "$0")/../lib.sh"

MAC=52:54:00:00:00:11
DNS_NS="bs${RUN_ID}d"
TOOL=("/usr/bin/python3" "$TOP/tests/integration/dhcp_tool.py")
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
[ -x /usr/bin/python3 ] || skip "python3 not installed"

lab_setup
lab_add_client "$DNS_NS" 52:54:00:00:00:02
ip -n "$DNS_NS" addr add 192.0.2.2/24 dev eth0
lab_dnsmasq "$DNS_NS" 192.0.2.150 192.0.2.160

lab_config "$T/bootsrv.conf"
sed -i 's/mode = "authoritative"/mode = "proxy"/' "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"
grep -q "4011 as proxyDHCP" "$T/bootsrv.log" || fail "proxy mode not announced"

# PXE DISCOVER: both servers answer.
in_cli "${TOOL[@]}" discover eth0 $MAC --pxe --arch 0 --wait 3 >"$T/offers" || true
cat "$T/offers" >&2
grep '"from": "192.0.2.2:67"' "$T/offers" | grep -q '"yiaddr": "192.0.2.15[0-9]"' ||
	fail "no address offer from dnsmasq"
PROXY=$(grep '"from": "192.0.2.1:67"' "$T/offers") || fail "no proxy offer from bootsrv"
for want in '"yiaddr": "0.0.0.0"' '"siaddr": "192.0.2.1"' '"file": "pxelinux.0"' \
	'"type": 2' '"60": "505845436c69656e74"' '"43": "060108ff"' '"54": "c0000201"'; do
	grep -qF "$want" <<<"$PROXY" || fail "proxy offer lacks $want"
done
grep -qF '"51":' <<<"$PROXY" && fail "proxy offer carries a lease time"
ADDR=$(grep '"from": "192.0.2.2:67"' "$T/offers" | sed 's/.*"yiaddr": "\([0-9.]*\)".*/\1/')
log "ok PXE DISCOVER: dnsmasq offers $ADDR, bootsrv offers pxelinux.0 without an address"

# A plain client: dnsmasq only.
in_cli "${TOOL[@]}" discover eth0 $MAC --wait 2 >"$T/plain" || true
grep -q '"from": "192.0.2.2:67"' "$T/plain" || fail "dnsmasq did not answer the plain client"
grep -q '"from": "192.0.2.1:' "$T/plain" && fail "bootsrv answered a non-PXE client"
log "ok non-PXE DISCOVER ignored by the proxy"

# With its address, the client asks the proxy on 4011 (UEFI this time).
ip -n "$CLI_NS" addr add "$ADDR/24" dev eth0
in_cli "${TOOL[@]}" request eth0 $MAC --pxe --arch 7 --ciaddr "$ADDR" \
	--server 192.0.2.1 --port 4011 --wait 3 >"$T/ack" || fail "no answer on port 4011"
cat "$T/ack" >&2
for want in '"from": "192.0.2.1:4011"' '"type": 5' '"yiaddr": "0.0.0.0"' \
	"\"ciaddr\": \"$ADDR\"" '"file": "syslinux.efi"' '"43": "060108ff"'; do
	grep -qF "$want" "$T/ack" || fail "4011 ACK lacks $want"
done
log "ok 4011 REQUEST -> unicast ACK with syslinux.efi"

grep -q "DHCPDISCOVER $MAC .* -> proxy DHCPOFFER - pxelinux.0" "$T/bootsrv.log" ||
	fail "no log line for the proxy offer"
grep -q "DHCPREQUEST $MAC .* -> proxy DHCPACK $ADDR syslinux.efi" "$T/bootsrv.log" ||
	fail "no log line for the 4011 ACK"
[ ! -s "$T/state/leases.journal" ] || fail "the proxy recorded leases"
bootsrv_stop
echo "PASS: dhcp_proxy"

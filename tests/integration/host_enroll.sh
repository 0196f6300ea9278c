#!/bin/bash
# tests/integration/host_enroll.sh - hosts enrolled without editing the
# config, in network namespaces.
#
# An unknown MAC PXE-booting shows in `host list --discovered` and gets a
# pool address; `host add` with that MAC and an ip makes its next DHCP
# request get the reserved address without a restart, and its
# pxelinux.cfg/01-<mac> over TFTP boots the local disk; refusals (duplicate
# MAC, duplicate IP, IP outside the networks, the server's or the
# broadcast address, an address offered to another MAC, a config host's name,
# unknown image, bad MAC, rm of a config host) change nothing and are
# logged; the host survives a restart; `host rm` removes it.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
MAC=52:54:00:00:77:01
TOOL=$(dirname "$0")/dhcp_tool.py

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0 # for TFTP; DHCP goes by broadcast
lab_config "$T/bootsrv.conf" \
	"{ name = \"node01\"; mac = \"52:54:00:00:00:11\"; ip = \"192.0.2.11\"; image = \"base\"; }"
CONF=$T/bootsrv.conf
cli() { in_srv "$BOOTSRV" "$@" -c "$CONF"; }
# yiaddr MAC: the address a PXE DISCOVER from MAC is offered
yiaddr() {
	in_cli python3 "$TOOL" discover eth0 "$1" --pxe --arch 0 --first --wait 5 |
		head -1 | jq -r .yiaddr
}
refused() { # WHAT MESSAGE-REGEX command...
	local what=$1 msg=$2 rc=0
	shift 2
	cli host "$@" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1 ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: reason is not one line: $(cat "$T/err")"
	grep -Eq "$msg" "$T/err" || fail "$what: message: $(cat "$T/err")"
}

bootsrv_start "$CONF"

# --- an unknown PXE client is discovered, and served from the pool
ip=$(yiaddr "$MAC")
case $ip in 192.0.2.1[0-9][0-9]) ;; *) fail "unknown MAC got '$ip', want a pool address" ;; esac
# its offered address is not another host's to take while the offer holds
refused "leased address" "address $ip is offered to $MAC for [0-9]+ s more" \
	add n3 --mac 52:54:00:00:77:03 --ip "$ip"
cli host list --discovered --json >"$T/disc.json"
jq -e --arg m "$MAC" '.discovered | map(select(.mac == $m and .arch == 0 and .requests >= 1
	and (.vendor_class | startswith("PXEClient")))) | length == 1' "$T/disc.json" >/dev/null ||
	fail "not discovered: $(cat "$T/disc.json")"
cli host list --discovered | grep -q "^$MAC .*PXEClient" || fail "discovered table"
# it gets what unknown MACs always got: the default config, local boot
in_cli curl -s --max-time 10 "tftp://$SRV/pxelinux.cfg/01-${MAC//:/-}" >"$T/cfg" || fail "TFTP"
grep -q 'LOCALBOOT' "$T/cfg" && ! grep -q 'token=' "$T/cfg" ||
	fail "a discovered MAC got more than local boot: $(cat "$T/cfg")"
# a config host is never "discovered"
yiaddr 52:54:00:00:00:11 >/dev/null
cli host list --discovered --json | jq -e '.discovered | map(.mac) |
	index("52:54:00:00:00:11") == null' >/dev/null || fail "a config host listed as discovered"

# --- refusals: each one line, exit 1, logged, nothing enrolled
refused "duplicate MAC" 'MAC already used by "node01"' add n2 --mac 52:54:00:00:00:11
refused "duplicate IP" 'IP already reserved for "node01"' add n2 --mac "$MAC" --ip 192.0.2.11
refused "IP outside" 'is in no dhcp subnet' add n2 --mac "$MAC" --ip 198.51.100.7
refused "server address" "address 192.0.2.1 is the server's own address" add n2 --mac "$MAC" --ip 192.0.2.1
refused "broadcast" "is the broadcast address of its subnet" add n2 --mac "$MAC" --ip 192.0.2.255
refused "config name" 'duplicate host name "node01"' add node01 --mac "$MAC"
refused "unknown image" 'unknown image "nope"' add n2 --mac "$MAC" --image nope
refused "bad MAC" 'bad MAC' add n2 --mac 52:54:00:zz:00:01
refused "bad name" 'host name must be' add 'bad/name' --mac "$MAC"
refused "rm config host" 'is in .*bootsrv.conf: remove it there' rm node01
refused "rm unknown" 'no enrolled host "ghost"' rm ghost
rc=0; cli host add n2 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "add without --mac: exit $rc, want 2"
grep -q 'api: host add n2 refused: .*MAC already used' "$T/bootsrv.log" || fail "refusal not logged"
[ -z "$(ls "$T/state/enrolled")" ] || fail "a refused host left a file: $(ls "$T/state/enrolled")"

# --- enroll the discovered MAC: the next request gets the reservation
cli host add rack1 --mac "$MAC" --ip 192.0.2.41 --image base --txt "rack: 1" >"$T/out" ||
	fail "host add: $(cat "$T/out")"
refused "duplicate name" 'duplicate host name "rack1"' add rack1 --mac 52:54:00:00:77:02
refused "duplicate enrolled IP" 'IP already reserved for "rack1"' add r2 \
	--mac 52:54:00:00:77:02 --ip 192.0.2.41
ip=$(yiaddr "$MAC")
[ "$ip" = 192.0.2.41 ] || fail "enrolled host offered '$ip', want 192.0.2.41"
cli host list --discovered --json | jq -e --arg m "$MAC" '.discovered | map(.mac) |
	index($m) == null' >/dev/null || fail "an enrolled MAC is still discovered"
in_cli curl -s --max-time 10 -o "$T/cfg" "tftp://$SRV/pxelinux.cfg/01-${MAC//:/-}" || fail "TFTP config"
printf 'DEFAULT local\nLABEL local\n  LOCALBOOT 0\n' | cmp - "$T/cfg" ||
	fail "rack1's config is not local boot: $(cat "$T/cfg")"
cli host list --json | jq -e '.hosts | map(select(.name == "rack1" and .source == "enrolled"
	and .ip == "192.0.2.41" and .state == "localboot")) | length == 1' >/dev/null ||
	fail "host list: $(cli host list --json)"
# it can be armed like a config host
cli netboot --hosts rack1 --image base >/dev/null || fail "netboot of an enrolled host"
in_cli curl -s --max-time 10 "tftp://$SRV/pxelinux.cfg/01-${MAC//:/-}" | grep -q 'host=rack1 token=' ||
	fail "armed enrolled host gets no installer"
cli localboot --hosts rack1 >/dev/null

# --- a restart keeps it; a torn file is left out with a log line
printf '{"name": "torn", "mac": "52:54' >"$T/state/enrolled/torn.json"
bootsrv_stop
bootsrv_start "$CONF"
cli host list | grep -q '^rack1 .*52:54:00:00:77:01 *192.0.2.41 *enrolled *base' ||
	fail "rack1 lost in a restart: $(cli host list)"
grep -q 'enrolled host: .*torn.json is torn or invalid' "$T/bootsrv.log" ||
	fail "torn file not logged"
ip=$(yiaddr "$MAC")
[ "$ip" = 192.0.2.41 ] || fail "after restart offered '$ip', want 192.0.2.41"

# --- rm: no longer reserved, no longer listed
cli host rm rack1 >/dev/null || fail "host rm"
[ ! -e "$T/state/enrolled/rack1.json" ] || fail "rack1's file is still there"
cli host list --json | jq -e '.hosts | map(.name) | index("rack1") == null' >/dev/null ||
	fail "rack1 still listed"
ip=$(yiaddr "$MAC")
[ "$ip" != 192.0.2.41 ] || fail "rack1's address still reserved after rm"
bootsrv_stop
echo "ok"

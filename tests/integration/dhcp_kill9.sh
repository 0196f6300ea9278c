#!/bin/bash
# tests/integration/dhcp_kill9.sh - no acknowledged lease is lost to a crash.
#
# perfdhcp (relay path) keeps DORA running against bootsrv while a sniffer
# in the client namespace records every DHCPACK that reaches the wire;
# bootsrv is killed with SIGKILL in the middle. After a restart on the same
# state directory every acknowledged MAC -> address is in the reloaded
# journal, and each of those clients is offered the same address again.
. "$(dirname "$0")/../lib.sh"

TOOL=("/usr/bin/python3" "$TOP/tests/integration/dhcp_tool.py")
CLIENTS=80 # the lab pool is 192.0.2.100-199
command -v perfdhcp >/dev/null || skip "perfdhcp (kea-admin) not installed"
[ -x /usr/bin/python3 ] || skip "python3 not installed"

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.2/24 dev eth0
lab_config "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"

in_cli "${TOOL[@]}" sniff eth0 >"$T/acks" 2>"$T/sniff.err" &
SNIFF=$!
LAB_PIDS+=("$SNIFF")
sleep 0.5
in_cli perfdhcp -4 -l 192.0.2.2 -r 300 -R $CLIENTS -p 6 192.0.2.1 >"$T/perfdhcp.out" 2>&1 &
PERF=$!
LAB_PIDS+=("$PERF")
wait_for 10 "ACKs under load" sh -c "[ \$(wc -l <'$T/acks') -ge 200 ]"
kill -KILL "$BOOTSRV_PID"
wait "$BOOTSRV_PID" 2>/dev/null || true
ACKED=$(wc -l <"$T/acks")
log "killed bootsrv after $ACKED ACKs on the wire"
wait "$PERF" || true
sleep 0.5
kill "$SNIFF" 2>/dev/null || true
wait "$SNIFF" 2>/dev/null || true
# the rsync daemon bootsrv started is orphaned now: it must not hold the port
for p in $(ip netns pids "$SRV_NS"); do kill -9 "$p" 2>/dev/null || true; done

# The last ACK per client is what it holds.
awk '{ last[$1] = $2 } END { for (m in last) print m, last[m] }' "$T/acks" | sort >"$T/held"
N=$(wc -l <"$T/held")
[ "$N" -gt 0 ] || fail "no ACK recorded"
cp "$T/state/leases.journal" "$T/journal.before"

bootsrv_start "$T/bootsrv.conf"
grep -q "leases loaded" "$T/bootsrv.log" || fail "journal not reloaded"
while read -r mac ip; do
	grep -q "^$mac $ip [0-9]* bound " "$T/state/leases.journal" ||
		fail "ACKed lease $mac -> $ip missing from the reloaded journal"
done <"$T/held"
log "ok all $N acknowledged leases are in the journal after the restart"

in_cli "${TOOL[@]}" discover eth0 "$(cut -d' ' -f1 "$T/held" | paste -sd,)" --first \
	--wait 3 >"$T/offers" || fail "not every client got an offer after the restart"
while read -r mac ip; do
	grep "\"chaddr\": \"$mac\"" "$T/offers" | grep -q "\"yiaddr\": \"$ip\"" ||
		fail "$mac was not offered $ip again"
done <"$T/held"
log "ok each of them is offered its address again"
bootsrv_stop
echo "PASS: dhcp_kill9"

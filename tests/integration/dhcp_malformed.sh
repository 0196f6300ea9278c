#!/bin/bash
# tests/integration/dhcp_malformed.sh - bad datagrams at the running daemon.
#
# Truncated messages, a bad magic cookie, bad option lengths, bad and
# misplaced overload (52), huge options 57/61/12, no message type, a bad
# hardware length and an oversized datagram, broadcast to port 67 from a
# client namespace: each is dropped with a log line naming the reason, and
# the daemon still answers a good DISCOVER afterwards (and exits cleanly,
# so the sanitizers saw nothing).
. "$(dirname "$0")/../lib.sh"

MAC=52:54:00:00:00:11
TOOL=("/usr/bin/python3" "$TOP/tests/integration/dhcp_tool.py")
[ -x /usr/bin/python3 ] || skip "python3 not installed"

lab_setup
lab_config "$T/bootsrv.conf"
bootsrv_start "$T/bootsrv.conf"

in_cli "${TOOL[@]}" malformed eth0 $MAC >"$T/sent"
SENT=$(wc -l <"$T/sent")
wait_for 10 "every bad datagram logged" \
	sh -c "[ \$(grep -c 'dhcp: dropped .*-byte datagram from' '$T/bootsrv.log') -ge $SENT ]"
grep 'dhcp: dropped' "$T/bootsrv.log" >&2
for why in "message truncated" "bad magic cookie" "malformed option" "bad option overload" \
	"no valid message type" "bad hardware address type/length" "larger than our buffer"; do
	grep -q "dhcp: dropped .*: $why\$" "$T/bootsrv.log" || fail "no drop logged for: $why"
done
log "ok $SENT bad datagrams dropped and logged"

kill -0 "$BOOTSRV_PID" || fail "bootsrv died"
in_cli "${TOOL[@]}" discover eth0 $MAC --pxe --arch 0 --wait 3 >"$T/offer" ||
	fail "no answer to a good DISCOVER after the bad ones"
grep -q '"type": 2' "$T/offer" || fail "the answer is not an OFFER"
grep -q '"yiaddr": "192.0.2.1[0-9][0-9]"' "$T/offer" || fail "no pool address offered"
log "ok good DISCOVER still answered"
bootsrv_stop
echo "PASS: dhcp_malformed"

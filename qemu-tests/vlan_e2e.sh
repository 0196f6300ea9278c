#!/bin/bash
# End to end, VLAN: tests/integration/dhcp_vlan.sh on Debian's kernel. This
# host's kernel has no 802.1Q, so there that test only sees the refusal and
# skips; here it runs in a TCG guest (guest_run: this host's / over 9p) where
# bootsrv creates vp0.42 itself, a client on the tagged side gets a lease,
# and link down/up is followed. A skip in the guest is a failure here.
source "$(dirname "$0")/lab.sh"

need_guest_run
rc=0
guest_run vlan 400 tests/integration/dhcp_vlan.sh || rc=$?
# the inner test's own lines, for the log
tr -d '\r' <"$T/vlan.console" | sed -n '/^hostroot-init: running the job/,$p' >&2
[ "$rc" -ne 77 ] || fail "dhcp_vlan skipped in the guest: $(tr -d '\r' <"$T/vlan.console" | grep -a '^SKIP')"
[ "$rc" -eq 0 ] || fail "dhcp_vlan failed in the guest (exit $rc)"
tr -d '\r' <"$T/vlan.console" | grep -aq '^PASS: dhcp_vlan$' || fail "no PASS line from dhcp_vlan"
for ok in "ok vp0.42 created" "ok lease on the created VLAN" "ok lease after down/up"; do
	grep -aqE "^# (\[[0-9]+s\] )?$ok" "$T/vlan.console" || fail "dhcp_vlan did not report: $ok"
done
log "ok: dhcp_vlan passed on $(cat "$TOP/build/kernel/version") with 802.1Q"
echo "PASS: vlan_e2e"

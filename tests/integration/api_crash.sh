#!/bin/bash
# tests/integration/api_crash.sh - host state survives kill -9 right after
# every transition: each API call is followed at once by SIGKILL of the
# daemon and a restart, and the state, step, error, token and the boot
# config the host gets next are what the acknowledged call said.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
URL=http://$SRV:8080
lab_setup
lab_config "$T/bootsrv.conf" \
	"{ name = \"node01\"; mac = \"52:54:00:00:00:11\"; ip = \"192.0.2.11\"; image = \"base\"; },
	 { name = \"node02\"; mac = \"52:54:00:00:00:12\"; ip = \"192.0.2.12\"; image = \"base\"; }"
CONF=$T/bootsrv.conf

cli() { in_srv "$BOOTSRV" "$@" -c "$CONF"; }
field() { cli status --json --hosts "$1" | jq -r ".[0].$2"; }
expect() { [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"; }
api() { # METHOD PATH TOKEN [BODY] -> status
	local args=(-s -o "$T/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data "$4")
	in_cli curl "${args[@]}" "$URL$2"
}
# crash: SIGKILL the daemon, check the rsync daemon it supervises goes
# with it (it would otherwise keep the rsync port), then start it again.
crash() {
	local kids
	kids=$(cat "/proc/$BOOTSRV_PID/task/"*/children 2>/dev/null || true)
	kill -9 "$BOOTSRV_PID"
	wait "$BOOTSRV_PID" 2>/dev/null || true
	for k in $kids; do
		wait_for 10 "child $k to exit with bootsrv" bash -c "! kill -0 $k"
	done
	bootsrv_start "$CONF"
}
token_of() { in_cli curl -sf "$URL/pxelinux.cfg/01-$1" | sed -n 's/.* token=\([0-9a-f]\{64\}\) .*/\1/p'; }
boots_local() { in_cli curl -sf "$URL/pxelinux.cfg/01-$1" | grep -q LOCALBOOT; }

ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
bootsrv_start "$CONF"

# --- node01: --once install that completes, a crash after every step
cli netboot --hosts node01 --image base --once >/dev/null
crash
expect netboot "$(field node01 state)" "netboot survives"
expect true "$(field node01 once)" "once survives"
TOKEN=$(token_of 52-54-00-00-00-11)
[ -n "$TOKEN" ] || fail "no install config after restart"

expect 200 "$(api POST /api/v1/install/node01/progress "$TOKEN" '{"step":"clock","percent":0}')" "early progress"
crash
expect installing "$(field node01 state)" "installing survives"
expect clock "$(field node01 step)" "step survives"
boots_local 52-54-00-00-00-11 && fail "--once arm consumed before the plan"

expect 200 "$(api GET /api/v1/install/node01/plan "$TOKEN")" "plan"
crash
expect installing "$(field node01 state)" "plan state survives"
boots_local 52-54-00-00-00-11 || fail "--once: next boot is not local after plan + crash"
expect 409 "$(api GET /api/v1/install/node01/plan "$TOKEN")" "second plan of a --once arm"

expect 200 "$(api POST /api/v1/install/node01/progress "$TOKEN" \
	'{"step":"rsync","percent":60,"bytes":4096,"message":"copying"}')" "progress"
crash
expect rsync "$(field node01 step)" "progress step survives"
expect 60 "$(field node01 percent)" "percent survives"
expect copying "$(field node01 message)" "message survives"

expect 200 "$(api POST /api/v1/install/node01/done "$TOKEN" '{"ok":true,"message":"fine"}')" "done"
crash
expect installed "$(field node01 state)" "installed survives"
[ "$(field node01 finished_at)" -gt 0 ] || fail "finished_at lost"
boots_local 52-54-00-00-00-11 || fail "installed host does not boot local after crash"
expect 401 "$(api POST /api/v1/install/node01/done "$TOKEN" '{"ok":true}')" "token dead after crash"

# --- node02: done before the plan is refused; a failure is kept
cli netboot --hosts node02 --image base >/dev/null
TOKEN2=$(token_of 52-54-00-00-00-12)
expect 409 "$(api POST /api/v1/install/node02/done "$TOKEN2" '{"ok":true}')" "done from netboot"
crash
expect netboot "$(field node02 state)" "refused done changed nothing"
expect 200 "$(api GET /api/v1/install/node02/plan "$TOKEN2")" "plan 2"
crash
# without --once a reboot mid-install gets the installer again
boots_local 52-54-00-00-00-12 && fail "reboot mid-install (no --once) boots local"
expect "$TOKEN2" "$(token_of 52-54-00-00-00-12)" "token survives"
expect 200 "$(api POST /api/v1/install/node02/done "$TOKEN2" '{"ok":false,"message":"mkfs: no space"}')" "done failed"
crash
expect failed "$(field node02 state)" "failed survives"
expect "mkfs: no space" "$(field node02 error)" "error survives"
boots_local 52-54-00-00-00-12 || fail "failed host loops into the installer"

cli localboot --hosts node02 >/dev/null
crash
expect localboot "$(field node02 state)" "localboot survives"
expect "mkfs: no space" "$(field node02 error)" "last error kept after disarm"

# --- the event ring of a host, from `bootsrv status HOST`
cli netboot --hosts node02 --image base >/dev/null
cli status node02 >"$T/out"
grep -q "^node02 *netboot" "$T/out" || fail "status HOST row: $(cat "$T/out")"
grep -q "last error: mkfs: no space" "$T/out" || fail "status HOST error: $(cat "$T/out")"
grep -q " netboot  *image base flavor default" "$T/out" || fail "status HOST events: $(cat "$T/out")"
rc=0; cli status nosuch 2>"$T/err" || rc=$?
expect 1 "$rc" "status of an unknown host"
grep -q "event=netboot host=node02 mac=52:54:00:00:00:12 detail=\"image base flavor default\"" \
	"$T/bootsrv.log" || fail "structured event line missing"
bootsrv_stop
log "ok"

#!/bin/bash
# tests/integration/api_peers.sh - where API calls may come from, over real
# HTTP: with admin_allow = [ "192.0.2.64/26" ], an admin call with the
# right token from 192.0.2.50 gets 403 and changes nothing, the same call
# from 192.0.2.70 and the CLI on the server itself work. With the default
# install_from_host_ip, the installer's calls for node01 (reserved
# 192.0.2.11) with node01's own token get 403 from 192.0.2.50 and 200 from
# 192.0.2.11; each refusal is logged and shown in the host's events.
. "$(dirname "$0")/../lib.sh"

URL=http://192.0.2.1:8080
lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_add_client "${CLI_NS}h" 52:54:00:00:00:21
ip -n "${CLI_NS}h" addr add 192.0.2.11/24 dev eth0
lab_add_client "${CLI_NS}a" 52:54:00:00:00:22
ip -n "${CLI_NS}a" addr add 192.0.2.70/24 dev eth0
LAB_SERVER_EXTRA='admin_allow = [ "192.0.2.64/26" ];' lab_config "$T/bootsrv.conf" \
	'{ name = "node01"; mac = "52:54:00:00:00:21"; ip = "192.0.2.11"; image = "base"; }'
bootsrv_start "$T/bootsrv.conf"
ADMIN=$(cat "$T/state/admin.token")
cli() { in_srv "$BOOTSRV" "$1" -c "$T/bootsrv.conf" "${@:2}"; }

code() { # NS METHOD PATH TOKEN [BODY] -> HTTP status, body in $T/body
	local args=(-s -o "$T/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $4")
	[ -n "${5:-}" ] && args+=(-H 'Content-Type: application/json' --data "$5")
	ip netns exec "$1" curl "${args[@]}" "$URL$3"
}
expect() { [ "$1" = "$2" ] || fail "$3: expected $1, got $2 ($(cat "$T/body"))"; }
state() { cli status --json --hosts node01 | jq -r '.[0].state'; }

# --- admin calls
expect 403 "$(code "$CLI_NS" POST /api/v1/hosts/node01/netboot "$ADMIN" '{}')" "admin from .50"
grep -q "not allowed from this address" "$T/body" || fail "403 body: $(cat "$T/body")"
expect localboot "$(state)" "after the refused netboot"
grep -q 'api: 192.0.2.50 POST /api/v1/hosts/node01/netboot: admin calls are not allowed' \
	"$T/bootsrv.log" || fail "refusal not logged"
expect 200 "$(code "${CLI_NS}a" GET /api/v1/hosts "$ADMIN")" "admin from .70"
cli netboot --hosts node01 --image base >/dev/null || fail "CLI on the server refused"
expect netboot "$(state)" "after the CLI's netboot"

# --- installer calls: the host's token, from the wrong and the right address
TOKEN=$(ip netns exec "$CLI_NS" curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-21" |
	sed -n 's/.* token=\([0-9a-f]\{64\}\) .*/\1/p')
[ ${#TOKEN} -eq 64 ] || fail "no install token in the boot config"
expect 403 "$(code "$CLI_NS" GET /api/v1/install/node01/plan "$TOKEN")" "plan from .50"
grep -q "accepted only from its address 192.0.2.11" "$T/body" || fail "403 body: $(cat "$T/body")"
expect 403 "$(code "$CLI_NS" POST /api/v1/install/node01/done "$TOKEN" '{"ok":true}')" "done from .50"
expect netboot "$(state)" "after refused installer calls"
cli status node01 | grep -q "refused .*from 192.0.2.50: wrong address" ||
	fail "refusal not in the host's events: $(cli status node01)"
expect 200 "$(code "${CLI_NS}h" GET /api/v1/install/node01/plan "$TOKEN")" "plan from .11"
expect installing "$(state)" "after the plan from the host's address"
expect 200 "$(code "${CLI_NS}h" POST /api/v1/install/node01/done "$TOKEN" '{"ok":true,"message":"ok"}')" "done"
expect installed "$(state)" "after done"
bootsrv_stop
log "ok: admin_allow and install_from_host_ip enforced over HTTP"

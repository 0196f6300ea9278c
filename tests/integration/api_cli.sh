#!/bin/bash
# tests/integration/api_cli.sh - the install workflow through the CLI and
# the HTTP API, as an installer would drive it, in network namespaces.
#
# netboot via the CLI; the host's pxelinux config (HTTP and TFTP) carries the
# installer and its one-time token; plan -> progress -> done with that token;
# the host ends `installed` and its config says LOCALBOOT; wrong, missing and
# replayed tokens get 401 and change nothing; state survives a restart; the
# image is served by the rsync daemon; boot files over HTTP (Range,
# traversal refused); CLI errors: unknown host, bad list, daemon down.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
URL=http://$SRV:8080
MAC=52:54:00:00:00:11

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_config "$T/bootsrv.conf" \
	"{ name = \"node01\"; mac = \"$MAC\"; ip = \"192.0.2.11\"; image = \"base\";
	   txt = [ \"role: compute\" ]; },
	 { name = \"node02\"; mac = \"52:54:00:00:00:ab\"; ip = \"192.0.2.12\"; image = \"base\"; },
	 { name = \"gpu1\"; mac = \"52:54:00:00:00:21\"; }"
CONF=$T/bootsrv.conf
mkdir -p "$T/state/tftp/boot/default" "$T/images/base/etc"
head -c 300000 /dev/urandom >"$T/state/tftp/boot/default/vmlinuz"
echo "golden" >"$T/images/base/etc/motd"
echo "root-only" >"$T/images/base/etc/shadow"
chmod 0600 "$T/images/base/etc/shadow"

cli() { in_srv "$BOOTSRV" "$@" -c "$CONF"; }
# http_code METHOD PATH [TOKEN [BODY]] -> prints the status; body in $T/body
http_code() {
	local args=(-s -o "$T/body" -w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data "$4")
	in_cli curl "${args[@]}" "$URL$2"
}
expect() { # WANT GOT WHAT
	[ "$1" = "$2" ] || fail "$3: expected $1, got $2 ($(cat "$T/body" 2>/dev/null))"
}
state_of() { cli status --json --hosts "$1" | jq -r '.[0].state'; }

# --- daemon down: exit 3 with a one-line reason
mkdir -p "$T/state" && echo "0000000000000000000000000000000000000000000000000000000000000000" \
	>"$T/state/admin.token"
rc=0; cli status 2>"$T/err" || rc=$?
expect 3 "$rc" "status with no daemon"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "daemon-down reason is not one line: $(cat "$T/err")"
rm -f "$T/state/admin.token"

bootsrv_start "$CONF"
[ "$(stat -c %a "$T/state/admin.token")" = 600 ] || fail "admin.token is not mode 0600"
ADMIN=$(cat "$T/state/admin.token")

# --- CLI refusals change nothing
rc=0; cli netboot --hosts 'node[01-03]' --image base 2>"$T/err" || rc=$?
expect 1 "$rc" "netboot with an unknown host"
grep -q "unknown host(s): node03; nothing changed" "$T/err" || fail "message: $(cat "$T/err")"
rc=0; cli netboot --hosts 'node[01-' --image base 2>"$T/err" || rc=$?
expect 2 "$rc" "netboot with a malformed list"
grep -q "unclosed '\['" "$T/err" || fail "message: $(cat "$T/err")"
rc=0; cli netboot --hosts node01 --image nope 2>/dev/null || rc=$?
expect 1 "$rc" "netboot with an unknown image"
rc=0; cli netboot --hosts node01 2>/dev/null || rc=$?
expect 2 "$rc" "netboot without --image"
expect localboot "$(state_of node01)" "node01 after refusals"
expect localboot "$(state_of node02)" "node02 after refusals"

# --- a host in localboot gets a config that boots its disk
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-11" >"$T/cfg"
printf 'DEFAULT local\nLABEL local\n  LOCALBOOT 0\n' | cmp - "$T/cfg" || fail "localboot config"

# --- arm two hosts from the CLI
cli netboot --hosts 'node[01-02]' --image base --once >"$T/out"
grep -q "node01: netboot image base flavor default (once)" "$T/out" || fail "$(cat "$T/out")"
expect netboot "$(state_of node01)" "node01 armed"
cli status >"$T/out"
grep -q "^node02 *netboot *base" "$T/out" || fail "status table: $(cat "$T/out")"

# --- the per-host config over HTTP (upper case MAC too) and TFTP
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-11" >"$T/cfg"
TOKEN=$(sed -n 's/.* token=\([0-9a-f]\{64\}\) .*/\1/p' "$T/cfg")
[ -n "$TOKEN" ] || fail "no token in config: $(cat "$T/cfg")"
printf '%s\n' "DEFAULT install" "LABEL install" "  KERNEL boot/default/vmlinuz" \
	"  INITRD boot/default/initrd.img" \
	"  APPEND bootsrv=http://$SRV:8080 host=node01 token=$TOKEN console=ttyS0,115200 quiet" \
	"  IPAPPEND 2" | cmp - "$T/cfg" || fail "install config: $(cat "$T/cfg")"
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-ab" >"$T/cfg2"
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-AB" | cmp - "$T/cfg2" || fail "upper case MAC"
grep -q "host=node02 token=" "$T/cfg2" || fail "node02 config: $(cat "$T/cfg2")"
if command -v curl >/dev/null && in_cli curl -s --max-time 10 -o "$T/tftp.cfg" \
	"tftp://$SRV/pxelinux.cfg/01-52-54-00-00-00-11"; then
	cmp "$T/cfg" "$T/tftp.cfg" || fail "TFTP config differs from HTTP config"
else
	log "TFTP fetch of the config failed (TFTP part not serving?)"
	fail "config over TFTP"
fi

# --- bad tokens: 401, nothing changes
expect 401 "$(http_code GET /api/v1/install/node01/plan)" "plan without token"
# the last hex digit changed (to 0, or to 1 when it is 0: one token in 16)
WRONG=${TOKEN%?}$([ "${TOKEN: -1}" = 0 ] && echo 1 || echo 0)
expect 401 "$(http_code GET /api/v1/install/node01/plan "$WRONG")" "plan, wrong token"
expect 401 "$(http_code GET /api/v1/install/node01/plan "$ADMIN")" "plan with the admin token"
expect 401 "$(http_code GET /api/v1/install/node02/plan "$TOKEN")" "another host's token"
expect 401 "$(http_code POST /api/v1/hosts/node01/localboot "$TOKEN" '{}')" "admin call, host token"
expect netboot "$(state_of node01)" "node01 after refused calls"
grep -q "missing or wrong token" "$T/bootsrv.log" || fail "401s are not logged"

# --- plan -> progress -> done
expect 200 "$(http_code GET /api/v1/install/node01/plan "$TOKEN")" "plan"
jq -e '.host == "node01" and .hostname == "node01" and .image == "base"
	and (.rsync_url | test("^rsync://192\\.0\\.2\\.1:873/base@[1-9][0-9]*/$"))
	and .console == "ttyS0,115200"
	and .txt == ["role: compute"] and .layout.disk == "/dev/vda"
	and .layout.partitions[0].size_bytes == 67108864 and .layout.partitions[0].flags == ["boot"]
	and .layout.partitions[1].fill == true' "$T/body" >/dev/null || fail "plan: $(cat "$T/body")"
expect installing "$(state_of node01)" "after plan"
expect 200 "$(http_code POST /api/v1/install/node01/progress "$TOKEN" \
	'{"step":"rsync","percent":42,"bytes":1000,"message":"copying"}')" "progress"
cli status --hosts node01 | grep -q "rsync  *42  *- .* copying" || fail "progress not shown"
# a second report of the same step a while later: the monitor shows a rate
sleep 1.2
expect 200 "$(http_code POST /api/v1/install/node01/progress "$TOKEN" \
	'{"step":"rsync","percent":50,"bytes":3146728,"message":"copying"}')" "progress 2"
cli status --hosts node01 | grep -Eq "rsync  *50  *[0-9.]+[KM]/s .* copying" ||
	fail "no rate shown: $(cli status --hosts node01)"
cli status --json --hosts node01 | jq -e '.[0].rate > 0' >/dev/null || fail "no rate in the API"
# installer-supplied text never reaches the admin's terminal as control
# sequences: ESC (C0), CSI as UTF-8 (C1), in the table and in the events
expect 200 "$(http_code POST /api/v1/install/node01/progress "$TOKEN" \
	'{"step":"rsync\u001b[2J","percent":51,"message":"x\u001b]0;owned\u0007y\u009b1mz é"}')" \
	"progress with control characters"
cli status --hosts node01 >"$T/out"
cli status node01 >>"$T/out"
! LC_ALL=C grep -q $'[\x01-\x1f\x7f]\|\xc2[\x80-\x9f]' <(tr -d '\n' <"$T/out") ||
	fail "control characters reach the terminal: $(od -c "$T/out" | head)"
grep -q 'x?\]0;owned?y?1mz é' "$T/out" || fail "message not shown made safe: $(cat "$T/out")"
grep -q 'rsync?\[2J' "$T/out" || fail "step not shown made safe: $(cat "$T/out")"
expect 400 "$(http_code POST /api/v1/install/node01/progress "$TOKEN" '{"step":1}')" "bad body"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
expect 413 "$(in_cli curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	--data-binary @"$T/big" "$URL/api/v1/install/node01/progress")" "oversized body"
expect 200 "$(http_code POST /api/v1/install/node01/done "$TOKEN" '{"ok":true,"message":"ok"}')" "done"
expect installed "$(state_of node01)" "after done"
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-11" >"$T/cfg"
printf 'DEFAULT local\nLABEL local\n  LOCALBOOT 0\n' | cmp - "$T/cfg" || fail "config after done"

# --- replayed token: 401, nothing changes
expect 401 "$(http_code POST /api/v1/install/node01/done "$TOKEN" '{"ok":false}')" "replayed done"
expect 401 "$(http_code GET /api/v1/install/node01/plan "$TOKEN")" "replayed plan"
expect installed "$(state_of node01)" "after replay"

# --- the image over rsync (root-only files included)
in_cli rsync -a "rsync://$SRV/base/" "$T/pulled/" || fail "rsync pull"
cmp "$T/images/base/etc/shadow" "$T/pulled/etc/shadow" || fail "rsync content"
# images hold /etc/shadow: only the deployment subnet may pull them
grep -q 'hosts allow = 192.0.2.0/24' "$T/state/rsyncd.conf" || fail "rsync module open to all"
grep -q 'hosts deny = \*' "$T/state/rsyncd.conf" || fail "rsync module lacks hosts deny"

# --- boot files over HTTP
in_cli curl -sf -o "$T/vmlinuz" "$URL/boot/default/vmlinuz" || fail "GET vmlinuz"
cmp "$T/vmlinuz" "$T/state/tftp/boot/default/vmlinuz" || fail "vmlinuz content"
in_cli curl -sf -r 1000-1999 -o "$T/part" "$URL/boot/default/vmlinuz" || fail "Range"
cmp "$T/part" <(tail -c +1001 "$T/vmlinuz" | head -c 1000) || fail "Range content"
expect 404 "$(in_cli curl -s --path-as-is -o /dev/null -w '%{http_code}' \
	"$URL/boot/../admin.token")" "traversal"
expect 404 "$(in_cli curl -s --path-as-is -o /dev/null -w '%{http_code}' \
	"$URL/boot/%2e%2e/%2e%2e/admin.token")" "encoded traversal"
ln -s "$T/state/admin.token" "$T/state/tftp/boot/default/escape"
expect 404 "$(in_cli curl -s -o /dev/null -w '%{http_code}' "$URL/boot/default/escape")" \
	"symlink escape"

# --- a failed install stays failed
in_cli curl -sf "$URL/pxelinux.cfg/01-52-54-00-00-00-ab" >"$T/cfg"
TOKEN2=$(sed -n 's/.* token=\([0-9a-f]\{64\}\) .*/\1/p' "$T/cfg")
expect 200 "$(http_code POST /api/v1/install/node02/progress "$TOKEN2" '{"step":"mkfs","percent":10}')" "progress 2"
expect 200 "$(http_code POST /api/v1/install/node02/done "$TOKEN2" '{"ok":false,"message":"disk too small"}')" "done fail"
expect failed "$(state_of node02)" "after a failed done"

# --- metrics
in_cli curl -sf "$URL/metrics" >"$T/metrics"
grep -q '^bootsrv_hosts{state="installed"} 1$' "$T/metrics" || fail "metrics: installed"
grep -q '^bootsrv_hosts{state="failed"} 1$' "$T/metrics" || fail "metrics: failed"
grep -q '^bootsrv_http_requests_total{route="api",code="4xx"} [1-9]' "$T/metrics" ||
	fail "metrics: api 4xx"

# --- state survives a restart
bootsrv_stop
bootsrv_start "$CONF"
expect installed "$(state_of node01)" "node01 after restart"
expect failed "$(state_of node02)" "node02 after restart"
expect "$ADMIN" "$(cat "$T/state/admin.token")" "admin token kept"
cli localboot --hosts 'node0[1-2]' >/dev/null
expect localboot "$(state_of node02)" "after localboot"
cli monitor --exit-when-done --hosts node01 >"$T/out" </dev/null
grep -q "^node01 *localboot" "$T/out" || fail "monitor: $(cat "$T/out")"
bootsrv_stop
log "ok"

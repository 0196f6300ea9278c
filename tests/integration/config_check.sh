#!/bin/bash
# bootsrv check: the sample config is valid; a broken one is refused with
# every error as file:line, exit status 1; serve refuses to start on it.
source "$(dirname "$0")/../lib.sh"

out=$("$BOOTSRV" check -c "$TOP/configs/bootsrv.conf") || fail "sample config rejected"
[[ $out == *"ok (2 hosts, 1 images, 1 layouts)"* ]] || fail "unexpected check output: $out"

cat >"$T/bad.conf" <<CONF
server = { interface = "br0"; address = "192.0.2.1"; state_dir = "$T/never"; };
dhcp = { subnet = "192.0.2.0/24"; lease_time = 1; };
images = ( { name = "base"; path = "/img"; layout = "missing"; } );
hosts = ( { name = "n1"; mac = "not-a-mac"; } );
CONF
rc=0
"$BOOTSRV" check -c "$T/bad.conf" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "check on a broken config exited $rc, want 1"
grep -q "bad.conf:2: 'lease_time' = 1 out of range" "$T/err" || fail "lease_time error missing: $(cat "$T/err")"
grep -q "bad.conf:3: image \"base\": unknown layout \"missing\"" "$T/err" || fail "layout error missing"
grep -q "bad.conf:4: host \"n1\": bad MAC" "$T/err" || fail "MAC error missing"
grep -q "3 errors" "$T/err" || fail "error count missing: $(cat "$T/err")"

cat >"$T/bad2.conf" <<CONF
server = { interface = "br0"; address = "192.0.2.1"; state_dir = "$T/never";
           admin_allow = [ "192.0.2.1/24", "nope", "192.0.2.0/40", "192.0.2.64/26" ];
           install_from_host_ip = "yes"; };
dhcp = { subnet = "192.0.2.0/24"; };
CONF
rc=0
"$BOOTSRV" check -c "$T/bad2.conf" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "check on bad admin_allow exited $rc, want 1"
grep -q 'bad2.conf:2: admin_allow\[0\]: "192.0.2.1/24" has host bits set' "$T/err" ||
	fail "host-bits error missing: $(cat "$T/err")"
grep -q 'bad2.conf:2: admin_allow\[1\]: expected a network like "192.0.2.0/24", got "nope"' \
	"$T/err" || fail "bad network error missing: $(cat "$T/err")"
grep -q 'admin_allow\[2\]: expected a network' "$T/err" || fail "/40 accepted: $(cat "$T/err")"
grep -q "bad2.conf:3: .*install_from_host_ip" "$T/err" || fail "bool error missing: $(cat "$T/err")"
grep -q "4 errors" "$T/err" || fail "error count: $(cat "$T/err")"

rc=0
"$BOOTSRV" serve -c "$T/bad.conf" 2>"$T/serve.err" || rc=$?
[ "$rc" -eq 1 ] || fail "serve on a broken config exited $rc"
grep -q "configuration has errors, not starting" "$T/serve.err" || fail "serve gave no reason"
[ ! -e "$T/never" ] || fail "serve created state_dir from a broken config"

rc=0
"$BOOTSRV" check -c "$T/nonexistent.conf" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "missing file exited $rc"
grep -q "cannot read file" "$T/err" || fail "missing-file message: $(cat "$T/err")"
echo "ok"

#!/bin/bash
# tests/integration/layout_import.sh - `bootsrv layout import` as a user runs
# it: the SystemImager example converts to the committed sample layout, the
# result passes `bootsrv check`, --name names it, and broken or RAID files
# fail with FILE:LINE reasons and no output. No network.
. "$(dirname "$0")/../lib.sh"

SRC=$TOP/configs/layouts/systemimager-vda.autoinstallscript.conf
WANT=$TOP/configs/layouts/systemimager-vda.layout.conf
[ -x "$BOOTSRV" ] || skip "$BOOTSRV not built"

"$BOOTSRV" layout import "$SRC" >"$T/out.conf" 2>"$T/err" || { cat "$T/err" >&2; fail "import failed"; }
cmp "$T/out.conf" "$WANT" || { diff "$WANT" "$T/out.conf" >&2; fail "output differs from $WANT"; }
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "warnings for the clean example"; }

"$BOOTSRV" layout import --name si-node "$SRC" >"$T/named.conf" || fail "--name"
grep -q '{ name = "si-node"; disk = "/dev/vda"; label = "msdos";' "$T/named.conf" || fail "--name ignored"
mkdir -p "$T/state" "$T/img"
cat >"$T/bootsrv.conf" <<CONF
server = { interface = "br0"; address = "192.0.2.1"; state_dir = "$T/state"; };
dhcp = { mode = "authoritative"; subnet = "192.0.2.0/24"; };
images = ( { name = "base"; path = "$T/img"; layout = "si-node"; } );
hosts = ( );
CONF
cat "$T/named.conf" >>"$T/bootsrv.conf"
"$BOOTSRV" check -c "$T/bootsrv.conf" >"$T/check.out" 2>&1 || { cat "$T/check.out" >&2; fail "check rejects the import"; }

# broken: duplicate num, RAID member, truncated
sed 's/<part num="3"/<part num="2"/; s|real_dev="/dev/vda2"|real_dev="/dev/md0"|' "$SRC" >"$T/bad.conf"
if "$BOOTSRV" layout import "$T/bad.conf" >"$T/bad.out" 2>"$T/bad.err"; then fail "bad file accepted"; fi
[ ! -s "$T/bad.out" ] || fail "output written for a bad file"
grep -q "^$T/bad.conf:9: <part> num 2 used twice (first at line 8)$" "$T/bad.err" ||
	{ cat "$T/bad.err" >&2; fail "no duplicate-num error with line"; }
grep -q "^$T/bad.conf:13: /dev/md0 on / is software RAID" "$T/bad.err" || fail "no RAID error"
grep -q "errors, no layout written" "$T/bad.err" || fail "no summary line"
head -c 400 "$SRC" >"$T/trunc.conf"
if "$BOOTSRV" layout import "$T/trunc.conf" >/dev/null 2>"$T/trunc.err"; then fail "truncated accepted"; fi
grep -q "^$T/trunc.conf:[0-9]*: truncated" "$T/trunc.err" || { cat "$T/trunc.err" >&2; fail "truncation"; }
rc=0
"$BOOTSRV" layout import >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "usage error exit $rc"
rc=0
"$BOOTSRV" layout import "$T/missing.conf" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "missing file exit $rc"
log "layout import ok"

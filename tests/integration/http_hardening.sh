#!/bin/bash
# tests/integration/http_hardening.sh - the HTTP server against awkward
# clients: Range requests byte-exact (single, suffix, open, past the end,
# unsatisfiable, several ranges), oversized headers, a request dribbled in
# one byte per write, idle and half-sent (slowloris) connections reaped by
# the connection timeout, the connection cap, traversal attempts, and the
# /metrics text.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
URL=http://$SRV:8080
lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_config "$T/bootsrv.conf" \
	"{ name = \"node01\"; mac = \"52:54:00:00:00:11\"; ip = \"192.0.2.11\"; image = \"base\"; }"
# a small connection cap to test it without thousands of sockets
sed -i 's/http_port = 8080;/http_port = 8080; http_max_connections = 8;/' "$T/bootsrv.conf"
F=$T/state/tftp/boot/default/initrd.img
mkdir -p "$(dirname "$F")"
head -c 1000003 /dev/urandom >"$F"
SIZE=1000003
bootsrv_start "$T/bootsrv.conf"

expect() { [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"; }
code() { rm -f "$T/body"; in_cli curl -s -o "$T/body" -w "%{http_code}" "$@"; }
# py SCRIPT: python in the client namespace (raw sockets for what curl won't do)
py() { in_cli python3 -c "$1"; }

# --- Range: byte-exact slices and the status/headers that go with them
range_ok() { # RANGE WANT_START WANT_LEN
	expect 206 "$(code -D "$T/hdr" -H "Range: bytes=$1" "$URL/boot/default/initrd.img")" "Range $1"
	cmp "$T/body" <(tail -c +$(($2 + 1)) "$F" | head -c "$3") || fail "Range $1: wrong bytes"
	grep -qi "^Content-Range: bytes $2-$(($2 + $3 - 1))/$SIZE" "$T/hdr" ||
		fail "Range $1: $(grep -i content-range "$T/hdr")"
}
range_ok 0-0 0 1
range_ok 1000-1999 1000 1000
range_ok 999999- 999999 4
range_ok -10 $((SIZE - 10)) 10
range_ok 999000-2000000 999000 1003
range_ok -5000000 0 "$SIZE"
expect 416 "$(code -D "$T/hdr" -H "Range: bytes=$SIZE-" "$URL/boot/default/initrd.img")" "Range past the end"
grep -qi "^Content-Range: bytes \*/$SIZE" "$T/hdr" || fail "416 without Content-Range */size"
# several ranges or nonsense: the whole file (RFC 7233 lets a server ignore Range)
for r in "0-1,5-6" "abc" "5-1"; do
	expect 200 "$(code -H "Range: bytes=$r" "$URL/boot/default/initrd.img")" "Range $r"
	cmp "$T/body" "$F" || fail "Range $r: not the whole file"
done
expect 200 "$(code -I "$URL/boot/default/initrd.img")" "HEAD"

# --- validators: ETag and Last-Modified, conditional GET -> 304
code -D "$T/hdr" "$URL/boot/default/initrd.img" >/dev/null
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*\)\r$/\1/p' "$T/hdr")
lm=$(sed -n 's/^[Ll]ast-[Mm]odified: *\(.*\)\r$/\1/p' "$T/hdr")
[ -n "$etag" ] && [ -n "$lm" ] || fail "no ETag/Last-Modified: $(cat "$T/hdr")"
expect 304 "$(code -H "If-None-Match: $etag" "$URL/boot/default/initrd.img")" "If-None-Match"
[ ! -s "$T/body" ] || fail "304 with a body: $(head -c 100 "$T/body")"
expect 304 "$(code -H "If-Modified-Since: $lm" "$URL/boot/default/initrd.img")" "If-Modified-Since"
expect 200 "$(code -H 'If-None-Match: "other"' "$URL/boot/default/initrd.img")" "other ETag"
expect 200 "$(code -H 'If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT' \
	"$URL/boot/default/initrd.img")" "old If-Modified-Since"

# --- oversized header: refused (431 or 400), the server stays up
big=$(head -c 70000 /dev/zero | tr '\0' a)
st=$(code -H "X-Big: $big" "$URL/boot/default/initrd.img")
[ "$st" = 431 ] || [ "$st" = 400 ] || [ "$st" = 413 ] || fail "oversized header: got $st"
st=$(code "$URL/boot/default/$(head -c 40000 /dev/zero | tr '\0' b)")
[ "$st" = 414 ] || [ "$st" = 431 ] || [ "$st" = 400 ] || fail "oversized URL: got $st"
expect 200 "$(code "$URL/pxelinux.cfg/01-52-54-00-00-00-11")" "served after oversized headers"

# --- a request split across many small writes
py "
import socket, time
s = socket.create_connection(('$SRV', 8080), timeout=10)
req = b'GET /pxelinux.cfg/01-52-54-00-00-00-11 HTTP/1.1\r\nHost: x\r\nX-Pad: ' + b'p' * 200 + b'\r\nConnection: close\r\n\r\n'
for i in range(len(req)):
    s.send(req[i:i + 1]); time.sleep(0.002)
data = b''
while True:
    d = s.recv(65536)
    if not d: break
    data += d
assert data.startswith(b'HTTP/1.1 200'), data[:80]
assert b'LOCALBOOT 0' in data, data
" || fail "request dribbled in byte by byte"

# --- traversal attempts
for p in "/boot/../admin.token" "/boot/%2e%2e/admin.token" "/boot/default/..%2f..%2fadmin.token" \
	"/boot//default/initrd.img" "/boot/default/./initrd.img" "/boot/.hidden" \
	"/..%2fadmin.token" "/boot/default/initrd.img%00.txt" "/boot/default\\initrd.img" \
	"/hosts/node01.json" "/boot/%2fetc%2fpasswd"; do
	st=$(code --path-as-is "$URL$p")
	[ "$st" = 404 ] || [ "$st" = 400 ] || fail "traversal $p: got $st"
done
ln -s / "$T/state/tftp/boot/root"
expect 404 "$(code "$URL/boot/root/etc/passwd")" "symlink out of the tree"

# --- the connection cap (8): idle connections fill it, then a request fails;
# once they are gone requests are served again.
py "
import socket, subprocess, time
held = [socket.create_connection(('$SRV', 8080), timeout=5) for _ in range(8)]
time.sleep(0.5)
r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '3',
                    '$URL/pxelinux.cfg/default'], capture_output=True, text=True)
assert r.stdout != '200', 'served beyond the connection cap'
for s in held: s.close()
time.sleep(0.5)
r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5',
                    '$URL/pxelinux.cfg/default'], capture_output=True, text=True)
assert r.stdout == '200', 'not served after the cap was freed: ' + r.stdout
" || fail "connection cap"

# --- idle and half-sent (slowloris) connections are closed by the server
# (30 s connection timeout); both are watched at once
py "
import select, socket, time
idle = socket.create_connection(('$SRV', 8080))
slow = socket.create_connection(('$SRV', 8080))
slow.send(b'GET /pxelinux.cfg/default HTTP/1.1\r\nHost: x\r\nX-Slow: ')
start, open_ = time.monotonic(), {idle: 'idle', slow: 'slowloris'}
while open_ and time.monotonic() - start < 60:
    for s in select.select(list(open_), [], [], 1)[0]:
        try:
            d = s.recv(4096)
        except ConnectionResetError:
            d = b''
        if not d:
            print(open_.pop(s), 'closed after %.0f s' % (time.monotonic() - start))
if open_: raise SystemExit('never closed: ' + ', '.join(open_.values()))
" >"$T/idle.out" || fail "idle connections: $(cat "$T/idle.out")"
log "$(tr '\n' ';' <"$T/idle.out")"

# --- metrics: the Prometheus text parses and counts what happened
in_cli curl -sf "$URL/metrics" >"$T/metrics"
awk '/^#/ { next } NF != 2 || $2 !~ /^[0-9.e+-]+$/ { print "bad line: " $0; bad = 1 } END { exit bad }' \
	"$T/metrics" || fail "metrics format"
for m in 'bootsrv_hosts{state="localboot"} 1' 'bootsrv_http_connections ' \
	'bootsrv_http_requests_total{route="boot",code="2xx"} ' 'bootsrv_http_sent_bytes_total ' \
	'bootsrv_install_duration_seconds_count 0' 'bootsrv_tftp_requests_total ' \
	'bootsrv_dhcp_received_total '; do
	grep -qF "$m" "$T/metrics" || fail "metrics: no '$m'"
done
sent=$(awk '$1 == "bootsrv_http_sent_bytes_total" { print $2 }' "$T/metrics")
[ "$sent" -ge $((SIZE * 4)) ] || fail "bytes sent $sent too small"
grep -q '^bootsrv_http_requests_total{route="boot",code="4xx"} [1-9]' "$T/metrics" ||
	fail "metrics: boot 4xx not counted"
bootsrv_stop
log "ok"

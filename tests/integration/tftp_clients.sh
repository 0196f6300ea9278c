#!/bin/bash
# tests/integration/tftp_clients.sh - bootsrv's TFTP server against real
# clients (atftp, curl, tftp-hpa) in network namespaces.
#
# Byte-exact (sha256) transfers for sizes around the 512-byte block edge and
# one past 65535 blocks (block number rollover), with blksize, tsize and
# windowsize negotiation; traversal and symlink escapes refused; a missing
# file and a write request answered with ERROR; a file shrinking mid-transfer
# ends cleanly; random loss in both directions is recovered; a scripted
# client checks what stock clients cannot show (no resend on duplicate ACKs,
# OACK contents, window resume, backoff, ERROR codes); the caps on
# transfers are in tftp_concurrent.sh;
# one log line per transfer.
. "$(dirname "$0")/../lib.sh"

SRV=192.0.2.1
TFTP_TIMEOUT=${TFTP_TIMEOUT:-120}

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
lab_config "$T/bootsrv.conf" \
	'{ name = "node1"; mac = "52:54:00:00:00:11"; ip = "192.0.2.11"; image = "base"; }'

ROOT=$T/state/tftp
mkdir -p "$ROOT/boot/default" "$ROOT/sub" "$T/out" "$T/outside"
SIZES="0 511 512 513 $((65535 * 512 + 1))"
for n in $SIZES; do
	head -c "$n" /dev/urandom >"$ROOT/f$n"
done
head -c 3000000 /dev/urandom >"$ROOT/boot/default/vmlinuz"
printf 'line one\nline two\r\nbare cr\r end\n' >"$ROOT/sub/text.cfg"
echo "secret" >"$T/outside/secret"
ln -s "$T/outside/secret" "$ROOT/abs-escape"
ln -s ../../outside/secret "$ROOT/sub/rel-escape"
ln -s f513 "$ROOT/inside-link"

bootsrv_start "$T/bootsrv.conf"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# same CLIENT REMOTE LOCAL: the fetched file must equal the one in the root.
same() {
	local client=$1 remote=$2 got=$3
	[ -f "$got" ] || fail "$client: $remote: nothing received"
	[ "$(sha "$ROOT/$remote")" = "$(sha "$got")" ] ||
		fail "$client: $remote: content differs ($(stat -c %s "$got") bytes received)"
	log "ok $client $remote"
}

cli() { timeout "$TFTP_TIMEOUT" ip netns exec "$CLI_NS" "$@"; }

atftp_get() { # REMOTE LOCAL OPTIONS...
	local remote=$1 local_file=$2
	shift 2
	local opts=()
	for o in "$@"; do opts+=(--option "$o"); done
	cli atftp "${opts[@]}" --get -r "$remote" -l "$local_file" "$SRV" >/dev/null 2>&1
}
curl_get() { # REMOTE LOCAL [BLKSIZE]
	cli curl -sS --fail ${3:+--tftp-blksize "$3"} -o "$2" "tftp://$SRV/$1"
}
hpa_get() { # REMOTE LOCAL [MODE]; tftp-hpa prints errors, exit status is unreliable
	local out
	out=$(cli tftp -m "${3:-binary}" "$SRV" -c get "$1" "$2" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out"
		return 1
	fi
}

for n in $SIZES; do
	f=f$n
	atftp_get "$f" "$T/out/a1468.$f" "blksize 1468" || fail "atftp blksize 1468 $f"
	same "atftp(blksize 1468)" "$f" "$T/out/a1468.$f"
	atftp_get "$f" "$T/out/atsize.$f" "tsize 0" || fail "atftp tsize $f"
	same "atftp(tsize)" "$f" "$T/out/atsize.$f"
	atftp_get "$f" "$T/out/awin.$f" "blksize 1468" "windowsize 16" ||
		fail "atftp windowsize 16 $f"
	same "atftp(windowsize 16)" "$f" "$T/out/awin.$f"
	curl_get "$f" "$T/out/c1468.$f" 1468 || fail "curl blksize 1468 $f"
	same "curl(blksize 1468)" "$f" "$T/out/c1468.$f"
	curl_get "$f" "$T/out/c512.$f" || fail "curl default blksize $f"
	same "curl(512)" "$f" "$T/out/c512.$f"
	hpa_get "$f" "$T/out/h.$f" || fail "tftp-hpa $f"
	same "tftp-hpa" "$f" "$T/out/h.$f"
done

# A leading '/' means the root, as with tftpd-hpa -s; kernels live in boot/.
hpa_get /boot/default/vmlinuz "$T/out/vmlinuz" || fail "tftp-hpa /boot/default/vmlinuz"
same "tftp-hpa" boot/default/vmlinuz "$T/out/vmlinuz"
atftp_get boot/default/vmlinuz "$T/out/vmlinuz.w" "blksize 1468" "windowsize 64" "tsize 0" ||
	fail "atftp windowsize 64 vmlinuz"
same "atftp(windowsize 64)" boot/default/vmlinuz "$T/out/vmlinuz.w"
hpa_get inside-link "$T/out/inside-link" || fail "symlink inside the root"
same "tftp-hpa" inside-link "$T/out/inside-link"

# netascii: LF goes out as CR LF and comes back as LF, CR as CR NUL.
hpa_get sub/text.cfg "$T/out/text.cfg" netascii || fail "tftp-hpa netascii"
same "tftp-hpa(netascii)" sub/text.cfg "$T/out/text.cfg"

# The generated per-host pxelinux config (bootcfg_virtual_file).
hpa_get pxelinux.cfg/01-52-54-00-00-00-11 "$T/out/pxecfg" || fail "virtual pxelinux.cfg file"
grep -qi localboot "$T/out/pxecfg" || fail "pxelinux.cfg/01-<mac>: no LOCALBOOT in $(cat "$T/out/pxecfg")"
log "ok virtual pxelinux.cfg/01-52-54-00-00-00-11"

# refused NAME EXPECTED-TEXT: tftp-hpa must print EXPECTED-TEXT, no data.
refused() {
	local out
	rm -f "$T/out/refused"
	out=$(hpa_get "$1" "$T/out/refused") && fail "$1: not refused"
	echo "$out" | grep -qi "$2" || fail "$1: expected '$2', got: $out"
	if [ -s "$T/out/refused" ]; then fail "$1: data received"; fi
	log "ok refused $1 ($2)"
}
refused missing-file "not found"
refused ../outside/secret "access violation"
refused /../outside/secret "access violation"
refused sub/../../outside/secret "access violation"
refused 'sub\text.cfg' "access violation"
refused abs-escape "access violation"
refused sub/rel-escape "access violation"
refused boot "access violation"
refused "$(printf 'x%.0s' $(seq 300))" "access violation"

# A file truncated mid-transfer ends cleanly at its new size.
cp "$ROOT/f33553921" "$ROOT/shrink"
hpa_get shrink "$T/out/shrink" &
getter=$!
grown() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }
wait_for 30 "shrink transfer under way" grown "$T/out/shrink" 1000000
truncate -s 30000000 "$ROOT/shrink"
wait "$getter" || fail "shrink: client reported an error"
[ "$(stat -c %s "$T/out/shrink")" -eq 30000000 ] || fail "shrink: wrong size received"
same "tftp-hpa(shrinking file)" shrink "$T/out/shrink"
grep -q '"shrink" shrank to 30000000 bytes' "$T/bootsrv.log" || fail "shrink not logged"

out=$(cli tftp -m binary "$SRV" -c put "$ROOT/f511" upload 2>&1) || true
echo "$out" | grep -qi "write not supported" || fail "WRQ: expected 'write not supported', got: $out"
[ ! -e "$ROOT/upload" ] || fail "WRQ created a file"
log "ok WRQ refused"

# Packet loss in both directions (no netem here: iptables' random match on
# INPUT at each end; dropping on OUTPUT would fail the sender's sendto()).
# The timer retransmits with backoff, windows resume from the last ACK.
# (the retransmissions counted live: a transfer whose last ACK was lost is
# still resending when the clients are done, its log line comes later)
retransmits() { in_cli curl -sf "http://$SRV:8080/metrics" | sed -n 's/^bootsrv_tftp_retransmits_total //p'; }
before=$(retransmits)
[ -n "$before" ] || fail "no bootsrv_tftp_retransmits_total in /metrics"
head -c 65536 /dev/urandom >"$ROOT/lossy"
for ns in "$CLI_NS" "$SRV_NS"; do
	ip netns exec "$ns" iptables -A INPUT -p udp -m statistic --mode random \
		--probability 0.03 -j DROP
done
atftp_get lossy "$T/out/lossy.w" "blksize 1468" "windowsize 16" || fail "atftp windowsize with loss"
same "atftp(windowsize 16, 3% loss)" lossy "$T/out/lossy.w"
hpa_get lossy "$T/out/lossy.h" || fail "tftp-hpa with loss"
same "tftp-hpa(3% loss)" lossy "$T/out/lossy.h"
# curl asks for "timeout 6", and RFC 2349 makes that our retransmission
# interval too: a smaller file keeps the run short. Only DATA is lost here
# (opcode 3, the first two bytes of the UDP payload): curl 7.88 does not
# recover from a lost OACK (it fails with "getpeername() failed with errno
# 107" instead of repeating its RRQ), and the OACK is not resent by our
# timer (tftp_xfer.c: atftp aborts on a second one). With 3% on every
# packet it failed whenever the OACK was the packet dropped.
for ns in "$CLI_NS" "$SRV_NS"; do ip netns exec "$ns" iptables -F INPUT; done
ip netns exec "$CLI_NS" iptables -A INPUT -p udp -m u32 --u32 "0>>22&0x3C@8>>16=3" \
	-m statistic --mode random --probability 0.03 -j DROP
head -c 20000 "$ROOT/lossy" >"$ROOT/lossy-small"
curl_get lossy-small "$T/out/lossy.c" 1468 || fail "curl with loss"
same "curl(3% loss)" lossy-small "$T/out/lossy.c"
for ns in "$CLI_NS" "$SRV_NS"; do ip netns exec "$ns" iptables -F INPUT; done
after=$(retransmits)
[ "${after:-0}" -gt "$before" ] || fail "loss caused no retransmission? ($before, then $after)"

# Wire behaviour no stock client shows: a scripted client.
cat >"$T/wire.py" <<'PY'
import socket, sys, time
SRV = (sys.argv[1], 69)

def rrq(name, *opts):
    p = b"\0\1" + name.encode() + b"\0octet\0"
    for k, v in opts:
        p += k.encode() + b"\0" + str(v).encode() + b"\0"
    return p

def recv_for(s, secs):
    out, end = [], time.time() + secs
    while (left := end - time.time()) > 0:
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(70000)
        except socket.timeout:
            break
        out.append((data, peer, time.time()))
    return out

def first(s, secs):
    s.settimeout(secs)
    try:
        return s.recvfrom(70000)
    except socket.timeout:
        return None

def blocks(pkts):
    return [int.from_bytes(d[2:4], "big") for d, _, _ in pkts if d[:2] == b"\0\3"]

def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    return s

def expect(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")

# Lock-step: duplicate ACKs cause no resend (Sorcerer's Apprentice).
s = sock()
s.sendto(rrq("f513"), SRV)
p = recv_for(s, 0.3)
expect("first DATA", blocks(p), [1])
peer = p[0][1]
for _ in range(3):
    s.sendto(b"\0\4\0\1", peer)
p = recv_for(s, 0.6)
expect("after 3 x ACK 1", [(b, len(d)) for b, (d, _, _) in zip(blocks(p), p)], [(2, 5)])
s.sendto(b"\0\4\0\2", peer)
expect("after the last ACK", recv_for(s, 1.2), [])

# Only requested options are acknowledged; blksize lowered to the cap.
s = sock()
s.sendto(rrq("f513", ("blksize", 9000), ("tsize", 0), ("x-unknown", 1)), SRV)
expect("OACK", recv_for(s, 0.3)[0][0], b"\0\6blksize\x001468\0tsize\x00513\0")
s = sock()
s.sendto(rrq("f513", ("windowsize", 4)), SRV)
expect("OACK", recv_for(s, 0.3)[0][0], b"\0\6windowsize\x004\0")

# Windows: ACK 0 opens 1..4; a duplicate ACK resends the window once only;
# an ACK inside the window resumes right after it (RFC 7440).
s = sock()
s.sendto(rrq("f33553921", ("windowsize", 4)), SRV)
peer = recv_for(s, 0.3)[0][1]
s.sendto(b"\0\4\0\0", peer)
expect("window", blocks(recv_for(s, 0.3)), [1, 2, 3, 4])
s.sendto(b"\0\4\0\0", peer)
s.sendto(b"\0\4\0\0", peer)
expect("dup ACK resend", blocks(recv_for(s, 0.5)), [1, 2, 3, 4])
s.sendto(b"\0\4\0\2", peer)
expect("after ACK 2", blocks(recv_for(s, 0.3)), [3, 4, 5, 6])
s.sendto(b"\0\5\0\0done\0", peer)

# Silence: retransmission with exponential backoff (1 s, then 2 s).
s = sock()
s.sendto(rrq("f513"), SRV)
p = recv_for(s, 3.6)
expect("retransmissions", blocks(p), [1, 1, 1])
gaps = [round(p[i + 1][2] - p[i][2]) for i in range(2)]
expect("backoff", gaps, [1, 2])
s.sendto(b"\0\5\0\0bye\0", p[0][1])

# Malformed requests get the matching ERROR code.
for pkt, code in [(b"\0\1f513\0octet\0blksize\0007\0", 8),
                  (b"\0\1f513\0octet\0tsize\0000\0tsize\0000\0", 8),
                  (b"\0\1f513", 4), (b"\0\11x\0octet\0", 4), (b"\0", 4),
                  (b"\0\2f513\0octet\0", 2)]:
    s = sock()
    s.sendto(pkt, SRV)
    d = recv_for(s, 0.3)[0][0]
    expect(f"ERROR for {pkt!r}", d[:4], b"\0\5\0" + bytes([code]))
print("wire ok")
PY
cli python3 "$T/wire.py" "$SRV" || fail "wire behaviour"
log "ok wire behaviour (duplicate ACKs, OACK contents, windows, backoff, errors)"

# One info line per finished transfer, with the client-supplied name escaped.
grep -q 'tftp: 192.0.2.50:[0-9]* "f33553921" sent 33553921 bytes' "$T/bootsrv.log" ||
	fail "no transfer log line for f33553921"
grep -q 'sub\\x5ctext.cfg' "$T/bootsrv.log" || fail "backslash not escaped in the log"

bootsrv_stop

# Blocks above the MTU (a blksize_max above what Ethernet carries) travel
# as IP fragments; a window of 16 such blocks overruns atftp's receive
# buffer and every window loses its tail. The OACK negotiates the window
# down (6 fragments per 8192-byte block at MTU 1500: windowsize 10) and
# the transfer completes byte-exact.
lab_config "$T/big.conf" "" 'tftp = { blksize_max = 65464; windowsize_max = 64; };'
bootsrv_start "$T/big.conf"
out=$(cli atftp --option "blksize 8192" --option "windowsize 16" --get -r f33553921 \
	-l "$T/out/a8192w16" "$SRV" 2>&1) || fail "atftp blksize 8192 windowsize 16: $out"
same "atftp(blksize 8192, windowsize 16)" f33553921 "$T/out/a8192w16"
grep -q '"f33553921" sent 33553921 bytes .* 0 retransmits (blksize 8192, windowsize 10)' \
	"$T/bootsrv.log" || fail "window not negotiated down: $(grep f33553921 "$T/bootsrv.log" | tail -1)"
bootsrv_stop
log "PASS tftp_clients"

#!/bin/bash
# tests/integration/installer_rsync_retry.sh - the image step against a real
# `rsync --daemon` that dies in the middle of the transfer and comes back:
# the installer retries (connection lost: exit 12; daemon down: exit 10)
# with a growing delay and finishes the copy, and the retry goes on from
# the partial file (--partial) instead of starting over - the daemon's own
# transfer log of the second run shows fewer bytes sent than the file has.
# Progress lines carry bytes, rate and file counts. A permanent error
# (unknown module) fails at once, with rsync's message, and no retry.
#
# The server's side of the link is shaped (tbf) so the transfer takes long
# enough to be interrupted. Steps plan..image only, plan from a file, no
# API server: progress reports go to the installer's log.
. "$(dirname "$0")/../lib.sh"

INSTALLER=${INSTALLER:-$TOP/build/san/installer-init}
[ "$(id -u)" -eq 0 ] || skip "needs root (loop devices, mounts, namespaces)"
[ -x "$INSTALLER" ] || skip "$INSTALLER not built"
for t in losetup rsync tc /sbin/mke2fs; do command -v "$t" >/dev/null || skip "$t not installed"; done


IMG=$T/images/base
mkdir -p "$IMG"/{etc,usr/bin,boot}
for i in 1 2 3 4 5; do echo "small $i" >"$IMG/etc/file$i"; done
head -c 48M /dev/urandom >"$IMG/usr/bin/big"
BIG_SIZE=$(stat -c %s "$IMG/usr/bin/big")

lab_setup
ip -n "$CLI_NS" addr add 192.0.2.50/24 dev eth0
# about 3 MB/s from the server to the client: the 48 MiB file takes ~16 s
PORT=$(ip -n "$SRV_NS" -o link show master br0 | awk -F': ' 'NR==1 {print $2}' | cut -d@ -f1)
tc -n "$SRV_NS" qdisc add dev "$PORT" root tbf rate 24mbit burst 64kb latency 400ms

# The real daemon, started and killed by this test (its transfer log shows
# the bytes it sent for each file: %l file length, %b bytes sent).
DAEMON=
daemon_start() { # RUN-NUMBER
	rm -f "$T/rsyncd.pid"
	cat >"$T/rsyncd.conf" <<RSYNCD
pid file = $T/rsyncd.pid
log file = $T/xfer$1.log
[base]
	path = $IMG
	read only = yes
	uid = root
	gid = root
	use chroot = yes
	transfer logging = yes
	log format = xfer %o %f %l %b
RSYNCD
	in_srv rsync --daemon --no-detach --address=192.0.2.1 --port=873 --config="$T/rsyncd.conf" \
		>>"$T/rsyncd.out" 2>&1 &
	DAEMON=$!
	LAB_PIDS+=("$DAEMON")
	wait_for 10 "rsync daemon" in_srv bash -c "exec 3<>/dev/tcp/192.0.2.1/873"
	wait_for 10 "rsync daemon pid file" test -s "$T/rsyncd.pid"
}
daemon_kill() { # the daemon (its pid file: in_srv runs it in a subshell) and its connections
	local pid kids
	pid=$(cat "$T/rsyncd.pid")
	kids=$(pgrep -P "$pid" || true)
	kill -9 "$pid" $kids
	wait "$DAEMON" 2>/dev/null || true
}

plan_json() { # URL
	cat <<EOF
{"host":"node01","hostname":"node01","image":"base","rsync_url":"$1","excludes":[],
 "layout":{"name":"one","disk":"/dev/vda","label":"msdos",
   "partitions":[{"size_bytes":0,"fill":true,"fs":"ext4","mount":"/","flags":[]}]}}
EOF
}

run_image() { # DISK LOG
	in_cli "$INSTALLER" --no-net --no-reboot --plan "$T/plan.json" --disk "$1" --allow-loop \
		--target "$T/target" --steps plan,disk,partition,mkfs,mount,image >"$2" 2>&1
}

# --- 1. the daemon dies mid-transfer and comes back ---------------------------
daemon_start 1
plan_json rsync://192.0.2.1:873/base/ >"$T/plan.json"
lab_loop DISK 256M
run_image "$DISK" "$T/retry.log" &
INST=$!
# (the installer mounts the target in its own mount namespace: watch its
# progress reports, not the files)
image_bytes() { sed -n 's/.*progress: image [0-9]*% \([0-9]*\) bytes.*/\1/p' "$T/retry.log" | tail -n1; }
wait_for 120 "the transfer to be under way" bash -c \
	"[ \"\$(sed -n 's/.*progress: image [0-9]*% \([0-9]*\) bytes.*/\1/p' '$T/retry.log' | tail -n1)\" -gt 8388608 ]"
log "killing the rsync daemon with $(image_bytes) bytes received"
daemon_kill
# the installer's retries find no daemon (connection refused) for a while
wait_for 60 "a retry against the stopped daemon" grep -q "retry 2/5" "$T/retry.log"
daemon_start 2
rc=0
wait "$INST" || rc=$?
[ "$rc" = 0 ] || { tail -n 30 "$T/retry.log" >&2; fail "the install did not survive the daemon restart (exit $rc)"; }
grep -q "rsync exited with 12 (error in the rsync protocol data stream (connection lost)): retry 2/5" \
	"$T/retry.log" || grep -q "rsync exited with 10 (error in socket I/O): retry 2/5" "$T/retry.log" ||
	{ grep -i rsync "$T/retry.log" >&2; fail "no retry after a transient error"; }
mkdir -p "$T/check"
mount "${DISK}p1" "$T/check"
cmp -s "$IMG/usr/bin/big" "$T/check/usr/bin/big" || fail "big differs after the retried transfer"
for i in 1 2 3 4 5; do [ "$(cat "$T/check/etc/file$i")" = "small $i" ] || fail "etc/file$i"; done
umount "$T/check"
# the run that finished did not send the whole file again
sent=$(awk '$0 ~ / xfer send usr\/bin\/big / {print $NF}' "$T/xfer2.log" | tail -n1)
[ -n "$sent" ] || { cat "$T/xfer2.log" >&2; fail "the restarted daemon did not log sending big"; }
[ "$sent" -lt "$BIG_SIZE" ] || fail "the retry sent all $BIG_SIZE bytes again ($sent): --partial not used"
log "retry resumed: the second daemon sent $sent of $BIG_SIZE bytes of big"
# progress reports: bytes, rate, files
grep -qE "progress: image [0-9]+% [1-9][0-9]* bytes: [0-9.]+[kMG]?B/s, [0-9]+/[0-9]+ files" "$T/retry.log" ||
	{ grep "progress: image" "$T/retry.log" >&2; fail "no progress with bytes, rate and files"; }
grep -q "progress: image 100% .*image copied" "$T/retry.log" || fail "no final image progress"

# --- 2. a permanent error fails at once -------------------------------------------
plan_json rsync://192.0.2.1:873/nosuch/ >"$T/plan.json"
lab_loop DISK2 256M
if run_image "$DISK2" "$T/permanent.log"; then fail "an unknown module did not fail the install"; fi
grep -q "INSTALL FAILED at step image: rsync from rsync://192.0.2.1:873/nosuch/ exited with 5: @ERROR: Unknown module 'nosuch'" \
	"$T/permanent.log" || { tail -n 20 "$T/permanent.log" >&2; fail "permanent error message"; }
grep -q "retry" "$T/permanent.log" && fail "a permanent error was retried"
log "unknown module: failed at once with rsync's message"
log "rsync retry checks passed"

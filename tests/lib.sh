# tests/lib.sh - shared helpers for integration tests (sourced, bash).
#
# Every test builds its own network world in namespaces named uniquely per
# run and tears it down on exit. Addresses: 192.0.2.0/24 only.
#
#   lab_setup            -> namespaces $SRV_NS (server, 192.0.2.1 on br0)
#                           and $CLI_NS (client, veth "eth0", no address),
#                           joined by a bridge in $SRV_NS.
#   lab_add_client NAME MAC -> another client namespace $NAME on the bridge
#   lab_bridge [PORT...] -> br0 (re)created in $SRV_NS, PORTs attached
#   cpu_ticks PID        -> utime + stime of PID in clock ticks
#   lab_dnsmasq NS FIRST LAST -> a real dnsmasq DHCP server (authoritative,
#                           on NS's eth0, addresses FIRST-LAST of
#                           192.0.2.0/24), waited for until it listens;
#                           its pid in $DNSMASQ_PID, log $T/dnsmasq.log
#   lab_add_relay NAME MAC ADDR/PFX GIADDR... -> a relay agent's namespace
#                           on the bridge: eth0 has ADDR/PFX and each GIADDR
#                           (a relayed network's relay address) as a /32
#   lab_perfdhcp NS GIADDR SERVER OUT [ARGS] -> perfdhcp in NS as the relay
#                           agent at GIADDR (replies to GIADDR:67); output in
#                           OUT, exit status in OUT.rc; perf_stat OUT SECTION
#                           FIELD reads a number from it ("DISCOVER-OFFER"
#                           or "REQUEST-ACK", "received packets", "drops")
#   lab_capture VAR NS IFACE FILE [FILTER] / lab_capture_stop $VAR -> tcpdump
#   lab_config FILE HOSTS [extra libconfig text] -> writes a bootsrv.conf; the
#                           tests' installer calls come from the client
#                           namespace, not the host's reserved address, so
#                           install_from_host_ip is off unless
#                           LAB_SERVER_EXTRA replaces it; LAB_IMAGES and
#                           LAB_LAYOUTS replace the image "base" (layout
#                           "small") with the tests' own; LAB_DHCP_EXTRA
#                           goes into the dhcp group; LAB_IFACE replaces br0
#   bootsrv_start CONF   -> starts build/san/bootsrv serve in $SRV_NS,
#                           waits for HTTP; $BOOTSRV_PID, $BOOTSRV_CONF, log
#                           in $T/bootsrv.log
#   wait_rsync           -> returns once an rsync daemon (bootsrv's own, or
#                           lab_rsyncd's) accepts connections on 192.0.2.1:873
#   lab_arm HOST IMAGE   -> `bootsrv netboot` HOST with IMAGE; the one-time
#                           token of its boot config in $TOKEN, HOST in
#                           $LAB_HOST (what lab_installer installs as)
#   lab_host HOST        -> the daemon's view of HOST (GET /api/v1/hosts/HOST,
#                           events cut to those since its last netboot, or
#                           all 16 it keeps when that netboot has dropped
#                           out: a whole install fills them) in
#                           $T/host.json; host_expect JQ-EXPR WHAT [jq
#                           options] asserts on it
#   lab_rsyncd DIR       -> the real rsync daemon serving DIR as module "base"
#   lab_loop VAR SIZE [noise] -> a loop device (partitions scanned) over a
#                           file in $T, its name in VAR; "noise" fills the
#                           first 2 MiB with random bytes. Mounts under $T
#                           and the loop devices go away at exit
#   need_golden_grub     -> $GOLDEN_GRUB, the test image with grub, or skip
#   lab_installer DISK [args] -> $INSTALLER against DISK in the client
#                           namespace as $LAB_HOST (node01) with $TOKEN,
#                           reporting to bootsrv on 192.0.2.1:8080 (--no-net,
#                           --allow-loop unless NO_ALLOW_LOOP=1, target
#                           $T/target); the mount table of its namespace when
#                           it exited goes to $T/mounts-after
#   fail MSG / skip MSG
#
# Tests exit 0 (pass), 77 (skip) or anything else (fail).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BOOTSRV=${BOOTSRV:-$TOP/build/san/bootsrv}
RUN_ID=${RUN_ID:-$$}
T=$(mktemp -d "/tmp/bootsrv-test.XXXXXX")
SRV_NS="bs${RUN_ID}s"
CLI_NS="bs${RUN_ID}c"
LAB_NAMESPACES=()
LAB_PIDS=()
LAB_AT_EXIT=()
LAB_LOOPS=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# log MSG: a comment line in the test log, with the seconds since the test began
log() { echo "# [${SECONDS}s] $*" >&2; }

# at_exit CMD: run CMD (eval'd) at cleanup, most recent first, before the
# namespaces go away; the test's exit status is kept.
at_exit() { LAB_AT_EXIT+=("$1"); }

lab_cleanup() {
	local rc=$?
	if [ ${#LAB_LOOPS[@]} -gt 0 ]; then
		for m in $(grep -o " $T/[^ ]*" /proc/mounts | sort -r); do umount "$m" || true; done
		for l in "${LAB_LOOPS[@]}"; do losetup -d "$l" || true; done
	fi
	for ((i = ${#LAB_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${LAB_AT_EXIT[$i]}" >/dev/null 2>&1 || true
	done
	for p in "${LAB_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${LAB_PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	for ns in "${LAB_NAMESPACES[@]:-}"; do
		[ -n "$ns" ] || continue
		# kill anything still running in the namespace
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -f "$T/bootsrv.log" ]; then
		echo "--- bootsrv.log (last 40 lines) ---" >&2
		tail -n 40 "$T/bootsrv.log" >&2 || true
	fi
	if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
	exit "$rc"
}
trap lab_cleanup EXIT

# lab_setup: server namespace with bridge br0 (192.0.2.1/24), one client ns.
lab_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	ip netns add "$SRV_NS"
	LAB_NAMESPACES+=("$SRV_NS")
	ip -n "$SRV_NS" link set lo up
	lab_bridge
	lab_add_client "$CLI_NS" "${CLI_MAC:-52:54:00:00:00:11}"
}

# lab_bridge [PORT...]: (re)create br0 in $SRV_NS with 192.0.2.1/24, PORTs
# (links already in $SRV_NS) attached, up.
lab_bridge() {
	local p
	ip -n "$SRV_NS" link add br0 type bridge
	ip -n "$SRV_NS" link set br0 type bridge forward_delay 0 stp_state 0
	ip -n "$SRV_NS" addr add 192.0.2.1/24 dev br0
	for p in "$@"; do ip -n "$SRV_NS" link set "$p" master br0; done
	ip -n "$SRV_NS" link set br0 up
}

# cpu_ticks PID: the CPU time (user + system) the process has used, in clock
# ticks (fields 14 and 15 of /proc/PID/stat, counted after the ")" that
# ends its name, which may hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# lab_add_client NS MAC: new namespace whose eth0 is bridged into br0.
lab_add_client() {
	local ns=$1 mac=$2 peer="v${#LAB_NAMESPACES[@]}${RUN_ID}"
	ip netns add "$ns"
	LAB_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	ip link add "${peer:0:15}" type veth peer name eth0 netns "$ns"
	ip link set "${peer:0:15}" netns "$SRV_NS"
	ip -n "$SRV_NS" link set "${peer:0:15}" master br0 up
	ip -n "$ns" link set eth0 address "$mac" up
}

# lab_dnsmasq NS FIRST LAST: see the header.
lab_dnsmasq() {
	ip netns exec "$1" dnsmasq -k --conf-file=/dev/null --port=0 -u root --no-ping \
		--interface=eth0 --bind-interfaces --dhcp-authoritative \
		--dhcp-range="$2,$3,255.255.255.0,1h" \
		--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid" \
		--log-facility="$T/dnsmasq.log" >"$T/dnsmasq.out" 2>&1 &
	DNSMASQ_PID=$!
	LAB_PIDS+=("$DNSMASQ_PID")
	wait_for 10 "dnsmasq listening" sh -c "ip netns exec $1 ss -lun | grep -q ':67 '"
}

# lab_add_relay NS MAC ADDR/PFX GIADDR...: see the header.
lab_add_relay() {
	local ns=$1 mac=$2 addr=$3
	shift 3
	lab_add_client "$ns" "$mac"
	ip -n "$ns" addr add "$addr" dev eth0
	# on eth0, not lo: perfdhcp -l ADDR sends out of the interface holding ADDR
	for g in "$@"; do ip -n "$ns" addr add "$g/32" dev eth0; done
}

# lab_perfdhcp NS GIADDR SERVER OUT [ARGS...]: see the header.
lab_perfdhcp() {
	local ns=$1 giaddr=$2 server=$3 out=$4 rc=0
	shift 4
	timeout 60 ip netns exec "$ns" perfdhcp -4 -l "$giaddr" -W 2000000 "$@" "$server" >"$out" 2>&1 || rc=$?
	echo "$rc" >"$out.rc"
}
perf_stat() { # OUT SECTION FIELD
	awk -v sect="$2" -v field="$3:" '
		/Statistics for:/ { in_sect = index($0, sect) > 0 }
		in_sect && index($0, field) == 1 { print $NF; exit }' "$1"
}

# lab_capture VAR NS IFACE FILE [tcpdump filter...]: tcpdump -e on IFACE in
# NS into FILE (pcap) until lab_capture_stop $VAR; returns once it listens.
lab_capture() {
	local var=$1 ns=$2 dev=$3 file=$4
	shift 4
	ip netns exec "$ns" tcpdump -i "$dev" --immediate-mode -e -n -U -w "$file" "$@" 2>"$file.err" &
	printf -v "$var" '%s' $!
	LAB_PIDS+=($!)
	wait_for 10 "tcpdump on $dev" grep -q listening "$file.err"
}
# lab_capture_stop PID: end the capture (SIGTERM: tcpdump flushes and exits).
lab_capture_stop() {
	sleep 0.5 # the last replies
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# lab_add_tap NAME: a tap device in the server namespace, bridged (for QEMU).
lab_add_tap() {
	ip -n "$SRV_NS" tuntap add dev "$1" mode tap
	ip -n "$SRV_NS" link set "$1" master br0 up
}

# lab_config FILE HOSTS_TEXT [EXTRA]: a bootsrv.conf for the lab.
lab_config() {
	local file=$1 hosts=${2:-} extra=${3:-} images layouts
	images="{ name = \"base\"; path = \"$T/images/base\"; layout = \"small\"; }"
	layouts='{ name = "small"; disk = "/dev/vda"; label = "msdos";
              partitions = ( { size = "64M"; fs = "ext3"; mount = "/boot"; flags = [ "boot" ]; },
                             { size = "*"; fs = "ext4"; mount = "/"; } ); }'
	mkdir -p "$T/state" "$T/images"
	cat >"$file" <<CONF
server = { interface = "${LAB_IFACE:-br0}"; address = "192.0.2.1"; state_dir = "$T/state";
           http_port = 8080; ${LAB_SERVER_EXTRA-install_from_host_ip = false;} };
dhcp   = { mode = "authoritative"; subnet = "192.0.2.0/24";
           range = [ "192.0.2.100", "192.0.2.199" ];
           router = "192.0.2.1"; dns = [ "192.0.2.1" ]; lease_time = 3600;
           ${LAB_DHCP_EXTRA-} };
images = ( ${LAB_IMAGES-$images} );
layouts = ( ${LAB_LAYOUTS-$layouts} );
hosts = ( $hosts );
$extra
CONF
	mkdir -p "$T/images/base"
}

# bootsrv_start CONF: start the daemon in the server namespace.
bootsrv_start() {
	local conf=$1
	ip netns exec "$SRV_NS" "$BOOTSRV" serve -c "$conf" >>"$T/bootsrv.log" 2>&1 &
	BOOTSRV_PID=$!
	BOOTSRV_CONF=$conf
	LAB_PIDS+=("$BOOTSRV_PID")
	wait_for 20 "bootsrv HTTP up" ip netns exec "$SRV_NS" \
		curl -s -o /dev/null http://192.0.2.1:8080/metrics
}

# lab_arm HOST IMAGE: see the header.
lab_arm() {
	local mac
	in_srv "$BOOTSRV" netboot --hosts "$1" --image "$2" -c "$BOOTSRV_CONF" >/dev/null ||
		fail "netboot $1 --image $2 refused"
	mac=$(in_srv "$BOOTSRV" status --json --hosts "$1" -c "$BOOTSRV_CONF" | jq -r '.[0].mac')
	TOKEN=$(in_cli curl -sf "http://192.0.2.1:8080/pxelinux.cfg/01-${mac//:/-}" |
		sed -n 's/.* token=\([0-9a-f]\{64\}\) .*/\1/p')
	[ -n "$TOKEN" ] || fail "no install token in the boot config of $1"
	LAB_HOST=$1
}

# lab_host HOST: see the header. The daemon keeps a host's latest 16 events,
# newest first; those before the latest netboot belong to earlier installs.
lab_host() {
	in_srv curl -sf -H "Authorization: Bearer $(cat "$T/state/admin.token")" \
		"http://192.0.2.1:8080/api/v1/hosts/$1" |
		jq '.events |= .[:((map(.event) | index("netboot")) // (length - 1)) + 1]' \
			>"$T/host.json" || fail "GET /api/v1/hosts/$1"
}

# host_expect JQ-EXPR WHAT [jq options]: JQ-EXPR is true of $T/host.json,
# or fail with WHAT.
host_expect() {
	local expr=$1 what=$2
	shift 2
	jq -e "$@" "$expr" "$T/host.json" >/dev/null || { jq . "$T/host.json" >&2; fail "$what"; }
}

# bootsrv_stop: SIGTERM, wait, and fail on a non-zero exit (sanitizer reports).
bootsrv_stop() {
	kill -TERM "$BOOTSRV_PID"
	local rc=0
	wait "$BOOTSRV_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "bootsrv exited with $rc"
}

# lab_rsyncd DIR: the real rsync daemon in the server namespace serving DIR
# as the read-only module "base" (uid root: images hold root-only files),
# on 192.0.2.1:873; returns once it accepts connections.
lab_rsyncd() {
	cat >"$T/rsyncd.conf" <<RSYNCD
pid file = $T/rsyncd.pid
[base]
	path = $1
	read only = yes
	uid = root
	gid = root
	use chroot = yes
RSYNCD
	in_srv rsync --daemon --no-detach --address=192.0.2.1 --port=873 \
		--config="$T/rsyncd.conf" >>"$T/rsyncd.log" 2>&1 &
	LAB_PIDS+=($!)
	wait_rsync
}

wait_rsync() {
	wait_for 10 "rsync daemon" in_srv bash -c "exec 3<>/dev/tcp/192.0.2.1/873"
}

# need_golden_grub: $GOLDEN_GRUB (default build/golden-grub, the test image
# with grub), or skip the test when it has not been built.
need_golden_grub() {
	GOLDEN_GRUB=${GOLDEN_GRUB:-$TOP/build/golden-grub}
	[ -x "$GOLDEN_GRUB/usr/sbin/grub-install" ] || skip "no golden image with grub (make golden-grub)"
}

# lab_loop VAR SIZE [noise]: see the header.
lab_loop() {
	local f dev
	f=$(mktemp "$T/disk.XXXXXX")
	# random bytes up front so "untouched" means something
	[ "${3:-}" != noise ] || head -c 2M /dev/urandom >"$f"
	truncate -s "$2" "$f"
	dev=$(losetup -P -f --show "$f")
	LAB_LOOPS+=("$dev")
	printf -v "$1" '%s' "$dev"
}

# lab_installer DISK [extra args]: see the header. ip netns exec gives the
# installer a mount namespace of its own, which dies with it: what it left
# mounted is only visible from inside, so the table is read there, after
# the installer has exited.
lab_installer() {
	local disk=$1
	shift
	# loop devices are refused unless allowed (NO_ALLOW_LOOP=1: not allowed)
	[ -n "${NO_ALLOW_LOOP:-}" ] || set -- --allow-loop "$@"
	rm -f "$T/mounts-after"
	local rc=0
	in_cli bash -c '"${@:2}"; rc=$?; cat /proc/self/mounts >"$1"; exit $rc' _ "$T/mounts-after" \
		"$INSTALLER" --no-net --no-reboot --disk "$disk" --target "$T/target" \
		bootsrv=http://192.0.2.1:8080 host="${LAB_HOST:-node01}" token="$TOKEN" console=ttyS0,115200 \
		BOOTIF=01-52-54-00-00-00-11 "$@" || rc=$?
	# the leftover-mount checks read this: never let them pass on nothing
	[ -s "$T/mounts-after" ] || fail "no mount table of the installer's namespace"
	return $rc
}

# in_srv CMD...: run in the server namespace
in_srv() { ip netns exec "$SRV_NS" "$@"; }
in_cli() { ip netns exec "$CLI_NS" "$@"; }

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out waiting for $what"
		sleep 0.2
	done
}

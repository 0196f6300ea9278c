#!/bin/bash
# bench/dhcp_bench.sh - DHCP throughput of bootsrv, kea-dhcp4 and dnsmasq,
# side by side in the same run, with the same client (perfdhcp, kea-admin).
#
# Each server runs in its own pair of network namespaces (server + client,
# one veth, 198.18.0.0/15), with a fresh lease file in a temporary
# directory, and is restarted for every measurement. perfdhcp runs in the
# client namespace as a relay (giaddr = its address, replies to port 67):
# that is the path a boot server behind relays sees, and it needs no
# broadcast handling on either side, so all three servers are measured on
# the same code path.
#
# NETWORK=relayed puts the relay (and the pool) on a network of its own,
# 198.19.0.0/16, beside the server's 198.18.0.0/16: giaddr 198.19.0.2
# selects it (bootsrv: a dhcp.subnets entry; kea: a second subnet4;
# dnsmasq: a dhcp-range there). The default, NETWORK=interface, has the
# relay inside the server's own network, as before.
#
# Per server and number of distinct clients (-R) it measures:
#   - saturation: perfdhcp offered far more than any server can answer
#     (-r SAT_RATE); "rate" is completed DORA exchanges per second;
#   - fixed offered rates (RATES): the achieved rate and the drop ratio,
#     so the highest rate with < 1% drops can be read off.
# It prints the median over REPS repetitions, the ratios bootsrv/kea and
# bootsrv/dnsmasq, each server's RSS after the run, bytes per lease and
# the server's CPU time (user + system) per completed exchange, a figure
# that depends less on what else the machine is doing than the rates do.
#
#   bench/dhcp_bench.sh                    # defaults below, ~17 minutes
#   REPS=1 CLIENTS=200 RATES= bench/dhcp_bench.sh     # quick look
#
# Environment: REPS (3), DURATION (10 s), CLIENTS ("200 20000"),
# SAT_RATE (20000), RATES ("1000 3000 6000"), SERVERS ("bootsrv kea dnsmasq"),
# NETWORK (interface | relayed), RMEM_DEFAULT (bytes; unset: the host's),
# BOOTSRV (build/bootsrv), BOOTSRV_LOG_LEVEL (info: one line per exchange).
# A server named bootsrv@LEVEL is bootsrv at that log level, to measure
# what logging costs: SERVERS="bootsrv@debug bootsrv bootsrv@warn".
# Benchmarks are not tests: nothing here asserts on speed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BOOTSRV=${BOOTSRV:-$TOP/build/bootsrv}
REPS=${REPS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-"200 20000"}
SAT_RATE=${SAT_RATE:-20000}
RATES=${RATES-"1000 3000 6000"}
SERVERS=${SERVERS:-"bootsrv kea dnsmasq"}
NETWORK=${NETWORK:-interface}
case $NETWORK in
interface) ;;
relayed) ;;
*) echo "NETWORK must be interface or relayed" >&2; exit 2 ;;
esac
export BOOTSRV_LOG_LEVEL=${BOOTSRV_LOG_LEVEL:-info}

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
[ "$BOOTSRV" != "$TOP/build/bootsrv" ] || make -s -C "$TOP" build/bootsrv
for t in perfdhcp kea-dhcp4 dnsmasq "$BOOTSRV"; do
	command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done

ID=$$
T=$(mktemp -d /tmp/dhcp-bench.XXXXXX)
NAMESPACES=()
SERVER_PID=
RMEM_SAVED=
RMEM_MAX_SAVED=

cleanup() {
	set +e
	[ -n "$RMEM_SAVED" ] && sysctl -q -w net.core.rmem_default="$RMEM_SAVED"
	[ -n "$RMEM_MAX_SAVED" ] && sysctl -q -w net.core.rmem_max="$RMEM_MAX_SAVED"
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	for ns in "${NAMESPACES[@]:-}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# netpair NAME: namespaces NAMEs (s0, 198.18.0.1/15) and NAMEc (c0,
# 198.18.0.2/15) joined by one veth.
netpair() {
	local s=$1s c=$1c
	ip netns add "$s"
	NAMESPACES+=("$s")
	ip netns add "$c"
	NAMESPACES+=("$c")
	ip -n "$s" link add s0 type veth peer name c0 netns "$c"
	ip -n "$s" addr add 198.18.0.1/15 dev s0
	ip -n "$c" addr add 198.18.0.2/15 dev c0
	for n in "$s" "$c"; do
		ip -n "$n" link set lo up
	done
	# the relay's own network (NETWORK=relayed): on-link on the veth
	[ "$NETWORK" = interface ] || ip -n "$c" addr add 198.19.0.2/16 dev c0
	ip -n "$s" link set s0 up
	ip -n "$c" link set c0 up
}

# The same pool for everyone: 65,280 addresses, in the server's network or
# in the relay's.
if [ "$NETWORK" = interface ]; then
	NET=198.18 GIADDR=198.18.0.2
else
	NET=198.19 GIADDR=198.19.0.2
fi
POOL_FIRST=$NET.1.0
POOL_LAST=$NET.255.254

# bootsrv's dhcp group: the pool in its own network or behind the relay.
# No rogue-server probe: it holds answers back for its first second, which
# kea and dnsmasq do not do and a 10 s run would count as drops.
bootsrv_dhcp() {
	if [ "$NETWORK" = interface ]; then
		cat <<CONF
dhcp   = { mode = "authoritative"; subnet = "198.18.0.0/15";
           range = [ "$POOL_FIRST", "$POOL_LAST" ];
           router = "198.18.0.1"; dns = [ "198.18.0.1" ]; lease_time = 3600;
           rogue_check_interval = 0; };
CONF
	else
		cat <<CONF
dhcp   = { mode = "authoritative"; subnet = "198.18.0.0/16";
           dns = [ "198.18.0.1" ]; lease_time = 3600; rogue_check_interval = 0;
           subnets = ( { subnet = "198.19.0.0/16"; range = [ "$POOL_FIRST", "$POOL_LAST" ];
                         router = "198.19.0.2"; } ); };
CONF
	fi
}

# kea's subnets: one, or the server's (no pool) and the relayed one.
kea_subnets() {
	local pool='"pools": [ { "pool": "'"$POOL_FIRST - $POOL_LAST"'" } ]'
	if [ "$NETWORK" = interface ]; then
		echo '{ "id": 1, "subnet": "198.18.0.0/15", '"$pool"',
		   "option-data": [ { "name": "routers", "data": "198.18.0.1" },
		                    { "name": "domain-name-servers", "data": "198.18.0.1" } ] }'
	else
		echo '{ "id": 1, "subnet": "198.18.0.0/16" },
		 { "id": 2, "subnet": "198.19.0.0/16", '"$pool"',
		   "option-data": [ { "name": "routers", "data": "198.19.0.2" },
		                    { "name": "domain-name-servers", "data": "198.18.0.1" } ] }'
	fi
}

config_bootsrv() { # DIR
	mkdir -p "$1/state" "$1/images/base"
	cat >"$1/bootsrv.conf" <<CONF
server = { interface = "s0"; address = "198.18.0.1"; state_dir = "$1/state";
           http_port = 8080; };
$(bootsrv_dhcp)
images = ( { name = "base"; path = "$1/images/base"; layout = "small"; } );
layouts = ( { name = "small"; disk = "/dev/vda"; label = "msdos";
              partitions = ( { size = "*"; fs = "ext4"; mount = "/"; } ); } );
hosts = ( );
CONF
}

# kea: memfile with persist = true (its CSV is appended to on every lease
# change; no lease file cleanup during the run); its default INFO logging,
# which like bootsrv's writes one line per allocated lease.
config_kea() { # DIR
	cat >"$1/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "s0" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true,
                        "name": "$1/leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ $(kea_subnets) ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "$1/kea.log" } ] } ]
} }
JSON
}

# start_server KIND DIR NS: start it in NS, wait until it listens on 67.
start_server() {
	local kind=$1 dir=$2 ns=$3
	mkdir -p "$dir"
	case $kind in
	bootsrv*)
		config_bootsrv "$dir"
		# bootsrv@LEVEL: the same server at another log level
		[[ $kind == *@* ]] && local BOOTSRV_LOG_LEVEL=${kind#*@}
		BOOTSRV_LOG_LEVEL=$BOOTSRV_LOG_LEVEL \
			ip netns exec "$ns" "$BOOTSRV" serve -c "$dir/bootsrv.conf" >"$dir/log" 2>&1 &
		;;
	kea)
		config_kea "$dir"
		KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir \
			ip netns exec "$ns" kea-dhcp4 -c "$dir/kea.json" >"$dir/log" 2>&1 &
		;;
	dnsmasq)
		# --no-ping: dnsmasq otherwise pings every address before offering
		# it and answers nothing else meanwhile (seconds per DISCOVER).
		ip netns exec "$ns" dnsmasq -k --conf-file=/dev/null --port=0 -u root \
			--interface=s0 --bind-interfaces --dhcp-authoritative --no-ping \
			--dhcp-range="$POOL_FIRST,$POOL_LAST,$([ "$NETWORK" = interface ] &&
				echo 255.254.0.0 || echo 255.255.0.0),1h" \
			--dhcp-lease-max=100000 --dhcp-leasefile="$dir/leases" \
			--pid-file="$dir/pid" --log-facility="$dir/dnsmasq.log" >"$dir/log" 2>&1 &
		;;
	esac
	SERVER_PID=$!
	local end=$((SECONDS + 20))
	until ip netns exec "$ns" ss -lun 2>/dev/null | grep -q ':67 '; do
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/log" >&2; return 1; }
		[ $SECONDS -lt $end ] || { echo "$kind did not start" >&2; return 1; }
		sleep 0.2
	done
	sleep 0.5 # let it finish start-up (kea opens its lease file after binding)
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# CPU time (user + system, all threads) the process has used, in clock
# ticks: fields 14 and 15 of /proc/PID/stat, counted after the ")" that
# ends the command name.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0
}

# UDP datagrams the kernel dropped in namespace NS because a socket's
# receive buffer was full (RcvbufErrors in /proc/net/snmp, per namespace).
rcvbuf_errors() {
	ip netns exec "$1" awk '/^Udp:/ && n++ { print $6 }' /proc/net/snmp 2>/dev/null || echo 0
}

# Leases the server holds on disk at the end of a run (distinct MACs).
lease_count() { # KIND DIR
	case $1 in
	bootsrv*) awk '$4 == "bound" { print $1 }' "$2/state/leases.journal" | sort -u | wc -l ;;
	kea) awk -F, 'NR > 1 && $2 != "" { print $2 }' "$2/leases4.csv" | sort -u | wc -l ;;
	dnsmasq) wc -l <"$2/leases" ;;
	esac
}

# run_one KIND CLIENTS RATE OUT: one fresh server, one perfdhcp run; writes
# "rate drops_pct rss_kb leases idle_rss_kb cpu_us_per_exchange
# server_rcvbuf_drops client_rcvbuf_drops" to OUT.
run_one() {
	local kind=$1 clients=$2 rate=$3 out=$4 dir ns=db${ID}${1//@/}
	dir=$T/${kind//@/}.$clients.$rate.$RANDOM
	start_server "$kind" "$dir" "${ns}s"
	local idle cpu0 cpu1
	idle=$(rss_kb "$SERVER_PID")
	cpu0=$(cpu_ticks "$SERVER_PID")
	local sdrop0 cdrop0
	sdrop0=$(rcvbuf_errors "${ns}s")
	cdrop0=$(rcvbuf_errors "${ns}c")
	timeout $((DURATION + 30)) ip netns exec "${ns}c" perfdhcp -4 -l "$GIADDR" \
		-r "$rate" -R "$clients" -p "$DURATION" -s $RANDOM 198.18.0.1 \
		>"$dir/perfdhcp.out" 2>&1 || true
	local rss leases
	rss=$(rss_kb "$SERVER_PID")
	cpu1=$(cpu_ticks "$SERVER_PID")
	local sdrop=$(($(rcvbuf_errors "${ns}s") - sdrop0)) cdrop=$(($(rcvbuf_errors "${ns}c") - cdrop0))
	stop_server
	leases=$(lease_count "$kind" "$dir")
	awk -v rss="$rss" -v leases="$leases" -v idle="$idle" -v hz="$(getconf CLK_TCK)" \
		-v ticks=$((cpu1 - cpu0)) -v sdrop="$sdrop" -v cdrop="$cdrop" '
		/^Rate:/ { rate = $2 }
		/Statistics for: DISCOVER-OFFER/ { sect = "do" }
		/Statistics for: REQUEST-ACK/ { sect = "ra" }
		/^sent packets:/ { sent[sect] = $3 }
		/^received packets:/ { recv[sect] = $3 }
		/^drops:/ { drops[sect] = $2 }
		END {
			pct = sent["do"] ? 100 * (drops["do"] + drops["ra"]) / sent["do"] : 100
			# server CPU per completed exchange (ACK received), in us
			us = recv["ra"] ? ticks * 1e6 / hz / recv["ra"] : 0
			printf "%s %.2f %s %s %s %.0f %s %s\n", rate + 0, pct, rss, leases, idle, us,
				sdrop, cdrop
		}' "$dir/perfdhcp.out" >"$out"
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$dir"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }

# measure CLIENTS RATE: REPS rounds, each server once per round (so load
# from elsewhere on the machine hits all of them alike); then per server
# "median_rate median_drops rss leases bytes_per_lease median_cpu_us
# median_server_rcvbuf_drops median_client_rcvbuf_drops" in $T/sum.KIND.
measure() {
	local clients=$1 rate=$2 r kind
	for kind in $SERVERS; do : >"$T/res.$kind"; done
	for ((r = 0; r < REPS; r++)); do
		for kind in $SERVERS; do
			run_one "$kind" "$clients" "$rate" "$T/one"
			cat "$T/one" >>"$T/res.$kind"
		done
	done
	for kind in $SERVERS; do
		local mr md mc ms mcl
		mr=$(awk '{ print $1 }' "$T/res.$kind" | median)
		md=$(awk '{ print $2 }' "$T/res.$kind" | median)
		mc=$(awk '{ print $6 }' "$T/res.$kind" | median)
		ms=$(awk '{ print $7 }' "$T/res.$kind" | median)
		mcl=$(awk '{ print $8 }' "$T/res.$kind" | median)
		# memory from the last run: RSS after it, growth per lease held
		awk -v mr="$mr" -v md="$md" -v mc="$mc" -v ms="$ms" -v mcl="$mcl" 'END {
			bpl = $4 > 0 ? ($3 - $5) * 1024 / $4 : 0
			printf "%s %s %s %s %d %s %s %s\n", mr, md, $3, $4, bpl, mc, ms, mcl
		}' "$T/res.$kind" >"$T/sum.$kind"
	done
}

ratio() { awk -v b="$1" -v p="$2" 'BEGIN { r = p > 0 ? sprintf("%.2f", b / p) : "inf"; print r }'; }

for kind in $SERVERS; do
	netpair "db${ID}${kind//@/}"
done

# RMEM_DEFAULT: the default socket receive buffer for the run (the host's
# net.core.rmem_default, not per namespace; restored at exit). perfdhcp
# plays 20,000 clients on one socket and takes the default; a server whose
# ACKs leave in bursts (bootsrv's group commit) overflows it, a real
# client never sees more than its own reply. Same for every server.
# net.core.rmem_max is raised to it when lower, and restored too.
if [ -n "${RMEM_DEFAULT:-}" ]; then
	RMEM_SAVED=$(sysctl -n net.core.rmem_default)
	if [ "$RMEM_DEFAULT" -gt "$(sysctl -n net.core.rmem_max)" ]; then
		RMEM_MAX_SAVED=$(sysctl -n net.core.rmem_max)
		sysctl -q -w net.core.rmem_max="$RMEM_DEFAULT"
	fi
	sysctl -q -w net.core.rmem_default="$RMEM_DEFAULT"
fi

printf '# %s  perfdhcp %s, %s s runs, median of %s, bootsrv log level %s, giaddr %s (%s), rmem_default %s\n' \
	"$(date -u +%Y-%m-%dT%H:%MZ)" "$(perfdhcp -v 2>&1 | awk '{ print $2 }')" \
	"$DURATION" "$REPS" "$BOOTSRV_LOG_LEVEL" "$GIADDR" "$NETWORK network" \
	"$(sysctl -n net.core.rmem_default)"
printf '%-13s %7s %8s | %10s %7s %9s %8s %10s %9s %8s %8s\n' server clients offered "DORA/s" \
	"drops%" "RSS(KiB)" leases "B/lease" "CPU-us/ex" "srv-qdrop" "cli-qdrop"
declare -A RATE BEST CPU
for clients in $CLIENTS; do
	for offered in "$SAT_RATE" $RATES; do
		measure "$clients" "$offered"
		for kind in $SERVERS; do
			read -r mr md rss leases bpl mc ms mcl <"$T/sum.$kind"
			RATE[$kind.$clients.$offered]=$mr
			CPU[$kind.$clients.$offered]=$mc
			# best achieved rate with < 1% drops, over the offered rates
			if awk -v d="$md" -v r="$mr" -v b="${BEST[$kind.$clients]:-0}" \
				'BEGIN { exit !(d < 1 && r > b) }'; then
				BEST[$kind.$clients]=$mr
			fi
			printf '%-13s %7s %8s | %10s %7s %9s %8s %10s %9s %8s %8s\n' "$kind" "$clients" \
				"$offered" "$mr" "$md" "$rss" "$leases" "$bpl" "$mc" "$ms" "$mcl"
		done
		for peer in kea dnsmasq; do
			b=${RATE[bootsrv.$clients.$offered]:-} p=${RATE[$peer.$clients.$offered]:-}
			[ -n "$b" ] && [ -n "$p" ] || continue
			printf '  ratio bootsrv/%s (%s clients, offered %s): %s, CPU per exchange %s/%s: %s\n' \
				"$peer" "$clients" "$offered" "$(ratio "$b" "$p")" "$peer" bootsrv \
				"$(ratio "${CPU[$peer.$clients.$offered]}" "${CPU[bootsrv.$clients.$offered]}")"
		done
	done
	for kind in $SERVERS; do
		printf '  best DORA/s with < 1%% drops, %s clients: %-8s %s\n' "$clients" "$kind" \
			"${BEST[$kind.$clients]:-none}"
	done
done

#!/bin/bash
# bench/http_bench.sh - bootsrv's HTTP server side by side with nginx: same
# client (wrk), same files, same run. Benchmarks are not tests.
#
#   bench/http_bench.sh                    full run (about 3 minutes)
#   REPS=5 SECONDS_PER_RUN=5 bench/http_bench.sh
#   FILES=big CONNS=64 HOSTS=100 bench/http_bench.sh     one row
#
# Server and client each get a namespace, joined by one veth:
# server 198.18.0.1, client 198.18.0.2. The files (a BIG_MB (64) MiB
# "initrd" and a 4 KiB "config") live on tmpfs, served by
#   bootsrv   (release build, one event loop)      as /boot/bench/{big,small}
#   nginx -w1 (worker_processes 1, sendfile on)    same paths, same files
#   nginx -wA (worker_processes auto)              same
# and "cfg": the per-host pxelinux config of an armed host, which bootsrv
# generates on each request (/pxelinux.cfg/01-<mac>) and nginx serves from
# a static copy of the same bytes (/boot/bench/cfg).
# wrk fetches each file at 1 and 64 connections for SECONDS_PER_RUN; runs
# are interleaved (bootsrv, nginx, nginx, bootsrv, ...) and the median of
# REPS runs is printed (requests/s, transfer/s, p99 latency) with
# the ratios bootsrv/nginx (rate: transfer/s for the big file, requests/s
# for the small ones, > 1 is bootsrv faster; p99: < 1 is bootsrv faster). Then the API: `GET /api/v1/hosts` with HOSTS (10000)
# configured hosts, median of 5 timed curl runs.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-3}
SECS=${SECONDS_PER_RUN:-4}
BIG_MB=${BIG_MB:-64}
HOSTS=${HOSTS:-10000}
BOOTSRV=${BOOTSRV:-$TOP/build/bootsrv}
RUN=${RUN_ID:-$$}
SNS=bhs$RUN
CNS=bhc$RUN
SRV=198.18.0.1

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 77; }
for t in wrk nginx curl jq; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 77; }; done
[ "$BOOTSRV" != "$TOP/build/bootsrv" ] || make -s -C "$TOP" build/bootsrv

W=$(mktemp -d /dev/shm/bootsrv-http-bench.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
	for ns in "$SNS" "$CNS"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$W"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SNS"
ip netns add "$CNS"
ip -n "$SNS" link set lo up
ip -n "$CNS" link set lo up
ip -n "$SNS" link add eth0 type veth peer name eth0 netns "$CNS"
ip -n "$SNS" addr add $SRV/15 dev eth0
ip -n "$CNS" addr add 198.18.0.2/15 dev eth0
ip -n "$SNS" link set eth0 up
ip -n "$CNS" link set eth0 up

# --- files, config with HOSTS hosts
ROOT=$W/state/tftp
mkdir -p "$ROOT/boot/bench" "$W/image"
head -c $((BIG_MB << 20)) /dev/urandom >"$ROOT/boot/bench/big"
head -c 4096 /dev/urandom >"$ROOT/boot/bench/small"
chmod -R a+rX "$W"
{
	cat <<CONF
server = { interface = "eth0"; address = "$SRV"; state_dir = "$W/state";
           http_port = 8080; http_max_connections = 1024; };
dhcp   = { mode = "authoritative"; subnet = "198.18.0.0/15";
           range = [ "198.18.1.1", "198.18.1.200" ]; lease_time = 3600; };
images = ( { name = "base"; path = "$W/image"; layout = "l"; } );
layouts = ( { name = "l"; disk = "/dev/vda"; label = "msdos";
              partitions = ( { size = "*"; fs = "ext4"; mount = "/"; } ); } );
hosts = (
CONF
	awk -v n="$HOSTS" 'BEGIN { for (i = 0; i < n; i++)
		printf "{ name = \"n%05d\"; mac = \"02:00:00:%02x:%02x:%02x\"; image = \"base\"; }%s\n",
			i, int(i / 65536) % 256, int(i / 256) % 256, i % 256, i < n - 1 ? "," : "" }'
	echo ");"
} >"$W/bootsrv.conf"

nginx_conf() { # WORKERS PORT
	cat >"$W/nginx-$1.conf" <<NGX
daemon off; master_process on; worker_processes $1; user root;
pid $W/nginx-$1.pid; error_log $W/nginx-$1.err warn;
events { worker_connections 4096; }
http {
    access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;
    keepalive_requests 1000000; keepalive_timeout 60s; open_file_cache max=64;
    default_type application/octet-stream;
    client_body_temp_path $W/nginx-tmp; proxy_temp_path $W/nginx-tmp;
    fastcgi_temp_path $W/nginx-tmp; uwsgi_temp_path $W/nginx-tmp; scgi_temp_path $W/nginx-tmp;
    server { listen $SRV:$2; root $ROOT; }
}
NGX
}
mkdir -p "$W/nginx-tmp"
nginx_conf 1 8081
nginx_conf auto 8082

# url_path PORT FILE: "cfg" is the per-host pxelinux config bootsrv
# generates on every request from the state of host n09999 (the last one
# in the config); nginx serves the same bytes from a static copy
url_path() {
	if [ "$2" = cfg ] && [ "$1" = 8080 ]; then
		echo "/pxelinux.cfg/01-02-00-00-00-27-0f"
	else
		echo "/boot/bench/$2"
	fi
}

wait_http() { # URL
	for _ in $(seq 100); do
		ip netns exec "$CNS" curl -s -o /dev/null "$1" && return 0
		sleep 0.2
	done
	echo "server at $1 did not come up" >&2
	exit 1
}

ip netns exec "$SNS" "$BOOTSRV" serve -c "$W/bootsrv.conf" >"$W/bootsrv.log" 2>&1 &
PIDS+=($!)
ip netns exec "$SNS" nginx -c "$W/nginx-1.conf" -e "$W/nginx-1.err" &
PIDS+=($!)
ip netns exec "$SNS" nginx -c "$W/nginx-auto.conf" -e "$W/nginx-auto.err" &
PIDS+=($!)
wait_http "http://$SRV:8080/boot/bench/small"
wait_http "http://$SRV:8081/boot/bench/small"
wait_http "http://$SRV:8082/boot/bench/small"
# the per-host config, armed so it is the install config (kernel command
# line with the host's token), copied for nginx
ip netns exec "$SNS" curl -sf -X POST -H "Authorization: Bearer $(cat "$W/state/admin.token")" \
	-H 'Content-Type: application/json' --data '{"image":"base"}' \
	"http://$SRV:8080/api/v1/hosts/n09999/netboot" >/dev/null
ip netns exec "$CNS" curl -sf "http://$SRV:8080$(url_path 8080 cfg)" >"$ROOT/boot/bench/cfg"
grep -q "token=" "$ROOT/boot/bench/cfg" || { echo "no install config for n09999" >&2; exit 1; }
chmod a+r "$ROOT/boot/bench/cfg"
for p in 8080 8081 8082; do
	ip netns exec "$CNS" curl -s "http://$SRV:$p/boot/bench/big" | cmp -s - "$ROOT/boot/bench/big" ||
		{ echo "port $p serves the wrong bytes" >&2; exit 1; }
done

# to_num VALUE-WITH-UNIT: wrk's "1.23MB", "4.5ms", "12.3k" -> plain number
# (bytes, microseconds, count)
to_num() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		m["B"] = 1; m["KB"] = 1024; m["MB"] = 1048576; m["GB"] = 1073741824
		m["us"] = 1; m["ms"] = 1000; m["s"] = 1000000; m["m"] = 60000000
		m["k"] = 1000; m[""] = 1
		printf "%.6g\n", n * (u in m ? m[u] : 1) }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# wrk_once PORT FILE CONNS TAG: one wrk run, its req/s, bytes/s and p99 (us)
# appended to $W/TAG.{rps,tps,p99}. 64 clients sharing the link need ~10 s
# per 64 MiB response: the big file at 64 connections runs BIG64_SECS (12)
# with a timeout past that, and its transfer/s (bytes received, partial
# responses included) is the number that counts there.
wrk_once() {
	local port=$1 file=$2 conns=$3 tag=$4 threads=1 secs=$SECS out
	[ "$conns" -gt 1 ] && threads=2
	[ "$file" = big ] && [ "$conns" -gt 1 ] && secs=${BIG64_SECS:-12}
	out=$(ip netns exec "$CNS" wrk -t$threads -c"$conns" -d"${secs}s" --timeout 60s --latency \
		"http://$SRV:$port$(url_path "$port" "$file")")
	echo "$out" | awk '/^Requests\/sec:/ { print $2 }' >>"$W/$tag.rps"
	to_num "$(echo "$out" | awk '/^Transfer\/sec:/ { print $2 }')" >>"$W/$tag.tps"
	to_num "$(echo "$out" | awk '$1 == "99%" { print $2 }')" >>"$W/$tag.p99"
	if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
		echo "warning: $tag $file c=$conns: $(echo "$out" | grep "Non-2xx\|Socket errors")" >&2
	fi
}
# row TAG -> "req/s MiB/s p99ms" medians
row() {
	echo "$(median <"$W/$1.rps") $(median <"$W/$1.tps" | awk '{ print $1 / 1048576 }')" \
		"$(median <"$W/$1.p99" | awk '{ print $1 / 1000 }')"
}

SERVERS=("bootsrv 8080" "nginx-w1 8081" "nginx-wA 8082")
echo "# bootsrv vs nginx, wrk, $SECS s x $REPS interleaved (median), $(date -u +%Y-%m-%dT%H:%MZ)," \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %5s %-9s %12s %12s %10s   %s\n' file conns server "req/s" "MiB/s" "p99 ms" \
	"bootsrv/nginx: rate, p99"
for file in ${FILES:-big small cfg}; do
	for conns in ${CONNS:-1 64}; do
		rm -f "$W"/*.rps "$W"/*.tps "$W"/*.p99
		# interleaved, so load from elsewhere on the machine hits all alike
		for ((r = 0; r < REPS; r++)); do
			for sv in "${SERVERS[@]}"; do
				set -- $sv
				wrk_once "$2" $file $conns "$1"
			done
		done
		read -r b_rps b_mib b_p99 <<<"$(row bootsrv)"
		printf '%-6s %5s %-9s %12.1f %12.1f %10.2f\n' $file $conns bootsrv "$b_rps" "$b_mib" "$b_p99"
		for ng in nginx-w1 nginx-wA; do
			read -r n_rps n_mib n_p99 <<<"$(row $ng)"
			# the big file: bytes/s; small responses: requests/s (the
			# servers' headers differ in size, the bodies do not)
			if [ "$file" = big ]; then b_rate=$b_mib n_rate=$n_mib; else b_rate=$b_rps n_rate=$n_rps; fi
			printf '%-6s %5s %-9s %12.1f %12.1f %10.2f   %.2fx, %.2fx\n' $file $conns $ng \
				"$n_rps" "$n_mib" "$n_p99" \
				"$(awk -v a="$b_rate" -v b="$n_rate" 'BEGIN { print a / b }')" \
				"$(awk -v a="$b_p99" -v b="$n_p99" 'BEGIN { print a / b }')"
		done
	done
done

# --- API: status of HOSTS hosts
TOKEN=$(cat "$W/state/admin.token")
: >"$W/api"
for _ in 1 2 3 4 5; do
	ip netns exec "$CNS" curl -s -o "$W/hosts.json" -w '%{time_total}\n' \
		-H "Authorization: Bearer $TOKEN" "http://$SRV:8080/api/v1/hosts" >>"$W/api"
done
n=$(jq '.hosts | length' "$W/hosts.json")
[ "$n" = "$HOSTS" ] || { echo "API listed $n hosts, expected $HOSTS" >&2; exit 1; }
printf 'API GET /api/v1/hosts, %d hosts, %d bytes: median %.1f ms (of 5)\n' "$n" \
	"$(stat -c %s "$W/hosts.json")" "$(awk '{ print $1 * 1000 }' "$W/api" | median)"

#!/bin/bash
# make demo — a deployment VLAN in a network namespace: bootsrv serves DHCP,
# TFTP, HTTP and rsync; a QEMU guest (TCG) PXE-boots, is installed from the
# golden image, flips itself back to local boot and boots from its disk.
#
#   DEMO_KEEP=1 make demo   leave the installed guest running (Ctrl-C ends)
export KEEP_TMP=1
# the release build, what a person runs (make demo builds it; the tests
# use the sanitizer build)
BOOTSRV=${BOOTSRV:-$(cd "$(dirname "$0")/.." && pwd)/build/bootsrv}
source "$(dirname "$0")/lab.sh"
[ -x "$BOOTSRV" ] || fail "$BOOTSRV not built (make demo builds it)"

MAC=52:54:00:de:00:01
say() { printf '\n==> %s\n' "$*"; }

lab_setup
lab_e2e_config "{ name = \"demo01\"; mac = \"$MAC\"; ip = \"192.0.2.21\"; image = \"base\";
                  txt = [ \"location: lab rack 1\", \"role: demo\" ]; }"
lab_boot_files
say "bootsrv serve -c $T/bootsrv.conf   (namespace $SRV_NS, bridge br0, 192.0.2.1)"
bootsrv_start "$T/bootsrv.conf"
say "bootsrv netboot --hosts demo01 --image base"
bootsrv_cli netboot --hosts demo01 --image base
bootsrv_cli status

truncate -s 1G "$T/demo01.img"
say "powering on demo01 (QEMU, TCG, SeaBIOS + iPXE, virtio-net, virtio-blk, 1 GiB disk)"
vm_start demo01 "$MAC" "$T/demo01.img"

last=""
end=$((SECONDS + 900))
until grep -aq 'BOOTSRV-GOLDEN-BOOTED' "$T/demo01.console"; do
	[ "$SECONDS" -lt "$end" ] || fail "demo01 did not come up within 15 minutes"
	kill -0 "${VM_PIDS[demo01]}" 2>/dev/null || fail "QEMU exited (see $T/demo01.qemu.log)"
	line=$(bootsrv_cli status --hosts demo01 2>/dev/null | tail -n 1)
	if [ "$line" != "$last" ]; then
		printf '  [%4ss] %s\n' "$SECONDS" "$line"
		last=$line
	fi
	sleep 2
done

say "demo01 booted from its own disk:"
grep -a 'BOOTSRV-GOLDEN-BOOTED' "$T/demo01.console" | tr -d '\r'
bootsrv_cli status
cat <<MSG

Logs:
  bootsrv:        $T/bootsrv.log
  guest console:  $T/demo01.console
  rsync daemon:   $T/state/rsyncd.log
  host state:     $T/state/hosts/demo01.json
MSG
if [ -n "${DEMO_KEEP:-}" ]; then
	say "guest keeps running; Ctrl-C to stop and clean up"
	wait "${VM_PIDS[demo01]}"
fi
vm_stop demo01
bootsrv_stop

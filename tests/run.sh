#!/bin/bash
# tests/run.sh — run every test: unit (cmocka, sanitized), integration
# (real clients in namespaces), QEMU end to end. Prints one line per test
# and the summary "N passed, N failed, N skipped".
#
#   tests/run.sh [unit|fuzz|integration|qemu ...]   (default: all four)
#   TEST_FILTER=REGEX tests/run.sh             only tests whose name matches
#   TEST_JOBS=N        integration tests and fuzz harnesses run N at a time (2)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOGDIR=$TOP/build/test-logs
mkdir -p "$LOGDIR"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz integration qemu)

pass=0 failn=0 skipn=0
failed=()

# exec_one NAME TIMEOUT CMD...: run one test, its output in its log; the
# exit code (77: skipped) and seconds taken in $LOGDIR/NAME.rc
exec_one() {
	local name=$1 limit=$2 rc start=$SECONDS log
	shift 2
	log=$LOGDIR/${name//\//-}.log
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
	echo "$rc $((SECONDS - start))" >"${log%.log}.rc"
}

# report NAME: count and print the result exec_one left
report() {
	local name=$1 rc secs log
	log=$LOGDIR/${name//\//-}.log
	read -r rc secs <"${log%.log}.rc"
	# a cmocka binary exits 0 when its tests passed or were skipped: one
	# whose tests did not all run is a skip, never a pass
	if [ "$rc" -eq 0 ] && [[ $name == unit/* ]] && grep -q '^\[  SKIPPED \] [0-9]* test(s), listed below' "$log"; then
		printf 'SKIP: %s skipped: %s\n' \
			"$(sed -n '/listed below/,$s/^\[  SKIPPED \] \(test_[A-Za-z0-9_]*\)$/\1/p' "$log" | paste -sd ' ')" \
			"$(sed -n 's/^skip: //p' "$log" | sort -u | paste -sd ';')" >>"$log"
		rc=77
	fi
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %4ss\n' "$name" "$secs" ;;
	77) skipn=$((skipn + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 '^SKIP' "$log")" ;;
	*)
		failn=$((failn + 1)); failed+=("$name")
		printf 'FAIL  %-40s %4ss (exit %s)\n' "$name" "$secs" "$rc"
		tail -n 25 "$log" | sed 's/^/      | /'
		;;
	esac
}

selected() { [ -z "${TEST_FILTER:-}" ] || [[ $1 =~ $TEST_FILTER ]]; }

run_one() { # NAME TIMEOUT CMD...
	selected "$1" || return 0
	exec_one "$@"
	report "$1"
}

# Tests run in the background, JOBS at a time (run_bg NAME TIMEOUT CMD...,
# then reap_all), reported as each ends; each in its own namespaces and
# temporary directory (RUN_ID: unique within the run).
declare -A running=()
JOBS=${TEST_JOBS:-2}
run_bg() {
	selected "$1" || return 0
	while [ ${#running[@]} -ge "$JOBS" ]; do reap_one; done
	exec_one "$@" &
	running[$!]=$1
}
reap_one() {
	local pid
	wait -n -p pid "${!running[@]}"
	report "${running[$pid]}"
	unset "running[$pid]"
}
reap_all() { while [ ${#running[@]} -gt 0 ]; do reap_one; done; }
# next_run_id: RUN_ID for the next test, unique within this run (set here,
# in this shell: a $(...) would count in a subshell)
run_seq=0
run_base=$(((RANDOM % 300) * 100))
next_run_id() { run_seq=$((run_seq + 1)); RUN_ID=$((run_base + run_seq)); }

# The cached Debian trees (qemu-tests/debian-image.sh) take minutes to
# build on a new machine: when a test needs them, start building them now,
# beside the unit and fuzz runs; the tests that use them wait on its lock.
if [[ " ${suites[*]} " =~ \ (integration|qemu)\  ]] &&
	{ selected integration/image_capture || selected qemu/debian_e2e; }; then
	(./qemu-tests/debian-image.sh bios && ./qemu-tests/debian-image.sh uefi) \
		>"$LOGDIR/debian-image.log" 2>&1 </dev/null &
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in build/san/tests/test_*; do
			[ -x "$t" ] && run_one "unit/${t##*/}" 300 "$t"
		done ;;
	integration)
		# two at a time: most wait on timers and peers, not on a core
		for t in tests/integration/*.sh; do
			[ -x "$t" ] || continue
			next_run_id
			RUN_ID=$RUN_ID run_bg "integration/$(basename "$t" .sh)" 600 "$t"
		done
		reap_all ;;
	fuzz)
		# each harness for a bounded time on a copy of its seed corpus, two
		# at a time (each is one process on one core)
		for f in build/fuzz/fuzz_*; do
			[ -x "$f" ] || continue
			name=${f##*/fuzz_}
			selected "fuzz/$name" || continue
			work=$TOP/build/fuzz/work-$name
			rm -rf "$work" && mkdir -p "$work" && cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
			# libFuzzer's own error exit code is 77, our "skip": make it 1
			LSAN_OPTIONS=suppressions=$TOP/fuzz/lsan.supp \
				run_bg "fuzz/$name" $((${FUZZ_SECONDS:-30} + 120)) "$f" \
				-max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
				-error_exitcode=1 -artifact_prefix="$TOP/build/fuzz/$name-" "$work"
		done
		reap_all ;;
	qemu)
		for t in qemu-tests/*_e2e.sh; do
			[ -x "$t" ] || continue
			next_run_id
			RUN_ID=$RUN_ID run_one "qemu/$(basename "$t" .sh)" 1500 "$t"
		done ;;
	*) echo "unknown suite $suite" >&2; exit 2 ;;
	esac
done

wait # the Debian trees' build, if no test waited for it
echo
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]} (logs in $LOGDIR)"
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]

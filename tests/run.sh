#!/bin/bash
# tests/run.sh — run every test: unit (cmocka, sanitized), integration
# (real clients in namespaces), QEMU end to end. Prints one line per test
# and the summary "N passed, N failed, N skipped".
#
#   tests/run.sh [unit|fuzz|integration|qemu ...]   (default: all four)
#   TEST_FILTER=REGEX tests/run.sh             only tests whose name matches
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
LOGDIR=$TOP/build/test-logs
mkdir -p "$LOGDIR"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz integration qemu)

pass=0 failn=0 skipn=0
failed=()

run_one() { # NAME TIMEOUT CMD...
	local name=$1 limit=$2 rc start log
	shift 2
	if [ -n "${TEST_FILTER:-}" ] && ! [[ $name =~ $TEST_FILTER ]]; then return; fi
	start=$SECONDS
	log=$LOGDIR/${name//\//-}.log
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	# a cmocka binary exits 0 when its tests passed or were skipped: one
	# whose tests did not all run is a skip, never a pass
	if [ $rc -eq 0 ] && [[ $name == unit/* ]] && grep -q '^\[  SKIPPED \] [0-9]* test(s), listed below' "$log"; then
		printf 'SKIP: %s skipped: %s\n' \
			"$(sed -n '/listed below/,$s/^\[  SKIPPED \] \(test_[A-Za-z0-9_]*\)$/\1/p' "$log" | paste -sd ' ')" \
			"$(sed -n 's/^skip: //p' "$log" | sort -u | paste -sd ';')" >>"$log"
		rc=77
	fi
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %4ss\n' "$name" $((SECONDS - start)) ;;
	77) skipn=$((skipn + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 '^SKIP' "$log")" ;;
	*)
		failn=$((failn + 1)); failed+=("$name")
		[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		printf 'FAIL  %-40s %4ss (exit %s)\n' "$name" $((SECONDS - start)) "$rc"
		tail -n 25 "$log" | sed 's/^/      | /'
		;;
	esac
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in build/san/tests/test_*; do
			[ -x "$t" ] && run_one "unit/${t##*/}" 300 "$t"
		done ;;
	integration)
		for t in tests/integration/*.sh; do
			[ -x "$t" ] && RUN_ID=$RANDOM run_one "integration/$(basename "$t" .sh)" 600 "$t"
		done ;;
	fuzz)
		# each harness for a bounded time on a copy of its seed corpus
		for f in build/fuzz/fuzz_*; do
			[ -x "$f" ] || continue
			name=${f##*/fuzz_}
			work=$TOP/build/fuzz/work-$name
			rm -rf "$work" && mkdir -p "$work" && cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
			# libFuzzer's own error exit code is 77, our "skip": make it 1
			LSAN_OPTIONS=suppressions=$TOP/fuzz/lsan.supp \
				run_one "fuzz/$name" $((${FUZZ_SECONDS:-30} + 120)) "$f" \
				-max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
				-error_exitcode=1 -artifact_prefix="$TOP/build/fuzz/$name-" "$work"
		done ;;
	qemu)
		for t in qemu-tests/*_e2e.sh; do
			[ -x "$t" ] && RUN_ID=$RANDOM run_one "qemu/$(basename "$t" .sh)" 1500 "$t"
		done ;;
	*) echo "unknown suite $suite" >&2; exit 2 ;;
	esac
done

echo
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]} (logs in $LOGDIR)"
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]

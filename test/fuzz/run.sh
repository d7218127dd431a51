#!/usr/bin/env bash
# Build and run every libFuzzer target test/fuzz/fuzz_*.c for a bounded time.
#
#   test/fuzz/run.sh                   # FUZZ_SECONDS=60 per target
#   FUZZ_SECONDS=600 test/fuzz/run.sh fuzz_numeric   # one target, longer
#
# Each target is built with clang-14 -fsanitize=fuzzer,address,undefined
# (UBSan made fatal) against the pure core sources into test/fuzz/build/,
# and run on a scratch copy of its committed seed corpus
# test/fuzz/corpus/<name>/ (name = file name without "fuzz_" and ".c"), so a
# run never grows the committed corpus.  A crash, a sanitizer report, a
# failed assertion, a timeout or an out-of-memory leaves its input in
# test/fuzz/build/artifacts/ and fails the target.
#
# Environment: FUZZ_SECONDS (default 60) per target; FUZZ_CC (default
# clang-14, then nothing is installed).  Targets run one after the other so
# that the 2-core budget holds.
#
# Prints "ok fuzz <name>: <execs> execs, 0 crashes" or "FAILED fuzz <name>"
# per target and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
case $FUZZ_SECONDS in ''|*[!0-9]*|0) echo "FUZZ_SECONDS must be a positive integer"; echo "0 passed, 1 failed"; exit 2;; esac
CC=${FUZZ_CC:-clang-14}
build=test/fuzz/build
CORE="src/fixed.c src/accrual.c src/status.c src/transition.c src/numeric_codec.c src/strkey.c src/evm.c src/keccak.c src/signature.c"

# sp_log, sp_apt_install; this script counts failures itself, so no -e
source test/lib/common.sh
set +e

# clang-14 and its libFuzzer/sanitizer runtimes, from Debian, if missing
if [ -z "${FUZZ_CC:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
	sp_apt_install clang-14 libclang-rt-14-dev llvm-14 ||
		sp_log "could not install clang-14; trying with what is there"
fi

passed=0
failed=0
mkdir -p "$build/artifacts"
core=()
for f in $CORE; do [ -f "$f" ] && core+=("$f"); done

targets=()
if [ $# -gt 0 ]; then
	for t in "$@"; do t=${t%.c}; t=${t#fuzz_}; targets+=("test/fuzz/fuzz_$t.c"); done
else
	for f in test/fuzz/fuzz_*.c; do [ -f "$f" ] && targets+=("$f"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "FAILED fuzz: no targets in test/fuzz/"
	echo "0 passed, 1 failed"
	exit 1
fi

for src in "${targets[@]}"; do
	base=$(basename "$src" .c)
	name=${base#fuzz_}
	bin=$build/$base
	if ! "$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Isrc -o "$bin" "$src" "${core[@]}" >"$build/$base.build.log" 2>&1; then
		cat "$build/$base.build.log"
		echo "FAILED fuzz $name: does not build"
		failed=$((failed + 1))
		continue
	fi

	scratch=$(mktemp -d)
	if [ -d "test/fuzz/corpus/$name" ]; then
		cp -R "test/fuzz/corpus/$name/." "$scratch/"
	else
		sp_log "no seed corpus test/fuzz/corpus/$name/: starting empty"
	fi
	ncorpus=$(find "$scratch" -type f | wc -l)
	out=$build/$base.log
	# a fresh artifact directory per run, so old crashes are not counted
	art=$build/artifacts/$name
	rm -rf "$art"; mkdir -p "$art"
	sp_log "fuzz $name: ${FUZZ_SECONDS}s from $ncorpus seeds"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$art/" "$scratch" >"$out" 2>&1
	rc=$?
	rm -rf "$scratch"
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$out" | tail -n 1)
	crashes=$(find "$art" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ] && [ "$crashes" -eq 0 ]; then
		echo "ok fuzz $name: $execs execs, 0 crashes"
		passed=$((passed + 1))
		rmdir "$art" 2>/dev/null
	else
		# the sanitizer or assertion report, and where the input is
		grep -E 'ERROR: |assertion failed|runtime error|SUMMARY|Test unit written|deadly signal' "$out" | head -20
		echo "FAILED fuzz $name: exit $rc, ${execs:-?} execs, $crashes crash inputs in $art/ (full log $out; rerun one with: $bin <input>)"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

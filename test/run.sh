#!/usr/bin/env bash
# Command 2 of the README: install what is missing, build with -Werror,
# install, start a throwaway cluster as an unprivileged user, run every test
# suite, and end with "N passed, N failed".  Exit status 0 only if all pass.
#
#   sudo test/run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e

sp_install_deps
sp_build_install || { echo "0 passed, 1 failed"; exit 1; }
sp_start_cluster

passed=0
failed=0
results=$(mktemp)

# add "N passed, N failed" lines found in a suite's output to the totals
tally_lines() {
	local p f
	while read -r p f; do
		passed=$((passed + p)); failed=$((failed + f))
	done < <(sed -nE 's/^([A-Za-z0-9+_ -]+: )?([0-9]+) passed, ([0-9]+) failed.*$/\2 \3/p' "$1")
}

suite() {
	local name=$1; shift
	sp_log "suite: $name"
	"$@" > "$results" 2>&1
	local rc=$?
	cat "$results"
	echo "$name exit=$rc" >> "$SP_PGDATA/suites.log"
	return $rc
}

# 1. unit tests of the pure core (plain, ASan+UBSan, valgrind)
if suite "unit" test/unit/run.sh; then :; else
	grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
fi
tally_lines "$results"

# 2. pg_regress suites against the throwaway cluster
suite "regress" make -s PG_CONFIG="$PG_CONFIG" installcheck
n_ok=$(grep -cE '^(test | )?[a-z_]+ +\.\.\. ok' "$results")
n_bad=$(grep -cE '^(test | )?[a-z_]+ +\.\.\. FAILED' "$results")
passed=$((passed + n_ok)); failed=$((failed + n_bad))
if [ "$n_bad" -gt 0 ] && [ -f regression.diffs ]; then
	head -100 regression.diffs
fi
if [ "$n_bad" -gt 0 ] && [ -f output_iso/regression.diffs ]; then
	head -100 output_iso/regression.diffs
fi
if [ $((n_ok + n_bad)) -eq 0 ]; then failed=$((failed + 1)); fi

# 3. dump/restore through pg_dump and pg_restore
suite "dump/restore" test/dump_restore.sh
passed=$((passed + $(grep -c '^ok ' "$results"))); failed=$((failed + $(grep -c '^FAILED' "$results")))

# 4. differential test of the money core against an independent SQL
#    reference (DIFF_SEED, DIFF_CASES, DIFF_SEQUENCES, DIFF_BUDGET)
if suite "differential" test/differential/run.sh; then :; else
	grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
fi
tally_lines "$results"

# 5. libFuzzer targets over every decoder, FUZZ_SECONDS each (default 60)
if suite "fuzz" test/fuzz/run.sh; then :; else
	grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
fi
tally_lines "$results"

# 6. ALTER EXTENSION UPDATE through every version = a fresh install
suite "upgrade" test/upgrade.sh
passed=$((passed + $(grep -c '^ok ' "$results"))); failed=$((failed + $(grep -c '^FAILED' "$results")))

# 7. the benchmark at smoke size: the harness runs and every baseline
#    agrees with streampay on every row (timings are not judged here)
if suite "bench smoke" env BENCH_SMOKE=1 test/bench/run.sh; then
	echo "ok bench smoke: harness ran, baselines agree with streampay"; passed=$((passed + 1))
else
	echo "FAILED bench smoke"; failed=$((failed + 1))
fi

# 8. kill -9 under load, recover, check every invariant on every row
suite "crash" test/crash.sh
passed=$((passed + $(grep -c '^ok ' "$results"))); failed=$((failed + $(grep -c '^FAILED' "$results")))

rm -f "$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# Command 2 of the README: install what is missing, build with -Werror,
# install, start a throwaway cluster as an unprivileged user, run every test
# suite, and end with "N passed, N failed".  Exit status 0 only if all pass.
#
#   test/run.sh                                  # as root; or: sudo test/run.sh
#   PG_MAJORS="15 18 18-cassert" test/run.sh     # the matrix (.ci/run)
#
# PG_MAJORS lists the servers to test against, each in a fresh cluster:
# "15" is Debian's package; "18" is PostgreSQL 18 built from Debian sid's
# source package and "18-cassert" the same with assertions, both built on
# first use and cached under /var/cache/streampay.  The suites of the pure
# core (unit, differential, fuzz), the benchmark smoke run and the crash
# test and the order-independence property test run once, against the
# first server; the SQL suites (regress,
# isolation, dump/restore, upgrade chain, adversarial) against each.  With
# both 15 and 18 listed, a 15 cluster is also moved to 18 with pg_upgrade;
# with 15 listed, the Debian package is built, installed and tested; with 18
# listed and the vendored Citus source present, test/citus.sh runs the
# suites across a Citus cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e

PG_MAJORS=${PG_MAJORS:-15}
started=$(date +%s)

sp_install_deps

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

# add the "ok"/"FAILED" lines of a suite's output to the totals
tally_ok() {
	passed=$((passed + $(grep -c '^ok ' "$1"))); failed=$((failed + $(grep -c '^FAILED' "$1")))
}

suite() {
	local name=$1; shift
	sp_log "suite: $name (PostgreSQL $pg)"
	"$@" > "$results" 2>&1
	local rc=$?
	cat "$results"
	echo "$name exit=$rc" >> "$SP_PGDATA/suites.log"
	return $rc
}

# A backend crash or an assertion failure anywhere in the server log fails
# the run, whatever the suites printed.
check_server_log() {
	local log=$SP_PGDATA/server.log hits
	hits=$(grep -E 'terminated by signal|TRAP:|was terminated by exception|server process .* exited with exit code [^0]' "$log")
	if [ -z "$hits" ]; then
		echo "ok PostgreSQL $pg: server log has no crash and no assertion failure"; passed=$((passed + 1))
	else
		echo "FAILED PostgreSQL $pg: server log shows a crash or an assertion failure"
		echo "$hits" | head -20; failed=$((failed + 1))
	fi
}

first=1
for pg in $PG_MAJORS; do
	major_passed=$passed
	major_failed=$failed
	if ! sp_use_pg "$pg"; then
		echo "FAILED PostgreSQL $pg: could not install or build the server"; failed=$((failed + 1))
		echo "PostgreSQL $pg: 0 passed, 1 failed"
		continue
	fi
	sp_log "PostgreSQL $pg: $("$PG_CONFIG" --version), $PG_CONFIG"
	if ! sp_build_install; then
		echo "FAILED PostgreSQL $pg: build with -Wall -Wextra -Werror"; failed=$((failed + 1))
		echo "PostgreSQL $pg: 0 passed, 1 failed"
		continue
	fi
	echo "ok PostgreSQL $pg: builds with -Wall -Wextra -Werror and installs"; passed=$((passed + 1))
	sp_start_cluster

	if [ $first = 1 ]; then
		# 1. unit tests of the pure core (plain, ASan+UBSan, valgrind)
		if suite "unit" test/unit/run.sh; then :; else
			grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
		fi
		tally_lines "$results"
	fi

	# 2. pg_regress and isolation suites against the throwaway cluster
	# (16+ prints TAP lines: "ok 1 - schema", "not ok 2 - ...")
	# (separately: one recipe runs both, and stops at the first that fails)
	rm -f regression.diffs output_iso/regression.diffs
	for kind in regress isolation; do
		if [ $kind = regress ]; then
			suite "regress" make -s PG_CONFIG="$PG_CONFIG" ISOLATION= installcheck
		else
			suite "isolation" make -s PG_CONFIG="$PG_CONFIG" REGRESS= installcheck
		fi
		n_ok=$(grep -cE '^((test | )?[a-z_]+ +\.\.\. ok|ok +[0-9]+ +[-+] +[a-z_]+)' "$results")
		n_bad=$(grep -cE '^((test | )?[a-z_]+ +\.\.\. FAILED|not ok +[0-9]+ +[-+] +[a-z_]+)' "$results")
		passed=$((passed + n_ok)); failed=$((failed + n_bad))
		if [ $((n_ok + n_bad)) -eq 0 ]; then failed=$((failed + 1)); fi
	done
	[ -f regression.diffs ] && head -100 regression.diffs
	[ -f output_iso/regression.diffs ] && head -100 output_iso/regression.diffs

	# 3. dump/restore through pg_dump and pg_restore
	suite "dump/restore" test/dump_restore.sh
	tally_ok "$results"

	if [ $first = 1 ]; then
		# 4. differential test of the money core against an independent SQL
		#    reference (DIFF_SEED, DIFF_CASES, DIFF_SEQUENCES, DIFF_BUDGET)
		if suite "differential" test/differential/run.sh; then :; else
			grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
		fi
		tally_lines "$results"

		# 4b. order independence of webhook ingestion: seeded random event
		#     histories, chain order vs shuffled with duplicates (PROP_SEED,
		#     PROP_HISTORIES)
		if suite "property" test/property/run.sh; then :; else
			grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
		fi
		tally_lines "$results"

		# 5. libFuzzer targets over every decoder, FUZZ_SECONDS each (default 60)
		if suite "fuzz" test/fuzz/run.sh; then :; else
			grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
		fi
		tally_lines "$results"

		# 5b. static analysis of src/ (cppcheck, clang-tidy) against this
		#     server's headers
		if suite "lint" test/lint/run.sh; then :; else
			grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
		fi
		tally_lines "$results"
	fi

	# 6. ALTER EXTENSION UPDATE through every version = a fresh install
	suite "upgrade" test/upgrade.sh
	tally_ok "$results"

	# 7. the adversarial suite: every hole of the 0.3.0 review, and variants
	if suite "adversarial" test/adversarial/run.sh; then :; else
		grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
	fi
	tally_lines "$results"

	check_server_log

	if [ $first = 1 ]; then
		# 8. the benchmark at smoke size: the harness runs and every baseline
		#    agrees with streampay on every row (timings are not judged here)
		if suite "bench smoke" env BENCH_SMOKE=1 test/bench/run.sh; then
			echo "ok bench smoke: harness ran, baselines agree with streampay"; passed=$((passed + 1))
		else
			echo "FAILED bench smoke"; failed=$((failed + 1))
		fi

		# 9. kill -9 under load, recover, check every invariant on every row
		suite "crash" test/crash.sh
		tally_ok "$results"
	fi

	sp_stop_cluster
	echo "PostgreSQL $pg: $((passed - major_passed)) passed, $((failed - major_failed)) failed"
	first=0
done

# 10. a major upgrade: a 15 cluster with streampay moved to 18 by pg_upgrade
if [[ " $PG_MAJORS " == *" 15 "* ]] && [[ " $PG_MAJORS " == *" 18 "* ]]; then
	sp_log "suite: pg_upgrade 15 -> 18"
	test/pg_upgrade.sh > "$results" 2>&1
	cat "$results"
	tally_ok "$results"
	grep -qE '^(ok|FAILED) ' "$results" || failed=$((failed + 1))
fi

# 11. the Debian package: built with pg_buildext, lintian-clean, installed,
#     the suites run against the installed package, removed cleanly
#     (test/package.sh; skipped with SP_SKIP_PACKAGE=1)
if [[ " $PG_MAJORS " == *" 15 "* ]] && [ -z "${SP_SKIP_PACKAGE:-}" ]; then
	sp_log "suite: Debian package (PostgreSQL 15)"
	test/package.sh > "$results" 2>&1
	cat "$results"
	grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$results" || failed=$((failed + 1))
	tally_lines "$results"
fi

# 12. Citus (issue 13): a coordinator and two workers on PostgreSQL 18 with
#     the vendored Citus source (../shared/vendor), built once and cached;
#     test/citus.sh says what it checks
citus_tarball=${SP_CITUS_TARBALL:-$SP_ROOT/../shared/vendor/citus-14.0.1.tar.gz}
if [[ " $PG_MAJORS " != *" 18 "* ]]; then
	echo "citus: skipped (PostgreSQL 18 is not in PG_MAJORS)"
elif [ ! -f "$citus_tarball" ]; then
	echo "citus: skipped (no Citus source at $citus_tarball)"
else
	sp_log "suite: Citus (PostgreSQL 18)"
	test/citus.sh > "$results" 2>&1
	cat "$results"
	tally_ok "$results"
	grep -qE '^(ok|FAILED) ' "$results" || failed=$((failed + 1))
fi

rm -f "$results"
echo "run took $(( $(date +%s) - started )) s for PG_MAJORS=\"$PG_MAJORS\""
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# Differential test of the money core: the C functions and the C trigger
# against an independent model of the README's rules in exact SQL numeric
# (reference.sql), over seeded random streams and operation sequences.
#
#   test/differential/run.sh            # against $PGHOST/$PGPORT, or a throwaway cluster
#
# Environment (defaults are what CI runs):
#   DIFF_SEED       seed (default 20250101; "random" picks one).  The seed is
#                   printed first and again on failure: rerun with it to
#                   reproduce.
#   DIFF_CASES      (stream, time) point comparisons (default 1000000)
#   DIFF_SEQUENCES  operation sequences through the trigger (default 20000)
#   DIFF_STEPS      operations per sequence (default 10)
#   DIFF_BUDGET     seconds; once spent, no further sequence step starts
#                   (default 240).  The point comparisons always run in full.
#   DIFF_DB         database to (re)create (default streampay_diff)
#   DIFF_KEEP       set to keep that database after a passing run too
#
# Prints "ok ..." / "FAILED ..." per check and ends with "N passed, N failed".
# The extension must already be installed in the server (make install).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
here=test/differential

DIFF_SEED=${DIFF_SEED:-20250101}
if [ "$DIFF_SEED" = random ]; then DIFF_SEED=$(( (RANDOM << 15) | RANDOM )); fi
DIFF_CASES=${DIFF_CASES:-1000000}
DIFF_SEQUENCES=${DIFF_SEQUENCES:-20000}
DIFF_STEPS=${DIFF_STEPS:-10}
DIFF_BUDGET=${DIFF_BUDGET:-240}
DIFF_DB=${DIFF_DB:-streampay_diff}
batch=100000
for v in DIFF_SEED DIFF_CASES DIFF_SEQUENCES DIFF_STEPS DIFF_BUDGET; do
	case ${!v} in ''|*[!0-9]*) echo "$v must be a non-negative integer"; echo "0 passed, 1 failed"; exit 2;; esac
done

# a server: the caller's, or a throwaway one
if ! psql -X -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
	source test/lib/common.sh
	set +e
	sp_start_cluster || { echo "FAILED differential: no server"; echo "0 passed, 1 failed"; exit 1; }
fi

export PGOPTIONS="-c TimeZone=UTC -c DateStyle=ISO,YMD -c client_min_messages=warning -c max_parallel_workers_per_gather=0"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DIFF_DB" "$@"; }

started=$SECONDS
passed=0
failed=0
check() {	# check NAME OK? DETAIL
	if [ "$2" = 1 ]; then echo "ok differential $1: $3"; passed=$((passed + 1))
	else echo "FAILED differential $1: $3 (DIFF_SEED=$DIFF_SEED)"; failed=$((failed + 1)); fi
}
die() {
	echo "FAILED differential: $* (DIFF_SEED=$DIFF_SEED)"
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
}

echo "differential: DIFF_SEED=$DIFF_SEED DIFF_CASES=$DIFF_CASES DIFF_SEQUENCES=$DIFF_SEQUENCES DIFF_STEPS=$DIFF_STEPS DIFF_BUDGET=$DIFF_BUDGET"

psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DIFF_DB" \
	-c "CREATE DATABASE $DIFF_DB" >/dev/null || die "cannot create database $DIFF_DB"
q -c 'CREATE EXTENSION streampay' >/dev/null || die "CREATE EXTENSION streampay failed (is it installed?)"
q -f $here/reference.sql >/dev/null || die "loading reference.sql failed"
q -f $here/harness.sql >/dev/null || die "loading harness.sql failed"

# 1. point comparisons, in batches to bound memory
bad=0
lo=1
t0=$SECONDS
while [ "$lo" -le "$DIFF_CASES" ]; do
	hi=$((lo + batch - 1)); [ "$hi" -gt "$DIFF_CASES" ] && hi=$DIFF_CASES
	n=$(q -c "SELECT diff.gen_points($DIFF_SEED, $lo, $hi)" -c "SELECT diff.check_points($lo, $hi)") \
		|| die "point batch $lo..$hi did not run"
	bad=$((bad + n))
	lo=$((hi + 1))
done
cov=$(q -F ' ' -c "SELECT * FROM diff.point_coverage()")
read -r c_century c_tiny c_1us c_endfirst c_depfirst c_maxtotal c_capped c_partial <<<"$cov"
check points $([ "$bad" -eq 0 ] && echo 1 || echo 0) \
	"$DIFF_CASES (stream, time) cases, accrued/claimable/refundable/depletion each, $bad mismatches ($((SECONDS - t0)) s)"
echo "  among them: max rate for >= 100 years $c_century, rate 1e-9 $c_tiny, 1-us intervals $c_1us," \
	"end before depletion $c_endfirst, depletion by the end $c_depfirst, total at the maximum $c_maxtotal," \
	"fully accrued $c_capped, partly accrued $c_partial"
# the extremes must actually have been drawn, or the run proves less than it says
if [ "$DIFF_CASES" -ge 100000 ]; then
	ok=1
	for v in $c_century $c_tiny $c_1us $c_endfirst $c_depfirst $c_maxtotal $c_capped $c_partial; do
		[ "$v" -gt 0 ] || ok=0
	done
	check "point coverage" $ok "every extreme occurred"
fi

# 2. operation sequences through the trigger
t0=$SECONDS
n=$(q -c "SELECT diff.seq_init($DIFF_SEED, $DIFF_SEQUENCES)") || die "inserting the sequences' rows did not run"
check inserts $([ "$n" -eq 0 ] && echo 1 || echo 0) "$DIFF_SEQUENCES rows inserted with explicit settlement state, $n differ from the reference"
seq_bad=0
read_bad=0
reads=0
steps_run=0
for k in $(seq 1 "$DIFF_STEPS"); do
	if [ $((SECONDS - started)) -ge "$DIFF_BUDGET" ]; then
		echo "  budget of $DIFF_BUDGET s spent: stopping after step $steps_run of $DIFF_STEPS"
		break
	fi
	last=false; [ "$k" -eq "$DIFF_STEPS" ] && last=true
	n=$(q -c "SELECT diff.seq_step($DIFF_SEED, $k, $last)") || die "sequence step $k did not run"
	seq_bad=$((seq_bad + n))
	out=$(q -F ' ' -c "SELECT * FROM diff.seq_reads($DIFF_SEED, $k)") || die "reads after step $k did not run"
	read -r n_reads n <<<"$out"
	reads=$((reads + n_reads))
	read_bad=$((read_bad + n))
	steps_run=$k
done
stats=$(q -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE cardinality((res).codes) = 0),
                            count(*) FILTER (WHERE cardinality((res).codes) > 0),
                            count(DISTINCT (w).kind), count(*) FILTER (WHERE (res).settles)
                       FROM diff.ops")
read -r n_ops n_acc n_rej n_kinds n_settle <<<"$stats"
check sequences $([ "$seq_bad" -eq 0 ] && [ "$n_ops" -gt 0 ] && echo 1 || echo 0) \
	"$DIFF_SEQUENCES sequences x $steps_run steps = $n_ops UPDATEs ($n_acc accepted, $n_settle of them settling; $n_rej rejected; $n_kinds kinds), $seq_bad mismatches ($((SECONDS - t0)) s)"
check reads $([ "$read_bad" -eq 0 ] && [ "$reads" -gt 0 ] && echo 1 || echo 0) \
	"$reads id-form reads (accrued, claimable, refundable, depletion) between steps, $read_bad mismatches"
# 3. the exact aggregates (0.5.0) over the sequences' final rows
n=$(q -c "SELECT diff.check_aggregates($DIFF_SEED)") || die "the aggregate check did not run"
groups=$(q -c "SELECT count(DISTINCT c % 13) FROM diff.seq WHERE alive")
check aggregates $([ "$n" -eq 0 ] && [ "$groups" -gt 0 ] && echo 1 || echo 0) \
	"streampay_sum_accrued/claimable/refundable over $groups groups of the sequences' rows at 7 times, serial and parallel, over the table row (planned on its columns) and a subquery row (row form): $n groups differ from the reference sums"

q -F ' ' -c "SELECT '  operations: ' || string_agg(kind || ' ' || n || '/' || ok, ', ' ORDER BY kind)
               FROM (SELECT (w).kind, count(*) n, count(*) FILTER (WHERE cardinality((res).codes) = 0) ok
                       FROM diff.ops GROUP BY 1) x" | sed 's/$/ (count\/accepted)/'

if [ "$failed" -gt 0 ]; then
	echo "seed: DIFF_SEED=$DIFF_SEED; first mismatches:"
	q -c "SELECT part || ' case ' || n || coalesce(' step ' || step, '') || ': ' || detail
	        FROM diff.mismatch ORDER BY part, n LIMIT 10"
	first=$(q -c "SELECT n || ' ' || step FROM diff.mismatch WHERE part IN ('sequences', 'reads')
	               ORDER BY step, n LIMIT 1")
	if [ -n "$first" ]; then
		read -r fc fk <<<"$first"
		echo "reproducer for sequence $fc (psql, in a database with the extension):"
		q -c "SELECT * FROM diff.reproducer($fc, $fk)"
	fi
	echo "(the database $DIFF_DB is left in place for inspection)"
elif [ -z "${DIFF_KEEP:-}" ]; then
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DIFF_DB" >/dev/null 2>&1
fi
echo "differential: $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

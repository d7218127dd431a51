#!/usr/bin/env bash
# test/bench/profile.sh: where one workload's time goes, with perf.
#
#   BENCH_KEEP=1 test/bench/run.sh            # leaves its cluster running
#   PGHOST=... PGPORT=... test/bench/profile.sh NAME SECONDS 'SQL' [rollback]
#
# Runs SQL over and over in one backend for SECONDS while `perf record -g`
# samples that backend, then prints the flat profile (self time by shared
# object and symbol) and the call graph of the top entries.  With a 4th
# argument "rollback", each execution is undone (a subtransaction that is
# rolled back), for UPDATE workloads.  Output: test/bench/out/perf_NAME.*
#
# Needs root (or perf_event_paranoid <= 0) to attach to the postgres user's
# backend.  On a VM without hardware counters it samples cpu-clock.

set -euo pipefail

[ $# -ge 3 ] || { sed -n '2,14p' "$0"; exit 2; }
name=$1 secs=$2 sql=$3 mode=${4:-}
out=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/out
mkdir -p "$out"
data=$out/perf_$name.data
export PGDATABASE=${PGDATABASE:-bench}

if [ "$mode" = rollback ]; then
	body="BEGIN EXECUTE \$q\$$sql\$q\$; RAISE SQLSTATE 'BRBK1'; EXCEPTION WHEN SQLSTATE 'BRBK1' THEN NULL; END;"
else
	body="EXECUTE \$q\$$sql\$q\$;"
fi

psql -X -q -v ON_ERROR_STOP=1 > "$out/perf_$name.psql.log" 2>&1 <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\! perf record -F 499 -e cpu-clock -g -p "\$BENCH_PID" -o "$data" -- sleep $secs > "$out/perf_$name.record.log" 2>&1 &
SELECT pg_sleep(0.5);
DO \$do\$
DECLARE
    stop timestamptz := clock_timestamp() + interval '$secs seconds';
    n int := 0;
BEGIN
    WHILE clock_timestamp() < stop LOOP
        $body
        n := n + 1;
    END LOOP;
    RAISE NOTICE 'executions: %', n;
END
\$do\$;
SELECT pg_sleep(1);
SQL

# the reports are cut with head: a closed pipe is not a failure
set +o pipefail
echo "== $name: $sql"
grep -h 'executions' "$out/perf_$name.psql.log" 2>/dev/null || true
perf report -i "$data" --stdio --no-children --sort dso,symbol -g none --percent-limit 0.7 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -40
echo "-- call chains of the entries above 3% (callee first)"
perf report -i "$data" --stdio --no-children --sort dso,symbol -g graph,2,callee \
	--percent-limit 3 2>/dev/null | grep -v '^#' | grep -v '^$' | head -${PERF_LINES:-60}
echo "-- inclusive time (self + callees) of the executor, trigger and streampay entry points"
perf report -i "$data" --stdio --children --sort symbol -g none 2>/dev/null |
	grep -E 'streampay|sp_[a-z_]+|Exec(Scan|Agg|ModifyTable|Update|BRUpdate|ARUpdate|EvalWholeRow|InterpExpr|IndexScan|NestLoop)|heap_update|index_insert|ExecInsertIndexTuples|XLogInsert|plpgsql_exec|exec_stmt|ExecCallTriggerFunc|AfterTrigger' |
	head -${PERF_INCL_LINES:-30}

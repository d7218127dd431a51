#!/usr/bin/env bash
# test/bench/run.sh: the streampay benchmark (issue 4), one command.
#
#   sudo test/bench/run.sh                    # 1M streams, 5 repetitions
#   sudo BENCH_SMOKE=1 test/bench/run.sh      # CI-sized: 20k streams, ~1 minute
#
# It installs what is missing (the test dependencies, gnuplot-nox), builds
# and installs streampay if it is not installed (BENCH_BUILD=1 forces it;
# no `make clean`), starts a throwaway cluster tuned for a benchmark, loads
# BENCH_N streams (deterministic from BENCH_SEED), checks every baseline of
# test/bench/baselines.sql against streampay on the whole data set (a single
# mismatch fails the run with exit 1), then times seven workloads inside the
# server and prints medians and ratios against the baselines measured in the
# same run.  Ratios only: no absolute threshold is ever applied.  They run in
# the order 1 2 3 4 6 7 8 5: workload 5 grows the table.
#
# Environment:
#   BENCH_N                streams to load (default 1000000)
#   BENCH_REPS             timed repetitions per measurement, after one
#                          uncounted warm-up (default 5); the median is reported
#   BENCH_SCALES           table sizes for workload 5 (default
#                          "1000000 2000000 4000000 8000000"); each >= BENCH_N
#   BENCH_IDS              ids for workload 2 (default 100000)
#   BENCH_PGBENCH_SECONDS  length of each pgbench run (default 30)
#   BENCH_PGBENCH_REPS     pgbench runs per variant (default BENCH_REPS)
#   BENCH_SEED             data set seed (default 42)
#   BENCH_WORKLOADS        which workloads to run (default "1 2 3 4 5 6 7 8")
#   BENCH_W8_EVENTS        workload 8a: events of the one stream (default 10000)
#   BENCH_W8_STREAMS       workload 8b: streams of 4 events each (default 10000)
#   BENCH_SMOKE=1          N=20000, REPS=1, SCALES="20000 40000", IDS=10000,
#                          pgbench 5 s
#   BENCH_KEEP=1           leave the cluster running at the end (for perf,
#                          test/bench/profile.sh)
#   BENCH_REPORT_ONLY=1    with PGHOST/PGPORT of a kept cluster: only redo
#                          the report from its bench.results
#
# Output: a table on stdout; test/bench/out/results.csv (one line per
# measurement), out/raw.csv (every repetition), out/targets.csv; copies in
# test/bench/results-latest.{csv,md}; test/bench/workload5.svg drawn by
# test/bench/plot.gp from the CSV.
#
# Every time is the server's own: the "Execution Time" of
# EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON), so client start-up and result
# transfer are not in it.  Workload 6 (pgbench) reports transactions per
# second as pgbench counts them.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

BENCH_DIR=$SP_ROOT/test/bench
OUT=$BENCH_DIR/out

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	BENCH_N=${BENCH_N:-20000}
	BENCH_REPS=${BENCH_REPS:-1}
	BENCH_SCALES=${BENCH_SCALES:-"20000 40000"}
	BENCH_IDS=${BENCH_IDS:-10000}
	BENCH_PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-5}
	BENCH_GATE_SAMPLE=${BENCH_GATE_SAMPLE:-200}
	BENCH_W8_EVENTS=${BENCH_W8_EVENTS:-200}
	BENCH_W8_STREAMS=${BENCH_W8_STREAMS:-50}
fi
BENCH_N=${BENCH_N:-1000000}
BENCH_REPS=${BENCH_REPS:-5}
BENCH_SCALES=${BENCH_SCALES:-"1000000 2000000 4000000 8000000"}
BENCH_IDS=${BENCH_IDS:-100000}
BENCH_PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-30}
BENCH_SEED=${BENCH_SEED:-42}
BENCH_GATE_SAMPLE=${BENCH_GATE_SAMPLE:-1000}
BENCH_WORKLOADS=${BENCH_WORKLOADS:-"1 2 3 4 5 6 7 8"}
BENCH_W8_EVENTS=${BENCH_W8_EVENTS:-10000}
BENCH_W8_STREAMS=${BENCH_W8_STREAMS:-10000}
BENCH_PGBENCH_REPS=${BENCH_PGBENCH_REPS:-$BENCH_REPS}

# The benchmark's fixed time T (UTC).  Every stored last_settled_at is
# before it; the transition workload pauses at T1 = T and resumes at T2.
T='2026-06-01 00:00:00'
T_LATE='2031-01-01 00:00:00'
T1=$T
T2='2026-06-01 01:00:00'

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
runs() { case " $BENCH_WORKLOADS " in *" $1 "*) return 0 ;; esac; return 1; }

[ "$BENCH_N" -ge 10 ] || die "BENCH_N must be at least 10"
[ "$BENCH_REPS" -ge 1 ] || die "BENCH_REPS must be at least 1"
prev=0
for s in $BENCH_SCALES; do
	[ "$s" -ge "$BENCH_N" ] && [ "$s" -ge "$prev" ] ||
		die "BENCH_SCALES must be ascending and each >= BENCH_N ($BENCH_N)"
	prev=$s
done
[ "$(date -u +%s)" -gt "$(date -u -d "$T2" +%s)" ] ||
	die "the system clock is before $T2; the transition workload needs event times in the past"

mkdir -p "$OUT"

export PGDATABASE=bench
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" "$@"; }
settings() {
	q -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit',
		'autovacuum', 'max_parallel_workers_per_gather', 'jit', 'checkpoint_timeout')"
}

so_info() {
	local so
	so="$("$PG_CONFIG" --pkglibdir)/streampay.so"
	echo "$(stat -c '%y' "$so" | cut -d. -f1), md5 $(md5sum "$so" | cut -c1-12)"
}

###########################################################################
# Report: from bench.results, in this run's cluster or (BENCH_REPORT_ONLY=1)
# in a cluster an earlier run kept
###########################################################################

report() {
	local CPU RAM PGV LOAD SETTINGS EXTV
	q -f "$BENCH_DIR/report.sql"
	SETTINGS=$(settings)
	EXTV=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'streampay'")
	q -c "COPY (SELECT * FROM bench.summary ORDER BY workload, ord, scale) TO STDOUT WITH (FORMAT csv, HEADER)" \
		> "$OUT/results.csv"
	q -c "COPY (SELECT workload, variant, scale, rep, ms, tps, rows, vmhwm_kb, shmem_kb, file_kb
		FROM bench.results ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)" > "$OUT/raw.csv"
	q -c "COPY (SELECT * FROM bench.targets ORDER BY target) TO STDOUT WITH (FORMAT csv, HEADER)" \
		> "$OUT/targets.csv"

	CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	RAM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	PGV=$(q -c "SELECT version()")
	LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

	{
		echo "# streampay benchmark: latest result"
		echo
		echo "Command: \`$( [ "${BENCH_SMOKE:-0}" = 1 ] && printf 'BENCH_SMOKE=1 ')BENCH_N=$BENCH_N BENCH_REPS=$BENCH_REPS BENCH_SCALES=\"$BENCH_SCALES\" BENCH_PGBENCH_SECONDS=$BENCH_PGBENCH_SECONDS BENCH_PGBENCH_REPS=$BENCH_PGBENCH_REPS test/bench/run.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "| machine | |"
		echo "|---|---|"
		echo "| CPU | $CPU, $(nproc) cores (nproc) |"
		echo "| RAM | $RAM |"
		echo "| PostgreSQL | $PGV |"
		echo "| settings | $SETTINGS |"
		echo "| streampay | extension $EXTV, streampay.so $SO_INFO |"
		echo "| load average at the end | $LOAD |"
		echo
		echo "Times are the server's execution time (EXPLAIN ANALYZE, TIMING OFF), median"
		echo "of $BENCH_REPS repetitions after one warm-up.  \`x streampay\` is the"
		echo "variant's median divided by streampay's in the same workload and scale:"
		echo "above 1 means streampay is faster.  Workload 6 reports pgbench TPS."
		echo
		q -c "SELECT line FROM bench.markdown_results()"
		echo
		echo "Notes:"
		echo
		if [ -n "${SO_CHANGED:-}" ]; then
		echo "- **WARNING: streampay.so was reinstalled during $SO_CHANGED.** Connections"
		echo "  opened after that loaded the new build, so these results mix two builds."
	fi
	echo "- Correctness gate passed before timing: every baseline equals streampay_accrued"
		echo "  on all $BENCH_N rows at T = $T and at $T_LATE (0 mismatches); the PL/pgSQL"
		echo "  trigger wrote the same rows and raised the same SQLSTATEs as the C trigger"
		echo "  ($(grep -c '^UPDATE\|^INSERT' "$OUT/gate.txt") statements on $BENCH_GATE_SAMPLE streams, and workloads 3 and 4 on every row)."
		echo "- Cluster tuned for a benchmark: synchronous_commit=off, autovacuum off (VACUUM between"
		echo "  repetitions instead), no parallel query (but workload 7's \`streampay_parallel\`), jit off."
		echo "- Workload 2 runs every variant with enable_hashjoin, enable_mergejoin and"
		echo "  enable_memoize off, so the lookup limit is one streams_pkey probe per id, as the"
		echo "  id form does; the ids table is in random order."
		echo "- Workloads 3 and 4: \`streampay\` is the C row trigger (status graph,"
		echo "  settle-before-change and the 0.2.0 validation) with the ledger's AFTER trigger"
		echo "  disabled, which is the work the PL/pgSQL baseline does; \`streampay_ledger\` is"
		echo "  the extension as installed (each status change or settlement also appends to"
		echo "  stream_events).  Each repetition is rolled back and followed by VACUUM."
		echo "- Workload 5: peak RSS is VmHWM of the backend, which includes the shared buffers it"
		echo "  touched; private peak = VmHWM - RssShmem - RssFile at the end of the query."
		echo "- Workload 6 runs the same script (read accrued by id, settle, pause, resume of"
		echo "  random active streams) with streampay (ledger off / on) and with the PL/pgSQL"
		echo "  functions and trigger on the copy table bl.streams."
		echo "- Workload 7 (issue 12) sets max_parallel_workers_per_gather in each measurement: 0,"
		echo "  or 2 for \`streampay_parallel\` (plan checked: Finalize Aggregate / Gather / Partial"
		echo "  Aggregate, 2 workers launched; plans in out/w7_plans.txt).  \`whole_row_scan\` is the"
		echo "  scan plus the row value streampay_sum_accrued(s, t) receives, the aggregate's limit."
		echo "  The account is payer 0 with streams moved to it (payer changed with the triggers"
		echo "  off) until exactly that many name it; both its plan and the fetch limit's read"
		echo "  streams_payer_idx and streams_recipient_idx.  Since 0.6.0 \`streampay\` runs on the"
		echo "  row's columns (the planner hook; the warm-up repetition loads the library) and"
		echo "  \`column_scan\` (the scan deforming those columns) is its limit, and \`column_sum\`,"
		echo "  the numeric sum() of settled_amount, is 7b's sum over the same columns; \`streampay_row_form\`"
		echo "  is the aggregate over a subquery's row, which keeps the row form, as the first"
		echo "  statement of a session without the library preloaded does.  \`notify_on\` / \`notify_off\`: pause then"
		echo "  resume of every active stream as installed, at the transaction time, rolled back"
		echo "  and followed by VACUUM: the NOTIFYs are queued, not delivered (that is at COMMIT)."
		echo
		echo "## Targets (issues 4 and 12), as ratios measured in this run"
		echo
		q -c "SELECT line FROM bench.markdown_targets()"
	} > "$OUT/results.md"

	# a smoke run (CI) checks the harness and the correctness gate; it does
	# not replace the published results
	if [ "${BENCH_SMOKE:-0}" != 1 ]; then
		cp "$OUT/results.csv" "$BENCH_DIR/results-latest.csv"
		cp "$OUT/results.md" "$BENCH_DIR/results-latest.md"
	fi
	if [ "${BENCH_SMOKE:-0}" != 1 ] && grep -q '^w5,' "$OUT/results.csv"; then
		(cd "$BENCH_DIR" && gnuplot -e "csv='$OUT/results.csv'; svg='$BENCH_DIR/workload5.svg'" plot.gp) ||
			sp_log "gnuplot failed; results are in $OUT/results.csv"
	fi

	echo
	sed -n '/^| workload/,$p' "$OUT/results.md"
	echo
	if [ -n "${SO_CHANGED:-}" ]; then
		echo "WARNING: streampay.so was reinstalled during $SO_CHANGED: results mix two builds"
	fi
	if [ "${BENCH_SMOKE:-0}" != 1 ]; then
		echo "CSV: $OUT/results.csv (copied to test/bench/results-latest.csv); table: test/bench/results-latest.md"
	else
		echo "CSV: $OUT/results.csv (smoke run: the published test/bench/results-latest.* are left alone)"
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "cluster kept: PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=bench PGUSER=postgres (SP_PGDATA=${SP_PGDATA:-$PGHOST})"
	fi
}


# BENCH_REPORT_ONLY=1: redo the report (report.sql, CSV, markdown, chart)
# from the cluster a BENCH_KEEP=1 run left, named by PGHOST and PGPORT.
if [ "${BENCH_REPORT_ONLY:-0}" = 1 ]; then
	[ -n "${PGHOST:-}" ] && [ -n "${PGPORT:-}" ] || die "BENCH_REPORT_ONLY=1 needs PGHOST and PGPORT of a kept cluster"
	export PGUSER=${PGUSER:-postgres}
	SO_INFO=$(so_info)
	report
	exit 0
fi

rm -f "$OUT"/*.csv "$OUT"/*.txt "$OUT"/*.sql "$OUT"/*.log

sp_install_deps
sp_apt_install gnuplot-nox procps

PKGLIB=$("$PG_CONFIG" --pkglibdir)
SHAREDIR=$("$PG_CONFIG" --sharedir)
if [ "${BENCH_BUILD:-0}" = 1 ] || [ ! -f "$PKGLIB/streampay.so" ] ||
	[ ! -f "$SHAREDIR/extension/streampay.control" ]; then
	sp_log "building and installing streampay"
	make -C "$SP_ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no >/dev/null
	sp_sudo make -C "$SP_ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no install >/dev/null
else
	sp_log "using the installed $PKGLIB/streampay.so (BENCH_BUILD=1 rebuilds it)"
fi
SO_INFO=$(so_info)
SO_MD5=$(md5sum "$PKGLIB/streampay.so" | cut -c1-12)
SO_CHANGED=

# Another `make install` during the run would give later connections a
# different build: say so instead of mixing two builds silently.
check_so() {
	local now
	now=$(md5sum "$PKGLIB/streampay.so" | cut -c1-12)
	if [ "$now" != "$SO_MD5" ]; then
		sp_log "WARNING: streampay.so was reinstalled during $1 ($SO_MD5 -> $now)"
		SO_CHANGED="${SO_CHANGED:+$SO_CHANGED, }$1 ($SO_MD5 -> $now)"
		SO_MD5=$now
	fi
}

sp_start_cluster
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap - EXIT
fi


# A benchmark configuration: everything in memory, no checkpoint or
# autovacuum in the middle of a measurement, one CPU per query so that the
# ratios compare per-row work.
sp_log "tuning the cluster for a benchmark and restarting it"
q -d postgres <<'SQL'
ALTER SYSTEM SET shared_buffers = '2GB';
ALTER SYSTEM SET work_mem = '64MB';
ALTER SYSTEM SET maintenance_work_mem = '1GB';
ALTER SYSTEM SET max_wal_size = '32GB';
ALTER SYSTEM SET checkpoint_timeout = '1h';
ALTER SYSTEM SET synchronous_commit = off;
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET max_parallel_workers_per_gather = 0;
ALTER SYSTEM SET jit = off;
ALTER SYSTEM SET TimeZone = 'UTC';
SQL
sp_as_pg "$PG_BIN/pg_ctl" -D "$SP_PGDATA/data" -w -l "$SP_PGDATA/server.log" restart >/dev/null
q -d postgres -c 'CREATE DATABASE bench'
q -c 'CREATE EXTENSION streampay' -f "$BENCH_DIR/baselines.sql" -f "$BENCH_DIR/setup.sql"

SETTINGS=$(settings)
EXTV=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'streampay'")
sp_log "streampay $EXTV; settings: $SETTINGS"

###########################################################################
# Data
###########################################################################

# The ledger's AFTER INSERT trigger would write one event per loaded row;
# the load is not measured, and every workload starts from an empty ledger.
load_to() {
	local from=$1 to=$2 step=250000 a b
	q -c "ALTER TABLE public.streams DISABLE TRIGGER streams_streampay_ledger_insert"
	for ((a = from; a < to; a += step)); do
		b=$((a + step < to ? a + step : to))
		q -c "SELECT bench.load($a, $b, '$BENCH_SEED', timestamp '$T')" >/dev/null
	done
	q -c "ALTER TABLE public.streams ENABLE TRIGGER streams_streampay_ledger_insert"
}

sp_log "loading $BENCH_N streams (seed $BENCH_SEED) through the C trigger"
t0=$(date +%s)
q -c "SELECT bench.make_addresses('$BENCH_SEED', 2000, 10000, 500)"
load_to 0 "$BENCH_N"
q <<SQL
ALTER TABLE bl.streams DISABLE TRIGGER streams_bl;
INSERT INTO bl.streams SELECT * FROM public.streams;
ALTER TABLE bl.streams ENABLE TRIGGER streams_bl;
CREATE TABLE bench.ids AS
    SELECT id FROM public.streams
     ORDER BY md5('$BENCH_SEED:ids:' || id::text) LIMIT $BENCH_IDS;
VACUUM ANALYZE public.streams;
VACUUM ANALYZE bl.streams;
VACUUM ANALYZE bench.ids;
CHECKPOINT;
SQL
sp_log "loaded in $(($(date +%s) - t0)) s"

q -F ' | ' > "$OUT/mix.txt" <<SQL
SELECT status,
       count(*) AS streams,
       count(*) FILTER (WHERE end_time IS NULL) AS no_end,
       count(*) FILTER (WHERE start_time > timestamp '$T') AS future_start,
       count(*) FILTER (WHERE settled_amount > 0) AS settled_some,
       min(rate_per_second) AS min_rate, max(rate_per_second) AS max_rate,
       min(total_amount) AS min_total, max(total_amount) AS max_total
  FROM public.streams GROUP BY status ORDER BY status;
SQL
NACTIVE=$(q -c "SELECT count(*) FROM public.streams WHERE status = 'active'")
sp_log "data mix (status | streams | no end | future start | settled some | rates | totals):"
sed 's/^/      /' "$OUT/mix.txt" >&2

###########################################################################
# Correctness gate: nothing is timed unless every baseline agrees exactly
###########################################################################

sp_log "gate: every baseline against streampay_accrued on all $BENCH_N rows"
gate_fail=0
{
	echo "accrued at T = $T, every row (baseline | rows | mismatches):"
	q -F ' | ' -c "SELECT * FROM bench.gate_rows(timestamp '$T', true)"
	echo "accrued at $T_LATE (after most ends), every row:"
	q -F ' | ' -c "SELECT * FROM bench.gate_rows(timestamp '$T_LATE', false)"
} > "$OUT/gate.txt"

sp_log "gate: PL/pgSQL trigger against the C trigger ($BENCH_GATE_SAMPLE streams x each rule, then the workloads on every row)"
{
	echo "trigger rules on $BENCH_GATE_SAMPLE streams (statement | checked | rejected | mismatches):"
	q -F ' | ' -c "SELECT * FROM bench.gate_trigger(timestamp '$T1', $BENCH_GATE_SAMPLE)" 2>"$OUT/gate_warnings.txt"
	echo "whole tables after the same statements (statement | rows differing):"
	q -F ' | ' <<SQL
BEGIN;
SELECT 'copy before any statement', bench.diff_tables();
UPDATE public.streams SET metadata = '{"gate": 1}';
UPDATE bl.streams SET metadata = '{"gate": 1}';
SELECT 'workload 3: metadata on every row', bench.diff_tables();
UPDATE public.streams SET status = 'paused', last_settled_at = timestamp '$T1' WHERE status = 'active';
UPDATE bl.streams SET status = 'paused', last_settled_at = timestamp '$T1' WHERE status = 'active';
SELECT 'workload 4: pause every active stream at T1', bench.diff_tables();
UPDATE public.streams SET status = 'active', last_settled_at = timestamp '$T2'
 WHERE status = 'paused' AND last_settled_at = timestamp '$T1';
UPDATE bl.streams SET status = 'active', last_settled_at = timestamp '$T2'
 WHERE status = 'paused' AND last_settled_at = timestamp '$T1';
SELECT 'workload 4: resume them at T2', bench.diff_tables();
SELECT 'workload 4: resumed streams (expected $NACTIVE) differing from', count(*) - $NACTIVE
  FROM public.streams WHERE last_settled_at = timestamp '$T2';
UPDATE public.streams SET status = 'cancelled' WHERE status IN ('active', 'paused');
UPDATE bl.streams SET status = 'cancelled' WHERE status IN ('active', 'paused');
SELECT 'cancel every active and paused stream now', bench.diff_tables();
ROLLBACK;
SQL
} >> "$OUT/gate.txt"
# every data line ends in its count of mismatches
awk -F ' [|] ' 'NF >= 2 && $NF ~ /^-?[0-9]+$/ && $NF != 0 { bad = 1 } END { exit bad ? 1 : 0 }' \
	"$OUT/gate.txt" || gate_fail=1
echo "== correctness gate =="
cat "$OUT/gate.txt"
if [ -s "$OUT/gate_warnings.txt" ]; then
	sed 's/^/   /' "$OUT/gate_warnings.txt"
fi
if [ "$gate_fail" != 0 ]; then
	echo "bench: FAILED: a baseline differs from streampay (see above); nothing was timed" >&2
	exit 1
fi
echo "gate passed: 0 mismatches"
check_so "the load and the gate"

###########################################################################
# Timing helpers.  Each script interleaves the variants repetition by
# repetition (rep 0 is an uncounted warm-up), so that load from other
# processes falls on all of them alike.
###########################################################################

ROWS=$(q -c "SELECT count(*) FROM public.streams")

# record WORKLOAD VARIANT ORD SCALE REP ROWS QUERY [DESCRIPTION]: psql
# lines that time QUERY (already dollar-quote safe) and store the result,
# with DESCRIPTION (default QUERY) as the statement shown in the report.
record_sql() {
	local w=$1 v=$2 ord=$3 scale=$4 rep=$5 rows=$6 query=$7 desc=${8:-$7}
	cat <<SQL
SELECT bench.time(\$bq\$$query\$bq\$) AS ms \gset
INSERT INTO bench.results (workload, variant, ord, scale, rep, ms, rows, query)
VALUES ('$w', '$v', $ord, $scale, $rep, :ms, $rows, \$bq\$$desc\$bq\$);
SQL
}

# read_workload W ROWS SETUP VARIANT=QUERY ...: timed read-only queries.
# READ_PRE[VARIANT], if set, is run before each measurement of that variant
# and shown with its statement (workload 7 sets
# max_parallel_workers_per_gather per measurement); READ_ROWS[VARIANT], if
# set, replaces ROWS for that variant; READ_WARM[VARIANT], if set, runs the
# query once untimed right before each measurement of it.
declare -A READ_PRE=() READ_ROWS=() READ_WARM=()
read_workload() {
	local w=$1 rows=$2 setup=$3 script=$OUT/$1.sql rep ord spec v pre
	shift 3
	echo "$setup" > "$script"
	for ((rep = 0; rep <= BENCH_REPS; rep++)); do
		ord=0
		for spec in "$@"; do
			ord=$((ord + 1))
			v=${spec%%=*}
			pre=${READ_PRE[$v]:-}
			[ -n "$pre" ] && echo "$pre" >> "$script"
			[ -n "${READ_WARM[$v]:-}" ] &&
				echo "SELECT bench.time(\$bq\$${spec#*=}\$bq\$) AS untimed \\gset" >> "$script"
			record_sql "$w" "$v" "$ord" "$ROWS" "$rep" "${READ_ROWS[$v]:-$rows}" "${spec#*=}" \
				"${pre:+$pre }${spec#*=}" >> "$script"
		done
	done
	q -f "$script"
}

# write_workload W ROWS [FIRST_ORD VARIANT ...]: the statements in STMTS
# (with @TABLE@ for the table) under each trigger set-up, each repetition in
# a transaction that is rolled back, then VACUUM so every repetition starts
# from the same table.  The variants (default: the first four, ord from 1):
#   streampay         the C row trigger (status graph, settle-before-change,
#                     validation); the 0.2.0 ledger trigger disabled, so it
#                     does the work the PL/pgSQL baseline does
#   streampay_ledger  as installed: plus the AFTER trigger that appends each
#                     event to stream_events
#   no_trigger        every trigger disabled: the plain UPDATE
#   plpgsql_trigger   bl.streams with the PL/pgSQL trigger of baselines.sql
#   notify_on         as installed, streampay.notify = on (workload 7)
#   notify_off        as installed, streampay.notify = off (workload 7)
write_workload() {
	local w=$1 rows=$2 script=$OUT/$1.sql rep ord ord0=${3:-1} v tbl vac pre stmt i
	local variants=(streampay streampay_ledger no_trigger plpgsql_trigger)
	# with its own variants, it shares W with read_workload: keep both scripts
	[ $# -gt 3 ] && variants=("${@:4}") script=$OUT/$1_updates.sql
	: > "$script"
	for ((rep = 0; rep <= BENCH_REPS; rep++)); do
		ord=$((ord0 - 1))
		for v in "${variants[@]}"; do
			ord=$((ord + 1))
			case $v in
			streampay) tbl=public.streams pre='ALTER TABLE public.streams DISABLE TRIGGER streams_streampay_ledger_update;' ;;
			streampay_ledger) tbl=public.streams pre= ;;
			no_trigger) tbl=public.streams pre='ALTER TABLE public.streams DISABLE TRIGGER USER;' ;;
			plpgsql_trigger) tbl=bl.streams pre= ;;
			notify_on) tbl=public.streams pre='SET LOCAL streampay.notify = on;' ;;
			notify_off) tbl=public.streams pre='SET LOCAL streampay.notify = off;' ;;
			*) die "write_workload: unknown variant $v" ;;
			esac
			# the NOTIFY pair also vacuums the ledger, so that neither
			# meets the dead events of the other's rolled-back repetitions
			vac=$tbl
			case $v in notify_*) vac="$tbl, public.stream_events" ;; esac
			echo "BEGIN; $pre" >> "$script"
			i=0
			for stmt in "${STMTS[@]}"; do
				i=$((i + 1))
				echo "SELECT bench.time(\$bq\$${stmt//@TABLE@/$tbl}\$bq\$) AS ms$i \gset" >> "$script"
			done
			echo "ROLLBACK;" >> "$script"
			local sum=":ms1" desc="${STMTS[0]//@TABLE@/$tbl}"
			for ((i = 2; i <= ${#STMTS[@]}; i++)); do
				sum="$sum + :ms$i"
				desc="$desc; ${STMTS[$((i - 1))]//@TABLE@/$tbl}"
			done
			[ -n "$pre" ] && desc="$pre $desc"
			cat >> "$script" <<SQL
INSERT INTO bench.results (workload, variant, ord, scale, rep, ms, rows, query)
VALUES ('$w', '$v', $ord, $ROWS, $rep, $sum, $rows, \$bq\$$desc\$bq\$);
VACUUM $vac;
SQL
		done
	done
	q -f "$script"
}

EXPR="s.settled_amount + CASE WHEN s.status = 'active' THEN greatest(0, least(s.total_amount - s.settled_amount, trunc(s.rate_per_second * extract(epoch FROM least(timestamp '$T', s.end_time) - greatest(s.last_settled_at, s.start_time)), 9))) ELSE 0 END"
W1_VARIANTS=(
	"streampay=SELECT sum(public.streampay_accrued(s, timestamp '$T')) FROM public.streams s"
	"sql_expr=SELECT sum($EXPR) FROM public.streams s"
	"sql_func=SELECT sum(bl.accrued_sql(s, timestamp '$T')) FROM public.streams s"
	"plpgsql_func=SELECT sum(bl.accrued_plpgsql(s, timestamp '$T')) FROM public.streams s"
	"scan_limit=SELECT sum(s.total_amount) FROM public.streams s"
)

###########################################################################
# Workloads
###########################################################################

if runs 1; then
	sp_log "workload 1: accrued of every row, row form ($ROWS rows x $BENCH_REPS reps)"
	read_workload w1 "$ROWS" "" "${W1_VARIANTS[@]}"
fi
check_so "workload 1"

if runs 2; then
	NIDS=$(q -c "SELECT count(*) FROM bench.ids")
	# The planner would hash-join 100k ids with a full scan of streams; the
	# lookup limit must be what the id form does, one primary-key probe per
	# id, so hash and merge joins (and memoize) are off for every variant.
	W2_SETUP="SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_memoize = off;"
	q -c "$W2_SETUP" -c "EXPLAIN (COSTS OFF) SELECT sum(s.total_amount) FROM bench.ids i JOIN public.streams s USING (id)" \
		> "$OUT/w2_plan.txt"
	grep -q 'Index Scan using streams_pkey' "$OUT/w2_plan.txt" ||
		die "workload 2: the lookup limit does not probe streams_pkey: $(cat "$OUT/w2_plan.txt")"
	sp_log "workload 2: accrued of $NIDS random ids, by id ($BENCH_REPS reps)"
	read_workload w2 "$NIDS" "$W2_SETUP" \
		"streampay=SELECT sum(public.streampay_accrued(i.id, timestamp '$T')) FROM bench.ids i" \
		"lookup_limit=SELECT sum(s.total_amount) FROM bench.ids i JOIN public.streams s USING (id)" \
		"sql_func_id=SELECT sum(bl.accrued_sql_id(i.id, timestamp '$T')) FROM bench.ids i" \
		"plpgsql_func_id=SELECT sum(bl.accrued_plpgsql_id(i.id, timestamp '$T')) FROM bench.ids i"
fi
check_so "workload 2"

if runs 3; then
	sp_log "workload 3: UPDATE metadata of every row ($ROWS rows x 4 trigger set-ups x $BENCH_REPS reps, VACUUM between)"
	STMTS=("UPDATE @TABLE@ SET metadata = '{\"note\": \"bench\"}'")
	write_workload w3 "$ROWS"
fi
check_so "workload 3"

if runs 4; then
	sp_log "workload 4: pause then resume every active stream ($NACTIVE rows, 2 statements, 4 trigger set-ups x $BENCH_REPS reps)"
	STMTS=("UPDATE @TABLE@ SET status = 'paused', last_settled_at = timestamp '$T1' WHERE status = 'active'"
		"UPDATE @TABLE@ SET status = 'active', last_settled_at = timestamp '$T2' WHERE status = 'paused' AND last_settled_at = timestamp '$T1'")
	write_workload w4 $((2 * NACTIVE))
fi
check_so "workload 4"

if runs 6; then
	# Active streams are n = 10k + (k mod 7); the id of stream n is
	# md5(seed:id:n).  Event times are implicit (the transaction time, never
	# before last_settled_at) or greatest(last_settled_at, now), so two
	# clients touching the same stream never run its clock backwards.
	NK=$((BENCH_N / 10))
	ID="md5('$BENCH_SEED:id:' || :n@)::uuid"
	for v in c pl; do
		if [ $v = c ]; then read="SELECT streampay_accrued(${ID//@/1});"
		else read="SELECT bl.accrued_plpgsql_id(${ID//@/1}, timezone('UTC', now()));"; fi
		cat > "$OUT/pgbench_$v.sql" <<SQL
\set k1 random(0, :nk - 1)
\set k2 random(0, :nk - 1)
\set k3 random(0, :nk - 1)
\set n1 10 * :k1 + :k1 % 7
\set n2 10 * :k2 + :k2 % 7
\set n3 10 * :k3 + :k3 % 7
$read
UPDATE streams SET last_settled_at = greatest(last_settled_at, timezone('UTC', now())) WHERE id = ${ID//@/2};
UPDATE streams SET status = 'paused' WHERE id = ${ID//@/3};
UPDATE streams SET status = 'active' WHERE id = ${ID//@/3};
SQL
	done
	sp_log "workload 6: pgbench, 2 clients, ${BENCH_PGBENCH_SECONDS} s per run, $BENCH_PGBENCH_REPS runs per variant"
	for ((rep = 1; rep <= BENCH_PGBENCH_REPS; rep++)); do
		ord=0
		for v in streampay streampay_ledger plpgsql; do
			ord=$((ord + 1))
			f=$OUT/pgbench_c.sql opts='-c search_path=public'
			[ $v = plpgsql ] && f=$OUT/pgbench_pl.sql opts='-c search_path=bl,public'
			[ $v = streampay ] && q -c "ALTER TABLE public.streams DISABLE TRIGGER streams_streampay_ledger_update"
			PGOPTIONS="$opts" pgbench -n -c 2 -j 2 -T "$BENCH_PGBENCH_SECONDS" -D nk="$NK" -f "$f" \
				> "$OUT/pgbench_${v}_$rep.log" 2>&1 ||
				die "pgbench failed: $(tail -5 "$OUT/pgbench_${v}_$rep.log")"
			q -c "ALTER TABLE public.streams ENABLE TRIGGER streams_streampay_ledger_update"
			tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$OUT/pgbench_${v}_$rep.log")
			txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$OUT/pgbench_${v}_$rep.log")
			[ -n "$tps" ] || die "no tps in $OUT/pgbench_${v}_$rep.log"
			q -c "INSERT INTO bench.results (workload, variant, ord, scale, rep, tps, rows, query)
				VALUES ('w6', '$v', $ord, $ROWS, $rep, $tps, $txns, \$bq\$$(basename "$f") (PGOPTIONS=$opts)\$bq\$)"
		done
	done
fi
check_so "workload 6"

if runs 7; then
	# Issue 12: the exact aggregates, the per-account view and the NOTIFY of
	# every ledger event.  The cluster has max_parallel_workers_per_gather = 0
	# system-wide; every measurement here sets it itself.
	W7_SERIAL='SET max_parallel_workers_per_gather = 0;'
	W7_PARALLEL='SET max_parallel_workers_per_gather = 2;'
	W7_AGG="SELECT public.streampay_sum_accrued(s, timestamp '$T') FROM public.streams s"

	# The account: payer 0 of bench.addresses (BENCH_N / 2000 streams as
	# payer, none as recipient: the pools differ), given other streams (or
	# relieved of some, above 2M rows) until exactly ACC_N streams name it.
	# The triggers refuse a new payer, so they are off for this one
	# transaction.  bl.streams is left as loaded: nothing after this compares
	# the two tables (the gate ran before every workload; workload 5 reads
	# public.streams only).
	ACC_N=1000
	[ "$ROWS" -lt $((2 * ACC_N)) ] && ACC_N=$((ROWS / 2))
	ACCOUNT=$(q -c "SELECT addr FROM bench.addresses WHERE kind = 'payer' AND i = 0")
	OTHER=$(q -c "SELECT addr FROM bench.addresses WHERE kind = 'payer' AND i = 1")
	sp_log "workload 7: giving payer 0 ($ACCOUNT) exactly $ACC_N streams"
	q <<SQL
BEGIN;
ALTER TABLE public.streams DISABLE TRIGGER USER;
UPDATE public.streams s SET payer = '$ACCOUNT'
 WHERE s.id IN (SELECT x.id FROM public.streams x
                 WHERE x.payer <> '$ACCOUNT' AND x.recipient <> '$ACCOUNT'
                 ORDER BY md5('$BENCH_SEED:account:' || x.id::text)
                 LIMIT greatest(0, $ACC_N - (SELECT count(*) FROM public.streams y
                                              WHERE y.payer = '$ACCOUNT' OR y.recipient = '$ACCOUNT')));
UPDATE public.streams s SET payer = '$OTHER'
 WHERE s.id IN (SELECT x.id FROM public.streams x
                 WHERE x.payer = '$ACCOUNT' AND x.recipient <> '$ACCOUNT'
                 ORDER BY md5('$BENCH_SEED:account:' || x.id::text)
                 LIMIT greatest(0, (SELECT count(*) FROM public.streams y
                                     WHERE y.payer = '$ACCOUNT' OR y.recipient = '$ACCOUNT') - $ACC_N));
ALTER TABLE public.streams ENABLE TRIGGER USER;
COMMIT;
VACUUM ANALYZE public.streams;
SQL
	got=$(q -c "SELECT count(*) FROM public.streams WHERE payer = '$ACCOUNT' OR recipient = '$ACCOUNT'")
	[ "$got" = "$ACC_N" ] || die "workload 7: the account has $got streams, not $ACC_N"
	W7_ACCOUNT="SELECT * FROM public.streampay_account('$ACCOUNT', timestamp '$T')"
	W7_FETCH="SELECT sum(s.total_amount) FROM public.streams s WHERE s.recipient = '$ACCOUNT' UNION ALL SELECT sum(s.total_amount) FROM public.streams s WHERE s.payer = '$ACCOUNT'"

	# Plans.  The parallel variant must be Finalize Aggregate / Gather /
	# Partial Aggregate with both workers launched.  The planner chooses it
	# by itself at 1M rows; on a small table (the smoke run's 20k) it keeps
	# the serial plan (a parallel scan divides the CPU cost, not the I/O
	# cost), so then, and only then, the parallel costs are set to zero:
	# that changes the plan's choice, not its execution, and the statement
	# in the report says so.
	plan_shape() { grep -oE 'Finalize Aggregate|Gather|Partial Aggregate' | paste -sd/; }
	q -c "$W7_PARALLEL" -c "EXPLAIN (COSTS OFF) $W7_AGG" > "$OUT/w7_plans.txt"
	if [ "$(plan_shape < "$OUT/w7_plans.txt")" != "Finalize Aggregate/Gather/Partial Aggregate" ]; then
		W7_PARALLEL="$W7_PARALLEL SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
		sp_log "workload 7: the planner keeps streampay_sum_accrued serial at $ROWS rows; the parallel variant sets the parallel costs to 0"
	fi
	q -c "$W7_PARALLEL" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $W7_AGG" > "$OUT/w7_plans.txt"
	[ "$(plan_shape < "$OUT/w7_plans.txt")" = "Finalize Aggregate/Gather/Partial Aggregate" ] ||
		die "workload 7: with $W7_PARALLEL streampay_sum_accrued is not Finalize Aggregate / Gather / Partial Aggregate (is the aggregate PARALLEL SAFE with combine/serialize functions?): $(cat "$OUT/w7_plans.txt")"
	grep -q 'Workers Launched: 2' "$OUT/w7_plans.txt" ||
		die "workload 7: the parallel plan did not launch 2 workers (max_worker_processes, max_parallel_workers?): $(cat "$OUT/w7_plans.txt")"
	# account and its limit: both read streams_payer_idx and streams_recipient_idx
	for spec in "account=$W7_ACCOUNT" "account_fetch_limit=$W7_FETCH"; do
		q -c "$W7_SERIAL" -c "EXPLAIN (COSTS OFF) ${spec#*=}" > "$OUT/w7_plan_${spec%%=*}.txt"
		grep -q streams_payer_idx "$OUT/w7_plan_${spec%%=*}.txt" &&
			grep -q streams_recipient_idx "$OUT/w7_plan_${spec%%=*}.txt" ||
			die "workload 7: ${spec%%=*} does not read both streams_payer_idx and streams_recipient_idx: $(cat "$OUT/w7_plan_${spec%%=*}.txt")"
		{ echo "== ${spec%%=*}"; cat "$OUT/w7_plan_${spec%%=*}.txt"; } >> "$OUT/w7_plans.txt"
		rm -f "$OUT/w7_plan_${spec%%=*}.txt"
	done
	# the two GROUP BY forms should aggregate the same way (hash or sort)
	for agg in "public.streampay_sum_accrued(s, timestamp '$T')" "sum(public.streampay_accrued(s, timestamp '$T'))"; do
		echo "== GROUP BY recipient: $agg"
		q -c "$W7_SERIAL" -c "EXPLAIN (COSTS OFF) SELECT recipient, $agg FROM public.streams s GROUP BY recipient"
	done >> "$OUT/w7_plans.txt"
	[ "$(grep -A1 '^== GROUP BY' "$OUT/w7_plans.txt" | grep -v '^==\|^--' | sort -u | wc -l)" = 1 ] ||
		sp_log "WARNING: workload 7: the two GROUP BY recipient forms have different plans (see $OUT/w7_plans.txt)"

	sp_log "workload 7: exact aggregates ($ROWS rows), GROUP BY recipient, an account of $ACC_N streams ($BENCH_REPS reps)"
	# The account and its fetch limit each run once untimed right before
	# their measurement (READ_WARM): the first statement after a 1M-row one
	# pays about 0.5 ms more whatever it is (measured: the fetch limit went
	# from 0.34 to 0.65-0.94 ms when it came first), and in this order that
	# was always the account, so the ratio measured the order.
	READ_PRE=([streampay]=$W7_SERIAL [sum_per_row]=$W7_SERIAL [scan_limit]=$W7_SERIAL
		[whole_row_scan]=$W7_SERIAL [streampay_parallel]=$W7_PARALLEL
		[group_recipient]=$W7_SERIAL [group_recipient_hand]=$W7_SERIAL
		[account]=$W7_SERIAL [account_fetch_limit]=$W7_SERIAL
		[column_scan]=$W7_SERIAL [column_sum]=$W7_SERIAL [streampay_row_form]=$W7_SERIAL)
	READ_WARM=([account]=1 [account_fetch_limit]=1)
	READ_ROWS=([account]=$ACC_N [account_fetch_limit]=$ACC_N)
	# whole_row_scan: the scan plus building the row value the aggregate
	# takes (streampay_sum_accrued(s, t) receives the whole row; the planner
	# support that gives streampay_accrued the columns does not apply to an
	# aggregate): the limit of the aggregate as declared.
	# Since 0.6.0 a planner hook gives the aggregate over a table row the
	# columns instead (src/agg_rewrite.c): its limit is column_scan, the scan
	# deforming the columns it reads (settled_amount is column 16) with the
	# cheapest aggregate, and column_sum the numeric sum() of that column
	# (what 7b compares, over the same columns).  streampay_row_form is the aggregate over a
	# subquery's row, which keeps the row form: what the first statement of
	# a session gets before the library is loaded.
	read_workload w7 "$ROWS" "" \
		"streampay=$W7_AGG" \
		"sum_per_row=SELECT sum(public.streampay_accrued(s, timestamp '$T')) FROM public.streams s" \
		"scan_limit=SELECT sum(s.total_amount) FROM public.streams s" \
		"whole_row_scan=SELECT count(s) FROM public.streams s" \
		"streampay_parallel=$W7_AGG" \
		"group_recipient=SELECT recipient, public.streampay_sum_accrued(s, timestamp '$T') FROM public.streams s GROUP BY recipient" \
		"group_recipient_hand=SELECT recipient, sum(public.streampay_accrued(s, timestamp '$T')) FROM public.streams s GROUP BY recipient" \
		"account=$W7_ACCOUNT" \
		"account_fetch_limit=$W7_FETCH" \
		"column_scan=SELECT count(s.settled_amount) FROM public.streams s" \
		"column_sum=SELECT sum(s.settled_amount) FROM public.streams s" \
		"streampay_row_form=SELECT public.streampay_sum_accrued(s, timestamp '$T') FROM (SELECT * FROM public.streams OFFSET 0) s"
	READ_PRE=() READ_ROWS=() READ_WARM=()

	# NOTIFY: pause then resume every active stream as installed (C trigger
	# and ledger), streampay.notify on against off.  Each repetition is
	# rolled back, so the notifications are only queued (Async_Notify: the
	# payload, the duplicate check, the pending list), never written to the
	# notify queue or delivered; queueing is what the ledger trigger adds to
	# the statement, and delivery happens at COMMIT, outside any statement's
	# execution time.  The event time is the transaction's: pgbench
	# (workload 6) settles streams at the current time, after T2, and the
	# trigger never moves a stream's clock backwards.
	NACTIVE7=$(q -c "SELECT count(*) FROM public.streams WHERE status = 'active'")
	sp_log "workload 7: pause then resume every active stream ($NACTIVE7 rows), streampay.notify on / off ($BENCH_REPS reps)"
	STMTS=("UPDATE @TABLE@ SET status = 'paused', last_settled_at = timezone('UTC', now()) WHERE status = 'active'"
		"UPDATE @TABLE@ SET status = 'active', last_settled_at = timezone('UTC', now()) WHERE status = 'paused' AND last_settled_at = timezone('UTC', now())")
	write_workload w7 $((2 * NACTIVE7)) 10 notify_on notify_off
fi
check_so "workload 7"

if runs 8; then
	# the 0.5.0 streampay_ingest as released: the in-order baseline
	sed -n '/^CREATE OR REPLACE FUNCTION @extschema@.streampay_ingest(payload text, signature text)/,/^\$\$;/p' \
		"$SP_ROOT/sql/streampay--0.4.0--0.5.0.sql" |
		sed 's/@extschema@/public/g; s/^CREATE OR REPLACE FUNCTION public.streampay_ingest(/CREATE FUNCTION bench.ingest_050(/' \
		> "$OUT/ingest_050.sql"
	grep -q '^CREATE FUNCTION bench.ingest_050(' "$OUT/ingest_050.sql" || die "workload 8: could not extract the 0.5.0 streampay_ingest"
	q -f "$BENCH_DIR/ingest.sql" -f "$OUT/ingest_050.sql" >/dev/null
	q >/dev/null <<'SQL'
-- the library defines the setting: load it before ALTER SYSTEM names it
SELECT public.streampay_sign('load', 'the library');
DO $$ BEGIN
  EXECUTE format('COPY (VALUES (%L)) TO PROGRAM %L', 'whsec_bench',
                 'rm -f streampay_bench.key && umask 077 && cat > streampay_bench.key');
END $$;
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_bench.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SQL
	for spec in "w8a $BENCH_W8_EVENTS 1" "w8b $((BENCH_W8_STREAMS * 4)) $BENCH_W8_STREAMS"; do
		read -r w n streams <<< "$spec"
		sp_log "workload 8 ($w): $n webhook deliveries on $streams stream(s): 0.5.0 in order, in order, 10% late ($BENCH_REPS reps)"
		for ((rep = 0; rep <= BENCH_REPS; rep++)); do
			q -c "SELECT bench.w8_prepare('$w', $n, $streams, $rep, 0.42)" >/dev/null
			ord=0
			for v in ingest_050 streampay late_10pct; do
				ord=$((ord + 1))
				q -c "CALL bench.w8_run('$w', '$v', $ord, $rep, $n)"
			done
			got=$(q -c "SELECT bench.w8_check('$w', $rep)")
			[[ "$got" == *" differing 0 bad_sums 0 parked 0" ]] ||
				die "workload 8 ($w, rep $rep): the three deliveries do not end in the same state: $got"
		done
	done
	q -c "SELECT public.streampay_sign('load', 'the library')" -c "ALTER SYSTEM RESET streampay.webhook_secret_file" \
		-c "SELECT pg_reload_conf()" >/dev/null
fi
check_so "workload 8"

if runs 5; then
	current=$ROWS
	for scale in $BENCH_SCALES; do
		if [ "$current" -lt "$scale" ]; then
			sp_log "workload 5: growing streams to $scale rows"
			load_to "$current" "$scale"
			q -c "VACUUM ANALYZE public.streams" -c "CHECKPOINT"
			current=$scale
		fi
		sp_log "workload 5: workload 1 at $scale rows, a fresh connection per measurement"
		for ((rep = 0; rep <= BENCH_REPS; rep++)); do
			ord=0
			for spec in "${W1_VARIANTS[@]}"; do
				ord=$((ord + 1))
				query=${spec#*=}
				q <<SQL
SELECT bench.time(\$bq\$$query\$bq\$) AS ms \gset
INSERT INTO bench.results (workload, variant, ord, scale, rep, ms, rows, vmhwm_kb, shmem_kb, file_kb, query)
SELECT 'w5', '${spec%%=*}', $ord, $scale, $rep, :ms, $scale, m.*, \$bq\$$query\$bq\$
  FROM bench.memory() m;
SQL
			done
		done
	done
fi
check_so "workload 5"

report

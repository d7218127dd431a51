#!/usr/bin/env bash
# kill -9 under load: every invariant holds on every row after crash
# recovery, and nothing committed is lost.
#
# Needs the running throwaway cluster of test/lib/common.sh: PGHOST (its
# socket directory), PGPORT, PGUSER, and SP_PGDATA (the cluster's data
# directory is $SP_PGDATA/data, owned by the OS user postgres).
#
# Each round runs a pgbench load of transitions and settlements through the
# SQL API (the forms without "at": transaction time), kills the server with
# SIGKILL mid-load, restarts it, waits for crash recovery and checks:
#   - every row: legal status, 0 <= settled <= total, accrued + refundable
#     = total, last_settled_at not in the future, nothing accruing on a
#     paused or terminal row, the ledger's deltas summing to settled_amount;
#   - every committed operation: crash_op() logs each one, with the row as
#     it left it, in committed_ops inside the same transaction.  Each logged
#     row state must follow from the previous one by the README's money
#     rules, recomputed here in SQL numeric (a second implementation), and
#     each stream must still equal the state its last committed operation
#     left.  pgbench's own per-transaction log says which commits were
#     acknowledged: each of them must be in committed_ops.
#   - every btree index and heap of the database (amcheck).
# Odd rounds kill the postmaster and all its children at once (all
# in-flight work dies); even rounds kill only the postmaster, whose backends
# may then still commit before they notice (CRASH_KILL=all|postmaster
# forces one mode).
#
# Prints one "ok <check>" / "FAILED <check>" line per check and a summary;
# exits non-zero on any violation.  The cluster is left running.
#
#   CRASH_LOAD_SECONDS  total seconds of load over all rounds (default 20)
#   CRASH_ROUNDS        crash/recover cycles (default 2)
#   CRASH_CLIENTS       pgbench clients (default 4)
#   CRASH_STREAMS       streams (default 3000)
set -uo pipefail
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e

: "${PGHOST:?PGHOST must name the socket directory of the cluster}"
: "${PGPORT:?}" "${SP_PGDATA:?SP_PGDATA must name the throwaway cluster directory}"
export PGUSER=${PGUSER:-postgres}
load_seconds=${CRASH_LOAD_SECONDS:-20}
rounds=${CRASH_ROUNDS:-2}
clients=${CRASH_CLIENTS:-4}
nstreams=${CRASH_STREAMS:-3000}
kill_mode=${CRASH_KILL:-alternate}
db=streampay_crash
pgdata=$SP_PGDATA/data
round_seconds=$(( (load_seconds + rounds - 1) / rounds ))
[ "$round_seconds" -ge 1 ] || round_seconds=1

work=$(mktemp -d)
chmod 755 "$work"
violations=0
failures=0

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
psql_v() { psql -X -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

server_up() {
	psql -X -At -d postgres -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null | grep -qx t
}

start_server() {
	# the options of sp_start_cluster
	sp_as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -w -t 300 -l "$SP_PGDATA/server.log" \
		-o "-p $PGPORT -k $PGHOST -c listen_addresses=''" start > "$work/pg_ctl.out" 2>&1 ||
		{ cat "$work/pg_ctl.out" >&2; return 1; }
}

# crash recoveries the server has logged so far
recoveries() { grep -c 'database system was not properly shut down' "$SP_PGDATA/server.log"; }

# whatever happens, later suites get a running cluster back
finish() {
	if ! server_up; then
		sp_log "crash.sh: restarting the cluster"
		start_server
	fi
	rm -rf "$work"
}
trap finish EXIT

report() {						# report NAME VIOLATIONS [DETAIL]
	if [ "$2" = 0 ]; then
		echo "ok $1${3:+ ($3)}"
	else
		echo "FAILED $1: $2 violation(s)${3:+ ($3)}"
		failures=$((failures + 1))
		if [[ "$2" =~ ^[0-9]+$ ]]; then violations=$((violations + $2)); else violations=$((violations + 1)); fi
	fi
}

# check NAME SQL: SQL returns the number of violations
check() {
	local n
	n=$(psql_v -c "$2" 2>&1)
	[[ "$n" =~ ^[0-9]+$ ]] || { report "$1" "error" "$n"; return; }
	report "$1" "$n"
}

###########################################################################
# Set-up: streams, the operation log and the load's one entry point
###########################################################################
server_up || { echo "FAILED server not running at $PGHOST:$PGPORT"; exit 1; }
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" ||
	{ echo "FAILED create database $db"; exit 1; }

psql_q -v nstreams="$nstreams" >/dev/null <<'SQL' || { echo "FAILED set-up"; exit 1; }
SET TimeZone = 'UTC';
CREATE EXTENSION streampay;
CREATE EXTENSION amcheck;
SELECT setseed(0.5);

-- stream n has a fixed id, so the load can name it without a lookup
CREATE FUNCTION crash_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
    RETURN ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid;

-- 90% active, 10% paused; some not yet started, some ending during the
-- load, some with a total small enough to run dry
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time, total_amount)
SELECT crash_id(g),
       (ARRAY['GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD', 'GBVLT4PLR56THCHU7HKYN5TOTH6VICAN6LCEN4HFQZULBHAIUFW5ATHK', 'GAAV67TLYWXK6SBXEQEJ5ESSZQJ3KCKRU23JIESSE5S475GXQAYG4SSO'])[g % 3 + 1],
       (ARRAY['GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S', 'GD5YJDEZXGSD5R4GNIR6UAAMDE42C2HV74LTCSQLRDD344I5P335AIJQ', 'GBND36E5U67SHVY6YY7RCHMROHB7AUCHHAFBPAJPEASI4Y6P33KPW6RT'])[g % 3 + 1],
       CASE WHEN g % 10 = 0 THEN 'paused' ELSE 'active' END::stream_status,
       round((random() * 50)::numeric, 9) + 0.000000001,
       st, CASE WHEN g % 4 = 0 THEN greatest(st, timezone('UTC', now())) + random() * interval '60 seconds' + interval '1 microsecond' END,
       CASE WHEN g % 7 = 0 THEN round((random() * 100)::numeric, 9) ELSE round((random() * 1000000)::numeric, 9) END
  FROM (SELECT g, CASE WHEN g % 20 = 0 THEN timezone('UTC', now()) + random() * interval '30 seconds'
                       ELSE timezone('UTC', now()) - random() * interval '1 day' END AS st
          FROM generate_series(1, :nstreams) g) x;

-- the state each stream starts from, before any logged operation
CREATE TABLE initial_state AS
SELECT id, status, rate_per_second, total_amount, settled_amount, last_settled_at, start_time, end_time
  FROM streams;

-- one row per committed load transaction; a_* is the stream as the
-- operation left it (NULL when the operation was refused)
CREATE TABLE committed_ops (
    op_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round       int NOT NULL,
    client      int NOT NULL,
    kind        text NOT NULL,
    stream_id   uuid NOT NULL,
    amount      numeric NOT NULL,
    outcome     text NOT NULL,        -- 'ok' or the SQLSTATE of the refusal
    settle_ret  numeric,              -- what streampay_settle returned
    a_status    stream_status,
    a_rate      numeric,
    a_total     numeric,
    a_settled   numeric,
    a_lsa       timestamp
);
CREATE INDEX ON committed_ops (stream_id, op_id);

-- One load transaction: an operation on a stream picked from a hot window
-- of 20 streams that moves every 2 seconds (so clients collide on rows) or
-- from all streams.  The refusals the rules allow under concurrency are
-- caught and logged; any other error aborts the pgbench client.
CREATE FUNCTION crash_op(round int, client int, nstreams bigint, r1 bigint, r2 bigint, amt bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    sid uuid;
    k int := r1 % 1000;
    kind text;
    amount numeric := 0;
    ret numeric;
    a streams;
    outcome text := 'ok';
BEGIN
    IF r2 % 2 = 0 THEN
        n := (floor(extract(epoch FROM clock_timestamp()) / 2)::bigint % greatest(nstreams / 20, 1)) * 20
             + (r2 / 2) % 20 + 1;
        n := least(n, nstreams);
    ELSE
        n := r2 % nstreams + 1;
    END IF;
    sid := crash_id(n);
    kind := CASE WHEN k < 340 THEN 'settle' WHEN k < 500 THEN 'pause' WHEN k < 660 THEN 'resume'
                 WHEN k < 800 THEN 'rate' WHEN k < 980 THEN 'topup' WHEN k < 990 THEN 'complete'
                 ELSE 'cancel' END;
    BEGIN
        CASE kind
            WHEN 'settle' THEN ret := streampay_settle(sid);
            WHEN 'pause' THEN PERFORM streampay_pause(sid);
            WHEN 'resume' THEN PERFORM streampay_resume(sid);
            WHEN 'complete' THEN PERFORM streampay_complete(sid);
            WHEN 'cancel' THEN PERFORM streampay_cancel(sid);
            WHEN 'rate' THEN
                amount := round(amt * 0.000123457, 9);
                UPDATE streams SET rate_per_second = amount WHERE id = sid;
            WHEN 'topup' THEN
                amount := round(amt * 0.001000001, 9);
                UPDATE streams SET total_amount = total_amount + amount WHERE id = sid;
        END CASE;
        SELECT * INTO STRICT a FROM streams WHERE id = sid;
    EXCEPTION WHEN object_not_in_prerequisite_state OR invalid_parameter_value
                   OR check_violation THEN
        outcome := SQLSTATE;
    END;
    -- after the operation, under its row lock: per stream, op_id order is
    -- commit order
    INSERT INTO committed_ops (round, client, kind, stream_id, amount, outcome, settle_ret,
                               a_status, a_rate, a_total, a_settled, a_lsa)
    VALUES (round, client, kind, sid, amount, outcome, ret,
            a.status, a.rate_per_second, a.total_amount, a.settled_amount, a.last_settled_at);
    RETURN outcome;
END
$$;

-- pgbench's acknowledged transactions, loaded after each restart
CREATE TABLE acked (round int, client int, n bigint);

-- The README's pending(t), written again in numeric: not the C core.
CREATE FUNCTION ref_pending(st stream_status, rate numeric, start_t timestamp, end_t timestamp,
                            total numeric, settled numeric, lsa timestamp, t timestamp)
RETURNS numeric IMMUTABLE LANGUAGE sql RETURN
    CASE WHEN st <> 'active' THEN 0
         ELSE least(total - settled,
                    trunc(rate * greatest(0, extract(epoch FROM least(t, coalesce(end_t, t))
                                                          - greatest(lsa, start_t))), 9))
    END;
SQL

cat > "$work/load.sql" <<'EOF'
\set r1 random(0, 999999999)
\set r2 random(0, 999999999)
\set amt random(1, 100000)
SELECT crash_op(:round, :client_id, :nstreams, :r1, :r2, :amt);
EOF

###########################################################################
# Rounds: load, kill -9, restart
###########################################################################
for round in $(seq 1 "$rounds"); do
	mode=$kill_mode
	[ "$mode" = alternate ] && mode=$([ $((round % 2)) = 1 ] && echo all || echo postmaster)
	sp_log "crash round $round: ${round_seconds}s of load, $clients clients, then kill -9 ($mode)"

	# pgbench runs a little longer than the kill, so the kill lands mid-load
	mkdir -p "$work/r$round"
	( cd "$work/r$round" && exec pgbench -n -c "$clients" -j 2 -T $((round_seconds + 5)) \
		-D round="$round" -D nstreams="$nstreams" -f "$work/load.sql" -l --log-prefix=pgb "$db" ) \
		> "$work/r$round/pgbench.out" 2>&1 &
	pgbench_pid=$!
	sleep "$round_seconds"

	pm=$(head -1 "$pgdata/postmaster.pid")
	children=$(pgrep -P "$pm" | tr '\n' ' ')
	if [ "$mode" = all ]; then
		# shellcheck disable=SC2086
		sp_as_pg kill -9 "$pm" $children
	else
		sp_as_pg kill -9 "$pm"
	fi
	wait "$pgbench_pid"

	# the old processes must be gone before a new postmaster may start
	for _ in $(seq 1 300); do
		alive=0
		for p in $pm $children; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in $pm $children; do kill -0 "$p" 2>/dev/null && sp_as_pg kill -9 "$p"; done
	sleep 0.2

	before=$(recoveries)
	started=$(date +%s%N)
	# a child forked just before the kill may take a moment to exit
	for attempt in 1 2 3; do
		start_server && break
		[ $attempt = 3 ] && { report "round $round: restart after kill -9" 1 "see $SP_PGDATA/server.log"; break 2; }
		sleep 2
	done
	for _ in $(seq 1 300); do server_up && break; sleep 0.1; done
	recovered=$(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
	if server_up; then
		# a clean start here would mean the kill missed the server
		report "round $round: restart ran crash recovery" $((before + 1 - $(recoveries))) \
			"up after ${recovered}s"
	else
		report "round $round: crash recovery" 1 "server not up"
		break
	fi

	# acknowledged transactions: one log line per transaction pgbench saw
	# committed (pgbench logs it after the COMMIT result arrives)
	cat "$work/r$round"/pgb.* 2>/dev/null |
		awk -v r="$round" '$3 ~ /^[0-9]+$/ {n[$1]++} END {for (c in n) print r "," c "," n[c]}' \
		> "$work/r$round/acked.csv"
	psql_q -c "\\copy acked FROM '$work/r$round/acked.csv' WITH (FORMAT csv)"
	n_acked=$(awk -F, '{s += $3} END {print s + 0}' "$work/r$round/acked.csv")
	n_errors=$(grep -c 'ERROR:' "$work/r$round/pgbench.out")
	report "round $round: no SQL error during the load" "$n_errors" \
		"$n_acked transactions acknowledged, $(grep -c 'aborted in command' "$work/r$round/pgbench.out") of $clients clients cut off by the kill"
	[ "$n_errors" = 0 ] || grep 'ERROR:' "$work/r$round/pgbench.out" | sort | uniq -c | head -5
	if [ "$n_acked" -eq 0 ]; then report "round $round: the load ran" 1 "no transaction acknowledged"; fi
done

###########################################################################
# Checks
###########################################################################
now="timezone('UTC', now())"
terminal="ARRAY['cancelled', 'completed']::stream_status[]"
rows=$(psql_v -c "SELECT count(*) FROM streams")
n_ops=$(psql_v -c "SELECT count(*) FROM committed_ops")
n_ok=$(psql_v -c "SELECT count(*) FROM committed_ops WHERE outcome = 'ok'")

check "every stream is still there ($nstreams)" \
	"SELECT count(*) FROM initial_state i WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.id = i.id)"
check "status is one of the 4 labels" \
	"SELECT count(*) FROM streams WHERE status::text NOT IN ('active', 'paused', 'cancelled', 'completed')"
check "0 <= settled_amount <= total_amount" \
	"SELECT count(*) FROM streams WHERE NOT (settled_amount >= 0 AND settled_amount <= total_amount)"
check "accrued + refundable = total_amount (now and at last_settled_at)" \
	"SELECT count(*) FROM streams s
	  WHERE streampay_accrued(s, $now) + streampay_refundable(s, $now) <> total_amount
	     OR streampay_accrued(s, last_settled_at) + streampay_refundable(s, last_settled_at) <> total_amount
	     OR streampay_accrued(s.id) + streampay_refundable(s.id) <> total_amount"
check "settled_amount <= accrued(now) <= total_amount" \
	"SELECT count(*) FROM streams s
	  WHERE NOT (streampay_accrued(s, $now) BETWEEN settled_amount AND total_amount)"
check "last_settled_at <= now()" \
	"SELECT count(*) FROM streams WHERE last_settled_at > $now"
check "paused and terminal rows accrue nothing" \
	"SELECT count(*) FROM streams s
	  WHERE status <> 'active' AND streampay_accrued(s, $now + interval '1 day') <> settled_amount"
check "accrued(now) matches the numeric reference" \
	"SELECT count(*) FROM streams s
	  WHERE streampay_accrued(s, $now) <> settled_amount
	        + ref_pending(status, rate_per_second, start_time, end_time, total_amount,
	                      settled_amount, last_settled_at, $now)"

# nothing acknowledged is lost; at most the one in-flight transaction per
# client committed without its acknowledgement reaching pgbench
check "every acknowledged commit is in committed_ops" \
	"SELECT count(*) FROM acked a
	  WHERE (SELECT count(*) FROM committed_ops o WHERE o.round = a.round AND o.client = a.client)
	        NOT BETWEEN a.n AND a.n + 1"
check "committed_ops only holds rounds and clients pgbench ran" \
	"SELECT count(*) FROM (SELECT DISTINCT round, client FROM committed_ops) o
	  WHERE NOT EXISTS (SELECT 1 FROM acked a WHERE a.round = o.round AND a.client = o.client)
	    AND (SELECT count(*) FROM committed_ops x WHERE x.round = o.round AND x.client = o.client) > 1"

# replay each stream's committed history with the numeric reference
cat > "$work/history.sql" <<'SQL'
CREATE TEMP VIEW history AS
SELECT o.*,
       coalesce(lag(o.a_status) OVER w, i.status) AS p_status,
       coalesce(lag(o.a_rate) OVER w, i.rate_per_second) AS p_rate,
       coalesce(lag(o.a_total) OVER w, i.total_amount) AS p_total,
       coalesce(lag(o.a_settled) OVER w, i.settled_amount) AS p_settled,
       coalesce(lag(o.a_lsa) OVER w, i.last_settled_at) AS p_lsa,
       i.start_time, i.end_time
  FROM committed_ops o JOIN initial_state i ON i.id = o.stream_id
 WHERE o.outcome = 'ok'
WINDOW w AS (PARTITION BY o.stream_id ORDER BY o.op_id);
SQL
hist() { psql_v -c "SET TimeZone = 'UTC'" -f "$work/history.sql" -c "$1" 2>&1 | tail -1; }
check_hist() {
	local n
	n=$(hist "$2")
	[[ "$n" =~ ^[0-9]+$ ]] || { report "$1" "error" "$n"; return; }
	report "$1" "$n"
}
check_hist "each committed operation settled exactly pending(T) of the previous state" \
	"SELECT count(*) FROM history
	  WHERE a_settled <> p_settled + ref_pending(p_status, p_rate, start_time, end_time,
	                                             p_total, p_settled, p_lsa, a_lsa)
	     OR (kind = 'settle' AND settle_ret <> a_settled - p_settled)"
check_hist "each committed operation changed what it names and nothing else" \
	"SELECT count(*) FROM history
	  WHERE a_rate <> CASE WHEN kind = 'rate' THEN amount ELSE p_rate END
	     OR a_total <> CASE WHEN kind = 'topup' THEN p_total + amount ELSE p_total END
	     OR a_status <> CASE kind WHEN 'pause' THEN 'paused' WHEN 'resume' THEN 'active'
	                              WHEN 'cancel' THEN 'cancelled' WHEN 'complete' THEN 'completed'
	                              ELSE p_status END"
check_hist "each status change follows the graph (terminal rows never change)" \
	"SELECT count(*) FROM history
	  WHERE a_status <> p_status
	    AND (p_status, a_status) NOT IN (('active', 'paused'), ('active', 'cancelled'),
	                                     ('active', 'completed'), ('paused', 'active'),
	                                     ('paused', 'cancelled'))"
check_hist "a stream's clock never ran backwards" \
	"SELECT count(*) FROM history WHERE a_lsa < p_lsa"
check "each stream is the state its last committed operation left" \
	"SELECT count(*) FROM streams s
	   LEFT JOIN LATERAL (SELECT * FROM committed_ops o WHERE o.stream_id = s.id AND o.outcome = 'ok'
	                       ORDER BY o.op_id DESC LIMIT 1) o ON true
	   JOIN initial_state i ON i.id = s.id
	  WHERE (s.status, s.rate_per_second, s.total_amount, s.settled_amount, s.last_settled_at)
	        IS DISTINCT FROM
	        CASE WHEN o.op_id IS NULL
	             THEN (i.status, i.rate_per_second, i.total_amount, i.settled_amount, i.last_settled_at)
	             ELSE (o.a_status, o.a_rate, o.a_total, o.a_settled, o.a_lsa) END"
check "refused operations changed nothing (outcome is a documented SQLSTATE)" \
	"SELECT count(*) FROM committed_ops WHERE outcome NOT IN ('ok', '55000', '22023', '23514')"

if [ "$(psql_v -c "SELECT to_regclass('stream_events') IS NOT NULL")" = t ]; then
	check "ledger: per stream the settled_delta sum to settled_amount" \
		"SELECT count(*) FROM streams s
		  WHERE settled_amount <> (SELECT coalesce(sum(settled_delta), 0) FROM stream_events e
		                            WHERE e.stream_id = s.id)"
	check "ledger: the last event of each stream carries its settled_amount" \
		"SELECT count(*) FROM streams s
		  WHERE settled_amount <> (SELECT e.settled_amount FROM stream_events e
		                            WHERE e.stream_id = s.id ORDER BY e.event_id DESC LIMIT 1)"
fi

# bt_index_check reports corruption as an ERROR
n_idx=$(psql_v -c "SELECT count(*) FROM (
	   SELECT bt_index_check(c.oid, true)
	     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	     JOIN pg_am am ON am.oid = c.relam
	    WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace) x" 2>&1)
if [[ "$n_idx" =~ ^[0-9]+$ ]] && [ "$n_idx" -gt 0 ]; then
	report "btree indexes consistent with their heaps (amcheck)" 0 "$n_idx indexes"
else
	report "btree indexes consistent with their heaps (amcheck)" 1 "$n_idx"
fi
check "heaps free of corruption (amcheck verify_heapam)" \
	"SELECT count(*) FROM pg_class c, LATERAL verify_heapam(c.oid) v
	  WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"

outcomes=$(psql_v -c "SELECT string_agg(outcome || ' ' || n, ', ' ORDER BY outcome)
                        FROM (SELECT outcome, count(*) n FROM committed_ops GROUP BY outcome) x")
kinds=$(psql_v -c "SELECT string_agg(kind || ' ' || n, ', ' ORDER BY kind)
                     FROM (SELECT kind, count(*) n FROM committed_ops WHERE outcome = 'ok' GROUP BY kind) x")
terminal_rows=$(psql_v -c "SELECT count(*) FROM streams WHERE status = ANY ($terminal)")
echo "crash: $rounds round(s), $rows rows checked ($terminal_rows terminal), $n_ops committed operations" \
	"($n_ok applied: $kinds; by outcome: $outcomes), $violations violation(s)"

if [ "$failures" -eq 0 ]; then
	psql -X -q -d postgres -c "DROP DATABASE $db"
	exit 0
fi
echo "crash: database $db kept for inspection"
exit 1

#!/usr/bin/env bash
# test/citus/crash.sh BASE COORD_PORT WORKER_PORT SECONDS
#
# The crash test of test/crash.sh across a Citus cluster (run by
# test/citus.sh, whose nodes live in BASE/n<port>): a pgbench load of
# transitions and settlements through the coordinator, kill -9 of one
# worker (its postmaster and every child) in the middle of it, restart,
# Citus' recovery of two-phase commits, then every invariant on every row:
#   - every row: legal status, 0 <= settled <= total, accrued + refundable
#     = total, nothing accruing on a paused or terminal row, the numeric
#     reference, the ledger's deltas summing to settled_amount;
#   - every committed operation: crash_op() logs each one in committed_ops,
#     a table on the coordinator, in the same transaction as the change on
#     the worker (so Citus commits them with two-phase commit).  Each
#     logged state must follow from the previous one by the money rules
#     (recomputed in SQL numeric), each stream must equal the state its last
#     committed operation left, and every transaction pgbench saw committed
#     must be in committed_ops;
#   - no prepared transaction is left on any node.
# Prints "ok ..."/"FAILED ..." lines; exits non-zero on any violation.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/common.sh
set +e

base=$1
coord=$2
worker=$3
seconds=${4:-8}
clients=${CITUS_CRASH_CLIENTS:-4}
nstreams=${CITUS_CRASH_STREAMS:-2000}
work=$(mktemp -d)
chmod 755 "$work"
failures=0
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -h "$base" -p "$coord" -U postgres "$@"; }
psql_v() { psql -X -At -h "$base" -p "$coord" -U postgres "$@"; }
report() {
	if [ "$2" = 0 ]; then echo "ok $1${3:+ ($3)}"; else echo "FAILED $1: $2 violation(s)${3:+ ($3)}"; failures=$((failures + 1)); fi
}
check() {
	local n
	n=$(psql_v -c "SET TimeZone = 'UTC'" -c "$2" 2>&1 | tail -n 1)
	[[ "$n" =~ ^[0-9]+$ ]] || { report "$1" "error" "$n"; return; }
	report "$1" "$n"
}

psql_q -v nstreams="$nstreams" >/dev/null <<'SQL' || { echo "FAILED crash set-up"; exit 1; }
SET TimeZone = 'UTC';
SELECT setseed(0.5);
CREATE FUNCTION crash_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
    RETURN ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid;
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
-- on the coordinator: the start state and the operation log
CREATE TABLE initial_state AS
SELECT id, status, rate_per_second, total_amount, settled_amount, last_settled_at, start_time, end_time
  FROM streams WHERE id::text LIKE '00000000-0000-4000-8000-%';
CREATE TABLE committed_ops (
    op_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client      int NOT NULL,
    kind        text NOT NULL,
    stream_id   uuid NOT NULL,
    amount      numeric NOT NULL,
    outcome     text NOT NULL,
    settle_ret  numeric,
    a_status    stream_status,
    a_rate      numeric,
    a_total     numeric,
    a_settled   numeric,
    a_lsa       timestamp
);
CREATE TABLE acked (client int, n bigint);
CREATE FUNCTION crash_op(client int, nstreams bigint, r1 bigint, r2 bigint, amt bigint)
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
    -- on the coordinator, in the same (two-phase) transaction, after the
    -- row lock on the worker: per stream, op_id order is commit order
    INSERT INTO committed_ops (client, kind, stream_id, amount, outcome, settle_ret,
                               a_status, a_rate, a_total, a_settled, a_lsa)
    VALUES (client, kind, sid, amount, outcome, ret,
            a.status, a.rate_per_second, a.total_amount, a.settled_amount, a.last_settled_at);
    RETURN outcome;
END
$$;
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
SELECT crash_op(:client_id, :nstreams, :r1, :r2, :amt);
EOF

sp_log "citus crash: ${seconds}s of load through the coordinator, $clients clients, then kill -9 of the worker on port $worker"
( cd "$work" && exec pgbench -n -h "$base" -p "$coord" -U postgres -c "$clients" -j 2 -T $((seconds + 5)) \
	-D nstreams="$nstreams" -f "$work/load.sql" -l --log-prefix=pgb postgres ) > "$work/pgbench.out" 2>&1 &
pgbench_pid=$!
sleep "$seconds"
pm=$(head -1 "$base/n$worker/postmaster.pid")
children=$(pgrep -P "$pm" | tr '\n' ' ')
# shellcheck disable=SC2086
sp_as_pg kill -9 "$pm" $children
wait "$pgbench_pid"
for _ in $(seq 1 300); do
	alive=0
	for p in $pm $children; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive = 0 ] && break
	sleep 0.1
done
sleep 0.5
started=$(date +%s%N)
for attempt in 1 2 3; do
	sp_as_pg "$PG_BIN/pg_ctl" -D "$base/n$worker" -w -t 300 -l "$base/n$worker.log" start >/dev/null 2>&1 && break
	sleep 2
done
recovered=$(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
if psql -X -At -h "$base" -p "$worker" -U postgres -c "SELECT 1" >/dev/null 2>&1 &&
	grep -q 'database system was not properly shut down' "$base/n$worker.log"; then
	report "the killed worker restarted with crash recovery" 0 "up after ${recovered}s"
else
	report "the killed worker restarted with crash recovery" 1
fi

cat "$work"/pgb.* 2>/dev/null |
	awk '$3 ~ /^[0-9]+$/ {n[$1]++} END {for (c in n) print c "," n[c]}' > "$work/acked.csv"
psql_q -c "\\copy acked FROM '$work/acked.csv' WITH (FORMAT csv)"
n_acked=$(awk -F, '{s += $2} END {print s + 0}' "$work/acked.csv")
cut_off=$(grep -c 'aborted in command\|connection to the remote node\|terminating connection' "$work/pgbench.out")
# an error of the load is expected only when it is about the killed worker
# (its address, or a commit that could not reach it)
n_errors=$(grep 'ERROR:' "$work/pgbench.out" | grep -v "127.0.0.1:$worker" |
	grep -vc 'could not commit transaction\|failed to commit transaction\|server closed the connection\|terminating connection')
report "the load ran, and its only errors were the lost worker's connections" "$n_errors" \
	"$n_acked transactions acknowledged, $(grep -c 'aborted in command' "$work/pgbench.out") of $clients clients cut off by the kill"
[ "$n_errors" = 0 ] || grep 'ERROR:' "$work/pgbench.out" | sort | uniq -c | head -5
[ "$n_acked" -gt 0 ] || report "transactions were acknowledged" 1

# Citus' maintenance daemon recovers the two-phase commits the kill
# interrupted; ask for it now rather than waiting for its interval
for _ in $(seq 1 30); do
	psql_v -c "SELECT recover_prepared_transactions()" >/dev/null 2>&1
	left=$(psql_v -c "SELECT sum(result::int) FROM run_command_on_all_nodes(\$\$SELECT count(*) FROM pg_prepared_xacts\$\$)")
	[ "$left" = 0 ] && break
	sleep 1
done
report "no prepared transaction is left on any node after Citus' recovery" "${left:-error}"

# the comparisons with the coordinator's log use local copies (Citus
# joins a distributed table with a local one only through a subquery)
psql_q -o /dev/null 2>/dev/null <<'SQL'
CREATE TABLE now_state AS
SELECT id, status, rate_per_second, total_amount, settled_amount, last_settled_at
  FROM streams WHERE id::text LIKE '00000000-0000-4000-8000-%';
CREATE TABLE last_event AS
SELECT DISTINCT ON (stream_id) stream_id, settled_amount
  FROM stream_events WHERE stream_id::text LIKE '00000000-0000-4000-8000-%'
 ORDER BY stream_id, recorded_at DESC, event_id DESC;
CREATE VIEW history AS
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
now="timezone('UTC', now())"
check "every stream is still there ($nstreams)" \
	"SELECT count(*) FROM initial_state i WHERE NOT EXISTS (SELECT 1 FROM now_state s WHERE s.id = i.id)"
check "0 <= settled_amount <= total_amount (every row)" \
	"SELECT count(*) FROM streams WHERE NOT (settled_amount >= 0 AND settled_amount <= total_amount)"
check "accrued + refundable = total_amount, now and at last_settled_at (every row)" \
	"SELECT count(*) FROM streams s
	  WHERE streampay_accrued(s, $now) + streampay_refundable(s, $now) <> total_amount
	     OR streampay_accrued(s, last_settled_at) + streampay_refundable(s, last_settled_at) <> total_amount"
check "the id forms agree with the row forms (every row)" \
	"SELECT count(*) FROM streams s
	  WHERE streampay_accrued(s.id, $now) + streampay_refundable(s.id, $now) <> total_amount"
check "settled_amount <= accrued(now) <= total_amount (every row)" \
	"SELECT count(*) FROM streams s WHERE NOT (streampay_accrued(s, $now) BETWEEN settled_amount AND total_amount)"
check "paused and terminal rows accrue nothing (every row)" \
	"SELECT count(*) FROM streams s
	  WHERE status <> 'active' AND streampay_accrued(s, $now + interval '1 day') <> settled_amount"
check "accrued(now) matches the numeric reference (every row)" \
	"SELECT count(*) FROM streams s
	  WHERE streampay_accrued(s, $now) <> settled_amount
	        + ref_pending(status, rate_per_second, start_time, end_time, total_amount,
	                      settled_amount, last_settled_at, $now)"
check "ledger: per stream the settled_delta sum to settled_amount (every row)" \
	"SELECT count(*) FROM streams s
	   LEFT JOIN (SELECT stream_id, sum(settled_delta) AS d FROM stream_events GROUP BY stream_id) e
	     ON e.stream_id = s.id
	  WHERE s.settled_amount IS DISTINCT FROM coalesce(e.d, 0)"

check "ledger: the last event of each stream carries its settled_amount" \
	"SELECT count(*) FROM now_state s LEFT JOIN last_event e ON e.stream_id = s.id
	  WHERE e.settled_amount IS DISTINCT FROM s.settled_amount"
check "every acknowledged commit is in committed_ops (nothing committed lost)" \
	"SELECT count(*) FROM acked a
	  WHERE (SELECT count(*) FROM committed_ops o WHERE o.client = a.client) NOT BETWEEN a.n AND a.n + 1"
check "each committed operation settled exactly pending(T) of the previous state" \
	"SELECT count(*) FROM history
	  WHERE a_settled <> p_settled + ref_pending(p_status, p_rate, start_time, end_time,
	                                             p_total, p_settled, p_lsa, a_lsa)
	     OR (kind = 'settle' AND settle_ret <> a_settled - p_settled)"
check "each committed operation changed what it names and nothing else" \
	"SELECT count(*) FROM history
	  WHERE a_rate <> CASE WHEN kind = 'rate' THEN amount ELSE p_rate END
	     OR a_total <> CASE WHEN kind = 'topup' THEN p_total + amount ELSE p_total END
	     OR a_status <> CASE kind WHEN 'pause' THEN 'paused' WHEN 'resume' THEN 'active'
	                              WHEN 'cancel' THEN 'cancelled' WHEN 'complete' THEN 'completed'
	                              ELSE p_status END"
check "each status change follows the graph" \
	"SELECT count(*) FROM history
	  WHERE a_status <> p_status
	    AND (p_status, a_status) NOT IN (('active', 'paused'), ('active', 'cancelled'),
	                                     ('active', 'completed'), ('paused', 'active'),
	                                     ('paused', 'cancelled'))"
check "a stream's clock never ran backwards" "SELECT count(*) FROM history WHERE a_lsa < p_lsa"
check "each stream is the state its last committed operation left (nothing half applied)" \
	"SELECT count(*) FROM now_state s
	   LEFT JOIN LATERAL (SELECT * FROM committed_ops o WHERE o.stream_id = s.id AND o.outcome = 'ok'
	                       ORDER BY o.op_id DESC LIMIT 1) o ON true
	   JOIN initial_state i ON i.id = s.id
	  WHERE (s.status, s.rate_per_second, s.total_amount, s.settled_amount, s.last_settled_at)
	        IS DISTINCT FROM
	        CASE WHEN o.op_id IS NULL
	             THEN (i.status, i.rate_per_second, i.total_amount, i.settled_amount, i.last_settled_at)
	             ELSE (o.a_status, o.a_rate, o.a_total, o.a_settled, o.a_lsa) END"
check "refused operations are documented SQLSTATEs" \
	"SELECT count(*) FROM committed_ops WHERE outcome NOT IN ('ok', '55000', '22023', '23514')"

summary=$(psql_v -c "SELECT sum(n) || ' committed operations (' || string_agg(outcome || ' ' || n, ', ' ORDER BY outcome) || ')'
                       FROM (SELECT outcome, count(*) n FROM committed_ops GROUP BY outcome) x")
rows=$(psql_v -c "SELECT count(*) FROM streams")
echo "citus crash: $rows rows checked, $summary, $failures failed check(s)"
[ "$failures" -eq 0 ]

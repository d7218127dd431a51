-- 0.6.0 (issue 12): streampay_sum_accrued/claimable/refundable(s, t) over a
-- table row are planned on the row's columns (src/agg_rewrite.c turns them
-- into streampay_sum_from_columns), with the same result as the row form.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- The aggregates a plan computes, in plan order (EXPLAIN VERBOSE's full
-- text differs between PostgreSQL versions and with every new column).
CREATE FUNCTION pg_temp.plan_aggs(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || q LOOP
        RETURN QUERY SELECT m[1] FROM regexp_matches(line, '((?:[a-z_]+\.)?streampay_sum_[a-z_]+)\(', 'g') m;
    END LOOP;
END
$$;
-- The first statement of this session: nothing has loaded the library yet
-- (the test cluster preloads nothing), so the planner hook does not exist
-- and the aggregate keeps the row form.
SELECT pg_temp.plan_aggs($q$SELECT streampay_sum_accrued(s, '2025-01-05') FROM streams s$q$);
-- EXPLAIN started the executor, which loaded the library for the
-- aggregate's transition function: from now on the aggregate takes the
-- columns.
SELECT pg_temp.plan_aggs($q$SELECT streampay_sum_accrued(s, '2025-01-05') FROM streams s$q$);

-- a mixed population: two chains, three assets and none, every status
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount,
                     chain_id, asset)
SELECT ('84000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       '0x' || lpad(to_hex(1 + g % 7), 40, '0'), '0x' || lpad(to_hex(100 + g % 11), 40, '0'),
       (g % 5) * 0.001000001 + 0.000000001, '2025-01-01'::timestamp + g * interval '1 minute',
       CASE WHEN g % 4 = 0 THEN '2025-01-03'::timestamp + g * interval '1 minute' END,
       1000 + g * 7.123456789,
       CASE WHEN g % 3 = 0 THEN 'eip155:1' ELSE 'eip155:10' END,
       CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '0x' || lpad('a1', 40, '0')
                  WHEN 2 THEN '0x' || lpad('b2', 40, '0') ELSE '0x' || lpad('c3', 40, '0') END
  FROM generate_series(1, 400) g;
SELECT count(*) AS settled FROM (SELECT streampay_settle(id, '2025-01-01 18:00') FROM streams
                                  WHERE id::text ~ '[13]$') x;
SELECT count(*) AS paused
  FROM (SELECT streampay_pause(id, '2025-01-02') FROM streams WHERE id::text ~ '[05]$') x;
SELECT count(*) AS cancelled
  FROM (SELECT streampay_cancel(id, '2025-01-02 12:00') FROM streams
         WHERE id::text ~ '[27]$' AND status = 'active') x;
SELECT streampay_complete_due('2025-01-09') > 0 AS some_completed;
SELECT status, count(*) FROM streams GROUP BY 1 ORDER BY 1;
CREATE TEMP TABLE times AS
SELECT unnest(ARRAY['2025-01-01', '2025-01-02 06:00', '2025-01-05', '2030-01-01']::timestamp[]) AS t;

-- The three aggregates over the table row (rewritten) next to the per-row sums ...
SELECT pg_temp.plan_aggs($q$SELECT chain_id, streampay_sum_refundable(s, t) FROM streams s, times GROUP BY chain_id$q$);
CREATE TEMP TABLE by_columns AS
SELECT chain_id, asset, t,
       streampay_sum_accrued(s, t) AS a, sum(streampay_accrued(s, t)) AS pa,
       streampay_sum_claimable(s, t) AS c, sum(streampay_claimable(s, t)) AS pc,
       streampay_sum_refundable(s, t) AS r, sum(streampay_refundable(s, t)) AS pr
  FROM streams s, times GROUP BY chain_id, asset, t;
-- ... and over a subquery's row, which keeps the row form
SELECT pg_temp.plan_aggs($q$SELECT streampay_sum_accrued(s, '2025-01-05') FROM (SELECT * FROM streams OFFSET 0) s$q$);
CREATE TEMP TABLE by_row AS
SELECT chain_id, asset, t, streampay_sum_accrued(s, t) AS a, streampay_sum_claimable(s, t) AS c,
       streampay_sum_refundable(s, t) AS r
  FROM (SELECT * FROM streams OFFSET 0) s, times GROUP BY chain_id, asset, t;
-- every group, kind and time: the same exact sums three ways
SELECT count(*) AS groups,
       count(*) FILTER (WHERE c.a = c.pa AND c.c = c.pc AND c.r = c.pr) AS equal_to_per_row_sums,
       count(*) FILTER (WHERE c.a = r.a AND c.c = r.c AND c.r = r.r) AS equal_to_row_form
  FROM by_columns c FULL JOIN by_row r
    ON c.chain_id = r.chain_id AND c.asset IS NOT DISTINCT FROM r.asset AND c.t = r.t;
SELECT t, sum(a) AS accrued, sum(c) AS claimable, sum(r) AS refundable
  FROM by_columns GROUP BY t ORDER BY t;

-- FILTER, HAVING, a CTE and a sublink are rewritten too, with the same sums
SELECT pg_temp.plan_aggs($q$
WITH x AS (SELECT streampay_sum_accrued(s, '2025-01-05') FILTER (WHERE s.status = 'active') AS a
             FROM streams s)
SELECT a, (SELECT streampay_sum_claimable(s2, '2025-01-05') FROM streams s2) FROM x$q$);
SELECT streampay_sum_accrued(s, '2025-01-05') FILTER (WHERE status = 'active')
       = sum(streampay_accrued(s, '2025-01-05')) FILTER (WHERE status = 'active') AS filter_equal
  FROM streams s;
SELECT chain_id, streampay_sum_claimable(s, '2025-01-05') AS claimable
  FROM streams s GROUP BY chain_id
HAVING streampay_sum_claimable(s, '2025-01-05') > 0 ORDER BY 1;
SELECT chain_id, sum(streampay_claimable(s, '2025-01-05')) AS claimable
  FROM streams s GROUP BY chain_id ORDER BY 1;

-- like sum(): no rows give NULL; an outer join's missing rows and a NULL
-- time are skipped (the column form sees a NULL status for a missing row)
SELECT streampay_sum_accrued(s, '2025-01-05') AS no_rows FROM streams s WHERE false;
SELECT streampay_sum_accrued(s, '2025-01-05') = (SELECT sum(streampay_accrued(s2, '2025-01-05'))
                                                   FROM streams s2) AS outer_join_rows_skipped,
       count(*) AS joined, count(s.id) AS present
  FROM generate_series(1, 450) g
  LEFT JOIN streams s ON s.id = ('84000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid;
SELECT streampay_sum_accrued(s, NULL) AS null_time FROM streams s;
SELECT streampay_sum_accrued(s, CASE WHEN s.status = 'active' THEN timestamp '2025-01-05' END)
       = sum(streampay_accrued(s, '2025-01-05')) FILTER (WHERE status = 'active') AS null_times_skipped
  FROM streams s;
-- errors as in the row form
\set VERBOSITY terse
SELECT streampay_sum_accrued(s, 'infinity') FROM streams s;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_sum_accrued(s, 'infinity') FROM (SELECT * FROM streams OFFSET 0) s;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the column aggregate can be called directly; its kind is checked
SELECT streampay_sum_from_columns(1, id, status, rate_per_second, start_time, end_time, total_amount,
                                  last_settled_at, settled_amount, '2025-01-05')
       = streampay_sum_claimable(s, '2025-01-05') AS direct_call_equal
  FROM streams s;
SELECT streampay_sum_from_columns(3, id, status, rate_per_second, start_time, end_time, total_amount,
                                  last_settled_at, settled_amount, '2025-01-05')
  FROM streams;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a NULL money column of a present row is an error, as in the row forms
SELECT streampay_sum_from_columns(0, id, status, NULL, start_time, end_time, total_amount,
                                  last_settled_at, settled_amount, '2025-01-05')
  FROM streams WHERE id = '84000000-0000-0000-0000-000000000006';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- the depletion time on the columns equals the row form's, and a missing row is NULL
SELECT count(*) AS streams,
       count(*) FILTER (WHERE streampay_depletion_from_columns(id, status, rate_per_second, start_time,
                                 end_time, total_amount, last_settled_at, settled_amount)
                              IS NOT DISTINCT FROM streampay_depletion_time(s)) AS equal,
       count(streampay_depletion_time(s)) AS with_a_time
  FROM streams s;
SELECT streampay_depletion_from_columns(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) AS missing_row;

-- Only the extension's aggregates are rewritten: one of the same name and
-- signature in another schema (here, counting rows) is left alone.
CREATE SCHEMA agg_other;
CREATE FUNCTION agg_other.count_rows(bigint, streams, timestamp) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
CREATE AGGREGATE agg_other.streampay_sum_accrued(streams, timestamp) (
    SFUNC = agg_other.count_rows, STYPE = bigint, INITCOND = '0');
SELECT agg_other.streampay_sum_accrued(s, '2025-01-05') AS counted_not_summed FROM streams s;
-- and a hostile search_path does not redirect the rewrite
SET search_path = agg_other, public;
SELECT pg_temp.plan_aggs($q$SELECT public.streampay_sum_accrued(s, '2025-01-05') FROM public.streams s$q$);
RESET search_path;
DROP SCHEMA agg_other CASCADE;

-- parallel: partial sums of the column aggregate in the workers
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT streampay_sum_accrued(s, '2025-01-05') FROM streams s;
CREATE TEMP TABLE par AS
SELECT chain_id, asset, streampay_sum_accrued(s, '2025-01-05') AS a FROM streams s GROUP BY 1, 2;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
SELECT count(*) AS groups, count(*) FILTER (WHERE p.a = c.a) AS parallel_equals_serial
  FROM par p JOIN by_columns c
    ON c.chain_id = p.chain_id AND c.asset IS NOT DISTINCT FROM p.asset
   AND c.t = '2025-01-05';

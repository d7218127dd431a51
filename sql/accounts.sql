-- 0.5.0: the asset of a stream, exact aggregates, per-account summaries,
-- the depletion index, and their plans.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- the asset: a token contract on Stellar (C...), a 0x address on EVM
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, asset)
VALUES ('80000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000,
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, asset)
VALUES ('80000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000,
        'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW');
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id, asset)
VALUES ('80000000-0000-0000-0000-000000000002', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 2, '2025-01-01', 1000000, 'eip155:1',
        '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB');
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id, asset)
VALUES ('80000000-0000-0000-0000-000000000003', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 2, '2025-01-01', 1000000, 'eip155:1',
        '0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fB');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- set once (a stream from before 0.5.0 has none), never changed
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('80000000-0000-0000-0000-000000000004', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000);
UPDATE streams SET asset = 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW'
 WHERE id = '80000000-0000-0000-0000-000000000004';
UPDATE streams SET asset = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA'
 WHERE id = '80000000-0000-0000-0000-000000000004';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET asset = NULL WHERE id = '80000000-0000-0000-0000-000000000004';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT id, chain_id, asset FROM streams ORDER BY id;
-- the ledger records the asset of each event
SELECT stream_id, event_type, asset FROM stream_events ORDER BY event_id;

-- a mixed population: two chains, three assets and none, every status
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount,
                     chain_id, asset)
SELECT ('81000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       '0x' || lpad(to_hex(1 + g % 7), 40, '0'), '0x' || lpad(to_hex(100 + g % 11), 40, '0'),
       (g % 5) * 0.001000001 + 0.000000001, '2025-01-01'::timestamp + g * interval '1 minute',
       CASE WHEN g % 4 = 0 THEN '2025-01-03'::timestamp + g * interval '1 minute' END,
       1000 + g * 7.123456789,
       CASE WHEN g % 3 = 0 THEN 'eip155:1' ELSE 'eip155:10' END,
       CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '0x' || lpad('a1', 40, '0')
                  WHEN 2 THEN '0x' || lpad('b2', 40, '0') ELSE '0x' || lpad('c3', 40, '0') END
  FROM generate_series(1, 400) g;
SELECT count(*) AS paused
  FROM (SELECT streampay_pause(id, '2025-01-02') FROM streams WHERE id::text ~ '[05]$') x;
SELECT count(*) AS cancelled
  FROM (SELECT streampay_cancel(id, '2025-01-02 12:00') FROM streams
         WHERE id::text ~ '[27]$' AND status = 'active') x;
SELECT streampay_complete_due('2025-01-09') > 0 AS some_completed;
SELECT status, count(*) FROM streams GROUP BY 1 ORDER BY 1;

-- every group's exact sums equal the sums of the per-row functions
SELECT count(*) AS groups,
       bool_and(a1 = a2 AND c1 = c2 AND r1 = r2) AS equal_to_per_row_sums
  FROM (SELECT chain_id, asset, t,
               streampay_sum_accrued(s, t) a1, sum(streampay_accrued(s, t)) a2,
               streampay_sum_claimable(s, t) c1, sum(streampay_claimable(s, t)) c2,
               streampay_sum_refundable(s, t) r1, sum(streampay_refundable(s, t)) r2
          FROM streams s,
               unnest(ARRAY['2025-01-01', '2025-01-02 06:00', '2025-01-05', '2030-01-01']::timestamp[]) t
         GROUP BY chain_id, asset, t) x;
-- a NULL asset is its own group; the groups never mix chains or assets
SELECT chain_id, asset, streampay_sum_accrued(s, '2025-01-05') AS accrued, count(*)
  FROM streams s GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST;
-- like sum(): no rows give NULL; NULL inputs (an outer join's missing rows, a NULL time) are skipped
SELECT streampay_sum_accrued(s, '2025-01-05') AS no_rows FROM streams s WHERE false;
SELECT streampay_sum_accrued(s, '2025-01-05') = (SELECT sum(streampay_accrued(s2, '2025-01-05'))
                                                   FROM streams s2) AS outer_join_rows_skipped
  FROM generate_series(1, 450) g
  LEFT JOIN streams s ON s.id = ('81000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid;
SELECT streampay_sum_accrued(s, NULL) AS null_time FROM streams s;
-- per account: an address that pays in some streams and receives in others
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id, asset)
VALUES ('82000000-0000-0000-0000-000000000001', '0x' || lpad(to_hex(100), 40, '0'),
        '0x' || lpad(to_hex(1), 40, '0'), 0.5, '2025-01-01', 50000, 'eip155:10',
        '0x' || lpad('a1', 40, '0'));
SELECT * FROM streampay_account('0x' || lpad(to_hex(100), 40, '0'), '2025-01-05');
SELECT * FROM streampay_account('0x' || lpad(to_hex(100), 40, '0'), '2025-01-05', 'eip155:1');
-- the same numbers by hand
SELECT chain_id, asset,
       sum(rate_per_second) FILTER (WHERE recipient = '0x' || lpad(to_hex(100), 40, '0') AND status = 'active') AS rate_in,
       sum(streampay_accrued(s, '2025-01-05')) FILTER (WHERE recipient = '0x' || lpad(to_hex(100), 40, '0')) AS accrued_in,
       sum(streampay_refundable(s, '2025-01-05')) FILTER (WHERE payer = '0x' || lpad(to_hex(100), 40, '0')) AS refundable_out,
       min(streampay_depletion_time(s)) FILTER (WHERE payer = '0x' || lpad(to_hex(100), 40, '0') AND status = 'active') AS runs_dry_at
  FROM streams s
 WHERE '0x' || lpad(to_hex(100), 40, '0') IN (payer, recipient)
 GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST;
-- 0.7.0: one pass (issue 12).  Every row of streampay_account, as text (so
-- the scale and the NULL-to-0 of every field too), and their order, equal
-- the per-row definition: for every address of the population (payers,
-- recipients, one that does both), at several times and with none, on
-- every chain and on each.  Added for it: a group whose sums leave 64 bits,
-- and a stream from an address to itself (the triggers refuse one; a table
-- loaded without them may hold it), which counts on both sides.
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount,
                     chain_id, asset)
SELECT ('84000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       '0x' || lpad(to_hex(100), 40, '0'), '0x' || lpad(to_hex(1 + g), 40, '0'),
       99999999.999999999 * g, '2025-01-01', CASE WHEN g = 3 THEN timestamp '2025-01-01 00:00:01' END,
       99999999999.999999999, 'eip155:1', '0x' || lpad('b2', 40, '0')
  FROM generate_series(1, 3) g;
SET session_replication_role = replica;
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount,
                     last_settled_at, settled_amount, chain_id, asset)
VALUES ('84000000-0000-0000-0000-000000000009', '0x' || lpad(to_hex(103), 40, '0'),
        '0x' || lpad(to_hex(103), 40, '0'), 'active', 0.25, '2025-01-01', 100000,
        '2025-01-01', 0, 'eip155:10', NULL);
RESET session_replication_role;
CREATE FUNCTION pg_temp.account_by_rows(a text, t timestamp, c text) RETURNS SETOF text
    LANGUAGE sql AS $fn$
    SELECT ROW(chain_id, asset,
               COALESCE(sum(rate_per_second) FILTER (WHERE recipient = a AND status = 'active'), 0),
               COALESCE(sum(rate_per_second) FILTER (WHERE payer = a AND status = 'active'), 0),
               COALESCE(sum(streampay_accrued(s, t)) FILTER (WHERE recipient = a), CASE WHEN t IS NOT NULL THEN 0 END),
               COALESCE(sum(streampay_accrued(s, t)) FILTER (WHERE payer = a), CASE WHEN t IS NOT NULL THEN 0 END),
               COALESCE(sum(streampay_claimable(s, t)) FILTER (WHERE recipient = a), CASE WHEN t IS NOT NULL THEN 0 END),
               COALESCE(sum(streampay_refundable(s, t)) FILTER (WHERE payer = a), CASE WHEN t IS NOT NULL THEN 0 END),
               count(*) FILTER (WHERE recipient = a AND status = 'active'),
               count(*) FILTER (WHERE recipient = a AND status = 'paused'),
               count(*) FILTER (WHERE payer = a AND status = 'active'),
               count(*) FILTER (WHERE payer = a AND status = 'paused'),
               min(streampay_depletion_time(s)) FILTER (WHERE payer = a AND status = 'active'))::text
      FROM streams s
     WHERE a IN (payer, recipient) AND (c IS NULL OR chain_id = c)
     GROUP BY chain_id, asset
     ORDER BY chain_id, asset NULLS LAST
$fn$;
SELECT count(*) AS cases, sum(cardinality(by_fn)) AS account_rows,
       count(*) FILTER (WHERE by_fn IS NOT DISTINCT FROM by_rows) AS equal_to_per_row
  FROM (SELECT (SELECT array_agg(x::text) FROM streampay_account(a, t, c) x) AS by_fn,
               (SELECT array_agg(r) FROM pg_temp.account_by_rows(a, t, c) r) AS by_rows
          FROM (SELECT payer AS a FROM streams UNION SELECT recipient FROM streams
                UNION SELECT '0x' || lpad('ff', 40, '0')) addr,
               unnest(ARRAY['2025-01-01', '2025-01-02 06:00', '2025-01-05', '2030-01-01', NULL]::timestamp[]) t,
               unnest(ARRAY[NULL, 'eip155:1', 'eip155:10']) c) x;
-- the two addresses the additions touch, in full
SELECT * FROM streampay_account('0x' || lpad(to_hex(100), 40, '0'), '2025-01-05', 'eip155:1');
SELECT * FROM streampay_account('0x' || lpad(to_hex(103), 40, '0'), '2025-01-05', 'eip155:10');
-- without a time: rates, counts and runs_dry_at; every money figure NULL
-- (0.7.1; 0 before, which claimed that nothing had streamed)
SELECT chain_id, asset, rate_out, accrued_out, refundable_out, active_out, runs_dry_at
  FROM streampay_account('0x' || lpad(to_hex(100), 40, '0'), NULL, 'eip155:1');
-- an infinite time is refused, as by the per-row functions
\set VERBOSITY terse
SELECT * FROM streampay_account('0x' || lpad(to_hex(100), 40, '0'), 'infinity');
\set VERBOSITY default
-- (a nondeterministic collation: the collation suite, which needs ICU.)
-- An address and a payer of two different implicit collations (neither
-- the default, which would give way) leave the aggregate no collation to
-- compare them with: refused as texteq refuses them; with COLLATE, counted
CREATE TEMP TABLE addr_c (a text COLLATE "C", p text COLLATE "POSIX");
INSERT INTO addr_c VALUES ('0x' || lpad(to_hex(100), 40, '0'), '0x' || lpad(to_hex(100), 40, '0'));
\set VERBOSITY terse
SELECT streampay_account_agg(c.a, c.p, s.recipient, s.chain_id, s.asset, s.id, s.status,
                             s.rate_per_second, s.start_time, s.end_time, s.total_amount,
                             s.last_settled_at, s.settled_amount, '2025-01-05')
  FROM streams s, addr_c c;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT cardinality(streampay_account_agg(c.a COLLATE "C", c.p, s.recipient, s.chain_id, s.asset,
                                         s.id, s.status, s.rate_per_second, s.start_time,
                                         s.end_time, s.total_amount, s.last_settled_at,
                                         s.settled_amount, '2025-01-05')) AS groups_under_c
  FROM streams s, addr_c c;
DROP TABLE addr_c;
SELECT cardinality(streampay_account_agg('0x' || lpad(to_hex(100), 40, '0'),
                                         payer, recipient, chain_id, asset, id, status,
                                         rate_per_second, start_time, end_time, total_amount,
                                         last_settled_at, settled_amount, '2025-01-05')) AS groups
  FROM streams;
DELETE FROM streams WHERE id::text LIKE '84000000-%';
-- an address with no streams: no rows
SELECT count(*) AS rows_for_a_stranger FROM streampay_account('0x' || lpad('ff', 40, '0'), '2025-01-05');

-- on a 100k-row table the summary reads the payer and recipient indexes
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
SELECT ('83000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       '0x' || lpad(to_hex(100000 + g % 20000), 40, '0'), '0x' || lpad(to_hex(200000 + g % 30000), 40, '0'),
       0.001, '2025-01-01', 1000, 'eip155:1'
  FROM generate_series(1, 100000) g;
ANALYZE streams;
-- (the scans of a plan, without the wrapping subquery nodes, whose names vary)
CREATE FUNCTION pg_temp.plan_scans(q text) RETURNS SETOF text LANGUAGE plpgsql AS $fn$
DECLARE
    l text;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF l ~ 'Scan' AND l !~ 'Subquery Scan' THEN
            RETURN NEXT regexp_replace(l, '^[ ->]*', '');
        END IF;
    END LOOP;
END
$fn$;
SELECT * FROM pg_temp.plan_scans($q$
  SELECT * FROM streampay_account('0x' || lpad(to_hex(100001), 40, '0'), '2025-01-05') $q$);
SELECT chain_id, accrued_out, active_out FROM streampay_account('0x' || lpad(to_hex(100001), 40, '0'), '2025-01-05');

-- the aggregate runs in parallel: partial sums in the workers, combined in the leader
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT streampay_sum_accrued(s, '2025-01-05') FROM streams s;
CREATE TEMP TABLE par AS
SELECT chain_id, streampay_sum_accrued(s, '2025-01-05') AS a FROM streams s GROUP BY chain_id;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
SELECT bool_and(p.a = x.a) AS parallel_equals_serial
  FROM par p JOIN (SELECT chain_id, sum(streampay_accrued(s, '2025-01-05')) AS a
                     FROM streams s GROUP BY chain_id) x USING (chain_id);


-- running dry: an index on the depletion time serves the window query
CREATE INDEX streams_depletion_idx ON streams (streampay_depletion_time(streams));
ANALYZE streams;
SELECT * FROM pg_temp.plan_scans($q$
  SELECT id FROM streampay_running_dry('12 hours', '2025-01-02') $q$);
SELECT id, streampay_depletion_time(s) FROM streampay_running_dry('12 hours', '2025-01-02') s;
-- the same rows as a filter over every stream
SELECT count(*) AS by_filter FROM streams s
 WHERE status = 'active' AND streampay_depletion_time(s) BETWEEN '2025-01-02' AND '2025-01-02 12:00';
DROP INDEX streams_depletion_idx;

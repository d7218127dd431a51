-- The SQL API: call forms, overload resolution, NULLs, unknown ids.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('7b2d8c1e-0000-4000-8000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 0.001,
        '2025-01-01', '2025-02-01', 1000);

-- an untyped literal resolves to the id form (the text overload)
SELECT streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001', '2025-01-01 00:16:40');
SELECT streampay_claimable('7b2d8c1e-0000-4000-8000-000000000001', '2025-01-01 00:16:40');
SELECT streampay_refundable('7b2d8c1e-0000-4000-8000-000000000001', '2025-01-01 00:16:40');
SELECT streampay_depletion_time('7b2d8c1e-0000-4000-8000-000000000001');
-- so does an untyped bind parameter (what node-postgres sends)
PREPARE by_param(unknown, unknown) AS SELECT streampay_accrued($1, $2);
EXECUTE by_param('7b2d8c1e-0000-4000-8000-000000000001', '2025-01-01 00:16:40');
PREPARE by_param1 AS SELECT streampay_accrued($1) IS NOT NULL AS resolved;
EXECUTE by_param1('7b2d8c1e-0000-4000-8000-000000000001');
SELECT pg_typeof($$x$$::unknown) AS literal_type;
-- explicit uuid, text and row forms agree
SELECT streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001'::uuid, '2025-01-01 00:16:40') AS by_uuid,
       streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001'::text, '2025-01-01 00:16:40') AS by_text,
       streampay_accrued(s, '2025-01-01 00:16:40') AS by_row,
       streampay_accrued(s.*, '2025-01-01 00:16:40') AS by_row_star
  FROM streams s;
-- the forms without as_of use the transaction time
SELECT streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001')
         = streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001'::uuid, now() AT TIME ZONE 'UTC') AS id_now,
       streampay_accrued(s) = streampay_accrued(s, now() AT TIME ZONE 'UTC') AS row_now,
       streampay_claimable(s) = streampay_claimable(s, now() AT TIME ZONE 'UTC') AS claimable_now,
       streampay_refundable(s) = streampay_refundable(s, now() AT TIME ZONE 'UTC') AS refundable_now
  FROM streams s;
-- results carry 9 decimals
SELECT scale(streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001', '2024-01-01')) AS scale_zero,
       streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001', '2024-01-01')::text AS zero_text;

-- NULL in, NULL out
SELECT streampay_accrued(NULL::uuid) IS NULL AS n1,
       streampay_accrued(NULL::uuid, '2025-01-01') IS NULL AS n2,
       streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001'::uuid, NULL) IS NULL AS n3,
       streampay_accrued(NULL::streams) IS NULL AS n4,
       streampay_depletion_time(NULL::uuid) IS NULL AS n5,
       streampay_can_transition(NULL, 'active') IS NULL AS n6,
       streampay_settle(NULL::uuid, '2025-01-01') IS NULL AS n7,
       streampay_pause(NULL::uuid) IS NULL AS n8;

-- unknown ids: P0002, naming the id
SELECT streampay_accrued('00000000-0000-0000-0000-00000000dead');

\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued('00000000-0000-0000-0000-00000000dead'::uuid, '2025-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_claimable('00000000-0000-0000-0000-00000000dead');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_refundable('00000000-0000-0000-0000-00000000dead');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_depletion_time('00000000-0000-0000-0000-00000000dead');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_cancel('00000000-0000-0000-0000-00000000dead', '2025-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- not a uuid: the chain id of a stream (0.6.0), and there is none
SELECT streampay_accrued('not-a-uuid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a non-finite as_of
SELECT streampay_accrued('7b2d8c1e-0000-4000-8000-000000000001', 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued(s, '-infinity') FROM streams s;

\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the row form works on any row of the streams type, even a hand-built one
SELECT streampay_accrued(ROW('7b2d8c1e-0000-4000-8000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                             'active', 2, '2025-01-01', NULL, 100, '2025-01-01',
                             '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL,
                             NULL, 0, NULL, NULL)::streams, '2025-01-01 00:00:21') AS hand_built;
-- and reports a row that breaks the rules instead of computing from it
SELECT streampay_accrued(ROW('7b2d8c1e-0000-4000-8000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                             'active', 'NaN', '2025-01-01', NULL, 100, '2025-01-01',
                             '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL,
                             NULL, 0, NULL, NULL)::streams, '2025-01-01 00:00:21') AS nan_rate;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued(ROW('7b2d8c1e-0000-4000-8000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                             NULL, 2, '2025-01-01', NULL, 100, '2025-01-01',
                             '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL,
                             NULL, 0, NULL, NULL)::streams, '2025-01-01 00:00:21') AS null_status;

\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the functions are usable in parallel queries and keep their answer
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT sum(streampay_accrued(s.id, '2025-01-01 00:16:40')) AS par_by_id,
       sum(streampay_accrued(s, '2025-01-01 00:16:40')) AS par_by_row
  FROM streams s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- over a table row, the planner passes the columns instead of the row ...
EXPLAIN (VERBOSE, COSTS OFF)
SELECT streampay_accrued(s, '2025-01-01 00:16:40'), streampay_refundable(s) FROM streams s;
-- ... with the same answers as the composite path (a sub-select's row is not rewritten)
SELECT count(*) FILTER (WHERE streampay_accrued(s, t) <> streampay_accrued(r, t)
                           OR streampay_claimable(s, t) <> streampay_claimable(r, t)
                           OR streampay_refundable(s, t) <> streampay_refundable(r, t)) AS mismatches,
       count(*) AS compared
  FROM streams s
  JOIN LATERAL (SELECT s2 FROM streams s2 WHERE s2.id = s.id OFFSET 0) q(r) ON true,
       generate_series('2024-12-31'::timestamp, '2025-02-02', '6 hours') t;
-- the missing side of an outer join gives NULL, as the row form does
SELECT x, streampay_accrued(s, '2025-01-02') IS NULL AS null_row
  FROM (VALUES (1)) v(x) LEFT JOIN streams s ON false;
-- a NULL as_of still gives NULL
SELECT streampay_accrued(s, NULL) IS NULL AS null_as_of FROM streams s;

-- a hand-built row is held to the table's value rules (23514), not computed from
SELECT streampay_refundable(ROW('00000000-0000-0000-0000-0000000000ff', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                                'active', 1, '2025-01-01', NULL, 10, '2025-01-01', '2025-01-01',
                                '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 11, NULL, NULL)::streams,
                            '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued(ROW('00000000-0000-0000-0000-0000000000ff', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                             'active', -1, '2025-01-01', NULL, 10, '2025-01-01', '2025-01-01',
                             '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams,
                         '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued(ROW('00000000-0000-0000-0000-0000000000ff', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                             'active', 1, '2025-01-01', '2024-01-01', 10, '2025-01-01', '2025-01-01',
                             '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams,
                         '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the valid neighbour: settled equal to total
SELECT streampay_refundable(ROW('00000000-0000-0000-0000-0000000000ff', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                                'active', 1, '2025-01-01', NULL, 10, '2025-01-01', '2025-01-01',
                                '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 10, NULL, NULL)::streams,
                            '2025-01-02') AS nothing_left;

-- test/citus/scenarios.sql: what a user does on one node, run unchanged on
-- one node and through the coordinator of a Citus cluster; test/citus.sh
-- diffs the two outputs, which must be identical.  Every time is explicit,
-- nothing prints an event id, a recorded_at or now().
\set VERBOSITY terse
\set ON_ERROR_STOP 0
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

-- a clean table and ledger
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- 1. inserts: 40 streams over two chains, assets, states and shapes
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time,
                     total_amount, chain_id, asset, last_settled_at, created_at)
SELECT ('c1000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       (ARRAY['GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
              'GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD'])[g % 2 + 1],
       (ARRAY['GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
              'GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S',
              'GD5YJDEZXGSD5R4GNIR6UAAMDE42C2HV74LTCSQLRDD344I5P335AIJQ'])[g % 3 + 1],
       CASE WHEN g % 9 = 0 THEN 'paused' ELSE 'active' END::stream_status,
       (g % 7) * 0.333333333 + 0.000000001,
       '2025-01-01'::timestamp + g * interval '1 minute',
       CASE WHEN g % 4 = 0 THEN '2025-01-02'::timestamp + g * interval '1 minute' END,
       CASE WHEN g % 5 = 0 THEN 100 ELSE 1000000 + g * 7.123456789 END,
       CASE WHEN g % 3 = 0 THEN 'stellar-pubnet' ELSE 'stellar-testnet' END,
       CASE g % 3 WHEN 0 THEN NULL ELSE 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW' END,
       '2025-01-01'::timestamp + g * interval '1 minute',
       '2025-01-01'::timestamp + g * interval '1 minute'
  FROM generate_series(1, 40) g;
-- one row with the defaults: accrues from its start, which is before the insert
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('c2000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000000);
SELECT last_settled_at = start_time AS defaults_accrue_from_start, settled_amount
  FROM streams WHERE id = 'c2000000-0000-0000-0000-000000000001';
-- three bookkeeping times given one explicit value: read as the defaults on
-- one node and on a shard alike (0.7.2); the neighbour (created_at differs)
-- is taken as given on both
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount,
                     last_settled_at, created_at, updated_at)
VALUES ('c2000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000,
        '2025-01-05', '2025-01-05', '2025-01-05'),
       ('c2000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000,
        '2025-01-05', '2025-01-04', '2025-01-05');
SELECT id, last_settled_at, streampay_accrued(id, '2025-01-05 00:00:10') AS accrued
  FROM streams WHERE id IN ('c2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003')
 ORDER BY id;
DELETE FROM streams WHERE id IN ('c2000000-0000-0000-0000-000000000002', 'c2000000-0000-0000-0000-000000000003');
SELECT count(*), sum(total_amount) FROM streams;

-- 2. transitions through the write helpers, each at an explicit time
SELECT status, settled_amount, last_settled_at
  FROM streampay_pause('c1000000-0000-0000-0000-000000000001', '2025-01-03');
SELECT status, settled_amount FROM streampay_resume('c1000000-0000-0000-0000-000000000001', '2025-01-04');
SELECT status, settled_amount FROM streampay_cancel('c1000000-0000-0000-0000-000000000002', '2025-01-03');
SELECT status, settled_amount FROM streampay_complete('c1000000-0000-0000-0000-000000000004', '2025-01-03');
SELECT streampay_settle('c1000000-0000-0000-0000-000000000003', '2025-01-02') AS settled_now,
       streampay_settle('c1000000-0000-0000-0000-000000000003', '2025-01-02') AS settled_again;
-- rate change and top-up with their event time, settling first
UPDATE streams SET rate_per_second = 2, last_settled_at = '2025-01-03'
 WHERE id = 'c1000000-0000-0000-0000-000000000005';
UPDATE streams SET total_amount = total_amount + 500, last_settled_at = '2025-01-03 12:00'
 WHERE id = 'c1000000-0000-0000-0000-000000000006';
SELECT id, status, rate_per_second, total_amount, settled_amount, last_settled_at
  FROM streams WHERE id IN ('c1000000-0000-0000-0000-000000000005', 'c1000000-0000-0000-0000-000000000006')
 ORDER BY id;
-- INSERT ... ON CONFLICT DO UPDATE is one more way in
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('c1000000-0000-0000-0000-000000000007', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1)
ON CONFLICT (id) DO UPDATE SET status = 'paused', last_settled_at = '2025-01-03 06:00';
SELECT status, settled_amount, last_settled_at FROM streams WHERE id = 'c1000000-0000-0000-0000-000000000007';
-- a subtransaction rolled back leaves the row and its ledger as they were
BEGIN;
SAVEPOINT s;
SELECT status FROM streampay_pause('c1000000-0000-0000-0000-000000000008', '2025-01-03');
ROLLBACK TO SAVEPOINT s;
SELECT status FROM streampay_cancel('c1000000-0000-0000-0000-000000000008', '2025-01-03');
COMMIT;
SELECT status, (SELECT count(*) FROM stream_events e WHERE e.stream_id = s.id) AS events
  FROM streams s WHERE id = 'c1000000-0000-0000-0000-000000000008';

-- 3. every rule, with its SQLSTATE (the row stays as it was)
SELECT streampay_resume('c1000000-0000-0000-0000-000000000002', '2025-01-04');          -- terminal
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT status, settled_amount FROM streampay_pause('c1000000-0000-0000-0000-000000000009', '2025-01-04'); -- paused again: no change
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'completed', last_settled_at = '2025-01-03'
 WHERE id = 'c1000000-0000-0000-0000-000000000011';                                     -- not done yet
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET rate_per_second = 5 WHERE id = 'c1000000-0000-0000-0000-000000000002'; -- frozen
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET settled_amount = 1 WHERE id = 'c1000000-0000-0000-0000-000000000011'; -- owned
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET payer = 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS'
 WHERE id = 'c1000000-0000-0000-0000-000000000011';                                     -- never changes
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET total_amount = 1, last_settled_at = '2025-01-03'
 WHERE id = 'c1000000-0000-0000-0000-000000000012';                                     -- below accrued
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET end_time = '2025-01-02', last_settled_at = '2025-01-03'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';                                     -- end before T
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'paused', last_settled_at = '2024-12-31'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';                                     -- clock backwards
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'paused', last_settled_at = '2999-01-01'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';                                     -- future
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'paused', last_settled_at = 'infinity'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET rate_per_second = 'NaN' WHERE id = 'c1000000-0000-0000-0000-000000000013';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET recipient = payer WHERE id = 'c1000000-0000-0000-0000-000000000013';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET recipient = 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSX'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';                                     -- bad checksum
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET recipient = 'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2'
 WHERE id = 'c1000000-0000-0000-0000-000000000013';                                     -- a secret seed
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET metadata = '{"a":' WHERE id = 'c1000000-0000-0000-0000-000000000013';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES ('c3000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1, 'nochain:1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('c3000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', -1, '2025-01-01', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('c3000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1, '2999-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE streams;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE stream_events SET actor = 'nobody' WHERE stream_id = 'c1000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM stream_events WHERE stream_id = 'c1000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued('c9999999-0000-0000-0000-000000000000'::uuid, '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_pause('c9999999-0000-0000-0000-000000000000', '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- deleted streams leave a trace, and their id is never used again
DELETE FROM streams WHERE id = 'c1000000-0000-0000-0000-000000000040';
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('c1000000-0000-0000-0000-000000000040', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 4. complete_due completes what is done, on every shard
SELECT streampay_complete_due('2025-01-02 12:00') AS completed;
SELECT streampay_complete_due('2025-01-02 12:00') AS completed_again;
SELECT status, count(*) FROM streams GROUP BY status ORDER BY status;

-- write helpers for many streams: collect the ids first (a helper runs SQL,
-- and Citus refuses SQL from a function running inside a query on a shard)
WITH ids AS MATERIALIZED (SELECT id FROM streams WHERE id::text ~ '2[0-4]$' AND status = 'active' ORDER BY id)
SELECT count(*) AS paused FROM (SELECT streampay_pause(id, '2025-01-05') FROM ids) x;

-- 5. every id form and row form agree, at several times
SELECT count(*) AS mismatches, count(*) FILTER (WHERE a IS NOT NULL) AS compared
  FROM (SELECT streampay_accrued(s, t) IS DISTINCT FROM streampay_accrued(s.id, t)
            OR streampay_claimable(s, t) IS DISTINCT FROM streampay_claimable(s.id, t)
            OR streampay_refundable(s, t) IS DISTINCT FROM streampay_refundable(s.id, t)
            OR streampay_accrued(s, t) IS DISTINCT FROM streampay_accrued(s.id::text, t)
            OR streampay_depletion_time(s) IS DISTINCT FROM streampay_depletion_time(s.id)
            OR streampay_accrued(s, t) + streampay_refundable(s, t) <> s.total_amount AS bad,
               streampay_accrued(s, t) AS a
          FROM streams s,
               unnest(ARRAY['2025-01-01', '2025-01-02 06:00', '2025-01-06', '2026-01-01']::timestamp[]) t) x
 WHERE bad;
SELECT id, streampay_accrued(s, '2025-01-06') AS accrued, streampay_claimable(s, '2025-01-06') AS claimable,
       streampay_refundable(s, '2025-01-06') AS refundable, streampay_depletion_time(s) AS runs_dry
  FROM streams s ORDER BY id;
-- the id forms called from the coordinator, by uuid and by text
SELECT streampay_accrued('c1000000-0000-0000-0000-000000000010', '2025-01-06') AS by_uuid,
       streampay_accrued('c1000000-0000-0000-0000-000000000010'::text, '2025-01-06') AS by_text,
       streampay_claimable('c1000000-0000-0000-0000-000000000010'::uuid, '2025-01-06') AS claimable,
       streampay_refundable('c1000000-0000-0000-0000-000000000010'::uuid, '2025-01-06') AS refundable,
       streampay_depletion_time('c1000000-0000-0000-0000-000000000010'::uuid) AS runs_dry;
-- the missing side of an outer join gives NULL
SELECT x, streampay_accrued(s, '2025-01-02') IS NULL AS null_row, streampay_depletion_time(s) IS NULL AS null_dry
  FROM (VALUES (1), (2)) v(x) LEFT JOIN streams s ON s.id = 'c1000000-0000-0000-0000-000000000010' AND x = 1
 ORDER BY x;

-- 6. the aggregates: exact, per (chain, asset), equal to the per-row sums
SELECT chain_id, asset,
       streampay_sum_accrued(s, '2025-01-06') AS accrued,
       streampay_sum_claimable(s, '2025-01-06') AS claimable,
       streampay_sum_refundable(s, '2025-01-06') AS refundable,
       streampay_sum_accrued(s, '2025-01-06') = sum(streampay_accrued(s, '2025-01-06')) AS same_as_rows,
       count(*)
  FROM streams s GROUP BY chain_id, asset ORDER BY chain_id, asset NULLS LAST;
SELECT streampay_sum_accrued(s, '2025-01-06') AS all_accrued FROM streams s;
SELECT streampay_sum_accrued(s, '2025-01-06') AS none FROM streams s WHERE false;

-- 7. the ledger: per stream the deltas sum to settled_amount; the events
SELECT count(*) AS streams_off_ledger
  FROM streams s
  LEFT JOIN (SELECT stream_id, sum(settled_delta) AS d FROM stream_events GROUP BY stream_id) e
    ON e.stream_id = s.id
 WHERE s.settled_amount IS DISTINCT FROM coalesce(e.d, 0);
SELECT event_type, source, actor, count(*), sum(settled_delta) AS settled
  FROM stream_events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT stream_id, event_type,
       CASE WHEN event_type = 'deleted' THEN occurred_at > '2025-06-01' END AS deleted_now,
       CASE WHEN event_type <> 'deleted' THEN occurred_at END AS occurred_at, from_status, to_status, settled_delta, settled_amount,
       rate_per_second, total_amount
  FROM stream_events
 WHERE stream_id IN ('c1000000-0000-0000-0000-000000000001', 'c1000000-0000-0000-0000-000000000005',
                     'c1000000-0000-0000-0000-000000000040')
 ORDER BY stream_id, occurred_at, event_type;

-- 8. signed webhook ingestion, with idempotency
CREATE TEMP TABLE p (name text PRIMARY KEY, body text);
INSERT INTO p VALUES
 ('create', '{"eventId":"cit-001","eventType":"stream_created","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:00:00Z","chainId":"stellar-testnet","transactionHash":"AAAABBBBCCCCDDDDAAAABBBBCCCCDDDDAAAABBBBCCCCDDDDAAAABBBBCCCCDDDD","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"0.5","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z","asset":"CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW"}}'),
 ('pause',  '{"eventId":"cit-002","eventType":"stream_paused","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:10:00Z"}'),
 ('resume', '{"eventId":"cit-003","eventType":"stream_resumed","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:15:00Z"}'),
 ('settle', '{"eventId":"cit-004","eventType":"settled","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:20:00Z","transactionHash":"1111111111111111111111111111111111111111111111111111111111111111","data":{"amount":"150"}}'),
 ('badamount', '{"eventId":"cit-005","eventType":"settled","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:30:00Z","data":{"amount":"300.000000001"}}'),
 ('rate',   '{"eventId":"cit-006","eventType":"rate_changed","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:30:00Z","data":{"ratePerSecond":"2"}}'),
 ('topup',  '{"eventId":"cit-007","eventType":"topped_up","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:40:00Z","data":{"amount":"500"}}'),
 ('late',   '{"eventId":"cit-008","eventType":"stream_paused","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:35:00Z"}'),
 ('noop',   '{"eventId":"cit-009","eventType":"settled","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:40:00Z"}'),
 ('cancel', '{"eventId":"cit-010","eventType":"stream_cancelled","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:42:00Z"}'),
 ('unknownstream', '{"eventId":"cit-013","eventType":"stream_paused","streamId":"c4000000-0000-0000-0000-00000000dead","occurredAt":"2025-01-01T00:55:00Z"}'),
 ('conflict', '{"eventId":"cit-002","eventType":"stream_cancelled","streamId":"c4000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:10:00Z"}'),
 ('other', '{"eventId":"cit-011","eventType":"stream_created","streamId":"c4000000-0000-0000-0000-000000000002","occurredAt":"2025-01-01T00:00:00Z","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"10","startTime":"2025-01-01T00:00:00Z"}}');
SET client_min_messages = error;
CREATE FUNCTION pg_temp.send(name text, key text DEFAULT :'webhook_key') RETURNS jsonb
LANGUAGE sql AS $$
  SELECT streampay_ingest(p.body, streampay_sign(p.body, key)) FROM p WHERE p.name = send.name
$$;
RESET client_min_messages;
SET client_min_messages = warning;
SELECT pg_temp.send('create') - 'lastSettledAt' AS created;
SELECT pg_temp.send('pause');
SELECT pg_temp.send('pause') AS replay;
SELECT pg_temp.send('resume');
SELECT pg_temp.send('settle');
SELECT pg_temp.send('badamount');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('rate');
SELECT pg_temp.send('topup');
SELECT pg_temp.send('late');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('noop');
SELECT pg_temp.send('cancel');
SELECT pg_temp.send('cancel') AS replay;
SELECT pg_temp.send('unknownstream');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('conflict');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('pause', 'not-the-key');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('other') - 'lastSettledAt' AS other;
SELECT event_type, source, external_event_id, transaction_hash, encode(payload_digest, 'hex') IS NOT NULL AS digest,
       actor = current_user AS by_caller, settled_delta, settled_amount, to_status
  FROM stream_events WHERE stream_id::text LIKE 'c4000000-%'
 ORDER BY stream_id, occurred_at, event_type;
-- out of order (0.6.0): chain ids, events 1, 3, 2, an event before its
-- stream's creation, duplicates; one node and the cluster converge alike
INSERT INTO p VALUES
 ('o1', '{"eventId":"ooo-1","eventType":"stream_created","streamId":"42","occurredAt":"2025-01-01T00:00:00Z","ledger":100,"data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}'),
 ('o2', '{"eventId":"ooo-2","eventType":"rate_changed","streamId":"42","occurredAt":"2025-01-01T00:01:40Z","ledger":101,"data":{"ratePerSecond":"2"}}'),
 ('o3', '{"eventId":"ooo-3","eventType":"stream_paused","streamId":"42","occurredAt":"2025-01-01T00:03:20Z","ledger":102}'),
 ('u2', '{"eventId":"ooo-u2","eventType":"stream_paused","streamId":"stream_456","occurredAt":"2025-01-01T00:00:10Z"}'),
 ('u1', '{"eventId":"ooo-u1","eventType":"stream_created","streamId":"stream_456","occurredAt":"2025-01-01T00:00:00Z","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"3","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}');
SELECT r ->> 'outcome' AS outcome, r ->> 'reason' AS reason, r ->> 'status' AS status,
       r ->> 'settledAmount' AS settled
  FROM unnest(ARRAY['o1', 'o3', 'o2', 'o3', 'u2', 'u1', 'u2']) WITH ORDINALITY AS d(name, n),
       LATERAL pg_temp.send(d.name) r
 ORDER BY d.n;
SELECT chain_stream_id, status, rate_per_second, total_amount, settled_amount, last_settled_at,
       streampay_accrued(s, '2025-01-02') AS accrued,
       (SELECT sum(e.settled_delta) FROM stream_events e WHERE e.stream_id = s.id) = s.settled_amount AS ledger_ok
  FROM streams s WHERE chain_stream_id IN ('42', 'stream_456') ORDER BY 1;
SELECT streampay_accrued('42', '2025-01-02') AS by_chain_id;
-- (the id first: a function that queries streams cannot run inside a query on the shards)
SELECT streampay_stream_id('42') AS ooo_id \gset
SELECT event_type, settled_delta, external_event_id, rederived_event_id, chain_ledger
  FROM stream_events WHERE stream_id = :'ooo_id' ORDER BY occurred_at, event_id;
SELECT count(*) AS parked FROM streampay_parked;

-- 9. per account: one row per (chain, asset)
SELECT * FROM streampay_account('GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', '2025-01-06');
SELECT * FROM streampay_account('GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', '2025-01-06', 'stellar-testnet');
SELECT id, streampay_depletion_time(s) FROM streampay_running_dry('30 days', '2025-01-01') s ORDER BY 2, 1;

-- 10. retention
SELECT streampay_purge_events('2000-01-01') AS purged_nothing;

-- Trust boundary, part 2: the append-only event ledger.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
TRUNCATE streams;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('10000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
SELECT streampay_pause('10000000-0000-0000-0000-000000000001', '2025-01-01 00:01:00') IS NOT NULL AS paused;
SELECT streampay_resume('10000000-0000-0000-0000-000000000001', '2025-01-01 00:02:00') IS NOT NULL AS resumed;
SELECT streampay_settle('10000000-0000-0000-0000-000000000001', '2025-01-01 00:02:30') AS settled;
UPDATE streams SET rate_per_second = 2, total_amount = 2000, last_settled_at = '2025-01-01 00:03:00'
 WHERE id = '10000000-0000-0000-0000-000000000001';
UPDATE streams SET total_amount = 1500, end_time = '2025-02-01', last_settled_at = '2025-01-01 00:04:00'
 WHERE id = '10000000-0000-0000-0000-000000000001';
-- metadata-only and hash-only updates are not events
UPDATE streams SET metadata = '{"k": 1}' WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT streampay_cancel('10000000-0000-0000-0000-000000000001', '2025-01-01 00:05:00') IS NOT NULL AS cancelled;

SELECT event_type,
       CASE WHEN event_type = 'created' THEN 'created_at' ELSE occurred_at::text END AS occurred_at,
       from_status, to_status, settled_delta, settled_amount,
       rate_per_second, total_amount, actor, source, external_event_id, transaction_hash,
       payload_digest, recorded_at IS NOT NULL AS recorded
  FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001'
 ORDER BY event_id;

-- the settled deltas of a stream sum to its settled_amount
SELECT s.settled_amount, (SELECT sum(settled_delta) FROM stream_events e WHERE e.stream_id = s.id) AS ledger_sum
  FROM streams s WHERE id = '10000000-0000-0000-0000-000000000001';

-- a rejected change leaves no event behind
SELECT count(*) AS events_before FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
SELECT streampay_resume('10000000-0000-0000-0000-000000000001', '2025-01-01 00:06:00');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS events_after FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';

-- append-only: no UPDATE, DELETE or TRUNCATE, not even for a superuser
UPDATE stream_events SET settled_delta = 0 WHERE stream_id = '10000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE stream_events;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the internal switch is for superusers only ...
CREATE ROLE streampay_test_plain;
SET ROLE streampay_test_plain;
SET streampay.allow_event_purge = on;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET streampay.event_source = 'webhook';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_purge_events('2100-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE streampay_test_plain;
-- ... and retention is a superuser's function: nothing recorded before the cutoff here
SELECT streampay_purge_events('2000-01-01') AS purged_nothing;
SELECT count(*) AS events_kept FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
BEGIN;
SELECT streampay_purge_events('2100-01-01') > 0 AS purged_old_rows;
SELECT count(*) AS events_left FROM stream_events;
-- the switch does not outlive the purge
SELECT current_setting('streampay.allow_event_purge') AS purge_switch;
ROLLBACK;
SELECT count(*) > 0 AS events_back_after_rollback FROM stream_events;

-- a restore-style insert (history already present) appends nothing new
BEGIN;
SELECT count(*) AS events_before FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
DELETE FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
INSERT INTO streams SELECT * FROM (VALUES ('10000000-0000-0000-0000-000000000001'::uuid)) v(id)
  CROSS JOIN LATERAL (SELECT 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS'::varchar, 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU'::varchar, 'cancelled'::stream_status,
                             2::numeric, '2025-01-01'::timestamp, '2025-02-01'::timestamp, 1500::numeric,
                             '2025-01-01 00:05:00'::timestamp, '2025-01-01'::timestamp,
                             '2025-01-01'::timestamp, 'stellar-testnet'::varchar, NULL::varchar,
                             NULL::varchar, NULL::text, 640::numeric) x;
SELECT count(*) AS events_after FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
ROLLBACK;

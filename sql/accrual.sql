-- Accrual before start, during, after end, capped at total, across pause and
-- resume, across a rate change and after cancel.  Explicit times only.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- 0.5 per second from 00:00 to 01:00, 1000 allocated (only 1800 would stream)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 0.5,
        '2025-01-01 00:00:00', '2025-01-01 01:00:00', 1000);
-- inserted with the defaults: accrues from start_time (last_settled_at moved back)
SELECT last_settled_at, settled_amount FROM streams;

-- the three bookkeeping times given one explicit value are read as the
-- defaults too (0.7.2): on a Citus shard the coordinator's now() arrives as
-- such values, and one node answers as a cluster does
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount,
                     last_settled_at, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-0000000000e1', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01', 1000000, '2025-01-05', '2025-01-05', '2025-01-05');
-- neighbour: created_at differs, so last_settled_at is taken as given
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount,
                     last_settled_at, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-0000000000e2', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01', 1000000, '2025-01-05', '2025-01-04', '2025-01-05');
SELECT id, last_settled_at, streampay_accrued(id, '2025-01-05 00:00:10') AS accrued
  FROM streams WHERE id IN ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000e2')
 ORDER BY id;
DELETE FROM streams WHERE id IN ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000e2');

SELECT t AS as_of,
       streampay_accrued('00000000-0000-0000-0000-000000000001', t) AS accrued,
       streampay_claimable('00000000-0000-0000-0000-000000000001', t) AS claimable,
       streampay_refundable('00000000-0000-0000-0000-000000000001', t) AS refundable
  FROM unnest(ARRAY['2024-12-31 23:59:59', '2025-01-01 00:00:00',
                    '2025-01-01 00:00:00.000001', '2025-01-01 00:00:01',
                    '2025-01-01 00:10:00', '2025-01-01 00:33:19.999999',
                    '2025-01-01 00:33:20', '2025-01-01 00:50:00',
                    '2025-01-01 01:00:00', '2026-01-01']::timestamp[]) t;

-- an end that comes before the money runs out: accrual stops at the end
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 0.25,
        '2025-01-01 00:00:00', '2025-01-01 00:01:00', 1000);
SELECT streampay_accrued('00000000-0000-0000-0000-000000000002', '2025-01-01 00:00:30') AS mid,
       streampay_accrued('00000000-0000-0000-0000-000000000002', '2025-01-01 00:01:00') AS at_end,
       streampay_accrued('00000000-0000-0000-0000-000000000002', '2030-01-01') AS long_after,
       streampay_refundable('00000000-0000-0000-0000-000000000002', '2030-01-01') AS refundable;

-- pause and resume: paused time never accrues
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01 00:00:00', 100000);
SELECT settled_amount, last_settled_at FROM streampay_pause('00000000-0000-0000-0000-000000000003', '2025-01-01 00:01:40');
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2025-01-01 05:00:00') AS while_paused,
       streampay_claimable('00000000-0000-0000-0000-000000000003', '2025-01-01 05:00:00') AS claimable_paused;
SELECT settled_amount, last_settled_at FROM streampay_resume('00000000-0000-0000-0000-000000000003', '2025-01-01 10:00:00');
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2025-01-01 10:00:10') AS after_resume;

-- rate change: applies from the change on
UPDATE streams SET rate_per_second = 3, last_settled_at = '2025-01-01 10:00:20'
 WHERE id = '00000000-0000-0000-0000-000000000003';
SELECT settled_amount, last_settled_at, rate_per_second FROM streams
 WHERE id = '00000000-0000-0000-0000-000000000003';
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2025-01-01 10:00:30') AS after_rate_change;

-- cancel settles, then freezes
SELECT status, settled_amount FROM streampay_cancel('00000000-0000-0000-0000-000000000003', '2025-01-01 10:01:00');
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2030-01-01') AS after_cancel,
       streampay_refundable('00000000-0000-0000-0000-000000000003', '2030-01-01') AS refundable_after_cancel;

-- a stream whose start is in the future accrues nothing yet
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000004', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-06-01', 100, '2025-05-01');
SELECT streampay_accrued('00000000-0000-0000-0000-000000000004', '2025-05-31 23:59:59') AS before_start,
       streampay_accrued('00000000-0000-0000-0000-000000000004', '2025-06-01 00:00:42') AS after_start;

-- the row forms agree with the id forms on every stream, at several times
SELECT count(*) AS mismatches
  FROM streams s, unnest(ARRAY['2025-01-01 00:00:07', '2025-01-01 10:00:45',
                               '2025-06-02']::timestamp[]) t
 WHERE streampay_accrued(s, t) <> streampay_accrued(s.id, t)
    OR streampay_claimable(s, t) <> streampay_claimable(s.id, t)
    OR streampay_refundable(s, t) <> streampay_refundable(s.id, t)
    OR streampay_accrued(s, t) + streampay_refundable(s, t) <> s.total_amount;

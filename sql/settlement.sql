-- Settlement, top-up, total decrease, end changes, completion, depletion.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01 00:00:00', '2025-01-02 00:00:00', 100);

-- settle returns what it added; settling again at the same time adds 0
SELECT streampay_settle('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:30') AS first;
SELECT streampay_settle('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:30') AS again;
SELECT streampay_settle('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:40.5') AS second;
SELECT settled_amount, last_settled_at FROM streams;
-- a plain UPDATE of last_settled_at is the same settlement
UPDATE streams SET last_settled_at = '2025-01-01 00:00:50' WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT settled_amount, last_settled_at FROM streams;

-- total decrease: down to exactly what has accrued is allowed ...
UPDATE streams SET total_amount = 55, last_settled_at = '2025-01-01 00:00:55'
 WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT total_amount, settled_amount, last_settled_at FROM streams;
-- ... one unit below is not, and the row is unchanged
UPDATE streams SET total_amount = 54.999999999, last_settled_at = '2025-01-01 00:00:56'
 WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT total_amount, settled_amount, last_settled_at FROM streams;

-- the stream is dry now: nothing more accrues
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 01:00:00') AS dry;
-- top-up an hour later: streams from the top-up on, no back pay for the dry hour
UPDATE streams SET total_amount = 100, last_settled_at = '2025-01-01 01:00:00'
 WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT total_amount, settled_amount, last_settled_at FROM streams;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 01:00:10') AS after_topup;

-- depletion time: when the 45 left run out at 1 per second
SELECT streampay_depletion_time('00000000-0000-0000-0000-000000000001') AS depletes,
       streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 01:00:44.999999') AS just_before,
       streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 01:00:45') AS at_depletion;

-- end_time may move, but not before the time of the change
UPDATE streams SET end_time = '2025-01-01 01:00:04', last_settled_at = '2025-01-01 01:00:05'
 WHERE id = '00000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET end_time = '2025-01-01 01:00:05', last_settled_at = '2025-01-01 01:00:05'
 WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT end_time, settled_amount, last_settled_at FROM streams;
-- end comes before the money runs out now: no depletion
SELECT streampay_depletion_time('00000000-0000-0000-0000-000000000001') AS depletes_after_end_moved;

-- complete: only when done.  The end has passed (01:00:05), so this works.
SELECT status, settled_amount FROM streampay_complete('00000000-0000-0000-0000-000000000001', '2025-01-01 02:00:00');

-- not done: neither ended nor fully accrued -> rejected with a hint to cancel
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01 00:00:00', '2025-01-01 00:10:00', 1000);
SELECT status FROM streampay_complete('00000000-0000-0000-0000-000000000002', '2025-01-01 00:09:59.999999');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT status, settled_amount, last_settled_at FROM streams WHERE id = '00000000-0000-0000-0000-000000000002';
-- exactly at the end it is done
SELECT status, settled_amount FROM streampay_complete('00000000-0000-0000-0000-000000000002', '2025-01-01 00:10:00');

-- fully accrued before its end (or with no end) is done too
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 10,
        '2025-01-01 00:00:00', 100);
SELECT status FROM streampay_complete('00000000-0000-0000-0000-000000000003', '2025-01-01 00:00:09.999999');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT status, settled_amount FROM streampay_complete('00000000-0000-0000-0000-000000000003', '2025-01-01 00:00:10');

-- complete_due: completes every active stream that is done at as_of
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000004', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 1, '2025-01-01', '2025-01-01 00:01:00', 1000, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000005', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 1, '2025-01-01', NULL, 30, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000006', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 1, '2025-01-01', NULL, 1000, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000007', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'paused', 1, '2025-01-01', '2025-01-01 00:00:10', 1000, '2025-01-01');
SELECT streampay_complete_due('2025-01-01 00:00:59') AS due_at_59s;
SELECT streampay_complete_due('2025-01-01 00:01:00') AS due_at_60s;
SELECT streampay_complete_due('2025-01-01 00:01:00') AS due_again;
SELECT id, status, settled_amount, last_settled_at FROM streams
 WHERE id >= '00000000-0000-0000-0000-000000000004' ORDER BY id;

-- depletion time edge cases
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000010', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 0.000000003, '2025-01-01', NULL, 0.000000010, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000011', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 0, '2025-01-01', NULL, 10, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000012', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'paused', 1, '2025-01-01', NULL, 10, '2025-01-01'),
       ('00000000-0000-0000-0000-000000000013', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', 1, '2025-03-01', '2025-03-01 00:00:10', 10, '2025-01-01');
SELECT id, streampay_depletion_time(id) AS by_id, streampay_depletion_time(s) AS by_row
  FROM streams s WHERE id >= '00000000-0000-0000-0000-000000000010' ORDER BY id;
-- 10 units at 3 units per second: 3.333... s, rounded up to the microsecond
SELECT streampay_accrued('00000000-0000-0000-0000-000000000010', '2025-01-01 00:00:03.333333') AS before,
       streampay_accrued('00000000-0000-0000-0000-000000000010', '2025-01-01 00:00:03.333334') AS at;

-- settled_amount never exceeds total and accrued + refundable = total everywhere
SELECT count(*) AS violations FROM streams s
 WHERE s.settled_amount > s.total_amount
    OR streampay_accrued(s, '2025-06-01') + streampay_refundable(s, '2025-06-01') <> s.total_amount;

-- Timestamps are UTC wall-clock times: the same flow gives the same balances
-- whatever the session's TimeZone.
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

CREATE FUNCTION pg_temp.flow(n int) RETURNS TABLE (step text, accrued numeric,
                                                   refundable numeric, settled numeric)
LANGUAGE plpgsql AS $$
DECLARE
    sid uuid := ('00000000-0000-0000-0000-00000000000' || n)::uuid;
BEGIN
    -- defaults for last_settled_at/created_at/updated_at: now() at UTC
    INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
    VALUES (sid, 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 0.000123457, '2025-03-09 06:00:00',
            '2025-11-02 06:00:00', 5000);
    PERFORM streampay_pause(sid, '2025-03-09 07:30:00');
    PERFORM streampay_resume(sid, '2025-03-30 01:30:00');
    PERFORM streampay_settle(sid, '2025-10-26 02:30:00');
    RETURN QUERY
    SELECT 'before end', streampay_accrued(sid, '2025-11-01 12:00:00'),
           streampay_refundable(sid, '2025-11-01 12:00:00'), s.settled_amount
      FROM streams s WHERE s.id = sid;
    PERFORM streampay_cancel(sid, '2025-11-01 12:00:00');
    RETURN QUERY
    SELECT 'after cancel', streampay_accrued(sid, '2026-01-01'),
           streampay_refundable(sid, '2026-01-01'), s.settled_amount
      FROM streams s WHERE s.id = sid;
    -- the defaults were taken at UTC
    RETURN QUERY
    SELECT 'created_at is UTC: ' || (s.created_at = now() AT TIME ZONE 'UTC'), NULL::numeric,
           NULL::numeric, NULL::numeric
      FROM streams s WHERE s.id = sid;
END $$;

SET TimeZone = 'UTC';
SELECT * FROM pg_temp.flow(1);
SET TimeZone = 'America/New_York';
SELECT * FROM pg_temp.flow(2);
SET TimeZone = 'Asia/Kolkata';
SELECT * FROM pg_temp.flow(3);

-- identical rows apart from id and the creation instants
SELECT count(DISTINCT (status, rate_per_second, start_time, end_time, total_amount,
                       last_settled_at, settled_amount)) AS distinct_outcomes
  FROM streams;

-- an UPDATE with no explicit event time settles at the transaction time in UTC
SET TimeZone = 'America/New_York';
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000009', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1e10);
UPDATE streams SET status = 'paused' WHERE id = '00000000-0000-0000-0000-000000000009';
SELECT last_settled_at = (now() AT TIME ZONE 'UTC') AS settled_at_utc_now,
       updated_at = (now() AT TIME ZONE 'UTC') AS updated_at_utc_now,
       settled_amount = streampay_accrued(s, now() AT TIME ZONE 'UTC') AS settled_everything
  FROM streams s WHERE id = '00000000-0000-0000-0000-000000000009';
COMMIT;
RESET TimeZone;

-- The status graph, as data and as enforced by the trigger on every pair.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- streampay_can_transition: all 16 pairs
SELECT f AS from_status, t AS to_status, streampay_can_transition(f, t) AS allowed
  FROM unnest(enum_range(NULL::stream_status)) f,
       unnest(enum_range(NULL::stream_status)) t
 ORDER BY f, t;

-- One stream per (from, to) pair, each already past its end so that
-- 'completed' is reachable whenever the graph allows it.
CREATE TEMP TABLE pairs AS
SELECT f, t, ('00000000-0000-0000-0000-0000000000' || fo || to_)::uuid AS id
  FROM unnest(enum_range(NULL::stream_status)) WITH ORDINALITY a(f, fo),
       unnest(enum_range(NULL::stream_status)) WITH ORDINALITY b(t, to_);
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time,
                     end_time, total_amount, last_settled_at)
SELECT id, 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', f, 1, '2025-01-01', '2025-01-02', 1000000, '2025-01-01'
  FROM pairs;

-- the trigger's answer for every pair (same status: not a transition, allowed)
SELECT p.f AS from_status, p.t AS to_status,
       pg_temp.try(format('UPDATE streams SET status = %L, last_settled_at = %L WHERE id = %L',
                          p.t, '2025-03-01', p.id)) AS result
  FROM pairs p ORDER BY p.f, p.t;

-- each row ended where the answer says, and nothing else moved
SELECT p.f AS from_status, p.t AS to_status, s.status AS now_status,
       s.settled_amount, s.last_settled_at
  FROM pairs p JOIN streams s USING (id) ORDER BY p.f, p.t;

-- the trigger agrees with streampay_can_transition on every real transition
SELECT count(*) AS disagreements
  FROM pairs p JOIN streams s USING (id)
 WHERE p.f <> p.t AND (s.status = p.t) <> streampay_can_transition(p.f, p.t);

-- a full lifecycle through the wrappers: active -> paused -> active -> cancelled
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000100', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 2, '2025-01-01', 1000000);
SELECT status, settled_amount, last_settled_at FROM streampay_pause('00000000-0000-0000-0000-000000000100', '2025-01-01 00:01:00');
SELECT status, settled_amount, last_settled_at FROM streampay_resume('00000000-0000-0000-0000-000000000100', '2025-01-01 00:11:00');
SELECT status, settled_amount, last_settled_at FROM streampay_cancel('00000000-0000-0000-0000-000000000100', '2025-01-01 00:12:00');
-- cancelled is terminal: the wrapper gets the trigger's error
SELECT status FROM streampay_resume('00000000-0000-0000-0000-000000000100', '2025-01-01 00:13:00');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an unknown id is P0002 for every wrapper
SELECT status FROM streampay_pause('00000000-0000-0000-0000-00000000dead', '2025-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_settle('00000000-0000-0000-0000-00000000dead', '2025-01-01');

\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Trust boundary, part 2: the append-only event ledger.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

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

-- a restore-style insert: the history is there and the row is not (what
-- pg_dump's restore writes; replica mode stands in for the restore here),
-- and the row is exactly the state its history ends in: nothing is appended
BEGIN;
CREATE TEMP TABLE keep ON COMMIT DROP AS
  SELECT * FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT count(*) AS events_before FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
SET LOCAL session_replication_role = replica;
DELETE FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
SET LOCAL session_replication_role = origin;
INSERT INTO streams SELECT * FROM keep;
SELECT count(*) AS events_after FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001';
-- in any other state it would rewrite history without a trace: refused
SET LOCAL session_replication_role = replica;
DELETE FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
SET LOCAL session_replication_role = origin;
SAVEPOINT forged;
INSERT INTO streams SELECT id, payer, recipient, 'completed', rate_per_second, start_time, end_time,
       total_amount, last_settled_at, created_at, updated_at, chain_id, contract_address,
       transaction_hash, metadata, total_amount FROM keep;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK TO forged;
ROLLBACK;

-- a DELETE is recorded in the ledger, and the id cannot come back
BEGIN;
CREATE TEMP TABLE keep ON COMMIT DROP AS
  SELECT * FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
DELETE FROM streams WHERE id = '10000000-0000-0000-0000-000000000001';
SELECT event_type, from_status, to_status, settled_delta, settled_amount, total_amount
  FROM stream_events WHERE stream_id = '10000000-0000-0000-0000-000000000001'
 ORDER BY event_id DESC LIMIT 1;
SAVEPOINT again;
INSERT INTO streams SELECT * FROM keep;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK TO again;
ROLLBACK;
-- TRUNCATE would remove streams without a trace: refused, even for a superuser
TRUNCATE streams;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) > 0 AS streams_still_there FROM streams;

-- The append goes straight through the executor's single-row insert, with
-- the writer kept for the whole statement.  It still honours what a table
-- promises: user triggers on stream_events, new columns and their defaults
-- (also when added in the same transaction), the unique external_event_id,
-- and errors and subtransactions leave nothing behind.  Code on
-- stream_events runs as the writer of streams, like any trigger.
CREATE TABLE ledger_seen (event_id bigint, event_type text, tag text);
CREATE FUNCTION ledger_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_type = 'rate_changed' AND NEW.rate_per_second = 13 THEN
        RAISE EXCEPTION 'ledger_tag refuses rate 13';
    END IF;
    INSERT INTO public.ledger_seen VALUES (NEW.event_id, NEW.event_type, TG_WHEN);
    RETURN NEW;
END $$;
CREATE TRIGGER a_tag BEFORE INSERT ON stream_events FOR EACH ROW EXECUTE FUNCTION ledger_tag();
CREATE TRIGGER b_tag AFTER INSERT ON stream_events FOR EACH ROW EXECUTE FUNCTION ledger_tag();
INSERT INTO streams (id, payer, recipient, rate_per_second, total_amount, start_time, last_settled_at, created_at)
SELECT ('3a000000-0000-0000-0000-00000000000' || g)::uuid,
       'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
       1, 1000000, '2025-03-01', '2025-03-01', '2025-03-01'
  FROM generate_series(1, 3) g;
-- one statement, three streams, two events each: one writer, six appends, twelve trigger calls
UPDATE streams SET rate_per_second = 2, total_amount = 2000000, last_settled_at = '2025-03-01 00:00:10'
 WHERE id::text LIKE '3a000000-%';
SELECT event_type, tag, count(*) FROM ledger_seen GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS events_with_ids FROM stream_events
 WHERE stream_id::text LIKE '3a000000-%' AND event_id IS NOT NULL AND recorded_at IS NOT NULL;
-- a user trigger's error rolls back the whole statement, ledger included
UPDATE streams SET rate_per_second = 13, last_settled_at = '2025-03-01 00:00:20'
 WHERE id::text LIKE '3a000000-%';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rate_13_events FROM stream_events WHERE rate_per_second = 13;
SELECT count(*) AS streams_at_rate_13 FROM streams WHERE rate_per_second = 13;
-- the neighbour: rate 12 goes through
UPDATE streams SET rate_per_second = 12, last_settled_at = '2025-03-01 00:00:20'
 WHERE id = '3a000000-0000-0000-0000-000000000001';
SELECT event_type, settled_delta, rate_per_second FROM stream_events
 WHERE stream_id = '3a000000-0000-0000-0000-000000000001' ORDER BY event_id DESC LIMIT 1;
DROP TRIGGER a_tag ON stream_events;
DROP TRIGGER b_tag ON stream_events;
-- inside a rolled-back subtransaction, then in the same transaction a new
-- column with a default, and a commit: no reference or lock leaks
BEGIN;
DO $$
BEGIN
    UPDATE streams SET status = 'paused', last_settled_at = '2025-03-01 00:00:30'
     WHERE id = '3a000000-0000-0000-0000-000000000002';
    RAISE EXCEPTION 'undo';
EXCEPTION WHEN raise_exception THEN NULL;
END $$;
ALTER TABLE stream_events ADD COLUMN note text DEFAULT 'added in this transaction';
UPDATE streams SET status = 'paused', last_settled_at = '2025-03-01 00:00:40'
 WHERE id = '3a000000-0000-0000-0000-000000000002';
SELECT event_type, occurred_at, note FROM stream_events
 WHERE stream_id = '3a000000-0000-0000-0000-000000000002' ORDER BY event_id DESC LIMIT 1;
COMMIT;
ALTER TABLE stream_events DROP COLUMN note;
-- an external event id is unique in the ledger however the row gets there
BEGIN;
SET LOCAL streampay.event_source = 'webhook';
SET LOCAL streampay.external_event_id = 'evt-direct-1';
UPDATE streams SET status = 'active', last_settled_at = '2025-03-01 00:00:50'
 WHERE id = '3a000000-0000-0000-0000-000000000002';
SAVEPOINT again;
UPDATE streams SET status = 'paused', last_settled_at = '2025-03-01 00:01:00'
 WHERE id = '3a000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK TO again;
SELECT event_type, source, external_event_id FROM stream_events WHERE external_event_id = 'evt-direct-1';
COMMIT;
-- the ledger still sums to settled_amount for every stream
SELECT count(*) AS streams_whose_ledger_disagrees
  FROM streams s
 WHERE s.settled_amount <> (SELECT coalesce(sum(settled_delta), 0) FROM stream_events e WHERE e.stream_id = s.id);
-- the ledger keeps transaction_hash's declared length (varchar(66)) for what
-- it copies from the internal event settings: 67 characters are refused,
-- 66 go through
BEGIN;
SET LOCAL streampay.event_source = 'webhook';
SET LOCAL streampay.event_transaction_hash = '0x0123456789012345678901234567890123456789012345678901234567890123a';
UPDATE streams SET status = 'paused', last_settled_at = '2025-03-01 00:01:10'
 WHERE id = '3a000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT status FROM streams WHERE id = '3a000000-0000-0000-0000-000000000002';
BEGIN;
SET LOCAL streampay.event_source = 'webhook';
SET LOCAL streampay.event_transaction_hash = '0x0123456789012345678901234567890123456789012345678901234567890123';
UPDATE streams SET status = 'paused', last_settled_at = '2025-03-01 00:01:10'
 WHERE id = '3a000000-0000-0000-0000-000000000002';
SELECT event_type, length(transaction_hash) FROM stream_events
 WHERE stream_id = '3a000000-0000-0000-0000-000000000002' ORDER BY event_id DESC LIMIT 1;
COMMIT;

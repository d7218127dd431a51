-- Bad-input census: every kind of bad input at every entry point (INSERT
-- and UPDATE on streams, every streampay_* function, the ledger), each with
-- the SQLSTATE it gets, and proof after each group that nothing changed:
-- no row, no column, no ledger event.  Cases are numbered "-- case N:";
-- the code in parentheses is the SQLSTATE the case must get.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
\set VERBOSITY terse
\set P '''GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS'''
\set R '''GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU'''
\set A '''00000000-0000-0000-0000-0000000000c1'''
\set B '''00000000-0000-0000-0000-0000000000c2'''
\set C '''00000000-0000-0000-0000-0000000000c3'''
\set N '''00000000-0000-0000-0000-0000000000cf'''

-- fixtures: A active, B paused, C cancelled
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount, metadata)
VALUES (:A, :P, :R, 1, '2025-01-01', '2025-12-01', 100000000, '{"v":1}'),
       (:B, :P, :R, 1, '2025-01-01', NULL, 1000, NULL),
       (:C, :P, :R, 1, '2025-01-01', NULL, 1000, NULL);
SELECT status, settled_amount FROM streampay_pause(:B, '2025-01-01 00:01:40');
SELECT status, settled_amount FROM streampay_cancel(:C, '2025-01-01 00:00:10');

-- the snapshot every group is checked against: all columns of all rows
-- (updated_at too: a rejected statement changes nothing) and the ledger
CREATE TEMP TABLE snap AS SELECT * FROM streams;
CREATE TEMP TABLE snap_events AS SELECT count(*) AS n FROM stream_events
 WHERE stream_id IN (SELECT id FROM snap);
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE sql AS $$
  SELECT NOT EXISTS (SELECT * FROM streams EXCEPT ALL SELECT * FROM snap)
     AND NOT EXISTS (SELECT * FROM snap EXCEPT ALL SELECT * FROM streams)
     AND (SELECT count(*) FROM stream_events
           WHERE stream_id IN (SELECT id FROM snap)
              OR stream_id = '00000000-0000-0000-0000-0000000000cf')
         = (SELECT n FROM snap_events)
$$;
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- INSERT: numbers
---------------------------------------------------------------------------
-- case 1: NaN rate (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 'NaN', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 2: negative rate (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, -0.000000001, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 3: NaN total (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 'NaN');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 4: negative total (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 5: rate of 1e11, one past decimal(20,9) (22003)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1e11, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 6: total of 1e20 (22003)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 1e20);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 7: +Infinity rate (22003)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 'Infinity', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 8: -Infinity total (22003)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', '-Infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 9: a 40-digit rate (22003)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1234567890123456789012345678901234567890, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 10: rate text that is not a number (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, '1,5', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 11: a boolean for the rate (42804)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, true, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 12: settled_amount above total_amount (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, 10.000000001);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 13: negative settled_amount (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 14: NaN settled_amount (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, 'NaN');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- case 15: a tenth decimal is not an error: decimal(20,9) rounds it half
-- away from zero before the trigger sees it (shown, then rolled back)
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 0.0000000005, '2025-01-01', 0.0000000004)
RETURNING rate_per_second, total_amount;
ROLLBACK;
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- INSERT: times
---------------------------------------------------------------------------
-- case 16: start_time infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, 'infinity', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 17: start_time -infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '-infinity', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 18: end_time infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 'infinity', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 19: last_settled_at infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 20: created_at -infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, created_at)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, '-infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 21: updated_at infinity (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, updated_at)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 22: end_time before start_time (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-02', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 23: end_time equal to start_time (23514)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 24: a start_time that is not a time (22007)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, 'next tuesday', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 25: a start_time past the timestamp range (22008)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '294277-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 26: an integer for start_time (42804)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, 1735689600, 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- INSERT: NULLs into NOT NULL columns (23502)
---------------------------------------------------------------------------
-- case 27: payer (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, NULL, :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 28: recipient (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, NULL, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 29: rate_per_second (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, NULL, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 30: start_time (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, NULL, 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 31: total_amount (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 32: status, explicitly (23502)
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, NULL, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 33: last_settled_at, explicitly (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 34: settled_amount, explicitly (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 35: chain_id, explicitly (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 36: id, explicitly (23502)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (NULL, :P, :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- INSERT: ids, statuses, strings, addresses, chains, JSON
---------------------------------------------------------------------------
-- case 37: an id that is not a uuid (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('not-a-uuid', :P, :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 38: a uuid with 33 hex digits (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-0000000000c10', :P, :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 39: an existing id (23505)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:A, :P, :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 40: an unknown status label (22P02)
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 'running', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 41: a status label in the wrong case (22P02)
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 'ACTIVE', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 42: an empty status (22P02)
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, '', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 43: a status typed as text, not stream_status (42804)
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount)
VALUES (:N, :P, :R, 'active'::text, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 44: payer of 256 characters, one past varchar(255) (22001)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, repeat('G', 256), :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 45: recipient of 10 MB (22001)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, repeat('G', 10 * 1024 * 1024), 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 46: chain_id of 51 characters, one past varchar(50) (22001)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, repeat('x', 51));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 47: transaction_hash of 67 characters, one past varchar(66) (22001)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, transaction_hash)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, '0x' || repeat('a', 65));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 48: contract_address of 256 characters (22001)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, contract_address)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, repeat('C', 256));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 49: a payer that is not a Stellar address (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, 'GPAYER', :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 50: a payer with one character changed (checksum) (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWT', :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 51: a payer in lower case (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, lower(:P), :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 52: a Stellar secret seed as payer: refused, and never echoed (22023)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, 'SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2', :R, 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 53: an EVM address as recipient on a Stellar chain (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, '0x52908400098527886E0F7030069857D2E4169EE7', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 54: an empty recipient (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (:N, :P, '', 1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 55: an unregistered chain_id (23503)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, 'bitcoin');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 56: a transaction_hash that is not hex (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, transaction_hash)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, repeat('z', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 57: metadata that is not JSON (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, metadata)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, '{"v":');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 58: 10 MB of metadata that is not JSON (22P02)
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, metadata)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, '{"v":"' || repeat('a', 10 * 1024 * 1024));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- case 59: 10 MB of JSON metadata is accepted: text has no length limit
-- (shown, then rolled back)
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, metadata)
VALUES (:N, :P, :R, 1, '2025-01-01', 10, '{"v":"' || repeat('a', 10 * 1024 * 1024) || '"}')
RETURNING length(metadata);
ROLLBACK;
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- UPDATE: numbers, times, NULLs, types
---------------------------------------------------------------------------
-- case 60: NaN rate (23514)
UPDATE streams SET rate_per_second = 'NaN', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 61: negative rate (23514)
UPDATE streams SET rate_per_second = -1, last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 62: NaN total (23514)
UPDATE streams SET total_amount = 'NaN', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 63: total of 1e11 (22003)
UPDATE streams SET total_amount = 1e11, last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 64: total below what has accrued (23514)
UPDATE streams SET total_amount = 100, last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 65: start_time infinity (22008)
UPDATE streams SET start_time = 'infinity' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 66: end_time -infinity (22008)
UPDATE streams SET end_time = '-infinity', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 67: last_settled_at infinity (22008)
UPDATE streams SET last_settled_at = 'infinity' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 68: end_time before start_time (23514)
UPDATE streams SET end_time = '2024-12-31' WHERE id = :B;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 69: end_time before the event time (23514)
UPDATE streams SET end_time = '2025-01-15', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 70: an event time before the last settlement (22023)
UPDATE streams SET last_settled_at = '2024-12-31' WHERE id = :B;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 71: an event time in the future (22023)
UPDATE streams SET last_settled_at = '2999-01-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 72: NULL rate (23502)
UPDATE streams SET rate_per_second = NULL WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 73: NULL last_settled_at (23502)
UPDATE streams SET last_settled_at = NULL WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 74: NULL status (23502)
UPDATE streams SET status = NULL WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 75: NULL recipient (23502)
UPDATE streams SET recipient = NULL WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 76: an unknown status label (22P02)
UPDATE streams SET status = 'done' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 77: a status typed as text (42804)
UPDATE streams SET status = 'paused'::text WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 78: a timestamp given as a number (42804)
UPDATE streams SET last_settled_at = 1738368000 WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- UPDATE: columns and states that must not change
---------------------------------------------------------------------------
-- case 79: settled_amount written directly (428C9)
UPDATE streams SET settled_amount = 5 WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 80: id (428C9)
UPDATE streams SET id = :N WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 81: payer (428C9)
UPDATE streams SET payer = :R WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 82: chain_id (428C9)
UPDATE streams SET chain_id = 'stellar-mainnet' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 83: created_at, even to infinity (428C9)
UPDATE streams SET created_at = 'infinity' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 84: paused -> completed is not in the status graph (55000)
UPDATE streams SET status = 'completed', last_settled_at = '2025-02-01' WHERE id = :B;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 85: completing a stream that is not done (55000)
UPDATE streams SET status = 'completed', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 86: a cancelled stream brought back (55000)
UPDATE streams SET status = 'active', last_settled_at = '2025-02-01' WHERE id = :C;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 87: a cancelled stream's rate (55000)
UPDATE streams SET rate_per_second = 2 WHERE id = :C;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 88: a cancelled stream's recipient (55000)
UPDATE streams SET recipient = 'GCEA5RGG6UOQYPC5IMWB4YWENPSV6NWFQMLNDN7GDHYU36UEW6VFPZ2F' WHERE id = :C;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 89: start_time of a stream that has started (55000)
UPDATE streams SET start_time = '2025-03-01', last_settled_at = '2025-02-01' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 90: a recipient that is not an address (22P02)
UPDATE streams SET recipient = 'GRECIPIENT' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 91: metadata that is not JSON (22P02)
UPDATE streams SET metadata = 'not json' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 92: a recipient of 256 characters (22001)
UPDATE streams SET recipient = repeat('G', 256) WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 93: a value of the wrong type in the WHERE clause (22P02)
UPDATE streams SET metadata = '{}' WHERE id = 'c1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- Read functions
---------------------------------------------------------------------------
-- case 94: as_of infinity (22008)
SELECT streampay_accrued(:A::uuid, 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 95: as_of -infinity, text form (22008)
SELECT streampay_claimable(:A, '-infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 96: as_of infinity, row form (22008)
SELECT streampay_refundable(s, 'infinity') FROM streams s WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 97: neither a uuid nor the chain id of a stream, text form (P0002, 0.6.0)
SELECT streampay_accrued('not-a-uuid');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 98: an empty id (22P02)
SELECT streampay_depletion_time('');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 99: an unknown id (P0002)
SELECT streampay_accrued(:N::uuid, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 100: an unknown id, text form (P0002)
SELECT streampay_refundable(:N);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 101: an unknown id, depletion time (P0002)
SELECT streampay_depletion_time(:N::uuid);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 102: an integer for the id (42883)
SELECT streampay_accrued(42);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 103: an integer for as_of (42883)
SELECT streampay_accrued(:A::uuid, 20250201);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 104: an as_of that is not a time (22007)
SELECT streampay_claimable(:A::uuid, 'soon');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 105: NULL id and NULL as_of give NULL, no error (all functions are STRICT)
SELECT streampay_accrued(NULL::uuid) IS NULL AS null_id,
       streampay_accrued(:A::uuid, NULL) IS NULL AS null_as_of,
       streampay_depletion_time(NULL::text) IS NULL AS null_text_id,
       streampay_can_transition(NULL, 'active') IS NULL AS null_status;
-- case 106: a hand-built row with a NaN rate (23514)
SELECT streampay_accrued(ROW(:N, :P, :R, 'active', 'NaN', '2025-01-01', NULL, 10, '2025-01-01',
                             '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams,
                         '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 107: a hand-built row with a NULL total (23502)
SELECT streampay_claimable(ROW(:N, :P, :R, 'active', 1, '2025-01-01', NULL, NULL, '2025-01-01',
                               '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams,
                           '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 108: a hand-built row with an infinite start (22008)
SELECT streampay_depletion_time(ROW(:N, :P, :R, 'active', 1, 'infinity', NULL, 10, '2025-01-01',
                                    '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 109: a hand-built row with a rate beyond decimal(20,9) (22003)
SELECT streampay_accrued(ROW(:N, :P, :R, 'active', 1e15, '2025-01-01', NULL, 10, '2025-01-01',
                             '2025-01-01', '2025-01-01', 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams,
                         '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 110: an unknown status label for the status graph (22P02)
SELECT streampay_can_transition('active', 'finished');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- Write functions
---------------------------------------------------------------------------
-- case 111: settle an unknown stream (P0002)
SELECT streampay_settle(:N::uuid, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 112: settle at infinity (22008)
SELECT streampay_settle(:A::uuid, 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 113: settle before the last settlement (22023)
SELECT streampay_settle(:B::uuid, '2025-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 114: settle in the future (22023)
SELECT streampay_settle(:A::uuid, '2999-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 115: pause an id that is not a uuid (22P02)
SELECT streampay_pause('c1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 116: pause an unknown stream (P0002)
SELECT streampay_pause(:N, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 117: pause at -infinity (22008)
SELECT streampay_pause(:A, '-infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 118: resume a cancelled stream (55000)
SELECT streampay_resume(:C, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 119: cancel a cancelled stream again at a later time (55000)
SELECT streampay_cancel(:C, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 120: complete a stream that is not done (55000)
SELECT streampay_complete(:A, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 121: set_status with an unknown label (22P02)
SELECT streampay_set_status(:A, 'stopped', '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 122: set_status at infinity (22008)
SELECT streampay_set_status(:A, 'paused', 'infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 123: complete_due at infinity (22008)
SELECT streampay_complete_due('infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 124: complete_due with a text that is not a time (22007)
SELECT streampay_complete_due('the end');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- Validators, signatures and ingestion
---------------------------------------------------------------------------
-- case 125: an unknown address family (22023)
SELECT streampay_address_problem(:P, 'bitcoin');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 126: an unknown address kind (22023)
SELECT streampay_address_problem(:P, 'stellar', 'wallet');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 127: an unknown chain is not an error for the predicate: just false
SELECT streampay_valid_address(:P, 'bitcoin') AS valid_on_unknown_chain;
-- case 128: signing with an empty secret (22023)
SELECT streampay_sign('{}', '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 129: ingesting with no webhook secret configured (55000)
SELECT streampay_ingest('{}', repeat('0', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- with a secret configured, as an operator would
-- the keys live in a file private to the server (helper from the ingest suite)
SELECT regress_write_webhook_keys('whsec_census');
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_regress_webhook.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
-- case 130: a signature that is not 64 hex digits (22023)
SELECT streampay_ingest('{}', 'xyz');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 131: a signature made with another key (28000)
SELECT streampay_ingest('{}', streampay_sign('{}', 'whsec_other'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 132: a validly signed payload that is not JSON (22P02)
SELECT streampay_ingest('{"eventId":', streampay_sign('{"eventId":', 'whsec_census'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 133: a validly signed JSON array (22023)
SELECT streampay_ingest('[1]', streampay_sign('[1]', 'whsec_census'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 134: a streamId that is not a uuid is the chain's id of a stream
-- (0.6.0): kept, parked until its stream_created arrives
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census')) ->> 'reason' AS census_1
  FROM (VALUES ('{"eventId":"census-1","eventType":"stream_paused","streamId":"c1","occurredAt":"2025-02-01T00:00:00Z"}')) v(b);
-- case 135: a validly signed event at an infinite time (22008)
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census'))
  FROM (VALUES ('{"eventId":"census-2","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-0000000000c1","occurredAt":"infinity"}')) v(b);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 136: a validly signed event for an unknown stream: parked (0.6.0)
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census')) ->> 'reason' AS census_3
  FROM (VALUES ('{"eventId":"census-3","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-0000000000cf","occurredAt":"2025-02-01T00:00:00Z"}')) v(b);
-- case 137: a validly signed rate change to NaN (23514)
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census'))
  FROM (VALUES ('{"eventId":"census-4","eventType":"rate_changed","streamId":"00000000-0000-0000-0000-0000000000c1","occurredAt":"2025-02-01T00:00:00Z","data":{"ratePerSecond":"NaN"}}')) v(b);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 138: a validly signed top-up by a string that is not a number (22P02)
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census'))
  FROM (VALUES ('{"eventId":"census-5","eventType":"topped_up","streamId":"00000000-0000-0000-0000-0000000000c1","occurredAt":"2025-02-01T00:00:00Z","data":{"amount":"lots"}}')) v(b);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 139: a validly signed event with an eventId of 201 characters (22023)
SELECT streampay_ingest(b, streampay_sign(b, 'whsec_census'))
  FROM (SELECT '{"eventId":"' || repeat('e', 201) || '","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-0000000000c1","occurredAt":"2025-02-01T00:00:00Z"}') v(b);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT count(*) AS census_events_recorded FROM stream_events WHERE external_event_id LIKE 'census-%';
SELECT pg_temp.unchanged() AS unchanged;

---------------------------------------------------------------------------
-- The ledger and privileges
---------------------------------------------------------------------------
-- case 140: an event written by hand with its own id (428C9)
INSERT INTO stream_events (event_id, stream_id, event_type, occurred_at, settled_delta,
                           settled_amount, rate_per_second, total_amount, actor, source)
VALUES (1, :A, 'settled', '2025-02-01', 0, 0, 1, 1000000, 'me', 'sql');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 141: an event changed (42501)
UPDATE stream_events SET settled_delta = 0 WHERE stream_id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 142: an event deleted (42501)
DELETE FROM stream_events WHERE stream_id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 143: the ledger truncated (42501)
TRUNCATE stream_events;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE ROLE streampay_test_census;
SET ROLE streampay_test_census;
-- case 144: a role without privileges reads a balance (42501)
SELECT streampay_accrued(:A::uuid, '2025-02-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 145: ... writes a stream (42501)
UPDATE streams SET metadata = '{}' WHERE id = :A;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 146: ... ingests an event (42501)
SELECT streampay_ingest('{}', repeat('0', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 147: ... purges the ledger (42501)
SELECT streampay_purge_events('2100-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- case 148: ... forges a ledger event (42501)
INSERT INTO stream_events (stream_id, event_type, occurred_at, settled_delta,
                           settled_amount, rate_per_second, total_amount, actor, source)
VALUES (:A, 'settled', '2025-02-01', 1, 1, 1, 100000000, 'me', 'sql');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE streampay_test_census;
SELECT pg_temp.unchanged() AS unchanged;

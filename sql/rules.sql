-- Every rejection of the trigger, each next to the valid neighbour case,
-- and proof that a rejected statement leaves the row as it was.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount,
                     metadata)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1,
        '2025-01-01 00:00:00', '2025-12-01', 1000000, '{"v":1}');
CREATE TEMP TABLE snap AS SELECT * FROM streams;
-- compare everything but updated_at, which every accepted UPDATE moves
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE sql AS $$
  SELECT (s.id, s.payer, s.recipient, s.status, s.rate_per_second, s.start_time, s.end_time,
          s.total_amount, s.last_settled_at, s.created_at, s.chain_id, s.contract_address,
          s.transaction_hash, s.metadata, s.settled_amount)
     IS NOT DISTINCT FROM
         (o.id, o.payer, o.recipient, o.status, o.rate_per_second, o.start_time, o.end_time,
          o.total_amount, o.last_settled_at, o.created_at, o.chain_id, o.contract_address,
          o.transaction_hash, o.metadata, o.settled_amount)
    FROM streams s JOIN snap o USING (id) $$;

-- id, payer, chain_id, created_at never change (428C9)
UPDATE streams SET id = '00000000-0000-0000-0000-000000000009';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET payer = 'GAOFLWNYE3UN7KMUG4HDA2XI3QXIJHZ6AAZYDXEERIFZL54CYDAOHUJ2';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET chain_id = 'stellar-mainnet';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET created_at = '2020-01-01';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: the recipient of a live stream may change; writing a column to
-- its own value is no change
UPDATE streams SET recipient = 'GCEA5RGG6UOQYPC5IMWB4YWENPSV6NWFQMLNDN7GDHYU36UEW6VFPZ2F', payer = payer, created_at = created_at;
SELECT recipient FROM streams;
UPDATE streams SET recipient = 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU';

-- settled_amount belongs to the extension (428C9)
UPDATE streams SET settled_amount = 10;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: assigning it its current value is allowed
UPDATE streams SET settled_amount = settled_amount, metadata = '{"v":2}';
SELECT settled_amount, metadata FROM streams;
UPDATE streams SET metadata = '{"v":1}';

-- negative and NaN amounts and rates (23514)
UPDATE streams SET rate_per_second = -0.000000001, last_settled_at = '2025-01-01 00:01:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET rate_per_second = 'NaN', last_settled_at = '2025-01-01 00:01:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET total_amount = -1, last_settled_at = '2025-01-01 00:01:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET total_amount = 'NaN', last_settled_at = '2025-01-01 00:01:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: a zero rate is allowed (and settles first)
UPDATE streams SET rate_per_second = 0, last_settled_at = '2025-01-01 00:01:00';
SELECT rate_per_second, settled_amount, last_settled_at FROM streams;
UPDATE streams SET rate_per_second = 1, last_settled_at = '2025-01-01 00:02:00';
SELECT rate_per_second, settled_amount, last_settled_at FROM streams;
TRUNCATE snap; INSERT INTO snap SELECT * FROM streams;

-- the clock never runs backwards (22023) ...
UPDATE streams SET last_settled_at = '2025-01-01 00:01:59.999999';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- ... and never runs ahead of the wall clock (22023)
\set VERBOSITY terse
UPDATE streams SET last_settled_at = '2999-01-01';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: the same instant again is allowed and settles nothing
UPDATE streams SET last_settled_at = '2025-01-01 00:02:00', status = 'paused';
SELECT status, settled_amount, last_settled_at FROM streams;
UPDATE streams SET status = 'active', last_settled_at = '2025-01-01 00:03:00';
TRUNCATE snap; INSERT INTO snap SELECT * FROM streams;

-- end_time must stay after start_time (23514)
UPDATE streams SET end_time = '2025-01-01 00:00:00', last_settled_at = '2025-01-01 00:03:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- and cannot move before the time of the change (23514)
UPDATE streams SET end_time = '2025-01-01 00:02:59', last_settled_at = '2025-01-01 00:03:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: moving it to exactly the time of the change is allowed; NULL too
UPDATE streams SET end_time = '2025-01-01 00:03:00', last_settled_at = '2025-01-01 00:03:00';
SELECT end_time, settled_amount FROM streams;
UPDATE streams SET end_time = NULL, last_settled_at = '2025-01-01 00:03:00';
SELECT end_time, settled_amount FROM streams;
TRUNCATE snap; INSERT INTO snap SELECT * FROM streams;

-- start_time cannot change once the stream has started (55000)
UPDATE streams SET start_time = '2025-01-01 00:00:01', last_settled_at = '2025-01-01 00:03:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.unchanged() AS unchanged;
-- neighbour: a stream that has not started yet may move its start
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-06-01', 10, '2025-01-01');
UPDATE streams SET start_time = '2025-07-01', last_settled_at = '2025-02-01'
 WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT start_time, last_settled_at, settled_amount FROM streams WHERE id = '00000000-0000-0000-0000-000000000002';
-- moving a future start into the past settles first: no pay for the time
-- before the change (accrues from 00:00:10, not from Jan 15)
UPDATE streams SET start_time = '2025-01-15', last_settled_at = '2025-02-01 00:00:10'
 WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT start_time, last_settled_at, settled_amount,
       streampay_accrued(id, '2025-02-01 00:00:13') AS accrued_3s_later
  FROM streams WHERE id = '00000000-0000-0000-0000-000000000002';

-- terminal streams are frozen (55000) but metadata, transaction_hash and
-- contract_address may still change
SELECT status FROM streampay_cancel('00000000-0000-0000-0000-000000000002', '2025-02-02');
UPDATE streams SET total_amount = 20 WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET rate_per_second = 2 WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET recipient = 'GDPGEG2U4XPYWSAAZSDTSH2LJMPQQH2M6IEW5FJYF47M3IKPTWQWPNTV' WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET last_settled_at = '2025-02-03' WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET end_time = '2026-01-01' WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'active' WHERE id = '00000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET metadata = '{"note":"refunded"}', transaction_hash = 'ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789',
                   contract_address = 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW', status = status
 WHERE id = '00000000-0000-0000-0000-000000000002';
SELECT status, metadata, transaction_hash, contract_address, total_amount
  FROM streams WHERE id = '00000000-0000-0000-0000-000000000002';

-- INSERT: values are validated, any status is accepted
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000011', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', -1, '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000012', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'NaN', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000013', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', -10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000014', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 'Infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000015', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', '2025-01-01', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000016', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, 'infinity', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000017', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 'infinity', 10);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000018', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, '-infinity');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000019', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 10.000000001);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
VALUES ('00000000-0000-0000-0000-00000000001a', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_after_rejected_inserts FROM streams;
-- neighbours: end one microsecond after start, settled equal to total, a
-- terminal status (as a restore writes it), a zero rate
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time,
                     total_amount, settled_amount, last_settled_at)
VALUES ('00000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'completed', 0,
        '2025-01-01', '2025-01-01 00:00:00.000001', 10, 10, '2025-01-02');
SELECT status, end_time, settled_amount, last_settled_at FROM streams
 WHERE id = '00000000-0000-0000-0000-000000000003';

-- the trigger can only be used the way it is meant
CREATE TABLE not_streams (id int);
CREATE TRIGGER bad AFTER INSERT ON not_streams FOR EACH ROW EXECUTE FUNCTION streampay_trigger();
INSERT INTO not_streams VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE not_streams;
CREATE TABLE not_streams (id int);
CREATE TRIGGER bad BEFORE INSERT ON not_streams FOR EACH ROW EXECUTE FUNCTION streampay_trigger();
INSERT INTO not_streams VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE not_streams;
SELECT streampay_trigger();

\echo SQLSTATE :LAST_ERROR_SQLSTATE
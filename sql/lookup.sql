-- The id lookup respects privileges, row-level security and the caller's
-- snapshot; its caches survive DROP/CREATE EXTENSION in one session; the
-- trigger works on relations with other names and attribute numbers.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GBOOUJLNDNSMTUVAREROKXQH6UPSIBCRTBLIS6OE3W37SNUZZLIHRQHO', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000),
       ('00000000-0000-0000-0000-000000000002', 'GCCNYXBTVWF6G4RO6NHGRAFWGMP7TMK5RV6HWBTNL65PQDSLBOMTPYO2', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);

-- the caller's snapshot: the transaction's own uncommitted row is found,
-- a rolled-back one is not
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000003', 'GBOOUJLNDNSMTUVAREROKXQH6UPSIBCRTBLIS6OE3W37SNUZZLIHRQHO', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 5, '2025-01-01', 1000);
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2025-01-01 00:00:05') AS own_insert;
ROLLBACK;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000003', '2025-01-01 00:00:05') AS rolled_back;

\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- privileges: no SELECT on streams, no balance
CREATE ROLE streampay_test_reader;
GRANT USAGE ON SCHEMA public TO streampay_test_reader;
SET ROLE streampay_test_reader;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON streams TO streampay_test_reader;
SET ROLE streampay_test_reader;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS granted;
RESET ROLE;
REVOKE SELECT ON streams FROM streampay_test_reader;
SET ROLE streampay_test_reader;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS revoked;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- row-level security: a hidden row does not exist for the reader
GRANT SELECT ON streams TO streampay_test_reader;
ALTER TABLE streams ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible_only ON streams FOR SELECT TO streampay_test_reader
    USING (payer = 'GBOOUJLNDNSMTUVAREROKXQH6UPSIBCRTBLIS6OE3W37SNUZZLIHRQHO');
SET ROLE streampay_test_reader;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS visible;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000002', '2025-01-01 00:00:05') AS hidden;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- the owner is not subject to its own policies
SELECT streampay_accrued('00000000-0000-0000-0000-000000000002', '2025-01-01 00:00:05') AS owner_sees;
DROP POLICY visible_only ON streams;
ALTER TABLE streams DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON streams FROM streampay_test_reader;
REVOKE ALL ON SCHEMA public FROM streampay_test_reader;
DROP ROLE streampay_test_reader;

-- DROP and CREATE EXTENSION in the same session: the caches follow
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS before_drop;
DROP EXTENSION streampay;
CREATE SCHEMA streampay_elsewhere;
CREATE EXTENSION streampay SCHEMA streampay_elsewhere;
INSERT INTO streampay_elsewhere.streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GBOOUJLNDNSMTUVAREROKXQH6UPSIBCRTBLIS6OE3W37SNUZZLIHRQHO', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 2, '2025-01-01', 1000);
SELECT streampay_elsewhere.streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS other_schema;
DROP EXTENSION streampay;
DROP SCHEMA streampay_elsewhere;
CREATE EXTENSION streampay;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS gone;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GBOOUJLNDNSMTUVAREROKXQH6UPSIBCRTBLIS6OE3W37SNUZZLIHRQHO', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 3, '2025-01-01', 1000);
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:05') AS recreated;

-- ALTER TABLE changes attribute numbers: the trigger's cache follows
ALTER TABLE streams ADD COLUMN note_before text;
ALTER TABLE streams DROP COLUMN note_before;
SELECT status, settled_amount FROM streampay_pause('00000000-0000-0000-0000-000000000001', '2025-01-01 00:00:10');
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2025-01-01 00:01:00') AS after_alter;

-- another relation with the same columns in another order (a restored or
-- sharded copy, named like a Citus shard), partitioned, with a dropped column
CREATE TABLE streams_102008 (
    junk int,
    chain_stream_id varchar(255), asset varchar(255),
    settled_amount decimal(20,9) NOT NULL DEFAULT 0,
    metadata text, transaction_hash varchar(66), contract_address varchar(255),
    chain_id varchar(50) NOT NULL DEFAULT 'stellar-testnet',
    updated_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    last_settled_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    total_amount decimal(20,9) NOT NULL, end_time timestamp, start_time timestamp NOT NULL,
    rate_per_second decimal(20,9) NOT NULL, status stream_status NOT NULL DEFAULT 'active',
    recipient varchar(255) NOT NULL, payer varchar(255) NOT NULL, id uuid PRIMARY KEY
);
ALTER TABLE streams_102008 DROP COLUMN junk;
CREATE TRIGGER streams_streampay BEFORE INSERT OR UPDATE ON streams_102008
    FOR EACH ROW EXECUTE FUNCTION streampay_trigger();
INSERT INTO streams_102008 (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000005', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
UPDATE streams_102008 SET status = 'paused', last_settled_at = '2025-01-01 00:00:42';
SELECT status, settled_amount, last_settled_at FROM streams_102008;
UPDATE streams_102008 SET status = 'completed', last_settled_at = '2025-01-01 00:00:43';

\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TABLE pstreams (LIKE streams INCLUDING DEFAULTS) PARTITION BY LIST (chain_id);
CREATE TABLE pstreams_testnet PARTITION OF pstreams FOR VALUES IN ('stellar-testnet');
CREATE TRIGGER streams_streampay BEFORE INSERT OR UPDATE ON pstreams
    FOR EACH ROW EXECUTE FUNCTION streampay_trigger();
INSERT INTO pstreams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000006', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
UPDATE pstreams SET status = 'cancelled', last_settled_at = '2025-01-01 00:01:00';
SELECT status, settled_amount FROM pstreams;
UPDATE pstreams SET status = 'active', last_settled_at = '2025-01-01 00:02:00';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a partition whose columns are numbered differently from its parent's
CREATE TABLE pstreams_mainnet (LIKE streams_102008 INCLUDING DEFAULTS);
ALTER TABLE pstreams ATTACH PARTITION pstreams_mainnet FOR VALUES IN ('stellar-mainnet');
SELECT attname, attnum FROM pg_attribute
 WHERE attrelid = 'pstreams_mainnet'::regclass AND attname IN ('id', 'status') ORDER BY attnum;
INSERT INTO pstreams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id)
VALUES ('00000000-0000-0000-0000-000000000007', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 2, '2025-01-01', 1000, 'stellar-mainnet');
UPDATE pstreams SET status = 'paused', last_settled_at = '2025-01-01 00:01:00'
 WHERE id = '00000000-0000-0000-0000-000000000007';
SELECT tableoid::regclass, status, settled_amount FROM pstreams ORDER BY id;
UPDATE pstreams SET status = 'completed', last_settled_at = '2025-01-01 00:02:00'
 WHERE id = '00000000-0000-0000-0000-000000000007';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE streams_102008, pstreams;

-- a table that is missing a column is refused clearly
CREATE TABLE half_streams (id uuid, status stream_status);
CREATE TRIGGER streams_streampay BEFORE INSERT OR UPDATE ON half_streams
    FOR EACH ROW EXECUTE FUNCTION streampay_trigger();
INSERT INTO half_streams VALUES (gen_random_uuid(), 'active');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE half_streams;

-- the id forms keep their scan open between calls of one call site; that
-- must survive plpgsql call sites that outlive a statement, subtransactions,
-- errors, and DDL in the same transaction
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
CREATE FUNCTION pg_temp.one() RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    RETURN streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2025-01-01 00:00:10');
END $$;
CREATE FUNCTION pg_temp.caught() RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE x numeric;
BEGIN
    BEGIN
        x := streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2025-01-01 00:00:10');
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        x := x + streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2025-01-01 00:00:20');
    END;
    RETURN x;
END $$;
BEGIN;
SELECT pg_temp.one() AS first, pg_temp.one() AS again, pg_temp.caught() AS caught;
ALTER TABLE streams ADD COLUMN note_in_same_xact text;
SELECT pg_temp.one() AS after_ddl;
SAVEPOINT s1;
SELECT pg_temp.one() AS in_savepoint;
ROLLBACK TO s1;
SELECT pg_temp.one() AS after_rollback_to;
SELECT pg_temp.one() AS before_update;
UPDATE streams SET rate_per_second = 3, last_settled_at = '2025-01-01 00:00:05' WHERE id = '00000000-0000-0000-0000-000000000001';
SELECT pg_temp.one() AS sees_own_update, streampay_accrued(id, '2025-01-01 00:00:10') AS by_scan
  FROM streams;
ALTER TABLE streams DROP COLUMN note_in_same_xact;
COMMIT;
BEGIN;
SELECT pg_temp.one() AS before_error;
SELECT 1 / 0;
ROLLBACK;
SELECT pg_temp.one() AS after_abort;
-- a lookup for each of many rows, through one call site, matches the row form
SELECT count(*) FILTER (WHERE streampay_accrued(s.id, t) <> streampay_accrued(s, t)) AS mismatches
  FROM streams s, generate_series('2025-01-01'::timestamp, '2025-01-02', '1 hour') t;

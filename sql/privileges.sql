-- Trust boundary, part 4: least privilege and a hostile search_path.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- the recommended roles (README, "Roles")
CREATE ROLE sp_test_ingest NOLOGIN;
GRANT USAGE ON SCHEMA public TO sp_test_ingest;
GRANT EXECUTE ON FUNCTION streampay_ingest(text, text) TO sp_test_ingest;
CREATE ROLE sp_test_reader NOLOGIN;
GRANT USAGE ON SCHEMA public TO sp_test_reader;
GRANT SELECT ON streams, stream_events, streampay_chains TO sp_test_reader;
CREATE ROLE sp_test_operator NOLOGIN IN ROLE sp_test_reader;
GRANT INSERT, UPDATE ON streams TO sp_test_operator;

-- the keys live in a file private to the server (helper from the ingest suite)
SELECT regress_write_webhook_keys('whsec_priv');
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_regress_webhook.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('30000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000),
       ('30000000-0000-0000-0000-000000000002', 'GAOFLWNYE3UN7KMUG4HDA2XI3QXIJHZ6AAZYDXEERIFZL54CYDAOHUJ2', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
CREATE TEMP TABLE p AS SELECT
  '{"eventId":"priv-1","eventType":"stream_paused","streamId":"30000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:01:00Z"}'::text AS body;
GRANT SELECT ON p TO sp_test_ingest, sp_test_reader, sp_test_operator;

-- the ingest role: no direct writes, no secrets, no internal switches ...
SET ROLE sp_test_ingest;
UPDATE streams SET status = 'paused' WHERE id = '30000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO stream_events (stream_id, event_type, occurred_at, settled_delta, settled_amount,
                           rate_per_second, total_amount, actor, source)
VALUES ('30000000-0000-0000-0000-000000000001', 'settled', '2025-01-01', 1, 1, 1, 1, 'x', 'webhook');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM streams;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_verify_signature('x', repeat('0', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- (the wording of these errors changed in 16: only their SQLSTATE is shown)
\set VERBOSITY sqlstate
SHOW streampay.webhook_secret;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT current_setting('streampay.webhook_secret');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SHOW streampay.webhook_secret_file;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT pg_read_file('streampay_regress_webhook.key');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET streampay.external_event_id = 'forged';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- ... it changes a stream only with a valid signature
SELECT streampay_ingest(body, streampay_sign(body, 'whsec_guess')) FROM p;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_ingest(body, streampay_sign(body, 'whsec_priv')) ->> 'status' AS status FROM p;
RESET ROLE;
SELECT id, status, settled_amount FROM streams ORDER BY id;
SELECT event_type, actor, source, external_event_id FROM stream_events
 WHERE stream_id = '30000000-0000-0000-0000-000000000001' ORDER BY event_id;

-- the reader reads balances, writes nothing, cannot ingest
SET ROLE sp_test_reader;
SELECT streampay_accrued('30000000-0000-0000-0000-000000000002', '2025-01-01 00:00:30') AS reader_sees;
UPDATE streams SET metadata = '{}' WHERE id = '30000000-0000-0000-0000-000000000002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_ingest(body, streampay_sign(body, 'whsec_priv')) FROM p;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the operator changes streams through the API; the ledger names it, and
-- it still cannot touch the ledger itself
SET ROLE sp_test_operator;
SELECT status FROM streampay_pause('30000000-0000-0000-0000-000000000002', '2025-01-01 00:02:00');
DELETE FROM stream_events;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_purge_events('2100-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT event_type, actor, source FROM stream_events
 WHERE stream_id = '30000000-0000-0000-0000-000000000002' ORDER BY event_id;

-- a hostile search_path: an unprivileged user shadows =, now(), timezone(),
-- format(), set_config() and more in public, then puts public first
CREATE ROLE sp_test_hostile NOLOGIN IN ROLE sp_test_operator, sp_test_ingest;
GRANT CREATE ON SCHEMA public TO sp_test_hostile;
SET ROLE sp_test_hostile;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '1999-01-01'::timestamptz $$;
CREATE FUNCTION public.timezone(text, timestamptz) RETURNS timestamp LANGUAGE sql
    AS $$ SELECT '1999-01-01'::timestamp $$;
CREATE FUNCTION public.always_equal(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.always_equal);
CREATE FUNCTION public.always_true(numeric, numeric) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR public.<> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = public.always_true);
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION public.set_config(text, text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT 'hijacked' $$;
CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT '\x00'::bytea $$;
CREATE FUNCTION public.gen_random_uuid() RETURNS uuid LANGUAGE sql
    AS $$ SELECT '30000000-0000-0000-0000-000000000001'::uuid $$;
SET search_path = public, pg_catalog;
-- the shadows work for plain queries ...
SELECT now() = '1999-01-01' AS now_is_shadowed,
       '30000000-0000-0000-0000-000000000001'::uuid = '30000000-0000-0000-0000-000000000002'::uuid AS eq_is_shadowed;
-- ... but not inside streampay: each call touches only its stream, at the right time
SELECT status, settled_amount FROM streampay_resume('30000000-0000-0000-0000-000000000002', '2025-01-01 00:03:00');
SELECT streampay_settle('30000000-0000-0000-0000-000000000002', '2025-01-01 00:03:30') AS settled_30s;
SELECT streampay_accrued('30000000-0000-0000-0000-000000000002', '2025-01-01 00:04:00') AS accrued,
       streampay_accrued('30000000-0000-0000-0000-000000000001', '2025-01-01 00:04:00') AS other_untouched;
INSERT INTO streams (payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('GCFHA7PESK23WJEMPJT6DES6C7TXCEKKLY6R75QJF3NCRL4WVTOLMVQG', 'GCA5OU64ZIKYLW6YHBU7NRN5VA3R6DBOJD2O3DPUZAUHTHFQNBYFBWV2', 1, '2025-01-01', 5);
SELECT count(*) AS rows, count(DISTINCT id) AS ids,
       bool_and(created_at > '2020-01-01') AS real_creation_times FROM streams;
SELECT streampay_complete_due('2025-01-01 00:05:00') AS completed;
SELECT streampay_ingest(body, streampay_sign(body, 'whsec_priv')) ->> 'duplicate' AS duplicate FROM p;
RESET search_path;
RESET ROLE;
SELECT id::text LIKE '30000000-%' AS known_id, status, settled_amount, last_settled_at
  FROM streams ORDER BY payer;

-- clean up
DROP OWNED BY sp_test_hostile;
REVOKE ALL ON SCHEMA public FROM sp_test_hostile, sp_test_ingest, sp_test_reader;
DROP OWNED BY sp_test_ingest, sp_test_reader, sp_test_operator;
DROP ROLE sp_test_hostile, sp_test_ingest, sp_test_operator, sp_test_reader;
ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();

-- Trust boundary, part 3: signed webhook ingestion.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

-- streampay_sign is HMAC-SHA256 (RFC 4231 test case 2)
SELECT streampay_sign('what do ya want for nothing?', 'Jefe') =
       '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' AS rfc4231_case2;
SELECT streampay_sign('payload', '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- no secret configured: a clear error, nothing applied
SELECT streampay_ingest('{}', repeat('0', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- the keys live in a file private to the server, named by a setting; this
-- helper writes that file (the later suites privileges and bad_input use it)
CREATE FUNCTION regress_write_webhook_keys(VARIADIC keys text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    -- through a shell, so the file is created private (COPY TO a file is 0644)
    EXECUTE format('COPY (SELECT unnest(%L::text[])) TO PROGRAM %L', keys,
                   'rm -f streampay_regress_webhook.key && umask 077 && cat > streampay_regress_webhook.key');
END
$fn$;
SELECT regress_write_webhook_keys('whsec_test_current');
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_regress_webhook.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT count(*) AS visible_in_pg_settings FROM pg_settings WHERE name LIKE 'streampay.%';
SELECT count(*) AS tables_holding_it FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'public'::regnamespace AND a.attname ILIKE '%secret%';

-- payloads, signed by the indexer with the shared secret
CREATE TEMP TABLE p (name text PRIMARY KEY, body text);
INSERT INTO p VALUES
 ('create', '{"eventId":"evt-001","eventType":"stream_created","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:00:00Z","chainId":"stellar-testnet","transactionHash":"AAAABBBBCCCCDDDDAAAABBBBCCCCDDDDAAAABBBBCCCCDDDDAAAABBBBCCCCDDDD","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"0.5","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z","endTime":null,"contractAddress":"CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW"}}'),
 ('pause',  '{"eventId":"evt-002","eventType":"stream_paused","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:10:00Z"}'),
 ('resume', '{"eventId":"evt-003","eventType":"stream_resumed","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T01:15:00+01:00"}'),
 ('settle', '{"eventId":"evt-004","eventType":"settled","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:20:00Z","transactionHash":"1111111111111111111111111111111111111111111111111111111111111111","data":{"amount":"150"}}'),
 ('badamount', '{"eventId":"evt-005","eventType":"settled","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:30:00Z","data":{"amount":"300.000000001"}}'),
 ('rate',   '{"eventId":"evt-006","eventType":"rate_changed","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:30:00Z","data":{"ratePerSecond":"2"}}'),
 ('topup',  '{"eventId":"evt-007","eventType":"topped_up","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:40:00Z","data":{"amount":"500"}}'),
 ('late',   '{"eventId":"evt-008","eventType":"stream_paused","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:35:00Z"}'),
 ('early',  '{"eventId":"evt-009","eventType":"stream_completed","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:41:00Z"}'),
 ('cancel', '{"eventId":"evt-010","eventType":"stream_cancelled","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:42:00Z"}'),
 ('revive', '{"eventId":"evt-011","eventType":"stream_resumed","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:55:00Z"}'),
 ('unknowntype', '{"eventId":"evt-012","eventType":"stream_exploded","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:55:00Z"}'),
 ('unknownstream', '{"eventId":"evt-013","eventType":"stream_paused","streamId":"20000000-0000-0000-0000-00000000dead","occurredAt":"2025-01-01T00:55:00Z"}'),
 ('missing', '{"eventId":"evt-014","eventType":"stream_paused","occurredAt":"2025-01-01T00:55:00Z"}'),
 ('notobject', '["evt-015"]'),
 ('badjson', '{"eventId":"evt-016",'),
 ('badtime', '{"eventId":"evt-017","eventType":"stream_paused","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"yesterday-ish"}'),
 ('conflict', '{"eventId":"evt-002","eventType":"stream_cancelled","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:10:00Z"}'),
 ('wrongchain', '{"eventId":"evt-018","eventType":"stream_paused","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:55:00Z","chainId":"eip155:1"}'),
 ('badhash', '{"eventId":"evt-020","eventType":"settled","streamId":"20000000-0000-0000-0000-000000000001","occurredAt":"2025-01-01T00:55:00Z","transactionHash":"0x1234"}'),
 ('seed', '{"eventId":"evt-019","eventType":"stream_created","streamId":"20000000-0000-0000-0000-000000000002","occurredAt":"2025-01-01T00:00:00Z","data":{"payer":"SDNF4QA4WP7VUFELWJP63Z4VNJIMXGIMIY27TH6ODO2CR5NQI7ELSAG2","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"10","startTime":"2025-01-01T00:00:00Z"}}');

CREATE FUNCTION pg_temp.send(name text, key text DEFAULT 'whsec_test_current') RETURNS jsonb
LANGUAGE sql AS $$
  SELECT streampay_ingest(p.body, streampay_sign(p.body, key)) FROM p WHERE p.name = send.name
$$;
CREATE FUNCTION pg_temp.state() RETURNS TABLE (status stream_status, settled numeric, last_settled timestamp,
                                               total numeric, rate numeric, events bigint)
LANGUAGE sql AS $$
  SELECT s.status, s.settled_amount, s.last_settled_at, s.total_amount, s.rate_per_second,
         (SELECT count(*) FROM stream_events e WHERE e.stream_id = s.id)
    FROM streams s WHERE s.id = '20000000-0000-0000-0000-000000000001'
$$;

-- good events, applied through the trigger with T = occurredAt
SELECT pg_temp.send('create');
SELECT id, payer, status, transaction_hash, contract_address, created_at, last_settled_at FROM streams;
SELECT pg_temp.send('pause');
SELECT pg_temp.send('resume');
-- settled: the amount is checked against what the database computes; one
-- that does not match is kept, parked (0.6.0): a later arrival may explain it
SELECT pg_temp.send('settle');
SELECT pg_temp.send('badamount');
SELECT pg_temp.send('rate');
SELECT pg_temp.send('topup');
SELECT * FROM pg_temp.state();

-- replays: the same event again changes nothing, forever
SELECT pg_temp.send('pause');
SELECT pg_temp.send('create');
-- with the "sha256=" prefix (the indexer's header format) it is the same event
SELECT streampay_ingest(body, 'sha256=' || streampay_sign(body, 'whsec_test_current')) FROM p WHERE name = 'pause';
-- hex digits in upper case are the same signature
SELECT streampay_ingest(body, upper(streampay_sign(body, 'whsec_test_current'))) FROM p WHERE name = 'pause';
-- the same id with a different payload is an error
SELECT pg_temp.send('conflict');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

-- bad signatures: wrong key, altered payload, malformed; nothing applied,
-- and no message carries a secret or the expected signature
SELECT pg_temp.send('cancel', 'whsec_wrong');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_ingest(body || ' ', streampay_sign(body, 'whsec_test_current')) FROM p WHERE name = 'cancel';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_ingest(body, 'not-a-signature') FROM p WHERE name = 'cancel';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_ingest(body, upper(streampay_sign(body, 'whsec_test_current')) || 'ab') FROM p WHERE name = 'cancel';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();

-- 0.6.0: a late event is applied at its chain position and what follows is
-- re-derived; one not valid there (completed while not done) or of a stream
-- not created yet is kept, parked (the chain_order suite covers both fully)
SELECT pg_temp.send('late');
SELECT pg_temp.send('early');
SELECT pg_temp.send('unknownstream');
-- malformed or wrong events, validly signed: each its own error, nothing kept
SELECT pg_temp.send('unknowntype');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('missing');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('notobject');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('badjson');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('badtime');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('wrongchain');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('badhash');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send('seed');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.state();
SELECT count(*) AS ledger_rows_for_failed_events FROM stream_events
 WHERE external_event_id IN ('evt-005', 'evt-009', 'evt-012', 'evt-013', 'evt-018', 'evt-019', 'evt-020');
SELECT event_id, reason FROM streampay_parked ORDER BY event_id;

-- key rotation: the previous key (second line) is still accepted, an
-- unknown one is not; the file is read on each call, no reload needed
SELECT regress_write_webhook_keys('whsec_test_next', 'whsec_test_current');
SELECT pg_temp.send('cancel', 'whsec_test_current') ->> 'status' AS cancelled_with_previous_key;
-- (a resume after the cancel is not valid anywhere: parked)
SELECT pg_temp.send('revive', 'whsec_test_next') ->> 'reason' AS revive_parked;
SELECT pg_temp.send('revive', 'whsec_test_old');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- the ledger: every applied webhook event once, with its id, source and hash
SELECT external_event_id, event_type, occurred_at, from_status, to_status, settled_delta,
       settled_amount, source, transaction_hash, payload_digest IS NOT NULL AS has_digest
  FROM stream_events WHERE stream_id = '20000000-0000-0000-0000-000000000001' ORDER BY event_id;
SELECT s.settled_amount = sum(e.settled_delta) AS ledger_sums_match
  FROM streams s JOIN stream_events e ON e.stream_id = s.id
 WHERE s.id = '20000000-0000-0000-0000-000000000001' GROUP BY s.settled_amount;

ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT pg_temp.send('revive', 'whsec_test_next');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

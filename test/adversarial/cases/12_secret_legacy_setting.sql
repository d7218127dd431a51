--@ item 3
--@ what a key kept in the legacy setting streampay.webhook_secret (ALTER SYSTEM + reload) is refused: streampay_ingest fails with 55000 and no message shows the key
--@ absent whsec_legacy_XYZ
--@ present still holds a key, which any role can read
SELECT adv.mk(1);
ALTER SYSTEM SET streampay.webhook_secret = 'whsec_legacy_XYZ';
:ok 'ALTER SYSTEM SET streampay.webhook_secret'
SELECT pg_reload_conf(), pg_sleep(0.5);
--@ session s1
\set payload '{"eventId":"e1","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-02T00:00:00Z"}'
SELECT streampay_sign(:'payload', current_setting('streampay.webhook_secret')) AS sig \gset
:snap
\set VERBOSITY verbose
SELECT streampay_ingest(:'payload', :'sig');
:expect 55000 'ingest with the key in the legacy setting'
SELECT streampay_verify_signature(:'payload', :'sig');
:expect 55000 'verify_signature with the key in the legacy setting'
\set VERBOSITY default
:same 'nothing applied'
--@ session main
-- the update to 0.7.2 warns while a legacy key is set (without showing it)
DROP EXTENSION streampay CASCADE;
CREATE EXTENSION streampay VERSION '0.7.1';
ALTER EXTENSION streampay UPDATE TO '0.7.2';
:ok 'update to 0.7.2 with the key in the legacy setting'
ALTER SYSTEM RESET streampay.webhook_secret;
SELECT pg_reload_conf(), pg_sleep(0.5);

--@ item 3
--@ what with the webhook keys in a 0600 key file, a new unprivileged login session reads neither key through SHOW (42501 once the library is loaded; before, an empty placeholder or 42704), current_setting, pg_settings, SHOW ALL (pg_show_all_settings), pg_file_settings or pg_read_file (before and after loading the library); ingest with the key works
--@ absent whsec_adv_CURRENT_3b9f
--@ absent whsec_adv_PREVIOUS_77c1
-- ALTER SYSTEM accepts a streampay.* name once the library has defined it
SELECT streampay_can_transition('active', 'paused');
COPY (SELECT unnest(ARRAY['whsec_adv_CURRENT_3b9f', 'whsec_adv_PREVIOUS_77c1']))
  TO PROGRAM 'rm -f adv_webhook.key && umask 077 && cat > adv_webhook.key';
:ok 'create the key file'
ALTER SYSTEM SET streampay.webhook_secret_file = 'adv_webhook.key';
:ok 'name the key file'
SELECT pg_reload_conf(), pg_sleep(0.5);
CREATE ROLE adv_user LOGIN;
\set payload '{"eventId":"e1","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","totalAmount":"1000","startTime":"2024-01-01T00:00:00Z"}}'
SELECT streampay_ingest(:'payload', streampay_sign(:'payload', 'whsec_adv_CURRENT_3b9f')) ->> 'duplicate';
:ok 'ingest signed with the current key'
\set payload '{"eventId":"e2","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-02T00:00:00Z"}'
SELECT streampay_ingest(:'payload', streampay_sign(:'payload', 'whsec_adv_PREVIOUS_77c1')) ->> 'duplicate';
:ok 'ingest signed with the previous key'
SELECT adv.a((SELECT count(*) FROM stream_events WHERE source = 'webhook') = 2, 'two webhook events in the ledger');
--@ session u adv_user
-- a new connection: streampay is not loaded in it yet
SHOW streampay.webhook_secret;
:expect 00000|42501|42704 'SHOW webhook_secret (library not loaded)'
SELECT current_setting('streampay.webhook_secret', true);
:expect 00000|42501 'current_setting(webhook_secret, true) (library not loaded)'
SHOW streampay.webhook_secret_previous;
:expect 00000|42501|42704 'SHOW webhook_secret_previous (library not loaded)'
SELECT current_setting('streampay.webhook_secret_previous', true);
:expect 00000|42501 'current_setting(webhook_secret_previous, true) (library not loaded)'
SHOW streampay.webhook_secret_file;
:expect 00000|42501|42704 'SHOW webhook_secret_file (library not loaded)'
SELECT name, setting FROM pg_settings WHERE name LIKE 'streampay.%';
:ok 'pg_settings (library not loaded)'
SELECT name, setting FROM pg_show_all_settings() s WHERE name LIKE 'streampay%' OR setting LIKE '%whsec%';
:ok 'SHOW ALL (library not loaded)'
SELECT * FROM pg_file_settings;
:expect 42501 'pg_file_settings'
SELECT pg_read_file('adv_webhook.key');
:expect 42501 'pg_read_file of the key file'
SELECT adv.a(streampay_can_transition('active', 'paused'), 'a streampay call loads the library');
SHOW streampay.webhook_secret;
:expect 42501 'SHOW webhook_secret (library loaded)'
SELECT current_setting('streampay.webhook_secret', true);
:expect 00000|42501 'current_setting(webhook_secret, true) (library loaded)'
SHOW streampay.webhook_secret_previous;
:expect 42501 'SHOW webhook_secret_previous (library loaded)'
SELECT current_setting('streampay.webhook_secret_previous', true);
:expect 00000|42501 'current_setting(webhook_secret_previous, true) (library loaded)'
SHOW streampay.webhook_secret_file;
:expect 42501 'SHOW webhook_secret_file (library loaded)'
SELECT name, setting FROM pg_settings WHERE name LIKE 'streampay.%';
:ok 'pg_settings (library loaded)'
SELECT name, setting FROM pg_show_all_settings() s WHERE name LIKE 'streampay%' OR setting LIKE '%whsec%';
:ok 'SHOW ALL (library loaded)'
--@ session main
ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
COPY (SELECT WHERE false) TO PROGRAM 'rm -f adv_webhook.key';

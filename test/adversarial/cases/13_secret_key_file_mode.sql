--@ item 3
--@ what a key file readable by group and others (mode 0644, written by COPY TO a path in the data directory) is refused: ingest fails with 55000 and nothing is applied; the same key in a 0600 file is accepted
--@ absent whsec_adv_OPEN_5d2e
SELECT adv.mk(1);
SELECT current_setting('data_directory') || '/adv_open.key' AS keyfile \gset
COPY (SELECT 'whsec_adv_OPEN_5d2e') TO :'keyfile';
:ok 'write a 0644 key file'
ALTER SYSTEM SET streampay.webhook_secret_file = 'adv_open.key';
SELECT pg_reload_conf(), pg_sleep(0.5);
--@ session s1
\set payload '{"eventId":"e1","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-02T00:00:00Z"}'
:snap
\set VERBOSITY verbose
SELECT streampay_ingest(:'payload', streampay_sign(:'payload', 'whsec_adv_OPEN_5d2e'));
:expect 55000 'ingest with a 0644 key file'
\set VERBOSITY default
:same 'nothing applied'
--@ session main
COPY (SELECT 'whsec_adv_OPEN_5d2e') TO PROGRAM 'rm -f adv_open.key && umask 077 && cat > adv_open.key';
:ok 'the same key in a 0600 file'
--@ session s1
SELECT streampay_ingest(:'payload', streampay_sign(:'payload', 'whsec_adv_OPEN_5d2e')) ->> 'status';
:ok 'ingest with the 0600 key file'
SELECT adv.a(status = 'paused', 'the event applied') FROM streams;
--@ session main
ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
COPY (SELECT WHERE false) TO PROGRAM 'rm -f adv_open.key';

--@ item 9f
--@ what a webhook payload with \u0000 in a string (eventId, or a data field) fails with 22P02 and nothing changes; \u00e9 is accepted
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
:snap
\set p '{"eventId":"e\\u0000x","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22P02 'eventId with a NUL escape'
\set p '{"eventId":"e2","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z","data":{"note":"a\\u0000b"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22P02 'data field with a NUL escape'
:same 'unchanged'
\set p '{"eventId":"e\\u00e9","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'eventId';
:ok 'eventId with an e-acute escape'

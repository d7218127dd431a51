--@ item 9e
--@ what a webhook eventId that is a JSON number (42) or object ({"a":1}) fails with 22023 and nothing changes; the string "42" is accepted
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
:snap
\set p '{"eventId":42,"eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'eventId 42'
\set p '{"eventId":{"a":1},"eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'eventId {"a":1}'
\set p '{"eventId":"e1","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":{"t":"2024-02-01T00:00:00Z"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt an object'
:same 'unchanged'
\set p '{"eventId":"42","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'status';
:ok 'eventId "42"'
SELECT adv.a(external_event_id = '42', 'recorded as 42') FROM stream_events WHERE source = 'webhook';

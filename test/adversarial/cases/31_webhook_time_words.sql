--@ item 9d
--@ what webhook occurredAt "now", "today", "epoch", "infinity" (and "tomorrow", "-infinity") fail with 22023 each and nothing changes; "2024-02-01T00:00:00Z" is accepted
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
:snap
\set p '{"eventId":"w1","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"now"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt now'
\set p '{"eventId":"w2","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"today"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt today'
\set p '{"eventId":"w3","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"epoch"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt epoch'
\set p '{"eventId":"w4","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"infinity"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt infinity'
\set p '{"eventId":"w5","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"tomorrow"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt tomorrow'
\set p '{"eventId":"w6","eventType":"stream_paused","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"-infinity"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'occurredAt -infinity'
:same 'unchanged'
\set p '{"eventId":"w7","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'status';
:ok 'occurredAt 2024-02-01T00:00:00Z'
SELECT adv.a(last_settled_at = '2024-02-01', 'settled at 2024-02-01') FROM streams;

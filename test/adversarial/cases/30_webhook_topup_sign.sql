--@ item 9c
--@ what a topped_up webhook event with data.amount "-5" or "0" fails with 22023 and nothing changes; "5" is accepted and adds 5
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
:snap
\set p '{"eventId":"t1","eventType":"topped_up","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z","data":{"amount":"-5"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'topped_up -5'
\set p '{"eventId":"t2","eventType":"topped_up","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z","data":{"amount":"0"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'topped_up 0'
\set p '{"eventId":"t3","eventType":"topped_up","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z","data":{"amount":-5}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'topped_up -5 as a JSON number'
:same 'unchanged'
\set p '{"eventId":"t4","eventType":"topped_up","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z","data":{"amount":"5"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'status';
:ok 'topped_up 5'
SELECT adv.a(total_amount = 1000000005, 'total_amount + 5') FROM streams;

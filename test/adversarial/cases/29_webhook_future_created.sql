--@ item 9b
--@ what a stream_created webhook event with occurredAt 2099-01-01T00:00:00Z fails with 22023 and nothing changes; the same event dated 2024-01-01 is accepted
\i :adv_lib/webhook_key.psql
:snap
\set p '{"eventId":"c1","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2099-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","totalAmount":"1000","startTime":"2024-01-01T00:00:00Z"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'stream_created in 2099'
:same 'unchanged'
\set p '{"eventId":"c2","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","totalAmount":"1000","startTime":"2024-01-01T00:00:00Z"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'status';
:ok 'stream_created in 2024'
SELECT adv.a(created_at = '2024-01-01', 'created_at = occurredAt') FROM streams;

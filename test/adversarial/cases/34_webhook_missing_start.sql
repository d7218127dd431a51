--@ item 9g
--@ what a stream_created webhook event without data.startTime (or without data.totalAmount) fails with 22023 and nothing changes; with data.startTime it is accepted
\i :adv_lib/webhook_key.psql
:snap
\set p '{"eventId":"c1","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","totalAmount":"1000"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'stream_created without data.startTime'
\set p '{"eventId":"c2","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","startTime":"2024-01-01T00:00:00Z"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test'));
:expect 22023 'stream_created without data.totalAmount'
:same 'unchanged'
\set p '{"eventId":"c3","eventType":"stream_created","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-01T00:00:00Z","data":{"payer":"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7","recipient":"GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H","ratePerSecond":"1","totalAmount":"1000","startTime":"2024-01-01T00:00:00Z"}}'
SELECT streampay_ingest(:'p', streampay_sign(:'p', 'whsec_adv_test')) ->> 'status';
:ok 'stream_created with every field'

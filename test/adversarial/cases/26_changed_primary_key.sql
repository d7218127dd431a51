--@ item 8
--@ what the owner replaces streams' primary key by (created_at, id), then by (payer, id): streampay_accrued(id) and a signed stream_paused through streampay_ingest fail with 55000 (the ingest crashed the backend: its index probe compared the uuid as the key's first column), nothing changes; with PRIMARY KEY (id) back both work again
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('01010000-0000-0000-0000-000000000003', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
\set p0 '{"eventId":"k0","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-01-15T00:00:00Z"}'
\set p3a '{"eventId":"k3a","eventType":"stream_paused","streamId":"01010000-0000-0000-0000-000000000003","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p0', streampay_sign(:'p0', 'whsec_adv_test')) ->> 'settledDelta';
:ok 'ingest with the original primary key'
--@ session s1
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued by id with the original key');
--@ session main
ALTER TABLE streams DROP CONSTRAINT streams_pkey, ADD PRIMARY KEY (created_at, id);
:ok 'PRIMARY KEY (created_at, id)'
--@ session s1
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'accrued by id, key (created_at, id), cached session'
SELECT streampay_refundable('00000000-0000-0000-0000-000000000001', '2024-02-01');
:expect 55000 'refundable by text id, key (created_at, id)'
--@ session s2
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'accrued by id, key (created_at, id), new session'
--@ session main
:snap
SELECT streampay_ingest(:'p3a', streampay_sign(:'p3a', 'whsec_adv_test'));
:expect 55000 'ingest stream_paused, key (created_at, id)'
:same 'unchanged after the refused ingest, key (created_at, id)'
--@ session main
ALTER TABLE streams DROP CONSTRAINT streams_pkey, ADD PRIMARY KEY (payer, id);
:ok 'PRIMARY KEY (payer, id)'
--@ session s1
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'accrued by id, key (payer, id)'
--@ session s3
SELECT streampay_claimable('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'claimable by id, key (payer, id), new session'
--@ session ing
\set p3b '{"eventId":"k3b","eventType":"stream_paused","streamId":"01010000-0000-0000-0000-000000000003","occurredAt":"2024-02-01T00:00:00Z"}'
\set p3c '{"eventId":"k3c","eventType":"stream_paused","streamId":"01010000-0000-0000-0000-000000000003","occurredAt":"2024-02-01T00:00:00Z"}'
:snap
SELECT streampay_ingest(:'p3b', streampay_sign(:'p3b', 'whsec_adv_test'));
:expect 55000 'ingest stream_paused, key (payer, id), new session'
:same 'unchanged after the refused ingest, key (payer, id)'
--@ session main
BEGIN;
ALTER TABLE streams DROP CONSTRAINT streams_pkey;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'accrued by id, no primary key (same transaction)'
ROLLBACK;
ALTER TABLE streams DROP CONSTRAINT streams_pkey, ADD PRIMARY KEY (id);
:ok 'PRIMARY KEY (id) again'
--@ session s1
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued by id works again');
--@ session s2
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued by id works again (other session)');
--@ session ing
SELECT streampay_ingest(:'p3c', streampay_sign(:'p3c', 'whsec_adv_test')) ->> 'status';
:ok 'ingest stream_paused works again'
SELECT adv.a(status = 'paused' AND last_settled_at = '2024-02-01', 'the stream is paused at 2024-02-01') FROM streams WHERE id = '01010000-0000-0000-0000-000000000003';

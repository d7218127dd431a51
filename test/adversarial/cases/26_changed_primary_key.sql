--@ item 8
--@ what the owner replaces streams' primary key by (created_at, id), then by (payer, id): streampay_accrued(id) fails with 55000 (in a session that had cached the lookup and in a new one); with PRIMARY KEY (id) back it works again
SELECT adv.mk(1);
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
ALTER TABLE streams DROP CONSTRAINT streams_pkey, ADD PRIMARY KEY (payer, id);
:ok 'PRIMARY KEY (payer, id)'
--@ session s1
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'accrued by id, key (payer, id)'
--@ session s3
SELECT streampay_claimable('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 55000 'claimable by id, key (payer, id), new session'
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

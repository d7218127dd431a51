--@ item 8
--@ what the owner replaces streampay_chains' primary key by (family, chain_id): inserting a stream fails with 55000 and nothing changes; with PRIMARY KEY (chain_id) back the insert works
SELECT adv.mk(1);
:snap
--@ session s1
SELECT adv.a(streampay_valid_address(adv.payer(), 'stellar-testnet'), 'the chain registry works');
--@ session main
ALTER TABLE streampay_chains DROP CONSTRAINT streampay_chains_pkey, ADD PRIMARY KEY (family, chain_id);
:ok 'streampay_chains PRIMARY KEY (family, chain_id)'
--@ session s1
:snap
SELECT adv.mk(2);
:expect 55000 'insert a stream (cached session)'
:same 'unchanged'
--@ session s2
:snap
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000003', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:expect 55000 'insert a stream (new session)'
SELECT streampay_valid_address(adv.payer(), 'stellar-testnet');
:expect 55000 'streampay_valid_address'
--@ session main
:same 'unchanged'
ALTER TABLE streampay_chains DROP CONSTRAINT streampay_chains_pkey, ADD PRIMARY KEY (chain_id);
:ok 'streampay_chains PRIMARY KEY (chain_id) again'
--@ session s1
SELECT adv.mk(2);
:ok 'insert a stream again'

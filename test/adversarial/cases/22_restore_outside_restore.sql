--@ item 6
--@ what outside a restore: with session_replication_role = replica a superuser removes a stream, back to origin, re-inserts it in another state (completed, settled = total; last_settled_at moved back before the pause, which would accrue the paused-at time twice; for a history that ends in 'created', another created_at): 23505; re-inserted exactly in the ledger's last state it is accepted and appends no ledger row
SELECT adv.mk(1);
SELECT adv.mk(2);
SELECT (streampay_pause(adv.id(1), '2024-02-01')).status;
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams WHERE id = adv.id(1);
CREATE TABLE public.adv_keep2 AS SELECT * FROM public.streams WHERE id = adv.id(2);
--@ session s1
SET session_replication_role = replica;
DELETE FROM streams WHERE id = adv.id(1);
:ok 'DELETE in replica mode'
DELETE FROM streams WHERE id = adv.id(2);
:ok 'DELETE in replica mode (history ends in created)'
SET session_replication_role = origin;
SELECT count(*) AS events0 FROM stream_events \gset
:snap
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
SELECT id, payer, recipient, 'completed', rate_per_second, start_time, total_amount, last_settled_at, created_at, total_amount
  FROM public.adv_keep;
:expect 23505 're-insert as completed with settled = total'
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
SELECT id, payer, recipient, 'active', rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount
  FROM public.adv_keep;
:expect 23505 're-insert as active (the ledger ends paused)'
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
SELECT id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount + 1
  FROM public.adv_keep;
:expect 23505 're-insert with settled_amount + 1'
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
SELECT id, payer, recipient, status, rate_per_second, start_time, total_amount, '2024-01-01', created_at, settled_amount
  FROM public.adv_keep;
:expect 23505 're-insert with last_settled_at moved back from 2024-02-01 to 2024-01-01'
INSERT INTO streams SELECT (jsonb_populate_record(k, '{"created_at": "2023-06-01T00:00:00"}')).* FROM public.adv_keep2 k;
:expect 23505 're-insert with created_at moved (history ends in created)'
:same 'unchanged after the refused re-inserts'
INSERT INTO streams SELECT * FROM public.adv_keep;
:ok 're-insert exactly in the ledger''s last state'
INSERT INTO streams SELECT * FROM public.adv_keep2;
:ok 're-insert exactly in the ledger''s last state (history ends in created)'
SELECT adv.a((SELECT count(*) FROM stream_events) = :events0, 'no ledger row appended');
SELECT adv.a(s::text = k::text, 'the row is back as it was') FROM streams s, public.adv_keep k WHERE s.id = k.id;
SELECT adv.a(s::text = k::text, 'the row is back as it was (history ends in created)') FROM streams s, public.adv_keep2 k WHERE s.id = k.id;
SELECT adv.a(streampay_accrued(adv.id(1), '2024-03-01') = 2678400, 'accrued after the exact re-insert: 31 days to the pause');

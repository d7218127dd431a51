--@ item 6
--@ what outside a restore: with session_replication_role = replica a superuser removes a stream, back to origin, re-inserts it in another state (completed, settled = total): 23505; re-inserted exactly in the ledger's last state it is accepted and appends no ledger row
SELECT adv.mk(1);
SELECT (streampay_pause(adv.id(1), '2024-02-01')).status;
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams;
--@ session s1
SET session_replication_role = replica;
DELETE FROM streams WHERE id = adv.id(1);
:ok 'DELETE in replica mode'
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
:same 'unchanged after the refused re-inserts'
INSERT INTO streams SELECT * FROM public.adv_keep;
:ok 're-insert exactly in the ledger''s last state'
SELECT adv.a((SELECT count(*) FROM stream_events) = :events0, 'no ledger row appended');
SELECT adv.a(s::text = k::text, 'the row is back as it was') FROM streams s, public.adv_keep k;

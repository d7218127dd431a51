--@ item 6
--@ what DELETE of a stream is recorded as a 'deleted' ledger row; re-inserting the id (completed with settled = total, or exactly as it was) fails with 23505; TRUNCATE streams fails with 42501 and keeps the rows
SELECT adv.mk(1), adv.mk(2);
SELECT (streampay_pause(adv.id(1), '2024-02-01')).status;
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams WHERE id = adv.id(1);
--@ session s1
DELETE FROM streams WHERE id = adv.id(1);
:ok 'DELETE of stream 1'
SELECT adv.a(e.event_type = 'deleted' AND e.from_status = 'paused' AND e.settled_amount = 2678400,
             'the last ledger row of stream 1 is ''deleted'' (' || e.event_type || ')')
  FROM (SELECT * FROM stream_events WHERE stream_id = adv.id(1) ORDER BY event_id DESC LIMIT 1) e;
:snap
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
VALUES (adv.id(1), adv.payer(), adv.recipient(), 'completed', 1, '2024-01-01', 1e9, '2024-02-01', '2024-01-01', 1e9);
:expect 23505 're-insert of the deleted id as completed, settled = total'
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, settled_amount)
VALUES (adv.id(1), adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 1e9, '2024-02-01', '2024-01-01', 0);
:expect 23505 're-insert of the deleted id as active, settled 0'
INSERT INTO streams SELECT * FROM public.adv_keep;
:expect 23505 're-insert of the deleted id exactly as it was'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (adv.id(1), adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:expect 23505 're-insert of the deleted id with the defaults'
:same 'unchanged after the refused re-inserts'
TRUNCATE streams;
:expect 42501 'TRUNCATE streams'
TRUNCATE streams, stream_events;
:expect 42501 'TRUNCATE streams, stream_events'
:same 'unchanged after the refused TRUNCATEs'
SELECT adv.a((SELECT count(*) FROM streams) = 1, 'stream 2 is still there');
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (adv.id(3), adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:ok 'neighbour: a new id is accepted'

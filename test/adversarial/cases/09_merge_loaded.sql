--@ item 2
--@ what MERGE ... WHEN MATCHED AND false THEN UPDATE SET last_settled_at = ... WHEN MATCHED THEN UPDATE SET status = 'cancelled' after the library is loaded settles up to the transaction time, not at the old last_settled_at
SELECT adv.mk(1);
SELECT settled_amount FROM streampay_pause(adv.id(1), '2024-01-15');
SELECT settled_amount FROM streampay_resume(adv.id(1), '2024-02-01');
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams;
--@ session s1
-- the library is loaded first
SELECT adv.a(streampay_accrued(adv.id(1), '2024-02-01') = 1209600, 'accrued by id before the MERGE');
BEGIN;
MERGE INTO streams s USING (VALUES ('00000000-0000-0000-0000-000000000001'::uuid)) v(id) ON s.id = v.id
  WHEN MATCHED AND false THEN UPDATE SET last_settled_at = '2024-03-02'
  WHEN MATCHED THEN UPDATE SET status = 'cancelled';
:ok 'the MERGE'
SELECT adv.a(s.status = 'cancelled', 'cancelled') FROM streams s;
SELECT adv.a(s.last_settled_at > k.last_settled_at, 'last_settled_at moved past the old one (' || k.last_settled_at || ' -> ' || s.last_settled_at || ')') FROM streams s, public.adv_keep k;
SELECT adv.a(s.last_settled_at = timezone('UTC', now()), 'settled at the transaction time') FROM streams s;
SELECT adv.a(s.settled_amount > k.settled_amount, 'settled_amount grew (' || k.settled_amount || ' -> ' || s.settled_amount || ')') FROM streams s, public.adv_keep k;
SELECT adv.a(s.settled_amount = streampay_accrued(k::text::streams, s.last_settled_at), 'settled_amount = accrued(old row, new last_settled_at)') FROM streams s, public.adv_keep k;
SELECT adv.a(e.event_type = 'cancelled' AND e.occurred_at = s.last_settled_at AND e.settled_delta = s.settled_amount - k.settled_amount, 'the ledger records the cancel at that time with its delta')
  FROM streams s, public.adv_keep k, LATERAL (SELECT * FROM stream_events ORDER BY event_id DESC LIMIT 1) e;
COMMIT;
:ok 'COMMIT'

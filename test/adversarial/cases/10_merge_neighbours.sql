--@ item 2
--@ what neighbours: a MERGE whose only action sets last_settled_at = s.last_settled_at cancels exactly there; INSERT ... ON CONFLICT DO UPDATE SET status = 'cancelled' settles up to the transaction time; UPDATE ... FROM (VALUES ...) pauses at the given time
SELECT adv.mk(1), adv.mk(2), adv.mk(3);
SELECT (streampay_pause(s, '2024-01-15')).settled_amount FROM (VALUES (adv.id(1)), (adv.id(2)), (adv.id(3))) v(s);
SELECT (streampay_resume(s, '2024-02-01')).settled_amount FROM (VALUES (adv.id(1)), (adv.id(2)), (adv.id(3))) v(s);
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams;
--@ session s1
SELECT adv.a(streampay_accrued(adv.id(1), '2024-02-01') = 1209600, 'accrued by id (loads the library)');
MERGE INTO streams s USING (VALUES ('00000000-0000-0000-0000-000000000001'::uuid)) v(id) ON s.id = v.id
  WHEN MATCHED THEN UPDATE SET status = 'cancelled', last_settled_at = s.last_settled_at;
:ok 'MERGE with last_settled_at = s.last_settled_at'
SELECT adv.a(s.status = 'cancelled' AND s.last_settled_at = k.last_settled_at AND s.settled_amount = k.settled_amount,
             'cancelled exactly at the old last_settled_at, settled unchanged')
  FROM streams s JOIN public.adv_keep k USING (id) WHERE id = adv.id(1);
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (adv.id(2), adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9)
ON CONFLICT (id) DO UPDATE SET status = 'cancelled';
:ok 'INSERT ... ON CONFLICT DO UPDATE SET status = cancelled'
SELECT adv.a(s.status = 'cancelled' AND s.last_settled_at = timezone('UTC', now())
             AND s.settled_amount = streampay_accrued(k::text::streams, s.last_settled_at) AND s.settled_amount > k.settled_amount,
             'ON CONFLICT cancel settled up to the transaction time')
  FROM streams s JOIN public.adv_keep k USING (id) WHERE id = adv.id(2);
COMMIT;
UPDATE streams s SET status = 'paused', last_settled_at = v.t
  FROM (VALUES ('00000000-0000-0000-0000-000000000003'::uuid, '2024-02-15'::timestamp)) v(id, t) WHERE s.id = v.id;
:ok 'UPDATE ... FROM (VALUES ...) pausing at 2024-02-15'
SELECT adv.a(s.status = 'paused' AND s.last_settled_at = '2024-02-15' AND s.settled_amount = k.settled_amount + 14 * 86400,
             'paused at 2024-02-15 with 14 days settled')
  FROM streams s JOIN public.adv_keep k USING (id) WHERE id = adv.id(3);

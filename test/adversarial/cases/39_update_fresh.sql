--@ item 2
--@ what a plain UPDATE ... SET status = 'cancelled', last_settled_at = last_settled_at as a fresh session's first statement (the UPDATE loads the library, which cannot tell it from a MERGE) takes the safe reading and settles up to the transaction time; the same UPDATE in the next statement assigns the old time (review of 0.7.1)
SELECT adv.mk(1);
SELECT adv.mk(2);
SELECT settled_amount FROM streampay_pause(adv.id(1), '2024-01-15');
SELECT settled_amount FROM streampay_resume(adv.id(1), '2024-02-01');
SELECT settled_amount FROM streampay_pause(adv.id(2), '2024-01-15');
SELECT settled_amount FROM streampay_resume(adv.id(2), '2024-02-01');
CREATE TABLE public.adv_keep AS SELECT * FROM public.streams;
--@ session s1
-- the UPDATE is the connection's first statement: the library is not loaded yet

BEGIN;
UPDATE streams SET status = 'cancelled', last_settled_at = last_settled_at
 WHERE id = '00000000-0000-0000-0000-000000000001';
:ok 'the first UPDATE'
SELECT adv.a(s.status = 'cancelled', 'cancelled') FROM streams s WHERE s.id = adv.id(1);
SELECT adv.a(s.last_settled_at = timezone('UTC', now()), 'safe reading: settled at the transaction time') FROM streams s WHERE s.id = adv.id(1);
SELECT adv.a(s.settled_amount > k.settled_amount, 'settled_amount grew (' || k.settled_amount || ' -> ' || s.settled_amount || ')')
  FROM streams s JOIN public.adv_keep k USING (id) WHERE s.id = adv.id(1);
COMMIT;
:ok 'COMMIT'
-- neighbour: the library is loaded now, so the SET list decides: the old time is assigned
BEGIN;
UPDATE streams SET status = 'cancelled', last_settled_at = last_settled_at
 WHERE id = '00000000-0000-0000-0000-000000000002';
:ok 'the second UPDATE'
SELECT adv.a(s.status = 'cancelled' AND s.last_settled_at = k.last_settled_at AND s.settled_amount = k.settled_amount,
             'exact reading: cancelled at the assigned old time, nothing settled since')
  FROM streams s JOIN public.adv_keep k USING (id) WHERE s.id = adv.id(2);
COMMIT;
:ok 'COMMIT'

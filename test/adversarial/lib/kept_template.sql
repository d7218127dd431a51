-- Template of cases 01-05 (item 1): a BEFORE and then an AFTER INSERT row
-- trigger on stream_events runs @STATEMENT@ (a case file's
-- "--@ set STATEMENT ..." line) while UPDATEs of streams append to the
-- ledger, in one row, three rows, and savepoints rolled back and redone.
SELECT adv.mk(1), adv.mk(2), adv.mk(3), adv.mk(4), adv.mk(5);
CREATE FUNCTION public.adv_tf() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    @STATEMENT@;
    RETURN NEW;
END $$;
CREATE TRIGGER adv_before BEFORE INSERT ON public.stream_events
    FOR EACH ROW EXECUTE FUNCTION public.adv_tf();
--@ session s1
-- a fresh session: the first statement loads the library
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:ok 'BEFORE trigger, one row'
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id IN (adv.id(2), adv.id(3), adv.id(4));
:ok 'BEFORE trigger, three rows'
BEGIN;
SAVEPOINT a;
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(5);
:ok 'BEFORE trigger, in a savepoint'
ROLLBACK TO a;
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(5);
:ok 'BEFORE trigger, after ROLLBACK TO'
COMMIT;
:ok 'BEFORE trigger, COMMIT'
SELECT adv.a((SELECT count(*) FROM stream_events WHERE event_type = 'paused' AND occurred_at = '2024-02-01') = 5, 'BEFORE trigger: five paused events');
SELECT adv.a((SELECT count(*) FROM streams WHERE status = 'paused' AND last_settled_at = '2024-02-01' AND settled_amount = 2678400) = 5, 'BEFORE trigger: five streams paused, 31 days settled');
--@ session main
DROP TRIGGER adv_before ON public.stream_events;
CREATE TRIGGER adv_after AFTER INSERT ON public.stream_events
    FOR EACH ROW EXECUTE FUNCTION public.adv_tf();
--@ session s2
UPDATE streams SET status = 'active', last_settled_at = '2024-02-10' WHERE id = adv.id(1);
:ok 'AFTER trigger, one row'
UPDATE streams SET status = 'active', last_settled_at = '2024-02-10' WHERE id IN (adv.id(2), adv.id(3), adv.id(4));
:ok 'AFTER trigger, three rows'
BEGIN;
SAVEPOINT a;
UPDATE streams SET status = 'active', last_settled_at = '2024-02-10' WHERE id = adv.id(5);
:ok 'AFTER trigger, in a savepoint'
ROLLBACK TO a;
SAVEPOINT b;
UPDATE streams SET status = 'active', last_settled_at = '2024-02-10' WHERE id = adv.id(5);
:ok 'AFTER trigger, after ROLLBACK TO'
RELEASE b;
UPDATE streams SET status = 'cancelled', last_settled_at = '2024-02-20' WHERE id IN (adv.id(4), adv.id(5));
:ok 'AFTER trigger, cancel two rows in the transaction'
COMMIT;
:ok 'AFTER trigger, COMMIT'
SELECT adv.a((SELECT count(*) FROM stream_events WHERE event_type = 'resumed' AND occurred_at = '2024-02-10') = 5, 'AFTER trigger: five resumed events');
SELECT adv.a((SELECT count(*) FROM stream_events WHERE event_type = 'cancelled' AND occurred_at = '2024-02-20') = 2, 'AFTER trigger: two cancelled events');
SELECT adv.a((SELECT count(*) FROM streams WHERE status = 'cancelled' AND settled_amount = 2678400 + 864000) = 2, 'AFTER trigger: cancelled streams settled 31 + 10 days');
SELECT adv.a(NOT EXISTS (SELECT FROM streams s WHERE s.settled_amount <> (SELECT sum(settled_delta) FROM stream_events e WHERE e.stream_id = s.id)), 'ledger sums equal settled_amount');

--@ item 1
--@ what neighbour: an AFTER INSERT row trigger on stream_events that raises (P0001) makes the UPDATE of streams fail with P0001 (not XX000), at top level and in a savepoint, and nothing changes
SELECT adv.mk(1), adv.mk(2);
CREATE FUNCTION public.adv_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'adv_boom refuses event %', NEW.event_type USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER adv_boom AFTER INSERT ON public.stream_events
    FOR EACH ROW EXECUTE FUNCTION public.adv_boom();
--@ session s1
:snap
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:expect P0001 'one row'
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01';
:expect P0001 'two rows'
BEGIN;
SAVEPOINT a;
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:expect P0001 'in a savepoint'
ROLLBACK TO a;
COMMIT;
:same 'unchanged'
--@ session main
DROP TRIGGER adv_boom ON public.stream_events;
--@ session s1
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01';
:ok 'the same UPDATE once the trigger is gone'

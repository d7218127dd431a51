--@ item 1
--@ what neighbour: a BEFORE and an AFTER INSERT trigger on stream_events running EXECUTE 'ALTER TABLE public.streams ADD COLUMN z int' make the UPDATE fail with 55006, nothing changes; the same UPDATE succeeds once the trigger is gone
SELECT adv.mk(1), adv.mk(2);
CREATE FUNCTION public.adv_tf() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER TABLE public.streams ADD COLUMN z int';
    RETURN NEW;
END $$;
CREATE TRIGGER adv_before BEFORE INSERT ON public.stream_events
    FOR EACH ROW EXECUTE FUNCTION public.adv_tf();
--@ session s1
:snap
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:expect 55006 'BEFORE trigger running ALTER TABLE streams, one row'
:same 'unchanged after the refused one-row UPDATE'
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01';
:expect 55006 'BEFORE trigger running ALTER TABLE streams, two rows'
:same 'unchanged after the refused two-row UPDATE'
BEGIN;
SAVEPOINT a;
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:expect 55006 'BEFORE trigger running ALTER TABLE streams, in a savepoint'
ROLLBACK TO a;
COMMIT;
:same 'unchanged after the savepoint'
SELECT adv.a(NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'public.streams'::regclass AND attname = 'z'), 'streams has no column z');
--@ session main
DROP TRIGGER adv_before ON public.stream_events;
CREATE TRIGGER adv_after AFTER INSERT ON public.stream_events
    FOR EACH ROW EXECUTE FUNCTION public.adv_tf();
--@ session s2
:snap
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(2);
:expect 55006 'AFTER trigger running ALTER TABLE streams'
:same 'unchanged after the refused UPDATE'
SELECT adv.a(NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'public.streams'::regclass AND attname = 'z'), 'streams has no column z');
--@ session main
DROP TRIGGER adv_after ON public.stream_events;
--@ session s2
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01';
:ok 'the same UPDATE without the trigger'
SELECT adv.a((SELECT count(*) FROM stream_events WHERE event_type = 'paused') = 2, 'two paused events');

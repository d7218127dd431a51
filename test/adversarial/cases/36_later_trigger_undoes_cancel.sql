--@ item 10a
--@ what a user BEFORE UPDATE trigger zz_after (fires after streams_streampay) that turns a cancel back into 'active' and restores the old settled_amount makes the UPDATE fail with 27000 and nothing changes; a later trigger that only sets metadata is accepted
SELECT adv.mk(1), adv.mk(2);
CREATE FUNCTION public.adv_undo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'cancelled' THEN
        NEW.status := 'active';
        NEW.settled_amount := OLD.settled_amount;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER zz_after BEFORE UPDATE ON public.streams FOR EACH ROW EXECUTE FUNCTION public.adv_undo();
--@ session s1
:snap
UPDATE streams SET status = 'cancelled', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:expect 27000 'cancel undone by zz_after'
SELECT streampay_cancel(adv.id(1), '2024-02-01');
:expect 27000 'streampay_cancel undone by zz_after'
:same 'unchanged'
--@ session main
CREATE OR REPLACE FUNCTION public.adv_undo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.metadata := '{"tagged": true}';
    RETURN NEW;
END $$;
--@ session s1
UPDATE streams SET status = 'cancelled', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:ok 'cancel with a later trigger that sets metadata'
SELECT adv.a(status = 'cancelled' AND settled_amount = 2678400 AND metadata::jsonb = '{"tagged": true}', 'cancelled, settled, tagged') FROM streams WHERE id = adv.id(1);

--@ item 7
--@ what neighbour: the superuser's AFTER INSERT trigger on stream_events is SECURITY DEFINER with a pinned search_path (what a trigger that needs rights the writers lack must be) and calls public.note_event(); adv_eve with search_path = eve, public and her own eve.note_event() updates a stream: the UPDATE succeeds and only public.note_event() ran
SELECT adv.mk(1);
CREATE TABLE public.adv_marker (who text, what text);
CREATE FUNCTION public.note_event() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.adv_marker VALUES (current_user, 'public.note_event');
END $$;
CREATE FUNCTION public.adv_audit() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.note_event();
    RETURN NEW;
END $$;
CREATE TRIGGER adv_audit AFTER INSERT ON public.stream_events FOR EACH ROW EXECUTE FUNCTION public.adv_audit();
CREATE ROLE adv_eve LOGIN;
GRANT SELECT, INSERT, UPDATE ON public.streams TO adv_eve;
CREATE SCHEMA eve AUTHORIZATION adv_eve;
--@ session eve adv_eve
CREATE FUNCTION eve.note_event() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.adv_marker VALUES (current_user, 'eve.note_event');
    EXECUTE 'ALTER ROLE adv_eve SUPERUSER';
END $$;
SET search_path = eve, public;
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = '00000000-0000-0000-0000-000000000001';
:ok 'eve''s UPDATE'
--@ session main
SELECT adv.a((SELECT count(*) FROM public.adv_marker WHERE what = 'public.note_event') = 1, 'public.note_event() ran once');
SELECT adv.a(NOT EXISTS (SELECT FROM public.adv_marker WHERE what = 'eve.note_event'), 'eve.note_event() never ran');
SELECT adv.a(NOT rolsuper, 'adv_eve is not a superuser') FROM pg_roles WHERE rolname = 'adv_eve';
SELECT adv.a((SELECT status FROM streams) = 'paused', 'the stream is paused');

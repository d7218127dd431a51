--@ item 7
--@ what a superuser's AFTER INSERT trigger on stream_events calls the unqualified note_event() (public.note_event); writer adv_eve creates eve.note_event() (makes her superuser, writes a superuser-only table), sets search_path = eve, public and updates a stream: code on stream_events runs as the writer (0.4.0), so eve's function runs with eve's rights only and fails (42501); it never runs as the ledger's owner
SELECT adv.mk(1);
CREATE TABLE public.adv_marker (who text, what text);
CREATE FUNCTION public.note_event() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.adv_marker VALUES (current_user, 'public.note_event');
END $$;
CREATE FUNCTION public.adv_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM note_event();
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
:ok 'eve creates eve.note_event()'
SET search_path = eve, public;
:snap
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = '00000000-0000-0000-0000-000000000001';
:expect 42501 'eve''s UPDATE (her note_event() runs as eve: no right on adv_marker, no ALTER ROLE)'
:same 'nothing changed'
--@ session main
SELECT adv.a(NOT EXISTS (SELECT FROM public.adv_marker), 'nothing was written as anyone else');
SELECT adv.a(NOT rolsuper, 'adv_eve is not a superuser') FROM pg_roles WHERE rolname = 'adv_eve';

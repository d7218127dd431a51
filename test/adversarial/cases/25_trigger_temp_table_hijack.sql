--@ item 7
--@ what (beyond the review) a superuser's AFTER INSERT trigger on stream_events writes the unqualified table audit_log (public.audit_log); writer adv_eve creates a temp table audit_log whose trigger runs eve.evil() (ALTER ROLE adv_eve SUPERUSER) and updates a stream: eve's code must not run as the ledger's owner (it runs as eve: 42501)
SELECT adv.mk(1);
CREATE TABLE public.audit_log (what text);
CREATE FUNCTION public.adv_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log VALUES (NEW.event_type);
    RETURN NEW;
END $$;
CREATE TRIGGER adv_audit AFTER INSERT ON public.stream_events FOR EACH ROW EXECUTE FUNCTION public.adv_audit();
CREATE ROLE adv_eve LOGIN;
GRANT SELECT, INSERT, UPDATE ON public.streams TO adv_eve;
CREATE SCHEMA eve AUTHORIZATION adv_eve;
--@ session eve adv_eve
CREATE FUNCTION eve.evil() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE adv_eve SUPERUSER';
    RETURN NEW;
END $$;
CREATE TEMP TABLE audit_log (what text);
CREATE TRIGGER evil BEFORE INSERT ON pg_temp.audit_log FOR EACH ROW EXECUTE FUNCTION eve.evil();
:ok 'eve''s temp table audit_log with her trigger'
:snap
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = '00000000-0000-0000-0000-000000000001';
:expect 42501 'eve''s UPDATE (her trigger runs as eve, who may not ALTER ROLE)'
:same 'unchanged after eve''s refused UPDATE'
--@ session main
SELECT adv.a(NOT rolsuper, 'adv_eve is not a superuser') FROM pg_roles WHERE rolname = 'adv_eve';

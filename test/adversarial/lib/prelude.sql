-- Run by run.sh as the superuser in each case's fresh database.
CREATE EXTENSION streampay;
CREATE SCHEMA adv;
GRANT USAGE ON SCHEMA adv TO PUBLIC;
-- digest of everything in streams and stream_events (as the superuser)
CREATE FUNCTION adv.snap() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT md5(coalesce((SELECT string_agg(s::text, ',' ORDER BY s.id::text) FROM public.streams s), '')
               || '|' ||
               coalesce((SELECT string_agg(e::text, ',' ORDER BY e.event_id) FROM public.stream_events e), ''))
$$;
-- SELECT adv.a(<condition>, 'label') prints "@@A t label" (or f / null)
CREATE FUNCTION adv.a(cond boolean, label text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT '@@A ' || CASE WHEN cond THEN 't' WHEN NOT cond THEN 'f' ELSE 'null' END || ' ' || label $$;
-- the two addresses every case uses
CREATE FUNCTION adv.payer() RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7'::text $$;
CREATE FUNCTION adv.recipient() RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT 'GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H'::text $$;
CREATE FUNCTION adv.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
-- adv.mk(n): insert stream 00000000-0000-0000-0000-00000000000n, 1/s from 2024-01-01
CREATE FUNCTION adv.mk(n int, rate numeric DEFAULT 1) RETURNS uuid
    LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO public.streams (id, payer, recipient, rate_per_second, start_time, total_amount)
    VALUES (adv.id(n), adv.payer(), adv.recipient(), rate, '2024-01-01', 1e9)
    RETURNING id
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA adv TO PUBLIC;

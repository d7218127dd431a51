--@ item 5
--@ what with CREATE on the extension's schema (public), adv_mallory's copies public.adv_streams and pg_temp.streams (the same name as the extension's table, first in her search_path) with public.streampay_ledger_trigger() cannot write the ledger: 42501, stream_events unchanged
SELECT adv.mk(1);
CREATE ROLE adv_mallory;
GRANT USAGE, CREATE ON SCHEMA public TO adv_mallory;
GRANT SELECT ON public.streams TO adv_mallory;
--@ session s1
SET ROLE adv_mallory;
CREATE TABLE public.adv_streams (LIKE public.streams INCLUDING ALL);
:ok 'CREATE TABLE public.adv_streams'
CREATE TRIGGER t AFTER INSERT ON public.adv_streams FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
:ok 'CREATE TRIGGER on public.adv_streams'
CREATE TEMP TABLE streams (LIKE public.streams INCLUDING ALL);
:ok 'CREATE TEMP TABLE streams'
CREATE TRIGGER t AFTER INSERT ON pg_temp.streams FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
:ok 'CREATE TRIGGER on pg_temp.streams'
:snap
INSERT INTO public.adv_streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                                created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 99999999999);
:expect 42501 'INSERT into public.adv_streams (a real stream id)'
INSERT INTO public.adv_streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                                created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000002', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 99999999999);
:expect 42501 'INSERT into public.adv_streams (a new stream id)'
CREATE TRIGGER u AFTER UPDATE ON public.adv_streams FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
ALTER TABLE public.adv_streams DISABLE TRIGGER t;
INSERT INTO public.adv_streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                                created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 0);
:ok 'INSERT with the INSERT trigger disabled'
UPDATE public.adv_streams SET settled_amount = 99999999999, status = 'cancelled';
:expect 42501 'UPDATE of public.adv_streams claiming settled_amount 99999999999'
SET search_path = pg_temp, public;
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                     created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 99999999999);
:expect 42501 'INSERT into pg_temp.streams'
RESET search_path;
RESET ROLE;
:same 'streams and stream_events unchanged'
SELECT adv.a(NOT EXISTS (SELECT FROM stream_events WHERE settled_amount = 99999999999 OR actor = 'adv_mallory'), 'no forged ledger row');

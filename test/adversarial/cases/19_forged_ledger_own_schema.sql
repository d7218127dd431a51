--@ item 5
--@ what adv_mallory copies streams into her own schema (mal.streams; SELECT on streams and USAGE on public), attaches public.streampay_ledger_trigger() and inserts a row claiming a real stream id with settled_amount 99999999999: 42501, stream_events unchanged
SELECT adv.mk(1);
CREATE ROLE adv_mallory;
CREATE SCHEMA mal AUTHORIZATION adv_mallory;
GRANT USAGE ON SCHEMA public TO adv_mallory;
GRANT SELECT ON public.streams TO adv_mallory;
--@ session s1
SET ROLE adv_mallory;
CREATE TABLE mal.streams (LIKE public.streams);
:ok 'CREATE TABLE mal.streams (LIKE public.streams)'
CREATE TRIGGER t AFTER INSERT ON mal.streams FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
:ok 'CREATE TRIGGER on mal.streams'
:snap
INSERT INTO mal.streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                         created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 99999999999);
:expect 42501 'INSERT into mal.streams'
CREATE TRIGGER u AFTER UPDATE ON mal.streams FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
ALTER TABLE mal.streams DISABLE TRIGGER t;
INSERT INTO mal.streams (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at,
                         created_at, updated_at, chain_id, settled_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 'active', 1, '2024-01-01', 99999999999,
        '2024-01-02', '2024-01-01', '2024-01-01', 'stellar-testnet', 0);
:ok 'INSERT with the INSERT trigger disabled'
UPDATE mal.streams SET settled_amount = 99999999999, status = 'cancelled';
:expect 42501 'UPDATE of mal.streams with the ledger trigger'
RESET ROLE;
:same 'streams and stream_events unchanged'
SELECT adv.a(NOT EXISTS (SELECT FROM stream_events WHERE settled_amount = 99999999999 OR actor = 'adv_mallory'), 'no forged ledger row');

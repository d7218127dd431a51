--@ item 10b
--@ what streampay_trigger() attached to a copy of streams as an AFTER row trigger or as a statement trigger fails with 39P01 (not XX000); streampay_accrual_from_columns(7, ...) fails with 22023; the copy with the trigger as BEFORE ROW works
CREATE TABLE public.adv_copy (LIKE public.streams INCLUDING DEFAULTS);
CREATE TRIGGER t AFTER INSERT OR UPDATE ON public.adv_copy FOR EACH ROW EXECUTE FUNCTION public.streampay_trigger();
--@ session s1
INSERT INTO public.adv_copy (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:expect 39P01 'streampay_trigger() as an AFTER row trigger'
--@ session main
DROP TRIGGER t ON public.adv_copy;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON public.adv_copy FOR EACH STATEMENT EXECUTE FUNCTION public.streampay_trigger();
--@ session s1
INSERT INTO public.adv_copy (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:expect 39P01 'streampay_trigger() as a BEFORE statement trigger'
--@ session main
DROP TRIGGER t ON public.adv_copy;
CREATE TRIGGER t AFTER INSERT OR UPDATE ON public.adv_copy FOR EACH STATEMENT EXECUTE FUNCTION public.streampay_trigger();
--@ session s1
INSERT INTO public.adv_copy (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:expect 39P01 'streampay_trigger() as an AFTER statement trigger'
SELECT adv.a((SELECT count(*) FROM public.adv_copy) = 0, 'the copy is empty');
SELECT streampay_accrual_from_columns(7, '00000000-0000-0000-0000-000000000001', 'active', 1, '2024-01-01', NULL, 1e9, '2024-01-01', 0, '2024-02-01');
:expect 22023 'streampay_accrual_from_columns kind 7'
SELECT streampay_accrual_from_columns(-1, '00000000-0000-0000-0000-000000000001', 'active', 1, '2024-01-01', NULL, 1e9, '2024-01-01', 0, '2024-02-01');
:expect 22023 'streampay_accrual_from_columns kind -1'
SELECT adv.a(streampay_accrual_from_columns(0, '00000000-0000-0000-0000-000000000001', 'active', 1, '2024-01-01', NULL, 1e9, '2024-01-01', 0, '2024-02-01') = 2678400, 'kind 0 works');
--@ session main
DROP TRIGGER t ON public.adv_copy;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON public.adv_copy FOR EACH ROW EXECUTE FUNCTION public.streampay_trigger();
--@ session s1
INSERT INTO public.adv_copy (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-000000000001', adv.payer(), adv.recipient(), 1, '2024-01-01', 1e9);
:ok 'streampay_trigger() as a BEFORE row trigger on the copy'

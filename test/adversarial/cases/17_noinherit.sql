--@ item 4
--@ what bob reads a stream by id through role adv_r1; another session stops bob inheriting adv_r1 (ALTER ROLE adv_bob NOINHERIT on 15; from 16 on inheritance is per grant, so REVOKE INHERIT OPTION FOR adv_r1 FROM adv_bob); in bob's same session streampay_accrued(id) now fails with 42501, like SELECT
SELECT adv.mk(1);
CREATE ROLE adv_r1;
CREATE ROLE adv_bob LOGIN;
GRANT SELECT ON streams TO adv_r1;
GRANT adv_r1 TO adv_bob;
--@ session bob adv_bob
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued through adv_r1');
--@ session main
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 160000 THEN
        EXECUTE 'REVOKE INHERIT OPTION FOR adv_r1 FROM adv_bob';
    ELSE
        EXECUTE 'ALTER ROLE adv_bob NOINHERIT';
    END IF;
END $$;
:ok 'bob no longer inherits adv_r1 (another session)'
--@ session bob
SELECT count(*) FROM streams;
:expect 42501 'SELECT FROM streams after NOINHERIT'
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_accrued(id) after NOINHERIT'
SET ROLE adv_r1;
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued after SET ROLE adv_r1');
RESET ROLE;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_accrued(id) after RESET ROLE'

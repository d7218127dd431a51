--@ item 4
--@ what bob reads a stream by id through role adv_r1; another session REVOKEs adv_r1 FROM bob; in bob's same session streampay_accrued(id) now fails with 42501, like SELECT FROM streams
SELECT adv.mk(1);
CREATE ROLE adv_r1;
CREATE ROLE adv_bob LOGIN;
GRANT SELECT ON streams TO adv_r1;
GRANT adv_r1 TO adv_bob;
--@ session bob adv_bob
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued through adv_r1');
SELECT adv.a(streampay_claimable('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'claimable through adv_r1');
--@ session main
REVOKE adv_r1 FROM adv_bob;
:ok 'REVOKE adv_r1 FROM adv_bob (another session)'
--@ session bob
SELECT count(*) FROM streams;
:expect 42501 'SELECT FROM streams after the revoke'
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_accrued(id) after the revoke'
SELECT streampay_claimable('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_claimable(id) after the revoke'
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001', '2024-02-01');
:expect 42501 'streampay_accrued(text id) after the revoke'
--@ session main
GRANT adv_r1 TO adv_bob;
--@ session bob
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued again after the grant');

--@ item 4
--@ what one session: SET ROLE adv_bob reads by id through adv_r1; RESET ROLE; REVOKE adv_r1 FROM adv_bob; SET ROLE adv_bob: streampay_accrued(id) fails with 42501
SELECT adv.mk(1);
CREATE ROLE adv_r1;
CREATE ROLE adv_bob;
GRANT SELECT ON streams TO adv_r1;
GRANT adv_r1 TO adv_bob;
--@ session s1
SET ROLE adv_bob;
SELECT adv.a(streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01') = 2678400, 'accrued as adv_bob through adv_r1');
RESET ROLE;
REVOKE adv_r1 FROM adv_bob;
:ok 'REVOKE adv_r1 FROM adv_bob'
SET ROLE adv_bob;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_accrued(id) as adv_bob after the revoke'
SELECT streampay_refundable('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'streampay_refundable(id) as adv_bob after the revoke'
BEGIN;
SELECT streampay_accrued('00000000-0000-0000-0000-000000000001'::uuid, '2024-02-01');
:expect 42501 'the same inside a transaction block'
ROLLBACK;
RESET ROLE;

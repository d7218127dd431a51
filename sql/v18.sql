-- PostgreSQL 18 only.  RETURNING old.* and new.*: the row form over old and over
-- new must read the row before and after the change; the planner rewrite
-- must keep which one a column belongs to (Var.varreturningtype).
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('61000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000);
-- a rate change at 00:01:40: old accrues at 1/s, new at 3/s from then on
UPDATE streams SET rate_per_second = 3, last_settled_at = '2025-01-01 00:01:40'
 WHERE id = '61000000-0000-0000-0000-000000000001'
RETURNING streampay_accrued(old, '2025-01-01 00:03:20') AS accrued_old,
          streampay_accrued(new, '2025-01-01 00:03:20') AS accrued_new,
          streampay_claimable(old, '2025-01-01 00:03:20') AS claimable_old,
          streampay_claimable(new, '2025-01-01 00:03:20') AS claimable_new;
-- the same through the id-free row forms on the plain table afterwards
SELECT streampay_accrued(s, '2025-01-01 00:03:20') FROM streams s;
-- and a DELETE returns the deleted row's balance through old
DELETE FROM streams WHERE id = '61000000-0000-0000-0000-000000000001'
RETURNING streampay_accrued(old, '2025-01-01 00:03:20') AS accrued_old,
          streampay_accrued(new, '2025-01-01 00:03:20') IS NULL AS new_is_null;
-- the module's magic block names it and its version (PG_MODULE_MAGIC_EXT)
SELECT module_name, version = (SELECT default_version FROM pg_available_extensions
                                WHERE name = 'streampay') AS version_is_the_extensions
  FROM pg_get_loaded_modules() WHERE module_name = 'streampay';

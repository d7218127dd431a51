-- The row forms on a table row are rewritten by the planner into a call on
-- the row's columns (row_support.c).  The rewrite builds a Var per column
-- from the whole-row Var; these queries would give wrong answers or
-- planner errors if the new Vars lost what the row's Var knows: that an
-- outer join can null it (16+), or which relation level it belongs to.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('60000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', NULL, 1000),
       ('60000000-0000-0000-0000-000000000002', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 2, '2025-01-01', '2025-01-01 00:05:00', 500);
CREATE TEMP TABLE wanted (k int, id uuid);
INSERT INTO wanted VALUES (1, '60000000-0000-0000-0000-000000000001'),
                          (2, '60000000-0000-0000-0000-000000000002'),
                          (3, '60000000-0000-0000-0000-00000000dead');

-- the rewrite happens: the plan calls streampay_accrual_from_columns
EXPLAIN (COSTS OFF, VERBOSE)
SELECT streampay_accrued(s, '2025-01-01 00:01:00') FROM streams s;

-- the nullable side of a LEFT JOIN: NULL-extended rows give NULL
SELECT w.k, streampay_accrued(s, '2025-01-01 00:01:00') AS accrued,
       streampay_claimable(s, '2025-01-01 00:01:00') AS claimable,
       streampay_refundable(s, '2025-01-01 00:01:00') AS refundable
  FROM wanted w LEFT JOIN streams s ON s.id = w.id ORDER BY w.k;
-- ... also when the join qual references the row form, and under a WHERE
-- that must not be pushed below the join
SELECT w.k, streampay_accrued(s, '2025-01-01 00:01:00') AS accrued
  FROM wanted w LEFT JOIN streams s
    ON s.id = w.id AND streampay_accrued(s, '2025-01-01 00:01:00') > 100
 ORDER BY w.k;
SELECT w.k FROM wanted w LEFT JOIN streams s ON s.id = w.id
 WHERE streampay_accrued(s, '2025-01-01 00:01:00') IS NULL ORDER BY w.k;
-- a FULL JOIN: both sides nullable
SELECT w.k, s.id IS NOT NULL AS has_row, streampay_accrued(s, '2025-01-01 00:10:00') AS accrued
  FROM (SELECT * FROM wanted WHERE k <> 2) w FULL JOIN streams s ON s.id = w.id
 ORDER BY w.k NULLS LAST, s.id;
-- a LATERAL subquery over the outer row
SELECT w.k, l.a
  FROM wanted w
  LEFT JOIN LATERAL (SELECT streampay_accrued(s, '2025-01-01 00:02:00') AS a
                       FROM streams s WHERE s.id = w.id) l ON true
 ORDER BY w.k;
-- a CTE, and GROUP BY / HAVING on the row form
WITH r AS (SELECT s.id, streampay_accrued(s, '2025-01-01 00:03:00') AS a FROM streams s)
SELECT id, a FROM r ORDER BY id;
SELECT s.rate_per_second, sum(streampay_accrued(s, '2025-01-01 00:03:00')) AS total
  FROM streams s GROUP BY s.rate_per_second
HAVING sum(streampay_accrued(s, '2025-01-01 00:03:00')) > 200 ORDER BY 1;
-- agreement with the id form on every case above, at several times
SELECT bool_and(streampay_accrued(s, t) = streampay_accrued(s.id, t)) AS row_form_equals_id_form
  FROM streams s, unnest(ARRAY['2025-01-01', '2025-01-01 00:04:59', '2026-01-01']::timestamp[]) t;
-- a correlated subquery reads the outer row (a Var of another level is left alone)
SELECT w.k, (SELECT streampay_accrued(s, '2025-01-01 00:01:00') FROM streams s2 WHERE s2.id = s.id) AS a
  FROM wanted w LEFT JOIN streams s ON s.id = w.id ORDER BY w.k;

--
-- streampay_account under a nondeterministic collation (0.7.1).  0.6.0's
-- SQL compared the address with payer and recipient through the call's
-- collation, and grouped by the columns' stored values; 0.7.0's aggregate
-- refused a nondeterministic collation; 0.7.1 does what 0.6.0 did.  Only
-- ICU makes such a collation: a server built without ICU skips this file
-- (expected/collation_1.out).
--
DO $$
BEGIN
    CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXCEPTION WHEN feature_not_supported THEN
    NULL;   -- "ICU is not supported in this build"
END
$$;
SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'nocase') AS skip_test \gset
\if :skip_test
\quit
\endif

-- EIP-55 addresses, stored mixed-case; the lower-case spelling is the same
-- account.  Two assets on eip155:1, one stream on eip155:10.
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id, asset)
VALUES ('85000000-0000-0000-0000-000000000001', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 2, '2025-01-01', 1000000, 'eip155:1',
        '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB'),
       ('85000000-0000-0000-0000-000000000002', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
        '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 0.5, '2025-01-01', 1000, 'eip155:1',
        '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb'),
       ('85000000-0000-0000-0000-000000000003', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb', 1, '2025-01-02', 500, 'eip155:10', NULL);

-- 0.6.0's definition: = through the argument's collation, GROUP BY the
-- columns (whose collation, the database default, is deterministic)
CREATE FUNCTION pg_temp.account_060(a text, t timestamp, c text) RETURNS SETOF text
    LANGUAGE sql AS $fn$
    SELECT ROW(chain_id, asset,
               COALESCE(sum(rate_per_second) FILTER (WHERE recipient = a AND status = 'active'), 0),
               COALESCE(sum(rate_per_second) FILTER (WHERE payer = a AND status = 'active'), 0),
               COALESCE(sum(streampay_accrued(s, t)) FILTER (WHERE recipient = a), 0),
               COALESCE(sum(streampay_accrued(s, t)) FILTER (WHERE payer = a), 0),
               COALESCE(sum(streampay_claimable(s, t)) FILTER (WHERE recipient = a), 0),
               COALESCE(sum(streampay_refundable(s, t)) FILTER (WHERE payer = a), 0),
               count(*) FILTER (WHERE recipient = a AND status = 'active'),
               count(*) FILTER (WHERE recipient = a AND status = 'paused'),
               count(*) FILTER (WHERE payer = a AND status = 'active'),
               count(*) FILTER (WHERE payer = a AND status = 'paused'),
               min(streampay_depletion_time(s)) FILTER (WHERE payer = a AND status = 'active'))::text
      FROM streams s
     WHERE a IN (payer, recipient) AND (c IS NULL OR chain_id = c)
     GROUP BY chain_id, asset
     ORDER BY chain_id, asset NULLS LAST
$fn$;

-- the lower-case spelling under nocase finds the account on both sides
SELECT chain_id, asset, rate_in, rate_out, accrued_in, accrued_out, active_in, active_out
  FROM streampay_account('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed' COLLATE nocase, '2025-01-03');
-- byte for byte (the default collation) it is another address
SELECT count(*) AS rows_for_the_lower_case_spelling
  FROM streampay_account('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', '2025-01-03');
-- the chain argument's collation is the call's too (a SQL function's
-- arguments share one): an upper-case chain id matches, and so does the
-- address as stored
SELECT chain_id, asset, accrued_out, refundable_out
  FROM streampay_account('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '2025-01-03', 'EIP155:1' COLLATE nocase);
-- every spelling, time and chain equal 0.6.0's definition under nocase
SELECT count(*) AS cases, sum(cardinality(by_fn)) AS account_rows,
       count(*) FILTER (WHERE by_fn IS NOT DISTINCT FROM by_060) AS equal_to_060
  FROM (SELECT (SELECT array_agg(x::text) FROM streampay_account(a COLLATE nocase, t, c) x) AS by_fn,
               (SELECT array_agg(r) FROM pg_temp.account_060(a COLLATE nocase, t, c) r) AS by_060
          FROM unnest(ARRAY['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
                            '0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED',
                            '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359',
                            '0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb',
                            '0x' || lpad('ff', 40, '0')]) a,
               unnest(ARRAY['2025-01-01', '2025-01-03', '2030-01-01']::timestamp[]) t,
               unnest(ARRAY[NULL, 'eip155:1', 'EIP155:10']) c) x;
DELETE FROM streams WHERE id::text LIKE '85000000-%';

--@ item review-0.7.0
--@ what streampay_account_agg over more than 2,097,152 (chain_id, asset) groups fails with 54000 (not XX000 "invalid memory alloc request size"); 1,000 groups, past the hash table's first rehash, work
SELECT cardinality(streampay_account_agg('a', 'a', 'b', g::text, NULL, NULL, 'active', 1, '2025-01-01', NULL, 10, '2025-01-01', 0, NULL))
  FROM generate_series(1, 2097153) g;
:expect 54000 '2,097,153 groups'
SELECT adv.a((SELECT cardinality(streampay_account_agg('a', 'a', 'b', g::text, NULL, NULL, 'active', 1, '2025-01-01', NULL, 10, '2025-01-01', 0, NULL))
                FROM generate_series(1, 1000) g) = 1000, '1,000 groups');

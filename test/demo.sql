-- A short live demo: three streams, a pause/resume, a cancel, balances.
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
CREATE EXTENSION streampay;
\echo '--- three streams, created with plain SQL'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
VALUES ('11111111-1111-4111-8111-111111111111', 'GDT5Z3R4YY6ROC5AJHNCY5KKMPVFLXG5RU3PDHCVFS2Z4DKAMO3GBSIL', 'GBJFPH252QQPPK3VSDLTPITYQG2I66CT7BCE3U7VUWXZQJNQZZ74G5K2', 0.000385802, '2025-01-01', '2025-01-31', 1000),
       ('22222222-2222-4222-8222-222222222222', 'GDT5Z3R4YY6ROC5AJHNCY5KKMPVFLXG5RU3PDHCVFS2Z4DKAMO3GBSIL', 'GDF4WLQVPVTMLZOG7T677ULCBFUY3HY723IBBUVPO6RPQRKHJC6ATGA7', 1.5, '2025-01-01', NULL, 500),
       ('33333333-3333-4333-8333-333333333333', 'GCFHA7PESK23WJEMPJT6DES6C7TXCEKKLY6R75QJF3NCRL4WVTOLMVQG', 'GCA5OU64ZIKYLW6YHBU7NRN5VA3R6DBOJD2O3DPUZAUHTHFQNBYFBWV2', 0.000000001, '2025-01-01', NULL, 1);
SELECT id, recipient, status, rate_per_second, total_amount FROM streams ORDER BY id;
\echo '--- pause stream 1 on Jan 10, resume it on Jan 15, cancel stream 2 after 100 seconds'
SELECT status, settled_amount FROM streampay_pause('11111111-1111-4111-8111-111111111111', '2025-01-10');
SELECT status, settled_amount FROM streampay_resume('11111111-1111-4111-8111-111111111111', '2025-01-15');
SELECT status, settled_amount FROM streampay_cancel('22222222-2222-4222-8222-222222222222', '2025-01-01 00:01:40');
\echo '--- a cancelled stream cannot come back (the trigger refuses any client):'
\set ON_ERROR_STOP 0
UPDATE streams SET status = 'active' WHERE id = '22222222-2222-4222-8222-222222222222';
\set ON_ERROR_STOP 1
\echo '--- exact balances on Feb 1, 2025 (9 decimals, truncated toward the payer)'
SELECT id, status,
       streampay_accrued(id, '2025-02-01') AS accrued,
       streampay_refundable(id, '2025-02-01') AS refundable,
       streampay_depletion_time(id) AS runs_dry_at
  FROM streams ORDER BY id;

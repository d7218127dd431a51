-- Exactness: truncation at the 9th decimal (toward the payer), the largest
-- values the columns allow, century-long durations, and a differential check
-- against numeric arithmetic.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- an empty table and ledger (TRUNCATE of streams is refused since 0.4.0)
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;

CREATE FUNCTION pg_temp.mk(rate numeric, total numeric, start_time timestamp,
                           end_time timestamp DEFAULT NULL)
RETURNS streams LANGUAGE sql AS $$
  SELECT ROW(gen_random_uuid(), 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'active', rate, start_time, end_time,
             total, start_time, start_time, start_time, 'stellar-testnet', NULL, NULL, NULL, 0, NULL, NULL)::streams
$$;

-- truncation toward zero at the 9th decimal
SELECT streampay_accrued(pg_temp.mk(0.000000001, 1, '2025-01-01'), '2025-01-01 00:00:00.999999') AS one_unit_minus_1us,
       streampay_accrued(pg_temp.mk(0.000000001, 1, '2025-01-01'), '2025-01-01 00:00:01') AS one_unit,
       streampay_accrued(pg_temp.mk(0.333333333, 1, '2025-01-01'), '2025-01-01 00:00:01.5') AS third_x_1_5,
       streampay_accrued(pg_temp.mk(0.000000007, 1, '2025-01-01'), '2025-01-01 00:00:00.142857') AS under_one_unit,
       streampay_accrued(pg_temp.mk(0.000000007, 1, '2025-01-01'), '2025-01-01 00:00:00.142858') AS just_one_unit;
-- one microsecond of the largest rate
SELECT streampay_accrued(pg_temp.mk(99999999999.999999999, 99999999999.999999999, '2025-01-01'),
                         '2025-01-01 00:00:00.000001') AS max_rate_1us;

-- the largest rate for a century, and to the end of time: capped, no overflow
SELECT streampay_accrued(pg_temp.mk(99999999999.999999999, 99999999999.999999999, '2000-01-01'),
                         '2100-01-01') AS max_rate_century,
       streampay_accrued(pg_temp.mk(99999999999.999999999, 99999999999.999999999, '4713-01-01 BC'),
                         '294276-12-31 23:59:59.999999') AS max_rate_all_time,
       streampay_refundable(pg_temp.mk(99999999999.999999999, 99999999999.999999999, '4713-01-01 BC'),
                            '294276-12-31 23:59:59.999999') AS refundable_all_time,
       streampay_depletion_time(pg_temp.mk(0.000000001, 99999999999.999999999, '2000-01-01')) AS depletes_never_representable;

-- century-long and year-long streams match numeric arithmetic to the last digit
SELECT r.rate, r.t,
       streampay_accrued(pg_temp.mk(r.rate, 99999999999.999999999, '2000-01-01'), r.t) AS accrued,
       LEAST(99999999999.999999999,
             trunc(r.rate * extract(epoch FROM r.t - '2000-01-01'::timestamp), 9)) AS numeric_reference
  FROM (VALUES (0.000031709::numeric, '2100-01-01'::timestamp),
               (31.709791983, '2100-01-01 00:00:00.000001'),
               (1.000000001, '2001-01-01'),
               (12345.678901234, '2000-12-31 23:59:59.999999'),
               (0.000000001, '2100-01-01')) r(rate, t);

-- differential check: 20000 random streams, C result vs numeric arithmetic
SELECT setseed(0.42);
-- totals are drawn around what the stream would stream over its duration, so
-- that zero, partial and capped balances all occur
CREATE TEMP TABLE rnd AS
SELECT n,
       pg_temp.mk(rate, LEAST(99999999999.999999999,
                              trunc(rate * extract(epoch FROM dur) * (random() * 1.5)::numeric, 9)),
                  st, CASE WHEN random() < 0.5 THEN st + dur ELSE NULL END) AS s,
       st + (random() * 1.5 - 0.25) * dur AS t
  FROM (SELECT g AS n,
               trunc((random() ^ 4 * 10 ^ (random() * 11))::numeric, (random() * 9)::int) AS rate,
               '2000-01-01'::timestamp + random() * interval '50 years' AS st,
               random() ^ 4 * interval '100 years' + interval '1 microsecond' AS dur
          FROM generate_series(1, 20000) g) x;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE streampay_accrued(s, t) <>
           LEAST((s).total_amount,
                 trunc((s).rate_per_second *
                       GREATEST(0, extract(epoch FROM LEAST(t, COALESCE((s).end_time, t)) - (s).start_time)), 9))
       ) AS mismatches,
       count(*) FILTER (WHERE streampay_accrued(s, t) + streampay_refundable(s, t) <> (s).total_amount) AS sum_mismatches,
       count(*) FILTER (WHERE streampay_accrued(s, t) > 0
                          AND streampay_accrued(s, t) < (s).total_amount) AS partial,
       count(*) FILTER (WHERE streampay_accrued(s, t) = (s).total_amount) AS capped
  FROM rnd;

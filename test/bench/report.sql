-- test/bench/report.sql: the views and tables the report is made of, over
-- bench.results (setup.sql).  run.sh loads it at the end of a run, and
-- again with BENCH_REPORT_ONLY=1 to redo the report from a kept cluster, so
-- it replaces what an earlier load created.

SET client_min_messages = warning;

DROP FUNCTION IF EXISTS bench.markdown_targets();
DROP FUNCTION IF EXISTS bench.markdown_results();
DROP VIEW IF EXISTS bench.targets;
DROP FUNCTION IF EXISTS bench.median(text, text, bigint);
DROP FUNCTION IF EXISTS bench.cpus();
DROP VIEW IF EXISTS bench.summary;

-- One line per measurement: medians over the counted repetitions, and the
-- ratio to streampay's median in the same workload and scale (above 1:
-- streampay is faster; for TPS the ratio is inverted to keep that reading).
CREATE VIEW bench.summary AS
WITH agg AS (
    SELECT workload, variant, scale, min(ord) AS ord,
           count(*) FILTER (WHERE rep > 0) AS reps,
           max(rows) AS rows,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE rep > 0) AS median_ms,
           min(ms) FILTER (WHERE rep > 0) AS min_ms,
           max(ms) FILTER (WHERE rep > 0) AS max_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FILTER (WHERE rep > 0) AS tps,
           max(vmhwm_kb) FILTER (WHERE rep > 0) AS vmhwm_kb,
           max(vmhwm_kb - shmem_kb - file_kb) FILTER (WHERE rep > 0) AS private_kb,
           min(query) AS query
      FROM bench.results
     GROUP BY workload, variant, scale
)
SELECT a.workload, a.variant, a.scale, a.ord, a.rows, a.reps,
       round(a.median_ms::numeric, 3) AS median_ms,
       round(a.min_ms::numeric, 3) AS min_ms,
       round(a.max_ms::numeric, 3) AS max_ms,
       round((a.median_ms * 1e6 / nullif(a.rows, 0))::numeric, 1) AS ns_per_row,
       round(coalesce(a.median_ms / nullif(r.median_ms, 0), r.tps / nullif(a.tps, 0))::numeric, 3)
           AS x_streampay,
       round(a.tps::numeric, 1) AS tps,
       a.vmhwm_kb, a.private_kb, a.query
  FROM agg a
  LEFT JOIN agg r ON r.workload = a.workload AND r.scale = a.scale AND r.variant = 'streampay';

CREATE FUNCTION bench.median(w text, v text, sc bigint DEFAULT NULL) RETURNS float8
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce(median_ms, tps)::float8 FROM bench.summary
     WHERE workload = w AND variant = v
       AND (sc IS NOT NULL AND scale = sc
            OR sc IS NULL AND scale = (SELECT min(scale) FROM bench.summary WHERE workload = w))
$$;

-- CPUs this server may run on (its backend's Cpus_allowed_list), for the
-- ceiling of a parallel speed-up.
CREATE FUNCTION bench.cpus() RETURNS int LANGUAGE sql
AS $$
    SELECT sum(coalesce(nullif(split_part(r, '-', 2), ''), split_part(r, '-', 1))::int
               - split_part(r, '-', 1)::int + 1)::int
      FROM regexp_split_to_table(
               (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                             'Cpus_allowed_list:\s+(\S+)'))[1], ',') r
$$;

-- Issues 4 and 12's targets, each a ratio of two medians of this run.
-- "ceiling" (the report's "best possible") is the ratio a target would show
-- if streampay took exactly the time of its limit (the scan, the
-- primary-key lookup, the UPDATE without triggers, the scan that builds the
-- row value an aggregate over streams receives, or since 0.6.0 the columns
-- it reads, one CPU per process of a
-- parallel plan): a ">=" target above its ceiling, or a "<=" target below
-- it, cannot be met on this query shape and machine, whatever streampay
-- does.
CREATE VIEW bench.targets AS
WITH w5 AS (
    SELECT min(scale) AS lo, max(scale) AS hi FROM bench.summary WHERE workload = 'w5'
), t(target, description, measured, op, wanted, ceiling) AS (
    VALUES
    ('1a', 'row form: SQL expression time / streampay time',
     bench.median('w1', 'sql_expr') / bench.median('w1', 'streampay'), '>=', 2.5, bench.median('w1', 'sql_expr') / bench.median('w1', 'scan_limit')),
    ('1b', 'row form: PL/pgSQL function time / streampay time',
     bench.median('w1', 'plpgsql_func') / bench.median('w1', 'streampay'), '>=', 10, bench.median('w1', 'plpgsql_func') / bench.median('w1', 'scan_limit')),
    ('1c', 'row form: streampay time / scan limit sum(total_amount)',
     bench.median('w1', 'streampay') / bench.median('w1', 'scan_limit'), '<=', 1.5, NULL::float8),
    ('2a', 'by id: streampay time / lookup limit (PK join, total_amount)',
     bench.median('w2', 'streampay') / bench.median('w2', 'lookup_limit'), '<=', 1.2, NULL::float8),
    ('2b', 'by id: SQL by-id function time / streampay time',
     bench.median('w2', 'sql_func_id') / bench.median('w2', 'streampay'), '>=', 2, bench.median('w2', 'sql_func_id') / bench.median('w2', 'lookup_limit')),
    ('2c', 'by id: PL/pgSQL by-id function time / streampay time',
     bench.median('w2', 'plpgsql_func_id') / bench.median('w2', 'streampay'), '>=', 2, bench.median('w2', 'plpgsql_func_id') / bench.median('w2', 'lookup_limit')),
    ('3a', 'UPDATE metadata: C trigger time / trigger disabled',
     bench.median('w3', 'streampay') / bench.median('w3', 'no_trigger'), '<=', 1.15, NULL::float8),
    ('3b', 'UPDATE metadata: PL/pgSQL trigger time / C trigger time',
     bench.median('w3', 'plpgsql_trigger') / bench.median('w3', 'streampay'), '>=', 2, bench.median('w3', 'plpgsql_trigger') / bench.median('w3', 'no_trigger')),
    ('3c', 'UPDATE metadata: trigger overhead (time above trigger disabled), PL/pgSQL / C',
     (bench.median('w3', 'plpgsql_trigger') - bench.median('w3', 'no_trigger'))
       / nullif(bench.median('w3', 'streampay') - bench.median('w3', 'no_trigger'), 0), '>=', 2, NULL::float8),
    ('3d', 'UPDATE metadata: as installed (with ledger trigger) / trigger disabled',
     bench.median('w3', 'streampay_ledger') / bench.median('w3', 'no_trigger'), 'report', NULL, NULL::float8),
    ('4a', 'pause+resume: C trigger time / plain update, trigger disabled',
     bench.median('w4', 'streampay') / bench.median('w4', 'no_trigger'), '<=', 1.3, NULL::float8),
    ('4b', 'pause+resume: PL/pgSQL trigger time / C trigger time',
     bench.median('w4', 'plpgsql_trigger') / bench.median('w4', 'streampay'), '>=', 2, bench.median('w4', 'plpgsql_trigger') / bench.median('w4', 'no_trigger')),
    ('4c', 'pause+resume: trigger overhead (time above trigger disabled), PL/pgSQL / C',
     (bench.median('w4', 'plpgsql_trigger') - bench.median('w4', 'no_trigger'))
       / nullif(bench.median('w4', 'streampay') - bench.median('w4', 'no_trigger'), 0), '>=', 2, NULL::float8),
    ('4d', 'pause+resume: as installed (with ledger trigger) / trigger disabled',
     bench.median('w4', 'streampay_ledger') / bench.median('w4', 'no_trigger'), 'report', NULL, NULL::float8),
    ('5a', 'scale: streampay ns/row at the largest / the smallest scale',
     (SELECT bench.median('w5', 'streampay', hi) / hi / (bench.median('w5', 'streampay', lo) / lo)
        FROM w5), '<=', 1.2, NULL::float8),
    ('5b', 'scale: streampay backend private memory peak (VmHWM - RssShmem - RssFile), largest / smallest scale',
     (SELECT (SELECT private_kb FROM bench.summary WHERE workload = 'w5' AND variant = 'streampay' AND scale = hi)::float8
           / nullif((SELECT private_kb FROM bench.summary WHERE workload = 'w5' AND variant = 'streampay' AND scale = lo), 0)
        FROM w5), '<=', 1.2, NULL::float8),
    ('6', 'pgbench 2 clients: streampay TPS / PL/pgSQL baseline TPS (reported, no target)',
     bench.median('w6', 'streampay') / bench.median('w6', 'plpgsql'), 'report', NULL, NULL::float8),
    ('7a', 'whole table: sum(streampay_accrued(s, t)) time / streampay_sum_accrued(s, t) time',
     bench.median('w7', 'sum_per_row') / bench.median('w7', 'streampay'), '>=', 1.5,
     bench.median('w7', 'sum_per_row') / coalesce(bench.median('w7', 'column_scan'), bench.median('w7', 'whole_row_scan'))),
    ('7b', 'whole table: streampay_sum_accrued time / scan limit sum(total_amount)',
     bench.median('w7', 'streampay') / bench.median('w7', 'scan_limit'), '<=', 1.0,
     coalesce(bench.median('w7', 'column_scan'), bench.median('w7', 'whole_row_scan')) / bench.median('w7', 'scan_limit')),
    ('7c', 'whole table: streampay_sum_accrued serial time / parallel (2 workers + leader)',
     bench.median('w7', 'streampay') / bench.median('w7', 'streampay_parallel'), '>=', 1.6,
     least(3, bench.cpus())::float8),
    ('7d', 'GROUP BY recipient: sum(streampay_accrued) time / streampay_sum_accrued time',
     bench.median('w7', 'group_recipient_hand') / bench.median('w7', 'group_recipient'), 'report', NULL, NULL::float8),
    ('7e', format('account of %s streams: streampay_account time / fetch limit (its two index scans, sum(total_amount))',
                  (SELECT rows FROM bench.summary WHERE workload = 'w7' AND variant = 'account')),
     bench.median('w7', 'account') / bench.median('w7', 'account_fetch_limit'), '<=', 1.5, NULL::float8),
    ('7f', 'pause+resume as installed: streampay.notify = on time / off (NOTIFY queued, rolled back)',
     bench.median('w7', 'notify_on') / bench.median('w7', 'notify_off'), 'report', NULL, NULL::float8),
    ('7g', 'whole table: row form (a subquery''s row; a session''s first statement) time / streampay_sum_accrued time',
     bench.median('w7', 'streampay_row_form') / bench.median('w7', 'streampay'), 'report', NULL, NULL::float8),
    ('7h', 'whole table: streampay_sum_accrued time / numeric sum(settled_amount), the same columns deformed (7b over equal scans)',
     bench.median('w7', 'streampay') / bench.median('w7', 'column_sum'), 'report', NULL, NULL::float8),
    ('8a', 'webhooks, one stream: streampay_ingest in chain order time / the 0.5.0 streampay_ingest',
     bench.median('w8a', 'streampay') / bench.median('w8a', 'ingest_050'), '<=', 1.1, NULL::float8),
    ('8b', 'webhooks, many streams: streampay_ingest in chain order time / the 0.5.0 streampay_ingest',
     bench.median('w8b', 'streampay') / bench.median('w8b', 'ingest_050'), '<=', 1.1, NULL::float8),
    ('8c', 'webhooks, one stream: 10% delivered late time / in chain order',
     bench.median('w8a', 'late_10pct') / bench.median('w8a', 'streampay'), 'report', NULL, NULL::float8),
    ('8d', 'webhooks, many streams: 10% delivered late time / in chain order',
     bench.median('w8b', 'late_10pct') / bench.median('w8b', 'streampay'), 'report', NULL, NULL::float8)
)
SELECT target, description, round(measured::numeric, 3) AS measured, op, wanted,
       round(ceiling::numeric, 2) AS ceiling,
       CASE WHEN measured IS NULL THEN 'not run'
            WHEN op = 'report' THEN 'reported'
            WHEN op = '>=' AND measured >= wanted THEN 'met'
            WHEN op = '<=' AND measured <= wanted THEN 'met'
            ELSE 'NOT MET' END AS met
  FROM t;

CREATE FUNCTION bench.markdown_results() RETURNS TABLE (line text) LANGUAGE sql STABLE
AS $$
    SELECT '| workload | variant | rows | median ms | min-max ms | ns/row | x streampay | TPS | peak RSS MB | private peak MB |'
    UNION ALL SELECT '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|'
    UNION ALL
    (SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
                   workload || CASE WHEN workload = 'w5' THEN ' @' || scale ELSE '' END,
                   variant, rows, coalesce(median_ms::text, ''),
                   CASE WHEN min_ms IS NULL THEN '' ELSE min_ms || '-' || max_ms END,
                   coalesce(ns_per_row::text, ''), coalesce(x_streampay::text, ''),
                   coalesce(tps::text, ''),
                   coalesce(round(vmhwm_kb / 1024.0, 1)::text, ''),
                   coalesce(round(private_kb / 1024.0, 1)::text, ''))
       FROM bench.summary ORDER BY workload, scale, ord)
    UNION ALL SELECT ''
    UNION ALL SELECT '| workload | variant | statement |'
    UNION ALL SELECT '|---|---|---|'
    UNION ALL
    (SELECT DISTINCT ON (workload, ord)
            format('| %s | %s | `%s` |', workload, variant, replace(query, '|', '\|'))
       FROM bench.summary WHERE workload <> 'w5' ORDER BY workload, ord, scale)
$$;

CREATE FUNCTION bench.markdown_targets() RETURNS TABLE (line text) LANGUAGE sql STABLE
AS $$
    SELECT '| target | ratio | measured | wanted | | best possible |'
    UNION ALL SELECT '|---|---|--:|--:|---|--:|'
    UNION ALL
    (SELECT format('| %s | %s | %s | %s | %s | %s |', target, description,
                   coalesce(measured::text, '-'),
                   CASE WHEN op = 'report' THEN '' ELSE op || ' ' || wanted END, met,
                   coalesce(ceiling::text, ''))
       FROM bench.targets ORDER BY target)
$$;

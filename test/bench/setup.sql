-- test/bench/setup.sql: the benchmark's own helpers, in schema "bench".
-- Loaded by test/bench/run.sh after baselines.sql.
--
--   bench.load(from_n, to_n, seed, t)   deterministic streams n in [from_n, to_n)
--   bench.time(query)                   server-side execution time in ms
--   bench.gate_rows(t)                  baselines vs streampay on every row
--   bench.gate_trigger(t1, sample)      PL/pgSQL trigger vs C trigger
--   bench.results                       every timed repetition
--   (the summary, targets and markdown are in report.sql)

CREATE SCHEMA bench;

CREATE TABLE bench.results (
    id       bigserial PRIMARY KEY,
    workload text NOT NULL,
    variant  text NOT NULL,
    ord      int NOT NULL,        -- display order within the workload
    scale    bigint NOT NULL,     -- streams in the table
    rep      int NOT NULL,        -- 0 is the warm-up, not counted
    ms       float8,              -- timing only, never money
    tps      float8,              -- workload 6
    rows     bigint,
    vmhwm_kb bigint,              -- workload 5: peak RSS of the backend
    shmem_kb bigint,              -- RssShmem: shared buffers it touched
    file_kb  bigint,              -- RssFile
    query    text
);

-- A SEP-23 StrKey: version byte (kind << 3) || 32 data bytes || CRC16-XModem
-- (little-endian), base32 without padding.  The trigger rejects addresses
-- that are not valid StrKeys, so the data set needs real ones.
CREATE FUNCTION bench.strkey(kind int, data bytea) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
    b bytea := set_byte('\x00'::bytea, 0, kind << 3) || data;
    crc int := 0;
    acc int := 0;
    bits int := 0;
    out text := '';
BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
        crc := crc # (get_byte(b, i) << 8);
        FOR j IN 1 .. 8 LOOP
            IF crc & 32768 <> 0 THEN
                crc := ((crc << 1) # 4129) & 65535;
            ELSE
                crc := (crc << 1) & 65535;
            END IF;
        END LOOP;
    END LOOP;
    b := b || set_byte(set_byte('\x0000'::bytea, 0, crc & 255), 1, crc >> 8);
    FOR i IN 0 .. length(b) - 1 LOOP
        acc := ((acc & 255) << 8) | get_byte(b, i);
        bits := bits + 8;
        WHILE bits >= 5 LOOP
            out := out || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', ((acc >> (bits - 5)) & 31) + 1, 1);
            bits := bits - 5;
        END LOOP;
    END LOOP;
    IF bits > 0 THEN
        out := out || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', ((acc << (5 - bits)) & 31) + 1, 1);
    END IF;
    RETURN out;
END
$$;

-- Address pools: streams share payers (payroll) and recipients.
CREATE TABLE bench.addresses (kind text, i int, addr text, PRIMARY KEY (kind, i));
CREATE FUNCTION bench.make_addresses(seed text, payers int, recipients int, contracts int)
    RETURNS void LANGUAGE sql
AS $$
    INSERT INTO bench.addresses
    SELECT k, i, bench.strkey(CASE k WHEN 'contract' THEN 2 ELSE 6 END,
                              decode(md5(seed || k || i) || md5(seed || k || i || 'x'), 'hex'))
      FROM (VALUES ('payer', payers), ('recipient', recipients), ('contract', contracts)) v(k, cnt),
           generate_series(0, cnt - 1) i;
    ANALYZE bench.addresses;
$$;

-- Stream n of the data set, from md5 of (seed, n) only: the same rows come
-- out whatever the batch size, so workload 5 can grow the table in steps.
-- Status is n % 10 (0-6 active, 7 paused, 8 cancelled, 9 completed) so that
-- pgbench can pick active streams from an integer.  t is the benchmark's
-- fixed time: every last_settled_at is strictly before it.
CREATE FUNCTION bench.load(from_n bigint, to_n bigint, seed text, t timestamp)
    RETURNS bigint LANGUAGE sql
AS $$
WITH r AS (
    SELECT n,
           ('x' || substr(h1, 1, 15))::bit(60)::bigint AS r1,
           ('x' || substr(h1, 16, 15))::bit(60)::bigint AS r2,
           ('x' || substr(h2, 1, 15))::bit(60)::bigint AS r3,
           ('x' || substr(h2, 16, 15))::bit(60)::bigint AS r4,
           h2
      FROM (SELECT n, md5(seed || ':a:' || n) AS h1, md5(seed || ':b:' || n) AS h2
              FROM generate_series(from_n, to_n - 1) n) g
), f AS (
    SELECT n, r1, r2, r3, r4, h2,
           (ARRAY['active','active','active','active','active','active','active',
                  'paused','cancelled','completed'])[n % 10 + 1]::public.stream_status AS status,
           -- 1% rate 0, else 1e-9 .. ~1e4 on a log scale
           CASE WHEN r1 % 100 = 0 THEN 0::numeric
                ELSE greatest(0.000000001,
                              round((1 + r1 % 9999)::numeric / 1000
                                    * power(10::numeric, (r1 / 10000) % 13 - 9), 9)) END AS rate,
           -- 1e-5 .. ~1e11 (just under the decimal(20,9) limit)
           round(power(10::numeric, r2 % 11)
                 * ((1 + (r2 / 100) % 999999)::numeric / 100000), 9) AS total,
           -- 2024-01-01 .. 2026-09-01 in microseconds: ~9.5% start after t.
           -- interval * bigint goes through float8, exact below 2^53 us.
           timestamp '2024-01-01' + (r3 % (974::bigint * 86400000000)) * interval '1 microsecond'
               AS start_time,
           -- 30% without end; else 1 hour .. 3 years after the start
           CASE WHEN r4 % 10 < 3 THEN NULL::bigint
                ELSE 3600000000 + (r4 / 10) % (1095::bigint * 86400000000) END AS dur_us
      FROM r
), g AS (
    SELECT f.*,
           f.start_time + f.dur_us * interval '1 microsecond' AS end_time,
           -- half the streams that have started were settled at some point
           -- strictly between the start and least(t, end)
           CASE WHEN f.start_time >= t THEN 'future'
                WHEN (f.r3 / 7) % 2 = 0 THEN 'fresh'
                ELSE 'settled' END AS kind
      FROM f
), h AS (
    SELECT g.*,
           CASE g.kind
               WHEN 'future' THEN t - (1 + g.r4 % 60) * interval '1 day'
               WHEN 'fresh' THEN g.start_time
               ELSE g.start_time
                    + (floor(extract(epoch FROM least(t, g.end_time) - g.start_time) * 1000000
                             * (1 + (g.r1 / 1000) % 999) / 1000))::bigint * interval '1 microsecond'
           END AS lsa
      FROM g
)
, ins AS (
INSERT INTO public.streams
    (id, payer, recipient, status, rate_per_second, start_time, end_time,
     total_amount, last_settled_at, created_at, updated_at, chain_id,
     contract_address, transaction_hash, metadata, settled_amount)
SELECT md5(seed || ':id:' || n)::uuid,
       (SELECT a.addr FROM bench.addresses a
         WHERE a.kind = 'payer' AND a.i = n % (SELECT count(*) FROM bench.addresses WHERE kind = 'payer')),
       (SELECT a.addr FROM bench.addresses a
         WHERE a.kind = 'recipient' AND a.i = (n / 7) % (SELECT count(*) FROM bench.addresses WHERE kind = 'recipient')),
       status, rate, start_time, end_time, total, lsa,
       least(start_time, lsa) - (r2 % 30) * interval '1 day',
       lsa,
       CASE WHEN r4 % 5 = 0 THEN 'stellar-mainnet' ELSE 'stellar-testnet' END,
       (SELECT a.addr FROM bench.addresses a
         WHERE a.kind = 'contract' AND a.i = r3 % (SELECT count(*) FROM bench.addresses WHERE kind = 'contract')),
       CASE WHEN r1 % 3 = 0 THEN NULL ELSE md5(h2 || 'tx') || md5(h2 || 'ty') END,
       CASE WHEN r2 % 2 = 0 THEN NULL
            ELSE '{"invoice": "INV-' || n || '", "memo": "payroll"}' END,
       CASE WHEN status = 'completed' THEN total
            WHEN kind = 'settled' THEN
                least(total, trunc(rate * extract(epoch FROM lsa - start_time), 9))
            ELSE 0 END
  FROM h
RETURNING 1
)
SELECT count(*) FROM ins
$$;

-- Execution time of one statement as the server measures it (the plan's
-- "Execution Time", which includes BEFORE/AFTER trigger time).
CREATE FUNCTION bench.time(q text) RETURNS float8 LANGUAGE plpgsql
AS $$
DECLARE
    j json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || q INTO j;
    RETURN (j -> 0 ->> 'Execution Time')::float8;
END
$$;

-- This backend's memory, from /proc (the server runs as its own OS user,
-- which may read its own status file).
CREATE FUNCTION bench.memory(OUT vmhwm_kb bigint, OUT shmem_kb bigint, OUT file_kb bigint)
    LANGUAGE sql
AS $$
    SELECT (regexp_match(st, 'VmHWM:\s+(\d+)'))[1]::bigint,
           (regexp_match(st, 'RssShmem:\s+(\d+)'))[1]::bigint,
           (regexp_match(st, 'RssFile:\s+(\d+)'))[1]::bigint
      FROM pg_read_file('/proc/' || pg_backend_pid() || '/status') st
$$;

-- Rows where a baseline's accrued differs from streampay's, in value or in
-- text (so a different scale counts as a mismatch too).
CREATE FUNCTION bench.gate_rows(t timestamp, with_id boolean)
    RETURNS TABLE (baseline text, checked bigint, mismatches bigint)
    LANGUAGE sql
AS $$
    WITH v AS (
        SELECT streampay_accrued(s, t) AS c,
               s.settled_amount +
               CASE WHEN s.status = 'active' THEN
                   greatest(0, least(s.total_amount - s.settled_amount,
                       trunc(s.rate_per_second *
                             extract(epoch FROM least(t, s.end_time)
                                                - greatest(s.last_settled_at, s.start_time)), 9)))
               ELSE 0 END AS sql_expr,
               bl.accrued_sql(s, t) AS sql_func,
               bl.accrued_plpgsql(s, t) AS plpgsql_func,
               CASE WHEN with_id THEN streampay_accrued(s.id, t) END AS c_id,
               CASE WHEN with_id THEN bl.accrued_sql_id(s.id, t) END AS sql_func_id,
               CASE WHEN with_id THEN bl.accrued_plpgsql_id(s.id, t) END AS plpgsql_func_id
          FROM public.streams s
    ), m AS (
        SELECT count(*) AS n,
               count(*) FILTER (WHERE sql_expr::text IS DISTINCT FROM c::text) AS sql_expr,
               count(*) FILTER (WHERE sql_func::text IS DISTINCT FROM c::text) AS sql_func,
               count(*) FILTER (WHERE plpgsql_func::text IS DISTINCT FROM c::text) AS plpgsql_func,
               count(*) FILTER (WHERE with_id AND c_id::text IS DISTINCT FROM c::text) AS c_id,
               count(*) FILTER (WHERE with_id AND sql_func_id::text IS DISTINCT FROM c::text) AS sql_func_id,
               count(*) FILTER (WHERE with_id AND plpgsql_func_id::text IS DISTINCT FROM c::text) AS plpgsql_func_id
          FROM v
    )
    SELECT b, n, x FROM m,
        LATERAL (VALUES ('sql_expr', sql_expr), ('sql_func', sql_func),
                        ('plpgsql_func', plpgsql_func),
                        ('streampay id form', c_id),
                        ('sql_func_id', sql_func_id),
                        ('plpgsql_func_id', plpgsql_func_id)) AS v(b, x)
     WHERE with_id OR b NOT LIKE '%id%'
$$;

-- Statements run on both tables, one stream at a time, each in a
-- subtransaction that is rolled back: the outcome (SQLSTATE, or the row
-- written) must be the same under both triggers.  $2 is an explicit event
-- time t1; the forms without it use the transaction time.
CREATE FUNCTION bench.gate_trigger(t1 timestamp, sample int)
    RETURNS TABLE (scenario text, checked bigint, failed bigint, mismatches bigint)
    LANGUAGE plpgsql
AS $$
DECLARE
    sets text[] := ARRAY[
        $s$status = 'paused', last_settled_at = $2$s$,
        $s$status = 'active', last_settled_at = $2$s$,
        $s$status = 'cancelled', last_settled_at = $2$s$,
        $s$status = 'completed', last_settled_at = $2$s$,
        $s$status = 'paused'$s$,
        $s$status = 'active'$s$,
        $s$status = 'completed'$s$,
        $s$status = 'cancelled'$s$,
        $s$last_settled_at = $2$s$,
        $s$rate_per_second = rate_per_second * 2, last_settled_at = $2$s$,
        $s$rate_per_second = 0$s$,
        $s$rate_per_second = -1$s$,
        $s$rate_per_second = 'NaN'$s$,
        $s$total_amount = total_amount + 1$s$,
        $s$total_amount = 0, last_settled_at = $2$s$,
        $s$total_amount = settled_amount$s$,
        $s$end_time = $2 - interval '1 day'$s$,
        $s$end_time = $2 + interval '30 days', last_settled_at = $2$s$,
        $s$end_time = NULL$s$,
        $s$end_time = start_time$s$,
        $s$start_time = start_time + interval '1 day'$s$,
        $s$start_time = 'infinity'$s$,
        $s$settled_amount = settled_amount + 1$s$,
        $s$payer = (SELECT addr FROM bench.addresses WHERE kind = 'recipient' AND i = 2)$s$,
        $s$created_at = created_at - interval '1 day'$s$,
        $s$recipient = (SELECT addr FROM bench.addresses WHERE kind = 'recipient' AND i = 1)$s$,
        $s$last_settled_at = last_settled_at - interval '1 microsecond'$s$,
        $s$last_settled_at = timezone('UTC', now()) + interval '1 day'$s$,
        $s$metadata = '{"changed": true}', transaction_hash = NULL$s$,
        $s$metadata = '{"changed": true}', transaction_hash = upper(md5('tx') || md5('ty'))$s$];
    stmt text;
    ids uuid[];
    id uuid;
    st_c text;
    st_pl text;
    row_c text;
    row_pl text;
    n bigint;
    nfail bigint;
    nbad bigint;
    pa text := (SELECT addr FROM bench.addresses WHERE kind = 'payer' AND i = 0);
    ra text := (SELECT addr FROM bench.addresses WHERE kind = 'recipient' AND i = 0);
BEGIN
    SELECT array_agg(x.id) INTO ids
      FROM (SELECT s.id FROM public.streams s ORDER BY s.id LIMIT sample) x;
    FOREACH stmt IN ARRAY sets LOOP
        n := 0; nfail := 0; nbad := 0;
        FOREACH id IN ARRAY ids LOOP
            row_c := NULL; row_pl := NULL; st_c := '00000'; st_pl := '00000';
            BEGIN
                EXECUTE format('UPDATE public.streams s SET %s WHERE s.id = $1 RETURNING
                    row(s.status, s.rate_per_second, s.start_time, s.end_time, s.total_amount,
                        s.settled_amount, s.last_settled_at, s.updated_at, s.recipient, s.metadata)::text',
                    stmt) INTO row_c USING id, t1;
                RAISE SQLSTATE 'BRBK1';
            EXCEPTION
                WHEN SQLSTATE 'BRBK1' THEN NULL;
                WHEN OTHERS THEN st_c := SQLSTATE;
            END;
            BEGIN
                EXECUTE format('UPDATE bl.streams s SET %s WHERE s.id = $1 RETURNING
                    row(s.status, s.rate_per_second, s.start_time, s.end_time, s.total_amount,
                        s.settled_amount, s.last_settled_at, s.updated_at, s.recipient, s.metadata)::text',
                    stmt) INTO row_pl USING id, t1;
                RAISE SQLSTATE 'BRBK1';
            EXCEPTION
                WHEN SQLSTATE 'BRBK1' THEN NULL;
                WHEN OTHERS THEN st_pl := SQLSTATE;
            END;
            n := n + 1;
            IF st_c <> '00000' THEN
                nfail := nfail + 1;
            END IF;
            IF st_c <> st_pl OR row_c IS DISTINCT FROM row_pl THEN
                nbad := nbad + 1;
                IF nbad <= 3 THEN
                    RAISE WARNING 'trigger gate: "%" on %: C % %, PL/pgSQL % %',
                        stmt, id, st_c, row_c, st_pl, row_pl;
                END IF;
            END IF;
        END LOOP;
        scenario := 'UPDATE SET ' || stmt;
        checked := n;
        failed := nfail;
        mismatches := nbad;
        RETURN NEXT;
    END LOOP;

    -- INSERTs: the defaults (accrue from start_time), a row taken as given,
    -- and a rejected one
    FOREACH stmt IN ARRAY ARRAY[
        $s$(id, payer, recipient, rate_per_second, start_time, total_amount)
            VALUES ('00000000-0000-0000-0000-0000000000b1', $2, $3, 1.5, $1, 100)$s$,
        $s$(id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount, last_settled_at)
            VALUES ('00000000-0000-0000-0000-0000000000b2', $2, $3, 1.5, $1, 100, 7, $1 + interval '1 hour')$s$,
        $s$(id, payer, recipient, rate_per_second, start_time, total_amount, settled_amount)
            VALUES ('00000000-0000-0000-0000-0000000000b3', $2, $3, 1.5, $1, 100, 101)$s$,
        $s$(id, payer, recipient, rate_per_second, start_time, end_time, total_amount)
            VALUES ('00000000-0000-0000-0000-0000000000b4', $2, $3, 1.5, $1, $1, 100)$s$] LOOP
        row_c := NULL; row_pl := NULL; st_c := '00000'; st_pl := '00000';
        BEGIN
            EXECUTE format('INSERT INTO public.streams AS s %s RETURNING
                row(s.status, s.start_time, s.settled_amount, s.last_settled_at)::text', stmt)
                INTO row_c USING t1 - interval '10 days', pa, ra;
            RAISE SQLSTATE 'BRBK1';
        EXCEPTION
            WHEN SQLSTATE 'BRBK1' THEN NULL;
            WHEN OTHERS THEN st_c := SQLSTATE;
        END;
        BEGIN
            EXECUTE format('INSERT INTO bl.streams AS s %s RETURNING
                row(s.status, s.start_time, s.settled_amount, s.last_settled_at)::text', stmt)
                INTO row_pl USING t1 - interval '10 days', pa, ra;
            RAISE SQLSTATE 'BRBK1';
        EXCEPTION
            WHEN SQLSTATE 'BRBK1' THEN NULL;
            WHEN OTHERS THEN st_pl := SQLSTATE;
        END;
        IF st_c <> st_pl OR row_c IS DISTINCT FROM row_pl THEN
            RAISE WARNING 'trigger gate: INSERT %: C % %, PL/pgSQL % %',
                stmt, st_c, row_c, st_pl, row_pl;
        END IF;
        scenario := 'INSERT ' || regexp_replace(stmt, '\s+', ' ', 'g');
        checked := 1;
        failed := (st_c <> '00000')::int;
        mismatches := (st_c <> st_pl OR row_c IS DISTINCT FROM row_pl)::int;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Rows of the two tables that differ in any column the triggers write or
-- check.  Used after the same statements ran on both.
CREATE FUNCTION bench.diff_tables() RETURNS bigint LANGUAGE sql
AS $$
    SELECT count(*)
      FROM public.streams a FULL JOIN bl.streams b USING (id)
     WHERE row(a.status, a.rate_per_second, a.start_time, a.end_time, a.total_amount,
               a.settled_amount, a.last_settled_at, a.updated_at, a.created_at,
               a.payer, a.recipient, a.chain_id, a.contract_address,
               a.transaction_hash, a.metadata)::text
           IS DISTINCT FROM
           row(b.status, b.rate_per_second, b.start_time, b.end_time, b.total_amount,
               b.settled_amount, b.last_settled_at, b.updated_at, b.created_at,
               b.payer, b.recipient, b.chain_id, b.contract_address,
               b.transaction_hash, b.metadata)::text
$$;

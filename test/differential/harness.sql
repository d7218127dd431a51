-- harness.sql: random cases, the calls into the C code, and the comparison
-- with the reference model (reference.sql).  Loaded once per run; run.sh
-- drives it.
--
-- Randomness is a counter-based hash of (seed, case, draw), not random():
-- every case can be regenerated from the seed and its number alone, in any
-- order, and no value ever goes through float.

CREATE SCHEMA diff;

-- draw number 'salt' of case n: a non-negative bigint
CREATE FUNCTION diff.r(seed bigint, n bigint, salt int) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT hashint8extended(n, hashint8extended(salt, seed)) & 9223372036854775807
$$;

-- an amount with a random number (1..20) of digits, so that every magnitude
-- from 1e-9 to 99999999999.999999999 is as likely as any other
CREATE FUNCTION diff.amount(seed bigint, n bigint, salt int) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT trunc(mod(diff.r(seed, n, salt)::numeric * 10000000000
                   + diff.r(seed, n, salt + 1) % 10000000000,
                   10::numeric ^ (1 + diff.r(seed, n, salt + 2) % 20)) * 0.000000001, 9)
$$;

-- a rate, with the extremes over-represented: 0, 1e-9, the largest, tiny
CREATE FUNCTION diff.rate(seed bigint, n bigint, salt int) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN m < 3 THEN 0::numeric
              WHEN m < 9 THEN 0.000000001
              WHEN m < 15 THEN ref.max_amount()
              WHEN m < 22 THEN (diff.r(seed, n, salt + 1) % 1000) * 0.000000001
              ELSE diff.amount(seed, n, salt + 2) END
    FROM (SELECT diff.r(seed, n, salt) % 100 AS m) x
$$;

-- 100 years (2000-01-01 .. 2100-01-01) in microseconds
CREATE FUNCTION diff.century() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 3155760000000000::bigint
$$;

CREATE TABLE diff.mismatch (part text, n bigint, step int, detail text);

-- valid Stellar account StrKeys (the trigger validates addresses)
CREATE FUNCTION diff.payer() RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS'::text
$$;
CREATE FUNCTION diff.recipient(k int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                'GCEA5RGG6UOQYPC5IMWB4YWENPSV6NWFQMLNDN7GDHYU36UEW6VFPZ2F',
                'GAOFLWNYE3UN7KMUG4HDA2XI3QXIJHZ6AAZYDXEERIFZL54CYDAOHUJ2'])[1 + k % 3]
$$;

---------------------------------------------------------------------------
-- Part 1: (stream, time) point comparisons, set-based.  The rows are built
-- in memory and given to the row forms of the C functions, so any stream
-- the columns can hold is reachable, including the ends of the timestamp
-- range.
---------------------------------------------------------------------------

CREATE UNLOGGED TABLE diff.pts (
    n bigint PRIMARY KEY, status text, rate numeric, start_us bigint, end_us bigint,
    total numeric, settled numeric, lsa_us bigint, t_us bigint);

CREATE FUNCTION diff.gen_points(seed bigint, lo bigint, hi bigint) RETURNS void
    LANGUAGE sql AS $$
INSERT INTO diff.pts
SELECT n, status, rate, start_us, end_us, total, settled, lsa_us,
       -- the as_of time: the ends of the range, the start, the end and the
       -- depletion time of the reference and their neighbours, or anywhere
       LEAST(ref.max_us(), GREATEST(ref.min_us(),
         CASE WHEN mt < 3 THEN ref.min_us()
              WHEN mt < 6 THEN ref.max_us()
              WHEN mt < 9 THEN start_us
              WHEN mt < 11 THEN start_us + 1
              WHEN mt < 13 THEN start_us - 1
              WHEN mt < 18 AND end_us IS NOT NULL THEN end_us
              WHEN mt < 21 AND end_us IS NOT NULL THEN end_us::numeric + 1
              WHEN mt < 24 AND end_us IS NOT NULL THEN end_us - 1
              WHEN mt < 30 AND dep IS NOT NULL THEN dep::bigint
              WHEN mt < 34 AND dep IS NOT NULL THEN dep::bigint - 1
              WHEN mt < 38 AND dep IS NOT NULL THEN dep::bigint + 1
              WHEN mt < 42 THEN lsa_us
              WHEN mt < 44 THEN lsa_us + 1
              ELSE start_us::numeric - dur / 4 + rt % (dur + dur / 2 + 1)::numeric
         END))::bigint AS t_us
FROM (
  SELECT q.*, ref.depletion_us(status, rate, start_us, end_us, total, settled, lsa_us) AS dep
  FROM (
    SELECT n, status, rate, start_us, end_us, dur, total, settled, mt, rt,
           -- last_settled_at: at the start, before it (a settlement before a
           -- future start), or anywhere in the stream's life
           CASE WHEN ml < 55 THEN start_us
                WHEN ml < 65 THEN GREATEST(ref.min_us(), start_us - 1 - rl % diff.century())
                WHEN ml < 70 THEN start_us + 1
                ELSE LEAST(ref.max_us()::numeric, start_us::numeric + rl % (dur + 1))::bigint
           END AS lsa_us
    FROM (
      SELECT n, status, rate, start_us, dur, total, mt, rt, ml, rl,
             CASE WHEN me < 25 THEN NULL
                  ELSE LEAST(ref.max_us()::numeric, start_us::numeric + dur)::bigint END AS end_us,
             CASE WHEN ms < 50 THEN 0::numeric
                  WHEN ms < 60 THEN total
                  ELSE trunc(total * (rs % 1000001) * 0.000001, 9)
             END AS settled
      FROM (
        SELECT n, status, rate, start_us, dur, me, ms, rs, mt, rt, ml, rl,
               -- totals: the extremes, any magnitude, or what the stream
               -- streams over its duration times 0..2, so that it runs dry
               -- before, at or after its end
               LEAST(ref.max_amount(),
                 CASE WHEN mo < 5 THEN 0::numeric
                      WHEN mo < 8 THEN 0.000000001
                      WHEN mo < 18 THEN ref.max_amount()
                      WHEN mo < 28 THEN diff.amount(seed, n, 40)
                      WHEN mo < 35 THEN trunc(rate * dur * 0.000001, 9)
                      ELSE trunc(rate * dur * 0.000001 * (ro % 2001) * 0.001, 9)
                 END) AS total
        FROM (
          SELECT n,
                 CASE WHEN diff.r(seed, n, 1) % 100 < 70 THEN 'active'
                      WHEN diff.r(seed, n, 1) % 100 < 82 THEN 'paused'
                      WHEN diff.r(seed, n, 1) % 100 < 91 THEN 'cancelled'
                      ELSE 'completed' END AS status,
                 diff.rate(seed, n, 10) AS rate,
                 -- start: the first timestamp, the last century of the
                 -- range, or 1925..2125
                 CASE WHEN diff.r(seed, n, 20) % 100 < 2 THEN ref.min_us()
                      WHEN diff.r(seed, n, 20) % 100 < 4
                        THEN ref.max_us() - 1 - diff.r(seed, n, 21) % diff.century()
                      ELSE -diff.century() * 3 / 4 + diff.r(seed, n, 21) % (2 * diff.century())
                 END AS start_us,
                 -- duration: 1 us, exactly 100 years, up to a second, a day,
                 -- a century
                 CASE WHEN diff.r(seed, n, 30) % 100 < 33 THEN 1
                      WHEN diff.r(seed, n, 30) % 100 < 40 THEN diff.century()
                      WHEN diff.r(seed, n, 30) % 100 < 50 THEN 1 + diff.r(seed, n, 31) % 1000000
                      WHEN diff.r(seed, n, 30) % 100 < 65 THEN 1 + diff.r(seed, n, 31) % 86400000000
                      ELSE 1 + diff.r(seed, n, 31) % diff.century()
                 END AS dur,
                 diff.r(seed, n, 32) % 100 AS me,
                 diff.r(seed, n, 50) % 100 AS ms, diff.r(seed, n, 51) AS rs,
                 diff.r(seed, n, 60) % 100 AS mt, diff.r(seed, n, 61) AS rt,
                 diff.r(seed, n, 70) % 100 AS ml, diff.r(seed, n, 71) AS rl,
                 diff.r(seed, n, 41) % 100 AS mo, diff.r(seed, n, 42) AS ro
          FROM generate_series(lo, hi) n) a) b) c) q) d
$$;

-- A row literal of the streams type built from a diff.pts row 'p', by
-- column name, so that columns added to streams later get NULL instead of
-- breaking the test.
CREATE FUNCTION diff.row_expr(p text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'ROW(' || string_agg(
           CASE attname
             WHEN 'id' THEN '''00000000-0000-0000-0000-000000000000''::uuid'
             WHEN 'payer' THEN 'diff.payer()'
             WHEN 'recipient' THEN 'diff.recipient(0)'
             WHEN 'status' THEN p || '.status::stream_status'
             WHEN 'rate_per_second' THEN p || '.rate'
             WHEN 'start_time' THEN 'ref.ts(' || p || '.start_us)'
             WHEN 'end_time' THEN 'ref.ts(' || p || '.end_us)'
             WHEN 'total_amount' THEN p || '.total'
             WHEN 'last_settled_at' THEN 'ref.ts(' || p || '.lsa_us)'
             WHEN 'created_at' THEN 'ref.ts(' || p || '.start_us)'
             WHEN 'updated_at' THEN 'ref.ts(' || p || '.start_us)'
             WHEN 'chain_id' THEN '''stellar-testnet'''
             WHEN 'settled_amount' THEN p || '.settled'
             ELSE 'NULL' END, ', ' ORDER BY attnum) || ')::streams'
    FROM pg_attribute
   WHERE attrelid = 'streams'::regclass AND attnum > 0 AND NOT attisdropped
$$;

-- Compare the C row functions with the reference on cases lo..hi.  Returns
-- the number of cases that disagree; the first ones go to diff.mismatch.
CREATE FUNCTION diff.check_points(lo bigint, hi bigint) RETURNS bigint
    LANGUAGE plpgsql AS $f$
DECLARE
    bad bigint;
BEGIN
    EXECUTE format($q$
      CREATE TEMP TABLE pts_bad ON COMMIT DROP AS
      SELECT x.*, ref.us(c_dep) AS c_dep_us
        FROM (SELECT p.*, streampay_accrued(s, ref.ts(p.t_us)) AS c_acc,
                     streampay_claimable(s, ref.ts(p.t_us)) AS c_pend,
                     streampay_refundable(s, ref.ts(p.t_us)) AS c_refund,
                     streampay_depletion_time(s) AS c_dep,
                     ref.pending(p.status, p.rate, p.start_us, p.end_us, p.total, p.settled,
                                 p.lsa_us, p.t_us) AS r_pend,
                     ref.depletion_us(p.status, p.rate, p.start_us, p.end_us, p.total,
                                      p.settled, p.lsa_us) AS r_dep
                FROM (SELECT p.*, %s AS s FROM diff.pts p
                       WHERE p.n BETWEEN %s AND %s OFFSET 0) p) x
       WHERE c_acc IS DISTINCT FROM settled + r_pend
          OR c_pend IS DISTINCT FROM r_pend
          OR c_refund IS DISTINCT FROM total - settled - r_pend
          OR ref.us(c_dep)::numeric IS DISTINCT FROM r_dep
          -- and the depletion time the C code gives has the property that
          -- defines it: fully accrued there, not one microsecond earlier
          OR (c_dep IS NOT NULL AND status = 'active' AND total > settled
              AND (streampay_accrued(s, c_dep) <> total
                   OR streampay_accrued(s, c_dep - interval '1 us') >= total))$q$,
      diff.row_expr('p'), lo, hi);
    SELECT count(*) INTO bad FROM pts_bad;
    INSERT INTO diff.mismatch
    SELECT 'points', n, NULL,
           format('stream status=%s rate=%s start=%s end=%s total=%s settled=%s last_settled_at=%s; '
                  'as_of=%s: C accrued=%s claimable=%s refundable=%s depletion=%s; '
                  'reference accrued=%s claimable=%s refundable=%s depletion=%s',
                  status, rate, ref.ts(start_us), ref.ts(end_us), total, settled, ref.ts(lsa_us),
                  ref.ts(t_us), c_acc, c_pend, c_refund, c_dep,
                  settled + r_pend, r_pend, total - settled - r_pend,
                  CASE WHEN r_dep IS NULL THEN NULL ELSE ref.ts(r_dep::bigint) END)
      FROM (SELECT * FROM pts_bad ORDER BY n LIMIT 20) b;
    DROP TABLE pts_bad;
    RETURN bad;
END
$f$;

-- How many point cases were extreme, so the report can show they occurred.
CREATE FUNCTION diff.point_coverage(OUT max_rate_century bigint, OUT tiny_rate bigint,
                                    OUT one_us bigint, OUT end_before_depletion bigint,
                                    OUT depletion_before_end bigint, OUT max_total bigint,
                                    OUT capped bigint, OUT partial bigint)
    LANGUAGE sql STABLE AS $$
  SELECT count(*) FILTER (WHERE rate = ref.max_amount()
                            AND LEAST(t_us, COALESCE(end_us, t_us))::numeric
                                - GREATEST(start_us, lsa_us) >= diff.century()),
         count(*) FILTER (WHERE rate = 0.000000001),
         count(*) FILTER (WHERE end_us = start_us + 1 OR t_us = lsa_us + 1 OR t_us = start_us + 1),
         count(*) FILTER (WHERE status = 'active' AND end_us IS NOT NULL AND rate > 0
                            AND ref.depletion_us(status, rate, start_us, NULL, total, settled, lsa_us) > end_us),
         count(*) FILTER (WHERE status = 'active' AND end_us IS NOT NULL AND rate > 0
                            AND ref.depletion_us(status, rate, start_us, end_us, total, settled, lsa_us) <= end_us),
         count(*) FILTER (WHERE total = ref.max_amount()),
         count(*) FILTER (WHERE status = 'active' AND total > settled
                            AND ref.accrued(status, rate, start_us, end_us, total, settled, lsa_us, t_us) = total),
         count(*) FILTER (WHERE ref.accrued(status, rate, start_us, end_us, total, settled, lsa_us, t_us)
                                 > settled
                            AND ref.accrued(status, rate, start_us, end_us, total, settled, lsa_us, t_us)
                                 < total)
    FROM diff.pts
$$;

---------------------------------------------------------------------------
-- Part 2: operation sequences through the real trigger.  Each sequence is
-- one row of the streams table; each step applies one UPDATE per sequence
-- with an explicit, increasing event time (last_settled_at), and afterwards
-- every row must equal the reference state.  Times stay between 1925 and
-- 2025 so that no event time lies ahead of the wall clock unless the
-- generator means it to.
---------------------------------------------------------------------------

CREATE FUNCTION diff.tmin() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT ref.us('1925-01-01')
$$;
CREATE FUNCTION diff.tmax() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT ref.us('2025-01-01')
$$;

CREATE TABLE diff.seq (c int PRIMARY KEY, id uuid NOT NULL, st ref.state NOT NULL,
                       alive boolean NOT NULL DEFAULT true, first_sql text);
CREATE TABLE diff.ops (step int, c int, id uuid, w ref.op, res ref.outcome,
                       c_code text, c_msg text, PRIMARY KEY (step, c));

CREATE FUNCTION diff.state_text(s ref.state) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format('status=%s rate=%s start=%s end=%s total=%s settled=%s last_settled_at=%s recipient=%s',
                s.status, s.rate, ref.ts(s.start_us), ref.ts(s.end_us), s.total, s.settled,
                ref.ts(s.lsa_us), s.recipient)
$$;

CREATE FUNCTION diff.case_id(c int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid
$$;

CREATE FUNCTION diff.insert_sql(id uuid, s ref.state) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format('INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, '
                'end_time, total_amount, settled_amount, last_settled_at) VALUES '
                '(%L, %L, %L, %L, %L, %L, %L, %L, %L, %L);',
                id, diff.payer(), s.recipient, s.status, s.rate, ref.ts(s.start_us), ref.ts(s.end_us),
                s.total, s.settled, ref.ts(s.lsa_us))
$$;

-- The UPDATE for one operation: every money column is assigned (its old
-- value when the operation leaves it alone), last_settled_at when the event
-- time is explicit, settled_amount only when the operation writes it.
CREATE FUNCTION diff.update_sql(id uuid, w ref.op) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format('UPDATE streams SET status = %L, rate_per_second = %L, start_time = %L, '
                'end_time = %L, total_amount = %L, recipient = %L, metadata = %L%s%s WHERE id = %L;',
                w.status, w.rate, ref.ts(w.start_us), ref.ts(w.end_us), w.total, w.recipient,
                json_build_object('op', w.kind),
                CASE WHEN w.lsa_assigned THEN format(', last_settled_at = %L', ref.ts(w.t_us)) ELSE '' END,
                CASE WHEN w.settled_w IS NOT NULL THEN format(', settled_amount = %L', w.settled_w) ELSE '' END,
                id)
$$;

-- Run one operation through the trigger; NULL when accepted, else
-- 'SQLSTATE: message'.
CREATE FUNCTION diff.apply_c(id uuid, w ref.op) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE diff.update_sql(id, w);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The first state of sequence c.
CREATE FUNCTION diff.gen_state(seed bigint, c int) RETURNS ref.state
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    n     bigint := -c;        -- a different stream of draws from the points
    s     ref.state;
    dur   bigint;
    m     int;
BEGIN
    m := diff.r(seed, n, 1) % 100;
    s.status := CASE WHEN m < 85 THEN 'active' WHEN m < 95 THEN 'paused'
                     WHEN m < 98 THEN 'cancelled' ELSE 'completed' END;
    s.rate := diff.rate(seed, n, 10);
    m := diff.r(seed, n, 20) % 100;
    -- the largest rate for exactly 100 years happens: start at 1925-01-01
    s.start_us := CASE WHEN m < 8 THEN diff.tmin()
                       ELSE diff.tmin() + diff.r(seed, n, 21) % (diff.tmax() - diff.tmin()) END;
    m := diff.r(seed, n, 30) % 100;
    dur := CASE WHEN m < 10 THEN 1
                WHEN m < 20 THEN diff.century()
                WHEN m < 35 THEN 1 + diff.r(seed, n, 31) % 1000000
                WHEN m < 55 THEN 1 + diff.r(seed, n, 31) % 86400000000
                ELSE 1 + diff.r(seed, n, 31) % diff.century() END;
    s.end_us := CASE WHEN diff.r(seed, n, 32) % 100 < 30 THEN NULL ELSE s.start_us + dur END;
    m := diff.r(seed, n, 41) % 100;
    s.total := LEAST(ref.max_amount(),
                 CASE WHEN m < 5 THEN 0::numeric
                      WHEN m < 8 THEN 0.000000001
                      WHEN m < 20 THEN ref.max_amount()
                      WHEN m < 35 THEN diff.amount(seed, n, 43)
                      WHEN m < 45 THEN trunc(s.rate * dur * 0.000001, 9)
                      ELSE trunc(s.rate * dur * 0.000001 * (diff.r(seed, n, 42) % 2001) * 0.001, 9)
                 END);
    m := diff.r(seed, n, 50) % 100;
    s.settled := CASE WHEN m < 70 THEN 0::numeric
                      WHEN m < 75 THEN s.total
                      ELSE trunc(s.total * (diff.r(seed, n, 51) % 1000001) * 0.000001, 9) END;
    m := diff.r(seed, n, 70) % 100;
    s.lsa_us := CASE WHEN m < 70 THEN s.start_us
                     WHEN m < 85 THEN GREATEST(diff.tmin(), s.start_us - 1 - diff.r(seed, n, 71)
                                                % (CASE WHEN m < 78 THEN 86400000000 ELSE diff.century() / 10 END))
                     ELSE LEAST(diff.tmax(), s.start_us + diff.r(seed, n, 71) % (dur + 1)) END;
    s.recipient := diff.recipient(0);
    RETURN s;
END
$$;

-- Operation number k of sequence c, given the row before it.
CREATE FUNCTION diff.gen_op(seed bigint, c int, k int, o ref.state, last_step boolean)
    RETURNS ref.op LANGUAGE plpgsql STABLE AS $$
DECLARE
    n     bigint := c::bigint * 1000 + k;
    w     ref.op;
    m     int;
    t     bigint;
    a     bigint := o.lsa_us;
    dep   numeric;
    acc   numeric;
BEGIN
    w := ROW('settle', o.status, o.rate, o.start_us, o.end_us, o.total, o.recipient,
             true, NULL, NULL)::ref.op;
    dep := ref.depletion_us(o.status, o.rate, o.start_us, o.end_us, o.total, o.settled, o.lsa_us);

    -- the event time: the same instant, 1 us later, up to a second, a day,
    -- anywhere up to 2025, at the end / depletion / start (+-1 us), or on
    -- purpose before the last settlement or in the future
    m := diff.r(seed, n, 0) % 100;
    t := CASE WHEN m < 4 THEN a
              WHEN m < 10 THEN a + 1
              WHEN m < 24 THEN a + diff.r(seed, n, 1) % 1000000
              WHEN m < 38 THEN a + diff.r(seed, n, 1) % 86400000000
              WHEN m < 66 THEN a + diff.r(seed, n, 1) % GREATEST(1, diff.tmax() - a + 1)
              WHEN m < 73 AND o.end_us IS NOT NULL THEN o.end_us + diff.r(seed, n, 1) % 3 - 1
              WHEN m < 82 AND dep IS NOT NULL THEN dep::bigint + diff.r(seed, n, 1) % 3 - 1
              WHEN m < 86 THEN o.start_us + diff.r(seed, n, 1) % 3 - 1
              WHEN m < 89 THEN diff.tmax()
              WHEN m < 92 THEN a - 1 - diff.r(seed, n, 1) % 1000000
              WHEN m < 93 THEN ref.us('2200-01-01')
              ELSE a + diff.r(seed, n, 1) % GREATEST(1, diff.tmax() - a + 1) END;
    IF m < 89 OR m >= 93 THEN
        t := LEAST(t, diff.tmax());
    END IF;
    -- an end, depletion or start already behind the last settlement would
    -- mostly give event times that run backwards: keep a few of those
    IF m BETWEEN 66 AND 85 AND t < a AND diff.r(seed, n, 3) % 5 <> 0 THEN
        t := a;
    END IF;
    w.t_us := t;
    acc := ref.accrued(o.status, o.rate, o.start_us, o.end_us, o.total, o.settled, o.lsa_us, t);

    m := diff.r(seed, n, 2) % 100;
    -- a stream that has not started yet is where start moves are allowed
    IF a < o.start_us AND o.status IN ('active', 'paused') AND diff.r(seed, n, 4) % 3 = 0 THEN
        m := 84;
    END IF;
    IF m < 16 THEN
        w.kind := 'settle';
    ELSIF m < 28 THEN
        w.kind := 'pause'; w.status := 'paused';
    ELSIF m < 40 THEN
        w.kind := 'resume'; w.status := 'active';
    ELSIF m < 50 THEN
        w.kind := 'rate'; w.rate := diff.rate(seed, n, 10);
    ELSIF m < 62 OR m BETWEEN 86 AND 88 THEN
        -- top-up or decrease, often to exactly the accrued amount or next to it
        w.kind := 'total';
        m := diff.r(seed, n, 20) % 100;
        w.total := LEAST(ref.max_amount(),
                     CASE WHEN m < 15 THEN acc
                          WHEN m < 25 THEN acc - 0.000000001
                          WHEN m < 35 THEN acc + 0.000000001
                          WHEN m < 55 THEN acc + diff.amount(seed, n, 21)
                          WHEN m < 62 THEN ref.max_amount()
                          WHEN m < 75 THEN o.total + diff.amount(seed, n, 21)
                          WHEN m < 88 THEN trunc(o.total * (diff.r(seed, n, 24) % 1001) * 0.001, 9)
                          ELSE diff.amount(seed, n, 21) END);
    ELSIF m < 71 THEN
        w.kind := 'end';
        m := diff.r(seed, n, 30) % 100;
        w.end_us := CASE WHEN m < 15 THEN NULL
                         WHEN m < 30 THEN t
                         WHEN m < 38 THEN t - 1
                         WHEN m < 48 AND o.end_us IS NOT NULL THEN o.end_us + diff.r(seed, n, 31) % 3 - 1
                         WHEN m < 55 THEN o.start_us
                         WHEN m < 75 THEN t + 1 + diff.r(seed, n, 31) % 1000000
                         ELSE t + 1 + diff.r(seed, n, 31) % diff.century() END;
    ELSIF m < 73 THEN
        w.kind := 'cancel'; w.status := 'cancelled';
    ELSIF m < 78 THEN
        w.kind := 'complete'; w.status := 'completed';
    ELSIF m < 82 THEN
        w.kind := 'settle';
    ELSIF m < 86 THEN
        -- a start move: allowed only before the start, into the future or
        -- the past
        w.kind := 'start';
        -- mostly at a time before the start, where a move is allowed
        IF a < o.start_us AND diff.r(seed, n, 44) % 4 <> 0 THEN
            t := a + diff.r(seed, n, 45) % (o.start_us - a);
            w.t_us := t;
        END IF;
        m := diff.r(seed, n, 40) % 100;
        w.start_us := CASE WHEN m < 50 THEN t + 1 + diff.r(seed, n, 41) % 86400000000
                           WHEN m < 75 THEN t - diff.r(seed, n, 41) % 86400000000
                           ELSE o.start_us + 1 + diff.r(seed, n, 41) % 1000000 END;
        IF w.end_us IS NOT NULL AND diff.r(seed, n, 42) % 2 = 0 THEN
            w.end_us := w.start_us + 1 + diff.r(seed, n, 43) % diff.century();
        END IF;
    ELSIF m < 92 THEN
        -- several changes in one statement
        w.kind := 'combined';
        w.rate := diff.rate(seed, n, 10);
        w.total := LEAST(ref.max_amount(), acc + diff.amount(seed, n, 21));
        w.end_us := CASE WHEN diff.r(seed, n, 30) % 3 = 0 THEN NULL
                         ELSE t + diff.r(seed, n, 31) % diff.century() END;
        IF diff.r(seed, n, 32) % 4 = 0 THEN
            w.status := CASE o.status WHEN 'active' THEN 'paused' ELSE 'active' END;
        END IF;
    ELSIF m < 94 THEN
        -- settled_amount written: its own value is no change, any other is
        w.kind := 'settled';
        w.settled_w := o.settled + CASE WHEN diff.r(seed, n, 50) % 2 = 0 THEN 0
                                        WHEN o.settled < ref.max_amount() THEN 0.000000001
                                        ELSE -0.000000001 END;
    ELSIF m < 96 THEN
        w.kind := 'recipient'; w.recipient := diff.recipient(k);
    ELSIF m < 98 THEN
        w.kind := 'invalid';
        m := diff.r(seed, n, 60) % 4;
        IF m = 0 THEN w.rate := -0.000000001;
        ELSIF m = 1 THEN w.rate := 'NaN';
        ELSIF m = 2 THEN w.total := -0.000000001;
        ELSE w.total := 'NaN';
        END IF;
    ELSE
        -- no event time in the statement: metadata only (no settlement),
        -- or, on the last step, a rate change at the transaction time
        w.lsa_assigned := false;
        w.t_us := NULL;
        w.kind := 'metadata';
        IF last_step AND diff.r(seed, n, 70) % 2 = 0 THEN
            w.kind := 'rate at now';
            w.rate := diff.rate(seed, n, 10);
        END IF;
    END IF;
    RETURN w;
END
$$;

CREATE FUNCTION diff.now_us() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT ref.us(timezone('UTC', now()))
$$;

-- Insert the first row of every sequence and check the rows as stored.
CREATE FUNCTION diff.seq_init(seed bigint, nseq int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    r   record;
    err text;
BEGIN
    INSERT INTO diff.seq (c, id, st)
    SELECT c, diff.case_id(c), diff.gen_state(seed, c) FROM generate_series(1, nseq) c;
    UPDATE diff.seq SET first_sql = diff.insert_sql(id, st);
    FOR r IN SELECT * FROM diff.seq ORDER BY c LOOP
        BEGIN
            EXECUTE diff.insert_sql(r.id, r.st);
        EXCEPTION WHEN OTHERS THEN
            err := SQLSTATE || ': ' || SQLERRM;
            INSERT INTO diff.mismatch VALUES ('sequences', r.c, 0,
                format('the INSERT was rejected (%s): %s', err, diff.insert_sql(r.id, r.st)));
            UPDATE diff.seq SET alive = false WHERE c = r.c;
        END;
    END LOOP;
    RETURN diff.seq_compare(0);
END
$$;

-- Every live row of streams against its reference state.
CREATE FUNCTION diff.seq_compare(k int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
    n   bigint;
BEGIN
    CREATE TEMP TABLE cmp_bad ON COMMIT DROP AS
    SELECT q.c, q.st,
           ROW(s.status::text, s.rate_per_second, ref.us(s.start_time), ref.us(s.end_time),
               s.total_amount, s.settled_amount, ref.us(s.last_settled_at), s.recipient)::ref.state AS cst
      FROM diff.seq q LEFT JOIN streams s ON s.id = q.id
     WHERE q.alive
       AND (s.id IS NULL
            OR ROW(s.status::text, s.rate_per_second, ref.us(s.start_time), ref.us(s.end_time),
                   s.total_amount, s.settled_amount, ref.us(s.last_settled_at), s.recipient)::ref.state
               IS DISTINCT FROM q.st);
    GET DIAGNOSTICS bad = ROW_COUNT;
    INSERT INTO diff.mismatch
    SELECT 'sequences', c, k, format('after step %s the row is %s; the reference says %s',
                                     k, diff.state_text(cst), diff.state_text(st))
      FROM cmp_bad;
    UPDATE diff.seq q SET alive = false FROM cmp_bad b WHERE q.c = b.c;
    DROP TABLE cmp_bad;

    -- the ledger (0.2.0 on): per stream, the settled deltas of its events
    -- add up to the settled amount the reference computed
    IF to_regclass('stream_events') IS NOT NULL THEN
        CREATE TEMP TABLE ledger_bad ON COMMIT DROP AS
        SELECT q.c, (q.st).settled AS settled, e.deltas
          FROM diff.seq q
          LEFT JOIN (SELECT stream_id, sum(settled_delta) AS deltas
                       FROM stream_events GROUP BY stream_id) e ON e.stream_id = q.id
         WHERE q.alive AND e.deltas IS DISTINCT FROM (q.st).settled;
        GET DIAGNOSTICS n = ROW_COUNT;
        bad := bad + n;
        INSERT INTO diff.mismatch
        SELECT 'ledger', c, k, format('after step %s the events of the stream add up to %s, the reference settled amount is %s',
                                      k, deltas, settled)
          FROM ledger_bad;
        UPDATE diff.seq q SET alive = false FROM ledger_bad b WHERE q.c = b.c;
        DROP TABLE ledger_bad;
    END IF;
    RETURN bad;
END
$$;

-- Step k of every live sequence: generate, predict, apply, compare, read.
-- Returns the number of new mismatches.
CREATE FUNCTION diff.seq_step(seed bigint, k int, last_step boolean) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    wall  bigint := ref.us(timezone('UTC', clock_timestamp()));
    bad   bigint := 0;
    n     bigint;
    r     record;
    shape text;
BEGIN
    INSERT INTO diff.ops (step, c, id, w, res)
    SELECT k, q.c, q.id, g.w, ref.apply(q.st, g.w, diff.now_us(), wall)
      FROM diff.seq q,
           LATERAL (SELECT diff.gen_op(seed, q.c, k, q.st, last_step) AS w) g
     WHERE q.alive;

    -- Operations the reference accepts go through in one UPDATE per SET-list
    -- shape; if the trigger rejects any of them, the whole statement rolls
    -- back and they are redone one by one to find which.
    FOREACH shape IN ARRAY ARRAY['lsa', 'lsa+settled', 'no lsa'] LOOP
        BEGIN
            IF shape = 'lsa' THEN
                UPDATE streams s
                   SET status = (o.w).status::stream_status, rate_per_second = (o.w).rate,
                       start_time = ref.ts((o.w).start_us), end_time = ref.ts((o.w).end_us),
                       total_amount = (o.w).total, recipient = (o.w).recipient,
                       metadata = json_build_object('op', (o.w).kind), last_settled_at = ref.ts((o.w).t_us)
                  FROM diff.ops o
                 WHERE o.step = k AND cardinality((o.res).codes) = 0 AND s.id = o.id
                   AND (o.w).lsa_assigned AND (o.w).settled_w IS NULL;
            ELSIF shape = 'lsa+settled' THEN
                UPDATE streams s
                   SET status = (o.w).status::stream_status, rate_per_second = (o.w).rate,
                       start_time = ref.ts((o.w).start_us), end_time = ref.ts((o.w).end_us),
                       total_amount = (o.w).total, recipient = (o.w).recipient,
                       metadata = json_build_object('op', (o.w).kind), last_settled_at = ref.ts((o.w).t_us),
                       settled_amount = (o.w).settled_w
                  FROM diff.ops o
                 WHERE o.step = k AND cardinality((o.res).codes) = 0 AND s.id = o.id
                   AND (o.w).lsa_assigned AND (o.w).settled_w IS NOT NULL;
            ELSE
                UPDATE streams s
                   SET status = (o.w).status::stream_status, rate_per_second = (o.w).rate,
                       start_time = ref.ts((o.w).start_us), end_time = ref.ts((o.w).end_us),
                       total_amount = (o.w).total, recipient = (o.w).recipient,
                       metadata = json_build_object('op', (o.w).kind)
                  FROM diff.ops o
                 WHERE o.step = k AND cardinality((o.res).codes) = 0 AND s.id = o.id
                   AND NOT (o.w).lsa_assigned;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            FOR r IN SELECT * FROM diff.ops o
                      WHERE o.step = k AND cardinality((o.res).codes) = 0
                        AND CASE shape WHEN 'lsa' THEN (o.w).lsa_assigned AND (o.w).settled_w IS NULL
                                       WHEN 'lsa+settled' THEN (o.w).lsa_assigned AND (o.w).settled_w IS NOT NULL
                                       ELSE NOT (o.w).lsa_assigned END
                      ORDER BY c LOOP
                UPDATE diff.ops SET c_msg = diff.apply_c(r.id, r.w) WHERE step = k AND c = r.c;
            END LOOP;
        END;
    END LOOP;

    -- operations the reference rejects: one at a time, each must fail
    FOR r IN SELECT * FROM diff.ops o WHERE o.step = k AND cardinality((o.res).codes) > 0 ORDER BY c LOOP
        UPDATE diff.ops SET c_msg = coalesce(diff.apply_c(r.id, r.w), 'accepted')
         WHERE step = k AND c = r.c;
    END LOOP;
    UPDATE diff.ops SET c_code = left(c_msg, 5) WHERE step = k AND c_msg IS NOT NULL;

    -- disagreements on accept/reject or on the SQLSTATE
    INSERT INTO diff.mismatch
    SELECT 'sequences', c, k,
           CASE WHEN cardinality((res).codes) = 0
                THEN format('the trigger rejected %s (%s); the reference accepts it, giving %s',
                            diff.update_sql(id, w), c_msg, diff.state_text((res).st))
                WHEN c_code = 'accep'
                THEN format('the trigger accepted %s; the reference rejects it with %s',
                            diff.update_sql(id, w), (res).codes)
                ELSE format('the trigger rejected %s with %s; the reference expects one of %s',
                            diff.update_sql(id, w), c_msg, (res).codes) END
      FROM diff.ops
     WHERE step = k
       AND CASE WHEN cardinality((res).codes) = 0 THEN c_msg IS NOT NULL
                ELSE NOT (c_code = ANY ((res).codes)) END;
    GET DIAGNOSTICS n = ROW_COUNT;
    bad := bad + n;
    UPDATE diff.seq q SET alive = false
      FROM diff.mismatch m WHERE m.part = 'sequences' AND m.step = k AND m.n = q.c;

    -- the reference's new state for the accepted ones, then the rows
    UPDATE diff.seq q SET st = (o.res).st
      FROM diff.ops o
     WHERE o.step = k AND o.c = q.c AND q.alive AND cardinality((o.res).codes) = 0;
    bad := bad + diff.seq_compare(k);

    -- every accepted UPDATE stamps updated_at with the transaction time
    INSERT INTO diff.mismatch
    SELECT 'sequences', o.c, k, format('updated_at is %s after %s, not the transaction time %s',
                                       s.updated_at, diff.update_sql(o.id, o.w), timezone('UTC', now()))
      FROM diff.ops o JOIN streams s ON s.id = o.id
     WHERE o.step = k AND cardinality((o.res).codes) = 0 AND o.c_msg IS NULL
       AND s.updated_at <> timezone('UTC', now());
    GET DIAGNOSTICS n = ROW_COUNT;
    bad := bad + n;
    RETURN bad;
END
$$;

-- Read every live stream through the id forms at one random time each.
CREATE FUNCTION diff.seq_reads(seed bigint, k int, OUT reads bigint, OUT bad bigint)
    LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE reads ON COMMIT DROP AS
    SELECT q.c, q.id, q.st, t_us,
           streampay_accrued(q.id, ref.ts(t_us)) AS c_acc,
           streampay_claimable(q.id, ref.ts(t_us)) AS c_pend,
           streampay_refundable(q.id::text, ref.ts(t_us)) AS c_refund,
           streampay_depletion_time(q.id) AS c_dep,
           ref.pending((q.st).status, (q.st).rate, (q.st).start_us, (q.st).end_us, (q.st).total,
                       (q.st).settled, (q.st).lsa_us, t_us) AS r_pend,
           ref.depletion_us((q.st).status, (q.st).rate, (q.st).start_us, (q.st).end_us,
                            (q.st).total, (q.st).settled, (q.st).lsa_us) AS r_dep
      FROM diff.seq q,
           LATERAL (SELECT LEAST(ref.max_us(), (q.st).lsa_us
                      + CASE diff.r(seed, -q.c::bigint * 1000 - k, 90) % 4
                          WHEN 0 THEN diff.r(seed, -q.c::bigint * 1000 - k, 91) % 1000000
                          WHEN 1 THEN diff.r(seed, -q.c::bigint * 1000 - k, 91) % 86400000000
                          ELSE diff.r(seed, -q.c::bigint * 1000 - k, 91) % (2 * diff.century()) END)
                    AS t_us) t
     WHERE q.alive;
    GET DIAGNOSTICS reads = ROW_COUNT;
    INSERT INTO diff.mismatch
    SELECT 'reads', c, k,
           format('stream %s (%s) as_of %s: C accrued=%s claimable=%s refundable=%s depletion=%s; '
                  'reference accrued=%s claimable=%s refundable=%s depletion=%s',
                  id, diff.state_text(st), ref.ts(t_us), c_acc, c_pend, c_refund, c_dep,
                  (st).settled + r_pend, r_pend, (st).total - (st).settled - r_pend,
                  CASE WHEN r_dep IS NULL THEN NULL ELSE ref.ts(r_dep::bigint) END)
      FROM reads
     WHERE c_acc IS DISTINCT FROM (st).settled + r_pend
        OR c_pend IS DISTINCT FROM r_pend
        OR c_refund IS DISTINCT FROM (st).total - (st).settled - r_pend
        OR ref.us(c_dep)::numeric IS DISTINCT FROM r_dep;
    GET DIAGNOSTICS bad = ROW_COUNT;
    DROP TABLE reads;
END
$$;

-- A reproducer for sequence c: its INSERT and every UPDATE up to step k.
CREATE FUNCTION diff.reproducer(c int, k int) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT 'SET TimeZone = ''UTC''; SET DateStyle = ''ISO, YMD'';'
  UNION ALL
  SELECT q.first_sql FROM diff.seq q WHERE q.c = reproducer.c
  UNION ALL
  (SELECT diff.update_sql(o.id, o.w) || '  -- step ' || o.step || ': '
          || coalesce(o.c_msg, 'accepted') || '; reference: '
          || CASE WHEN cardinality((o.res).codes) = 0 THEN 'accepted' ELSE (o.res).codes::text END
     FROM diff.ops o WHERE o.c = reproducer.c AND o.step <= k ORDER BY o.step)
$$;

-- The exact aggregates (0.5.0) against the reference: every live sequence
-- row, in 13 groups, at the reference's extreme times and at random times,
-- serial and with a parallel plan forced, and in both forms (0.6.0): over
-- the table's row, which the planner hook turns into
-- streampay_sum_from_columns, and over a subquery's row, which keeps the
-- row form.  Returns the groups that differ (and a plan that is not the
-- form it should be).
CREATE FUNCTION diff.check_aggregates(seed bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bad bigint := 0;
    n   bigint;
    parallel boolean;
    form text;
    q text;
    plan text;
BEGIN
    -- This runs as the first statement of a session: the planner hook is
    -- there only once the library is loaded, so call one of its C
    -- functions first (otherwise the first plan keeps the row form, with
    -- the same sums, as README says).
    PERFORM streampay_can_transition('active', 'paused');
    FOREACH parallel IN ARRAY ARRAY[false, true] LOOP
        IF parallel THEN
            SET LOCAL max_parallel_workers_per_gather = 2;
            SET LOCAL parallel_setup_cost = 0;
            SET LOCAL parallel_tuple_cost = 0;
            SET LOCAL min_parallel_table_scan_size = 0;
        END IF;
        FOREACH form IN ARRAY ARRAY['columns', 'row'] LOOP
        q := format($q$
        SELECT 'aggregates', g, NULL::int,
               format('group %%s at %%s (parallel %%s, %%s form): sums %%s / %%s / %%s, reference %%s / %%s / %%s',
                      g, ref.ts(t_us), $2, $3, a1, c1, r1, a2, c2, r2)
          FROM (SELECT q.c %% 13 AS g, tt.t_us,
                       streampay_sum_accrued(s, ref.ts(tt.t_us)) AS a1,
                       streampay_sum_claimable(s, ref.ts(tt.t_us)) AS c1,
                       streampay_sum_refundable(s, ref.ts(tt.t_us)) AS r1,
                       sum(ref.accrued((q.st).status, (q.st).rate, (q.st).start_us, (q.st).end_us,
                                       (q.st).total, (q.st).settled, (q.st).lsa_us, tt.t_us)) AS a2,
                       sum(ref.pending((q.st).status, (q.st).rate, (q.st).start_us, (q.st).end_us,
                                       (q.st).total, (q.st).settled, (q.st).lsa_us, tt.t_us)) AS c2,
                       sum((q.st).total
                           - ref.accrued((q.st).status, (q.st).rate, (q.st).start_us, (q.st).end_us,
                                         (q.st).total, (q.st).settled, (q.st).lsa_us, tt.t_us)) AS r2
                  FROM diff.seq q JOIN %s s ON s.id = q.id
                       -- times from a function scan, not a temporary table: a
                       -- temporary table would keep the plan from going parallel
                       CROSS JOIN (SELECT diff.tmin() + (diff.r($1, k, 901)
                                                          %% (diff.tmax() - diff.tmin())) AS t_us
                                     FROM generate_series(1, 5) k
                                   UNION ALL SELECT diff.tmin() UNION ALL SELECT diff.tmax()) tt
                 WHERE q.alive
                 GROUP BY 1, 2) x
         WHERE a1 IS DISTINCT FROM a2 OR c1 IS DISTINCT FROM c2 OR r1 IS DISTINCT FROM r2$q$,
            CASE form WHEN 'columns' THEN 'streams' ELSE '(SELECT * FROM streams OFFSET 0)' END);
        -- the form is the one named: the table's row is planned on the columns
        plan := '';
        FOR plan IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q USING seed, parallel, form LOOP
            EXIT WHEN plan ~ 'streampay_sum_';
        END LOOP;
        IF (plan ~ 'streampay_sum_from_columns') IS DISTINCT FROM (form = 'columns') THEN
            INSERT INTO diff.mismatch
            VALUES ('aggregates', 0, NULL, format('the %s form (parallel %s) is planned as: %s', form, parallel, plan));
            bad := bad + 1;
        END IF;
        EXECUTE 'INSERT INTO diff.mismatch ' || q USING seed, parallel, form;
        GET DIAGNOSTICS n = ROW_COUNT;
        bad := bad + n;
        END LOOP;
    END LOOP;
    RETURN bad;
END
$$;

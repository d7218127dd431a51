-- reference.sql: an independent model of streampay's money rules in exact
-- SQL numeric, written from README.md ("Money semantics", "Rules the
-- trigger enforces"), not from src/.  The differential test compares the C
-- functions and the C trigger against it.
--
-- Times are integers: microseconds since 2000-01-01 00:00:00 (so that every
-- timestamp PostgreSQL accepts fits a bigint).  Amounts are numeric; nothing
-- here uses float.  Differences of two times are taken in numeric because
-- they can exceed bigint across the whole timestamp range.

CREATE SCHEMA ref;

-- microseconds <-> timestamp, exactly.  Interval text input takes a bigint
-- count of microseconds; two halves keep each below bigint's limit even
-- across the whole timestamp range.
CREATE FUNCTION ref.ts(us bigint) RETURNS timestamp
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT timestamp '2000-01-01' + ((us / 2)::text || ' us')::interval
                                + ((us - us / 2)::text || ' us')::interval
$$;
-- Whole days plus the time of day: extract(epoch FROM timestamp) rounds
-- beyond about year 264000 (its int64 shortcut overflows and the numeric
-- fallback divides at a limited scale), so it is not used here.
CREATE FUNCTION ref.us(t timestamp) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((t::date - date '2000-01-01')::numeric * 86400000000
          + extract(epoch FROM t::time) * 1000000)::bigint
$$;

-- the last representable timestamp and the largest decimal(20,9)
CREATE FUNCTION ref.max_us() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 9223371331199999999::bigint   -- 294276-12-31 23:59:59.999999
$$;
CREATE FUNCTION ref.min_us() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT -211813488000000000::bigint   -- 4714-11-24 00:00:00 BC
$$;
CREATE FUNCTION ref.max_amount() RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 99999999999.999999999::numeric
$$;

-- A stream as the money rules see it.
CREATE TYPE ref.state AS (
    status    text,          -- active | paused | cancelled | completed
    rate      numeric,       -- per second
    start_us  bigint,
    end_us    bigint,        -- NULL: no end
    total     numeric,
    settled   numeric,
    lsa_us    bigint,        -- last_settled_at
    recipient text
);

-- "pending(t) is 0 unless status = 'active'.  For an active stream it is
--  min(total_amount - settled_amount,
--      trunc9(rate_per_second * seconds(max(0, min(t, end_time) - max(last_settled_at, start_time)))))"
-- Seconds are microseconds * 0.000001: a multiplication, so exact (a numeric
-- division would round at its own chosen scale).
CREATE FUNCTION ref.pending(status text, rate numeric, start_us bigint, end_us bigint,
                            total numeric, settled numeric, lsa_us bigint, t_us bigint)
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN status <> 'active' THEN 0::numeric
         ELSE LEAST(total - settled,
                    trunc(rate * 0.000001
                          * GREATEST(0::numeric,
                                     LEAST(t_us, COALESCE(end_us, t_us))::numeric
                                     - GREATEST(lsa_us, start_us)::numeric), 9))
         END
$$;

-- accrued(t) = settled + pending(t); refundable(t) = total - accrued(t)
CREATE FUNCTION ref.accrued(status text, rate numeric, start_us bigint, end_us bigint,
                            total numeric, settled numeric, lsa_us bigint, t_us bigint)
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT settled + ref.pending(status, rate, start_us, end_us, total, settled, lsa_us, t_us)
$$;

-- "When accrued reaches total_amount if nothing changes, rounded up to the
--  microsecond.  NULL when that never happens: paused, terminal, rate 0, the
--  end comes first, or the time is beyond the timestamp range."  A stream that
--  is already fully accrued got there by its anchor max(last_settled_at,
--  start_time) (src/accrual.h documents that case).
--
-- Accrual starts at the anchor a; after u microseconds it is
-- trunc9(rate * u / 1e6).  remaining has at most 9 decimals, so
-- trunc9(x) >= remaining exactly when x >= remaining: the first such u is
-- ceil(remaining * 1e6 / rate), computed with exact integer division.
-- Returns microseconds as numeric (the sum can pass bigint before the range
-- check).
CREATE FUNCTION ref.depletion_us(status text, rate numeric, start_us bigint, end_us bigint,
                                 total numeric, settled numeric, lsa_us bigint)
    RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN d IS NULL THEN NULL
           WHEN d > ref.max_us() THEN NULL
           WHEN end_us IS NOT NULL AND d > end_us AND total - settled > 0 THEN NULL
           ELSE d
         END
    FROM (SELECT CASE
                   WHEN status <> 'active' THEN NULL
                   WHEN total - settled <= 0 THEN GREATEST(lsa_us, start_us)::numeric
                   WHEN rate <= 0 THEN NULL
                   ELSE GREATEST(lsa_us, start_us)::numeric
                        + div((total - settled) * 1000000, rate)
                        + CASE WHEN mod((total - settled) * 1000000, rate) <> 0 THEN 1 ELSE 0 END
                 END AS d) x
$$;

-- "active -> paused | cancelled | completed, paused -> active | cancelled.
--  cancelled and completed are terminal."
CREATE FUNCTION ref.can_transition(from_status text, to_status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (from_status, to_status) IN (('active', 'paused'), ('active', 'cancelled'),
                                      ('active', 'completed'), ('paused', 'active'),
                                      ('paused', 'cancelled'))
$$;

-- What one UPDATE writes.  The SET list of the update under test assigns
-- every money column (to its old value when the operation does not change
-- it); lsa_assigned says whether last_settled_at is in the SET list, and
-- settled_w is the value written to settled_amount (NULL: not in the list).
CREATE TYPE ref.op AS (
    kind         text,
    status       text,
    rate         numeric,
    start_us     bigint,
    end_us       bigint,
    total        numeric,
    recipient    text,
    lsa_assigned boolean,
    t_us         bigint,
    settled_w    numeric
);

-- The outcome: the SQLSTATEs of every rule the update breaks (empty: it is
-- accepted) and the row it leaves.  The README gives no precedence between
-- rules, so the test accepts any of the listed SQLSTATEs from the C trigger.
CREATE TYPE ref.outcome AS (codes text[], st ref.state, settles boolean, t_us bigint);

-- One UPDATE under the README's rules, given the row before it (o), what the
-- statement writes (w), the transaction time and the wall clock.
CREATE FUNCTION ref.apply(o ref.state, w ref.op, now_us bigint, wall_us bigint)
    RETURNS ref.outcome LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    codes     text[] := '{}';
    n         ref.state;
    terminal  boolean := o.status IN ('cancelled', 'completed');
    status_ch boolean := w.status <> o.status;
    rate_ch   boolean := w.rate IS DISTINCT FROM o.rate;
    start_ch  boolean := w.start_us <> o.start_us;
    end_ch    boolean := w.end_us IS DISTINCT FROM o.end_us;
    total_ch  boolean := w.total IS DISTINCT FROM o.total;
    recip_ch  boolean := w.recipient IS DISTINCT FROM o.recipient;
    lsa_ch    boolean := w.lsa_assigned AND w.t_us <> o.lsa_us;
    settles   boolean;
    t         bigint;
    accrued   numeric;
BEGIN
    n := ROW(w.status, w.rate, w.start_us, w.end_us, w.total, o.settled, o.lsa_us,
             w.recipient)::ref.state;

    -- "settled_amount is owned by the extension.  A direct UPDATE of it is
    --  rejected; writing its current value is not a change."  (428C9)
    IF w.settled_w IS NOT NULL AND w.settled_w IS DISTINCT FROM o.settled THEN
        codes := codes || '428C9'::text;
    END IF;

    -- "Status graph ... cancelled and completed are terminal."  "A terminal
    --  stream is frozen: status, rate, start, end, total, last_settled_at and
    --  recipient cannot change."  (55000)
    IF terminal AND (status_ch OR rate_ch OR start_ch OR end_ch OR total_ch
                     OR recip_ch OR lsa_ch) THEN
        codes := codes || '55000'::text;
    END IF;

    -- "No negative rate, total ... No NaN amounts."  "[end_time] must always
    --  be after start_time."  (23514)
    IF w.rate = 'NaN'::numeric OR w.rate < 0 THEN
        codes := codes || '23514'::text;
    END IF;
    IF w.total = 'NaN'::numeric OR w.total < 0 THEN
        codes := codes || '23514'::text;
    END IF;
    IF w.end_us IS NOT NULL AND w.end_us <= w.start_us THEN
        codes := codes || '23514'::text;
    END IF;

    -- "The event time T.  If the UPDATE assigns last_settled_at ... that
    --  value is T ... Otherwise T is the transaction time in UTC, but never
    --  earlier than the current last_settled_at.  An explicit T must be at or
    --  after the current last_settled_at and no later than the wall clock."
    IF w.lsa_assigned THEN
        t := w.t_us;
        IF t < o.lsa_us OR t > wall_us THEN
            codes := codes || '22023'::text;
        END IF;
    ELSE
        t := GREATEST(now_us, o.lsa_us);
    END IF;

    -- "start_time cannot change once the stream has started (T >= start_time)"
    IF start_ch AND t >= o.start_us THEN
        codes := codes || '55000'::text;
    END IF;

    -- "Each of the following is a settlement event at a time T: a status
    --  change, or a change to rate_per_second, end_time, total_amount,
    --  last_settled_at or (before the stream starts) start_time."  Assigning
    --  last_settled_at names T, which makes the statement a settlement too.
    settles := status_ch OR rate_ch OR end_ch OR total_ch OR start_ch OR w.lsa_assigned;

    -- "The trigger first sets settled_amount += pending(T) ... computed with
    --  the OLD row.  Only then does the change apply."
    accrued := o.settled;
    IF settles THEN
        accrued := o.settled + ref.pending(o.status, o.rate, o.start_us, o.end_us,
                                           o.total, o.settled, o.lsa_us, t);
    END IF;

    IF status_ch AND NOT terminal THEN
        IF NOT ref.can_transition(o.status, w.status) THEN
            codes := codes || '55000'::text;
        -- "completed is allowed only when the stream is done: T >= end_time,
        --  or accrued(T) = total_amount."  The row after the change must be
        --  done, so the new end and total count.
        ELSIF w.status = 'completed'
              AND NOT ((w.end_us IS NOT NULL AND t >= w.end_us) OR accrued >= w.total) THEN
            codes := codes || '55000'::text;
        END IF;
    END IF;

    -- "total_amount may rise (top-up) or fall, but never below accrued(T)."
    IF total_ch AND w.total < accrued THEN
        codes := codes || '23514'::text;
    END IF;
    -- "end_time may move, but not before T."
    IF end_ch AND w.end_us IS NOT NULL AND w.end_us < t THEN
        codes := codes || '23514'::text;
    END IF;

    IF cardinality(codes) > 0 THEN
        RETURN ROW(codes, o, false, t)::ref.outcome;
    END IF;
    IF settles THEN
        n.settled := accrued;
        n.lsa_us := t;
    END IF;
    RETURN ROW(codes, n, settles, t)::ref.outcome;
END
$$;

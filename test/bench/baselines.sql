-- test/bench/baselines.sql: what a user would write instead of streampay.
--
-- Loaded by test/bench/run.sh after CREATE EXTENSION streampay, into schema
-- "bl".  Every baseline uses exact numeric arithmetic and the rules of
-- README's "Money semantics" and "Rules the trigger enforces"; run.sh checks
-- them against streampay on the whole data set before it times anything.
--
--   bl.accrued_sql(s, t)        LANGUAGE sql, inlinable: the planner turns it
--                               into the plain expression (run.sh also times
--                               the expression written out in the query)
--   bl.accrued_plpgsql(s, t)    the same in PL/pgSQL
--   bl.accrued_sql_id(id, t)    by id: look the row up, then the expression
--   bl.accrued_plpgsql_id(id, t)
--   bl.streams                  a copy of public.streams (same columns,
--                               defaults, CHECKs and indexes) whose row
--                               trigger is bl.streams_trigger(), the status
--                               graph and settle-before-change in PL/pgSQL
--
-- The by-id functions name the table unqualified on purpose: they read the
-- "streams" the caller's search_path finds, so the pgbench baseline run
-- (search_path bl, public) reads the copy its PL/pgSQL trigger maintains,
-- while the by-id workload (search_path public) reads the same table as
-- streampay_accrued(id).

CREATE SCHEMA bl;

CREATE TABLE bl.streams (LIKE public.streams INCLUDING ALL);

---------------------------------------------------------------------------
-- Accrual.  pending = 0 unless active, else
--   least(total - settled,
--         trunc(rate * seconds(least(t, end) - greatest(last_settled, start)), 9))
-- clamped at 0; accrued = settled + pending.  least() ignores a NULL end.
-- Not STRICT and without SET: either would stop the planner from inlining.
---------------------------------------------------------------------------

CREATE FUNCTION bl.accrued_sql(s public.streams, t timestamp) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT s.settled_amount +
           CASE WHEN s.status = 'active' THEN
               greatest(0, least(s.total_amount - s.settled_amount,
                   trunc(s.rate_per_second *
                         extract(epoch FROM least(t, s.end_time)
                                            - greatest(s.last_settled_at, s.start_time)), 9)))
           ELSE 0 END
$$;

CREATE FUNCTION bl.accrued_plpgsql(s public.streams, t timestamp) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    from_t timestamp;
    to_t timestamp;
    pending numeric;
BEGIN
    IF s.status <> 'active' THEN
        RETURN s.settled_amount;
    END IF;
    from_t := greatest(s.last_settled_at, s.start_time);
    to_t := least(t, s.end_time);
    IF to_t <= from_t THEN
        RETURN s.settled_amount;
    END IF;
    pending := least(s.total_amount - s.settled_amount,
                     trunc(s.rate_per_second * extract(epoch FROM to_t - from_t), 9));
    RETURN s.settled_amount + greatest(pending, 0);
END
$$;

CREATE FUNCTION bl.accrued_sql_id(stream_id uuid, t timestamp) RETURNS numeric
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT s.settled_amount +
           CASE WHEN s.status = 'active' THEN
               greatest(0, least(s.total_amount - s.settled_amount,
                   trunc(s.rate_per_second *
                         extract(epoch FROM least(t, s.end_time)
                                            - greatest(s.last_settled_at, s.start_time)), 9)))
           ELSE 0 END
      FROM streams s
     WHERE s.id = stream_id
$$;

CREATE FUNCTION bl.accrued_plpgsql_id(stream_id uuid, t timestamp) RETURNS numeric
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s record;
    from_t timestamp;
    to_t timestamp;
    pending numeric;
BEGIN
    SELECT status, rate_per_second, start_time, end_time, total_amount,
           settled_amount, last_settled_at
      INTO s FROM streams WHERE id = stream_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('stream %s does not exist', stream_id);
    END IF;
    IF s.status <> 'active' THEN
        RETURN s.settled_amount;
    END IF;
    from_t := greatest(s.last_settled_at, s.start_time);
    to_t := least(t, s.end_time);
    IF to_t <= from_t THEN
        RETURN s.settled_amount;
    END IF;
    pending := least(s.total_amount - s.settled_amount,
                     trunc(s.rate_per_second * extract(epoch FROM to_t - from_t), 9));
    RETURN s.settled_amount + greatest(pending, 0);
END
$$;

---------------------------------------------------------------------------
-- The trigger, rule for rule in the order src/transition.c checks them, with
-- the same SQLSTATEs.  One difference a PL/pgSQL trigger cannot avoid: it
-- does not see the UPDATE's SET list, so "last_settled_at assigned its
-- current value" counts as not assigned.  The event time T differs only
-- for a status change written that way, which no workload here does.
---------------------------------------------------------------------------

CREATE FUNCTION bl.streams_trigger() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    now_utc timestamp := timezone('UTC', transaction_timestamp());
    t timestamp;
    status_changed boolean;
    rate_changed boolean;
    end_changed boolean;
    total_changed boolean;
    lsa_changed boolean;
    start_changed boolean;
    from_t timestamp;
    to_t timestamp;
    pending numeric;
    accrued numeric;
BEGIN
    IF TG_OP = 'UPDATE' AND
       (NEW.id IS DISTINCT FROM OLD.id OR NEW.payer IS DISTINCT FROM OLD.payer
        OR NEW.chain_id IS DISTINCT FROM OLD.chain_id
        OR NEW.created_at IS DISTINCT FROM OLD.created_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'generated_always',
            MESSAGE = format('stream %s: id, payer, chain_id and created_at cannot be changed', OLD.id);
    END IF;

    -- decoding: NULLs, NaN and infinite times, before any rule
    IF NEW.status IS NULL OR NEW.rate_per_second IS NULL OR NEW.start_time IS NULL
       OR NEW.total_amount IS NULL OR NEW.last_settled_at IS NULL
       OR NEW.settled_amount IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
            MESSAGE = format('stream %s: status, rate_per_second, start_time, total_amount, last_settled_at and settled_amount must not be null', NEW.id);
    END IF;
    IF NEW.rate_per_second = 'NaN' OR NEW.total_amount = 'NaN' OR NEW.settled_amount = 'NaN' THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('stream %s: amounts must not be NaN', NEW.id);
    END IF;
    IF NOT isfinite(NEW.start_time) OR NOT isfinite(NEW.last_settled_at)
       OR NOT isfinite(NEW.end_time) THEN
        RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
            MESSAGE = format('stream %s: times must be finite timestamps', NEW.id);
    END IF;

    IF TG_OP = 'INSERT' THEN
        IF NOT isfinite(NEW.created_at) OR NOT isfinite(NEW.updated_at) THEN
            RAISE EXCEPTION USING ERRCODE = 'datetime_field_overflow',
                MESSAGE = format('stream %s: times must be finite timestamps', NEW.id);
        END IF;
        IF NEW.rate_per_second < 0 OR NEW.total_amount < 0 OR NEW.settled_amount < 0
           OR NEW.settled_amount > NEW.total_amount
           OR NEW.end_time <= NEW.start_time THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                MESSAGE = format('stream %s: invalid amounts or times', NEW.id);
        END IF;
        -- a row with the defaults accrues from start_time
        IF NEW.settled_amount = 0 AND NEW.last_settled_at = now_utc
           AND NEW.start_time < now_utc THEN
            NEW.last_settled_at := NEW.start_time;
        END IF;
        RETURN NEW;
    END IF;

    IF NEW.settled_amount <> OLD.settled_amount THEN
        RAISE EXCEPTION USING ERRCODE = 'generated_always',
            MESSAGE = format('stream %s: settled_amount cannot be updated directly', OLD.id);
    END IF;

    status_changed := NEW.status <> OLD.status;
    rate_changed := NEW.rate_per_second <> OLD.rate_per_second;
    end_changed := NEW.end_time IS DISTINCT FROM OLD.end_time;
    total_changed := NEW.total_amount <> OLD.total_amount;
    lsa_changed := NEW.last_settled_at <> OLD.last_settled_at;
    start_changed := NEW.start_time <> OLD.start_time;

    IF OLD.status IN ('cancelled', 'completed') THEN
        IF status_changed THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('stream %s: cannot change status from "%s" to "%s"',
                                 OLD.id, OLD.status, NEW.status);
        END IF;
        IF rate_changed OR end_changed OR total_changed OR lsa_changed OR start_changed
           OR NEW.recipient IS DISTINCT FROM OLD.recipient THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('stream %s: a %s stream cannot change', OLD.id, OLD.status);
        END IF;
    END IF;

    IF NEW.rate_per_second < 0 OR NEW.total_amount < 0 OR NEW.settled_amount < 0
       OR NEW.end_time <= NEW.start_time THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('stream %s: invalid amounts or times', OLD.id);
    END IF;

    IF lsa_changed THEN
        -- an explicit event time: a real, past moment, never before the last one
        t := NEW.last_settled_at;
        IF t < OLD.last_settled_at THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('stream %s: event time is before the last settlement', OLD.id);
        END IF;
        IF t > timezone('UTC', clock_timestamp()) THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('stream %s: event time is in the future', OLD.id);
        END IF;
    ELSE
        t := greatest(now_utc, OLD.last_settled_at);
    END IF;

    IF start_changed AND t >= OLD.start_time THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('stream %s: start_time cannot change after the stream has started', OLD.id);
    END IF;

    NEW.updated_at := now_utc;
    IF NOT (status_changed OR rate_changed OR end_changed OR total_changed
            OR lsa_changed OR start_changed) THEN
        RETURN NEW;
    END IF;

    -- settle under the OLD terms
    pending := 0;
    IF OLD.status = 'active' THEN
        from_t := greatest(OLD.last_settled_at, OLD.start_time);
        to_t := least(t, OLD.end_time);
        IF to_t > from_t THEN
            pending := greatest(0, least(OLD.total_amount - OLD.settled_amount,
                trunc(OLD.rate_per_second * extract(epoch FROM to_t - from_t), 9)));
        END IF;
    END IF;
    accrued := OLD.settled_amount + pending;

    IF status_changed THEN
        IF NOT ((OLD.status = 'active' AND NEW.status IN ('paused', 'cancelled', 'completed'))
                OR (OLD.status = 'paused' AND NEW.status IN ('active', 'cancelled'))) THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('stream %s: cannot change status from "%s" to "%s"',
                                 OLD.id, OLD.status, NEW.status);
        END IF;
        IF NEW.status = 'completed'
           AND NOT (coalesce(t >= NEW.end_time, false) OR accrued >= NEW.total_amount) THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('stream %s: cannot complete a stream that is not done', OLD.id),
                HINT = 'Cancel the stream instead.';
        END IF;
    END IF;
    IF total_changed AND NEW.total_amount < accrued THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('stream %s: total_amount cannot fall below the accrued amount', OLD.id);
    END IF;
    IF end_changed AND NEW.end_time < t THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('stream %s: end_time cannot move before the time of the change', OLD.id);
    END IF;

    NEW.settled_amount := accrued;
    NEW.last_settled_at := t;
    RETURN NEW;
END
$$;

CREATE TRIGGER streams_bl
    BEFORE INSERT OR UPDATE ON bl.streams
    FOR EACH ROW EXECUTE FUNCTION bl.streams_trigger();

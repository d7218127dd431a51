/* streampay--0.1.0.sql: the schema of ../shared/spec/data-model.md plus the
 * engine that enforces it. */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION streampay" to load this file. \quit

CREATE TYPE @extschema@.stream_status AS ENUM
    ('active', 'paused', 'cancelled', 'completed');

-- Timestamps are UTC wall-clock times: the now() defaults are taken at UTC
-- so they do not depend on the session's TimeZone.
CREATE TABLE @extschema@.streams (
    id               uuid          NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    payer            varchar(255)  NOT NULL,
    recipient        varchar(255)  NOT NULL,
    status           @extschema@.stream_status NOT NULL
                                   DEFAULT 'active'::@extschema@.stream_status,
    rate_per_second  decimal(20,9) NOT NULL,
    start_time       timestamp     NOT NULL,
    end_time         timestamp,
    total_amount     decimal(20,9) NOT NULL,
    last_settled_at  timestamp     NOT NULL
                                   DEFAULT pg_catalog.timezone('UTC', pg_catalog.now()),
    created_at       timestamp     NOT NULL
                                   DEFAULT pg_catalog.timezone('UTC', pg_catalog.now()),
    updated_at       timestamp     NOT NULL
                                   DEFAULT pg_catalog.timezone('UTC', pg_catalog.now()),
    chain_id         varchar(50)   NOT NULL DEFAULT 'stellar-testnet',
    contract_address varchar(255),
    transaction_hash varchar(66),
    metadata         text,
    -- added by streampay: amount settled to the recipient as of last_settled_at
    settled_amount   decimal(20,9) NOT NULL DEFAULT 0,

    CONSTRAINT streams_pkey PRIMARY KEY (id),
    -- numeric accepts NaN, and NaN sorts above every number: exclude it
    -- explicitly.  The trigger reports these first, with the stream id.
    CONSTRAINT streams_rate_per_second_check CHECK
        (rate_per_second OPERATOR(pg_catalog.>=) 0
         AND rate_per_second OPERATOR(pg_catalog.<>) 'NaN'::pg_catalog.numeric),
    CONSTRAINT streams_total_amount_check CHECK
        (total_amount OPERATOR(pg_catalog.>=) 0
         AND total_amount OPERATOR(pg_catalog.<>) 'NaN'::pg_catalog.numeric),
    CONSTRAINT streams_settled_amount_check CHECK
        (settled_amount OPERATOR(pg_catalog.>=) 0
         AND settled_amount OPERATOR(pg_catalog.<=) total_amount),
    CONSTRAINT streams_end_time_check CHECK
        (end_time IS NULL OR end_time OPERATOR(pg_catalog.>) start_time)
);

COMMENT ON TABLE @extschema@.streams IS
    'Payment streams (StreamPay data model); status and money rules enforced by streampay_trigger';
COMMENT ON COLUMN @extschema@.streams.settled_amount IS
    'Amount settled to the recipient as of last_settled_at; maintained by streampay, never written directly';
COMMENT ON COLUMN @extschema@.streams.last_settled_at IS
    'UTC time of the last settlement event; setting it in an UPDATE gives the event time';

CREATE INDEX streams_payer_idx ON @extschema@.streams (payer);
CREATE INDEX streams_recipient_idx ON @extschema@.streams (recipient);
CREATE INDEX streams_status_idx ON @extschema@.streams (status);
CREATE INDEX streams_chain_id_idx ON @extschema@.streams (chain_id);
CREATE INDEX streams_created_at_idx ON @extschema@.streams (created_at);

-- pg_dump keeps the user's rows (DROP EXTENSION still drops them)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.streams', '');

---------------------------------------------------------------------------
-- The trigger: status graph, money invariants, settle-before-change
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'streampay_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.streampay_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: enforces the status graph and money rules of a streams table';

CREATE TRIGGER streams_streampay
    BEFORE INSERT OR UPDATE ON @extschema@.streams
    FOR EACH ROW EXECUTE FUNCTION @extschema@.streampay_trigger();

---------------------------------------------------------------------------
-- Read functions (C).  Forms: by id (uuid), by id given as text (so an
-- untyped literal or bind parameter resolves), and from the row itself.
-- Without as_of they use the transaction time (UTC), hence STABLE; the
-- row form with as_of is pure arithmetic, hence IMMUTABLE.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_accrued(stream_id uuid) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_accrued(stream_id uuid, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_accrued(stream_id text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_accrued(stream_id text, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_accrued(s @extschema@.streams) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_row' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_accrued(s @extschema@.streams, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrued_row' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.streampay_claimable(stream_id uuid) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_claimable(stream_id uuid, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_claimable(stream_id text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_claimable(stream_id text, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_claimable(s @extschema@.streams) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_row' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_claimable(s @extschema@.streams, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_claimable_row' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.streampay_refundable(stream_id uuid) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_refundable(stream_id uuid, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_refundable(stream_id text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_refundable(stream_id text, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_refundable(s @extschema@.streams) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_row' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_refundable(s @extschema@.streams, as_of timestamp) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_refundable_row' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- depletion time depends only on the stored snapshot, not on the clock
CREATE FUNCTION @extschema@.streampay_depletion_time(stream_id uuid) RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_depletion_time_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_depletion_time(stream_id text) RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_depletion_time_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_depletion_time(s @extschema@.streams) RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_depletion_time_row' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.streampay_can_transition(from_status @extschema@.stream_status,
                                                     to_status @extschema@.stream_status)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'streampay_can_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.streampay_accrued(uuid) IS
    'Amount accrued to the recipient (settled + pending) at the transaction time, exact to 1e-9';
COMMENT ON FUNCTION @extschema@.streampay_accrued(uuid, timestamp) IS
    'Amount accrued to the recipient (settled + pending) at as_of (UTC), exact to 1e-9';
COMMENT ON FUNCTION @extschema@.streampay_accrued(text) IS
    'streampay_accrued(uuid) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_accrued(text, timestamp) IS
    'streampay_accrued(uuid, timestamp) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_accrued(@extschema@.streams) IS
    'Amount accrued by this row at the transaction time (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_accrued(@extschema@.streams, timestamp) IS
    'Amount accrued by this row at as_of (UTC) (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_claimable(uuid) IS
    'Amount streamed since the last settlement and not yet settled, at the transaction time';
COMMENT ON FUNCTION @extschema@.streampay_claimable(uuid, timestamp) IS
    'Amount streamed since the last settlement and not yet settled, at as_of (UTC)';
COMMENT ON FUNCTION @extschema@.streampay_claimable(text) IS
    'streampay_claimable(uuid) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_claimable(text, timestamp) IS
    'streampay_claimable(uuid, timestamp) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_claimable(@extschema@.streams) IS
    'Pending amount of this row at the transaction time (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_claimable(@extschema@.streams, timestamp) IS
    'Pending amount of this row at as_of (UTC) (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_refundable(uuid) IS
    'total_amount minus accrued at the transaction time: what a cancel now would return to the payer';
COMMENT ON FUNCTION @extschema@.streampay_refundable(uuid, timestamp) IS
    'total_amount minus accrued at as_of (UTC)';
COMMENT ON FUNCTION @extschema@.streampay_refundable(text) IS
    'streampay_refundable(uuid) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_refundable(text, timestamp) IS
    'streampay_refundable(uuid, timestamp) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_refundable(@extschema@.streams) IS
    'total_amount minus accrued for this row at the transaction time (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_refundable(@extschema@.streams, timestamp) IS
    'total_amount minus accrued for this row at as_of (UTC) (no lookup)';
COMMENT ON FUNCTION @extschema@.streampay_depletion_time(uuid) IS
    'UTC time at which accrued reaches total_amount if nothing changes; NULL if it never will';
COMMENT ON FUNCTION @extschema@.streampay_depletion_time(text) IS
    'streampay_depletion_time(uuid) for an id given as text or an untyped literal';
COMMENT ON FUNCTION @extschema@.streampay_depletion_time(@extschema@.streams) IS
    'UTC time at which this row''s accrued reaches total_amount if nothing changes; NULL if never';
COMMENT ON FUNCTION @extschema@.streampay_can_transition(@extschema@.stream_status, @extschema@.stream_status) IS
    'True when the status graph allows from_status -> to_status';

---------------------------------------------------------------------------
-- Write helpers.  Each is one UPDATE: the C trigger does the work, so they
-- follow exactly the rules any other client's UPDATE follows.  The event
-- time is written to last_settled_at, which makes it the settlement time T.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_settle(stream_id uuid, at timestamp) RETURNS numeric
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before numeric;
    after numeric;
BEGIN
    SELECT s.settled_amount INTO before FROM @extschema@.streams s
     WHERE s.id OPERATOR(pg_catalog.=) stream_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('stream %s does not exist', stream_id);
    END IF;
    UPDATE @extschema@.streams s SET last_settled_at = at
     WHERE s.id OPERATOR(pg_catalog.=) stream_id
     RETURNING s.settled_amount INTO after;
    RETURN after OPERATOR(pg_catalog.-) before;
END
$$;

CREATE FUNCTION @extschema@.streampay_settle(stream_id uuid) RETURNS numeric
    LANGUAGE sql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_settle(stream_id, pg_catalog.timezone('UTC', pg_catalog.now()));

-- One status change at event time 'at'; the shared body of the wrappers.
CREATE FUNCTION @extschema@.streampay_set_status(stream_id uuid, new_status @extschema@.stream_status,
                                                 at timestamp)
    RETURNS @extschema@.streams
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.streams;
BEGIN
    UPDATE @extschema@.streams s SET status = new_status, last_settled_at = at
     WHERE s.id OPERATOR(pg_catalog.=) stream_id
     RETURNING s.* INTO r;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('stream %s does not exist', stream_id);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_set_status(uuid, @extschema@.stream_status, timestamp) IS
    'Change a stream''s status at event time at (UTC), settling first; returns the updated row';

CREATE FUNCTION @extschema@.streampay_pause(stream_id uuid, at timestamp) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'paused', at);
CREATE FUNCTION @extschema@.streampay_pause(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'paused', pg_catalog.timezone('UTC', pg_catalog.now()));
CREATE FUNCTION @extschema@.streampay_resume(stream_id uuid, at timestamp) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'active', at);
CREATE FUNCTION @extschema@.streampay_resume(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'active', pg_catalog.timezone('UTC', pg_catalog.now()));
CREATE FUNCTION @extschema@.streampay_cancel(stream_id uuid, at timestamp) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'cancelled', at);
CREATE FUNCTION @extschema@.streampay_cancel(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'cancelled', pg_catalog.timezone('UTC', pg_catalog.now()));
CREATE FUNCTION @extschema@.streampay_complete(stream_id uuid, at timestamp) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'completed', at);
CREATE FUNCTION @extschema@.streampay_complete(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'completed', pg_catalog.timezone('UTC', pg_catalog.now()));

CREATE FUNCTION @extschema@.streampay_complete_due(as_of timestamp) RETURNS bigint
    LANGUAGE sql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH done AS (
        UPDATE @extschema@.streams s
           SET status = 'completed', last_settled_at = as_of
         WHERE s.status OPERATOR(pg_catalog.=) 'active'
           AND s.last_settled_at OPERATOR(pg_catalog.<=) as_of
           AND ((s.end_time IS NOT NULL AND s.end_time OPERATOR(pg_catalog.<=) as_of)
                OR @extschema@.streampay_accrued(s, as_of) OPERATOR(pg_catalog.>=) s.total_amount)
        RETURNING 1)
    SELECT pg_catalog.count(*) FROM done;
END;
CREATE FUNCTION @extschema@.streampay_complete_due() RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_complete_due(pg_catalog.timezone('UTC', pg_catalog.now()));

COMMENT ON FUNCTION @extschema@.streampay_settle(uuid, timestamp) IS
    'Settle a stream at event time at (UTC); returns the amount this settlement added';
COMMENT ON FUNCTION @extschema@.streampay_settle(uuid) IS
    'Settle a stream at the transaction time; returns the amount this settlement added';
COMMENT ON FUNCTION @extschema@.streampay_pause(uuid, timestamp) IS
    'Pause an active stream at event time at (UTC), settling first; returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_pause(uuid) IS
    'Pause an active stream at the transaction time, settling first; returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_resume(uuid, timestamp) IS
    'Resume a paused stream at event time at (UTC); returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_resume(uuid) IS
    'Resume a paused stream at the transaction time; returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_cancel(uuid, timestamp) IS
    'Cancel a stream at event time at (UTC), settling first; returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_cancel(uuid) IS
    'Cancel a stream at the transaction time, settling first; returns the updated row';
COMMENT ON FUNCTION @extschema@.streampay_complete(uuid, timestamp) IS
    'Complete a stream that is done (end reached or fully accrued) at event time at (UTC)';
COMMENT ON FUNCTION @extschema@.streampay_complete(uuid) IS
    'Complete a stream that is done (end reached or fully accrued) at the transaction time';
COMMENT ON FUNCTION @extschema@.streampay_complete_due(timestamp) IS
    'Complete every active stream whose end has passed or that is fully accrued at as_of (UTC); returns how many';
COMMENT ON FUNCTION @extschema@.streampay_complete_due() IS
    'Complete every active stream that is done at the transaction time; returns how many';

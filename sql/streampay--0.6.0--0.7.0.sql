-- streampay 0.6.0 -> 0.7.0: speed where 0.6.0 missed its targets
--
-- * Webhook ingestion (issue 11): the chain id of a stream is derived in C
--   (the SQL function was never inlined: its IMMUTABLE body called STABLE
--   functions, so every delivery parsed and planned it again), the check
--   that ties the chain id to the row's id calls it instead of spelling the
--   formula out (a large expression every write to streams prepared
--   anew), and an in-order delivery runs fewer statements.
-- * streampay_account (issue 12): one pass over the address's streams.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.0'" to load this file. \quit

---------------------------------------------------------------------------
-- issue 11: webhook ingestion
---------------------------------------------------------------------------

-- The same function, in C: same arguments, same result byte for byte (NULL
-- handling included), but no SQL body to parse and plan at each call.
CREATE OR REPLACE FUNCTION @extschema@.streampay_chain_stream_uuid(chain_id text, contract_address text,
                                                                  chain_stream_id text)
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'streampay_chain_stream_uuid'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- The check that ties a chain id to the row's id, calling the function
-- instead of spelling its formula out: every statement that writes streams
-- prepares its checks anew, and the spelled-out form was most of that cost.
-- (0.6.0 spelled it out because on a Citus cluster the check reaches the
-- workers' shards before the workers run the update script; from 0.6.0 on
-- the function exists there.)  Safe to run twice, like 0.6.0's changes:
-- the workers of a Citus cluster run this script after the coordinator's
-- ALTER TABLE has reached them.  Adding the check validates every row.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conrelid OPERATOR(pg_catalog.=) '@extschema@.streams'::pg_catalog.regclass
                      AND c.conname OPERATOR(pg_catalog.=) 'streams_chain_stream_id_check'
                      AND pg_catalog.pg_get_constraintdef(c.oid)
                          OPERATOR(pg_catalog.~~) '%streampay_chain_stream_uuid(%') THEN
        ALTER TABLE @extschema@.streams DROP CONSTRAINT IF EXISTS streams_chain_stream_id_check;
        ALTER TABLE @extschema@.streams ADD CONSTRAINT streams_chain_stream_id_check
            CHECK (chain_stream_id IS NULL
                   OR (chain_stream_id OPERATOR(pg_catalog.<>) ''
                       AND id OPERATOR(pg_catalog.=)
                           @extschema@.streampay_chain_stream_uuid(chain_id, contract_address, chain_stream_id)));
    END IF;
END
$$;

-- Applying one inbox event, in C (apply.c): the same statements as 0.6.0's
-- PL/pgSQL, planned once per backend instead of once per transaction.
CREATE OR REPLACE FUNCTION @extschema@.streampay_apply_event(ev @extschema@.stream_inbox)
    RETURNS @extschema@.stream_inbox
    AS 'MODULE_PATHNAME', 'streampay_apply_event'
    LANGUAGE C VOLATILE STRICT;
CREATE OR REPLACE FUNCTION @extschema@.streampay_park_reason(sqlstate text, hint text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'streampay_park_reason'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- streampay_ingest in C (ingest.c): the same steps, checks, statements and
-- answers as 0.6.0's PL/pgSQL, which prepared every expression anew in each
-- delivery's transaction.  The replay check reads the inbox and the ledger
-- in one statement, and the probe that finds the stream also reads its
-- settled amount and its newest inbox position.  Grants are kept.
CREATE OR REPLACE FUNCTION @extschema@.streampay_ingest(payload text, signature text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'streampay_ingest'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC';

---------------------------------------------------------------------------
-- issue 11: webhook events parsed in C
---------------------------------------------------------------------------

-- The field parsers of streampay_ingest, in C (webhook_event.c): the same
-- arguments, results, NULL handling (NULL in, NULL out; not STRICT),
-- volatility, SQLSTATEs and messages as their PL/pgSQL bodies, which a
-- delivery prepared again in each transaction.  The regular expressions
-- are matched by hand, and a time is read by the server's own timestamptz
-- input in UTC.  Their comments carry over.
CREATE OR REPLACE FUNCTION @extschema@.streampay_event_time(value text, field text, event_id text)
    RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_event_time'
    LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION @extschema@.streampay_event_amount(value text, field text, event_id text)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_event_amount'
    LANGUAGE C IMMUTABLE;

CREATE OR REPLACE FUNCTION @extschema@.streampay_event_position(value jsonb, field text, event_id text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'streampay_event_position'
    LANGUAGE C IMMUTABLE;

-- Steps 1 (authenticity) and 2 (shape) of a delivery, as streampay_ingest
-- runs them, with what they found as jsonb: for tests.
CREATE FUNCTION @extschema@.streampay_webhook_parse(payload text, signature text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'streampay_webhook_parse'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION @extschema@.streampay_webhook_parse(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_webhook_parse(text, text) IS
    'Internal: checks a webhook delivery''s signature and shape as streampay_ingest does (same errors) and returns the fields it read; stores nothing';

---------------------------------------------------------------------------
-- issue 12: streampay_account in one pass
---------------------------------------------------------------------------
--
-- streampay_account ran eleven aggregates per row, four of them
-- streampay_sum_from_columns decoding the row's numerics again each, and a
-- min() of streampay_depletion_from_columns decoding it once more, under a
-- GROUP BY, over the recipient's and the payer's streams appended.  Now one
-- aggregate (src/account.c) reads each of the address's streams once, from
-- one scan of the rows the recipient and payer indexes find (a BitmapOr),
-- decodes it once and adds it to its (chain_id, asset) group; it returns
-- the groups as an array, which the function unnests and sorts.  Same
-- results, types, NULL-to-0 and order; still inlined.

CREATE TYPE @extschema@.streampay_account_totals AS (
    chain_id varchar, asset varchar,
    rate_in numeric, rate_out numeric,
    accrued_in numeric, accrued_out numeric,
    claimable_in numeric, refundable_out numeric,
    active_in bigint, paused_in bigint,
    active_out bigint, paused_out bigint,
    runs_dry_at timestamp);
COMMENT ON TYPE @extschema@.streampay_account_totals IS
    'Internal: the figures of one (chain_id, asset) group of streampay_account; a sum over no rows is NULL';

CREATE FUNCTION @extschema@.streampay_account_transfn(internal, text, varchar, varchar,
        varchar, varchar, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_account_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_account_transfn(internal, text, varchar, varchar,
        varchar, varchar, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp) IS
    'Internal: transition of streampay_account_agg (decodes the row once, adds it to its group''s 128-bit fixed-point sums)';

CREATE FUNCTION @extschema@.streampay_account_final(internal)
    RETURNS @extschema@.streampay_account_totals[]
    AS 'MODULE_PATHNAME', 'streampay_account_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_account_final(internal) IS
    'Internal: final function of streampay_account_agg (one element per group, in order of first appearance)';

CREATE AGGREGATE @extschema@.streampay_account_agg(
        address text, payer varchar, recipient varchar, chain_id varchar, asset varchar,
        stream_id uuid, status @extschema@.stream_status,
        rate_per_second numeric, start_time timestamp, end_time timestamp,
        total_amount numeric, last_settled_at timestamp, settled_amount numeric,
        as_of timestamp) (
    SFUNC = @extschema@.streampay_account_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_account_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.streampay_account_agg(text, varchar, varchar, varchar, varchar, uuid,
        @extschema@.stream_status, numeric, timestamp, timestamp, numeric, timestamp, numeric,
        timestamp) IS
    'Internal: streampay_account''s figures per (chain_id, asset) group of the streams the address pays (outgoing) or receives (incoming), in one pass';

-- The same function with a new body.  Still inlinable (no SET clause,
-- every name qualified).  CREATE OR REPLACE of an object the extension
-- already owns, as 0.6.0 did for this function.
CREATE OR REPLACE FUNCTION @extschema@.streampay_account(address text, as_of timestamp,
                                                         chain text DEFAULT NULL)
    RETURNS TABLE (chain_id varchar, asset varchar,
                   rate_in numeric, rate_out numeric,
                   accrued_in numeric, accrued_out numeric,
                   claimable_in numeric, refundable_out numeric,
                   active_in bigint, paused_in bigint,
                   active_out bigint, paused_out bigint,
                   runs_dry_at timestamp)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT g.chain_id, g.asset,
           COALESCE(g.rate_in, 0), COALESCE(g.rate_out, 0),
           COALESCE(g.accrued_in, 0), COALESCE(g.accrued_out, 0),
           COALESCE(g.claimable_in, 0), COALESCE(g.refundable_out, 0),
           g.active_in, g.paused_in, g.active_out, g.paused_out, g.runs_dry_at
      FROM pg_catalog.unnest((
               SELECT @extschema@.streampay_account_agg($1, s.payer, s.recipient,
                          s.chain_id, s.asset, s.id, s.status, s.rate_per_second,
                          s.start_time, s.end_time, s.total_amount, s.last_settled_at,
                          s.settled_amount, $2)
                 FROM @extschema@.streams s
                WHERE (s.recipient OPERATOR(pg_catalog.=) $1::varchar
                       OR s.payer OPERATOR(pg_catalog.=) $1::varchar)
                  AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar))) g
     ORDER BY g.chain_id, g.asset NULLS LAST
$$;
COMMENT ON FUNCTION @extschema@.streampay_account(text, timestamp, text) IS
    'Per (chain_id, asset) in which the address pays or receives: rates, accrued in/out, claimable in, refundable out, active/paused counts, earliest run-dry time of its outgoing streams';

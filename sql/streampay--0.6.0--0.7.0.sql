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

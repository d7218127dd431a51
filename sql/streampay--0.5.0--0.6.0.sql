-- streampay 0.5.0 -> 0.6.0
\echo Use "ALTER EXTENSION streampay UPDATE TO '0.6.0'" to load this file. \quit

---------------------------------------------------------------------------
-- issue 12: aggregate speed
--
-- * streampay_sum_from_columns(kind, id, status, ..., as_of): the exact sum
--   aggregates on a row's columns.  A planner hook (src/agg_rewrite.c)
--   turns streampay_sum_accrued/_claimable/_refundable(s, t) over a table
--   row into it, so no composite row value is built per row; same result.
-- * streampay_depletion_from_columns(id, status, ...): the depletion time on
--   a row's columns.
-- * streampay_account passes columns, not whole rows, to both (its body is
--   inlined into the caller's query, so callers see no difference).
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_sum_from_columns_transfn(internal,
        int4, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_sum_from_columns_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_sum_from_columns_transfn(internal,
        int4, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp) IS
    'Internal: transition of streampay_sum_from_columns (128-bit fixed-point sum)';

CREATE AGGREGATE @extschema@.streampay_sum_from_columns(
        kind int4, stream_id uuid, status @extschema@.stream_status, rate_per_second numeric,
        start_time timestamp, end_time timestamp, total_amount numeric,
        last_settled_at timestamp, settled_amount numeric, as_of timestamp) (
    SFUNC = @extschema@.streampay_sum_from_columns_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_sum_final,
    COMBINEFUNC = @extschema@.streampay_sum_combine,
    SERIALFUNC = @extschema@.streampay_sum_serialize,
    DESERIALFUNC = @extschema@.streampay_sum_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.streampay_sum_from_columns(int4, uuid, @extschema@.stream_status,
        numeric, timestamp, timestamp, numeric, timestamp, numeric, timestamp) IS
    'Internal: streampay_sum_accrued/claimable/refundable (kind 0/1/2) on a row''s columns; the planner turns the row forms over a table row into it';

CREATE FUNCTION @extschema@.streampay_depletion_from_columns(
        stream_id uuid, status @extschema@.stream_status, rate_per_second numeric,
        start_time timestamp, end_time timestamp, total_amount numeric,
        last_settled_at timestamp, settled_amount numeric)
    RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_depletion_from_columns'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_depletion_from_columns(uuid, @extschema@.stream_status,
        numeric, timestamp, timestamp, numeric, timestamp, numeric) IS
    'Internal: streampay_depletion_time on a row''s columns (NULL for a missing row)';

-- The same function with a new body: the columns instead of the whole row,
-- so the subquery below builds no composite value per row.  Still
-- inlinable (no SET clause, every name qualified).  CREATE OR REPLACE of an
-- object the extension already owns, as 0.5.0 did for streampay_ingest.
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
    SELECT x.chain_id, x.asset,
           COALESCE(pg_catalog.sum(x.rate_per_second) FILTER (WHERE x.incoming AND x.active), 0),
           COALESCE(pg_catalog.sum(x.rate_per_second) FILTER (WHERE NOT x.incoming AND x.active), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(0, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(0, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE NOT x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(1, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(2, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE NOT x.incoming), 0),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.paused),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.paused),
           pg_catalog.min(@extschema@.streampay_depletion_from_columns(x.id, x.status,
                        x.rate_per_second, x.start_time, x.end_time, x.total_amount,
                        x.last_settled_at, x.settled_amount)) FILTER (WHERE NOT x.incoming AND x.active)
      FROM (SELECT s.id, s.status, s.rate_per_second, s.start_time, s.end_time,
                   s.total_amount, s.last_settled_at, s.settled_amount,
                   s.chain_id, s.asset, true AS incoming,
                   s.status OPERATOR(pg_catalog.=) 'active' AS active,
                   s.status OPERATOR(pg_catalog.=) 'paused' AS paused
              FROM @extschema@.streams s
             WHERE s.recipient OPERATOR(pg_catalog.=) $1::varchar
               AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar)
            UNION ALL
            SELECT s.id, s.status, s.rate_per_second, s.start_time, s.end_time,
                   s.total_amount, s.last_settled_at, s.settled_amount,
                   s.chain_id, s.asset, false,
                   s.status OPERATOR(pg_catalog.=) 'active',
                   s.status OPERATOR(pg_catalog.=) 'paused'
              FROM @extschema@.streams s
             WHERE s.payer OPERATOR(pg_catalog.=) $1::varchar
               AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar)) x
     GROUP BY x.chain_id, x.asset
     ORDER BY x.chain_id, x.asset NULLS LAST
$$;
COMMENT ON FUNCTION @extschema@.streampay_account(text, timestamp, text) IS
    'Per (chain_id, asset) in which the address pays or receives: rates, accrued in/out, claimable in, refundable out, active/paused counts, earliest run-dry time of its outgoing streams';

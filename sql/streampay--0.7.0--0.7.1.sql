-- streampay 0.7.0 -> 0.7.1: fixes
--
-- * streampay_account with a NULL as_of: its money figures (accrued,
--   claimable, refundable) are NULL, not 0, which claimed that nothing had
--   streamed.  The rates, counts and runs_dry_at do not depend on the time
--   and are still given.
-- * The enum stream_status gets a comment, as every other object has.
-- (The library also changed; see CHANGELOG.md.)  Every statement can run
-- twice, as Citus propagates an update to the workers.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.1'" to load this file. \quit

COMMENT ON TYPE @extschema@.stream_status IS
    'Status of a stream: active, paused, cancelled, completed; streampay_trigger() enforces the graph (active -> paused | cancelled | completed, paused -> active | cancelled)';

-- The 0.7.0 body with one change: a sum over no rows is 0 only when there
-- is a time; without one it stays NULL.  Still inlinable (no SET clause,
-- every name qualified).
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
           COALESCE(g.accrued_in, CASE WHEN $2 IS NOT NULL THEN 0 END),
           COALESCE(g.accrued_out, CASE WHEN $2 IS NOT NULL THEN 0 END),
           COALESCE(g.claimable_in, CASE WHEN $2 IS NOT NULL THEN 0 END),
           COALESCE(g.refundable_out, CASE WHEN $2 IS NOT NULL THEN 0 END),
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
    'Per (chain_id, asset) in which the address pays or receives: rates, accrued in/out, claimable in, refundable out, active/paused counts, earliest run-dry time of its outgoing streams (money figures NULL without as_of)';

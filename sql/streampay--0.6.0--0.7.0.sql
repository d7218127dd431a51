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
-- issue 12: streampay_account in one pass
---------------------------------------------------------------------------

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

-- streampay 0.4.0 -> 0.5.0: accounts, dashboards and live updates
--
-- * streams.asset (and stream_events.asset): the token a stream's amounts
--   are in, validated by the chain family like contract_address, carried
--   by stream_created webhooks (data.asset).  Amounts of different
--   (chain_id, asset) groups are never added together.
-- * Exact aggregates streampay_sum_accrued / _claimable / _refundable
--   (streams, timestamp): a 128-bit fixed-point transition state, parallel.
-- * streampay_account(address, as_of [, chain_id]): one row per
--   (chain_id, asset) the address pays or receives in.
-- * streampay_running_dry(within [, as_of]): active streams running dry in
--   the window, served by an index on streampay_depletion_time(streams).
-- * NOTIFY streampay_events for every ledger event (streampay.notify).

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.5.0'" to load this file. \quit

ALTER TABLE @extschema@.streams ADD COLUMN asset varchar(255);
COMMENT ON COLUMN @extschema@.streams.asset IS
    'The token the amounts are in: a Soroban token contract (C...) on Stellar, a 0x address on EVM; set once, never changed';
ALTER TABLE @extschema@.stream_events ADD COLUMN asset varchar(255);
COMMENT ON COLUMN @extschema@.stream_events.asset IS
    'The asset of the stream when the event was recorded';

---------------------------------------------------------------------------
-- Exact aggregates
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_sum_accrued_transfn(internal, @extschema@.streams, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_sum_accrued_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_claimable_transfn(internal, @extschema@.streams, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_sum_claimable_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_refundable_transfn(internal, @extschema@.streams, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_sum_refundable_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_final(internal) RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_sum_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'streampay_sum_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'streampay_sum_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.streampay_sum_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'streampay_sum_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_sum_accrued_transfn(internal, @extschema@.streams, timestamp) IS
    'Internal: transition of streampay_sum_accrued (128-bit fixed-point sum)';
COMMENT ON FUNCTION @extschema@.streampay_sum_claimable_transfn(internal, @extschema@.streams, timestamp) IS
    'Internal: transition of streampay_sum_claimable (128-bit fixed-point sum)';
COMMENT ON FUNCTION @extschema@.streampay_sum_refundable_transfn(internal, @extschema@.streams, timestamp) IS
    'Internal: transition of streampay_sum_refundable (128-bit fixed-point sum)';
COMMENT ON FUNCTION @extschema@.streampay_sum_final(internal) IS
    'Internal: the streampay_sum_* aggregates'' result as numeric (NULL for no rows)';
COMMENT ON FUNCTION @extschema@.streampay_sum_combine(internal, internal) IS
    'Internal: adds two partial streampay_sum_* states (parallel aggregation)';
COMMENT ON FUNCTION @extschema@.streampay_sum_serialize(internal) IS
    'Internal: a partial streampay_sum_* state as 24 bytes (parallel aggregation)';
COMMENT ON FUNCTION @extschema@.streampay_sum_deserialize(bytea, internal) IS
    'Internal: a partial streampay_sum_* state from its 24 bytes (parallel aggregation)';

CREATE AGGREGATE @extschema@.streampay_sum_accrued(@extschema@.streams, timestamp) (
    SFUNC = @extschema@.streampay_sum_accrued_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_sum_final,
    COMBINEFUNC = @extschema@.streampay_sum_combine,
    SERIALFUNC = @extschema@.streampay_sum_serialize,
    DESERIALFUNC = @extschema@.streampay_sum_deserialize,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.streampay_sum_claimable(@extschema@.streams, timestamp) (
    SFUNC = @extschema@.streampay_sum_claimable_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_sum_final,
    COMBINEFUNC = @extschema@.streampay_sum_combine,
    SERIALFUNC = @extschema@.streampay_sum_serialize,
    DESERIALFUNC = @extschema@.streampay_sum_deserialize,
    PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.streampay_sum_refundable(@extschema@.streams, timestamp) (
    SFUNC = @extschema@.streampay_sum_refundable_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_sum_final,
    COMBINEFUNC = @extschema@.streampay_sum_combine,
    SERIALFUNC = @extschema@.streampay_sum_serialize,
    DESERIALFUNC = @extschema@.streampay_sum_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.streampay_sum_accrued(@extschema@.streams, timestamp) IS
    'Exact sum of streampay_accrued(s, t) over the rows (group by chain_id, asset)';
COMMENT ON AGGREGATE @extschema@.streampay_sum_claimable(@extschema@.streams, timestamp) IS
    'Exact sum of streampay_claimable(s, t) over the rows (group by chain_id, asset)';
COMMENT ON AGGREGATE @extschema@.streampay_sum_refundable(@extschema@.streams, timestamp) IS
    'Exact sum of streampay_refundable(s, t) over the rows (group by chain_id, asset)';

---------------------------------------------------------------------------
-- Per-account summary: both halves use the payer and recipient indexes.
-- Written inlinable (no SET clause, every name qualified) so a caller's
-- plan shows the index scans.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_account(address text, as_of timestamp,
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
           COALESCE(pg_catalog.sum(x.rate) FILTER (WHERE x.incoming AND x.active), 0),
           COALESCE(pg_catalog.sum(x.rate) FILTER (WHERE NOT x.incoming AND x.active), 0),
           COALESCE(@extschema@.streampay_sum_accrued(x.s, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_accrued(x.s, $2) FILTER (WHERE NOT x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_claimable(x.s, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_refundable(x.s, $2) FILTER (WHERE NOT x.incoming), 0),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.paused),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.paused),
           pg_catalog.min(@extschema@.streampay_depletion_time(x.s)) FILTER (WHERE NOT x.incoming AND x.active)
      FROM (SELECT s, s.chain_id, s.asset, s.rate_per_second AS rate, true AS incoming,
                   s.status OPERATOR(pg_catalog.=) 'active' AS active,
                   s.status OPERATOR(pg_catalog.=) 'paused' AS paused
              FROM @extschema@.streams s
             WHERE s.recipient OPERATOR(pg_catalog.=) $1::varchar
               AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar)
            UNION ALL
            SELECT s, s.chain_id, s.asset, s.rate_per_second, false,
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

---------------------------------------------------------------------------
-- Running dry: served by an index the user creates (README):
--   CREATE INDEX streams_depletion_idx ON streams (streampay_depletion_time(streams));
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_running_dry(within interval, as_of timestamp)
    RETURNS SETOF @extschema@.streams
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT s.* FROM @extschema@.streams s
     WHERE s.status OPERATOR(pg_catalog.=) 'active'
       AND @extschema@.streampay_depletion_time(s) OPERATOR(pg_catalog.>=) $2
       AND @extschema@.streampay_depletion_time(s) OPERATOR(pg_catalog.<=) ($2 OPERATOR(pg_catalog.+) $1)
     ORDER BY @extschema@.streampay_depletion_time(s), s.id
$$;
CREATE FUNCTION @extschema@.streampay_running_dry(within interval)
    RETURNS SETOF @extschema@.streams
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT * FROM @extschema@.streampay_running_dry($1, pg_catalog.timezone('UTC', pg_catalog.now()))
$$;
COMMENT ON FUNCTION @extschema@.streampay_running_dry(interval, timestamp) IS
    'Active streams whose depletion time falls in [as_of, as_of + within], soonest first';
COMMENT ON FUNCTION @extschema@.streampay_running_dry(interval) IS
    'Active streams running dry within the interval from the transaction time (UTC)';

---------------------------------------------------------------------------
-- streampay_ingest: data.asset on stream_created; acknowledged events are
-- announced too.  The rest is the 0.4.0 function.
---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.streampay_ingest(payload text, signature text) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    j jsonb;
    d jsonb;
    v_event_id text;
    v_event_type text;
    v_stream_id uuid;
    v_at timestamp;
    v_digest bytea;
    v_seen bytea;
    v_chain text;
    v_tx text;
    v_family text;
    v_problem text;
    v_before @extschema@.streams;
    v_after @extschema@.streams;
    v_expected numeric;
    v_amount numeric;
    v_ack bigint;
BEGIN
    -- 1. authenticity first: nothing is parsed before the signature holds
    PERFORM @extschema@.streampay_verify_signature(payload, signature);

    -- 2. shape
    BEGIN
        j := payload::jsonb;
    EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation',
            MESSAGE = 'webhook payload is not valid JSON', DETAIL = SQLERRM;
    END;
    IF pg_catalog.jsonb_typeof(j) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload must be a JSON object';
    END IF;
    v_event_id := j OPERATOR(pg_catalog.->>) 'eventId';
    v_event_type := j OPERATOR(pg_catalog.->>) 'eventType';
    IF v_event_id IS NULL OR v_event_id OPERATOR(pg_catalog.=) '' OR v_event_type IS NULL
       OR (j OPERATOR(pg_catalog.->>) 'streamId') IS NULL
       OR (j OPERATOR(pg_catalog.->>) 'occurredAt') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload lacks a required field',
            DETAIL = 'eventId, eventType, streamId and occurredAt are required.';
    END IF;
    -- identities and times are strings: a number or an object is not an id
    IF pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'eventId') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'eventType') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'streamId') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'occurredAt') OPERATOR(pg_catalog.<>) 'string' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload has a field of the wrong type',
            DETAIL = 'eventId, eventType, streamId and occurredAt must be JSON strings.';
    END IF;
    IF pg_catalog.length(v_event_id) OPERATOR(pg_catalog.>) 200 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook eventId is longer than 200 characters';
    END IF;
    BEGIN
        v_stream_id := (j OPERATOR(pg_catalog.->>) 'streamId')::uuid;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid streamId', v_event_id),
            DETAIL = SQLERRM;
    END;
    v_at := @extschema@.streampay_event_time(j OPERATOR(pg_catalog.->>) 'occurredAt', 'occurredAt', v_event_id);
    d := COALESCE(j OPERATOR(pg_catalog.->) 'data', '{}'::jsonb);
    IF pg_catalog.jsonb_typeof(d) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s: data must be a JSON object', v_event_id);
    END IF;
    v_chain := j OPERATOR(pg_catalog.->>) 'chainId';
    v_tx := j OPERATOR(pg_catalog.->>) 'transactionHash';
    v_digest := pg_catalog.sha256(pg_catalog.convert_to(payload, 'UTF8'));

    -- 3. replay: the ledger remembers every event id, forever.  Deliveries
    -- of one event id take turns (a transaction-scoped advisory lock, in
    -- streampay's lock class), so a concurrent duplicate waits for the first
    -- to commit and then finds it here, instead of failing on the ledger's
    -- unique index.
    PERFORM pg_catalog.pg_advisory_xact_lock(1937011301, -- 'stre'
                                             pg_catalog.hashtext(v_event_id));
    SELECT e.payload_digest INTO v_seen FROM @extschema@.stream_events e
     WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
    IF FOUND THEN
        IF v_seen OPERATOR(pg_catalog.=) v_digest THEN
            RETURN pg_catalog.jsonb_build_object('duplicate', true, 'eventId', v_event_id,
                                                 'streamId', v_stream_id);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('webhook event %s was already ingested with a different payload', v_event_id),
            HINT = 'An event id identifies one event forever; send a new id for a new event.';
    END IF;

    -- a transaction hash must have the format of the stream's chain
    IF v_tx IS NOT NULL THEN
        SELECT c.family INTO v_family FROM @extschema@.streampay_chains c
         WHERE c.chain_id OPERATOR(pg_catalog.=) COALESCE(v_chain,
                 (SELECT s.chain_id FROM @extschema@.streams s
                   WHERE s.id OPERATOR(pg_catalog.=) v_stream_id), 'stellar-testnet');
        IF v_family IS NOT NULL THEN
            v_problem := @extschema@.streampay_address_problem(v_tx, v_family, 'transaction');
            IF v_problem IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation',
                    MESSAGE = pg_catalog.format('webhook event %s has an invalid transactionHash', v_event_id),
                    DETAIL = pg_catalog.format('Rejected because of: %s.', v_problem);
            END IF;
        END IF;
        v_tx := pg_catalog.lower(v_tx);
    END IF;

    -- 4. apply through the same trigger rules, with T = occurredAt
    PERFORM pg_catalog.set_config('streampay.event_source', 'webhook', true);
    PERFORM pg_catalog.set_config('streampay.external_event_id', v_event_id, true);
    PERFORM pg_catalog.set_config('streampay.event_transaction_hash', COALESCE(v_tx, ''), true);
    PERFORM pg_catalog.set_config('streampay.event_payload_digest', pg_catalog.encode(v_digest, 'hex'), true);
    BEGIN
        IF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
            -- every field the row needs, named when missing (not a NOT NULL error)
            IF NOT (d OPERATOR(pg_catalog.?&) ARRAY['payer', 'recipient', 'ratePerSecond',
                                                     'totalAmount', 'startTime']) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s lacks a required data field', v_event_id),
                    DETAIL = 'stream_created needs data.payer, data.recipient, data.ratePerSecond, data.totalAmount and data.startTime.';
            END IF;
            -- like every other event, creation has already happened on chain
            IF v_at OPERATOR(pg_catalog.>) pg_catalog.timezone('UTC', pg_catalog.clock_timestamp()) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s: occurredAt is in the future', v_event_id),
                    DETAIL = pg_catalog.format('occurredAt is %s (UTC).', v_at);
            END IF;
            -- the stream was created on chain at occurredAt
            INSERT INTO @extschema@.streams (id, payer, recipient, rate_per_second, start_time,
                                             end_time, total_amount, chain_id, contract_address,
                                             transaction_hash, created_at, asset)
            VALUES (v_stream_id, d OPERATOR(pg_catalog.->>) 'payer', d OPERATOR(pg_catalog.->>) 'recipient',
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', v_event_id),
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'totalAmount', 'data.totalAmount', v_event_id),
                    COALESCE(v_chain, 'stellar-testnet'),
                    d OPERATOR(pg_catalog.->>) 'contractAddress', v_tx, v_at,
                    d OPERATOR(pg_catalog.->>) 'asset')
            RETURNING * INTO v_after;
            v_before := NULL;
        ELSE
            SELECT * INTO v_before FROM @extschema@.streams s
             WHERE s.id OPERATOR(pg_catalog.=) v_stream_id FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'no_data_found',
                    MESSAGE = pg_catalog.format('webhook event %s: stream %s does not exist', v_event_id, v_stream_id);
            END IF;
            IF v_chain IS NOT NULL AND v_chain OPERATOR(pg_catalog.<>) v_before.chain_id THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s: stream %s is on chain %s, not %s',
                                                v_event_id, v_stream_id, v_before.chain_id, v_chain);
            END IF;
            CASE v_event_type
            WHEN 'stream_paused' THEN
                UPDATE @extschema@.streams s SET status = 'paused', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_resumed' THEN
                UPDATE @extschema@.streams s SET status = 'active', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_cancelled' THEN
                UPDATE @extschema@.streams s SET status = 'cancelled', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_completed' THEN
                UPDATE @extschema@.streams s SET status = 'completed', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'settled' THEN
                IF v_at OPERATOR(pg_catalog.>=) v_before.last_settled_at THEN
                    v_expected := @extschema@.streampay_claimable(v_before, v_at);
                    IF d OPERATOR(pg_catalog.?) 'amount' AND
                       @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount', 'data.amount', v_event_id)
                                        OPERATOR(pg_catalog.<>) v_expected THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = pg_catalog.format('webhook event %s: settled amount does not match stream %s',
                                                        v_event_id, v_stream_id),
                            DETAIL = pg_catalog.format('The event says %s; at %s the stream has %s to settle.',
                                                       d OPERATOR(pg_catalog.->>) 'amount', v_at, v_expected);
                    END IF;
                END IF;
                UPDATE @extschema@.streams s SET last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'rate_changed' THEN
                UPDATE @extschema@.streams s
                   SET rate_per_second = @extschema@.streampay_event_amount(
                           d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                       last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'topped_up' THEN
                -- a top-up adds: a negative amount would be a reduction logged as a top-up
                v_amount := @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount',
                                                               'data.amount', v_event_id);
                IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<=) 0 THEN
                    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                        MESSAGE = pg_catalog.format('webhook event %s: topped_up needs a positive data.amount', v_event_id);
                END IF;
                UPDATE @extschema@.streams s
                   SET total_amount = s.total_amount OPERATOR(pg_catalog.+) v_amount,
                       last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            ELSE
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s has unknown eventType "%s"',
                                                v_event_id, v_event_type),
                    HINT = 'Known types: stream_created, stream_paused, stream_resumed, stream_cancelled, stream_completed, settled, rate_changed, topped_up.';
            END CASE;
        END IF;

        -- an event that changed nothing still has to be remembered
        IF NOT EXISTS (SELECT 1 FROM @extschema@.stream_events e
                        WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id) THEN
            INSERT INTO @extschema@.stream_events
                (stream_id, event_type, occurred_at, from_status, to_status, settled_delta,
                 settled_amount, rate_per_second, total_amount, actor, source,
                 external_event_id, transaction_hash, payload_digest)
            VALUES (v_stream_id, 'acknowledged', v_at, v_after.status, v_after.status, 0,
                    v_after.settled_amount, v_after.rate_per_second, v_after.total_amount,
                    @extschema@.streampay_caller(), 'webhook', v_event_id, v_tx, v_digest)
            RETURNING event_id INTO v_ack;
            -- announced like the C trigger announces the other events
            IF pg_catalog.current_setting('streampay.notify', true) IS DISTINCT FROM 'off' THEN
                -- the same compact text the C trigger writes
                PERFORM pg_catalog.pg_notify('streampay_events', pg_catalog.format(
                    '{"eventId":%s,"streamId":"%s","eventType":"acknowledged","status":"%s","occurredAt":"%s"}',
                    v_ack, v_stream_id, v_after.status,
                    pg_catalog.to_char(v_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')));
            END IF;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        -- a concurrent delivery of the same event won: this one is a replay
        SELECT e.payload_digest INTO v_seen FROM @extschema@.stream_events e
         WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
        IF FOUND AND v_seen OPERATOR(pg_catalog.=) v_digest THEN
            RETURN pg_catalog.jsonb_build_object('duplicate', true, 'eventId', v_event_id,
                                                 'streamId', v_stream_id);
        END IF;
        RAISE;
    END;

    RETURN pg_catalog.jsonb_build_object(
        'duplicate', false, 'eventId', v_event_id, 'eventType', v_event_type, 'streamId', v_stream_id,
        'status', v_after.status, 'settledAmount', v_after.settled_amount,
        'settledDelta', v_after.settled_amount OPERATOR(pg_catalog.-)
                        COALESCE(v_before.settled_amount, 0),
        'lastSettledAt', v_after.last_settled_at);
END
$$;


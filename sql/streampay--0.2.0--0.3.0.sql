-- streampay 0.2.0 -> 0.3.0
--
-- streampay_ingest: two concurrent deliveries of the same webhook event
-- (an indexer retrying while the first delivery is still in flight) both
-- passed the replay check before either had written the ledger; the second
-- then failed on stream_events' unique external_event_id (or on the streams
-- primary key for stream_created) instead of answering {"duplicate": true}.
-- Deliveries of one event id now take turns.  The rest of the function is
-- unchanged from 0.2.0.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.3.0'" to load this file. \quit

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
BEGIN
    -- 1. authenticity first: nothing is parsed before the signature holds
    PERFORM @extschema@.streampay_verify_signature(payload, signature);

    -- 2. shape
    BEGIN
        j := payload::jsonb;
    EXCEPTION WHEN invalid_text_representation THEN
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
    IF pg_catalog.length(v_event_id) OPERATOR(pg_catalog.>) 200 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook eventId is longer than 200 characters';
    END IF;
    BEGIN
        v_stream_id := (j OPERATOR(pg_catalog.->>) 'streamId')::uuid;
        -- an offset-less time is UTC (this function runs with TimeZone UTC)
        v_at := pg_catalog.timezone('UTC', (j OPERATOR(pg_catalog.->>) 'occurredAt')::timestamptz);
    EXCEPTION WHEN invalid_text_representation OR invalid_datetime_format
                   OR datetime_field_overflow THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid streamId or occurredAt', v_event_id),
            DETAIL = SQLERRM;
    END;
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
            -- the stream was created on chain at occurredAt
            INSERT INTO @extschema@.streams (id, payer, recipient, rate_per_second, start_time,
                                             end_time, total_amount, chain_id, contract_address,
                                             transaction_hash, created_at)
            VALUES (v_stream_id, d OPERATOR(pg_catalog.->>) 'payer', d OPERATOR(pg_catalog.->>) 'recipient',
                    (d OPERATOR(pg_catalog.->>) 'ratePerSecond')::numeric,
                    pg_catalog.timezone('UTC', (d OPERATOR(pg_catalog.->>) 'startTime')::timestamptz),
                    pg_catalog.timezone('UTC', (d OPERATOR(pg_catalog.->>) 'endTime')::timestamptz),
                    (d OPERATOR(pg_catalog.->>) 'totalAmount')::numeric,
                    COALESCE(v_chain, 'stellar-testnet'),
                    d OPERATOR(pg_catalog.->>) 'contractAddress', v_tx, v_at)
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
                    IF d OPERATOR(pg_catalog.?) 'amount' AND (d OPERATOR(pg_catalog.->>) 'amount')::numeric
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
                   SET rate_per_second = (d OPERATOR(pg_catalog.->>) 'ratePerSecond')::numeric,
                       last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'topped_up' THEN
                UPDATE @extschema@.streams s
                   SET total_amount = s.total_amount OPERATOR(pg_catalog.+)
                                      (d OPERATOR(pg_catalog.->>) 'amount')::numeric,
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
                    CURRENT_USER, 'webhook', v_event_id, v_tx, v_digest);
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

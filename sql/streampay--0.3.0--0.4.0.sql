-- streampay 0.3.0 -> 0.4.0: hardening
--
-- * DELETE of a stream is recorded in the ledger ('deleted'); TRUNCATE of
--   streams is refused.  An id with a history can be inserted again only as
--   the state its history ends in (a restore), never after its deletion
--   (the C ledger trigger checks this).
-- * streampay_ingest: identities must be JSON strings, times must be fixed
--   ISO 8601 times (not 'now', 'epoch', 'infinity'), every missing or
--   malformed field is 22023 (a \u0000 is 22P02), stream_created may not be
--   in the future, topped_up must add a positive amount, and acknowledged
--   events name the role that called it.
-- * Webhook keys move to a file (streampay.webhook_secret_file, C only).

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.4.0'" to load this file. \quit

CREATE FUNCTION @extschema@.streampay_streams_no_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'streampay_streams_no_truncate'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.streampay_streams_no_truncate() IS
    'BEFORE TRUNCATE trigger on streams: refuses, since TRUNCATE would remove streams without a ledger record';
CREATE TRIGGER streams_streampay_no_truncate
    BEFORE TRUNCATE ON @extschema@.streams
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.streampay_streams_no_truncate();

CREATE TRIGGER streams_streampay_ledger_delete
    AFTER DELETE ON @extschema@.streams
    FOR EACH ROW EXECUTE FUNCTION @extschema@.streampay_ledger_trigger();

COMMENT ON FUNCTION @extschema@.streampay_ledger_trigger() IS
    'AFTER row trigger on the extension''s streams: checks the stored row and appends the change (or deletion) to stream_events';

CREATE FUNCTION @extschema@.streampay_caller() RETURNS name
    AS 'MODULE_PATHNAME', 'streampay_caller'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_caller() IS
    'The role whose statement is running, outside any SECURITY DEFINER function (the ledger''s actor)';

-- A webhook time is a fixed moment: an ISO 8601 date and time with
-- seconds, optional fraction (to the microsecond) and offset (none = UTC).
-- PostgreSQL's own input would also take 'now', 'today', 'epoch' and
-- 'infinity', which a signed event must not carry.
CREATE FUNCTION @extschema@.streampay_event_time(value text, field text, event_id text)
    RETURNS timestamp
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~)
       '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = 'A time is ISO 8601 with seconds, such as 2025-01-01T00:00:00Z; an offset-less time is UTC.';
    END IF;
    BEGIN
        RETURN pg_catalog.timezone('UTC', value::timestamptz);
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = SQLERRM;
    END;
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_event_time(text, text, text) IS
    'Internal to streampay_ingest: a webhook time (ISO 8601 with seconds; no offset = UTC) as UTC, or 22023';

-- A webhook amount is a plain decimal number (a JSON number or a string of
-- digits); anything else is 22023, naming the field.
CREATE FUNCTION @extschema@.streampay_event_amount(value text, field text, event_id text)
    RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~) '^-?[0-9]+(\.[0-9]+)?$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = 'An amount is a decimal number, such as 12.5 or "0.000000001".';
    END IF;
    RETURN value::numeric;
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_event_amount(text, text, text) IS
    'Internal to streampay_ingest: a webhook amount as numeric, or 22023';

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
                                             transaction_hash, created_at)
            VALUES (v_stream_id, d OPERATOR(pg_catalog.->>) 'payer', d OPERATOR(pg_catalog.->>) 'recipient',
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', v_event_id),
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'totalAmount', 'data.totalAmount', v_event_id),
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
                    @extschema@.streampay_caller(), 'webhook', v_event_id, v_tx, v_digest);
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

COMMENT ON FUNCTION @extschema@.streampay_ingest(text, text) IS
    'Verify a signed webhook event (HMAC-SHA256, keys in streampay.webhook_secret_file) and apply it once; returns a JSON summary';

/* streampay--0.1.0--0.2.0.sql: the trust boundary.  Validated addresses
 * against a chain registry, an append-only event ledger, signed webhook
 * ingestion, least privilege. */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION streampay UPDATE TO '0.2.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Chain registry: which networks exist and which address family they use
---------------------------------------------------------------------------

CREATE TABLE @extschema@.streampay_chains (
    chain_id varchar(50) PRIMARY KEY,
    family   text NOT NULL
        CONSTRAINT streampay_chains_family_check
        CHECK (family OPERATOR(pg_catalog.=) ANY (ARRAY['stellar', 'evm']::pg_catalog.text[]))
);
COMMENT ON TABLE @extschema@.streampay_chains IS
    'Registered networks and their address family (stellar: SEP-23 StrKeys; evm: 0x addresses with EIP-55)';

INSERT INTO @extschema@.streampay_chains (chain_id, family) VALUES
    ('stellar-mainnet', 'stellar'), ('stellar-pubnet', 'stellar'),
    ('stellar-testnet', 'stellar'), ('stellar-futurenet', 'stellar'),
    ('stellar-standalone', 'stellar'), ('stellar:pubnet', 'stellar'),
    ('stellar:testnet', 'stellar'),
    ('eip155:1', 'evm'), ('eip155:10', 'evm'), ('eip155:137', 'evm'),
    ('eip155:8453', 'evm'), ('eip155:42161', 'evm'), ('eip155:11155111', 'evm');

-- dump only the rows users add: the seed rows come back with the extension
SELECT pg_catalog.pg_extension_config_dump('@extschema@.streampay_chains',
    $$WHERE chain_id OPERATOR(pg_catalog.<>) ALL (ARRAY['stellar-mainnet', 'stellar-pubnet',
      'stellar-testnet', 'stellar-futurenet', 'stellar-standalone', 'stellar:pubnet',
      'stellar:testnet', 'eip155:1', 'eip155:10', 'eip155:137', 'eip155:8453',
      'eip155:42161', 'eip155:11155111']::pg_catalog.varchar[])$$);

---------------------------------------------------------------------------
-- Append-only event ledger
---------------------------------------------------------------------------

CREATE TABLE @extschema@.stream_events (
    event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id         uuid NOT NULL,
    event_type        text NOT NULL,
    occurred_at       timestamp NOT NULL,
    from_status       @extschema@.stream_status,
    to_status         @extschema@.stream_status,
    settled_delta     decimal(20,9) NOT NULL,
    settled_amount    decimal(20,9) NOT NULL,
    rate_per_second   decimal(20,9) NOT NULL,
    total_amount      decimal(20,9) NOT NULL,
    actor             name NOT NULL,
    source            text NOT NULL
        CONSTRAINT stream_events_source_check
        CHECK (source OPERATOR(pg_catalog.=) ANY (ARRAY['sql', 'webhook']::pg_catalog.text[])),
    external_event_id text,
    transaction_hash  varchar(66),
    payload_digest    bytea,
    recorded_at       timestamp NOT NULL
                      DEFAULT pg_catalog.timezone('UTC', pg_catalog.clock_timestamp())
);
CREATE UNIQUE INDEX stream_events_external_event_id_key
    ON @extschema@.stream_events (external_event_id) WHERE external_event_id IS NOT NULL;
CREATE INDEX stream_events_stream_id_idx ON @extschema@.stream_events (stream_id, event_id);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stream_events', '');
-- pg_dump must also restore the identity sequence's position
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stream_events_event_id_seq', '');

COMMENT ON TABLE @extschema@.stream_events IS
    'Append-only audit log: one row per insert, status change, settlement, rate, total, start and end change, written in the same transaction';
COMMENT ON COLUMN @extschema@.stream_events.settled_delta IS
    'Amount this event settled to the recipient; per stream the deltas sum to streams.settled_amount';
COMMENT ON COLUMN @extschema@.stream_events.payload_digest IS
    'SHA-256 of the webhook payload that caused the event (replay and conflict detection)';

-- streams that predate the ledger: one 'created' event each, carrying what
-- they have settled so far, so that per stream the deltas sum to
-- settled_amount from the start
INSERT INTO @extschema@.stream_events
    (stream_id, event_type, occurred_at, from_status, to_status, settled_delta,
     settled_amount, rate_per_second, total_amount, actor, source)
SELECT s.id, 'created', s.created_at, NULL, s.status, s.settled_amount, s.settled_amount,
       s.rate_per_second, s.total_amount, CURRENT_USER, 'sql'
  FROM @extschema@.streams s
 ORDER BY s.created_at, s.id;

CREATE FUNCTION @extschema@.streampay_ledger_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'streampay_ledger_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.streampay_ledger_trigger() IS
    'AFTER row trigger on streams: appends the change to stream_events';

CREATE TRIGGER streams_streampay_ledger_insert
    AFTER INSERT ON @extschema@.streams
    FOR EACH ROW EXECUTE FUNCTION @extschema@.streampay_ledger_trigger();
-- metadata-only updates are not events: skip them before the trigger runs
CREATE TRIGGER streams_streampay_ledger_update
    AFTER UPDATE ON @extschema@.streams
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.settled_amount IS DISTINCT FROM NEW.settled_amount
          OR OLD.last_settled_at IS DISTINCT FROM NEW.last_settled_at
          OR OLD.rate_per_second IS DISTINCT FROM NEW.rate_per_second
          OR OLD.total_amount IS DISTINCT FROM NEW.total_amount
          OR OLD.start_time IS DISTINCT FROM NEW.start_time
          OR OLD.end_time IS DISTINCT FROM NEW.end_time)
    EXECUTE FUNCTION @extschema@.streampay_ledger_trigger();

CREATE FUNCTION @extschema@.streampay_events_append_only() RETURNS trigger
    AS 'MODULE_PATHNAME', 'streampay_events_append_only'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.streampay_events_append_only() IS
    'Rejects UPDATE, DELETE and TRUNCATE of stream_events outside streampay_purge_events()';
CREATE TRIGGER stream_events_append_only
    BEFORE UPDATE OR DELETE ON @extschema@.stream_events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.streampay_events_append_only();
CREATE TRIGGER stream_events_no_truncate
    BEFORE TRUNCATE ON @extschema@.stream_events
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.streampay_events_append_only();

CREATE FUNCTION @extschema@.streampay_purge_events(older_than timestamp) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only superusers may purge stream_events';
    END IF;
    -- the append-only trigger lets this transaction-local, superuser-only
    -- setting through
    PERFORM pg_catalog.set_config('streampay.allow_event_purge', 'on', true);
    DELETE FROM @extschema@.stream_events e
     WHERE e.recorded_at OPERATOR(pg_catalog.<) older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM pg_catalog.set_config('streampay.allow_event_purge', 'off', true);
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_purge_events(timestamp) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_purge_events(timestamp) IS
    'Retention for superusers: delete ledger rows recorded before older_than (UTC); returns how many';

---------------------------------------------------------------------------
-- Validators, callable
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_valid_address(address text, chain_id text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'streampay_valid_address'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_valid_address(text, text) IS
    'True when address is a valid payer/recipient address for the registered chain chain_id (STABLE: reads streampay_chains)';

CREATE FUNCTION @extschema@.streampay_address_problem(address text, family text,
                                                      kind text DEFAULT 'account')
    RETURNS text
    AS 'MODULE_PATHNAME', 'streampay_address_problem'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_address_problem(text, text, text) IS
    'NULL when address is valid for family (stellar|evm) and kind (account|contract|transaction), else the reason; never echoes a secret';

---------------------------------------------------------------------------
-- Signed webhook ingestion
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_sign(payload text, secret text) RETURNS text
    AS 'MODULE_PATHNAME', 'streampay_sign'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_sign(text, text) IS
    'Hex HMAC-SHA256 of payload under secret, as the StreamPay indexer signs webhooks; stores nothing';

CREATE FUNCTION @extschema@.streampay_verify_signature(payload text, signature text) RETURNS void
    AS 'MODULE_PATHNAME', 'streampay_verify_signature'
    LANGUAGE C STABLE STRICT;
REVOKE ALL ON FUNCTION @extschema@.streampay_verify_signature(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_verify_signature(text, text) IS
    'Raises unless signature is the HMAC-SHA256 of payload under streampay.webhook_secret (or _previous)';

CREATE FUNCTION @extschema@.streampay_ingest(payload text, signature text) RETURNS jsonb
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

    -- 3. replay: the ledger remembers every event id, forever
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
REVOKE ALL ON FUNCTION @extschema@.streampay_ingest(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_ingest(text, text) IS
    'Verify a signed webhook event (HMAC-SHA256, streampay.webhook_secret) and apply it once; returns a JSON summary';

---------------------------------------------------------------------------
-- The write helpers without an event time: let the trigger pick T (the
-- transaction time, but never before the stream's last settlement), so a
-- transaction that began before a concurrent settlement committed does not
-- fail with "event time is before the last settlement".  0.1.0 wrote the
-- transaction time explicitly.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_set_status(stream_id uuid, new_status @extschema@.stream_status)
    RETURNS @extschema@.streams
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.streams;
BEGIN
    UPDATE @extschema@.streams s SET status = new_status
     WHERE s.id OPERATOR(pg_catalog.=) stream_id
     RETURNING s.* INTO r;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('stream %s does not exist', stream_id);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_set_status(uuid, @extschema@.stream_status) IS
    'Change a stream''s status at the transaction time (never before its last settlement), settling first';

DROP FUNCTION @extschema@.streampay_pause(uuid);
DROP FUNCTION @extschema@.streampay_resume(uuid);
DROP FUNCTION @extschema@.streampay_cancel(uuid);
DROP FUNCTION @extschema@.streampay_complete(uuid);
DROP FUNCTION @extschema@.streampay_settle(uuid);

CREATE FUNCTION @extschema@.streampay_pause(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'paused');
CREATE FUNCTION @extschema@.streampay_resume(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'active');
CREATE FUNCTION @extschema@.streampay_cancel(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'cancelled');
CREATE FUNCTION @extschema@.streampay_complete(stream_id uuid) RETURNS @extschema@.streams
    LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
    RETURN @extschema@.streampay_set_status(stream_id, 'completed');

CREATE FUNCTION @extschema@.streampay_settle(stream_id uuid) RETURNS numeric
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t timestamp;
BEGIN
    -- lock first, so that the last settlement cannot move before we settle
    SELECT GREATEST(pg_catalog.timezone('UTC', pg_catalog.now()), s.last_settled_at) INTO t
      FROM @extschema@.streams s
     WHERE s.id OPERATOR(pg_catalog.=) stream_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('stream %s does not exist', stream_id);
    END IF;
    RETURN @extschema@.streampay_settle(stream_id, t);
END
$$;

COMMENT ON FUNCTION @extschema@.streampay_pause(uuid) IS
    'Pause an active stream at the transaction time (never before its last settlement), settling first';
COMMENT ON FUNCTION @extschema@.streampay_resume(uuid) IS
    'Resume a paused stream at the transaction time (never before its last settlement)';
COMMENT ON FUNCTION @extschema@.streampay_cancel(uuid) IS
    'Cancel a stream at the transaction time (never before its last settlement), settling first';
COMMENT ON FUNCTION @extschema@.streampay_complete(uuid) IS
    'Complete a stream that is done, at the transaction time (never before its last settlement)';
COMMENT ON FUNCTION @extschema@.streampay_settle(uuid) IS
    'Settle a stream at the transaction time (never before its last settlement); returns the amount added';

---------------------------------------------------------------------------
-- Row forms without the row: the planner rewrites streampay_accrued(s, t)
-- (and claimable, refundable) over a table row into a call on the columns,
-- so the executor need not build and the function need not take apart a
-- whole composite row for every row scanned.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_accrual_from_columns(
        kind int4, stream_id uuid, status @extschema@.stream_status, rate_per_second numeric,
        start_time timestamp, end_time timestamp, total_amount numeric,
        last_settled_at timestamp, settled_amount numeric, as_of timestamp)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_accrual_from_columns'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_accrual_from_columns(int4, uuid, @extschema@.stream_status,
        numeric, timestamp, timestamp, numeric, timestamp, numeric, timestamp) IS
    'Internal: the row forms of streampay_accrued/claimable/refundable (kind 0/1/2) on a row''s columns';

CREATE FUNCTION @extschema@.streampay_row_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'streampay_row_support'
    LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.streampay_row_support(internal) IS
    'Planner support: turns the row forms over a table row into streampay_accrual_from_columns';

ALTER FUNCTION @extschema@.streampay_accrued(@extschema@.streams) SUPPORT @extschema@.streampay_row_support;
ALTER FUNCTION @extschema@.streampay_accrued(@extschema@.streams, timestamp) SUPPORT @extschema@.streampay_row_support;
ALTER FUNCTION @extschema@.streampay_claimable(@extschema@.streams) SUPPORT @extschema@.streampay_row_support;
ALTER FUNCTION @extschema@.streampay_claimable(@extschema@.streams, timestamp) SUPPORT @extschema@.streampay_row_support;
ALTER FUNCTION @extschema@.streampay_refundable(@extschema@.streams) SUPPORT @extschema@.streampay_row_support;
ALTER FUNCTION @extschema@.streampay_refundable(@extschema@.streams, timestamp) SUPPORT @extschema@.streampay_row_support;
